/* testutil.h -- what the cmocka unit tests share: a tolerant comparison of
 * doubles and a one-call way to add an order line to a dataset. Include
 * after <cmocka.h>. */
#ifndef CANAUX_TESTUTIL_H
#define CANAUX_TESTUTIL_H

#include <math.h>
#include <string.h>

#include "engine/dataset.h"

/* got equals want within 1e-9, relative to |want| + 1 (NaN never does). */
#define assert_near(got, want)                                                           \
    do {                                                                                 \
        double g_ = (got), w_ = (want);                                                  \
        if (!(fabs(g_ - w_) <= 1e-9 * (fabs(w_) + 1))) {                                 \
            print_error("%s = %.12g, expected %.12g\n", #got, g_, w_);                   \
            fail();                                                                      \
        }                                                                                \
    } while (0)

/* Adds one accepted line (no region) to ds; the test fails if it cannot. */
static inline void tu_add(struct dataset *ds, const char *order, const char *cust, const char *prod,
                          const char *chan, const char *cat, const char *acct, int32_t day, double q,
                          double gross, double net, double cogs)
{
    struct ds_row r;
    memset(&r, 0, sizeof r);
    const char *t[DS_NTEXT] = { order, cust, prod, chan, cat, "", acct };
    for (int f = 0; f < DS_NTEXT; f++) {
        r.text[f] = t[f];
        r.len[f] = strlen(t[f]);
    }
    r.day = day;
    r.quantity = q;
    r.gross = gross;
    r.net = net;
    r.cogs = cogs;
    struct cx_err e = { 0 };
    assert_int_equal(dataset_add(ds, &r, &e), CX_OK);
}

#endif
