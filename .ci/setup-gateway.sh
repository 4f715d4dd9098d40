#!/usr/bin/env bash
# Install the open-source Portkey gateway used by tests/gateway (idempotent).
#
# Runs `npm ci` in tests/gateway when node_modules is missing or was installed from a different
# package-lock.json (a checksum of the lock is stored in node_modules after a successful install).
# Install scripts are not run: the package's only one is a `patch-package` postinstall with no
# patches shipped, and skipping it keeps the install the same under every npm version.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/tests/gateway"
stamp="$dir/node_modules/.codestral-ls-lock.sha256"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup-gateway: node and npm are required (e.g. apt-get install -y nodejs npm)" >&2
  exit 1
fi

want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [[ "$want" == "$have" && -f "$dir/node_modules/@portkey-ai/gateway/build/start-server.js" ]]; then
  echo "setup-gateway: node_modules up to date"
  exit 0
fi

echo "setup-gateway: npm ci in tests/gateway"
(cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts)
cd "$dir" && node -e '
  const fs = require("fs");
  const v = (p) => JSON.parse(fs.readFileSync("node_modules/" + p + "/package.json", "utf8")).version;
  const gw = v("@portkey-ai/gateway"), hono = v("@hono/node-server");
  console.log(`setup-gateway: @portkey-ai/gateway ${gw}, @hono/node-server ${hono}`);
  if (gw !== "1.15.2" || hono !== "1.13.5") {
    console.error("setup-gateway: unexpected versions installed");
    process.exit(1);
  }
'
echo "$want" > "$stamp"
