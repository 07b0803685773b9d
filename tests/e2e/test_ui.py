"""The web UI (issue 10): its files are served from the binary with a strict
CSP, and a real browser (Debian's chromium driven by npm playwright-core,
tests/ui/ui.mjs) signs in, creates an org, a repository and robots, reads
and copies a token, downloads the Kubernetes Secret, sees a skopeo pull by
the robot in the log page and the chart, and regenerates with a grace
period. Screenshots go to <build dir>/ui-screenshots."""
import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest
import requests

import imagegen
from conftest import WHARF_BIN
from test_clients import SKOPEO, Clients

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODE = shutil.which("node")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PLAYWRIGHT = os.path.join(ROOT, "node_modules", "playwright-core")
SCRIPT = os.path.join(ROOT, "tests", "ui", "ui.mjs")
SHOTS = os.path.join(os.path.dirname(os.path.abspath(WHARF_BIN)), "ui-screenshots")

CSP = {"default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
       "frame-ancestors 'none'", "base-uri 'none'"}


def csp_directives(resp):
    value = resp.headers.get("Content-Security-Policy", "")
    return {d.strip() for d in value.split(";") if d.strip()}


def test_index_and_assets_headers(wharf):
    r = requests.get(wharf.url + "/", timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/html"), r.headers
    assert CSP <= csp_directives(r), r.headers.get("Content-Security-Policy")
    assert "unsafe-inline" not in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    # no inline script or style: every <script> has a src, no style= or <style>
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", r.text), r.text
    assert "<style" not in r.text and " style=" not in r.text
    etag = r.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{20}"', etag), etag

    again = requests.get(wharf.url + "/", headers={"If-None-Match": etag}, timeout=10)
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    weak = requests.get(wharf.url + "/", headers={"If-None-Match": f'"x", W/{etag}'}, timeout=10)
    assert weak.status_code == 304

    for name, ctype in (("app.js", "text/javascript"), ("app.css", "text/css"),
                        ("favicon.svg", "image/svg+xml")):
        a = requests.get(f"{wharf.url}/ui/{name}", timeout=10)
        assert a.status_code == 200, (name, a.status_code)
        assert a.headers["Content-Type"].startswith(ctype), (name, a.headers)
        assert CSP <= csp_directives(a)
        assert a.headers["Cache-Control"] == "no-cache"
        assert a.headers["ETag"] != etag
    # HEAD: the same headers, no body
    head = requests.head(wharf.url + "/", timeout=10)
    assert head.status_code == 200 and head.content == b"", head.status_code
    assert head.headers["ETag"] == etag and CSP <= csp_directives(head)
    assert head.headers["Content-Type"].startswith("text/html")
    assert int(head.headers["Content-Length"]) == len(r.content)
    head = requests.head(f"{wharf.url}/ui/favicon.svg", headers={"If-None-Match": a.headers["ETag"]},
                         timeout=10)
    assert head.status_code == 304, head.status_code
    assert requests.head(f"{wharf.url}/ui/nope.js", timeout=10).status_code == 404
    js = requests.get(f"{wharf.url}/ui/dom.js", timeout=10).text
    missing = requests.get(f"{wharf.url}/ui/nope.js", timeout=10)
    assert missing.status_code == 404
    assert CSP <= csp_directives(missing)
    assert requests.get(f"{wharf.url}/ui/../etc/passwd", timeout=10).status_code in (400, 404)
    # the UI never writes HTML from strings
    for name in ("app.js", "dom.js", "dialog.js", "page_org.js", "page_repos.js", "robot_teams.js",
                 "page_robots.js", "page_robot.js", "page_logs.js",
                 "page_perms.js", "page_teams.js", "page_team.js", "page_apps.js", "page_app.js",
                 "robot_fed.js", "entity.js", "chart.js"):
        text = requests.get(f"{wharf.url}/ui/{name}", timeout=10).text
        assert "innerHTML" not in text.replace("no innerHTML", ""), name
    assert "createTextNode" in js


def _need_browser():
    if not NODE:
        pytest.skip("node is not installed (scripts/deps.sh installs it)")
    if not os.path.isdir(PLAYWRIGHT):
        pytest.skip("npm playwright-core is not installed (scripts/deps.sh runs npm install)")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("chromium is not installed (scripts/deps.sh installs it)")
    if not SKOPEO:
        pytest.skip("skopeo is not installed (scripts/deps.sh installs it)")


def _browser(wharf, phase, state_file):
    env = dict(os.environ, WHARF_URL=wharf.url, WHARF_USER=wharf.admin_user,
               WHARF_PASSWORD=wharf.admin_password, UI_OUT=SHOTS, UI_STATE=str(state_file),
               UI_PHASE=phase, CHROMIUM=CHROMIUM)
    try:
        r = subprocess.run([NODE, SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=240)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"ui.mjs {phase} timed out\n{e.stdout}\n{e.stderr}")
    assert r.returncode == 0, (f"ui.mjs {phase} failed (screenshots in {SHOTS})\n"
                               f"stdout:\n{r.stdout}\nstderr:\n{r.stderr[-6000:]}\n"
                               f"wharf log:\n{wharf.read_log()[-3000:]}")
    with open(state_file) as f:
        return json.load(f)


def _registry_token_ok(wharf, user, password):
    r = requests.get(f"{wharf.url}/v2/auth", params={"service": wharf.host,
                     "scope": "repository:acme/app:pull"}, auth=(user, password), timeout=10)
    return r.status_code == 200


def test_ui_in_a_browser(wharf, tmp_path):
    _need_browser()
    state_file = tmp_path / "ui-state.json"
    state = _browser(wharf, "setup", state_file)
    token = state["token"]
    assert re.search(r"kind: Secret", state["secret"])

    runroot = tempfile.mkdtemp(prefix="wharf-rr-", dir="/tmp")
    try:
        clients = Clients(tmp_path / "clients", runroot, wharf)
        imagegen.make_image(tmp_path / "src", layers=1, seed="ui")
        clients.push(f"oci:{tmp_path}/src:latest", "acme/app:v1")  # as the admin
        clients.forget_logins()
        clients.skopeo("login", "--tls-verify=false", "-u", "acme+puller", "--password-stdin",
                       wharf.host, input=token)
        clients.pull("acme/app:v1", f"oci:{tmp_path}/pulled:v1")
        for _ in range(2):  # a few more pulls for the chart
            clients.inspect("acme/app:v1")
        # read only: the robot cannot push
        clients.skopeo("copy", "--dest-tls-verify=false", f"oci:{tmp_path}/src:latest",
                       clients.ref("acme/app:robot"), ok=False)
        # a second robot that pushes, so the chart stacks two robots (made
        # through the API: the session's Basic credentials are not an API credential)
        api, bearer = f"{wharf.url}/api/v1", {"Authorization": f"Bearer {wharf.admin_token}"}
        r = requests.put(f"{api}/organization/acme/robots/ci_pusher", headers=bearer,
                         json={"description": "CI pipeline"}, timeout=10)
        assert r.status_code == 201, r.text
        pusher_token = r.json()["token"]
        r = requests.put(f"{api}/repository/acme/app/permissions/user/acme+ci_pusher",
                         headers=bearer, json={"role": "write"}, timeout=10)
        assert r.status_code == 200, r.text
        clients.skopeo("login", "--tls-verify=false", "-u", "acme+ci_pusher", "--password-stdin",
                       wharf.host, input=pusher_token)
        clients.push(f"oci:{tmp_path}/src:latest", "acme/app:v2")
        clients.inspect("acme/app:v2")
    finally:
        shutil.rmtree(runroot, ignore_errors=True)

    # the allow-list set in the UI holds: not from loopback
    r = requests.get(f"{wharf.url}/v2/auth", params={"service": wharf.host},
                     auth=("acme+scripty", state["extra_token"]), timeout=10)
    assert r.status_code == 403, (r.status_code, r.text)

    # the API token made in the UI works on /api/v1; the one revoked there does not
    api = f"{wharf.url}/api/v1"
    r = requests.get(f"{api}/repository/acme/app",
                     headers={"Authorization": f"Bearer {state['api_token']}"}, timeout=10)
    assert r.status_code == 200, (r.status_code, r.text)
    r = requests.get(f"{api}/repository/acme/app",
                     headers={"Authorization": f"Bearer {state['revoked_api_token']}"}, timeout=10)
    assert r.status_code == 401, (r.status_code, r.text)
    # what the UI set is what the API holds
    bearer = {"Authorization": f"Bearer {wharf.admin_token}"}
    fed = requests.get(f"{api}/organization/acme/robots/puller/federation", headers=bearer,
                       timeout=10).json()
    assert fed == [{"issuer": "https://token.actions.githubusercontent.com",
                    "subject": "repo:acme/app:ref:refs/heads/main", "audience": "wharf"}], fed
    perms = requests.get(f"{api}/repository/acme/app/permissions/team/", headers=bearer,
                         timeout=10).json()["permissions"]
    assert perms["deployers"]["role"] == "admin", perms
    members = requests.get(f"{api}/organization/acme/team/deployers/members", headers=bearer,
                           timeout=10).json()["members"]
    # scripty added on the team page, kbd in the keyboard-made robot's dialog
    assert sorted(m["name"] for m in members) == ["acme+kbd", "acme+scripty"], members
    teams = requests.get(f"{api}/organization/acme", headers=bearer, timeout=10).json()["teams"]
    assert "temp" not in teams and teams["deployers"]["description"].startswith("<script>")

    state = _browser(wharf, "usage", state_file)
    assert state["old_token"] == token
    # regenerated with a grace period: both tokens work
    assert _registry_token_ok(wharf, "acme+puller", state["new_token"])
    assert _registry_token_ok(wharf, "acme+puller", token)
    shots = set(os.listdir(SHOTS))
    for name in ("signin", "organizations", "repositories", "robots", "robot-detail",
                 "robot-kubernetes", "create-robot-dialog", "usage", "usage-chart",
                 "robot-regenerated", "robots-phone", "robot-edit", "robot-federation", "team",
                 "teams", "repo-permissions", "oauth-token-created", "oauth-tokens",
                 "create-robot-keyboard", "robot-teams", "overview", "usage-phone"):
        assert f"{name}.png" in shots, name
