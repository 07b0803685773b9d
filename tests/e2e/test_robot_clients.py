"""Robot accounts with real clients: one robot per purpose, each allowed
exactly what it was granted (the flow of the robot-accounts guide)."""
import os
import time

import requests

from imagegen import make_image
from test_clients import clients_for  # noqa: F401  (fixture)


def api(w, method, path, **kw):
    headers = {"Authorization": f"Bearer {w.admin_token}"}
    return requests.request(method, f"{w.url}/api/v1{path}", headers=headers, timeout=30, **kw)


def setup_org(w):
    """acme with a private repo app, a puller (read) and a pusher (write)."""
    assert api(w, "POST", "/organization/", json={"name": "acme", "email": "ops@acme.test"}).status_code == 201
    r = api(w, "POST", "/repository", json={"namespace": "acme", "repository": "app",
                                             "visibility": "private", "description": "app"})
    assert r.status_code == 201, r.text
    tokens = {}
    for name, role in (("cicd_puller", "read"), ("cicd_pusher", "write")):
        r = api(w, "PUT", f"/organization/acme/robots/{name}", json={"description": role})
        assert r.status_code in (200, 201), r.text
        tokens[name] = r.json()["token"]
        r = api(w, "PUT", f"/repository/acme/app/permissions/user/acme+{name}", json={"role": role})
        assert r.status_code in (200, 201), r.text
    return tokens


def login(clients, user, token, ok=True):
    clients.forget_logins()
    return clients.skopeo("login", "--tls-verify=false", "-u", user, "--password-stdin",
                          clients.host, input=token + "\n", ok=ok)


def test_pusher_pushes_puller_pulls(wharf, clients_for, tmp_path):  # noqa: F811
    tokens = setup_org(wharf)
    clients = clients_for(wharf)
    src = str(tmp_path / "img")
    make_image(src, layers=2, seed=7)

    # the pipeline's robot pushes
    login(clients, "acme+cicd_pusher", tokens["cicd_pusher"])
    clients.push(f"oci:{src}:latest", "acme/app:1.0")

    # the cluster's robot pulls, and may not push
    login(clients, "acme+cicd_puller", tokens["cicd_puller"])
    out = str(tmp_path / "out")
    clients.pull("acme/app:1.0", f"oci:{out}:latest")
    assert os.path.exists(os.path.join(out, "index.json"))
    r = clients.skopeo("copy", "--dest-tls-verify=false", f"oci:{src}:latest",
                       clients.ref("acme/app:2.0"), ok=False)
    assert "denied" in (r.stderr + r.stdout).lower() or "unauthorized" in (r.stderr + r.stdout).lower()

    # nobody logged in: a private repository is refused
    clients.forget_logins()
    clients.skopeo("inspect", "--tls-verify=false", clients.ref("acme/app:1.0"), ok=False)

    # a wrong token is refused at login
    login(clients, "acme+cicd_puller", "X" * 64, ok=False)


def test_public_repo_anonymous_pull_and_podman_robot_login(wharf, clients_for, tmp_path):  # noqa: F811
    tokens = setup_org(wharf)
    clients = clients_for(wharf)
    src = str(tmp_path / "img")
    make_image(src, layers=1, seed=9)
    login(clients, "acme+cicd_pusher", tokens["cicd_pusher"])
    clients.push(f"oci:{src}:latest", "acme/app:pub")
    assert api(wharf, "POST", "/repository/acme/app/changevisibility",
               json={"visibility": "public"}).status_code == 200
    clients.forget_logins()
    clients.inspect("acme/app:pub")  # anonymous pull of a public repository

    # podman login with a robot and its token from stdin, as the guide says
    clients.forget_logins()
    clients.podman("login", "--tls-verify=false", "-u", "acme+cicd_puller", "--password-stdin",
                   clients.host, input=tokens["cicd_puller"] + "\n")
    clients.podman("pull", "--tls-verify=false", f"{clients.host}/acme/app:pub")


def test_regenerated_token_stops_working(wharf, clients_for, tmp_path):  # noqa: F811
    tokens = setup_org(wharf)
    clients = clients_for(wharf)
    login(clients, "acme+cicd_puller", tokens["cicd_puller"])
    r = api(wharf, "POST", "/organization/acme/robots/cicd_puller/regenerate")
    assert r.status_code == 200, r.text
    new = r.json()["token"]
    assert new != tokens["cicd_puller"]
    login(clients, "acme+cicd_puller", tokens["cicd_puller"], ok=False)
    login(clients, "acme+cicd_puller", new)
    # deleting the robot ends it at once
    assert api(wharf, "DELETE", "/organization/acme/robots/cicd_puller").status_code == 204
    login(clients, "acme+cicd_puller", new, ok=False)


def test_rotation_with_grace_keeps_both_pipelines_working(wharf, clients_for, tmp_path):  # noqa: F811
    """A cluster pulling with the old token and a pipeline pushing with the
    new one both work while the grace period runs; then the old one stops."""
    tokens = setup_org(wharf)
    clients = clients_for(wharf)
    src = str(tmp_path / "img")
    make_image(src, layers=1, seed=11)
    login(clients, "acme+cicd_pusher", tokens["cicd_pusher"])
    clients.push(f"oci:{src}:latest", "acme/app:1.0")
    r = api(wharf, "POST", "/organization/acme/robots/cicd_pusher/regenerate",
            json={"grace_period": 6})
    assert r.status_code == 200, r.text
    old, new = tokens["cicd_pusher"], r.json()["token"]
    assert new != old and r.json()["previous_token_expires_at"]
    # pipeline already on the new token pushes; a job still on the old one pushes too
    login(clients, "acme+cicd_pusher", new)
    clients.push(f"oci:{src}:latest", "acme/app:2.0")
    login(clients, "acme+cicd_pusher", old)
    clients.push(f"oci:{src}:latest", "acme/app:2.1")
    out = str(tmp_path / "out")
    clients.pull("acme/app:2.0", f"oci:{out}:latest")
    time.sleep(7)
    # grace over: the old token is refused at login, the new one still pushes
    login(clients, "acme+cicd_pusher", old, ok=False)
    login(clients, "acme+cicd_pusher", new)
    clients.push(f"oci:{src}:latest", "acme/app:3.0")
