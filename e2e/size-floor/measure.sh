#!/usr/bin/env bash
# What each layer of the playground costs in the gzipped wasm: builds every
# variant of src/main.rs, and the playground itself, through the pipeline
# trunk uses for a release (cargo, wasm-bindgen, wasm-opt with index.html's
# flags), and prints the gzip -9 size of each. Analysis only; not part of CI.
#
#   bash e2e/size-floor/measure.sh            # from the repository root
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/e2e/size-floor"
out="$root/target/size-floor"
export PATH="$root/node_modules/.bin:$HOME/.cargo/bin:$PATH"
mkdir -p "$out"
# The playground's pinned versions (this crate is its own workspace).
cp "$root/Cargo.lock" "$here/Cargo.lock"

opt() { # in.wasm out.wasm
  wasm-opt -Oz --low-memory-unused --converge --enable-bulk-memory --enable-bulk-memory-opt \
    --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue --enable-call-indirect-overlong "$1" -o "$2"
}
report() { # name wasm
  printf '%-10s %8d bytes raw %8d bytes gzip -9\n' "$1" "$(stat -c %s "$2")" "$(gzip -9 -c "$2" | wc -c)"
}
build() { # name wasm-in-target-dir cargo-args...
  local name=$1 wasm=$2; shift 2
  CARGO_TARGET_DIR="$out/cargo" cargo build --offline --quiet --release \
    --target wasm32-unknown-unknown "$@"
  rm -rf "$out/$name" && mkdir -p "$out/$name"
  wasm-bindgen --target web --no-typescript --out-dir "$out/$name" \
    "$out/cargo/wasm32-unknown-unknown/release/$wasm.wasm"
  opt "$out/$name/${wasm}_bg.wasm" "$out/$name/opt.wasm"
  report "$name" "$out/$name/opt.wasm"
}

for layer in yew broker scene world reducer; do
  (cd "$here" && build "$layer" size-floor --features "$layer")
done
(cd "$root" && build playground warren-web --locked -p warren-web)
