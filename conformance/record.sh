#!/usr/bin/env bash
# Record conformance fixtures on a real RabbitMQ 3.10 broker.
#
#   conformance/record.sh [SCENARIO...]
#
# Sets up the Python venv (.venv, pika pinned in conformance/requirements.txt),
# starts the throwaway broker (scripts/broker.sh), records every given scenario
# (default: all of conformance/scenarios/*.json) twice into
# tests/fixtures/conformance/NAME.json, and stops the broker again (unless it
# was already running when we started; WARREN_KEEP_BROKER=1 keeps it too).
# Extra recorder options go in RECORD_ARGS (e.g. RECORD_ARGS="--runs 3").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

VENV="$ROOT/.venv"
if ! "$VENV/bin/python" -c "import pika" 2>/dev/null; then
    if ! python3 -m venv "$VENV"; then
        # Debian's system python needs python3-venv for `-m venv`.
        apt-get install -y -q python3-venv >&2
        rm -rf "$VENV"
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/pip" install -q -r conformance/requirements.txt
fi

if [ $# -eq 0 ]; then
    set -- conformance/scenarios/*.json
fi

started=""
if ! scripts/broker.sh status >/dev/null 2>&1; then
    scripts/broker.sh start
    started=1
fi
stop_broker() {
    if [ -n "$started" ] && [ -z "${WARREN_KEEP_BROKER:-}" ]; then scripts/broker.sh stop; fi
}
trap stop_broker EXIT

"$VENV/bin/python" conformance/record.py ${RECORD_ARGS:-} "$@"
