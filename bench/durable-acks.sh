#!/usr/bin/env bash
# What durable acks cost: chatroom.durability.replicas 0 against 1, interleaved in one run.
#
#   bench/durable-acks.sh [ROUNDS]
#
# Starts a private Redis master (7220) with one replica (7221), both AOF appendfsync everysec,
# a coordinator (9380) and an archiver (9382) on it (PostgreSQL 127.0.0.1:5432, database
# chatroom_durable, created if missing), then per round and per setting a fresh chat-app (9381)
# with --chatroom.durability.replicas=0 or 1, each run twice: the bench's rooms scenario with many
# messages in flight (ROOMS x MEMBERS, WINDOW unacked each: WAITs coalesce) and with few
# (FEW_ROOMS rooms of one member, one unacked: about one WAIT per message). The first pass against
# each fresh chat-app is a discarded warm-up of the same workload. Prints per step messages/s,
# send-to-ack p50/p99, the chat-app's and the Redis master's CPU per message (the bench's own
# figures, over its measured window), and the master's WAITs per appended message (its WAIT and
# INCR calls over the step: the append script makes one INCR per message). Not part of ./mvnw verify.
# Needs redis-server and redis-cli 7+, and the jars: ./mvnw -B -q -DskipTests package.
set -euo pipefail
cd -P "$(dirname "$0")/.."

rounds=${1:-2}
ROOMS=${ROOMS:-100}
MEMBERS=${MEMBERS:-5}
MESSAGES=${MESSAGES:-20}
WINDOW=${WINDOW:-4}
FEW_ROOMS=${FEW_ROOMS:-10}
FEW_MESSAGES=${FEW_MESSAGES:-300}
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
command -v redis-server >/dev/null && command -v redis-cli >/dev/null \
  || { echo "durable-acks: redis-server and redis-cli 7+ are needed" >&2; exit 1; }
. bench/stack.sh
ports_free durable-acks 7220 7221 9380 9381 9382

work=$(mktemp -d)
out="bench/results/durable-acks-$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$out"
pids=()
chat_pid=
cleanup() {
  [ -n "$chat_pid" ] && kill "$chat_pid" 2>/dev/null || true
  stop_started
}
trap cleanup EXIT

redis_node 7220
redis_node 7221 --replicaof 127.0.0.1 7220
for _ in $(seq 1 50); do
  redis-cli -p 7220 info replication | grep -q 'connected_slaves:1' && break
  sleep 0.2
done

db=chatroom_durable
create_database "$db"
common=(--spring.data.redis.url=redis://127.0.0.1:7220
        "--spring.datasource.url=jdbc:postgresql://127.0.0.1:5432/$db" --spring.profiles.active=local)
"$java" -jar coordinator-app/target/coordinator-app.jar --server.port=9380 "${common[@]}" \
  --chatroom.auth.throttle.max-registrations-per-address=0 >"$work/coordinator.log" 2>&1 &
pids+=($!)
await_up 9380
"$java" -jar archiver-app/target/archiver-app.jar --server.port=9382 "${common[@]}" \
  >"$work/archiver.log" 2>&1 &
pids+=($!)
await_up 9382

calls() { # command: its calls so far on the master
  redis-cli -p 7220 info commandstats | tr -d '\r' \
    | sed -n "s/^cmdstat_$1:calls=\([0-9]*\),.*/\1/p" | awk '{s += $1} END {print s + 0}'
}

{
  echo "durable-acks: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD)," \
    "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(redis-server --version | cut -d' ' -f3)," \
    "$("$java" -version 2>&1 | head -1)"
  echo "many in flight: rooms $ROOMS x $MEMBERS members x $MESSAGES messages, window $WINDOW;" \
    "few in flight: rooms $FEW_ROOMS x 1 member x $FEW_MESSAGES messages, window 1"
} | tee "$out/summary.txt"

bench_rooms() { # label user-prefix workload(many|few) results-dir
  local args=(--rooms "$ROOMS" --members "$MEMBERS" --messages "$MESSAGES" --window "$WINDOW")
  [ "$3" = few ] && args=(--rooms "$FEW_ROOMS" --members 1 --messages "$FEW_MESSAGES" --window 1)
  "$java" -jar bench/target/bench.jar rooms --coordinator http://localhost:9380 \
    --pids "9381=$chat_pid" --redis redis://127.0.0.1:7220 --user-prefix "$2" \
    --results "$4" "${args[@]}" >"$out/$1.log" 2>&1 || echo "bench step $1 failed: see $out/$1.log"
}

step() { # durability round
  local durability=$1 round=$2 workload
  "$java" -jar chat-app/target/chat-app.jar --server.port=9381 --chatroom.server-id="durable-$durability" \
    --chatroom.coordinator.urls=http://localhost:9380 --chatroom.rate-limit.messages-per-second=0 \
    --chatroom.allowed-origins=http://localhost:9380 --chatroom.durability.replicas="$durability" \
    "${common[@]}" >"$work/chat-$durability-$round.log" 2>&1 &
  chat_pid=$!
  await_up 9381
  sleep 3 # a heartbeat, so the coordinator assigns it
  for workload in many few; do
    bench_rooms "warm-$durability-$round-$workload" "d$$-$round-$durability-w$workload-" "$workload" "$work"
    local w0 i0 w1 i1 label="durability-$durability-round-$round-$workload"
    w0=$(calls wait); i0=$(calls incr)
    bench_rooms "$label" "d$$-$round-$durability-$workload-" "$workload" "$out"
    w1=$(calls wait); i1=$(calls incr)
    local result
    result=$(grep -o "$out/rooms-[0-9-]*\.json" "$out/$label.log" | tail -1 || true)
    [ -n "$result" ] || continue
    python3 - "$result" "$durability" "$round" "$workload" "$((w1 - w0))" "$((i1 - i0))" \
      <<'PY' | tee -a "$out/summary.txt"
import json, sys
r = json.load(open(sys.argv[1]))
p, extra = r["points"][-1], r["extra"]
durability, rnd, workload = sys.argv[2], sys.argv[3], sys.argv[4]
waits, appended = int(sys.argv[5]), int(sys.argv[6])
ack = extra["ackLatency"]
bad = p["lost"] + p["duplicates"] + p["outOfOrder"] + p["gaps"] + extra["refused"]
print(f"durability {durability} round {rnd} {workload:4}: {p['messagesPerSecond']:7.0f} msgs/s, "
      f"ack p50 {ack['p50']:6.1f} p99 {ack['p99']:6.1f} ms, chat-app {extra['serverCpuMicrosPerMessage']:6.1f} "
      f"us/msg, Redis master {extra['redisCpuMicrosPerMessage']:5.1f} us/msg, "
      f"{waits / max(appended, 1):.3f} WAITs per appended message ({waits} / {appended}), "
      f"lost+dup+ooo+gaps+refused {bad}")
PY
  done
  kill "$chat_pid"; wait "$chat_pid" 2>/dev/null || true; chat_pid=
}

for round in $(seq 1 "$rounds"); do
  step 0 "$round"
  step 1 "$round"
done
echo "results in $out"
