"""Registry JWTs (issue 5): signed ES256 with a key derived from the key file's secret, RS256
tokens of instances from before the switch still accepted until they expire, and the
verified-token cache never outliving a revocation: the credential behind a cached token is
checked on every request."""
import base64
import hashlib
import json
import os

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from apihelpers import api, create_org, create_robot, describe, registry_auth  # noqa: F401


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def parts(token):
    h, p, s = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p)), b64url_decode(s)


def v2(w, token, path="/v2/"):
    return requests.get(w.url + path, headers={"Authorization": "Bearer " + token}, timeout=30)


def robot_token(api, scope=None):
    org = create_org(api.admin)
    bot = create_robot(api.admin, org)
    r = registry_auth(api, bot["name"], bot["token"], scope=scope)
    assert r.status_code == 200, describe(r)
    return org, bot, r.json()["token"]


def test_tokens_are_es256(api):
    _, _, tok = robot_token(api)
    header, claims, sig = parts(tok)
    assert header["alg"] == "ES256" and header["typ"] == "JWT" and len(header["kid"]) == 16
    assert len(sig) == 64  # JWS r || s, not DER
    assert claims["iss"] == "quay"
    for _ in range(5):  # the first verifies, the rest come from the cache
        assert v2(api, tok).status_code == 200
    # the same kid for every token: one key, derived from the key file
    _, _, tok2 = robot_token(api)
    assert parts(tok2)[0]["kid"] == header["kid"]


def test_revoked_robot_cached_token_refused(api):
    org, bot, tok = robot_token(api)
    short = bot["name"].split("+", 1)[1]
    for _ in range(3):  # verified once, then cached
        assert v2(api, tok).status_code == 200, describe(v2(api, tok))
    # regenerate without grace: the token behind the JWT is revoked at once
    r = api.admin.post(f"organization/{org}/robots/{short}/regenerate")
    assert r.status_code == 200, describe(r)
    refused = v2(api, tok)
    assert refused.status_code == 401, describe(refused)
    # a fresh JWT for the new token works; deleting the robot ends that one at once too
    r = registry_auth(api, bot["name"], r.json()["token"])
    assert r.status_code == 200, describe(r)
    tok2 = r.json()["token"]
    assert v2(api, tok2).status_code == 200
    assert v2(api, tok2).status_code == 200
    d = api.admin.delete(f"organization/{org}/robots/{short}")
    assert d.status_code == 204, describe(d)
    assert v2(api, tok2).status_code == 401


def key_file(w):
    return os.environ.get("WHARF_KEY_FILE") or os.path.join(w.datadir, "wharf.key")


def rsa_key(w):
    with open(key_file(w), "rb") as f:
        text = f.read()
    pem = text[text.index(b"-----BEGIN"):]
    key = serialization.load_pem_private_key(pem, password=None)
    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, hashlib.sha256(spki).hexdigest()[:16]


def rs256(key, kid, claims):
    h = b64url(json.dumps({"alg": "RS256", "typ": "JWT", "kid": kid}).encode())
    p = b64url(json.dumps(claims).encode())
    sig = key.sign(f"{h}.{p}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{h}.{p}.{b64url(sig)}"


def test_legacy_rs256_tokens_still_accepted(api):
    """A token an instance from before the switch issued (same claims, RS256 under the key
    file's RSA key and its kid) keeps working until it expires; a forged one does not."""
    org, bot, tok = robot_token(api)
    _, claims, _ = parts(tok)
    key, kid = rsa_key(api)
    assert kid != parts(tok)[0]["kid"]
    legacy = rs256(key, kid, claims)
    assert v2(api, legacy).status_code == 200
    assert v2(api, legacy).status_code == 200
    # RS256 with the ES256 key's kid, or altered claims under the old signature
    assert v2(api, rs256(key, parts(tok)[0]["kid"], claims)).status_code == 401
    evil = dict(claims, sub="someone+else")
    h, _, s = legacy.split(".")
    assert v2(api, f"{h}.{b64url(json.dumps(evil).encode())}.{s}").status_code == 401
    # expired legacy token
    old = dict(claims, iat=claims["iat"] - 7200, nbf=claims["iat"] - 7200,
               exp=claims["iat"] - 3600)
    assert v2(api, rs256(key, kid, old)).status_code == 401
    # and the revocation check applies to legacy tokens as well
    short = bot["name"].split("+", 1)[1]
    assert api.admin.put(f"organization/{org}/robots/{short}",
                         {"enabled": False}).status_code == 200
    assert v2(api, legacy).status_code == 401
