#!/usr/bin/env bash
# `make run`: start wharf on the embedded default (SQLite + filesystem under ./data).
set -euo pipefail
BIN=${1:-build/wharf}
LISTEN=${WHARF_LISTEN:-127.0.0.1:5000}
mkdir -p data
cat <<TXT

  wharf is starting on http://$LISTEN  (data in ./data, Ctrl-C to stop)

  Push an image with skopeo or podman (plain HTTP on loopback):
    skopeo copy --dest-tls-verify=false docker-archive:image.tar docker://$LISTEN/acme/app:1.0
    podman push --tls-verify=false localhost/app:1.0 $LISTEN/acme/app:1.0
  Pull it back:
    podman pull --tls-verify=false $LISTEN/acme/app:1.0
    skopeo inspect --tls-verify=false docker://$LISTEN/acme/app:1.0

TXT
exec "$BIN" serve --listen "$LISTEN" "${@:2}"
