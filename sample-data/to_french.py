#!/usr/bin/env python3
"""Rewrites a canonical canaux CSV as a French spreadsheet export would
write it: ';' between fields, decimal commas, a no-break space between
thousands, DD/MM/YYYY HH:MM dates, discounts as percentages and French
column headers (mapped back in sample-data/french.ini). Used once to make
sample-data/sample_fr.csv from `canaux gen --rows 2000 --seed 5`.

Usage: to_french.py IN.csv OUT.csv
"""
import csv
import sys

HEAD = {
    "order_id": "N° commande", "date": "Date", "customer_id": "Client",
    "channel": "Canal", "product_id": "Référence", "category": "Famille",
    "quantity": "Quantité", "unit_price": "Prix unitaire", "unit_cost": "Coût unitaire",
    "discount": "Remise", "region": "Région", "account_id": "Compte",
}


def num(s):
    if s == "":
        return s
    neg = s.startswith("-")
    s = s.lstrip("-")
    whole, _, frac = s.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = "\u00a0".join(groups) + ("," + frac if frac else "")
    return ("-" if neg else "") + out


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, newline="", encoding="utf-8") as f, \
         open(dst, "w", newline="", encoding="utf-8") as g:
        r = csv.DictReader(f)
        w = csv.writer(g, delimiter=";", lineterminator="\r\n")
        w.writerow([HEAD[c] for c in r.fieldnames])
        for row in r:
            d, _, t = row["date"].partition(" ")
            y, m, dd = d.split("-")
            row["date"] = f"{dd}/{m}/{y}" + (f" {t}" if t else "")
            for c in ("quantity", "unit_price", "unit_cost"):
                row[c] = num(row[c])
            disc = row["discount"]
            row["discount"] = "" if disc in ("", "0") else num(f"{float(disc) * 100:g}") + " %"
            w.writerow([row[c] for c in r.fieldnames])


if __name__ == "__main__":
    main()
