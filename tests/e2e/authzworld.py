"""The world the authorization matrix (test_authz_matrix.py) runs in: the
routes `wharf routes` lists, the orgs, teams, repositories, users, robots and
tokens it creates, the principals that send requests (and the identity the
server should see in each), and the Matrix that builds all of it once on a
real wharf, holds every principal's Authorization header and makes the
throwaway targets destructive requests consume.

Set-up uses the API when the running binary serves it and falls back to
apihelpers (bootstrap users, database rows) otherwise."""
import base64
import hashlib
import json
import os
import re
import subprocess
import time
import uuid
from dataclasses import dataclass

import pytest
import requests

from apihelpers import add_to_team, db_exec, make_user
from conftest import WHARF_BIN, Wharf
from ocihelpers import OCI_MANIFEST, digest_of, make_manifest, push_image

# --- the routes the server serves -------------------------------------------

ROUTE_LINE = re.compile(r"^\| (GET|HEAD|PUT|POST|PATCH|DELETE) \| `([^`]+)` \|")


def load_routes():
    if not os.path.exists(WHARF_BIN):
        return []
    out = subprocess.run([WHARF_BIN, "routes"], capture_output=True, text=True, timeout=30)
    return [m.groups() for m in map(ROUTE_LINE.match, out.stdout.splitlines()) if m]


def shape(path):
    """The path with its parameter names blanked: rows survive renames."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def fill(path, args):
    it = iter(args)
    return re.sub(r"\{[^}]*\}", lambda m: next(it), path)


ROUTES = load_routes()
SERVED = {(m, shape(p)) for m, p in ROUTES}


def uniq(prefix):
    return f"{prefix}{uuid.uuid4().hex[:10]}"


# --- the world: who holds what ----------------------------------------------

ROLE = {"read": 1, "write": 2, "admin": 3}
ORG_ROLE = {"member": 1, "creator": 2, "admin": 3}
ORGS = {  # org -> team -> (org role, members)
    "acme": {"owners": ("admin", ("admin", "orgadmin")),
             "devs": ("member", ("member", "acme+teamed")),
             "builders": ("creator", ("creator", "acme+builder"))},
    "other": {"owners": ("admin", ("admin",)),
              "crew": ("member", ("other+robot",))},
}
REPOS = {"private": ("acme", "private", False), "public": ("acme", "public", True),
         "other": ("other", "stuff", False)}
TEAM_PERMS = {("acme", "devs"): {"private": "read", "public": "read"},
              ("acme", "builders"): {"private": "write"},
              ("other", "crew"): {"other": "read"}}
DIRECT_PERMS = {"acme+reader": {"private": "read", "public": "read"},
                "acme+writer": {"private": "write"},
                "acme+admin": {"private": "admin"},
                "acme+regen": {"private": "read"},
                "acme+gone": {"private": "read"},
                "other+robot": {"other": "admin"}}
ROBOTS = {"acme": ("reader", "writer", "admin", "teamed", "builder", "regen", "gone", "victim"),
          "other": ("robot", "victim")}
USERS = ("outsider", "member", "creator", "orgadmin", "ghost")
SCOPES = ("repo:read", "repo:write", "repo:admin", "repo:create", "user:read", "user:admin",
          "org:admin", "super:user")
IMPLIES = {"repo:admin": ("repo:write", "repo:read"), "repo:write": ("repo:read",),
           "user:admin": ("user:read",)}
# per org: the robot, team and user-permission holder the read routes name
ORG_NAMES = {"acme": {"robot": "reader", "team": "devs"},
             "other": {"robot": "robot", "team": "crew"}}


def expand(scopes):
    out = set(scopes)
    for s in scopes:
        out.update(IMPLIES.get(s, ()))
    return frozenset(out)


@dataclass(frozen=True)
class Ident:
    """Who the server should take a request to be from."""
    kind: str                    # anon | dead | user | robot
    account: str = None
    scopes: frozenset = None     # an API token's scopes; None: password or robot token


ANON, DEAD = Ident("anon"), Ident("dead")


def org_of(target):
    return REPOS[target][0] if target in REPOS else "acme" if target == "new" else target


def rn(t):
    """A target's repository name."""
    return "/".join(REPOS[t][:2])


def is_public(target):
    return target in REPOS and REPOS[target][2]


def is_api(path):
    return not path.startswith("/v2")


def channel_ident(p, path):
    if is_api(path):
        return p.api
    return p.v2


# --- principals ---------------------------------------------------------------

@dataclass(frozen=True)
class Principal:
    name: str
    account: str = None          # the account acting (an API token's user)
    v2: Ident = None             # identity on /v2 (None: not sent there)
    api: Ident = None            # identity on /api/v1 (None: not sent there)
    jwt: bool = False            # /v2 with a registry JWT from /v2/auth


def _principals():
    ps = [Principal("anonymous", None, ANON, ANON)]
    for u in ("admin", "outsider", "member", "creator", "orgadmin"):
        ps.append(Principal(u, u, Ident("user", u), Ident("user", u)))
    for r in ("acme+reader", "acme+writer", "acme+admin", "acme+teamed", "acme+builder",
              "other+robot"):
        ps.append(Principal(r, r, Ident("robot", r), ANON))  # §1: Basic is no API credential
    for s in SCOPES:
        i = Ident("user", "admin", expand({s}))
        ps.append(Principal(f"token[{s}]", "admin", i, i))
    ps += [
        Principal("admin(basic)", "admin", None, ANON),
        Principal("orgadmin(basic)", "orgadmin", None, ANON),
        Principal("acme+admin(bearer)", "acme+admin", DEAD, DEAD),
        Principal("acme+regen(regenerated)", None, DEAD, None),
        Principal("acme+gone(deleted)", None, DEAD, None),
        Principal("ghost(deleted user)", None, DEAD, DEAD),
        Principal("token(expired)", None, DEAD, DEAD),
        Principal("token(revoked)", None, DEAD, DEAD),
        Principal("admin(wrong password)", None, DEAD, None),
        Principal("api token as Bearer", None, DEAD, None),  # not a registry JWT
    ]
    by_name = {p.name: p for p in ps}
    for n in ("anonymous", "admin", "outsider", "member", "creator", "orgadmin", "acme+reader",
              "acme+writer", "acme+admin", "acme+teamed", "acme+builder", "other+robot",
              "token[repo:read]", "token[repo:write]", "token[repo:create]", "token[user:read]",
              "acme+regen(regenerated)", "acme+gone(deleted)", "ghost(deleted user)",
              "token(expired)", "token(revoked)"):
        b = by_name[n]
        ps.append(Principal("jwt:" + n, b.account, b.v2, None, jwt=True))
    return ps


PRINCIPALS = _principals()


# --- requests and the matrix ------------------------------------------------------

EXPIRING = 2  # seconds the expired token lives (its JWT is minted at once)


@dataclass
class Req:
    args: list                   # path parameter values, in order
    query: list = None
    body: object = None          # bytes, or a JSON-able object
    headers: dict = None
    used: tuple = None           # Supply key spent when the request succeeds
    repo: str = None             # repository a per-case JWT must cover


def b64(user, secret):
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


class Matrix:
    """The world on one wharf: build() creates it, call() sends a request,
    headers[principal, "v2"|"api"] is each principal's Authorization value,
    supply() hands out throwaway targets (make_*) until one is consumed."""

    def __init__(self, w):
        self.w = w
        self.s = requests.Session()
        self.supplies = {}
        self.images, self.uploads, self.apps, self.prototypes = {}, {}, {}, {}
        self.passwords = {"admin": w.admin_password}
        self.user_tokens = {"admin": w.admin_token}
        self.robot_tokens = {}
        self.headers = {}        # (principal, "v2"|"api") -> Authorization value or None
        self.jwts = {}

    # -- plumbing
    def call(self, method, path, auth=None, body=None, query=None, headers=None):
        h = dict(headers or {})
        if auth:
            h["Authorization"] = auth
        data = body
        if body is not None and not isinstance(body, bytes):
            data = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        r = self.s.request(method, self.w.url + path, params=query, data=data, headers=h,
                           timeout=30, allow_redirects=False)
        self.s.cookies.clear()  # a sign-in's cookie must not follow later requests
        return r

    def adm(self, method, path, body=None, ok=(200, 201, 204)):
        r = self.call(method, "/api/v1/" + path, "Bearer " + self.w.admin_token, body)
        assert r.status_code in ok, f"{method} {path}: {r.status_code} {r.text[:300]}"
        return r.json() if r.content else None

    def has(self, method, path):
        return (method, shape(path)) in SERVED

    def supply(self, key, make):
        if key not in self.supplies:
            self.supplies[key] = make()
        return self.supplies[key]

    def holder(self, t):
        return "other+robot" if org_of(t) == "other" else "acme+reader"

    # -- set-up steps (API when served, apihelpers fallbacks otherwise)
    def team(self, org, team, role, members=()):
        if self.has("PUT", "/api/v1/organization/{o}/team/{t}/members/{m}"):
            self.adm("PUT", f"organization/{org}/team/{team}", {"role": role})
            for m in members:
                self.adm("PUT", f"organization/{org}/team/{team}/members/{m}")
        else:  # an empty member name creates the team alone
            for m in members or ("",):
                add_to_team(self.w, org, team, m, ORG_ROLE[role])

    def grant(self, repo, who, role, team=False):
        kind = "team" if team else "user"
        self.adm("PUT", f"repository/{repo}/permissions/{kind}/{who}", {"role": role})

    def make_org(self, t):
        name = uniq("z")
        self.adm("POST", "organization/", {"name": name, "email": f"{name}@example.com"})
        for team, (role, members) in ORGS[t].items():
            users = [m for m in members if "+" not in m and m != "admin"]
            if team != "owners" or users:
                self.team(name, team, role, users)
        return [name]

    def make_repo(self, t):
        org, _, public = REPOS[t]
        name = uniq("d")
        self.adm("POST", "repository", {"namespace": org, "repository": name, "description": "",
                                        "visibility": "public" if public else "private"})
        for who, grants in DIRECT_PERMS.items():
            if t in grants and who not in ("acme+regen", "acme+gone"):
                self.grant(f"{org}/{name}", who, grants[t])
        for (o, team), grants in TEAM_PERMS.items():
            if o == org and t in grants:
                self.grant(f"{org}/{name}", team, grants[t], team=True)
        return [f"{org}/{name}"]

    def make_org_robot(self, org):
        short = uniq("b")
        self.adm("PUT", f"organization/{org}/robots/{short}", {})
        return short

    def make_user_robot(self, owner):
        short = uniq("m")
        r = self.call("PUT", f"/api/v1/user/robots/{short}", "Bearer " + self.user_tokens[owner],
                      {})
        assert r.status_code == 201, r.text
        return short

    def make_team(self, org, with_victim=False):
        name = uniq("t")
        self.adm("PUT", f"organization/{org}/team/{name}", {"role": "member"})
        if with_victim:
            self.adm("PUT", f"organization/{org}/team/{name}/members/{org}+victim")
        return name

    def make_team_perm(self, t):
        team = self.make_team(org_of(t))
        self.grant(rn(t), team, "read", team=True)
        return team

    def grant_victim(self, t):
        victim = f"{org_of(t)}+victim"
        self.grant(rn(t), victim, "read")
        return victim

    def make_prototype(self, org):
        delegate = {"kind": "user", "name": f"{org}+victim"}
        return self.adm("POST", f"organization/{org}/prototypes",
                        {"role": "read", "delegate": delegate})["id"]

    def make_app(self, org):
        return [org, self.adm("POST", f"organization/{org}/applications",
                              {"name": uniq("app")})["client_id"]]

    def make_app_token(self, org):
        return self.adm("POST", f"organization/{org}/applications/{self.apps[org]}/tokens",
                        {"name": "victim", "scope": "repo:read"})["uuid"]

    def make_su_user(self, t):
        name = uniq("v")
        self.adm("POST", "superuser/users/", {"username": name, "email": f"{name}@example.com"})
        return [name]

    def make_manifest(self, t):
        img = self.images[t]
        body = make_manifest(img.config, img.layers, annotations={"n": uniq("m")})
        r = self.call("PUT", f"/v2/{rn(t)}/manifests/{digest_of(body)}", self.w.basic(), body,
                      headers={"Content-Type": OCI_MANIFEST})
        assert r.status_code == 201, r.text
        return digest_of(body)

    def make_blob(self, t):
        data = uniq("blob").encode()
        r = self.call("POST", f"/v2/{rn(t)}/blobs/uploads/", self.w.basic(), data,
                      query={"digest": digest_of(data)},
                      headers={"Content-Type": "application/octet-stream"})
        assert r.status_code == 201, r.text
        return digest_of(data)

    def make_upload(self, t):
        r = self.call("POST", f"/v2/{rn(t)}/blobs/uploads/", self.w.basic(), b"",
                      headers={"Content-Length": "0"})
        assert r.status_code == 202, r.text
        return r.headers["Location"].split("?")[0].rstrip("/").rsplit("/", 1)[1]

    def upload_start_req(self, t):
        name = f"acme/{uniq('new')}" if t == "new" else rn(t)
        return Req([name], body=b"", headers={"Content-Length": "0"}, repo=name)

    def upload_put_req(self, t):
        key = ("upload", t, "put")
        data = b"matrix " + key[1].encode() + uuid.uuid4().bytes
        return Req([rn(t), self.supply(key, lambda: self.make_upload(t))], body=data,
                   query=[("digest", "sha256:" + hashlib.sha256(data).hexdigest())],
                   headers={"Content-Type": "application/octet-stream"}, used=key)

    def api_token(self, scopes, name, expiration=None):
        """An API token of the admin with these scopes: minted through the acme
        application when that API is served, else a bootstrap token moved to
        the admin in the database. Returns (token, uuid or credential id)."""
        if self.has("POST", "/api/v1/organization/{o}/applications/{c}/tokens"):
            body = {"name": name, "scope": scopes}
            if expiration:
                body["expiration"] = expiration
            j = self.adm("POST", f"organization/acme/applications/{self.token_app}/tokens", body)
            return j["token"], j["uuid"]
        tmp = uniq("tok")
        out = subprocess.run([WHARF_BIN, "admin", "bootstrap", "--db", self.w.db, "--username",
                              tmp, "--json"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        token = json.loads(out.stdout)["token"]
        cred = db_exec(self.w, "SELECT c.id FROM credential c JOIN account a ON a.id = "
                               "c.account_id WHERE a.name = ? AND c.kind = 2", (tmp,))[0][0]
        db_exec(self.w, "UPDATE credential SET account_id = (SELECT id FROM account WHERE "
                        "name = ?), scopes = ?, name = ?, expires_at = ? WHERE id = ?",
                (self.w.admin_user, scopes, name,
                 int(time.time()) + expiration if expiration else 0, cred))
        db_exec(self.w, "DELETE FROM account WHERE name = ?", (tmp,))
        return token, cred

    def revoke(self, ref):
        if self.has("DELETE", "/api/v1/organization/{o}/applications/{c}/tokens/{u}"):
            self.adm("DELETE", f"organization/acme/applications/{self.token_app}/tokens/{ref}")
        else:
            db_exec(self.w, "DELETE FROM credential WHERE id = ?", (ref,))

    def mint(self, auth, repos):
        q = [("service", self.w.host)] + [("scope", f"repository:{r}:pull,push,*") for r in repos]
        r = self.call("GET", "/v2/auth", auth, query=q)
        assert r.status_code == 200, r.text
        return "Bearer " + r.json()["token"]

    def build(self):
        """Orgs, repos with an image each, users, robots, teams, grants, tokens;
        then the credentials that must be dead are killed."""
        w = self.w
        for org in ORGS:
            self.adm("POST", "organization/", {"name": org, "email": f"{org}@example.com"})
        for t, (org, name, public) in REPOS.items():
            self.adm("POST", "repository", {"namespace": org, "repository": name, "description": "",
                                            "visibility": "public" if public else "private"})
            self.images[t] = push_image(w, f"{org}/{name}", tag="v1")
            self.uploads[t] = self.make_upload(t)
        for u in USERS:
            c = make_user(w, u)
            self.passwords[u], self.user_tokens[u] = c.password, c.headers["Authorization"][7:]
        for org, shorts in ROBOTS.items():
            for short in shorts:
                j = self.adm("PUT", f"organization/{org}/robots/{short}", {})
                self.robot_tokens[f"{org}+{short}"] = j["token"]
        for org, teams in ORGS.items():
            for team, (role, members) in teams.items():
                members = [m for m in members if m != "admin"]
                if team != "owners" or members:
                    self.team(org, team, role, members)
        for who, grants in DIRECT_PERMS.items():
            for t, role in grants.items():
                self.grant(rn(t), who, role)
        for (org, team), grants in TEAM_PERMS.items():
            for t, role in grants.items():
                self.grant(rn(t), team, role, team=True)
        for u in ("admin", "outsider", "member", "creator", "orgadmin"):
            r = self.call("PUT", "/api/v1/user/robots/mine", "Bearer " + self.user_tokens[u], {})
            assert r.status_code == 201, r.text
        if self.has("POST", "/api/v1/organization/{o}/prototypes"):
            for org in ORGS:
                self.prototypes[org] = self.make_prototype(org)
        if self.has("POST", "/api/v1/organization/{o}/applications"):
            for org in ORGS:
                self.apps[org] = self.make_app(org)[1]
            self.token_app = self.make_app("acme")[1]
        self.tokens = {s: self.api_token(s, s)[0] for s in SCOPES}
        revoked, revoked_ref = self.api_token(" ".join(SCOPES), "revoked")
        # made last and its JWT minted first: it must outlive the minting only
        expired, _ = self.api_token(" ".join(SCOPES), "expired", expiration=EXPIRING)
        self.set_headers(expired, revoked)
        self.mint_all()
        self.kill(expired, revoked_ref)

    def set_headers(self, expired, revoked):
        h = self.headers
        for u in ("admin", "outsider", "member", "creator", "orgadmin"):
            h[u, "v2"] = b64(u, self.passwords[u])
            h[u, "api"] = "Bearer " + self.user_tokens[u]
        for r, tok in self.robot_tokens.items():
            h[r, "v2"] = h[r, "api"] = b64(r, tok)
        for s, tok in self.tokens.items():
            h[f"token[{s}]", "v2"] = b64("$oauthtoken", tok)
            h[f"token[{s}]", "api"] = "Bearer " + tok
        h["admin(basic)", "api"] = b64("admin", self.passwords["admin"])
        h["orgadmin(basic)", "api"] = b64("orgadmin", self.passwords["orgadmin"])
        h["acme+admin(bearer)", "v2"] = h["acme+admin(bearer)", "api"] = \
            "Bearer " + self.robot_tokens["acme+admin"]
        h["acme+regen(regenerated)", "v2"] = b64("acme+regen", self.robot_tokens["acme+regen"])
        h["acme+gone(deleted)", "v2"] = b64("acme+gone", self.robot_tokens["acme+gone"])
        h["ghost(deleted user)", "v2"] = b64("ghost", self.passwords["ghost"])
        h["ghost(deleted user)", "api"] = "Bearer " + self.user_tokens["ghost"]
        h["token(expired)", "v2"] = b64("$oauthtoken", expired)
        h["token(expired)", "api"] = "Bearer " + expired
        h["token(revoked)", "v2"] = b64("$oauthtoken", revoked)
        h["token(revoked)", "api"] = "Bearer " + revoked
        h["admin(wrong password)", "v2"] = b64("admin", "not-the-password")
        h["api token as Bearer", "v2"] = "Bearer " + self.w.admin_token
        for ch in ("v2", "api"):
            h["anonymous", ch] = None

    def mint_all(self):
        repos = [rn(t) for t in REPOS]
        for p in sorted(PRINCIPALS, key=lambda p: p.name != "jwt:token(expired)"):
            if p.jwt:
                self.jwts[p.name] = self.mint(self.headers[p.name[4:], "v2"], repos)

    def kill(self, expired, revoked_ref):
        self.adm("POST", "organization/acme/robots/regen/regenerate")
        self.adm("DELETE", "organization/acme/robots/gone")
        self.revoke(revoked_ref)
        if self.has("DELETE", "/api/v1/superuser/users/{u}"):
            self.adm("DELETE", "superuser/users/ghost")
        else:
            db_exec(self.w, "DELETE FROM account WHERE name = 'ghost'")
        deadline = time.monotonic() + 10
        while self.call("GET", "/api/v1/user/", "Bearer " + expired).status_code != 401:
            assert time.monotonic() < deadline, "the short-lived token never expired"
            time.sleep(0.2)

    # -- one case
    def header(self, p, path, req):
        """p's Authorization value for this request; a registry JWT for a
        repository the premade ones do not cover is minted for the case."""
        if not p.jwt:
            return self.headers[p.name, "v2" if not is_api(path) else "api"]
        base = p.name[4:]
        if req.repo and req.repo not in [rn(t) for t in REPOS] and p.v2.kind != "dead":
            return self.mint(self.headers[base, "v2"], [req.repo])
        return self.jwts[p.name]


@pytest.fixture(scope="module")
def mx(tmp_path_factory):
    w = Wharf(tmp_path_factory.mktemp("authz"), ["--shutdown-grace", "2"])
    w.start()
    m = Matrix(w)
    try:
        m.build()
        yield m
    finally:
        alive = w.proc.poll() is None
        w.stop()
    log = w.read_log()
    assert alive, f"wharf exited: {log[-3000:]}"
    for marker in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
        assert marker not in log, log[-3000:]
