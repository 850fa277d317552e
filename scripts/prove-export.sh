#!/usr/bin/env bash
# Proves `warren export --format pika` on a real RabbitMQ 3.10 (docs/export.md):
# starts a throwaway broker (scripts/broker.sh, own node, ports and data, so a
# conformance broker can run beside it), exports every built-in scene
# (web/scenes, examples) and a set of generated ones as pika scripts, runs
# them, and compares what the consumers received and what the queues hold with
# `warren run`'s prediction (export/prove/prove.py). The broker is stopped at
# the end whatever happened. Exit 1 on any difference.
#
#   scripts/prove-export.sh [SCENE.json...]     (default: all built-in scenes)
#   PROVE_GENERATED=N   generated scenes (default 12)
#   PROVE_KEEP=DIR      keep every scene's exported code and records in DIR
#   PROVE_WALK="A B"    lessons walked step by step (default: the stream lesson)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
tools="${XDG_CACHE_HOME:-$HOME/.cache}/warren"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
py="$tools/pika-venv/bin/python"

export WARREN_BROKER_DIR=${WARREN_EXPORT_BROKER_DIR:-/tmp/warren-export-broker}
export WARREN_BROKER_NODE=warren-export@localhost
export WARREN_AMQP_PORT=${WARREN_EXPORT_AMQP_PORT:-5674}
export WARREN_MGMT_PORT=${WARREN_EXPORT_MGMT_PORT:-15674}
export WARREN_DIST_PORT=${WARREN_EXPORT_DIST_PORT:-25674}

if ! "$py" -c "import pika" 2>/dev/null; then
  echo "prove-export: pika is not installed in $tools/pika-venv: run scripts/setup.sh" >&2
  exit 1
fi
if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ] && ! scripts/broker.sh install; then
  # The one case that is not a failure: no broker can be had on this machine.
  echo "prove-export: SKIPPED, NOT PROVED: rabbitmq-server is not installed and cannot be" \
    "installed here (apt-get failed); the pika export was not run on a broker" >&2
  exit 0
fi

cargo build -q --locked -p warren-cli
warren="${CARGO_TARGET_DIR:-$root/target}/debug/warren"

trap 'scripts/broker.sh stop || true' EXIT
scripts/broker.sh start

if [ $# -eq 0 ]; then
  set -- web/scenes/*.json examples/*.json
fi
keep=()
[ -n "${PROVE_KEEP:-}" ] && keep=(--keep "$PROVE_KEEP")
status=0
"$py" export/prove/prove.py --warren "$warren" --port "$WARREN_AMQP_PORT" \
  --mgmt-port "$WARREN_MGMT_PORT" --generated "${PROVE_GENERATED:-12}" "${keep[@]}" "$@" || status=1
# Lessons whose point is the order of things, walked step by step with their
# scripts (export/prove/walk.py; about 20 s each). PROVE_WALK="" skips them.
for lesson in ${PROVE_WALK-web/scenes/lesson-stream-replay.json}; do
  "$py" export/prove/walk.py --warren "$warren" --port "$WARREN_AMQP_PORT" \
    --mgmt-port "$WARREN_MGMT_PORT" "$lesson" || status=1
done
exit $status
