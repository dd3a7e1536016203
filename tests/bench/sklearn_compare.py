#!/usr/bin/python3
"""Checks canaux's k-means against scikit-learn (Debian's python3-sklearn).

Usage: sklearn_compare.py DIR [TRUTH]
DIR holds customers.csv and matrix.csv of `canaux segment ... -o DIR
--matrix DIR/matrix.csv`. Prints:
- the inertia of canaux's segments on the standardised matrix it clustered
  (sum of squared distances to each segment's mean), and the inertia of
  sklearn's KMeans(n_clusters=k, n_init=10) on the same matrix;
- with TRUTH (canaux gen --truth), the adjusted Rand index of canaux's
  segments and of a plain pandas + scikit-learn pipeline (log1p of the
  skewed features, StandardScaler, KMeans n_init=10, same k) against the
  planted archetypes.
"""
import sys

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler


def main():
    d = sys.argv[1]
    cust = pd.read_csv(f"{d}/customers.csv", dtype={"customer_id": str})
    mat = pd.read_csv(f"{d}/matrix.csv", dtype={"customer_id": str})
    df = mat.merge(cust[["customer_id", "segment"]], on="customer_id")
    z = df.drop(columns=["customer_id", "segment"]).to_numpy()
    lab = df["segment"].to_numpy()
    k = len(np.unique(lab))
    ours = sum(((z[lab == s] - z[lab == s].mean(axis=0)) ** 2).sum() for s in np.unique(lab))
    km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(z)
    print(f"customers {len(z)}, k {k}, features {z.shape[1]}")
    print(f"inertia canaux  {ours:.4f}")
    print(f"inertia sklearn {km.inertia_:.4f}  (KMeans n_init=10 on the same matrix)")
    print(f"canaux / sklearn {ours / km.inertia_:.8f}")
    if len(sys.argv) > 2:
        truth = pd.read_csv(sys.argv[2], dtype={"customer_id": str})
        t = cust.merge(truth, on="customer_id")
        print(f"ARI canaux segments vs planted archetypes: {adjusted_rand_score(t['archetype'], t['segment']):.4f}")
        feats = ["recency_days", "frequency", "monetary", "avg_order_value", "tenure_days",
                 "interpurchase_days", "return_rate", "discount_rate", "category_breadth"]
        x = t[feats].copy()
        for c in ("frequency", "monetary", "avg_order_value"):
            x[c] = np.log1p(x[c].clip(lower=0))
        xs = StandardScaler().fit_transform(x)
        base = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(xs)
        print(f"ARI plain pipeline (log1p, StandardScaler, KMeans n_init=10, k={k}): "
              f"{adjusted_rand_score(t['archetype'], base):.4f}")


if __name__ == "__main__":
    main()
