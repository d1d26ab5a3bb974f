#!/usr/bin/env bash
# Installs the Socket.IO peer's packages (npm ci, from package-lock.json) and runs one server.mjs
# per port given, in the foreground, until SIGINT/SIGTERM, which stops them all.
#   bench/peers/socketio/run.sh 3101 [3102 ...]
# Environment: REDIS_URL (default redis://127.0.0.1:6379), SIO_KEY_PREFIX (default bench-sio),
# SIO_SKIP_NPM_CI=1 (skip npm ci when node_modules is already installed from this lock file).
# Writes .run/server-<port>.pid and .run/server-<port>.log beside this script.
# Used by bench/peers/side-by-side.sh; never by ./mvnw verify.
set -euo pipefail
cd -P "$(dirname "$0")"

if [ "$#" -eq 0 ]; then
  echo "usage: $0 <port> [<port> ...]" >&2
  exit 2
fi
command -v node >/dev/null || { echo "run.sh: node (20+) is not installed" >&2; exit 1; }

# npm ci is skipped only when asked and when the installed tree came from this very lock file.
if [ "${SIO_SKIP_NPM_CI:-0}" = "1" ] && [ -f node_modules/.package-lock.json ] \
    && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "run.sh: node_modules up to date, npm ci skipped" >&2
else
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

mkdir -p .run
pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -f .run/server-*.pid
}
trap stop INT TERM EXIT

for port in "$@"; do
  case "$port" in
    '' | *[!0-9]*) echo "run.sh: not a port: $port" >&2; exit 2 ;;
  esac
  node server.mjs --port "$port" >".run/server-$port.log" 2>&1 &
  pids+=("$!")
  echo "$!" >".run/server-$port.pid"
done

# Ready when every port answers /health (at most 30 s).
for port in "$@"; do
  ok=0
  for _ in $(seq 1 60); do
    if curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$port/health"; then
      ok=1
      break
    fi
    sleep 0.5
  done
  if [ "$ok" -ne 1 ]; then
    echo "run.sh: server on port $port did not come up; its log:" >&2
    tail -20 ".run/server-$port.log" >&2 || true
    exit 1
  fi
  echo "socket.io peer on http://127.0.0.1:$port (pid $(cat ".run/server-$port.pid"))"
done
echo "ready"

# Stay in the foreground while the servers run; end when any of them exits.
wait -n "${pids[@]}" || true
echo "run.sh: a server exited; stopping the others" >&2
