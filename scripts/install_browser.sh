#!/usr/bin/env bash
# Installs Debian's Chromium for the real-browser test (tests/test_browser.py).
# Idempotent: does nothing when /usr/bin/chromium already exists.
# The `playwright` Python package drives this system browser through
# `executable_path`; we never run `playwright install` (no browser downloads).
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "[browser] /usr/bin/chromium present: $(/usr/bin/chromium --version 2>/dev/null || echo '?')"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "[browser] apt-get not available: cannot install chromium (browser tests will skip)"
  exit 1
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "[browser] not root and no sudo: cannot install chromium (browser tests will skip)"
    exit 1
  fi
fi

echo "[browser] apt-get install chromium"
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
  chromium fonts-liberation >/dev/null
echo "[browser] installed: $(/usr/bin/chromium --version 2>/dev/null || echo '?')"
