"""Health endpoints in Quay's shape (spec §7) and Prometheus /metrics:
what they answer, who may read /metrics, and that no metric label carries
anything but an operation id or a status class."""
import os
import re
import subprocess

import pytest
import requests

from conftest import WHARF_BIN, free_port
from ocihelpers import push_image

SERVICES = {"database", "storage", "auth"}
SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def anon(w, path, **kw):
    kw.setdefault("timeout", 60)
    return requests.get(w.url + path, **kw)


def parse_metrics(text):
    """{(name, frozenset(labels)): value}, checking every line's syntax."""
    samples, typed = {}, set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        if line.startswith("#") or not line:
            continue
        m = SAMPLE_RE.match(line)
        assert m, f"not Prometheus text format: {line!r}"
        labels = dict(LABEL_RE.findall(m.group(3) or ""))
        samples[(m.group(1), frozenset(labels.items()))] = float(m.group(4))
        base = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
        assert m.group(1) in typed or base in typed, f"{m.group(1)} has no # TYPE"
    return samples


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def route_op_ids():
    out = subprocess.run([WHARF_BIN, "routes"], capture_output=True, text=True, check=True).stdout
    ops = {line.split("|")[4].strip() for line in out.splitlines()
           if line.startswith("| ") and "`" in line}
    assert "end-3" in ops and "getOrgRobotSecret" in ops
    return ops | {"none"}


@pytest.mark.parametrize("path", ["/health/instance", "/health", "/health/endtoend", "/status"])
def test_health_shape_anonymous(wharf, path):
    r = anon(wharf, path)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body == {"data": {"services": {s: True for s in SERVICES}}, "status_code": 200}
    assert "no-store" in r.headers.get("Cache-Control", "")


def test_internal_ping(wharf):
    r = anon(wharf, "/_internal_ping")
    assert r.status_code == 200 and r.json() is True


def test_health_reports_unreachable_storage_503(wharf_factory):
    # S3 storage whose endpoint refuses connections (wharf starts anyway):
    # the probe gets an I/O error instead of "not found", and the body says
    # which service failed without naming the backend
    port = free_port()
    url = f"s3://bucket?endpoint=http://127.0.0.1:{port}&path_style=true&region=us-east-1"
    w = wharf_factory("s3down", storage=url,
                      env={"AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK",
                           "AWS_SESSION_TOKEN": "", "AWS_ENDPOINT_URL": "",
                           "AWS_ENDPOINT_URL_S3": ""})
    for path in ("/health/instance", "/health/endtoend"):
        r = anon(w, path)
        assert r.status_code == 503, r.text
        body = r.json()
        assert body["status_code"] == 503
        assert body["data"]["services"] == {"database": True, "storage": False, "auth": True}
        assert str(port) not in r.text and "s3" not in r.text
    assert anon(w, "/_internal_ping").json() is True


def test_metrics_counts_and_format(wharf):
    before = parse_metrics(anon(wharf, "/metrics").text)
    img = push_image(wharf, "metrics/app", tag="v1")
    for _ in range(3):
        r = wharf.get("/v2/metrics/app/manifests/v1", headers={"Accept": img.media_type})
        assert r.status_code == 200
    assert wharf.get("/v2/metrics/app/manifests/nope").status_code == 404
    anon(wharf, "/no/such/path/with-a-secret-looking-token-AAAA")
    r = anon(wharf, "/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    after = parse_metrics(r.text)

    assert value(after, "wharf_registry_pulls_total") - value(before, "wharf_registry_pulls_total") == 3
    assert value(after, "wharf_registry_pushes_total") - value(before, "wharf_registry_pushes_total") == 1
    assert value(after, "wharf_http_requests_total", op="end-3", code="2xx") >= 3
    assert value(after, "wharf_http_requests_total", op="end-3", code="4xx") >= 1
    assert value(after, "wharf_http_requests_total", op="end-7", code="2xx") == 1
    assert value(after, "wharf_http_requests_total", op="none", code="4xx") >= 1
    # blobs pushed by POST+PUT: each session opened and completed here
    assert value(after, "wharf_upload_sessions_started_total") >= 2
    assert value(after, "wharf_upload_sessions_completed_total") >= 2
    assert value(after, "wharf_upload_sessions_open") == 0
    assert value(after, "wharf_http_request_bytes_total") > value(before, "wharf_http_request_bytes_total")
    assert value(after, "wharf_http_response_bytes_total") > value(before, "wharf_http_response_bytes_total")
    assert value(after, "wharf_http_active_requests") >= 1
    assert value(after, "process_resident_memory_bytes") > 1 << 20
    assert 0 < value(after, "wharf_process_uptime_seconds") < 3600

    # histogram: cumulative buckets ending at +Inf == count
    buckets = sorted(((float(dict(k[1])["le"]), v) for k, v in after.items()
                      if k[0] == "wharf_http_request_duration_seconds_bucket"
                      and dict(k[1])["op"] == "end-3"), key=lambda b: b[0])
    assert buckets and buckets[-1][0] == float("inf")
    assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:]))
    assert buckets[-1][1] == value(after, "wharf_http_request_duration_seconds_count", op="end-3")

    # labels are only op ids from the route table and status classes
    ops = route_op_ids()
    for (name, labels), _ in after.items():
        for k, v in labels:
            assert k in ("op", "code", "le"), (name, k)
            if k == "op":
                assert v in ops, v
            if k == "code":
                assert re.fullmatch(r"[1-5]xx", v), v
    assert "secret-looking" not in r.text and "metrics/app" not in r.text
    assert wharf.admin_password not in r.text


def test_metrics_access(wharf):
    # a proxied request is not trusted as local, whatever the socket peer
    r = anon(wharf, "/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert r.status_code == 403
    assert "superuser" in r.text
    # a superuser API token opens it from anywhere
    r = anon(wharf, "/metrics", headers={"X-Forwarded-For": "203.0.113.9",
                                          "Authorization": f"Bearer {wharf.admin_token}"})
    assert r.status_code == 200 and "wharf_http_requests_total" in r.text
    # a bad credential is refused before the handler runs
    r = anon(wharf, "/metrics", headers={"Authorization": "Bearer " + "X" * 64})
    assert r.status_code in (401, 403)
