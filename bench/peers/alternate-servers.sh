#!/usr/bin/env bash
# Two chat-apps of one running cluster, measured in alternation by the Node generator: a build
# against another (start the second as an extra chat-app of the same cluster), each round running
# every scenario on each server, the first of each pair alternating between rounds. Prints one
# line per run with the server's CPU per delivery / message and the outbox's socket sends (writes)
# during the run, read from the server's /actuator/prometheus.
#
#   bench/peers/alternate-servers.sh OLD_ID NEW_ID ROUNDS
#
# Settings (environment), defaults in brackets:
#   SCENARIOS ["exp1 rooms"]   exp1: 10,000 x 100 (warm-up 2,000); rooms: 200 x 5 x 40, window 4
#   PINS [0]                   "0", "1" or "0 1": 1 runs with every server process on CPU 0 and the
#                              generator on CPU 1 (as bench/peers/side-by-side.sh PIN=1), 0 without
#   COORDINATOR [http://localhost:8080] ARCHIVER [http://localhost:8090]
#   OUT [bench/results/alternate-servers-<UTC time>]
# Not part of ./mvnw verify.
set -euo pipefail
cd -P "$(dirname "$0")/../.."
# shellcheck source=bench/peers/pinning.sh
. bench/peers/pinning.sh

if [ "$#" -ne 3 ]; then
  echo "usage: $0 OLD_ID NEW_ID ROUNDS" >&2
  exit 2
fi
old_id="$1" new_id="$2" rounds="$3"
case "$rounds" in '' | *[!0-9]*) echo "alternate-servers: ROUNDS must be a number" >&2; exit 2 ;; esac
SCENARIOS="${SCENARIOS:-exp1 rooms}"
PINS="${PINS:-0}"
COORDINATOR="${COORDINATOR:-http://localhost:8080}"
ARCHIVER="${ARCHIVER:-http://localhost:8090}"
OUT="${OUT:-bench/results/alternate-servers-$(date -u +%Y%m%d-%H%M%S)}"
for s in $SCENARIOS; do
  case "$s" in exp1 | rooms) ;; *) echo "alternate-servers: unknown scenario $s" >&2; exit 2 ;; esac
done
for p in $PINS; do
  case "$p" in 0 | 1) ;; *) echo "alternate-servers: PINS holds 0 and/or 1" >&2; exit 2 ;; esac
done

servers_json="$(curl -fsS --max-time 10 "$COORDINATOR/api/servers")"
url_of() {
  printf '%s' "$servers_json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const x=JSON.parse(s).find(v=>v.id===process.argv[1]);console.log(x?x.httpUrl:"")})' "$1"
}
old_url="$(url_of "$old_id")" new_url="$(url_of "$new_id")"
[ -n "$old_url" ] && [ -n "$new_url" ] || { echo "alternate-servers: $old_id or $new_id not listed live" >&2; exit 1; }
(cd bench/peers/load && npm ci --no-audit --no-fund --loglevel=error >&2)
mkdir -p "$OUT"

port_of() { node -e 'console.log(new URL(process.argv[1]).port || 80)' "$1"; }
affinity="$OUT/affinity.txt"
for id_url in "$old_url" "$new_url"; do
  if ! ss -ltnpH "sport = :$(port_of "$id_url")" 2>/dev/null | grep -q 'pid='; then
    case " $PINS " in *" 1 "*)
      echo "alternate-servers: no pid found listening for $id_url (run as the cluster's user or root)" >&2
      exit 1 ;;
    esac
  fi
done
trap 'unpin "$affinity"' EXIT
trap 'exit 130' INT TERM

sends() {
  curl -fsS --max-time 10 "$1/actuator/prometheus" | awk '/^chatroom_outbox_sends_total/ {s += $2} END {printf "%d", s}'
}

run() { # label id url pin scenario
  local label="$1" id="$2" url="$3" pin="$4" scenario="$5" generator=(node) before after
  [ "$pin" = 1 ] && generator=(taskset -c 1 node)
  local shape=(--messages 10000 --clients 100 --inflight 64 --warmup 2000)
  [ "$scenario" = rooms ] && shape=(--rooms 200 --members 5 --messages 40 --window 4 --warmup 10)
  before="$(sends "$url")"
  "${generator[@]}" bench/peers/load/load.mjs "$scenario" --peer chatroom --coordinator "$COORDINATOR" \
    --archiver "$ARCHIVER" --server-ids "$id" "${shape[@]}" >"$OUT/$label.json" 2>"$OUT/$label.log" || true
  after="$(sends "$url")"
  node -e '
    const fs = require("fs");
    const [file, label, sends] = process.argv.slice(1);
    let d;
    try { d = JSON.parse(fs.readFileSync(file, "utf8")); } catch { console.log(`${label} no result`); process.exit(); }
    const p = d.points[0];
    const errors = p.lost + p.duplicates + p.outOfOrder + p.sendErrors + (p.seqBreaks ?? 0) + (p.strayDeliveries ?? 0);
    console.log(`${label.padEnd(30)} ${p.messagesPerSecond.toFixed(0).padStart(7)} msgs/s ` +
      `${p.deliveriesPerSecond.toFixed(0).padStart(7)} deliveries/s  server CPU ` +
      `${p.serverCpuMicrosPerDelivery.toFixed(2)} µs/delivery ${p.serverCpuMicrosPerMessage.toFixed(1)} µs/message  ` +
      `sends ${sends}  errors ${errors}${d.correct ? "" : " FAILED"}`);
  ' "$OUT/$label.json" "$label" "$((after - before))" | tee -a "$OUT/runs.txt"
  sleep 2
}

{
  echo "alternate-servers: old $old_id ($old_url), new $new_id ($new_url), $rounds rounds, scenarios $SCENARIOS, pins $PINS"
  echo "started $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(cut -d' ' -f1-3 /proc/loadavg), bench commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
} | tee "$OUT/runs.txt"
for round in $(seq 1 "$rounds"); do
  for pin in $PINS; do
    # shellcheck disable=SC2046
    if [ "$pin" = 1 ]; then
      pin_to_cpu0 "$affinity" $(cluster_pids "$servers_json" "$COORDINATOR" "$ARCHIVER")
    else
      unpin "$affinity"
    fi
    for scenario in $SCENARIOS; do
      order="old new"
      [ $((round % 2)) = 0 ] && order="new old"
      for which in $order; do
        if [ "$which" = old ]; then
          run "r$round-pin$pin-$scenario-old" "$old_id" "$old_url" "$pin" "$scenario"
        else
          run "r$round-pin$pin-$scenario-new" "$new_id" "$new_url" "$pin" "$scenario"
        fi
      done
    done
  done
done
echo "load at end $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/runs.txt"
