"""A blob upload that lands while GC is deleting the same digest (its
tombstone stands, docs/design.md "GC and fsck") is refused with a retryable
503 BLOB_UPLOAD_INVALID, not a 500; once the tombstone is gone the retry
succeeds."""
from apihelpers import db_exec
from ocihelpers import assert_error, digest_of, put_blob_to, random_blob, start_upload


def test_upload_during_gc_is_retryable(wharf_factory):
    wharf = wharf_factory("gc")  # no 5xx check hook: a 503 is the point here
    repo = f"{wharf.admin_user}/gcrace"
    data = random_blob(300)
    digest = digest_of(data)
    db_exec(wharf, "INSERT INTO blob_gc(digest, marked_at) VALUES (?, 1)", (digest,))
    r = put_blob_to(wharf, start_upload(wharf, repo), data)
    assert_error(r, 503, ["BLOB_UPLOAD_INVALID"])
    assert "garbage-collected" in r.json()["errors"][0]["message"]
    assert r.headers.get("Retry-After") == "1"
    # one-shot POST ?digest= takes the same path
    r = wharf.post(f"/v2/{repo}/blobs/uploads/", params={"digest": digest}, data=data,
                   headers={"Content-Type": "application/octet-stream"})
    assert_error(r, 503, ["BLOB_UPLOAD_INVALID"])
    db_exec(wharf, "DELETE FROM blob_gc WHERE digest = ?", (digest,))
    r = put_blob_to(wharf, start_upload(wharf, repo), data)
    assert r.status_code == 201, r.text
    assert wharf.get(f"/v2/{repo}/blobs/{digest}").content == data
