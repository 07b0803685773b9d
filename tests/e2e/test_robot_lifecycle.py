"""Robot token lifecycle, a wharf extension (issue 8): several tokens per
robot with labels and expiry, rotation with a grace period, disable/enable
and IP allow-lists, end to end through /api/v1 and the registry's /v2."""
import http.client
import time
import base64

import requests

from apihelpers import (TOKEN_RE, api, create_org, create_robot, describe,  # noqa: F401
                        registry_auth, uniq)

RFC3339_RE = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"


def auth_ok(w, name, token):
    r = registry_auth(w, name, token)
    return r.status_code == 200


def v2_basic(w, name, token):
    return requests.get(w.url + "/v2/", auth=(name, token), timeout=30)


def messages(resp):
    return " ".join(e.get("message", "") for e in resp.json().get("errors", []))


def new_robot(api, body=None):
    org = create_org(api.admin)
    bot = create_robot(api.admin, org, body=body)
    short = bot["name"].split("+", 1)[1]
    return org, short, bot


def test_tokens_list_add_delete(api):
    org, short, bot = new_robot(api)
    base = f"organization/{org}/robots/{short}/tokens"
    r = api.admin.get(base)
    assert r.status_code == 200, describe(r)
    toks = r.json()["tokens"]
    assert len(toks) == 1 and "token" not in toks[0]
    assert toks[0]["expires_at"] is None and toks[0]["expired"] is False
    add = api.admin.post(base, {"label": "cluster-a"})
    assert add.status_code == 201, describe(add)
    new = add.json()
    assert TOKEN_RE.fullmatch(new["token"]) and new["label"] == "cluster-a"
    assert new["token"] != bot["token"]
    listed = api.admin.get(base).json()["tokens"]
    assert [t["id"] for t in listed] == [toks[0]["id"], new["id"]]
    assert all("token" not in t for t in listed)
    # both work; Quay's `token` is the newest active one
    assert auth_ok(api, bot["name"], bot["token"])
    assert auth_ok(api, bot["name"], new["token"])
    assert api.admin.get(f"organization/{org}/robots/{short}").json()["token"] == new["token"]
    # last_accessed is recorded per token
    used = {t["id"]: t for t in api.admin.get(base).json()["tokens"]}
    assert used[new["id"]]["last_accessed"] is not None
    # revoke the new one: refused at once, the first keeps working
    d = api.admin.delete(f"{base}/{new['id']}")
    assert d.status_code == 204, describe(d)
    assert not auth_ok(api, bot["name"], new["token"])
    assert auth_ok(api, bot["name"], bot["token"])
    assert api.admin.delete(f"{base}/{new['id']}").status_code == 404
    assert api.admin.delete(f"{base}/abc").status_code == 404
    # another robot's token id is not reachable through this robot
    org2, short2, _ = new_robot(api)
    other = api.admin.get(f"organization/{org2}/robots/{short2}/tokens").json()["tokens"][0]
    assert api.admin.delete(f"{base}/{other['id']}").status_code == 404
    assert api.admin.get(f"organization/{org}/robots/nobody/tokens").status_code == 400


def test_user_robot_tokens(api):
    short = uniq("ub")
    r = api.admin.put(f"user/robots/{short}")
    assert r.status_code == 201, describe(r)
    add = api.admin.post(f"user/robots/{short}/tokens", {"token_expiration": 3600})
    assert add.status_code == 201, describe(add)
    assert auth_ok(api, f"{api.admin_user}+{short}", add.json()["token"])
    assert len(api.admin.get(f"user/robots/{short}/tokens").json()["tokens"]) == 2


def test_expiry_refused_with_when(api):
    org, short, bot = new_robot(api)
    base = f"organization/{org}/robots/{short}/tokens"
    add = api.admin.post(base, {"label": "short", "token_expiration": 2})
    assert add.status_code == 201, describe(add)
    tok = add.json()
    assert tok["expires_at"] and tok["expires_at"].endswith("Z")
    assert auth_ok(api, bot["name"], tok["token"])
    time.sleep(3.2)
    r = registry_auth(api, bot["name"], tok["token"])
    assert r.status_code == 401, describe(r)
    assert "expired at " + tok["expires_at"] in r.text, r.text
    assert v2_basic(api, bot["name"], tok["token"]).status_code == 401
    # the robot's `token` falls back to the newest one still active
    got = api.admin.get(f"organization/{org}/robots/{short}").json()
    assert got["token"] == bot["token"]
    listed = {t["id"]: t for t in api.admin.get(base).json()["tokens"]}
    assert listed[tok["id"]]["expired"] is True
    # bad expirations
    for bad in ["2001-01-01T00:00:00Z", "tomorrow", -5, 0, True, "2026-13-01T00:00:00Z"]:
        r = api.admin.post(base, {"token_expiration": bad})
        assert r.status_code == 400, (bad, describe(r))


def test_expiry_on_create_and_expires_soon(api):
    org = create_org(api.admin)
    far = create_robot(api.admin, org, body={"token_expiration": "2035-01-02T03:04:05+01:00"})
    assert far["expires_at"] == "2035-01-02T02:04:05Z"
    assert far["expires_soon"] is False
    soon = create_robot(api.admin, org, body={"token_expiration": "3600"})
    assert soon["expires_soon"] is True
    never = create_robot(api.admin, org)
    assert never["expires_at"] is None and never["expires_soon"] is False
    assert never["enabled"] is True and never["allowed_ips"] == []
    listed = api.admin.get(f"organization/{org}/robots").json()["robots"]
    assert {b["name"]: b["expires_soon"] for b in listed}[soon["name"]] is True


def test_rotation_with_grace(api):
    org, short, bot = new_robot(api)
    old = bot["token"]
    r = api.admin.post(f"organization/{org}/robots/{short}/regenerate", {"grace_period": 2})
    assert r.status_code == 200, describe(r)
    body = r.json()
    new = body["token"]
    assert new != old and body["previous_token_expires_at"]
    # a puller still on the old token and a pusher on the new one both work
    assert auth_ok(api, bot["name"], old)
    assert auth_ok(api, bot["name"], new)
    time.sleep(3.2)
    r = registry_auth(api, bot["name"], old)
    assert r.status_code == 401 and "expired at" in r.text, describe(r)
    assert auth_ok(api, bot["name"], new)
    # default: Quay's behaviour, the previous token stops at once
    r = api.admin.post(f"organization/{org}/robots/{short}/regenerate")
    assert r.status_code == 200, describe(r)
    assert r.json()["previous_token_expires_at"] is None
    assert not auth_ok(api, bot["name"], new)
    assert auth_ok(api, bot["name"], r.json()["token"])
    # grace in the query string; bad values refused
    q = api.admin.post(f"organization/{org}/robots/{short}/regenerate?grace_period=60")
    assert q.status_code == 200 and q.json()["previous_token_expires_at"], describe(q)
    assert auth_ok(api, bot["name"], r.json()["token"])
    for bad in ["-1", "abc", "99999999"]:
        b = api.admin.post(f"organization/{org}/robots/{short}/regenerate?grace_period={bad}")
        assert b.status_code == 400, describe(b)


def test_disable_enable(api):
    org, short, bot = new_robot(api)
    path = f"organization/{org}/robots/{short}"
    jwt = registry_auth(api, bot["name"], bot["token"]).json()["token"]
    hdr = {"Authorization": "Bearer " + jwt}
    assert requests.get(api.url + "/v2/", headers=hdr, timeout=30).status_code == 200
    r = api.admin.put(path, {"enabled": False})
    assert r.status_code == 200 and r.json()["enabled"] is False, describe(r)
    a = registry_auth(api, bot["name"], bot["token"])
    assert a.status_code == 401 and "disabled" in a.text, describe(a)
    # its registry JWT stops at once too
    j = requests.get(api.url + "/v2/", headers=hdr, timeout=30)
    assert j.status_code == 401 and "disabled" in j.text, describe(j)
    assert api.admin.get(path).json()["enabled"] is False
    r = api.admin.put(path, {"enabled": True})
    assert r.json()["enabled"] is True
    assert auth_ok(api, bot["name"], bot["token"])
    assert requests.get(api.url + "/v2/", headers=hdr, timeout=30).status_code == 200
    assert api.admin.put(path, {"enabled": "no"}).status_code == 400
    # created disabled
    off = create_robot(api.admin, org, body={"enabled": False})
    assert off["enabled"] is False
    assert not auth_ok(api, off["name"], off["token"])


def get_from(w, source, path, user, token):
    """GET w's path from local address `source` (another loopback address)."""
    c = http.client.HTTPConnection("127.0.0.1", w.port, timeout=30, source_address=(source, 0))
    cred = base64.b64encode(f"{user}:{token}".encode()).decode()
    try:
        c.request("GET", path, headers={"Authorization": "Basic " + cred})
        resp = c.getresponse()
        return resp.status, resp.read().decode()
    finally:
        c.close()


def test_ip_allow_list(api):
    org, short, bot = new_robot(api)
    path = f"organization/{org}/robots/{short}"
    r = api.admin.put(path, {"allowed_ips": ["10.0.0.0/8", "2001:db8::/32"]})
    assert r.status_code == 200, describe(r)
    assert r.json()["allowed_ips"] == ["10.0.0.0/8", "2001:db8::/32"]
    a = registry_auth(api, bot["name"], bot["token"])
    assert a.status_code == 403, describe(a)
    assert a.json()["errors"][0]["code"] == "DENIED"
    assert "127.0.0.1" in messages(a) and "allowed_ips" in messages(a)
    assert v2_basic(api, bot["name"], bot["token"]).status_code == 403
    # refused uses are not uses: the robot still counts as never used
    got = api.admin.get(path).json()
    assert got["last_accessed"] is None, got
    # a list that includes the caller
    api.admin.put(path, {"allowed_ips": ["127.0.0.0/8"]})
    assert auth_ok(api, bot["name"], bot["token"])
    assert api.admin.get(path).json()["last_accessed"] is not None
    # only 127.0.0.2: from there it works, from 127.0.0.1 it does not
    api.admin.put(path, {"allowed_ips": ["127.0.0.2"]})
    st, _ = get_from(api, "127.0.0.2", "/v2/", bot["name"], bot["token"])
    assert st == 200
    st, text = get_from(api, "127.0.0.1", "/v2/", bot["name"], bot["token"])
    assert st == 403 and "127.0.0.1" in text
    # bad lists refused; [] clears
    for bad in [["10.0.0.0/33"], ["nope"], "10.0.0.0/8", [5], ["::1/129"]]:
        assert api.admin.put(path, {"allowed_ips": bad}).status_code == 400, bad
    r = api.admin.put(path, {"allowed_ips": []})
    assert r.json()["allowed_ips"] == []
    assert auth_ok(api, bot["name"], bot["token"])
