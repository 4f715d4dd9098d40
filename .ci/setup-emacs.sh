#!/usr/bin/env bash
# Installs what tests/editors/test_emacs.py drives: Emacs and Eglot from Debian. Idempotent;
# fast when already done.
#
#   bash .ci/setup-emacs.sh
#
# Results:
#   /usr/bin/emacs                                  GNU Emacs 28.2 (Debian 12 emacs-nox)
#   /usr/share/emacs/site-lisp/elpa/eglot-1.9/      Eglot 1.9 (Debian 12 elpa-eglot)
# Must run as root on Debian 12 (apt). Emacs 29+ from elsewhere also works (Eglot is built in).
set -euo pipefail

have_emacs() {
  command -v emacs >/dev/null 2>&1 \
    && emacs --version 2>/dev/null | head -1 | grep -Eq '^GNU Emacs (2[89]|[3-9][0-9])\.'
}
have_eglot() {
  ls -d /usr/share/emacs/site-lisp/elpa/eglot-* >/dev/null 2>&1 \
    || emacs --version 2>/dev/null | head -1 | grep -Eq '^GNU Emacs (29|[3-9][0-9])\.'
}

if ! have_emacs || ! have_eglot; then
  echo "setup-emacs: installing Debian's emacs-nox and elpa-eglot"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends emacs-nox elpa-eglot >/dev/null
fi
echo "setup-emacs: $(emacs --version | head -1) at $(command -v emacs)"
eglot_dir="$(ls -d /usr/share/emacs/site-lisp/elpa/eglot-* 2>/dev/null | tail -1 || true)"
if [ -n "$eglot_dir" ]; then
  echo "setup-emacs: Eglot ${eglot_dir##*/eglot-} at $eglot_dir"
else
  echo "setup-emacs: Eglot built into Emacs"
fi
