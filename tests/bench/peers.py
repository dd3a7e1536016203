#!/usr/bin/python3
"""canaux beside pandas + scikit-learn: `make bench-peers`.

Usage: /usr/bin/python3 tests/bench/peers.py --bin ./canaux [--sizes 1000000,10000000] [--runs 1]

On each size, the file that tests/bench/bench.py generates and caches
($CANAUX_BENCH_DIR, default bench-data/: gen-N-seed1.csv, made with
`canaux gen --rows N --seed 1` when missing) goes through
`canaux run --force -j2` and through peers_pandas.py, the same pipeline
written in pandas + scikit-learn (k-means with the k that canaux chose).
Wall time and peak RSS come from wait4() of each measured process (as in
bench.py; the median wall and the largest peak over --runs runs), stage
times from the `timings:` line each prints on stderr. peers_pandas.py runs
under this same interpreter: use Debian's /usr/bin/python3, which has
python3-pandas and python3-sklearn (a python3 earlier on PATH may not).

Then the two must agree, on the last run's outputs:
- channels.csv: per channel, lines, orders, customers, units and units
  returned exactly; net, cogs, margin, channel cost, contribution, order
  value mean, interval and median to the cent; the cost of sales ratio to
  its 4 printed decimals;
- customers.csv: the same customers, and for each the features of SPEC §3
  and the main channel: day counts, frequency and category breadth exactly,
  money and days between orders to the cent, rates to 4 decimals.
canaux prints cents (or 4 decimals) rounded half away from zero and pandas
keeps full precision, so "to the cent" means |canaux - pandas| <= half a
cent, with 1e-6 of slack for the floating-point sums (1e-9 at 4 decimals).

Prints a Markdown table (stages, wall, peak RSS, canaux's speed-up =
pandas wall / canaux wall and memory ratio = canaux peak / pandas peak) and
whether the targets hold at 10M lines: 15x faster, a tenth of the memory.
Exit status 1 when the two disagree, 2 when pandas or scikit-learn is
missing.

This process never imports pandas: a child's peak RSS as wait4() reports
it starts from its parent's (Linux carries the parent's high-water mark
through fork and exec), so the comparison runs in a forked worker and the
import check in a child, and the measured figures carry only this small
driver's ~12 MB.
"""
import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (data_file, warm, run, stage_times: those of make bench)

STAGES = ["load", "features", "segmentation", "economics", "recommendations", "write"]
TARGET_SIZE, TARGET_SPEEDUP, TARGET_MEMORY = 10_000_000, 15.0, 0.1
MAX_EXAMPLES = 5

# Columns compared and the decimals canaux prints them with (0: exactly).
CHANNEL_COLS = {"lines": 0, "orders": 0, "customers": 0, "units": 0, "units_returned": 0,
                "net": 2, "cogs": 2, "margin": 2, "channel_cost": 2, "contribution": 2,
                "cost_of_sales_ratio": 4, "aov_mean": 2, "aov_ci_low": 2, "aov_ci_high": 2, "aov_median": 2}
CUSTOMER_COLS = {"recency_days": 0, "frequency": 0, "monetary": 2, "avg_order_value": 2, "tenure_days": 0,
                 "interpurchase_days": 2, "return_rate": 4, "discount_rate": 4, "category_breadth": 0}


def require_pandas():
    """Checks in a child that pandas and scikit-learn import, or says how to
    install them and exits 2."""
    p = subprocess.run([sys.executable, "-c", "import pandas, sklearn"], stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        err = p.stderr.strip().splitlines()
        print(f"peers: {sys.executable}: {err[-1] if err else 'import failed'}: this benchmark needs "
              "Debian's pandas and scikit-learn, under /usr/bin/python3:\n"
              "  apt-get install -y python3-pandas python3-sklearn", file=sys.stderr)
        sys.exit(2)


def measure(cmd, runs):
    """Median wall, largest peak RSS and median stage times over runs."""
    walls, peaks, stages = [], [], []
    for _ in range(runs):
        w, m = bench.run(cmd)
        walls.append(w)
        peaks.append(m)
        stages.append(bench.stage_times(bench.LAST_STDERR[0]))
    st = {k: statistics.median(s[k] for s in stages) for k in stages[0]}
    return statistics.median(walls), max(peaks), st


def compare(ours, theirs, key, cols, what):
    """Compares canaux's table ours with pandas' theirs, joined on key.
    Returns (mismatches, rows joined, readable lines: counts and examples)."""
    lines, count = [], 0
    a, b = set(ours[key]), set(theirs[key])
    if a != b:
        count += len(a ^ b)
        lines.append(f"{what}: {len(a - b)} only in canaux (e.g. {sorted(a - b)[:3]}), "
                     f"{len(b - a)} only in pandas (e.g. {sorted(b - a)[:3]})")
    j = ours.merge(theirs, on=key, suffixes=("_canaux", "_pandas"))
    for col, prec in cols.items():
        x, y = j[f"{col}_canaux"], j[f"{col}_pandas"]
        if prec == 0:
            off = x != y
        else:
            slack = 1e-6 if prec <= 2 else 1e-9
            off = ((x - y).abs() > 0.5 * 10.0 ** -prec + slack) | (x.isna() != y.isna())
        if off.any():
            count += int(off.sum())
            lines.append(f"{what}: {col}: {int(off.sum())} mismatches, e.g.")
            for _, r in j[off].head(MAX_EXAMPLES).iterrows():
                lines.append(f"  {key} {r[key]}: canaux {r[f'{col}_canaux']!r}, pandas {r[f'{col}_pandas']!r}")
    return count, len(j), lines


def check(cdir, pdir):
    """Compares the channel totals and customer features of two runs (in a
    worker process: see the module's docstring). Returns (mismatches,
    channels, customers, readable lines)."""
    import pandas as pd
    keep = {"customer_id": str, "channel": str, "main_channel": str}
    n1, nch, l1 = compare(pd.read_csv(f"{cdir}/channels.csv", dtype=keep),
                          pd.read_csv(f"{pdir}/channels.csv", dtype=keep), "channel", CHANNEL_COLS, "channels")
    n2, ncu, l2 = compare(pd.read_csv(f"{cdir}/customers.csv", dtype=keep),
                          pd.read_csv(f"{pdir}/customers.csv", dtype=keep), "customer_id",
                          dict(CUSTOMER_COLS, main_channel=0), "customers")
    return n1 + n2, nch, ncu, l1 + l2


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="./canaux")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--sizes", default="1000000,10000000")
    a = ap.parse_args()
    require_pandas()
    d = os.environ.get("CANAUX_BENCH_DIR", "bench-data")
    os.makedirs(d, exist_ok=True)
    rows, failed = [], False
    for n in [int(x) for x in a.sizes.split(",")]:
        f = bench.data_file(a.bin, d, n)
        cdir, pdir = os.path.join(d, f"peers-{n}-canaux"), os.path.join(d, f"peers-{n}-pandas")
        bench.warm(f)
        print(f"peers: {n:,} lines: canaux run -j2", file=sys.stderr)
        c = measure([a.bin, "run", "--force", "-j2", f, "-o", cdir], a.runs)
        with open(os.path.join(cdir, "segments.csv")) as fh:
            k = sum(1 for _ in fh) - 1
        bench.warm(f)
        print(f"peers: {n:,} lines: pandas + scikit-learn, k = {k}", file=sys.stderr)
        p = measure([sys.executable, os.path.join(HERE, "peers_pandas.py"), f, "-o", pdir, "-k", str(k),
                     "--seed", "1"], a.runs)
        with multiprocessing.get_context("fork").Pool(1) as pool:
            bad, nch, ncu, lines = pool.apply(check, (cdir, pdir))
        if bad:
            failed = True
            print(f"peers: {n:,} lines: canaux and pandas DISAGREE ({bad} mismatches):", file=sys.stderr)
            for line in lines:
                print(f"  {line}", file=sys.stderr)
        else:
            print(f"peers: {n:,} lines: agree on {nch} channels and {ncu:,} customers", file=sys.stderr)
        agree = f"NO ({bad} mismatches)" if bad else f"yes ({nch} channels, {ncu:,} customers)"
        rows.append((n, c, p, agree))

    print("| rows | tool | " + " | ".join(f"{s} s" for s in STAGES)
          + " | wall s | peak RSS MB | speed-up | memory ratio | agree |")
    print("|---:|---|" + "---:|" * len(STAGES) + "---:|---:|---:|---:|---|")
    for n, c, p, agree in rows:
        last = f"{p[0] / c[0]:.1f}x | {c[1] / p[1]:.3f} | {agree}"
        for tool, (w, m, st), tail in (("canaux run -j2", c, last), ("pandas + scikit-learn", p, " | | ")):
            print(f"| {n:,} | {tool} | " + " | ".join(f"{st.get(s, float('nan')):.2f}" for s in STAGES)
                  + f" | {w:.2f} | {m / 1e6:.0f} | {tail} |")
    print()
    at = [r for r in rows if r[0] == TARGET_SIZE]
    if not at:
        print(f"Targets (at {TARGET_SIZE:,} lines): not measured in this run.")
    for n, c, p, _ in at:
        speed, mem = p[0] / c[0], c[1] / p[1]
        print(f"Target at {n:,} lines, >= {TARGET_SPEEDUP:.0f}x faster end to end: "
              f"{'met' if speed >= TARGET_SPEEDUP else 'NOT met'} ({speed:.1f}x)")
        print(f"Target at {n:,} lines, <= 1/{1 / TARGET_MEMORY:.0f} of the memory: "
              f"{'met' if mem <= TARGET_MEMORY else 'NOT met'} ({mem:.3f})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
