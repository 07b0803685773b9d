"""Ansible's ansible.builtin.uri provisions an organization's repositories, robots and grants from
a list (tests/e2e/ansible/wharf-robots.yml), run twice: both runs green, the second changes
nothing. Then the robots do exactly what they were granted: the reader pulls but cannot push, the
writer pushes, a robot of another organization cannot pull."""
import json
import os
import re
import shutil
import subprocess

import pytest
import requests

from test_robot_clients import api

PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ansible", "wharf-robots.yml")
ANSIBLE = shutil.which("ansible-playbook")
pytestmark = pytest.mark.skipif(not ANSIBLE,
                                reason="ansible is not installed (scripts/deps.sh installs it)")

ROBOTS = [
    {"name": "cicd_puller", "description": "cluster pulls", "grants": {"app": "read", "web": "read"}},
    {"name": "cicd_pusher", "description": "pipeline pushes", "grants": {"app": "write"}},
    {"name": "auditor", "description": "no grants yet"},
]


def play(w, tmp_path, robots):
    extra = {"wharf_url": w.url, "wharf_token": w.admin_token, "org": "acme",
             "org_email": "ops@acme.test", "repositories": ["app", "web"], "robots": robots}
    vars_file = tmp_path / "vars.json"
    vars_file.write_text(json.dumps(extra))
    home = tmp_path / "ansible-home"
    home.mkdir(exist_ok=True)
    cfg = home / "ansible.cfg"  # none of the machine's ansible.cfg
    cfg.write_text("[defaults]\n")
    env = dict(os.environ, HOME=str(home), ANSIBLE_LOCAL_TEMP=str(home / "tmp"),
               ANSIBLE_REMOTE_TEMP=str(home / "rtmp"), ANSIBLE_NOCOLOR="1", ANSIBLE_CONFIG=str(cfg),
               ANSIBLE_PYTHON_INTERPRETER="/usr/bin/python3", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_HOST_KEY_CHECKING="0")
    r = subprocess.run([ANSIBLE, "-i", "localhost,", "-c", "local", PLAYBOOK,
                        "-e", f"@{vars_file}"], capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == 0, f"playbook failed:\n{r.stdout[-6000:]}\n{r.stderr[-3000:]}"
    recap = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)",
                      r.stdout)
    assert recap, r.stdout
    ok, changed, unreachable, failed = map(int, recap.groups())
    assert unreachable == 0 and failed == 0, r.stdout
    # the recap counts tasks; what changed is one line per task or loop item
    items = len(re.findall(r"^changed: \[localhost\]", r.stdout, re.M))
    assert (items == 0) == (changed == 0), r.stdout
    return items


def robot_token(w, name):
    r = api(w, "GET", f"/organization/acme/robots/{name}")
    assert r.status_code == 200, r.text
    return r.json()["token"]


def can(w, user, token, method, path):
    r = requests.request(method, w.url + path, auth=(user, token), timeout=30)
    return r.status_code


def test_playbook_twice_then_robots_do_what_they_were_granted(wharf, tmp_path):
    first = play(wharf, tmp_path, ROBOTS)
    # org + 2 repositories + 3 robots + 3 grants
    assert first == 9, first
    assert play(wharf, tmp_path, ROBOTS) == 0

    perms = api(wharf, "GET", "/repository/acme/app/permissions/user/").json()["permissions"]
    assert {k: v["role"] for k, v in perms.items() if "+" in k} == {
        "acme+cicd_puller": "read", "acme+cicd_pusher": "write"}
    assert api(wharf, "GET", "/repository/acme/web/permissions/user/acme+cicd_puller").json()["role"] == "read"

    # a changed list is applied, and only the change
    robots = [dict(ROBOTS[0]), ROBOTS[1], dict(ROBOTS[2], grants={"web": "read"})]
    robots[0]["grants"] = {"app": "write", "web": "read"}
    assert play(wharf, tmp_path, robots) == 2
    assert play(wharf, tmp_path, robots) == 0
    api(wharf, "PUT", "/repository/acme/app/permissions/user/acme+cicd_puller", json={"role": "read"})

    puller = ("acme+cicd_puller", robot_token(wharf, "cicd_puller"))
    pusher = ("acme+cicd_pusher", robot_token(wharf, "cicd_pusher"))
    auditor = ("acme+auditor", robot_token(wharf, "auditor"))
    assert can(wharf, *pusher, "POST", "/v2/acme/app/blobs/uploads/") == 202
    assert can(wharf, *puller, "GET", "/v2/acme/app/tags/list") in (200, 404)
    assert can(wharf, *puller, "POST", "/v2/acme/app/blobs/uploads/") in (401, 403)
    assert can(wharf, *auditor, "GET", "/v2/acme/app/tags/list") in (401, 403)
    # a robot of another organization cannot pull
    assert api(wharf, "POST", "/organization/", json={"name": "rival", "email": "r@rival.test"}).status_code == 201
    r = api(wharf, "PUT", "/organization/rival/robots/bot", json={})
    assert r.status_code in (200, 201), r.text
    assert can(wharf, "rival+bot", r.json()["token"], "GET", "/v2/acme/app/tags/list") in (401, 403)
