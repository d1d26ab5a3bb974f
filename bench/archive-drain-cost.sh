#!/usr/bin/env bash
# Redis's CPU per drained message of the archiver's queue scripts (TAKE and DONE in
# archiver-app/.../drain/ArchiveQueue.java): a git revision's scripts against this checkout's,
# alternating, on a private redis-server (AOF every second, as in docker/), so nothing else shares
# it.
#
#   bench/archive-drain-cost.sh OLD_REV [ROUNDS] [MESSAGES]
#
# Each round fills one shard's queue with MESSAGES entries (default 200,000) of a 100-character
# message as chat-apps store it, then drains it the way the archiver does, batches of 500: TAKE
# (lease, then the batch), DONE (trim what was committed from the list it came from, renew the
# lease); PostgreSQL is left out, it costs Redis nothing. Old first in odd rounds, new first in
# even ones. Prints Redis's own time in the scripts (INFO commandstats) and the server process's
# CPU per drained message (that plus reading requests, writing replies and the AOF), then the
# medians and the median of the rounds' new/old ratios. PORT (default 6396) must be free.
set -euo pipefail
cd -P "$(dirname "$0")/.."

old_rev=${1:?git revision of the old scripts}
rounds=${2:-8}
messages=${3:-200000}
port=${PORT:-6396}
source_file=archiver-app/src/main/java/io/chatroom/archiver/drain/ArchiveQueue.java
work=$(mktemp -d)
pids=()
. bench/stack.sh
trap stop_started EXIT
ports_free archive-drain-cost "$port"
git show "$old_rev:$source_file" >"$work/old.java"
cp "$source_file" "$work/new.java"
redis_node "$port"

echo "archive drain: $old_rev against the working tree, $rounds rounds of $messages messages, $(redis-server --version | awk '{print $3}')"
python3 - "$work" "$port" "$rounds" "$messages" <<'EOF'
import os, re, socket, sys, textwrap

work, port, rounds, messages = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
BATCH = 500

def scripts(path):
    src = open(path).read()
    found = {}
    for name in ("TAKE", "DONE"):
        m = re.search(name + r'\s*=\s*bytes\(\s*"""\n(.*?)"""', src, re.S)
        found[name] = textwrap.dedent(m.group(1))
    return found

class Redis:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""
    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return self.reply()
    def line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.sock.recv(1 << 20)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line
    def reply(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind == b"+": return rest.decode()
        if kind == b"-": raise RuntimeError(rest.decode())
        if kind == b":": return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0: return None
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(1 << 20)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise RuntimeError("unexpected reply " + repr(line))

r = Redis(port)
pid = int(re.search(rb"process_id:(\d+)", r.call("INFO", "server")).group(1))
ticks = os.sysconf("SC_CLK_TCK")
def cpu():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks

queue, processing, lease = "bench:{s0}:archive", "bench:{s0}:archive:processing", "bench:{s0}:archive:lease"
entry = ('{"id":"0f8e4a52-6a3c-4a6e-9a1b-1d2c3b4a5e6f","room":"room-17","seq":%d,"sender":"alice",'
         '"text":"A message of one hundred characters, as the rooms benchmark sends them, give or take a few more.",'
         '"sentAt":"2026-11-30T16:42:33.123Z"}')
versions = {name: scripts(os.path.join(work, name + ".java")) for name in ("old", "new")}

def run(rnd, name):
    take, done = versions[name]["TAKE"], versions[name]["DONE"]
    r.call("FLUSHALL")
    for start in range(0, messages, 1000):
        r.call("RPUSH", queue, *[entry % seq for seq in range(start + 1, min(start + 1000, messages) + 1)])
    r.call("CONFIG", "RESETSTAT")
    before = cpu()
    drained = 0
    while True:
        reply = r.call("EVAL", take, 3, queue, processing, lease, "token", BATCH, 30000)
        batch = len(reply) - 1
        if batch == 0:
            break
        # The scripts' own contract: a left-over ('L') or an old version's moved batch sits in the
        # processing list; the new version's batch is still at the head of the queue.
        source = processing if r.call("LLEN", processing) > 0 else queue
        assert r.call("EVAL", done, 2, source, lease, "token", batch, 30000) == 1
        drained += batch
    after = cpu()
    assert drained == messages, (name, drained)
    assert r.call("LLEN", queue) == 0 and r.call("LLEN", processing) == 0
    stats = r.call("INFO", "commandstats").decode()
    usec = sum(int(m) for m in re.findall(r"cmdstat_eval:calls=\d+,usec=(\d+)", stats))
    with open(os.path.join(work, "results"), "a") as results:
        results.write(f"{rnd} {name} {usec / messages} {(after - before) * 1e6 / messages}\n")
    print(f"round {rnd} {name:<3} {usec / messages:6.3f} µs in the scripts, "
          f"{(after - before) * 1e6 / messages:6.3f} µs of Redis CPU per message", flush=True)

for rnd in range(1, rounds + 1):
    for name in (("old", "new") if rnd % 2 else ("new", "old")):
        run(rnd, name)
EOF
python3 bench/rounds-summary.py "$work/results" "µs in the scripts per message" "µs of Redis CPU per message"
