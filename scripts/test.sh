#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine, then runs it.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  "$PYTHON" -m venv .venv
fi
echo "== installing codestral-ls with its test extras"
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

# Real parts the tests drive: the Portkey gateway (npm), Neovim, VS Code (code-server).
for setup in .ci/setup-gateway.sh .ci/setup-nvim.sh .ci/setup-vscode.sh; do
  if [ -f "$setup" ]; then
    echo "== $setup"
    bash "$setup"
  fi
done

echo "== ruff"
.venv/bin/ruff check codestral_ls tests
echo "== pytest"
export PATH="$PWD/.venv/bin:$PATH"
exec .venv/bin/python -m pytest "$@"
