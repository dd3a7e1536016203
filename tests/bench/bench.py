#!/usr/bin/env python3
"""canaux benchmarks: `make bench`.

Generates 1M and 10M order lines once (cached in $CANAUX_BENCH_DIR, default
bench-data/, which git ignores), then times `canaux check` on each with 1
and 2 threads, beside `cat FILE > /dev/null` as the bandwidth ceiling, and
`canaux run` (the main job) on the largest, stage by stage.
Each figure is the median of --runs runs (default 3); peak RSS comes from
wait4() of the measured process itself. Prints a Markdown table.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


LAST_STDERR = [""]


def run(cmd, stdout=subprocess.DEVNULL, env=None):
    """Wall seconds and peak RSS bytes of cmd; exits with its stderr when it fails."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, env=env)
    err = p.stderr.read().decode(errors="replace")
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed ({code}): {err}")
    LAST_STDERR[0] = err
    return wall, ru.ru_maxrss * 1024


def stage_times(err):
    """{'load': s, 'features': s, ...} from canaux's 'timings:' line."""
    out = {}
    for line in err.splitlines():
        if "timings:" in line:
            for part in line.split("timings:")[1].split(","):
                name, secs, _ = part.split()
                out[name] = float(secs)
    return out


def data_file(bin_, d, n, prefix="gen"):
    """The generated file of n lines in d ({prefix}-{n}-seed1.csv), made
    with `canaux gen --rows n --seed 1` when missing."""
    f = os.path.join(d, f"{prefix}-{n}-seed1.csv")
    if not os.path.exists(f):
        print(f"bench: generating {n:,} rows into {f}", file=sys.stderr)
        w, _ = run([bin_, "gen", "--rows", str(n), "--seed", "1", "-o", f + ".tmp"])
        os.rename(f + ".tmp", f)
        print(f"bench: generated in {w:.2f} s", file=sys.stderr)
    return f


def warm(path):
    """Reads path once, so that no measured command pays for the disk."""
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


def stage_memory(bin_, f, out):
    """[(stage, peak MiB, MiB left after it)] of one `canaux run` with
    CANAUX_MEMTRACE=1: each stage's own high-water mark."""
    env = dict(os.environ, CANAUX_MEMTRACE="1")
    p = subprocess.run([bin_, "run", "--force", "-q", "-j2", f, "-o", out], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    rows = []
    for line in p.stderr.decode().splitlines():
        if line.startswith("canaux: memory:"):
            w = line.split()
            rows.append((w[2], int(w[4]), int(w[7])))
    return rows


def measure(cmd, runs, stdout=subprocess.DEVNULL):
    walls, peaks = [], []
    for _ in range(runs):
        w, m = run(cmd, stdout)
        walls.append(w)
        peaks.append(m)
    return statistics.median(walls), max(peaks)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="./canaux")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="1000000,10000000")
    a = ap.parse_args()
    d = os.environ.get("CANAUX_BENCH_DIR", "bench-data")
    os.makedirs(d, exist_ok=True)
    rows = []
    for n in [int(x) for x in a.sizes.split(",")]:
        f = data_file(a.bin, d, n)
        size = os.path.getsize(f)
        warm(f)
        cat, _ = measure(["cat", f], a.runs)
        rows.append((n, size, "cat FILE > /dev/null", cat, None))
        for j in (1, 2):
            w, m = measure([a.bin, "check", "-q", f"-j{j}", f], a.runs)
            rows.append((n, size, f"canaux check -j{j}", w, m))
    seg = []
    n = max(int(x) for x in a.sizes.split(","))
    f = os.path.join(d, f"gen-{n}-seed1.csv")
    for j in (1, 2):
        walls, stages = [], []
        for _ in range(a.runs):
            out = os.path.join(d, f"run-j{j}")
            w, m = run([a.bin, "run", "--force", f"-j{j}", f, "-o", out])
            walls.append(w)
            stages.append(stage_times(LAST_STDERR[0]))
        med = statistics.median
        st = {k: med(s[k] for s in stages) for k in stages[0]}
        seg.append((n, j, med(walls), m, st))
    mem = stage_memory(a.bin, f, os.path.join(d, "run-mem"))
    print("| rows | CSV MB | command | wall s | MB/s | rows/s | peak RSS MB | RSS / CSV |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    for n, size, what, w, m in rows:
        mb = size / 1e6
        peak = f"{m / 1e6:.0f}" if m else ""
        ratio = f"{m / size:.2f}" if m else ""
        print(f"| {n:,} | {mb:.0f} | {what} | {w:.2f} | {mb / w:.0f} | {n / w:,.0f} | {peak} | {ratio} |")
    print()
    print("| rows | command | load s | features s | segmentation s | features + segmentation s | economics s | recommendations s | write s | wall s | peak RSS MB |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, j, w, m, st in seg:
        print(f"| {n:,} | canaux run -j{j} | {st['load']:.2f} | {st['features']:.2f} | "
              f"{st['segmentation']:.2f} | {st['features'] + st['segmentation']:.2f} | {st['economics']:.2f} | "
              f"{st['recommendations']:.2f} | {st['write']:.2f} | {w:.2f} | {m / 1e6:.0f} |")

    size = os.path.getsize(f)
    print()
    print(f"Memory by stage, canaux run -j2 on {n:,} lines (CANAUX_MEMTRACE=1; target: every peak under "
          f"half the CSV, {size / 2 / 2**20:.0f} MiB):")
    print()
    print("| stage | peak MiB | left after it MiB |")
    print("|---|---:|---:|")
    for stage, peak, now in mem:
        print(f"| {stage} | {peak} | {now} |")


if __name__ == "__main__":
    main()
