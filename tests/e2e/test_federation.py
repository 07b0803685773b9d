"""Keyless OIDC robot federation (issue 8, spec §2.4): a small OIDC issuer runs
on loopback inside the test (discovery + JWKS over http.server, keys and
signatures from python3-cryptography); GET /oauth2/federation/robot/token
trades its ID tokens for 1-hour robot tokens, and refuses every bad one."""
import base64
import glob
import hashlib
import hmac
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from apihelpers import (api, create_org, create_repo, create_robot, describe,  # noqa: F401
                        registry_auth, uniq)
from test_clients import clients_for  # noqa: F401  (fixture)

crypto = pytest.importorskip("cryptography")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature  # noqa: E402


def b64u(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_int(n):
    return b64u(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class Key:
    """One signing key of the issuer and its JWK."""

    def __init__(self, alg, kid):
        self.alg, self.kid = alg, kid
        if alg == "RS256":
            self.priv = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pub = self.priv.public_key().public_numbers()
            self.jwk = {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                        "n": b64u_int(pub.n), "e": b64u_int(pub.e)}
        else:
            self.priv = ec.generate_private_key(ec.SECP256R1())
            pub = self.priv.public_key().public_numbers()
            self.jwk = {"kty": "EC", "kid": kid, "use": "sig", "crv": "P-256",
                        "x": b64u(pub.x.to_bytes(32, "big")), "y": b64u(pub.y.to_bytes(32, "big"))}

    def public_pem(self):
        return self.priv.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, data):
        if self.alg == "RS256":
            return self.priv.sign(data, padding.PKCS1v15(), hashes.SHA256())
        r, s = decode_dss_signature(self.priv.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def jws(header, claims, signer):
    head = b64u(json.dumps(header)) + "." + b64u(json.dumps(claims))
    return head + "." + b64u(signer(head.encode()))


class Issuer:
    """An OIDC issuer on 127.0.0.1: discovery, JWKS, and token minting."""

    def __init__(self):
        self.keys = [Key("RS256", "rsa-1"), Key("ES256", "ec-1")]
        self.fetches = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": issuer.url, "jwks_uri": issuer.url + "/jwks"}
                elif self.path == "/jwks":
                    issuer.fetches += 1
                    body = {"keys": [k.jwk for k in issuer.keys]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def key(self, alg):
        return next(k for k in self.keys if k.alg == alg)

    def token(self, sub="repo:acme/app:ref:refs/heads/main", alg="RS256", key=None, iss=None,
              aud="wharf", lifetime=300, header=None, **extra):
        key = key or self.key(alg)
        now = int(time.time())
        claims = {"iss": iss or self.url, "sub": sub, "aud": aud, "iat": now, "nbf": now,
                  "exp": now + lifetime, **extra}
        if aud is None:
            del claims["aud"]
        return jws(header or {"alg": key.alg, "typ": "JWT", "kid": key.kid}, claims, key.sign)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def issuer():
    i = Issuer()
    yield i
    i.close()


def exchange(w, robot, token):
    return requests.get(w.url + "/oauth2/federation/robot/token", auth=(robot, token), timeout=30)


def federated_robot(api, issuer, sub="repo:acme/app:ref:refs/heads/main", audience=None,
                    role="read"):
    """An org with a private repository, a robot with `role` on it, and a
    federation entry for (issuer, sub)."""
    org = create_org(api.admin)
    repo = create_repo(api.admin, org)
    bot = create_robot(api.admin, org)
    short = bot["name"].split("+", 1)[1]
    r = api.admin.put(f"repository/{repo}/permissions/user/{bot['name']}", {"role": role})
    assert r.status_code == 200, describe(r)
    entry = {"issuer": issuer.url, "subject": sub, "isExpanded": False}
    if audience:
        entry["audience"] = audience
    r = api.admin.post(f"organization/{org}/robots/{short}/federation", [entry])
    assert r.status_code == 200, describe(r)
    return org, repo, bot["name"]


def pulls(w, robot, password, repo):
    """The robot token (or federated token) works as a password on /v2."""
    r = registry_auth(w, robot, password, scope=f"repository:{repo}:pull")
    if r.status_code != 200:
        return False
    tok = r.json()["token"]
    t = requests.get(f"{w.url}/v2/{repo}/tags/list", timeout=30,
                     headers={"Authorization": f"Bearer {tok}"})
    return t.status_code == 200


def refused(resp, fragment):
    assert resp.status_code == 401, describe(resp)
    assert fragment in resp.json()["error"], describe(resp)


def test_org_maximum_lifetime_shortens_federated_tokens(api, issuer):  # noqa: F811
    org, repo, robot = federated_robot(api, issuer)
    r = api.admin.put(f"organization/{org}", {"max_robot_token_lifetime": 600})
    assert r.status_code == 200, describe(r)
    r = exchange(api, robot, issuer.token())
    assert r.status_code == 200, describe(r)
    assert r.json()["expires_in"] == 600
    claims = json.loads(unb64u(r.json()["token"].split(".")[1]))
    assert claims["exp"] - claims["iat"] == 600
    assert pulls(api, robot, r.json()["token"], repo)


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_good_token_exchanged_and_pulls(api, issuer, alg):  # noqa: F811
    org, repo, robot = federated_robot(api, issuer)
    r = exchange(api, robot, issuer.token(alg=alg))
    assert r.status_code == 200, describe(r)
    body = r.json()
    tok = body["token"]
    assert body["expires_in"] == 3600
    claims = json.loads(unb64u(tok.split(".")[1]))
    assert claims["sub"] == robot and claims["exp"] - claims["iat"] == 3600
    assert pulls(api, robot, tok, repo)
    # the exchange is in the org's audit log with Quay's metadata
    logs = api.admin.get(f"organization/{org}/logs").json()["logs"]
    ex = [e for e in logs if e["kind"] == "federated_robot_token_exchange"]
    assert ex and ex[0]["metadata"] == {"subject": "repo:acme/app:ref:refs/heads/main",
                                        "issuer": issuer.url, "robot": robot.split("+")[1]}


def test_skopeo_login_with_federated_token(api, issuer, clients_for):  # noqa: F811
    org, repo, robot = federated_robot(api, issuer)
    tok = exchange(api, robot, issuer.token()).json()["token"]
    clients = clients_for(api)
    clients.forget_logins()
    clients.skopeo("login", "--tls-verify=false", "-u", robot, "--password-stdin", clients.host,
                   input=tok + "\n")


def test_negatives_refused_and_audited(api, issuer):  # noqa: F811
    org, repo, robot = federated_robot(api, issuer, audience="wharf")
    rsa_key = issuer.key("RS256")
    now = int(time.time())
    # wrong subject, audience, expired, not yet valid, issued in the future
    refused(exchange(api, robot, issuer.token(sub="repo:evil/app:ref:refs/heads/main")),
            "subject or audience")
    refused(exchange(api, robot, issuer.token(aud="someone-else")), "subject or audience")
    refused(exchange(api, robot, issuer.token(aud=None)), "subject or audience")
    refused(exchange(api, robot, issuer.token(lifetime=-120)), "expired")
    refused(exchange(api, robot, issuer.token(nbf=now + 600)), "not yet valid")
    refused(exchange(api, robot, issuer.token(iat=now + 600)), "not yet valid")
    # unknown kid: a key the issuer never published
    stranger = Key("RS256", "rsa-unknown")
    refused(exchange(api, robot, issuer.token(key=stranger)), "unknown key id")
    # right kid, wrong key: bad signature
    forged = Key("RS256", "rsa-1")
    refused(exchange(api, robot, issuer.token(key=forged)), "signature")
    # alg none, and HS256 keyed with the issuer's public key (algorithm confusion)
    claims = json.loads(unb64u(issuer.token().split(".")[1]))
    none = jws({"alg": "none", "kid": "rsa-1"}, claims, lambda d: b"")
    refused(exchange(api, robot, none), "algorithm")
    hs = jws({"alg": "HS256", "kid": "rsa-1"}, claims,
             lambda d: hmac.new(rsa_key.public_pem(), d, hashlib.sha256).digest())
    refused(exchange(api, robot, hs), "algorithm")
    # an ES256 header over the RSA kid: key type does not fit
    es_on_rsa = jws({"alg": "ES256", "kid": "rsa-1"}, claims, issuer.key("ES256").sign)
    refused(exchange(api, robot, es_on_rsa), "does not fit")
    # wrong issuer: not configured for the robot (Quay: 400 message)
    r = exchange(api, robot, issuer.token(iss="https://token.actions.githubusercontent.com"))
    assert r.status_code == 400 and "not configured" in r.json()["message"], describe(r)
    # a token that claims the configured iss but is not a JWT at all
    refused(exchange(api, robot, "not-a-jwt"), "not an OIDC token")
    # every refusal above is audited as login_failure of type federation
    logs = api.admin.get(f"organization/{org}/logs").json()["logs"]
    fails = [e for e in logs if e["kind"] == "login_failure"
             and e["metadata"].get("type") == "federation"]
    assert len(fails) >= 12, [e["metadata"] for e in fails]
    assert all(e["metadata"]["username"] == robot for e in fails)
    # and the good one still works
    assert exchange(api, robot, issuer.token()).status_code == 200


def test_quay_error_shapes(api, issuer):  # noqa: F811
    org, repo, robot = federated_robot(api, issuer)
    url = api.url + "/oauth2/federation/robot/token"
    r = requests.get(url, timeout=30)
    assert r.status_code == 401 and "error" in r.json(), describe(r)
    r = requests.get(url, auth=(api.admin_user, issuer.token()), timeout=30)
    assert r.status_code == 401 and "robot" in r.json()["error"], describe(r)
    r = exchange(api, f"{org}+nobody", issuer.token())
    assert r.status_code == 400 and "message" in r.json(), describe(r)
    # a robot without federation configuration
    bare = create_robot(api.admin, org)["name"]
    r = exchange(api, bare, issuer.token())
    assert r.status_code == 400 and "federation" in r.json()["message"], describe(r)


def test_plain_http_issuer_only_on_loopback(api):  # noqa: F811
    org = create_org(api.admin)
    bot = create_robot(api.admin, org)
    short = bot["name"].split("+", 1)[1]
    remote = "http://203.0.113.7"  # TEST-NET-3: must never be fetched over http
    r = api.admin.post(f"organization/{org}/robots/{short}/federation",
                       [{"issuer": remote, "subject": "s"}])
    assert r.status_code == 200, describe(r)
    key = Key("RS256", "k")
    now = int(time.time())
    tok = jws({"alg": "RS256", "kid": "k"},
              {"iss": remote, "sub": "s", "iat": now, "exp": now + 60}, key.sign)
    t0 = time.monotonic()
    r = exchange(api, bot["name"], tok)
    refused(r, "not allowed")
    assert time.monotonic() - t0 < 5  # refused before any connection attempt


def test_federated_token_dies_with_robot_state(api, issuer):  # noqa: F811
    org, repo, robot = federated_robot(api, issuer)
    short = robot.split("+", 1)[1]
    tok = exchange(api, robot, issuer.token()).json()["token"]
    assert pulls(api, robot, tok, repo)
    # the federated token is not a registry bearer token
    r = requests.get(f"{api.url}/v2/{repo}/tags/list", timeout=30,
                     headers={"Authorization": f"Bearer {tok}"})
    assert r.status_code == 401, describe(r)
    # disabled robot: refused at once, also for the exchange
    assert api.admin.put(f"organization/{org}/robots/{short}",
                         {"enabled": False}).status_code == 200
    assert not pulls(api, robot, tok, repo)
    refused(exchange(api, robot, issuer.token()), "disabled")
    assert api.admin.put(f"organization/{org}/robots/{short}",
                         {"enabled": True}).status_code == 200
    assert pulls(api, robot, tok, repo)
    # federation configuration removed: the token stops working
    assert api.admin.delete(f"organization/{org}/robots/{short}/federation").status_code == 204
    r = registry_auth(api, robot, tok)
    assert r.status_code == 401 and "no longer trusts" in r.text, describe(r)


def server_key(w):
    path = os.environ.get("WHARF_KEY_FILE") or os.path.join(w.datadir, "wharf.key")
    if not os.path.exists(path):
        found = glob.glob(os.path.join(w.datadir, "**", "*.key"), recursive=True)
        path = found[0]
    with open(path, "rb") as f:
        text = f.read()
    start = text.index(b"-----BEGIN PRIVATE KEY-----")
    return serialization.load_pem_private_key(text[start:], password=None)


def test_federated_token_refused_after_expiry(api, issuer):  # noqa: F811
    """A federated token one second past its hour is refused, with when."""
    org, repo, robot = federated_robot(api, issuer)
    tok = exchange(api, robot, issuer.token()).json()["token"]
    claims = json.loads(unb64u(tok.split(".")[1]))
    now = int(time.time())
    claims.update(iat=now - 3601, nbf=now - 3601, exp=now - 1)
    key = server_key(api)
    # signed ES256 with a derived key now (issue 5); RS256 under the key file's RSA key, as
    # instances before the switch signed, still verifies: forge that
    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "RS256", "typ": "JWT", "kid": hashlib.sha256(spki).hexdigest()[:16]}
    old = jws(header, claims, lambda d: key.sign(d, padding.PKCS1v15(), hashes.SHA256()))
    r = registry_auth(api, robot, old)
    assert r.status_code == 401 and "expired at" in r.text, describe(r)
    # the same claims still in their hour are accepted (the forgery is faithful)
    claims.update(iat=now - 3500, nbf=now - 3500, exp=now + 100)
    fresh = jws(header, claims, lambda d: key.sign(d, padding.PKCS1v15(), hashes.SHA256()))
    assert pulls(api, robot, fresh, repo)


def test_issuer_key_rotation_refetches_on_unknown_kid(api, issuer):  # noqa: F811
    org, repo, robot = federated_robot(api, issuer)
    assert exchange(api, robot, issuer.token()).status_code == 200
    before = issuer.fetches
    new = Key("RS256", uniq("rsa"))
    issuer.keys.append(new)
    time.sleep(5.2)  # refetches of one issuer are at most every 5 s
    r = exchange(api, robot, issuer.token(key=new))
    assert r.status_code == 200, describe(r)
    assert issuer.fetches == before + 1
    # an unknown kid right after a fetch does not refetch (rate limit)
    refused(exchange(api, robot, issuer.token(key=Key("RS256", "nope"))), "unknown key id")
    assert issuer.fetches == before + 1
