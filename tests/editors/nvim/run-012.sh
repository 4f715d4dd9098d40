#!/usr/bin/env bash
# Neovim 0.12 (Debian sid, in the chroot made by `bash .ci/setup-nvim.sh --sid`) against the
# real server: native vim.lsp.inline_completion + the plugin's mappings, through real insert mode.
#
#   bash tests/editors/nvim/run-012.sh [RESULT_JSON] [SCENARIO.lua] [EXTRA_CFG_JSON_FIELDS]
#
# SCENARIO defaults to native.lua; EXTRA_CFG_JSON_FIELDS (e.g. '"no_setup": true') are added to
# the scenario's cfg.json. CODESTRAL_FAKE_TEXT replaces the fake's answer (default " a + b").
#
# The server and the fake Mistral API run outside the chroot; Neovim inside it connects to the
# server over TCP (codestral-ls --tcp, vim.lsp.rpc.connect). Exit 0 when the scenario passed,
# 77 when the chroot is missing, 1 otherwise. Needs root (chroot).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
SID="${CODESTRAL_SID_ROOT:-$ROOT/.cache/nvim-sid}"
RESULT="${1:-}"
SCENARIO="${2:-native.lua}"
EXTRA="${3:-}"
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then PY="$ROOT/.venv/bin/python"; else PY="$(command -v python3)"; fi
fi
SERVER="$(dirname "$PY")/codestral-ls"
# The server of this checkout, even when the installed one is an editable install of another.
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
[ -x "$SERVER" ] || SERVER="$(command -v codestral-ls || true)"

if [ ! -x "$SID/usr/bin/nvim" ]; then
  echo "run-012: no Neovim 0.12 chroot at $SID — run bash .ci/setup-nvim.sh --sid"
  exit 77
fi
if [ -z "$SERVER" ]; then
  echo "run-012: codestral-ls is not installed" >&2
  exit 1
fi

# Work folder inside the chroot, so both sides see the same files.
WORK_REL="tmp/codestral-012.$$"
WORK="$SID/$WORK_REL"
rm -rf "$WORK"
mkdir -p "$WORK/home"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# 1. The fake Mistral API (prints its base URL first).
"$PY" -u -m tests.fakes.mistral --port 0 --api-key test-key --text "${CODESTRAL_FAKE_TEXT:- a + b}" >"$WORK/fake.out" 2>"$WORK/fake.err" &
pids+=($!)
for _ in $(seq 100); do
  [ -s "$WORK/fake.out" ] && break
  sleep 0.05
done
BASE_URL="$(head -1 "$WORK/fake.out")"
[ -n "$BASE_URL" ] || { echo "run-012: the fake did not start" >&2; cat "$WORK/fake.err" >&2; exit 1; }

# 2. The server on a free TCP port.
PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
printf '{"route": "direct", "baseUrl": "%s", "completion": {"debounceMs": 10}}\n' "$BASE_URL" >"$WORK/settings.json"
CODESTRAL_API_KEY=test-key "$SERVER" --tcp --host 127.0.0.1 --port "$PORT" \
  --settings "$WORK/settings.json" --log-file "$WORK/server.log" --log-level debug \
  >"$WORK/server.out" 2>&1 &
pids+=($!)
# Wait until it listens, without connecting (it serves a single TCP client).
"$PY" - "$PORT" <<'PYEOF'
import sys, time
port = "%04X" % int(sys.argv[1])
deadline = time.monotonic() + 15
while time.monotonic() < deadline:
    with open("/proc/net/tcp") as f:
        rows = [line.split() for line in f.readlines()[1:]]
    if any(r[1].endswith(":" + port) and r[3] == "0A" for r in rows):
        sys.exit(0)
    time.sleep(0.05)
sys.exit("run-012: the server did not listen on port %s" % sys.argv[1])
PYEOF

# 3. The plugin, the drivers and a file inside the chroot.
cp -r "$ROOT/editors/nvim" "$WORK/plugin"
mkdir -p "$WORK/drivers"
cp "$ROOT"/tests/editors/nvim/*.lua "$WORK/drivers/"
printf 'def add(a, b):\n\n' >"$WORK/main.py"
cat >"$WORK/cfg.json" <<JSON
{"plugin_dir": "/$WORK_REL/plugin", "result_path": "/$WORK_REL/result.json", "timeout_ms": 45000,
 "files": {"py": "/$WORK_REL/main.py"},
 "tcp": {"host": "127.0.0.1", "port": $PORT},
 ${EXTRA:+$EXTRA,}
 "setup": {"settings": {"route": "direct", "baseUrl": "$BASE_URL", "completion": {"debounceMs": 10}}}}
JSON

# 4. Neovim 0.12 in the chroot.
start=$(date +%s.%N)
set +e
timeout 60 chroot "$SID" /usr/bin/env -i HOME="/$WORK_REL/home" TERM=dumb LANG=C.UTF-8 \
  PATH=/usr/bin:/bin CODESTRAL_NVIM_TEST="/$WORK_REL/cfg.json" TMPDIR="/$WORK_REL" \
  /usr/bin/nvim --headless -u "/$WORK_REL/drivers/minimal_init.lua" -i NONE -n \
  -c "luafile /$WORK_REL/drivers/$SCENARIO" </dev/null >"$WORK/nvim.out" 2>&1
rc=$?
set -e
end=$(date +%s.%N)
echo "run-012: nvim exit $rc in $(echo "$end - $start" | bc 2>/dev/null || echo '?') s"

if [ ! -f "$WORK/result.json" ]; then
  echo "run-012: no result; nvim output:" >&2
  cat "$WORK/nvim.out" >&2
  tail -50 "$WORK/server.log" >&2 || true
  exit 1
fi
[ -n "$RESULT" ] && cp "$WORK/result.json" "$RESULT"
cat "$WORK/result.json"; echo
if "$PY" -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1])).get("ok") else 1)' "$WORK/result.json"; then
  echo "run-012: ok"
else
  echo "run-012: FAILED" >&2
  tail -50 "$WORK/server.log" >&2 || true
  exit 1
fi
