"""Health endpoints in Quay's shape (spec §7) and Prometheus /metrics:
what they answer, who may read /metrics, and that no metric label carries
anything but an operation id or a status class."""
import os
import re
import subprocess
import time

import pytest
import requests

from conftest import WHARF_BIN, free_port
from apihelpers import make_user
from ocihelpers import digest_of, push_blob, push_image, put_blob_to, start_upload

SERVICES = {"database", "storage", "auth"}
AUTH_REASONS = {"missing", "invalid", "expired", "revoked", "disabled", "malformed",
                "ip_not_allowed", "forbidden"}
DB_OPS = {"repo_ensure", "repo_lookup", "repo_list", "blob_add", "blob_linked", "blob_stat",
          "blob_link", "blob_unlink", "upload_create", "upload_get", "upload_set_offset",
          "upload_delete", "upload_stale", "manifest_put", "manifest_get", "manifest_delete",
          "referrers", "tag_resolve", "tag_list", "tag_delete", "tag_list_info"}
STORAGE_OPS = {"stat", "open", "read", "delete", "upload_create", "writer_open", "write",
               "writer_close", "commit", "upload_abort"}
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

    # labels are only op ids from the route table, status classes and the
    # fixed sets of the store/storage operations, auth reasons and GC results
    ops = route_op_ids()
    for (name, labels), _ in after.items():
        for k, v in labels:
            assert k in ("op", "code", "le", "reason", "result"), (name, k)
            if k == "op" and name.startswith("wharf_db_"):
                assert v in DB_OPS, v
            elif k == "op" and name.startswith("wharf_storage_"):
                assert v in STORAGE_OPS, v
            elif k == "op":
                assert v in ops, v
            if k == "code":
                assert re.fullmatch(r"[1-5]xx", v), v
            if k == "reason":
                assert v in AUTH_REASONS, v
            if k == "result":
                assert v in ("ok", "error"), v
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


def histogram_ok(samples, name, op):
    """The op's buckets are cumulative and end at +Inf == _count > 0."""
    buckets = sorted((float(dict(k[1])["le"]), v) for k, v in samples.items()
                     if k[0] == name + "_bucket" and dict(k[1]).get("op") == op)
    assert buckets and buckets[-1][0] == float("inf"), (name, op)
    assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), (name, op)
    count = value(samples, name + "_count", op=op)
    assert count > 0 and buckets[-1][1] == count, (name, op)
    assert value(samples, name + "_sum", op=op) >= 0
    return count


def scrape(w):
    r = anon(w, "/metrics")
    assert r.status_code == 200, r.text
    return parse_metrics(r.text), r.text


def delta(before, after, name, **labels):
    return value(after, name, **labels) - value(before, name, **labels)


def test_metrics_auth_db_storage_uploads(wharf):
    before, _ = scrape(wharf)
    # every auth reason is exported from the start, at zero
    for reason in AUTH_REASONS:
        assert ("wharf_auth_failures_total", frozenset({("reason", reason)})) in before
    img = push_image(wharf, "ops/app", tag="v1")
    assert wharf.get("/v2/ops/app/manifests/v1",
                     headers={"Accept": img.media_type}).status_code == 200
    # no credentials (401), a wrong password, a malformed header, a user
    # without rights on someone else's private repository (403)
    assert anon(wharf, "/v2/ops/app/manifests/v1").status_code == 401
    assert anon(wharf, "/v2/ops/app/manifests/v1",
                auth=(wharf.admin_user, "wrong-password-SECRET")).status_code == 401
    assert anon(wharf, "/v2/ops/app/manifests/v1",
                headers={"Authorization": "Digest abc"}).status_code == 401
    u = make_user(wharf)
    assert anon(wharf, "/v2/ops/app/manifests/v1",
                auth=(u.name, u.password)).status_code in (403, 404)
    # a completing PUT with the wrong digest fails the upload
    loc = start_upload(wharf, "ops/app")
    r = put_blob_to(wharf, loc, b"abc", digest=digest_of(b"abd"))
    assert r.status_code == 400
    push_blob(wharf, "ops/app", b"single post", mode="post")
    after, text = scrape(wharf)

    assert delta(before, after, "wharf_auth_failures_total", reason="missing") >= 1
    assert delta(before, after, "wharf_auth_failures_total", reason="invalid") >= 1
    assert delta(before, after, "wharf_auth_failures_total", reason="malformed") >= 1
    assert delta(before, after, "wharf_auth_failures_total", reason="forbidden") >= 1
    assert delta(before, after, "wharf_upload_sessions_failed_total") == 1
    # the single-POST upload is opened and completed at once
    assert delta(before, after, "wharf_upload_sessions_started_total") >= 3
    assert delta(before, after, "wharf_upload_sessions_completed_total") >= 3
    assert value(after, "wharf_upload_sessions_expired_total") == 0

    for op in ("repo_ensure", "blob_add", "manifest_put", "tag_resolve", "manifest_get"):
        histogram_ok(after, "wharf_db_operation_duration_seconds", op)
    for op in ("upload_create", "write", "commit"):
        histogram_ok(after, "wharf_storage_operation_duration_seconds", op)
    assert "SECRET" not in text and u.name not in text and "ops/app" not in text


def test_metrics_gc_and_upload_expiry(wharf_factory):
    w = wharf_factory("gc", extra_args=["--gc-interval", "1", "--gc-grace", "0",
                                        "--gc-untagged-expiry", "0", "--upload-ttl", "1"])
    before, _ = scrape(w)
    assert value(before, "wharf_gc_runs_total", result="ok") == 0
    # an untagged manifest (its tag deleted), a blob nobody references and an
    # upload session left open
    img = push_image(w, "gc/app", tag="v1")
    assert w.delete("/v2/gc/app/manifests/v1").status_code == 202
    push_blob(w, "gc/app", os.urandom(4096))
    start_upload(w, "gc/app")
    deadline = time.monotonic() + 30
    while True:
        after, _ = scrape(w)
        if (delta(before, after, "wharf_gc_manifests_expired_total") >= 1
                and delta(before, after, "wharf_gc_blobs_freed_total") >= 2
                and delta(before, after, "wharf_upload_sessions_expired_total") >= 1) \
                or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert value(after, "wharf_gc_runs_total", result="ok") >= 1
    assert value(after, "wharf_gc_runs_total", result="error") == 0
    assert delta(before, after, "wharf_gc_manifests_expired_total") >= 1
    # the unreferenced blob, the manifest's config and layers
    assert delta(before, after, "wharf_gc_blobs_freed_total") >= 2
    assert delta(before, after, "wharf_gc_bytes_freed_total") >= 4096
    assert delta(before, after, "wharf_upload_sessions_expired_total") >= 1
    assert w.get(f"/v2/gc/app/manifests/{img.digest}").status_code == 404
    histogram_ok(after, "wharf_storage_operation_duration_seconds", "delete")
