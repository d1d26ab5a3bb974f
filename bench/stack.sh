# Helpers shared by the benchmark scripts that start their own processes (sourced, not run).
# The caller sets `work` (a scratch directory) and `pids=()` (processes to stop on exit).

ports_free() { # name ports...: exits if any is in use
  local name=$1 port
  shift
  for port in "$@"; do
    if ss -ltnH "sport = :$port" | grep -q .; then
      echo "$name: port $port is in use" >&2
      exit 1
    fi
  done
}

stop_started() { # the trap: stops what was started and removes the scratch directory
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}

redis_node() { # port [extra redis-server args]: a private redis-server with AOF everysec
  local port=$1
  shift
  mkdir -p "$work/redis-$port"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$work/redis-$port" --save "" \
    --appendonly yes --appendfsync everysec "$@" >"$work/redis-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "redis on $port did not start" >&2
  exit 1
}

await_up() { # port: waits for the app's readiness, at most 90 s
  for _ in $(seq 1 180); do
    curl -fs "http://127.0.0.1:$1/actuator/health/readiness" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "app on port $1 did not come up; see $work" >&2
  exit 1
}

create_database() { # name: a PostgreSQL database on 127.0.0.1:5432, if missing
  psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname = '$1'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -qc "create database $1"
}
