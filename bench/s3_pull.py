#!/usr/bin/env python3
"""Blob push and pull throughput of wharf on PostgreSQL + S3 (s3rver), for docs/PERFORMANCE.md.

    python3 bench/s3_pull.py --wharf before=/path/to/old/wharf --wharf after=build-bench/wharf \\
        [--size-mib 256] [--rounds 3] [--db postgres|sqlite] [--redirect after]

Starts a throwaway PostgreSQL (tests/pg.sh) and s3rver (node_modules, as tests/e2e/test_s3.py
does) on loopback, then for each round and each binary in turn (A B A B …): a fresh wharf on a
fresh database and bucket prefix, one monolithic push (POST + PUT) of a random blob, and a GET of
it read to the end (the pull). With --redirect LABEL that binary also runs with `redirect=true`
and the pull follows the 307 to s3rver. Prints medians (MiB/s) and writes every sample as JSON to
--json. Everything shares the machine's cores: s3rver (Node) is usually the bottleneck, and other
load moves the numbers; compare binaries within one run.
"""
import argparse
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MiB = 1 << 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, proc, what, log=None):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = open(log, errors="replace").read()[-2000:] if log else ""
            sys.exit(f"{what} exited with {proc.returncode}\n{tail}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    sys.exit(f"{what} did not start")


class Env:
    """PostgreSQL (optional), s3rver and the test blob, all under one temp dir."""

    def __init__(self, args):
        self.tmp = tempfile.mkdtemp(prefix="wharf-s3bench-")
        os.chmod(self.tmp, 0o755)  # PostgreSQL runs as its own user under it
        self.procs, self.pg_dir = [], None
        self.db_kind = args.db
        if args.db == "postgres":
            self.pg_dir, self.pg_port = os.path.join(self.tmp, "pg"), free_port()
            subprocess.run(["bash", os.path.join(ROOT, "tests/pg.sh"), "start", self.pg_dir,
                            str(self.pg_port)], check=True, stdout=subprocess.DEVNULL)
        self.s3_port = free_port()
        self.s3 = f"http://127.0.0.1:{self.s3_port}"
        log = open(os.path.join(self.tmp, "s3rver.log"), "ab")
        p = subprocess.Popen(["node", os.path.join(ROOT, "node_modules/s3rver/bin/s3rver.js"),
                              "-d", os.path.join(self.tmp, "s3"), "-a", "127.0.0.1", "-p",
                              str(self.s3_port), "--configure-bucket", "bench", "--silent"],
                             stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(p)
        wait_http(f"{self.s3}/bench", p, "s3rver")
        self.blob = os.path.join(self.tmp, "blob")
        h = hashlib.sha256()
        with open(self.blob, "wb") as f:
            for _ in range(args.size_mib):
                chunk = os.urandom(MiB)
                h.update(chunk)
                f.write(chunk)
        self.digest, self.size = "sha256:" + h.hexdigest(), args.size_mib * MiB

    def db_url(self, name):
        if self.db_kind == "sqlite":
            return f"sqlite://{self.tmp}/{name}.db"
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres",
                        "-q", "-c", f"CREATE DATABASE {name}"], check=True)
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/{name}"

    def close(self):
        for p in self.procs:
            p.terminate()
            p.wait()
        if self.pg_dir:
            subprocess.run(["bash", os.path.join(ROOT, "tests/pg.sh"), "stop", self.pg_dir],
                           stdout=subprocess.DEVNULL)
        shutil.rmtree(self.tmp, ignore_errors=True)


def run_one(env, binary, redirect):
    """One fresh wharf: (push MiB/s, pull MiB/s)."""
    name = "b" + uuid.uuid4().hex[:10]
    db = env.db_url(name)
    storage = (f"s3://bench?endpoint={env.s3}&path_style=true&prefix={name}/"
               + ("&redirect=true" if redirect else ""))
    penv = dict(os.environ, AWS_ACCESS_KEY_ID="S3RVER", AWS_SECRET_ACCESS_KEY="S3RVER",
                WHARF_KEY_FILE=os.path.join(env.tmp, f"{name}.key"))
    out = subprocess.run([binary, "admin", "bootstrap", "--db", db, "--username", "admin",
                          "--json"], capture_output=True, text=True, env=penv, check=True)
    creds = json.loads(out.stdout)
    port = free_port()
    log_path = os.path.join(env.tmp, f"{name}.log")
    log = open(log_path, "ab")
    p = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}", "--db", db,
                          "--storage", storage], stdout=log, stderr=subprocess.STDOUT, env=penv)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/v2/", p, "wharf", log_path)
        s = requests.Session()
        s.auth = (creds["username"], creds["password"])
        t0 = time.monotonic()
        r = s.post(f"{url}/v2/bench/big/blobs/uploads/", timeout=60)
        assert r.status_code == 202, r.text
        loc = r.headers["Location"]
        loc = loc if loc.startswith("http") else url + loc
        with open(env.blob, "rb") as f:
            r = s.put(loc + ("&" if "?" in loc else "?") + "digest=" + env.digest, data=f,
                      headers={"Content-Length": str(env.size)}, timeout=600)
        assert r.status_code == 201, r.text
        push = env.size / MiB / (time.monotonic() - t0)
        t0 = time.monotonic()
        got = 0
        with s.get(f"{url}/v2/bench/big/blobs/{env.digest}", stream=True, timeout=600) as r:
            assert r.status_code == 200, r.status_code
            for chunk in r.iter_content(MiB):
                got += len(chunk)
        pull = env.size / MiB / (time.monotonic() - t0)
        assert got == env.size, (got, env.size)
        return push, pull
    finally:
        p.terminate()
        p.wait()
        log.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wharf", action="append", required=True, help="LABEL=PATH, repeatable")
    ap.add_argument("--size-mib", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    ap.add_argument("--redirect", action="append", default=[], metavar="LABEL",
                    help="also measure binary LABEL with redirect=true (repeatable)")
    ap.add_argument("--json", default=None, help="write the samples here")
    args = ap.parse_args()
    bins = [w.split("=", 1) for w in args.wharf]
    env = Env(args)
    samples = {}
    try:
        for rnd in range(args.rounds):
            for label, path in bins:
                for redirect in ((False, True) if label in args.redirect else (False,)):
                    key = label + (" redirect" if redirect else "")
                    push, pull = run_one(env, path, redirect)
                    samples.setdefault(key, []).append((push, pull))
                    print(f"round {rnd + 1} {key}: push {push:.0f} MiB/s, pull {pull:.0f} MiB/s",
                          flush=True)
    finally:
        env.close()
    load = open("/proc/loadavg").read().split()[:3]
    print(f"\n{args.size_mib} MiB blob, {args.db} + s3rver, medians of {args.rounds} "
          f"(load average now {' '.join(load)}):")
    print("| wharf | push MiB/s | pull MiB/s |\n|---|--:|--:|")
    for key, v in samples.items():
        print(f"| {key} | {statistics.median(x[0] for x in v):.0f} | "
              f"{statistics.median(x[1] for x in v):.0f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"size_mib": args.size_mib, "db": args.db, "samples": samples}, f)


if __name__ == "__main__":
    main()
