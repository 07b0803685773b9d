"""Real clients against the real binary: skopeo and podman push, pull, inspect, list and delete
images that imagegen.py writes (there is no network, so no image comes from outside).

Client state is kept under tmp_path: auth file, containers.conf, registries.conf, storage.conf,
policy, TMPDIR and podman's store. skopeo and podman running as root also write a blob-info cache
under /var/lib/containers/cache that no flag moves; when the sandbox allows it each client runs in a
private mount namespace with an overlay over /var/lib whose upper layer is in tmp_path (where the
sandbox cannot mount, they run directly and that cache is the one thing written outside). podman's
runroot must be short, so it is a /tmp/wharf-rr-* directory removed at teardown.
"""
import hashlib
import base64
import json
import os
import shutil
import subprocess
import tempfile

import pytest

import imagegen

SKOPEO = shutil.which("skopeo")
PODMAN = shutil.which("podman")
CMD_TIMEOUT = 90


def _tail(text, n=4000):
    text = text if isinstance(text, str) else text.decode(errors="replace")
    return text if len(text) <= n else "...[cut]...\n" + text[-n:]


class Clients:
    """Runs skopeo and podman with all their state under one directory."""

    def __init__(self, root, runroot, wharf):
        self.root = str(root)
        self.wharf = wharf
        self.host = wharf.host
        for d in ("home", "tmp", "net", "podman/root", "podman/tmp",
                  "ov/up", "ov/work", "xdg/config", "xdg/data", "xdg/run"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        # logged in as the superuser wharf was bootstrapped with, as
        # `podman login` / `skopeo login` would leave it
        cred = base64.b64encode(f"{wharf.admin_user}:{wharf.admin_password}".encode()).decode()
        self.authfile = self._write("auth.json", json.dumps({"auths": {self.host: {"auth": cred}}}))
        self.policy = self._write("policy.json", json.dumps(
            {"default": [{"type": "insecureAcceptAnything"}]}))
        regconf = self._write("registries.conf",
                              'unqualified-search-registries = []\n'
                              f'[[registry]]\nlocation = "{self.host}"\ninsecure = true\n')
        p = os.path.join(self.root, "podman")
        # podman refuses a runroot longer than 50 characters; tmp_path is longer.
        self.runroot = str(runroot)
        storconf = self._write("storage.conf",
                               f'[storage]\ndriver = "vfs"\ngraphroot = "{p}/root"\n'
                               f'runroot = "{self.runroot}"\n')
        tmp = os.path.join(self.root, "tmp")
        conf = self._write("containers.conf",
                           '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n'
                           f'image_copy_tmp_dir = "{tmp}"\ntmp_dir = "{p}/tmp"\n'
                           f'[network]\nnetwork_config_dir = "{self.root}/net"\n')
        self.env = dict(os.environ,
                        HOME=os.path.join(self.root, "home"),
                        XDG_CONFIG_HOME=os.path.join(self.root, "xdg/config"),
                        XDG_DATA_HOME=os.path.join(self.root, "xdg/data"),
                        XDG_RUNTIME_DIR=os.path.join(self.root, "xdg/run"),
                        TMPDIR=tmp,
                        REGISTRY_AUTH_FILE=self.authfile,
                        CONTAINERS_CONF=conf,
                        CONTAINERS_REGISTRIES_CONF=regconf,
                        CONTAINERS_STORAGE_CONF=storconf)
        self.podman_global = ["--root", f"{p}/root", "--runroot", self.runroot,
                              "--tmpdir", f"{p}/tmp", "--storage-driver", "vfs",
                              "--cgroup-manager=cgroupfs", "--events-backend=file"]
        self.prefix = self._isolation_prefix()

    def _write(self, name, text):
        path = os.path.join(self.root, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def _isolation_prefix(self):
        """`unshare` wrapper overlaying /var/lib, or [] if this sandbox cannot mount."""
        if not shutil.which("unshare"):
            return []
        script = ('mount -n -t overlay overlay -o "lowerdir=/var/lib,upperdir=$1,workdir=$2" '
                  '/var/lib || exit 97; shift 2; exec "$@"')
        prefix = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script,
                  "sh", os.path.join(self.root, "ov/up"), os.path.join(self.root, "ov/work")]
        try:
            r = subprocess.run(prefix + ["true"], capture_output=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            return []
        return prefix if r.returncode == 0 else []

    def forget_logins(self):
        """Empties the auth file: the next client call is anonymous until a login."""
        self._write("auth.json", json.dumps({"auths": {}}))

    def run(self, argv, ok=True, timeout=CMD_TIMEOUT, binary=False, input=None):
        """Run a client; if ok is True assert it succeeded, if False assert it failed (None: either).
        Output is text, or bytes if binary (for byte-exact manifests)."""
        try:
            r = subprocess.run(self.prefix + argv, capture_output=True, text=not binary,
                               env=self.env, timeout=timeout, input=input)
        except subprocess.TimeoutExpired as e:
            raise AssertionError(f"timed out after {timeout}s: {' '.join(argv)}\n"
                                 f"stdout:\n{_tail(e.stdout or '')}\nstderr:\n{_tail(e.stderr or '')}\n"
                                 f"wharf log:\n{_tail(self.wharf.read_log())}")
        if ok is not None and (r.returncode == 0) != ok:
            raise AssertionError(
                f"expected {'success' if ok else 'failure'}, got rc={r.returncode}: "
                f"{' '.join(argv)}\nstdout:\n{_tail(r.stdout)}\nstderr:\n{_tail(r.stderr)}\n"
                f"wharf log:\n{_tail(self.wharf.read_log())}")
        return r

    def skopeo(self, *args, ok=True, binary=False, input=None):
        return self.run([SKOPEO, "--policy", self.policy, *args], ok=ok, binary=binary, input=input)

    def podman(self, *args, ok=True, input=None):
        return self.run([PODMAN, *self.podman_global, *args], ok=ok, input=input)

    def ref(self, repo_ref):
        """docker:// reference to wharf."""
        return f"docker://{self.host}/{repo_ref}"

    def push(self, src, repo_ref, *flags):
        return self.skopeo("copy", "--dest-tls-verify=false", *flags, src, self.ref(repo_ref))

    def pull(self, repo_ref, dest, *flags):
        return self.skopeo("copy", "--src-tls-verify=false", *flags, self.ref(repo_ref), dest)

    def inspect(self, repo_ref, *flags, ok=True):
        r = self.skopeo("inspect", "--tls-verify=false", *flags, self.ref(repo_ref), ok=ok)
        return r if not ok else r.stdout

    def raw_manifest(self, repo_ref):
        """The manifest bytes exactly as the registry served them."""
        return self.skopeo("inspect", "--tls-verify=false", "--raw", self.ref(repo_ref),
                           binary=True).stdout


@pytest.fixture
def clients_for(tmp_path):
    """Makes a Clients bound to a given wharf, with its own state directory."""
    if not SKOPEO:
        pytest.skip("skopeo is not installed (scripts/deps.sh installs it)")
    runroots = []

    def make(wharf):
        runroots.append(tempfile.mkdtemp(prefix="wharf-rr-", dir="/tmp"))
        return Clients(tmp_path / f"clients{len(runroots)}", runroots[-1], wharf)

    yield make
    for r in runroots:
        shutil.rmtree(r, ignore_errors=True)


@pytest.fixture
def clients(clients_for, wharf):
    """skopeo and podman pointed at a fresh wharf."""
    return clients_for(wharf)


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layout_manifest_digest(root, ref=None):
    """Digest of the top-level manifest an OCI layout's index.json names (by ref if given)."""
    with open(os.path.join(str(root), "index.json")) as f:
        index = json.load(f)
    for m in index["manifests"]:
        if ref is None or m.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref:
            return m["digest"]
    raise AssertionError(f"ref {ref} not in {index}")


def assert_image_complete(blobs, manifest_digest, where):
    """Every blob the manifest references is in `blobs` (already re-hashed)."""
    assert manifest_digest in blobs, f"manifest {manifest_digest} missing from {where}"
    for d in imagegen.referenced_blobs(blobs[manifest_digest]):
        assert d in blobs, f"blob {d} of {manifest_digest} missing from {where}"


def test_skopeo_roundtrip_oci_image(clients, tmp_path):
    # The last layer holds 6 MiB that gzip cannot shrink: bodies span many reads and writes.
    img = imagegen.make_image(tmp_path / "src", layers=5, seed="roundtrip", big=6 << 20)
    clients.push(f"oci:{tmp_path}/src:latest", "acme/app:1.0")

    info = json.loads(clients.inspect("acme/app:1.0"))
    assert info["Digest"] == img.digest, info
    assert info["Layers"] == img.layer_digests(), info
    assert info["Architecture"] == "amd64" and info["Os"] == "linux", info
    raw = clients.raw_manifest("acme/app:1.0")
    assert raw == img.blobs[img.digest], "registry changed the manifest bytes"
    cfg = json.loads(clients.inspect("acme/app:1.0", "--config"))
    assert cfg == json.loads(img.blobs[json.loads(raw)["config"]["digest"]])
    # By digest as well as by tag.
    assert json.loads(clients.inspect(f"acme/app@{img.digest}"))["Digest"] == img.digest

    # Pushing again finds every blob already there (HEAD on blobs works).
    again = clients.skopeo("--debug", "copy", "--dest-tls-verify=false",
                           f"oci:{tmp_path}/src:latest", clients.ref("acme/app:1.1"))
    skipped = again.stderr.count('msg="... already exists"')
    assert skipped == 6, f"expected 5 layers + config skipped, got {skipped}:\n{_tail(again.stderr)}"

    clients.pull("acme/app:1.0", f"oci:{tmp_path}/out-oci:copy")
    blobs = imagegen.verify_layout(tmp_path / "out-oci")
    out_digest = layout_manifest_digest(tmp_path / "out-oci", "copy")
    assert out_digest == img.digest
    assert_image_complete(blobs, out_digest, "oci layout")
    assert set(blobs) == set(img.blobs)

    clients.pull("acme/app:1.0", f"dir:{tmp_path}/out-dir")
    blobs, manifest = imagegen.verify_dir(tmp_path / "out-dir")
    assert sha(manifest) == img.digest
    for d in imagegen.referenced_blobs(manifest):
        assert blobs.get(d) == img.blobs[d], f"blob {d} differs or is missing"


def test_skopeo_multiarch_preserve_digests(clients, tmp_path):
    idx = imagegen.make_multiarch(tmp_path / "src", arches=("amd64", "arm64"))
    clients.push(f"oci:{tmp_path}/src:latest", "acme/multi:v1", "--all", "--preserve-digests")

    raw = clients.raw_manifest("acme/multi:v1")
    assert sha(raw) == idx.digest, f"index digest changed: {raw!r}"
    index = json.loads(raw)
    assert index["mediaType"] == imagegen.OCI_INDEX
    assert {m["platform"]["architecture"] for m in index["manifests"]} == {"amd64", "arm64"}
    for arch, child in idx.children.items():
        got = clients.raw_manifest(f"acme/multi@{child.digest}")
        assert got == child.blobs[child.digest], f"{arch} manifest bytes differ"
        info = json.loads(clients.inspect("acme/multi:v1", "--override-arch", arch,
                                          "--override-os", "linux"))
        assert info["Architecture"] == arch, info
        assert info["Layers"] == child.layer_digests(), info

    clients.pull("acme/multi:v1", f"oci:{tmp_path}/out:v1", "--all", "--preserve-digests")
    blobs = imagegen.verify_layout(tmp_path / "out")
    assert layout_manifest_digest(tmp_path / "out", "v1") == idx.digest
    assert blobs[idx.digest] == idx.blobs[idx.digest]
    for child in idx.children.values():
        assert_image_complete(blobs, child.digest, "multi-arch oci layout")
    assert set(blobs) == set(idx.blobs)

    # A single-arch pull from the index resolves to that arch's manifest.
    clients.pull("acme/multi:v1", f"dir:{tmp_path}/arm64", "--override-arch", "arm64",
                 "--override-variant", "v8")
    blobs, manifest = imagegen.verify_dir(tmp_path / "arm64")
    assert sha(manifest) == idx.children["arm64"].digest


def test_skopeo_docker_schema2(clients, tmp_path):
    imagegen.make_image(tmp_path / "src", layers=3, seed="schema2")
    clients.push(f"oci:{tmp_path}/src:latest", "acme/v2s2:1", "--format", "v2s2")

    raw = clients.raw_manifest("acme/v2s2:1")
    man = json.loads(raw)
    assert man["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json", man
    assert man["config"]["mediaType"] == "application/vnd.docker.container.image.v1+json"
    info = json.loads(clients.inspect("acme/v2s2:1"))
    assert info["Digest"] == sha(raw), info

    clients.pull("acme/v2s2:1", f"dir:{tmp_path}/out")
    blobs, manifest = imagegen.verify_dir(tmp_path / "out")
    assert manifest == raw
    for d in imagegen.referenced_blobs(manifest):
        assert d in blobs, f"blob {d} missing"

    # Registry to registry, other repository: blobs are mounted or re-uploaded, digest kept.
    clients.skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                   clients.ref("acme/v2s2:1"), clients.ref("other/v2s2:copy"))
    assert clients.raw_manifest("other/v2s2:copy") == raw
    clients.pull("other/v2s2:copy", f"dir:{tmp_path}/out2")
    blobs2, manifest2 = imagegen.verify_dir(tmp_path / "out2")
    assert manifest2 == raw and set(blobs2) == set(blobs)


def test_skopeo_zstd_layers(clients, tmp_path):
    """Layers recompressed with zstd: a media type other than gzip, with digests skopeo computes."""
    imagegen.make_image(tmp_path / "src", layers=2, seed="zstd")
    clients.push(f"oci:{tmp_path}/src:latest", "acme/zstd:1", "--dest-compress-format", "zstd",
                 "--dest-compress")
    raw = clients.raw_manifest("acme/zstd:1")
    layers = json.loads(raw)["layers"]
    assert [l["mediaType"] for l in layers] == ["application/vnd.oci.image.layer.v1.tar+zstd"] * 2
    clients.pull("acme/zstd:1", f"dir:{tmp_path}/out")
    blobs, manifest = imagegen.verify_dir(tmp_path / "out")
    assert manifest == raw
    for l in layers:
        assert blobs[l["digest"]][:4] == b"\x28\xb5\x2f\xfd", "not a zstd frame"
        assert len(blobs[l["digest"]]) == l["size"]


def test_skopeo_delete(clients, tmp_path):
    img = imagegen.make_image(tmp_path / "src", layers=2, seed="delete")
    clients.push(f"oci:{tmp_path}/src:latest", "acme/app:1.0")
    digest = json.loads(clients.inspect("acme/app:1.0"))["Digest"]
    assert digest == img.digest

    clients.skopeo("delete", "--tls-verify=false", clients.ref(f"acme/app@{digest}"))
    r = clients.inspect(f"acme/app@{digest}", ok=False)
    assert "manifest unknown" in (r.stderr + r.stdout).lower() or "not found" in r.stderr.lower(), \
        r.stderr
    clients.inspect("acme/app:1.0", ok=False)
    r = clients.skopeo("list-tags", "--tls-verify=false", clients.ref("acme/app"), ok=None)
    if r.returncode == 0:  # an emptied repository may list no tags or be unknown; not "1.0"
        assert "1.0" not in (json.loads(r.stdout)["Tags"] or []), r.stdout
    # Deleting it again is an error too.
    clients.skopeo("delete", "--tls-verify=false", clients.ref(f"acme/app@{digest}"), ok=False)
    # And the repository can be pushed to again afterwards.
    clients.push(f"oci:{tmp_path}/src:latest", "acme/app:1.0")
    assert json.loads(clients.inspect("acme/app:1.0"))["Digest"] == digest


def test_skopeo_list_tags(clients, tmp_path):
    imagegen.make_image(tmp_path / "a", layers=1, seed="tags-a")
    imagegen.make_image(tmp_path / "b", layers=1, seed="tags-b")
    tags = ["1.0", "1.1", "latest"]
    for t in tags:
        clients.push(f"oci:{tmp_path}/a:latest", f"acme/app:{t}")
    clients.push(f"oci:{tmp_path}/b:latest", "acme/other:only")

    r = clients.skopeo("list-tags", "--tls-verify=false", clients.ref("acme/app"))
    listed = json.loads(r.stdout)
    assert listed["Repository"].endswith("acme/app"), listed
    assert sorted(listed["Tags"]) == tags, listed
    r = clients.skopeo("list-tags", "--tls-verify=false", clients.ref("acme/other"))
    assert json.loads(r.stdout)["Tags"] == ["only"]
    r = clients.skopeo("list-tags", "--tls-verify=false", clients.ref("acme/none"), ok=False)
    assert "name unknown" in r.stderr.lower() or "404" in r.stderr, r.stderr


def test_skopeo_list_tags_paginated(clients_for, wharf_factory, tmp_path):
    """With pages of 2, skopeo must follow the Link header to see all tags."""
    clients = clients_for(wharf_factory("paged", extra_args=["--page-max", "2"]))
    imagegen.make_image(tmp_path / "a", layers=1, seed="paged")
    tags = ["a1", "b2", "c3", "d4", "e5"]
    for t in tags:
        clients.push(f"oci:{tmp_path}/a:latest", f"acme/paged:{t}")
    r = clients.skopeo("list-tags", "--tls-verify=false", clients.ref("acme/paged"))
    assert sorted(json.loads(r.stdout)["Tags"]) == tags, r.stdout


def test_podman_pull_tag_push(clients, tmp_path):
    if not PODMAN:
        pytest.skip("podman is not installed (scripts/deps.sh installs it)")
    img = imagegen.make_image(tmp_path / "src", layers=5, seed="podman")
    clients.push(f"oci:{tmp_path}/src:latest", "acme/app:1.0")
    h = clients.host

    clients.podman("pull", "--tls-verify=false", f"{h}/acme/app:1.0")
    images = json.loads(clients.podman("images", "--format", "json").stdout)
    names = [n for i in images for n in (i.get("Names") or [])]
    assert f"{h}/acme/app:1.0" in names, images
    # Pull by digest too.
    clients.podman("pull", "--tls-verify=false", f"{h}/acme/app@{img.digest}")

    clients.podman("tag", f"{h}/acme/app:1.0", f"{h}/acme/copy:2.0")
    clients.podman("push", "--tls-verify=false", f"{h}/acme/copy:2.0")

    cfg = json.loads(clients.inspect("acme/copy:2.0", "--config"))
    want = json.loads(img.blobs[json.loads(img.blobs[img.digest])["config"]["digest"]])
    assert cfg["rootfs"]["diff_ids"] == want["rootfs"]["diff_ids"], cfg
    assert cfg["config"]["Cmd"] == ["/bin/true"], cfg
    info = json.loads(clients.inspect("acme/copy:2.0"))
    assert len(info["Layers"]) == 5, info
    clients.pull("acme/copy:2.0", f"dir:{tmp_path}/out")
    blobs, manifest = imagegen.verify_dir(tmp_path / "out")
    assert sha(manifest) == info["Digest"]
    for d in imagegen.referenced_blobs(manifest):
        assert d in blobs, f"blob {d} missing"

    # Docker schema2 from podman too.
    clients.podman("push", "--tls-verify=false", "--format", "v2s2", f"{h}/acme/copy:2.0",
                   f"{h}/acme/docker:2.0")
    raw = clients.raw_manifest("acme/docker:2.0")
    assert json.loads(raw)["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"

    # podman can pull what it pushed into an empty store.
    clients.podman("rmi", "-a", "-f")
    clients.podman("pull", "--tls-verify=false", f"{h}/acme/copy:2.0")
    clients.podman("pull", "--tls-verify=false", f"{h}/acme/docker:2.0")
    out = clients.podman("image", "inspect", f"{h}/acme/docker:2.0")
    repo_digests = json.loads(out.stdout)[0]["RepoDigests"]
    assert f"{h}/acme/docker@{sha(raw)}" in repo_digests, repo_digests
