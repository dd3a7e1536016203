#!/usr/bin/env python3
"""False-positive rates of canaux's recommendations on data with no effect.

Each run is a data set where no channel differs from another: generated
with `canaux gen --alike` (every channel has the same prices, baskets,
discounts, returns and habits), its channel labels then shuffled order by
order with a seeded generator, and costed with a flat cost model (every
channel costs the same). Any recommendation that names a channel, a price
or a product difference between channels is then a false positive.

With --csv FILE (a canonical transactions file, e.g. a real export
converted) the same is done on that file: its channel labels are shuffled
order by order for each seed, which keeps its customers, products and
prices and removes any channel effect.

Prints, per kind of recommendation, the number of runs with at least one
claim (the family-wise false-positive rate) and the claims in all; a
channel's target in objectives.csv (objective = 1) counts as a claim
that names the channel (target_METRIC). With
--check, exits 1 when a channel fit names a channel, a volume shift or a
price flag appears in any run (tests/e2e/run.sh uses that).

    null_fpr.py --bin ./canaux --seeds 20 --rows 20000 [--csv FILE] [--check]
"""
import argparse
import collections
import csv
import os
import random
import subprocess
import sys
import tempfile

FLAT = "".join("[channel %s]\ncost_per_order = 3\n" % c
               for c in ("direct", "web", "agents", "retail", "marketplace"))

# The claims that say channels differ: none may appear on null data. Any
# other row that names a channel (a channel's returns or small orders, a
# retention objective, a partner program) is one too.
CHANNEL_CLAIMS = {"fit", "shift", "price_low", "price_high", "price_level_low", "price_level_high",
                  "discount_leakage"}


def names_channel(r):
    return r["action"] in CHANNEL_CLAIMS or (r["channel"] != "" and r["action"] not in (
        "fit_untestable", "fit_no_difference"))


def shuffle_channels(src, dst, seed, flat_path):
    """Writes src with each order's channel drawn at random among the
    channels of src; writes a flat cost model naming those channels."""
    rnd = random.Random(seed)
    with open(src, newline="") as f:
        rows = list(csv.reader(f))
    head = [h.lower() for h in rows[0]]
    ci, oi = head.index("channel"), head.index("order_id")
    chans = sorted({r[ci] for r in rows[1:]})
    pick = {}
    for r in rows[1:]:
        key = (r[oi], r[head.index("date")])
        if key not in pick:
            pick[key] = rnd.choice(chans)
        r[ci] = pick[key]
    with open(dst, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    with open(flat_path, "w") as f:
        for c in chans:
            f.write("[channel %s]\ncost_per_order = 3\n" % c)


def run_once(args, seed, tmp):
    data = os.path.join(tmp, "d%d.csv" % seed)
    flat = os.path.join(tmp, "flat%d.ini" % seed)
    if args.csv:
        shuffle_channels(args.csv, data, seed, flat)
    else:
        raw = os.path.join(tmp, "g%d.csv" % seed)
        subprocess.run([args.bin, "gen", "--alike", "--rows", str(args.rows), "--seed", str(seed), "-o", raw],
                       check=True, stderr=subprocess.DEVNULL)
        shuffle_channels(raw, data, seed, flat)
    out = os.path.join(tmp, "o%d" % seed)
    cmd = [args.bin, "recommend", "-q", "-c", flat, data, "-o", out] + args.extra
    r = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("canaux failed on seed %d: %s" % (seed, r.stderr.strip()))
    with open(os.path.join(out, "recommendations.csv"), newline="") as f:
        recs = list(csv.DictReader(f))
    # A channel's target in objectives.csv says it falls short of the
    # other channels: a claim that names a channel too.
    obj = os.path.join(out, "objectives.csv")
    if os.path.exists(obj):
        with open(obj, newline="") as f:
            for r in csv.DictReader(f):
                if r["level"] == "channel" and r["objective"] == "1":
                    recs.append({"action": "target_" + r["metric"], "channel": r["channel"],
                                 "text": "%s target %s for %s (current %s)" % (r["metric"], r["target"], r["channel"],
                                                                            r["current"])})
    return recs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="./canaux")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--csv", help="a canonical transactions file to shuffle instead of generated data")
    ap.add_argument("--check", action="store_true", help="fail on any channel claim")
    ap.add_argument("extra", nargs="*", help="more options for canaux recommend")
    args = ap.parse_args()
    runs = collections.Counter()     # action -> runs with at least one
    claims = collections.Counter()   # action -> claims in all
    seen = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(1, args.seeds + 1):
            recs = run_once(args, seed, tmp)
            acts = collections.Counter(r["action"] + (" (channel)" if r["channel"] else "") for r in recs
                                       if r["action"] not in ("fit_untestable", "fit_no_difference"))
            for a, n in acts.items():
                runs[a] += 1
                claims[a] += n
            seen += [(seed, r["action"], r["text"]) for r in recs if names_channel(r)]
    print("%-26s %14s %8s" % ("action", "runs with one", "claims"))
    for a in sorted(set(runs) | CHANNEL_CLAIMS):
        print("%-26s %7d of %-4d %8d" % (a, runs[a], args.seeds, claims[a]))
    if args.check and seen:
        for s, a, t in seen[:10]:
            print("FALSE POSITIVE seed %d %s: %s" % (s, a, t))
        sys.exit(1)


if __name__ == "__main__":
    main()
