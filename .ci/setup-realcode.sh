#!/usr/bin/env bash
# Installs the real source code the suggestion-quality harness (tests/quality/realcode/) cuts
# its cases from, for the languages this machine does not already ship sources for.
# Idempotent; fast when already done. Debian 12 packages only (run as root):
#
#   golang-1.19-src   Go's standard library sources  -> /usr/share/go-1.19/src
#   rust-src          Rust's standard library sources -> /usr/src/rustc-*/library
#   googletest        GoogleTest and GoogleMock (C++)  -> /usr/src/googletest
#
# Already on the machine or installed by other setup scripts: the Python standard library,
# C headers (/usr/include), JavaScript/TypeScript (npm packages under .cache/code-server,
# tests/gateway and editors/vscode node_modules), Lua (Neovim's runtime under .cache/), Java
# (the JDK's lib/src.zip). A language whose sources are missing is skipped by the harness with
# a message saying so, never counted as a pass.
set -euo pipefail

want=()
[ -d /usr/share/go-1.19/src ] || want+=(golang-1.19-src)
compgen -G "/usr/src/rustc-*/library" > /dev/null || want+=(rust-src)
[ -d /usr/src/googletest ] || want+=(googletest)
if [ ${#want[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${want[@]}"
fi
echo "setup-realcode: Go, Rust and C++ (GoogleTest) sources present"
