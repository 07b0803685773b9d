"""OAuth applications and API tokens (spec §1 scopes, §4.5) and
`wharf token create`: tokens act as their user capped by their scopes,
are shown once, and stop working the moment they are revoked."""
import json
import re
import subprocess
import time
from datetime import datetime, timezone

import requests

from apihelpers import (anonymous, api, assert_api_error, assert_message, bearer,  # noqa: F401
                        create_org, create_repo, describe, make_user, registry_auth, uniq)
from backends import pg_dump
from conftest import WHARF_BIN

ISO_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
TEN_YEARS = 315576000
ALL = "repo:read repo:write repo:admin repo:create user:read user:admin org:admin super:user"


def iso(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def make_app(client, org, name="ci", **extra):
    r = client.post(f"organization/{org}/applications", {"name": name, **extra})
    assert r.status_code == 200, describe(r)
    return r.json()


def mint(client, org, client_id, scope, name="tok", **extra):
    r = client.post(f"organization/{org}/applications/{client_id}/tokens",
                    {"name": name, "scope": scope, **extra})
    assert r.status_code == 200, describe(r)
    return r.json()


def org_app(api):
    org = create_org(api.admin)
    return org, make_app(api.admin, org)


# --- applications ----------------------------------------------------------------

def test_application_crud(api):
    org = create_org(api.admin)
    app = make_app(api.admin, org, "deployer", redirect_uri="https://ci.example.com/cb",
                   application_uri="https://ci.example.com", description="CI",
                   avatar_email="ci@example.com")
    assert set(app) == {"name", "description", "application_uri", "client_id", "client_secret",
                        "redirect_uri", "avatar_email"}
    assert len(app["client_id"]) == 20 and len(app["client_secret"]) == 40
    assert app["name"] == "deployer" and app["description"] == "CI"
    assert app["redirect_uri"] == "https://ci.example.com/cb"
    assert app["avatar_email"] == "ci@example.com"
    bare = make_app(api.admin, org, "bare")
    assert bare["avatar_email"] is None and bare["description"] == ""
    assert bare["client_id"] != app["client_id"]

    got = api.admin.get(f"organization/{org}/applications/{app['client_id']}")
    assert got.status_code == 200 and got.json() == app
    listed = api.admin.get(f"organization/{org}/applications").json()["applications"]
    assert [a["name"] for a in listed] == ["deployer", "bare"]

    r = api.admin.delete(f"organization/{org}/applications/{app['client_id']}")
    assert r.status_code == 204 and r.content == b""
    assert_api_error(api.admin.get(f"organization/{org}/applications/{app['client_id']}"), 404)
    assert_api_error(api.admin.delete(f"organization/{org}/applications/{app['client_id']}"), 404)
    # another org's client id is not found through this org
    other = create_org(api.admin)
    assert_api_error(api.admin.get(f"organization/{other}/applications/{bare['client_id']}"), 404)


def test_application_validation_and_access(api):
    org = create_org(api.admin)
    assert_api_error(api.admin.post(f"organization/{org}/applications", {}), 400)
    assert_api_error(api.admin.post(f"organization/{org}/applications", {"name": 5}), 400)
    assert_api_error(api.admin.post(f"organization/{org}/applications", {"name": ""}), 400)
    # only org admins; anonymous 401
    outsider = make_user(api)
    assert_api_error(outsider.get(f"organization/{org}/applications"), 403)
    assert_api_error(outsider.post(f"organization/{org}/applications", {"name": "x"}), 403)
    assert_api_error(anonymous(api).get(f"organization/{org}/applications"), 401)
    # a user's own org works without being superuser
    owner = make_user(api)
    own = create_org(owner)
    make_app(owner, own)
    assert len(owner.get(f"organization/{own}/applications").json()["applications"]) == 1


# --- tokens: the spec §1 test and scope capping --------------------------------------

def test_token_scopes_cap_the_user(api):
    org, app = org_app(api)
    repo = create_repo(api.admin, org)
    reader = bearer(api, mint(api.admin, org, app["client_id"], "repo:read")["token"])
    assert reader.get(f"repository/{repo}").status_code == 200
    assert_api_error(reader.post("organization/", {"name": uniq("org")}), 403,
                     error_type="insufficient_scope")
    admin = bearer(api, mint(api.admin, org, app["client_id"], "user:admin")["token"])
    r = admin.post("organization/", {"name": uniq("org")})
    assert r.status_code == 201, describe(r)
    assert_api_error(anonymous(api).post("organization/", {"name": uniq("org")}), 401)
    # user:admin does not read repositories, repo:read does not read the user
    assert_api_error(admin.get(f"repository/{repo}"), 403)
    assert_api_error(reader.get("user/"), 403)


def test_token_view_and_show_once(api):
    org, app = org_app(api)
    before = time.time()
    tok = mint(api.admin, org, app["client_id"], "repo:read,repo:read  user:read",
               name="  deploy key  ")
    assert set(tok) == {"uuid", "name", "scope", "expires_at", "created", "created_by",
                        "last_accessed", "token"}
    assert re.fullmatch(r"[0-9a-f-]{36}", tok["uuid"])
    assert tok["name"] == "deploy key"
    assert tok["scope"] == "repo:read user:read"
    assert tok["created_by"] == api.admin_user
    assert tok["last_accessed"] is None
    assert len(tok["token"]) == 40
    assert ISO_RE.fullmatch(tok["created"]) and ISO_RE.fullmatch(tok["expires_at"])
    assert abs(iso(tok["expires_at"]) - before - TEN_YEARS) < 60
    listed = api.admin.get(f"organization/{org}/applications/{app['client_id']}/tokens")
    assert listed.status_code == 200, describe(listed)
    docs = listed.json()["tokens"]
    assert len(docs) == 1 and "token" not in docs[0]
    assert {k: v for k, v in tok.items() if k != "token"} == docs[0]
    assert "next_page" not in listed.json()
    # the token itself is nowhere in the database or the log
    assert tok["token"] not in api.read_log()
    if api.db.startswith("postgres"):
        assert tok["token"].encode() not in pg_dump(api.db)
    else:
        with open(api.db[len("sqlite://"):], "rb") as f:
            assert tok["token"].encode() not in f.read()


def test_token_body_errors(api):
    org, app = org_app(api)
    path = f"organization/{org}/applications/{app['client_id']}/tokens"
    assert_message(api.admin.post(path, {"name": "t", "scope": "repo:read bogus:scope"}),
                   "Invalid scope: repo:read bogus:scope")
    assert_message(api.admin.post(path, {"name": "t", "scope": ""}), "Invalid scope: ")
    assert_message(api.admin.post(path, {"name": "   ", "scope": "repo:read"}),
                   "'name' cannot be empty")
    assert_api_error(api.admin.post(path, {"scope": "repo:read"}), 400)
    assert_api_error(api.admin.post(path, {"name": "t"}), 400)
    assert_api_error(api.admin.post(path, {"name": "x" * 256, "scope": "repo:read"}), 400)
    for bad in (0, -5, "60", True, None):
        assert_message(api.admin.post(path, {"name": "t", "scope": "repo:read",
                                             "expiration": bad}),
                       "'expiration' must be a positive number of seconds")
    assert_api_error(api.admin.post(f"organization/{org}/applications/NOPE/tokens",
                                    {"name": "t", "scope": "repo:read"}), 404)


def test_minting_needs_the_scopes(api):
    # an org admin who is not a superuser cannot mint super:user
    owner = make_user(api)
    org = create_org(owner)
    app = make_app(owner, org)
    path = f"organization/{org}/applications/{app['client_id']}/tokens"
    assert_api_error(owner.post(path, {"name": "t", "scope": "super:user"}), 403)
    assert owner.post(path, {"name": "t", "scope": "org:admin repo:admin"}).status_code == 200
    # a token mints only within its own scopes (what they imply included)
    narrow = bearer(api, mint(owner, org, app["client_id"], "org:admin repo:write")["token"])
    assert narrow.post(path, {"name": "t", "scope": "repo:read"}).status_code == 200
    assert_api_error(narrow.post(path, {"name": "t", "scope": "repo:admin"}), 403)
    assert_api_error(narrow.post(path, {"name": "t", "scope": "org:admin user:admin"}), 403)
    # the superuser may mint super:user; that token reaches superuser routes
    sorg, sapp = org_app(api)
    su = bearer(api, mint(api.admin, sorg, sapp["client_id"], "super:user")["token"])
    assert su.get("superuser/users/").status_code == 200


def test_revoked_token_refused_at_once(api):
    org, app = org_app(api)
    tok = mint(api.admin, org, app["client_id"], "user:read")
    c = bearer(api, tok["token"])
    assert c.get("user/").status_code == 200
    r = api.admin.delete(f"organization/{org}/applications/{app['client_id']}/tokens/{tok['uuid']}")
    assert r.status_code == 204, describe(r)
    assert_api_error(c.get("user/"), 401, error_type="invalid_token")
    assert_api_error(api.admin.delete(
        f"organization/{org}/applications/{app['client_id']}/tokens/{tok['uuid']}"), 404)
    # deleting the application revokes every token minted for it
    t2 = bearer(api, mint(api.admin, org, app["client_id"], "user:read")["token"])
    assert t2.get("user/").status_code == 200
    assert api.admin.delete(f"organization/{org}/applications/{app['client_id']}").status_code == 204
    assert_api_error(t2.get("user/"), 401)


def test_token_on_registry_and_revocation(api):
    org, app = org_app(api)
    repo = create_repo(api.admin, org)
    tok = mint(api.admin, org, app["client_id"], "repo:read")
    r = registry_auth(api, "$oauthtoken", tok["token"], f"repository:{repo}:pull,push")
    assert r.status_code == 200, r.text
    jwt = r.json()["token"]
    h = {"Authorization": "Bearer " + jwt}
    assert requests.get(f"{api.url}/v2/{repo}/tags/list", headers=h, timeout=30).status_code in (200, 404)
    api.admin.delete(f"organization/{org}/applications/{app['client_id']}/tokens/{tok['uuid']}")
    assert registry_auth(api, "$oauthtoken", tok["token"]).status_code == 401
    assert requests.get(f"{api.url}/v2/{repo}/tags/list", headers=h, timeout=30).status_code == 401


def test_expiry_default_cap_and_refusal(api):
    org, app = org_app(api)
    now = time.time()
    capped = mint(api.admin, org, app["client_id"], "user:read", expiration=10 ** 12)
    assert abs(iso(capped["expires_at"]) - now - TEN_YEARS) < 60
    short = mint(api.admin, org, app["client_id"], "user:read", expiration=1.5)
    assert iso(short["expires_at"]) - iso(short["created"]) == 1
    c = bearer(api, short["token"])
    time.sleep(2.2)
    assert_api_error(c.get("user/"), 401)
    listed = api.admin.get(f"organization/{org}/applications/{app['client_id']}/tokens").json()
    assert [t["uuid"] for t in listed["tokens"]] == [capped["uuid"]]


def test_last_accessed_recorded(api):
    org, app = org_app(api)
    tok = mint(api.admin, org, app["client_id"], "user:read")
    assert bearer(api, tok["token"]).get("user/").status_code == 200
    listed = api.admin.get(f"organization/{org}/applications/{app['client_id']}/tokens").json()
    assert ISO_RE.fullmatch(listed["tokens"][0]["last_accessed"])


def test_paging_and_limit(api):
    org, app = org_app(api)
    path = f"organization/{org}/applications/{app['client_id']}/tokens"
    uuids = [mint(api.admin, org, app["client_id"], "user:read", name=f"t{i}")["uuid"]
             for i in range(100)]
    r = api.admin.post(path, {"name": "one too many", "scope": "user:read"})
    assert_message(r, "Token limit reached: maximum 100 non-expired tokens per application")
    first = api.admin.get(path).json()
    assert len(first["tokens"]) == 50 and first["next_page"]
    second = api.admin.get(path, params={"next_page": first["next_page"]}).json()
    assert len(second["tokens"]) == 50 and "next_page" not in second
    assert [t["uuid"] for t in first["tokens"] + second["tokens"]] == uuids
    # a bad page token means the first page
    again = api.admin.get(path, params={"next_page": "garbage"}).json()
    assert again["tokens"] == first["tokens"]
    # revoking one makes room again
    api.admin.delete(f"{path}/{uuids[0]}")
    assert api.admin.post(path, {"name": "room", "scope": "user:read"}).status_code == 200


# --- wharf token create --------------------------------------------------------------

def cli(api, *args):
    return subprocess.run([WHARF_BIN, "token", "create", "--db", api.db, *args],
                          capture_output=True, text=True, timeout=60)


def test_cli_token_create(api):
    org = create_org(api.admin)
    repo = create_repo(api.admin, org)
    out = cli(api, "--user", api.admin_user, "--scope", "repo:read", "--name", "ops", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["username"] == api.admin_user and doc["scope"] == "repo:read"
    assert len(doc["token"]) == 40 and doc["expires_at"] > time.time() + TEN_YEARS - 60
    c = bearer(api, doc["token"])
    assert c.get(f"repository/{repo}").status_code == 200
    assert_api_error(c.post("organization/", {"name": uniq("org")}), 403)
    assert doc["token"] not in api.read_log()
    # several --scope, comma lists, no expiry; text output shows the token once
    out = cli(api, "--user", api.admin_user, "--scope", "user:read,repo:read", "--scope",
              "org:admin", "--expires", "0")
    assert out.returncode == 0, out.stderr
    token = re.search(r"token:\s+(\S{40})", out.stdout).group(1)
    assert "user:read repo:read org:admin" in out.stdout
    assert bearer(api, token).get("user/").status_code == 200
    # default: every scope
    doc = json.loads(cli(api, "--user", api.admin_user, "--json").stdout)
    assert doc["scope"] == ALL


def test_cli_token_errors(api):
    assert cli(api, "--user", "nobody-here", "--json").returncode == 1
    bad = cli(api, "--user", api.admin_user, "--scope", "repo:everything")
    assert bad.returncode == 1 and "repo:everything" in bad.stderr
    assert cli(api, "--scope", "repo:read").returncode == 2
    assert cli(api, "--user", api.admin_user, "--expires", "-1").returncode == 2
    assert cli(api, "--user", api.admin_user, "--bogus").returncode == 2
    org = create_org(api.admin)
    assert cli(api, "--user", org).returncode == 1  # an org is not a user
    h = subprocess.run([WHARF_BIN, "token", "create", "--help"], capture_output=True, text=True)
    assert h.returncode == 0 and "--scope" in h.stdout
