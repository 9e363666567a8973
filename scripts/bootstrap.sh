#!/usr/bin/env bash
# Create .venv and install every package of the project (editable) plus test tools.
# Idempotent and quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# Page tests drive Debian's Chromium with Playwright (Playwright's own browser download
# cannot work here). Installed once, from Debian's packages.
if [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing Debian's chromium for the page tests ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "warning: /usr/bin/chromium is missing and cannot be installed here: page tests will fail" >&2
  fi
fi
stamp=.venv/.motcua-installed
inputs=$(cat requirements-dev.txt */pyproject.toml */*/pyproject.toml 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$inputs" ]; then
  exit 0
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet \
  -e contracts -e libs/runtime \
  -e services/intake -e services/notify -e services/survey -e services/reporting -e services/identity -e services/hooks \
  -e deploy/devstack \
  -r requirements-dev.txt
echo "$inputs" > "$stamp"
