"""Base endpoint, common headers, routing (unknown route 404, wrong method 405)."""
import pytest
import requests

from ocihelpers import (assert_error, describe, push_image, raw_request, uniq)
from ocihelpers import reg, wharf  # noqa: F401  (pytest fixtures)


def test_base_endpoint_returns_200_empty_object(reg):
    r = reg.get("/v2/")
    assert r.status_code == 200, describe(r)
    assert r.json() == {}
    assert r.headers.get("Content-Type", "").startswith("application/json")
    assert r.headers["Docker-Distribution-API-Version"] == "registry/2.0"


def test_base_without_trailing_slash(reg):
    # clients normally use /v2/; /v2 must not crash the router (200, redirect or 404)
    r = reg.get("/v2")
    assert r.status_code in (200, 301, 307, 308, 404), describe(r)


def test_request_ids_are_unique(reg):
    ids = {reg.get("/v2/").headers["X-Request-Id"] for _ in range(5)}
    assert len(ids) == 5


def test_headers_on_every_kind_of_response(reg):
    """The response hook checks the headers; this walks one request per kind of
    route and outcome so that every handler's error path is covered."""
    repo = uniq()
    img = push_image(reg, repo, "v1")
    paths = [
        ("GET", "/v2/"),
        ("GET", f"/v2/{repo}/tags/list"),
        ("GET", f"/v2/{repo}/manifests/v1"),
        ("HEAD", f"/v2/{repo}/manifests/v1"),
        ("GET", f"/v2/{repo}/manifests/{img.digest}"),
        ("GET", f"/v2/{repo}/blobs/{img.config['digest']}"),
        ("HEAD", f"/v2/{repo}/blobs/{img.config['digest']}"),
        ("GET", f"/v2/{repo}/referrers/{img.digest}"),
        ("GET", "/v2/_catalog"),
        ("GET", f"/v2/{repo}/manifests/nope"),
        ("GET", f"/v2/{repo}-missing/tags/list"),
        ("GET", f"/v2/{repo}/blobs/sha256:{'0' * 64}"),
        ("GET", f"/v2/{repo}/blobs/uploads/{'f' * 32}"),
        ("GET", "/v2/NotValid/tags/list"),
        ("GET", f"/v2/{repo}/no/such/route"),
        ("DELETE", "/v2/"),
    ]
    for method, path in paths:
        r = reg.request(method, path)
        assert r.status_code < 500, describe(r)


def test_unknown_route_is_404_with_oci_error(reg):
    for path in ("/v2/foo/bar", "/v2/foo/blobs", "/v2/foo/manifests", "/v2/foo/tags",
                 "/v2/foo/tags/lists", "/v3/", "/nope"):
        r = reg.get(path)
        if r.status_code == 405:
            continue  # a path that routes for another method
        assert r.status_code == 404, describe(r)
        if not path.startswith("/v2"):
            continue
        assert_error(r, 404, ("NAME_UNKNOWN", "UNSUPPORTED", "NAME_INVALID", "BLOB_UNKNOWN",
                              "MANIFEST_UNKNOWN", "BLOB_UPLOAD_UNKNOWN"))


@pytest.mark.parametrize("method,path", [
    ("POST", "/v2/"),
    ("PUT", "/v2/"),
    ("DELETE", "/v2/"),
    ("PATCH", "/v2/"),
    ("POST", "/v2/foo/tags/list"),
    ("DELETE", "/v2/foo/tags/list"),
    ("PUT", "/v2/_catalog"),
    ("PATCH", "/v2/foo/manifests/latest"),
    ("POST", "/v2/foo/manifests/latest"),
    ("PUT", "/v2/foo/blobs/sha256:" + "a" * 64),
    ("POST", "/v2/foo/blobs/sha256:" + "a" * 64),
    ("PATCH", "/v2/foo/blobs/sha256:" + "a" * 64),
    ("PUT", "/v2/foo/blobs/uploads/"),
    ("DELETE", "/v2/foo/referrers/sha256:" + "a" * 64),
])
def test_wrong_method_is_405_unsupported(reg, method, path):
    r = reg.request(method, path, data=b"")
    assert_error(r, 405, "UNSUPPORTED")


def test_unknown_http_method_is_not_a_server_error(reg):
    r = raw_request(reg, "PROPFIND", "/v2/")
    assert 400 <= r.status < 500, r
    r = raw_request(reg, "OPTIONS", f"/v2/{uniq()}/tags/list")
    assert r.status < 500, r


def test_fresh_registry_catalog_is_empty(wharf):
    r = wharf.get("/v2/_catalog")
    assert r.status_code == 200, describe(r)
    assert r.json().get("repositories") in ([], None)


def test_base_without_credentials(reg):
    """Spec: 200 or 401; on 401 the client follows WWW-Authenticate, and the
    API-version header is set either way."""
    r = requests.get(reg.url + "/v2/", timeout=10)
    assert r.status_code in (200, 401), r.status_code
    assert r.headers.get("Docker-Distribution-API-Version") == "registry/2.0"
    assert r.headers.get("X-Request-Id")
    if r.status_code == 401:
        assert r.headers.get("WWW-Authenticate"), dict(r.headers)
        assert r.json()["errors"][0]["code"] == "UNAUTHORIZED"
