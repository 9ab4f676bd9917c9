#!/usr/bin/env bash
# Sets everything up (idempotent) and runs the demo: generate a miniature
# Tiny-ImageNet-C, load it, enrich it and customise it. Extra arguments go to
# the demo (`--help` lists them; `--launch` opens the App at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m datadiver_fo.demo "$@"
