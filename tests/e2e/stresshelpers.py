"""Helpers shared by the stress tests (test_crash.py, test_concurrency.py):
a thread-private HTTP client, an incremental re-hash of the blob store on
disk, and checks that every tag resolves to a manifest whose blobs and
children are all there."""
import hashlib
import json
import os
import subprocess
import time

import requests

from conftest import WHARF_BIN
from httpverbs import HttpVerbs
from ocihelpers import OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST, error_body_problem

MANIFEST_ACCEPT = ", ".join((OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST))


class Client(HttpVerbs):
    """The request helpers of conftest.Wharf over a session of its own
    (requests.Session is not thread-safe), for one thread."""

    def __init__(self, w, timeout=20):
        self.url = w.url
        self.s = requests.Session()
        if w.admin_user:
            self.s.auth = (w.admin_user, w.admin_password)
        self.timeout = timeout

    def request(self, method, path, **kw):
        kw.setdefault("timeout", self.timeout)
        kw.setdefault("allow_redirects", False)
        return self.s.request(method, self.url + path, **kw)

    def close(self):
        self.s.close()


def oci_code(resp):
    """The first OCI error code of resp, or None when the body is no OCI error."""
    if error_body_problem(resp.status_code, resp.content) is not None:
        return None
    return resp.json()["errors"][0]["code"]


class BlobWalker:
    """Re-hashes every file under <storage>/blobs/<algo>/ of a file:// store
    against its name (does nothing on other stores, e.g. S3, where the API
    checks are all there is). Blobs are immutable, so a file already verified
    (same inode, size and mtime) is not read again: a long run stays linear."""

    def __init__(self, w):
        self.root = None
        if w.storage.startswith("file://"):
            self.root = os.path.join(w.storage[len("file://"):], "blobs")
        self.seen = {}

    def walk(self):
        """Returns (files checked this time, total files); raises AssertionError
        naming the first corrupt blob."""
        fresh = total = 0
        if self.root is None:
            return fresh, total
        for algo in ("sha256", "sha512"):
            top = os.path.join(self.root, algo)
            if not os.path.isdir(top):
                continue
            for dirpath, _, files in os.walk(top):
                for name in files:
                    path = os.path.join(dirpath, name)
                    st = os.stat(path)
                    key = (st.st_ino, st.st_size, st.st_mtime_ns)
                    total += 1
                    if self.seen.get(path) == key:
                        continue
                    h = hashlib.new(algo)
                    with open(path, "rb") as f:
                        for block in iter(lambda: f.read(1 << 20), b""):
                            h.update(block)
                    assert h.hexdigest() == name, \
                        f"corrupt blob {path}: {st.st_size} bytes hashing to {h.hexdigest()}"
                    self.seen[path] = key
                    fresh += 1
        return fresh, total


def manifest_refs(body):
    """(blob digests, child manifest digests) a manifest or index refers to."""
    doc = json.loads(body)
    blobs, children = [], []
    if "manifests" in doc:
        children = [m["digest"] for m in doc["manifests"]]
    else:
        blobs = [doc["config"]["digest"]] + [l["digest"] for l in doc.get("layers", [])]
    if doc.get("subject"):
        children.append(doc["subject"]["digest"])
    return blobs, children


def check_manifest_complete(c, repo, ref, problems, depth=0):
    """GETs repo's manifest ref and HEADs every blob and child it names
    (recursively for an index); appends what is wrong to problems. Returns the
    manifest bytes (None when it could not be fetched)."""
    r = c.get(f"/v2/{repo}/manifests/{ref}", headers={"Accept": MANIFEST_ACCEPT})
    if r.status_code != 200:
        problems.append(f"{repo}:{ref}: GET manifest -> {r.status_code} {r.content[:200]!r}")
        return None
    got = "sha256:" + hashlib.sha256(r.content).hexdigest()
    if ref.startswith("sha256:") and got != ref:
        problems.append(f"{repo}@{ref}: manifest bytes hash to {got}")
    if r.headers.get("Docker-Content-Digest") != got:
        problems.append(f"{repo}:{ref}: Docker-Content-Digest {r.headers.get('Docker-Content-Digest')}"
                        f" but the bytes hash to {got}")
    blobs, children = manifest_refs(r.content)
    for d in blobs:
        h = c.head(f"/v2/{repo}/blobs/{d}")
        if h.status_code != 200:
            problems.append(f"{repo}:{ref} references blob {d}: HEAD -> {h.status_code}")
    for d in children:
        if depth < 2:
            check_manifest_complete(c, repo, d, problems, depth + 1)
    return r.content


def check_tags(c, repo, problems):
    """Every tag of repo resolves to a complete manifest; returns the tag count."""
    r = c.get(f"/v2/{repo}/tags/list", params={"n": 10000})
    if r.status_code == 404 and oci_code(r) == "NAME_UNKNOWN":
        return 0
    if r.status_code != 200:
        problems.append(f"{repo}: tags/list -> {r.status_code} {r.content[:200]!r}")
        return 0
    tags = r.json().get("tags") or []
    for t in tags:
        check_manifest_complete(c, repo, t, problems)
    return len(tags)


def pull_blob(c, repo, digest, data, problems):
    """GETs a blob and compares it with the bytes pushed."""
    r = c.get(f"/v2/{repo}/blobs/{digest}")
    if r.status_code != 200:
        problems.append(f"{repo}@{digest}: acknowledged blob GET -> {r.status_code} "
                        f"{r.content[:200]!r}")
    elif r.content != data:
        problems.append(f"{repo}@{digest}: acknowledged blob came back as {len(r.content)} "
                        f"other bytes")


def fsck_available(env=None):
    """True when this wharf binary has `wharf admin fsck`."""
    try:
        out = subprocess.run([WHARF_BIN, "admin", "fsck", "--help"], capture_output=True,
                             env=env, timeout=30)
    except OSError:
        return False
    return out.returncode == 0


def run_fsck(w):
    """`wharf admin fsck` over w's database and storage: (exit code, output).
    s3rver (not real S3) answers a listing with HTTP 500 when an object goes
    while it lists, e.g. a delete of the killed process still in flight: that
    one case is retried after a pause."""
    for attempt in range(6):
        out = subprocess.run([WHARF_BIN, "admin", "fsck", "--db", w.db, "--storage", w.storage],
                             capture_output=True, text=True, env=w.env, timeout=300)
        text = out.stdout + out.stderr
        if out.returncode == 0 or not w.storage.startswith("s3://") or "HTTP 500" not in text:
            break
        time.sleep(2)
    return out.returncode, text
