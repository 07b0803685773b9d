"""Every audit kind of issue 7 (and of the robot token lifecycle), one row
each: the row performs the action in a fresh organization and the test finds
exactly one new entry of that kind with the expected performer, is_robot,
address and metadata (its exact key set, and the values the row knows).
Then: no entry, database file or log line ever holds a secret used in a flow
of robots, tokens, passwords, rotations and failed logins."""
import glob
import json
import os
import time

import pytest
import requests

from apihelpers import (api, create_org, create_repo, create_robot, db_exec,  # noqa: F401
                        db_path, describe, registry_auth, uniq)
from backends import pg_dump
from ocihelpers import OCI_MANIFEST, push_image
from test_audit import As, all_logs, logs

IP = "127.0.0.1"
REG = {"repo", "namespace", "user-agent", "manifest_digest", "mediaType", "username"}
TOKEN = {"oauth_token_id"}  # the admin acts with its API token


class World:
    """A fresh organization with repository `app` and robot `ci` (write on
    app); mark() takes the log's state just before the action."""

    def __init__(self, w):
        self.w, self.a = w, w.admin
        self.org = create_org(self.a)
        self.repo = create_repo(self.a, self.org, "app")
        self.bot = create_robot(self.a, self.org, "ci")
        self.ok(self.a.put(f"repository/{self.repo}/permissions/user/{self.bot['name']}",
                           {"role": "write"}))
        self.robot = As(w, self.bot["name"], self.bot["token"])
        self.before = None

    @staticmethod
    def ok(r, status=(200, 201, 202, 204)):
        assert r.status_code in status, describe(r)
        return r

    def mark(self):
        self.before = all_logs(self.a, f"organization/{self.org}/logs")

    def new_entries(self):
        after = all_logs(self.a, f"organization/{self.org}/logs")
        assert self.before is not None and after[len(after) - len(self.before):] == self.before
        return after[:len(after) - len(self.before)]


def admin_did(w):
    return {"performer": w.w.admin_user, "is_robot": False}


def robot_did(w, name=None):
    return {"performer": name or w.bot["name"], "is_robot": True}


# --- the rows: each returns (kind, who, metadata keys, metadata values) -------------


def row_login_success(w):
    w.mark()
    assert registry_auth(w.w, w.bot["name"], w.bot["token"]).status_code == 200
    return ("login_success", robot_did(w), {"type", "kind", "useragent", "username", "robot"},
            {"kind": "robot", "robot": w.bot["name"], "type": "v2auth"})


def row_login_failure_wrong_token(w):
    w.mark()
    assert registry_auth(w.w, w.bot["name"], "WRONG" * 12 + "XXXX").status_code == 401
    return ("login_failure", None, {"type", "kind", "useragent", "username", "message"},
            {"kind": "robot", "username": w.bot["name"]})


def row_login_failure_expired(w):
    tok = w.ok(w.a.post(f"organization/{w.org}/robots/ci/tokens",
                        {"label": "short", "token_expiration": 1})).json()
    time.sleep(2.1)
    w.mark()
    assert registry_auth(w.w, w.bot["name"], tok["token"]).status_code == 401
    kind, who, keys, md = ("login_failure", None,
                           {"type", "kind", "useragent", "username", "message"},
                           {"username": w.bot["name"]})
    return kind, who, keys, md, lambda e: "expired" in e["metadata"]["message"]


def row_login_failure_disabled(w):
    w.ok(w.a.put(f"organization/{w.org}/robots/ci", {"enabled": False}))
    w.mark()
    assert registry_auth(w.w, w.bot["name"], w.bot["token"]).status_code == 401
    return ("login_failure", None, {"type", "kind", "useragent", "username", "message"},
            {"username": w.bot["name"]}, lambda e: "disabled" in e["metadata"]["message"])


def row_login_failure_address(w):
    w.ok(w.a.put(f"organization/{w.org}/robots/ci", {"allowed_ips": ["10.0.0.0/8"]}))
    w.mark()
    assert registry_auth(w.w, w.bot["name"], w.bot["token"]).status_code in (401, 403)
    # the credential was right: the entry names the robot
    return ("login_failure", robot_did(w), {"type", "kind", "useragent", "username", "message"},
            {"username": w.bot["name"]}, lambda e: "allowed_ips" in e["metadata"]["message"])


def row_push_repo(w):
    w.mark()
    img = push_image(w.robot, w.repo, "v1")
    return ("push_repo", robot_did(w), REG | {"tag", "is_robot"},
            {"tag": "v1", "manifest_digest": img.digest, "repo": "app", "namespace": w.org,
             "username": w.bot["name"], "is_robot": True, "mediaType": OCI_MANIFEST})


def row_pull_repo_by_tag(w):
    img = push_image(w.robot, w.repo, "v1")
    w.mark()
    w.ok(w.robot.get(f"/v2/{w.repo}/manifests/v1", headers={"Accept": OCI_MANIFEST}))
    return ("pull_repo", robot_did(w), REG | {"tag", "is_robot"},
            {"tag": "v1", "manifest_digest": img.digest})


def row_pull_repo_by_digest(w):
    img = push_image(w.robot, w.repo, "v1")
    w.mark()
    w.ok(w.robot.get(f"/v2/{w.repo}/manifests/{img.digest}", headers={"Accept": OCI_MANIFEST}))
    return ("pull_repo", robot_did(w), REG | {"is_robot"}, {"manifest_digest": img.digest})


def row_pull_repo_containerd(w):
    """HEAD by tag, then GET by digest: the entry carries the tag resolved."""
    img = push_image(w.robot, w.repo, "v1")
    w.mark()
    r = w.ok(w.robot.head(f"/v2/{w.repo}/manifests/v1", headers={"Accept": OCI_MANIFEST}))
    assert r.headers["Docker-Content-Digest"] == img.digest
    w.ok(w.robot.get(f"/v2/{w.repo}/manifests/{img.digest}", headers={"Accept": OCI_MANIFEST}))
    return ("pull_repo", robot_did(w), REG | {"tag", "is_robot"},
            {"tag": "v1", "manifest_digest": img.digest})


def row_pull_repo_failed(w):
    push_image(w.robot, w.repo, "v1")
    w.mark()
    r = As(w.w, None, None).get(f"/v2/{w.repo}/manifests/v1", headers={"Accept": OCI_MANIFEST})
    assert r.status_code == 401, describe(r)
    return ("pull_repo_failed", None, {"repo", "namespace", "user-agent", "tag", "message"},
            {"tag": "v1", "repo": "app"})


def row_push_repo_failed(w):
    bot = create_robot(w.a, w.org, "ro")
    w.ok(w.a.put(f"repository/{w.repo}/permissions/user/{bot['name']}", {"role": "read"}))
    w.mark()
    r = As(w.w, bot["name"], bot["token"]).put(
        f"/v2/{w.repo}/manifests/v2", data=b"{}", headers={"Content-Type": OCI_MANIFEST})
    assert r.status_code in (401, 403), describe(r)
    return ("push_repo_failed", robot_did(w, bot["name"]),
            {"repo", "namespace", "user-agent", "tag", "message", "username", "is_robot"},
            {"tag": "v2", "username": bot["name"]})


def row_create_repo_api(w):
    w.mark()
    create_repo(w.a, w.org, "other")
    return ("create_repo", admin_did(w), {"repo", "namespace"} | TOKEN,
            {"repo": "other", "namespace": w.org})


def row_create_repo_by_push(w):
    w.mark()
    push_image(w.w, f"{w.org}/pushed", "v1")  # the admin's Basic credentials
    return ("create_repo", admin_did(w), {"repo", "namespace"},
            {"repo": "pushed", "namespace": w.org})


def row_delete_repo(w):
    w.mark()
    w.ok(w.a.delete(f"repository/{w.repo}"))
    return ("delete_repo", admin_did(w), {"repo", "namespace"} | TOKEN, {"repo": "app"})


def row_change_repo_visibility(w):
    w.mark()
    w.ok(w.a.post(f"repository/{w.repo}/changevisibility", {"visibility": "public"}))
    return ("change_repo_visibility", admin_did(w), {"repo", "namespace", "visibility"} | TOKEN,
            {"visibility": "public"})


def row_delete_tag(w):
    img = push_image(w.robot, w.repo, "gone")
    w.mark()
    w.ok(w.robot.delete(f"/v2/{w.repo}/manifests/gone"))
    return ("delete_tag", robot_did(w), {"repo", "namespace", "user-agent", "tag", "username",
                                         "is_robot"}, {"tag": "gone"}, None, img)


def row_create_robot(w):
    w.mark()
    create_robot(w.a, w.org, "k2", {"description": "d", "unstructured_metadata": {"a": 1}})
    return ("create_robot", admin_did(w), {"robot", "description", "unstructured_metadata"}
            | TOKEN, {"robot": "k2", "description": "d", "unstructured_metadata": {"a": 1}})


def row_delete_robot(w):
    w.mark()
    w.ok(w.a.delete(f"organization/{w.org}/robots/ci"))
    return ("delete_robot", admin_did(w), {"robot"} | TOKEN, {"robot": "ci"})


def row_regenerate_robot_token(w):
    w.mark()
    w.ok(w.a.post(f"organization/{w.org}/robots/ci/regenerate"))
    return ("regenerate_robot_token", admin_did(w), {"robot"} | TOKEN, {"robot": "ci"})


def row_regenerate_with_grace(w):
    w.mark()
    j = w.ok(w.a.post(f"organization/{w.org}/robots/ci/regenerate", {"grace_period": 600})).json()
    return ("regenerate_robot_token", admin_did(w),
            {"robot", "grace_period", "previous_token_expires_at"} | TOKEN,
            {"robot": "ci", "previous_token_expires_at": j["previous_token_expires_at"]},
            lambda e: e["metadata"]["grace_period"] in (599, 600))


def row_create_robot_token(w):
    w.mark()
    j = w.ok(w.a.post(f"organization/{w.org}/robots/ci/tokens",
                      {"label": "deploy", "token_expiration": 30 * 86400})).json()
    return ("create_robot_token", admin_did(w), {"robot", "token_id", "label", "expires_at"}
            | TOKEN, {"robot": "ci", "token_id": j["id"], "label": "deploy",
                      "expires_at": j["expires_at"]})


def row_revoke_robot_token(w):
    j = w.ok(w.a.post(f"organization/{w.org}/robots/ci/tokens", {"label": "old"})).json()
    w.mark()
    w.ok(w.a.delete(f"organization/{w.org}/robots/ci/tokens/{j['id']}"))
    return ("revoke_robot_token", admin_did(w), {"robot", "token_id", "label"} | TOKEN,
            {"robot": "ci", "token_id": j["id"], "label": "old"})


def row_disable_robot(w):
    w.mark()
    w.ok(w.a.put(f"organization/{w.org}/robots/ci", {"enabled": False}))
    w.ok(w.a.put(f"organization/{w.org}/robots/ci", {"enabled": False}))  # no change: no entry
    return ("disable_robot", admin_did(w), {"robot"} | TOKEN, {"robot": "ci"})


def row_enable_robot(w):
    w.ok(w.a.put(f"organization/{w.org}/robots/ci", {"enabled": False}))
    w.mark()
    w.ok(w.a.put(f"organization/{w.org}/robots/ci", {"enabled": True}))
    return ("enable_robot", admin_did(w), {"robot"} | TOKEN, {"robot": "ci"})


def row_change_robot_allowed_ips(w):
    w.ok(w.a.put(f"organization/{w.org}/robots/ci", {"allowed_ips": ["10.0.0.0/8"]}))
    w.mark()
    w.ok(w.a.put(f"organization/{w.org}/robots/ci",
                 {"allowed_ips": ["10.0.0.0/8", "192.0.2.7/32"]}))
    return ("change_robot_allowed_ips", admin_did(w),
            {"robot", "allowed_ips", "previous_allowed_ips"} | TOKEN,
            {"robot": "ci", "allowed_ips": ["10.0.0.0/8", "192.0.2.7/32"],
             "previous_allowed_ips": ["10.0.0.0/8"]})


FED_CONFIG = [{"issuer": "https://token.actions.githubusercontent.com",
               "subject": "repo:acme/app:ref:refs/heads/main"}]


def row_create_robot_federation(w):
    w.mark()
    w.ok(w.a.post(f"organization/{w.org}/robots/ci/federation", FED_CONFIG))
    return ("create_robot_federation", admin_did(w), {"robot", "config"} | TOKEN,
            {"robot": "ci"})


def row_delete_robot_federation(w):
    w.ok(w.a.post(f"organization/{w.org}/robots/ci/federation", FED_CONFIG))
    w.mark()
    w.ok(w.a.delete(f"organization/{w.org}/robots/ci/federation"))
    return ("delete_robot_federation", admin_did(w), {"robot"} | TOKEN, {"robot": "ci"})


def row_org_change_email(w):
    w.mark()
    w.ok(w.a.put(f"organization/{w.org}", {"email": f"billing-{w.org}@example.com"}))
    return ("org_change_email", admin_did(w), {"namespace", "email"} | TOKEN,
            {"namespace": w.org, "email": f"billing-{w.org}@example.com"})


def row_org_change_robot_token_lifetime(w):
    w.mark()
    w.ok(w.a.put(f"organization/{w.org}", {"max_robot_token_lifetime": 86400}))
    return ("org_change_robot_token_lifetime", admin_did(w),
            {"namespace", "max_robot_token_lifetime", "previous"} | TOKEN,
            {"namespace": w.org, "max_robot_token_lifetime": 86400})


def row_change_repo_permission(w):
    w.mark()
    w.ok(w.a.put(f"repository/{w.repo}/permissions/user/{w.bot['name']}", {"role": "admin"}))
    return ("change_repo_permission", admin_did(w), {"repo", "namespace", "username", "role"}
            | TOKEN, {"username": w.bot["name"], "role": "admin"})


def row_delete_repo_permission(w):
    w.mark()
    w.ok(w.a.delete(f"repository/{w.repo}/permissions/user/{w.bot['name']}"))
    return ("delete_repo_permission", admin_did(w), {"repo", "namespace", "username"} | TOKEN,
            {"username": w.bot["name"]})


def row_org_create(w):
    org2 = create_org(w.a)
    (e,) = [e for e in all_logs(w.a, f"organization/{org2}/logs") if e["kind"] == "org_create"]
    return e, admin_did(w), {"namespace", "email"} | TOKEN, {"namespace": org2}


def row_org_delete(w):
    org2 = create_org(w.a)
    w.ok(w.a.delete(f"organization/{org2}"))
    return db_entry(w, org2, "org_delete"), admin_did(w), {"namespace"} | TOKEN, {"namespace": org2}


def row_org_create_team(w):
    w.mark()
    w.ok(w.a.put(f"organization/{w.org}/team/devs", {"role": "member"}))
    return ("org_create_team", admin_did(w), {"team"} | TOKEN, {"team": "devs"})


def row_org_delete_team(w):
    w.ok(w.a.put(f"organization/{w.org}/team/devs", {"role": "member"}))
    w.mark()
    w.ok(w.a.delete(f"organization/{w.org}/team/devs"))
    return ("org_delete_team", admin_did(w), {"team"} | TOKEN, {"team": "devs"})


def row_org_set_team_role(w):
    w.ok(w.a.put(f"organization/{w.org}/team/devs", {"role": "member"}))
    w.mark()
    w.ok(w.a.put(f"organization/{w.org}/team/devs", {"role": "creator"}))
    return ("org_set_team_role", admin_did(w), {"team", "role"} | TOKEN,
            {"team": "devs", "role": "creator"})


def row_org_add_team_member(w):
    w.ok(w.a.put(f"organization/{w.org}/team/devs", {"role": "member"}))
    w.mark()
    w.ok(w.a.put(f"organization/{w.org}/team/devs/members/{w.bot['name']}"))
    return ("org_add_team_member", admin_did(w), {"team", "member"} | TOKEN,
            {"team": "devs", "member": w.bot["name"]})


def row_org_remove_team_member(w):
    w.ok(w.a.put(f"organization/{w.org}/team/devs", {"role": "member"}))
    w.ok(w.a.put(f"organization/{w.org}/team/devs/members/{w.bot['name']}"))
    w.mark()
    w.ok(w.a.delete(f"organization/{w.org}/team/devs/members/{w.bot['name']}"))
    return ("org_remove_team_member", admin_did(w), {"team", "member"} | TOKEN,
            {"team": "devs", "member": w.bot["name"]})


def _prototype(w):
    return w.ok(w.a.post(f"organization/{w.org}/prototypes",
                         {"role": "read", "delegate": {"kind": "user", "name": w.bot["name"]}}))


def row_create_prototype_permission(w):
    w.mark()
    pid = _prototype(w).json()["id"]
    return ("create_prototype_permission", admin_did(w), {"id", "role", "delegate_user"} | TOKEN,
            {"id": pid, "role": "read", "delegate_user": w.bot["name"]})


def row_modify_prototype_permission(w):
    pid = _prototype(w).json()["id"]
    w.mark()
    w.ok(w.a.put(f"organization/{w.org}/prototypes/{pid}", {"role": "write"}))
    return ("modify_prototype_permission", admin_did(w), {"id", "role"} | TOKEN,
            {"id": pid, "role": "write"})


def row_delete_prototype_permission(w):
    pid = _prototype(w).json()["id"]
    w.mark()
    w.ok(w.a.delete(f"organization/{w.org}/prototypes/{pid}"))
    return ("delete_prototype_permission", admin_did(w), {"id"} | TOKEN, {"id": pid})


def row_create_application(w):
    w.mark()
    app = w.ok(w.a.post(f"organization/{w.org}/applications", {"name": "ciapp"})).json()
    return ("create_application", admin_did(w), {"application_name", "client_id"} | TOKEN,
            {"application_name": "ciapp", "client_id": app["client_id"]})


def _app_token(w):
    app = w.ok(w.a.post(f"organization/{w.org}/applications", {"name": "ciapp"})).json()
    tok = w.ok(w.a.post(f"organization/{w.org}/applications/{app['client_id']}/tokens",
                        {"name": "t1", "scope": "repo:read"})).json()
    return app, tok


def row_create_oauth_api_token(w):
    app = w.ok(w.a.post(f"organization/{w.org}/applications", {"name": "ciapp"})).json()
    w.mark()
    tok = w.ok(w.a.post(f"organization/{w.org}/applications/{app['client_id']}/tokens",
                        {"name": "t1", "scope": "repo:read"})).json()
    return ("create_oauth_api_token", admin_did(w),
            {"application_name", "client_id", "token_uuid", "token_name", "scope"} | TOKEN,
            {"token_uuid": tok["uuid"], "token_name": "t1", "client_id": app["client_id"]})


def row_revoke_oauth_api_token(w):
    app, tok = _app_token(w)
    w.mark()
    w.ok(w.a.delete(f"organization/{w.org}/applications/{app['client_id']}/tokens/{tok['uuid']}"))
    return ("revoke_oauth_api_token", admin_did(w),
            {"application_name", "client_id", "token_uuid"} | TOKEN, {"token_uuid": tok["uuid"]},
            lambda e: tok["token"] not in json.dumps(e))


def row_user_create(w):
    user = uniq("u")
    w.ok(w.a.post("superuser/users/", {"username": user, "email": f"{user}@example.com"}))
    return db_entry(w, user, "user_create"), admin_did(w), {"username", "email"} | TOKEN, \
        {"username": user}


def row_user_delete(w):
    user = uniq("u")
    w.ok(w.a.post("superuser/users/", {"username": user, "email": f"{user}@example.com"}))
    w.ok(w.a.delete(f"superuser/users/{user}"))
    return db_entry(w, user, "user_delete"), admin_did(w), {"username"} | TOKEN, {"username": user}


def db_entry(w, ns, kind):
    """The one entry of kind in namespace ns (gone: no API log reads it), shaped
    as the API renders it."""
    logs(w.a, "user/logs")  # a log read waits for what is still queued
    rows = db_exec(w.w, "SELECT performer_name, performer_kind, ip, metadata_json FROM log_entry "
                   "WHERE namespace_name = ? AND kind = ?", (ns, kind))
    assert len(rows) == 1, (ns, kind, rows)
    name, pkind, ip, md = rows[0]
    return {"kind": kind, "ip": ip, "metadata": json.loads(md),
            "performer": {"name": name, "is_robot": pkind == 2}}


ROWS = [v for k, v in sorted(globals().items()) if k.startswith("row_")]


@pytest.mark.parametrize("row", ROWS, ids=[r.__name__[4:] for r in ROWS])
def test_kind(api, row):  # noqa: F811
    w = World(api)
    got = row(w)
    kind_or_entry, who, keys, md = got[:4]
    check = got[4] if len(got) > 4 else None
    if isinstance(kind_or_entry, dict):
        e = kind_or_entry
    else:
        new = w.new_entries()
        mine = [e for e in new if e["kind"] == kind_or_entry]
        assert len(mine) == 1, (kind_or_entry, [x["kind"] for x in new])
        e = mine[0]
    assert e["ip"] == IP, e
    if who is None:
        assert "performer" not in e, e
    else:
        assert e["performer"]["name"] == who["performer"], e
        assert e["performer"]["is_robot"] is who["is_robot"], e
    assert set(e["metadata"]) == keys, (sorted(e["metadata"]), sorted(keys))
    for k, v in md.items():
        assert e["metadata"][k] == v, (k, e)
    if check:
        assert check(e), e


def test_every_issue_kind_has_a_row():
    issue7 = """login_success login_failure pull_repo push_repo pull_repo_failed push_repo_failed
        create_repo delete_repo change_repo_visibility delete_tag create_robot delete_robot
        regenerate_robot_token change_repo_permission delete_repo_permission org_create org_delete
        org_create_team org_delete_team org_set_team_role org_add_team_member
        org_remove_team_member create_prototype_permission modify_prototype_permission
        delete_prototype_permission create_application create_oauth_api_token
        revoke_oauth_api_token user_create user_delete
        create_robot_token revoke_robot_token enable_robot disable_robot
        change_robot_allowed_ips""".split()
    names = {r.__name__[4:] for r in ROWS}
    for kind in issue7:
        assert any(n == kind or n.startswith(kind + "_") for n in names), kind


# --- no secret anywhere -------------------------------------------------------------


def test_no_secret_in_entries_database_or_log(api):  # noqa: F811
    w = World(api)
    a, org = w.a, w.org
    secrets = [w.bot["token"], api.admin_password, api.admin_token]
    push_image(w.robot, w.repo, "v1")
    # more tokens: added, rotated with grace, revoked; each one used
    added = w.ok(a.post(f"organization/{org}/robots/ci/tokens", {"label": "extra"})).json()
    secrets.append(added["token"])
    rot = w.ok(a.post(f"organization/{org}/robots/ci/regenerate", {"grace_period": 300})).json()
    secrets.append(rot["token"])
    for t in secrets[:1] + [added["token"], rot["token"]]:
        assert registry_auth(api, w.bot["name"], t).status_code == 200
        w.ok(As(api, w.bot["name"], t).get(f"/v2/{w.repo}/manifests/v1",
                                            headers={"Accept": OCI_MANIFEST}))
    w.ok(a.delete(f"organization/{org}/robots/ci/tokens/{added['id']}"))
    # a user with a password, and an API token
    user = uniq("u")
    created = w.ok(a.post("superuser/users/", {"username": user,
                                               "email": f"{user}@example.com"})).json()
    assert created.get("password"), created
    secrets.append(created["password"])
    assert registry_auth(api, user, created["password"]).status_code == 200
    app = w.ok(a.post(f"organization/{org}/applications", {"name": "s"})).json()
    tok = w.ok(a.post(f"organization/{org}/applications/{app['client_id']}/tokens",
                      {"name": "t", "scope": "org:admin"})).json()
    secrets += [tok["token"], app.get("client_secret") or tok["token"]]
    r = requests.get(f"{api.url}/api/v1/organization/{org}/logs",
                     headers={"Authorization": "Bearer " + tok["token"]}, timeout=30)
    assert r.status_code == 200, describe(r)
    # failed logins with wrong secrets of every kind
    wrong = ["WRONGROBOT" + uniq("t").upper() * 3, "wrong-pass-" + uniq("p"),
             "wrong-oauth-" + uniq("o"), "wrong-bearer-" + uniq("b")]
    secrets += wrong
    assert registry_auth(api, w.bot["name"], wrong[0]).status_code == 401
    assert registry_auth(api, api.admin_user, wrong[1]).status_code == 401
    assert registry_auth(api, user, wrong[1]).status_code == 401
    assert registry_auth(api, "$oauthtoken", wrong[2]).status_code == 401
    r = requests.get(f"{api.url}/v2/{w.repo}/manifests/v1",
                     headers={"Authorization": "Bearer " + wrong[3]}, timeout=30)
    assert r.status_code == 401
    r = As(api, w.bot["name"], wrong[0]).get(f"/v2/{w.repo}/manifests/v1")
    assert r.status_code == 401
    r = requests.get(f"{api.url}/api/v1/organization/{org}/logs",
                     headers={"Authorization": "Bearer " + wrong[2]}, timeout=30)
    assert r.status_code in (401, 403)

    entries = all_logs(a, f"organization/{org}/logs") + all_logs(a, "user/logs")
    kinds = {e["kind"] for e in entries}
    assert {"login_success", "login_failure", "pull_repo", "regenerate_robot_token",
            "create_robot_token", "revoke_robot_token"} <= kinds, kinds
    text = json.dumps(entries)
    for s in secrets:
        assert s not in text
    files = glob.glob(db_path(api) + "*") if api.db.startswith("sqlite") else []
    assert files or not api.db.startswith("sqlite")  # the database, its -wal and -shm
    for f in files + [api.log_path]:
        with open(f, "rb") as fh:
            data = fh.read()
        for s in secrets:
            assert s.encode() not in data, f"a secret is in {os.path.basename(f)}"
    if api.db.startswith("postgres"):
        data = pg_dump(api.db)
        for s in secrets:
            assert s.encode() not in data, "a secret is in the PostgreSQL database"


# --- last use of human accounts ---------------------------------------------------


def test_user_last_accessed(api):  # noqa: F811
    """Set on a successful password authentication (registry or sign-in),
    written at most once a minute; shown in the user's own view and the
    superuser's user views (wharf extension, as robots' last_accessed)."""
    from apihelpers import RFC2822_RE, signed_in
    a = api.admin
    user = uniq("u")
    pw = World.ok(a.post("superuser/users/", {"username": user,
                                              "email": f"{user}@example.com"})).json()["password"]
    assert World.ok(a.get(f"superuser/users/{user}")).json()["last_accessed"] is None
    assert registry_auth(api, user, "wrong-" + pw).status_code == 401
    assert World.ok(a.get(f"superuser/users/{user}")).json()["last_accessed"] is None
    assert registry_auth(api, user, pw).status_code == 200
    first = World.ok(a.get(f"superuser/users/{user}")).json()["last_accessed"]
    assert RFC2822_RE.fullmatch(first), first
    listed = [u for u in World.ok(a.get("superuser/users/")).json()["users"]
              if u["username"] == user]
    assert listed[0]["last_accessed"] == first
    time.sleep(1.1)  # a second later: within the minute, not written again
    me = signed_in(api, user, pw).get("user/")
    assert me.status_code == 200, describe(me)
    assert me.json()["last_accessed"] == first
    # an older stamp is moved on by the next authentication
    db_exec(api, "UPDATE account SET last_accessed = 1000 WHERE name = ?", (user,))
    assert registry_auth(api, user, pw).status_code == 200
    now = World.ok(a.get(f"superuser/users/{user}")).json()["last_accessed"]
    assert RFC2822_RE.fullmatch(now) and now != "Thu, 01 Jan 1970 00:16:40 -0000", now
