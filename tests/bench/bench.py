#!/usr/bin/env python3
"""canaux benchmarks: `make bench`.

Generates 1M and 10M order lines once (cached in $CANAUX_BENCH_DIR, default
bench-data/, which git ignores), then times `canaux check` on each with 1
and 2 threads, beside `cat FILE > /dev/null` as the bandwidth ceiling, and
`canaux run` (the main job) on the largest, stage by stage.
The smallest file is also loaded into a PostgreSQL server started for the
benchmark (tests/e2e/pg_server.sh: a temporary cluster on a Unix socket,
typed columns as a real table would have them) and `canaux check` timed
on `postgresql://...` with --query 'SELECT * FROM sales', beside the file:
the same rows through the PostgreSQL source (the server's COPY formatting
included, on the same cores). Skipped with a note when there is no server.
Each figure is the median of --runs runs (default 3); peak RSS comes from
wait4() of the measured process itself. Prints a Markdown table.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PG_SERVER = os.path.join(SRC, "tests", "e2e", "pg_server.sh")
PG_COLUMNS = ("order_id text, date timestamp, customer_id text, channel text, product_id text, "
              "category text, quantity integer, unit_price numeric, unit_cost numeric, discount numeric, "
              "region text, account_id text")


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


def pg_measure(bin_, f, runs):
    """[(command, wall s, peak RSS)] of `canaux check -jJ` on the rows of f
    in a PostgreSQL server started for it, for J = 1 and 2; [] with a note
    on stderr when no server can be started."""
    d = tempfile.mkdtemp(prefix="canaux-pgb.", dir="/tmp")
    try:
        p = subprocess.run(["sh", PG_SERVER, "start", d], capture_output=True, text=True)
        if p.returncode != 0:
            print(f"bench: no PostgreSQL server, PostgreSQL rows skipped: {p.stderr.strip()[:300]}", file=sys.stderr)
            return []
        bindir = subprocess.run(["sh", "-c", f'PG_SERVER_LIB=1 . "{PG_SERVER}"; pg_bindir'],
                                capture_output=True, text=True, check=True).stdout.strip()
        psql = [os.path.join(bindir, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", d, "-U", "canaux"]
        subprocess.run(psql + ["-d", "postgres", "-c", "CREATE DATABASE bench"], check=True)
        t0 = time.perf_counter()
        subprocess.run(psql + ["-d", "bench"], check=True, text=True,
                       input=f"CREATE TABLE sales ({PG_COLUMNS});\n"
                             f"\\copy sales FROM '{os.path.abspath(f)}' (FORMAT csv, HEADER)\n"
                             "VACUUM ANALYZE sales;\n")
        print(f"bench: loaded {f} into PostgreSQL in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        uri = f"postgresql:///bench?host={d}&user=canaux"
        out = []
        for j in (1, 2):
            w, m = measure([bin_, "check", "-q", f"-j{j}", uri, "--query", "SELECT * FROM sales"], runs)
            out.append((f"canaux check -j{j} postgresql://", w, m))
        return out
    finally:
        subprocess.run(["sh", PG_SERVER, "stop", d], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)


def xlsx_measure(bin_, f, d, runs):
    """[(command, wall s, peak RSS)] of `canaux check -jJ` on the rows of f
    written as a workbook (tests/bench/csv2xlsx.c, built here), J = 1, 2;
    [] with a note on stderr when it cannot be built."""
    here = os.path.dirname(os.path.abspath(__file__))
    tool = os.path.join(d, "csv2xlsx")
    x = f[:-4] + ".xlsx"
    try:
        if not os.path.exists(tool):
            subprocess.run(["cc", "-O2", "-o", tool, os.path.join(here, "csv2xlsx.c"), "-lxlsxwriter"], check=True)
        if not os.path.exists(x):
            t0 = time.perf_counter()
            subprocess.run([tool, f, x + ".tmp"], check=True)
            os.rename(x + ".tmp", x)
            print(f"bench: wrote {x} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    except (OSError, subprocess.CalledProcessError) as err:
        print(f"bench: no workbook, its rows skipped: {err}", file=sys.stderr)
        return []
    warm(x)
    return [(f"canaux check -j{j} .xlsx", *measure([bin_, "check", "-q", f"-j{j}", x], runs)) for j in (1, 2)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="./canaux")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="1000000,10000000")
    a = ap.parse_args()
    d = os.environ.get("CANAUX_BENCH_DIR", "bench-data")
    os.makedirs(d, exist_ok=True)
    rows = []
    pg, xl = [], []
    smallest = min(int(x) for x in a.sizes.split(","))
    for n in [int(x) for x in a.sizes.split(",")]:
        f = data_file(a.bin, d, n)
        size = os.path.getsize(f)
        warm(f)
        cat, _ = measure(["cat", f], a.runs)
        rows.append((n, size, "cat FILE > /dev/null", cat, None))
        csv_walls = {}
        for j in (1, 2):
            w, m = measure([a.bin, "check", "-q", f"-j{j}", f], a.runs)
            rows.append((n, size, f"canaux check -j{j}", w, m))
            csv_walls[j] = w
        if n == smallest:
            for j, (what, w, m) in enumerate(pg_measure(a.bin, f, a.runs), start=1):
                rows.append((n, size, what, w, m))
                pg.append((n, j, w / csv_walls[j]))
            for j, (what, w, m) in enumerate(xlsx_measure(a.bin, f, d, a.runs), start=1):
                rows.append((n, size, what, w, m))
                xl.append((n, j, w / csv_walls[j]))
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
    if pg:
        print()
        print("PostgreSQL source against the CSV file, wall time (target: within 2x): " +
              ", ".join(f"-j{j} {r:.2f}x" for n, j, r in pg) + f" on {pg[0][0]:,} lines")
    if xl:
        print("Workbook (.xlsx) source against the CSV file, wall time: " +
              ", ".join(f"-j{j} {r:.2f}x" for n, j, r in xl) + f" on {xl[0][0]:,} lines "
              "(one thread reads a sheet: expat is the cost)")
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
