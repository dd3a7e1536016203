/*
 * recommend_csv — writes the recommendations of a run into a folder:
 * recommendations.csv (ranked), products.csv (lift, rules and upsell per
 * segment), prices.csv (price consistency and discount leakage) and
 * seasonality.csv (monthly profiles).
 */
#ifndef CANAUX_RECOMMEND_CSV_H
#define CANAUX_RECOMMEND_CSV_H

#include "engine/cx_err.h"
#include "engine/dataset.h"
#include "engine/recommend.h"
#include "engine/segment.h"

/* Returns CX_OK or CX_EIO naming the file. */
int recommend_csv_write(const struct dataset *ds, const struct segmentation *s, const struct recommendations *r,
                        const struct basket *bk, const char *dir, int fr, struct cx_err *e);

#endif
