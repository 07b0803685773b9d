"""README.md's quickstart, run as written: the ```sh blocks between
<!-- quickstart:begin --> and <!-- quickstart:end --> are run in order in one
bash (set -euo pipefail) against a fresh wharf, with its address and the
admin's API token substituted, `wharf` on PATH and a local OCI layout
./myimage for the push. The `make run` block is skipped (the fixture started
wharf). Then the outcome is checked: the pulled image, and a rotated
Kubernetes Secret whose token works while the previous one is in grace."""
import base64
import json
import os
import re
import shutil
import subprocess

import pytest
import requests
import yaml

import imagegen
from conftest import ROOT, WHARF_BIN

README = os.path.join(ROOT, "README.md")
DOC_HOST = "127.0.0.1:5000"


def quickstart_blocks():
    text = open(README, encoding="utf-8").read()
    m = re.search(r"<!-- quickstart:begin -->(.*?)<!-- quickstart:end -->", text, re.S)
    assert m, "README.md has no quickstart markers"
    blocks = re.findall(r"^```sh\n(.*?)^```$", m.group(1), re.S | re.M)
    assert len(blocks) >= 6, blocks
    return blocks


def test_quickstart_blocks_cover_the_flow():
    script = "\n".join(quickstart_blocks())
    for step in ("wharf login", "wharf org create", "wharf robot create", "wharf perm set",
                 "skopeo login", "skopeo copy", "--format kubernetes", "wharf robot rotate",
                 "--grace"):
        assert step in script, step
    assert any(b.strip().startswith("make run") for b in quickstart_blocks())


@pytest.mark.skipif(not shutil.which("skopeo"), reason="skopeo is not installed")
def test_quickstart_runs(wharf, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    os.symlink(os.path.abspath(WHARF_BIN), bindir / "wharf")
    imagegen.make_image(tmp_path / "myimage", layers=2, seed="readme")
    script = ["set -euo pipefail"]
    for block in quickstart_blocks():
        if block.strip().startswith("make run"):
            continue
        block = block.replace(DOC_HOST, wharf.host)
        block = re.sub(r"^export ADMIN_TOKEN=\S+", f"export ADMIN_TOKEN={wharf.admin_token}",
                       block, flags=re.M)
        script.append(block)
    env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}",
               XDG_CONFIG_HOME=str(tmp_path / "config"),
               REGISTRY_AUTH_FILE=str(tmp_path / "auth.json"))
    for k in ("WHARF_URL", "WHARF_TOKEN"):
        env.pop(k, None)
    out = subprocess.run(["bash", "-c", "\n".join(script)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, f"stdout:\n{out.stdout}\nstderr:\n{out.stderr}"

    # the pull produced an OCI layout of the pushed image
    index = json.loads((tmp_path / "pulled" / "index.json").read_text())
    assert index["manifests"]
    # the push by the read-only robot was refused
    assert wharf.get("/v2/acme/app/manifests/nope").status_code == 404
    # the rotated Secret: valid YAML, a dockerconfigjson for this registry
    docs = [d for d in yaml.safe_load_all((tmp_path / "pull-secret.yaml").read_text()) if d]
    secret = [d for d in docs if d.get("kind") == "Secret"][0]
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    assert secret["metadata"]["namespace"] == "prod"
    auths = json.loads(base64.b64decode(secret["data"][".dockerconfigjson"]))["auths"]
    new = auths[wharf.host]
    assert new["username"] == "acme+puller"
    # the first Secret's token (printed by `cat` before the rotation) still works: grace
    old = re.findall(r"\.dockerconfigjson: (\S+)", out.stdout)[0]
    old = json.loads(base64.b64decode(old))["auths"][wharf.host]["password"]
    assert old != new["password"]
    for token in (old, new["password"]):
        r = requests.get(wharf.url + "/v2/auth", params={"service": wharf.host,
                                                         "scope": "repository:acme/app:pull"},
                         auth=("acme+puller", token), timeout=30)
        assert r.status_code == 200, r.text
