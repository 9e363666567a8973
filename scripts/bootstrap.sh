#!/usr/bin/env bash
# Create .venv and install every package of the project (editable) plus test tools.
# Idempotent and quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.motcua-installed
inputs=$(cat requirements-dev.txt */pyproject.toml */*/pyproject.toml 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$inputs" ]; then
  exit 0
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet \
  -e contracts -e libs/runtime \
  -e services/intake -e services/notify -e services/survey -e services/reporting \
  -e deploy/devstack \
  -r requirements-dev.txt
echo "$inputs" > "$stamp"
