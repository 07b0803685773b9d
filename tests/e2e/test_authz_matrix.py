"""The authorization matrix: every route `wharf routes` lists, sent by every
kind of principal, gets exactly the status the spec gives it.

Routes come from `wharf routes` (the table the server dispatches from); a
route without a row in TABLE fails test_every_route_has_a_row, so no route
goes untested. Expected statuses are not read from the server's table: they
come from the world authzworld.py builds (orgs acme and other, teams, repos
acme/private, acme/public, other/stuff, users, robots, tokens, dead
credentials) and the rules of quay-api.md §1, §2-§4, §6 and DESIGN.md
"Permissions are per repository":

- dead credentials (wrong, regenerated, deleted, expired, revoked) -> 401;
- an API token lacking a scope the route needs -> 403 (route scope gate);
- allowed -> the route's success status; otherwise anonymous -> 401 (on /v2
  with a Bearer challenge, on /api/v1 error_type invalid_token) and anyone
  else -> 403 (insufficient_scope / DENIED);
- HTTP Basic is not an /api/v1 credential (§1): Basic callers there are
  anonymous; robots therefore never act on /api/v1;
- on /v2 a token's repository role is capped by its repo:* scopes (§1), and
  only repo:create lets a token create a repository by pushing.

Destructive requests act on throwaway targets (made on first use, replaced
after a request that succeeded), so cases run in any order. One test item
per route and target sends it as every principal; discrepancies with the
spec that wharf has today are listed in KNOWN and xfail exactly there."""
from dataclasses import dataclass

import pytest

from authzworld import (ANON, DIRECT_PERMS, ORG_NAMES, ORG_ROLE, ORGS, PRINCIPALS, REPOS, ROLE,
                        ROUTES, TEAM_PERMS, WHARF_BIN, Req, channel_ident, fill, is_api,
                        is_public, mx, org_of, rn, shape, uniq)  # noqa: F401  (mx: fixture)
from ocihelpers import OCI_MANIFEST, digest_of

# --- the oracle: what the spec gives each identity ---------------------------------


def org_role(acct, org):
    return max((ORG_ROLE[role] for role, members in ORGS[org].values() if acct in members),
               default=0)


def repo_role(ident, target):
    """The repository role the model gives ident on a target repository."""
    if ident.kind not in ("user", "robot") or target == "new":
        return 0
    org, acct = org_of(target), ident.account
    role = 3 if org_role(acct, org) >= 3 else 0
    role = max(role, ROLE.get(DIRECT_PERMS.get(acct, {}).get(target), 0))
    for team, (_, members) in ORGS[org].items():
        if acct in members:
            role = max(role, ROLE.get(TEAM_PERMS.get((org, team), {}).get(target), 0))
    if ident.scopes is not None:  # §1: repo:* caps the repository role
        s = ident.scopes
        role = min(role, 3 if "repo:admin" in s else 2 if "repo:write" in s
                   else 1 if "repo:read" in s else 0)
    return role


def can_create(ident, org):
    """§4.2/§6: org creator or admin; a token needs repo:create."""
    if ident.kind not in ("user", "robot"):
        return False
    if ident.scopes is not None and "repo:create" not in ident.scopes:
        return False
    return org_role(ident.account, org) >= 2


RULES = {
    "open": lambda i, t: True,
    "auth": lambda i, t: i.kind in ("user", "robot"),
    "user": lambda i, t: i.kind == "user",
    "pull": lambda i, t: is_public(t) or repo_role(i, t) >= 1,
    "push": lambda i, t: repo_role(i, t) >= 2 or (t == "new" and can_create(i, "acme")),
    "repo_read": lambda i, t: is_public(t) or repo_role(i, t) >= 1,
    "repo_write": lambda i, t: repo_role(i, t) >= 2,
    "repo_admin": lambda i, t: repo_role(i, t) >= 3,
    "create_repo": lambda i, t: i.kind == "user" and can_create(i, org_of(t)),
    "org_member": lambda i, t: i.kind == "user" and org_role(i.account, org_of(t)) >= 1,
    "org_admin": lambda i, t: i.kind == "user" and org_role(i.account, org_of(t)) >= 3,
    # Quay's ViewTeamPermission: the team's own members and org admins
    "team_view": lambda i, t: i.kind == "user" and (
        org_role(i.account, t) >= 3 or i.account in ORGS[t][ORG_NAMES[t]["team"]][1]),
    "superuser": lambda i, t: i.kind == "user" and i.account == "admin",
}


def expect(row, target, ident, api):
    """The status the spec gives ident on row's route and target."""
    if ident.kind == "dead":
        return 401
    if api and ident.scopes is not None and not row.scopes <= ident.scopes:
        return 403
    if RULES[row.rule](ident, target):
        return row.ok
    return 401 if ident.kind == "anon" else 403


# --- the expectation table ------------------------------------------------------

@dataclass
class Row:
    """How one route is expected to behave and how to call it."""
    rule: str                    # RULES key: who is allowed
    ok: int                      # the success status
    build: object                # (mx, target, principal) -> Req
    targets: tuple = (None,)
    scopes: frozenset = frozenset()  # API scopes a token needs (all of them)
    jwt: bool = True             # also sent with registry JWTs (/v2 only)


def S(*names):
    return frozenset(names)


REPO_T = ("private", "public", "other")
ORG_T = ("acme", "other")
V2 = "/v2/{}"


def spend(kind):
    """A builder that names a throwaway from mx.make_<kind>(target)."""
    def build(mx, t, p):
        key = (kind, t)
        return Req(mx.supply(key, lambda: getattr(mx, "make_" + kind)(t)), used=key)
    return build


def b_user_robot_delete(mx, t, p):
    owner = p.account if p.account in mx.user_tokens else None
    if not owner:
        return Req(["nosuchbot"])
    key = ("userrobot", owner)
    return Req([mx.supply(key, lambda: mx.make_user_robot(owner))], used=key)


def b_user_robot_token_add(mx, t, p):
    owner = p.account if p.account in mx.user_tokens else None
    if not owner:
        return Req(["nosuchbot"], body={})
    key = ("userrobot-tok", owner)
    return Req([mx.supply(key, lambda: mx.make_user_robot(owner))], body={}, used=key)


def b_user_robot_token_delete(mx, t, p):
    owner = p.account if p.account in mx.user_tokens else None
    if not owner:
        return Req(["nosuchbot", "1"])
    key = ("userrobot-tokdel", owner)

    def make():
        short = mx.make_user_robot(owner)
        r = mx.call("POST", f"/api/v1/user/robots/{short}/tokens",
                    "Bearer " + mx.user_tokens[owner], {})
        assert r.status_code == 201, r.text
        return short, str(r.json()["id"])
    return Req(list(mx.supply(key, make)), used=key)


def b_org_robot_token_delete(mx, t, p):
    key = ("orgrobot-tokdel", t)

    def make():
        short = mx.make_org_robot(t)
        return short, str(mx.adm("POST", f"organization/{t}/robots/{short}/tokens", {})["id"])
    return Req([t] + list(mx.supply(key, make)), used=key)


TABLE = {
    # ---- OCI distribution (/v2); DELETE needs write, as Quay's require_repo_write
    ("GET", "/v2/"): Row("auth", 200, lambda mx, t, p: Req([])),
    ("GET", "/v2/auth"): Row("auth", 200, lambda mx, t, p: Req(
        [], query=[("service", mx.w.host)]), jwt=False),
    ("GET", "/v2/_catalog"): Row("auth", 200, lambda mx, t, p: Req([])),
    ("GET", V2 + "/tags/list"): Row("pull", 200, lambda mx, t, p: Req([rn(t)]), REPO_T),
    ("GET", V2 + "/manifests/{}"): Row("pull", 200, lambda mx, t, p: Req(
        [rn(t), "v1"], headers={"Accept": OCI_MANIFEST}), REPO_T),
    ("HEAD", V2 + "/manifests/{}"): Row("pull", 200, lambda mx, t, p: Req(
        [rn(t), "v1"], headers={"Accept": OCI_MANIFEST}), REPO_T),
    ("PUT", V2 + "/manifests/{}"): Row("push", 201, lambda mx, t, p: Req(
        [rn(t), "v1"], body=mx.images[t].body, headers={"Content-Type": OCI_MANIFEST}), REPO_T),
    ("DELETE", V2 + "/manifests/{}"): Row("push", 202, lambda mx, t, p: Req(
        [rn(t), mx.supply(("manifest", t), lambda: mx.make_manifest(t))],
        used=("manifest", t)), REPO_T),
    ("POST", V2 + "/blobs/uploads/"): Row("push", 202, lambda mx, t, p: mx.upload_start_req(t),
                                          REPO_T + ("new",)),
    ("GET", V2 + "/blobs/uploads/{}"): Row("push", 204, lambda mx, t, p: Req(
        [rn(t), mx.uploads[t]]), REPO_T),
    ("PATCH", V2 + "/blobs/uploads/{}"): Row("push", 202, lambda mx, t, p: Req(
        [rn(t), mx.supply(("upload", t, "patch"), lambda: mx.make_upload(t))], body=b"chunk",
        headers={"Content-Type": "application/octet-stream"}, used=("upload", t, "patch")), REPO_T),
    ("PUT", V2 + "/blobs/uploads/{}"): Row("push", 201, lambda mx, t, p: mx.upload_put_req(t),
                                           REPO_T),
    ("DELETE", V2 + "/blobs/uploads/{}"): Row("push", 204, lambda mx, t, p: Req(
        [rn(t), mx.supply(("upload", t, "delete"), lambda: mx.make_upload(t))],
        used=("upload", t, "delete")), REPO_T),
    ("GET", V2 + "/blobs/{}"): Row("pull", 200, lambda mx, t, p: Req(
        [rn(t), mx.images[t].config["digest"]]), REPO_T),
    ("HEAD", V2 + "/blobs/{}"): Row("pull", 200, lambda mx, t, p: Req(
        [rn(t), mx.images[t].config["digest"]]), REPO_T),
    ("DELETE", V2 + "/blobs/{}"): Row("push", 202, lambda mx, t, p: Req(
        [rn(t), mx.supply(("blob", t), lambda: mx.make_blob(t))], used=("blob", t)), REPO_T),
    ("GET", V2 + "/referrers/{}"): Row("pull", 200, lambda mx, t, p: Req(
        [rn(t), mx.images[t].digest]), REPO_T),

    # ---- the calling user and its robots (§2.1, §4.5 end)
    ("GET", "/api/v1/user/"): Row("user", 200, lambda mx, t, p: Req([]), scopes=S("user:read")),
    ("GET", "/api/v1/user/robots"): Row("user", 200, lambda mx, t, p: Req([]),
                                        scopes=S("user:admin")),
    ("GET", "/api/v1/user/robots/{}"): Row("user", 200, lambda mx, t, p: Req(["mine"]),
                                           scopes=S("user:admin")),
    ("PUT", "/api/v1/user/robots/{}"): Row("user", 201, lambda mx, t, p: Req(
        [uniq("u")], body={}), scopes=S("user:admin")),
    ("DELETE", "/api/v1/user/robots/{}"): Row("user", 204, b_user_robot_delete,
                                              scopes=S("user:admin")),
    ("POST", "/api/v1/user/robots/{}/regenerate"): Row("user", 200, lambda mx, t, p: Req(
        ["mine"]), scopes=S("user:admin")),
    ("GET", "/api/v1/user/robots/{}/permissions"): Row("user", 200, lambda mx, t, p: Req(
        ["mine"]), scopes=S("user:admin")),
    # federation configuration (§2.4); POST replaces, DELETE empties: idempotent
    ("GET", "/api/v1/user/robots/{}/federation"): Row("user", 200, lambda mx, t, p: Req(
        ["mine"]), scopes=S("user:admin")),
    ("POST", "/api/v1/user/robots/{}/federation"): Row("user", 200, lambda mx, t, p: Req(
        ["mine"], body=[{"issuer": "https://ci.example", "subject": "repo:x"}]),
        scopes=S("user:admin")),
    ("DELETE", "/api/v1/user/robots/{}/federation"): Row("user", 204, lambda mx, t, p: Req(
        ["mine"]), scopes=S("user:admin")),
    # robot tokens (wharf extension, issue 8): as regenerate
    ("GET", "/api/v1/user/robots/{}/tokens"): Row("user", 200, lambda mx, t, p: Req(
        ["mine"]), scopes=S("user:admin")),
    ("POST", "/api/v1/user/robots/{}/tokens"): Row("user", 201, b_user_robot_token_add,
                                                   scopes=S("user:admin")),
    ("DELETE", "/api/v1/user/robots/{}/tokens/{}"): Row("user", 204, b_user_robot_token_delete,
                                                        scopes=S("user:admin")),

    # ---- organizations and their robots (§2.1, §4.1); robot permissions also
    # want user:admin (Quay's require_user_admin decorator)
    ("POST", "/api/v1/organization/"): Row("user", 201, lambda mx, t, p: Req(
        [], body={"name": (n := uniq("o")), "email": f"{n}@example.com"}), scopes=S("user:admin")),
    ("GET", "/api/v1/organization/{}"): Row("open", 200, lambda mx, t, p: Req([t]), ORG_T),
    # changeOrganizationDetails; null max_robot_token_lifetime (none) keeps it idempotent
    ("PUT", "/api/v1/organization/{}"): Row("org_admin", 200, lambda mx, t, p: Req(
        [t], body={"max_robot_token_lifetime": None}), ORG_T, S("org:admin")),
    ("DELETE", "/api/v1/organization/{}"): Row("org_admin", 204, spend("org"), ORG_T,
                                               S("org:admin")),
    ("GET", "/api/v1/organization/{}/robots"): Row("org_member", 200, lambda mx, t, p: Req(
        [t]), ORG_T, S("org:admin")),
    ("GET", "/api/v1/organization/{}/robots/{}"): Row("org_admin", 200, lambda mx, t, p: Req(
        [t, ORG_NAMES[t]["robot"]]), ORG_T, S("org:admin")),
    ("PUT", "/api/v1/organization/{}/robots/{}"): Row("org_admin", 201, lambda mx, t, p: Req(
        [t, uniq("r")], body={"description": "matrix"}), ORG_T, S("org:admin")),
    ("DELETE", "/api/v1/organization/{}/robots/{}"): Row("org_admin", 204, lambda mx, t, p: Req(
        [t, mx.supply(("orgrobot", t, "d"), lambda: mx.make_org_robot(t))],
        used=("orgrobot", t, "d")), ORG_T, S("org:admin")),
    ("POST", "/api/v1/organization/{}/robots/{}/regenerate"): Row("org_admin", 200,
        lambda mx, t, p: Req([t, mx.supply(("orgrobot", t, "r"), lambda: mx.make_org_robot(t))],
                             used=("orgrobot", t, "r")), ORG_T, S("org:admin")),
    ("GET", "/api/v1/organization/{}/robots/{}/permissions"): Row("org_admin", 200,
        lambda mx, t, p: Req([t, ORG_NAMES[t]["robot"]]), ORG_T, S("org:admin", "user:admin")),
    ("GET", "/api/v1/organization/{}/robots/{}/federation"): Row("org_admin", 200,
        lambda mx, t, p: Req([t, ORG_NAMES[t]["robot"]]), ORG_T, S("org:admin")),
    ("POST", "/api/v1/organization/{}/robots/{}/federation"): Row("org_admin", 200,
        lambda mx, t, p: Req([t, ORG_NAMES[t]["robot"]],
                             body=[{"issuer": "https://ci.example", "subject": "repo:x"}]),
        ORG_T, S("org:admin")),
    ("DELETE", "/api/v1/organization/{}/robots/{}/federation"): Row("org_admin", 204,
        lambda mx, t, p: Req([t, ORG_NAMES[t]["robot"]]), ORG_T, S("org:admin")),
    ("GET", "/api/v1/organization/{}/robots/{}/tokens"): Row("org_admin", 200,
        lambda mx, t, p: Req([t, ORG_NAMES[t]["robot"]]), ORG_T, S("org:admin")),
    ("POST", "/api/v1/organization/{}/robots/{}/tokens"): Row("org_admin", 201,
        lambda mx, t, p: Req([t, mx.supply(("orgrobot", t, "tok"), lambda: mx.make_org_robot(t))],
                             body={}, used=("orgrobot", t, "tok")), ORG_T, S("org:admin")),
    ("DELETE", "/api/v1/organization/{}/robots/{}/tokens/{}"): Row("org_admin", 204,
        b_org_robot_token_delete, ORG_T, S("org:admin")),

    # ---- teams (§4.2): writes need org admin, reads the team's members or org admins;
    # Quay's getOrganizationTeamPermissions is AdministerOrganizationPermission
    ("PUT", "/api/v1/organization/{}/team/{}"): Row("org_admin", 200, lambda mx, t, p: Req(
        [t, uniq("t")], body={"role": "member"}), ORG_T, S("org:admin")),
    ("DELETE", "/api/v1/organization/{}/team/{}"): Row("org_admin", 204, lambda mx, t, p: Req(
        [t, mx.supply(("team", t, "d"), lambda: mx.make_team(t))], used=("team", t, "d")),
        ORG_T, S("org:admin")),
    ("GET", "/api/v1/organization/{}/team/{}/members"): Row("team_view", 200, lambda mx, t, p:
        Req([t, ORG_NAMES[t]["team"]]), ORG_T, S("org:admin")),
    ("PUT", "/api/v1/organization/{}/team/{}/members/{}"): Row("org_admin", 200,
        lambda mx, t, p: Req([t, mx.supply(("team", t, "add"), lambda: mx.make_team(t)),
                              f"{t}+victim"], used=("team", t, "add")), ORG_T, S("org:admin")),
    ("DELETE", "/api/v1/organization/{}/team/{}/members/{}"): Row("org_admin", 204,
        lambda mx, t, p: Req([t, mx.supply(("team", t, "rm"), lambda: mx.make_team(t, True)),
                              f"{t}+victim"], used=("team", t, "rm")), ORG_T, S("org:admin")),
    ("GET", "/api/v1/organization/{}/team/{}/permissions"): Row("org_admin", 200,
        lambda mx, t, p: Req([t, ORG_NAMES[t]["team"]]), ORG_T, S("org:admin")),

    # ---- default permissions (§4.4): org admin; POST answers 200 as Quay's
    ("GET", "/api/v1/organization/{}/prototypes"): Row("org_admin", 200, lambda mx, t, p: Req(
        [t]), ORG_T, S("org:admin")),
    ("POST", "/api/v1/organization/{}/prototypes"): Row("org_admin", 200, lambda mx, t, p: Req(
        [t], body={"role": "read", "delegate": {"kind": "user", "name": f"{t}+victim"}}),
        ORG_T, S("org:admin")),
    ("PUT", "/api/v1/organization/{}/prototypes/{}"): Row("org_admin", 200, lambda mx, t, p: Req(
        [t, mx.prototypes[t]], body={"role": "read"}), ORG_T, S("org:admin")),
    ("DELETE", "/api/v1/organization/{}/prototypes/{}"): Row("org_admin", 204, lambda mx, t, p:
        Req([t, mx.supply(("proto", t), lambda: mx.make_prototype(t))], used=("proto", t)),
        ORG_T, S("org:admin")),

    # ---- repository permissions (§3): repo admin, scope repo:admin
    ("GET", "/api/v1/repository/{}/permissions/user/"): Row("repo_admin", 200, lambda mx, t, p:
        Req([rn(t)]), REPO_T, S("repo:admin")),
    ("GET", "/api/v1/repository/{}/permissions/user/{}"): Row("repo_admin", 200,
        lambda mx, t, p: Req([rn(t), mx.holder(t)]), REPO_T, S("repo:admin")),
    ("PUT", "/api/v1/repository/{}/permissions/user/{}"): Row("repo_admin", 200,
        lambda mx, t, p: Req([rn(t), mx.holder(t)], body={"role": DIRECT_PERMS[mx.holder(t)][t]}),
        REPO_T, S("repo:admin")),
    ("DELETE", "/api/v1/repository/{}/permissions/user/{}"): Row("repo_admin", 204,
        lambda mx, t, p: Req([rn(t), mx.supply(("victimperm", t), lambda: mx.grant_victim(t))],
                             used=("victimperm", t)), REPO_T, S("repo:admin")),
    ("GET", "/api/v1/repository/{}/permissions/team/"): Row("repo_admin", 200, lambda mx, t, p:
        Req([rn(t)]), REPO_T, S("repo:admin")),
    ("GET", "/api/v1/repository/{}/permissions/team/{}"): Row("repo_admin", 200,
        lambda mx, t, p: Req([rn(t), ORG_NAMES[org_of(t)]["team"]]), REPO_T, S("repo:admin")),
    ("PUT", "/api/v1/repository/{}/permissions/team/{}"): Row("repo_admin", 200,
        lambda mx, t, p: Req([rn(t), ORG_NAMES[org_of(t)]["team"]], body={"role": "read"}),
        REPO_T, S("repo:admin")),
    ("DELETE", "/api/v1/repository/{}/permissions/team/{}"): Row("repo_admin", 204,
        lambda mx, t, p: Req([rn(t), mx.supply(("teamperm", t), lambda: mx.make_team_perm(t))],
                             used=("teamperm", t)), REPO_T, S("repo:admin")),

    # ---- repositories (§4.3)
    ("POST", "/api/v1/repository/{}/changevisibility"): Row("repo_admin", 200, lambda mx, t, p:
        Req([rn(t)], body={"visibility": "public" if is_public(t) else "private"}),
        REPO_T, S("repo:admin")),
    ("POST", "/api/v1/repository"): Row("create_repo", 201, lambda mx, t, p: Req(
        [], body={"namespace": t, "repository": uniq("n"), "visibility": "private",
                  "description": ""}), ORG_T, S("repo:create")),
    ("GET", "/api/v1/repository"): Row("auth", 200, lambda mx, t, p: Req(
        [], query=[("namespace", "acme")]), scopes=S("repo:read")),
    ("GET", "/api/v1/repository/{}"): Row("repo_read", 200, lambda mx, t, p: Req([rn(t)]),
                                          REPO_T, S("repo:read")),
    ("PUT", "/api/v1/repository/{}"): Row("repo_write", 200, lambda mx, t, p: Req(
        [rn(t)], body={"description": "matrix"}), REPO_T, S("repo:write")),
    ("DELETE", "/api/v1/repository/{}"): Row("repo_admin", 204, spend("repo"), REPO_T,
                                             S("repo:admin")),

    # ---- audit logs (§5): org admin with org:admin, repo admin with repo:admin, a
    # user's own with user:admin (Quay's logs.py)
    ("GET", "/api/v1/organization/{}/logs"): Row("org_admin", 200, lambda mx, t, p: Req([t]),
                                                 ORG_T, S("org:admin")),
    ("GET", "/api/v1/organization/{}/aggregatelogs"): Row("org_admin", 200, lambda mx, t, p:
        Req([t]), ORG_T, S("org:admin")),
    ("GET", "/api/v1/repository/{}/logs"): Row("repo_admin", 200, lambda mx, t, p: Req([rn(t)]),
                                               REPO_T, S("repo:admin")),
    ("GET", "/api/v1/repository/{}/aggregatelogs"): Row("repo_admin", 200, lambda mx, t, p:
        Req([rn(t)]), REPO_T, S("repo:admin")),
    ("GET", "/api/v1/user/logs"): Row("user", 200, lambda mx, t, p: Req([]),
                                      scopes=S("user:admin")),
    ("GET", "/api/v1/user/aggregatelogs"): Row("user", 200, lambda mx, t, p: Req([]),
                                               scopes=S("user:admin")),
    ("POST", "/api/v1/organization/{}/exportlogs"): Row("org_admin", 200, lambda mx, t, p:
        Req([t], body={}), ORG_T, S("org:admin")),
    ("POST", "/api/v1/repository/{}/exportlogs"): Row("repo_admin", 200, lambda mx, t, p:
        Req([rn(t)], body={}), REPO_T, S("repo:admin")),
    ("POST", "/api/v1/user/exportlogs"): Row("user", 200, lambda mx, t, p: Req([], body={}),
                                             scopes=S("user:admin")),
    # wharf: an export is the requester's alone, so whoever else asks (here: an
    # id nobody made) gets 404 once authenticated
    ("GET", "/api/v1/exportedlogs/{}"): Row("auth", 404, lambda mx, t, p: Req(
        ["00000000-0000-0000-0000-000000000000"])),

    # ---- OAuth applications and their tokens (§4.5): org admin, org:admin; a
    # token mints only scopes it holds itself
    ("GET", "/api/v1/organization/{}/applications"): Row("org_admin", 200, lambda mx, t, p:
        Req([t]), ORG_T, S("org:admin")),
    ("POST", "/api/v1/organization/{}/applications"): Row("org_admin", 200, lambda mx, t, p:
        Req([t], body={"name": uniq("app")}), ORG_T, S("org:admin")),
    ("GET", "/api/v1/organization/{}/applications/{}"): Row("org_admin", 200, lambda mx, t, p:
        Req([t, mx.apps[t]]), ORG_T, S("org:admin")),
    ("DELETE", "/api/v1/organization/{}/applications/{}"): Row("org_admin", 204, spend("app"),
                                                               ORG_T, S("org:admin")),
    ("GET", "/api/v1/organization/{}/applications/{}/tokens"): Row("org_admin", 200,
        lambda mx, t, p: Req([t, mx.apps[t]]), ORG_T, S("org:admin")),
    ("POST", "/api/v1/organization/{}/applications/{}/tokens"): Row("org_admin", 200,
        lambda mx, t, p: Req([t, mx.apps[t]], body={"name": "matrix", "scope": "org:admin"}),
        ORG_T, S("org:admin")),
    ("DELETE", "/api/v1/organization/{}/applications/{}/tokens/{}"): Row("org_admin", 204,
        lambda mx, t, p: Req([t, mx.apps[t], mx.supply(("apptoken", t),
                                                       lambda: mx.make_app_token(t))],
                             used=("apptoken", t)), ORG_T, S("org:admin")),

    # ---- superuser user administration: superuser, super:user (Quay's superuser.py)
    ("GET", "/api/v1/superuser/users/"): Row("superuser", 200, lambda mx, t, p: Req([]),
                                             scopes=S("super:user")),
    ("POST", "/api/v1/superuser/users/"): Row("superuser", 200, lambda mx, t, p: Req(
        [], body={"username": (n := uniq("s")), "email": f"{n}@example.com"}),
        scopes=S("super:user")),
    ("GET", "/api/v1/superuser/users/{}"): Row("superuser", 200, lambda mx, t, p: Req(
        ["outsider"]), scopes=S("super:user")),
    ("PUT", "/api/v1/superuser/users/{}"): Row("superuser", 200, lambda mx, t, p: Req(
        ["outsider"], body={"email": "outsider@example.com"}), scopes=S("super:user")),
    ("DELETE", "/api/v1/superuser/users/{}"): Row("superuser", 204, spend("su_user"),
                                                  scopes=S("super:user")),

    # ---- sessions, first user, entity search; the spec names no caller rule
    # for signout and entities: any user, as wharf documents
    ("GET", "/csrf_token"): Row("open", 200, lambda mx, t, p: Req([])),
    ("POST", "/api/v1/signin"): Row("open", 200, lambda mx, t, p: Req(
        [], body={"username": "outsider", "password": mx.passwords["outsider"]})),
    ("POST", "/api/v1/signout"): Row("user", 200, lambda mx, t, p: Req([])),
    ("POST", "/api/v1/user/initialize"): Row("open", 400, lambda mx, t, p: Req(
        [], body={"username": uniq("i"), "password": "password-1234", "email": "i@example.com",
                  "access_token": True})),
    ("GET", "/api/v1/entities/{}"): Row("user", 200, lambda mx, t, p: Req(["acme"])),

    # ---- discovery and error descriptions: anyone (§7)
    ("GET", "/api/v1/discovery"): Row("open", 200, lambda mx, t, p: Req([])),
    ("GET", "/api/v1/error/{}"): Row("open", 200, lambda mx, t, p: Req(["invalid_token"])),

    # ---- health (§7): anyone; /metrics: loopback peers (the matrix runs on
    # loopback) and superusers; robot secrets: getOrgRobot's rights (issue 9)
    ("GET", "/health/instance"): Row("open", 200, lambda mx, t, p: Req([])),
    ("GET", "/health"): Row("open", 200, lambda mx, t, p: Req([])),
    ("GET", "/health/endtoend"): Row("open", 200, lambda mx, t, p: Req([])),
    ("GET", "/status"): Row("open", 200, lambda mx, t, p: Req([])),
    ("GET", "/_internal_ping"): Row("open", 200, lambda mx, t, p: Req([])),
    ("GET", "/metrics"): Row("open", 200, lambda mx, t, p: Req([])),
    # keyless robot federation (§2.4, issue 8): open; no principal of the
    # matrix carries an OIDC token, so all are refused (401; KNOWN below for 400)
    ("GET", "/oauth2/federation/robot/token"): Row("open", 401, lambda mx, t, p: Req([])),
    ("GET", "/api/v1/organization/{}/robots/{}/secret"): Row("org_admin", 200, lambda mx, t, p:
        Req([t, ORG_NAMES[t]["robot"]], query=[("format", "kubernetes")]), ORG_T,
        S("org:admin")),
    ("GET", "/api/v1/user/robots/{}/secret"): Row("user", 200, lambda mx, t, p: Req(
        ["mine"], query=[("format", "env")]), scopes=S("user:admin")),
    # web UI (issue 10): embedded static files, open to anyone like /health
    ("GET", "/"): Row("open", 200, lambda mx, t, p: Req([])),
    ("GET", "/ui/{}"): Row("open", 200, lambda mx, t, p: Req(["app.js"])),
    ("HEAD", "/"): Row("open", 200, lambda mx, t, p: Req([])),
    ("HEAD", "/ui/{}"): Row("open", 200, lambda mx, t, p: Req(["app.js"])),
}


def principals_for(row, path):
    """The principals a route is sent by: /api/v1 ones on the API, /v2 ones
    (and registry JWTs, except to /v2/auth) on the registry."""
    return [p for p in PRINCIPALS if channel_ident(p, path) is not None
            and not (p.jwt and (is_api(path) or not row.jwt))]


def _items():
    for method, path in ROUTES:
        row = TABLE.get((method, shape(path)))
        for t in row.targets if row else ():
            yield pytest.param(method, path, t, id=f"{method} {path} [{t}]")


def matrix_size():
    return sum(len(principals_for(TABLE[m, shape(p)], p)) * len(TABLE[m, shape(p)].targets)
               for m, p in ROUTES if (m, shape(p)) in TABLE)


# --- discrepancies between wharf and the spec, found by this matrix ----------
# Each is xfail'ed where (and only where) it happens; when wharf is fixed the
# item fails with "no longer happens" until the entry is removed.

API_BASIC = {"acme+reader", "acme+writer", "acme+admin", "acme+teamed", "acme+builder",
             "other+robot", "admin(basic)", "orgadmin(basic)"}


def _scoped(p):
    i = p.v2 or p.api
    return i is not None and i.scopes is not None


KNOWN = {
    # Add an entry here (with the spec reference) when wharf knowingly differs
    # from the matrix; strict: an entry that no longer happens fails the test.
    # spec §2.4: the federation exchange answers 400 {"message"} for a robot
    # that does not exist or has no federation configuration (robots' Basic)
    "federation exchange: robot without configuration is 400": lambda m, path, t, p, row:
        path == "/oauth2/federation/robot/token" and "+" in p.name and "(bearer)" not in p.name,
}


def known_discrepancy(method, path, target, p):
    row = TABLE[method, shape(path)]
    for name, match in KNOWN.items():
        if match(method, path, target, p, row):
            return name
    return None


def test_every_route_has_a_row():
    assert ROUTES, f"no routes from {WHARF_BIN} routes"
    missing = [f"{m} {p}" for m, p in ROUTES if (m, shape(p)) not in TABLE]
    assert not missing, "routes without a row in the authorization matrix:\n" + "\n".join(missing)


# --- running the matrix ---------------------------------------------------------

def run_case(mx, method, path, target, p):
    """Sends one case; returns the response and the status the spec expects."""
    row = TABLE[method, shape(path)]
    req = row.build(mx, target, p)
    r = mx.call(method, fill(path, req.args), mx.header(p, path, req), req.body, req.query,
                req.headers)
    if 200 <= r.status_code < 300 and req.used:
        mx.supplies.pop(req.used, None)
    return r, expect(row, target, channel_ident(p, path), is_api(path))


def shape_problem(resp, expected, path):
    """Why a response with the expected status lacks its error shape, if so."""
    if expected not in (401, 403):
        return None
    if not is_api(path):
        if expected == 401:
            # /v2/auth takes Basic credentials, and may ask for them
            ch = resp.headers.get("WWW-Authenticate", "")
            ok = ("Bearer realm=", "Basic realm=") if path == "/v2/auth" else ("Bearer realm=",)
            return None if ch.startswith(ok) else f"no Bearer challenge: {ch!r}"
        if resp.request.method == "HEAD":
            return None
        try:
            code = resp.json()["errors"][0]["code"]
        except (ValueError, KeyError, IndexError, TypeError):
            return f"not an OCI error body: {resp.text[:200]!r}"
        return None if code == "DENIED" else f"error code {code}, not DENIED"
    if not path.startswith("/api/v1"):
        return None
    want = "invalid_token" if expected == 401 else "insufficient_scope"
    try:
        got = resp.json().get("error_type")
    except ValueError:
        got = None
    return None if got == want else f"error_type {got!r}, not {want!r}: {resp.text[:200]!r}"


def outcome_problem(r, expected, path):
    if r.status_code != expected:
        body = r.text[:200] if r.request.method != "HEAD" else ""
        return f"expected {expected}, got {r.status_code} {body}"
    return shape_problem(r, expected, path)


@pytest.mark.parametrize("method,path,target", _items())
def test_matrix(mx, method, path, target):
    """Every principal on one route and target; a discrepancy listed in
    KNOWN makes the item xfail, one not listed (or a listed one that no
    longer happens) fails it."""
    row = TABLE[method, shape(path)]
    unexpected, known, fixed = [], set(), []
    for p in principals_for(row, path):
        r, expected = run_case(mx, method, path, target, p)
        problem = outcome_problem(r, expected, path)
        k = known_discrepancy(method, path, target, p)
        line = f"  {p.name}: {r.request.method} {r.request.path_url}: {problem}"
        if k and problem:
            known.add(k)
        elif k:
            fixed.append(f"  {p.name}: KNOWN[{k!r}] no longer happens: remove it")
        elif problem:
            unexpected.append(line)
    assert not unexpected and not fixed, \
        f"{method} {path} [{target}]:\n" + "\n".join(unexpected + fixed)
    if known:
        pytest.xfail("known discrepancies: " + ", ".join(sorted(known)))


# --- what a name or digest does not give (DESIGN.md) -----------------------------

def oci_code(r):
    try:
        return r.json()["errors"][0]["code"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def test_upload_is_reachable_only_through_its_repository(mx):
    """other+robot may push other/stuff; an upload started in acme/private
    is unknown there, whatever its id."""
    uid = mx.make_upload("private")
    robot = mx.headers["other+robot", "v2"]
    data = b"smuggled"
    for method, body, query in (("GET", None, None), ("PATCH", data, None),
                                ("PUT", data, {"digest": digest_of(data)}),
                                ("DELETE", None, None)):
        r = mx.call(method, f"/v2/other/stuff/blobs/uploads/{uid}", robot, body, query,
                    {"Content-Type": "application/octet-stream"} if body else None)
        assert (r.status_code, oci_code(r)) == (404, "BLOB_UPLOAD_UNKNOWN"), (method, r.text)
    r = mx.call("GET", f"/v2/acme/private/blobs/uploads/{uid}", mx.w.basic())
    assert r.status_code == 204, r.text


def test_blob_is_readable_only_through_a_linked_repository(mx):
    """A blob only acme/private holds is BLOB_UNKNOWN through other/stuff,
    even to callers who may read both repositories."""
    d = mx.images["private"].config["digest"]
    for who in ("other+robot", "admin"):
        for method in ("GET", "HEAD"):
            r = mx.call(method, f"/v2/other/stuff/blobs/{d}", mx.headers[who, "v2"])
            assert r.status_code == 404, (who, method, r.status_code)
            if method == "GET":
                assert oci_code(r) == "BLOB_UNKNOWN", r.text


def test_mount_needs_read_on_the_source(mx):
    """Without read on the source a mount falls back to an upload (202) and
    links nothing; with read on both it mounts (201)."""
    d = mx.make_blob("private")
    q = {"mount": d, "from": "acme/private"}
    r = mx.call("POST", "/v2/other/stuff/blobs/uploads/", mx.headers["other+robot", "v2"], b"", q)
    assert r.status_code == 202, r.text
    r = mx.call("GET", f"/v2/other/stuff/blobs/{d}", mx.headers["other+robot", "v2"])
    assert r.status_code == 404, r.text
    r = mx.call("POST", "/v2/other/stuff/blobs/uploads/", mx.w.basic(), b"", q)
    assert r.status_code == 201, r.text
    r = mx.call("GET", f"/v2/other/stuff/blobs/{d}", mx.headers["other+robot", "v2"])
    assert r.status_code == 200, r.text


def test_registry_jwt_is_checked_against_the_path(mx):
    """A JWT granting acme/public does not open acme/private, even to a
    caller who may read acme/private."""
    jwt = mx.mint(mx.headers["member", "v2"], ["acme/public"])
    r = mx.call("GET", "/v2/acme/public/manifests/v1", jwt, headers={"Accept": OCI_MANIFEST})
    assert r.status_code == 200, r.text
    r = mx.call("GET", "/v2/acme/private/manifests/v1", jwt, headers={"Accept": OCI_MANIFEST})
    assert (r.status_code, oci_code(r)) == (403, "DENIED"), r.text


def test_anonymous_challenge_names_the_scope(mx):
    """§6: the 401 challenge carries the repository scope to ask for."""
    for method, path, scope in (
            ("GET", "/v2/acme/private/manifests/v1", "repository:acme/private:pull"),
            ("POST", "/v2/acme/private/blobs/uploads/", "repository:acme/private:pull,push")):
        r = mx.call(method, path)
        assert r.status_code == 401, r.text
        ch = r.headers.get("WWW-Authenticate", "")
        assert ch.startswith("Bearer realm=") and f'scope="{scope}"' in ch, ch


def test_a_token_mints_only_scopes_it_holds(mx):
    """§4.5: a token mints no scope it lacks; super:user only for superusers."""
    if not mx.has("POST", "/api/v1/organization/{o}/applications/{c}/tokens"):
        pytest.skip("no application tokens API")
    path = f"/api/v1/organization/acme/applications/{mx.apps['acme']}/tokens"
    for who, scope, status in (("token[org:admin]", "repo:admin", 403),
                               ("token[org:admin]", "org:admin", 200),
                               ("orgadmin", "super:user", 403),
                               ("orgadmin", "repo:read", 200)):
        r = mx.call("POST", path, mx.headers[who, "api"], {"name": "mint", "scope": scope})
        assert r.status_code == status, (who, scope, r.text)
