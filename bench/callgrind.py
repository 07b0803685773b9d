"""Instructions per request with callgrind (docs/PERFORMANCE.md, "What limits the numbers").

    python3 bench/callgrind.py BUILD/wharf [N]

Starts `wharf serve --threads 1` under `valgrind --tool=callgrind` on a fresh SQLite database
in /tmp, sets up org bench, repository app with a small image and robot bench+probe (read), then
for each request kind: 20 warm-up requests on one keep-alive connection, `callgrind_control -z`,
N requests (default 200), `callgrind_control -d`, and prints total Ir / N. The dumps stay in
the printed directory for `callgrind_annotate --inclusive=yes`. Instruction counts do not
depend on the machine's load, unlike wall-clock rates on a shared machine; this VM exposes no
hardware counters to `perf stat`, so callgrind is the instruction counter here."""
import base64
import glob
import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 200
d = tempfile.mkdtemp(prefix="cg-")
db = f"sqlite://{d}/wharf.db"
creds = json.loads(subprocess.run(
    [BIN, "admin", "bootstrap", "--db", db, "--username", "admin", "--json"],
    capture_output=True, text=True, check=True).stdout)
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
out = f"{d}/cg.out"
p = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", BIN,
                      "serve", "--listen", f"127.0.0.1:{port}", "--db", db,
                      "--storage", f"file://{d}/blobs", "--threads", "1"],
                     stdout=open(f"{d}/log", "w"), stderr=subprocess.STDOUT)
host = f"127.0.0.1:{port}"


def basic(u, pw):
    return "Basic " + base64.b64encode(f"{u}:{pw}".encode()).decode()


c = None
for _ in range(600):
    try:
        c = http.client.HTTPConnection(host, timeout=120)
        c.request("GET", "/v2/")
        c.getresponse().read()
        break
    except OSError:
        time.sleep(0.1)


def req(method, path, hdrs=None, body=None, want=None):
    c.request(method, path, body=body, headers=hdrs or {})
    r = c.getresponse()
    b = r.read()
    if want and r.status != want:
        raise SystemExit(f"{method} {path}: {r.status} {b[:300]}")
    return r, b


api = {"Authorization": "Bearer " + creds["token"], "Content-Type": "application/json"}
req("POST", "/api/v1/organization/", api,
    json.dumps({"name": "bench", "email": "b@x.invalid"}), 201)
req("POST", "/api/v1/repository", api,
    json.dumps({"repository": "app", "visibility": "private", "description": "",
                "namespace": "bench"}), 201)
_, b = req("PUT", "/api/v1/organization/bench/robots/probe", api, "{}", 201)
robot = ("bench+probe", json.loads(b)["token"])
req("PUT", "/api/v1/repository/bench/app/permissions/user/bench+probe", api,
    json.dumps({"role": "read"}), 200)
adm = {"Authorization": basic(creds["username"], creds["password"])}


def push_blob(data):
    dg = "sha256:" + hashlib.sha256(data).hexdigest()
    r, _ = req("POST", "/v2/bench/app/blobs/uploads/", dict(adm, **{"Content-Length": "0"}),
               None, 202)
    loc = r.getheader("Location")
    sep = "&" if "?" in loc else "?"
    req("PUT", f"{loc}{sep}digest={dg}",
        dict(adm, **{"Content-Type": "application/octet-stream"}), data, 201)
    return dg, len(data)


cfg = json.dumps({"architecture": "amd64", "os": "linux",
                  "rootfs": {"type": "layers", "diff_ids": []}}).encode()
cd, cl = push_blob(cfg)
ld, ll = push_blob(os.urandom(1000))
man = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cl},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld,
                "size": ll}]})
req("PUT", "/v2/bench/app/manifests/latest",
    dict(adm, **{"Content-Type": "application/vnd.oci.image.manifest.v1+json"}), man, 201)
auth_path = f"/v2/auth?service={host}&scope=repository:bench/app:pull"
rb = {"Authorization": basic(*robot)}
_, b = req("GET", auth_path, rb, None, 200)
jwt = json.loads(b)["token"]
accept = {"Accept": "application/vnd.oci.image.manifest.v1+json"}
manifest = "/v2/bench/app/manifests/latest"
scen = {
    "manifest GET, bearer JWT (same token)":
        ("GET", manifest, dict(accept, Authorization="Bearer " + jwt)),
    "manifest GET, robot Basic": ("GET", manifest, dict(accept, **rb)),
    "GET /v2/auth, robot Basic": ("GET", auth_path, rb),
}


def total():
    files = sorted(glob.glob(out + "*"), key=os.path.getmtime)
    for line in open(files[-1]):
        if line.startswith("summary:") or line.startswith("totals:"):
            return int(line.split()[1])


for name, (m, path, h) in scen.items():
    for _ in range(20):
        req(m, path, h, None, 200)
    subprocess.run(["callgrind_control", "-z", str(p.pid)], capture_output=True, check=True)
    for _ in range(N):
        req(m, path, h, None, 200)
    subprocess.run(["callgrind_control", "-d", name.replace(" ", "_")[:20], str(p.pid)],
                   capture_output=True, check=True)
    time.sleep(0.5)
    print(f"{name}: {total() / N / 1000:.0f} k instructions/request", flush=True)
c.close()
p.terminate()
p.wait()
print("dumps in", d)
