#!/usr/bin/env bash
# Chatroom and Socket.IO side by side, interleaved: ROUNDS rounds of
#   Chatroom exp1, Socket.IO exp1, Chatroom rooms, Socket.IO rooms
# then a table of medians and ratios (Chatroom / Socket.IO).
#
# It needs a running Chatroom cluster with the rate limit off, started beforehand, e.g.
#   CHATROOM_RATELIMIT_MESSAGESPERSECOND=0 CHATROOM_AUTH_THROTTLE_MAX_REGISTRATIONS_PER_ADDRESS=0 ./chatroom up
# (the second setting lets the Node generator register its 100 users on a fresh database)
# and starts and stops the Socket.IO servers itself (bench/peers/socketio/run.sh, which runs
# npm ci). Both peers are driven by one Node load generator (bench/peers/load/load.mjs) unless
# GENERATOR=java, which drives Chatroom with the Java bench (bench.jar) as before: the generator
# shares the 2 cores with the servers, so one generator for both keeps its cost out of the
# comparison. Every connection goes to 127.0.0.1/localhost. Not part of ./mvnw verify.
#
# Settings (environment), defaults in brackets:
#   ROUNDS [3]                 rounds (at most 20)
#   EXP1_MESSAGES [10000] EXP1_CLIENTS [100] EXP1_INFLIGHT [64] EXP1_WARMUP [2000]
#   ROOMS [200] MEMBERS [5] ROOM_MESSAGES [40] (per member) WINDOW [4] ROOMS_WARMUP [10]
#   SERVERS [1]                chat-apps / Socket.IO servers used by rooms; exp1 sends through the first
#                              and (Node generator) measures them all
#   SIO_PORT [3101]            first Socket.IO port (SERVERS ports from there)
#   COORDINATOR [http://localhost:8080]
#   ARCHIVER [http://localhost:8090]   its CPU during Chatroom's steps (archiver CPU µs/message; the Java
#                              bench measures it in rooms only)
#   STEP_TIMEOUT [900]         seconds one step may take before it is killed
#   SETTLE [3]                 seconds of pause before each step, so the archiver's and PostgreSQL's
#                              work left from one step does not run in the next one's window
#   LABEL [run]                a name for this run (e.g. before / after), recorded in the output
#   OUT [bench/results/side-by-side-<LABEL>-<UTC time>]
#   GENERATOR [node]           node: bench/peers/load/load.mjs for both peers; java: bench.jar for Chatroom
#   BENCH_JAVA_OPTS []         JVM options for the Java load generator (GENERATOR=java)
#   PIN [0]                    1: the servers on CPU 0, the generator on CPU 1 (taskset; Node generator,
#                              2+ cores), as if the generator ran on another machine: every thread of
#                              the cluster's apps (chat servers, coordinator, archiver), of every
#                              redis-server and PostgreSQL process and of the Socket.IO servers is
#                              moved to CPU 0 once they run (so the JVMs keep the thread pools and GC
#                              they chose for 2 cores), and given back their own CPUs at the end
set -euo pipefail
cd -P "$(dirname "$0")/../.."
# shellcheck source=bench/peers/pinning.sh
. bench/peers/pinning.sh

ROUNDS="${ROUNDS:-3}"
EXP1_MESSAGES="${EXP1_MESSAGES:-10000}"
EXP1_CLIENTS="${EXP1_CLIENTS:-100}"
EXP1_INFLIGHT="${EXP1_INFLIGHT:-64}"
EXP1_WARMUP="${EXP1_WARMUP:-2000}"
ROOMS="${ROOMS:-200}"
MEMBERS="${MEMBERS:-5}"
ROOM_MESSAGES="${ROOM_MESSAGES:-40}"
WINDOW="${WINDOW:-4}"
ROOMS_WARMUP="${ROOMS_WARMUP:-10}"
SERVERS="${SERVERS:-1}"
SIO_PORT="${SIO_PORT:-3101}"
COORDINATOR="${COORDINATOR:-http://localhost:8080}"
ARCHIVER="${ARCHIVER:-http://localhost:8090}"   # its CPU is measured during rooms
STEP_TIMEOUT="${STEP_TIMEOUT:-900}"
SETTLE="${SETTLE:-3}"
LABEL="${LABEL:-run}"
OUT="${OUT:-bench/results/side-by-side-$LABEL-$(date -u +%Y%m%d-%H%M%S)}"
BENCH_JAVA_OPTS="${BENCH_JAVA_OPTS:-}"
GENERATOR="${GENERATOR:-node}"
case "$GENERATOR" in
  node | java) ;;
  *) echo "side-by-side: GENERATOR must be node or java, not '$GENERATOR'" >&2; exit 2 ;;
esac
PIN="${PIN:-0}"
case "$PIN" in
  0 | 1) ;;
  *) echo "side-by-side: PIN must be 0 or 1, not '$PIN'" >&2; exit 2 ;;
esac
if [ "$PIN" = 1 ]; then
  [ "$GENERATOR" = node ] || { echo "side-by-side: PIN=1 needs GENERATOR=node" >&2; exit 2; }
  [ "$(nproc --all)" -ge 2 ] || { echo "side-by-side: PIN=1 needs 2 or more CPUs" >&2; exit 2; }
  command -v taskset >/dev/null || { echo "side-by-side: PIN=1 needs taskset (util-linux)" >&2; exit 1; }
fi

for v in ROUNDS EXP1_MESSAGES EXP1_CLIENTS EXP1_INFLIGHT EXP1_WARMUP ROOMS MEMBERS ROOM_MESSAGES \
    WINDOW ROOMS_WARMUP SERVERS SIO_PORT STEP_TIMEOUT SETTLE; do
  case "${!v}" in '' | *[!0-9]*) echo "side-by-side: $v must be a number, not '${!v}'" >&2; exit 2 ;; esac
done
if [ "$ROUNDS" -lt 1 ] || [ "$ROUNDS" -gt 20 ]; then
  echo "side-by-side: ROUNDS must be 1..20" >&2
  exit 2
fi
case "$COORDINATOR" in
  http://localhost:* | http://127.0.0.1:*) ;;
  *) echo "side-by-side: COORDINATOR must be on localhost/127.0.0.1" >&2; exit 2 ;;
esac
command -v node >/dev/null || { echo "side-by-side: node (20+) is not installed" >&2; exit 1; }
command -v npm >/dev/null || { echo "side-by-side: npm is not installed" >&2; exit 1; }

# The Chatroom cluster must be up and list enough chat servers.
servers_json="$(curl -fsS --max-time 10 "$COORDINATOR/api/servers" 2>/dev/null || true)"
live="$(printf '%s' "$servers_json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).length)}catch{console.log(0)}})')"
if [ "$live" -lt "$SERVERS" ] || [ "$live" -lt 1 ]; then
  echo "side-by-side: $COORDINATOR lists $live live chat server(s), $SERVERS needed." >&2
  echo "Start a cluster first: CHATROOM_RATELIMIT_MESSAGESPERSECOND=0 CHATROOM_AUTH_THROTTLE_MAX_REGISTRATIONS_PER_ADDRESS=0 ./chatroom up" >&2
  exit 1
fi

if [ "$GENERATOR" = java ] && [ ! -f bench/target/bench.jar ]; then
  ./mvnw -B -q -f bench/pom.xml -DskipTests package
fi
# The Node generator's packages (socket.io-client, ws), from its lock file.
(cd bench/peers/load && npm ci --no-audit --no-fund --loglevel=error >&2)

ports=()
for i in $(seq 0 $((SERVERS - 1))); do
  port=$((SIO_PORT + i))
  if ss -ltnH "sport = :$port" | grep -q .; then
    echo "side-by-side: port $port is in use; set SIO_PORT to a free range" >&2
    exit 1
  fi
  ports+=("$port")
done

mkdir -p "$OUT/raw"
echo "side-by-side: results in $OUT"

run_sh_pid=""
pinned=0
# PIN=1: the chat servers, coordinator, archiver, Redis, PostgreSQL and Socket.IO servers.
server_pids() {
  cluster_pids "$servers_json" "$COORDINATOR" "$ARCHIVER"
  printf '%s\n' "$sio_pids" | tr ',' '\n' | cut -d= -f2
}
cleanup() {
  if [ "$pinned" = 1 ]; then
    unpin "$OUT/affinity.txt"
  fi
  if [ -n "$run_sh_pid" ]; then
    kill -TERM "$run_sh_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$run_sh_pid" 2>/dev/null || break
      sleep 0.2
    done
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench/peers/socketio/run.sh "${ports[@]}" >"$OUT/socketio-servers.log" 2>&1 &
run_sh_pid=$!
for _ in $(seq 1 360); do
  grep -q '^ready$' "$OUT/socketio-servers.log" && break
  kill -0 "$run_sh_pid" 2>/dev/null || { cat "$OUT/socketio-servers.log" >&2; exit 1; }
  sleep 0.5
done
grep -q '^ready$' "$OUT/socketio-servers.log" || { echo "side-by-side: Socket.IO servers not ready" >&2; exit 1; }
sio_urls=""
sio_pids=""
for port in "${ports[@]}"; do
  sio_urls="${sio_urls:+$sio_urls,}http://127.0.0.1:$port"
  sio_pids="${sio_pids:+$sio_pids,}$port=$(cat "bench/peers/socketio/.run/server-$port.pid")"
done

# Which build the cluster runs: the git commit of the directory the first chat-app runs in.
chat_port="$(printf '%s' "$servers_json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(new URL(JSON.parse(s)[0].httpUrl).port)}catch{console.log("")}})')"
chat_pid="$(ss -ltnpH "sport = :${chat_port:-0}" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)"
cluster_build="unknown"
if [ -n "$chat_pid" ] && cluster_dir="$(readlink "/proc/$chat_pid/cwd" 2>/dev/null)"; then
  cluster_build="$(git -C "$cluster_dir" rev-parse --short HEAD 2>/dev/null || echo unknown) in $cluster_dir"
fi
cluster_java="$(readlink "/proc/${chat_pid:-0}/exe" 2>/dev/null || echo unknown)"

generator=(node)
pin_line="none (servers and generator share every CPU)"
if [ "$PIN" = 1 ]; then
  if [ -z "$chat_pid" ]; then
    echo "side-by-side: PIN=1 found no pid listening on the chat server's port (run as the cluster's user or root)" >&2
    exit 1
  fi
  pinned=1
  # shellcheck disable=SC2046
  pin_to_cpu0 "$OUT/affinity.txt" $(server_pids)
  generator=(taskset -c 1 node)
  pin_line="servers on CPU 0 (pids $(server_pids | sort -un | tr '\n' ' ')), generator on CPU 1"
fi

{
  echo "label: $LABEL"
  echo "started: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "bench commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "cluster build: $cluster_build"
  echo "cluster JVM: $cluster_java"
  echo "chat servers: $servers_json"
  echo "socket.io servers: $sio_urls ($sio_pids)"
  echo "generator: $GENERATOR"
  echo "pinning: $pin_line"
  echo "settings: ROUNDS=$ROUNDS EXP1_MESSAGES=$EXP1_MESSAGES EXP1_CLIENTS=$EXP1_CLIENTS" \
    "EXP1_INFLIGHT=$EXP1_INFLIGHT EXP1_WARMUP=$EXP1_WARMUP ROOMS=$ROOMS MEMBERS=$MEMBERS" \
    "ROOM_MESSAGES=$ROOM_MESSAGES WINDOW=$WINDOW ROOMS_WARMUP=$ROOMS_WARMUP SERVERS=$SERVERS"
  echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(node --version), $(java -version 2>&1 | head -1)"
} | tee "$OUT/run.txt"

# One Chatroom step, by the Node generator (its JSON line) or the Java bench (its result file):
# the result becomes $OUT/chatroom-<scenario>-<round>.json.
chatroom_step() {
  local scenario="$1" round="$2"
  shift 2
  local log="$OUT/chatroom-$scenario-$round.log"
  local rc=0
  sleep "$SETTLE"
  if [ "$GENERATOR" = node ]; then
    timeout "$STEP_TIMEOUT" "${generator[@]}" bench/peers/load/load.mjs "$scenario" --peer chatroom \
      --coordinator "$COORDINATOR" --archiver "$ARCHIVER" "$@" \
      >"$OUT/chatroom-$scenario-$round.json" 2>"$log" || rc=$?
    [ -s "$OUT/chatroom-$scenario-$round.json" ] || rm -f "$OUT/chatroom-$scenario-$round.json"
    summarize "Chatroom " "$scenario" "$round" "$rc" "$log"
    return
  fi
  # shellcheck disable=SC2086
  timeout "$STEP_TIMEOUT" java $BENCH_JAVA_OPTS -jar bench/target/bench.jar "$scenario" \
    --coordinator "$COORDINATOR" --results "$OUT/raw" "$@" >"$log" 2>&1 || rc=$?
  local file
  file="$(sed -n 's/^result: //p' "$log" | tail -1)"
  if [ -n "$file" ] && [ -f "$file" ]; then
    mv "$file" "$OUT/chatroom-$scenario-$round.json"
  fi
  summarize "Chatroom " "$scenario" "$round" "$rc" "$log"
}

# One Socket.IO step: load.mjs's JSON line becomes $OUT/socketio-<scenario>-<round>.json.
socketio_step() {
  local scenario="$1" round="$2"
  shift 2
  local log="$OUT/socketio-$scenario-$round.log"
  local rc=0
  sleep "$SETTLE"
  timeout "$STEP_TIMEOUT" "${generator[@]}" bench/peers/load/load.mjs "$scenario" --peer socketio "$@" \
    >"$OUT/socketio-$scenario-$round.json" 2>"$log" || rc=$?
  [ -s "$OUT/socketio-$scenario-$round.json" ] || rm -f "$OUT/socketio-$scenario-$round.json"
  summarize "Socket.IO" "$scenario" "$round" "$rc" "$log"
}

summarize() {
  local who="$1" scenario="$2" round="$3" rc="$4" log="$5"
  local line
  line="$(grep -E '^[0-9]+x[0-9]+' "$log" | tail -1 || true)"
  echo "round $round $who $scenario (exit $rc): ${line:-no result, see $log}"
}

for round in $(seq 1 "$ROUNDS"); do
  exp1_servers=()
  [ "$GENERATOR" = node ] && exp1_servers=(--servers "$SERVERS")
  chatroom_step exp1 "$round" --messages "$EXP1_MESSAGES" --clients "$EXP1_CLIENTS" \
    --inflight "$EXP1_INFLIGHT" --warmup "$EXP1_WARMUP" "${exp1_servers[@]}"
  # exp1's clients use the first server of each peer; with SERVERS > 1 the Node generator
  # measures all of them (a Socket.IO server gets every broadcast through the adapter).
  socketio_step exp1 "$round" --urls "$sio_urls" --pids "$sio_pids" \
    --messages "$EXP1_MESSAGES" --clients "$EXP1_CLIENTS" --inflight "$EXP1_INFLIGHT" \
    --warmup "$EXP1_WARMUP"
  rooms_archiver=()
  [ "$GENERATOR" = java ] && rooms_archiver=(--archiver "$ARCHIVER")
  chatroom_step rooms "$round" --rooms "$ROOMS" --members "$MEMBERS" \
    --messages "$ROOM_MESSAGES" --window "$WINDOW" --warmup "$ROOMS_WARMUP" --servers "$SERVERS" \
    "${rooms_archiver[@]}"
  socketio_step rooms "$round" --urls "$sio_urls" --pids "$sio_pids" --rooms "$ROOMS" \
    --members "$MEMBERS" --messages "$ROOM_MESSAGES" --window "$WINDOW" --warmup "$ROOMS_WARMUP"
done

rmdir "$OUT/raw" 2>/dev/null || true
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/run.txt"
node bench/peers/table.mjs "$OUT"
