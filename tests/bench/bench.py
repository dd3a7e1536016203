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
Beside `canaux check`, in the same rounds (each round runs every command
once, so that the machine's load falls on all alike), libcsv_count
(tests/bench/libcsv_count.c, --libcsv-count): libcsv's bare field
splitting of the same file on one core, the floor of a CSV load; the
ratio libcsv_count / `canaux check -j2` is printed (target: 2x).
A shared machine: on the smallest file, `canaux run` with the default
thread count, with -j1, and with the default thread count but libgomp's
spinning wait (GOMP_SPINCOUNT=300000, as before canaux chose passive
waiting: cli/main.c), in turn, while a busy loop of this script keeps one
core busy (target: the default never slower than -j1); the line gives the
walls and their CPU time (user + system), which shows threads that spin
while they wait.
Each figure is the median of --runs runs (default 3); peak RSS comes from
wait4() of the measured process itself. Prints Markdown tables, and the
load average before and after (the machine may be shared: only ratios
measured in one run compare).
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


LAST_CPU = [0.0]
LAST_STDOUT = [b""]


def run(cmd, stdout=subprocess.DEVNULL, env=None):
    """Wall seconds and peak RSS bytes of cmd; exits with its stderr when it
    fails. Its stderr is left in LAST_STDERR, its CPU seconds (user +
    system) in LAST_CPU, and its stdout in LAST_STDOUT when stdout is
    subprocess.PIPE."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, env=env)
    out = p.stdout.read() if stdout == subprocess.PIPE else b""
    err = p.stderr.read().decode(errors="replace")
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.stderr.close()
    if p.stdout:
        p.stdout.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed ({code}): {err}")
    LAST_STDERR[0] = err
    LAST_STDOUT[0] = out
    LAST_CPU[0] = ru.ru_utime + ru.ru_stime
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


def rounds(cmds, runs, check=None, envs=None):
    """Runs every command of cmds once per round, runs rounds; returns per
    command (median wall, largest peak RSS, median CPU seconds). check, when
    given, is called with (index, stdout bytes) after each run; envs, when
    given, holds each command's environment (None: this one's)."""
    res = [([], [], []) for _ in cmds]
    for _ in range(runs):
        for i, cmd in enumerate(cmds):
            w, m = run(cmd, subprocess.PIPE if check else subprocess.DEVNULL, envs[i] if envs else None)
            if check:
                check(i, LAST_STDOUT[0])
            res[i][0].append(w)
            res[i][1].append(m)
            res[i][2].append(LAST_CPU[0])
    med = statistics.median
    return [(med(w), max(m), med(c)) for w, m, c in res]


class BusyCore:
    """A busy loop in a child process for the duration of a with block:
    one core of the machine taken, as another engineer's job would."""

    def __enter__(self):
        self.p = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.2)   # running before the first measured command starts
        return self

    def __exit__(self, *exc):
        self.p.kill()
        self.p.wait()


def busy_core(bin_, f, d, runs):
    """(default, -j1, spinning): (median wall, peak, median CPU s) of
    `canaux run` on f with the default thread count, with -j1, and with the
    default thread count and libgomp's own wait policy (GOMP_SPINCOUNT=300000,
    its default when nothing is set: what canaux did before it set
    OMP_WAIT_POLICY=passive), in turn, while BusyCore keeps one core busy."""
    out = os.path.join(d, "run-busy")
    cmd = [bin_, "run", "--force", "-q", f, "-o", out]
    own = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    with BusyCore():
        return rounds([cmd, cmd[:3] + ["-j1"] + cmd[3:], cmd], runs,
                      envs=[own, own, dict(own, GOMP_SPINCOUNT="300000")])


def loadavg():
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


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
    ap.add_argument("--libcsv-count", default=os.path.join("build", "libcsv_count"),
                    help="the libcsv_count program (make bench builds it)")
    a = ap.parse_args()
    if not os.access(a.libcsv_count, os.X_OK):
        sys.exit(f"bench: no {a.libcsv_count} (make bench builds it from tests/bench/libcsv_count.c)")
    d = os.environ.get("CANAUX_BENCH_DIR", "bench-data")
    os.makedirs(d, exist_ok=True)
    load_start = loadavg()
    rows = []
    pg, xl = [], []
    split = []
    smallest = min(int(x) for x in a.sizes.split(","))
    for n in [int(x) for x in a.sizes.split(",")]:
        f = data_file(a.bin, d, n)
        size = os.path.getsize(f)
        warm(f)
        cat, _ = measure(["cat", f], a.runs)
        rows.append((n, size, "cat FILE > /dev/null", cat, None))

        def records(i, out, n=n):
            # libcsv_count must have seen the header and every line.
            if i == 0 and not out.startswith(f"records {n + 1} ".encode()):
                sys.exit(f"bench: libcsv_count counted {out.decode().strip()!r}, expected {n + 1} records")
        (lw, lm, _), (w1, m1, _), (w2, m2, _) = rounds(
            [[a.libcsv_count, f]] + [[a.bin, "check", "-q", f"-j{j}", f] for j in (1, 2)], a.runs, records)
        rows.append((n, size, "libcsv_count (libcsv's bare split, 1 core)", lw, lm))
        rows.append((n, size, "canaux check -j1", w1, m1))
        rows.append((n, size, "canaux check -j2", w2, m2))
        csv_walls = {1: w1, 2: w2}
        split.append((n, lw, w2))
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
    busy_f = os.path.join(d, f"gen-{smallest}-seed1.csv")
    warm(busy_f)
    busy = busy_core(a.bin, busy_f, d, a.runs)
    load_end = loadavg()
    print("| rows | CSV MB | command | wall s | MB/s | rows/s | peak RSS MB | RSS / CSV |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    for n, size, what, w, m in rows:
        mb = size / 1e6
        peak = f"{m / 1e6:.0f}" if m else ""
        ratio = f"{m / size:.2f}" if m else ""
        print(f"| {n:,} | {mb:.0f} | {what} | {w:.2f} | {mb / w:.0f} | {n / w:,.0f} | {peak} | {ratio} |")
    print()
    for n, lw, w2 in split:
        print(f"libcsv's bare split / canaux check -j2 on {n:,} lines, in the same rounds (target: 2x): "
              f"{lw / w2:.2f}x (libcsv_count {lw:.2f} s, {n / lw:,.0f} rows/s; "
              f"canaux check -j2 {w2:.2f} s, {n / w2:,.0f} rows/s)")
    if pg:
        print()
        print("PostgreSQL source against the CSV file, wall time (target: within 2x): " +
              ", ".join(f"-j{j} {r:.2f}x" for n, j, r in pg) + f" on {pg[0][0]:,} lines")
    if xl:
        print("Workbook (.xlsx) source against the CSV file, wall time: " +
              ", ".join(f"-j{j} {r:.2f}x" for n, j, r in xl) + f" on {xl[0][0]:,} lines "
              "(one thread reads a sheet: expat is the cost)")
    print()
    print("| rows | command | load s | features s | segmentation s | features + segmentation s | economics s | clv s | recommendations s | write s | wall s | peak RSS MB |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, j, w, m, st in seg:
        print(f"| {n:,} | canaux run -j{j} | {st['load']:.2f} | {st['features']:.2f} | "
              f"{st['segmentation']:.2f} | {st['features'] + st['segmentation']:.2f} | {st['economics']:.2f} | "
              f"{st.get('clv', 0):.2f} | {st['recommendations']:.2f} | {st['write']:.2f} | {w:.2f} | {m / 1e6:.0f} |")

    size = os.path.getsize(f)
    print()
    print(f"Memory by stage, canaux run -j2 on {n:,} lines (CANAUX_MEMTRACE=1; target: every peak under "
          f"half the CSV, {size / 2 / 2**20:.0f} MiB):")
    print()
    print("| stage | peak MiB | left after it MiB |")
    print("|---|---:|---:|")
    for stage, peak, now in mem:
        print(f"| {stage} | {peak} | {now} |")
    (dw, _, dc), (jw, _, jc), (sw, _, sc) = busy
    print()
    print(f"One core busy (a busy loop), canaux run on {smallest:,} lines, default threads vs -j1, "
          f"in turn (target: default never slower): default {dw:.2f} s ({dc:.2f} s CPU), "
          f"-j1 {jw:.2f} s ({jc:.2f} s CPU): default / -j1 = {dw / jw:.2f} "
          f"({'met' if dw <= jw else 'NOT met'}); with libgomp's spinning wait "
          f"(GOMP_SPINCOUNT=300000) {sw:.2f} s ({sc:.2f} s CPU), / -j1 = {sw / jw:.2f}")
    print()
    print(f"Load average (1/5/15 min): {load_start} at the start, {load_end} at the end.")


if __name__ == "__main__":
    main()
