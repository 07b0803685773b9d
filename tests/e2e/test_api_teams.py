"""Teams, team repository permissions and default permissions (prototypes)
through /api/v1 (spec §3, §4.2, §4.4), and what team roles mean on /v2: a
`creator` team member can push-create a repository in the org, a `member`
cannot, and a robot in a team with write on a repository can push to it."""
import requests

from apihelpers import (anonymous, api, assert_api_error, assert_message, create_org,  # noqa: F401
                        create_repo, create_robot, describe, make_user, uniq)
from httpverbs import HttpVerbs
from ocihelpers import push_image


class PushAs(HttpVerbs):
    """Quacks like Wharf for ocihelpers' push helpers, sending other Basic
    credentials on /v2."""

    def __init__(self, w, user, password):
        self.url = w.url
        self.session = requests.Session()
        self.session.auth = (user, password)

    def request(self, method, path, **kw):
        kw.setdefault("timeout", 60)
        kw.setdefault("allow_redirects", False)
        return self.session.request(method, self.url + path, **kw)


def team_path(org, team, rest=""):
    return f"organization/{org}/team/{team}{rest}"


def put_team(client, org, team, role, description=None):
    body = {"role": role}
    if description is not None:
        body["description"] = description
    r = client.put(team_path(org, team), body)
    assert r.status_code == 200, describe(r)
    return r.json()


def add_member(client, org, team, member):
    r = client.put(team_path(org, team, f"/members/{member}"))
    assert r.status_code == 200, describe(r)
    return r.json()


def user_perms(api, repo):
    r = api.admin.get(f"repository/{repo}/permissions/user/")
    assert r.status_code == 200, describe(r)
    return {k: v["role"] for k, v in r.json()["permissions"].items()}


def team_perms(api, repo):
    r = api.admin.get(f"repository/{repo}/permissions/team/")
    assert r.status_code == 200, describe(r)
    return {k: v["role"] for k, v in r.json()["permissions"].items()}


def can_upload(w, repo, user, password):
    r = requests.post(f"{w.url}/v2/{repo}/blobs/uploads/", auth=(user, password), timeout=30)
    return r.status_code == 202


# --- teams ----------------------------------------------------------------------

def test_team_create_update(api):
    org = create_org(api.admin)
    doc = put_team(api.admin, org, "devs", "member", "builds things")
    assert doc == {"name": "devs", "description": "builds things", "can_view": True,
                   "role": "member", "avatar": doc["avatar"], "new_team": True}
    assert doc["avatar"]["kind"] == "team" and doc["avatar"]["name"] == "devs"
    # update: role changes, description kept when absent
    doc = put_team(api.admin, org, "devs", "creator")
    assert doc["new_team"] is False
    assert doc["role"] == "creator" and doc["description"] == "builds things"
    doc = put_team(api.admin, org, "devs", "creator", "")
    assert doc["description"] == ""
    # a new team without description
    assert put_team(api.admin, org, "ops", "admin")["description"] == ""

    assert_api_error(api.admin.put(team_path(org, "devs"), {"role": "boss"}), 400)
    assert_api_error(api.admin.put(team_path(org, "devs"), {"description": "x"}), 400)
    assert_api_error(api.admin.put(team_path(org, "devs")), 400)
    assert_message(api.admin.put(team_path(org, "Bad"), {"role": "member"}),
                   "Invalid team name Bad: Namespace must match expression "
                   "^([a-z0-9]+(?:[._-][a-z0-9]+)*)$")
    assert_message(api.admin.put(team_path(org, "x"), {"role": "member"}),
                   "Invalid team name x: Namespace must be between 2 and 255 characters in length")
    # unknown org
    assert api.admin.put(team_path(uniq("org"), "devs"), {"role": "member"}).status_code == 404


def test_team_delete_and_lockout_guards(api):
    org = create_org(api.admin)                       # the admin is in `owners`
    me = api.admin_user
    assert_message(api.admin.delete(team_path(org, "owners")),
                   f"Deleting team 'owners' would remove admin ability for user '{me}' "
                   f"in organization '{org}'")
    assert_message(api.admin.put(team_path(org, "owners"), {"role": "member"}),
                   f"Cannot remove admin from team 'owners' because calling user would no "
                   f"longer have admin on org '{org}'")
    assert_message(api.admin.delete(team_path(org, "owners", f"/members/{me}")),
                   "User cannot remove themselves from their only admin team.")
    # another admin team the caller is not in can go; a plain team too
    put_team(api.admin, org, "ops", "admin")
    put_team(api.admin, org, "devs", "member")
    assert api.admin.delete(team_path(org, "ops")).status_code == 204
    d = api.admin.delete(team_path(org, "devs"))
    assert d.status_code == 204 and d.content == b""
    assert_message(api.admin.delete(team_path(org, "devs")),
                   f"Team 'devs' is not a team in org '{org}'")
    # with a second admin team of its own the caller may drop `owners`
    put_team(api.admin, org, "admins", "admin")
    add_member(api.admin, org, "admins", me)
    assert put_team(api.admin, org, "owners", "creator")["role"] == "creator"
    assert api.admin.delete(team_path(org, "owners")).status_code == 204
    assert api.admin.get(f"organization/{org}").json()["is_admin"] is True

    # a superuser outside the teams may not leave an org without an admin team
    u = make_user(api)
    org2 = create_org(u)
    assert_message(api.admin.delete(team_path(org2, "owners")),
                   f"Deleting team 'owners' would leave organization '{org2}' without an admin "
                   f"team")
    assert_message(api.admin.put(team_path(org2, "owners"), {"role": "member"}),
                   f"Removing admin from team 'owners' would leave organization '{org2}' "
                   f"without an admin team")
    # a non-admin member cannot touch teams at all
    v = make_user(api)
    put_team(u, org2, "devs", "member")
    add_member(u, org2, "devs", v.name)
    assert_api_error(v.delete(team_path(org2, "devs")), 403)
    assert_api_error(v.put(team_path(org2, "devs"), {"role": "admin"}), 403)


def test_team_members(api):
    org = create_org(api.admin)
    other = create_org(api.admin)
    put_team(api.admin, org, "devs", "member")
    u = make_user(api)
    bot = create_robot(api.admin, org, "ci")
    foreign = create_robot(api.admin, other, "ci")

    doc = add_member(api.admin, org, "devs", u.name)
    assert doc == {"name": u.name, "kind": "user", "is_robot": False, "avatar": doc["avatar"],
                   "invited": False}
    assert doc["avatar"]["kind"] == "user"
    doc = add_member(api.admin, org, "devs", bot["name"])
    assert doc["is_robot"] is True and doc["kind"] == "user" and doc["avatar"]["kind"] == "robot"

    assert_message(api.admin.put(team_path(org, "devs", f"/members/{u.name}")),
                   f"User '{u.name}' is already a member of team 'devs'")
    assert_message(api.admin.put(team_path(org, "devs", f"/members/{foreign['name']}")),
                   "Cannot add the specified robot to this team, as it is not a member of the "
                   "organization")
    assert_api_error(api.admin.put(team_path(org, "devs", "/members/nosuchuser")), 400,
                     "Unknown user")
    assert_api_error(api.admin.put(team_path(org, "devs", f"/members/{other}")), 400,
                     "Unknown user")                 # an org is not a member
    assert api.admin.put(team_path(org, "nosuch", f"/members/{u.name}")).status_code == 404

    r = api.admin.get(team_path(org, "devs", "/members"))
    assert r.status_code == 200, describe(r)
    body = r.json()
    assert body["name"] == "devs" and body["can_edit"] is True
    assert sorted(m["name"] for m in body["members"]) == sorted([u.name, bot["name"]])
    assert all(m["invited"] is False for m in body["members"])
    assert api.admin.get(team_path(org, "nosuch", "/members")).status_code == 404
    # the org view counts them
    teams = api.admin.get(f"organization/{org}").json().get("teams")
    if teams is not None:
        assert teams["devs"]["member_count"] == 2

    d = api.admin.delete(team_path(org, "devs", f"/members/{u.name}"))
    assert d.status_code == 204 and d.content == b""
    assert_message(api.admin.delete(team_path(org, "devs", f"/members/{u.name}")),
                   f"User {u.name} does not belong to team devs")
    assert api.admin.delete(team_path(org, "devs", "/members/nosuchuser")).status_code == 404
    names = [m["name"] for m in api.admin.get(team_path(org, "devs", "/members")).json()["members"]]
    assert names == [bot["name"]]


def test_team_view_rights(api):
    org = create_org(api.admin)
    put_team(api.admin, org, "devs", "member")
    put_team(api.admin, org, "ops", "member")
    put_team(api.admin, org, "makers", "creator")
    dev, maker, outsider = make_user(api), make_user(api), make_user(api)
    add_member(api.admin, org, "devs", dev.name)
    add_member(api.admin, org, "makers", maker.name)
    # a member sees its own team's members, read-only, and not the others
    # (Quay's ViewTeamPermission); a team's permissions are for org admins
    # only (Quay: AdministerOrganizationPermission)
    r = dev.get(team_path(org, "devs", "/members"))
    assert r.status_code == 200, describe(r)
    assert r.json()["can_edit"] is False
    assert_api_error(dev.get(team_path(org, "devs", "/permissions")), 403)
    assert_api_error(dev.get(team_path(org, "ops", "/members")), 403)
    assert_api_error(dev.get(team_path(org, "ops", "/permissions")), 403)
    assert_api_error(dev.get(team_path(org, "nosuch", "/members")), 403)
    # being in a creator team does not show other teams
    assert maker.get(team_path(org, "makers", "/members")).status_code == 200
    assert_api_error(maker.get(team_path(org, "ops", "/members")), 403)
    assert api.admin.get(team_path(org, "nosuch", "/members")).status_code == 404
    # members cannot change anything
    assert_api_error(dev.put(team_path(org, "devs", f"/members/{outsider.name}")), 403)
    assert_api_error(maker.put(team_path(org, "devs", f"/members/{outsider.name}")), 403)
    # outsiders and anonymous callers
    assert_api_error(outsider.get(team_path(org, "devs", "/members")), 403)
    assert_api_error(anonymous(api).get(team_path(org, "devs", "/members")), 401)


# --- repository team permissions ------------------------------------------------

def test_repo_team_permissions(api):
    org = create_org(api.admin)
    repo = create_repo(api.admin, org, "app")
    pub = create_repo(api.admin, org, "site", visibility="public")
    put_team(api.admin, org, "devs", "member")
    put_team(api.admin, org, "ops", "member")
    base = f"repository/{repo}/permissions/team/"

    r = api.admin.put(base + "devs", {"role": "write"})
    assert r.status_code == 200, describe(r)
    doc = r.json()
    assert doc == {"role": "write", "name": "devs", "avatar": doc["avatar"]}
    assert doc["avatar"]["kind"] == "team"
    assert api.admin.put(base + "ops", {"role": "read"}).status_code == 200
    assert api.admin.put(base + "devs", {"role": "admin"}).json()["role"] == "admin"
    assert api.admin.put(f"repository/{pub}/permissions/team/devs",
                         {"role": "read"}).status_code == 200

    g = api.admin.get(base + "devs")
    assert g.status_code == 200 and g.json() == {"role": "admin"}
    lst = api.admin.get(base)
    assert lst.status_code == 200
    perms = lst.json()["permissions"]
    assert set(perms) == {"devs", "ops"}
    assert perms["devs"]["role"] == "admin" and perms["devs"]["name"] == "devs"
    assert api.admin.get(base.rstrip("/")).json()["permissions"] == perms
    # user permissions are a separate list
    assert "devs" not in user_perms(api, repo)
    # the team's view of its repositories
    tp = api.admin.get(team_path(org, "devs", "/permissions"))
    assert tp.status_code == 200
    assert tp.json() == {"permissions": [
        {"repository": {"name": "app", "is_public": False}, "role": "admin"},
        {"repository": {"name": "site", "is_public": True}, "role": "read"},
    ]}

    assert_message(api.admin.put(base + "nosuch", {"role": "read"}),
                   f"No team nosuch in organization {org}")
    assert_api_error(api.admin.put(base + "devs", {"role": "owner"}), 400)
    assert_api_error(api.admin.put(base + "devs", {}), 400)
    d = api.admin.delete(base + "ops")
    assert d.status_code == 204 and d.content == b""
    assert_message(api.admin.get(base + "ops"), "Team does not have permission for repo.")
    assert_message(api.admin.delete(base + "ops"), "Team does not have permission for repo.")
    assert_message(api.admin.delete(base + "nosuch"), "Team does not have permission for repo.")
    assert set(team_perms(api, repo)) == {"devs"}
    # deleting the team drops its permissions
    assert api.admin.delete(team_path(org, "devs")).status_code == 204
    assert team_perms(api, repo) == {}
    # a user namespace has no teams
    u = make_user(api)
    own = create_repo(u, u.name, "mine")
    assert_message(u.put(f"repository/{own}/permissions/team/devs", {"role": "read"}),
                   f"No team devs in organization {u.name}")
    assert u.get(f"repository/{own}/permissions/team/").json() == {"permissions": {}}
    # only repository admins
    reader = make_user(api)
    api.admin.put(f"repository/{repo}/permissions/user/{reader.name}", {"role": "write"})
    assert_api_error(reader.get(base), 403)
    assert_api_error(reader.put(base + "ops", {"role": "read"}), 403)
    assert api.admin.get(f"repository/{org}/nosuch/permissions/team/").status_code in (403, 404)


# --- what team roles mean on /v2 -----------------------------------------------------

def test_creator_team_can_push_create_member_cannot(api):
    org = create_org(api.admin)
    put_team(api.admin, org, "makers", "creator")
    put_team(api.admin, org, "viewers", "member")
    maker, viewer = make_user(api), make_user(api)
    add_member(api.admin, org, "makers", maker.name)
    add_member(api.admin, org, "viewers", viewer.name)

    repo = f"{org}/{uniq('made')}"
    assert not can_upload(api, repo, viewer.name, viewer.password)
    push_image(PushAs(api, maker.name, maker.password), repo, tag="v1")
    assert user_perms(api, repo).get(maker.name) == "admin"      # the creator's row
    assert not can_upload(api, repo, viewer.name, viewer.password)
    assert not can_upload(api, f"{org}/{uniq('nope')}", viewer.name, viewer.password)
    # and through the API
    r = maker.post("repository", {"repository": uniq("api"), "visibility": "private",
                                  "description": "", "namespace": org})
    assert r.status_code == 201, describe(r)
    r = viewer.post("repository", {"repository": uniq("api"), "visibility": "private",
                                   "description": "", "namespace": org})
    assert_api_error(r, 403)
    # demoting the team takes creation away at once
    put_team(api.admin, org, "makers", "member")
    assert not can_upload(api, f"{org}/{uniq('late')}", maker.name, maker.password)
    assert can_upload(api, repo, maker.name, maker.password)    # still admin of its repo


def test_robot_in_team_with_write_can_push(api):
    org = create_org(api.admin)
    repo = create_repo(api.admin, org, uniq("app"))
    bot = create_robot(api.admin, org, "ci")
    put_team(api.admin, org, "ci", "member")
    add_member(api.admin, org, "ci", bot["name"])
    assert not can_upload(api, repo, bot["name"], bot["token"])
    assert api.admin.put(f"repository/{repo}/permissions/team/ci",
                         {"role": "read"}).status_code == 200
    assert not can_upload(api, repo, bot["name"], bot["token"])
    assert api.admin.put(f"repository/{repo}/permissions/team/ci",
                         {"role": "write"}).status_code == 200
    push_image(PushAs(api, bot["name"], bot["token"]), repo, tag="v1")
    # the team's write does not reach another repository, nor creation
    other = create_repo(api.admin, org, uniq("other"))
    assert not can_upload(api, other, bot["name"], bot["token"])
    assert not can_upload(api, f"{org}/{uniq('new')}", bot["name"], bot["token"])
    # out of the team, out of the repository
    assert api.admin.delete(team_path(org, "ci", f"/members/{bot['name']}")).status_code == 204
    assert not can_upload(api, repo, bot["name"], bot["token"])
    # a robot in a creator team may push-create
    put_team(api.admin, org, "builders", "creator")
    add_member(api.admin, org, "builders", bot["name"])
    made = f"{org}/{uniq('bybot')}"
    push_image(PushAs(api, bot["name"], bot["token"]), made, tag="v1")
    assert user_perms(api, made).get(bot["name"]) == "admin"


# --- default permissions (prototypes) ---------------------------------------------

def proto_path(org, pid=""):
    return f"organization/{org}/prototypes" + (f"/{pid}" if pid else "")


def test_prototype_crud(api):
    org = create_org(api.admin)
    other = create_org(api.admin)
    put_team(api.admin, org, "devs", "member")
    u = make_user(api)
    bot = create_robot(api.admin, org, "ci")
    foreign = create_robot(api.admin, other, "ci")

    r = api.admin.post(proto_path(org), {"role": "read",
                                         "delegate": {"kind": "user", "name": bot["name"]}})
    assert r.status_code == 200, describe(r)
    p1 = r.json()
    assert isinstance(p1["id"], str) and p1["id"]
    assert p1["role"] == "read" and p1["activating_user"] is None
    assert p1["delegate"] == {"name": bot["name"], "is_robot": True, "kind": "user",
                              "is_org_member": True, "avatar": p1["delegate"]["avatar"]}
    r = api.admin.post(proto_path(org), {"role": "write", "activating_user": {"name": u.name},
                                         "delegate": {"kind": "team", "name": "devs"}})
    assert r.status_code == 200, describe(r)
    p2 = r.json()
    assert p2["activating_user"]["name"] == u.name
    assert p2["activating_user"]["is_robot"] is False
    assert p2["activating_user"]["is_org_member"] is False
    assert p2["delegate"] == {"name": "devs", "kind": "team", "avatar": p2["delegate"]["avatar"]}
    r = api.admin.post(proto_path(org), {"role": "admin", "activating_user": None,
                                         "delegate": {"kind": "user", "name": u.name}})
    assert r.status_code == 200, describe(r)
    p3 = r.json()

    lst = api.admin.get(proto_path(org))
    assert lst.status_code == 200
    assert lst.json() == {"prototypes": [p1, p2, p3]}
    assert api.admin.get(proto_path(other)).json() == {"prototypes": []}

    r = api.admin.put(proto_path(org, p2["id"]), {"role": "admin"})
    assert r.status_code == 200, describe(r)
    assert r.json() == dict(p2, role="admin")
    assert_api_error(api.admin.put(proto_path(org, p2["id"]), {"role": "boss"}), 400)
    assert api.admin.put(proto_path(other, p2["id"]), {"role": "read"}).status_code == 404
    assert api.admin.put(proto_path(org, "nope"), {"role": "read"}).status_code == 404
    assert api.admin.delete(proto_path(other, p2["id"])).status_code == 404
    d = api.admin.delete(proto_path(org, p2["id"]))
    assert d.status_code == 204 and d.content == b""
    assert api.admin.delete(proto_path(org, p2["id"])).status_code == 404
    assert api.admin.delete(proto_path(org, "12x")).status_code == 404
    assert [p["id"] for p in api.admin.get(proto_path(org)).json()["prototypes"]] == \
        [p1["id"], p3["id"]]

    def post(body):
        return api.admin.post(proto_path(org), body)

    assert_api_error(post({"role": "read", "activating_user": {"name": "nosuchuser"},
                           "delegate": {"kind": "user", "name": u.name}}), 400,
                     "Unknown activating user")
    assert_api_error(post({"role": "read", "delegate": {"kind": "user", "name": "nosuchuser"}}),
                     400, "Missing delegate user or team")
    assert_api_error(post({"role": "read", "delegate": {"kind": "team", "name": "nosuch"}}),
                     400, "Missing delegate user or team")
    assert_api_error(post({"role": "read", "delegate": {"kind": "user", "name": other}}),
                     400, "Missing delegate user or team")
    assert_api_error(post({"role": "read", "delegate": {"kind": "robot", "name": u.name}}), 400)
    assert_api_error(post({"role": "read"}), 400)
    assert_api_error(post({"delegate": {"kind": "user", "name": u.name}}), 400)
    assert_api_error(post({"role": "owner", "delegate": {"kind": "user", "name": u.name}}), 400)
    assert_message(post({"role": "read", "delegate": {"kind": "user", "name": foreign["name"]}}),
                   f"Cannot add robot {foreign['name']} under namespace {org}")
    # only org admins
    put_team(api.admin, org, "members", "creator")
    add_member(api.admin, org, "members", u.name)
    assert_api_error(u.get(proto_path(org)), 403)
    assert_api_error(u.post(proto_path(org), {"role": "read",
                                              "delegate": {"kind": "user", "name": u.name}}), 403)
    assert_api_error(anonymous(api).get(proto_path(org)), 401)
    assert api.admin.get(proto_path(uniq("org"))).status_code in (403, 404)
    # a deleted delegate takes its prototypes with it
    assert api.admin.delete(f"organization/{org}/robots/ci").status_code == 204
    assert [p["id"] for p in api.admin.get(proto_path(org)).json()["prototypes"]] == [p3["id"]]


def test_prototypes_apply_on_create_by_api_and_by_push(api):
    org = create_org(api.admin)
    put_team(api.admin, org, "makers", "creator")
    put_team(api.admin, org, "devs", "member")
    maker = make_user(api)
    add_member(api.admin, org, "makers", maker.name)
    reader = create_robot(api.admin, org, "reader")
    auditor = make_user(api)
    for body in (
        {"role": "read", "delegate": {"kind": "user", "name": reader["name"]}},
        {"role": "write", "activating_user": {"name": maker.name},
         "delegate": {"kind": "team", "name": "devs"}},
        {"role": "admin", "activating_user": {"name": maker.name},
         "delegate": {"kind": "user", "name": auditor.name}},
        {"role": "read", "activating_user": {"name": maker.name},
         "delegate": {"kind": "user", "name": maker.name}},   # never lowers the creator's admin
    ):
        r = api.admin.post(proto_path(org), body)
        assert r.status_code == 200, describe(r)

    # created by the admin through the API: only the unconditional prototype
    by_admin = create_repo(api.admin, org, uniq("a"))
    assert user_perms(api, by_admin).get(reader["name"]) == "read"
    assert auditor.name not in user_perms(api, by_admin)
    assert team_perms(api, by_admin) == {}

    # created by the maker through the API
    r = maker.post("repository", {"repository": uniq("b"), "visibility": "private",
                                  "description": "", "namespace": org})
    assert r.status_code == 201, describe(r)
    by_api = f"{org}/{r.json()['name']}"
    perms = user_perms(api, by_api)
    assert perms[reader["name"]] == "read" and perms[auditor.name] == "admin"
    assert perms[maker.name] == "admin"
    assert team_perms(api, by_api) == {"devs": "write"}

    # created by the maker pushing (Quay skips prototypes here; wharf does not)
    by_push = f"{org}/{uniq('c')}"
    push_image(PushAs(api, maker.name, maker.password), by_push, tag="v1")
    perms = user_perms(api, by_push)
    assert perms[reader["name"]] == "read" and perms[auditor.name] == "admin"
    assert perms[maker.name] == "admin"
    assert team_perms(api, by_push) == {"devs": "write"}
    # and the granted robot can pull what was pushed, not push
    accept = {"Accept": "application/vnd.oci.image.manifest.v1+json"}
    r = requests.get(f"{api.url}/v2/{by_push}/manifests/v1", headers=accept,
                     auth=(reader["name"], reader["token"]), timeout=30)
    assert r.status_code == 200, describe(r)
    assert not can_upload(api, by_push, reader["name"], reader["token"])

    # a user namespace has no prototypes
    own = create_repo(maker, maker.name, uniq("own"))
    assert reader["name"] not in user_perms(api, own)
