"""The audit log (issue 7, spec §5): what robots and people do shows up in the
organization, repository and user logs with performer, address and
metadata; filters, date ranges, pages and counts as Quay's logs API has them;
nothing is lost under concurrency; entries outlive the robot; no secret is
ever recorded."""
import glob
import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
import requests

from apihelpers import (RFC2822_RE, api, create_org, create_repo, create_robot,  # noqa: F401
                        db_exec, db_path, describe, registry_auth, uniq)
from backends import pg_dump
from conftest import WHARF_BIN
from httpverbs import HttpVerbs
from ocihelpers import OCI_MANIFEST, push_image
from test_postgres import PG, _built_with_libpq, pair, pgdb  # noqa: F401  (fixtures)


class As(HttpVerbs):
    """A registry client with someone's Basic credentials, shaped like the
    Wharf object the ocihelpers take."""

    def __init__(self, w, user, password):
        self.url, self.host = w.url, w.host
        self.session = requests.Session()
        self.session.auth = (user, password) if user else None

    def request(self, method, path, **kw):
        kw.setdefault("timeout", 60)
        kw.setdefault("allow_redirects", False)
        return self.session.request(method, self.url + path, **kw)


def logs(client, path, **params):
    r = client.get(path, params=params)
    assert r.status_code == 200, describe(r)
    return r.json()


def all_logs(client, path, **params):
    """Every entry, following next_page."""
    entries, seen_pages = [], 0
    while True:
        page = logs(client, path, **params)
        assert len(page["logs"]) <= 20
        entries += page["logs"]
        seen_pages += 1
        if "next_page" not in page:
            return entries
        assert len(page["logs"]) == 20
        params["next_page"] = page["next_page"]
        assert seen_pages < 100


def find(entries, kind, **md):
    return [e for e in entries if e["kind"] == kind
            and all(e["metadata"].get(k) == v for k, v in md.items())]


def pull(client, repo, ref):
    r = client.get(f"/v2/{repo}/manifests/{ref}", headers={"Accept": OCI_MANIFEST})
    assert r.status_code == 200, describe(r)
    return r


def org_with_robot(api, role="write"):  # noqa: F811
    """An org with repository app and robot ci holding `role` on it."""
    org = create_org(api.admin)
    repo = create_repo(api.admin, org, "app")
    bot = create_robot(api.admin, org, "ci")
    r = api.admin.put(f"repository/{repo}/permissions/user/{bot['name']}", {"role": role})
    assert r.status_code == 200, describe(r)
    return org, repo, bot


def today():
    return datetime.now(timezone.utc).date()


def mdy(d):
    return d.strftime("%m/%d/%Y")


def rfc2822_midnight(d):
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc).strftime(
        "%a, %d %b %Y 00:00:00 -0000")


# --- registry events --------------------------------------------------------------


def test_registry_metadata_escapes_client_text(api):  # noqa: F811
    """The registry kinds' metadata is written without jansson: a user agent with quotes,
    backslashes, UTF-8, an invalid byte and a tab still gives valid JSON with the cleaned
    text (invalid bytes and control characters become '?')."""
    import socket
    org, repo, bot = org_with_robot(api)
    robot = As(api, bot["name"], bot["token"])
    push_image(robot, repo, "v1")
    host, port = api.host.rsplit(":", 1)
    ua = b'ua "q" \\ \xc3\xa9 \xff\tz'
    req = (f"GET /v2/{repo}/manifests/v1 HTTP/1.1\r\nHost: {api.host}\r\n"
           f"Accept: {OCI_MANIFEST}\r\nAuthorization: {api.basic(bot['name'], bot['token'])}\r\n"
           ).encode() + b"User-Agent: " + ua + b"\r\nConnection: close\r\n\r\n"
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(req)
        head = s.recv(65536)
    assert head.startswith(b"HTTP/1.1 200"), head[:200]
    pulls = find(all_logs(api.admin, f"repository/{repo}/logs"), "pull_repo")
    assert len(pulls) == 1, pulls
    md = pulls[0]["metadata"]
    assert md["user-agent"] == 'ua "q" \\ \u00e9 ??z', md
    assert md["tag"] == "v1" and md["repo"] == "app" and md["namespace"] == org
    assert md["username"] == bot["name"] and md["is_robot"] is True


def test_robot_push_and_pull_in_org_and_repo_logs(api):  # noqa: F811
    org, repo, bot = org_with_robot(api)
    robot = As(api, bot["name"], bot["token"])
    img = push_image(robot, repo, "v1")
    pull(robot, repo, "v1")
    pull(robot, repo, img.digest)
    r = robot.head(f"/v2/{repo}/manifests/v1", headers={"Accept": OCI_MANIFEST})
    assert r.status_code == 200  # resolving is not pulling: no entry

    for path in (f"organization/{org}/logs", f"repository/{repo}/logs"):
        entries = all_logs(api.admin, path)
        pushes = find(entries, "push_repo")
        assert len(pushes) == 1, entries
        e = pushes[0]
        assert e["performer"]["name"] == bot["name"]
        assert e["performer"]["kind"] == "user" and e["performer"]["is_robot"] is True
        assert e["performer"]["avatar"]["kind"] == "robot"
        assert e["ip"] == "127.0.0.1"
        assert RFC2822_RE.fullmatch(e["datetime"]), e
        md = e["metadata"]
        assert md["repo"] == "app" and md["namespace"] == org
        assert md["tag"] == "v1" and md["manifest_digest"] == img.digest
        assert md["mediaType"] == OCI_MANIFEST
        assert md["username"] == bot["name"] and md["is_robot"] is True
        assert md["user-agent"].startswith("python-requests")
        pulls = find(entries, "pull_repo")
        assert len(pulls) == 2, pulls
        by_tag = find(pulls, "pull_repo", tag="v1")
        assert len(by_tag) == 1 and by_tag[0]["metadata"]["manifest_digest"] == img.digest
        by_digest = [p for p in pulls if "tag" not in p["metadata"]]
        assert len(by_digest) == 1 and by_digest[0]["metadata"]["manifest_digest"] == img.digest
        assert all(p["performer"]["name"] == bot["name"] and p["ip"] == "127.0.0.1" for p in pulls)
    # newest first: the pulls came after the push
    entries = logs(api.admin, f"repository/{repo}/logs")["logs"]
    kinds = [e["kind"] for e in entries]
    assert kinds.index("pull_repo") < kinds.index("push_repo") < kinds.index("create_repo")


def test_denied_pull_and_push_are_logged(api):  # noqa: F811
    org, repo, bot = org_with_robot(api, role="read")
    push_image(api, repo, "v1")  # the admin pushes
    reader = As(api, bot["name"], bot["token"])
    r = reader.put(f"/v2/{repo}/manifests/v2", data=b"{}",
                   headers={"Content-Type": OCI_MANIFEST})
    assert r.status_code in (401, 403), describe(r)
    r = As(api, None, None).get(f"/v2/{repo}/manifests/v1", headers={"Accept": OCI_MANIFEST})
    assert r.status_code == 401, describe(r)
    entries = all_logs(api.admin, f"repository/{repo}/logs")
    push_failed = find(entries, "push_repo_failed", tag="v2")
    assert len(push_failed) == 1, entries
    assert push_failed[0]["performer"]["name"] == bot["name"]
    pull_failed = find(entries, "pull_repo_failed", tag="v1")
    assert len(pull_failed) == 1, entries
    assert "performer" not in pull_failed[0]  # anonymous
    assert pull_failed[0]["ip"] == "127.0.0.1"


def test_concurrent_pulls_all_recorded(api):  # noqa: F811
    org, repo, bot = org_with_robot(api)
    robot = As(api, bot["name"], bot["token"])
    push_image(robot, repo, "v1")

    def one(_):
        s = requests.Session()
        s.auth = (bot["name"], bot["token"])
        r = s.get(f"{api.url}/v2/{repo}/manifests/v1", headers={"Accept": OCI_MANIFEST},
                  timeout=60)
        return r.status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert list(pool.map(one, range(50))) == [200] * 50
    agg = logs(api.admin, f"repository/{repo}/aggregatelogs")["aggregated"]
    assert [a["count"] for a in agg if a["kind"] == "pull_repo"] == [50]
    assert len(find(all_logs(api.admin, f"repository/{repo}/logs"), "pull_repo")) == 50


# --- filters, ranges, pages, counts --------------------------------------------------


def test_performer_filter(api):  # noqa: F811
    org, repo, bot = org_with_robot(api)
    robot = As(api, bot["name"], bot["token"])
    push_image(robot, repo, "v1")
    pull(robot, repo, "v1")
    mine = all_logs(api.admin, f"organization/{org}/logs", performer=bot["name"])
    assert {e["kind"] for e in mine} == {"push_repo", "pull_repo"}
    assert all(e["performer"]["name"] == bot["name"] for e in mine)
    admins = all_logs(api.admin, f"organization/{org}/logs", performer=api.admin_user)
    kinds = {e["kind"] for e in admins}
    assert {"org_create", "create_repo", "create_robot", "change_repo_permission"} <= kinds
    assert all(e["performer"]["name"] == api.admin_user for e in admins)
    # an unknown name matches nothing (Quay answers 500)
    assert logs(api.admin, f"organization/{org}/logs", performer="nobody")["logs"] == []
    # the same filter on the counts
    agg = logs(api.admin, f"organization/{org}/aggregatelogs", performer=bot["name"])
    assert {a["kind"]: a["count"] for a in agg["aggregated"]} == {"push_repo": 1, "pull_repo": 1}


def test_date_range(api):  # noqa: F811
    org, repo, bot = org_with_robot(api)
    path = f"organization/{org}/logs"
    # spec §5's example: MM/DD/YYYY in UTC, one day added to the end
    j = logs(api.admin, path, starttime="12/01/2016", endtime="1/09/2017")
    assert j["start_time"] == "Thu, 01 Dec 2016 00:00:00 -0000"
    assert j["end_time"] == "Tue, 10 Jan 2017 00:00:00 -0000"
    assert j["logs"] == []
    # today's entries are in today's range and in the default one
    d = today()
    j = logs(api.admin, path, starttime=mdy(d), endtime=mdy(d))
    assert j["start_time"] == rfc2822_midnight(d)
    assert j["end_time"] == rfc2822_midnight(d + timedelta(days=1))
    assert find(j["logs"], "create_robot", robot="ci")
    assert find(logs(api.admin, path)["logs"], "create_robot", robot="ci")
    # a range that starts tomorrow has none
    assert logs(api.admin, path, starttime=mdy(d + timedelta(days=1)),
                endtime=mdy(d + timedelta(days=2)))["logs"] == []
    # unparseable dates are ignored: the defaults apply
    assert find(logs(api.admin, path, starttime="garbage", endtime="13/45/2020")["logs"],
                "create_robot")
    # ISO-8601 (wharf): a date, or an exact UTC time without the added day
    assert find(logs(api.admin, path, starttime=d.isoformat())["logs"], "create_robot")
    soon = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert logs(api.admin, path, starttime=soon)["logs"] == []
    # the end before the start
    r = api.admin.get(path, params={"starttime": mdy(d), "endtime": mdy(d - timedelta(days=3))})
    assert r.status_code == 400, describe(r)
    # counts: at most 31 days
    r = api.admin.get(f"organization/{org}/aggregatelogs",
                      params={"starttime": mdy(d - timedelta(days=40)), "endtime": mdy(d)})
    assert r.status_code == 400, describe(r)


def test_pages_and_counts(api):  # noqa: F811
    org = create_org(api.admin)
    repo = create_repo(api.admin, org, "busy")
    push_image(api, repo, "v1")
    for _ in range(45):
        pull(api, repo, "v1")
    path = f"repository/{repo}/logs"
    pages, params = [], {}
    while True:
        page = logs(api.admin, path, **params)
        pages.append(page["logs"])
        if "next_page" not in page:
            break
        params = {"next_page": page["next_page"]}
    assert [len(p) for p in pages] == [20, 20, 7]
    entries = [e for p in pages for e in p]
    assert len(find(entries, "pull_repo")) == 45
    assert len(find(entries, "push_repo")) == 1 and len(find(entries, "create_repo")) == 1
    assert entries[-1]["kind"] == "create_repo"  # newest first
    stamps = [datetime.strptime(e["datetime"], "%a, %d %b %Y %H:%M:%S -0000") for e in entries]
    assert stamps == sorted(stamps, reverse=True)
    # a token that is not ours starts over
    assert logs(api.admin, path, next_page="bm9uc2Vuc2U")["logs"] == pages[0]
    # counts per kind per day
    agg = logs(api.admin, f"repository/{repo}/aggregatelogs")["aggregated"]
    counts = {a["kind"]: a["count"] for a in agg}
    assert counts == {"pull_repo": 45, "push_repo": 1, "create_repo": 1}
    assert {a["datetime"] for a in agg} == {rfc2822_midnight(today())}
    org_counts = {a["kind"]: a["count"] for a in
                  logs(api.admin, f"organization/{org}/aggregatelogs")["aggregated"]}
    assert org_counts["pull_repo"] == 45 and org_counts["org_create"] == 1


def test_logs_need_admin(api):  # noqa: F811
    org, repo, bot = org_with_robot(api)
    from apihelpers import anonymous, make_user
    outsider = make_user(api)
    for path in (f"organization/{org}/logs", f"organization/{org}/aggregatelogs",
                 f"repository/{repo}/logs", f"repository/{repo}/aggregatelogs"):
        assert outsider.get(path).status_code == 403, path
        assert anonymous(api).get(path).status_code == 401, path
    assert api.admin.get(f"repository/{org}/missing/logs").status_code == 404
    assert api.admin.get("organization/nosuchorg/logs").status_code in (403, 404)
    # a user's own log: the entries of their namespace
    r = outsider.put("user/robots/mybot", {})
    assert r.status_code == 201, describe(r)
    mine = logs(outsider, "user/logs")["logs"]
    assert find(mine, "create_robot", robot="mybot")
    assert all(e["kind"] != "create_repo" for e in mine)  # the org's stay in the org's log
    assert logs(outsider, "user/aggregatelogs")["aggregated"]


# --- the performer outlives the robot; no secrets -------------------------------------


def test_deleted_robot_still_named(api):  # noqa: F811
    org, repo, bot = org_with_robot(api)
    robot = As(api, bot["name"], bot["token"])
    push_image(robot, repo, "v1")
    pull(robot, repo, "v1")
    r = api.admin.delete(f"organization/{org}/robots/ci")
    assert r.status_code == 204, describe(r)
    entries = all_logs(api.admin, f"organization/{org}/logs")
    for kind in ("push_repo", "pull_repo"):
        (e,) = find(entries, kind)
        assert e["performer"]["name"] == bot["name"] and e["performer"]["is_robot"] is True
    (gone,) = find(entries, "delete_robot", robot="ci")
    assert gone["performer"]["name"] == api.admin_user
    # and the filter still finds what it did
    assert len(all_logs(api.admin, f"organization/{org}/logs", performer=bot["name"])) == 2


def test_logins_and_no_secret_recorded(api):  # noqa: F811
    org, repo, bot = org_with_robot(api)
    wrong_token = "WRONG" + uniq("t").upper() * 3
    wrong_password = "wrong-password-" + uniq("p")
    assert registry_auth(api, bot["name"], bot["token"]).status_code == 200
    assert registry_auth(api, bot["name"], wrong_token).status_code == 401
    assert registry_auth(api, api.admin_user, wrong_password).status_code == 401
    assert registry_auth(api, "nosuchuser", wrong_password).status_code == 401

    entries = all_logs(api.admin, f"organization/{org}/logs")
    (ok,) = find(entries, "login_success")
    assert ok["performer"]["name"] == bot["name"]
    assert ok["metadata"]["kind"] == "robot" and ok["metadata"]["robot"] == bot["name"]
    assert ok["metadata"]["type"] == "v2auth"
    (bad,) = find(entries, "login_failure")
    assert "performer" not in bad
    assert bad["metadata"]["username"] == bot["name"] and bad["metadata"]["kind"] == "robot"
    assert bad["metadata"]["message"] and bad["ip"] == "127.0.0.1"
    (user_bad,) = find(all_logs(api.admin, "user/logs"), "login_failure",
                       username=api.admin_user)
    assert user_bad["metadata"]["kind"] == "user"

    # the secrets used are nowhere: not in any entry, the database or the log
    secrets = [wrong_token, wrong_password, bot["token"], api.admin_password, api.admin_token]
    text = json.dumps(entries) + json.dumps(user_bad)
    for s in secrets:
        assert s not in text
    for f in glob.glob(db_path(api) + "*") + [api.log_path]:
        with open(f, "rb") as fh:
            data = fh.read()
        for s in secrets:
            assert s.encode() not in data, f"secret found in {os.path.basename(f)}"
    if api.db.startswith("postgres"):
        data = pg_dump(api.db)
        for s in secrets:
            assert s.encode() not in data, "secret found in the PostgreSQL database"


# --- every administrative action -----------------------------------------------------


def test_api_actions_logged(api):  # noqa: F811
    a = api.admin
    org = create_org(a)
    repo = create_repo(a, org, "kinds")
    name = "kinds"
    expected = [("org_create", {"namespace": org}), ("create_repo", {"repo": name, "namespace": org})]

    def ok(r, status=(200, 201, 204)):
        assert r.status_code in status, describe(r)
        return r

    ok(a.post(f"repository/{repo}/changevisibility", {"visibility": "public"}))
    expected.append(("change_repo_visibility", {"repo": name, "visibility": "public"}))
    bot = create_robot(a, org, "k1", {"description": "kinds"})
    expected.append(("create_robot", {"robot": "k1", "description": "kinds"}))
    ok(a.post(f"organization/{org}/robots/k1/regenerate"))
    expected.append(("regenerate_robot_token", {"robot": "k1"}))
    ok(a.put(f"repository/{repo}/permissions/user/{bot['name']}", {"role": "read"}))
    expected.append(("change_repo_permission", {"username": bot["name"], "role": "read"}))
    ok(a.delete(f"repository/{repo}/permissions/user/{bot['name']}"))
    expected.append(("delete_repo_permission", {"username": bot["name"], "repo": name}))
    ok(a.put(f"organization/{org}/team/devs", {"role": "member"}))
    expected.append(("org_create_team", {"team": "devs"}))
    ok(a.put(f"organization/{org}/team/devs", {"role": "creator"}))
    expected.append(("org_set_team_role", {"team": "devs", "role": "creator"}))
    ok(a.put(f"organization/{org}/team/devs/members/{bot['name']}"))
    expected.append(("org_add_team_member", {"team": "devs", "member": bot["name"]}))
    ok(a.delete(f"organization/{org}/team/devs/members/{bot['name']}"))
    expected.append(("org_remove_team_member", {"team": "devs", "member": bot["name"]}))
    ok(a.put(f"repository/{repo}/permissions/team/devs", {"role": "write"}))
    expected.append(("change_repo_permission", {"team": "devs", "role": "write"}))
    ok(a.delete(f"repository/{repo}/permissions/team/devs"))
    expected.append(("delete_repo_permission", {"team": "devs"}))
    r = ok(a.post(f"organization/{org}/prototypes",
                  {"role": "read", "delegate": {"kind": "user", "name": bot["name"]}}))
    pid = r.json()["id"]
    expected.append(("create_prototype_permission",
                     {"id": pid, "role": "read", "delegate_user": bot["name"]}))
    ok(a.put(f"organization/{org}/prototypes/{pid}", {"role": "write"}))
    expected.append(("modify_prototype_permission", {"id": pid, "role": "write"}))
    ok(a.delete(f"organization/{org}/prototypes/{pid}"))
    expected.append(("delete_prototype_permission", {"id": pid}))
    ok(a.delete(f"organization/{org}/team/devs"))
    expected.append(("org_delete_team", {"team": "devs"}))
    app = ok(a.post(f"organization/{org}/applications", {"name": "ciapp"})).json()
    expected.append(("create_application",
                     {"application_name": "ciapp", "client_id": app["client_id"]}))
    tok = ok(a.post(f"organization/{org}/applications/{app['client_id']}/tokens",
                    {"name": "t1", "scope": "repo:read"})).json()
    expected.append(("create_oauth_api_token", {"token_uuid": tok["uuid"], "token_name": "t1",
                                                "client_id": app["client_id"]}))
    ok(a.delete(f"organization/{org}/applications/{app['client_id']}/tokens/{tok['uuid']}"))
    expected.append(("revoke_oauth_api_token", {"token_uuid": tok["uuid"]}))
    push_image(api, repo, "gone")
    r = api.delete(f"/v2/{repo}/manifests/gone")
    assert r.status_code == 202, describe(r)
    expected.append(("delete_tag", {"tag": "gone", "repo": name}))
    ok(a.delete(f"organization/{org}/robots/k1"))
    expected.append(("delete_robot", {"robot": "k1"}))
    ok(a.delete(f"repository/{repo}"))
    expected.append(("delete_repo", {"repo": name, "namespace": org}))

    entries = all_logs(a, f"organization/{org}/logs")
    for kind, md in expected:
        got = find(entries, kind, **md)
        assert len(got) == 1, (kind, md, [e for e in entries if e["kind"] == kind])
        e = got[0]
        assert e["performer"]["name"] == api.admin_user and e["performer"]["is_robot"] is False
        assert e["ip"] == "127.0.0.1"
        if kind != "delete_tag":  # the rest done with the admin's API token
            assert "oauth_token_id" in e["metadata"], e
    assert tok["token"] not in json.dumps(entries)
    assert len(entries) == len(expected) + 1  # and the push_repo of the deleted tag

    # accounts: their entries sit in their own (now gone) namespace
    user = uniq("u")
    ok(a.post("superuser/users/", {"username": user, "email": f"{user}@example.com"}))
    ok(a.delete(f"superuser/users/{user}"))
    org2 = create_org(a)
    ok(a.delete(f"organization/{org2}"))
    logs(a, "user/logs")  # a log read waits for what is still queued
    rows = db_exec(api, "SELECT kind, namespace_name, performer_name FROM log_entry "
                   "WHERE namespace_name IN (?, ?) ORDER BY id", (user, org2))
    assert rows == [("user_create", user, api.admin_user), ("user_delete", user, api.admin_user),
                    ("org_create", org2, api.admin_user), ("org_delete", org2, api.admin_user)]


# --- the client address -----------------------------------------------------------------


def test_forwarded_for_only_from_trusted_proxies(wharf_factory):
    plain = wharf_factory("plain")
    proxied = wharf_factory("proxied", ["--trusted-proxies", "10.9.9.9, 127.0.0.1/32"])
    for w, want in ((plain, "127.0.0.1"), (proxied, "203.0.113.9")):
        repo = f"{w.admin_user}/app"
        push_image(w, repo, "v1")
        r = w.get(f"/v2/{repo}/manifests/v1", headers={
            "Accept": OCI_MANIFEST, "X-Forwarded-For": "198.51.100.1, 203.0.113.9"})
        assert r.status_code == 200, describe(r)
        admin = requests.Session()
        admin.headers["Authorization"] = f"Bearer {w.admin_token}"
        j = admin.get(f"{w.url}/api/v1/repository/{repo}/logs", timeout=30).json()
        (e,) = [e for e in j["logs"] if e["kind"] == "pull_repo"]
        assert e["ip"] == want, (w.url, e)
    # a list that is not addresses or CIDRs is refused at start
    out = subprocess.run([WHARF_BIN, "serve", "--trusted-proxies", "proxy.local"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "trusted_proxies" in out.stderr, out.stderr


# --- PostgreSQL, two instances ----------------------------------------------------------


@pytest.mark.skipif(not PG or not _built_with_libpq(),
                    reason="needs WHARF_TEST_PG and a wharf built with libpq")
def test_two_instances_on_postgres(pair):  # noqa: F811
    """Both instances write the one log; what either recorded is read through
    the other once its writer has flushed (at once through its own)."""
    a, b = pair
    org, repo, bot = org_with_robot(a)
    robot_a, robot_b = As(a, bot["name"], bot["token"]), As(b, bot["name"], bot["token"])
    push_image(robot_a, repo, "v1")

    def one(i):
        s = requests.Session()
        s.auth = (bot["name"], bot["token"])
        w = (a, b)[i % 2]
        return s.get(f"{w.url}/v2/{repo}/manifests/v1", headers={"Accept": OCI_MANIFEST},
                     timeout=60).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(one, range(30))) == [200] * 30
    pull(robot_b, repo, "v1")
    logs(b.admin, f"repository/{repo}/logs")  # b's own events: written before it answers
    deadline = datetime.now() + timedelta(seconds=10)
    while True:
        entries = all_logs(a.admin, f"organization/{org}/logs", performer=bot["name"])
        if len(find(entries, "pull_repo")) == 31 or datetime.now() > deadline:
            break
    assert len(find(entries, "pull_repo")) == 31
    assert len(find(entries, "push_repo", tag="v1")) == 1
    counts = logs(b.admin, f"repository/{repo}/aggregatelogs")["aggregated"]
    assert {c["kind"]: c["count"] for c in counts}["pull_repo"] == 31
