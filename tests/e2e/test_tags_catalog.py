"""Tags list and catalog: order, n/last pagination, Link headers (end-8a/8b)."""
import pytest

from ocihelpers import (assert_error, describe, link_next, push_image, put_manifest, tags_of,
                        uniq)
from ocihelpers import reg, wharf  # noqa: F401  (pytest fixtures)

TAGS = ["zeta", "alpha", "v1.0-rc", "v1.0", "10", "9", "latest", "beta2", "beta10"]
SORTED = sorted(TAGS)


@pytest.fixture(scope="module")
def tagged(reg):
    """A repository with TAGS, all on one manifest."""
    repo = uniq("tags")
    img = push_image(reg, repo, TAGS[0])
    for t in TAGS[1:]:
        r = put_manifest(reg, repo, t, img.body)
        assert r.status_code == 201, describe(r)
    return repo


def test_tags_list_sorted(reg, tagged):
    r = reg.get(f"/v2/{tagged}/tags/list")
    assert r.status_code == 200, describe(r)
    assert r.headers.get("Content-Type", "").startswith("application/json")
    doc = r.json()
    assert doc["name"] == tagged
    assert doc["tags"] == SORTED
    assert r.headers.get("Link") is None


def test_tags_pagination_follows_link(reg, tagged):
    path = f"/v2/{tagged}/tags/list?n=2"
    seen = []
    pages = 0
    while path:
        r = reg.get(path)
        assert r.status_code == 200, describe(r)
        page = r.json()["tags"]
        pages += 1
        assert pages <= len(TAGS), "pagination does not end"
        nxt = link_next(r)
        if nxt:
            assert len(page) == 2, describe(r)
            npath, q = nxt
            assert npath.startswith(f"/v2/{tagged}/tags/list?"), npath
            assert q.get("n") == ["2"], npath
            assert q.get("last") == [page[-1]], npath
            path = npath
        else:
            path = None
        seen += page
    assert seen == SORTED
    assert pages == (len(TAGS) + 1) // 2


def test_tags_n_limits(reg, tagged):
    """Conformance: n limits; `last` with n continues after it."""
    half = len(TAGS) // 2
    r = reg.get(f"/v2/{tagged}/tags/list", params={"n": half})
    assert r.status_code == 200, describe(r)
    first = r.json()["tags"]
    assert first == SORTED[:half]
    r = reg.get(f"/v2/{tagged}/tags/list", params={"n": half, "last": first[-1]})
    assert r.status_code == 200, describe(r)
    assert r.json()["tags"] == SORTED[half:2 * half]


def test_tags_n_zero_is_empty_without_link(reg, tagged):
    r = reg.get(f"/v2/{tagged}/tags/list", params={"n": 0})
    assert r.status_code == 200, describe(r)
    assert r.json().get("tags") in ([], None)
    assert r.headers.get("Link") is None


def test_tags_n_larger_than_count(reg, tagged):
    r = reg.get(f"/v2/{tagged}/tags/list", params={"n": 1000})
    assert r.status_code == 200, describe(r)
    assert r.json()["tags"] == SORTED
    assert r.headers.get("Link") is None


def test_tags_n_equal_to_count(reg, tagged):
    r = reg.get(f"/v2/{tagged}/tags/list", params={"n": len(TAGS)})
    assert r.status_code == 200, describe(r)
    assert r.json()["tags"] == SORTED
    nxt = link_next(r)
    if nxt:  # a registry may not know there is nothing more; the next page is empty
        r = reg.get(nxt[0])
        assert r.status_code == 200 and r.json().get("tags") in ([], None), describe(r)
        assert r.headers.get("Link") is None


@pytest.mark.parametrize("last,expected", [
    ("alpha", [t for t in SORTED if t > "alpha"]),
    ("b", [t for t in SORTED if t > "b"]),
    ("zzz", []),
    ("0", SORTED),
])
def test_tags_last_without_n(reg, tagged, last, expected):
    r = reg.get(f"/v2/{tagged}/tags/list", params={"last": last})
    assert r.status_code == 200, describe(r)
    assert (r.json().get("tags") or []) == expected


@pytest.mark.parametrize("n", ["abc", "-1", "1.5", "0x10", " ", "1e3"])
def test_tags_bad_n_is_400(reg, tagged, n):
    r = reg.get(f"/v2/{tagged}/tags/list", params={"n": n})
    assert r.status_code == 400, describe(r)


@pytest.mark.parametrize("path", ["/v2/{repo}/tags/list?last=%ff%fe", "/v2/_catalog?last=%ff"])
def test_last_not_utf8_is_400_on_every_engine(reg, tagged, path):
    # PostgreSQL refuses such text outright; both engines answer the same 400
    r = reg.get(path.format(repo=tagged))
    assert_error(r, 400, ("UNSUPPORTED",))


@pytest.mark.parametrize("n", ["2147483648", "9223372036854775807", "99999999999999999999999999"])
def test_tags_huge_n(reg, tagged, n):
    r = reg.get(f"/v2/{tagged}/tags/list", params={"n": n})
    assert r.status_code in (200, 400), describe(r)
    if r.status_code == 200:
        assert r.json()["tags"] == SORTED


def test_tags_unknown_repository(reg):
    assert_error(reg.get(f"/v2/{uniq()}/tags/list"), 404, "NAME_UNKNOWN")


def test_tags_invalid_repository_name(reg):
    assert_error(reg.get("/v2/Bad_Name/tags/list"), 400, "NAME_INVALID")


def test_tags_nested_repository(reg):
    repo = f"{uniq('a')}/b/c"
    push_image(reg, repo, "v1")
    r = reg.get(f"/v2/{repo}/tags/list")
    assert r.status_code == 200, describe(r)
    assert r.json() == {"name": repo, "tags": ["v1"]}


def test_tags_after_all_deleted(reg):
    repo = uniq()
    img = push_image(reg, repo, "v1")
    assert reg.delete(f"/v2/{repo}/manifests/v1").status_code == 202
    assert tags_of(reg, repo) == []
    assert reg.delete(f"/v2/{repo}/manifests/{img.digest}").status_code == 202
    r = reg.get(f"/v2/{repo}/tags/list")
    # the repository may be kept (200, empty) or forgotten (404 NAME_UNKNOWN)
    if r.status_code == 200:
        assert r.json().get("tags") in ([], None)
    else:
        assert_error(r, 404, "NAME_UNKNOWN")


def test_tag_list_reflects_manifest_deletion(reg):
    """Conformance (content management): fewer tags after deleting a tag."""
    repo = uniq()
    img = push_image(reg, repo, "tagtest0")
    put_manifest(reg, repo, "tagtest1", img.body)
    before = len(tags_of(reg, repo))
    assert reg.delete(f"/v2/{repo}/manifests/tagtest0").status_code == 202
    assert len(tags_of(reg, repo)) < before


# --- catalog --------------------------------------------------------------------

REPOS = ["zz", "alpha", "alpha/beta", "a/b/c", "m-1", "m.2", "m_3", "m__4"]


@pytest.fixture
def catalog(wharf):
    for name in REPOS:
        push_image(wharf, name, "v1")
    return wharf


def test_catalog_lists_repositories_sorted(catalog):
    r = catalog.get("/v2/_catalog")
    assert r.status_code == 200, describe(r)
    assert r.headers.get("Content-Type", "").startswith("application/json")
    assert r.json()["repositories"] == sorted(REPOS)
    assert r.headers.get("Link") is None

    # pagination with Link: </v2/_catalog?n=3&last=...>; rel="next"
    path = "/v2/_catalog?n=3"
    seen = []
    while path:
        r = catalog.get(path)
        assert r.status_code == 200, describe(r)
        page = r.json()["repositories"]
        seen += page
        assert len(seen) <= len(REPOS), "pagination does not end"
        nxt = link_next(r)
        if nxt:
            npath, q = nxt
            assert npath.startswith("/v2/_catalog?"), npath
            assert q.get("n") == ["3"] and q.get("last") == [page[-1]], npath
            path = npath
        else:
            path = None
    assert seen == sorted(REPOS)

    r = catalog.get("/v2/_catalog", params={"n": 0})
    assert r.status_code == 200 and r.json().get("repositories") in ([], None), describe(r)
    assert r.headers.get("Link") is None

    r = catalog.get("/v2/_catalog", params={"last": "alpha"})
    assert r.status_code == 200, describe(r)
    assert r.json()["repositories"] == [x for x in sorted(REPOS) if x > "alpha"]

    r = catalog.get("/v2/_catalog", params={"n": 2, "last": "m-1"})
    assert r.status_code == 200, describe(r)
    assert r.json()["repositories"] == [x for x in sorted(REPOS) if x > "m-1"][:2]

    for bad in ("abc", "-3"):
        r = catalog.get("/v2/_catalog", params={"n": bad})
        assert r.status_code == 400, describe(r)
    r = catalog.get("/v2/_catalog", params={"n": "99999999999999999999999"})
    assert r.status_code in (200, 400), describe(r)
