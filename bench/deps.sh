#!/usr/bin/env bash
# Install the Debian packages the benchmark needs (not part of `make test`).
# Idempotent: checks with dpkg first and only calls apt-get when something is missing.
set -euo pipefail

PKGS=(
  docker-registry   # CNCF Distribution 2.8, the registry wharf is compared with
  apache2-utils     # htpasswd -B for Distribution's basic auth
  wrk               # HTTP load generator for the manifest GET runs
  skopeo            # image copy in and out
  openssl           # `openssl speed -evp sha256` baseline
  python3
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "bench deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "bench deps: missing packages (${missing[*]}); run as root or install them with apt-get" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# The bench runs the docker-registry binary with its own config on a free loopback port, so
# the package's own service (port 5000), where an init system starts it, is not in the way.
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
