"""wharf side by side with the CNCF Distribution registry (Debian `docker-registry`).

    python3 bench/bench.py --wharf build/wharf [--scale small|full|smoke] [--doc docs/PERFORMANCE.md]

Starts both registries on loopback in a temp directory, runs every measurement on both in
alternation (wharf, Distribution, wharf, Distribution ...), and prints a table of medians that
it also writes into docs/PERFORMANCE.md between the bench markers. See docs/PERFORMANCE.md for
what each number means. Environment: BENCH_SCALE, BENCH_TMPDIR (where the data goes),
BENCH_KEEP=1 (keep the temp directory)."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

import imagegen  # noqa: E402
import measure as M  # noqa: E402
import report  # noqa: E402
from httpc import Conn  # noqa: E402
from report import Row  # noqa: E402
from servers import DistServer, WharfServer, free_port, make_htpasswd  # noqa: E402

MiB = 1 << 20
GiB = 1 << 30

SCALES = {
    # CI smoke: proves every measurement runs; numbers mean little
    "smoke": dict(big=32 * MiB, chunk=8 * MiB, small_n=50, rounds=1, wrk_s=1, robots=[10, 100],
                  skopeo_big=1 * MiB, startup_rounds=1, doc=False),
    "small": dict(big=256 * MiB, chunk=64 * MiB, small_n=300, rounds=2, wrk_s=3,
                  robots=[10, 1000], skopeo_big=4 * MiB, startup_rounds=3, doc=True),
    "full": dict(big=1 * GiB, chunk=64 * MiB, small_n=1000, rounds=3, wrk_s=6,
                 robots=[10, 10_000, 100_000], skopeo_big=32 * MiB, startup_rounds=5, doc=True),
}
SMALL_SIZE = 64 * 1024
CONC = 8
ORG = "bench"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def size_name(n):
    return f"{n // GiB} GiB" if n >= GiB and n % GiB == 0 else f"{n // MiB} MiB"


class Bench:
    def __init__(self, args, scale):
        self.args, self.sc, self.scale = args, SCALES[scale], scale
        self.tmp = tempfile.mkdtemp(prefix="wharf-bench-", dir=os.environ.get("BENCH_TMPDIR"))
        self.rows, self.baselines, self.notes = [], [], []
        self.servers = []

    def row(self, *a, **kw):
        r = Row(*a, **kw)
        self.rows.append(r)
        return r

    def rounds(self, n=None):
        return range(n or self.sc["rounds"])

    # --- set-up -------------------------------------------------------------------------

    def _wharf(self, workdir, repos, public=(), extra_args=()):
        """A started wharf with org bench, the repositories, the test image under app:latest
        and public:latest (when listed), and robot bench+probe allowed to read app.
        Returns (server, (robot name, robot token))."""
        w = WharfServer(workdir, self.args.wharf, extra_args)
        w.start()
        self.servers.append(w)
        w.setup(ORG, repos, public=public)
        c = w.conn()
        try:
            r = w.api(c, "PUT", f"organization/{ORG}/robots/probe", {}).expect(201)
            robot = (f"{ORG}+probe", json.loads(r.body)["token"])
            w.api(c, "PUT", f"repository/{ORG}/app/permissions/user/{ORG}+probe",
                  {"role": "read"}).expect(200)
        finally:
            c.close()
        for repo in ("app", "public"):
            if repo in repos:
                M.push_image(w, f"{ORG}/{repo}", self.image, "latest")
        return w, robot

    def start(self):
        self.image = imagegen.build_image(layers=2, seed="manifest-get")
        self.w, self.robot = self._wharf(os.path.join(self.tmp, "wharf"),
                                         ["big", "small", "app", "public", "sk"], ["public"])
        droot = os.path.join(self.tmp, "dist-data")
        self.d = DistServer(os.path.join(self.tmp, "dist"), droot)
        self.d.start()
        self.servers.append(self.d)
        self.dist_pw = "bench-password"
        self.htpasswd = os.path.join(self.tmp, "htpasswd")
        make_htpasswd(self.htpasswd, ["bench"], self.dist_pw)
        self.da = DistServer(os.path.join(self.tmp, "dist-auth"), droot, self.htpasswd)
        self.da.start()
        self.servers.append(self.da)
        for repo in ("app", "public"):
            M.push_image(self.d, f"{ORG}/{repo}", self.image, "latest")

    def stop(self):
        for s in self.servers:
            s.stop()

    # --- measurements -------------------------------------------------------------------

    def baseline_sha(self):
        log("openssl speed -evp sha256")
        self.sha_mibs = M.openssl_sha256() * 1e6 / MiB
        self.baselines.append(f"`openssl speed -evp sha256`, 16 KiB blocks, one core: "
                              f"{self.sha_mibs:,.0f} MiB/s")

    def startup(self):
        log("start-up time and idle RSS (fresh instances)")
        first = self.row("start → first response on /v2/", "ms", False, digits=0)
        idle = self.row("RSS idle (fresh start, 1 s after first response)", "MiB", False,
                        "≤ 10 MB", lambda r: r.w * MiB <= 10e6, digits=1)
        anon = self.row("… of which private (RssAnon; the rest is shared libraries)", "MiB",
                        False, digits=1)
        for i in self.rounds(self.sc["startup_rounds"]):
            w = WharfServer(os.path.join(self.tmp, f"start-w{i}"), self.args.wharf)
            w.bootstrap()
            d = DistServer(os.path.join(self.tmp, f"start-d{i}"), os.path.join(self.tmp, f"sd{i}"))
            for srv, f, s, a in ((w, first.wharf, idle.wharf, anon.wharf),
                                 (d, first.dist, idle.dist, anon.dist)):
                try:
                    f.append(srv.start() * 1000)
                    time.sleep(1)
                    s.append(srv.rss_kib() / 1024)
                    a.append(srv.rss_kib("RssAnon") / 1024)
                finally:
                    srv.stop()

    def big_push(self):
        size, chunk = self.sc["big"], self.sc["chunk"]
        log(f"{size_name(size)} data file")
        self.blob = M.BigBlob(os.path.join(self.tmp, "big.bin"), size)
        self.blob.warm()
        tgt = f"≥ 2× and ≥ 80 % of SHA-256 ({0.8 * self.sha_mibs:,.0f})"
        chk = lambda r: r.ratio() >= 2 and r.w >= 0.8 * self.sha_mibs  # noqa: E731
        mono = self.row(f"blob push {size_name(size)}, monolithic (POST + PUT)", "MiB/s", True,
                        tgt, chk)
        rss = self.row(f"RSS peak during the {size_name(size)} upload", "MiB", False,
                       "flat", digits=1)
        grow = self.row(f"RSS growth during the {size_name(size)} upload", "MiB", False,
                        "flat (≤ 1 MiB)", lambda r: r.w <= 1, digits=1, agg="max")
        self.last_digest = {}
        for i in self.rounds():
            for srv, col, rcol, gcol in ((self.w, mono.wharf, rss.wharf, grow.wharf),
                                         (self.d, mono.dist, rss.dist, grow.dist)):
                log(f"  monolithic push round {i + 1}: {srv.name}")
                dt, peak, before, digest = M.push_monolithic(srv, f"{ORG}/big", self.blob, rss=True)
                col.append(size / MiB / dt)
                rcol.append(peak / 1024)
                gcol.append(max(0, peak - before) / 1024)
                self.last_digest[srv.name] = digest
        ch = self.row(f"blob push {size_name(size)}, {size_name(chunk)} PATCHes", "MiB/s", True,
                      tgt, chk)
        for i in self.rounds():
            for srv, col in ((self.w, ch.wharf), (self.d, ch.dist)):
                log(f"  chunked push round {i + 1}: {srv.name}")
                dt, _ = M.push_chunked(srv, f"{ORG}/big", self.blob, chunk)
                col.append(size / MiB / dt)

    def big_push_tmpfs(self):
        """The monolithic push again with both storages on tmpfs: what the server itself does
        when the disk (and wharf's fsyncs) are not the bottleneck."""
        size = self.sc["big"]
        shm = os.environ.get("BENCH_TMPFS", "/dev/shm")
        need = size * (2 * self.sc["rounds"] + 1)
        if not os.path.isdir(shm) or shutil.disk_usage(shm).free < need:
            self.notes.append(f"tmpfs push skipped: {shm} missing or under {need // MiB} MiB free")
            return
        log("monolithic pushes with storage on tmpfs")
        row = self.row(f"blob push {size_name(size)}, monolithic, storage on tmpfs", "MiB/s", True,
                       f"≥ 80 % of SHA-256 ({0.8 * self.sha_mibs:,.0f})",
                       lambda r: r.w >= 0.8 * self.sha_mibs)
        top = tempfile.mkdtemp(prefix="wharf-bench-", dir=shm)
        w = WharfServer(os.path.join(top, "wharf"), self.args.wharf)
        d = DistServer(os.path.join(top, "dist"), os.path.join(top, "dist-data"))
        try:
            w.start()
            w.setup(ORG, ["big"])
            d.start()
            for i in self.rounds():
                for srv, col in ((w, row.wharf), (d, row.dist)):
                    dt, _, _, _ = M.push_monolithic(srv, f"{ORG}/big", self.blob)
                    col.append(size / MiB / dt)
        finally:
            w.stop()
            d.stop()
            shutil.rmtree(top, ignore_errors=True)

    def big_pull(self):
        size = self.sc["big"]
        log("sendfile baseline and warm pulls")
        port = free_port()
        sf = subprocess.Popen([sys.executable, os.path.join(HERE, "sendfile_server.py"), str(port),
                               self.blob.path], stdout=subprocess.PIPE)
        try:
            sf.stdout.readline()
            base = Conn("127.0.0.1", port)
            pull = self.row(f"blob pull {size_name(size)}, warm", "MiB/s", True,
                            "≥ 90 % of sendfile", lambda r: r.w >= 0.9 * self.sendfile_mibs)
            for srv in (self.w, self.d):  # warm: page cache and any server cache
                M.pull(srv, f"{ORG}/big", self.last_digest[srv.name], size)
            M.sendfile_baseline(base, size)
            samples = []
            for i in self.rounds():
                samples.append(size / MiB / M.sendfile_baseline(base, size))
                pull.wharf.append(size / MiB / M.pull(self.w, f"{ORG}/big",
                                                      self.last_digest["wharf"], size))
                pull.dist.append(size / MiB / M.pull(self.d, f"{ORG}/big",
                                                     self.last_digest["Distribution"], size))
            base.close()
        finally:
            sf.terminate()
            sf.wait()
        self.sendfile_mibs = Row.median(samples)
        self.baselines.append(f"plain sendfile-to-socket over loopback (same client as the "
                              f"pulls): {self.sendfile_mibs:,.0f} MiB/s")
        push_best = max(r.w for r in self.rows if r.name.startswith("blob push") and
                        r.unit == "MiB/s")
        self.baselines.append(f"best wharf push / SHA-256 speed: {100 * push_best / self.sha_mibs:.0f} %;"
                              f" wharf pull / sendfile: {100 * pull.w / self.sendfile_mibs:.0f} %")

    def small_blobs(self):
        n = self.sc["small_n"]
        log(f"{n} × 64 KiB blobs at concurrency {CONC}")
        push = self.row(f"{n} × 64 KiB blobs pushed, {CONC} connections", "blobs/s", True,
                        "≥ 2×", lambda r: r.ratio() >= 2)
        pull = self.row(f"{n} × 64 KiB blobs pulled, {CONC} connections", "blobs/s", True,
                        "≥ 2×", lambda r: r.ratio() >= 2)
        for i in self.rounds():
            blobs = M.small_blob_set(n, SMALL_SIZE)
            for srv, pcol, gcol in ((self.w, push.wharf, pull.wharf), (self.d, push.dist, pull.dist)):
                pcol.append(n / M.small_push(srv, f"{ORG}/small", blobs, CONC))
                gcol.append(n / M.small_pull(srv, f"{ORG}/small", blobs, CONC))

    def _wrk_rows(self, label, target_rps):
        rps = self.row(f"manifest GET by tag, {label}, 32 connections", "req/s", True,
                       target_rps, lambda r: r.ratio() >= 10)
        p50 = self.row(f"… {label}: p50 latency", "ms", False, digits=2)
        p99 = self.row(f"… {label}: p99 latency", "ms", False, "≤ 5 ms", lambda r: r.w <= 5,
                       digits=2)
        return rps, p50, p99

    def _warm(self, *targets):
        """One unrecorded second of wrk on each (server, path, headers): connections, caches
        and the Go runtime warmed before the rounds."""
        for srv, path, headers in targets:
            M.wrk(srv.url + path, headers, 1)

    def _wrk_into(self, cols, srv, path, headers, pid_rss=None):
        res = M.wrk(srv.url + path, headers, self.sc["wrk_s"], pid=srv.pid)
        if res["errors"]:
            self.notes.append(f"{srv.name} {path}: {res['errors']} non-2xx/socket errors in wrk")
        for col, key in zip(cols, ("rps", "p50_ms", "p99_ms")):
            col.append(res[key])
        if pid_rss is not None:
            pid_rss.append(res["peak_rss_kib"] / 1024)
        return res

    def manifests(self):
        log("manifest GET, anonymous (wharf public repository, Distribution without auth)")
        accept = {"Accept": M.MANIFEST_ACCEPT}
        rows = self._wrk_rows("anonymous", "≥ 10×")
        peak = Row("RSS peak under the manifest load", "MiB", False, digits=1)
        self._warm((self.w, f"/v2/{ORG}/public/manifests/latest", accept),
                   (self.d, f"/v2/{ORG}/public/manifests/latest", accept))
        for i in self.rounds():
            self._wrk_into([r.wharf for r in rows], self.w, f"/v2/{ORG}/public/manifests/latest",
                           accept, peak.wharf)
            self._wrk_into([r.dist for r in rows], self.d, f"/v2/{ORG}/public/manifests/latest",
                           accept, peak.dist)
        log("manifest GET, authenticated (wharf bearer JWT, Distribution htpasswd Basic)")
        rows = self._wrk_rows("authenticated", "≥ 10×")
        tok = self.w.token(f"{ORG}/app", "pull")
        self._warm((self.w, f"/v2/{ORG}/app/manifests/latest",
                    dict(accept, Authorization="Bearer " + tok)),
                   (self.da, f"/v2/{ORG}/app/manifests/latest",
                    dict(accept, Authorization=_basic("bench", self.dist_pw))))
        for i in self.rounds():
            self._wrk_into([r.wharf for r in rows], self.w, f"/v2/{ORG}/app/manifests/latest",
                           dict(accept, Authorization="Bearer " + tok), peak.wharf)
            self._wrk_into([r.dist for r in rows], self.da, f"/v2/{ORG}/app/manifests/latest",
                           dict(accept, Authorization=_basic("bench", self.dist_pw)), peak.dist)
        self.rows.append(peak)

    def tokens(self):
        log("/v2/auth tokens per second (wharf only: Distribution has no token server)")
        path = f"/v2/auth?service={self.w.hostport}&scope=repository:{ORG}/app:pull"
        for label, creds, tgt in (("robot Basic", self.robot, "≥ 20 000"),
                                  ("user password, argon2id cached", (self.w.user, self.w.password),
                                   "")):
            row = self.row(f"/v2/auth tokens issued, {label}", "tokens/s", True, tgt,
                           (lambda r: r.w >= 20000) if tgt else None)
            self._warm((self.w, path, {"Authorization": _basic(*creds)}))
            for i in self.rounds():
                res = M.wrk(self.w.url + path, {"Authorization": _basic(*creds)}, self.sc["wrk_s"])
                if res["errors"]:
                    self.notes.append(f"/v2/auth ({label}): {res['errors']} errors in wrk")
                row.wharf.append(res["rps"])

    def skopeo(self):
        big = self.sc["skopeo_big"]
        cin = self.row(f"skopeo copy in, 5-layer image (~{size_name(big)})", "s", False, digits=2)
        cout = self.row("skopeo copy out, same image", "s", False, digits=2)
        log("skopeo copy in and out")
        for i in self.rounds():
            layout = os.path.join(self.tmp, f"img{i}")
            imagegen.make_image(layout, layers=5, seed=f"skopeo-{i}", big=big)
            for srv, icol, ocol in ((self.w, cin.wharf, cout.wharf), (self.d, cin.dist, cout.dist)):
                ref = f"docker://{srv.hostport}/{ORG}/sk:r{i}"
                icol.append(M.skopeo_copy(f"oci:{layout}:latest", ref, dst_creds=srv.skopeo_creds()))
                out = os.path.join(self.tmp, f"out-{srv.name}-{i}")
                ocol.append(M.skopeo_copy(ref, f"dir:{out}", src_creds=srv.skopeo_creds()))
                shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(layout, ignore_errors=True)

    def _make_robots(self, w, total, deadline):
        """Create filler robots on w until it has `total` or the deadline passes; returns the
        creation rate (robots/s) or None if none were needed."""
        c = w.conn()
        t0, made = time.monotonic(), 0
        try:
            while w.robots < total and time.monotonic() < deadline:
                w.api(c, "PUT", f"organization/{ORG}/robots/fill{w.robots}", {}).expect(201)
                w.robots += 1
                made += 1
        finally:
            c.close()
        return made / (time.monotonic() - t0) if made else None

    def auth_cost(self):
        """Basic auth on every request with more and more robots in the database. Robots are
        created through the API (their index is keyed by the server key), one SQLite commit
        each, so this wharf keeps its database on tmpfs where there is one: the auth check
        itself only reads, from the page cache either way."""
        accept = {"Accept": M.MANIFEST_ACCEPT}
        rates = []
        shm = os.environ.get("BENCH_TMPFS", "/dev/shm")
        top = None
        if os.path.isdir(shm) and shutil.disk_usage(shm).free > 1 << 30:
            top = tempfile.mkdtemp(prefix="wharf-bench-", dir=shm)
            w, robot = self._wharf(os.path.join(top, "wharf"), ["app"])
            where = "tmpfs"
        else:
            w, robot, where = self.w, self.robot, "disk"
        w.robots = 1
        deadline = time.monotonic() + float(os.environ.get("BENCH_ROBOT_SECONDS", "180"))
        try:
            for want in self.sc["robots"]:
                log(f"auth cost with {want} robots / htpasswd users")
                rate = self._make_robots(w, want, deadline)
                n = w.robots
                if rate:
                    rates.append(f"{rate:,.0f}/s up to {n:,}")
                if n < want:
                    self.notes.append(f"only {n:,} of {want:,} robots could be created within "
                                      "the time budget (BENCH_ROBOT_SECONDS); measured with those")
                self.da.stop()
                make_htpasswd(self.htpasswd, ["bench"], self.dist_pw, count=n - 1)
                self.da.start()
                row = self.row(f"manifest GET, Basic auth each request, {n:,} robots / users",
                               "req/s", True, "flat (≥ 80 % of the fewest)")
                row.n = n
                self._warm((w, f"/v2/{ORG}/app/manifests/latest",
                            dict(accept, Authorization=_basic(*robot))),
                           (self.da, f"/v2/{ORG}/app/manifests/latest",
                            dict(accept, Authorization=_basic("bench", self.dist_pw))))
                for i in self.rounds():
                    self._wrk_into([row.wharf], w, f"/v2/{ORG}/app/manifests/latest",
                                   dict(accept, Authorization=_basic(*robot)))
                    self._wrk_into([row.dist], self.da, f"/v2/{ORG}/app/manifests/latest",
                                   dict(accept, Authorization=_basic("bench", self.dist_pw)))
                if n < want:
                    break
        finally:
            if top:
                w.stop()
                shutil.rmtree(top, ignore_errors=True)
        auth_rows = [r for r in self.rows if hasattr(r, "n")]
        base = auth_rows[0].w
        for r in auth_rows[1:]:
            r.check = lambda r, base=base: r.w >= 0.8 * base
        self.baselines.append(f"robots created through PUT /api/v1/organization/…/robots/… "
                              f"(one keep-alive connection, database on {where}): " +
                              "; ".join(rates))
        if 100_000 not in self.sc["robots"]:
            self.notes.append("100 000 robots only at full scale")

    def audit_cost(self):
        """Pulls with the audit log on against the same wharf with it off (issue 7: within
        10 %). Every manifest GET by the robot is a pull_repo entry; the Distribution column
        of this row is wharf with `--no-audit-enabled`, not Distribution."""
        log("manifest GET by a robot, audit log on vs off (wharf only)")
        off, _ = self._wharf(os.path.join(self.tmp, "wharf-audit-off"), ["app"],
                             extra_args=["--no-audit-enabled"])
        off.name = "wharf (audit off)"
        accept = {"Accept": M.MANIFEST_ACCEPT}
        path = f"/v2/{ORG}/app/manifests/latest"
        rname, rtoken = self.robot
        on_h = dict(accept, Authorization="Bearer " + self.w.token(f"{ORG}/app", "pull", rname,
                                                                   rtoken))
        c = off.conn()
        try:  # the audit-off server's own robot, as _wharf made it
            r = off.api(c, "POST", f"organization/{ORG}/robots/probe/regenerate").expect(200)
            off_token = json.loads(r.body)["token"]
        finally:
            c.close()
        off_h = dict(accept, Authorization="Bearer " + off.token(f"{ORG}/app", "pull", rname,
                                                                 off_token))
        row = self.row("manifest GET by a robot, audit on (wharf column) vs off (Distribution "
                       "column), 32 connections", "req/s", True, "on ≥ 0.9 × off",
                       lambda r: r.ratio() is not None and r.ratio() >= 0.9)
        self._warm((self.w, path, on_h), (off, path, off_h))
        for i in range(2 * self.sc["rounds"]):  # alternating, twice the rounds: the gap is small
            pair = [(self.w, on_h, row.wharf), (off, off_h, row.dist)]
            for srv, h, col in (pair if i % 2 == 0 else pair[::-1]):
                res = M.wrk(srv.url + path, h, self.sc["wrk_s"])
                if res["errors"]:
                    self.notes.append(f"{srv.name} audit_cost: {res['errors']} errors in wrk")
                col.append(res["rps"])
        self.notes.append(f"audit on/off: samples on {[round(x) for x in row.wharf]}, "
                          f"off {[round(x) for x in row.dist]} req/s")

    def run(self):
        steps = [self.baseline_sha, self.startup, self.start, self.big_push, self.big_push_tmpfs,
                 self.big_pull,
                 self.small_blobs, self.manifests, self.tokens, self.skopeo, self.auth_cost,
                 self.audit_cost]
        for step in steps:
            if self.args.only and step.__name__ not in self.args.only + ["start", "baseline_sha"]:
                continue
            step()


def _basic(user, password):
    from servers import basic
    return basic(user, password)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wharf", required=True, help="path to the wharf binary")
    ap.add_argument("--scale", default=os.environ.get("BENCH_SCALE", "full"), choices=SCALES)
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "PERFORMANCE.md"))
    ap.add_argument("--json", help="also write the raw samples here")
    ap.add_argument("--build-type", default="?")
    ap.add_argument("--only", nargs="*", help="run only these steps (for debugging)")
    args = ap.parse_args()
    b = Bench(args, args.scale)
    t0 = time.monotonic()
    load_start = report.loadavg()
    try:
        b.run()
    finally:
        b.stop()
        if os.environ.get("BENCH_KEEP") == "1":
            log(f"kept {b.tmp}")
        else:
            shutil.rmtree(b.tmp, ignore_errors=True)
    sc = b.sc
    desc = (f"big blob {size_name(sc['big'])}, chunks {size_name(sc['chunk'])}, "
            f"{sc['small_n']} small blobs, wrk {sc['wrk_s']} s per run, "
            f"robots {', '.join(f'{n:,}' for n in sc['robots'])}; took "
            f"{(time.monotonic() - t0) / 60:.1f} min")
    section = report.render(b.rows, b.baselines, b.notes, report.machine(args.wharf, args.build_type, load_start),
                            args.scale, desc, sc["rounds"])
    print()
    print(section)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"scale": args.scale, "rows": [
                {"name": r.name, "unit": r.unit, "wharf": r.wharf, "dist": r.dist}
                for r in b.rows]}, f, indent=1)
    if sc["doc"] and not args.only:
        report.write_doc(args.doc, section)
        log(f"wrote {os.path.relpath(args.doc, ROOT)}")


if __name__ == "__main__":
    main()
