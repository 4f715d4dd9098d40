#!/usr/bin/env bash
# Builds the wheel and the sdist into dist/ and checks them with `twine check --strict`.
# build and twine go into a throwaway virtual environment: they are not dependencies of the
# project. tests/packaging/test_package.py does the same and installs the wheel with pipx and uv.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="$(mktemp -d)"
trap 'rm -rf "$TOOLS"' EXIT
"${PYTHON:-python3}" -m venv "$TOOLS/venv"
"$TOOLS/venv/bin/pip" install --quiet "build>=1.2" "twine>=6.1"
"$TOOLS/venv/bin/python" -m build --outdir dist .
"$TOOLS/venv/bin/twine" check --strict dist/*
