#!/usr/bin/env bash
# The routing bench family compiled to wasm32 and run in Node, next to the
# same code run natively: scripts/routing-wasm-bench.sh [native|wasm|both]
# (default both). ROUTING_GRID=full and ROUTING_ONLY=text as in
# `cargo bench -p warren-core --bench routing`. Both builds use the bench
# profile (opt-level 3); the wasm one sets getrandom's "unsupported"
# backend, which proptest (a dev-dependency examples are built with) needs
# to compile for wasm32-unknown-unknown and never calls here.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
which=${1:-both}
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
if [[ $which != native ]]; then
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS='--cfg getrandom_backend="unsupported"' \
    cargo build -q -p warren-core --profile bench --example routing_wasm --target wasm32-unknown-unknown
fi
if [[ $which != wasm ]]; then
  cargo build -q -p warren-core --profile bench --example routing_wasm
  echo "native ($(rustc --version | cut -d' ' -f2)):"
  "$target_dir/release/examples/routing_wasm"
fi
if [[ $which != native ]]; then
  echo "wasm32 in Node $(node --version):"
  node scripts/routing-wasm-bench.mjs "$target_dir/wasm32-unknown-unknown/release/examples/routing_wasm.wasm"
fi
