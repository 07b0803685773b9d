"""Concurrency (issue 6): 64 clients push images that share layers — to the
same tags of one repository, to their own repositories — and pull what the
others pushed, all at once. Every response must be a success or a clean
error (an OCI error body, never a 5xx other than a 503 asking to retry,
never a reset connection); afterwards every stored byte verifies, every
acknowledged blob and manifest pulls back unchanged and every tag resolves
to a manifest whose blobs all pull."""
import hashlib
import json
import os
import random
import threading
import time

import requests

from ocihelpers import (OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, assert_alive,
                        descriptor, describe, digest_of, error_body_problem, location,
                        make_index, make_manifest)
from ocihelpers import wharf  # noqa: F401  (pytest fixture)
from stresshelpers import (BlobWalker, Client, check_manifest_complete, check_tags,
                           fsck_available, oci_code, pull_blob, run_fsck)

CLIENTS = int(os.environ.get("WHARF_CONCURRENCY_CLIENTS", "64"))
ROUNDS = 5
SHARED = "conc-shared"
SHARED_TAGS = ("latest", "stable", "edge")


class Retry(Exception):
    """A clean 503/429 the client may retry."""


class World:
    def __init__(self, seed):
        rng = random.Random(seed)
        # a few base layers every client pushes: the same bytes stored once,
        # committed concurrently by many sessions
        self.base = [rng.randbytes(rng.randint(1000, 60000)) for _ in range(4)]
        self.lock = threading.Lock()
        self.problems = []
        self.retries = 0
        self.blobs = {}       # (repo, digest) -> bytes
        self.manifests = {}   # (repo, digest) -> bytes
        self.pushed = []      # (repo, manifest digest) anyone may pull

    def problem(self, msg):
        with self.lock:
            self.problems.append(msg)


class Worker:
    def __init__(self, world, w, idx):
        self.world = world
        self.idx = idx
        self.rng = random.Random(idx)
        self.c = Client(w, timeout=120)
        self.own = f"conc-own{idx % 16}"

    def call(self, method, path, ok, **kw):
        """One request whose status must be in ok; a clean 503/429 raises
        Retry, anything else is a problem (AssertionError)."""
        r = self.c.request(method, path, **kw)
        if r.status_code in ok:
            return r
        problem = error_body_problem(r.status_code, r.content) if method != "HEAD" else None
        if r.status_code in (429, 503) and problem is None:
            with self.world.lock:
                self.world.retries += 1
            raise Retry()
        raise AssertionError(f"client {self.idx}: unclean answer {describe(r)}"
                             + (f" ({problem})" if problem else ""))

    def push_blob(self, repo, data):
        d = digest_of(data)
        mode = self.rng.choice(("monolithic", "post", "chunked"))
        hdr = {"Content-Type": "application/octet-stream"}
        if mode == "post":
            self.call("POST", f"/v2/{repo}/blobs/uploads/", (201,), params={"digest": d},
                      data=data, headers=hdr)
        else:
            r = self.call("POST", f"/v2/{repo}/blobs/uploads/", (202,),
                          headers={"Content-Length": "0"})
            loc, off = location(r), 0
            if mode == "chunked":
                half = len(data) // 2
                r = self.call("PATCH", loc, (202,), data=data[:half],
                              headers={**hdr, "Content-Range": f"0-{half - 1}"})
                loc, off = location(r), half
            self.call("PUT", loc, (201,), params={"digest": d}, data=data[off:], headers=hdr)
        with self.world.lock:
            self.world.blobs[(repo, d)] = data
        return d

    def put_manifest(self, repo, ref, body, media_type):
        d = digest_of(body)
        r = self.call("PUT", f"/v2/{repo}/manifests/{ref or d}", (201,), data=body,
                      headers={"Content-Type": media_type})
        assert r.headers.get("Docker-Content-Digest") == d, describe(r)
        with self.world.lock:
            self.world.manifests[(repo, d)] = body
            self.world.pushed.append((repo, d))
        return d

    def push_image(self, repo, tag):
        cfg = json.dumps({"architecture": "amd64", "os": "linux",
                          "client": self.idx, "r": self.rng.random()}).encode()
        layers = self.rng.sample(self.world.base, 2) + [os.urandom(self.rng.randint(100, 20000))]
        self.push_blob(repo, cfg)
        for l in layers:
            self.push_blob(repo, l)
        body = make_manifest(descriptor(OCI_CONFIG, cfg), [descriptor(OCI_LAYER, l) for l in layers])
        return self.put_manifest(repo, tag, body, OCI_MANIFEST), body

    def pull_random(self):
        with self.world.lock:
            if not self.world.pushed:
                return
            repo, d = self.rng.choice(self.world.pushed)
        r = self.call("GET", f"/v2/{repo}/manifests/{d}", (200,),
                      headers={"Accept": f"{OCI_MANIFEST}, {OCI_INDEX}"})
        assert digest_of(r.content) == d, f"manifest {repo}@{d} pulled as other bytes"
        doc = json.loads(r.content)
        for desc in [doc.get("config")] + doc.get("layers", []) if "layers" in doc else []:
            b = self.call("GET", f"/v2/{repo}/blobs/{desc['digest']}", (200,))
            assert hashlib.sha256(b.content).hexdigest() == desc["digest"].split(":")[1], \
                f"blob {repo}@{desc['digest']} pulled as other bytes"
        # the shared tags move all the time: whatever they point at is complete
        tag = self.rng.choice(SHARED_TAGS)
        r = self.call("GET", f"/v2/{SHARED}/manifests/{tag}", (200, 404),
                      headers={"Accept": f"{OCI_MANIFEST}, {OCI_INDEX}"})
        if r.status_code == 404:
            assert oci_code(r) == "MANIFEST_UNKNOWN", describe(r)

    def round(self):
        rng = self.rng
        if rng.random() < 0.5:
            self.push_image(SHARED, rng.choice(SHARED_TAGS))
        else:
            self.push_image(self.own, f"c{self.idx}")
        self.pull_random()
        if rng.random() < 0.2:
            kids = [self.push_image(self.own, None) for _ in range(2)]
            descs = [{"mediaType": OCI_MANIFEST, "digest": d, "size": len(b),
                      "platform": {"architecture": a, "os": "linux"}}
                     for (d, b), a in zip(kids, ("amd64", "arm64"))]
            self.put_manifest(self.own, f"idx{self.idx}", make_index(descs), OCI_INDEX)

    def run(self, barrier):
        try:
            barrier.wait(60)
            done = 0
            deadline = time.monotonic() + 120
            while done < ROUNDS and time.monotonic() < deadline:
                try:
                    self.round()
                    done += 1
                except Retry:
                    time.sleep(0.05)
            if done < ROUNDS:
                self.world.problem(f"client {self.idx}: only {done} rounds in 120s")
        except requests.RequestException as e:
            self.world.problem(f"client {self.idx}: connection failed: {e!r}")
        except Exception as e:  # noqa: BLE001
            self.world.problem(f"client {self.idx}: {e}")
        finally:
            self.c.close()


def test_64_clients_push_and_pull_at_once(wharf):
    world = World(1234)
    barrier = threading.Barrier(CLIENTS)
    workers = [Worker(world, wharf, i) for i in range(CLIENTS)]
    threads = [threading.Thread(target=wk.run, args=(barrier,), daemon=True) for wk in workers]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not any(t.is_alive() for t in threads), "clients still running after 300s"
    assert not world.problems, f"{len(world.problems)} problems:\n" + "\n".join(world.problems[:10])
    elapsed = time.monotonic() - started
    assert_alive(wharf)

    # every stored byte verifies; everything acknowledged is there
    fresh, total = BlobWalker(wharf).walk()
    c = Client(wharf, timeout=60)
    problems = []
    for (repo, d), data in world.blobs.items():
        pull_blob(c, repo, d, data, problems)
    for (repo, d), body in world.manifests.items():
        got = check_manifest_complete(c, repo, d, problems)
        if got is not None and got != body:
            problems.append(f"{repo}@{d}: manifest came back different")
    ntags = sum(check_tags(c, repo, problems)
                for repo in [SHARED] + [f"conc-own{i}" for i in range(min(CLIENTS, 16))])
    c.close()
    assert not problems, "\n".join(problems[:20])
    assert ntags >= len(SHARED_TAGS)
    if fsck_available(wharf.env):
        rc, out = run_fsck(wharf)
        assert rc == 0, f"wharf admin fsck exited {rc}:\n{out[-3000:]}"
    print(f"\n{CLIENTS} clients, {len(world.manifests)} manifests and {len(world.blobs)} blob links "
          f"in {elapsed:.1f}s, {world.retries} clean retries, {total} blob files verified, "
          f"{ntags} tags checked")
