"""Durability: data survives restarts; SIGTERM and kill -9 during uploads
leave no corrupt blob; two processes share one data directory."""
import signal
import socket
import threading
import time

import pytest

from conftest import Wharf
from ocihelpers import (EMPTY_JSON, EMPTY_JSON_DIGEST, OCI_EMPTY, OCI_MANIFEST, auth_headers,
                        describe, digest_of, install_checks, location, make_manifest,
                        patch_chunk, push_blob, push_image, push_index, put_blob_to,
                        put_manifest, random_blob, start_upload, subject_of, tags_of,
                        verify_blob_files)


@pytest.fixture
def servers():
    """start(datadir) -> a checked Wharf; all are stopped at the end."""
    started = []

    def start(datadir, extra_args=()):
        w = install_checks(Wharf(datadir, extra_args).start())
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()


def wait_exit(w, timeout):
    """Seconds the process took to exit, or None if it is still running."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if w.proc.poll() is not None:
            return time.monotonic() - t0
        time.sleep(0.02)
    return None


def kill9(w):
    w.proc.kill()
    w.proc.wait()
    w.stop()  # closes the log


def open_stalled_upload(w, method, path, headers, sent, declared):
    """A connection that declared `declared` body bytes and sent `sent`."""
    s = socket.create_connection(("127.0.0.1", w.port), timeout=10)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {w.host}", f"Content-Length: {declared}"]
    lines += [f"{k}: {v}" for k, v in {**auth_headers(w), **headers}.items()]
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + sent)
    return s


def check_store(datadir, at_least):
    n = verify_blob_files(datadir)
    assert n >= at_least, f"only {n} blob files under {datadir}/blobs/blobs; expected >= {at_least}"


def test_data_survives_restart(tmp_path, servers):
    d = tmp_path / "data"
    w = servers(d)
    repo = "life/app"
    img = push_image(w, repo, "v1", nlayers=2)
    put_manifest(w, repo, "v2", img.body)
    kid = push_image(w, repo, None)
    idx = push_index(w, repo, [kid], tag="multi")
    big = random_blob(300 * 1024)
    big_d = push_blob(w, repo, big, mode="chunked", chunk_size=100 * 1024)
    push_blob(w, repo, EMPTY_JSON)
    art = make_manifest({"mediaType": OCI_EMPTY, "digest": EMPTY_JSON_DIGEST, "size": 2},
                        [{"mediaType": OCI_EMPTY, "digest": EMPTY_JSON_DIGEST, "size": 2}],
                        subject=subject_of(img), artifact_type="application/x.sig")
    assert put_manifest(w, repo, digest_of(art), art).status_code == 201
    push_image(w, "other", "latest")
    w.stop()
    assert w.proc.returncode == 0, f"exit {w.proc.returncode}: {w.read_log()[-2000:]}"

    w2 = servers(d)
    for ref in ("v1", "v2", img.digest):
        r = w2.get(f"/v2/{repo}/manifests/{ref}")
        assert r.status_code == 200 and r.content == img.body, describe(r)
        assert r.headers["Content-Type"] == OCI_MANIFEST
    r = w2.get(f"/v2/{repo}/manifests/multi", headers={"Accept": idx.media_type})
    assert r.status_code == 200 and r.content == idx.body, describe(r)
    for desc in [img.config] + img.layers:
        r = w2.get(f"/v2/{repo}/blobs/{desc['digest']}")
        assert r.status_code == 200 and digest_of(r.content) == desc["digest"], describe(r)
    r = w2.get(f"/v2/{repo}/blobs/{big_d}")
    assert r.status_code == 200 and r.content == big, describe(r)
    assert tags_of(w2, repo) == ["multi", "v1", "v2"]
    r = w2.get("/v2/_catalog")
    assert r.status_code == 200 and r.json()["repositories"] == ["life/app", "other"], describe(r)
    r = w2.get(f"/v2/{repo}/referrers/{img.digest}")
    assert r.status_code == 200, describe(r)
    assert [m["digest"] for m in r.json()["manifests"]] == [digest_of(art)]
    # per-repository blob links survive too
    assert w2.get(f"/v2/other/blobs/{big_d}").status_code == 404
    check_store(d, 6)


def test_upload_session_survives_restart(tmp_path, servers):
    d = tmp_path / "data"
    w = servers(d)
    data = random_blob(200 * 1024)
    loc = start_upload(w, "resume")
    r = patch_chunk(w, loc, data[:120 * 1024], 0)
    assert r.status_code == 202, describe(r)
    loc = location(r)
    w.stop()

    w2 = servers(d)
    r = w2.get(loc)
    assert r.status_code == 204, describe(r)
    assert r.headers.get("Range") == f"0-{120 * 1024 - 1}"
    r = patch_chunk(w2, location(r), data[120 * 1024:], 120 * 1024)
    assert r.status_code == 202, describe(r)
    r = put_blob_to(w2, location(r), b"", digest_of(data))
    assert r.status_code == 201, describe(r)
    r = w2.get(f"/v2/resume/blobs/{digest_of(data)}")
    assert r.status_code == 200 and r.content == data
    check_store(d, 1)


def test_sigterm_during_upload_leaves_no_corrupt_blob(tmp_path, servers):
    """SIGTERM with two stalled uploads: wharf drains for --shutdown-grace
    seconds, then closes them; nothing half-written becomes a blob."""
    d = tmp_path / "data"
    w = servers(d, ["--shutdown-grace", "2"])
    kept = random_blob(50 * 1024)
    kept_d = push_blob(w, "term", kept)
    data = random_blob(2 * 1024 * 1024)
    d_data = digest_of(data)
    # a chunked upload in progress: one chunk acknowledged, the next one stalled
    loc = start_upload(w, "term")
    r = patch_chunk(w, loc, data[:512 * 1024], 0)
    assert r.status_code == 202, describe(r)
    loc = location(r)
    s1 = open_stalled_upload(w, "PATCH", loc, {"Content-Type": "application/octet-stream",
                                               "Content-Range": f"{512 * 1024}-{len(data) - 1}"},
                             data[512 * 1024:1024 * 1024], len(data) - 512 * 1024)
    # and a monolithic PUT stalled midway, with the digest of the full blob
    loc2 = start_upload(w, "term")
    sep = "&" if "?" in loc2 else "?"
    s2 = open_stalled_upload(w, "PUT", f"{loc2}{sep}digest={d_data}",
                             {"Content-Type": "application/octet-stream"},
                             data[:700 * 1024], len(data))
    time.sleep(0.3)
    w.proc.send_signal(signal.SIGTERM)
    took = wait_exit(w, 8)
    s1.close()
    s2.close()
    assert took is not None, "wharf did not exit within 8 s of SIGTERM (--shutdown-grace 2)"
    w.stop()
    assert w.proc.returncode in (0, -signal.SIGTERM), w.read_log()[-2000:]
    check_store(d, 1)

    w2 = servers(d)
    r = w2.get(f"/v2/term/blobs/{kept_d}")
    assert r.status_code == 200 and r.content == kept, describe(r)
    assert w2.head(f"/v2/term/blobs/{d_data}").status_code == 404
    # the acknowledged part of the chunked upload is still there, or the session is gone
    r = w2.get(loc)
    if r.status_code == 204:
        end = int(r.headers["Range"].split("-")[1])
        assert end + 1 == 512 * 1024, describe(r)
        r = patch_chunk(w2, location(r), data[512 * 1024:], 512 * 1024)
        assert r.status_code == 202, describe(r)
        r = put_blob_to(w2, location(r), b"", d_data)
        assert r.status_code == 201, describe(r)
    else:
        assert r.status_code == 404, describe(r)
        push_blob(w2, "term", data)
    r = w2.get(f"/v2/term/blobs/{d_data}")
    assert r.status_code == 200 and r.content == data
    check_store(d, 2)


def test_sigterm_exits_once_stalled_client_goes_away(tmp_path, servers):
    """With the default grace period, a drain that waits on a stalled upload
    ends as soon as that client disconnects."""
    d = tmp_path / "data"
    w = servers(d)
    loc = start_upload(w, "drain")
    s = open_stalled_upload(w, "PATCH", loc, {"Content-Type": "application/octet-stream"},
                            b"x" * 1000, 100000)
    time.sleep(0.2)
    w.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    assert w.proc.poll() is None, "wharf did not wait for the in-flight upload"
    s.close()
    took = wait_exit(w, 5)
    assert took is not None, "wharf still draining 5 s after the stalled client left"
    assert w.proc.returncode == 0, w.read_log()[-2000:]
    w.stop()
    check_store(d, 0)


def test_kill9_during_chunked_upload_then_restart(tmp_path, servers):
    d = tmp_path / "data"
    w = servers(d)
    kept = push_image(w, "crash", "v1", nlayers=2)
    data = random_blob(3 * 1024 * 1024)
    d_data = digest_of(data)
    loc = start_upload(w, "crash")
    r = patch_chunk(w, loc, data[:1024 * 1024], 0)
    assert r.status_code == 202, describe(r)
    loc = location(r)

    # stream the next chunk from a thread and kill the server while it flows
    def stream():
        try:
            s = open_stalled_upload(w, "PATCH", loc,
                                    {"Content-Type": "application/octet-stream",
                                     "Content-Range": f"{1024 * 1024}-{len(data) - 1}"},
                                    b"", len(data) - 1024 * 1024)
            for off in range(1024 * 1024, len(data), 64 * 1024):
                s.sendall(data[off:off + 64 * 1024])
                time.sleep(0.005)
            s.close()
        except OSError:
            pass

    t = threading.Thread(target=stream)
    t.start()
    time.sleep(0.1)
    kill9(w)
    t.join(10)
    check_store(d, 3)

    w2 = servers(d)
    r = w2.get("/v2/crash/manifests/v1")
    assert r.status_code == 200 and r.content == kept.body, describe(r)
    for desc in [kept.config] + kept.layers:
        r = w2.get(f"/v2/crash/blobs/{desc['digest']}")
        assert r.status_code == 200 and digest_of(r.content) == desc["digest"], describe(r)
    assert w2.head(f"/v2/crash/blobs/{d_data}").status_code == 404
    r = w2.get(loc)
    if r.status_code == 204:
        # never more than what was acknowledged or what was actually stored
        end = int(r.headers["Range"].split("-")[1])
        have = end + 1
        assert 1024 * 1024 <= have <= len(data), describe(r)
        nxt = location(r)
        if have < len(data):
            r = patch_chunk(w2, nxt, data[have:], have)
            assert r.status_code == 202, describe(r)
            nxt = location(r)
        r = put_blob_to(w2, nxt, b"", d_data)
        assert r.status_code == 201, describe(r)
    else:
        assert r.status_code == 404, describe(r)
        push_blob(w2, "crash", data)
    r = w2.get(f"/v2/crash/blobs/{d_data}")
    assert r.status_code == 200 and r.content == data
    check_store(d, 4)


def test_kill9_racing_a_commit(tmp_path, servers):
    """kill -9 right after a complete monolithic PUT was sent: the blob is
    either fully there (and readable after restart) or absent."""
    d = tmp_path / "data"
    w = servers(d)
    blobs = []
    for i in range(3):
        data = random_blob(1024 * 1024 + i)
        dd = digest_of(data)
        loc = start_upload(w, "race")
        sep = "&" if "?" in loc else "?"
        s = open_stalled_upload(w, "PUT", f"{loc}{sep}digest={dd}",
                                {"Content-Type": "application/octet-stream"}, data, len(data))
        time.sleep(0.002 * i * 20)
        kill9(w)
        s.close()
        verify_blob_files(d)
        w = servers(d)
        r = w.get(f"/v2/race/blobs/{dd}")
        if r.status_code == 200:
            assert r.content == data
        else:
            assert r.status_code == 404, describe(r)
        blobs.append((dd, data))
    for dd, data in blobs:
        push_blob(w, "race", data)
    check_store(d, 3)


def test_two_processes_share_one_data_directory(tmp_path, servers):
    d = tmp_path / "data"
    a = servers(d)
    b = servers(d)
    data = random_blob(90 * 1024)
    loc = start_upload(a, "shared")
    r = patch_chunk(a, loc, data[:30 * 1024], 0)
    assert r.status_code == 202, describe(r)
    # the other process continues the session
    r = b.get(location(r))
    assert r.status_code == 204 and r.headers.get("Range") == f"0-{30 * 1024 - 1}", describe(r)
    r = patch_chunk(b, location(r), data[30 * 1024:60 * 1024], 30 * 1024)
    assert r.status_code == 202, describe(r)
    r = patch_chunk(a, location(r), data[60 * 1024:], 60 * 1024)
    assert r.status_code == 202, describe(r)
    r = put_blob_to(b, location(r), b"", digest_of(data))
    assert r.status_code == 201, describe(r)
    r = a.get(f"/v2/shared/blobs/{digest_of(data)}")
    assert r.status_code == 200 and r.content == data, describe(r)
    img = push_image(a, "shared", "v1")
    r = b.get("/v2/shared/manifests/v1")
    assert r.status_code == 200 and r.content == img.body, describe(r)
    assert b.delete("/v2/shared/manifests/v1").status_code == 202
    assert a.get("/v2/shared/manifests/v1").status_code == 404
