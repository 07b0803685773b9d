"""--log-format json (log_format: json): every line wharf writes is one JSON
object with time, level and msg; access lines carry the request's fields as
keys; client bytes cannot break a line; no secret is written."""
import json

import requests

from apihelpers import bearer, create_org, create_robot
from ocihelpers import push_image


def test_every_log_line_is_json(wharf_factory):
    w = wharf_factory("jsonlog", extra_args=["--log-format", "json", "--log-level", "debug"])
    img = push_image(w, "logs/app", tag="v1")
    assert w.get("/v2/logs/app/manifests/v1", headers={"Accept": img.media_type}).status_code == 200
    # a wrong password, and a robot token that works: neither may reach the log
    wrong = "WRONG-pass-" + "Q" * 20
    r = requests.get(w.url + "/v2/logs/app/tags/list", auth=(w.admin_user, wrong), timeout=30)
    assert r.status_code == 401
    admin = bearer(w, w.admin_token, w.admin_user)
    org = create_org(admin)
    robot = create_robot(admin, org)
    r = requests.get(w.url + "/v2/auth", params={"service": w.host},
                     auth=(robot["name"], robot["token"]), timeout=30)
    assert r.status_code == 200, r.text
    # quotes, a newline, a backslash and bytes that are not UTF-8 in the path
    requests.get(w.url + '/v2/x%22y%0Az%5C%ff%fe/tags/list', timeout=30)
    requests.get(w.url + '/v2/a%22b%5Cc%ff/tags/list', timeout=30)
    w.stop()

    lines = w.read_log().splitlines()
    assert lines
    records = []
    for line in lines:
        rec = json.loads(line)  # raises on any line that is not one JSON object
        assert isinstance(rec, dict), line
        assert {"time", "level", "msg"} <= rec.keys(), line
        assert rec["level"] in ("error", "warn", "info", "debug"), line
        records.append(rec)
    access = [r for r in records if r["msg"] == "access"]
    assert len(access) >= 5
    for a in access:
        assert {"method", "path", "status", "request_id", "op", "duration_ms"} <= a.keys(), a
        assert isinstance(a["status"], int) and len(a["request_id"]) >= 16
    pulls = [a for a in access if a["method"] == "GET" and a["path"] == "/v2/logs/app/manifests/v1"]
    assert pulls and pulls[0]["status"] == 200 and pulls[0]["op"] == "end-3"
    assert pulls[0]["principal"] == w.admin_user
    assert any(a["status"] == 401 and a["path"] == "/v2/logs/app/tags/list" for a in access)
    # a decoded path keeps its quote and backslash, escaped; a byte that is
    # not UTF-8 becomes U+FFFD
    assert any(a["path"].startswith('/v2/a"b\\c\ufffd') for a in access), \
        [a["path"] for a in access]
    # other lines (debug and info) carry a source location
    assert any(r["msg"] != "access" and "src" in r for r in records)
    text = "\n".join(lines)
    for secret in (wrong, robot["token"], w.admin_password, w.admin_token):
        assert secret not in text
