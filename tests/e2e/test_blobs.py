"""Pulling, checking, range-reading and deleting blobs (end-2, end-10);
blobs are per repository."""
import pytest

from ocihelpers import (DUMMY_DIGEST, EMPTY_DIGEST, assert_error, describe, digest_of,
                        push_blob, push_image, random_blob, uniq)
from ocihelpers import reg, wharf  # noqa: F401  (pytest fixtures)


@pytest.fixture(scope="module")
def blob(reg):
    """(repo, data, digest) of a 100-byte blob."""
    repo = uniq()
    data = random_blob(100)
    return repo, data, push_blob(reg, repo, data)


def test_head_nonexistent_blob_is_404(reg, blob):
    repo = blob[0]
    r = reg.head(f"/v2/{repo}/blobs/{DUMMY_DIGEST}")
    assert r.status_code == 404, describe(r)
    assert r.content == b""


def test_get_nonexistent_blob_is_404_blob_unknown(reg, blob):
    r = reg.get(f"/v2/{blob[0]}/blobs/{DUMMY_DIGEST}")
    assert_error(r, 404, "BLOB_UNKNOWN")


def test_get_blob_in_nonexistent_repo_is_404(reg):
    r = reg.get(f"/v2/{uniq()}/blobs/{DUMMY_DIGEST}")
    assert_error(r, 404, ("BLOB_UNKNOWN", "NAME_UNKNOWN"))


def test_head_existing_blob(reg, blob):
    repo, data, d = blob
    r = reg.head(f"/v2/{repo}/blobs/{d}")
    assert r.status_code == 200, describe(r)
    assert r.headers.get("Docker-Content-Digest") == d
    assert int(r.headers["Content-Length"]) == len(data)
    assert r.content == b""


def test_get_existing_blob(reg, blob):
    repo, data, d = blob
    r = reg.get(f"/v2/{repo}/blobs/{d}")
    assert r.status_code == 200, describe(r)
    assert r.content == data
    assert r.headers.get("Docker-Content-Digest") == d
    assert int(r.headers["Content-Length"]) == len(data)


def test_range_first_ten_bytes(reg, blob):
    repo, data, d = blob
    r = reg.get(f"/v2/{repo}/blobs/{d}", headers={"Range": "bytes=0-9"})
    assert r.status_code == 206, describe(r)
    assert r.headers.get("Content-Range") == f"bytes 0-9/{len(data)}"
    assert int(r.headers["Content-Length"]) == 10
    assert r.content == data[:10]


def test_range_middle(reg, blob):
    repo, data, d = blob
    r = reg.get(f"/v2/{repo}/blobs/{d}", headers={"Range": "bytes=10-19"})
    assert r.status_code == 206, describe(r)
    assert r.headers.get("Content-Range") == f"bytes 10-19/{len(data)}"
    assert r.content == data[10:20]


def test_range_open_ended(reg, blob):
    repo, data, d = blob
    r = reg.get(f"/v2/{repo}/blobs/{d}", headers={"Range": "bytes=90-"})
    assert r.status_code == 206, describe(r)
    assert r.headers.get("Content-Range") == f"bytes 90-{len(data) - 1}/{len(data)}"
    assert r.content == data[90:]


def test_range_suffix(reg, blob):
    repo, data, d = blob
    r = reg.get(f"/v2/{repo}/blobs/{d}", headers={"Range": "bytes=-5"})
    assert r.status_code == 206, describe(r)
    n = len(data)
    assert r.headers.get("Content-Range") == f"bytes {n - 5}-{n - 1}/{n}"
    assert r.content == data[-5:]


def test_range_suffix_longer_than_blob(reg, blob):
    repo, data, d = blob
    r = reg.get(f"/v2/{repo}/blobs/{d}", headers={"Range": f"bytes=-{len(data) + 50}"})
    # RFC 9110: the whole representation is selected
    assert r.status_code in (200, 206), describe(r)
    assert r.content == data


def test_range_end_past_blob_is_clamped(reg, blob):
    repo, data, d = blob
    r = reg.get(f"/v2/{repo}/blobs/{d}", headers={"Range": f"bytes=95-{len(data) + 1000}"})
    assert r.status_code == 206, describe(r)
    assert r.headers.get("Content-Range") == f"bytes 95-{len(data) - 1}/{len(data)}"
    assert r.content == data[95:]


def test_range_beyond_blob_is_416(reg, blob):
    repo, data, d = blob
    n = len(data)
    for rng in (f"bytes={n}-{n + 10}", f"bytes={n + 100}-"):
        r = reg.get(f"/v2/{repo}/blobs/{d}", headers={"Range": rng})
        assert r.status_code == 416, describe(r)
        cr = r.headers.get("Content-Range")
        if cr is not None:
            assert cr == f"bytes */{n}", describe(r)


@pytest.mark.parametrize("rng", ["bytes=abc", "bytes=9-3", "items=0-5", "bytes=", "bytes=--1",
                                 "bytes=0-9,20-29", "bytes=99999999999999999999999-"])
def test_unusual_range_headers_are_not_server_errors(reg, blob, rng):
    repo, data, d = blob
    r = reg.get(f"/v2/{repo}/blobs/{d}", headers={"Range": rng})
    # an unparsable Range may be ignored (200), served, or refused (416/400)
    assert r.status_code in (200, 206, 400, 416), describe(r)
    if r.status_code == 200:
        assert r.content == data


def test_blob_is_not_readable_through_another_repository(reg, blob):
    repo, data, d = blob
    other = uniq()
    push_blob(reg, other, random_blob(10))  # make `other` exist
    assert_error(reg.get(f"/v2/{other}/blobs/{d}"), 404, "BLOB_UNKNOWN")
    r = reg.head(f"/v2/{other}/blobs/{d}")
    assert r.status_code == 404, describe(r)
    # and not through a repository that does not exist at all
    assert_error(reg.get(f"/v2/{uniq()}/blobs/{d}"), 404, ("BLOB_UNKNOWN", "NAME_UNKNOWN"))


def test_blob_referenced_by_manifest_is_readable(reg):
    repo = uniq()
    img = push_image(reg, repo, "latest", nlayers=2)
    for desc in [img.config] + img.layers:
        r = reg.get(f"/v2/{repo}/blobs/{desc['digest']}")
        assert r.status_code == 200, describe(r)
        assert digest_of(r.content) == desc["digest"]
        assert len(r.content) == desc["size"]


def test_delete_blob(reg):
    repo = uniq()
    data = random_blob(33)
    d = push_blob(reg, repo, data)
    r = reg.delete(f"/v2/{repo}/blobs/{d}")
    assert r.status_code == 202, describe(r)
    assert_error(reg.get(f"/v2/{repo}/blobs/{d}"), 404, "BLOB_UNKNOWN")
    assert reg.head(f"/v2/{repo}/blobs/{d}").status_code == 404
    assert_error(reg.delete(f"/v2/{repo}/blobs/{d}"), 404, "BLOB_UNKNOWN")


def test_delete_nonexistent_blob_is_404(reg, blob):
    assert_error(reg.delete(f"/v2/{blob[0]}/blobs/{DUMMY_DIGEST}"), 404, "BLOB_UNKNOWN")
    assert_error(reg.delete(f"/v2/{uniq()}/blobs/{DUMMY_DIGEST}"), 404,
                 ("BLOB_UNKNOWN", "NAME_UNKNOWN"))


def test_delete_in_one_repository_keeps_it_in_another(reg):
    a, b = uniq(), uniq()
    data = random_blob(77)
    d = push_blob(reg, a, data)
    assert push_blob(reg, b, data) == d
    assert reg.delete(f"/v2/{a}/blobs/{d}").status_code == 202
    assert reg.get(f"/v2/{a}/blobs/{d}").status_code == 404
    r = reg.get(f"/v2/{b}/blobs/{d}")
    assert r.status_code == 200, describe(r)
    assert r.content == data


def test_delete_then_push_again(reg):
    repo = uniq()
    data = random_blob(50)
    d = push_blob(reg, repo, data)
    assert reg.delete(f"/v2/{repo}/blobs/{d}").status_code == 202
    push_blob(reg, repo, data)
    r = reg.get(f"/v2/{repo}/blobs/{d}")
    assert r.status_code == 200 and r.content == data, describe(r)


def test_sha512_blob(reg):
    repo = uniq()
    data = random_blob(300)
    d = push_blob(reg, repo, data, algo="sha512")
    r = reg.get(f"/v2/{repo}/blobs/{d}")
    assert r.status_code == 200, describe(r)
    assert r.content == data
    r = reg.head(f"/v2/{repo}/blobs/{d}")
    assert r.status_code == 200 and int(r.headers["Content-Length"]) == len(data), describe(r)


def test_empty_blob(reg):
    repo = uniq()
    assert push_blob(reg, repo, b"") == EMPTY_DIGEST
    r = reg.get(f"/v2/{repo}/blobs/{EMPTY_DIGEST}")
    assert r.status_code == 200, describe(r)
    assert r.content == b""
    assert r.headers.get("Content-Length") == "0"
    r = reg.head(f"/v2/{repo}/blobs/{EMPTY_DIGEST}")
    assert r.status_code == 200 and r.headers.get("Content-Length") == "0", describe(r)


@pytest.mark.parametrize("bad", ["sha256:xyz", "sha256:" + "a" * 63, "sha256:" + "A" * 64,
                                 "sha256", "nodigest", "sha256:" + "a" * 65])
def test_get_blob_with_malformed_digest(reg, blob, bad):
    r = reg.get(f"/v2/{blob[0]}/blobs/{bad}")
    # end-2 lists only 404 as failure; 400 DIGEST_INVALID is the detail spec's answer
    assert_error(r, (400, 404), ("DIGEST_INVALID", "BLOB_UNKNOWN"))


def test_get_blob_with_unknown_algorithm(reg, blob):
    r = reg.get(f"/v2/{blob[0]}/blobs/foo:{'a' * 64}")
    assert_error(r, (400, 404), ("DIGEST_INVALID", "BLOB_UNKNOWN", "UNSUPPORTED"))


def test_delete_blob_referenced_by_manifest(reg):
    """The conformance teardown may delete blobs before their manifest and
    accepts 2xx, 404 or 405; a registry that refuses must not break the manifest."""
    repo = uniq()
    img = push_image(reg, repo, "v1")
    r = reg.delete(f"/v2/{repo}/blobs/{img.layers[0]['digest']}")
    assert r.status_code in (202, 404, 405), describe(r)
    r = reg.get(f"/v2/{repo}/manifests/v1")
    assert r.status_code == 200 and r.content == img.body, describe(r)
    assert reg.delete(f"/v2/{repo}/manifests/{img.digest}").status_code == 202
    r = reg.delete(f"/v2/{repo}/blobs/{img.config['digest']}")
    assert r.status_code == 202, describe(r)
