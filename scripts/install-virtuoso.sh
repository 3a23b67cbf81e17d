#!/usr/bin/env bash
# Installs Virtuoso 7 (Debian's virtuoso-opensource) for the remote-store tests, when it is
# missing and we may (root with apt-get). Safe to run again. The tests start their own
# server on free loopback ports; the package's system service is not started or needed.
set -euo pipefail
if command -v virtuoso-t >/dev/null 2>&1 && command -v isql-vt >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "virtuoso-opensource is not installed and we are not root: the Virtuoso store tests will be skipped (they fail under CI=true)" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "virtuoso-opensource is not installed and there is no apt-get: the Virtuoso store tests will be skipped (they fail under CI=true)" >&2
  exit 0
fi
echo "installing virtuoso-opensource for the remote-store tests" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends virtuoso-opensource >/dev/null; }; then
  echo "virtuoso-opensource could not be installed: the Virtuoso store tests will be skipped (they fail under CI=true)" >&2
fi
