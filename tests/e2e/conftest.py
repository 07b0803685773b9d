"""Black-box test fixtures: start the real wharf binary on a free port with a
fresh data directory and talk HTTP to it."""
import base64
import json
import os
import socket
import subprocess
import tempfile
import time

import pytest
import requests

import backends
from httpverbs import HttpVerbs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WHARF_BIN = os.environ.get("WHARF_BIN", os.path.join(ROOT, "build", "wharf"))

if backends.pg_s3():
    # WHARF_TEST_BACKEND=pg-s3: every instance without an explicit --db/--storage gets a database
    # and a bucket of its own (backends.py); all share one server key, as instances of one
    # deployment do, so CLI runs (`wharf admin bootstrap` in helpers) find it too.
    if not backends.PG:
        raise RuntimeError("WHARF_TEST_BACKEND=pg-s3 needs WHARF_TEST_PG (scripts/test.sh)")
    if "WHARF_KEY_FILE" not in os.environ:
        backends.SESSION.tmpdirs.append(tempfile.mkdtemp(prefix="wharf-key-"))
        os.environ["WHARF_KEY_FILE"] = os.path.join(backends.SESSION.tmpdirs[-1], "wharf.key")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Wharf(HttpVerbs):
    """A running `wharf serve` process."""

    def __init__(self, datadir, extra_args=(), env=None, storage=None, db=None):
        self.datadir = str(datadir)
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        if backends.pg_s3() and (db is None or storage is None):
            pg_db, s3_storage = backends.SESSION.for_datadir(self.datadir)
            db = db or pg_db
            if storage is None:
                storage = s3_storage
                env = dict(backends.s3_env(), **(env or {}))
        # another backend's URL (e.g. postgres://…), else SQLite in the data directory
        self.db = db or f"sqlite://{self.datadir}/wharf.db"
        # another backend's URL (e.g. s3://…), else a directory beside the database
        self.storage = storage or f"file://{self.datadir}/blobs"
        self.log_path = os.path.join(self.datadir, "wharf.log")
        self.extra_args = list(extra_args)
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.session = requests.Session()
        self.admin_user = self.admin_password = self.admin_token = None

    def store_env(self):
        """The environment a CLI run on this instance's stores needs beyond its flags (the
        server key file, S3 credentials): empty on the embedded backend's defaults."""
        return {k: v for k, v in self.env.items()
                if k == "WHARF_KEY_FILE" or k.startswith("AWS_")}

    def bootstrap(self, username="admin"):
        """`wharf admin bootstrap` on this instance's database: a superuser whose
        Basic credentials the session then sends on every request."""
        out = subprocess.run([WHARF_BIN, "admin", "bootstrap", "--db", self.db,
                              "--username", username, "--json"],
                             capture_output=True, text=True, env=self.env, timeout=60)
        assert out.returncode == 0, out.stderr
        creds = json.loads(out.stdout)
        # kept beside the database so a restart on the same datadir logs in again
        with open(os.path.join(self.datadir, "admin.json"), "w") as f:
            json.dump(creds, f)
        self.use_admin(creds)
        return creds

    def use_admin(self, creds):
        self.admin_user, self.admin_password = creds["username"], creds["password"]
        self.admin_token = creds["token"]
        self.session.auth = (self.admin_user, self.admin_password)

    def basic(self, user=None, password=None):
        """An Authorization header value (admin's by default), for raw sockets."""
        user = user or self.admin_user
        password = password or self.admin_password
        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def start(self):
        os.makedirs(self.datadir, exist_ok=True)
        saved = os.path.join(self.datadir, "admin.json")
        if self.admin_user is None and os.path.exists(saved):
            with open(saved) as f:
                self.use_admin(json.load(f))
        elif self.admin_user is None:
            self.bootstrap()
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [WHARF_BIN, "serve", "--listen", self.host, "--db", self.db,
             "--storage", self.storage, *self.extra_args],
            stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"wharf exited with {self.proc.returncode}: {self.read_log()}")
            try:
                if requests.get(self.url + "/v2/", timeout=1).status_code in (200, 401):
                    return self
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("wharf did not start: " + self.read_log())

    def stop(self, sig=None):
        if self.proc and self.proc.poll() is None:
            if sig is None:
                self.proc.terminate()
            else:
                self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    # small helpers so tests read like the spec
    def request(self, method, path, **kw):
        kw.setdefault("timeout", 60)
        kw.setdefault("allow_redirects", False)
        return self.session.request(method, self.url + path, **kw)


@pytest.fixture
def wharf_factory(tmp_path):
    """Starts wharf instances; all are stopped at the end of the test."""
    started = []

    def make(name="wharf", extra_args=(), env=None, storage=None, db=None):
        w = Wharf(tmp_path / name, extra_args, env, storage, db).start()
        started.append(w)
        return w

    yield make
    for w in started:
        w.stop()
    if backends.pg_s3():
        backends.SESSION.release(tmp_path)


@pytest.fixture(scope="session", autouse=True)
def _backend_session():
    """Drops what the pg-s3 backend made and stops its s3rver when the session ends."""
    yield
    backends.SESSION.close()


def pg_s3_skip(reason):
    """Skips the calling test on the pg-s3 backend, saying why (for tests inherently about the
    embedded SQLite file or blob directory)."""
    if backends.pg_s3():
        pytest.skip(f"embedded backend only: {reason}")


@pytest.fixture
def wharf(wharf_factory):
    """A fresh wharf with an empty data directory."""
    return wharf_factory()
