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
echo "== .ci/setup-gateway.sh"; bash .ci/setup-gateway.sh
echo "== .ci/setup-nvim.sh --sid"; bash .ci/setup-nvim.sh --sid  # 0.7, 0.11 and 0.12 (chroot)
echo "== .ci/setup-emacs.sh"; bash .ci/setup-emacs.sh
for setup in .ci/setup-vscode.sh .ci/setup-realcode.sh; do
  if [ -f "$setup" ]; then
    echo "== $setup"
    bash "$setup"
  fi
done

echo "== ruff"
.venv/bin/ruff check codestral_ls tests
echo "== mypy (strict)"
.venv/bin/mypy
echo "== pytest"
export PATH="$PWD/.venv/bin:$PATH"
exec .venv/bin/python -m pytest "$@"
