#!/usr/bin/env bash
# Compares two chat-app builds on the same workload, interleaved in one run: a before/after
# benchmark that a noisy machine cannot fake with a lucky run on one side.
#
#   bench/compare-builds.sh OLD_CHAT_APP_JAR NEW_CHAT_APP_JAR [ROUNDS] [-- bench options]
#
# Starts one coordinator (this checkout's jar) on port 9180, then per round a chat-app from each
# jar in turn on 9181 and runs the scenario SCENARIO (default exp1: 10,000 messages x 100 clients,
# 5,000 warm-up; rooms: 200 rooms x 5 members x 40 messages, 4 unacked; connections: 2,000 idle
# sessions in 400 rooms, the server's CPU per second over 20 s of idling) against it. Uses the local Redis (127.0.0.1:6379, key prefix cmp-<pid>) and PostgreSQL
# (127.0.0.1:5432, database chatroom_cmp, created if missing). Prints, per build, every round's
# throughput (exp1: deliveries/s, rooms: messages/s) and server CPU (per delivery, per message)
# and their medians; the JSON results stay in
# bench/results. Needs the jars built: ./mvnw -B -q -DskipTests package.
# OLD_JAVA / NEW_JAVA (default: JAVA_HOME's java, else the PATH's) run each build on its own JDK:
# the same jar twice with two JDKs compares the JDKs.
# WARMUP_RUNS (default 0) runs the scenario that many times more against each fresh chat-app
# before the measured run, their results discarded: with 0 each measured run includes the JIT
# compiler's work (up to half the CPU of a cold rooms run), which can hide a change in the
# steady-state cost; 2 measures a warm server.
# OLD_ARCHIVER / NEW_ARCHIVER (archiver jars, both or neither): run that archiver (port 9182) beside
# each build's chat-app, so the rooms scenario also reports the archiver's CPU per message; the
# chat-app jars may then be the same to compare archivers alone.
# ALTERNATE=1 starts each build's chat-app once (old on 9181, new on 9183), warms both with
# WARMUP_RUNS runs each, then alternates the measured runs between the two running apps: a pair is
# a minute or two apart instead of several, so the machine's drift between them (CPU per message
# moves by up to 1.5x within an hour here) shrinks, and more rounds fit. Chat-apps only (no
# archivers); the idle app beside a measured run does its periodic work only, and its CPU is not
# counted. In this mode a rooms run also reports the local Redis server's CPU per message (nothing
# else should use that Redis meanwhile): each chat-app loads the append script from its own jar.
set -euo pipefail
cd -P "$(dirname "$0")/.."

old_jar=${1:?old chat-app jar}
new_jar=${2:?new chat-app jar}
rounds=${3:-3}
shift $(($# < 3 ? $# : 3))
[ "${1:-}" = "--" ] && shift
bench_args=("$@")
scenario=${SCENARIO:-exp1}
if [ ${#bench_args[@]} -eq 0 ]; then
  case "$scenario" in
    rooms) bench_args=(--rooms 200 --members 5 --messages 40 --window 4) ;;
    connections) bench_args=(--connections 2000 --rooms 400 --users 100 --idle-seconds 20) ;;
    *) bench_args=(--messages 10000 --clients 100 --warmup 5000) ;;
  esac
fi

java=${JAVA_HOME:+$JAVA_HOME/bin/}java
old_java=${OLD_JAVA:-$java}
new_java=${NEW_JAVA:-$java}
prefix="cmp-$$"
db=chatroom_cmp
work=$(mktemp -d)
coordinator_pid=
chat_pid=
archiver_pid=
started_pid=
declare -A warm_pid=()
cleanup() {
  [ -n "$chat_pid" ] && kill "$chat_pid" 2>/dev/null || true
  [ -n "$started_pid" ] && kill "$started_pid" 2>/dev/null || true
  for pid in "${warm_pid[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "$archiver_pid" ] && kill "$archiver_pid" 2>/dev/null || true
  [ -n "$coordinator_pid" ] && kill "$coordinator_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  redis-cli --scan --pattern "$prefix:*" | xargs -r -n 500 redis-cli del >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

. bench/stack.sh
create_database "$db"

common=(--spring.data.redis.url=redis://127.0.0.1:6379
        --spring.datasource.url=jdbc:postgresql://127.0.0.1:5432/$db
        --chatroom.redis.key-prefix=$prefix --spring.profiles.active=local)

# The bench registers hundreds of users from one address: the coordinator's limit is off here.
"$java" -jar coordinator-app/target/coordinator-app.jar --server.port=9180 "${common[@]}" \
  --chatroom.auth.throttle.max-registrations-per-address=0 \
  >"$work/coordinator.log" 2>&1 &
coordinator_pid=$!
await_up 9180

start_chat() { # label jar port log: a chat-app of that build on its JDK, up; its pid in started_pid
  local app_java=$old_java
  [ "$1" = new ] && app_java=$new_java
  "$app_java" -jar "$2" --server.port="$3" --chatroom.server-id="cmp-$1" \
    --chatroom.coordinator.urls=http://localhost:9180 --chatroom.rate-limit.messages-per-second=0 \
    --chatroom.allowed-origins=http://localhost:9180 \
    "${common[@]}" >"$4" 2>&1 &
  started_pid=$!
  await_up "$3"
}

run_one() { # label jar round
  local archiver_jar=${OLD_ARCHIVER:-} archiver_args=()
  [ "$1" = new ] && archiver_jar=${NEW_ARCHIVER:-}
  if [ -n "$archiver_jar" ]; then
    "$java" -jar "$archiver_jar" --server.port=9182 "${common[@]}" >"$work/archiver-$1-$3.log" 2>&1 &
    archiver_pid=$!
    await_up 9182
    archiver_args=(--archiver http://localhost:9182)
  fi
  start_chat "$1" "$2" 9181 "$work/chat-$1-$3.log"
  chat_pid=$started_pid
  sleep 3 # one heartbeat at least, so the coordinator assigns it
  local warm
  for warm in $(seq 1 "${WARMUP_RUNS:-0}"); do
    "$java" -jar bench/target/bench.jar "$scenario" --coordinator http://localhost:9180 \
      --chat-server http://localhost:9181 --pids "9181=$chat_pid" \
      --user-prefix "cmp$$-$3$1w$warm-" --results "$work/warm-up" \
      "${archiver_args[@]}" "${bench_args[@]}" >"$work/bench-$1-$3-warm-$warm.log" 2>&1 || {
        # Discarded anyway; an overloaded warm-up (refused sends past Redis's timeout) is reported,
        # and the measured run after it still has to pass.
        echo "warm-up $warm of $1 round $3 incomplete:" >&2
        grep -E 'lost|first send error' "$work/bench-$1-$3-warm-$warm.log" | tail -3 >&2; }
  done
  "$java" -jar bench/target/bench.jar "$scenario" --coordinator http://localhost:9180 \
    --chat-server http://localhost:9181 --pids "9181=$chat_pid" --user-prefix "cmp$$-$3$1-" \
    "${archiver_args[@]}" "${bench_args[@]}" >"$work/bench-$1-$3.log" 2>&1 || {
      echo "bench failed for $1 round $3:" >&2; tail -20 "$work/bench-$1-$3.log" >&2; exit 1; }
  kill "$chat_pid"; wait "$chat_pid" 2>/dev/null || true; chat_pid=
  if [ -n "$archiver_pid" ]; then
    kill "$archiver_pid"; wait "$archiver_pid" 2>/dev/null || true; archiver_pid=
  fi
  record "$1" "$3"
}

record() { # label round: appends the measured run's figures to figures.tsv
  result=$(grep -o "bench/results/$scenario-[0-9-]*\.json" "$work/bench-$1-$2.log" | tail -1)
  python3 - "$result" "$1" "$2" "$work/redis-$1-$2" "$(getconf CLK_TCK)" <<'PY' >>"$work/figures.tsv"
import json, os, sys
result = json.load(open(sys.argv[1]))
if result["scenario"] == "connections":
    # Idle sessions: CPU per second while all sit idle (periodic work), by the connections open.
    extra, idle = result["extra"], result["extra"]["idleCpu"]
    jit = idle["threadCpuSeconds"].get("C CompilerThre", 0.0) * 1e3 / idle["seconds"]
    cpu = idle["cpuMillisPerSecond"]
    print(f'{sys.argv[2]}\t{sys.argv[3]}\t{extra["open"]}\t{cpu:.2f}\t0\t{sys.argv[1]}\t\t{cpu - jit:.2f}')
    sys.exit(0)
p = result["points"][-1]
bad = p["lost"] + p["duplicates"] + p["outOfOrder"] + p["gaps"]
archiver = ""
if result["scenario"] == "rooms":
    rate, cpu = p["messagesPerSecond"], result["extra"]["serverCpuMicrosPerMessage"]
    seconds = result["extra"].get("archiverCpuSeconds")
    if seconds is not None:
        archiver = f'{seconds * 1e6 / p["messages"]:.2f}'
else:
    rate, cpu = p["deliveriesPerSecond"], p["serverCpuMicrosPerDelivery"]
# The same CPU without the JIT compiler's threads: a warm run of a young JVM still compiles, and
# that work (0.5-2 s per run on 2 cores) varies more between runs than most changes measured here.
jit = (p.get("serverCpuSecondsByThread") or {}).get("C CompilerThre", 0.0)
units = p["messages"] if result["scenario"] == "rooms" else p["delivered"]
no_jit = cpu - jit * 1e6 / units if units else cpu
# Redis's CPU per message (ALTERNATE=1 rooms runs): the script, the publish, re-syncs, presence.
redis = ""
if result["scenario"] == "rooms" and os.path.exists(sys.argv[4]):
    redis = f'{int(open(sys.argv[4]).read()) / int(sys.argv[5]) * 1e6 / p["messages"]:.2f}'
print(f'{sys.argv[2]}\t{sys.argv[3]}\t{rate:.0f}\t{cpu:.2f}\t{bad}\t{sys.argv[1]}\t{archiver}\t{no_jit:.2f}\t{redis}')
PY
}

echo "warm-up runs per chat-app: ${WARMUP_RUNS:-0}"
echo "old: $old_jar on $("$old_java" -version 2>&1 | head -1)"
echo "new: $new_jar on $("$new_java" -version 2>&1 | head -1)"
bench_on() { # label port tag [results dir]: one run against the app on that port, log bench-<label>-<tag>
  "$java" -jar bench/target/bench.jar "$scenario" --coordinator http://localhost:9180 \
    --chat-server "http://localhost:$2" --pids "$2=${warm_pid[$1]}" --user-prefix "cmp$$-$3$1-" \
    --results "${4:-bench/results}" "${bench_args[@]}" >"$work/bench-$1-$3.log" 2>&1
}

redis_cpu_ticks() { # the local Redis server's CPU so far, in clock ticks
  local pid
  pid=$(redis-cli info server | tr -d '\r' | awk -F: '$1 == "process_id" {print $2}')
  awk '{print $14 + $15}' "/proc/$pid/stat"
}

alternate() {
  [ -z "${OLD_ARCHIVER:-}${NEW_ARCHIVER:-}" ] || { echo "ALTERNATE=1 compares chat-apps only" >&2; exit 1; }
  local label warm round
  declare -A port_of=([old]=9181 [new]=9183) jar_of=([old]=$old_jar [new]=$new_jar)
  for label in old new; do
    start_chat "$label" "${jar_of[$label]}" "${port_of[$label]}" "$work/chat-$label.log"
    warm_pid[$label]=$started_pid
  done
  sleep 3 # one heartbeat at least, so the coordinator lists both
  for warm in $(seq 1 "${WARMUP_RUNS:-0}"); do
    for label in old new; do
      bench_on "$label" "${port_of[$label]}" "w$warm" "$work/warm-up" || {
        echo "warm-up $warm of $label incomplete:" >&2
        grep -E 'lost|first send error' "$work/bench-$label-w$warm.log" | tail -3 >&2; }
    done
  done
  for round in $(seq 1 "$rounds"); do
    # Who goes first alternates too, so neither build always follows the other's run.
    local order=(old new)
    [ $((round % 2)) -eq 0 ] && order=(new old)
    for label in "${order[@]}"; do
      local redis_before
      redis_before=$(redis_cpu_ticks)
      bench_on "$label" "${port_of[$label]}" "$round" || {
        echo "bench failed for $label round $round:" >&2; tail -20 "$work/bench-$label-$round.log" >&2; exit 1; }
      # Only this run uses Redis meanwhile (the other chat-app idles), so its CPU is this run's.
      echo $(($(redis_cpu_ticks) - redis_before)) >"$work/redis-$label-$round"
      record "$label" "$round"
    done
  done
}

if [ "${ALTERNATE:-0}" = 1 ]; then
  echo "measured runs alternate between two running chat-apps"
  alternate
else
  for round in $(seq 1 "$rounds"); do
    run_one old "$old_jar" "$round"
    run_one new "$new_jar" "$round"
  done
fi

case "$scenario" in
  rooms) rate=messages/s cost="µs/message" ;;
  connections) rate="connections open" cost="ms of CPU per idle second" ;;
  *) rate=deliveries/s cost="µs/delivery" ;;
esac
echo "$scenario: build	round	$rate	server $cost	lost+dup+reordered	result	archiver µs/message	server $cost without JIT	Redis µs/message"
cat "$work/figures.tsv"
python3 - "$work/figures.tsv" "$rate" "$cost" <<'PY'
import statistics, sys
rate, cost = sys.argv[2], sys.argv[3]
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()]
med = {}
for build in ("old", "new"):
    r = [x for x in rows if x[0] == build]
    med[build] = (statistics.median(float(x[2]) for x in r), statistics.median(float(x[3]) for x in r))
    arch = [float(x[6]) for x in r if len(x) > 6 and x[6]]
    no_jit = statistics.median(float(x[7]) for x in r)
    med[build] += (no_jit,) + ((statistics.median(arch),) if arch else ())
    print(f"median {build}: {med[build][0]:.0f} {rate}, {med[build][1]:.2f} {cost}"
          + f" ({no_jit:.2f} without the JIT's threads)"
          + (f", archiver {med[build][3]:.2f} µs/message" if arch else ""))
# Each round's pair, side by side in time: the ratio within a pair does not carry the drift
# between rounds that the medians above do.
pairs = []
for rnd in sorted({x[1] for x in rows}, key=int):
    o = [float(x[7]) for x in rows if x[0] == "old" and x[1] == rnd]
    n = [float(x[7]) for x in rows if x[0] == "new" and x[1] == rnd]
    if o and n:
        pairs.append(n[0] / o[0])
if pairs:
    print(f"per round, new/old server {cost} without the JIT's threads: "
          + " ".join(f"{r:.2f}" for r in pairs)
          + f"; median {statistics.median(pairs):.2f}x, new cheaper in {sum(r < 1 for r in pairs)}"
          + f" of {len(pairs)}")
redis = {b: {x[1]: float(x[8]) for x in rows if x[0] == b and len(x) > 8 and x[8]} for b in ("old", "new")}
rounds = [r for r in redis["old"] if r in redis["new"]]
if rounds:
    ratios = [redis["new"][r] / redis["old"][r] for r in rounds]
    print(f"Redis µs/message: median old {statistics.median(redis['old'].values()):.2f}, "
          f"new {statistics.median(redis['new'].values()):.2f}; per round new/old "
          + " ".join(f"{r:.2f}" for r in ratios)
          + f"; median {statistics.median(ratios):.2f}x, new cheaper in {sum(r < 1 for r in ratios)}"
          + f" of {len(ratios)}")
print(f"new/old: {med['new'][0] / med['old'][0]:.2f}x {rate}, "
      f"{med['new'][1] / med['old'][1]:.2f}x server {cost}, "
      f"{med['new'][2] / med['old'][2]:.2f}x without the JIT's threads"
      + (f", {med['new'][3] / med['old'][3]:.2f}x archiver CPU per message"
         if len(med['new']) > 3 and len(med['old']) > 3 else ""))
PY
