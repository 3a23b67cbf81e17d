#!/usr/bin/env bash
# Creates .venv and installs mdgraph into it (with test tools when given "test"); installs the
# npm front-end packages of package.json when npm is available. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "$extra" = "test" ]; then
  .venv/bin/python -m pip install --quiet -e '.[test]'
else
  .venv/bin/python -m pip install --quiet -e .
fi
if [ -f package.json ] && command -v npm >/dev/null 2>&1; then
  npm install --silent --no-audit --no-fund >/dev/null 2>&1 || echo "npm install failed: the query UI falls back to a plain form" >&2
fi
