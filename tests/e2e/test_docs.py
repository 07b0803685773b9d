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
    assert m.group(1) == out, "docs/api.md is stale: regenerate it with scripts/gen-api-doc.sh"


OPEN_ROUTES = {
    "`/v2/`",                                  # answers 401 + challenge when anonymous
    "`/v2/auth`",                              # issues downscoped tokens, anonymous included
    "`/api/v1/organization/{orgname}`",        # Quay: public org view
    "`/api/v1/discovery`",
    "`/api/v1/error/{type}`",
    "`/csrf_token`",
    "`/api/v1/signin`",
    "`/api/v1/user/initialize`",
    # health (Quay: open to anyone) and /metrics (the handler admits only
    # loopback peers and superusers, server/metrics.c)
    "`/health/instance`", "`/health`", "`/health/endtoend`", "`/status`", "`/_internal_ping`",
    "`/metrics`",
    # keyless robot federation: the handler checks Basic "ns+short:<OIDC JWT>" itself
    "`/oauth2/federation/robot/token`",
    # the web UI's embedded static files (server/ui.c); it then signs in to /api/v1
    "`/`", "`/ui/{asset}`",
}


def test_every_route_has_a_permission_and_operation():
    out = subprocess.run([WHARF_BIN, "routes"], capture_output=True, text=True, check=True).stdout
    rows = [l for l in out.splitlines()[2:] if l.startswith("|")]
    assert len(rows) >= 16
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        method, path, perm, op, api = cells
        assert method in ("GET", "HEAD", "PUT", "POST", "PATCH", "DELETE"), row
        assert perm in ("none", "pull", "push", "delete", "catalog", "authenticated", "user",
                        "org-member", "org-admin", "repo-read", "repo-write", "repo-admin",
                        "superuser"), row
        assert op, row
        # only these are open to anyone (each handler then decides what an
        # anonymous caller sees)
        if perm == "none":
            assert path in OPEN_ROUTES, row
