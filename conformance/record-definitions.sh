#!/usr/bin/env bash
# Records definitions.json exports from the real broker (RabbitMQ 3.10.8),
# in both shapes 3.x produces: `rabbitmqctl export_definitions` and the
# management API's GET /api/definitions. The topology covers what Warren
# models: the four exchange types, exchange-to-exchange bindings, an
# alternate exchange, headers bindings, queue arguments, policies (TTL,
# dead-lettering, length limits, alternate exchange) and a quorum queue.
# Writes tests/data/definitions/recorded-3.10.8-{rabbitmqctl,management}.json,
# which scenario/tests/definitions.rs loads and round-trips.
#
# Usage: conformance/record-definitions.sh  (starts and stops the broker).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
port=${WARREN_MGMT_PORT:-15673}
api="http://127.0.0.1:$port/api"
started=0
if ! scripts/broker.sh status >/dev/null 2>&1; then
  scripts/broker.sh start
  started=1
fi
cleanup() { if [ "$started" = 1 ]; then scripts/broker.sh stop; fi; }
trap cleanup EXIT

vh=%2F
call() { # METHOD PATH [JSON]
  curl -fsS -u guest:guest -X "$1" -H 'content-type: application/json' \
    ${3:+--data "$3"} "$api$2" >/dev/null
}
# A clean "/" vhost: delete and recreate it.
call DELETE "/vhosts/$vh" || true
call PUT "/vhosts/$vh"
call PUT "/permissions/$vh/guest" '{"configure":".*","write":".*","read":".*"}'

call PUT "/exchanges/$vh/order" '{"type":"direct","durable":true}'
call PUT "/exchanges/$vh/logs" '{"type":"topic","durable":true,"arguments":{"alternate-exchange":"unrouted"}}'
call PUT "/exchanges/$vh/unrouted" '{"type":"fanout","durable":true}'
call PUT "/exchanges/$vh/by-header" '{"type":"headers","durable":true}'
call PUT "/exchanges/$vh/dlx" '{"type":"fanout","durable":true}'
call PUT "/exchanges/$vh/internal-hub" '{"type":"topic","durable":true,"internal":true}'
call PUT "/exchanges/$vh/temp" '{"type":"direct","durable":false,"auto_delete":true}'

call PUT "/queues/$vh/order_notify" '{"durable":true}'
call PUT "/queues/$vh/order_report" '{"durable":true,"arguments":{"x-max-length":1000,"x-overflow":"reject-publish"}}'
call PUT "/queues/$vh/errors" '{"durable":true,"arguments":{"x-message-ttl":60000,"x-dead-letter-exchange":"dlx"}}'
call PUT "/queues/$vh/dead" '{"durable":true}'
call PUT "/queues/$vh/unrouted-log" '{"durable":true}'
call PUT "/queues/$vh/urgent" '{"durable":true,"arguments":{"x-max-priority":10,"x-single-active-consumer":true}}'
call PUT "/queues/$vh/audit" '{"durable":true,"arguments":{"x-queue-type":"quorum"}}'
call PUT "/queues/$vh/scratch" '{"durable":false,"auto_delete":true,"arguments":{"x-expires":600000}}'

call POST "/bindings/$vh/e/order/q/order_notify" '{"routing_key":"order.notify"}'
call POST "/bindings/$vh/e/order/q/order_report" '{"routing_key":"order.report"}'
call POST "/bindings/$vh/e/logs/q/errors" '{"routing_key":"*.error"}'
call POST "/bindings/$vh/e/logs/e/internal-hub" '{"routing_key":"audit.#"}'
call POST "/bindings/$vh/e/internal-hub/q/audit" '{"routing_key":"#"}'
call POST "/bindings/$vh/e/unrouted/q/unrouted-log" '{"routing_key":""}'
call POST "/bindings/$vh/e/dlx/q/dead" '{"routing_key":""}'
call POST "/bindings/$vh/e/by-header/q/urgent" '{"routing_key":"","arguments":{"x-match":"any","priority":"high","escalated":true}}'
call POST "/bindings/$vh/e/order/e/temp" '{"routing_key":"order.notify"}'

call PUT "/policies/$vh/ttl-and-dlx" '{"pattern":"^order_","apply-to":"queues","priority":1,"definition":{"message-ttl":86400000,"dead-letter-exchange":"dlx","max-length":5000}}'
call PUT "/policies/$vh/ae" '{"pattern":"^order$","apply-to":"exchanges","priority":0,"definition":{"alternate-exchange":"unrouted"}}'

mkdir -p tests/data/definitions
curl -fsS -u guest:guest "$api/definitions" | python3 -m json.tool > tests/data/definitions/recorded-3.10.8-management.json
scripts/broker.sh ctl export_definitions /tmp/warren-export.json >/dev/null
python3 -m json.tool /tmp/warren-export.json > tests/data/definitions/recorded-3.10.8-rabbitmqctl.json
echo "wrote tests/data/definitions/recorded-3.10.8-{management,rabbitmqctl}.json"
