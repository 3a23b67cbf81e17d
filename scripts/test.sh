#!/usr/bin/env bash
# Sets up (with test tools) and runs the whole test suite. Browser tests need Debian's
# chromium: installed here when missing and when we may (root with apt-get).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium for the browser tests" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "chromium could not be installed: browser tests will fail" >&2
fi
bash scripts/install-virtuoso.sh  # the remote-store contract tests run against Virtuoso too
exec .venv/bin/python -m pytest -q "$@"
