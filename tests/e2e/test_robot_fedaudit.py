"""Audit entries for the robot federation configuration endpoints (issue 8):
POST …/robots/{short}/federation records create_robot_federation with the
new list, DELETE records delete_robot_federation, as Quay names them; a
refused POST records nothing."""
from apihelpers import api, create_org, create_robot, describe, uniq  # noqa: F401

CONFIG = [{"issuer": "https://token.actions.githubusercontent.com",
           "subject": "repo:acme/app:ref:refs/heads/main"}]


def kinds(entries, kind):
    return [e for e in entries if e["kind"] == kind]


def test_org_robot_federation_audited(api):
    org = create_org(api.admin)
    bot = create_robot(api.admin, org)
    short = bot["name"].split("+", 1)[1]
    base = f"organization/{org}/robots/{short}/federation"
    r = api.admin.post(base, CONFIG + [{"issuer": "https://gitlab.example", "subject": "p:1",
                                        "audience": "wharf"}])
    assert r.status_code == 200, describe(r)
    assert api.admin.post(base, [{"issuer": "not a url", "subject": "x"}]).status_code == 400
    d = api.admin.delete(base)
    assert d.status_code == 204, describe(d)
    entries = api.admin.get(f"organization/{org}/logs").json()["logs"]
    made = kinds(entries, "create_robot_federation")
    assert len(made) == 1, entries
    md = made[0]["metadata"]
    assert md["robot"] == short
    assert md["config"][0] == CONFIG[0]
    assert md["config"][1]["audience"] == "wharf"
    assert made[0]["performer"]["name"] == api.admin_user
    gone = kinds(entries, "delete_robot_federation")
    assert len(gone) == 1 and gone[0]["metadata"]["robot"] == short
    # filterable like every kind
    only = api.admin.get(f"organization/{org}/logs",
                         params={"kind": "delete_robot_federation"}).json()["logs"]
    assert [e["kind"] for e in only] == ["delete_robot_federation"]


def test_user_robot_federation_audited(api):
    short = uniq("ub")
    assert api.admin.put(f"user/robots/{short}").status_code == 201
    r = api.admin.post(f"user/robots/{short}/federation", CONFIG)
    assert r.status_code == 200, describe(r)
    assert api.admin.delete(f"user/robots/{short}/federation").status_code == 204
    entries = api.admin.get("user/logs").json()["logs"]
    assert [e["metadata"]["robot"] for e in kinds(entries, "create_robot_federation")] == [short]
    assert [e["metadata"]["robot"] for e in kinds(entries, "delete_robot_federation")] == [short]
