"""One function per measurement. Each runs once against one server and returns numbers; the
caller (bench.py) alternates servers and rounds and takes medians.

All loops are bounded (a count of blobs, a wrk duration); all traffic is to 127.0.0.1."""
import hashlib
import os
import re
import subprocess
import threading
import time

from httpc import BodyFile, HTTPError, location_path, with_query

MiB = 1 << 20
OCTET = {"Content-Type": "application/octet-stream"}
MANIFEST_ACCEPT = ("application/vnd.oci.image.manifest.v1+json,"
                   "application/vnd.docker.distribution.manifest.v2+json")


class RssSampler:
    """Polls VmRSS of a pid every `every` seconds in a thread; .peak is the largest seen (KiB)."""

    def __init__(self, pid, every=0.02):
        self.pid, self.every = pid, every
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        from servers import rss_kib
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            self._stop.wait(self.every)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


# --- big blobs ----------------------------------------------------------------------------

class BigBlob:
    """A data file of `size` random bytes. Each push sends its first size-8 bytes and a fresh
    8-byte suffix, so every push is a new digest (as a new layer is) while the hash of the
    common part is computed once: digest = copy of that state + the suffix."""

    def __init__(self, path, size):
        self.path, self.size = path, size
        if not os.path.exists(path) or os.path.getsize(path) != size:
            with open(path, "wb") as f:
                left = size
                while left:
                    n = min(left, 16 * MiB)
                    f.write(os.urandom(n))
                    left -= n
        self.file = open(path, "rb", buffering=0)
        h = hashlib.sha256()
        with open(path, "rb") as f:
            left = size - 8
            while left:
                chunk = f.read(min(left, 8 * MiB))
                h.update(chunk)
                left -= len(chunk)
        self._prefix_hash = h
        self._n = 0

    def variant(self):
        """(suffix, digest) of a never-pushed variant."""
        self._n += 1
        suffix = os.urandom(4) + self._n.to_bytes(4, "big")
        h = self._prefix_hash.copy()
        h.update(suffix)
        return suffix, "sha256:" + h.hexdigest()

    def warm(self):
        """Read the file once so pushes come from the page cache."""
        with open(self.path, "rb") as f:
            while f.read(16 * MiB):
                pass


def _start_upload(conn, srv, repo):
    r = conn.request("POST", f"/v2/{repo}/blobs/uploads/", srv.data_headers(repo), b"").expect(202)
    return location_path(r.header("location"))


def push_monolithic(srv, repo, blob, rss=False):
    """POST + one PUT carrying the whole blob. Returns (seconds, peak RSS KiB during it or 0,
    RSS KiB before it, digest)."""
    suffix, digest = blob.variant()
    srv.data_headers(repo)  # any token fetch (argon2id for a password) before the clock and RSS
    conn = srv.conn()
    try:
        before = srv.rss_kib()
        sampler = RssSampler(srv.pid) if rss else None
        if sampler:
            sampler.__enter__()
        t0 = time.monotonic()
        loc = _start_upload(conn, srv, repo)
        body = BodyFile(blob.file, 0, blob.size - 8, suffix)
        h = dict(srv.data_headers(repo), **OCTET)
        conn.request("PUT", with_query(loc, "digest", digest), h, body).expect(201)
        dt = time.monotonic() - t0
        if sampler:
            sampler.__exit__()
        return dt, (max(sampler.peak, before) if sampler else 0), before, digest
    finally:
        conn.close()


def push_chunked(srv, repo, blob, chunk):
    """POST, PATCHes of `chunk` bytes with Content-Range, then PUT ?digest=. Returns
    (seconds, digest)."""
    suffix, digest = blob.variant()
    srv.data_headers(repo)
    conn = srv.conn()
    try:
        t0 = time.monotonic()
        loc = _start_upload(conn, srv, repo)
        off, total = 0, blob.size
        while off < total:
            n = min(chunk, total - off)
            last = off + n == total
            body = BodyFile(blob.file, off, n - 8 if last else n, suffix if last else b"")
            h = dict(srv.data_headers(repo), **OCTET)
            h["Content-Range"] = f"{off}-{off + n - 1}"
            r = conn.request("PATCH", loc, h, body).expect(202)
            loc = location_path(r.header("location"))
            off += n
        conn.request("PUT", with_query(loc, "digest", digest), srv.data_headers(repo), b"") \
            .expect(201)
        return time.monotonic() - t0, digest
    finally:
        conn.close()


def pull(srv, repo, digest, expect_size):
    """GET a blob, discarding the bytes. Returns seconds."""
    srv.data_headers(repo)
    conn = srv.conn()
    try:
        t0 = time.monotonic()
        r = conn.request("GET", f"/v2/{repo}/blobs/{digest}", srv.data_headers(repo),
                         keep_body=False).expect(200)
        dt = time.monotonic() - t0
        if r.nbytes != expect_size:
            raise HTTPError(f"pull got {r.nbytes} bytes, wanted {expect_size}")
        return dt
    finally:
        conn.close()


# --- many small blobs ---------------------------------------------------------------------

def small_blob_set(count, size):
    """count random blobs of size bytes with their digests (made before any timing)."""
    raw = os.urandom(count * size)
    blobs = [raw[i * size:(i + 1) * size] for i in range(count)]
    return [(b, "sha256:" + hashlib.sha256(b).hexdigest()) for b in blobs]


def _parallel(srv, repo, items, conc, work):
    """Run work(conn, item) over items with `conc` threads, one connection each. Seconds."""
    errors = []

    def worker(part):
        conn = srv.conn()
        try:
            for it in part:
                work(conn, it)
        except Exception as e:  # reported after the join
            errors.append(e)
        finally:
            conn.close()

    srv.data_headers(repo)  # fetched once, outside the timing
    threads = [threading.Thread(target=worker, args=(items[i::conc],)) for i in range(conc)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dt = time.monotonic() - t0
    if errors:
        raise errors[0]
    return dt


def small_push(srv, repo, blobs, conc):
    """Each blob: POST then PUT ?digest= with the bytes. Returns seconds for all."""
    def work(conn, item):
        data, digest = item
        loc = _start_upload(conn, srv, repo)
        h = dict(srv.data_headers(repo), **OCTET)
        conn.request("PUT", with_query(loc, "digest", digest), h, data).expect(201)
    return _parallel(srv, repo, blobs, conc, work)


def small_pull(srv, repo, blobs, conc):
    """GET every blob (bytes discarded, length checked). Returns seconds for all."""
    def work(conn, item):
        data, digest = item
        r = conn.request("GET", f"/v2/{repo}/blobs/{digest}", srv.data_headers(repo),
                         keep_body=False).expect(200)
        if r.nbytes != len(data):
            raise HTTPError("short small-blob pull")
    return _parallel(srv, repo, blobs, conc, work)


def push_image(srv, repo, img, tag):
    """Push an imagegen ImageInfo's blobs and manifest under tag (for the manifest runs)."""
    conn = srv.conn()
    try:
        for d, data in img.blobs.items():
            if d == img.digest:
                continue
            loc = _start_upload(conn, srv, repo)
            h = dict(srv.data_headers(repo), **OCTET)
            conn.request("PUT", with_query(loc, "digest", d), h, data).expect(201)
        h = dict(srv.data_headers(repo), **{"Content-Type": img.media_type})
        conn.request("PUT", f"/v2/{repo}/manifests/{tag}", h, img.blobs[img.digest]).expect(201)
    finally:
        conn.close()


# --- wrk ----------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(url, headers, seconds, conns=32, threads=2, pid=None):
    """Run wrk; returns dict rps, p50_ms, p99_ms, errors, and peak_rss_kib of pid if given."""
    argv = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for k, v in headers.items():
        argv += ["-H", f"{k}: {v}"]
    argv.append(url)
    sampler = RssSampler(pid, 0.05) if pid else None
    if sampler:
        sampler.__enter__()
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60).stdout
    finally:
        if sampler:
            sampler.__exit__()
    res = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
           "p50_ms": _ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
           "p99_ms": _ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
           "errors": 0, "peak_rss_kib": sampler.peak if sampler else 0, "raw": out}
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        res["errors"] += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        res["errors"] += sum(int(x) for x in m.groups())
    return res


# --- skopeo -------------------------------------------------------------------------------

def skopeo_copy(src, dst, src_creds=None, dst_creds=None):
    """One `skopeo copy` between an OCI layout / dir and a registry over plain HTTP. Seconds."""
    argv = ["skopeo", "--insecure-policy", "copy", "--quiet", "--src-tls-verify=false",
            "--dest-tls-verify=false"]
    if src_creds:
        argv += ["--src-creds", src_creds]
    if dst_creds:
        argv += ["--dest-creds", dst_creds]
    argv += [src, dst]
    # skopeo rejects --*-tls-verify for transports that are not docker://
    if not src.startswith("docker://"):
        argv.remove("--src-tls-verify=false")
    if not dst.startswith("docker://"):
        argv.remove("--dest-tls-verify=false")
    t0 = time.monotonic()
    out = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    dt = time.monotonic() - t0
    if out.returncode != 0:
        raise RuntimeError(f"skopeo copy {src} {dst}: {out.stderr[-800:]}")
    return dt


# --- baselines ----------------------------------------------------------------------------

def openssl_sha256():
    """One core's SHA-256 speed from `openssl speed -evp sha256` on 16 KiB blocks, in MB/s."""
    out = subprocess.run(["openssl", "speed", "-evp", "sha256", "-bytes", "16384", "-seconds", "3"],
                         capture_output=True, text=True, timeout=120).stdout
    m = re.search(r"^sha256\s+([\d.]+)k\s*$", out, re.M)
    return float(m.group(1)) * 1000 / 1e6


def sendfile_baseline(conn, size):
    """GET from the plain sendfile server (bench/sendfile_server.py) with the same client as
    the pulls. Returns seconds."""
    t0 = time.monotonic()
    r = conn.request("GET", "/", keep_body=False).expect(200)
    dt = time.monotonic() - t0
    if r.nbytes != size:
        raise HTTPError("sendfile baseline: short body")
    return dt
