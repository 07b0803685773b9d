"""The two registries under test, started on loopback in temp directories.

WharfServer: `wharf serve` on a bootstrapped SQLite database and file storage; data-path requests
carry a bearer JWT from its /v2/auth (what docker, podman and skopeo send).
DistServer: Debian's `docker-registry` (CNCF Distribution 2.8) with filesystem storage, either open
(no auth: its fastest set-up, used for the data path) or with htpasswd Basic auth (bcrypt).
Both expose the same small interface the measurements use: start/stop, url, pid, rss_kib(),
data_headers(repo), and a `name` for the table."""
import base64
import json
import os
import socket
import subprocess
import time

from httpc import Conn

READY_TIMEOUT = 30


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid, field="VmRSS"):
    """Resident set size (or VmHWM, the peak) of a process in KiB; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def first_response(host, port, proc, timeout=READY_TIMEOUT):
    """Poll GET /v2/ until any HTTP response comes back; returns seconds waited (from now)."""
    t0 = time.monotonic()
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        c = Conn(host, port, timeout=5)
        try:
            c.request("GET", "/v2/")
            return time.monotonic() - t0
        except OSError:
            time.sleep(0.002)
        finally:
            c.close()
    raise RuntimeError(f"no response on {host}:{port}/v2/ within {timeout}s")


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class Server:
    """Common parts: a process, a port, a log file."""
    name = "?"

    def __init__(self, workdir):
        self.dir = workdir
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.host = "127.0.0.1"
        self.hostport = f"{self.host}:{self.port}"
        self.url = f"http://{self.hostport}"
        self.proc = None
        self.log = None

    @property
    def pid(self):
        return self.proc.pid

    def rss_kib(self, field="VmRSS"):
        """VmRSS (or another /proc status field: RssAnon, VmHWM) in KiB."""
        return rss_kib(self.proc.pid, field)

    def _spawn(self, argv, env=None):
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)
        first_response(self.host, self.port, self.proc)
        return time.monotonic() - t0  # from the spawn to the first answer

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log:
            self.log.close()
            self.log = None

    def conn(self):
        return Conn(self.host, self.port)


class WharfServer(Server):
    name = "wharf"

    def __init__(self, workdir, binary, extra_args=()):
        super().__init__(workdir)
        self.binary = binary
        self.db = f"sqlite://{os.path.abspath(self.dir)}/wharf.db"
        self.storage = f"file://{os.path.abspath(self.dir)}/blobs"
        self.extra_args = list(extra_args)
        self.user = self.password = self.api_token = None
        self._tokens = {}

    def bootstrap(self):
        out = subprocess.run([self.binary, "admin", "bootstrap", "--db", self.db,
                              "--username", "admin", "--json"],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError("wharf admin bootstrap failed: " + out.stderr)
        creds = json.loads(out.stdout)
        self.user, self.password, self.api_token = creds["username"], creds["password"], creds["token"]

    def start(self):
        """Start serving; returns seconds from spawn to the first response on /v2/."""
        if self.user is None:
            self.bootstrap()
        return self._spawn([self.binary, "serve", "--listen", self.hostport, "--db", self.db,
                            "--storage", self.storage, *self.extra_args])

    def api(self, conn, method, path, body=None):
        """One /api/v1 call with the admin's API token; returns the Response."""
        data = json.dumps(body).encode() if body is not None else None
        h = {"Authorization": "Bearer " + self.api_token}
        if data is not None:
            h["Content-Type"] = "application/json"
        return conn.request(method, "/api/v1/" + path, h, data)

    def setup(self, org, repos, public=()):
        """Create org and repositories (names without the org); make `public` ones public."""
        c = self.conn()
        try:
            self.api(c, "POST", "organization/", {"name": org, "email": f"{org}@bench.invalid"}) \
                .expect(201)
            for r in repos:
                self.api(c, "POST", "repository", {"repository": r, "visibility": "private",
                                                  "description": "", "namespace": org}).expect(201)
                if r in public:
                    self.api(c, "POST", f"repository/{org}/{r}/changevisibility",
                             {"visibility": "public"}).expect(200)
        finally:
            c.close()

    def token(self, repo, actions="pull,push", user=None, password=None):
        """A registry JWT from /v2/auth for repository:REPO:ACTIONS (admin's by default)."""
        user, password = user or self.user, password or self.password
        c = self.conn()
        try:
            r = c.request("GET", f"/v2/auth?service={self.hostport}&scope=repository:{repo}:{actions}",
                          {"Authorization": basic(user, password)}).expect(200)
        finally:
            c.close()
        return json.loads(r.body)["token"]

    def data_headers(self, repo):
        """Headers for /v2 data requests on repo: a bearer JWT (fetched once per repo)."""
        if repo not in self._tokens:
            self._tokens[repo] = self.token(repo)
        return {"Authorization": "Bearer " + self._tokens[repo]}

    def skopeo_creds(self):
        return f"{self.user}:{self.password}"


DIST_CONFIG = """version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: {addr}
  secret: wharf-bench-not-a-secret
{auth}"""

DIST_AUTH = """auth:
  htpasswd:
    realm: bench
    path: {path}
"""


class DistServer(Server):
    name = "Distribution"

    def __init__(self, workdir, root, htpasswd=None, binary="docker-registry"):
        """root: storage directory (two instances may share one); htpasswd: file for Basic auth."""
        super().__init__(workdir)
        self.binary = binary
        self.root = root
        self.htpasswd = htpasswd
        self.config = os.path.join(self.dir, "config.yml")

    def start(self):
        """Start serving; returns seconds from spawn to the first response on /v2/."""
        auth = DIST_AUTH.format(path=self.htpasswd) if self.htpasswd else ""
        with open(self.config, "w") as f:
            f.write(DIST_CONFIG.format(root=self.root, addr=self.hostport, auth=auth))
        return self._spawn([self.binary, "serve", self.config])

    def data_headers(self, repo):
        return {}

    def skopeo_creds(self):
        return None


def make_htpasswd(path, users, password, count=0, prefix="bot"):
    """Write an htpasswd file: each (user) with bcrypt(password) from `htpasswd -B`, plus `count`
    filler users that share the same hash (Distribution loads the file into a map, so only
    the number of entries matters, not distinct hashes)."""
    out = subprocess.run(["htpasswd", "-nbB", "probe", password], capture_output=True, text=True,
                         timeout=60, check=True)
    hashed = out.stdout.strip().split(":", 1)[1]
    with open(path, "w") as f:
        for u in users:
            f.write(f"{u}:{hashed}\n")
        for i in range(count):
            f.write(f"{prefix}{i}:{hashed}\n")
    return path
