#!/usr/bin/env bash
# `make run`: start wharf on the embedded default (SQLite + filesystem under ./data).
# On an empty data directory it first creates the superuser 'admin' and prints
# its password and API token once.
set -euo pipefail
BIN=${1:-build/wharf}
LISTEN=${WHARF_LISTEN:-127.0.0.1:5000}
DB=${WHARF_DB:-sqlite://./data/wharf.db}
mkdir -p data
if [ ! -e data/wharf.db ] && [ "$DB" = "sqlite://./data/wharf.db" ]; then
  echo
  "$BIN" admin bootstrap --db "$DB" --username admin
fi
cat <<TXT

  wharf is starting on http://$LISTEN  (data in ./data, Ctrl-C to stop)

  Log in and push (plain HTTP on loopback, so clients need their insecure switch):
    podman login --tls-verify=false -u admin $LISTEN        # password printed at first start
    podman push --tls-verify=false localhost/app:1.0 $LISTEN/admin/app:1.0
    skopeo copy --dest-tls-verify=false --dest-creds admin:PASSWORD oci:./image:latest docker://$LISTEN/admin/app:1.0
  Create an organization and a robot for a pipeline (API token printed at first start):
    curl -s -X POST -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
         -d '{"name":"acme"}' http://$LISTEN/api/v1/organization/
    curl -s -X PUT -H "Authorization: Bearer \$TOKEN" http://$LISTEN/api/v1/organization/acme/robots/cicd_pusher

TXT
exec "$BIN" serve --listen "$LISTEN" --db "$DB" "${@:2}"
