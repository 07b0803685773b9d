"""public_host: with it set, wharf names the configured host instead of the
request's Host in the Bearer challenge, the registry tokens' audience,
upload Locations and absolute /api/v1 URLs (docs/tls.md)."""
import re
import subprocess

import requests

from conftest import WHARF_BIN
from ocihelpers import digest_of

PUBLIC = "registry.example.com:8443"


def challenge(w):
    r = requests.get(w.url + "/v2/", timeout=30)
    assert r.status_code == 401
    return r.headers["WWW-Authenticate"]


def test_public_host_url(wharf_factory):
    w = wharf_factory("pub", extra_args=["--public-host", f"https://{PUBLIC}/"])
    assert challenge(w) == f'Bearer realm="https://{PUBLIC}/v2/auth",service="{PUBLIC}"'
    # a token for the public service name works on requests whatever their Host
    r = requests.get(w.url + "/v2/auth", params={"service": PUBLIC,
                                                 "scope": "repository:pub/app:pull,push"},
                     auth=(w.admin_user, w.admin_password), timeout=30)
    assert r.status_code == 200, r.text
    tok = {"Authorization": "Bearer " + r.json()["token"]}
    r = requests.post(w.url + "/v2/pub/app/blobs/uploads/", headers=tok, timeout=30)
    assert r.status_code == 202, r.text
    loc = r.headers["Location"]
    assert re.fullmatch(rf"https://{re.escape(PUBLIC)}/v2/pub/app/blobs/uploads/[0-9a-f-]+", loc)
    data = b"public host"
    r = requests.put(w.url + loc[len(f"https://{PUBLIC}"):], params={"digest": digest_of(data)},
                     data=data, headers=dict(tok, **{"Content-Type": "application/octet-stream"}),
                     timeout=30)
    assert r.status_code == 201, r.text
    # absolute URLs of the API: the discovery document
    d = w.get("/api/v1/discovery").json()
    assert d["host"] == PUBLIC and d["schemes"] in (["https"], "https"), d


def test_public_host_bare_keeps_request_scheme(wharf_factory):
    w = wharf_factory("bare", env={"WHARF_PUBLIC_HOST": "reg.example.com"})
    assert challenge(w) == 'Bearer realm="http://reg.example.com/v2/auth",service="reg.example.com"'


def test_without_public_host_the_host_header_counts(wharf):
    assert challenge(wharf) == f'Bearer realm="http://{wharf.host}/v2/auth",service="{wharf.host}"'


def test_public_host_with_path_is_refused(tmp_path):
    out = subprocess.run([WHARF_BIN, "serve", "--listen", "127.0.0.1:1", "--db",
                          f"sqlite://{tmp_path}/w.db", "--storage", f"file://{tmp_path}/b",
                          "--public-host", "https://reg.example.com/registry"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2
    assert "public_host" in out.stderr and "without a path" in out.stderr
