"""docs/api.md's route table is generated from the route table in the binary."""
import os
import re
import subprocess

from conftest import ROOT, WHARF_BIN


def test_api_doc_matches_route_table():
    out = subprocess.run([WHARF_BIN, "routes"], capture_output=True, text=True, check=True).stdout
    with open(os.path.join(ROOT, "docs", "api.md")) as f:
        doc = f.read()
    m = re.search(r"<!-- routes:begin -->\n(.*?)<!-- routes:end -->", doc, re.S)
    assert m, "docs/api.md lost its routes markers"
    assert m.group(1) == out, "docs/api.md is stale: regenerate the table with `wharf routes`"


def test_every_route_has_a_permission_and_operation():
    out = subprocess.run([WHARF_BIN, "routes"], capture_output=True, text=True, check=True).stdout
    rows = [l for l in out.splitlines()[2:] if l.startswith("|")]
    assert len(rows) >= 16
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        method, path, perm, op, api = cells
        assert method in ("GET", "HEAD", "PUT", "POST", "PATCH", "DELETE"), row
        assert perm in ("none", "pull", "push", "delete", "catalog"), row
        assert op, row
        # only the base endpoint is open to anyone
        if perm == "none":
            assert path == "`/v2/`", row
