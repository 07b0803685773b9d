#!/usr/bin/env bash
# Regenerates the route table in docs/api.md from the binary's route table.
set -euo pipefail
BIN=${1:-build/wharf}
cd "$(dirname "$0")/.."
python3 - "$BIN" <<'PY'
import re, subprocess, sys
table = subprocess.run([sys.argv[1], "routes"], capture_output=True, text=True, check=True).stdout
doc = open("docs/api.md").read()
doc = re.sub(r"(<!-- routes:begin -->\n).*?(<!-- routes:end -->)",
             lambda m: m.group(1) + table + m.group(2), doc, flags=re.S)
open("docs/api.md", "w").write(doc)
PY
