"""Show-once robot tokens (issue 8, config robot_tokens: show_once): only the
token's keyed hash is stored, so no API returns a token after the response
that created it; and the default mode (retrievable, as Quay) for contrast."""
import glob
import subprocess

import pytest

from apihelpers import (TOKEN_RE, bearer, create_org, db_exec, describe, registry_auth,
                        uniq)
from backends import pg_dump
from conftest import WHARF_BIN, Wharf

ONCE_MSG = "only once"


def started(w):
    w.start()
    w.admin = bearer(w, w.admin_token, w.admin_user)
    return w


@pytest.fixture(scope="module")
def once(tmp_path_factory):
    w = started(Wharf(tmp_path_factory.mktemp("once"),
                      ["--shutdown-grace", "2", "--robot-tokens", "show_once"]))
    yield w
    w.stop()
    log = w.read_log()
    for marker in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
        assert marker not in log, log[-3000:]


def secret_columns(w, robot_name):
    """(has an encrypted copy, index) of each token of the robot, on either engine."""
    rows = db_exec(w, "SELECT CASE WHEN c.secret_enc IS NULL THEN 0 ELSE 1 END, c.idx "
                      "FROM credential c JOIN account a ON a.id = c.account_id "
                      "WHERE a.name = ? AND c.kind = 1", (robot_name,))
    assert rows, robot_name
    return rows


def db_bytes(w):
    """Every byte the database holds: the SQLite file with its -wal and -shm, or
    PostgreSQL's dump."""
    if w.db.startswith("postgres"):
        return pg_dump(w.db)
    data = b""
    for f in glob.glob(w.db[len("sqlite://"):] + "*"):
        with open(f, "rb") as fh:
            data += fh.read()
    return data


def auth_ok(w, name, token):
    return registry_auth(w, name, token).status_code == 200


def test_show_once_create_get_list(once):
    org = create_org(once.admin)
    short = uniq("bot")
    r = once.admin.put(f"organization/{org}/robots/{short}", {"description": "d"})
    assert r.status_code == 201, describe(r)
    bot = r.json()
    token = bot["token"]
    assert TOKEN_RE.fullmatch(token)
    assert auth_ok(once, bot["name"], token)
    # never again: GET, list (token=true is the default), PUT of the existing robot
    g = once.admin.get(f"organization/{org}/robots/{short}")
    assert g.status_code == 200, describe(g)
    assert "token" in g.json() and g.json()["token"] is None
    lst = once.admin.get(f"organization/{org}/robots").json()["robots"]
    assert [b["token"] for b in lst if b["name"] == bot["name"]] == [None]
    again = once.admin.put(f"organization/{org}/robots/{short}", {"description": "e"})
    assert again.status_code == 200 and again.json()["token"] is None, describe(again)
    for resp in (g, again):
        assert token not in resp.text
    assert token not in once.admin.get(f"organization/{org}/robots?token=true").text
    # the database holds the index only: no encrypted copy, not the token's bytes
    for has_enc, idx in secret_columns(once, bot["name"]):
        assert has_enc == 0 and idx
    assert token.encode() not in db_bytes(once)


def test_show_once_regenerate_and_add(once):
    org = create_org(once.admin)
    short = uniq("bot")
    bot = once.admin.put(f"organization/{org}/robots/{short}").json()
    base = f"organization/{org}/robots/{short}"
    regen = once.admin.post(f"{base}/regenerate", {"grace_period": 600})
    assert regen.status_code == 200, describe(regen)
    new = regen.json()["token"]
    assert TOKEN_RE.fullmatch(new) and new != bot["token"]
    assert regen.json()["previous_token_expires_at"]
    assert auth_ok(once, bot["name"], new) and auth_ok(once, bot["name"], bot["token"])
    plain = once.admin.post(f"{base}/regenerate")
    assert plain.status_code == 200 and TOKEN_RE.fullmatch(plain.json()["token"])
    assert not auth_ok(once, bot["name"], new)  # grace 0: Quay's behaviour
    add = once.admin.post(f"{base}/tokens", {"label": "ci"})
    assert add.status_code == 201, describe(add)
    added = add.json()["token"]
    assert TOKEN_RE.fullmatch(added) and auth_ok(once, bot["name"], added)
    assert once.admin.get(base).json()["token"] is None
    toks = once.admin.get(f"{base}/tokens").json()["tokens"]
    assert len(toks) == 2 and all("token" not in t for t in toks)
    for has_enc, _ in secret_columns(once, bot["name"]):
        assert has_enc == 0
    data = db_bytes(once)
    for t in (bot["token"], new, plain.json()["token"], added):
        assert t.encode() not in data


def test_show_once_user_robot_and_secret_endpoint(once):
    short = uniq("ub")
    r = once.admin.put(f"user/robots/{short}")
    assert r.status_code == 201 and TOKEN_RE.fullmatch(r.json()["token"]), describe(r)
    assert once.admin.get(f"user/robots/{short}").json()["token"] is None
    assert [b["token"] for b in once.admin.get("user/robots").json()["robots"]
            if b["name"].endswith("+" + short)] == [None]
    s = once.admin.get(f"user/robots/{short}/secret?format=kubernetes")
    assert s.status_code == 400, describe(s)
    assert ONCE_MSG in s.text and "regenerate" in s.text
    org = create_org(once.admin)
    oshort = uniq("bot")
    once.admin.put(f"organization/{org}/robots/{oshort}")
    for fmt in ("dockerconfig", "env", "github"):
        s = once.admin.get(f"organization/{org}/robots/{oshort}/secret?format={fmt}")
        assert s.status_code == 400 and ONCE_MSG in s.text, describe(s)
    # an unknown robot is still "not found", not the show-once message
    s = once.admin.get(f"organization/{org}/robots/nobody/secret?format=env")
    assert s.status_code == 400 and ONCE_MSG not in s.text


def test_retrievable_default(wharf):
    w = wharf
    admin = bearer(w, w.admin_token, w.admin_user)
    org = create_org(admin)
    short = uniq("bot")
    bot = admin.put(f"organization/{org}/robots/{short}").json()
    assert admin.get(f"organization/{org}/robots/{short}").json()["token"] == bot["token"]
    for has_enc, _ in secret_columns(w, bot["name"]):
        assert has_enc == 1  # the encrypted copy Quay's GET reads back
    s = admin.get(f"organization/{org}/robots/{short}/secret?format=env")
    assert s.status_code == 200 and bot["token"] in s.json()["content"], describe(s)


def test_mode_switch(wharf_factory):
    """Tokens made while retrievable are no longer shown once the server runs
    show_once; tokens made show-once have no copy when switched back."""
    w = wharf_factory(extra_args=["--shutdown-grace", "2"])
    admin = bearer(w, w.admin_token, w.admin_user)
    org = create_org(admin)
    short = uniq("bot")
    old = admin.put(f"organization/{org}/robots/{short}").json()
    w.stop()
    w.extra_args = ["--shutdown-grace", "2", "--robot-tokens", "show_once"]
    w.start()
    assert admin.get(f"organization/{org}/robots/{short}").json()["token"] is None
    assert auth_ok(w, old["name"], old["token"])
    s = admin.get(f"organization/{org}/robots/{short}/secret?format=env")
    assert s.status_code == 400 and ONCE_MSG in s.text
    new = admin.post(f"organization/{org}/robots/{short}/regenerate").json()["token"]
    w.stop()
    w.extra_args = ["--shutdown-grace", "2"]
    w.start()
    g = admin.get(f"organization/{org}/robots/{short}")
    assert g.status_code == 200 and g.json()["token"] is None, describe(g)
    assert auth_ok(w, old["name"], new)
    s = admin.get(f"organization/{org}/robots/{short}/secret?format=env")
    assert s.status_code == 400 and "regenerate" in s.text
    assert TOKEN_RE.fullmatch(admin.post(f"organization/{org}/robots/{short}/regenerate")
                              .json()["token"])
    assert TOKEN_RE.fullmatch(admin.get(f"organization/{org}/robots/{short}").json()["token"])


def test_bad_mode_refused(tmp_path):
    out = subprocess.run([WHARF_BIN, "serve", "--robot-tokens", "sometimes",
                          "--db", f"sqlite://{tmp_path}/w.db", "--storage", f"file://{tmp_path}/b"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "robot_tokens must be retrievable or show_once" in out.stderr
