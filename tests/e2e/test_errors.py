"""Bad input: repository names, encoded paths, truncated bodies, malformed
headers and queries, hostile JSON. Never a 5xx, never a crash (the fixtures
check every /v2 response and that the process survives)."""
import json
import socket
import time
from urllib.parse import quote

import pytest

from ocihelpers import (OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, assert_error, auth_line, describe,
                        descriptor, digest_of, error_body_problem, location, make_manifest,
                        push_blob, push_image, put_manifest, random_blob, raw_request,
                        send_truncated, start_upload, tags_of, uniq)
from ocihelpers import reg, wharf  # noqa: F401  (pytest fixtures)


def alive(w):
    r = w.get("/v2/")
    assert r.status_code == 200, describe(r)


def assert_raw_error(r, statuses, codes=None):
    assert r.status in statuses, r
    problem = error_body_problem(r.status, r.body)
    assert problem is None, (problem, r)
    if codes:
        assert json.loads(r.body)["errors"][0]["code"] in codes, r


# --- repository names -----------------------------------------------------------

def test_nested_names_work(reg):
    repo = f"{uniq('a')}/b/c"
    img = push_image(reg, repo, "v1")
    r = reg.get(f"/v2/{repo}/manifests/v1")
    assert r.status_code == 200 and r.content == img.body, describe(r)
    r = reg.get(f"/v2/{repo}/blobs/{img.config['digest']}")
    assert r.status_code == 200, describe(r)


def test_name_with_all_separator_kinds(reg):
    repo = f"{uniq('x')}.y_z__w-v---u/p"
    push_image(reg, repo, "v1")
    assert tags_of(reg, repo) == ["v1"]


def test_255_character_name_is_valid(reg):
    repo = uniq("n")
    repo += "/" + "a" * (255 - len(repo) - 1)
    assert len(repo) == 255
    push_image(reg, repo, "v1")
    assert tags_of(reg, repo) == ["v1"]


@pytest.mark.parametrize("name", ["a" * 256, "ab/" * 85 + "a", "a" * 1000])
def test_overlong_name_is_name_invalid(reg, name):
    assert len(name) >= 256
    assert_error(reg.get(f"/v2/{name}/tags/list"), 400, "NAME_INVALID")
    assert_error(reg.post(f"/v2/{name}/blobs/uploads/"), 400, "NAME_INVALID")


@pytest.mark.parametrize("name", ["Upper", "upPer/case", "_lead", "-lead", "foo/_bar", "foo/-bar",
                                  "trail-", "trail_", "dot.", ".dot", "a..b", "a._b", "a___b",
                                  "sp ace", "a+b", "a@b", "\u00e9t\u00e9"])
def test_invalid_names(reg, name):
    q = quote(name, safe="/")
    for method, path in (("GET", f"/v2/{q}/tags/list"),
                         ("POST", f"/v2/{q}/blobs/uploads/"),
                         ("GET", f"/v2/{q}/manifests/latest"),
                         ("PUT", f"/v2/{q}/manifests/latest")):
        r = reg.request(method, path, data=b"{}" if method == "PUT" else None,
                        headers={"Content-Type": OCI_MANIFEST} if method == "PUT" else None)
        # NAME_INVALID, or 404 for paths that do not route at all
        assert r.status_code in (400, 404), describe(r)
        if r.status_code == 400:
            assert_error(r, 400, "NAME_INVALID")


@pytest.mark.parametrize("path", [
    "/v2/a/../b/tags/list",
    "/v2/../v2/foo/tags/list",
    "/v2/foo/%2e%2e/bar/tags/list",
    "/v2/%2e%2e/tags/list",
    "/v2/foo/%2E%2E/tags/list",
    "/v2/./foo/tags/list",
    "/v2/foo//bar/tags/list",
    "/v2//foo/tags/list",
    "/v2/foo/bar/tags/list/",
    "/v2/foo%00bar/tags/list",
    "/v2/foo%/tags/list",
    "/v2/foo%zz/tags/list",
    "/v2/%C3%A9/tags/list",
])
def test_dot_segments_and_bad_escapes(reg, path):
    r = raw_request(reg, "GET", path)
    assert_raw_error(r, (400, 404))
    r = raw_request(reg, "POST", path.replace("tags/list", "blobs/uploads/"))
    assert_raw_error(r, (400, 404, 405))


def test_encoded_slash_does_not_reach_other_repository(reg):
    base = uniq("enc")
    repo = f"{base}/inner"
    img = push_image(reg, repo, "v1")
    for method, path in (("GET", f"/v2/{base}%2Finner/tags/list"),
                         ("GET", f"/v2/{base}%2finner/manifests/v1"),
                         ("HEAD", f"/v2/{base}%2Finner/manifests/v1"),
                         ("GET", f"/v2/{base}%2Finner/blobs/{img.config['digest']}"),
                         ("POST", f"/v2/{base}%2Finner/blobs/uploads/"),
                         ("DELETE", f"/v2/{base}%2Finner/manifests/v1")):
        r = raw_request(reg, method, path)
        assert 400 <= r.status < 500, (method, path, r)
        assert img.body not in r.body, (method, path, r)
        if path.endswith("tags/list"):
            assert b'"tags"' not in r.body, (method, path, r)
    assert tags_of(reg, repo) == ["v1"]  # the DELETE did not reach it


# --- truncated bodies -------------------------------------------------------------

def upload_released(w, loc, wait=2.0):
    """True once a request may write to the upload again (no 409 "another
    request is writing"), polling up to `wait` seconds. An empty streamed
    PATCH appends nothing, so probing is harmless."""
    t0 = time.monotonic()
    while True:
        r = w.patch(loc, data=b"", headers={"Content-Type": "application/octet-stream"})
        if r.status_code != 409:
            return True
        if time.monotonic() - t0 > wait:
            return False
        time.sleep(0.02)


def test_disconnect_mid_body_releases_upload(reg):
    """A client that sends part of a body and disconnects must not leave the
    upload locked: within 2 s the session takes writes again (wharf answers
    409 BLOB_UPLOAD_INVALID while another request writes to a session)."""
    repo = uniq()
    for i in range(60):
        data = random_blob(5000)
        loc = start_upload(reg, repo)
        sep = "&" if "?" in loc else "?"
        s = socket.create_connection(("127.0.0.1", reg.port), timeout=5)
        s.sendall((f"PUT {loc}{sep}digest={digest_of(data)} HTTP/1.1\r\nHost: {reg.host}\r\n"
                   f"{auth_line(reg)}"
                   f"Content-Length: {len(data)}\r\n\r\n").encode() + data[:1000])
        s.close()
        assert upload_released(reg, loc), \
            f"iteration {i}: upload {loc} still locked 2 s after its client disconnected"


def resume_and_finish(w, repo, loc, data):
    """Asks for the upload status after an interrupted request and finishes
    the upload from the offset the registry reports (or a new session)."""
    have = 0
    r = w.get(loc)
    if r.status_code == 204 and not upload_released(w, loc):
        # still locked: test_disconnect_mid_body_releases_upload reports that
        loc = start_upload(w, repo)
    elif r.status_code == 204:
        r = w.get(loc)
        assert r.status_code == 204, describe(r)
        rng = r.headers.get("Range", "0-0")
        # "0-0" after a session start means nothing yet
        have = 0 if rng == "0-0" else int(rng.split("-")[1]) + 1
        assert have <= len(data)
        loc = location(r)
    else:
        assert_error(r, 404, "BLOB_UPLOAD_UNKNOWN")
        loc = start_upload(w, repo)
    if have < len(data):
        chunk = data[have:]
        r = w.patch(loc, data=chunk, headers={"Content-Type": "application/octet-stream",
                                              "Content-Range": f"{have}-{len(data) - 1}"})
        assert r.status_code == 202, describe(r)
        loc = location(r)
    d = digest_of(data)
    r = w.put(loc, params={"digest": d}, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 201, describe(r)
    r = w.get(f"/v2/{repo}/blobs/{d}")
    assert r.status_code == 200 and r.content == data, describe(r)


def test_truncated_monolithic_put(reg):
    repo = uniq()
    data = random_blob(5000)
    d = digest_of(data)
    loc = start_upload(reg, repo)
    sep = "&" if "?" in loc else "?"
    send_truncated(reg, "PUT", f"{loc}{sep}digest={d}",
                   {"Content-Type": "application/octet-stream"}, data[:1000], len(data))
    alive(reg)
    assert reg.head(f"/v2/{repo}/blobs/{d}").status_code == 404
    resume_and_finish(reg, repo, loc, data)


def test_truncated_patch(reg):
    repo = uniq()
    data = random_blob(6000)
    loc = start_upload(reg, repo)
    r = reg.patch(loc, data=data[:1000], headers={"Content-Type": "application/octet-stream",
                                                  "Content-Range": "0-999"})
    assert r.status_code == 202, describe(r)
    loc = location(r)
    send_truncated(reg, "PATCH", loc, {"Content-Type": "application/octet-stream",
                                       "Content-Range": f"1000-{len(data) - 1}"},
                   data[1000:3000], len(data) - 1000)
    alive(reg)
    resume_and_finish(reg, repo, loc, data)


def test_truncated_streamed_patch(reg):
    repo = uniq()
    data = random_blob(4000)
    loc = start_upload(reg, repo)
    send_truncated(reg, "PATCH", loc, {"Content-Type": "application/octet-stream"},
                   data[:1500], len(data))
    alive(reg)
    resume_and_finish(reg, repo, loc, data)


def test_truncated_single_post(reg):
    repo = uniq()
    data = random_blob(3000)
    d = digest_of(data)
    send_truncated(reg, "POST", f"/v2/{repo}/blobs/uploads/?digest={d}",
                   {"Content-Type": "application/octet-stream"}, data[:100], len(data))
    alive(reg)
    r = reg.head(f"/v2/{repo}/blobs/{d}")
    assert r.status_code == 404, describe(r)


def test_truncated_manifest_put(reg):
    repo = uniq()
    img = push_image(reg, repo, None)
    send_truncated(reg, "PUT", f"/v2/{repo}/manifests/cut", {"Content-Type": OCI_MANIFEST},
                   img.body[:len(img.body) // 2], len(img.body))
    alive(reg)
    assert reg.get(f"/v2/{repo}/manifests/cut").status_code == 404
    assert tags_of(reg, repo) == []


def test_many_truncated_requests_leave_server_healthy(reg):
    repo = uniq()
    for i in range(10):
        loc = start_upload(reg, repo)
        send_truncated(reg, "PATCH", loc, {"Content-Type": "application/octet-stream"},
                       b"x" * (i * 100), 100000, read_timeout=1.0)
    alive(reg)
    push_blob(reg, repo, random_blob(100))


# --- malformed HTTP (answered by the HTTP layer: status only) ------------------------

def raw_bytes(w, payload, timeout=5):
    s = socket.create_connection(("127.0.0.1", w.port), timeout=timeout)
    got = b""
    try:
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early and closed; read what it said
        try:
            while True:
                c = s.recv(65536)
                if not c:
                    break
                got += c
        except (socket.timeout, ConnectionResetError):
            pass
    finally:
        s.close()
    return got


@pytest.mark.parametrize("cl", ["abc", "-5", "99999999999999999999999999", "1, 2"])
def test_bad_content_length(reg, cl):
    repo = uniq()
    loc = start_upload(reg, repo)
    got = raw_bytes(reg, (f"PATCH {loc} HTTP/1.1\r\nHost: {reg.host}\r\n{auth_line(reg)}"
                          f"Content-Length: {cl}\r\n"
                          f"Connection: close\r\n\r\nhello").encode(), timeout=3)
    if got:
        status = int(got.split(b" ", 2)[1])
        assert 400 <= status < 500, got[:300]
    alive(reg)


def test_huge_header_is_4xx(reg):
    got = raw_bytes(reg, (f"GET /v2/ HTTP/1.1\r\nHost: {reg.host}\r\n{auth_line(reg)}"
                          f"X-Big: {'a' * 200000}\r\n"
                          f"Connection: close\r\n\r\n").encode())
    if got:
        status = int(got.split(b" ", 2)[1])
        assert 400 <= status < 500, got[:300]
    alive(reg)


def test_very_long_path_is_4xx(reg):
    got = raw_bytes(reg, (f"GET /v2/{'a/' * 20000}tags/list HTTP/1.1\r\nHost: {reg.host}\r\n"
                          f"{auth_line(reg)}"
                          f"Connection: close\r\n\r\n").encode())
    if got:
        status = int(got.split(b" ", 2)[1])
        assert 400 <= status < 500, got[:300]
    alive(reg)


def test_garbage_request_line(reg):
    for payload in (b"\x00\x01\x02\r\n\r\n", b"GET\r\n\r\n", b"GET /v2/ HTTP/9.9\r\n\r\n",
                    b"GET /v2/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"):
        got = raw_bytes(reg, payload, timeout=1)
        if got.startswith(b"HTTP/"):
            status = int(got.split(b" ", 2)[1])
            assert status < 500 or status == 505, got[:300]
    alive(reg)


# --- queries ------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["digest=%zz", "digest=%", "digest=", "digest=sha256%3A",
                                   "digest=a&digest=b", "%%%=1"])
def test_malformed_digest_query_on_put(reg, query):
    repo = uniq()
    loc = start_upload(reg, repo)
    sep = "&" if "?" in loc else "?"
    r = raw_request(reg, "PUT", f"{loc}{sep}{query}", body=b"abc",
                    headers={"Content-Type": "application/octet-stream"})
    assert_raw_error(r, (400, 404))


@pytest.mark.parametrize("query", ["n=%zz", "n=", "n=1&n=2", "last=%", "n=5&last=%00"])
def test_malformed_list_queries(reg, query):
    repo = uniq()
    push_image(reg, repo, "v1")
    for path in (f"/v2/{repo}/tags/list?{query}", f"/v2/_catalog?{query}"):
        r = raw_request(reg, "GET", path)
        assert r.status in (200, 400), (path, r)


# --- hostile manifests -------------------------------------------------------------

def test_deeply_nested_json(reg):
    repo = uniq()
    for depth in (1000, 100000):
        body = b"[" * depth + b"]" * depth
        assert_error(put_manifest(reg, repo, "deep", body), (400, 413), "MANIFEST_INVALID")
        body = b'{"a":' * depth + b"1" + b"}" * depth
        assert_error(put_manifest(reg, repo, "deep", body), (400, 413), "MANIFEST_INVALID")
    alive(reg)


def test_deeply_nested_annotation_values(reg):
    repo = uniq()
    img = push_image(reg, repo, None)
    doc = json.loads(img.body)
    doc["annotations"] = {"x": json.loads("[" * 500 + "]" * 500)}
    r = put_manifest(reg, repo, "nested", json.dumps(doc).encode())
    # annotation values must be strings; a lenient registry may store it as is
    assert r.status_code in (201, 400), describe(r)


def test_manifest_with_many_layers(reg):
    repo = uniq()
    cfg = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
    push_blob(reg, repo, cfg)
    layer = random_blob(10)
    push_blob(reg, repo, layer)
    body = make_manifest(descriptor(OCI_CONFIG, cfg), [descriptor(OCI_LAYER, layer)] * 2000)
    r = put_manifest(reg, repo, "many", body)
    assert r.status_code in (201, 400, 413), describe(r)
    missing = make_manifest(descriptor(OCI_CONFIG, cfg),
                            [descriptor(OCI_LAYER, random_blob(10)) for _ in range(2000)])
    assert_error(put_manifest(reg, repo, "many2", missing), 400, "MANIFEST_BLOB_UNKNOWN")


def test_manifest_with_duplicate_keys_and_nul(reg):
    repo = uniq()
    img = push_image(reg, repo, None)
    text = img.body.decode()
    dup = text.replace('"schemaVersion": 2', '"schemaVersion": 2, "schemaVersion": 1', 1)
    r = put_manifest(reg, repo, "dup", dup.encode())
    assert r.status_code in (201, 400), describe(r)
    nul = img.body[:-1] + b"\x00}"
    assert_error(put_manifest(reg, repo, "nul", nul), 400, "MANIFEST_INVALID")
    trailing = img.body + b" garbage"
    assert_error(put_manifest(reg, repo, "trail", trailing), 400, "MANIFEST_INVALID")


def test_manifest_with_huge_numbers(reg):
    repo = uniq()
    img = push_image(reg, repo, None)
    doc = json.loads(img.body)
    for size in (10 ** 30, 2 ** 63, -(2 ** 63), 1.5):
        doc["config"]["size"] = size
        r = put_manifest(reg, repo, "num", json.dumps(doc).encode())
        assert_error(r, 400, ("MANIFEST_INVALID", "MANIFEST_BLOB_UNKNOWN", "SIZE_INVALID"))


def test_digest_with_uppercase_algorithm(reg):
    repo = uniq()
    data = b"upper"
    loc = start_upload(reg, repo)
    d = digest_of(data).replace("sha256", "SHA256")
    r = reg.put(loc, params={"digest": d}, data=data)
    assert_error(r, 400, ("DIGEST_INVALID", "UNSUPPORTED"))
