"""Organizations and the current user through /api/v1 (spec §4.1, §9
behaviour 8) and the calls the Ansible collection makes first."""
import pytest

from apihelpers import (NAME_REGEX, add_to_team, anonymous, api, assert_api_error,  # noqa: F401
                        basic, create_org, create_repo, create_robot, describe, make_user,
                        registry_auth, uniq)


def test_get_user(api):
    r = api.admin.get("user/")
    assert r.status_code == 200, describe(r)
    doc = r.json()
    assert doc["username"] == api.admin_user
    assert doc["anonymous"] is False and doc["verified"] is True
    assert doc["super_user"] is True
    assert set(doc["avatar"]) == {"name", "hash", "color", "kind"}
    assert doc["avatar"]["kind"] == "user"
    # the trailing slash is optional; HTTP Basic is no API credential (spec §1)
    assert api.admin.get("/api/v1/user").status_code == 200
    assert basic(api, api.admin_user, api.admin_password).get("user/").status_code == 401
    u = make_user(api)
    assert u.get("user/").json()["super_user"] is False
    assert u.get("user/").json()["username"] == u.name


def test_get_user_anonymous_and_bad_token(api):
    assert_api_error(anonymous(api).get("user/"), 401, error_type="invalid_token")
    from apihelpers import bearer
    assert_api_error(bearer(api, "A" * 40).get("user/"), 401)


def test_robot_cannot_use_user_endpoints(api):
    org = create_org(api.admin)
    bot = create_robot(api.admin, org, "bot")
    r = basic(api, bot["name"], bot["token"]).get("user/")
    assert r.status_code in (401, 403), describe(r)


def test_create_org_and_view(api):
    u = make_user(api)
    name = uniq("org")
    r = u.post("organization/", {"name": name, "email": "ops@example.com"})
    assert r.status_code == 201, describe(r)
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == "Created"
    doc = u.get(f"organization/{name}").json()
    assert doc["name"] == name and doc["is_admin"] is True and doc["is_member"] is True
    assert doc["email"] == "ops@example.com"
    assert doc["avatar"]["kind"] == "org"
    # anyone may look; email hidden from non-admins
    anon = anonymous(api).get(f"organization/{name}")
    assert anon.status_code == 200
    assert anon.json()["is_admin"] is False and anon.json()["is_member"] is False
    assert anon.json()["email"] == ""
    other = make_user(api)
    assert other.get(f"organization/{name}").json()["is_member"] is False
    add_to_team(api, name, "readers", other.name)
    doc = other.get(f"organization/{name}").json()
    assert doc["is_member"] is True and doc["is_admin"] is False and doc["email"] == ""
    # the creator can create repositories and robots in it
    create_repo(u, name)
    create_robot(u, name, "bot")


def test_org_name_taken(api):
    u = make_user(api)
    name = create_org(u)
    for taken in (name, u.name, api.admin_user):
        r = u.post("organization/", {"name": taken})
        assert_api_error(r, 400, "A user or organization with this name already exists",
                         "invalid_request")


def test_unknown_org_404(api):
    assert_api_error(anonymous(api).get("organization/nope" + uniq()), 404,
                     error_type="not_found")


@pytest.mark.parametrize("body,fragment", [
    ({"name": "Bad"}, f"Invalid namespace Bad: Namespace must match expression {NAME_REGEX}"),
    ({"name": "a"}, "Invalid namespace a: Namespace must be between 2 and 255 characters"),
    ({"name": "ok-name", "email": "not-an-email"}, "Invalid email address: not-an-email"),
    ({"email": "a@b.co"}, "'name' is a required property"),
    ({"name": 7}, "'name' must be a string"),
])
def test_create_org_validation(api, body, fragment):
    r = api.admin.post("organization/", body)
    assert r.status_code == 400, describe(r)
    assert r.json()["error_message"].startswith(fragment), describe(r)


def test_create_org_bad_json(api):
    r = api.admin.post("organization/", data="{nope", headers={"Content-Type": "application/json"})
    assert_api_error(r, 400, error_type="invalid_request")
    r = api.admin.post("organization/")
    assert_api_error(r, 400)


def test_create_org_requires_auth(api):
    assert_api_error(anonymous(api).post("organization/", {"name": uniq()}), 401)


def test_delete_org(api):
    u = make_user(api)
    name = create_org(u)
    repo = create_repo(u, name)
    bot = create_robot(u, name, "bot")
    member = make_user(api)
    add_to_team(api, name, "readers", member.name)
    assert_api_error(member.delete(f"organization/{name}"), 403)
    assert_api_error(anonymous(api).delete(f"organization/{name}"), 401)
    r = u.delete(f"organization/{name}")
    assert r.status_code == 204 and r.content == b""
    assert_api_error(anonymous(api).get(f"organization/{name}"), 404)
    assert_api_error(api.admin.get(f"repository/{repo}"), 404)
    assert registry_auth(api, bot["name"], bot["token"]).status_code == 401
    # the name is free again, with nothing left over
    assert u.post("organization/", {"name": name}).status_code == 201
    assert api.admin.get(f"repository/{repo}").status_code == 404
    assert u.get(f"organization/{name}/robots").json() == {"robots": []}


def test_org_view_lists_teams_to_members_only(api):
    """Spec §4.1: members see `teams` and `ordered_teams`; outsiders do not."""
    org = create_org(api.admin)
    r = api.admin.put(f"organization/{org}/team/devs", {"role": "member", "description": "d"})
    assert r.status_code == 200, describe(r)
    dev, outsider = make_user(api), make_user(api)
    assert api.admin.put(f"organization/{org}/team/devs/members/{dev.name}").status_code == 200
    doc = api.admin.get(f"organization/{org}").json()
    assert set(doc["ordered_teams"]) == {"owners", "devs"}
    devs = doc["teams"]["devs"]
    assert devs["role"] == "member" and devs["description"] == "d"
    assert devs["member_count"] == 1 and devs["can_view"] is True
    assert set(devs) >= {"name", "description", "role", "avatar", "can_view", "repo_count",
                         "member_count", "is_synced"}
    mine = dev.get(f"organization/{org}").json()
    assert mine["is_member"] is True and mine["is_admin"] is False
    assert mine["teams"]["devs"]["can_view"] is True
    assert mine["teams"]["owners"]["can_view"] is False
    other = outsider.get(f"organization/{org}").json()
    assert other["is_member"] is False and "teams" not in other
