"""The backends a black-box test's wharf runs on.

WHARF_TEST_BACKEND selects them for every instance the fixtures start without an explicit
--db/--storage:
  embedded (default)  SQLite in the data directory, blobs in a directory beside it
  pg-s3               a fresh PostgreSQL database per data directory (CREATE DATABASE on the
                      server in WHARF_TEST_PG, dropped when the test or the session ends) and a
                      fresh bucket per data directory on one s3rver started once per session
Two Wharf objects on the same data directory (a restart, or a second process "on the same
database") get the same database and bucket, as they would get the same SQLite file.

Also here: psql() and db_url() for tests that talk to PostgreSQL directly, and the S3rver process
wrapper (started from node_modules, stopped by PID)."""
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BACKEND = os.environ.get("WHARF_TEST_BACKEND", "embedded")
PG = os.environ.get("WHARF_TEST_PG", "")
S3RVER_JS = os.environ.get("WHARF_S3RVER_JS") or \
    os.path.join(ROOT, "node_modules", "s3rver", "bin", "s3rver.js")
NODE = shutil.which("node")
# s3rver knows the access key S3RVER and checks no signature: the secret is ours to pick, and a
# distinctive one lets a test prove it never reaches a log line
S3_ACCESS = "S3RVER"
S3_SECRET = "wharf-suite-secret-" + uuid.uuid4().hex[:12]

if BACKEND not in ("embedded", "pg-s3"):
    raise RuntimeError(f"WHARF_TEST_BACKEND={BACKEND!r}: expected embedded or pg-s3")


def pg_s3():
    """True when every fixture-started wharf runs on PostgreSQL + S3."""
    return BACKEND == "pg-s3"


# --- PostgreSQL ----------------------------------------------------------------------------------

def db_url(name, password=None):
    """WHARF_TEST_PG pointed at database `name` (with a password in the URL when given)."""
    u = urlsplit(PG)
    netloc = u.netloc
    if password:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':')[0]}:{password}@{host}"
    return urlunsplit((u.scheme, netloc, "/" + name, u.query, u.fragment))


def psql(sql, dbname="postgres", check=True, timeout=60):
    """Runs sql through psql on database dbname; its unaligned output, stripped."""
    out = subprocess.run(["psql", db_url(dbname), "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
                         capture_output=True, text=True, timeout=timeout)
    if check:
        assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def create_database():
    """A fresh database with a linguistic (ICU) default collation, as production databases often
    have; its name."""
    name = "wharf_e2e_" + uuid.uuid4().hex[:12]
    psql(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu "
         "ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'")
    return name


def drop_database(name):
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", check=False)


def sql_literal(v):
    """v as an SQL literal (for the few statements tests run with parameters)."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (int, float)):
        return repr(v)
    return "'" + str(v).replace("'", "''") + "'"


def pg_exec(url, sql, args=()):
    """Runs one statement with ?-placeholders on the database of a postgres:// URL; its rows as
    tuples of strings (integers converted)."""
    parts = sql.split("?")
    assert len(parts) == len(args) + 1, "placeholder count"
    text = parts[0] + "".join(sql_literal(a) + p for a, p in zip(args, parts[1:]))
    out = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAt", "-F", "\x1f",
                          "-P", "null=\x02", "-c", text],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr

    def value(c):
        if c == "\x02":
            return None  # SQL NULL, as sqlite3 gives it
        return int(c) if c.lstrip("-").isdigit() else c
    return [tuple(value(c) for c in line.split("\x1f")) for line in out.stdout.splitlines()]


def pg_dump(url):
    """The whole database of a postgres:// URL as pg_dump's plain SQL text (bytes)."""
    out = subprocess.run(["pg_dump", "--no-owner", url], capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    return out.stdout


# --- S3 (s3rver) ---------------------------------------------------------------------------------

def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3rver:
    """A running s3rver on loopback with the bucket `wharf`; stopped by PID."""

    def __init__(self, root, port=None):
        self.dir = os.path.join(str(root), "s3data")
        os.makedirs(self.dir, exist_ok=True)
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(str(root), "s3rver.log")
        self.proc = None
        self.start()

    def start(self):
        """Starts (or restarts) the server on the same port and directory."""
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [NODE, S3RVER_JS, "-d", self.dir, "-a", "127.0.0.1", "-p", str(self.port),
             "--configure-bucket", "wharf", "--silent"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"s3rver exited with {self.proc.returncode}")
            try:
                if requests.get(f"{self.endpoint}/wharf", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("s3rver did not start")
            time.sleep(0.1)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def create_bucket(self):
        """A fresh, empty bucket; its name."""
        name = "w" + uuid.uuid4().hex[:20]
        r = requests.put(f"{self.endpoint}/{name}", timeout=30)
        assert r.status_code == 200, r.text
        return name

    def url(self, bucket, prefix=""):
        """wharf's --storage for that bucket (path-style, as s3rver needs)."""
        u = f"s3://{bucket}?endpoint={self.endpoint}&path_style=true&region=us-east-1"
        return u + (f"&prefix={prefix}" if prefix else "")


def s3_env():
    """The AWS_* environment for the session's s3rver; inherited session tokens and endpoints must
    not leak into a run."""
    return {"AWS_ACCESS_KEY_ID": S3_ACCESS, "AWS_SECRET_ACCESS_KEY": S3_SECRET,
            "AWS_SESSION_TOKEN": "", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": ""}


# --- per data directory --------------------------------------------------------------------------

class Session:
    """The session's s3rver and the databases and buckets handed out, by data directory."""

    def __init__(self):
        self.lock = threading.Lock()
        self.s3 = None
        self.tmp = None
        self.by_dir = {}  # realpath of a data dir -> (database name, bucket)
        self.tmpdirs = []  # removed by close()

    def s3rver(self):
        with self.lock:
            if self.s3 is None:
                if not NODE or not os.path.exists(S3RVER_JS):
                    raise RuntimeError("s3rver is not installed (scripts/deps.sh runs npm install)")
                self.tmp = tempfile.mkdtemp(prefix="wharf-s3rver-")
                self.s3 = S3rver(self.tmp)
            return self.s3

    def for_datadir(self, datadir):
        """(db URL, storage URL) of the data directory, made on first use."""
        key = os.path.realpath(str(datadir))
        srv = self.s3rver()
        with self.lock:
            got = self.by_dir.get(key)
        if got is None:
            got = (create_database(), srv.create_bucket())
            with self.lock:
                got = self.by_dir.setdefault(key, got)
        return db_url(got[0]), srv.url(got[1])

    def bucket_of(self, datadir):
        """The bucket handed to that data directory, or None."""
        with self.lock:
            got = self.by_dir.get(os.path.realpath(str(datadir)))
        return got[1] if got else None

    def verify_bucket(self, bucket):
        """Checks every object under blobs/ in bucket hashes to its key; the number checked."""
        import hashlib
        import xml.etree.ElementTree as ET
        srv, n, token = self.s3rver(), 0, None
        while True:
            params = {"list-type": "2", "prefix": "blobs/"}
            if token:
                params["continuation-token"] = token
            r = requests.get(f"{srv.endpoint}/{bucket}", params=params, timeout=30)
            assert r.status_code == 200, r.text
            doc = ET.fromstring(r.content)
            for el in doc.iter():
                el.tag = el.tag.rsplit("}", 1)[-1]
            for c in doc.iter("Contents"):
                key = c.findtext("Key")
                _, algo, _, hexd = key.split("/")
                data = requests.get(f"{srv.endpoint}/{bucket}/{key}", timeout=60).content
                got = hashlib.new(algo, data).hexdigest()
                assert got == hexd, f"corrupt blob {bucket}/{key}: content hashes to {got}"
                n += 1
            if doc.findtext("IsTruncated") != "true":
                return n
            token = doc.findtext("NextContinuationToken")

    def release(self, under):
        """Drops the databases of every data directory under `under` (a test's tmp_path)."""
        root = os.path.realpath(str(under)) + os.sep
        with self.lock:
            mine = [k for k in self.by_dir if k.startswith(root)]
            gone = [self.by_dir.pop(k) for k in mine]
        for db, _ in gone:
            drop_database(db)

    def close(self):
        with self.lock:
            gone, self.by_dir = list(self.by_dir.values()), {}
        for db, _ in gone:
            drop_database(db)
        if self.s3 is not None:
            self.s3.stop()
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.s3 = None
        for d in self.tmpdirs:
            shutil.rmtree(d, ignore_errors=True)
        self.tmpdirs = []


SESSION = Session()
