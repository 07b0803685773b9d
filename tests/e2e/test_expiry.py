"""Idle upload sessions expire; orphaned upload objects are removed."""
import os
import time

import requests

from conftest import pg_s3_skip


def test_idle_upload_session_expires(wharf_factory):
    pg_s3_skip("reads upload files in the data directory; test_s3.py's "
               "test_idle_uploads_expire_from_the_bucket is the S3 counterpart")
    w = wharf_factory(extra_args=["--upload-ttl", "2"])
    r = w.post("/v2/acme/exp/blobs/uploads/")
    assert r.status_code == 202, r.text
    loc = r.headers["Location"]
    uuid = r.headers["Docker-Upload-UUID"]
    obj = os.path.join(w.datadir, "blobs", "uploads", uuid)
    assert os.path.exists(obj)
    # an orphan: an upload object with no session (as a crash can leave)
    orphan = os.path.join(w.datadir, "blobs", "uploads", "00000000-0000-4000-8000-000000000000")
    with open(orphan, "wb") as f:
        f.write(b"partial")
    old = time.time() - 3600
    os.utime(orphan, (old, old))
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if w.get(loc).status_code == 404 and not os.path.exists(orphan):
            break
        time.sleep(0.5)
    r = w.get(loc)
    assert r.status_code == 404, r.text
    assert r.json()["errors"][0]["code"] == "BLOB_UPLOAD_UNKNOWN"
    assert not os.path.exists(obj), "expired session left its upload object"
    assert not os.path.exists(orphan), "orphaned upload object was not removed"
    assert "expired" in w.read_log()


def test_active_upload_is_kept(wharf_factory):
    w = wharf_factory(extra_args=["--upload-ttl", "4"])
    r = w.post("/v2/acme/exp/blobs/uploads/")
    loc = r.headers["Location"]
    # keep it busy: each PATCH moves updated_at
    offset = 0
    for _ in range(6):
        r = w.patch(loc, data=b"x" * 10,
                    headers={"Content-Range": f"{offset}-{offset + 9}",
                             "Content-Type": "application/octet-stream"})
        assert r.status_code == 202, r.text
        offset += 10
        time.sleep(1)
    r = w.get(loc)
    assert r.status_code == 204
    assert r.headers["Range"] == f"0-{offset - 1}"
