"""Accounts: the first user of an empty registry (POST user/initialize, as
the Ansible collection's quay_first_user calls it), user management by
superusers (superuser/users), and entity search (entities/{prefix})."""
import pytest
import requests

from apihelpers import (add_to_team, anonymous, api, assert_api_error, assert_message,  # noqa: F401
                        basic, bearer, create_org, create_repo, create_robot, describe,
                        make_user, registry_auth, signed_in, uniq)
from conftest import Wharf

NON_EMPTY = "Cannot initialize user in a non-empty database"
ALL = "org:admin repo:admin repo:create repo:read repo:write super:user user:admin user:read"


@pytest.fixture
def empty(tmp_path):
    """A wharf whose database has no user at all (no bootstrap)."""
    w = Wharf(tmp_path / "empty", ["--shutdown-grace", "2"])
    w.admin_user = ""  # tells start() not to bootstrap
    w.start()
    yield w
    w.stop()


def init(w, body):
    return requests.post(w.url + "/api/v1/user/initialize", json=body, timeout=60)


# --- user/initialize ------------------------------------------------------------------

def test_initialize_once(empty):
    # invalid input leaves the database empty
    assert_message(init(empty, {"username": "A!", "password": "pw-pw-pw-pw"}),
                   "Invalid namespace A!: Namespace must match expression "
                   "^([a-z0-9]+(?:[._-][a-z0-9]+)*)$")
    assert_api_error(init(empty, {"username": "first"}), 400)
    r = init(empty, {"username": "first", "password": "correct horse", "email": "f@example.com",
                     "access_token": True})
    assert r.status_code == 200, describe(r)
    doc = r.json()
    assert set(doc) == {"username", "email", "encrypted_password", "access_token"}
    assert doc["username"] == "first" and doc["email"] == "f@example.com"
    assert len(doc["access_token"]) == 40
    # the token has every scope and the user is a superuser
    tok = bearer(empty, doc["access_token"])
    me = tok.get("user/")
    assert me.status_code == 200 and me.json()["super_user"] is True
    assert tok.get("superuser/users/").status_code == 200
    assert tok.post("organization/", {"name": uniq("org")}).status_code == 201
    # password and encrypted password both log in (docker login)
    assert registry_auth(empty, "first", "correct horse").status_code == 200
    assert registry_auth(empty, "first", doc["encrypted_password"]).status_code == 200
    assert registry_auth(empty, "first", doc["encrypted_password"] + "x").status_code == 401
    assert signed_in(empty, "first", "correct horse").get("user/").status_code == 200
    # once only
    for body in ({"username": "second", "password": "pw-pw-pw-pw"},
                 {"username": "first", "password": "x", "access_token": True}):
        assert_message(init(empty, body), NON_EMPTY)
    assert doc["access_token"] not in empty.read_log()
    assert "correct horse" not in empty.read_log()


def test_initialize_without_token(empty):
    r = init(empty, {"username": "root", "password": "pw-pw-pw-pw", "access_token": False})
    assert r.status_code == 200, describe(r)
    assert "access_token" not in r.json() and r.json()["email"] is None
    assert_message(init(empty, {"username": "x", "password": "y"}), NON_EMPTY)


def test_initialize_refused_after_bootstrap(api):
    assert_message(init(api, {"username": uniq("u"), "password": "pw-pw-pw-pw",
                              "access_token": True}), NON_EMPTY)


# --- superuser/users -------------------------------------------------------------------

def test_create_user(api):
    name = uniq("u")
    r = api.admin.post("superuser/users/", {"username": name, "email": f"{name}@example.com"})
    assert r.status_code == 200, describe(r)
    doc = r.json()
    assert set(doc) == {"username", "email", "password", "encrypted_password"}
    assert doc["username"] == name and len(doc["password"]) >= 16
    assert registry_auth(api, name, doc["password"]).status_code == 200
    assert registry_auth(api, name, doc["encrypted_password"]).status_code == 200
    me = signed_in(api, name, doc["password"]).get("user/").json()
    assert me["username"] == name and me["super_user"] is False
    assert doc["password"] not in api.read_log()
    # taken names (users, orgs, robots alike), bad names and emails
    assert_message(api.admin.post("superuser/users/", {"username": name}),
                   f"Username has already been taken: {name}")
    org = create_org(api.admin)
    assert api.admin.post("superuser/users/", {"username": org}).status_code == 400
    assert api.admin.post("superuser/users/", {"username": "Bad Name"}).status_code == 400
    assert api.admin.post("superuser/users/", {"username": uniq("u"),
                                               "email": "not-an-email"}).status_code == 400
    assert_api_error(api.admin.post("superuser/users/", {}), 400)
    # email is optional
    r = api.admin.post("superuser/users/", {"username": uniq("u")})
    assert r.status_code == 200 and r.json()["email"] is None


def test_superuser_routes_need_superuser(api):
    plain = make_user(api)
    for method, path, body in (("GET", "superuser/users/", None),
                               ("POST", "superuser/users/", {"username": uniq("u")}),
                               ("GET", f"superuser/users/{plain.name}", None),
                               ("PUT", f"superuser/users/{plain.name}", {"enabled": False}),
                               ("DELETE", f"superuser/users/{plain.name}", None)):
        assert_api_error(plain.request(method, path, json_body=body), 403)
        assert_api_error(anonymous(api).request(method, path, json_body=body), 401)
    # a superuser's token without super:user is capped too
    org = create_org(api.admin)
    app = api.admin.post(f"organization/{org}/applications", {"name": "a"}).json()
    tok = api.admin.post(f"organization/{org}/applications/{app['client_id']}/tokens",
                         {"name": "t", "scope": "user:admin org:admin"}).json()["token"]
    assert_api_error(bearer(api, tok).get("superuser/users/"), 403)
    assert plain.get("user/").status_code == 200


def test_list_get_put_users(api):
    name = uniq("u")
    api.admin.post("superuser/users/", {"username": name, "email": f"{name}@example.com"})
    users = api.admin.get("superuser/users/").json()["users"]
    mine = [u for u in users if u["username"] == name]
    assert len(mine) == 1
    u = mine[0]
    assert u == {"kind": "user", "name": name, "username": name, "email": f"{name}@example.com",
                 "verified": True, "avatar": u["avatar"], "super_user": False, "enabled": True,
                 "last_accessed": None}  # wharf extension: never authenticated yet
    assert any(x["username"] == api.admin_user and x["super_user"] for x in users)
    # orgs and robots are not users
    org = create_org(api.admin)
    create_robot(api.admin, org)
    names = {x["username"] for x in api.admin.get("superuser/users/").json()["users"]}
    assert org not in names and not any("+" in n for n in names)

    assert api.admin.get(f"superuser/users/{name}").json() == u
    assert_api_error(api.admin.get("superuser/users/nobody-" + uniq()), 404)
    assert_api_error(api.admin.get(f"superuser/users/{org}"), 404)

    r = api.admin.put(f"superuser/users/{name}", {"email": "new@example.com", "enabled": False,
                                                   "password": "another password"})
    assert r.status_code == 200, describe(r)
    doc = r.json()
    assert doc["email"] == "new@example.com" and doc["enabled"] is False
    assert "encrypted_password" in doc
    assert registry_auth(api, name, "another password").status_code == 401  # disabled
    active = {x["username"] for x in api.admin.get("superuser/users/",
                                                   params={"disabled": "false"}).json()["users"]}
    assert name not in active
    assert api.admin.put(f"superuser/users/{name}", {"enabled": True}).status_code == 200
    assert registry_auth(api, name, "another password").status_code == 200
    assert registry_auth(api, name, doc["encrypted_password"]).status_code == 200
    # promote; then it is a superuser, which Quay will not update any more
    r = api.admin.put(f"superuser/users/{name}", {"superuser": True})
    assert r.status_code == 200 and r.json()["super_user"] is True
    assert_api_error(api.admin.put(f"superuser/users/{name}", {"superuser": False}), 400,
                     "Cannot update a superuser")
    assert_api_error(api.admin.put(f"superuser/users/{api.admin_user}", {"enabled": False}), 400)
    assert api.admin.put(f"superuser/users/{uniq('u')}", {"enabled": False}).status_code == 404


def test_delete_user(api):
    name = uniq("u")
    pw = api.admin.post("superuser/users/", {"username": name}).json()["password"]
    user = signed_in(api, name, pw)
    repo = create_repo(user, name)
    org = create_org(user)
    r = api.admin.delete(f"superuser/users/{name}")
    assert r.status_code == 204 and r.content == b""
    assert registry_auth(api, name, pw).status_code == 401
    assert_api_error(api.admin.get(f"superuser/users/{name}"), 404)
    assert_api_error(api.admin.get(f"repository/{repo}"), 404)
    assert_api_error(api.admin.delete(f"superuser/users/{name}"), 404)
    # the org it created stays (other admins may exist), the name is free again
    assert api.admin.get(f"organization/{org}").status_code == 200
    assert api.admin.post("superuser/users/", {"username": name}).status_code == 200
    # superusers are not deleted this way
    assert_api_error(api.admin.delete(f"superuser/users/{api.admin_user}"), 400,
                     "Cannot delete a superuser")


# --- entities ---------------------------------------------------------------------------

def names(resp):
    assert resp.status_code == 200, describe(resp)
    return [e["name"] for e in resp.json()["results"]]


def test_entities_users(api):
    base = uniq("ent")
    for suffix in ("", "a", "b"):
        api.admin.post("superuser/users/", {"username": base + suffix})
    org = create_org(api.admin, base + "org")
    r = api.admin.get(f"entities/{base}")
    assert names(r) == [base, base + "a", base + "b"]
    e = r.json()["results"][0]
    assert e["kind"] == "user" and e["is_robot"] is False
    assert set(e["avatar"]) == {"name", "hash", "color", "kind"}
    # what the Ansible collection sends; prefixes are folded like Quay's
    assert names(api.admin.get(f"entities/{base}a", params={"includeOrgs": "False",
                                                            "includeTeams": "False"})) == [base + "a"]
    assert names(api.admin.get(f"entities/{base.upper()}B")) == [base + "b"]
    assert org not in names(api.admin.get(f"entities/{base}"))
    assert names(api.admin.get("entities/zz-" + uniq())) == []
    assert_api_error(anonymous(api).get(f"entities/{base}"), 401)


def test_entities_robots_only_for_admins(api):
    owner = make_user(api)
    org = create_org(owner)
    bot = create_robot(owner, org, "builder")
    member = make_user(api)
    add_to_team(api, org, "readers", member.name)
    q = {"namespace": org, "includeTeams": "true", "includeOrgs": "true"}
    res = owner.get("entities/b", params=q).json()["results"]
    robots = [e for e in res if e["name"] == bot["name"]]
    assert robots and robots[0]["kind"] == "user" and robots[0]["is_robot"] is True
    assert robots[0]["is_org_member"] is True
    # a member sees teams but not robots; an outsider neither
    assert bot["name"] not in names(member.get("entities/b", params=q))
    assert "readers" in names(member.get("entities/r", params=q))
    outsider = make_user(api)
    assert bot["name"] not in names(outsider.get("entities/b", params=q))
    assert "readers" not in names(outsider.get("entities/r", params=q))
    # the org itself for its admins when asked; users carry is_org_member
    res = owner.get(f"entities/{org[:4]}", params=q).json()["results"]
    assert {"name": org, "kind": "org"}.items() <= next(e for e in res if e["name"] == org).items()
    res = owner.get(f"entities/{member.name}", params=q).json()["results"]
    assert res[0]["is_org_member"] is True
    # own robots in one's user namespace
    mine = create_robot_user(owner)
    assert mine in names(owner.get("entities/m", params={"namespace": owner.name}))
    assert mine not in names(member.get("entities/m", params={"namespace": owner.name}))


def create_robot_user(client):
    r = client.put("user/robots/mybot", {"description": "mine"})
    assert r.status_code in (200, 201), describe(r)
    return r.json()["name"]
