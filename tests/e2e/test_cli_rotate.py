"""`wharf robot rotate NS+NAME --grace D [--namespace K8SNS] [--json]` (issue 8):
one command regenerates the token with a grace period and prints the new
token, until when the old one works, and the updated Kubernetes Secret."""
import base64
import json
import os
import subprocess
import time

import pytest
import yaml

from apihelpers import (TOKEN_RE, bearer, create_org, describe, registry_auth,  # noqa: F401
                        uniq)
from conftest import WHARF_BIN


def make_cli(w, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WHARF_")}
    env.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               WHARF_URL=w.url, WHARF_TOKEN=w.admin_token)

    def run(*args, check=None):
        p = subprocess.run([WHARF_BIN, *args], capture_output=True, text=True, env=env,
                           timeout=60)
        if check is not None:
            assert p.returncode == check, (args, p.returncode, p.stdout, p.stderr)
        return p
    return run


@pytest.fixture
def cli(wharf, tmp_path):
    run = make_cli(wharf, tmp_path)
    run.wharf = wharf
    return run


def secret_login(w, secret_yaml):
    """Decodes a kubernetes.io/dockerconfigjson Secret; returns (user, password)
    after checking they log in to this registry."""
    doc = yaml.safe_load(secret_yaml)
    assert doc["kind"] == "Secret" and doc["type"] == "kubernetes.io/dockerconfigjson"
    cfg = json.loads(base64.b64decode(doc["data"][".dockerconfigjson"]))
    entry = cfg["auths"][w.host]
    user, password = entry["username"], entry["password"]
    assert base64.b64decode(entry["auth"]).decode() == f"{user}:{password}"
    assert registry_auth(w, user, password).status_code == 200
    return doc, user, password


def new_robot(w):
    admin = bearer(w, w.admin_token, w.admin_user)
    org = create_org(admin)
    short = uniq("bot")
    r = admin.put(f"organization/{org}/robots/{short}")
    assert r.status_code == 201, describe(r)
    return org, r.json()


def comment(out, prefix):
    return [line for line in out.splitlines() if line.startswith(prefix)]


def test_rotate_text_with_grace(cli):
    w = cli.wharf
    org, bot = new_robot(w)
    p = cli("robot", "rotate", bot["name"], "--grace", "1h", "--namespace", "ci", check=0)
    token_lines = comment(p.stdout, "# New token")
    assert len(token_lines) == 1
    new = token_lines[0].rsplit(" ", 1)[1]
    assert TOKEN_RE.fullmatch(new) and new != bot["token"]
    assert comment(p.stdout, "# The previous token keeps working until 20")
    # the whole output is one YAML document: `| kubectl apply -f -` works
    doc, user, password = secret_login(w, p.stdout)
    assert user == bot["name"] and password == new
    assert doc["metadata"]["namespace"] == "ci"
    assert doc["metadata"]["name"] == bot["name"].replace("+", "-").replace("_", "-") \
        + "-pull-secret"
    # during the grace period both tokens work
    assert registry_auth(w, bot["name"], bot["token"]).status_code == 200
    assert registry_auth(w, bot["name"], new).status_code == 200
    assert "token" not in p.stderr


def test_rotate_json_grace_ends(cli):
    w = cli.wharf
    org, bot = new_robot(w)
    p = cli("robot", "rotate", bot["name"], "--grace", "2", "--json", check=0)
    out = json.loads(p.stdout)
    assert out["name"] == bot["name"] and TOKEN_RE.fullmatch(out["token"])
    assert out["previous_token_expires_at"]
    _, _, password = secret_login(w, out["kubernetes_secret"])
    assert password == out["token"]
    assert registry_auth(w, bot["name"], bot["token"]).status_code == 200
    time.sleep(3.2)
    assert registry_auth(w, bot["name"], bot["token"]).status_code == 401  # grace over
    assert registry_auth(w, bot["name"], out["token"]).status_code == 200


def test_rotate_grace_zero_and_errors(cli):
    w = cli.wharf
    org, bot = new_robot(w)
    p = cli("robot", "rotate", bot["name"], "--grace", "0", check=0)
    assert comment(p.stdout, "# The previous token stopped working")
    assert registry_auth(w, bot["name"], bot["token"]).status_code == 401
    _, _, password = secret_login(w, p.stdout)
    assert cli("robot", "rotate", bot["name"], "--grace", "soon", check=2).stdout == ""
    assert cli("robot", "rotate", "nobot", check=2).returncode == 2
    assert cli("robot", "rotate", f"{org}+nobody", check=1).stdout == ""
    p = cli("robot", "rotate", bot["name"], "--namespace", "Not_Valid", check=1)
    assert "namespace" in p.stderr
    # the rotation went through: the new token is not lost
    assert TOKEN_RE.search(p.stderr)
    assert "rotate" in cli("robot", "--help", check=0).stdout


def test_rotate_show_once(wharf_factory, tmp_path):
    w = wharf_factory(extra_args=["--robot-tokens", "show_once"])
    cli = make_cli(w, tmp_path)
    org, bot = new_robot(w)
    p = cli("robot", "rotate", bot["name"], "--grace", "10m", check=0)
    new = comment(p.stdout, "# New token")[0].rsplit(" ", 1)[1]
    _, user, password = secret_login(w, p.stdout)  # built by the CLI: same form
    assert password == new and user == bot["name"]
    assert registry_auth(w, bot["name"], bot["token"]).status_code == 200
