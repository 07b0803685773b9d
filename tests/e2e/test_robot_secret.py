"""Robot credentials in the format each consumer needs (GET .../robots/
{robot_shortname}/secret, a wharf extension in docs/api.md), and the
`wharf robot secret` CLI on top. The Kubernetes Secret is decoded and used
as a real REGISTRY_AUTH_FILE for skopeo against wharf."""
import base64
import json
import os
import shutil
import subprocess

import pytest
import requests
import yaml

from conftest import WHARF_BIN
from ocihelpers import push_image

SKOPEO = shutil.which("skopeo")
# the CLI binary; WHARF_CLI lets a run point at a build where `robot` is wired
WHARF_CLI = os.environ.get("WHARF_CLI", WHARF_BIN)
FORMATS = ("kubernetes", "dockerconfig", "env", "gitlab", "github", "jenkins")


def api(w, method, path, token=None, **kw):
    headers = {"Authorization": f"Bearer {token or w.admin_token}"}
    return requests.request(method, f"{w.url}/api/v1{path}", headers=headers, timeout=30, **kw)


def setup_org(w, org="acme", robot="puller"):
    """org with private repo app holding an image, and a read robot."""
    r = api(w, "POST", "/organization/", json={"name": org, "email": f"ops@{org}.test"})
    assert r.status_code == 201, r.text
    push_image(w, f"{org}/app", tag="1.0")
    r = api(w, "PUT", f"/organization/{org}/robots/{robot}", json={"description": "pulls"})
    assert r.status_code in (200, 201), r.text
    token = r.json()["token"]
    r = api(w, "PUT", f"/repository/{org}/app/permissions/user/{org}+{robot}",
            json={"role": "read"})
    assert r.status_code in (200, 201), r.text
    return token


def secret(w, fmt, org="acme", robot="puller", **params):
    return api(w, "GET", f"/organization/{org}/robots/{robot}/secret",
               params={"format": fmt, **params})


def skopeo_inspect(w, authfile, tmp_path, repo="acme/app:1.0"):
    env = dict(os.environ, REGISTRY_AUTH_FILE=str(authfile), HOME=str(tmp_path),
               XDG_RUNTIME_DIR=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path))
    return subprocess.run([SKOPEO, "inspect", "--raw", "--tls-verify=false",
                           f"docker://{w.host}/{repo}"],
                          capture_output=True, text=True, env=env, timeout=120)


def test_kubernetes_secret_is_valid_and_logs_in(wharf, tmp_path):
    token = setup_org(wharf)
    r = secret(wharf, "kubernetes", namespace="ci-builds")
    assert r.status_code == 200, r.text
    assert "no-store" in r.headers.get("Cache-Control", "")
    body = r.json()
    assert body["format"] == "kubernetes" and body["robot"] == "acme+puller"
    assert body["registry"] == wharf.host
    doc = yaml.safe_load(body["content"])
    assert doc["apiVersion"] == "v1" and doc["kind"] == "Secret"
    assert doc["type"] == "kubernetes.io/dockerconfigjson"
    assert doc["metadata"] == {"name": "acme-puller-pull-secret", "namespace": "ci-builds"}
    assert set(doc["data"]) == {".dockerconfigjson"}
    cfg = json.loads(base64.b64decode(doc["data"][".dockerconfigjson"], validate=True))
    entry = cfg["auths"][wharf.host]
    assert entry["username"] == "acme+puller" and entry["password"] == token
    assert base64.b64decode(entry["auth"]).decode() == f"acme+puller:{token}"

    if not SKOPEO:
        pytest.skip("skopeo is not installed (scripts/deps.sh installs it)")
    authfile = tmp_path / "auth.json"
    authfile.write_text(json.dumps(cfg))
    out = skopeo_inspect(wharf, authfile, tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["schemaVersion"] == 2
    # the same file with a wrong password is refused: the credentials were used
    entry["password"] = "X" * 64
    entry["auth"] = base64.b64encode(f"acme+puller:{'X' * 64}".encode()).decode()
    authfile.write_text(json.dumps(cfg))
    assert skopeo_inspect(wharf, authfile, tmp_path).returncode != 0


def test_kubernetes_without_namespace_and_bad_namespace(wharf):
    setup_org(wharf)
    doc = yaml.safe_load(secret(wharf, "kubernetes").json()["content"])
    assert "namespace" not in doc["metadata"]
    for bad in ("Prod", "-x", "a" * 64, "a_b", "a/b", "x y", ""):
        r = secret(wharf, "kubernetes", namespace=bad)
        assert r.status_code == 400, (bad, r.text)


def test_dockerconfig_and_env(wharf, tmp_path):
    token = setup_org(wharf)
    body = secret(wharf, "dockerconfig").json()
    assert body["filename"] == "config.json"
    cfg = json.loads(body["content"])
    assert cfg["auths"][wharf.host]["password"] == token
    if SKOPEO:
        authfile = tmp_path / "config.json"
        authfile.write_text(body["content"])
        out = skopeo_inspect(wharf, authfile, tmp_path)
        assert out.returncode == 0, out.stderr

    env = secret(wharf, "env").json()["content"]
    lines = dict(line.split("=", 1) for line in env.splitlines())
    assert lines == {"WHARF_REGISTRY": wharf.host, "WHARF_USERNAME": "acme+puller",
                     "WHARF_PASSWORD": token}


@pytest.mark.parametrize("fmt,secret_name,marker", [
    ("gitlab", "WHARF_ROBOT_TOKEN", "$WHARF_ROBOT_TOKEN"),
    ("github", "WHARF_ROBOT_TOKEN", "${{ secrets.WHARF_ROBOT_TOKEN }}"),
    ("jenkins", "wharf-robot-token", "credentialsId: 'wharf-robot-token'"),
])
def test_ci_snippets_keep_the_token_out(wharf, fmt, secret_name, marker):
    token = setup_org(wharf)
    body = secret(wharf, fmt).json()
    snippet = body["content"]
    assert token not in snippet
    assert body["secret_name"] == secret_name and body["token"] == token
    assert "--password-stdin" in snippet and marker in snippet
    assert wharf.host in snippet and "acme+puller" in snippet
    if fmt in ("gitlab", "github"):
        doc = yaml.safe_load(snippet)  # valid YAML, pasteable as is
        assert doc


def test_unknown_format_and_missing_robot(wharf):
    setup_org(wharf)
    r = secret(wharf, "helm")
    assert r.status_code == 400 and "kubernetes" in r.json()["error_message"]
    assert secret(wharf, None).status_code == 400
    r = secret(wharf, "env", robot="nobody")
    assert r.status_code == 400 and "Could not find robot" in r.json()["message"]
    assert secret(wharf, "env", org="nosuchorg").status_code in (403, 404)


def test_only_org_admins_read_secrets(wharf):
    setup_org(wharf)
    # the robot itself, and an anonymous caller, are refused
    robot_token = api(wharf, "GET", "/organization/acme/robots/puller").json()["token"]
    r = requests.get(f"{wharf.url}/api/v1/organization/acme/robots/puller/secret",
                     params={"format": "env"}, timeout=30,
                     auth=("acme+puller", robot_token))
    assert r.status_code in (401, 403)
    r = requests.get(f"{wharf.url}/api/v1/organization/acme/robots/puller/secret",
                     params={"format": "env"}, timeout=30)
    assert r.status_code == 401
    assert robot_token not in wharf.read_log()


def test_user_robot_secret(wharf):
    r = api(wharf, "PUT", "/user/robots/mine", json={})
    assert r.status_code in (200, 201), r.text
    token = r.json()["token"]
    r = api(wharf, "GET", "/user/robots/mine/secret", params={"format": "env"})
    assert r.status_code == 200, r.text
    assert f"WHARF_PASSWORD={token}" in r.json()["content"]
    assert r.json()["robot"] == f"{wharf.admin_user}+mine"


def cli(w, *args, token=None, url=None):
    env = dict(os.environ, WHARF_URL=url or w.url, WHARF_TOKEN=token or w.admin_token)
    return subprocess.run([WHARF_CLI, "robot", "secret", *args], capture_output=True, text=True,
                          env=env, timeout=60)


@pytest.fixture
def cli_ready():
    out = subprocess.run([WHARF_CLI, "robot", "--help"], capture_output=True, text=True,
                         timeout=30)
    if out.returncode != 0:
        pytest.skip("`wharf robot` is not wired into src/cli/main.c in this build")


def test_cli_prints_each_format(wharf, cli_ready, tmp_path):
    token = setup_org(wharf)
    out = cli(wharf, "acme+puller", "--format", "kubernetes", "--namespace", "prod")
    assert out.returncode == 0, out.stderr
    doc = yaml.safe_load(out.stdout)
    assert doc["metadata"]["namespace"] == "prod"
    cfg = json.loads(base64.b64decode(doc["data"][".dockerconfigjson"]))
    assert cfg["auths"][wharf.host]["password"] == token
    out = cli(wharf, "acme+puller", "--format", "github")
    assert out.returncode == 0 and token not in out.stdout and token not in out.stderr
    assert "WHARF_ROBOT_TOKEN" in out.stderr
    out = cli(wharf, "acme+puller", "--format", "jenkins", "--json")
    assert out.returncode == 0 and json.loads(out.stdout)["token"] == token
    out = cli(wharf, f"{wharf.admin_user}+nope", "--format", "env")
    assert out.returncode == 1 and "Could not find robot" in out.stderr


def test_cli_errors_say_what_to_do(wharf, cli_ready):
    setup_org(wharf)
    out = cli(wharf, "acme+puller", "--format", "env", token="Z" * 64)
    assert out.returncode == 3 and "WHARF_TOKEN" in out.stderr
    # the shared client's one error line, plus its note on where the token came from
    lines = out.stderr.strip().splitlines()
    assert "WHARF_TOKEN" in lines[0] and len(lines) <= 2, lines
    out = cli(wharf, "acmepuller", "--format", "env")
    assert out.returncode == 2 and "ORG+NAME" in out.stderr
    out = cli(wharf, "acme+puller")
    assert out.returncode == 2 and "--format" in out.stderr
    out = cli(wharf, "acme+puller", "--format", "helm")
    assert out.returncode == 1 and "kubernetes" in out.stderr
    # the shared API client's exit statuses (docs/cli.md): cannot connect or
    # no credentials is 3, like a refused token
    out = cli(wharf, "acme+puller", "--format", "env", url="http://127.0.0.1:9")
    assert out.returncode == 3 and "WHARF_URL" in out.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("WHARF_URL", "WHARF_TOKEN")}
    env["XDG_CONFIG_HOME"] = env["HOME"] = "/nonexistent"  # no saved `wharf login`
    out = subprocess.run([WHARF_CLI, "robot", "secret", "acme+puller", "--format", "env"],
                         capture_output=True, text=True, env=env, timeout=30)
    assert out.returncode == 3 and "WHARF_URL" in out.stderr and "wharf login" in out.stderr


def test_cli_uses_the_saved_login(wharf, cli_ready, tmp_path):
    token = setup_org(wharf)
    env = {k: v for k, v in os.environ.items() if k not in ("WHARF_URL", "WHARF_TOKEN")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "cfg")
    out = subprocess.run([WHARF_CLI, "login", "--url", wharf.url, "--token", wharf.admin_token],
                         capture_output=True, text=True, env=env, timeout=30)
    assert out.returncode == 0, out.stderr
    out = subprocess.run([WHARF_CLI, "robot", "secret", "acme+puller", "--format", "env"],
                         capture_output=True, text=True, env=env, timeout=30)
    assert out.returncode == 0, out.stderr
    assert f"WHARF_PASSWORD={token}" in out.stdout
    # --url/--token on the command line, as for every API command
    out = subprocess.run([WHARF_CLI, "robot", "secret", "acme+nobody", "--format", "env",
                          "--url", wharf.url, "--token", wharf.admin_token],
                         capture_output=True, text=True, env=env, timeout=30)
    assert out.returncode == 1 and "Could not find robot" in out.stderr
