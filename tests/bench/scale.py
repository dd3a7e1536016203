#!/usr/bin/env python3
"""canaux at scale: `make bench-scale`.

Times `canaux run -j2` on the cached 10M-line file of `make bench`, then
generates a file ten times as large (100M lines, about 8.6 GB) beside it,
runs the same job on it, and deletes it: the time ratio says whether the
job grows linearly, the peak RSS whether memory stays under half the CSV.
Also times `canaux check` on a gzip copy of the 10M-line file (gzip
throughput: decompression is serial), and runs the abuse test of distinct
customers with one line each at 10M customers. Needs about 9 GB free in
$CANAUX_BENCH_DIR (default bench-data/) and about 3 minutes.
"""
import argparse
import os
import subprocess
import sys

from bench import LAST_STDERR, data_file, run, stage_times

STAGES = ("load", "features", "segmentation", "economics", "recommendations", "write")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="./canaux")
    ap.add_argument("--rows", type=int, default=10_000_000, help="the smaller size; the larger is 10x")
    a = ap.parse_args()
    d = os.environ.get("CANAUX_BENCH_DIR", "bench-data")
    os.makedirs(d, exist_ok=True)
    rows = []
    small = data_file(a.bin, d, a.rows)
    gz = small + ".gz"
    if not os.path.exists(gz):
        with open(gz + ".tmp", "wb") as out:
            subprocess.run(["gzip", "-c", "-1", small], stdout=out, check=True)
        os.rename(gz + ".tmp", gz)
    w, m = run([a.bin, "check", "-q", "-j2", gz])
    gz_line = (f"`canaux check -j2` on the gzip file ({os.path.getsize(gz) / 1e6:.0f} MB compressed, "
               f"{os.path.getsize(small) / 1e6:.0f} MB of CSV): {w:.2f} s, "
               f"{os.path.getsize(small) / 1e6 / w:.0f} MB/s of CSV, {a.rows / w:,.0f} rows/s, "
               f"peak {m / 1e6:.0f} MB")
    # The abuse test of distinct customers, one line each, at a.rows of them.
    env = dict(os.environ, CANAUX_BIN=os.path.abspath(a.bin), CANAUX_SRC=os.getcwd(),
               CANAUX_CUSTOMERS=str(a.rows), CANAUX_ABUSE_TESTS="million_customers")
    w, m = run(["sh", "-c", "sh tests/e2e/abuse.sh >&2"], env=env)   # its report on stderr, shown if it fails
    cust_line = (f"{a.rows:,} distinct customers, one line each (tests/e2e/abuse.sh million_customers): "
                 f"passed in {w:.1f} s (generating the file with awk included), peak {m / 1e6:.0f} MB")
    big = os.path.join(d, f"scale-{a.rows * 10}-seed1.csv")   # never a file `make bench` caches
    try:
        for f, n in ((small, a.rows), (data_file(a.bin, d, a.rows * 10, "scale"), a.rows * 10)):
            w, m = run([a.bin, "run", "--force", "-j2", "--format", "csv,json", f, "-o",
                        os.path.join(d, "run-scale")])
            rows.append((n, os.path.getsize(f), w, m, stage_times(LAST_STDERR[0])))
    finally:
        if os.path.exists(big):
            os.remove(big)
    print("| rows | CSV MB | " + " | ".join(f"{s} s" for s in STAGES) + " | wall s | peak RSS MB | RSS / CSV |")
    print("|---:|---:|" + "---:|" * len(STAGES) + "---:|---:|---:|")
    for n, size, w, m, st in rows:
        print(f"| {n:,} | {size / 1e6:.0f} | " + " | ".join(f"{st[s]:.2f}" for s in STAGES) +
              f" | {w:.2f} | {m / 1e6:.0f} | {m / size:.2f} |")
    (n0, _, w0, _, s0), (n1, _, w1, _, s1) = rows
    print()
    print(f"{n1 // n0}x the lines took {w1 / w0:.1f}x the time (" +
          ", ".join(f"{s} {s1[s] / s0[s]:.1f}x" for s in STAGES if s0[s] > 0) + ").")
    print(gz_line)
    print(cust_line)


if __name__ == "__main__":
    main()
