#!/usr/bin/env bash
# Record the consumer-timeout scenarios (conformance/scenarios/timeout-*.json)
# on a RabbitMQ node of their own whose consumer_timeout is 2 s and whose
# channels tick every 500 ms, so that a scenario waits seconds, not the
# default 30 minutes. Each scenario states that configuration in its
# "broker" object, which Warren's replay uses; this script refuses one that
# states another.
#
#   conformance/record-timeout.sh [SCENARIO...]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

TIMEOUT_MS=2000
TICK_MS=500
if [ $# -eq 0 ]; then
    set -- conformance/scenarios/timeout-*.json
fi
for f in "$@"; do
    python3 - "$f" "$TIMEOUT_MS" "$TICK_MS" <<'PY'
import json, sys
f, timeout, tick = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = json.load(open(f)).get("broker", {})
want = {"consumer_timeout": timeout, "channel_tick_interval": tick}
if b != want:
    sys.exit(f"{f}: \"broker\" must be {json.dumps(want)} to be recorded here, not {json.dumps(b)}")
PY
done

export WARREN_BROKER_DIR=${WARREN_TIMEOUT_BROKER_DIR:-/tmp/warren-broker-timeout}
export WARREN_BROKER_NODE=warren-timeout@localhost
export WARREN_AMQP_PORT=5675 WARREN_MGMT_PORT=15675 WARREN_DIST_PORT=25675
export WARREN_BROKER_CONF_EXTRA="consumer_timeout = $TIMEOUT_MS"
export WARREN_BROKER_ADVANCED="[{rabbit, [{channel_tick_interval, $TICK_MS}]}]."
exec conformance/record.sh "$@"
