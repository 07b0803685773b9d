"""Hostile clients (issue 6, docs/limits.md): header and body caps answer
431/413 in the API's error shape, deeply nested JSON is refused, a client
trickling its headers or body is cut off while others are served, and a
flood of connections beyond max_connections is refused at once without the
server's memory growing or other clients hanging once it is over."""
import json
import socket
import threading
import time

import requests

from ocihelpers import (assert_alive, assert_error, auth_line, describe, digest_of, install_checks,
                        location, random_blob, start_upload, uniq)


def quick_wharf(wharf_factory, *args):
    return install_checks(wharf_factory("hostile", list(args)))


def rss_kib(w):
    with open(f"/proc/{w.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def read_all(s, limit=1 << 20):
    got = b""
    try:
        while len(got) < limit:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    return got


def api_post(w, path, data):
    """POST raw bytes to /api/v1 with the admin's API token."""
    return requests.post(w.url + path, data=data, timeout=60,
                         headers={"Authorization": "Bearer " + w.admin_token,
                                  "Content-Type": "application/json"})


def status_of(raw):
    return int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.") else None


# --- caps ---------------------------------------------------------------------

def test_headers_over_max_header_bytes_are_431(wharf_factory):
    w = quick_wharf(wharf_factory, "--max-header-bytes", "4096")
    big = {"X-Filler": "a" * 5000}
    r = w.get("/v2/", headers=big)
    assert_error(r, 431, "TOOMANYREQUESTS")
    r = w.get("/api/v1/user/", headers=big)
    assert r.status_code == 431, describe(r)
    assert "error_message" in r.json() or "detail" in r.json(), describe(r)
    # far beyond the connection's memory: libmicrohttpd answers or closes, never 5xx
    s = socket.create_connection(("127.0.0.1", w.port), timeout=5)
    s.sendall((f"GET /v2/ HTTP/1.1\r\nHost: {w.host}\r\n{auth_line(w)}"
               f"X-Big: {'b' * 300000}\r\nConnection: close\r\n\r\n").encode())
    st = status_of(read_all(s))
    s.close()
    assert st is None or 400 <= st < 500, st
    assert w.get("/v2/").status_code == 200
    assert_alive(w)


def test_manifest_over_manifest_max_bytes_is_413(wharf_factory):
    w = quick_wharf(wharf_factory, "--manifest-max-bytes", "2048")
    repo = uniq()
    body = json.dumps({"schemaVersion": 2, "annotations": {"x": "a" * 4000}}).encode()
    r = w.put(f"/v2/{repo}/manifests/big", data=body,
              headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert_error(r, 413, "SIZE_INVALID")

    # without a Content-Length (chunked) the cap holds while the body arrives
    def gen():
        for _ in range(8):
            yield b"x" * 1000
    r = w.put(f"/v2/{repo}/manifests/big", data=gen(),
              headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert_error(r, 413, "SIZE_INVALID")
    assert_alive(w)


def test_api_body_over_json_max_bytes_is_413(wharf_factory):
    w = quick_wharf(wharf_factory, "--json-max-bytes", "1024")
    r = api_post(w, "/api/v1/organization/",
                 json.dumps({"name": "orgx", "email": "a" * 2000 + "@x.io"}))
    assert r.status_code == 413, describe(r)
    assert r.json().get("error_message") or r.json().get("detail"), describe(r)
    r = api_post(w, "/api/v1/organization/", json.dumps({"name": "orgsmall"}))
    assert r.status_code in (200, 201), describe(r)
    assert_alive(w)


def test_deeply_nested_api_json_is_400(wharf_factory):
    """jansson stops at depth 2048 (JSON_PARSER_MAX_DEPTH); nesting far
    beyond that, within the body cap, is a clean 400 on every buffered
    /api/v1 body and never overflows the stack."""
    w = quick_wharf(wharf_factory)
    for depth in (3000, 400000):
        for body in (b"[" * depth + b"]" * depth,
                     b'{"name":' * depth + b'"x"' + b"}" * depth):
            for path in ("/api/v1/organization/", "/api/v1/repository",
                         "/api/v1/superuser/users/"):
                r = api_post(w, path, body)
                assert r.status_code in (400, 413), describe(r)
    # depth just inside the parser's limit still parses, then fails validation
    body = b'{"name":' + b"[" * 1000 + b"]" * 1000 + b"}"
    r = api_post(w, "/api/v1/organization/", body)
    assert r.status_code == 400, describe(r)
    assert_alive(w)


# --- slow clients -------------------------------------------------------------

def trickle(w, payload, interval, out, key):
    """Sends payload a byte every `interval` seconds; records in out[key]
    how many seconds passed before the server cut the connection (None if
    it never did)."""
    s = socket.create_connection(("127.0.0.1", w.port), timeout=10)
    start = time.monotonic()
    out[key] = None
    try:
        for b in payload:
            s.sendall(bytes([b]))
            time.sleep(interval)
            if time.monotonic() - start > 20:
                return
        s.settimeout(5)
        if s.recv(1) == b"":
            out[key] = time.monotonic() - start
    except (BrokenPipeError, ConnectionResetError):
        out[key] = time.monotonic() - start
    finally:
        s.close()


def test_slowloris_headers_are_cut_off_while_others_are_served(wharf_factory):
    w = quick_wharf(wharf_factory, "--header-timeout", "2", "--threads", "2")
    payload = (f"GET /v2/ HTTP/1.1\r\nHost: {w.host}\r\nX-Slow: " + "s" * 200).encode()
    cut = {}
    slow = [threading.Thread(target=trickle, args=(w, payload, 0.25, cut, i)) for i in range(8)]
    for t in slow:
        t.start()
    # meanwhile every other client is served promptly
    t0 = time.monotonic()
    served = 0
    while time.monotonic() - t0 < 3:
        r = requests.get(w.url + "/v2/", timeout=2, auth=(w.admin_user, w.admin_password))
        assert r.status_code == 200, describe(r)
        served += 1
    for t in slow:
        t.join(30)
    assert served >= 10
    assert all(v is not None and v < 6 for v in cut.values()), cut
    assert_alive(w)


def test_slow_request_body_is_cut_off_and_upload_released(wharf_factory):
    w = quick_wharf(wharf_factory, "--header-timeout", "2", "--body-min-rate", "1024")
    repo = uniq()
    loc = start_upload(w, repo)
    head = (f"PATCH {loc} HTTP/1.1\r\nHost: {w.host}\r\n{auth_line(w)}"
            f"Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n").encode()
    s = socket.create_connection(("127.0.0.1", w.port), timeout=10)
    s.sendall(head)
    start = time.monotonic()
    cut_after = None
    try:
        while time.monotonic() - start < 20:
            s.sendall(b"z")
            time.sleep(0.2)
    except (BrokenPipeError, ConnectionResetError):
        cut_after = time.monotonic() - start
    s.close()
    assert cut_after is not None and cut_after < 8, cut_after
    # the trickled bytes were never acknowledged and the upload is free again
    r = w.get(loc)
    assert r.status_code == 204 and r.headers.get("Range") == "0-0", describe(r)
    data = random_blob(5000)
    r = w.patch(loc, data=data, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 202, describe(r)
    assert r.headers.get("Range") == f"0-{len(data) - 1}"
    r = w.put(location(r), params={"digest": digest_of(data)})
    assert r.status_code == 201, describe(r)
    assert_alive(w)


def test_fast_large_body_is_not_cut(wharf_factory):
    """The rate floor is an average: a normal upload that takes longer than
    header_timeout is not touched."""
    w = quick_wharf(wharf_factory, "--header-timeout", "1", "--body-min-rate", "1024")
    repo = uniq()
    loc = start_upload(w, repo)
    data = random_blob(64 * 1024)

    def gen():
        for off in range(0, len(data), 8192):  # 8 KiB every 0.15 s: ~53 KiB/s for ~1.2 s
            time.sleep(0.15)
            yield data[off:off + 8192]
    r = w.patch(loc, data=gen(), headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 202, describe(r)
    assert r.headers.get("Range") == f"0-{len(data) - 1}"


# --- connection floods ----------------------------------------------------------

def test_connection_flood_is_refused_quickly_and_memory_stays_flat(wharf_factory):
    w = quick_wharf(wharf_factory, "--max-connections", "32", "--header-timeout", "2",
                    "--threads", "2")
    assert w.get("/v2/").status_code == 200
    before = rss_kib(w)
    held = []
    for _ in range(32):  # fill every slot with a silent client
        held.append(socket.create_connection(("127.0.0.1", w.port), timeout=5))
    time.sleep(0.3)
    # beyond the limit: refused at once (closed or reset) or answered 503; with
    # a thread pool each thread has its share of the limit, so a thread
    # holding fewer silent clients may still answer normally
    slowest = 0.0
    for _ in range(300):
        t = time.monotonic()
        try:
            s = socket.create_connection(("127.0.0.1", w.port), timeout=3)
            s.settimeout(3)
            s.sendall(f"GET /v2/ HTTP/1.1\r\nHost: {w.host}\r\nConnection: close\r\n\r\n".encode())
            got = read_all(s)
            s.close()
            st = status_of(got)
            assert st is None or st < 500 or st == 503, got[:200]
        except (ConnectionRefusedError, ConnectionResetError, BrokenPipeError):
            pass
        slowest = max(slowest, time.monotonic() - t)
    assert slowest < 2.5, f"a refused connection took {slowest:.1f}s"
    grown = rss_kib(w) - before
    assert grown < 64 * 1024, f"RSS grew by {grown} KiB during the flood"
    # the silent clients are cut at header_timeout, and service resumes
    deadline = time.monotonic() + 10
    while True:
        try:
            r = requests.get(w.url + "/v2/", timeout=2, auth=(w.admin_user, w.admin_password))
            if r.status_code == 200:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, "service did not resume after the flood"
        time.sleep(0.2)
    for s in held:
        s.close()
    assert_alive(w)
