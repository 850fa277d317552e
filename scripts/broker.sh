#!/usr/bin/env bash
# A throwaway RabbitMQ 3.10 broker on 127.0.0.1 for the conformance recorder.
#
#   scripts/broker.sh start    install rabbitmq-server if missing, start our node, wait for AMQP
#   scripts/broker.sh stop     stop our node (by recorded PID) and the epmd we started, if any
#   scripts/broker.sh status   say whether our node runs and accepts AMQP connections
#   scripts/broker.sh install  install rabbitmq-server if missing (what setup.sh calls)
#   scripts/broker.sh ctl ARGS run rabbitmqctl against our node (e.g. `ctl list_queues -p VHOST`)
#
# The node never touches the Debian service's node, port, data or cookie:
#   node name  WARREN_BROKER_NODE   (default warren@localhost)
#   AMQP       WARREN_AMQP_PORT     (default 5673)  on 127.0.0.1
#   HTTP API   WARREN_MGMT_PORT     (default 15673) on 127.0.0.1 (management plugin: vhosts,
#              definitions import and queue listing for the recorder; rabbitmqctl costs ~1 s a call)
#   dist port  WARREN_DIST_PORT     (default 25673) on 127.0.0.1
#   state      WARREN_BROKER_DIR    (default /tmp/warren-broker): mnesia, logs, config, cookie, PIDs
# Everything else (consumer_timeout, limits, ...) stays at RabbitMQ's defaults,
# unless WARREN_BROKER_CONF_EXTRA adds rabbitmq.conf lines and
# WARREN_BROKER_ADVANCED replaces advanced.config (conformance/record-timeout.sh
# records consumer timeouts on a node of its own this way).
set -euo pipefail

DIR=${WARREN_BROKER_DIR:-/tmp/warren-broker}
NODE=${WARREN_BROKER_NODE:-warren@localhost}
AMQP_PORT=${WARREN_AMQP_PORT:-5673}
MGMT_PORT=${WARREN_MGMT_PORT:-15673}
DIST_PORT=${WARREN_DIST_PORT:-25673}
START_TIMEOUT=${WARREN_BROKER_START_TIMEOUT:-90}
RMQ_BIN=/usr/lib/rabbitmq/bin

log() { echo "broker.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Alive = exists and is not a zombie (our daemons get reparented to a PID 1
# that may never reap them, and a zombie still answers kill -0).
alive() {
    [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
    local state
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo Z)
    [ "$state" != "Z" ]
}
live_epmd() {
    local p
    for p in $(pgrep -x epmd || true); do alive "$p" && echo "$p"; done
}
read_pid() { [ -f "$1" ] && cat "$1" || true; }

install_if_missing() {
    [ -x "$RMQ_BIN/rabbitmq-server" ] && return 0
    log "rabbitmq-server not installed: installing it with apt-get"
    # The Debian package starts its own service on install; a policy-rc.d that
    # refuses every start keeps it stopped. Ours is removed again afterwards
    # (a pre-existing one, as in most containers, is left alone).
    local made_policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        made_policy=1
    fi
    local rc=0
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends rabbitmq-server; } >&2 || rc=$?
    [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
    [ $rc -eq 0 ] || die "apt-get install rabbitmq-server failed ($rc)"
    # Belt and braces: should the service have started anyway, stop and disable it.
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet rabbitmq-server 2>/dev/null; then
        systemctl stop rabbitmq-server || true
        systemctl disable rabbitmq-server || true
    fi
    [ -x "$RMQ_BIN/rabbitmq-server" ] || die "rabbitmq-server still missing after install"
}

# The environment every rabbitmq script sees: only our files, never /etc/rabbitmq.
broker_env() {
    export HOME="$DIR"                       # Erlang cookie lives in $DIR/.erlang.cookie
    export RABBITMQ_CONF_ENV_FILE="$DIR/rabbitmq-env.conf"
    export RABBITMQ_CONFIG_FILE="$DIR/rabbitmq.conf"
    export RABBITMQ_ADVANCED_CONFIG_FILE="$DIR/advanced.config"
    export RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins"
    export RABBITMQ_MNESIA_BASE="$DIR/mnesia"
    export RABBITMQ_LOG_BASE="$DIR/log"
    export RABBITMQ_PID_FILE="$DIR/beam.pid"
    export RABBITMQ_NODENAME="$NODE"
    export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    export RABBITMQ_NODE_PORT="$AMQP_PORT"
    export RABBITMQ_DIST_PORT="$DIST_PORT"
    export ERL_EPMD_ADDRESS=127.0.0.1
    export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

write_config() {
    mkdir -p "$DIR/mnesia" "$DIR/log"
    : > "$DIR/rabbitmq-env.conf"
    echo '[rabbitmq_management].' > "$DIR/enabled_plugins"
    echo "${WARREN_BROKER_ADVANCED:-[].}" > "$DIR/advanced.config"
    cat > "$DIR/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$AMQP_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $MGMT_PORT
management.rates_mode = none
log.console = false
log.file.level = info
${WARREN_BROKER_CONF_EXTRA:-}
EOF
    if [ ! -f "$DIR/.erlang.cookie" ]; then
        head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F > "$DIR/.erlang.cookie"
        chmod 400 "$DIR/.erlang.cookie"
    fi
}

amqp_ready() {
    # A real AMQP handshake start: the broker answers the protocol header with connection.start.
    python3 - "$AMQP_PORT" <<'EOF'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    s.sendall(b"AMQP\x00\x00\x09\x01")
    data = s.recv(7)
    s.close()
    sys.exit(0 if len(data) == 7 and data[0] == 1 else 1)
except OSError:
    sys.exit(1)
EOF
}

mgmt_ready() {
    python3 - "$MGMT_PORT" <<'EOF'
import base64, sys, urllib.request
req = urllib.request.Request("http://127.0.0.1:%s/api/overview" % sys.argv[1],
    headers={"Authorization": "Basic " + base64.b64encode(b"guest:guest").decode()})
try:
    urllib.request.urlopen(req, timeout=2).read()
except Exception:
    sys.exit(1)
EOF
}

cmd_status() {
    local pid
    pid=$(read_pid "$DIR/server.pid")
    if alive "$pid" && amqp_ready; then
        echo "running: node $NODE, pid $pid, amqp 127.0.0.1:$AMQP_PORT, http 127.0.0.1:$MGMT_PORT"
        return 0
    fi
    if alive "$pid"; then echo "starting or unhealthy: pid $pid"; return 1; fi
    echo "stopped"
    return 3
}

cmd_start() {
    local pid
    pid=$(read_pid "$DIR/server.pid")
    if alive "$pid"; then
        if amqp_ready && mgmt_ready; then log "already running (pid $pid)"; return 0; fi
        die "a broker process (pid $pid) exists but does not answer; run '$0 stop' first"
    fi
    install_if_missing
    if amqp_ready; then die "port $AMQP_PORT already answers AMQP but not from our broker"; fi
    # Fresh data each start: a throwaway broker.
    rm -rf "$DIR/mnesia" "$DIR/log" "$DIR/server.pid" "$DIR/beam.pid" "$DIR/epmd.pid"
    write_config
    local epmd_before
    epmd_before=$(live_epmd)
    broker_env
    log "starting $NODE (amqp 127.0.0.1:$AMQP_PORT, http :$MGMT_PORT, logs $DIR/log)"
    ( cd "$DIR" && exec setsid "$RMQ_BIN/rabbitmq-server" > "$DIR/log/startup.log" 2>&1 < /dev/null ) &
    pid=$!
    echo "$pid" > "$DIR/server.pid"
    local t0=$SECONDS
    until amqp_ready && mgmt_ready; do
        if ! alive "$pid"; then
            tail -n 30 "$DIR/log/startup.log" >&2 || true
            die "rabbitmq-server exited during startup (see $DIR/log)"
        fi
        if (( SECONDS - t0 > START_TIMEOUT )); then
            tail -n 30 "$DIR/log/startup.log" >&2 || true
            die "broker did not accept AMQP connections on 127.0.0.1:$AMQP_PORT within ${START_TIMEOUT}s (see $DIR/log)"
        fi
        sleep 0.5
    done
    if [ -z "$epmd_before" ]; then
        live_epmd | head -n 1 > "$DIR/epmd.pid"
    fi
    log "up after $(( SECONDS - t0 ))s (pid $pid)"
}

cmd_stop() {
    local pid beam epmd i
    pid=$(read_pid "$DIR/server.pid")
    beam=$(read_pid "$DIR/beam.pid")
    if alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 1 60); do alive "$pid" || break; sleep 0.5; done
        alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
    fi
    if alive "$beam"; then
        for i in $(seq 1 20); do alive "$beam" || break; sleep 0.5; done
        alive "$beam" && kill -KILL "$beam" 2>/dev/null || true
    fi
    epmd=$(read_pid "$DIR/epmd.pid")
    if [ -n "$epmd" ] && alive "$epmd"; then kill -TERM "$epmd" 2>/dev/null || true; fi
    rm -f "$DIR/server.pid" "$DIR/beam.pid" "$DIR/epmd.pid"
    log "stopped"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    install) install_if_missing ;;
    ctl) shift; broker_env; exec "$RMQ_BIN/rabbitmqctl" -n "$NODE" "$@" ;;
    *) echo "usage: $0 start|stop|status|install|ctl ARGS..." >&2; exit 2 ;;
esac
