"""Robot accounts through /api/v1 (spec §2, §9 behaviours 1-6), the
provisioning pattern users run from scripts, and robot credentials on /v2."""
import pytest
import requests

from apihelpers import (NAME_REGEX, RFC2822_RE, TOKEN_RE, add_to_team, anonymous, api,  # noqa: F401
                        assert_api_error, assert_message, basic, create_org, create_repo,
                        create_robot, describe, make_user, registry_auth, uniq)
from ocihelpers import push_image

NOT_FOUND = "Could not find robot with specified username"


def check_robot(doc, name, token=True, metadata=True):
    assert doc["name"] == name
    assert RFC2822_RE.fullmatch(doc["created"]), doc
    assert doc["last_accessed"] is None or RFC2822_RE.fullmatch(doc["last_accessed"])
    assert isinstance(doc["description"], str)
    if token:
        assert TOKEN_RE.fullmatch(doc["token"]), doc
    else:
        assert "token" not in doc
    if metadata:
        assert isinstance(doc["unstructured_metadata"], dict)
    else:
        assert "unstructured_metadata" not in doc


# --- §9.1 / §9.2: create, re-create, defaults ---------------------------------

def test_put_creates_then_put_again_is_200_with_same_robot(api):
    org = create_org(api.admin)
    r = api.admin.put(f"organization/{org}/robots/cicd", {"description": "CI pulls"})
    assert r.status_code == 201, describe(r)
    first = r.json()
    check_robot(first, f"{org}+cicd")
    assert first["description"] == "CI pulls"
    assert first["unstructured_metadata"] == {}
    assert first["last_accessed"] is None
    # wharf differs from Quay (400 "Existing robot"): re-running is fine
    again = api.admin.put(f"organization/{org}/robots/cicd", {"description": "CI pulls"})
    assert again.status_code == 200, describe(again)
    assert again.json()["token"] == first["token"]
    assert again.json()["name"] == first["name"]
    # and updates what is given
    upd = api.admin.put(f"organization/{org}/robots/cicd",
                        {"description": "new", "unstructured_metadata": {"team": "x"}})
    assert upd.status_code == 200
    assert upd.json()["description"] == "new"
    assert upd.json()["unstructured_metadata"] == {"team": "x"}
    assert upd.json()["token"] == first["token"]
    nobody = api.admin.put(f"organization/{org}/robots/cicd")
    assert nobody.status_code == 200
    assert nobody.json()["description"] == "new"


@pytest.mark.parametrize("body", [None, {}, {"description": "d"},
                                  {"unstructured_metadata": {"a": [1, 2], "b": None}},
                                  {"description": "", "unstructured_metadata": {}}])
def test_put_bodies_and_get_echo(api, body):
    org = create_org(api.admin)
    short = uniq("b")
    r = api.admin.put(f"organization/{org}/robots/{short}", body)
    assert r.status_code == 201, describe(r)
    g = api.admin.get(f"organization/{org}/robots/{short}")
    assert g.status_code == 200
    doc = g.json()
    check_robot(doc, f"{org}+{short}")
    assert doc["description"] == (body or {}).get("description", "")
    assert doc["unstructured_metadata"] == (body or {}).get("unstructured_metadata", {})
    assert doc["token"] == r.json()["token"]


def test_put_literal_null_body_is_ok(api):
    org = create_org(api.admin)
    r = api.admin.put(f"organization/{org}/robots/nullbody", data="null",
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 201, describe(r)


@pytest.mark.parametrize("raw", [
    '{"description": 5}', '{"description": null}', '{"description": "' + "x" * 256 + '"}',
    '{"unstructured_metadata": [1]}', '{"unstructured_metadata": "s"}', '[]', '"str"',
    '{"description": ', '{"description": "a\\u0000b"}',
])
def test_put_bad_bodies_400(api, raw):
    org = create_org(api.admin)
    r = api.admin.put(f"organization/{org}/robots/badbody", data=raw,
                      headers={"Content-Type": "application/json"})
    assert_api_error(r, 400, error_type="invalid_request")
    assert api.admin.get(f"organization/{org}/robots/badbody").status_code == 400


def test_description_of_255_is_accepted(api):
    org = create_org(api.admin)
    r = api.admin.put(f"organization/{org}/robots/long", {"description": "é" * 255})
    assert r.status_code == 201, describe(r)
    assert r.json()["description"] == "é" * 255


def test_user_robots(api):
    u = make_user(api)
    r = u.put("user/robots/mine", {"description": "personal"})
    assert r.status_code == 201, describe(r)
    check_robot(r.json(), f"{u.name}+mine")
    again = u.put("user/robots/mine")
    assert again.status_code == 200
    assert again.json()["token"] == r.json()["token"]
    lst = u.get("user/robots")
    assert lst.status_code == 200
    assert [x["name"] for x in lst.json()["robots"]] == [f"{u.name}+mine"]
    assert lst.json()["robots"][0]["token"] == r.json()["token"]
    # another user's robots are not visible through user/robots
    other = make_user(api)
    assert other.get("user/robots").json() == {"robots": []}
    assert_message(other.get("user/robots/mine"), NOT_FOUND)
    regen = u.post("user/robots/mine/regenerate")
    assert regen.status_code == 200
    assert regen.json()["token"] != r.json()["token"]
    perms = u.get("user/robots/mine/permissions")
    assert perms.json() == {"permissions": []}
    assert u.delete("user/robots/mine").status_code == 204
    assert_message(u.get("user/robots/mine"), NOT_FOUND)
    assert anonymous(api).get("user/robots").status_code == 401


# --- §9.3: names and missing robots ---------------------------------------------

@pytest.mark.parametrize("short,reason", [
    ("Z7PD", f"Namespace must match expression {NAME_REGEX}"),
    ("a", "Namespace must be between 2 and 255 characters in length"),
    ("a" * 256, "Namespace must be between 2 and 255 characters in length"),
    ("a..b", f"Namespace must match expression {NAME_REGEX}"),
    ("-ab", f"Namespace must match expression {NAME_REGEX}"),
    ("ab_", f"Namespace must match expression {NAME_REGEX}"),
])
def test_invalid_shortname_400(api, short, reason):
    org = create_org(api.admin)
    r = api.admin.put(f"organization/{org}/robots/{short}")
    assert_api_error(r, 400, f"The name for the robot '{short}' is invalid: {reason}")


@pytest.mark.parametrize("short", ["a.b", "a_b-c.d", "x9"])
def test_valid_shortnames(api, short):
    org = create_org(api.admin)
    assert api.admin.put(f"organization/{org}/robots/{short}").status_code == 201


def test_missing_robot_is_400_not_404(api):
    org = create_org(api.admin)
    base = f"organization/{org}/robots/ghost"
    assert_message(api.admin.get(base), NOT_FOUND)
    assert_message(api.admin.delete(base), NOT_FOUND)
    assert_message(api.admin.post(base + "/regenerate"), NOT_FOUND)
    assert_message(api.admin.get(base + "/permissions"), NOT_FOUND)


def test_unknown_org_robot_routes(api):
    # the superuser learns the org does not exist; others are just refused
    assert_api_error(api.admin.get("organization/nosuchorg/robots"), 404)
    assert_api_error(api.admin.put("organization/nosuchorg/robots/abc"), 404)
    u = make_user(api)
    assert_api_error(u.put("organization/nosuchorg/robots/abc"), 403)


# --- §9.4: listing ------------------------------------------------------------------

def test_list_params_and_visibility(api):
    org = create_org(api.admin)
    bots = [create_robot(api.admin, org, f"r{i}") for i in range(3)]
    repo = create_repo(api.admin, org)
    assert api.admin.put(f"repository/{repo}/permissions/user/{org}+r1",
                         {"role": "read"}).status_code == 200
    base = f"organization/{org}/robots"

    r = api.admin.get(base)
    assert r.status_code == 200
    got = {b["name"]: b for b in r.json()["robots"]}
    assert set(got) == {b["name"] for b in bots}
    for b in bots:  # token=true (default): tokens equal the single GET
        single = api.admin.get(f"{base}/{b['name'].split('+')[1]}").json()
        assert got[b["name"]]["token"] == single["token"]
        assert "unstructured_metadata" not in got[b["name"]]
        assert "repositories" not in got[b["name"]]

    r = api.admin.get(base, params={"token": "false"})
    assert all("token" not in b for b in r.json()["robots"])
    r = api.admin.get(base, params={"token": "False", "permissions": "True"})
    docs = {b["name"]: b for b in r.json()["robots"]}
    assert docs[f"{org}+r1"]["repositories"] == [repo.split("/", 1)[1]]
    assert docs[f"{org}+r0"]["repositories"] == []
    assert all("token" not in b and "teams" in b for b in docs.values())

    assert len(api.admin.get(base, params={"limit": "2"}).json()["robots"]) == 2
    assert len(api.admin.get(base, params={"limit": "1"}).json()["robots"]) == 1
    assert_api_error(api.admin.get(base, params={"limit": "x"}), 400)

    # a plain member sees names but no tokens or permissions
    member = make_user(api)
    add_to_team(api, org, "readers", member.name, role=1)
    r = member.get(base, params={"permissions": "true"})
    assert r.status_code == 200, describe(r)
    assert len(r.json()["robots"]) == 3
    assert all("token" not in b and "repositories" not in b for b in r.json()["robots"])
    # ... and may not read one robot (admins only)
    assert_api_error(member.get(f"{base}/r0"), 403)
    assert_api_error(member.put(f"{base}/r9"), 403)
    outsider = make_user(api)
    assert_api_error(outsider.get(base), 403, "Unauthorized", "insufficient_scope")
    assert_api_error(anonymous(api).get(base), 401, error_type="invalid_token")


def test_list_sorted_by_last_accessed(api):
    org = create_org(api.admin)
    create_robot(api.admin, org, "aa")
    b = create_robot(api.admin, org, "bb")
    create_robot(api.admin, org, "cc")
    assert registry_auth(api, b["name"], b["token"]).status_code == 200
    names = [x["name"] for x in api.admin.get(f"organization/{org}/robots").json()["robots"]]
    assert names == [f"{org}+bb", f"{org}+aa", f"{org}+cc"]
    doc = api.admin.get(f"organization/{org}/robots/bb").json()
    assert RFC2822_RE.fullmatch(doc["last_accessed"])
    assert api.admin.get(f"organization/{org}/robots/aa").json()["last_accessed"] is None


# --- §9.5 and the provisioning pattern ------------------------------------------------

def test_regenerate_old_token_dies_new_works(api):
    org = create_org(api.admin)
    bot = create_robot(api.admin, org, "rot")
    old = bot["token"]
    assert registry_auth(api, bot["name"], old).status_code == 200
    r = api.admin.post(f"organization/{org}/robots/rot/regenerate")
    assert r.status_code == 200, describe(r)
    new = r.json()["token"]
    assert TOKEN_RE.fullmatch(new) and new != old
    assert r.json()["name"] == bot["name"]
    assert api.admin.get(f"organization/{org}/robots/rot").json()["token"] == new
    assert registry_auth(api, bot["name"], old).status_code == 401
    assert registry_auth(api, bot["name"], new).status_code == 200


def test_provisioning_script_runs_twice(api):
    """PUT robot and PUT permission with a Bearer token, as in the guide; the
    second run succeeds too; then rotate and check the old token is dead."""
    org = create_org(api.admin)
    repo = create_repo(api.admin, org, "my-app")
    tokens = []
    for _ in range(2):
        r = api.admin.put(f"organization/{org}/robots/cicd_puller",
                          {"description": "CI/CD pipeline image pulls"})
        assert r.status_code in (200, 201), describe(r)
        tokens.append(r.json()["token"])
        p = api.admin.put(f"repository/{repo}/permissions/user/{org}+cicd_puller",
                          {"role": "read"})
        assert p.status_code == 200, describe(p)
        assert p.json()["role"] == "read" and p.json()["is_robot"] is True
    assert tokens[0] == tokens[1]
    user = f"{org}+cicd_puller"
    scope = f"repository:{repo}:pull"
    ok = registry_auth(api, user, tokens[0], scope)
    assert ok.status_code == 200 and "token" in ok.json()
    r = api.admin.post(f"organization/{org}/robots/cicd_puller/regenerate")
    new = r.json()["token"]
    assert registry_auth(api, user, tokens[0], scope).status_code == 401
    assert registry_auth(api, user, new, scope).status_code == 200


def test_read_robot_pulls_but_cannot_push(api):
    org = create_org(api.admin)
    repo = create_repo(api.admin, org)
    push_image(api, repo, tag="v1")
    bot = create_robot(api.admin, org, "reader")
    assert api.admin.put(f"repository/{repo}/permissions/user/{bot['name']}",
                         {"role": "read"}).status_code == 200
    auth = (bot["name"], bot["token"])
    accept = {"Accept": "application/vnd.oci.image.manifest.v1+json"}
    r = requests.get(f"{api.url}/v2/{repo}/manifests/v1", auth=auth, headers=accept, timeout=30)
    assert r.status_code == 200, describe(r)
    r = requests.post(f"{api.url}/v2/{repo}/blobs/uploads/", auth=auth, timeout=30)
    assert r.status_code in (401, 403), describe(r)
    assert r.json()["errors"][0]["code"] in ("DENIED", "UNAUTHORIZED")
    tok = registry_auth(api, bot["name"], bot["token"], f"repository:{repo}:pull,push")
    assert tok.status_code == 200
    # write lets it push
    assert api.admin.put(f"repository/{repo}/permissions/user/{bot['name']}",
                         {"role": "write"}).status_code == 200
    r = requests.post(f"{api.url}/v2/{repo}/blobs/uploads/", auth=auth, timeout=30)
    assert r.status_code == 202, describe(r)
    # a robot without any grant cannot even pull
    other = create_robot(api.admin, org, "nogrant")
    r = requests.get(f"{api.url}/v2/{repo}/manifests/v1", auth=(other["name"], other["token"]),
                     headers=accept, timeout=30)
    assert r.status_code in (401, 403, 404), describe(r)


def test_robot_permissions_view(api):
    org = create_org(api.admin)
    bot = create_robot(api.admin, org, "viewer")
    a = create_repo(api.admin, org, "alpha")
    create_repo(api.admin, org, "beta", visibility="public")
    api.admin.put(f"repository/{a}/permissions/user/{bot['name']}", {"role": "write"})
    api.admin.put(f"repository/{org}/beta/permissions/user/{bot['name']}", {"role": "read"})
    r = api.admin.get(f"organization/{org}/robots/viewer/permissions")
    assert r.status_code == 200
    assert r.json() == {"permissions": [
        {"repository": {"name": "alpha", "is_public": False}, "role": "write"},
        {"repository": {"name": "beta", "is_public": True}, "role": "read"},
    ]}


# --- §9.6: delete ----------------------------------------------------------------

def test_delete_robot_with_team_and_permission(api):
    org = create_org(api.admin)
    repo = create_repo(api.admin, org)
    bot = create_robot(api.admin, org, "doomed")
    api.admin.put(f"repository/{repo}/permissions/user/{bot['name']}", {"role": "write"})
    add_to_team(api, org, "builders", bot["name"], role=1)
    r = api.admin.delete(f"organization/{org}/robots/doomed")
    assert r.status_code == 204 and r.content == b""
    assert_message(api.admin.get(f"organization/{org}/robots/doomed"), NOT_FOUND)
    perms = api.admin.get(f"repository/{repo}/permissions/user/").json()["permissions"]
    assert bot["name"] not in perms
    assert registry_auth(api, bot["name"], bot["token"]).status_code == 401
    # re-creating the name gives a new robot with no grants
    again = create_robot(api.admin, org, "doomed")
    assert again["token"] != bot["token"]
    assert api.admin.get(f"organization/{org}/robots/doomed/permissions").json() == \
        {"permissions": []}


def test_robots_disabled(wharf_factory):
    w = wharf_factory(env={"WHARF_ROBOTS_DISABLED": "1"})
    from apihelpers import bearer
    admin = bearer(w, w.admin_token)
    org = create_org(admin)
    r = admin.put(f"organization/{org}/robots/bot")
    assert_api_error(r, 400,
                     "Robot accounts have been disabled. Please contact your administrator.")


def test_token_is_never_logged(api):
    org = create_org(api.admin)
    bot = create_robot(api.admin, org, "secret")
    regen = api.admin.post(f"organization/{org}/robots/secret/regenerate").json()
    registry_auth(api, bot["name"], bot["token"])
    log = api.read_log()
    assert bot["token"] not in log and regen["token"] not in log


def test_list_with_permissions_names_teams_and_repositories(api):
    """Spec §2.2: with permissions=true an admin's list carries each robot's
    teams and repositories."""
    org = create_org(api.admin)
    repo = create_repo(api.admin, org)
    bot = create_robot(api.admin, org, "ci")
    assert api.admin.put(f"organization/{org}/team/builders", {"role": "member"}).status_code == 200
    r = api.admin.put(f"organization/{org}/team/builders/members/{bot['name']}")
    assert r.status_code == 200, describe(r)
    r = api.admin.put(f"repository/{repo}/permissions/user/{bot['name']}", {"role": "read"})
    assert r.status_code == 200, describe(r)
    robots = api.admin.get(f"organization/{org}/robots?permissions=true").json()["robots"]
    mine = [x for x in robots if x["name"] == bot["name"]][0]
    assert [t["name"] for t in mine["teams"]] == ["builders"]
    assert mine["repositories"] == [repo.split("/", 1)[1]]


def test_robot_federation_config(api):
    """Spec §2.4: GET/POST/DELETE …/robots/{short}/federation, POST replaces."""
    org = create_org(api.admin)
    create_robot(api.admin, org, "fed")
    base = f"organization/{org}/robots/fed/federation"
    r = api.admin.get(base)
    assert r.status_code == 200 and r.json() == [], describe(r)
    cfg = [{"issuer": "https://token.actions.example", "subject": "repo:acme/app:ref:main"}]
    r = api.admin.post(base, cfg)
    assert r.status_code == 200 and r.json() == cfg, describe(r)
    assert api.admin.get(base).json() == cfg
    # validation messages of the spec
    for body, msg in (([{"issuer": "https://x"}], "Missing one or more required fields (issuer, subject)"),
                      ([{"issuer": "ftp://x", "subject": "s"}], "Issuer must be a URL (http:// or https://)"),
                      (cfg + cfg, "Duplicate federation config entry")):
        r = api.admin.post(base, body)
        assert r.status_code == 400 and r.json()["error_message"] == msg, describe(r)
    assert api.admin.get(base).json() == cfg  # a refused POST changes nothing
    r = api.admin.delete(base)
    assert r.status_code == 204, describe(r)
    assert api.admin.get(base).json() == []
    # an unknown robot is the usual 400 {"message"}
    r = api.admin.get(f"organization/{org}/robots/nosuch/federation")
    assert r.status_code == 400 and "Could not find robot" in r.json()["message"], describe(r)
