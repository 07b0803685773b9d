"""wharf with its metadata in PostgreSQL (`--db postgres://…`), on the throwaway server that
tests/pg.sh starts (scripts/test.sh exports WHARF_TEST_PG): each test gets a database of its
own, with a linguistic (ICU) default collation as production databases often have.

Beyond one instance's push, pull, robots and permissions, two wharf processes on the same
database and the same bucket (the session's s3rver, backends.py) must act as one registry: what
one acknowledges the other serves at once, an upload begun on one is finished on the other, a
credential revoked or disabled through one is refused by the other on the very next request, a
repository deleted through one is gone on the other, and sixteen clients pushing through both at
once lose nothing.

Faults: with PostgreSQL stopped (its own server here, tests/pg.sh stop/start on one directory and
port) requests are 503 with the registry's error body, OCI's on /v2 and Quay's on /api/v1, the log
says why without the password, and wharf carries on by itself once PostgreSQL is back."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid

import pytest
import requests

import backends
from apihelpers import (TOKEN_RE, assert_api_error, bearer, create_org, create_repo,
                        create_robot, describe, registry_auth)
from backends import PG, db_url, psql
from conftest import ROOT, WHARF_BIN, free_port
from ocihelpers import (OCI_MANIFEST, digest_of, error_body_problem, install_checks, location,
                        patch_chunk, push_blob, push_image, put_blob_to, random_blob,
                        start_upload, tags_of)

# a password in the URL (the test server trusts loopback and ignores it) that no log may show
PASSWORD = "pgpw-" + uuid.uuid4().hex[:12]


def _built_with_libpq():
    if not os.path.exists(WHARF_BIN) or not shutil.which("ldd"):
        return False
    out = subprocess.run(["ldd", WHARF_BIN], capture_output=True, text=True)
    return "libpq" in out.stdout


pytestmark = [
    pytest.mark.skipif(not PG, reason="WHARF_TEST_PG is not set (scripts/test.sh starts "
                                      "PostgreSQL through tests/pg.sh)"),
    pytest.mark.skipif(bool(PG) and not _built_with_libpq(),
                       reason="wharf was built without PostgreSQL support (libpq)"),
]


@pytest.fixture
def pgdb():
    """A fresh database; its name. Dropped (connections and all) afterwards."""
    name = backends.create_database()
    yield name
    backends.drop_database(name)


def shared_storage(tmp_path):
    """(storage URL, env) both instances of a pair use: a fresh bucket on the session's s3rver,
    or one blob directory where s3rver is not installed."""
    if backends.NODE and os.path.exists(backends.S3RVER_JS):
        srv = backends.SESSION.s3rver()
        return srv.url(srv.create_bucket()), backends.s3_env()
    return f"file://{tmp_path}/blobs", {}


@pytest.fixture
def pair(pgdb, wharf_factory, tmp_path):
    """Two instances on one database, one key file and one bucket."""
    storage, env = shared_storage(tmp_path)
    env = dict(env, WHARF_KEY_FILE=str(tmp_path / "wharf.key"))
    url = db_url(pgdb, PASSWORD)
    a = wharf_factory("a", env=env, storage=storage, db=url)
    # b logs in as a's admin (the database has it already): conftest reads admin.json
    os.makedirs(tmp_path / "b", exist_ok=True)
    with open(tmp_path / "b" / "admin.json", "w") as f:
        json.dump({"username": a.admin_user, "password": a.admin_password,
                   "token": a.admin_token}, f)
    b = wharf_factory("b", env=env, storage=storage, db=url)
    for w in (a, b):
        install_checks(w)
        w.admin = bearer(w, w.admin_token, w.admin_user)
    return a, b


def pull_image(w, repo, ref, img):
    """GETs the manifest by ref and every blob it names, and checks the bytes."""
    r = w.get(f"/v2/{repo}/manifests/{ref}", headers={"Accept": OCI_MANIFEST})
    assert r.status_code == 200, describe(r)
    assert r.content == img.body
    assert r.headers["Docker-Content-Digest"] == img.digest
    for desc in [img.config] + list(img.layers):
        r = w.get(f"/v2/{repo}/blobs/{desc['digest']}")
        assert r.status_code == 200, describe(r)
        assert digest_of(r.content) == desc["digest"]


# --- one instance ---------------------------------------------------------------------------

def test_push_pull_restart(pgdb, wharf_factory, tmp_path):
    env = {"WHARF_KEY_FILE": str(tmp_path / "wharf.key")}
    w = wharf_factory(env=env, db=db_url(pgdb))
    install_checks(w)
    img = push_image(w, "pg/app", tag="v1", nlayers=2)
    big = random_blob(300_000)
    d = push_blob(w, "pg/app", big, mode="chunked", chunk_size=70_000)
    pull_image(w, "pg/app", "v1", img)
    pull_image(w, "pg/app", img.digest, img)
    push_image(w, "pg/app", tag="V2")
    push_image(w, "pg/app", tag="_x")
    # bytewise order, whatever the database's collation says
    assert tags_of(w, "pg/app") == ["V2", "_x", "v1"]
    for name in ("pg/b_x", "pg/b0", "pg/b.x", "pg/b-x"):  # ICU puts "_" first
        push_image(w, name, tag="t")
    r = w.get("/v2/_catalog", params={"n": 3})
    assert r.status_code == 200, describe(r)
    assert r.json()["repositories"] == ["pg/app", "pg/b-x", "pg/b.x"]
    r = w.get("/v2/_catalog", params={"n": 3, "last": "pg/b.x"})
    assert r.json()["repositories"] == ["pg/b0", "pg/b_x"], describe(r)
    # everything is in the database: a restart serves the same
    w.stop()
    w.start()
    pull_image(w, "pg/app", "v1", img)
    r = w.get(f"/v2/pg/app/blobs/{d}")
    assert r.status_code == 200 and r.content == big
    assert w.delete(f"/v2/pg/app/manifests/{img.digest}").status_code == 202
    assert w.get("/v2/pg/app/manifests/v1").status_code == 404
    assert psql("SELECT COUNT(*) FROM manifest m JOIN repo r ON r.id = m.repo_id "
                "WHERE r.name = 'pg/app'", pgdb) == "2"


def test_password_never_logged(pgdb, wharf_factory, tmp_path):
    env = {"WHARF_KEY_FILE": str(tmp_path / "wharf.key")}
    w = wharf_factory(env=env, db=db_url(pgdb, PASSWORD), extra_args=["--log-level", "debug"])
    push_image(w, "pg/app", tag="v1")
    psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
         f"WHERE datname = '{pgdb}' AND application_name = 'wharf'")
    assert tags_of(w, "pg/app") == ["v1"]  # reconnects, and says so
    w.stop()
    log = w.read_log()
    assert "postgres://postgres:xxxxx@" in log
    assert PASSWORD not in log, "the database password reached the log"


def test_robots_teams_and_permissions(pgdb, wharf_factory, tmp_path):
    env = {"WHARF_KEY_FILE": str(tmp_path / "wharf.key")}
    w = wharf_factory(env=env, db=db_url(pgdb))
    install_checks(w)
    admin = bearer(w, w.admin_token, w.admin_user)
    org = create_org(admin)
    repo = create_repo(admin, org, "app")
    img = push_image(w, repo, tag="v1")
    bot = create_robot(admin, org, "ci")
    assert TOKEN_RE.fullmatch(bot["token"])
    auth = (bot["name"], bot["token"])
    accept = {"Accept": OCI_MANIFEST}
    # no grant: nothing
    r = requests.get(f"{w.url}/v2/{repo}/manifests/v1", auth=auth, headers=accept, timeout=30)
    assert r.status_code in (401, 403, 404), describe(r)
    # read through a team of the org
    r = admin.put(f"organization/{org}/team/readers", {"role": "member"})
    assert r.status_code == 200, describe(r)
    r = admin.put(f"organization/{org}/team/readers/members/{bot['name']}")
    assert r.status_code == 200, describe(r)
    r = admin.put(f"repository/{repo}/permissions/team/readers", {"role": "read"})
    assert r.status_code == 200, describe(r)
    r = requests.get(f"{w.url}/v2/{repo}/manifests/v1", auth=auth, headers=accept, timeout=30)
    assert r.status_code == 200 and r.content == img.body, describe(r)
    r = requests.post(f"{w.url}/v2/{repo}/blobs/uploads/", auth=auth, timeout=30)
    assert r.status_code in (401, 403), describe(r)
    # write directly
    r = admin.put(f"repository/{repo}/permissions/user/{bot['name']}", {"role": "write"})
    assert r.status_code == 200 and r.json()["role"] == "write", describe(r)
    r = requests.post(f"{w.url}/v2/{repo}/blobs/uploads/", auth=auth, timeout=30)
    assert r.status_code == 202, describe(r)
    perms = admin.get(f"repository/{repo}/permissions/user/").json()["permissions"]
    assert perms[bot["name"]]["role"] == "write"
    # regenerate: the old token dies at once, the new one works
    r = admin.post(f"organization/{org}/robots/ci/regenerate")
    assert r.status_code == 200, describe(r)
    new = r.json()["token"]
    assert registry_auth(w, bot["name"], bot["token"]).status_code == 401
    assert registry_auth(w, bot["name"], new, f"repository:{repo}:pull").status_code == 200
    # deleting the robot takes its permissions and memberships with it
    assert admin.delete(f"organization/{org}/robots/ci").status_code == 204
    assert registry_auth(w, bot["name"], new).status_code == 401
    perms = admin.get(f"repository/{repo}/permissions/user/").json()["permissions"]
    assert bot["name"] not in perms
    assert psql("SELECT COUNT(*) FROM team_member m JOIN team t ON t.id = m.team_id "
                "WHERE t.name = 'readers'", pgdb) == "0"


# --- two instances, one registry ----------------------------------------------------------

def test_two_instances_are_one_registry(pair, pgdb):
    a, b = pair
    # push via one, pull via the other
    img = push_image(a, "shared/app", tag="v1", nlayers=2)
    pull_image(b, "shared/app", "v1", img)
    assert tags_of(b, "shared/app") == ["v1"]
    # a tag moved on b is seen on a at once
    img2 = push_image(b, "shared/app", tag="v1")
    pull_image(a, "shared/app", "v1", img2)
    # an upload begun on a, continued on b, finished on a
    data = random_blob(200_000)
    loc = start_upload(a, "shared/app")
    r = patch_chunk(a, loc, data[:80_000], 0)
    assert r.status_code == 202, describe(r)
    r = patch_chunk(b, location(r), data[80_000:160_000], 80_000)
    assert r.status_code == 202, describe(r)
    r = put_blob_to(a, location(r), data[160_000:], digest_of(data))
    assert r.status_code == 201, describe(r)
    r = b.get(f"/v2/shared/app/blobs/{digest_of(data)}")
    assert r.status_code == 200 and r.content == data


def test_repository_deleted_on_one_is_gone_on_the_other(pair):
    a, b = pair
    img = push_image(a, "shared/gone", tag="t", nlayers=2)
    keep = push_image(a, "shared/kept", tag="t")
    pull_image(b, "shared/gone", "t", img)  # b has served it (and may cache what it may)
    assert "shared/gone" in b.get("/v2/_catalog").json()["repositories"]
    r = a.admin.delete("repository/shared/gone")
    assert r.status_code == 204, describe(r)
    # on b at once: no tags, no manifest by tag or digest, no blob, not listed, not in the API
    assert b.get("/v2/shared/gone/tags/list").status_code == 404
    for ref in ("t", img.digest):
        r = b.get(f"/v2/shared/gone/manifests/{ref}", headers={"Accept": OCI_MANIFEST})
        assert r.status_code == 404, describe(r)
    for desc in [img.config] + list(img.layers):
        assert b.get(f"/v2/shared/gone/blobs/{desc['digest']}").status_code == 404
    assert "shared/gone" not in b.get("/v2/_catalog").json()["repositories"]
    assert b.admin.get("repository/shared/gone").status_code == 404
    # the other repository is untouched, and the name can be pushed again through b
    pull_image(b, "shared/kept", "t", keep)
    again = push_image(b, "shared/gone", tag="t2")
    pull_image(a, "shared/gone", "t2", again)
    assert tags_of(a, "shared/gone") == ["t2"]


def test_regenerated_robot_refused_by_other_instance(pair):
    a, b = pair
    org = create_org(a.admin)
    repo = create_repo(a.admin, org, "app")
    push_image(a, repo, tag="v1")
    bot = create_robot(a.admin, org, "puller")
    assert a.admin.put(f"repository/{repo}/permissions/user/{bot['name']}",
                       {"role": "read"}).status_code == 200
    scope = f"repository:{repo}:pull"
    old = bot["token"]
    r = registry_auth(b, bot["name"], old, scope)
    assert r.status_code == 200, describe(r)
    jwt = r.json()["token"]
    bearer_h = {"Authorization": f"Bearer {jwt}", "Accept": OCI_MANIFEST}
    assert requests.get(f"{b.url}/v2/{repo}/manifests/v1", headers=bearer_h,
                        timeout=30).status_code == 200
    # regenerated through a: b refuses the old token and its JWT on the very next request
    r = a.admin.post(f"organization/{org}/robots/puller/regenerate")
    assert r.status_code == 200, describe(r)
    new = r.json()["token"]
    assert registry_auth(b, bot["name"], old, scope).status_code == 401
    r = requests.get(f"{b.url}/v2/{repo}/manifests/v1", headers=bearer_h, timeout=30)
    assert r.status_code == 401, describe(r)
    r = requests.get(f"{b.url}/v2/{repo}/manifests/v1", auth=(bot["name"], old),
                     headers={"Accept": OCI_MANIFEST}, timeout=30)
    assert r.status_code == 401, describe(r)
    assert registry_auth(b, bot["name"], new, scope).status_code == 200
    # a permission removed through b stops the robot on a
    r = b.admin.delete(f"repository/{repo}/permissions/user/{bot['name']}")
    assert r.status_code == 204, describe(r)
    r = requests.get(f"{a.url}/v2/{repo}/manifests/v1", auth=(bot["name"], new),
                     headers={"Accept": OCI_MANIFEST}, timeout=30)
    assert r.status_code in (401, 403, 404), describe(r)


def test_sixteen_clients_through_both_lose_nothing(pair):
    """Sixteen clients push at once through both instances, into one shared repository and each
    into its own, with chunked uploads among them; afterwards every tag resolves on both
    instances to what was pushed and every blob reads back and verifies from either."""
    from concurrent.futures import ThreadPoolExecutor
    a, b = pair

    def client(i):
        w = (a, b)[i % 2]
        out = []
        for j in range(2):
            img = push_image(w, "busy/app", tag=f"c{i}-{j}", nlayers=2)
            out.append(("busy/app", f"c{i}-{j}", img))
        own = f"busy/c{i}"
        img = push_image(w, own, tag="v1")
        out.append((own, "v1", img))
        data = random_blob(150_000 + i)
        d = push_blob(w, own, data, mode=("chunked", "stream", "post", "monolithic")[i % 4],
                      chunk_size=40_000)
        return out, (own, d, data)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(client, range(16)))
    shared_tags = sorted(f"c{i}-{j}" for i in range(16) for j in range(2))
    for w in (a, b):
        assert tags_of(w, "busy/app") == sorted(shared_tags)
    for images, (own, d, data) in results:
        for w in (a, b):
            for repo, tag, img in images:
                pull_image(w, repo, tag, img)
                pull_image(w, repo, img.digest, img)
            r = w.get(f"/v2/{own}/blobs/{d}")
            assert r.status_code == 200 and r.content == data, describe(r)
    catalog = a.get("/v2/_catalog", params={"n": 100}).json()["repositories"]
    assert sorted(f"busy/c{i}" for i in range(16)) == [c for c in catalog if c != "busy/app"]


def test_disabled_robot_refused_by_other_instance(pair):
    a, b = pair
    org = create_org(a.admin)
    repo = create_repo(a.admin, org, "app")
    push_image(a, repo, tag="v1")
    bot = create_robot(a.admin, org, "off")
    assert a.admin.put(f"repository/{repo}/permissions/user/{bot['name']}",
                       {"role": "read"}).status_code == 200
    scope = f"repository:{repo}:pull"
    r = registry_auth(b, bot["name"], bot["token"], scope)
    assert r.status_code == 200, describe(r)
    hdr = {"Authorization": "Bearer " + r.json()["token"], "Accept": OCI_MANIFEST}
    assert requests.get(f"{b.url}/v2/{repo}/manifests/v1", headers=hdr,
                        timeout=30).status_code == 200
    # disabled through a: b refuses its token, its Basic credentials and its JWT at once
    r = a.admin.put(f"organization/{org}/robots/off", {"enabled": False})
    assert r.status_code == 200 and r.json()["enabled"] is False, describe(r)
    r = registry_auth(b, bot["name"], bot["token"], scope)
    assert r.status_code == 401 and "disabled" in r.text, describe(r)
    r = requests.get(f"{b.url}/v2/{repo}/manifests/v1", headers=hdr, timeout=30)
    assert r.status_code == 401, describe(r)
    r = requests.get(f"{b.url}/v2/{repo}/manifests/v1", auth=(bot["name"], bot["token"]),
                     headers={"Accept": OCI_MANIFEST}, timeout=30)
    assert r.status_code == 401, describe(r)
    assert b.admin.get(f"organization/{org}/robots/off").json()["enabled"] is False
    # enabled again through b: a lets it in at once
    r = b.admin.put(f"organization/{org}/robots/off", {"enabled": True})
    assert r.status_code == 200, describe(r)
    assert registry_auth(a, bot["name"], bot["token"], scope).status_code == 200


def test_reconnects_after_the_server_drops_connections(pair, pgdb):
    a, b = pair
    img = push_image(a, "re/app", tag="v1")
    # every wharf connection to the database is cut, as by a server restart or failover
    killed = psql("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                  f"WHERE datname = '{pgdb}' AND application_name = 'wharf'")
    assert int(killed) >= 2
    for w in (a, b):  # the next requests succeed: each worker reconnects by itself
        for _ in range(6):
            pull_image(w, "re/app", "v1", img)
    push_image(b, "re/app", tag="v2")
    assert "reconnecting" in a.read_log() + b.read_log()


# --- faults -------------------------------------------------------------------------------------

@pytest.fixture
def own_pg():
    """A PostgreSQL server of this test's own (tests/pg.sh), which the test may stop and start:
    (its directory, its port). Stopped by PID at the end."""
    d = tempfile.mkdtemp(prefix="wharf-pgfault-")  # under /tmp: the postgres user must reach it
    port = free_port()
    pg_sh = os.path.join(ROOT, "tests", "pg.sh")
    out = subprocess.run(["bash", pg_sh, "start", d, str(port)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    yield d, port
    subprocess.run(["bash", pg_sh, "stop", d], capture_output=True, timeout=60)
    shutil.rmtree(d, ignore_errors=True)


def pg_ctl(action, d, port):
    out = subprocess.run(["bash", os.path.join(ROOT, "tests", "pg.sh"), action, d, str(port)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_database_outage_is_503_then_recovers(own_pg, wharf_factory, tmp_path):
    d, port = own_pg
    url = f"postgres://postgres:{PASSWORD}@127.0.0.1:{port}/wharf_test"
    w = wharf_factory("outage", env={"WHARF_KEY_FILE": str(tmp_path / "wharf.key")}, db=url)
    admin = bearer(w, w.admin_token, w.admin_user)
    org = create_org(admin)
    repo = create_repo(admin, org, "app")
    img = push_image(w, repo, tag="v1")
    accept = {"Accept": OCI_MANIFEST}

    pg_ctl("stop", d, port)
    # /v2: OCI's error body; /api/v1: Quay's; never a hang, never a 500, never a 401
    for path in (f"/v2/{repo}/manifests/v1", f"/v2/{repo}/tags/list", "/v2/_catalog"):
        r = w.get(path, headers=accept)
        assert r.status_code == 503, describe(r)
        assert error_body_problem(503, r.content) is None, describe(r)
    r = w.post(f"/v2/{repo}/blobs/uploads/", headers={"Content-Length": "0"})
    assert r.status_code == 503, describe(r)
    assert error_body_problem(503, r.content) is None, describe(r)
    for path in (f"repository/{repo}", f"organization/{org}"):
        assert_api_error(admin.get(path), 503)
    log = w.read_log()
    assert "postgres" in log and "cannot connect" in log, log[-3000:]
    assert PASSWORD not in log, "the database password reached the log"

    # back: wharf carries on by itself, without a restart
    pg_ctl("start", d, port)
    deadline = time.monotonic() + 20
    while True:
        r = w.get(f"/v2/{repo}/manifests/v1", headers=accept)
        if r.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert r.status_code == 200 and r.content == img.body, describe(r)
    install_checks(w)
    pull_image(w, repo, "v1", img)
    img2 = push_image(w, repo, tag="v2")
    pull_image(w, repo, "v2", img2)
    assert admin.get(f"repository/{repo}").status_code == 200
    assert w.proc.poll() is None
    w.stop()
    assert PASSWORD not in w.read_log(), "the database password reached the log"
