# Sourced by bench/peers/side-by-side.sh and bench/peers/alternate-servers.sh: moves a cluster's
# server processes to CPU 0 (the load generator then runs on CPU 1) and gives each its own CPUs
# back. Every redis-server and postgres on the machine is moved, not only the cluster's.

# cluster_pids SERVERS_JSON URL...: the pids listening on the port of each chat server in
# SERVERS_JSON (GET /api/servers) and of each URL, every redis-server and every postgres (backends
# started later inherit the postmaster's CPUs).
cluster_pids() {
  local servers_json="$1" url port
  shift
  for url in $(printf '%s' "$servers_json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const x of JSON.parse(s))console.log(x.httpUrl)})') "$@"; do
    port="$(node -e 'console.log(new URL(process.argv[1]).port || 80)' "$url")"
    ss -ltnpH "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2
  done
  pgrep -x redis-server || true
  pgrep -x postgres || true
}

# pin_to_cpu0 FILE PID...: moves every thread of each process to CPU 0, first writing its own CPU
# list to FILE unless FILE has it already (so pinning again keeps the first record).
pin_to_cpu0() {
  local file="$1" pid
  shift
  touch "$file"
  for pid in $(printf '%s\n' "$@" | sort -un); do
    grep -q "^$pid " "$file" || echo "$pid $(taskset -p -c "$pid" 2>/dev/null | awk '{print $NF}')" >>"$file"
    taskset -a -p -c 0 "$pid" >/dev/null 2>&1 || echo "could not pin pid $pid" >&2
  done
}

# unpin FILE: gives each process recorded in FILE its CPUs back; postgres backends forked while
# pinned (they inherited CPU 0) get this shell's CPUs.
unpin() {
  local file="$1" pid cpus own
  [ -f "$file" ] || return 0
  own="$(taskset -p -c $$ | awk '{print $NF}')"
  while read -r pid cpus; do
    [ -n "$cpus" ] && taskset -a -p -c "$cpus" "$pid" >/dev/null 2>&1 || true
  done <"$file"
  for pid in $(pgrep -x postgres || true); do
    taskset -a -p -c "$own" "$pid" >/dev/null 2>&1 || true
  done
}
