#!/usr/bin/env bash
# One Redis against a Redis Cluster of 3 masters, on the same workload, interleaved in one run:
# does the work spread over the masters, and what does a message cost Redis on each?
#
#   bench/redis-cluster-share.sh [ROUNDS]
#
# Starts two private Redis set-ups from the installed redis-server (7+), both with AOF
# (appendfsync everysec) and one replica per master, as production would run them:
#   single:  a master on 7210 and its replica on 7211
#   cluster: 3 masters + 3 replicas on 7200-7205 (redis-cli --cluster create)
# and beside each a coordinator, one chat-app and the archiver (single: 9280-9282, cluster:
# 9290-9292; PostgreSQL 127.0.0.1:5432, databases chatroom_share_single / _cluster, created if
# missing). Then per round the bench's rooms scenario (ROOMS rooms x MEMBERS members x MESSAGES
# messages each, WINDOW unacked) against the single set-up, then against the cluster.
# Per step it prints the messages each master took (its INCR calls: the append script makes
# exactly one per message), each master's share, and Redis CPU per message (utime + stime of
# every Redis process of the set-up, from /proc), masters alone and with replicas; the bench's
# own line gives the chat-app's and the archiver's CPU. Not part of ./mvnw verify.
# Needs the jars: ./mvnw -B -q -DskipTests package.
set -euo pipefail
cd -P "$(dirname "$0")/.."

rounds=${1:-2}
ROOMS=${ROOMS:-400}
MEMBERS=${MEMBERS:-5}
MESSAGES=${MESSAGES:-20}
WINDOW=${WINDOW:-4}
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
command -v redis-server >/dev/null && command -v redis-cli >/dev/null \
  || { echo "redis-cluster-share: redis-server and redis-cli 7+ are needed" >&2; exit 1; }
. bench/stack.sh
ports_free redis-cluster-share 7200 7201 7202 7203 7204 7205 7210 7211 9280 9281 9282 9290 9291 9292

work=$(mktemp -d)
out="bench/results/redis-cluster-share-$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$out"
pids=()
trap stop_started EXIT

redis_node 7210
redis_node 7211 --replicaof 127.0.0.1 7210
for port in 7200 7201 7202 7203 7204 7205; do
  redis_node "$port" --cluster-enabled yes --cluster-config-file nodes.conf \
    --cluster-node-timeout 3000
done
redis-cli --cluster create 127.0.0.1:7200 127.0.0.1:7201 127.0.0.1:7202 127.0.0.1:7203 \
  127.0.0.1:7204 127.0.0.1:7205 --cluster-replicas 1 --cluster-yes >"$work/create.log" 2>&1
for _ in $(seq 1 100); do
  redis-cli -p 7200 cluster info | grep -q cluster_state:ok && break
  sleep 0.2
done

stack() { # name first-port redis-setting
  local name=$1 base=$2 redis=$3 db="chatroom_share_$1"
  create_database "$db"
  local common=("$redis" "--spring.datasource.url=jdbc:postgresql://127.0.0.1:5432/$db"
    --spring.profiles.active=local)
  "$java" -jar coordinator-app/target/coordinator-app.jar --server.port="$base" "${common[@]}" \
    --chatroom.auth.throttle.max-registrations-per-address=0 >"$work/$name-coordinator.log" 2>&1 &
  pids+=($!)
  await_up "$base"
  "$java" -jar chat-app/target/chat-app.jar --server.port=$((base + 1)) \
    --chatroom.server-id="share-$name" --chatroom.coordinator.urls="http://localhost:$base" \
    --chatroom.rate-limit.messages-per-second=0 --chatroom.allowed-origins="http://localhost:$base" \
    "${common[@]}" >"$work/$name-chat.log" 2>&1 &
  pids+=($!)
  "$java" -jar archiver-app/target/archiver-app.jar --server.port=$((base + 2)) "${common[@]}" \
    >"$work/$name-archiver.log" 2>&1 &
  pids+=($!)
  await_up $((base + 1))
  await_up $((base + 2))
}

stack single 9280 --spring.data.redis.url=redis://127.0.0.1:7210
stack cluster 9290 \
  --spring.data.redis.cluster.nodes=127.0.0.1:7200,127.0.0.1:7201,127.0.0.1:7202,127.0.0.1:7203,127.0.0.1:7204,127.0.0.1:7205
# The chat-apps register with their coordinators on their first heartbeat.
sleep 10

cpu_ticks() { # ports...: utime + stime of their redis-server processes, in clock ticks
  local total=0 port pid
  for port in "$@"; do
    pid=$(ss -ltnpH "sport = :$port" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
masters_of() { # a node of the set-up: ports of its masters
  if [ "$1" = 7210 ]; then echo 7210; return; fi
  redis-cli -p "$1" cluster nodes | awk '$3 ~ /master/ {split($2, a, "[:@]"); print a[2]}' | sort
}
replicas_of() {
  if [ "$1" = 7210 ]; then echo 7211; return; fi
  redis-cli -p "$1" cluster nodes | awk '$3 ~ /slave/ {split($2, a, "[:@]"); print a[2]}' | sort
}
commandstats() { # ports...: per command, calls and microseconds summed over the ports
  local port
  for port in "$@"; do redis-cli -p "$port" info commandstats; done | tr -d '\r' \
    | sed -n 's/^cmdstat_\([^:]*\):calls=\([0-9]*\),usec=\([0-9]*\),.*/\1 \2 \3/p' \
    | awk '{c[$1] += $2; u[$1] += $3} END {for (k in c) print k, c[k], u[k]}' | sort -k3,3nr
}
incr_calls() { # port: INCR calls so far
  redis-cli -p "$1" info commandstats | sed -n 's/^cmdstat_incr:calls=\([0-9]*\),.*/\1/p' \
    | tr -d '\r' | awk '{s += $1} END {print s + 0}'
}

hz=$(getconf CLK_TCK)
{
  echo "redis-cluster-share: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD)," \
    "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(redis-server --version | cut -d' ' -f3)," \
    "$("$java" -version 2>&1 | head -1)"
  echo "workload: rooms $ROOMS x $MEMBERS members x $MESSAGES messages, window $WINDOW"
} | tee "$out/summary.txt"

step() { # name coordinator-port any-redis-port round
  local name=$1 base=$2 node=$3 round=$4
  local masters replicas
  mapfile -t masters < <(masters_of "$node")
  mapfile -t replicas < <(replicas_of "$node")
  declare -A before
  for m in "${masters[@]}"; do before[$m]=$(incr_calls "$m"); done
  commandstats "${masters[@]}" >"$work/commandstats-before"
  local m_cpu0 r_cpu0
  m_cpu0=$(cpu_ticks "${masters[@]}")
  r_cpu0=$(cpu_ticks "${replicas[@]}")
  "$java" -jar bench/target/bench.jar rooms --coordinator "http://localhost:$base" \
    --rooms "$ROOMS" --members "$MEMBERS" --messages "$MESSAGES" --window "$WINDOW" --servers 1 \
    --archiver "http://localhost:$((base + 2))" --results "$out" \
    >"$out/$name-$round.log" 2>&1 || echo "bench step $name $round failed: see $out/$name-$round.log"
  # Let the archiver drain what the step queued, so its Redis cost is counted too.
  sleep 3
  local m_cpu1 r_cpu1 total=0 shares=""
  m_cpu1=$(cpu_ticks "${masters[@]}")
  r_cpu1=$(cpu_ticks "${replicas[@]}")
  commandstats "${masters[@]}" >"$work/commandstats-after"
  declare -A took
  for m in "${masters[@]}"; do
    took[$m]=$(($(incr_calls "$m") - before[$m]))
    total=$((total + took[$m]))
  done
  for m in "${masters[@]}"; do
    shares="$shares $m:${took[$m]}($(awk -v a="${took[$m]}" -v t="$total" -v n="${#masters[@]}" \
      'BEGIN {printf "%+.1f%%", t ? (a * n / t - 1) * 100 : 0}'))"
  done
  awk -v name="$name" -v round="$round" -v total="$total" -v shares="$shares" -v hz="$hz" \
    -v m="$((m_cpu1 - m_cpu0))" -v r="$((r_cpu1 - r_cpu0))" 'BEGIN {
      printf "round %s %-7s messages %d, per master (vs even share):%s; Redis CPU per message: masters %.1f us, with replicas %.1f us\n",
        round, name, total, shares, total ? m / hz * 1e6 / total : 0, total ? (m + r) / hz * 1e6 / total : 0
    }' | tee -a "$out/summary.txt"
  { grep -E '^[0-9]+x[0-9]+' "$out/$name-$round.log" || true; } | tail -1 | sed 's/^/    bench: /' | tee -a "$out/summary.txt"
  # Where the masters' time went, by command, per message: Redis's own count (commandstats), in
  # wall-clock time, so on a busy machine it includes time the process waited for a core (it can
  # exceed the CPU figure above); read it as shares. The script's nested calls are counted both
  # in EVALSHA and on their own lines.
  awk -v total="$total" '
    NR == FNR {c0[$1] = $2; u0[$1] = $3; next}
    {dc = $2 - c0[$1]; du = $3 - u0[$1]; if (dc <= 0) next
     line[++n] = sprintf("      %-18s %9d calls %7.2f us/message", $1, dc, total ? du / total : 0)}
    END {print "    commandstats (wall-clock us per message, by command):"
         for (i = 1; i <= n && i <= 8; i++) print line[i]}' \
    "$work/commandstats-before" "$work/commandstats-after" | tee -a "$out/summary.txt"
}

# What Redis costs per second with the apps connected and no messages (timers, syncs, topology
# refreshes, cluster bus, replication pings), so that the per-message figures can be read with
# it subtracted: a cluster has more of it, spread over more processes.
idle() { # name any-redis-port
  local masters replicas m0 r0 m1 r1
  mapfile -t masters < <(masters_of "$2")
  mapfile -t replicas < <(replicas_of "$2")
  m0=$(cpu_ticks "${masters[@]}"); r0=$(cpu_ticks "${replicas[@]}")
  sleep "$IDLE_SECONDS"
  m1=$(cpu_ticks "${masters[@]}"); r1=$(cpu_ticks "${replicas[@]}")
  awk -v name="$1" -v hz="$hz" -v s="$IDLE_SECONDS" -v m="$((m1 - m0))" -v r="$((r1 - r0))" 'BEGIN {
      printf "idle %-7s Redis CPU per second with no messages: masters %.1f ms, replicas %.1f ms\n",
        name, m / hz * 1000 / s, r / hz * 1000 / s }' | tee -a "$out/summary.txt"
}
IDLE_SECONDS=${IDLE_SECONDS:-10}
idle single 7210
idle cluster 7200

for round in $(seq 1 "$rounds"); do
  step single 9280 7210 "$round"
  step cluster 9290 7200 "$round"
done
echo "results in $out"
