"""Audit log, issue 7 continued: the organization log filters (kind=, ip=,
robot=, repository=, ISO-8601 times) over more than 100 entries and several
pages; exportlogs (JSON lines for the caller only, callback only to
configured hosts); retention of old entries."""
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

import requests

from apihelpers import bearer, create_org, create_repo, create_robot, db_exec, describe, make_user
from ocihelpers import OCI_MANIFEST, push_image


def admin_client(w):
    return bearer(w, w.admin_token, w.admin_user)


def pull_from(w, repo, ip, auth=None):
    headers = {"Accept": OCI_MANIFEST, "X-Forwarded-For": ip}
    if auth:
        r = requests.get(f"{w.url}/v2/{repo}/manifests/v1", auth=auth, headers=headers,
                         timeout=30)
    else:
        r = w.get(f"/v2/{repo}/manifests/v1", headers=headers)
    assert r.status_code == 200, describe(r)


def every(client, path, **params):
    """All entries through next_page; also returns the page sizes."""
    out, sizes = [], []
    while True:
        r = client.get(path, params=params)
        assert r.status_code == 200, describe(r)
        j = r.json()
        out += j["logs"]
        sizes.append(len(j["logs"]))
        if "next_page" not in j:
            return out, sizes
        params["next_page"] = j["next_page"]
        assert len(sizes) < 200


def busy_org(w):
    """An org with repositories app and web, robot ci, and 130 pulls from
    three addresses (the server trusts 127.0.0.1 as a proxy)."""
    admin = admin_client(w)
    org = create_org(admin)
    app, web = create_repo(admin, org, "app"), create_repo(admin, org, "web")
    bot = create_robot(admin, org, "ci")
    r = admin.put(f"repository/{app}/permissions/user/{bot['name']}", {"role": "read"})
    assert r.status_code == 200, describe(r)
    push_image(w, app, "v1")
    push_image(w, web, "v1")
    for i in range(100):
        pull_from(w, app, "10.1.2.%d" % (i % 50))
    for _ in range(20):
        pull_from(w, web, "2001:db8::7")
    for _ in range(10):
        pull_from(w, app, "192.0.2.5", auth=(bot["name"], bot["token"]))
    return admin, org, app, web, bot


def test_filters_and_pages(wharf_factory):
    w = wharf_factory("filters", ["--trusted-proxies", "127.0.0.1"])
    admin, org, app, web, bot = busy_org(w)
    path = f"organization/{org}/logs"
    everything, sizes = every(admin, path)
    assert len([e for e in everything if e["kind"] == "pull_repo"]) == 130
    assert all(s == 20 for s in sizes[:-1]) and len(sizes) >= 7

    pulls, sizes = every(admin, path, kind="pull_repo")
    assert len(pulls) == 130 and sizes == [20] * 6 + [10]
    both, _ = every(admin, path, kind="push_repo,create_repo")
    assert sorted(e["kind"] for e in both) == ["create_repo"] * 2 + ["push_repo"] * 2
    assert every(admin, path, kind="no_such_kind")[0] == []
    assert admin.get(path, params={"kind": ",".join(["a"] * 9)}).status_code == 400

    by_repo, _ = every(admin, path, repository="web", kind="pull_repo")
    assert len(by_repo) == 20 and {e["metadata"]["repo"] for e in by_repo} == {"web"}
    assert len(every(admin, path, repository=web, kind="pull_repo")[0]) == 20
    assert every(admin, path, repository="elsewhere/web")[0] == []

    for name in ("ci", bot["name"]):
        mine, _ = every(admin, path, robot=name)
        assert len(mine) == 10 and all(e["performer"]["name"] == bot["name"] for e in mine)
    assert every(admin, path, robot="ci", performer=w.admin_user)[0] == []

    net, sizes = every(admin, path, ip="10.1.2.0/24")
    # (ip= is applied after the store: the page after the last match may be empty)
    assert len(net) == 100 and sizes[:5] == [20] * 5 and sum(sizes[5:]) == 0
    assert {e["ip"] for e in net} == {"10.1.2.%d" % i for i in range(50)}
    assert len(every(admin, path, ip="10.1.2.7")[0]) == 2
    assert len(every(admin, path, ip="2001:db8::/32")[0]) == 20
    assert len(every(admin, path, ip="::ffff:192.0.2.0/120")[0]) == 10  # mapped form
    assert every(admin, path, ip="198.51.100.0/24")[0] == []
    assert admin.get(path, params={"ip": "not-an-ip"}).status_code == 400

    # combined
    combo, _ = every(admin, path, kind="pull_repo", repository="app", ip="192.0.2.5")
    assert len(combo) == 10

    # ISO-8601: an exact window around now holds everything; one in the past nothing
    now = datetime.now(timezone.utc)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    window, _ = every(admin, path, kind="pull_repo",
                      starttime=(now - timedelta(minutes=10)).strftime(iso),
                      endtime=(now + timedelta(minutes=1)).strftime(iso))
    assert len(window) == 130
    old, _ = every(admin, path, starttime=(now - timedelta(days=3)).strftime(iso),
                   endtime=(now - timedelta(days=2)).strftime(iso))
    assert old == []


def serve_callbacks():
    got = []

    class H(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            n = int(self.headers.get("Content-Length", 0))
            got.append(json.loads(self.rfile.read(n)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = HTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, got


def test_export(wharf_factory):
    srv, got = serve_callbacks()
    try:
        w = wharf_factory("export", ["--audit-export-callback-hosts", "localhost"])
        admin = admin_client(w)
        org = create_org(admin)
        repo = create_repo(admin, org, "app")
        push_image(w, repo, "v1")
        for _ in range(3):
            pull_from(w, repo, "ignored")

        r = admin.post(f"organization/{org}/exportlogs", {})
        assert r.status_code == 200, describe(r)
        j = r.json()
        assert j["export_id"] and j["entries"] >= 6 and j["url"].endswith(j["export_id"])
        d = requests.get(w.url + j["url"], headers={"Authorization": f"Bearer {w.admin_token}"},
                         timeout=30)
        assert d.status_code == 200 and d.headers["Content-Type"].startswith("application/x-ndjson")
        lines = [json.loads(x) for x in d.text.splitlines()]
        assert len(lines) == j["entries"]
        assert sum(e["kind"] == "pull_repo" for e in lines) == 3
        assert {e["kind"] for e in lines} >= {"org_create", "create_repo", "push_repo"}
        # only the caller may download it; an unknown id is 404 too
        other = make_user(w)
        assert other.get(j["url"][len("/api/v1/"):]).status_code == 404
        assert admin.get("exportedlogs/00000000-0000-0000-0000-000000000000").status_code == 404
        assert requests.get(w.url + j["url"], timeout=30).status_code == 401

        # filters apply; repository and user exports
        r = admin.post(f"organization/{org}/exportlogs?kind=pull_repo", {})
        assert r.status_code == 200 and r.json()["entries"] == 3, describe(r)
        r = admin.post(f"repository/{repo}/exportlogs", {})
        assert r.status_code == 200 and r.json()["entries"] >= 5, describe(r)
        assert admin.post("user/exportlogs", {}).status_code == 200

        # callbacks: only to configured hosts
        r = admin.post(f"organization/{org}/exportlogs",
                       {"callback_url": "http://example.com/hook"})
        assert r.status_code == 400 and r.json()["message"] == "Invalid callback URL"
        r = admin.post(f"organization/{org}/exportlogs", {"callback_url": "file:///etc/passwd"})
        assert r.status_code == 400
        hook = f"http://localhost:{srv.server_address[1]}/hook"
        r = admin.post(f"organization/{org}/exportlogs", {"callback_url": hook})
        assert r.status_code == 200, describe(r)
        (cb,) = got
        assert cb["export_id"] == r.json()["export_id"] and cb["status"] == "success"
        assert cb["exported_data_url"].endswith("/api/v1/exportedlogs/" + cb["export_id"])
        # e-mail is not sent, and the response says so
        r = admin.post(f"organization/{org}/exportlogs", {"callback_email": "a@example.com"})
        assert r.status_code == 200 and "callback_email" in r.json()["message"], describe(r)
        # the exports are themselves recorded
        r = admin.get(f"organization/{org}/logs", params={"kind": "export_logs_success"})
        assert len(r.json()["logs"]) >= 4
    finally:
        srv.shutdown()


def test_retention_deletes_old_entries(wharf_factory):
    w = wharf_factory("retention", ["--audit-retention-days", "2"])
    admin = admin_client(w)
    org = create_org(admin)
    w.stop()
    now = int(time.time())
    # 1500 entries ten days old in one statement, then one 3 and one 1 day old
    db_exec(w, "INSERT INTO log_entry(kind, namespace_name, metadata_json, created_at) "
               "SELECT 'pull_repo', ?, '{}', ? - n FROM (WITH RECURSIVE c(n) AS "
               "(SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1500) SELECT n FROM c) AS s",
            (org, now - 10 * 86400))
    for age_days in (1, 3):
        db_exec(w, "INSERT INTO log_entry(kind, namespace_name, metadata_json, created_at) "
                   "VALUES ('pull_repo', ?, '{}', ?)", (org, now - age_days * 86400))
    w.start()
    deadline = time.time() + 20
    while time.time() < deadline:
        left = db_exec(w, "SELECT COUNT(*) FROM log_entry WHERE namespace_name = ? AND "
                          "kind = 'pull_repo'", (org,))[0][0]
        if left == 1:
            break
        time.sleep(0.2)
    assert left == 1  # only the one a day old is kept
    assert "retention deleted 1501 entries" in w.read_log()


def test_unused_robots_api_and_cli(wharf_factory):
    import os
    import subprocess

    from apihelpers import registry_auth
    from conftest import WHARF_BIN
    w = wharf_factory("stale")
    admin = admin_client(w)
    org = create_org(admin)
    used, old, never = (create_robot(admin, org, n) for n in ("used", "old", "never"))
    assert registry_auth(w, used["name"], used["token"]).status_code == 200
    assert registry_auth(w, old["name"], old["token"]).status_code == 200
    db_exec(w, "UPDATE account SET last_accessed = ? WHERE name = ?",
            (int(time.time()) - 100 * 86400, old["name"]))

    def names(**params):
        r = admin.get(f"organization/{org}/robots", params=params)
        assert r.status_code == 200, describe(r)
        return sorted(x["name"] for x in r.json()["robots"])

    assert names() == sorted([used["name"], old["name"], never["name"]])
    assert names(unused_days=90) == sorted([old["name"], never["name"]])
    assert names(unused_days=200) == [never["name"]]
    assert names(unused_days=0) == sorted([used["name"], old["name"], never["name"]])
    assert admin.get(f"organization/{org}/robots", params={"unused_days": "x"}).status_code == 400

    env = dict(os.environ, WHARF_URL=w.url, WHARF_TOKEN=w.admin_token)
    out = subprocess.run([WHARF_BIN, "robot", "stale", org, "--days", "90", "--json"],
                         capture_output=True, text=True, timeout=30, env=env)
    assert out.returncode == 0, out.stderr
    assert sorted(x["name"] for x in json.loads(out.stdout)) == sorted([old["name"],
                                                                      never["name"]])
    out = subprocess.run([WHARF_BIN, "robot", "stale", org], capture_output=True, text=True,
                         timeout=30, env=env)
    assert out.returncode == 0 and never["name"] in out.stdout and used["name"] not in out.stdout
    out = subprocess.run([WHARF_BIN, "robot", "stale", org, "--days", "soon"],
                         capture_output=True, text=True, timeout=30, env=env)
    assert out.returncode == 2
