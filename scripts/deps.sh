#!/usr/bin/env bash
# Install the Debian packages wharf needs to build, run and test.
# Idempotent: checks with dpkg first and only calls apt-get when something is missing.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config
  libmicrohttpd-dev libsqlite3-dev libssl-dev libjansson-dev libyaml-dev
  libcurl4-openssl-dev libargon2-dev libpq-dev libcmocka-dev
  python3 python3-pytest python3-requests
  skopeo podman uidmap fuse-overlayfs conmon crun containernetworking-plugins
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

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
