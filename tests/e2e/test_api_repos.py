"""Repositories through /api/v1 (spec §4.3) and the calls quay_repository
makes (quay-clients.md)."""
import email.utils
import re
import time

import pytest
import requests

from apihelpers import (add_to_team, anonymous, api, assert_api_error, create_org,  # noqa: F401
                        create_repo, create_robot, describe, make_user, uniq)
from ocihelpers import push_image, push_index


def test_create_get_update_visibility_delete(api):
    org = create_org(api.admin)
    body = {"namespace": org, "repository": "my-app", "repo_kind": "image",
            "description": "", "visibility": "private"}
    r = api.admin.post("repository", body)
    assert r.status_code == 201, describe(r)
    assert r.json() == {"namespace": org, "name": "my-app", "kind": "image"}
    assert_api_error(api.admin.post("repository", body), 400, "Repository already exists")
    g = api.admin.get(f"repository/{org}/my-app")
    assert g.status_code == 200
    doc = g.json()
    for k, v in {"namespace": org, "name": "my-app", "description": "", "is_public": False,
                 "kind": "image", "can_write": True, "can_admin": True, "tags": {},
                 "state": "NORMAL", "is_starred": False}.items():
        assert doc[k] == v, (k, doc)
    u = api.admin.put(f"repository/{org}/my-app", {"description": "hello"})
    assert u.status_code == 200 and u.json() == {"success": True}
    assert api.admin.get(f"repository/{org}/my-app").json()["description"] == "hello"
    v = api.admin.post(f"repository/{org}/my-app/changevisibility", {"visibility": "public"})
    assert v.status_code == 200 and v.json() == {"success": True}
    assert anonymous(api).get(f"repository/{org}/my-app").json()["is_public"] is True
    assert anonymous(api).get(f"repository/{org}/my-app").json()["can_write"] is False
    api.admin.post(f"repository/{org}/my-app/changevisibility", {"visibility": "private"})
    assert_api_error(anonymous(api).get(f"repository/{org}/my-app"), 401)
    d = api.admin.delete(f"repository/{org}/my-app")
    assert d.status_code == 204 and d.content == b""
    assert_api_error(api.admin.get(f"repository/{org}/my-app"), 404)


def image_size(img):
    """Bytes of the blobs an Image references (config and layers)."""
    return img.config["size"] + sum(layer["size"] for layer in img.layers)


def test_tags_shown(api):
    org = create_org(api.admin)
    repo = create_repo(api.admin, org)
    before = time.time()
    img = push_image(api, repo, tag="v1", nlayers=2)
    tags = api.admin.get(f"repository/{repo}").json()["tags"]
    assert set(tags) == {"v1"}
    v1 = tags["v1"]
    assert set(v1) == {"name", "manifest_digest", "size", "last_modified"}, v1
    assert v1["name"] == "v1" and v1["manifest_digest"] == img.digest
    assert v1["size"] == image_size(img) and v1["size"] > 256
    # Quay's format_date: RFC 2822 in UTC with a "-0000" zone
    assert re.fullmatch(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|"
                        r"Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d -0000", v1["last_modified"])
    when = email.utils.parsedate_to_datetime(v1["last_modified"]).timestamp()
    assert before - 2 <= when <= time.time() + 2
    assert "tags" not in api.admin.get(f"repository/{repo}", params={"includeTags": "false"}).json()


def test_tags_shown_index_and_empty(api):
    """An index's size is its children's; a manifest without blobs has size null."""
    org = create_org(api.admin)
    repo = create_repo(api.admin, org)
    a = push_image(api, repo, nlayers=1)
    b = push_image(api, repo, nlayers=3)
    idx = push_index(api, repo, [a, b], tag="multi")
    tags = api.admin.get(f"repository/{repo}").json()["tags"]
    assert tags["multi"]["manifest_digest"] == idx.digest
    assert tags["multi"]["size"] == image_size(a) + image_size(b)
    empty = push_index(api, repo, [], tag="empty")
    tags = api.admin.get(f"repository/{repo}").json()["tags"]
    assert tags["empty"]["manifest_digest"] == empty.digest and tags["empty"]["size"] is None
    assert set(tags) == {"multi", "empty"}


@pytest.mark.parametrize("body,status", [
    ({"repository": "Bad", "visibility": "private"}, 400),
    ({"repository": "a//b", "visibility": "private"}, 400),
    ({"repository": "-x", "visibility": "private"}, 400),
    ({"repository": "ok", "visibility": "secret"}, 400),
    ({"repository": "ok"}, 400),
    ({"visibility": "public"}, 400),
    ({"repository": "ok", "visibility": "public", "description": 3}, 400),
    ({"repository": "ok", "visibility": "public", "repo_kind": "application"}, 400),
])
def test_create_validation(api, body, status):
    org = create_org(api.admin)
    body = dict(body, namespace=org)
    r = api.admin.post("repository", body)
    assert_api_error(r, status, error_type="invalid_request")


def test_create_permission(api):
    org = create_org(api.admin)
    u = make_user(api)
    # not a member of org: 403
    r = u.post("repository", {"namespace": org, "repository": "x", "visibility": "private"})
    assert_api_error(r, 403, "Unauthorized")
    # a plain member cannot create either; a creator-team member can
    add_to_team(api, org, "members", u.name, role=1)
    r = u.post("repository", {"namespace": org, "repository": "x", "visibility": "private"})
    assert r.status_code == 403
    add_to_team(api, org, "creators", u.name, role=2)
    r = u.post("repository", {"namespace": org, "repository": "x", "visibility": "private"})
    assert r.status_code == 201, describe(r)
    # the creator holds explicit admin on it (so keeps it if the team changes)
    perms = u.get(f"repository/{org}/x/permissions/user/").json()["permissions"]
    assert perms[u.name]["role"] == "admin"
    # own namespace by default, no explicit row needed there
    r = u.post("repository", {"repository": "mine", "visibility": "public"})
    assert r.status_code == 201 and r.json()["namespace"] == u.name
    assert u.get(f"repository/{u.name}/mine/permissions/user/").json() == {"permissions": {}}
    # another user's namespace: 403
    other = make_user(api)
    r = other.post("repository", {"namespace": u.name, "repository": "y", "visibility": "public"})
    assert r.status_code == 403
    assert_api_error(anonymous(api).post("repository", {"repository": "z",
                                                        "visibility": "public"}), 401)


def test_write_and_admin_levels(api):
    org = create_org(api.admin)
    repo = create_repo(api.admin, org)
    reader, writer = make_user(api), make_user(api)
    api.admin.put(f"repository/{repo}/permissions/user/{reader.name}", {"role": "read"})
    api.admin.put(f"repository/{repo}/permissions/user/{writer.name}", {"role": "write"})
    doc = reader.get(f"repository/{repo}").json()
    assert doc["can_write"] is False and doc["can_admin"] is False
    assert_api_error(reader.put(f"repository/{repo}", {"description": "x"}), 403)
    assert writer.put(f"repository/{repo}", {"description": "x"}).status_code == 200
    assert_api_error(writer.delete(f"repository/{repo}"), 403)
    assert_api_error(writer.post(f"repository/{repo}/changevisibility",
                                 {"visibility": "public"}), 403)
    assert_api_error(writer.put(f"repository/{repo}", {"description": 5}), 400)
    assert_api_error(writer.put(f"repository/{repo}", {}), 400)


def test_list_filters_to_readable(api):
    org = create_org(api.admin)
    a = create_repo(api.admin, org, "a")
    create_repo(api.admin, org, "b")
    create_repo(api.admin, org, "c", visibility="public")
    u = make_user(api)
    api.admin.put(f"repository/{a}/permissions/user/{u.name}", {"role": "read"})
    names = [x["name"] for x in u.get("repository", params={"namespace": org})
             .json()["repositories"]]
    assert names == ["a", "c"]
    everything = api.admin.get("repository", params={"namespace": org}).json()["repositories"]
    assert [x["name"] for x in everything] == ["a", "b", "c"]
    for x in everything:
        assert set(x) >= {"namespace", "name", "description", "is_public", "kind", "state"}
    assert_api_error(u.get("repository"), 400)
    assert u.get("repository", params={"starred": "true"}).json() == {"repositories": []}
    pub = u.get("repository", params={"public": "true"}).json()["repositories"]
    assert sorted(x["name"] for x in pub if x["namespace"] == org) == ["a", "c"]
    assert_api_error(anonymous(api).get("repository", params={"namespace": org}), 401)


def test_list_pages(api):
    org = create_org(api.admin)
    for i in range(105):
        create_repo(api.admin, org, f"r{i:03d}")
    first = api.admin.get("repository", params={"namespace": org}).json()
    assert len(first["repositories"]) == 100 and "next_page" in first
    second = api.admin.get("repository", params={"namespace": org,
                                                  "next_page": first["next_page"]}).json()
    assert [x["name"] for x in second["repositories"]] == [f"r{i:03d}" for i in range(100, 105)]
    assert "next_page" not in second


def test_ansible_minimum_flow(api):
    """quay-clients.md 'Minimum server': org, robot, repo, robot read grant."""
    org = uniq("acme")
    a = api.admin
    assert a.get(f"organization/{org}").status_code == 404
    assert a.post("organization/", {"name": org}).status_code == 201
    assert a.get("user/").json()["username"] == a.name
    assert a.get(f"organization/{org}").status_code == 200
    assert a.get(f"organization/{org}/robots/cicd_puller").status_code in (400, 404)
    r = a.put(f"organization/{org}/robots/cicd_puller", {"description": "pulls"})
    assert r.status_code == 201 and {"name", "token"} <= set(r.json())
    assert a.get(f"repository/{org}/my-app").status_code == 404
    assert a.post("repository", {"namespace": org, "repository": "my-app", "repo_kind": "image",
                                 "description": "", "visibility": "private"}).status_code == 201
    g = a.get(f"repository/{org}/my-app/permissions/user/")
    assert g.status_code == 200
    p = a.put(f"repository/{org}/my-app/permissions/user/{org}+cicd_puller", {"role": "read"})
    assert p.status_code == 200
    perms = a.get(f"repository/{org}/my-app/permissions/user/").json()["permissions"]
    assert perms[f"{org}+cicd_puller"]["role"] == "read"
    assert a.post(f"organization/{org}/robots/cicd_puller/regenerate").status_code == 200
    assert a.delete(f"organization/{org}/robots/cicd_puller").status_code == 204
    perms = a.get(f"repository/{org}/my-app/permissions/user/").json()["permissions"]
    assert f"{org}+cicd_puller" not in perms


def test_bodies_over_the_cap_are_refused(api):
    org = create_org(api.admin)
    huge = "x" * (2 << 20)
    r = api.admin.put(f"organization/{org}/robots/big", {"description": "d",
                                                          "unstructured_metadata": {"k": huge}})
    assert r.status_code in (400, 413), describe(r)
    assert api.admin.get(f"organization/{org}/robots/big").status_code == 400
    r = requests.get(api.url + "/v2/", timeout=10)
    assert r.status_code in (200, 401)
