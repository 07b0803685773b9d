#!/usr/bin/env bash
# Install the Debian packages wharf needs to build, run and test.
# Idempotent: checks with dpkg first and only calls apt-get when something is missing.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config
  clang libclang-rt-dev
  libmicrohttpd-dev libsqlite3-dev libssl-dev libjansson-dev libyaml-dev
  libcurl4-openssl-dev libargon2-dev libpq-dev libcmocka-dev
  python3 python3-pytest python3-requests python3-yaml python3-cryptography
  postgresql
  skopeo podman uidmap fuse-overlayfs conmon crun containernetworking-plugins
  libgnutls28-dev openssl           # native TLS (src/server/tls.c); the test certificates
  buildah containerd ansible        # real clients in tests/e2e (test_buildah_ctr.py, test_ansible.py)
  chromium                          # the web UI's browser test (tests/e2e/test_ui.py, playwright-core)
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node runs s3rver, the S3 server of tests/e2e/test_s3.py. A node from another
# source (e.g. a nodejs package that bundles npm) is kept as it is.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "deps: missing packages (${missing[*]}); run as root or install them with apt-get" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Test-only npm packages pinned in package.json / package-lock.json.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$ROOT/node_modules/s3rver" ] || [ ! -d "$ROOT/node_modules/playwright-core" ]; then
  echo "deps: npm install (s3rver for the S3 tests, playwright-core for the UI test)" >&2
  (cd "$ROOT" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
