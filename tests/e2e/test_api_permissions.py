"""Repository user permissions through /api/v1 (spec §3, §9 behaviour 7)."""
import pytest
import requests

from apihelpers import (add_to_team, anonymous, api, assert_api_error, assert_message,  # noqa: F401
                        create_org, create_repo, create_robot, describe, make_user, uniq)

NO_PERM = "User does not have permission for repo."


def perm_path(repo, user=""):
    return f"repository/{repo}/permissions/user/{user}"


def test_grant_change_list_delete(api):
    org = create_org(api.admin)
    repo = create_repo(api.admin, org, "app")        # "acme/app": {repository} spans segments
    bot = create_robot(api.admin, org, "puller")
    u = make_user(api)
    r = api.admin.put(perm_path(repo, bot["name"]), {"role": "read"})
    assert r.status_code == 200, describe(r)
    doc = r.json()
    assert doc["role"] == "read" and doc["name"] == bot["name"] and doc["is_robot"] is True
    assert doc["is_org_member"] is True
    assert doc["avatar"]["kind"] == "robot"
    r = api.admin.put(perm_path(repo, u.name), {"role": "write"})
    assert r.status_code == 200
    assert r.json()["is_robot"] is False and r.json()["is_org_member"] is False
    add_to_team(api, org, "readers", u.name)
    assert api.admin.get(perm_path(repo, u.name)).json()["is_org_member"] is True
    # change
    r = api.admin.put(perm_path(repo, bot["name"]), {"role": "admin"})
    assert r.json()["role"] == "admin"
    # list: an object keyed by name (the creator's explicit admin row included)
    lst = api.admin.get(perm_path(repo))
    assert lst.status_code == 200
    perms = lst.json()["permissions"]
    assert isinstance(perms, dict)
    assert perms[bot["name"]]["role"] == "admin"
    assert perms[u.name]["role"] == "write"
    assert all(v["name"] == k for k, v in perms.items())
    # without the trailing slash too
    assert api.admin.get(f"repository/{repo}/permissions/user").json()["permissions"] == perms
    # single GET
    g = api.admin.get(perm_path(repo, u.name))
    assert g.status_code == 200 and g.json()["role"] == "write"
    # delete
    d = api.admin.delete(perm_path(repo, u.name))
    assert d.status_code == 204 and d.content == b""
    assert_message(api.admin.get(perm_path(repo, u.name)), NO_PERM)
    assert_message(api.admin.delete(perm_path(repo, u.name)), NO_PERM)
    assert_message(api.admin.delete(perm_path(repo, "nosuchuser")), NO_PERM)
    assert u.name not in api.admin.get(perm_path(repo)).json()["permissions"]


def test_nested_repository_names_route(api):
    org = create_org(api.admin)
    repo = create_repo(api.admin, org, "team/sub/app")
    bot = create_robot(api.admin, org)
    r = api.admin.put(perm_path(repo, bot["name"]), {"role": "read"})
    assert r.status_code == 200, describe(r)
    assert bot["name"] in api.admin.get(perm_path(repo)).json()["permissions"]
    assert api.admin.get(f"repository/{repo}").json()["name"] == "team/sub/app"


def test_foreign_robot_and_owner_and_unknown(api):
    org = create_org(api.admin)
    other = create_org(api.admin)
    repo = create_repo(api.admin, org)
    foreign = create_robot(api.admin, other, "spy")
    assert_message(api.admin.put(perm_path(repo, foreign["name"]), {"role": "read"}),
                   f"Cannot add robot {foreign['name']} under namespace {org}")
    assert foreign["name"] not in api.admin.get(perm_path(repo)).json()["permissions"]
    ghost = uniq("ghost")
    assert_message(api.admin.put(perm_path(repo, ghost), {"role": "read"}),
                   f"Invalid username: {ghost}")
    assert_message(api.admin.put(perm_path(repo, f"{org}+ghost"), {"role": "read"}),
                   f"Invalid username: {org}+ghost")
    # an org is not a grantee
    assert_message(api.admin.put(perm_path(repo, other), {"role": "read"}),
                   f"Invalid username: {other}")
    # user namespace: the owner must stay admin
    u = make_user(api)
    mine = create_repo(u, u.name)
    assert_message(u.put(perm_path(mine, u.name), {"role": "read"}),
                   "Namespace owner must always be admin.")
    assert_message(u.delete(perm_path(mine, u.name)), "Namespace owner must always be admin.")


def test_user_namespace_has_no_is_org_member(api):
    u = make_user(api)
    repo = create_repo(u, u.name)
    r = u.put("user/robots/mybot")
    assert r.status_code == 201
    g = u.put(perm_path(repo, f"{u.name}+mybot"), {"role": "write"})
    assert g.status_code == 200, describe(g)
    assert "is_org_member" not in g.json()
    other = make_user(api)
    g = u.put(perm_path(repo, other.name), {"role": "read"})
    assert "is_org_member" not in g.json()
    assert set(u.get(perm_path(repo)).json()["permissions"]) == {f"{u.name}+mybot", other.name}
    # another user's robot is refused
    other.put("user/robots/theirs")
    assert_message(u.put(perm_path(repo, f"{other.name}+theirs"), {"role": "read"}),
                   f"Cannot add robot {other.name}+theirs under namespace {u.name}")


@pytest.mark.parametrize("body", [{}, {"role": "owner"}, {"role": 1}, {"role": None}, None])
def test_bad_role_400(api, body):
    org = create_org(api.admin)
    repo = create_repo(api.admin, org)
    bot = create_robot(api.admin, org)
    r = api.admin.put(perm_path(repo, bot["name"]), body)
    assert_api_error(r, 400, error_type="invalid_request")


def test_who_may_manage_permissions(api):
    org = create_org(api.admin)
    repo = create_repo(api.admin, org)
    bot = create_robot(api.admin, org)
    writer = make_user(api)
    api.admin.put(perm_path(repo, writer.name), {"role": "write"})
    assert_api_error(writer.get(perm_path(repo)), 403, "Unauthorized")
    assert_api_error(writer.put(perm_path(repo, bot["name"]), {"role": "read"}), 403)
    assert_api_error(anonymous(api).get(perm_path(repo)), 401)
    repo_admin = make_user(api)
    api.admin.put(perm_path(repo, repo_admin.name), {"role": "admin"})
    assert repo_admin.put(perm_path(repo, bot["name"]), {"role": "read"}).status_code == 200
    # an org admin (owners team) manages every repository of the org
    owner = make_user(api)
    add_to_team(api, org, "owners", owner.name, role=3)
    assert owner.get(perm_path(repo)).status_code == 200


def test_permission_takes_effect_on_v2(api):
    org = create_org(api.admin)
    repo = create_repo(api.admin, org)
    bot = create_robot(api.admin, org)
    auth = (bot["name"], bot["token"])
    url = f"{api.url}/v2/{repo}/tags/list"
    assert requests.get(url, auth=auth, timeout=30).status_code in (401, 403, 404)
    api.admin.put(perm_path(repo, bot["name"]), {"role": "read"})
    assert requests.get(url, auth=auth, timeout=30).status_code == 200
    api.admin.delete(perm_path(repo, bot["name"]))
    assert requests.get(url, auth=auth, timeout=30).status_code in (401, 403, 404)
