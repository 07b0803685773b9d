"""More real clients with robot credentials: buildah pushes, containerd's `ctr` pulls with --user
(against a containerd this test starts with its own root, state and socket, stopped by PID), and
the denials: a reader cannot push, a robot of another organization cannot pull."""
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from imagegen import make_image
from test_clients import clients_for  # noqa: F401  (fixture)
from test_robot_clients import api, setup_org

BUILDAH = shutil.which("buildah")
CONTAINERD = shutil.which("containerd")
CTR = shutil.which("ctr")


def other_org_robot(w):
    """Robot rival+bot: a robot of another organization, with no permission on acme."""
    assert api(w, "POST", "/organization/", json={"name": "rival", "email": "x@rival.test"}).status_code == 201
    r = api(w, "PUT", "/organization/rival/robots/bot", json={"description": "other org"})
    assert r.status_code in (200, 201), r.text
    return r.json()["token"]


def denied(r):
    text = (r.stdout + r.stderr).lower()
    return any(s in text for s in ("denied", "unauthorized", "forbidden", "401", "403", "not found"))


def buildah(clients, *args, ok=True):
    g = ["--root", os.path.join(clients.root, "podman/root"), "--runroot", clients.runroot,
         "--storage-driver", "vfs"]
    return clients.run([BUILDAH, *g, *args], ok=ok)


@pytest.mark.skipif(not BUILDAH, reason="buildah is not installed (scripts/deps.sh installs it)")
def test_buildah_push_with_robot(wharf, clients_for, request):  # noqa: F811
    tokens = setup_org(wharf)
    clients = clients_for(wharf)
    clients.forget_logins()
    # buildah names the pulled image after the layout's path, and an image
    # name must be lowercase: pytest's base directory need not be (ASan run)
    # (hex only: mkdtemp's letters include "_", and "-_" is no valid name either)
    lower = os.path.join(tempfile.gettempdir(), "wharfbuildah" + secrets.token_hex(8))
    os.makedirs(lower)
    request.addfinalizer(lambda: shutil.rmtree(lower, ignore_errors=True))
    make_image(f"{lower}/img", layers=2, seed="buildah")
    buildah(clients, "pull", "--signature-policy", clients.policy, f"oci:{lower}/img:latest")
    # buildah keeps the OCI layout's name for the image; push by its id
    image_id = buildah(clients, "images", "-q").stdout.split()[0]
    dest = f"docker://{clients.host}/acme/app:buildah"
    pusher = f"acme+cicd_pusher:{tokens['cicd_pusher']}"
    buildah(clients, "push", "--tls-verify=false", "--creds", pusher,
            "--signature-policy", clients.policy, image_id, dest)
    # pushed as the pusher; the puller reads it back
    clients.skopeo("inspect", "--tls-verify=false", "--creds",
                   f"acme+cicd_puller:{tokens['cicd_puller']}", dest)
    # a reader cannot push
    r = buildah(clients, "push", "--tls-verify=false", "--creds",
                f"acme+cicd_puller:{tokens['cicd_puller']}", "--signature-policy", clients.policy,
                image_id, f"docker://{clients.host}/acme/app:reader", ok=False)
    assert denied(r), r.stderr
    # nor may a robot of another organization
    rival = other_org_robot(wharf)
    r = buildah(clients, "push", "--tls-verify=false", "--creds", f"rival+bot:{rival}",
                "--signature-policy", clients.policy, image_id,
                f"docker://{clients.host}/acme/app:rival", ok=False)
    assert denied(r), r.stderr
    r = wharf.get("/v2/acme/app/tags/list")
    assert r.status_code == 200, r.text
    names = set(r.json()["tags"])
    assert "buildah" in names and "reader" not in names and "rival" not in names, names


@pytest.fixture
def containerd():
    """A private containerd: own root, state and socket under a short /tmp directory (the socket
    path must stay under 108 bytes); stopped by its PID."""
    if not (CONTAINERD and CTR):
        pytest.skip("containerd/ctr are not installed (scripts/deps.sh installs containerd)")
    if os.geteuid() != 0:
        pytest.skip("containerd needs root (mounts, chown of unpacked layers); run as root in CI")
    d = tempfile.mkdtemp(prefix="wharf-ctr-", dir="/tmp")
    sock = os.path.join(d, "c.sock")
    conf = os.path.join(d, "config.toml")
    with open(conf, "w") as f:
        f.write(f'version = 2\nroot = "{d}/root"\nstate = "{d}/state"\n'
                'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
                f'[grpc]\n  address = "{sock}"\n[ttrpc]\n  address = "{sock}.ttrpc"\n'
                '[debug]\n  address = ""\n[metrics]\n  address = ""\n')
    log = open(os.path.join(d, "containerd.log"), "wb")
    proc = subprocess.Popen([CONTAINERD, "--config", conf], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            r = subprocess.run([CTR, "-a", sock, "version"], capture_output=True, timeout=10)
            if r.returncode == 0:
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                with open(os.path.join(d, "containerd.log"), errors="replace") as f:
                    pytest.skip(f"containerd did not start here: {f.read()[-2000:]}")
            time.sleep(0.2)
        yield sock
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        # unpacked snapshots may be mounts in a sandbox that allows them
        subprocess.run(["umount", "-R", os.path.join(d, "root")], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)


def ctr(sock, *args, ok=True):
    r = subprocess.run([CTR, "-a", sock, "-n", "wharftest", *args], capture_output=True,
                       text=True, timeout=120)
    if ok is not None:
        assert (r.returncode == 0) == ok, f"ctr {' '.join(args)}: rc={r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


def test_ctr_pull_with_robot_user(wharf, clients_for, containerd, tmp_path):  # noqa: F811
    tokens = setup_org(wharf)
    clients = clients_for(wharf)
    img = make_image(str(tmp_path / "img"), layers=2, seed="ctr")
    clients.push(f"oci:{tmp_path}/img:latest", "acme/app:ctr")  # as the superuser
    ref = f"{clients.host}/acme/app:ctr"
    # the read robot pulls (fetch + unpack with the native snapshotter: no overlay needed)
    ctr(containerd, "images", "pull", "--plain-http", "--snapshotter", "native",
        "--user", f"acme+cicd_puller:{tokens['cicd_puller']}", ref)
    out = ctr(containerd, "images", "ls").stdout
    assert ref in out and img.digest in out, out
    # a robot of another organization cannot pull
    ctr(containerd, "images", "rm", ref)
    rival = other_org_robot(wharf)
    r = ctr(containerd, "images", "pull", "--plain-http", "--snapshotter", "native",
            "--user", f"rival+bot:{rival}", ref, ok=False)
    assert denied(r), r.stderr
    # nor can anyone without credentials (the repository is private)
    r = ctr(containerd, "images", "pull", "--plain-http", "--snapshotter", "native", ref, ok=False)
    assert denied(r), r.stderr
