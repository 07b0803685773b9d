"""Helpers for the black-box tests of the Quay-compatible /api/v1: a client
that sends exactly the Authorization header it is given (the Wharf session
always sends the admin's Basic credentials), extra users, org teams, and
checks of Quay's two error shapes (spec §0).

Fixture `api` is one wharf per test module (tests use uniq() names) with the
bootstrapped superuser's client as `api.admin`."""
import base64
import json
import re
import sqlite3
import subprocess
import uuid

import pytest
import requests

from backends import pg_exec
from conftest import WHARF_BIN, Wharf

TOKEN_RE = re.compile(r"[A-Z0-9]{64}")
RFC2822_RE = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} -0000")
NAME_REGEX = "^([a-z0-9]+(?:[._-][a-z0-9]+)*)$"


def uniq(prefix="x"):
    """A name nobody else in the run uses (valid as org, robot and repo name)."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def describe(resp):
    req = resp.request
    return f"{req.method} {req.path_url} -> {resp.status_code} {resp.content[:600]!r}"


class Client:
    """Talks to one wharf with a fixed Authorization header (None: anonymous)."""

    def __init__(self, w, authorization=None, name=None):
        self.w = w
        self.name = name
        self.headers = {"Authorization": authorization} if authorization else {}
        self.session = requests.Session()

    def request(self, method, path, json_body=None, data=None, headers=None, **kw):
        h = dict(self.headers)
        h.update(headers or {})
        if json_body is not None:
            data = json.dumps(json_body)
            h.setdefault("Content-Type", "application/json")
        if not path.startswith("/"):
            path = "/api/v1/" + path
        kw.setdefault("timeout", 60)
        kw.setdefault("allow_redirects", False)
        return self.session.request(method, self.w.url + path, data=data, headers=h, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def put(self, path, json_body=None, **kw):
        return self.request("PUT", path, json_body=json_body, **kw)

    def post(self, path, json_body=None, **kw):
        return self.request("POST", path, json_body=json_body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def bearer(w, token, name=None):
    return Client(w, "Bearer " + token, name)


def basic(w, user, password):
    raw = f"{user}:{password}".encode()
    return Client(w, "Basic " + base64.b64encode(raw).decode(), user)


class SessionClient(Client):
    """A user signed in with a password, as a browser or the Ansible
    collection's password mode does: session cookie + CSRF header on /api/v1
    (HTTP Basic is no API credential, spec §1)."""

    def __init__(self, w, user, password):
        super().__init__(w, None, user)
        r = self.session.get(w.url + "/csrf_token", timeout=30)
        assert r.status_code == 200, describe(r)
        self.headers = {"X-CSRF-Token": r.json()["csrf_token"]}
        r = self.post("signin", {"username": user, "password": password})
        assert r.status_code == 200, describe(r)
        if r.headers.get("X-Next-CSRF-Token"):
            self.headers["X-CSRF-Token"] = r.headers["X-Next-CSRF-Token"]


def signed_in(w, user, password):
    return SessionClient(w, user, password)


def anonymous(w):
    return Client(w)


def db_path(w):
    return w.db[len("sqlite://"):]


def db_exec(w, sql, args=()):
    """Runs one statement on the server's database, SQLite or PostgreSQL (for
    set-ups the API cannot make yet: plain users, team memberships)."""
    if w.db.startswith("postgres"):
        return pg_exec(w.db, sql, args)
    con = sqlite3.connect(db_path(w), timeout=30)
    try:
        cur = con.execute(sql, args)
        con.commit()
        return cur.fetchall()
    finally:
        con.close()


def make_user(w, name=None, superuser=False):
    """A user with a password and an all-scope API token, via `wharf admin
    bootstrap`; demoted unless superuser. Returns its bearer Client."""
    name = name or uniq("u")
    out = subprocess.run([WHARF_BIN, "admin", "bootstrap", "--db", w.db, "--username", name,
                          "--json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    creds = json.loads(out.stdout)
    if not superuser:
        db_exec(w, "UPDATE account SET is_superuser = 0 WHERE name = ?", (name,))
    c = bearer(w, creds["token"], name)
    c.password = creds["password"]
    return c


def add_to_team(w, org, team, member, role=1):
    """Puts account `member` in team `team` of `org` (role 1 member, 2 creator,
    3 admin), creating the team."""
    db_exec(w, "INSERT INTO team(org_id, name, role, description) SELECT id, ?, ?, '' "
               "FROM account WHERE name = ? ON CONFLICT (org_id, name) DO NOTHING",
            (team, role, org))
    db_exec(w, "INSERT INTO team_member(team_id, account_id) SELECT t.id, a.id FROM team t "
               "JOIN account o ON o.id = t.org_id, account a WHERE o.name = ? AND t.name = ? "
               "AND a.name = ?", (org, team, member))


def assert_api_error(resp, status, message=None, error_type=None):
    """resp is Quay's ApiException shape with that status (and message)."""
    assert resp.status_code == status, describe(resp)
    body = resp.json()
    for key in ("detail", "error_message", "error_type", "title", "type", "status"):
        assert key in body, f"missing {key}: {describe(resp)}"
    assert body["status"] == status
    if message is not None:
        assert body["error_message"] == message, describe(resp)
        assert body["detail"] == message, describe(resp)
    if error_type is not None:
        assert body["error_type"] == error_type, describe(resp)
    return body


def assert_message(resp, message):
    """resp is Quay's data-model error: 400 {"message": message}."""
    assert resp.status_code == 400, describe(resp)
    assert resp.json() == {"message": message}, describe(resp)


def registry_auth(w, user, password, scope=None):
    """GET /v2/auth with Basic credentials."""
    params = {"service": w.host}
    if scope:
        params["scope"] = scope
    return requests.get(w.url + "/v2/auth", params=params, auth=(user, password), timeout=60)


def create_org(client, name=None):
    name = name or uniq("org")
    r = client.post("organization/", {"name": name, "email": f"{name}@example.com"})
    assert r.status_code == 201, describe(r)
    return name


def create_repo(client, ns, name=None, visibility="private"):
    name = name or uniq("repo")
    r = client.post("repository", {"repository": name, "visibility": visibility,
                                   "description": "", "namespace": ns})
    assert r.status_code == 201, describe(r)
    return f"{ns}/{name}"


def create_robot(client, org, short=None, body=None):
    short = short or uniq("bot")
    r = client.put(f"organization/{org}/robots/{short}", body)
    assert r.status_code == 201, describe(r)
    return r.json()


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """One wharf per test module; api.admin is the superuser's token client."""
    w = Wharf(tmp_path_factory.mktemp("api"), ["--shutdown-grace", "2"])
    w.start()
    w.admin = bearer(w, w.admin_token, w.admin_user)
    yield w
    alive = w.proc.poll() is None
    w.stop()
    # after the stop, so a LeakSanitizer report at exit is seen too
    log = w.read_log()
    assert alive, f"wharf exited: {log[-3000:]}"
    for marker in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
        assert marker not in log, log[-3000:]
