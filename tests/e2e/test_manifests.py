"""Manifests: push/pull by tag and digest for every supported type, validation,
content negotiation, deletion, tag moves (end-3, end-7, end-9)."""
import base64
import http.client
import json
import threading

import pytest

from ocihelpers import (DOCKER_LIST, DOCKER_MANIFEST, EMPTY_JSON, EMPTY_JSON_DIGEST,
                        OCI_CONFIG, OCI_EMPTY, OCI_INDEX, OCI_LAYER, OCI_MANIFEST,
                        assert_error, auth_headers, build_image, config_blob, describe,
                        descriptor, digest_of, location, make_index, make_manifest, push_blob,
                        push_image, push_index, put_manifest, random_blob, raw_request,
                        subject_of, tags_of, uniq)
from ocihelpers import reg, wharf  # noqa: F401  (pytest fixtures)


def check_pull(w, repo, ref, body, media_type):
    """GET and HEAD of ref return exactly body with its type and digest."""
    d = digest_of(body)
    r = w.get(f"/v2/{repo}/manifests/{ref}", headers={"Accept": media_type})
    assert r.status_code == 200, describe(r)
    assert r.content == body
    assert r.headers.get("Content-Type") == media_type
    assert r.headers.get("Docker-Content-Digest") == d
    assert int(r.headers["Content-Length"]) == len(body)
    r = w.head(f"/v2/{repo}/manifests/{ref}", headers={"Accept": media_type})
    assert r.status_code == 200, describe(r)
    assert r.content == b""
    assert r.headers.get("Content-Type") == media_type
    assert r.headers.get("Docker-Content-Digest") == d
    assert int(r.headers["Content-Length"]) == len(body)


def check_put(r, repo, body):
    assert r.status_code == 201, describe(r)
    assert location(r).startswith(f"/v2/{repo}/manifests/"), describe(r)
    assert r.headers.get("Docker-Content-Digest") == digest_of(body)


def image_body(w, repo, media_type=OCI_MANIFEST, nlayers=1):
    """Pushes the blobs of an image and returns its (unpushed) manifest bytes."""
    return build_image(w, repo, nlayers, media_type).body


# --- push and pull every type -----------------------------------------------------

@pytest.mark.parametrize("by", ["tag", "digest"])
@pytest.mark.parametrize("media_type", [OCI_MANIFEST, DOCKER_MANIFEST])
def test_image_manifest_roundtrip(reg, media_type, by):
    repo = uniq()
    cfg = config_blob()
    push_blob(reg, repo, cfg)
    layer = random_blob(200)
    push_blob(reg, repo, layer)
    docker = media_type == DOCKER_MANIFEST
    body = make_manifest(
        descriptor("application/vnd.docker.container.image.v1+json" if docker else OCI_CONFIG, cfg),
        [descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip" if docker else OCI_LAYER,
                    layer)], media_type)
    d = digest_of(body)
    ref = "v1" if by == "tag" else d
    r = put_manifest(reg, repo, ref, body, media_type)
    check_put(r, repo, body)
    r2 = reg.get(location(r), headers={"Accept": media_type})
    assert r2.status_code == 200 and r2.content == body, describe(r2)
    check_pull(reg, repo, d, body, media_type)
    if by == "tag":
        check_pull(reg, repo, "v1", body, media_type)
        assert tags_of(reg, repo) == ["v1"]
    else:
        assert tags_of(reg, repo) == []


@pytest.mark.parametrize("by", ["tag", "digest"])
@pytest.mark.parametrize("index_type,child_type", [(OCI_INDEX, OCI_MANIFEST),
                                                   (DOCKER_LIST, DOCKER_MANIFEST)])
def test_index_roundtrip(reg, index_type, child_type, by):
    repo = uniq()
    kids = [push_image(reg, repo, None, 1, child_type) for _ in range(2)]
    descs = [{"mediaType": k.media_type, "digest": k.digest, "size": len(k.body),
              "platform": {"architecture": arch, "os": "linux"}}
             for k, arch in zip(kids, ("amd64", "arm64"))]
    body = make_index(descs, index_type)
    d = digest_of(body)
    ref = "multi" if by == "tag" else d
    r = put_manifest(reg, repo, ref, body, index_type)
    check_put(r, repo, body)
    check_pull(reg, repo, d, body, index_type)
    if by == "tag":
        check_pull(reg, repo, "multi", body, index_type)
    for k in kids:  # untagged children stay reachable by digest
        check_pull(reg, repo, k.digest, k.body, child_type)


def test_conformance_style_manifest_with_data_and_unknown_fields(reg):
    """The conformance suite's manifests carry a `data` field and an unknown
    field in the config descriptor, tab-indented; bytes must come back as sent."""
    repo = uniq()
    cfg = config_blob()
    push_blob(reg, repo, cfg)
    layer = random_blob(64)
    push_blob(reg, repo, layer)
    doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "config": {"mediaType": OCI_CONFIG, "digest": digest_of(cfg), "size": len(cfg),
                      "data": base64.b64encode(cfg).decode(),
                      "newUnspecifiedField": base64.b64encode(b"hello world").decode()},
           "layers": [descriptor(OCI_LAYER, layer)]}
    body = json.dumps(doc, indent="\t").encode()
    for i in range(4):
        r = put_manifest(reg, repo, f"test{i}", body)
        check_put(r, repo, body)
    check_pull(reg, repo, digest_of(body), body, OCI_MANIFEST)
    assert tags_of(reg, repo) == ["test0", "test1", "test2", "test3"]


def test_manifest_with_no_layers(reg):
    repo = uniq()
    cfg = config_blob()
    push_blob(reg, repo, cfg)
    body = make_manifest(descriptor(OCI_CONFIG, cfg), [])
    r = put_manifest(reg, repo, "emptylayer", body)
    check_put(r, repo, body)
    check_pull(reg, repo, "emptylayer", body, OCI_MANIFEST)


def test_artifact_manifest_with_empty_config(reg):
    repo = uniq()
    push_blob(reg, repo, EMPTY_JSON)
    layer = random_blob(30)
    push_blob(reg, repo, layer)
    body = make_manifest({"mediaType": OCI_EMPTY, "digest": EMPTY_JSON_DIGEST, "size": 2},
                         [descriptor("application/x.test", layer)],
                         artifact_type="application/vnd.example.thing")
    check_put(put_manifest(reg, repo, "art", body), repo, body)
    check_pull(reg, repo, "art", body, OCI_MANIFEST)


def test_same_manifest_pushed_again(reg):
    repo = uniq()
    img = push_image(reg, repo, "v1")
    check_put(put_manifest(reg, repo, "v1", img.body), repo, img.body)
    check_put(put_manifest(reg, repo, img.digest, img.body), repo, img.body)
    assert tags_of(reg, repo) == ["v1"]


def test_manifest_using_mounted_blobs(reg):
    src, dst = uniq(), uniq()
    img = push_image(reg, src, "v1", nlayers=2)
    for desc in [img.config] + img.layers:
        r = reg.post(f"/v2/{dst}/blobs/uploads/", params={"mount": desc["digest"], "from": src})
        assert r.status_code == 201, describe(r)
    check_put(put_manifest(reg, dst, "v1", img.body), dst, img.body)


def test_large_manifest_under_4mib_is_accepted(reg):
    """Spec: registries SHOULD accept manifest pushes of at least 4 MB."""
    repo = uniq()
    cfg = config_blob()
    push_blob(reg, repo, cfg)
    body = make_manifest(descriptor(OCI_CONFIG, cfg), [],
                         annotations={"pad": "x" * (3 * 1024 * 1024 + 512 * 1024)})
    assert len(body) < 4 * 1024 * 1024
    r = put_manifest(reg, repo, "big", body)
    check_put(r, repo, body)
    r = reg.get(f"/v2/{repo}/manifests/big")
    assert r.status_code == 200 and r.content == body


# --- validation -----------------------------------------------------------------

def test_missing_config_blob_is_manifest_blob_unknown(reg):
    repo = uniq()
    layer = random_blob(20)
    push_blob(reg, repo, layer)
    body = make_manifest(descriptor(OCI_CONFIG, config_blob()), [descriptor(OCI_LAYER, layer)])
    assert_error(put_manifest(reg, repo, "v1", body), 400, "MANIFEST_BLOB_UNKNOWN")
    assert reg.get(f"/v2/{repo}/manifests/{digest_of(body)}").status_code == 404


def test_missing_layer_blob_is_manifest_blob_unknown(reg):
    repo = uniq()
    cfg = config_blob()
    push_blob(reg, repo, cfg)
    body = make_manifest(descriptor(OCI_CONFIG, cfg),
                         [descriptor(OCI_LAYER, random_blob(20))])
    assert_error(put_manifest(reg, repo, "v1", body), 400, "MANIFEST_BLOB_UNKNOWN")
    assert reg.get(f"/v2/{repo}/manifests/v1").status_code == 404


def test_blob_only_in_another_repository_is_manifest_blob_unknown(reg):
    a, b = uniq(), uniq()
    img = push_image(reg, a, "v1")
    push_blob(reg, b, random_blob(5))
    assert_error(put_manifest(reg, b, "v1", img.body), 400, "MANIFEST_BLOB_UNKNOWN")


@pytest.mark.parametrize("index_type", [OCI_INDEX, DOCKER_LIST])
def test_index_with_missing_child(reg, index_type):
    repo = uniq()
    kid = push_image(reg, repo, None)
    missing = {"mediaType": OCI_MANIFEST, "digest": digest_of(b"no such manifest"), "size": 16}
    body = make_index([{"mediaType": kid.media_type, "digest": kid.digest,
                        "size": len(kid.body)}, missing], index_type)
    assert_error(put_manifest(reg, repo, "multi", body, index_type), 400,
                 ("MANIFEST_BLOB_UNKNOWN", "MANIFEST_UNKNOWN"))


def test_index_with_child_only_in_another_repository(reg):
    a, b = uniq(), uniq()
    kid = push_image(reg, a, None)
    push_blob(reg, b, b"exists")
    body = make_index([{"mediaType": kid.media_type, "digest": kid.digest, "size": len(kid.body)}])
    assert_error(put_manifest(reg, b, "multi", body, OCI_INDEX), 400,
                 ("MANIFEST_BLOB_UNKNOWN", "MANIFEST_UNKNOWN"))


@pytest.mark.parametrize("body", [b"blablabla", b"{", b"", b"\xff\xfe\x00garbage", b"null",
                                  b"[]", b"123", b'"string"', b'{"schemaVersion": 2'])
def test_invalid_json_is_manifest_invalid(reg, body):
    repo = uniq()
    assert_error(put_manifest(reg, repo, "v1", body), 400, "MANIFEST_INVALID")


@pytest.mark.parametrize("mutate", [
    lambda m: m.pop("config"),
    lambda m: m.update(config="notanobject"),
    lambda m: m.update(layers={"not": "a list"}),
    lambda m: m.update(schemaVersion=1),
    lambda m: m.pop("schemaVersion"),
    lambda m: m["config"].pop("digest"),
    lambda m: m["config"].update(size=-1),
    lambda m: m["config"].update(size="12"),
    lambda m: m["layers"][0].update(digest="sha256:nothex"),
    lambda m: m["layers"].append(42),
])
def test_structurally_invalid_manifest(reg, mutate):
    repo = uniq()
    img = build_image(reg, repo)
    doc = json.loads(img.body)
    mutate(doc)
    body = json.dumps(doc).encode()
    assert_error(put_manifest(reg, repo, "bad", body), 400,
                 ("MANIFEST_INVALID", "DIGEST_INVALID", "MANIFEST_BLOB_UNKNOWN"))
    assert reg.get(f"/v2/{repo}/manifests/bad").status_code == 404


def test_index_with_invalid_manifests_field(reg):
    repo = uniq()
    body = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": "nope"}).encode()
    assert_error(put_manifest(reg, repo, "multi", body, OCI_INDEX), 400, "MANIFEST_INVALID")


@pytest.mark.parametrize("ctype", ["application/x-foo", "text/plain",
                                   "application/vnd.docker.distribution.manifest.v1+prettyjws"])
def test_unknown_media_type(reg, ctype):
    repo = uniq()
    body = image_body(reg, repo)
    assert_error(put_manifest(reg, repo, "v1", body, ctype), 400,
                 ("MANIFEST_INVALID", "UNSUPPORTED"))


def test_missing_content_type(reg):
    """Without a Content-Type the registry may fall back to the body's
    mediaType (201) or refuse (400); never store an untyped manifest."""
    repo = uniq()
    body = image_body(reg, repo)
    r = raw_request(reg, "PUT", f"/v2/{repo}/manifests/v1", body=body)
    if r.status == 201:
        r = reg.get(f"/v2/{repo}/manifests/v1")
        assert r.headers.get("Content-Type") == OCI_MANIFEST, describe(r)
    else:
        assert r.status == 400, r


def test_manifest_over_4mib_is_refused(reg):
    repo = uniq()
    cfg = config_blob()
    push_blob(reg, repo, cfg)
    body = make_manifest(descriptor(OCI_CONFIG, cfg), [],
                         annotations={"pad": "x" * (4 * 1024 * 1024 + 1024)})
    r = put_manifest(reg, repo, "huge", body)
    assert r.status_code in (400, 413), describe(r)
    assert_error(r, (400, 413), ("MANIFEST_INVALID", "SIZE_INVALID", "UNSUPPORTED"))
    assert reg.get(f"/v2/{repo}/manifests/huge").status_code == 404


def test_put_by_digest_with_mismatching_digest(reg):
    repo = uniq()
    body = image_body(reg, repo)
    wrong = digest_of(body + b" ")
    assert_error(put_manifest(reg, repo, wrong, body), 400, "DIGEST_INVALID")
    assert reg.get(f"/v2/{repo}/manifests/{wrong}").status_code == 404
    assert reg.get(f"/v2/{repo}/manifests/{digest_of(body)}").status_code == 404


def test_put_with_malformed_digest_reference(reg):
    """Conformance: PUT to sha256:totallywrong -> 400 (OCI error) or 404."""
    repo = uniq()
    r = put_manifest(reg, repo, "sha256:totallywrong", b"blablabla")
    assert_error(r, (400, 404), ("DIGEST_INVALID", "MANIFEST_INVALID", "NAME_UNKNOWN",
                                 "MANIFEST_UNKNOWN"))
    body = image_body(reg, repo)
    r = put_manifest(reg, repo, "sha256:totallywrong", body)
    assert_error(r, (400, 404), ("DIGEST_INVALID", "MANIFEST_INVALID"))


@pytest.mark.parametrize("tag", [".hidden", "-dash", "a" * 129, "with%20space", "tag:colon"])
def test_put_with_invalid_tag(reg, tag):
    repo = uniq()
    body = image_body(reg, repo)
    r = put_manifest(reg, repo, tag, body)
    assert r.status_code in (400, 404), describe(r)
    assert tags_of(reg, repo) == []


def test_longest_valid_tag(reg):
    repo = uniq()
    tag = "T" + "a_b.c-d" * 18 + "x" * 1
    assert len(tag) == 128
    img = push_image(reg, repo, tag)
    check_pull(reg, repo, tag, img.body, OCI_MANIFEST)


# --- pulling what is not there ------------------------------------------------------

def test_get_nonexistent_manifest(reg):
    repo = uniq()
    push_image(reg, repo, "v1")
    assert_error(reg.get(f"/v2/{repo}/manifests/nope"), 404, "MANIFEST_UNKNOWN")
    assert reg.head(f"/v2/{repo}/manifests/nope").status_code == 404
    d = digest_of(b"absent")
    assert_error(reg.get(f"/v2/{repo}/manifests/{d}"), 404, "MANIFEST_UNKNOWN")
    assert reg.head(f"/v2/{repo}/manifests/{d}").status_code == 404


def test_conformance_invalid_manifest_name_is_404(reg):
    """The conformance suite's nonexistentManifest is `.INVALID_MANIFEST_NAME`
    and it requires exactly 404 for GET and HEAD."""
    repo = uniq()
    push_image(reg, repo, "v1")
    r = reg.get(f"/v2/{repo}/manifests/.INVALID_MANIFEST_NAME")
    assert r.status_code == 404, describe(r)
    r = reg.head(f"/v2/{repo}/manifests/.INVALID_MANIFEST_NAME")
    assert r.status_code == 404, describe(r)


def test_get_malformed_digest_reference(reg):
    """Conformance: GET sha256:totallywrong -> 400 with a spec code, or 404."""
    repo = uniq()
    push_image(reg, repo, "v1")
    r = reg.get(f"/v2/{repo}/manifests/sha256:totallywrong")
    assert_error(r, (400, 404), ("DIGEST_INVALID", "MANIFEST_INVALID", "MANIFEST_UNKNOWN"))


def test_get_manifest_of_unknown_repository(reg):
    r = reg.get(f"/v2/{uniq()}/manifests/latest")
    assert_error(r, 404, ("NAME_UNKNOWN", "MANIFEST_UNKNOWN"))
    assert reg.head(f"/v2/{uniq()}/manifests/latest").status_code == 404


def test_manifest_is_not_visible_in_another_repository(reg):
    a, b = uniq(), uniq()
    img = push_image(reg, a, "v1")
    push_image(reg, b, "v1")
    assert_error(reg.get(f"/v2/{b}/manifests/{img.digest}"), 404, "MANIFEST_UNKNOWN")


# --- subject ----------------------------------------------------------------------

def test_subject_returns_oci_subject_header(reg):
    repo = uniq()
    base = push_image(reg, repo, "v1")
    push_blob(reg, repo, EMPTY_JSON)
    art = random_blob(20)
    push_blob(reg, repo, art)
    body = make_manifest({"mediaType": OCI_EMPTY, "digest": EMPTY_JSON_DIGEST, "size": 2},
                         [descriptor("application/x.sig", art)],
                         subject=subject_of(base), artifact_type="application/vnd.example.sig")
    r = put_manifest(reg, repo, digest_of(body), body)
    check_put(r, repo, body)
    assert r.headers.get("OCI-Subject") == base.digest


def test_subject_that_does_not_exist_is_accepted(reg):
    repo = uniq()
    push_blob(reg, repo, EMPTY_JSON)
    missing = {"mediaType": OCI_MANIFEST, "digest": digest_of(b"not pushed yet"), "size": 14}
    body = make_manifest({"mediaType": OCI_EMPTY, "digest": EMPTY_JSON_DIGEST, "size": 2},
                         [{"mediaType": OCI_EMPTY, "digest": EMPTY_JSON_DIGEST, "size": 2}],
                         subject=missing, artifact_type="application/vnd.example.sig")
    r = put_manifest(reg, repo, digest_of(body), body)
    check_put(r, repo, body)
    assert r.headers.get("OCI-Subject") == missing["digest"]


def test_index_with_subject(reg):
    repo = uniq()
    base = push_image(reg, repo, "v1")
    kid = push_image(reg, repo, None)
    idx = push_index(reg, repo, [kid], subject=subject_of(base),
                     artifact_type="application/vnd.food.stand")
    r = put_manifest(reg, repo, idx.digest, idx.body, OCI_INDEX)
    check_put(r, repo, idx.body)
    assert r.headers.get("OCI-Subject") == base.digest


# --- content negotiation ------------------------------------------------------------

def test_accept_negotiation_for_oci_manifest(reg):
    repo = uniq()
    img = push_image(reg, repo, "v1")
    for accept in (OCI_MANIFEST, "*/*", f"{DOCKER_MANIFEST}, {OCI_MANIFEST}",
                   f"{OCI_MANIFEST};q=0.5", f"{DOCKER_MANIFEST},{OCI_INDEX},{OCI_MANIFEST}",
                   "application/*"):
        r = reg.get(f"/v2/{repo}/manifests/v1", headers={"Accept": accept})
        assert r.status_code == 200 and r.content == img.body, f"{accept}: {describe(r)}"
    for accept in (DOCKER_MANIFEST, f"{DOCKER_MANIFEST}, {DOCKER_LIST}", OCI_INDEX):
        r = reg.get(f"/v2/{repo}/manifests/v1", headers={"Accept": accept})
        assert_error(r, 404, "MANIFEST_UNKNOWN")
        r = reg.head(f"/v2/{repo}/manifests/{img.digest}", headers={"Accept": accept})
        assert r.status_code == 404, describe(r)


def test_no_accept_header_returns_stored_type(reg):
    repo = uniq()
    img = push_image(reg, repo, "v1", media_type=DOCKER_MANIFEST)
    r = raw_request(reg, "GET", f"/v2/{repo}/manifests/v1")
    assert r.status == 200, r
    assert r.body == img.body
    assert r.headers.get("Content-Type") == DOCKER_MANIFEST


def test_accept_in_several_header_lines(reg):
    """Docker sends one Accept header line per type; the match may be in any."""
    repo = uniq()
    img = push_image(reg, repo, "v1")
    conn_headers = [("Accept", DOCKER_MANIFEST), ("Accept", DOCKER_LIST), ("Accept", OCI_INDEX),
                    ("Accept", OCI_MANIFEST)]
    conn = http.client.HTTPConnection("127.0.0.1", reg.port, timeout=30)
    try:
        conn.putrequest("GET", f"/v2/{repo}/manifests/v1", skip_accept_encoding=True)
        for k, v in list(auth_headers(reg).items()) + conn_headers:
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    assert resp.status == 200, (resp.status, body[:300])
    assert body == img.body


def test_accept_negotiation_for_index(reg):
    repo = uniq()
    kid = push_image(reg, repo, None)
    idx = push_index(reg, repo, [kid], tag="multi")
    r = reg.get(f"/v2/{repo}/manifests/multi", headers={"Accept": OCI_MANIFEST})
    assert_error(r, 404, "MANIFEST_UNKNOWN")
    r = reg.get(f"/v2/{repo}/manifests/multi", headers={"Accept": f"{OCI_MANIFEST}, {OCI_INDEX}"})
    assert r.status_code == 200 and r.content == idx.body, describe(r)


# --- delete -------------------------------------------------------------------------

def test_delete_by_digest_removes_manifest_and_tags(reg):
    repo = uniq()
    img = push_image(reg, repo, "v1")
    check_put(put_manifest(reg, repo, "v2", img.body), repo, img.body)
    keep = push_image(reg, repo, "other")
    assert tags_of(reg, repo) == ["other", "v1", "v2"]
    r = reg.delete(f"/v2/{repo}/manifests/{img.digest}")
    assert r.status_code == 202, describe(r)
    assert_error(reg.get(f"/v2/{repo}/manifests/{img.digest}"), 404, "MANIFEST_UNKNOWN")
    assert reg.head(f"/v2/{repo}/manifests/{img.digest}").status_code == 404
    assert_error(reg.get(f"/v2/{repo}/manifests/v1"), 404, "MANIFEST_UNKNOWN")
    assert_error(reg.get(f"/v2/{repo}/manifests/v2"), 404, "MANIFEST_UNKNOWN")
    assert tags_of(reg, repo) == ["other"]
    check_pull(reg, repo, "other", keep.body, OCI_MANIFEST)
    assert_error(reg.delete(f"/v2/{repo}/manifests/{img.digest}"), 404, "MANIFEST_UNKNOWN")


def test_delete_by_tag_keeps_manifest(reg):
    repo = uniq()
    img = push_image(reg, repo, "v1")
    check_put(put_manifest(reg, repo, "v2", img.body), repo, img.body)
    r = reg.delete(f"/v2/{repo}/manifests/v1")
    assert r.status_code == 202, describe(r)
    assert_error(reg.get(f"/v2/{repo}/manifests/v1"), 404, "MANIFEST_UNKNOWN")
    check_pull(reg, repo, img.digest, img.body, OCI_MANIFEST)
    check_pull(reg, repo, "v2", img.body, OCI_MANIFEST)
    assert tags_of(reg, repo) == ["v2"]
    assert_error(reg.delete(f"/v2/{repo}/manifests/v1"), 404, "MANIFEST_UNKNOWN")


def test_delete_nonexistent_manifest(reg):
    repo = uniq()
    push_image(reg, repo, "v1")
    assert_error(reg.delete(f"/v2/{repo}/manifests/{digest_of(b'x')}"), 404, "MANIFEST_UNKNOWN")
    assert_error(reg.delete(f"/v2/{repo}/manifests/nope"), 404, "MANIFEST_UNKNOWN")
    assert_error(reg.delete(f"/v2/{uniq()}/manifests/{digest_of(b'x')}"), 404,
                 ("NAME_UNKNOWN", "MANIFEST_UNKNOWN"))


def test_delete_manifest_referenced_by_index_is_409(reg):
    repo = uniq()
    kid = push_image(reg, repo, None)
    idx = push_index(reg, repo, [kid], tag="multi")
    r = reg.delete(f"/v2/{repo}/manifests/{kid.digest}")
    assert r.status_code == 409, describe(r)
    check_pull(reg, repo, kid.digest, kid.body, OCI_MANIFEST)
    assert reg.delete(f"/v2/{repo}/manifests/{idx.digest}").status_code == 202
    assert reg.delete(f"/v2/{repo}/manifests/{kid.digest}").status_code == 202
    assert reg.get(f"/v2/{repo}/manifests/{kid.digest}").status_code == 404


def test_push_again_after_delete(reg):
    repo = uniq()
    img = push_image(reg, repo, "v1")
    assert reg.delete(f"/v2/{repo}/manifests/{img.digest}").status_code == 202
    check_put(put_manifest(reg, repo, "v1", img.body), repo, img.body)
    check_pull(reg, repo, "v1", img.body, OCI_MANIFEST)


# --- tags ---------------------------------------------------------------------------

def test_tag_move(reg):
    repo = uniq()
    first = push_image(reg, repo, "latest")
    second = push_image(reg, repo, "latest")
    assert first.digest != second.digest
    check_pull(reg, repo, "latest", second.body, OCI_MANIFEST)
    # the first manifest is still there by digest
    check_pull(reg, repo, first.digest, first.body, OCI_MANIFEST)
    assert tags_of(reg, repo) == ["latest"]


def test_tag_move_across_types(reg):
    repo = uniq()
    push_image(reg, repo, "x")
    kid = push_image(reg, repo, None)
    idx = push_index(reg, repo, [kid], tag="x")
    check_pull(reg, repo, "x", idx.body, OCI_INDEX)


def test_put_by_digest_does_not_tag(reg):
    repo = uniq()
    push_image(reg, repo, "v1")
    push_image(reg, repo, None)
    assert tags_of(reg, repo) == ["v1"]


def test_digest_covers_exact_bytes(reg):
    """Trailing newline and key order are part of the digest: no re-serialising."""
    repo = uniq()
    img = build_image(reg, repo)
    doc = json.loads(img.body)
    body = (json.dumps(dict(reversed(list(doc.items()))), separators=(",", ":")) + "\n").encode()
    r = put_manifest(reg, repo, "v1", body)
    check_put(r, repo, body)
    check_pull(reg, repo, "v1", body, OCI_MANIFEST)


def test_concurrent_pushes_to_one_tag(reg):
    repo = uniq()
    imgs = [build_image(reg, repo) for _ in range(6)]
    statuses = []

    def one(img):
        statuses.append(put_manifest(reg, repo, "race", img.body).status_code)

    threads = [threading.Thread(target=one, args=(i,)) for i in imgs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses == [201] * len(imgs), statuses
    r = reg.get(f"/v2/{repo}/manifests/race")
    assert r.status_code == 200 and r.content in [i.body for i in imgs], describe(r)
    assert tags_of(reg, repo) == ["race"]
    for img in imgs:
        check_pull(reg, repo, img.digest, img.body, OCI_MANIFEST)


def test_tag_of_manifest_referenced_by_index_can_be_deleted(reg):
    """The 409 protects the manifest, not its tags; a refused delete changes nothing."""
    repo = uniq()
    kid = push_image(reg, repo, "kidtag")
    push_index(reg, repo, [kid], tag="multi")
    r = reg.delete(f"/v2/{repo}/manifests/{kid.digest}")
    assert r.status_code == 409, describe(r)
    assert tags_of(reg, repo) == ["kidtag", "multi"]
    r = reg.delete(f"/v2/{repo}/manifests/kidtag")
    assert r.status_code == 202, describe(r)
    assert tags_of(reg, repo) == ["multi"]
    check_pull(reg, repo, kid.digest, kid.body, OCI_MANIFEST)


def test_same_manifest_in_two_repositories(reg):
    a, b = uniq(), uniq()
    cfg = config_blob()
    img = push_image(reg, a, "v1", config_data=cfg)
    for desc in [img.config] + img.layers:
        r = reg.post(f"/v2/{b}/blobs/uploads/", params={"mount": desc["digest"], "from": a})
        assert r.status_code == 201, describe(r)
    check_put(put_manifest(reg, b, "v1", img.body), b, img.body)
    assert reg.delete(f"/v2/{a}/manifests/{img.digest}").status_code == 202
    assert reg.get(f"/v2/{a}/manifests/v1").status_code == 404
    check_pull(reg, b, "v1", img.body, OCI_MANIFEST)
