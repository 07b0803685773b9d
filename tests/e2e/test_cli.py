"""The API-client side of the `wharf` CLI (issue 9 item 1), run as a black box
against a started wharf: login, org/repo/robot/perm/team/logs/token flows with
table and --json output, exit codes (0 ok, 1 API error / not found, 2 usage,
3 cannot connect or auth) and the bash completion script."""
import json
import os
import stat
import subprocess

import pytest

from conftest import WHARF_BIN, free_port


@pytest.fixture
def cli(wharf, tmp_path):
    """Runs the wharf binary with a private config dir and WHARF_URL set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WHARF_")}
    env.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               WHARF_URL=wharf.url)

    def run(*args, stdin=None, extra_env=None, check=None):
        e = dict(env, **(extra_env or {}))
        p = subprocess.run([WHARF_BIN, *args], input=stdin, capture_output=True, text=True,
                           env=e, timeout=60)
        if check is not None:
            assert p.returncode == check, (args, p.returncode, p.stdout, p.stderr)
        return p

    run.wharf = wharf
    run.cfg = tmp_path / "cfg"
    return run


def rows(out):
    """A table's lines split on runs of two or more spaces."""
    import re
    return [re.split(r"\s{2,}", line.strip()) for line in out.strip().splitlines()]


def login(cli):
    return cli("login", "--token-stdin", stdin=cli.wharf.admin_token + "\n", check=0)


def test_login_saves_0600_and_logout(cli):
    p = login(cli)
    assert "as admin" in p.stdout
    path = cli.cfg / "wharf" / "credentials"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    saved = json.loads(path.read_text())
    assert saved == {"url": cli.wharf.url, "token": cli.wharf.admin_token}
    # later commands need neither --token nor WHARF_TOKEN
    cli("org", "list", check=0)
    p = cli("logout", check=0)
    assert "Removed" in p.stdout and not path.exists()
    p = cli("org", "list", check=3)
    assert "wharf login" in p.stderr


def test_login_refuses_bad_token_and_saves_nothing(cli):
    p = cli("login", "--token-stdin", stdin="X" * 64 + "\n", check=3)
    assert "401" in p.stderr and "wharf login" in p.stderr
    assert not (cli.cfg / "wharf" / "credentials").exists()


def test_saved_token_not_sent_to_another_url(cli):
    login(cli)
    other = f"http://127.0.0.1:{free_port()}"
    p = cli("repo", "list", "acme", extra_env={"WHARF_URL": other}, check=3)
    assert "no API token for " + other in p.stderr


def test_org_repo_robot_perm_team_flow(cli):
    login(cli)
    cli("org", "create", "acme", check=0)
    p = cli("org", "list", check=0)
    assert ["acme", "yes"] in rows(p.stdout)
    assert [o["name"] for o in json.loads(cli("org", "list", "--json", check=0).stdout)] == ["acme"]

    p = cli("repo", "create", "acme/app", "--description", "the app", check=0)
    assert "private repository acme/app" in p.stdout
    cli("repo", "create", "acme/web", "--public", check=0)
    t = rows(cli("repo", "list", "acme", check=0).stdout)
    assert t[0] == ["REPOSITORY", "VISIBILITY", "DESCRIPTION"]
    assert ["acme/app", "private", "the app"] in t and ["acme/web", "public", "-"] in t
    js = json.loads(cli("repo", "list", "acme", "--json", check=0).stdout)
    assert sorted(r["name"] for r in js) == ["app", "web"]

    p = cli("robot", "create", "acme+ci", "--description", "CI pusher", check=0)
    token = [line.split()[-1] for line in p.stdout.splitlines() if "token:" in line][0]
    assert len(token) == 64
    r = json.loads(cli("robot", "create", "acme+reader", "--expires", "30d", "--json",
                       check=0).stdout)
    assert r["name"] == "acme+reader" and r["expires_at"]
    t = rows(cli("robot", "list", "acme", check=0).stdout)
    assert t[0][0] == "NAME" and {"acme+ci", "acme+reader"} <= {row[0] for row in t[1:]}
    assert all(len(row[0]) < 64 for row in t)  # no tokens in the list

    cli("team", "create", "acme", "devs", "--description", "developers", check=0)
    cli("team", "add", "acme", "devs", "acme+reader", check=0)
    t = rows(cli("team", "list", "acme", check=0).stdout)
    assert ["devs", "member", "1", "0", "developers"] in t
    assert [m["name"] for m in json.loads(cli("team", "members", "acme", "devs", "--json",
                                              check=0).stdout)] == ["acme+reader"]

    cli("perm", "set", "acme/app", "acme+ci", "write", check=0)
    cli("perm", "set", "acme/app", "team:devs", "read", check=0)
    t = rows(cli("perm", "list", "acme/app", check=0).stdout)
    assert ["acme+ci", "robot", "write"] in t and ["devs", "team", "read"] in t
    js = json.loads(cli("perm", "list", "acme/app", "--json", check=0).stdout)
    assert {"name": "acme+ci", "kind": "robot", "role": "write"} in js

    shown = json.loads(cli("robot", "show", "acme+ci", "--json", check=0).stdout)
    assert shown["token"] == token
    assert {"repository": {"name": "app", "is_public": False}, "role": "write"} in \
        shown["permissions"]
    p = cli("robot", "regenerate", "acme+ci", "--grace", "1h", check=0)
    assert "keep working until" in p.stdout and token not in p.stdout

    cli("perm", "rm", "acme/app", "devs", "--team", check=0)
    cli("team", "remove", "acme", "devs", "acme+reader", check=0)
    cli("team", "delete", "acme", "devs", check=0)
    assert "devs" not in cli("team", "list", "acme", check=0).stdout
    cli("robot", "delete", "acme+reader", check=0)
    cli("repo", "delete", "acme/web", check=0)
    assert "acme/web" not in cli("repo", "list", "acme", check=0).stdout

    # the log shows what was done, oldest first, filtered by kind
    p = cli("logs", "acme", "--kind", "create_repo", "--limit", "10", check=0)
    t = rows(p.stdout)
    assert t[0][:2] == ["TIME (UTC)", "KIND"]
    assert [row[1] for row in t[1:]] == ["create_repo", "create_repo"]
    assert "repo=app" in t[1][-1] and "repo=web" in t[2][-1]
    js = json.loads(cli("logs", "acme/app", "--json", check=0).stdout)
    assert js and js[-1]["kind"] in ("change_repo_permission", "delete_repo_permission")


def test_user_robots_and_tokens(cli):
    login(cli)
    cli("robot", "create", "admin+mine", check=0)
    assert "admin+mine" in cli("robot", "list", "admin", check=0).stdout
    cli("org", "create", "tok", check=0)
    made = json.loads(cli("token", "create", "tok", "--scope", "repo:read", "--name", "ci",
                          "--json", check=0).stdout)
    assert made["token"]
    t = rows(cli("token", "list", "tok", check=0).stdout)
    assert [made["uuid"], "ci", "wharf-cli", "repo:read"] == t[1][:4]
    p = cli("token", "revoke", "tok", made["uuid"], check=0)
    assert "Revoked" in p.stdout
    assert cli("token", "list", "tok", "--json", check=0).stdout.strip() == "[]"
    # the offline form still works
    p = cli("token", "create", "--user", "admin", "--db", cli.wharf.db, "--json", check=0,
            extra_env=cli.wharf.store_env())
    assert json.loads(p.stdout)["username"] == "admin"


def test_exit_codes_and_messages(cli):
    login(cli)
    p = cli("repo", "delete", "nobody/nothing", check=1)
    assert "not found" in p.stderr and "nobody/nothing" in p.stderr
    p = cli("org", "show", "nope", check=1)
    p = cli("robot", "show", "admin+nope", check=1)
    p = cli("repo", "list", "acme", extra_env={"WHARF_TOKEN": "Y" * 64}, check=3)
    assert "401" in p.stderr and "wharf login" in p.stderr
    p = cli("repo", "list", "acme", "--url", f"http://127.0.0.1:{free_port()}",
            "--token", "x", check=3)
    assert "cannot reach" in p.stderr
    p = cli("repo", "list", check=2)
    assert "--help" in p.stderr
    cli("perm", "set", "acme/app", "x", "owner", check=2)
    cli("org", "frobnicate", check=2)
    cli("repo", "list", "acme", "--bogus", check=2)
    p = cli("team", "add", "--help", check=0)
    assert "usage: wharf team add ORG TEAM MEMBER" in p.stdout and "exit status" in p.stdout


def test_completion_script(cli, tmp_path):
    p = cli("completion", "bash", check=0)
    script = tmp_path / "wharf.bash"
    script.write_text(p.stdout)
    subprocess.run(["bash", "-n", str(script)], check=True)
    for word in ("login", "org", "repo", "robot", "perm", "team", "logs", "token",
                 "regenerate", "--follow", "--grace", "complete -o default -F _wharf wharf"):
        assert word in p.stdout
    # it really completes: subcommands of `wharf team`, options of `wharf logs`
    probe = (f"source {script}; COMP_WORDS=(wharf team a); COMP_CWORD=2; _wharf; "
             "echo ${COMPREPLY[@]}; COMP_WORDS=(wharf logs acme --fo); COMP_CWORD=3; _wharf; "
             "echo ${COMPREPLY[@]}")
    out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["add", "--follow"]


def test_logs_follow_prints_new_entries_once(cli):
    login(cli)
    cli("org", "create", "fol", check=0)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WHARF_")}
    env.update(HOME=str(cli.cfg.parent / "home"), XDG_CONFIG_HOME=str(cli.cfg),
               WHARF_URL=cli.wharf.url)
    proc = subprocess.Popen([WHARF_BIN, "logs", "fol", "--follow", "--json", "--interval", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        first = json.loads(proc.stdout.readline())
        assert first["kind"] == "org_create"
        cli("repo", "create", "fol/one", check=0)
        cli("repo", "create", "fol/two", check=0)
        got = [json.loads(proc.stdout.readline()) for _ in range(2)]
        assert [(e["kind"], e["metadata"]["repo"]) for e in got] == \
            [("create_repo", "one"), ("create_repo", "two")]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    rest = proc.stdout.read()
    assert "org_create" not in rest and "create_repo" not in rest  # nothing shown twice
