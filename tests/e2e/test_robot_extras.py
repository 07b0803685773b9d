"""Robot credentials, issue 8 leftovers: allowed_cidrs as the issue's name
for allowed_ips, and the /metrics gauges of tokens about to expire."""
import re

import requests

from apihelpers import api, create_org, create_robot, describe  # noqa: F401


def gauge(w, name):
    r = requests.get(w.url + "/metrics", timeout=30)
    assert r.status_code == 200, describe(r)
    m = re.search(rf"^{name} (\S+)$", r.text, re.M)
    assert m, r.text[-2000:]
    return float(m.group(1))


def test_allowed_cidrs_alias(api):  # noqa: F811
    org = create_org(api.admin)
    bot = create_robot(api.admin, org, body={"allowed_cidrs": ["127.0.0.0/8", "::1"]})
    assert bot["allowed_ips"] == bot["allowed_cidrs"], bot
    assert "127.0.0.0/8" in bot["allowed_cidrs"]
    short = bot["name"].split("+", 1)[1]
    got = api.admin.get(f"organization/{org}/robots/{short}").json()
    assert got["allowed_cidrs"] == got["allowed_ips"] == bot["allowed_ips"]
    # both names with different lists: refused; the same list: fine
    r = api.admin.put(f"organization/{org}/robots/{short}",
                      {"allowed_ips": ["10.0.0.0/8"], "allowed_cidrs": ["10.1.0.0/16"]})
    assert r.status_code == 400 and "allowed_cidrs" in r.text, describe(r)
    r = api.admin.put(f"organization/{org}/robots/{short}",
                      {"allowed_ips": ["10.0.0.0/8"], "allowed_cidrs": ["10.0.0.0/8"]})
    assert r.status_code == 200, describe(r)
    assert r.json()["allowed_cidrs"] == ["10.0.0.0/8"]
    r = api.admin.put(f"organization/{org}/robots/{short}", {"allowed_cidrs": ["bogus"]})
    assert r.status_code == 400, describe(r)


def test_metrics_expiring_tokens(api):  # noqa: F811
    # the counts are cached for a minute: read them once before and once after
    # would race the cache, so make the tokens first and read once
    org = create_org(api.admin)
    create_robot(api.admin, org, body={"token_expiration": 3 * 86400})
    create_robot(api.admin, org, body={"token_expiration": 20 * 86400})
    create_robot(api.admin, org, body={"token_expiration": 60 * 86400})
    seven = gauge(api, "wharf_robot_tokens_expiring_7d")
    thirty = gauge(api, "wharf_robot_tokens_expiring_30d")
    assert seven >= 1 and thirty >= seven + 1, (seven, thirty)
