"""Blob uploads: monolithic, single POST, chunked, streamed, status, cancel,
digest checks, cross-repository mount (end-4a/4b/5/6/11, end-13)."""
import hashlib
import threading
from urllib.parse import urlsplit

import pytest

from ocihelpers import (DUMMY_DIGEST, EMPTY_DIGEST, OCI_MANIFEST, assert_error, build_image,
                        describe, digest_of, location, location_path, patch_chunk, push_blob,
                        put_blob_to, random_blob, start_upload, uniq)
from ocihelpers import reg, wharf  # noqa: F401  (pytest fixtures)


def get_blob(w, repo, d):
    r = w.get(f"/v2/{repo}/blobs/{d}")
    assert r.status_code == 200, describe(r)
    return r.content


# --- POST ---------------------------------------------------------------------

def test_post_starts_session(reg):
    repo = uniq()
    r = reg.post(f"/v2/{repo}/blobs/uploads/", headers={"Content-Length": "0"})
    assert r.status_code == 202, describe(r)
    assert location_path(r).startswith(f"/v2/{repo}/blobs/uploads/")
    assert r.headers.get("Docker-Upload-UUID")
    assert r.headers.get("Range") == "0-0"
    assert r.headers.get("Content-Length", "0") == "0"


def test_sessions_are_unique(reg):
    repo = uniq()
    locs = {start_upload(reg, repo) for _ in range(5)}
    assert len(locs) == 5


def test_location_is_followed_absolute_or_relative(reg):
    repo = uniq()
    r = reg.post(f"/v2/{repo}/blobs/uploads/")
    assert r.status_code == 202, describe(r)
    loc = r.headers["Location"]
    if loc.startswith("http"):
        assert urlsplit(loc).netloc, loc
    else:
        assert loc.startswith("/"), loc


# --- monolithic ---------------------------------------------------------------

def test_monolithic_post_then_put(reg):
    repo = uniq()
    data = random_blob(1000)
    d = digest_of(data)
    loc = start_upload(reg, repo)
    r = put_blob_to(reg, loc, data, d)
    assert r.status_code == 201, describe(r)
    assert location(r) == f"/v2/{repo}/blobs/{d}"
    assert r.headers.get("Docker-Content-Digest") == d
    # the Location is pullable
    r = reg.get(location(r))
    assert r.status_code == 200 and r.content == data, describe(r)


def test_digest_query_with_literal_colon(reg):
    # Go clients encode ':' as %3A; others send it raw. Both must work.
    repo = uniq()
    data = random_blob(10)
    d = digest_of(data)
    loc = start_upload(reg, repo)
    sep = "&" if "?" in loc else "?"
    r = reg.put(f"{loc}{sep}digest={d}", data=data,
                headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 201, describe(r)
    assert get_blob(reg, repo, d) == data


def test_single_post_with_digest(reg):
    repo = uniq()
    data = random_blob(500)
    d = digest_of(data)
    r = reg.post(f"/v2/{repo}/blobs/uploads/", params={"digest": d}, data=data,
                 headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 201, describe(r)
    assert location(r) == f"/v2/{repo}/blobs/{d}"
    assert r.headers.get("Docker-Content-Digest") == d
    assert get_blob(reg, repo, d) == data


def test_single_post_with_wrong_digest(reg):
    repo = uniq()
    data = random_blob(500)
    r = reg.post(f"/v2/{repo}/blobs/uploads/", params={"digest": DUMMY_DIGEST}, data=data,
                 headers={"Content-Type": "application/octet-stream"})
    assert_error(r, 400, "DIGEST_INVALID")
    assert reg.head(f"/v2/{repo}/blobs/{digest_of(data)}").status_code == 404
    assert reg.head(f"/v2/{repo}/blobs/{DUMMY_DIGEST}").status_code == 404


def test_put_with_wrong_digest_is_digest_invalid_and_stores_nothing(reg):
    repo = uniq()
    data = random_blob(200)
    wrong = digest_of(b"something else")
    loc = start_upload(reg, repo)
    r = put_blob_to(reg, loc, data, wrong)
    assert_error(r, 400, "DIGEST_INVALID")
    assert reg.head(f"/v2/{repo}/blobs/{wrong}").status_code == 404
    assert reg.head(f"/v2/{repo}/blobs/{digest_of(data)}").status_code == 404


def test_put_without_digest_is_rejected(reg):
    repo = uniq()
    loc = start_upload(reg, repo)
    r = reg.put(loc, data=b"abc", headers={"Content-Type": "application/octet-stream"})
    assert_error(r, 400, ("DIGEST_INVALID", "BLOB_UPLOAD_INVALID"))


def test_sha512_digest(reg):
    repo = uniq()
    data = random_blob(321)
    d = digest_of(data, "sha512")
    loc = start_upload(reg, repo)
    r = put_blob_to(reg, loc, data, d)
    assert r.status_code == 201, describe(r)
    assert urlsplit(location(r)).path.startswith(f"/v2/{repo}/blobs/")
    assert get_blob(reg, repo, d) == data


def test_sha512_digest_mismatch(reg):
    repo = uniq()
    loc = start_upload(reg, repo)
    r = put_blob_to(reg, loc, b"abc", digest_of(b"abd", "sha512"))
    assert_error(r, 400, "DIGEST_INVALID")


@pytest.mark.parametrize("algo_digest", [
    "md5:" + hashlib.md5(b"abc").hexdigest(),
    "foo:" + "a" * 64,
    "sha384:" + hashlib.sha384(b"abc").hexdigest(),
])
def test_unknown_algorithm(reg, algo_digest):
    repo = uniq()
    loc = start_upload(reg, repo)
    r = put_blob_to(reg, loc, b"abc", algo_digest)
    assert_error(r, 400, ("DIGEST_INVALID", "UNSUPPORTED"))


@pytest.mark.parametrize("bad", ["sha256:zz", "sha256:", ":abc", "sha256:" + "a" * 63, "garbage"])
def test_malformed_digest_on_put(reg, bad):
    repo = uniq()
    loc = start_upload(reg, repo)
    r = put_blob_to(reg, loc, b"abc", bad)
    assert_error(r, 400, ("DIGEST_INVALID", "UNSUPPORTED"))


def test_session_survives_wrong_digest(reg):
    """After DIGEST_INVALID a client may retry the PUT with the right digest,
    or the registry may have dropped the session (404); either, never a wrong blob."""
    repo = uniq()
    data = random_blob(64)
    loc = start_upload(reg, repo)
    assert patch_chunk(reg, loc, data, 0).status_code == 202
    r = put_blob_to(reg, loc, b"", DUMMY_DIGEST)
    assert_error(r, 400, "DIGEST_INVALID")
    r = put_blob_to(reg, loc, b"", digest_of(data))
    if r.status_code == 201:
        assert get_blob(reg, repo, digest_of(data)) == data
    else:
        assert_error(r, 404, "BLOB_UPLOAD_UNKNOWN")


def test_empty_blob_monolithic(reg):
    repo = uniq()
    loc = start_upload(reg, repo)
    r = put_blob_to(reg, loc, b"", EMPTY_DIGEST)
    assert r.status_code == 201, describe(r)
    assert get_blob(reg, repo, EMPTY_DIGEST) == b""


def test_empty_blob_single_post(reg):
    repo = uniq()
    r = reg.post(f"/v2/{repo}/blobs/uploads/", params={"digest": EMPTY_DIGEST}, data=b"",
                 headers={"Content-Type": "application/octet-stream"})
    # with an empty body a registry may also treat this as a session start
    assert r.status_code in (201, 202), describe(r)
    if r.status_code == 202:
        r = put_blob_to(reg, location(r), b"", EMPTY_DIGEST)
        assert r.status_code == 201, describe(r)
    assert get_blob(reg, repo, EMPTY_DIGEST) == b""


def test_same_blob_pushed_twice(reg):
    repo = uniq()
    data = random_blob(99)
    push_blob(reg, repo, data)
    push_blob(reg, repo, data)
    push_blob(reg, repo, data, mode="post")
    assert get_blob(reg, repo, digest_of(data)) == data


# --- chunked ------------------------------------------------------------------

def test_chunked_upload(reg):
    repo = uniq()
    data = random_blob(42)
    c1, c2 = data[:22], data[22:]
    loc = start_upload(reg, repo)
    r = patch_chunk(reg, loc, c1, 0)
    assert r.status_code == 202, describe(r)
    assert r.headers.get("Range") == "0-21"
    assert r.headers.get("Docker-Upload-UUID")
    assert location_path(r).startswith(f"/v2/{repo}/blobs/uploads/")
    loc = location(r)
    r = patch_chunk(reg, loc, c2, 22)
    assert r.status_code == 202, describe(r)
    assert r.headers.get("Range") == "0-41"
    loc = location(r)
    r = put_blob_to(reg, loc, b"", digest_of(data))
    assert r.status_code == 201, describe(r)
    assert location(r) == f"/v2/{repo}/blobs/{digest_of(data)}"
    assert r.headers.get("Docker-Content-Digest") == digest_of(data)
    assert get_blob(reg, repo, digest_of(data)) == data


def test_final_chunk_in_closing_put(reg):
    repo = uniq()
    data = random_blob(42)
    loc = start_upload(reg, repo)
    r = patch_chunk(reg, loc, data[:22], 0)
    assert r.status_code == 202, describe(r)
    r = put_blob_to(reg, location(r), data[22:], digest_of(data),
                    headers={"Content-Range": "22-41"})
    assert r.status_code == 201, describe(r)
    assert get_blob(reg, repo, digest_of(data)) == data


def test_out_of_order_chunk_is_416(reg):
    repo = uniq()
    data = random_blob(42)
    loc = start_upload(reg, repo)
    r = patch_chunk(reg, loc, data[22:], 22)
    assert r.status_code == 416, describe(r)
    # the session is still usable from offset 0
    r = patch_chunk(reg, loc, data, 0)
    assert r.status_code == 202, describe(r)
    r = put_blob_to(reg, location(r), b"", digest_of(data))
    assert r.status_code == 201, describe(r)


def test_retried_chunk_is_416_and_status_reports_range(reg):
    """Conformance: retry of the previous chunk on the stale location -> 416,
    then GET on the stale location -> 204 with Location and Range."""
    repo = uniq()
    data = random_blob(42)
    c1, c2 = data[:22], data[22:]
    first = start_upload(reg, repo)
    r = patch_chunk(reg, first, c1, 0)
    assert r.status_code == 202, describe(r)
    r = patch_chunk(reg, first, c1, 0)
    assert r.status_code == 416, describe(r)
    r = reg.get(first)
    assert r.status_code == 204, describe(r)
    assert r.headers.get("Location")
    assert r.headers.get("Range") == "0-21"
    assert r.headers.get("Docker-Upload-UUID")
    r = patch_chunk(reg, location(r), c2, 22)
    assert r.status_code == 202, describe(r)
    r = put_blob_to(reg, location(r), b"", digest_of(data))
    assert r.status_code == 201, describe(r)
    assert get_blob(reg, repo, digest_of(data)) == data


def test_overlapping_and_gapped_chunks_are_416(reg):
    repo = uniq()
    data = random_blob(30)
    loc = start_upload(reg, repo)
    assert patch_chunk(reg, loc, data[:10], 0).status_code == 202
    assert patch_chunk(reg, loc, data[5:15], 5).status_code == 416    # overlap
    assert patch_chunk(reg, loc, data[12:20], 12).status_code == 416  # gap
    r = reg.get(loc)
    assert r.status_code == 204 and r.headers.get("Range") == "0-9", describe(r)


def test_streamed_patch_without_content_range(reg):
    repo = uniq()
    data = random_blob(300)
    loc = start_upload(reg, repo)
    r = reg.patch(loc, data=data[:100], headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 202, describe(r)
    assert r.headers.get("Range") == "0-99"
    r = reg.patch(location(r), data=data[100:],
                  headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 202, describe(r)
    assert r.headers.get("Range") == "0-299"
    r = reg.get(location(r))
    assert r.status_code == 204 and r.headers.get("Range") == "0-299", describe(r)
    r = put_blob_to(reg, location(r), b"", digest_of(data))
    assert r.status_code == 201, describe(r)
    assert get_blob(reg, repo, digest_of(data)) == data


def test_streamed_patch_without_content_type(reg):
    # some clients omit Content-Type on a streamed PATCH
    repo = uniq()
    data = random_blob(50)
    loc = start_upload(reg, repo)
    r = reg.patch(loc, data=data)
    assert r.status_code == 202, describe(r)
    r = put_blob_to(reg, location(r), b"", digest_of(data))
    assert r.status_code == 201, describe(r)


def test_mixed_streamed_and_ranged_chunks(reg):
    repo = uniq()
    data = random_blob(90)
    loc = start_upload(reg, repo)
    r = reg.patch(loc, data=data[:30], headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 202, describe(r)
    r = patch_chunk(reg, location(r), data[30:60], 30)
    assert r.status_code == 202 and r.headers.get("Range") == "0-59", describe(r)
    r = put_blob_to(reg, location(r), data[60:], digest_of(data))
    assert r.status_code == 201, describe(r)
    assert get_blob(reg, repo, digest_of(data)) == data


def test_large_blob_in_several_chunks(reg):
    repo = uniq()
    data = random_blob(1536 * 1024 + 7)
    sizes = [512 * 1024, 1, 300 * 1024, 1024 * 1024]
    loc = start_upload(reg, repo)
    off = 0
    for size in sizes:
        chunk = data[off:off + size]
        if not chunk:
            break
        r = patch_chunk(reg, loc, chunk, off)
        assert r.status_code == 202, describe(r)
        off += len(chunk)
        assert r.headers.get("Range") == f"0-{off - 1}"
        loc = location(r)
    assert off == len(data)
    r = put_blob_to(reg, loc, b"", digest_of(data))
    assert r.status_code == 201, describe(r)
    got = get_blob(reg, repo, digest_of(data))
    assert len(got) == len(data) and got == data
    r = reg.get(f"/v2/{repo}/blobs/{digest_of(data)}", headers={"Range": "bytes=524280-524295"})
    assert r.status_code == 206 and r.content == data[524280:524296], describe(r)


def test_chunked_with_push_blob_helper_modes(reg):
    repo = uniq()
    for mode in ("chunked", "stream", "post", "monolithic"):
        data = random_blob(1000)
        d = push_blob(reg, repo, data, mode=mode, chunk_size=333)
        assert get_blob(reg, repo, d) == data


# --- status and cancel --------------------------------------------------------

def test_status_of_fresh_session(reg):
    repo = uniq()
    loc = start_upload(reg, repo)
    r = reg.get(loc)
    assert r.status_code == 204, describe(r)
    assert r.headers.get("Location")
    assert r.headers.get("Range") in ("0-0", None)


def test_cancel_upload(reg):
    repo = uniq()
    loc = start_upload(reg, repo)
    assert patch_chunk(reg, loc, b"abcdef", 0).status_code == 202
    r = reg.delete(loc)
    assert r.status_code == 204, describe(r)
    assert_error(reg.get(loc), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_error(patch_chunk(reg, loc, b"gh", 6), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_error(put_blob_to(reg, loc, b"", digest_of(b"abcdef")), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_error(reg.delete(loc), 404, "BLOB_UPLOAD_UNKNOWN")
    assert reg.head(f"/v2/{repo}/blobs/{digest_of(b'abcdef')}").status_code == 404


def test_unknown_upload_id(reg):
    repo = uniq()
    push_blob(reg, repo, b"x")  # the repository exists
    for uid in ("00000000-0000-0000-0000-000000000000", "nonexistent", "f" * 32):
        loc = f"/v2/{repo}/blobs/uploads/{uid}"
        assert_error(reg.get(loc), 404, "BLOB_UPLOAD_UNKNOWN")
        assert_error(patch_chunk(reg, loc, b"ab", 0), 404, "BLOB_UPLOAD_UNKNOWN")
        assert_error(put_blob_to(reg, loc, b"ab"), 404, "BLOB_UPLOAD_UNKNOWN")
        assert_error(reg.delete(loc), 404, "BLOB_UPLOAD_UNKNOWN")


def test_unknown_upload_id_in_unknown_repo(reg):
    loc = f"/v2/{uniq()}/blobs/uploads/{'a' * 32}"
    assert_error(reg.get(loc), 404, ("BLOB_UPLOAD_UNKNOWN", "NAME_UNKNOWN"))
    assert_error(patch_chunk(reg, loc, b"ab", 0), 404, ("BLOB_UPLOAD_UNKNOWN", "NAME_UNKNOWN"))


def test_upload_id_of_another_repository(reg):
    a, b = uniq(), uniq()
    push_blob(reg, b, b"b exists")
    loc_a = start_upload(reg, a)
    path, _, query = loc_a.partition("?")
    assert path.startswith(f"/v2/{a}/blobs/uploads/")
    loc_b = f"/v2/{b}/blobs/uploads/" + path[len(f"/v2/{a}/blobs/uploads/"):]
    if query:
        loc_b += "?" + query
    data = b"stolen session"
    assert_error(reg.get(loc_b), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_error(patch_chunk(reg, loc_b, data, 0), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_error(put_blob_to(reg, loc_b, data), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_error(reg.delete(loc_b), 404, "BLOB_UPLOAD_UNKNOWN")
    assert reg.head(f"/v2/{b}/blobs/{digest_of(data)}").status_code == 404
    # the session still works in its own repository
    r = put_blob_to(reg, loc_a, data)
    assert r.status_code == 201, describe(r)
    assert reg.head(f"/v2/{b}/blobs/{digest_of(data)}").status_code == 404


def test_chunk_after_commit_is_upload_unknown(reg):
    repo = uniq()
    data = random_blob(20)
    loc = start_upload(reg, repo)
    r = patch_chunk(reg, loc, data, 0)
    assert r.status_code == 202
    loc = location(r)
    assert put_blob_to(reg, loc, b"", digest_of(data)).status_code == 201
    assert_error(patch_chunk(reg, loc, b"more", 20), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_error(reg.get(loc), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_error(put_blob_to(reg, loc, b"", digest_of(data)), 404, "BLOB_UPLOAD_UNKNOWN")


# --- Content-Range / Content-Length mismatches ----------------------------------

@pytest.mark.parametrize("cr", ["abc", "9-0", "0-", "-9", "0-99", "0-4", "0-9-9",
                                "18446744073709551615-18446744073709551624",
                                "99999999999999999999999999-99999999999999999999999999"])
def test_garbage_content_range(reg, cr):
    repo = uniq()
    loc = start_upload(reg, repo)
    r = reg.patch(loc, data=b"0123456789", headers={"Content-Type": "application/octet-stream",
                                                  "Content-Range": cr})
    assert r.status_code in (400, 416), describe(r)
    # nothing was appended
    r = reg.get(loc)
    assert r.status_code == 204, describe(r)
    assert r.headers.get("Range") in ("0-0", None), describe(r)


# --- cross-repository mount ---------------------------------------------------

def test_mount_from_other_repository(reg):
    src, dst = uniq(), uniq()
    data = random_blob(123)
    d = push_blob(reg, src, data)
    r = reg.post(f"/v2/{dst}/blobs/uploads/", params={"mount": d, "from": src})
    assert r.status_code == 201, describe(r)
    assert location(r) == f"/v2/{dst}/blobs/{d}"
    assert r.headers.get("Docker-Content-Digest") == d
    assert get_blob(reg, dst, d) == data
    # both hold it independently now
    assert reg.delete(f"/v2/{src}/blobs/{d}").status_code == 202
    assert get_blob(reg, dst, d) == data


def test_mount_from_repository_lacking_blob_falls_back_to_upload(reg):
    src, dst = uniq(), uniq()
    push_blob(reg, src, b"something else")
    data = random_blob(40)
    d = digest_of(data)
    r = reg.post(f"/v2/{dst}/blobs/uploads/", params={"mount": d, "from": src})
    assert r.status_code == 202, describe(r)
    assert location_path(r).startswith(f"/v2/{dst}/blobs/uploads/")
    r = put_blob_to(reg, location(r), data, d)
    assert r.status_code == 201, describe(r)
    assert get_blob(reg, dst, d) == data


def test_mount_from_nonexistent_repository_falls_back(reg):
    dst = uniq()
    r = reg.post(f"/v2/{dst}/blobs/uploads/", params={"mount": DUMMY_DIGEST, "from": uniq()})
    assert r.status_code == 202, describe(r)
    assert location_path(r).startswith(f"/v2/{dst}/blobs/uploads/")


def test_mount_without_from_yields_session(reg):
    dst = uniq()
    r = reg.post(f"/v2/{dst}/blobs/uploads/", params={"mount": DUMMY_DIGEST})
    assert r.status_code == 202, describe(r)
    assert location_path(r).startswith(f"/v2/{dst}/blobs/uploads/")


def test_mount_of_blob_pushed_elsewhere_without_from_is_not_automatic(reg):
    """Without `from` no repository is named, so the blob is not linked (202)."""
    src, dst = uniq(), uniq()
    d = push_blob(reg, src, random_blob(20))
    r = reg.post(f"/v2/{dst}/blobs/uploads/", params={"mount": d})
    assert r.status_code in (201, 202), describe(r)
    if r.status_code == 202:
        assert reg.head(f"/v2/{dst}/blobs/{d}").status_code == 404


def test_mount_with_malformed_digest(reg):
    src, dst = uniq(), uniq()
    push_blob(reg, src, b"x")
    r = reg.post(f"/v2/{dst}/blobs/uploads/", params={"mount": "sha256:nothex", "from": src})
    if r.status_code != 202:
        assert_error(r, 400, "DIGEST_INVALID")


def test_mount_from_invalid_name(reg):
    dst = uniq()
    r = reg.post(f"/v2/{dst}/blobs/uploads/", params={"mount": DUMMY_DIGEST, "from": "Bad/../Name"})
    if r.status_code != 202:
        assert_error(r, 400, "NAME_INVALID")


def test_post_to_invalid_repository_name(reg):
    r = reg.post("/v2/Invalid/blobs/uploads/")
    assert_error(r, 400, "NAME_INVALID")


# --- Transfer-Encoding: chunked (how docker and containerd stream layers) ------------

def gen(data, step=7000):
    for off in range(0, len(data), step):
        yield data[off:off + step]


def test_streamed_patch_with_chunked_transfer_encoding(reg):
    repo = uniq()
    data = random_blob(50000)
    loc = start_upload(reg, repo)
    r = reg.patch(loc, data=gen(data), headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 202, describe(r)
    assert r.headers.get("Range") == f"0-{len(data) - 1}"
    r = put_blob_to(reg, location(r), b"", digest_of(data))
    assert r.status_code == 201, describe(r)
    assert get_blob(reg, repo, digest_of(data)) == data


def test_monolithic_put_with_chunked_transfer_encoding(reg):
    repo = uniq()
    data = random_blob(30000)
    loc = start_upload(reg, repo)
    r = reg.put(loc, params={"digest": digest_of(data)}, data=gen(data),
                headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 201, describe(r)
    assert get_blob(reg, repo, digest_of(data)) == data


def test_manifest_put_with_chunked_transfer_encoding(reg):
    repo = uniq()
    img = build_image(reg, repo)
    r = reg.put(f"/v2/{repo}/manifests/v1", data=gen(img.body, 100),
                headers={"Content-Type": OCI_MANIFEST})
    assert r.status_code == 201, describe(r)
    r = reg.get(f"/v2/{repo}/manifests/v1")
    assert r.status_code == 200 and r.content == img.body, describe(r)


def test_final_chunk_with_wrong_start_in_closing_put(reg):
    repo = uniq()
    data = random_blob(42)
    loc = start_upload(reg, repo)
    r = patch_chunk(reg, loc, data[:22], 0)
    assert r.status_code == 202, describe(r)
    loc = location(r)
    r = put_blob_to(reg, loc, data[30:], digest_of(data), headers={"Content-Range": "30-41"})
    assert r.status_code in (400, 416), describe(r)
    assert reg.head(f"/v2/{repo}/blobs/{digest_of(data)}").status_code == 404


def test_mount_from_same_repository(reg):
    repo = uniq()
    d = push_blob(reg, repo, random_blob(10))
    r = reg.post(f"/v2/{repo}/blobs/uploads/", params={"mount": d, "from": repo})
    assert r.status_code == 201, describe(r)
    assert location(r) == f"/v2/{repo}/blobs/{d}"


def test_mount_after_source_deleted_falls_back(reg):
    src, dst = uniq(), uniq()
    d = push_blob(reg, src, random_blob(10))
    assert reg.delete(f"/v2/{src}/blobs/{d}").status_code == 202
    r = reg.post(f"/v2/{dst}/blobs/uploads/", params={"mount": d, "from": src})
    assert r.status_code == 202, describe(r)
    assert reg.head(f"/v2/{dst}/blobs/{d}").status_code == 404


def test_blob_is_served_without_content_encoding(reg):
    repo = uniq()
    data = b"a" * 5000  # compressible: a server must still send the bytes as stored
    d = push_blob(reg, repo, data)
    r = reg.get(f"/v2/{repo}/blobs/{d}", headers={"Accept-Encoding": "gzip, deflate"})
    assert r.status_code == 200
    assert r.headers.get("Content-Encoding") in (None, "identity"), describe(r)
    assert r.content == data and int(r.headers["Content-Length"]) == len(data)


def test_concurrent_uploads_of_the_same_blob(reg):
    """Spec use case: two processes push the same layer at once; both succeed
    and the stored blob is intact."""
    repo = uniq()
    data = random_blob(256 * 1024)
    d = digest_of(data)
    results = []

    def one(mode):
        try:
            results.append(push_blob(reg, repo, data, mode=mode, chunk_size=64 * 1024))
        except AssertionError as e:  # reported below
            results.append(e)

    threads = [threading.Thread(target=one, args=(m,))
               for m in ("monolithic", "chunked", "stream", "post") * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [d] * len(threads), results
    assert get_blob(reg, repo, d) == data


def test_concurrent_writes_to_one_session(reg):
    """Two PATCHes racing on one session: at most one is applied per offset,
    the other is refused; the session stays consistent."""
    repo = uniq()
    data = random_blob(512 * 1024)
    loc = start_upload(reg, repo)
    statuses = []

    def one():
        statuses.append(patch_chunk(reg, loc, data, 0).status_code)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses.count(202) == 1, statuses
    assert all(s in (202, 409, 416) for s in statuses), statuses
    r = reg.get(loc)
    assert r.status_code == 204 and r.headers.get("Range") == f"0-{len(data) - 1}", describe(r)
    r = put_blob_to(reg, location(r), b"", digest_of(data))
    assert r.status_code == 201, describe(r)
    assert get_blob(reg, repo, digest_of(data)) == data
