#!/usr/bin/env python3
"""Adjusted Rand index between canaux's segments (customers.csv) and the
planted archetypes of `canaux gen --truth`. Usage: ari.py customers.csv truth.csv
Prints the ARI (Hubert & Arabie) over the customers present in both."""
import csv
import sys
from collections import Counter
from math import comb


def ari(a, b):
    n = len(a)
    pairs = Counter(zip(a, b))
    sa, sb = Counter(a), Counter(b)
    index = sum(comb(v, 2) for v in pairs.values())
    ta = sum(comb(v, 2) for v in sa.values())
    tb = sum(comb(v, 2) for v in sb.values())
    expected = ta * tb / comb(n, 2)
    maximum = (ta + tb) / 2
    return (index - expected) / (maximum - expected) if maximum != expected else 1.0


def main():
    seg = {r["customer_id"]: r["segment"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig"))}
    truth = {r["customer_id"]: r["archetype"] for r in csv.DictReader(open(sys.argv[2]))}
    ids = sorted(set(seg) & set(truth))
    print("%.4f" % ari([seg[i] for i in ids], [truth[i] for i in ids]))


if __name__ == "__main__":
    main()
