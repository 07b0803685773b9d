"""The S3 blob backend (src/blob/s3*.c) against a real S3 server: s3rver from npm (package.json,
installed by scripts/deps.sh), started here on a free loopback port with a temporary directory and
stopped by PID at the end of the module.

Each test runs wharf with `--storage s3://wharf?endpoint=…&path_style=true&prefix=<unique>/` and
s3rver's credentials from the AWS_* environment, then reads the bucket back directly (s3rver
answers unsigned requests) to check the layout: every object under blobs/ hashes to its key, and
no upload object outlives its upload. s3rver has no UploadPartCopy, so multipart assembly runs the
piped-part fallback here; CopyObject (single-segment blobs) and DeleteObjects run for real.
"""
import base64
import calendar
import hashlib
import hmac
import json
import os
import secrets
import socket
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

import pytest
import requests

import backends
import imagegen
from conftest import Wharf
from ocihelpers import (EMPTY_DIGEST, assert_alive, assert_error, describe, digest_of,
                        error_body_problem, install_checks, location, patch_chunk, push_blob, put_blob_to,
                        start_upload)
from test_clients import assert_image_complete, clients_for, layout_manifest_digest  # noqa: F401

S3RVER_JS, NODE = backends.S3RVER_JS, backends.NODE
BUCKET = "wharf"
MiB = 1 << 20
# s3rver checks that the access key exists but not the signature, so the secret is ours to pick:
# a distinctive one lets the tests prove it never reaches a log line
SECRET = "wharf-test-secret-" + secrets.token_hex(8)


class S3rver(backends.S3rver):
    """A running s3rver with one bucket (backends.S3rver: started and stopped
    by PID), and unsigned reads of what it stores."""

    def url(self, prefix, endpoint=None):
        """wharf's --storage for keys under prefix (through another endpoint if given)."""
        return (f"s3://{BUCKET}?endpoint={endpoint or self.endpoint}&path_style=true"
                f"&region=us-east-1&prefix={prefix}")

    def objects(self, prefix):
        """{key: size} of every object under prefix (ListObjectsV2, all pages)."""
        out, token = {}, None
        while True:
            params = {"list-type": "2", "prefix": prefix}
            if token:
                params["continuation-token"] = token
            r = requests.get(f"{self.endpoint}/{BUCKET}", params=params, timeout=30)
            assert r.status_code == 200, r.text
            doc = ET.fromstring(r.content)
            for el in doc.iter():  # namespaces differ between servers: drop them
                el.tag = el.tag.rsplit("}", 1)[-1]
            for c in doc.iter("Contents"):
                out[c.findtext("Key")] = int(c.findtext("Size"))
            if doc.findtext("IsTruncated") != "true":
                return out
            token = doc.findtext("NextContinuationToken")

    def get(self, key):
        r = requests.get(f"{self.endpoint}/{BUCKET}/{key}", timeout=60)
        assert r.status_code == 200, f"GET {key}: {r.status_code} {r.text[:300]}"
        return r.content

    def verify(self, prefix):
        """Every object under prefix is a blob that hashes to its key, or part of an upload.
        Returns ({digest: size}, {uuid of every upload with objects left})."""
        blobs, uploads = {}, set()
        for key, size in self.objects(prefix).items():
            rest = key[len(prefix):]
            parts = rest.split("/")
            if parts[0] == "uploads":
                assert len(parts) == 3 and len(parts[1]) == 36, f"stray upload object {key}"
                uploads.add(parts[1])
                continue
            assert parts[0] == "blobs" and len(parts) == 4, f"stray object {key}"
            algo, hh, hexd = parts[1:]
            assert hh == hexd[:2], f"blob {key} is in the wrong directory"
            data = self.get(key)
            assert len(data) == size
            got = hashlib.new(algo, data).hexdigest()
            assert got == hexd, f"corrupt blob {key}: content hashes to {got}"
            blobs[f"{algo}:{hexd}"] = size
        return blobs, uploads


# --- a SigV4 checkpoint ------------------------------------------------------------------------
# s3rver does not check signatures, so requests can pass it that AWS would refuse. This proxy sits
# between wharf and s3rver and checks every request the way AWS does (canonical request from what
# arrived on the wire, payload hash, Content-MD5), answering 403 SignatureDoesNotMatch otherwise.

def _uri_encode(s, slash=True):
    return quote(s, safe="/~" if slash else "~")


def _canonical_query(raw):
    pairs = []
    for part in filter(None, raw.split("&")):
        k, _, v = part.partition("=")
        pairs.append((_uri_encode(unquote(k), False), _uri_encode(unquote(v), False)))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def sigv4_problem(method, target, headers, body, secret):
    """Why AWS would refuse this request, or None."""
    auth = headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "not signed with SigV4"
    fields = dict(f.strip().split("=", 1) for f in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    access, date, region, service, term = fields["Credential"].split("/")
    signed = fields["SignedHeaders"].split(";")
    amz_date = headers.get("x-amz-date", "")
    payload = headers.get("x-amz-content-sha256")
    if service != "s3" or term != "aws4_request" or not amz_date.startswith(date):
        return f"bad credential scope {fields['Credential']}"
    if payload is None:
        return "no x-amz-content-sha256"
    if payload != "UNSIGNED-PAYLOAD" and payload != hashlib.sha256(body).hexdigest():
        return "x-amz-content-sha256 does not match the body"
    if "Content-MD5" in headers and \
            headers["Content-MD5"] != base64.b64encode(hashlib.md5(body).digest()).decode():
        return "Content-MD5 does not match the body"
    names = {k.lower() for k in headers.keys()}
    unsigned = [n for n in names if n.startswith("x-amz-") and n not in signed]
    if "host" not in signed or unsigned:
        return f"headers not signed: {unsigned or ['host']}"
    path, _, query = target.partition("?")
    canon_headers = "".join(f"{n}:{' '.join(headers.get(n, '').split())}\n" for n in signed)
    creq = "\n".join([method, _uri_encode(unquote(path)), _canonical_query(query), canon_headers,
                      ";".join(signed), payload])
    scope = f"{date}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(creq.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (date, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    want = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(want, fields["Signature"]) else "signature mismatch"


def presign_problem(method, target, headers, secret, now=None):
    """Why AWS would refuse this presigned (query-string signed) request, or None: the
    X-Amz-* parameters, the expiry, and a signature over only the host header."""
    path, _, query = target.partition("?")
    params = dict(p.partition("=")[::2] for p in query.split("&") if p)
    params = {unquote(k): unquote(v) for k, v in params.items()}
    need = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
            "X-Amz-SignedHeaders", "X-Amz-Signature")
    if any(k not in params for k in need) or params["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256":
        return "incomplete query-string authentication"
    if "Authorization" in headers:
        return "only one auth mechanism allowed"
    access, date, region, service, term = params["X-Amz-Credential"].split("/")
    amz_date = params["X-Amz-Date"]
    if service != "s3" or term != "aws4_request" or not amz_date.startswith(date):
        return "bad credential scope"
    expires = int(params["X-Amz-Expires"])
    if not 1 <= expires <= 604800:
        return "bad X-Amz-Expires"
    signed_at = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    if (now or time.time()) > signed_at + expires:
        return "request has expired"
    signed = params["X-Amz-SignedHeaders"].split(";")
    if "host" not in signed:
        return "host not signed"
    canon_q = _canonical_query("&".join(p for p in query.split("&")
                                        if p and not p.startswith("X-Amz-Signature=")))
    canon_headers = "".join(f"{n}:{' '.join(headers.get(n, '').split())}\n" for n in signed)
    creq = "\n".join([method, _uri_encode(unquote(path)), canon_q, canon_headers,
                      ";".join(signed), "UNSIGNED-PAYLOAD"])
    scope = f"{date}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(creq.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (date, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    want = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(want, params["X-Amz-Signature"]) else "signature mismatch"


class SigV4Proxy:
    """Checks each request's signature, then forwards it to s3rver. s3rver lacks UploadPartCopy;
    the proxy carries it out (GET of the source range, UploadPart) so wharf's copy path runs."""

    def __init__(self, upstream, secret):
        proxy = self
        self.checked, self.refused, self.part_copies = 0, [], 0
        self.seen = []  # (method, path without query, "presigned" or "header")
        self.cut_gets = 0  # break this many blob GET answers midway (after half the body)

        def part_copy(h, target):
            src = h["x-amz-copy-source"]
            first, last = h["x-amz-copy-source-range"].split("=")[1].split("-")
            data = requests.get(upstream + src, headers={"Range": f"bytes={first}-{last}"},
                                timeout=60)
            assert data.status_code == 206, data.text
            r = requests.put(upstream + target, data=data.content, timeout=60)
            proxy.part_copies += 1
            body = (f'<?xml version="1.0"?><CopyPartResult><ETag>&quot;'
                    f'{r.headers["ETag"].strip(chr(34))}&quot;</ETag></CopyPartResult>').encode()
            return r.status_code, body

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_one(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                presigned = "X-Amz-Algorithm=" in self.path
                if presigned:
                    problem = presign_problem(self.command, self.path, self.headers, secret)
                else:
                    problem = sigv4_problem(self.command, self.path, self.headers, body, secret)
                proxy.checked += 1
                proxy.seen.append((self.command, self.path.partition("?")[0],
                                   "presigned" if presigned else "header"))
                if problem:
                    proxy.refused.append(f"{self.command} {self.path}: {problem}")
                    out = (b"<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code>"
                           b"</Error>")
                    self.send_response(403)
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                    return
                if self.command == "PUT" and "partNumber=" in self.path and \
                        "x-amz-copy-source" in self.headers:
                    status, out = part_copy(self.headers, self.path)
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                    return
                fwd = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                # s3rver does not check V4 signatures: pass the checked request on unsigned
                target = self.path.partition("?")[0] if presigned else self.path
                r = requests.request(self.command, upstream + target, headers=fwd, data=body,
                                     timeout=60, allow_redirects=False)
                self.send_response(r.status_code)
                for k in ("Content-Type", "ETag", "Content-Range", "Last-Modified",
                          "Accept-Ranges"):
                    if k in r.headers:
                        self.send_header(k, r.headers[k])
                self.send_header("Content-Length", r.headers.get("Content-Length",
                                                                 str(len(r.content))))
                self.end_headers()
                if self.command == "GET" and "/blobs/" in self.path and proxy.cut_gets > 0 and \
                        len(r.content) > 1:
                    proxy.cut_gets -= 1
                    self.wfile.write(r.content[:len(r.content) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if self.command != "HEAD":
                    self.wfile.write(r.content)

            do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = handle_one

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    if not NODE or not os.path.exists(S3RVER_JS):
        pytest.skip("s3rver is not installed (scripts/deps.sh runs npm install)")
    srv = S3rver(tmp_path_factory.mktemp("s3"))
    yield srv
    srv.stop()


def s3_env(access="S3RVER", secret=SECRET):
    # an inherited session token or endpoint must not leak into these runs
    return {"AWS_ACCESS_KEY_ID": access, "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_SESSION_TOKEN": "", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": ""}


def prefix_for():
    return f"t{uuid.uuid4().hex[:12]}/"


@pytest.fixture
def s3_wharf(s3, wharf_factory):
    """A wharf on its own prefix of the bucket; the bucket is checked after the test."""
    prefix = prefix_for()
    w = install_checks(wharf_factory(storage=s3.url(prefix), env=s3_env()))
    w.prefix = prefix
    yield w
    assert_alive(w)
    assert SECRET not in w.read_log(), "the S3 secret key reached the log"
    s3.verify(prefix)


def get_blob(w, repo, digest, **kw):
    r = w.get(f"/v2/{repo}/blobs/{digest}", **kw)
    assert r.status_code in (200, 206), describe(r)
    return r


def test_monolithic_single_post_empty_and_ranges(s3, s3_wharf):
    w, repo = s3_wharf, "s3/mono"
    small = os.urandom(1000)
    big = os.urandom(6 * MiB + 7)  # one segment: published with CopyObject
    d_small = push_blob(w, repo, small, mode="post")
    d_big = push_blob(w, repo, big)
    assert push_blob(w, repo, b"") == EMPTY_DIGEST

    assert get_blob(w, repo, d_small).content == small
    assert get_blob(w, repo, d_big).content == big
    assert get_blob(w, repo, EMPTY_DIGEST).content == b""
    h = w.head(f"/v2/{repo}/blobs/{d_big}")
    assert h.status_code == 200 and int(h.headers["Content-Length"]) == len(big), describe(h)

    for rng, want in (("bytes=0-9", big[:10]), ("bytes=1000-2999999", big[1000:3000000]),
                      ("bytes=-10", big[-10:]), (f"bytes={len(big) - 5}-", big[-5:])):
        r = get_blob(w, repo, d_big, headers={"Range": rng})
        assert r.status_code == 206 and r.content == want, (rng, describe(r))
    r = w.get(f"/v2/{repo}/blobs/{d_big}", headers={"Range": f"bytes={len(big)}-"})
    assert r.status_code == 416, describe(r)

    blobs, uploads = s3.verify(w.prefix)
    assert blobs == {d_small: len(small), d_big: len(big), EMPTY_DIGEST: 0}
    assert not uploads, f"upload objects left behind: {uploads}"


def test_chunked_uploads_assemble_multipart(s3, s3_wharf):
    w, repo = s3_wharf, "s3/chunked"
    # chunks under S3's 5 MiB part minimum, one over a segment (8 MiB), 17 MiB in all
    data = os.urandom(17 * MiB + 123)
    sizes = [1 * MiB, 3 * MiB, 2 * MiB, 9 * MiB]
    loc, off = start_upload(w, repo), 0
    for n in sizes + [len(data) - sum(sizes)]:
        r = patch_chunk(w, loc, data[off:off + n], off)
        assert r.status_code == 202, describe(r)
        off += n
        assert r.headers["Range"] == f"0-{off - 1}"
        loc = location(r)
    d = digest_of(data)
    r = put_blob_to(w, loc, b"", d)
    assert r.status_code == 201, describe(r)

    # one PATCH of 17 MiB: three segments, then the closing PUT carries a last chunk
    data2 = os.urandom(17 * MiB)
    loc = start_upload(w, repo)
    r = w.patch(loc, data=data2[:-100], headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 202, describe(r)
    r = put_blob_to(w, location(r), data2[-100:], digest_of(data2))
    assert r.status_code == 201, describe(r)

    assert get_blob(w, repo, d).content == data
    assert get_blob(w, repo, digest_of(data2)).content == data2
    r = get_blob(w, repo, d, headers={"Range": f"bytes={MiB - 3}-{6 * MiB + 2}"})
    assert r.content == data[MiB - 3:6 * MiB + 3]
    blobs, uploads = s3.verify(w.prefix)
    assert blobs == {d: len(data), digest_of(data2): len(data2)}
    assert not uploads, f"upload objects left behind: {uploads}"


def test_digest_mismatch_keeps_upload_then_cancel(s3, s3_wharf):
    w, repo = s3_wharf, "s3/mismatch"
    data = os.urandom(1200 * 1000)
    loc = start_upload(w, repo)
    uid = loc.rstrip("/").split("/")[-1].split("?")[0]
    for off in (0, 600 * 1000):
        r = patch_chunk(w, loc, data[off:off + 600 * 1000], off)
        assert r.status_code == 202, describe(r)
        loc = location(r)
    wrong = digest_of(b"something else")
    assert_error(put_blob_to(w, loc, b"", wrong), 400, "DIGEST_INVALID")
    blobs, uploads = s3.verify(w.prefix)
    assert not blobs, f"a blob was stored for a mismatching digest: {blobs}"
    assert uploads == {uid}

    # the upload is intact: status, then the right digest
    r = w.get(loc)
    assert r.status_code == 204 and r.headers["Range"] == f"0-{len(data) - 1}", describe(r)
    r = put_blob_to(w, loc, b"", digest_of(data))
    assert r.status_code == 201, describe(r)
    assert get_blob(w, repo, digest_of(data)).content == data

    # a cancelled upload leaves nothing in the bucket
    loc = start_upload(w, repo)
    r = patch_chunk(w, loc, os.urandom(1000), 0)
    assert r.status_code == 202, describe(r)
    assert w.delete(location(r)).status_code == 204
    blobs, uploads = s3.verify(w.prefix)
    assert set(blobs) == {digest_of(data)} and not uploads, uploads


def test_cross_repository_mount(s3, s3_wharf):
    w = s3_wharf
    data = os.urandom(300 * 1000)
    d = push_blob(w, "s3/src", data)
    r = w.post("/v2/s3/dst/blobs/uploads/", params={"mount": d, "from": "s3/src"},
               headers={"Content-Length": "0"})
    assert r.status_code == 201, describe(r)
    assert get_blob(w, "s3/dst", d).content == data
    blobs, uploads = s3.verify(w.prefix)
    assert blobs == {d: len(data)} and not uploads


def test_upload_continued_on_another_instance(s3, wharf_factory):
    """Two wharf processes on one database file and one bucket: each step of an upload may land
    on either, and the one that commits re-reads what the other wrote."""
    prefix = prefix_for()
    a = install_checks(wharf_factory("shared", storage=s3.url(prefix), env=s3_env()))
    b = install_checks(wharf_factory("shared", storage=s3.url(prefix), env=s3_env()))
    repo = "s3/multi"
    data = os.urandom(11 * MiB + 5)
    loc = start_upload(a, repo)
    r = patch_chunk(a, loc, data[:6 * MiB], 0)
    assert r.status_code == 202, describe(r)
    r = patch_chunk(b, location(r), data[6 * MiB:10 * MiB], 6 * MiB)
    assert r.status_code == 202, describe(r)
    r = b.get(location(r))
    assert r.headers["Range"] == f"0-{10 * MiB - 1}", describe(r)
    r = put_blob_to(b, location(r), data[10 * MiB:], digest_of(data))
    assert r.status_code == 201, describe(r)
    assert get_blob(a, repo, digest_of(data)).content == data

    # and the other way round, committed where the upload began
    data2 = os.urandom(2 * MiB)
    loc = start_upload(b, repo)
    r = patch_chunk(b, loc, data2[:MiB], 0)
    r = patch_chunk(a, location(r), data2[MiB:], MiB)
    assert r.status_code == 202, describe(r)
    r = put_blob_to(b, location(r), b"", digest_of(data2))
    assert r.status_code == 201, describe(r)
    assert get_blob(a, repo, digest_of(data2)).content == data2

    for w in (a, b):
        assert_alive(w)
        assert SECRET not in w.read_log()
    blobs, uploads = s3.verify(prefix)
    assert blobs == {digest_of(data): len(data), digest_of(data2): len(data2)}
    assert not uploads


def test_concurrent_pushes_through_two_instances(s3, wharf_factory):
    """Eight clients push at once through two processes (shared curl connections, hash cache and
    bucket); nothing is lost and every blob reads back from either process."""
    from concurrent.futures import ThreadPoolExecutor
    prefix = prefix_for()
    ws = [install_checks(wharf_factory("pair", storage=s3.url(prefix), env=s3_env()))
          for _ in range(2)]
    sizes = [300 * 1000, 2 * MiB + 1, 6 * MiB, 9 * MiB + 3]

    def client(i):
        w = ws[i % 2]
        out = []
        for j, size in enumerate(sizes[i % 2::2]):
            data = os.urandom(size)
            mode = ("monolithic", "chunked", "post", "stream")[(i + j) % 4]
            out.append((push_blob(w, f"s3/conc{i}", data, mode=mode, chunk_size=2 * MiB), data))
        return i, out

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(client, range(8)))
    want = {}
    for i, pushed in results:
        for d, data in pushed:
            want[d] = len(data)
            for w in ws:
                assert get_blob(w, f"s3/conc{i}", d).content == data
    for w in ws:
        assert_alive(w)
    blobs, uploads = s3.verify(prefix)
    assert blobs == want and not uploads

def test_skopeo_push_pull_byte_identical(s3, s3_wharf, clients_for, tmp_path):  # noqa: F811
    clients = clients_for(s3_wharf)
    img = imagegen.make_image(tmp_path / "src", layers=3, seed="s3", big=6 * MiB)
    clients.push(f"oci:{tmp_path}/src:latest", "s3/img:1.0")
    assert json.loads(clients.inspect("s3/img:1.0"))["Digest"] == img.digest
    clients.pull("s3/img:1.0", f"oci:{tmp_path}/back:copy")
    blobs = imagegen.verify_layout(tmp_path / "back")
    assert layout_manifest_digest(tmp_path / "back", "copy") == img.digest
    assert_image_complete(blobs, img.digest, "pulled layout")
    for d in imagegen.referenced_blobs(img.blobs[img.digest]):
        assert blobs[d] == img.blobs[d], f"blob {d} came back different"
    stored, uploads = s3.verify(s3_wharf.prefix)
    for d in imagegen.referenced_blobs(img.blobs[img.digest]):
        assert stored.get(d) == len(img.blobs[d]), f"{d} is not in the bucket"
    assert not uploads


def test_idle_uploads_expire_from_the_bucket(s3, wharf_factory):
    """The expiry pass lists uploads/ in the bucket: an idle session's objects and an orphan
    (objects with no session, as a crash can leave) are removed."""
    prefix = prefix_for()
    w = install_checks(wharf_factory(extra_args=["--upload-ttl", "2"], storage=s3.url(prefix),
                                     env=s3_env()))
    loc = start_upload(w, "s3/exp")
    r = patch_chunk(w, loc, os.urandom(1000), 0)
    assert r.status_code == 202, describe(r)
    orphan = "00000000-0000-4000-8000-000000000000"
    r = requests.put(f"{s3.endpoint}/{BUCKET}/{prefix}uploads/{orphan}/info", data=b"", timeout=10)
    assert r.status_code == 200, r.text
    assert len(s3.verify(prefix)[1]) == 2
    deadline = time.monotonic() + 15
    while s3.verify(prefix)[1] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not s3.verify(prefix)[1], "expired upload objects are still in the bucket"
    assert w.get(loc).status_code == 404
    assert "expired" in w.read_log()

def test_outage_fails_requests_then_recovers(s3, tmp_path, wharf_factory):
    """With the object store down, requests fail with a 5xx and a log line (nothing is
    acknowledged); when it is back, wharf carries on without a restart."""
    srv = S3rver(tmp_path / "own")
    try:
        w = wharf_factory(storage=srv.url(prefix_for()), env=s3_env())
        repo = "s3/outage"
        data = os.urandom(100 * 1000)
        d = push_blob(w, repo, data)
        loc = start_upload(w, repo)
        srv.stop()
        # 503 with OCI's error body: the registry is there, its storage is not (yet)
        for r in (w.get(f"/v2/{repo}/blobs/{d}"), patch_chunk(w, loc, os.urandom(1000), 0),
                  w.post(f"/v2/{repo}/blobs/uploads/", params={"digest": digest_of(b"x")},
                         data=b"x")):
            assert r.status_code == 503, describe(r)
            assert error_body_problem(503, r.content) is None, describe(r)
        assert "Couldn't connect to server" in w.read_log()
        assert SECRET not in w.read_log()
        srv.start()
        assert get_blob(w, repo, d).content == data
        r = patch_chunk(w, loc, data, 0)  # the failed PATCH acknowledged nothing
        assert r.status_code == 202, describe(r)
        assert put_blob_to(w, location(r), b"", d).status_code == 201
        d2 = push_blob(w, repo, os.urandom(1000), mode="post")
        assert get_blob(w, repo, d2).status_code == 200
        assert_alive(w)
    finally:
        srv.stop()


def test_refused_credentials_stop_the_start_without_leaking(s3, tmp_path):
    w = Wharf(tmp_path / "badcreds", storage=s3.url(prefix_for()),
              env=s3_env(access="NO-SUCH-KEY"))
    with pytest.raises(RuntimeError):
        w.start()
    w.stop()
    log = w.read_log()
    assert "check the S3 credentials" in log, log[-2000:]
    assert SECRET not in log


def test_every_request_is_signed_as_aws_expects(s3, wharf_factory):
    """Through the SigV4 checkpoint, with a session token: probe, segment PUTs, listings with
    encoded prefixes, CopyObject, multipart with UploadPartCopy and piped parts, ranged GETs,
    DeleteObjects with Content-MD5."""
    proxy = SigV4Proxy(s3.endpoint, SECRET)
    try:
        prefix = prefix_for()
        env = dict(s3_env(), AWS_SESSION_TOKEN="token-" + secrets.token_hex(8))
        w = install_checks(wharf_factory(storage=s3.url(prefix, proxy.endpoint), env=env))
        repo = "s3/signed"
        one = os.urandom(2 * MiB)
        d1 = push_blob(w, repo, one)
        many = os.urandom(10 * MiB)
        d2 = push_blob(w, repo, many, mode="chunked", chunk_size=3 * MiB)
        # segments of 8, 6, 8, 2 and 1 MiB: copied parts (by S3's size rules) and piped ones
        big = os.urandom(25 * MiB)
        loc = start_upload(w, repo)
        for off, n in ((0, 8 * MiB), (8 * MiB, 6 * MiB), (14 * MiB, 11 * MiB)):
            r = patch_chunk(w, loc, big[off:off + n], off)
            assert r.status_code == 202, describe(r)
            loc = location(r)
        assert put_blob_to(w, loc, b"", digest_of(big)).status_code == 201
        assert proxy.part_copies >= 3, proxy.part_copies
        assert get_blob(w, repo, digest_of(big)).content == big
        assert get_blob(w, repo, d1).content == one
        r = get_blob(w, repo, d2, headers={"Range": "bytes=5-2000000"})
        assert r.content == many[5:2000001]
        loc = start_upload(w, repo)
        assert_error(put_blob_to(w, loc, b"abc", digest_of(b"abd")), 400, "DIGEST_INVALID")
        assert w.delete(loc).status_code == 204
        assert proxy.checked > 20, proxy.checked
        assert not proxy.refused, proxy.refused
        assert_alive(w)
        assert env["AWS_SESSION_TOKEN"] not in w.read_log()
    finally:
        proxy.stop()
    blobs, uploads = s3.verify(prefix)
    assert blobs == {d1: len(one), d2: len(many), digest_of(big): len(big)} and not uploads


def test_virtual_hosted_addressing_is_the_default(s3, tmp_path):
    """Without path_style the bucket goes into the host name; an endpoint that cannot be reached
    yet does not stop the start (requests fail until it answers)."""
    url = f"s3://{BUCKET}?endpoint=http://s3.invalid:9&region=eu-west-3&prefix=p/"
    w = Wharf(tmp_path / "vhost", storage=url, env=s3_env())
    try:
        w.start()
        log = w.read_log()
        assert f"bucket {BUCKET} at http://{BUCKET}.s3.invalid:9" in log, log[-2000:]
        assert "not reachable yet" in log
    finally:
        w.stop()


def test_sigv4_checkpoint_agrees_with_aws_examples():
    """The checkpoint above reproduces AWS's published S3 SigV4 examples (GetObject with a Range,
    ListObjects with a query), so its verdicts are AWS's."""
    from requests.structures import CaseInsensitiveDict
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    empty = hashlib.sha256(b"").hexdigest()

    def check(target, extra, signed, sig):
        h = CaseInsensitiveDict({
            "Host": "examplebucket.s3.amazonaws.com", "x-amz-date": "20130524T000000Z",
            "x-amz-content-sha256": empty,
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
                             f"us-east-1/s3/aws4_request,SignedHeaders={signed},Signature={sig}"})
        h.update(extra)
        return sigv4_problem("GET", target, h, b"", secret)

    assert check("/test.txt", {"Range": "bytes=0-9"}, "host;range;x-amz-content-sha256;x-amz-date",
                 "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41") is None
    assert check("/?max-keys=2&prefix=J", {}, "host;x-amz-content-sha256;x-amz-date",
                 "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7") is None
    assert check("/?prefix=J&max-keys=2", {}, "host;x-amz-content-sha256;x-amz-date",
                 "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7") is None
    assert check("/?max-keys=3&prefix=J", {}, "host;x-amz-content-sha256;x-amz-date",
                 "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7") is not None


def test_presign_checkpoint_agrees_with_aws_example():
    """The presigned-URL check above accepts AWS's published GetObject example (and only it)."""
    target = ("/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE"
              "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z"
              "&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature="
              "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    from requests.structures import CaseInsensitiveDict
    host = CaseInsensitiveDict({"Host": "examplebucket.s3.amazonaws.com"})
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    then = calendar.timegm((2013, 5, 24, 1, 0, 0))
    assert presign_problem("GET", target, host, secret, now=then) is None
    assert presign_problem("GET", target, host, secret) == "request has expired"
    assert presign_problem("GET", target.replace("test.txt", "test.txx"), host, secret,
                           now=then) == "signature mismatch"
    assert presign_problem("GET", target, CaseInsensitiveDict({"Host": "other"}), secret,
                           now=then) is not None


# --- blob GETs: one streamed S3 GET per response, or a redirect to a presigned URL ----------

def assert_no_sanitizer_report(w):
    log = w.read_log()
    for marker in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
        assert marker not in log, f"sanitizer report in wharf log: {log[-3000:]}"


def blob_gets(proxy, prefix):
    """(method, kind) of each request the proxy saw for a blob object under prefix."""
    return [(m, k) for m, p, k in proxy.seen if p.startswith(f"/{BUCKET}/{prefix}blobs/")]


def test_blob_get_is_one_s3_request(s3, wharf_factory):
    """A 5 MiB blob GET (and a ranged one) costs one signed S3 GET each, not one per MiB; the
    bytes arrive whole and in order; HEAD is answered from one S3 HEAD."""
    proxy = SigV4Proxy(s3.endpoint, SECRET)
    try:
        prefix = prefix_for()
        w = install_checks(wharf_factory(storage=s3.url(prefix, proxy.endpoint), env=s3_env()))
        repo = "s3/stream"
        data = os.urandom(5 * MiB + 123)
        d = push_blob(w, repo, data)
        proxy.seen.clear()
        r = get_blob(w, repo, d)
        assert r.status_code == 200 and r.content == data
        assert blob_gets(proxy, prefix) == [("GET", "header")], proxy.seen
        proxy.seen.clear()
        r = get_blob(w, repo, d, headers={"Range": f"bytes={3 * MiB}-"})
        assert r.status_code == 206 and r.content == data[3 * MiB:]
        assert r.headers["Content-Range"] == f"bytes {3 * MiB}-{len(data) - 1}/{len(data)}"
        assert blob_gets(proxy, prefix) == [("GET", "header")], proxy.seen
        proxy.seen.clear()
        r = w.head(f"/v2/{repo}/blobs/{d}")
        assert r.status_code == 200 and int(r.headers["Content-Length"]) == len(data)
        assert blob_gets(proxy, prefix) == [("HEAD", "header")], proxy.seen
        # a client that reads slowly holds the transfer back instead of wharf buffering it
        got = []
        with w.get(f"/v2/{repo}/blobs/{d}", stream=True) as r:
            assert r.status_code == 200, describe(r)
            for chunk in r.iter_content(256 * 1024):
                got.append(chunk)
                time.sleep(0.005)
        assert b"".join(got) == data
        # a client that goes away midway: the S3 transfer is abandoned, nothing leaks
        for _ in range(3):
            with w.get(f"/v2/{repo}/blobs/{d}", stream=True) as r:
                next(r.iter_content(64 * 1024))
        assert get_blob(w, repo, d).content == data
        assert not proxy.refused, proxy.refused
        assert_alive(w)
        w.stop()  # a LeakSanitizer report comes at exit
        assert_no_sanitizer_report(w)
    finally:
        proxy.stop()


def redirect_wharf(s3, proxy, wharf_factory, extra=""):
    prefix = prefix_for()
    w = install_checks(wharf_factory(
        storage=s3.url(prefix, proxy.endpoint) + "&redirect=true" + extra, env=s3_env()))
    w.prefix = prefix
    return w


def test_blob_get_redirects_to_a_presigned_url(s3, wharf_factory):
    """With redirect=true a GET answers 307 to a SigV4 presigned URL that S3 (here the checking
    proxy) accepts, Range included; tampered URLs are refused; HEAD stays with wharf; the
    repository check comes first; the URL carries no secret."""
    proxy = SigV4Proxy(s3.endpoint, SECRET)
    try:
        w = redirect_wharf(s3, proxy, wharf_factory, "&redirect_ttl=300")
        repo, other = "s3/redir", "s3/other"
        data = os.urandom(3 * MiB + 7)
        d = push_blob(w, repo, data)
        push_blob(w, other, b"something else")
        r = w.get(f"/v2/{repo}/blobs/{d}")
        assert r.status_code == 307, describe(r)
        loc = r.headers["Location"]
        assert loc.startswith(f"{proxy.endpoint}/{BUCKET}/{w.prefix}blobs/sha256/"), loc
        assert "X-Amz-Expires=300&" in loc and SECRET not in loc
        assert r.headers["Docker-Content-Digest"] == d
        proxy.seen.clear()
        got = requests.get(loc, timeout=60)
        assert got.status_code == 200 and got.content == data
        got = requests.get(loc, headers={"Range": "bytes=10-99"}, timeout=60)
        assert got.status_code == 206 and got.content == data[10:100]
        assert not proxy.refused, proxy.refused
        assert blob_gets(proxy, w.prefix) == [("GET", "presigned")] * 2
        # the whole way with a client that follows redirects (and drops our credentials)
        r = w.get(f"/v2/{repo}/blobs/{d}", allow_redirects=True, headers={"Range": "bytes=5-"})
        assert r.status_code == 206 and r.content == data[5:]
        assert not proxy.refused, proxy.refused
        # a signature that does not match what is asked for is refused by S3
        sig = loc.rsplit("=", 1)[1]
        bad = loc[:-len(sig)] + ("0" if sig[0] != "0" else "1") + sig[1:]
        assert requests.get(bad, timeout=30).status_code == 403
        other_key = loc.replace(d.split(":")[1], "0" * 64)
        assert requests.get(other_key, timeout=30).status_code == 403
        assert len(proxy.refused) == 2, proxy.refused
        # HEAD is answered by wharf
        r = w.head(f"/v2/{repo}/blobs/{d}")
        assert r.status_code == 200 and int(r.headers["Content-Length"]) == len(data)
        assert "Location" not in r.headers
        # not linked to the repository: unknown, no URL
        r = w.get(f"/v2/{other}/blobs/{d}")
        assert_error(r, 404, "BLOB_UNKNOWN")
        assert "Location" not in r.headers
        # no credentials: no URL either
        r = requests.get(f"{w.url}/v2/{repo}/blobs/{d}", allow_redirects=False, timeout=30)
        assert r.status_code == 401 and "Location" not in r.headers
        assert_alive(w)
        assert SECRET not in w.read_log()
    finally:
        proxy.stop()


def test_skopeo_pulls_through_the_redirect(s3, wharf_factory, clients_for, tmp_path):  # noqa: F811
    proxy = SigV4Proxy(s3.endpoint, SECRET)
    try:
        w = redirect_wharf(s3, proxy, wharf_factory)
        clients = clients_for(w)
        img = imagegen.make_image(tmp_path / "src", layers=2, seed="s3redir", big=3 * MiB)
        clients.push(f"oci:{tmp_path}/src:latest", "s3/redir:1.0")
        proxy.seen.clear()
        clients.pull("s3/redir:1.0", f"oci:{tmp_path}/back:copy")
        blobs = imagegen.verify_layout(tmp_path / "back")
        assert layout_manifest_digest(tmp_path / "back", "copy") == img.digest
        assert_image_complete(blobs, img.digest, "pulled layout")
        for d in imagegen.referenced_blobs(img.blobs[img.digest]):
            assert blobs[d] == img.blobs[d], f"blob {d} came back different"
        presigned = [g for g in blob_gets(proxy, w.prefix) if g == ("GET", "presigned")]
        assert len(presigned) >= 3, proxy.seen  # config and two layers came from S3 directly
        assert not proxy.refused, proxy.refused
        assert_alive(w)
    finally:
        proxy.stop()


def test_redirect_settings_are_checked(s3, tmp_path):
    for i, bad in enumerate(("redirect=maybe", "redirect=true&redirect_ttl=10",
                             "redirect=true&redirect_ttl=604801",
                             "redirect=true&redirect_endpoint=ftp://x")):
        w = Wharf(tmp_path / f"bad{i}", storage=s3.url(prefix_for()) + "&" + bad, env=s3_env())
        with pytest.raises(RuntimeError):
            w.start()
        w.stop()
        assert "redirect" in w.read_log(), w.read_log()[-2000:]


def test_redirect_endpoint_names_the_host_clients_use(s3, wharf_factory):
    """redirect_endpoint= signs for the host the clients reach (here s3rver itself, which
    accepts presigned URLs by access key and expiry), while wharf talks to the proxy."""
    proxy = SigV4Proxy(s3.endpoint, SECRET)
    try:
        w = redirect_wharf(s3, proxy, wharf_factory, f"&redirect_endpoint={s3.endpoint}")
        data = os.urandom(100 * 1000)
        d = push_blob(w, "s3/redir2", data)
        r = w.get(f"/v2/s3/redir2/blobs/{d}")
        assert r.status_code == 307 and r.headers["Location"].startswith(s3.endpoint + "/")
        assert presign_problem("GET", r.headers["Location"][len(s3.endpoint):],
                               {"host": s3.endpoint.split("//")[1]}, SECRET) is None
        assert requests.get(r.headers["Location"], timeout=30).content == data
    finally:
        proxy.stop()


def test_blob_get_resumes_after_a_broken_transfer(s3, wharf_factory):
    """An S3 answer that breaks midway is resumed from the first byte not yet received: the client
    gets every byte once, in order; a transfer that keeps breaking ends the response short (never
    wrong bytes) and wharf stays up."""
    proxy = SigV4Proxy(s3.endpoint, SECRET)
    try:
        prefix = prefix_for()
        w = install_checks(wharf_factory(storage=s3.url(prefix, proxy.endpoint), env=s3_env()))
        repo = "s3/resume"
        data = os.urandom(3 * MiB + 5)
        d = push_blob(w, repo, data)
        proxy.seen.clear()
        proxy.cut_gets = 2
        r = get_blob(w, repo, d, headers={"Range": "bytes=100-"})
        assert r.status_code == 206 and r.content == data[100:]
        gets = blob_gets(proxy, prefix)
        assert gets == [("GET", "header")] * 3, proxy.seen
        assert "resuming at byte" in w.read_log()
        proxy.cut_gets = 10
        try:
            r = w.get(f"/v2/{repo}/blobs/{d}")
            got = r.content
        except requests.exceptions.RequestException:  # urllib3 2 checks Content-Length
            got = None
        assert got is None or (len(got) < len(data) and data.startswith(got))
        proxy.cut_gets = 0
        assert get_blob(w, repo, d).content == data
        assert not proxy.refused, proxy.refused
        assert_alive(w)
        w.stop()
        assert_no_sanitizer_report(w)
    finally:
        proxy.stop()
