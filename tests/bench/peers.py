#!/usr/bin/python3
"""canaux beside DuckDB and pandas + scikit-learn: `make bench-peers`.

Usage: /usr/bin/python3 tests/bench/peers.py --bin ./canaux [--sizes 1000000,10000000] [--runs 1]
           [--peers duckdb,pandas] [--duckdb-modules build/duckdb] [--plant]

On each size, the file that tests/bench/bench.py generates and caches
($CANAUX_BENCH_DIR, default bench-data/: gen-N-seed1.csv, made with
`canaux gen --rows N --seed 1` when missing) goes, one after the other in
the same run, through
- `canaux run --force -j2` (every stage and format);
- peers_duckdb.mjs: the SQL of peers_duckdb.sql in DuckDB (Node's
  @duckdb/node-api, which `make bench-peers` installs into build/duckdb),
  2 threads: the same customer features and channel economics, written
  as CSV, without k-means or recommendations;
- peers_pandas.py, the whole pipeline written in pandas + scikit-learn
  (k-means with the k that canaux chose).
Wall time and peak RSS come from wait4() of each measured process (as in
bench.py; the median wall and the largest peak over --runs runs), stage
times from the `timings:` line each prints on stderr. peers_pandas.py runs
under this same interpreter: use Debian's /usr/bin/python3, which has
python3-pandas and python3-sklearn (a python3 earlier on PATH may not).

Then each peer must agree with canaux, on the last run's outputs:
- channels.csv: per channel, lines, orders, customers, units and units
  returned exactly; net, cogs, margin, channel cost, contribution, order
  value mean and median (and for pandas the interval) to the cent; the
  cost of sales ratio to its 4 printed decimals;
- customers.csv: the same customers, and for each the features of SPEC §3
  and the main channel: day counts, frequency and category breadth exactly,
  money and days between orders to the cent, rates to 4 decimals.
canaux prints cents (or 4 decimals) rounded half away from zero and the
peers keep full precision, so "to the cent" means |canaux - peer| <= half
a cent, with 1e-6 of slack for the floating-point sums (1e-9 at 4
decimals). --plant adds one line and one cent of net to the first channel
of DuckDB's channels.csv before the check, to show that the check fails.

Prints a Markdown table (stages, wall, peak RSS; on each peer's row,
canaux's speed-up = peer wall / canaux wall, above 1 when canaux is
faster, and memory ratio = canaux peak / peer peak) and whether the targets hold at 10M lines: 4x faster than
DuckDB, 15x faster than pandas, a tenth of pandas' memory. Exit status 1
when a peer disagrees, 2 when pandas, scikit-learn, Node.js or DuckDB is
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
TARGET_SIZE, TARGET_MEMORY = 10_000_000, 0.1
TARGET_SPEEDUP = {"duckdb": 4.0, "pandas": 15.0}
PEER_NAMES = {"duckdb": "DuckDB SQL, no k-means (2 threads)", "pandas": "pandas + scikit-learn"}
MAX_EXAMPLES = 5

# Columns compared and the decimals canaux prints them with (0: exactly).
CHANNEL_COLS = {"lines": 0, "orders": 0, "customers": 0, "units": 0, "units_returned": 0,
                "net": 2, "cogs": 2, "margin": 2, "channel_cost": 2, "contribution": 2,
                "cost_of_sales_ratio": 4, "aov_mean": 2, "aov_ci_low": 2, "aov_ci_high": 2, "aov_median": 2}
# DuckDB's SQL has no Student t quantile: no order-value interval.
DUCKDB_CHANNEL_COLS = {k: v for k, v in CHANNEL_COLS.items() if k not in ("aov_ci_low", "aov_ci_high")}
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


def require_duckdb(modules):
    """Checks that node runs and that @duckdb/node-api is installed in
    modules, or says how to get them and exits 2."""
    pkg = os.path.join(modules, "node_modules", "@duckdb", "node-api", "package.json")
    try:
        subprocess.run(["node", "--version"], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"peers: node: {exc}: the DuckDB peer needs Node.js (apt-get install -y nodejs)", file=sys.stderr)
        sys.exit(2)
    if not os.path.exists(pkg):
        print(f"peers: no {pkg}: `make bench-peers` installs DuckDB there "
              f"(npm install --prefix {modules} @duckdb/node-api)", file=sys.stderr)
        sys.exit(2)


def plant(ddir):
    """The planted error of --plant: one line and one cent of net more in
    the first channel of DuckDB's channels.csv."""
    import csv
    path = os.path.join(ddir, "channels.csv")
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["lines"] = str(int(rows[0]["lines"]) + 1)
    rows[0]["net"] = repr(float(rows[0]["net"]) + 0.01)
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"peers: planted an error in {path}: channel {rows[0]['channel']}: "
          f"lines {rows[0]['lines']}, net {rows[0]['net']}", file=sys.stderr)


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
    """Compares canaux's table ours with a peer's theirs, joined on key.
    Returns (mismatches, rows joined, readable lines: counts and examples)."""
    lines, count = [], 0
    a, b = set(ours[key]), set(theirs[key])
    if a != b:
        count += len(a ^ b)
        lines.append(f"{what}: {len(a - b)} only in canaux (e.g. {sorted(a - b)[:3]}), "
                     f"{len(b - a)} only in the peer (e.g. {sorted(b - a)[:3]})")
    j = ours.merge(theirs, on=key, suffixes=("_canaux", "_peer"))
    for col, prec in cols.items():
        x, y = j[f"{col}_canaux"], j[f"{col}_peer"]
        if prec == 0:
            off = x != y
        else:
            slack = 1e-6 if prec <= 2 else 1e-9
            off = ((x - y).abs() > 0.5 * 10.0 ** -prec + slack) | (x.isna() != y.isna())
        if off.any():
            count += int(off.sum())
            lines.append(f"{what}: {col}: {int(off.sum())} mismatches, e.g.")
            for _, r in j[off].head(MAX_EXAMPLES).iterrows():
                lines.append(f"  {key} {r[key]}: canaux {r[f'{col}_canaux']!r}, peer {r[f'{col}_peer']!r}")
    return count, len(j), lines


def check(cdir, pdir, channel_cols):
    """Compares the channel totals and customer features of two runs (in a
    worker process: see the module's docstring). Returns (mismatches,
    channels, customers, readable lines)."""
    import pandas as pd
    keep = {"customer_id": str, "channel": str, "main_channel": str}
    n1, nch, l1 = compare(pd.read_csv(f"{cdir}/channels.csv", dtype=keep),
                          pd.read_csv(f"{pdir}/channels.csv", dtype=keep), "channel", channel_cols, "channels")
    n2, ncu, l2 = compare(pd.read_csv(f"{cdir}/customers.csv", dtype=keep),
                          pd.read_csv(f"{pdir}/customers.csv", dtype=keep), "customer_id",
                          dict(CUSTOMER_COLS, main_channel=0), "customers")
    return n1 + n2, nch, ncu, l1 + l2


def run_peer(peer, a, f, n, k, out):
    """Times one peer on f, writing into out: (wall, peak, stages)."""
    if peer == "duckdb":
        cmd = ["node", os.path.join(HERE, "peers_duckdb.mjs"), f, "-o", out, "--threads", "2",
               "--modules", a.duckdb_modules]
    else:
        cmd = [sys.executable, os.path.join(HERE, "peers_pandas.py"), f, "-o", out, "-k", str(k), "--seed", "1"]
    bench.warm(f)
    print(f"peers: {n:,} lines: {PEER_NAMES[peer]}" + (f", k = {k}" if peer == "pandas" else ""), file=sys.stderr)
    return measure(cmd, a.runs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="./canaux")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--sizes", default="1000000,10000000")
    ap.add_argument("--peers", default="duckdb,pandas", help="comma-separated: duckdb, pandas")
    ap.add_argument("--duckdb-modules", default=os.path.join(os.path.dirname(os.path.dirname(HERE)), "build", "duckdb"),
                    help="the folder whose node_modules/ holds @duckdb/node-api")
    ap.add_argument("--plant", action="store_true", help="plant an error in DuckDB's channels.csv before the check")
    a = ap.parse_args()
    peers = [p for p in a.peers.split(",") if p]
    if not peers or any(p not in PEER_NAMES for p in peers):
        ap.error(f"--peers: a comma-separated list of {', '.join(PEER_NAMES)}")
    require_pandas()
    if "duckdb" in peers:
        require_duckdb(a.duckdb_modules)
    d = os.environ.get("CANAUX_BENCH_DIR", "bench-data")
    os.makedirs(d, exist_ok=True)
    rows, failed = [], False
    for n in [int(x) for x in a.sizes.split(",")]:
        f = bench.data_file(a.bin, d, n)
        cdir = os.path.join(d, f"peers-{n}-canaux")
        bench.warm(f)
        print(f"peers: {n:,} lines: canaux run -j2", file=sys.stderr)
        c = measure([a.bin, "run", "--force", "-j2", f, "-o", cdir], a.runs)
        with open(os.path.join(cdir, "segments.csv")) as fh:
            k = sum(1 for _ in fh) - 1
        res = {}
        for peer in peers:
            pdir = os.path.join(d, f"peers-{n}-{peer}")
            p = run_peer(peer, a, f, n, k, pdir)
            if peer == "duckdb" and a.plant:
                plant(pdir)
            cols = DUCKDB_CHANNEL_COLS if peer == "duckdb" else CHANNEL_COLS
            with multiprocessing.get_context("fork").Pool(1) as pool:
                bad, nch, ncu, lines = pool.apply(check, (cdir, pdir, cols))
            if bad:
                failed = True
                print(f"peers: {n:,} lines: canaux and {peer} DISAGREE ({bad} mismatches):", file=sys.stderr)
                for line in lines:
                    print(f"  {line}", file=sys.stderr)
            else:
                print(f"peers: {n:,} lines: canaux and {peer} agree on {nch} channels and {ncu:,} customers",
                      file=sys.stderr)
            agree = f"NO ({bad} mismatches)" if bad else f"yes ({nch} channels, {ncu:,} customers)"
            res[peer] = (p, agree)
        rows.append((n, c, res))

    def stage_cells(st):
        return " | ".join(f"{st[s]:.2f}" if s in st else "" for s in STAGES)

    print("| rows | tool | " + " | ".join(f"{s} s" for s in STAGES)
          + " | wall s | peak RSS MB | peer wall / canaux wall | canaux peak / peer peak | agree |")
    print("|---:|---|" + "---:|" * len(STAGES) + "---:|---:|---:|---:|---|")
    for n, c, res in rows:
        print(f"| {n:,} | canaux run -j2 | {stage_cells(c[2])} | {c[0]:.2f} | {c[1] / 1e6:.0f} | | | |")
        for peer, (p, agree) in res.items():
            print(f"| {n:,} | {PEER_NAMES[peer]} | {stage_cells(p[2])} | {p[0]:.2f} | {p[1] / 1e6:.0f} | "
                  f"{p[0] / c[0]:.2f}x | {c[1] / p[1]:.3f} | {agree} |")
    print()
    for n, c, res in rows:
        print(f"canaux run at {n:,} lines ({c[0]:.2f} s), measured in this run, speed-up = peer wall / canaux wall "
              "(above 1: canaux is faster): "
              + ", ".join(f"{PEER_NAMES[p]} {res[p][0][0]:.2f} s, {res[p][0][0] / c[0]:.2f}x" for p in res) + ".")
    at = [r for r in rows if r[0] == TARGET_SIZE]
    if not at:
        print(f"Targets (at {TARGET_SIZE:,} lines): not measured in this run.")
    for n, c, res in at:
        for peer, ((w, m, _), _) in res.items():
            speed = w / c[0]
            print(f"Target at {n:,} lines, >= {TARGET_SPEEDUP[peer]:.0f}x faster than {PEER_NAMES[peer]}: "
                  f"{'met' if speed >= TARGET_SPEEDUP[peer] else 'NOT met'} ({speed:.1f}x)")
            if peer == "pandas":
                mem = c[1] / m
                print(f"Target at {n:,} lines, <= 1/{1 / TARGET_MEMORY:.0f} of pandas' memory: "
                      f"{'met' if mem <= TARGET_MEMORY else 'NOT met'} ({mem:.3f})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
