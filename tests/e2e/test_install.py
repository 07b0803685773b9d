"""Packaging: `cmake --install` (what `make install PREFIX=…` runs) puts the binary, the systemd
unit, the sample config and the bash completion under the prefix; the unit points at them and
passes `systemd-analyze verify`; the sample config documents every option of the config table and
is a config wharf starts with."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, WHARF_BIN, Wharf

BUILD = os.path.dirname(os.path.abspath(WHARF_BIN))


def run(*argv, env=None):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, f"{' '.join(argv)}:\n{r.stdout}\n{r.stderr}"
    return r.stdout


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    if not shutil.which("cmake") or not os.path.exists(os.path.join(BUILD, "cmake_install.cmake")):
        pytest.skip(f"{BUILD} is not a CMake build directory with install rules")
    p = tmp_path_factory.mktemp("prefix")
    run("cmake", "--install", BUILD, "--prefix", str(p))
    return p


def test_install_lays_out_files(prefix):
    for rel in ("bin/wharf", "lib/systemd/system/wharf.service", "etc/wharf/wharf.yaml",
                "share/doc/wharf/wharf.yaml.sample", "share/doc/wharf/tls.md",
                "share/bash-completion/completions/wharf"):
        assert (prefix / rel).is_file(), rel
    assert os.access(prefix / "bin/wharf", os.X_OK)
    assert run(str(prefix / "bin/wharf"), "version").startswith("wharf ")
    unit = (prefix / "lib/systemd/system/wharf.service").read_text()
    assert f"ExecStart={prefix}/bin/wharf serve --config {prefix}/etc/wharf/wharf.yaml" in unit
    for hardening in ("DynamicUser=yes", "StateDirectory=wharf", "ProtectSystem=strict",
                      "NoNewPrivileges=yes", "ExecReload=/bin/kill -HUP $MAINPID"):
        assert hardening in unit, hardening
    assert "/usr/bin/wharf" not in unit


def test_reinstall_keeps_an_edited_config(prefix):
    conf = prefix / "etc/wharf/wharf.yaml"
    conf.write_text("listen: \"127.0.0.1:5555\"\n")
    run("cmake", "--install", BUILD, "--prefix", str(prefix))
    assert conf.read_text() == "listen: \"127.0.0.1:5555\"\n"
    conf.write_text((prefix / "share/doc/wharf/wharf.yaml.sample").read_text())


def test_unit_verifies(prefix):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    r = subprocess.run(["systemd-analyze", "verify", "--man=no",
                        str(prefix / "lib/systemd/system/wharf.service")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "wharf.service" not in r.stderr, r.stderr


def test_sample_config_matches_the_config_table(prefix):
    sample = run(WHARF_BIN, "serve", "--sample-config")
    assert (prefix / "share/doc/wharf/wharf.yaml.sample").read_text() == sample
    # every option of `wharf serve --help` (the same table) is in the sample, set or commented
    help_text = run(WHARF_BIN, "serve", "--help")
    flags = re.findall(r"^\s+--(?:\[no-\])?([a-z0-9-]+)", help_text, re.M)
    assert "tls-cert" in flags and "listen" in flags
    for flag in flags:
        if flag in ("config", "help"):
            continue
        key = flag.replace("-", "_")
        assert re.search(rf"^#?{key}:", sample, re.M), f"{key} missing from the sample config"


def test_installed_sample_config_starts_wharf(prefix, tmp_path):
    conf = str(prefix / "etc/wharf/wharf.yaml")
    w = Wharf(tmp_path / "w", ["--config", conf])
    try:
        w.start()
        assert w.get("/v2/").status_code == 200
    finally:
        w.stop()


def test_makefile_has_install_and_config_sample():
    r = subprocess.run(["make", "-n", "-C", ROOT, "install", "config-sample", "PREFIX=/opt/x",
                        "BUILD=" + BUILD], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert f"cmake --install {BUILD} --prefix /opt/x" in r.stdout
    assert "serve --sample-config" in r.stdout
