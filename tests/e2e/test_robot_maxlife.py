"""An organization's maximum robot token lifetime (issue 8, wharf extension):
`max_robot_token_lifetime` (seconds) set by PUT organization/{org} (Quay's
changeOrganizationDetails) and shown to admins in the org JSON. Tokens made
in the org (robot create, regenerate, POST .../tokens) get at most that
expiry: none asked gives the maximum, a later one is refused with 400."""
import calendar
import time

from apihelpers import (TOKEN_RE, api, create_org, describe, make_user,  # noqa: F401
                        registry_auth, uniq)

HOUR = 3600


def epoch(rfc3339):
    return calendar.timegm(time.strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ"))


def near(rfc3339, expected, slack=30):
    return abs(epoch(rfc3339) - expected) <= slack


def set_max(api, org, value):
    r = api.admin.put(f"organization/{org}", {"max_robot_token_lifetime": value})
    assert r.status_code == 200, describe(r)
    return r.json()


def refused(resp):
    assert resp.status_code == 400, describe(resp)
    assert "maximum robot token lifetime" in resp.text, describe(resp)


def test_org_setting_shown_and_validated(api):
    org = create_org(api.admin)
    view = api.admin.get(f"organization/{org}").json()
    assert view["max_robot_token_lifetime"] is None
    got = set_max(api, org, HOUR)
    assert got["max_robot_token_lifetime"] == HOUR and got["name"] == org and got["is_admin"]
    assert api.admin.get(f"organization/{org}").json()["max_robot_token_lifetime"] == HOUR
    for bad in (-1, 30, "3600", 1.5, 10 ** 10, True):
        r = api.admin.put(f"organization/{org}", {"max_robot_token_lifetime": bad})
        assert r.status_code == 400, describe(r)
        assert "max_robot_token_lifetime" in r.text
    assert api.admin.get(f"organization/{org}").json()["max_robot_token_lifetime"] == HOUR
    # Quay's own fields: email changes; tag_expiration_s is fixed (its value is accepted)
    r = api.admin.put(f"organization/{org}", {"email": f"ops-{org}@example.com",
                                              "tag_expiration_s": 1209600})
    assert r.status_code == 200, describe(r)
    assert r.json()["email"] == f"ops-{org}@example.com"
    assert r.json()["max_robot_token_lifetime"] == HOUR  # untouched
    r = api.admin.put(f"organization/{org}", {"tag_expiration_s": 60})
    assert r.status_code == 400 and "tag_expiration_s" in r.text, describe(r)
    r = api.admin.put(f"organization/{org}", {"email": "not an address"})
    assert r.status_code == 400, describe(r)
    assert api.admin.put("organization/nosuchorg" + uniq(), {}).status_code in (403, 404)
    # 0 and null both remove the maximum
    assert set_max(api, org, 0)["max_robot_token_lifetime"] is None
    set_max(api, org, HOUR)
    assert set_max(api, org, None)["max_robot_token_lifetime"] is None
    # outsiders neither see nor change it
    outsider = make_user(api)
    r = outsider.get(f"organization/{org}")
    assert r.status_code == 200 and "max_robot_token_lifetime" not in r.json(), describe(r)
    r = outsider.put(f"organization/{org}", {"max_robot_token_lifetime": 60})
    assert r.status_code == 403, describe(r)


def test_create_gets_the_maximum_or_is_refused(api):
    org = create_org(api.admin)
    set_max(api, org, HOUR)
    now = time.time()
    r = api.admin.put(f"organization/{org}/robots/{uniq('bot')}")
    assert r.status_code == 201, describe(r)
    bot = r.json()
    assert near(bot["expires_at"], now + HOUR) and bot["expires_soon"] is True
    assert registry_auth(api, bot["name"], bot["token"]).status_code == 200
    short = uniq("bot")
    refused(api.admin.put(f"organization/{org}/robots/{short}", {"token_expiration": 2 * HOUR}))
    assert api.admin.get(f"organization/{org}/robots/{short}").status_code == 400  # not made
    r = api.admin.put(f"organization/{org}/robots/{short}", {"token_expiration": 600})
    assert r.status_code == 201 and near(r.json()["expires_at"], now + 600), describe(r)
    later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 3 * HOUR))
    refused(api.admin.put(f"organization/{org}/robots/{uniq('bot')}",
                          {"token_expiration": later}))


def test_regenerate_and_add_token(api):
    org = create_org(api.admin)
    short = uniq("bot")
    bot = api.admin.put(f"organization/{org}/robots/{short}").json()
    assert bot["expires_at"] is None  # made before the maximum: unchanged
    set_max(api, org, 2 * HOUR)
    base = f"organization/{org}/robots/{short}"
    now = time.time()
    refused(api.admin.post(f"{base}/regenerate", {"token_expiration": 3 * HOUR}))
    assert registry_auth(api, bot["name"], bot["token"]).status_code == 200  # nothing changed
    r = api.admin.post(f"{base}/regenerate", {"grace_period": 60})
    assert r.status_code == 200, describe(r)
    assert near(r.json()["expires_at"], now + 2 * HOUR)
    refused(api.admin.post(f"{base}/tokens", {"label": "long", "token_expiration": 3 * HOUR}))
    r = api.admin.post(f"{base}/tokens", {"label": "default"})
    assert r.status_code == 201 and near(r.json()["expires_at"], now + 2 * HOUR), describe(r)
    r = api.admin.post(f"{base}/tokens", {"label": "short", "token_expiration": 120})
    assert r.status_code == 201 and near(r.json()["expires_at"], now + 120), describe(r)
    assert TOKEN_RE.fullmatch(r.json()["token"])


def test_user_robots_have_no_maximum(api):
    short = uniq("ub")
    r = api.admin.put(f"user/robots/{short}", {"token_expiration": 5 * 365 * 86400})
    assert r.status_code == 201, describe(r)
    assert api.admin.put(f"user/robots/{uniq('ub')}").json()["expires_at"] is None


def test_audited(api):
    org = create_org(api.admin)
    set_max(api, org, HOUR)
    set_max(api, org, HOUR)  # unchanged: no second entry
    api.admin.put(f"organization/{org}", {"email": f"new-{org}@example.com"})
    entries = api.admin.get(f"organization/{org}/logs").json()["logs"]
    life = [e for e in entries if e["kind"] == "org_change_robot_token_lifetime"]
    assert len(life) == 1, entries
    assert life[0]["metadata"]["max_robot_token_lifetime"] == HOUR
    assert life[0]["performer"]["name"] == api.admin_user
    assert [e for e in entries if e["kind"] == "org_change_email"]
