#!/usr/bin/env bash
# Sets up, builds the graph from corpus/ and serves it on the embedded store.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/mdgraph build
exec .venv/bin/mdgraph serve --host "${MDGRAPH_HOST:-127.0.0.1}" --port "${MDGRAPH_PORT:-8000}"
