#!/usr/bin/env bash
# Redis's CPU per call of the append script (chat-app/src/main/resources/scripts/
# append-message.lua): a git revision's script against this checkout's, alternating, on a private
# redis-server (AOF every second, as in docker/), so nothing else shares it.
#
#   bench/append-script-cost.sh OLD_REV [ROUNDS] [CALLS]
#
# Each round runs CALLS appends (default 30,000) of a 100-character message to one room with a
# 2,000-message window by `redis-benchmark` (20 connections, a new idempotency key per call) for
# each script, old first in odd rounds and new first in even ones, and prints Redis's own time in
# the script (INFO commandstats, usec_per_call: the script and the commands it calls) and the
# server process's CPU per call (that plus reading requests and writing replies), then the medians
# and the median of the rounds' new/old ratios. PORT (default 6397) must be free.
set -euo pipefail
cd -P "$(dirname "$0")/.."

old_rev=${1:?git revision of the old script}
rounds=${2:-10}
calls=${3:-30000}
port=${PORT:-6397}
script=chat-app/src/main/resources/scripts/append-message.lua
work=$(mktemp -d)
pids=()
. bench/stack.sh
trap stop_started EXIT
ports_free append-script-cost "$port"
git show "$old_rev:$script" >"$work/old.lua"
cp "$script" "$work/new.lua"
redis_node "$port"
redis() { redis-cli -p "$port" "$@"; }
server_pid=$(redis info server | tr -d '\r' | awk -F: '$1 == "process_id" {print $2}')
ticks=$(getconf CLK_TCK)
text='"A message of one hundred characters, as the rooms benchmark sends them, give or take a few more."'

run() { # name: one measured run of $work/<name>.lua; appends "round name usec cpu_ns" to results
  local sha before after usec appended
  redis flushall >/dev/null
  sha=$(redis -x script load <"$work/$1.lua")
  redis set 'bench:{room}:seq' 0 >/dev/null
  redis config resetstat >/dev/null
  before=$(awk '{print $14 + $15}' "/proc/$server_pid/stat")
  redis-benchmark -p "$port" -q -n "$calls" -c 20 -r 1000000000 EVALSHA "$sha" 4 \
    'bench:{room}:idem:__rand_int__' 'bench:{room}:seq' 'bench:{room}:window' \
    'bench:{room}:archive' 'bench-message-id' room '"alice"' "$text" 2000 86400 \
    'bench:{room}:channel' 0 PUBLISH >/dev/null
  after=$(awk '{print $14 + $15}' "/proc/$server_pid/stat")
  usec=$(redis info commandstats | tr -d '\r' | awk -F'[=,]' '/^cmdstat_evalsha:/ {print $6}')
  appended=$(redis get 'bench:{room}:seq')
  # A repeated random idempotency key is a retry, not an append: allow a handful.
  if ((appended < calls - 50)); then
    echo "$1: only $appended of $calls calls appended" >&2
    exit 1
  fi
  echo "$round $1 $usec $(awk -v ns=$(((after - before) * 1000000000 / ticks / calls)) 'BEGIN {printf "%.3f", ns / 1000}')" >>"$work/results"
}

echo "append script: $old_rev against the working tree, $rounds rounds of $calls calls, $(redis-server --version | awk '{print $3}')"
for round in $(seq 1 "$rounds"); do
  if ((round % 2)); then run old; run new; else run new; run old; fi
  grep "^$round " "$work/results" | awk '{printf "round %s %-3s %7.2f µs in the script, %6.2f µs of Redis CPU per call\n", $1, $2, $3, $4}'
done
python3 bench/rounds-summary.py "$work/results" "µs in the script" "µs of Redis CPU"
