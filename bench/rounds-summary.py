#!/usr/bin/env python3
"""Medians and per-round new/old ratios of a benchmark that alternates an old and a new build.

    python3 bench/rounds-summary.py RESULTS LABEL [LABEL ...]

RESULTS holds one line per measured run: `<round> <old|new> <value> [<value> ...]`, one value per
LABEL (lower is better). Prints, per value, both medians, the range and median of the rounds'
new/old ratios, and in how many rounds new was cheaper. Used by bench/append-script-cost.sh and
bench/archive-drain-cost.sh.
"""
import statistics
import sys


def main():
    path, labels = sys.argv[1], sys.argv[2:]
    runs = {}
    for line in open(path):
        rnd, name, *values = line.split()
        runs.setdefault(int(rnd), {})[name] = [float(v) for v in values]
    for i, label in enumerate(labels):
        old = [r["old"][i] for r in runs.values()]
        new = [r["new"][i] for r in runs.values()]
        ratios = [r["new"][i] / r["old"][i] for r in runs.values()]
        print(f"{label}: median old {statistics.median(old):.3f}, new {statistics.median(new):.3f}; "
              f"per-round new/old {min(ratios):.2f}-{max(ratios):.2f}, "
              f"median {statistics.median(ratios):.3f}, "
              f"new cheaper in {sum(r < 1 for r in ratios)} of {len(ratios)}")


if __name__ == "__main__":
    main()
