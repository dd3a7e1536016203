#!/usr/bin/python3
"""The pandas + scikit-learn pipeline that canaux is benchmarked against.

Usage: peers_pandas.py INPUT.csv -o OUTDIR [-k K] [--seed S]

What an analyst would write in a notebook to get canaux's main results from
the CSV of `canaux gen`, following SPEC.md (docs in ../../../shared/SPEC.md):
idiomatic, vectorised pandas, no per-row Python loops, no tuning tricks.

Stages, timed with time.perf_counter and printed on stderr in the format of
canaux's own line (`peers_pandas: timings: load 2.10 s, features 0.26 s, ...`):

- load: read_csv, the whole calendar day of each line, gross, net, cogs,
  margin (SPEC §1), units sold and returned, discount amount of sold lines;
- features: the order table (lines summed per order_id), then the customer
  features of SPEC §3 over named customers, as of the last date, plus the
  main channel and the channel shares of the net of positive orders;
- segmentation: signed log1p of frequency, monetary, order value, recency
  and tenure, the rates and category breadth as they are (days between
  orders left out, as canaux does), StandardScaler, KMeans(k, n_init=10,
  random_state=seed); RFM quintile scores with qcut;
- economics: the channel table of SPEC §2 with the same built-in cost model
  as canaux (engine/costmodel.c), order value mean with its 95% t interval
  and median, and the segment x channel matrix, fixed costs shared by net;
- recommendations: per segment the products with the highest lift, product
  prices compared across channels, seasonality per segment, and a short
  ranked list of recommendations built from these and the matrix;
- write: every table as CSV, workbook.xlsx (openpyxl), summary.json and a
  plain report.html.
"""
import argparse
import json
import os
import sys
import time

try:
    import numpy as np
    import pandas as pd
    from scipy import stats
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler
except ImportError as exc:
    sys.exit(f"peers_pandas: {exc}; install with: apt-get install -y python3-pandas python3-sklearn "
             "python3-scipy python3-openpyxl")

# canaux's built-in cost model (engine/costmodel.c).
COST_MODEL = pd.DataFrame(
    [("direct", "direct", 0.03, 45.00, 0.50, 12.00, 2400000, 600000),
     ("web", "direct", 0.00, 4.50, 0.30, 6.00, 180000, 90000),
     ("agents", "indirect", 0.12, 6.00, 0.40, 8.00, 150000, 60000),
     ("retail", "indirect", 0.25, 2.00, 0.60, 5.00, 120000, 50000),
     ("marketplace", "indirect", 0.15, 3.00, 0.35, 7.00, 40000, 30000)],
    columns=["channel", "kind", "commission_rate", "cost_per_order", "cost_per_unit",
             "cost_per_return", "fixed_cost", "acquisition_spend"]).set_index("channel")

# Leading columns of the tables, in SPEC §4's order.
CHANNEL_COLS = ["channel", "kind", "lines", "orders", "customers", "units", "units_returned", "net", "cogs",
                "margin", "channel_cost", "contribution", "cost_of_sales_ratio", "aov_mean", "aov_ci_low",
                "aov_ci_high", "aov_median"]
CELL_COLS = ["segment", "segment_name", "channel", "customers", "orders", "net", "margin", "channel_cost",
             "contribution", "cost_of_sales_ratio", "contribution_per_customer"]
FEATURES = ["recency_days", "frequency", "monetary", "avg_order_value", "tenure_days",
            "interpurchase_days", "return_rate", "discount_rate", "category_breadth"]
CLUSTER_LOG = ["frequency", "monetary", "avg_order_value", "recency_days", "tenure_days"]
CLUSTER_RAW = ["return_rate", "discount_rate", "category_breadth"]
XLSX_MAX_CUSTOMERS = 100000   # as canaux: the customers sheet only up to this many


def load(path):
    """The order lines with their day and the derived amounts of SPEC §1."""
    df = pd.read_csv(path, parse_dates=["date"],
                     dtype={"order_id": str, "customer_id": str, "product_id": str, "account_id": str,
                            "channel": "category", "category": "category", "region": "category"})
    df["day"] = df["date"].dt.normalize()
    df["discount"] = df["discount"].fillna(0)
    df["gross"] = df["quantity"] * df["unit_price"]
    df["net"] = df["gross"] * (1 - df["discount"])
    df["cogs"] = df["quantity"] * df["unit_cost"]
    df["margin"] = df["net"] - df["cogs"]
    sold = df["quantity"] > 0
    df["sold"] = df["quantity"].where(sold, 0)
    df["returned"] = (-df["quantity"]).where(df["quantity"] < 0, 0)
    df["gross_sold"] = df["gross"].where(sold, 0)
    df["disc_sold"] = (df["gross"] - df["net"]).where(sold, 0)
    return df


def order_table(df):
    """One row per order_id: its customer, channel, day and summed amounts."""
    return df.groupby("order_id", sort=False).agg(
        customer_id=("customer_id", "first"), channel=("channel", "first"), day=("day", "first"),
        net=("net", "sum"), cogs=("cogs", "sum"), units=("sold", "sum"),
        units_returned=("returned", "sum"), lines=("net", "size"))


def customer_features(df, orders, asof):
    """The features of SPEC §3 per named customer, main channel and shares."""
    cust = df.groupby("customer_id").agg(
        monetary=("net", "sum"), sold=("sold", "sum"), returned=("returned", "sum"),
        gross_sold=("gross_sold", "sum"), disc_sold=("disc_sold", "sum"),
        category_breadth=("category", "nunique"))
    named = orders[orders["customer_id"].notna()]
    pos = named[named["net"] > 0]
    cust = cust.join(named.groupby("customer_id")["day"].agg(first="min", last="max"))
    cust = cust.join(pos.groupby("customer_id").agg(
        frequency=("net", "size"), pos_net=("net", "sum"), p_first=("day", "min"), p_last=("day", "max")))
    cust["frequency"] = cust["frequency"].fillna(0).astype(int)
    cust["recency_days"] = (asof - cust["p_last"].fillna(cust["last"])).dt.days
    cust["avg_order_value"] = (cust["pos_net"] / cust["frequency"]).where(cust["frequency"] > 0, 0.0)
    cust["tenure_days"] = (asof - cust["first"]).dt.days
    span = (cust["p_last"] - cust["p_first"]).dt.days
    cust["interpurchase_days"] = (span / (cust["frequency"] - 1)).where(
        cust["frequency"] >= 2, cust["tenure_days"].astype(float))
    cust["return_rate"] = (cust["returned"] / cust["sold"]).where(cust["sold"] > 0, 0.0)
    cust["discount_rate"] = (cust["disc_sold"] / cust["gross_sold"]).where(cust["gross_sold"] > 0, 0.0)
    # Main channel: most net of positive orders, else most orders.
    share = pos.pivot_table(index="customer_id", columns="channel", values="net", aggfunc="sum",
                            fill_value=0, observed=True)
    count = named.pivot_table(index="customer_id", columns="channel", values="net", aggfunc="size",
                              fill_value=0, observed=True)
    main = count.idxmax(axis=1)
    main.update(share.idxmax(axis=1))
    cust["main_channel"] = main
    share = share.div(share.sum(axis=1), axis=0).add_prefix("channel_share_")
    cust = cust.join(share)
    share_cols = list(share.columns)
    cust[share_cols] = cust[share_cols].fillna(0.0)
    return cust[FEATURES + ["main_channel"] + share_cols]


def segment(cust, k, seed):
    """k-means segments (numbered by size, largest first) and RFM scores."""
    x = cust[CLUSTER_LOG + CLUSTER_RAW].astype(float)
    x[CLUSTER_LOG] = np.sign(x[CLUSTER_LOG]) * np.log1p(x[CLUSTER_LOG].abs())
    z = StandardScaler().fit_transform(x)
    km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(z)
    by_size = pd.Series(km.labels_).value_counts().index
    relabel = np.empty(k, dtype=int)
    relabel[by_size] = np.arange(k)
    cust["segment"] = relabel[km.labels_]
    centers = pd.DataFrame(km.cluster_centers_[by_size], columns=x.columns)
    names = []
    for _, c in centers.iterrows():
        top = c.abs().idxmax()
        names.append(f"{'high' if c[top] > 0 else 'low'} {top}")
    cust["segment_name"] = cust["segment"].map(dict(enumerate(names)))
    scores = range(1, 6)
    cust["r_score"] = pd.qcut(cust["recency_days"].rank(method="first", ascending=False), 5, labels=scores)
    cust["f_score"] = pd.qcut(cust["frequency"].rank(method="first"), 5, labels=scores)
    cust["m_score"] = pd.qcut(cust["monetary"].rank(method="first"), 5, labels=scores)
    profile = cust.groupby(["segment", "segment_name"])
    segs = profile.size().rename("customers").to_frame()
    segs["share"] = segs["customers"] / len(cust)
    segs["net_share"] = profile["monetary"].sum() / cust["monetary"].sum()
    segs = segs.join(profile[FEATURES].median().add_prefix("median_"))
    lead = ["segment", "segment_name"] + FEATURES + ["r_score", "f_score", "m_score", "main_channel"]
    cust = cust[lead + [c for c in cust if c not in lead]]
    return cust, segs.reset_index(), km.inertia_


def costed(t, days):
    """Adds the cost model's costs, contribution and ratio to a table of
    sums indexed or keyed by channel (a `channel` column or index level)."""
    ch = t.index.get_level_values("channel").astype(str)
    m = COST_MODEL.reindex(ch).fillna({c: 0 for c in COST_MODEL.columns if c != "kind"})
    m.index = t.index
    t["margin"] = t["net"] - t["cogs"]
    t["commission"] = m["commission_rate"] * t["net"]
    t["order_cost"] = m["cost_per_order"] * t["orders"]
    t["unit_cost"] = m["cost_per_unit"] * t["units"]
    t["return_cost"] = m["cost_per_return"] * t["units_returned"]
    if "fixed_cost" not in t:
        t["fixed_cost"] = m["fixed_cost"] * days / 365
    t["channel_cost"] = t[["commission", "order_cost", "unit_cost", "return_cost", "fixed_cost"]].sum(axis=1)
    t["contribution"] = t["margin"] - t["channel_cost"]
    t["cost_of_sales_ratio"] = t["channel_cost"] / t["net"]
    return t


def economics(orders, cust, days):
    """The channel table and the segment x channel matrix (SPEC §2, §4)."""
    orders = orders.assign(segment=orders["customer_id"].map(cust["segment"]).fillna(-1).astype(int),
                           positive=orders["net"] > 0)
    sums = dict(lines=("lines", "sum"), orders=("positive", "sum"), customers=("customer_id", "nunique"),
                units=("units", "sum"), units_returned=("units_returned", "sum"),
                net=("net", "sum"), cogs=("cogs", "sum"))
    ch = costed(orders.groupby("channel", observed=True).agg(**sums), days)
    ch.insert(0, "kind", COST_MODEL["kind"].reindex(ch.index.astype(str)).fillna("direct").to_numpy())
    aov = orders[orders["positive"]].groupby("channel", observed=True)["net"].agg(
        ["mean", "std", "count", "median"])
    half = stats.t.ppf(0.975, aov["count"] - 1) * aov["std"] / np.sqrt(aov["count"])
    ch["aov_mean"] = aov["mean"]
    ch["aov_ci_low"] = aov["mean"] - half
    ch["aov_ci_high"] = aov["mean"] + half
    ch["aov_median"] = aov["median"]

    cells = orders.groupby(["segment", "channel"], observed=True).agg(**sums)
    share = cells["net"] / ch["net"].reindex(cells.index.get_level_values("channel")).to_numpy()
    fixed = ch["fixed_cost"].reindex(cells.index.get_level_values("channel")).to_numpy()
    cells["fixed_cost"] = fixed * share
    cells = costed(cells, days)
    cells["contribution_per_customer"] = cells["contribution"] / cells["customers"].where(cells["customers"] > 0)
    names = cust.groupby("segment")["segment_name"].first()
    cells = cells.reset_index()
    cells.insert(1, "segment_name", cells["segment"].map(names).fillna("(anonymous sales)"))
    ch = ch.reset_index()
    return (ch[CHANNEL_COLS + [c for c in ch if c not in CHANNEL_COLS]],
            cells[CELL_COLS + [c for c in cells if c not in CELL_COLS]])


def recommendations(df, cust, cells, top=10):
    """Products by lift, prices across channels, seasonality, ranked advice."""
    seg = df["customer_id"].map(cust["segment"])
    lines = df.loc[seg.notna(), ["product_id", "channel", "net", "sold", "day"]].assign(
        segment=seg.dropna().astype(int))
    # Products: lift = share of the segment's lines / share of all lines.
    counts = lines.groupby(["segment", "product_id"]).size().rename("lines")
    seg_share = counts / counts.groupby(level="segment").transform("sum")
    all_share = lines.groupby("product_id").size() / len(lines)
    lift = (seg_share / all_share.reindex(counts.index.get_level_values("product_id")).to_numpy()).rename("lift")
    prod = pd.concat([counts, lift], axis=1)
    prod = prod[prod["lines"] >= 10].sort_values("lift", ascending=False)
    products = prod.groupby(level="segment").head(top).sort_index(level=0, sort_remaining=False).reset_index()
    # Prices: mean net unit price per product and channel against the median across channels.
    sold = df[df["sold"] > 0]
    prices = sold.groupby(["product_id", "channel"], observed=True)[["net", "sold"]].sum()
    prices["mean_net_unit_price"] = prices["net"] / prices["sold"]
    median = prices.groupby(level="product_id")["mean_net_unit_price"].transform("median")
    prices["median_across_channels"] = median
    prices["departure"] = prices["mean_net_unit_price"] / median - 1
    prices["flagged"] = prices["departure"].abs() > 0.10
    prices = prices.reset_index()
    # Seasonality: net per segment and calendar month, index against the mean month.
    season = lines.groupby(["segment", lines["day"].dt.month.rename("month")])["net"].sum().to_frame()
    season["index"] = season["net"] / season.groupby(level="segment")["net"].transform("mean")
    season = season.reset_index()
    # Advice: each segment's cheapest channel to serve (cost of sales, 30+ customers),
    # its seasonal peak, and the products priced most unevenly.
    named = cells[(cells["segment"] >= 0) & (cells["customers"] >= 30)]
    best = named.loc[named.groupby("segment")["cost_of_sales_ratio"].idxmin()]
    worst = named.loc[named.groupby("segment")["cost_of_sales_ratio"].idxmax()]
    shift = best.merge(worst, on=["segment", "segment_name"], suffixes=("", "_from"))
    shift = shift[shift["channel"] != shift["channel_from"]]
    advice = [pd.DataFrame({
        "kind": "volume_shift", "segment": shift["segment"], "channel": shift["channel_from"].astype(str),
        "product": "", "impact": 0.2 * shift["net_from"] * (shift["cost_of_sales_ratio_from"]
                                                            - shift["cost_of_sales_ratio"]),
        "text": "Move 20% of the business of " + shift["segment_name"] + " from "
                + shift["channel_from"].astype(str) + " to " + shift["channel"].astype(str)})]
    peak = season.loc[season.groupby("segment")["index"].idxmax()]
    advice.append(pd.DataFrame({
        "kind": "seasonal_promotion", "segment": peak["segment"], "channel": "", "product": "",
        "impact": 0.05 * peak["net"],
        "text": "Seasonal promotion for segment " + peak["segment"].astype(str) + " ahead of month "
                + peak["month"].astype(str)}))
    uneven = prices[prices["flagged"]].assign(stake=lambda p: (p["departure"] * p["net"]).abs())
    uneven = uneven.nlargest(top, "stake")
    advice.append(pd.DataFrame({
        "kind": "price_consistency", "segment": -1, "channel": uneven["channel"].astype(str),
        "product": uneven["product_id"], "impact": uneven["stake"],
        "text": "Align the price of " + uneven["product_id"] + " in " + uneven["channel"].astype(str)}))
    rec = pd.concat(advice, ignore_index=True).sort_values("impact", ascending=False, ignore_index=True)
    rec.insert(0, "rank", np.arange(1, len(rec) + 1))
    return products, prices, season, rec


def write(out, tables, cust, summary):
    """Every table as CSV, workbook.xlsx, summary.json and report.html."""
    os.makedirs(out, exist_ok=True)
    cust.to_csv(os.path.join(out, "customers.csv"))
    for name, t in tables.items():
        t.to_csv(os.path.join(out, f"{name}.csv"), index=False)
    with pd.ExcelWriter(os.path.join(out, "workbook.xlsx"), engine="openpyxl") as xw:
        for name, t in tables.items():
            t.to_excel(xw, sheet_name=name, index=False)
        if len(cust) <= XLSX_MAX_CUSTOMERS:
            cust.to_excel(xw, sheet_name="customers")
    summary.update({name: json.loads(t.to_json(orient="records"))
                    for name, t in tables.items() if name != "prices"})
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    with open(os.path.join(out, "report.html"), "w") as f:
        f.write("<!DOCTYPE html><html><head><meta charset='utf-8'><title>pandas report</title></head><body>\n")
        for name in ("recommendations", "channels", "segments", "segment_channels"):
            f.write(f"<h2>{name}</h2>\n")
            f.write(tables[name].to_html(index=False, float_format=lambda v: f"{v:,.2f}"))
        f.write("</body></html>\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("-k", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    t = {}
    t0 = time.perf_counter()
    df = load(a.input)
    t["load"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    first, asof = df["day"].min(), df["day"].max()
    days = (asof - first).days + 1
    orders = order_table(df)
    cust = customer_features(df, orders, asof)
    t["features"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    cust, segs, inertia = segment(cust, a.k, a.seed)
    t["segmentation"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    channels, cells = economics(orders, cust, days)
    t["economics"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    products, prices, season, rec = recommendations(df, cust, cells)
    t["recommendations"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    tables = {"segments": segs, "channels": channels, "segment_channels": cells, "products": products,
              "prices": prices, "seasonality": season, "recommendations": rec}
    summary = {"parameters": {"input": a.input, "k": a.k, "seed": a.seed, "from": str(first.date()),
                              "to": str(asof.date()), "as_of": str(asof.date()), "days": days,
                              "lines": len(df), "orders": len(orders), "customers": len(cust),
                              "inertia": inertia},
               "timings_seconds": dict(t)}
    write(a.output, tables, cust, summary)
    t["write"] = time.perf_counter() - t0
    print("peers_pandas: timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in t.items()), file=sys.stderr)


if __name__ == "__main__":
    main()
