#!/usr/bin/env bash
# Set up, then serve the playground (release build) on http://127.0.0.1:8080.
# trunk rebuilds when core/, web/ or index.html change; reload the page by
# hand. Extra arguments go to `trunk serve` (e.g. --port 8081).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
tools="${XDG_CACHE_HOME:-$HOME/.cache}/warren"
export PATH="$root/node_modules/.bin:$tools/bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true

scripts/setup.sh
echo "serve: building, then listening on http://127.0.0.1:8080/ (Ctrl-C stops)"
exec trunk serve --release --no-autoreload "$@"
