"""Native HTTPS (docs/tls.md): wharf serves a certificate and key read from files, re-reads them on
SIGHUP without closing the listener or open connections, and refuses to start on a bad path. Also
X-Forwarded-Proto from a trusted proxy. Certificates come from the openssl CLI: a throwaway CA and
leaves whose serial numbers tell them apart."""
import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time

import pytest
import requests
from cryptography import x509

from conftest import WHARF_BIN, Wharf, free_port
from imagegen import make_image
from test_clients import clients_for  # noqa: F401  (fixture)

OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(not OPENSSL, reason="the openssl CLI makes the test certificates")


def run(*argv):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"{' '.join(argv)}: {r.stderr}"


class Pki:
    """A CA and server certificates it signs for 127.0.0.1 / localhost."""

    def __init__(self, root):
        self.root = str(root)
        os.makedirs(self.root, exist_ok=True)
        self.ca_key, self.ca = self.path("ca.key"), self.path("ca.crt")
        run(OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", self.ca_key, "-out", self.ca, "-days", "2",
            "-subj", "/CN=wharf test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        with open(self.path("ext.cnf"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                    "extendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")

    def path(self, name):
        return os.path.join(self.root, name)

    def leaf(self, name, serial):
        """Writes NAME.crt and NAME.key (mode 0600), signed by the CA with this serial."""
        key, csr, crt = self.path(name + ".key"), self.path(name + ".csr"), self.path(name + ".crt")
        run(OPENSSL, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
        run(OPENSSL, "x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", self.ca_key,
            "-set_serial", str(serial), "-days", "2", "-out", crt, "-extfile", self.path("ext.cnf"))
        os.chmod(key, 0o600)
        return crt, key


def install(src_crt, src_key, crt, key):
    """Replaces the served files the way an operator (or certbot) does: write, then rename."""
    for src, dst in ((src_crt, crt), (src_key, key)):
        shutil.copy(src, dst + ".new")
        os.chmod(dst + ".new", 0o600)
        os.replace(dst + ".new", dst)


class TlsWharf(Wharf):
    """A wharf serving HTTPS; requests made through it trust the test CA."""

    def __init__(self, datadir, pki, crt, key):
        super().__init__(datadir, ["--tls-cert", crt, "--tls-key", key])
        self.url = f"https://{self.host}"
        self.ca = pki.ca

    def request(self, method, path, **kw):
        # explicit: a REQUESTS_CA_BUNDLE in the environment beats Session.verify
        kw.setdefault("verify", self.ca)
        return super().request(method, path, **kw)

    def start(self):
        old = os.environ.get("REQUESTS_CA_BUNDLE")
        os.environ["REQUESTS_CA_BUNDLE"] = self.ca
        try:
            return super().start()
        finally:
            if old is None:
                del os.environ["REQUESTS_CA_BUNDLE"]
            else:
                os.environ["REQUESTS_CA_BUNDLE"] = old


def served_serial(w):
    """Serial number of the certificate a new handshake gets."""
    ctx = ssl.create_default_context(cafile=w.ca)
    with socket.create_connection(("127.0.0.1", w.port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            der = s.getpeercert(binary_form=True)
    return x509.load_der_x509_certificate(der).serial_number


@pytest.fixture
def tls_env(tmp_path):
    pki = Pki(tmp_path / "pki")
    crt, key = pki.path("server.crt"), pki.path("server.key")
    install(*pki.leaf("one", 0x1001), crt, key)
    started = []

    def start():
        w = TlsWharf(tmp_path / "wharf", pki, crt, key).start()
        started.append(w)
        return w

    yield pki, crt, key, start
    for w in started:
        w.stop()


def test_https_api_and_registry(tls_env):
    pki, _, _, start = tls_env
    w = start()
    assert served_serial(w) == 0x1001
    r = w.get("/v2/")
    assert r.status_code == 200, r.text
    assert r.headers["Docker-Distribution-API-Version"] == "registry/2.0"
    # the token challenge points clients at the scheme they came in with
    r = requests.get(w.url + "/v2/", verify=pki.ca, timeout=10)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith(f'Bearer realm="https://{w.host}/v2/auth"')
    r = requests.get(w.url + "/api/v1/user/", headers={"Authorization": f"Bearer {w.admin_token}"},
                     verify=pki.ca, timeout=10)
    assert r.status_code == 200 and r.json()["username"] == w.admin_user, r.text
    # plain HTTP on the TLS port gets no HTTP answer
    with pytest.raises(requests.RequestException):
        requests.get(f"http://{w.host}/v2/", timeout=5)
    # a client that does not trust the CA refuses the certificate
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(w.url + "/v2/", verify=True, timeout=10)
    assert f"listening on https://127.0.0.1:{w.port}" in w.read_log()


def test_sighup_swaps_certificate_keeping_listener_and_connections(tls_env):
    pki, crt, key, start = tls_env
    w = start()
    assert served_serial(w) == 0x1001
    ctx = ssl.create_default_context(cafile=pki.ca)
    conn = http.client.HTTPSConnection("127.0.0.1", w.port, context=ctx, timeout=10)
    conn.request("GET", "/v2/", headers={"Authorization": w.basic()})
    first = conn.getresponse()
    first.read()
    assert first.status == 200

    install(*pki.leaf("two", 0x2002), crt, key)
    w.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while served_serial(w) != 0x2002:
        assert time.monotonic() < deadline, w.read_log()
        time.sleep(0.05)
    assert w.proc.poll() is None
    # the connection opened before the reload is still served
    conn.request("GET", "/v2/", headers={"Authorization": w.basic()})
    again = conn.getresponse()
    again.read()
    assert again.status == 200
    conn.close()
    assert "reloaded TLS certificate" in w.read_log()

    # a broken replacement is refused: the old certificate stays, the server keeps running
    with open(crt, "w") as f:
        f.write("not a certificate\n")
    w.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while "still serving the certificate with serial" not in w.read_log():
        assert time.monotonic() < deadline, w.read_log()
        time.sleep(0.05)
    assert served_serial(w) == 0x2002
    assert w.get("/v2/").status_code == 200


def serve_fails(tmp_path, *args):
    r = subprocess.run([WHARF_BIN, "serve", "--listen", f"127.0.0.1:{free_port()}",
                        "--db", f"sqlite://{tmp_path}/bad.db", "--storage", f"file://{tmp_path}/b",
                        *args], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    return lines[0]


def test_bad_certificate_settings_refuse_to_start(tls_env, tmp_path):
    pki, crt, key, _ = tls_env
    line = serve_fails(tmp_path, "--tls-cert", str(tmp_path / "missing.crt"), "--tls-key", key)
    assert "missing.crt" in line and "--tls-cert" in line, line
    line = serve_fails(tmp_path, "--tls-cert", crt)
    assert "--tls-key" in line, line
    other_crt, _ = pki.leaf("other", 0x3003)
    line = serve_fails(tmp_path, "--tls-cert", other_crt, "--tls-key", key)
    assert "does not fit" in line, line
    line = serve_fails(tmp_path, "--tls-cert", key, "--tls-key", key)
    assert "certificate" in line, line


def test_skopeo_over_https_with_cert_dir(tls_env, clients_for, tmp_path):  # noqa: F811
    pki, _, _, start = tls_env
    w = start()
    clients = clients_for(w)
    # no "insecure" registry entry: skopeo must verify the chain
    clients._write("registries.conf", "unqualified-search-registries = []\n")
    certdir = tmp_path / "certs.d"
    certdir.mkdir()
    shutil.copy(pki.ca, certdir / "ca.crt")
    make_image(str(tmp_path / "img"), layers=2, seed="tls")
    clients.skopeo("copy", "--dest-tls-verify=true", "--dest-cert-dir", str(certdir),
                   f"oci:{tmp_path}/img:latest", clients.ref("acme/tls:1"))
    clients.skopeo("copy", "--src-tls-verify=true", "--src-cert-dir", str(certdir),
                   clients.ref("acme/tls:1"), f"oci:{tmp_path}/out:latest")
    assert os.path.exists(tmp_path / "out" / "index.json")
    # without the CA the same pull fails verification
    r = clients.skopeo("inspect", "--tls-verify=true", clients.ref("acme/tls:1"), ok=False)
    assert "certificate" in (r.stderr + r.stdout).lower()


def test_forwarded_proto_only_from_trusted_proxies(wharf_factory):
    trusted = wharf_factory("trusting", extra_args=["--trusted-proxies", "127.0.0.1"])
    r = requests.get(trusted.url + "/v2/", headers={"X-Forwarded-Proto": "https"}, timeout=10)
    assert r.headers["WWW-Authenticate"].startswith(f'Bearer realm="https://{trusted.host}/')
    r = requests.get(trusted.url + "/v2/", timeout=10)
    assert r.headers["WWW-Authenticate"].startswith(f'Bearer realm="http://{trusted.host}/')
    plain = wharf_factory("plain")
    r = requests.get(plain.url + "/v2/", headers={"X-Forwarded-Proto": "https"}, timeout=10)
    assert r.headers["WWW-Authenticate"].startswith(f'Bearer realm="http://{plain.host}/')
