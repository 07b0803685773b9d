"""Referrers API (end-12a/12b): manifests whose `subject` names a digest."""
import pytest

from ocihelpers import (DUMMY_DIGEST, EMPTY_JSON, EMPTY_JSON_DIGEST, OCI_EMPTY, OCI_INDEX,
                        OCI_MANIFEST, assert_error, build_image, describe, descriptor,
                        digest_of, make_manifest, push_blob, push_image, push_index,
                        put_manifest, subject_of, uniq)
from ocihelpers import reg, wharf  # noqa: F401  (pytest fixtures)

TYPE_A = "application/vnd.nhl.peanut.butter.bagel"
TYPE_B = "application/vnd.nba.strawberry.jam.croissant"
TYPE_INDEX = "application/vnd.food.stand"
KEY = "org.opencontainers.conformance.test"
EMPTY_DESC = {"mediaType": OCI_EMPTY, "digest": EMPTY_JSON_DIGEST, "size": 2}


def referrers(w, repo, digest, **params):
    r = w.get(f"/v2/{repo}/referrers/{digest}", params=params)
    assert r.status_code == 200, describe(r)
    assert r.headers.get("Content-Type") == OCI_INDEX, describe(r)
    doc = r.json()
    assert doc.get("schemaVersion") == 2
    assert doc.get("mediaType") == OCI_INDEX
    assert isinstance(doc.get("manifests"), list)
    return r, doc["manifests"]


def push_artifact(w, repo, subject, artifact_type, annotation, via_config=False):
    """An artifact manifest with `subject`: artifactType in the artifactType
    field, or (via_config) as the config's mediaType as older clients do."""
    payload = f"{annotation} payload".encode()
    push_blob(w, repo, payload)
    push_blob(w, repo, EMPTY_JSON)
    if via_config:
        body = make_manifest(descriptor(artifact_type, payload), [EMPTY_DESC], subject=subject,
                             annotations={KEY: annotation})
    else:
        body = make_manifest(EMPTY_DESC, [descriptor(artifact_type, payload)], subject=subject,
                             artifact_type=artifact_type, annotations={KEY: annotation})
    d = digest_of(body)
    r = put_manifest(w, repo, d, body)
    assert r.status_code == 201, describe(r)
    if subject:
        assert r.headers.get("OCI-Subject") == subject["digest"]
    return d, body


@pytest.fixture(scope="module")
def scene(reg):
    """The conformance layout: a subject with A/B artifacts (both styles), an
    index artifact, and an artifact whose subject was never pushed."""
    repo = uniq("refs")
    base = push_image(reg, repo, "tagtest0")
    subj = subject_of(base)
    arts = {}
    arts[push_artifact(reg, repo, subj, TYPE_A, "test config a", via_config=True)[0]] = \
        (TYPE_A, "test config a")
    arts[push_artifact(reg, repo, subj, TYPE_A, "test layer a")[0]] = (TYPE_A, "test layer a")
    arts[push_artifact(reg, repo, subj, TYPE_B, "test config b", via_config=True)[0]] = \
        (TYPE_B, "test config b")
    arts[push_artifact(reg, repo, subj, TYPE_B, "test layer b")[0]] = (TYPE_B, "test layer b")
    kid = push_image(reg, repo, None)
    idx = push_index(reg, repo, [kid], subject=subj, artifact_type=TYPE_INDEX,
                     annotations={KEY: "test index"})
    arts[idx.digest] = (TYPE_INDEX, "test index")
    missing = {"mediaType": OCI_MANIFEST, "digest": digest_of(b"never pushed"), "size": 12}
    orphan, _ = push_artifact(reg, repo, missing, TYPE_B, "test layer c")
    return {"repo": repo, "base": base, "arts": arts, "missing": missing["digest"],
            "orphan": orphan}


def test_no_referrers_is_empty_index(reg, scene):
    r, manifests = referrers(reg, scene["repo"], DUMMY_DIGEST)
    assert manifests == []


def test_no_referrers_for_manifest_without_any(reg):
    repo = uniq()
    img = push_image(reg, repo, "v1")
    _, manifests = referrers(reg, repo, img.digest)
    assert manifests == []


def test_referrers_listed_with_artifact_type_and_annotations(reg, scene):
    _, manifests = referrers(reg, scene["repo"], scene["base"].digest)
    got = {m["digest"]: m for m in manifests}
    assert set(got) == set(scene["arts"]), manifests
    for d, (atype, note) in scene["arts"].items():
        m = got[d]
        assert m["artifactType"] == atype, m
        assert m.get("annotations") == {KEY: note}, m
        assert m["mediaType"] in (OCI_MANIFEST, OCI_INDEX)
        assert m["size"] > 0
    index_digest = [d for d, v in scene["arts"].items() if v[0] == TYPE_INDEX][0]
    assert got[index_digest]["mediaType"] == OCI_INDEX


def test_descriptor_sizes_and_digests_match_manifests(reg, scene):
    _, manifests = referrers(reg, scene["repo"], scene["base"].digest)
    for m in manifests:
        r = reg.get(f"/v2/{scene['repo']}/manifests/{m['digest']}",
                    headers={"Accept": m["mediaType"]})
        assert r.status_code == 200, describe(r)
        assert len(r.content) == m["size"]
        assert digest_of(r.content) == m["digest"]


def test_artifact_type_filter(reg, scene):
    r, manifests = referrers(reg, scene["repo"], scene["base"].digest, artifactType=TYPE_A)
    assert r.headers.get("OCI-Filters-Applied") == "artifactType", describe(r)
    expected = {d for d, v in scene["arts"].items() if v[0] == TYPE_A}
    assert {m["digest"] for m in manifests} == expected
    assert len(manifests) == 2
    for m in manifests:
        assert m["artifactType"] == TYPE_A
        assert m["annotations"][KEY] == scene["arts"][m["digest"]][1]


def test_artifact_type_filter_without_match(reg, scene):
    r, manifests = referrers(reg, scene["repo"], scene["base"].digest,
                             artifactType="application/x.none")
    assert r.headers.get("OCI-Filters-Applied") == "artifactType"
    assert manifests == []


def test_referrers_of_subject_never_pushed(reg, scene):
    """Conformance: GET referrers of a missing manifest -> 200 with the artifact."""
    _, manifests = referrers(reg, scene["repo"], scene["missing"])
    assert [m["digest"] for m in manifests] == [scene["orphan"]]
    assert manifests[0]["artifactType"] == TYPE_B


def test_referrers_are_per_repository(reg, scene):
    other = uniq()
    push_image(reg, other, "v1")
    _, manifests = referrers(reg, other, scene["base"].digest)
    assert manifests == []


def test_deleted_referrer_disappears(reg):
    repo = uniq()
    base = push_image(reg, repo, "v1")
    d1, _ = push_artifact(reg, repo, subject_of(base), TYPE_A, "one")
    d2, _ = push_artifact(reg, repo, subject_of(base), TYPE_B, "two")
    _, manifests = referrers(reg, repo, base.digest)
    assert {m["digest"] for m in manifests} == {d1, d2}
    assert reg.delete(f"/v2/{repo}/manifests/{d1}").status_code == 202
    _, manifests = referrers(reg, repo, base.digest)
    assert [m["digest"] for m in manifests] == [d2]


def test_referrer_pushed_before_subject(reg):
    repo = uniq()
    base = build_image(reg, repo)
    d, _ = push_artifact(reg, repo, subject_of(base), TYPE_A, "early")
    r = put_manifest(reg, repo, "v1", base.body)
    assert r.status_code == 201, describe(r)
    _, manifests = referrers(reg, repo, base.digest)
    assert [m["digest"] for m in manifests] == [d]


def test_artifact_with_subject_pushed_by_tag(reg):
    repo = uniq()
    base = push_image(reg, repo, "v1")
    push_blob(reg, repo, EMPTY_JSON)
    body = make_manifest(EMPTY_DESC, [EMPTY_DESC], subject=subject_of(base),
                         artifact_type=TYPE_A)
    r = put_manifest(reg, repo, "sig", body)
    assert r.status_code == 201, describe(r)
    assert r.headers.get("OCI-Subject") == base.digest
    _, manifests = referrers(reg, repo, base.digest)
    assert [m["digest"] for m in manifests] == [digest_of(body)]
    # an artifact without annotations lists none (or an empty map)
    assert manifests[0].get("annotations") in (None, {})


@pytest.mark.parametrize("bad", ["sha256:nothex", "notadigest", "sha256:" + "a" * 10])
def test_referrers_with_invalid_digest_is_400(reg, scene, bad):
    r = reg.get(f"/v2/{scene['repo']}/referrers/{bad}")
    assert_error(r, 400, ("DIGEST_INVALID", "MANIFEST_INVALID", "UNSUPPORTED"))


def test_referrers_in_unknown_repository(reg):
    r = reg.get(f"/v2/{uniq()}/referrers/{DUMMY_DIGEST}")
    if r.status_code == 200:
        assert r.json()["manifests"] == []
    else:
        assert_error(r, 404, "NAME_UNKNOWN")


def test_subject_with_referrers_can_be_deleted(reg):
    """Conformance teardown deletes the subject while its referrers still
    exist and accepts only 2xx/404/405: referrers do not pin their subject."""
    repo = uniq()
    base = push_image(reg, repo, "v1")
    d, _ = push_artifact(reg, repo, subject_of(base), TYPE_A, "pin?")
    r = reg.delete(f"/v2/{repo}/manifests/{base.digest}")
    assert r.status_code == 202, describe(r)
    assert reg.get(f"/v2/{repo}/manifests/{base.digest}").status_code == 404
    r = reg.get(f"/v2/{repo}/manifests/{d}")
    assert r.status_code == 200, describe(r)
    referrers(reg, repo, base.digest)  # still a valid (possibly empty) index
    assert reg.delete(f"/v2/{repo}/manifests/{d}").status_code == 202


def test_artifact_type_filter_with_plus_sign(reg):
    """Media types like application/spdx+json, sent %2B-encoded as Go clients do
    (a raw '+' means a space in form encoding, as Go servers read it)."""
    repo = uniq()
    base = push_image(reg, repo, "v1")
    d, _ = push_artifact(reg, repo, subject_of(base), "application/spdx+json", "sbom")
    push_artifact(reg, repo, subject_of(base), TYPE_A, "other")
    r, manifests = referrers(reg, repo, base.digest, artifactType="application/spdx+json")
    assert [m["digest"] for m in manifests] == [d], describe(r)
