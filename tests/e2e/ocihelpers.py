"""Helpers for the black-box OCI Distribution tests: random blobs, digests,
blob pushes (monolithic, single POST, chunked, streamed), manifest/index
builders, image pushes, OCI error-body checks and raw HTTP for requests that
`requests` would normalise (dot segments, truncated bodies).

Every /v2 response that goes through a fixture from this module is checked
for wharf's invariants (API-version header, X-Request-Id, never a 5xx, OCI
error body on every 4xx), so each test also checks those on the side.

Fixtures `reg` (one registry per test module; use uniq() repository names)
and `wharf` (fresh registry per test; overrides conftest's to add the checks)
are imported by the test modules."""
import hashlib
import http.client
import json
import os
import re
import socket
import uuid
from collections import namedtuple
from urllib.parse import parse_qs, urlsplit

import pytest

import backends
from conftest import Wharf

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

EMPTY_JSON = b"{}"
EMPTY_JSON_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
EMPTY_DIGEST = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
# the conformance suite's "dummyDigest": sha256("hello world")
DUMMY_DIGEST = "sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"

# the error codes of the spec's table (code-1 .. code-15)
SPEC_CODES = {
    "BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID",
    "MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "NAME_INVALID",
    "NAME_UNKNOWN", "SIZE_INVALID", "UNAUTHORIZED", "DENIED", "UNSUPPORTED",
    "TOOMANYREQUESTS",
}


# --- response invariants ------------------------------------------------------

def describe(resp):
    """One line naming a requests response, for assertion messages."""
    req = resp.request
    body = resp.content[:400] if req.method != "HEAD" else b""
    return f"{req.method} {req.path_url} -> {resp.status_code} {dict(resp.headers)} {body!r}"


def error_body_problem(status, body):
    """Why `body` is not a valid OCI error body (None when it is)."""
    try:
        doc = json.loads(body)
    except ValueError:
        return "error body is not JSON"
    if not isinstance(doc, dict) or not isinstance(doc.get("errors"), list) or not doc["errors"]:
        return "error body lacks a non-empty 'errors' list"
    for e in doc["errors"]:
        if not isinstance(e, dict):
            return "an error entry is not an object"
        code = e.get("code")
        if not isinstance(code, str) or not re.fullmatch(r"[A-Z_]+", code):
            return f"error code {code!r} is not uppercase letters and underscores"
        if status < 500 and code not in SPEC_CODES:
            return f"error code {code!r} is not one of the spec's codes"
        if "message" in e and not isinstance(e["message"], str):
            return "error message is not a string"
    return None


def check_v2_response(method, path, status, headers, body):
    """wharf's invariants for any response under /v2."""
    if not path.startswith("/v2"):
        return
    where = f"{method} {path} -> {status}"
    assert status < 500, f"{where}: server error {body[:400]!r}"
    version = headers.get("Docker-Distribution-API-Version")
    assert version == "registry/2.0", f"{where}: Docker-Distribution-API-Version is {version!r}"
    assert headers.get("X-Request-Id"), f"{where}: no X-Request-Id header"
    if status >= 400 and method != "HEAD":
        problem = error_body_problem(status, body)
        assert problem is None, f"{where}: {problem}: {body[:400]!r}"


def _hook(resp, *args, **kwargs):
    check_v2_response(resp.request.method, resp.request.path_url, resp.status_code,
                      resp.headers, resp.content)
    return resp


def install_checks(w):
    """Makes every response of w's session go through check_v2_response."""
    w.session.hooks["response"].append(_hook)
    return w


def assert_alive(w):
    """The server process still runs and its log shows no sanitizer report."""
    assert w.proc is not None and w.proc.poll() is None, \
        f"wharf exited with {w.proc.returncode if w.proc else None}: {w.read_log()[-3000:]}"
    log = w.read_log()
    for marker in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
        assert marker not in log, f"sanitizer report in wharf log: {log[-3000:]}"


@pytest.fixture
def wharf(wharf_factory):
    """A fresh wharf whose responses are all checked; it must survive the test."""
    w = install_checks(wharf_factory())
    yield w
    assert_alive(w)


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    """One wharf shared by a test module: tests use uniq() repository names."""
    # a short drain so teardown does not wait on connections a test left stalled
    w = Wharf(tmp_path_factory.mktemp("reg"), ["--shutdown-grace", "2"])
    w.start()
    install_checks(w)
    yield w
    try:
        assert_alive(w)
    finally:
        w.stop()


def assert_error(resp, status, codes):
    """resp is `status` (an int or a tuple) with an OCI error body whose first
    error code is in `codes` (a string or a collection)."""
    statuses = (status,) if isinstance(status, int) else tuple(status)
    codes = {codes} if isinstance(codes, str) else set(codes)
    assert resp.status_code in statuses, describe(resp)
    if resp.request.method == "HEAD":
        return None
    problem = error_body_problem(resp.status_code, resp.content)
    assert problem is None, f"{problem}: {describe(resp)}"
    code = resp.json()["errors"][0]["code"]
    assert code in codes, f"code {code} not in {sorted(codes)}: {describe(resp)}"
    return code


# --- blobs and digests --------------------------------------------------------

def random_blob(size=64):
    return os.urandom(size)


def digest_of(data, algo="sha256"):
    return f"{algo}:{hashlib.new(algo, data).hexdigest()}"


def uniq(prefix="repo"):
    """A repository name nobody else in the run uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def location(resp):
    """The Location header as a path (+ query), whether absolute or relative."""
    loc = resp.headers.get("Location")
    assert loc, f"no Location header: {describe(resp)}"
    parts = urlsplit(loc)
    assert parts.path.startswith("/"), f"Location {loc!r} is not a path or URL"
    return parts.path + ("?" + parts.query if parts.query else "")


def location_path(resp):
    """The path of the Location header without any query."""
    return urlsplit(location(resp)).path


def start_upload(w, repo):
    """POST .../blobs/uploads/ and return the upload location (path + query)."""
    r = w.post(f"/v2/{repo}/blobs/uploads/", headers={"Content-Length": "0"})
    assert r.status_code == 202, describe(r)
    return location(r)


def put_blob_to(w, loc, data=b"", digest=None, headers=None):
    """Closing PUT <loc>?digest= with optional final chunk."""
    h = {"Content-Type": "application/octet-stream"}
    h.update(headers or {})
    return w.put(loc, params={"digest": digest or digest_of(data)}, data=data, headers=h)


def patch_chunk(w, loc, data, start=None):
    """PATCH one chunk (with Content-Range when start is given)."""
    h = {"Content-Type": "application/octet-stream"}
    if start is not None:
        h["Content-Range"] = f"{start}-{start + len(data) - 1}"
    return w.patch(loc, data=data, headers=h)


def push_blob(w, repo, data, mode="monolithic", chunk_size=None, algo="sha256"):
    """Uploads data into repo; returns its digest. Modes: monolithic (POST then
    PUT), post (single POST), chunked (PATCH with Content-Range), stream (PATCH
    without Content-Range)."""
    d = digest_of(data, algo)
    if mode == "post":
        r = w.post(f"/v2/{repo}/blobs/uploads/", params={"digest": d}, data=data,
                   headers={"Content-Type": "application/octet-stream"})
    else:
        loc = start_upload(w, repo)
        if mode in ("chunked", "stream"):
            size = chunk_size or max(1, (len(data) + 2) // 3)
            for off in range(0, len(data), size):
                r = patch_chunk(w, loc, data[off:off + size], off if mode == "chunked" else None)
                assert r.status_code == 202, describe(r)
                loc = location(r)
            data_left = b""
        else:
            data_left = data
        r = put_blob_to(w, loc, data_left, d)
    assert r.status_code == 201, describe(r)
    return d


# --- manifests ----------------------------------------------------------------

Image = namedtuple("Image", "body digest media_type config layers")


def descriptor(media_type, data, **extra):
    """A descriptor of `data` (bytes)."""
    d = {"mediaType": media_type, "digest": digest_of(data), "size": len(data)}
    d.update(extra)
    return d


def dumps(doc):
    """Manifest bytes as most clients write them (indented, so wharf must keep
    the exact bytes rather than re-serialise)."""
    return json.dumps(doc, indent=3).encode()


def make_manifest(config, layers, media_type=OCI_MANIFEST, subject=None,
                  artifact_type=None, annotations=None):
    """Manifest bytes; config and layers are descriptors (dicts)."""
    doc = {"schemaVersion": 2, "mediaType": media_type, "config": config, "layers": list(layers)}
    if artifact_type:
        doc["artifactType"] = artifact_type
    if subject:
        doc["subject"] = subject
    if annotations:
        doc["annotations"] = annotations
    return dumps(doc)


def make_index(manifests, media_type=OCI_INDEX, subject=None, artifact_type=None,
               annotations=None):
    """Index (or Docker manifest list) bytes; manifests are descriptors."""
    doc = {"schemaVersion": 2, "mediaType": media_type, "manifests": list(manifests)}
    if artifact_type:
        doc["artifactType"] = artifact_type
    if subject:
        doc["subject"] = subject
    if annotations:
        doc["annotations"] = annotations
    return dumps(doc)


def config_blob():
    """A unique image config."""
    return json.dumps({"architecture": "amd64", "os": "linux", "author": uuid.uuid4().hex,
                       "rootfs": {"type": "layers", "diff_ids": []}}).encode()


def put_manifest(w, repo, ref, body, media_type=OCI_MANIFEST):
    return w.put(f"/v2/{repo}/manifests/{ref}", data=body, headers={"Content-Type": media_type})


def build_image(w, repo, nlayers=1, media_type=OCI_MANIFEST, subject=None,
                artifact_type=None, annotations=None, config_media_type=None,
                config_data=None):
    """Pushes config + layers into repo and returns the Image whose manifest
    is not pushed yet."""
    docker = media_type == DOCKER_MANIFEST
    cfg = config_data if config_data is not None else config_blob()
    push_blob(w, repo, cfg)
    cfg_desc = descriptor(config_media_type or (DOCKER_CONFIG if docker else OCI_CONFIG), cfg)
    layers = []
    for _ in range(nlayers):
        data = random_blob(128)
        push_blob(w, repo, data)
        layers.append(descriptor(DOCKER_LAYER if docker else OCI_LAYER, data))
    body = make_manifest(cfg_desc, layers, media_type, subject, artifact_type, annotations)
    return Image(body, digest_of(body), media_type, cfg_desc, layers)


def push_image(w, repo, tag=None, nlayers=1, media_type=OCI_MANIFEST, **kw):
    """Pushes config + layers + manifest (by tag, or by digest when tag is None).
    Keyword arguments go to build_image."""
    img = build_image(w, repo, nlayers, media_type, **kw)
    r = put_manifest(w, repo, tag or img.digest, img.body, media_type)
    assert r.status_code == 201, describe(r)
    return img


def push_index(w, repo, children, tag=None, media_type=OCI_INDEX, subject=None,
               artifact_type=None, annotations=None):
    """Pushes an index over already-pushed Images."""
    descs = [{"mediaType": c.media_type, "digest": c.digest, "size": len(c.body),
              "platform": {"architecture": "amd64", "os": "linux"}} for c in children]
    body = make_index(descs, media_type, subject, artifact_type, annotations)
    d = digest_of(body)
    r = put_manifest(w, repo, tag or d, body, media_type)
    assert r.status_code == 201, describe(r)
    return Image(body, d, media_type, None, descs)


def subject_of(img):
    """A subject descriptor pointing at an Image."""
    return {"mediaType": img.media_type, "digest": img.digest, "size": len(img.body)}


def tags_of(w, repo):
    r = w.get(f"/v2/{repo}/tags/list")
    assert r.status_code == 200, describe(r)
    return r.json().get("tags") or []


# --- raw HTTP -----------------------------------------------------------------

RawResponse = namedtuple("RawResponse", "status headers body")


def auth_headers(w):
    """The Authorization header the session sends, for raw requests (empty
    when the instance has no admin credentials)."""
    return {"Authorization": w.basic()} if getattr(w, "admin_user", None) else {}


def auth_line(w):
    """auth_headers as a raw header line ("" or "Authorization: ...\r\n")."""
    return "".join(f"{k}: {v}\r\n" for k, v in auth_headers(w).items())


class _Headers(dict):
    """Case-insensitive header lookup for raw responses."""

    def get(self, key, default=None):
        return super().get(key.lower(), default)


def raw_request(w, method, path, headers=None, body=b"", check=True):
    """Sends the request line exactly as given (no path normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", w.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
        for k, v in {**auth_headers(w), **(headers or {})}.items():
            conn.putheader(k, v)
        if body or method in ("PUT", "POST", "PATCH"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        resp = conn.getresponse()
        data = resp.read()
        hdrs = _Headers({k.lower(): v for k, v in resp.getheaders()})
    finally:
        conn.close()
    if check:
        check_v2_response(method, path, resp.status, hdrs, data)
    return RawResponse(resp.status, hdrs, data)


def send_truncated(w, method, path, headers, body, declared_len, read_timeout=1.0):
    """Declares Content-Length declared_len, sends only `body`, half-closes and
    returns whatever the server answers (b"" if it just closes)."""
    assert declared_len > len(body)
    s = socket.create_connection(("127.0.0.1", w.port), timeout=read_timeout)
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {w.host}",
                 f"Content-Length: {declared_len}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in {**auth_headers(w), **(headers or {})}.items()]
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        s.shutdown(socket.SHUT_WR)
        got = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        except (socket.timeout, ConnectionResetError):
            pass
    finally:
        s.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", got)
    if m:
        assert int(m.group(1)) < 500, f"truncated {method} {path}: {got[:400]!r}"
    return got


# --- blob store on disk ---------------------------------------------------------

def verify_blob_files(datadir):
    """Walks <datadir>/blobs/blobs/<algo>/*/* and checks every file hashes to
    its own name. Returns the number of blobs checked. On the pg-s3 test
    backend, the data directory's bucket instead."""
    bucket = backends.SESSION.bucket_of(datadir) if backends.pg_s3() else None
    if bucket:
        return backends.SESSION.verify_bucket(bucket)
    root = os.path.join(str(datadir), "blobs", "blobs")
    n = 0
    for algo in ("sha256", "sha512"):
        top = os.path.join(root, algo)
        if not os.path.isdir(top):
            continue
        for dirpath, _, files in os.walk(top):
            for name in files:
                path = os.path.join(dirpath, name)
                h = hashlib.new(algo)
                with open(path, "rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        h.update(block)
                assert h.hexdigest() == name, \
                    f"corrupt blob {path}: content hashes to {h.hexdigest()}"
                n += 1
    return n


def link_next(resp):
    """(path, query dict) of a `Link: <...>; rel="next"` header, or None."""
    link = resp.headers.get("Link")
    if not link:
        return None
    m = re.fullmatch(r'\s*<([^>]+)>\s*;\s*rel="?next"?\s*', link)
    assert m, f"malformed Link header {link!r}"
    parts = urlsplit(m.group(1))
    return parts.path + ("?" + parts.query if parts.query else ""), parse_qs(parts.query)
