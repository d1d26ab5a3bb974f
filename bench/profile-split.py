#!/usr/bin/env python3
"""Splits an async-profiler collapsed CPU profile (taken with `threads`) per message.

    python3 bench/profile-split.py PROFILE.collapsed MESSAGES INTERVAL_US [THREAD_REGEX [TOP]]

Prints the CPU per message by thread group and by kind (Java, or the system call a stack ends
in), leaving out the JIT's compiler threads and the connect phase (HTTP upgrade, CONNECT's token
check, SUBSCRIBE), which bench/profile-rooms.sh profiles too but `rooms` does not count per
message. With THREAD_REGEX, also the TOP (default 60) frames by inclusive CPU inside the thread
groups it matches. A sample stands for INTERVAL_US of CPU (bench/profile-rooms.sh: 200).
"""
import collections
import re
import sys

NOT_PER_MESSAGE = re.compile(
    r"Http11Processor\.service|TokenVerifier|SubscriptionInterceptor|handleConnect"
    r"|afterConnectionEstablished|afterConnectionClosed|CompilerThre|Acceptor"
    r"|SessionConnect|SessionDisconnect|WsHttpUpgradeHandler\.init")
KINDS = [
    ("writev (socket writes of frames)", re.compile(r"writev")),
    ("write (Redis commands, wake-ups)", re.compile(r"ksys_write|__x64_sys_write\b")),
    ("read", re.compile(r"ksys_read|__x64_sys_read\b")),
    ("futex (thread hand-offs)", re.compile(r"futex")),
    ("epoll", re.compile(r"epoll")),
    ("GC", re.compile(r"GC Thread|G1|Refine")),
]


def group(thread):
    return re.sub(r"\d+", "N", re.sub(r"tid=\d+", "", thread)).strip("[] ")


def main():
    path, messages, interval = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    pattern = re.compile(sys.argv[4]) if len(sys.argv) > 4 else None
    top = int(sys.argv[5]) if len(sys.argv) > 5 else 60
    per_group, kinds, frames = collections.Counter(), collections.Counter(), collections.Counter()
    left_out, inside = 0, 0
    for line in open(path):
        stack, count = line.rsplit(" ", 1)
        count = int(count)
        if NOT_PER_MESSAGE.search(stack):
            left_out += count
            continue
        names = stack.split(";")
        per_group[group(names[0])] += count
        kinds[next((k for k, p in KINDS if p.search(stack)), "Java")] += count
        if pattern and pattern.search(group(names[0])):
            inside += count
            for name in set(names[1:]):
                frames[name] += count
    kept = sum(per_group.values())

    def us(n):
        return n * interval / messages

    print(f"{us(kept):.1f} µs/message in {kept} samples ({left_out} left out: JIT, connect phase)")
    for name, n in per_group.most_common(14):
        print(f"  {n * 100 / kept:5.1f}% {us(n):7.1f} µs/message  {name}")
    for name, n in kinds.most_common():
        print(f"  {name}: {n * 100 / kept:.1f}%, {us(n):.1f} µs/message")
    if pattern:
        print(f"inside {pattern.pattern}: {us(inside):.1f} µs/message")
        for name, n in frames.most_common(top):
            print(f"  {n * 100 / max(inside, 1):5.1f}% {us(n):7.1f}  {name[:140]}")


if __name__ == "__main__":
    main()
