"""`wharf admin migrate`: an embedded installation (SQLite + file://) copied into PostgreSQL + S3
(a throwaway database on WHARF_TEST_PG and a fresh bucket on s3rver), then served from there.

The source is populated through the API and the registry (users, an org, a robot with its token,
a team, permissions, repositories, tags, manifests, an index, blobs including one over 8 MiB so
S3 takes it in several parts, and the audit entries all that writes), stopped, migrated, and a
wharf started on the destination must answer as the source did: the robot's token still logs
in, pulls give identical bytes, tags, permissions and logs are intact, the admin still signs in,
and new rows get fresh ids. A run killed midway (SIGKILL after some blobs) is completed by
running it again, a corrupt source blob fails the run naming its digest, and --verify-existing
names a destination blob that rotted between runs. The last tests
migrate into SQLite + file:// (any destination works), so they run without PostgreSQL too."""
import os
import shutil
import signal
import sqlite3
import subprocess
import time

import pytest
import requests

import backends
from apihelpers import (Client, bearer, create_org, create_repo, create_robot, describe, make_user,
                        registry_auth, signed_in)
from conftest import WHARF_BIN
from ocihelpers import (OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, config_blob, descriptor,
                        digest_of, make_manifest, push_blob, push_image, push_index, put_manifest,
                        tags_of)

MiB = 1 << 20

needs_pg = pytest.mark.skipif(not backends.PG, reason="WHARF_TEST_PG is not set (scripts/test.sh "
                                                      "starts PostgreSQL through tests/pg.sh)")
needs_s3 = pytest.mark.skipif(not backends.NODE or not os.path.exists(backends.S3RVER_JS),
                              reason="s3rver is not installed (scripts/deps.sh runs npm install)")


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    if not backends.NODE or not os.path.exists(backends.S3RVER_JS):
        pytest.skip("s3rver is not installed (scripts/deps.sh runs npm install)")
    srv = backends.S3rver(tmp_path_factory.mktemp("s3"))
    yield srv
    srv.stop()


@pytest.fixture
def pgdb():
    """A fresh PostgreSQL database (its URL), dropped afterwards."""
    if not backends.PG:
        pytest.skip("WHARF_TEST_PG is not set (scripts/test.sh starts PostgreSQL)")
    name = backends.create_database()
    yield backends.db_url(name)
    backends.drop_database(name)


def embedded(wharf_factory, tmp_path, name="src"):
    """A wharf on SQLite + file:// in tmp_path/name, whatever WHARF_TEST_BACKEND says."""
    d = tmp_path / name
    return wharf_factory(name, db=f"sqlite://{d}/wharf.db", storage=f"file://{d}/blobs")


def key_file(w):
    """The source's key file: WHARF_KEY_FILE (the pg-s3 suite sets one for every process, helpers
    such as make_user included), else wharf.key beside the SQLite database."""
    return os.environ.get("WHARF_KEY_FILE") or os.path.join(w.datadir, "wharf.key")


def migrate(src, db, storage, *extra, wait=True):
    """Runs `wharf admin migrate` from src's stores; the CompletedProcess (or the Popen)."""
    cmd = [WHARF_BIN, "admin", "migrate", "--from-db", src.db, "--from-storage", src.storage,
           "--db", db, "--storage", storage, "--progress", "plain", *extra]
    env = dict(os.environ, **backends.s3_env())
    env.pop("WHARF_DB", None)
    env.pop("WHARF_STORAGE", None)
    if not wait:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


def serve_migrated(wharf_factory, tmp_path, src, db, storage):
    """A wharf on the migrated stores, with the source's key file and admin credentials."""
    d = tmp_path / "dst"
    d.mkdir(exist_ok=True)
    shutil.copy(os.path.join(src.datadir, "admin.json"), d / "admin.json")
    env = dict(backends.s3_env(), WHARF_KEY_FILE=key_file(src))
    return wharf_factory("dst", db=db, storage=storage, env=env)


def populate(w, big=True):
    """Everything an installation holds; what the checks compare, as a dict."""
    admin = bearer(w, w.admin_token, w.admin_user)
    org = create_org(admin)
    bot = create_robot(admin, org)
    user = make_user(w)
    repo = create_repo(admin, org, "app")
    assert admin.put(f"organization/{org}/team/devs", {"role": "member"}).status_code == 200
    r = admin.put(f"organization/{org}/team/devs/members/{user.name}")
    assert r.status_code == 200, describe(r)
    for path, role in ((f"user/{bot['name']}", "read"), (f"user/{user.name}", "admin"),
                       ("team/devs", "write")):
        r = admin.put(f"repository/{repo}/permissions/{path}", {"role": role})
        assert r.status_code == 200, describe(r)
    blobs = {}
    imgs = {}
    for tag in ("v1", "v2"):
        img = push_image(w, repo, tag, nlayers=2)
        imgs[tag] = img
        for desc in [img.config] + img.layers:
            blobs[desc["digest"]] = None
    imgs["multi"] = push_index(w, repo, [imgs["v1"], imgs["v2"]], tag="multi")
    if big:  # over 8 MiB: several parts on S3, pushed in chunks
        data = os.urandom(9 * MiB + 123)
        d = push_blob(w, repo, data, mode="chunked", chunk_size=4 * MiB)
        cfg = config_blob()
        push_blob(w, repo, cfg)
        body = make_manifest(descriptor(OCI_CONFIG, cfg), [descriptor(OCI_LAYER, data)])
        assert put_manifest(w, repo, "big", body).status_code == 201
        imgs["big"] = body
        blobs[d] = data
        blobs[digest_of(cfg)] = cfg
    # the robot pulls once: audit entries with a robot performer
    r = requests.get(f"{w.url}/v2/{repo}/manifests/v1", auth=(bot["name"], bot["token"]),
                     headers={"Accept": OCI_MANIFEST}, timeout=30)
    assert r.status_code == 200, describe(r)
    for digest in list(blobs):
        if blobs[digest] is None:
            r = w.get(f"/v2/{repo}/blobs/{digest}")
            assert r.status_code == 200, describe(r)
            blobs[digest] = r.content
    perms = {kind: admin.get(f"repository/{repo}/permissions/{kind}/").json()
             for kind in ("user", "team")}
    return {"org": org, "bot": bot, "user": user, "repo": repo, "imgs": imgs, "blobs": blobs,
            "perms": perms, "tags": sorted(tags_of(w, repo))}


def sqlite_count(w, table):
    con = sqlite3.connect(w.db[len("sqlite://"):])
    try:
        return con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def check_migrated(dst, world, log_entries):
    """dst answers as the source did."""
    repo, bot = world["repo"], world["bot"]
    admin = bearer(dst, dst.admin_token, dst.admin_user)
    # the robot's token logs in (registry token endpoint and Basic on /v2)
    r = registry_auth(dst, bot["name"], bot["token"], scope=f"repository:{repo}:pull")
    assert r.status_code == 200, describe(r)
    r = requests.get(f"{dst.url}/v2/{repo}/manifests/v1", auth=(bot["name"], bot["token"]),
                     headers={"Accept": OCI_MANIFEST}, timeout=30)
    assert r.status_code == 200, describe(r)
    assert r.content == world["imgs"]["v1"].body
    # pulls give identical bytes
    for digest, data in world["blobs"].items():
        r = dst.get(f"/v2/{repo}/blobs/{digest}")
        assert r.status_code == 200, describe(r)
        assert r.content == data, digest
    r = dst.get(f"/v2/{repo}/manifests/multi", headers={"Accept": OCI_INDEX})
    assert r.status_code == 200 and r.content == world["imgs"]["multi"].body
    if "big" in world["imgs"]:
        r = dst.get(f"/v2/{repo}/manifests/big", headers={"Accept": OCI_MANIFEST})
        assert r.status_code == 200 and r.content == world["imgs"]["big"]
    # tags, permissions, logs
    assert sorted(tags_of(dst, repo)) == world["tags"]
    for kind, want in world["perms"].items():
        assert admin.get(f"repository/{repo}/permissions/{kind}/").json() == want
    r = admin.get(f"organization/{world['org']}/logs")
    assert r.status_code == 200, describe(r)
    kinds = {e["kind"] for e in r.json()["logs"]}
    assert "push_repo" in kinds and "pull_repo" in kinds, kinds
    if dst.db.startswith("postgres"):
        assert backends.pg_exec(dst.db, "SELECT COUNT(*) FROM log_entry")[0][0] >= log_entries
    # the admin still signs in, with the password and with the token
    signed_in(dst, dst.admin_user, dst.admin_password)
    assert admin.get("user/").status_code == 200
    # the team member still acts through the team and her own permission
    user = Client(dst, world["user"].headers["Authorization"])
    assert user.get(f"repository/{repo}").status_code == 200
    # new rows get fresh ids (identity sequences moved past the copied ones)
    create_robot(admin, world["org"])
    push_image(dst, repo, "after", nlayers=1)
    assert "after" in tags_of(dst, repo)


@needs_pg
@needs_s3
def test_migrate_into_postgres_and_s3(wharf_factory, tmp_path, s3, pgdb):
    src = embedded(wharf_factory, tmp_path)
    world = populate(src)
    src.stop()
    log_entries = sqlite_count(src, "log_entry")
    assert log_entries > 0
    storage = s3.url(s3.create_bucket())
    out = migrate(src, pgdb, storage)
    assert out.returncode == 0, out.stderr
    assert "Migrated" in out.stdout and "--key-file " + key_file(src) in out.stdout, out.stdout
    assert "blobs" in out.stderr  # the plain progress lines
    dst = serve_migrated(wharf_factory, tmp_path, src, pgdb, storage)
    check_migrated(dst, world, log_entries)
    # a second run finds the work done
    again = migrate(src, pgdb, storage)
    assert again.returncode == 0 and "already finished" in again.stdout, again.stdout


def blob_objects(s3, bucket):
    r = requests.get(f"{s3.endpoint}/{bucket}", params={"list-type": "2", "prefix": "blobs/"},
                     timeout=10)
    return r.text.count("<Key>")


@needs_pg
@needs_s3
def test_killed_migration_is_resumed(wharf_factory, tmp_path, s3, pgdb):
    src = embedded(wharf_factory, tmp_path)
    world = populate(src, big=False)
    repo = world["repo"]
    for _ in range(30):  # enough bytes that the kill lands midway
        data = os.urandom(2 * MiB)
        world["blobs"][push_blob(src, repo, data)] = data
    src.stop()
    bucket = s3.create_bucket()
    storage = s3.url(bucket)
    proc = migrate(src, pgdb, storage, wait=False)
    deadline = time.monotonic() + 60
    while blob_objects(s3, bucket) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the migration finished before it could be killed"
    # killed before the metadata: the destination has no rows yet
    assert backends.pg_exec(pgdb, "SELECT COUNT(*) FROM account")[0][0] == 0
    copied = blob_objects(s3, bucket)
    assert 0 < copied < len(world["blobs"])
    out = migrate(src, pgdb, storage, "--verify-existing")
    assert out.returncode == 0, out.stderr
    assert "resuming" in out.stderr, out.stderr
    assert "already there" in out.stdout and " 0 already there" not in out.stdout, out.stdout
    dst = serve_migrated(wharf_factory, tmp_path, src, pgdb, storage)
    check_migrated(dst, world, sqlite_count(src, "log_entry"))


def corrupt(src, digest):
    algo, hexd = digest.split(":")
    path = os.path.join(src.datadir, "blobs", "blobs", algo, hexd[:2], hexd)
    with open(path, "r+b") as f:
        b = f.read(1)
        f.seek(0)
        f.write(bytes([b[0] ^ 0xFF]))


def test_corrupt_source_blob_fails_naming_it(wharf_factory, tmp_path):
    src = embedded(wharf_factory, tmp_path)
    img = push_image(src, f"{src.admin_user}/app", "v1", nlayers=3)
    src.stop()
    bad = img.layers[1]["digest"]
    corrupt(src, bad)
    dst = tmp_path / "dst"
    db, storage = f"sqlite://{dst}/wharf.db", f"file://{dst}/blobs"
    out = migrate(src, db, storage)
    assert out.returncode != 0
    line = [ln for ln in out.stderr.splitlines() if bad in ln]
    assert line and "corrupt" in line[0], out.stderr
    assert "could not be copied" in out.stderr
    # nothing unverified landed, and no metadata was copied
    con = sqlite3.connect(f"{dst}/wharf.db")
    assert con.execute("SELECT COUNT(*) FROM repo").fetchone()[0] == 0
    con.close()
    algo, hexd = bad.split(":")
    assert not os.path.exists(f"{dst}/blobs/blobs/{algo}/{hexd[:2]}/{hexd}")
    good = img.layers[0]["digest"].split(":")[1]
    good_path = f"{dst}/blobs/blobs/sha256/{good[:2]}/{good}"
    assert os.path.exists(good_path)

    # repaired source, but a blob the first run copied rotted meanwhile: --verify-existing
    # names it, and once it is deleted the run completes
    corrupt(src, bad)
    os.chmod(good_path, 0o644)
    with open(good_path, "r+b") as f:
        f.write(b"\0")
    out = migrate(src, db, storage, "--verify-existing")
    assert out.returncode != 0
    assert f"destination blob sha256:{good} is corrupt" in out.stderr, out.stderr
    os.remove(good_path)
    out = migrate(src, db, storage, "--verify-existing")
    assert out.returncode == 0, out.stderr
    assert "resuming" in out.stderr


def test_into_sqlite_and_refuses_a_used_destination(wharf_factory, tmp_path):
    src = embedded(wharf_factory, tmp_path)
    world = populate(src, big=False)
    src.stop()
    # a destination that already holds an installation is refused
    other = embedded(wharf_factory, tmp_path, "other")
    other.stop()
    out = migrate(src, other.db, other.storage)
    assert out.returncode != 0 and "not empty" in out.stderr, out.stderr
    # an empty one is filled; SQLite + file:// works as a destination too
    d = tmp_path / "dst"
    db, storage = f"sqlite://{d}/wharf.db", f"file://{d}/blobs"
    out = migrate(src, db, storage)
    assert out.returncode == 0, out.stderr
    dst = serve_migrated(wharf_factory, tmp_path, src, db, storage)
    check_migrated(dst, world, sqlite_count(src, "log_entry"))


def test_usage_errors():
    out = subprocess.run([WHARF_BIN, "admin", "migrate", "--from-db", "sqlite:///nonexistent/x.db"],
                         capture_output=True, text=True, timeout=30,
                         env={k: v for k, v in os.environ.items()
                              if k not in ("WHARF_DB", "WHARF_STORAGE")})
    assert out.returncode == 2 and "required" in out.stderr
    out = subprocess.run([WHARF_BIN, "admin", "migrate", "--help"], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0 and "--from-storage" in out.stdout
