#!/usr/bin/env bash
# Profiles one chat-app build under the `rooms` workload, warm: where a message's CPU goes.
#
#   bench/profile-rooms.sh CHAT_APP_JAR OUT_PREFIX [WARM_RUNS] [PROFILED_RUNS]
#
# Starts a coordinator (this checkout's jar, port 9180) and the chat-app (port 9181) on the local
# Redis (key prefix prof-<pid>) and PostgreSQL (database chatroom_prof), runs `bench rooms`
# (200 rooms x 5 members x 40 messages, 4 unacked) WARM_RUNS times (default 3, discarded), then
# attaches async-profiler (CPU samples every 200 µs of CPU, per thread) for PROFILED_RUNS more
# (default 2) and writes OUT_PREFIX.collapsed. Then
#   python3 bench/profile-split.py OUT_PREFIX.collapsed <messages profiled> 200 [thread regex]
# prints µs per message by thread group and kind (Java, writev, write, futex, ...), the connect
# phase and the JIT's threads left out, and with a regex the frames inside those threads.
# Needs async-profiler 4.1 (Maven Central tools.profiler:async-profiler:4.1:linux-x64, unpacked;
# ASYNC_PROFILER=<path of libasyncProfiler.so>, default /tmp/ap/linux-x64/libasyncProfiler.so) and
# APP_JAVA (default: JAVA_HOME's java, else the PATH's) with jcmd beside it.
set -euo pipefail
cd -P "$(dirname "$0")/.."

jar=${1:?chat-app jar}
out=${2:?output prefix}
warm_runs=${3:-3}
profiled_runs=${4:-2}
profiler=${ASYNC_PROFILER:-/tmp/ap/linux-x64/libasyncProfiler.so}
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
app_java=${APP_JAVA:-$java}
jcmd=$(dirname "$(readlink -f "$(command -v "$app_java")")")/jcmd
[ -f "$profiler" ] || { echo "no async-profiler at $profiler" >&2; exit 1; }
prefix="prof-$$"
db=chatroom_prof
work=$(mktemp -d)
pids=()
. bench/stack.sh
cleanup() {
  stop_started
  redis-cli --scan --pattern "$prefix:*" | xargs -r -n 500 redis-cli del >/dev/null || true
}
trap cleanup EXIT
ports_free profile-rooms 9180 9181
create_database "$db"

common=(--spring.data.redis.url=redis://127.0.0.1:6379
        --spring.datasource.url=jdbc:postgresql://127.0.0.1:5432/$db
        --chatroom.redis.key-prefix=$prefix --spring.profiles.active=local)
"$app_java" -jar coordinator-app/target/coordinator-app.jar --server.port=9180 "${common[@]}" \
  --chatroom.auth.throttle.max-registrations-per-address=0 >"$work/coordinator.log" 2>&1 &
pids+=($!)
await_up 9180
"$app_java" -jar "$jar" --server.port=9181 --chatroom.server-id=prof \
  --chatroom.coordinator.urls=http://localhost:9180 --chatroom.rate-limit.messages-per-second=0 \
  --chatroom.allowed-origins=http://localhost:9180 "${common[@]}" >"$work/chat.log" 2>&1 &
chat_pid=$!
pids+=($chat_pid)
await_up 9181
sleep 3 # one heartbeat at least, so the coordinator assigns it

run() { # label: one rooms run; prints its figures
  "$java" -jar bench/target/bench.jar rooms --coordinator http://localhost:9180 \
    --chat-server http://localhost:9181 --pids "9181=$chat_pid" --user-prefix "p$$-$1-" \
    --results "$work/results" --rooms 200 --members 5 --messages 40 --window 4 \
    >"$work/bench-$1.log" 2>&1 || true
  local result
  result=$(grep -o "$work/results/rooms-[0-9-]*\.json" "$work/bench-$1.log" | tail -1)
  python3 - "$result" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = d["points"][-1]
bad = p["lost"] + p["duplicates"] + p["outOfOrder"] + p["gaps"]
print(f'{sys.argv[2]}: {p["messagesPerSecond"]:.0f} messages/s, '
      f'{d["extra"]["serverCpuMicrosPerMessage"]} µs/message, lost+dup+ooo+gaps {bad}, '
      f'refused {d["extra"]["refused"]}')
PY
}

for i in $(seq 1 "$warm_runs"); do run "warm-$i"; done
"$jcmd" "$chat_pid" JVMTI.agent_load "$profiler" '"start,event=cpu,interval=200us,threads"' >/dev/null
for i in $(seq 1 "$profiled_runs"); do run "profiled-$i"; done
"$jcmd" "$chat_pid" JVMTI.agent_load "$profiler" "\"stop,collapsed,file=$(readlink -f "$(dirname "$out")")/$(basename "$out").collapsed\"" >/dev/null
echo "profile: $out.collapsed ($((profiled_runs * 40000)) messages profiled)"
