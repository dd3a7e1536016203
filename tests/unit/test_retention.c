/*
 * test_retention — acquisition, repeat purchase, windowed retention with
 * censoring, cohorts, channel switching and first-year value on six
 * hand-made customers, worked out by hand beside each assertion; the same
 * figures, bit for bit, for 1 and 2 threads on a larger random dataset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testutil.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/features.h"
#include "engine/retention.h"


/* Days since 1970-01-01 of a civil date (written independently of
   ret_month, which goes the other way). */
static int32_t day_of(int y, int m, int d)
{
    static const int before[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
    int32_t days = 0;
    for (int yy = 1970; yy < y; yy++)
        days += (yy % 4 == 0 && (yy % 100 != 0 || yy % 400 == 0)) ? 366 : 365;
    int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    return days + before[m - 1] + (m > 2 && leap) + d - 1;
}

static void add(struct dataset *ds, const char *order, const char *cust, const char *chan,
                int32_t day, double q, double price)
{
    tu_add(ds, order, cust, "P", chan, "Cat", "", day, q, q * price, q * price, q * price / 2);
}

/* Customer ids (first appearance): E 0, A 1, B 2, C 3, D 4, F 5.
   Channel ids: web 0, retail 1, agents 2. Head ids h0 .. h14 in input
   order; nets in money:

   h0  E  web    2024-04-01   20      (first in the input, not E's first order)
   h1  A  web    2023-01-10   20 - 5 = 15 (two lines)
   h2  B  retail 2023-01-20   50
   h3  C  agents 2023-02-01   10 - 15 = -5 (two lines: not positive)
   h4  A  retail 2023-02-15   30
   h5  A  web    2023-03-01  -10      (a return)
   h6  D  agents 2023-03-05   40
   h7  D  web    2023-03-05   25      (same day as h6, a later head id)
   h8  A  web    2023-05-01   12
   h9  B  retail 2023-07-01   60
   h10 E  retail 2024-03-01   -5      (a return before E's first purchase)
   h11 E  retail 2024-03-22   14
   h12 -  web    2024-06-30    1      (anonymous: only sets the last date)
   h13 A  web    2024-02-01  100      (after A's first year)
   h14 F  web    2023-06-10   80

   Period 2023-01-10 .. 2024-06-30, as of 2024-06-30 (= obs_end). Months
   Jan 2023 (index 0) .. Jun 2024 (index 17).

   A: acquired web 2023-01-10 (cohort 0); positive h1 h4 h8 h13: 4; next
      gap 36 (Jan 10 -> Feb 15); age 537; first year (to 2024-01-09):
      15 + 30 - 10 + 12 = 47; later orders in retail and web.
   B: acquired retail 2023-01-20 (cohort 0); 2 positive; gap 162 (-> Jul 1);
      age 527; first year 50 + 60 = 110; later order in retail.
   C: no positive order: not acquired.
   D: acquired agents 2023-03-05 (h6: the lower head id of the day; cohort
      2); 2 positive, both that day: a repeat but no gap; age 483; first
      year 65; later order in web.
   E: acquired retail 2024-03-22 (cohort 14, the earliest positive day,
      not the first in the input); 2 positive; gap 10 (-> Apr 1); age 100:
      eligible for 90 days only; first year 20 + 14 = 34 (the return of
      Mar 1 is before acquisition), not a full year; later order in web.
   F: acquired web 2023-06-10 (cohort 5); 1 positive; age 386; first year
      80.
   Segments (nseg 2): E -1, A 0, B 1, C 0, D 1, F 0. */
static struct dataset *make(void)
{
    struct dataset *ds = dataset_create();
    add(ds, "E2", "E", "web", day_of(2024, 4, 1), 1, 20);
    add(ds, "A1", "A", "web", day_of(2023, 1, 10), 2, 10);
    add(ds, "A1", "A", "web", day_of(2023, 1, 10), -1, 5);
    add(ds, "B1", "B", "retail", day_of(2023, 1, 20), 1, 50);
    add(ds, "C1", "C", "agents", day_of(2023, 2, 1), 1, 10);
    add(ds, "C1", "C", "agents", day_of(2023, 2, 1), -1, 15);
    add(ds, "A2", "A", "retail", day_of(2023, 2, 15), 1, 30);
    add(ds, "A3", "A", "web", day_of(2023, 3, 1), -1, 10);
    add(ds, "D1", "D", "agents", day_of(2023, 3, 5), 1, 40);
    add(ds, "D2", "D", "web", day_of(2023, 3, 5), 1, 25);
    add(ds, "A4", "A", "web", day_of(2023, 5, 1), 1, 12);
    add(ds, "B2", "B", "retail", day_of(2023, 7, 1), 1, 60);
    add(ds, "E0", "E", "retail", day_of(2024, 3, 1), -1, 5);
    add(ds, "E1", "E", "retail", day_of(2024, 3, 22), 2, 7);
    add(ds, "X1", "", "web", day_of(2024, 6, 30), 1, 1);
    add(ds, "A5", "A", "web", day_of(2024, 2, 1), 1, 100);
    add(ds, "F1", "F", "web", day_of(2023, 6, 10), 1, 80);
    assert_int_equal(ds->n_heads, 15);
    return ds;
}

static const int16_t seg6[6] = { -1, 0, 1, 0, 1, 0 };   /* E A B C D F */

enum { E_ = 0, A_ = 1, B_ = 2, C_ = 3, D_ = 4, F_ = 5, WEB = 0, RETAIL = 1, AGENTS = 2 };

static void check_group(const struct ret_group *g, uint32_t acq, uint32_t nopos, uint32_t rep,
                        const uint32_t elig[3], const uint32_t ret[3], uint32_t full, double fy)
{
    assert_int_equal(g->acquired, acq);
    assert_int_equal(g->no_positive, nopos);
    assert_int_equal(g->repeat, rep);
    assert_near(g->repeat_rate, acq ? (double)rep / acq : 0);
    for (int w = 0; w < RET_NWIN; w++) {
        assert_int_equal(g->eligible[w], elig[w]);
        assert_int_equal(g->retained[w], ret[w]);
        assert_near(g->ret_rate[w], elig[w] ? (double)ret[w] / elig[w] : 0);
    }
    assert_int_equal(g->full_year, full);
    assert_near(g->fy_value, fy);
    assert_near(g->fy_mean, full ? fy / full : 0);
}

static void test_month(void **state)
{
    (void)state;
    assert_int_equal(ret_month(0), 1970 * 12);                       /* 1970-01-01 */
    assert_int_equal(ret_month(-1), 1969 * 12 + 11);                 /* 1969-12-31 */
    assert_int_equal(ret_month(day_of(2024, 2, 29)), 2024 * 12 + 1);
    assert_int_equal(ret_month(day_of(2024, 3, 1)), 2024 * 12 + 2);
    assert_int_equal(ret_month(day_of(2000, 12, 31)), 2000 * 12 + 11);
}

/* The per-customer figures and the acquisition by channel and month. */
static void test_acquisition(void **state)
{
    (void)state;
    struct dataset *ds = make();
    struct features f;
    struct retention r;
    struct cx_err e = { 0 };
    assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, INT32_MIN, &f, &e), CX_OK);
    assert_int_equal(ret_compute(ds, &f, seg6, 2, NULL, &r, &e), CX_OK);
    assert_int_equal(r.n, 6);
    assert_int_equal(r.nch, 3);
    assert_int_equal(r.obs_end, day_of(2024, 6, 30));
    assert_int_equal(r.first_month, 2023 * 12);
    assert_int_equal(r.n_months, 18);                 /* Jan 2023 .. Jun 2024 */
    assert_int_equal(r.cohort_last, 17);
    assert_int_equal(r.present, 6);

    assert_int_equal(r.acq_channel[A_], WEB);
    assert_int_equal(r.acq_day[A_], day_of(2023, 1, 10));
    assert_int_equal(r.acq_head[A_], 1);
    assert_int_equal(r.n_pos[A_], 4);
    assert_int_equal(r.next_gap[A_], 36);
    assert_near(r.fy_value[A_], 47);                  /* 15 + 30 - 10 + 12; not A5 */
    assert_int_equal(r.acq_channel[B_], RETAIL);
    assert_int_equal(r.next_gap[B_], 162);
    assert_near(r.fy_value[B_], 110);
    assert_int_equal(r.acq_channel[C_], RET_NONE);   /* a net of -5 only */
    assert_int_equal(r.acq_day[C_], INT32_MIN);
    assert_int_equal(r.acq_head[C_], DS_NONE);
    assert_int_equal(r.n_pos[C_], 0);
    assert_int_equal(r.next_gap[C_], -1);
    assert_near(r.fy_value[C_], 0);
    assert_int_equal(r.acq_channel[D_], AGENTS);     /* same day as the web order: lower head id */
    assert_int_equal(r.acq_head[D_], 6);
    assert_int_equal(r.n_pos[D_], 2);
    assert_int_equal(r.next_gap[D_], -1);            /* its second order is the same day */
    assert_near(r.fy_value[D_], 65);
    assert_int_equal(r.acq_channel[E_], RETAIL);     /* 2024-03-22, not the first in the input */
    assert_int_equal(r.acq_day[E_], day_of(2024, 3, 22));
    assert_int_equal(r.acq_head[E_], 11);
    assert_int_equal(r.next_gap[E_], 10);
    assert_near(r.fy_value[E_], 34);                 /* 14 + 20; the earlier return is left out */
    assert_int_equal(r.acq_channel[F_], WEB);
    assert_int_equal(r.n_pos[F_], 1);
    assert_int_equal(r.next_gap[F_], -1);
    for (uint32_t c = 0; c < 6; c++)                  /* n_pos is the SPEC's frequency */
        assert_near(r.n_pos[c], f.v[F_FREQUENCY][c]);

    /* New customers: Jan 2023 web A, retail B; Mar 2023 agents D;
       Jun 2023 web F; Mar 2024 retail E. */
    uint32_t want[18][3] = { { 0 } };
    want[0][WEB] = 1;
    want[0][RETAIL] = 1;
    want[2][AGENTS] = 1;
    want[5][WEB] = 1;
    want[14][RETAIL] = 1;
    for (int i = 0; i < 18; i++) {
        uint32_t all = 0;
        for (int ch = 0; ch < 3; ch++) {
            assert_int_equal(r.new_cust[i * 3 + ch], want[i][ch]);
            all += want[i][ch];
        }
        assert_int_equal(r.new_all[i], all);
    }
    ret_free(&r);
    ret_free(&r);                                     /* a zeroed struct is fine */
    ret_free(NULL);
    features_free(&f);
    dataset_free(ds);
}

/* Repeat purchase, windows with censoring, first-year value: overall, per
   acquisition channel, per segment and per segment x channel. */
static void test_groups(void **state)
{
    (void)state;
    struct dataset *ds = make();
    struct features f;
    struct retention r;
    struct cx_err e = { 0 };
    assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, INT32_MIN, &f, &e), CX_OK);
    assert_int_equal(ret_compute(ds, &f, seg6, 2, NULL, &r, &e), CX_OK);
    /* All: acquired A B D E F, C apart. Repeat A B D E = 4. Eligible for
       90 days: all five (E is 100 days old), retained within 90: A (36), E
       (10). For 180 and 365: A B D F, retained A, B (162). Full year A B D
       F: 47 + 110 + 65 + 80 = 302. */
    check_group(&r.all, 5, 1, 4, (uint32_t[]){ 5, 4, 4 }, (uint32_t[]){ 2, 2, 2 }, 4, 302);
    /* Web: A, F. Repeat A. Retained A in every window. First year 47 + 80. */
    check_group(&r.by_ch[WEB], 2, 0, 1, (uint32_t[]){ 2, 2, 2 }, (uint32_t[]){ 1, 1, 1 }, 2, 127);
    /* Retail: B, E. Both repeat. 90: B E eligible, E retained (B's gap
       162 > 90); 180 and 365: B only, retained. Full year: B. */
    check_group(&r.by_ch[RETAIL], 2, 0, 2, (uint32_t[]){ 2, 1, 1 }, (uint32_t[]){ 1, 1, 1 }, 1, 110);
    /* Agents: D, a repeat (same day) never retained. */
    check_group(&r.by_ch[AGENTS], 1, 0, 1, (uint32_t[]){ 1, 1, 1 }, (uint32_t[]){ 0, 0, 0 }, 1, 65);
    /* Segment 0: A, C, F: C apart; A repeat and retained. */
    check_group(&r.by_seg[0], 2, 1, 1, (uint32_t[]){ 2, 2, 2 }, (uint32_t[]){ 1, 1, 1 }, 2, 127);
    /* Segment 1: B, D: both repeat; B retained at 180 and 365 only. */
    check_group(&r.by_seg[1], 2, 0, 2, (uint32_t[]){ 2, 2, 2 }, (uint32_t[]){ 0, 1, 1 }, 2, 175);
    /* Segment x channel: 0 x web = A, F; 1 x retail = B; 1 x agents = D;
       0 x retail is empty (E has no segment). */
    check_group(&r.by_seg_ch[0 * 3 + WEB], 2, 0, 1, (uint32_t[]){ 2, 2, 2 }, (uint32_t[]){ 1, 1, 1 }, 2, 127);
    check_group(&r.by_seg_ch[1 * 3 + RETAIL], 1, 0, 1, (uint32_t[]){ 1, 1, 1 }, (uint32_t[]){ 0, 1, 1 }, 1, 110);
    check_group(&r.by_seg_ch[1 * 3 + AGENTS], 1, 0, 1, (uint32_t[]){ 1, 1, 1 }, (uint32_t[]){ 0, 0, 0 }, 1, 65);
    check_group(&r.by_seg_ch[0 * 3 + RETAIL], 0, 0, 0, (uint32_t[]){ 0, 0, 0 }, (uint32_t[]){ 0, 0, 0 }, 0, 0);
    ret_free(&r);

    /* A caller's value per head, here h + 1: A h1 h4 h5 h8 = 2 + 5 + 6 +
       9 = 22; B h2 h9 = 3 + 10 = 13; D h6 h7 = 7 + 8 = 15; E h0 h11 = 1 +
       12 = 13; F h14 = 15. Full years A B D F: 65, mean 16.25; web A F:
       37, mean 18.5. */
    double hv[15];
    for (int h = 0; h < 15; h++)
        hv[h] = h + 1;
    assert_int_equal(ret_compute(ds, &f, NULL, 0, hv, &r, &e), CX_OK);
    assert_near(r.fy_value[A_], 22);
    assert_near(r.fy_value[B_], 13);
    assert_near(r.fy_value[D_], 15);
    assert_near(r.fy_value[E_], 13);
    assert_near(r.fy_value[F_], 15);
    assert_near(r.all.fy_value, 65);
    assert_near(r.all.fy_mean, 16.25);
    assert_near(r.by_ch[WEB].fy_mean, 18.5);
    assert_int_equal(r.nseg, 0);
    ret_free(&r);
    features_free(&f);
    dataset_free(ds);
}

/* Cohorts and the switching matrix. */
static void test_cohorts_switching(void **state)
{
    (void)state;
    struct dataset *ds = make();
    struct features f;
    struct retention r;
    struct cx_err e = { 0 };
    assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, INT32_MIN, &f, &e), CX_OK);
    assert_int_equal(ret_compute(ds, &f, NULL, 0, NULL, &r, &e), CX_OK);
    const uint32_t nm = 18;
    /* Cohort 0 (Jan 2023: A, B): offset 0 both; A buys in Feb (1), May
       (4), Feb 2024 (13) — not in March, a return only; B in Jul (6). */
    uint32_t want0[18] = { 0 };
    want0[0] = 2;
    want0[1] = 1;
    want0[4] = 1;
    want0[6] = 1;
    want0[13] = 1;
    for (uint32_t k = 0; k < nm; k++)
        assert_int_equal(r.cohort[0 * nm + k], want0[k]);
    /* Per channel: web A at 0, 1, 4, 13; retail B at 0, 6. */
    for (uint32_t k = 0; k < nm; k++) {
        assert_int_equal(r.cohort_ch[(0 * 3 + WEB) * nm + k], (k == 0 || k == 1 || k == 4 || k == 13));
        assert_int_equal(r.cohort_ch[(0 * 3 + RETAIL) * nm + k], (k == 0 || k == 6));
        assert_int_equal(r.cohort_ch[(0 * 3 + AGENTS) * nm + k], 0);
    }
    /* Cohort 2 (Mar 2023: D), 5 (Jun 2023: F): offset 0 only. Cohort 14
       (Mar 2024: E): Mar and Apr. Cohort 1 (Feb 2023) is empty. */
    for (uint32_t k = 0; k < nm; k++) {
        assert_int_equal(r.cohort[1 * nm + k], 0);
        assert_int_equal(r.cohort[2 * nm + k], k == 0);
        assert_int_equal(r.cohort[5 * nm + k], k == 0);
        assert_int_equal(r.cohort[14 * nm + k], k <= 1);
        assert_int_equal(r.cohort_ch[(14 * 3 + RETAIL) * nm + k], k <= 1);
    }

    /* Switching. Web row: A (later retail and web; F has no later order).
       Retail row: B (retail), E (web). Agents row: D (web, same day). */
    uint32_t sw[3][3] = { { 1, 1, 0 }, { 1, 1, 0 }, { 1, 0, 0 } };
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            assert_int_equal(r.sw[a * 3 + b], sw[a][b]);
    assert_int_equal(r.sw_rows[WEB], 1);
    assert_int_equal(r.sw_rows[RETAIL], 2);
    assert_int_equal(r.sw_rows[AGENTS], 1);
    ret_free(&r);
    features_free(&f);
    dataset_free(ds);
}

/* A shorter period: 2023-01-01 .. 2023-12-31, as of its last date
   2023-07-01 (B2). E and its orders fall out; A5 too. */
static void test_period(void **state)
{
    (void)state;
    struct dataset *ds = make();
    struct features f;
    struct retention r;
    struct cx_err e = { 0 };
    assert_int_equal(features_compute(ds, day_of(2023, 1, 1), day_of(2023, 12, 31), INT32_MIN,
                                      &f, &e), CX_OK);
    assert_int_equal(ret_compute(ds, &f, seg6, 2, NULL, &r, &e), CX_OK);
    assert_int_equal(r.obs_end, day_of(2023, 7, 1));
    assert_int_equal(r.n_months, 12);
    assert_int_equal(r.cohort_last, 6);              /* July 2023 */
    assert_int_equal(r.present, 5);                  /* A B C D F */
    assert_int_equal(r.acq_channel[E_], RET_NONE);
    assert_int_equal(r.n_pos[A_], 3);
    /* Ages: A 172, B 162, D 118, F 21. 90 days: A B D eligible, retained A;
       180 days: none eligible. Cohort 0: Jul is offset 6 (B); offsets past
       6 are not observed and hold 0 (A5 is out of the period anyway). */
    check_group(&r.all, 4, 1, 3, (uint32_t[]){ 3, 0, 0 }, (uint32_t[]){ 1, 0, 0 }, 0, 0);
    assert_int_equal(r.cohort[6], 1);
    assert_int_equal(r.cohort[1], 1);                /* offset 1: A in Feb */
    ret_free(&r);
    features_free(&f);

    /* An as-of date before the end of the period closes it there
       (2023-01-01 .. 2023-03-31): the later orders are not analysed at
       all (B2, F1 and the rest are only counted as after the as-of date).
       In the period: A (h1 15, h4 30, h5 -10), B (h2 50), C (h3 -5), D (h6
       40, h7 25 the same day). Acquired A B D (C has no positive order);
       repeat A (two positive orders) and D (two the same day), not B,
       whose second order (Jul 1) is after the as-of date. Ages A 80, B
       70, D 26: nobody is eligible for 90 days. Months Jan .. Mar. */
    assert_int_equal(features_compute(ds, day_of(2023, 1, 1), day_of(2023, 12, 31),
                                      day_of(2023, 3, 31), &f, &e), CX_OK);
    assert_int_equal(f.to, day_of(2023, 3, 31));
    /* After 2023-03-31, whatever --to says: E2 A4 B2 E0 E1 X1 A5 F1, a line each. */
    assert_int_equal(f.lines_after_asof, 8);
    assert_int_equal(f.orders_after_asof, 8);
    assert_int_equal(ret_compute(ds, &f, NULL, 0, NULL, &r, &e), CX_OK);
    assert_int_equal(r.obs_end, day_of(2023, 3, 31));
    assert_int_equal(r.n_months, 3);
    assert_int_equal(r.cohort_last, 2);
    assert_int_equal(r.present, 4);                  /* A B C D */
    assert_int_equal(r.acq_channel[F_], RET_NONE);
    assert_int_equal(r.n_pos[B_], 1);
    check_group(&r.all, 3, 1, 2, (uint32_t[]){ 0, 0, 0 }, (uint32_t[]){ 0, 0, 0 }, 0, 0);
    /* Cohort Jan (A, B): 2, then A in Feb (h4), nobody positive in Mar
       (h5 is a return); cohort Mar: D. */
    assert_int_equal(r.cohort[0], 2);
    assert_int_equal(r.cohort[1], 1);
    assert_int_equal(r.cohort[2], 0);
    assert_int_equal(r.cohort[2 * 3 + 0], 1);
    assert_int_equal(r.new_all[0], 2);
    assert_int_equal(r.new_all[1], 0);
    assert_int_equal(r.new_all[2], 1);
    ret_free(&r);
    features_free(&f);
    dataset_free(ds);
}

static void test_errors(void **state)
{
    (void)state;
    struct dataset *ds = make();
    struct features f;
    struct retention r;
    struct cx_err e = { 0 };
    assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, INT32_MIN, &f, &e), CX_OK);
    int16_t bad[6] = { 0, 0, 2, 0, 0, 0 };           /* segment 2 of 2 */
    assert_int_equal(ret_compute(ds, &f, bad, 2, NULL, &r, &e), CX_EUSAGE);
    assert_null(r.acq_channel);
    e.status = CX_OK;
    e.msg[0] = 0;
    assert_int_equal(ret_compute(ds, &f, NULL, 3, NULL, &r, &e), CX_EUSAGE);
    struct features g = f;
    g.n = 5;                                          /* features of another dataset */
    assert_int_equal(ret_compute(ds, &g, NULL, 0, NULL, &r, &e), CX_EUSAGE);
    features_free(&f);
    dataset_free(ds);
}

/* Anonymous sales only: nobody to acquire, and nothing breaks. */
static void test_anonymous(void **state)
{
    (void)state;
    struct dataset *ds = dataset_create();
    add(ds, "X1", "", "web", day_of(2023, 1, 10), 1, 10);
    add(ds, "X2", "", "retail", day_of(2023, 2, 10), 1, 10);
    struct features f;
    struct retention r;
    struct cx_err e = { 0 };
    assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, INT32_MIN, &f, &e), CX_OK);
    assert_int_equal(ret_compute(ds, &f, NULL, 0, NULL, &r, &e), CX_OK);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.present, 0);
    assert_int_equal(r.all.acquired, 0);
    assert_near(r.all.repeat_rate, 0);
    assert_int_equal(r.n_months, 2);
    assert_int_equal(r.new_all[0] + r.new_all[1], 0);
    assert_int_equal(r.sw_rows[0] + r.sw_rows[1], 0);
    ret_free(&r);
    features_free(&f);
    dataset_free(ds);
}

/* A random dataset: the same results, bit for bit, for 1 and 2 threads. */
static uint64_t rng;
static uint32_t rnd(uint32_t n)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng >> 33) % n;
}

static void same(const struct retention *a, const struct retention *b)
{
    size_t n = a->n, nch = a->nch, nm = a->n_months, ns = (size_t)a->nseg;
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->n_months, b->n_months);
    assert_int_equal(a->present, b->present);
    assert_memory_equal(a->acq_channel, b->acq_channel, n);
    assert_memory_equal(a->acq_day, b->acq_day, n * sizeof *a->acq_day);
    assert_memory_equal(a->acq_head, b->acq_head, n * sizeof *a->acq_head);
    assert_memory_equal(a->n_pos, b->n_pos, n * sizeof *a->n_pos);
    assert_memory_equal(a->next_gap, b->next_gap, n * sizeof *a->next_gap);
    assert_memory_equal(a->fy_value, b->fy_value, n * sizeof *a->fy_value);
    assert_memory_equal(&a->all, &b->all, sizeof a->all);
    assert_memory_equal(a->by_ch, b->by_ch, nch * sizeof *a->by_ch);
    assert_memory_equal(a->by_seg, b->by_seg, ns * sizeof *a->by_seg);
    assert_memory_equal(a->by_seg_ch, b->by_seg_ch, ns * nch * sizeof *a->by_seg_ch);
    assert_memory_equal(a->new_cust, b->new_cust, nm * nch * sizeof *a->new_cust);
    assert_memory_equal(a->cohort, b->cohort, nm * nm * sizeof *a->cohort);
    assert_memory_equal(a->cohort_ch, b->cohort_ch, nm * nch * nm * sizeof *a->cohort_ch);
    assert_memory_equal(a->sw, b->sw, nch * nch * sizeof *a->sw);
    assert_memory_equal(a->sw_rows, b->sw_rows, nch * sizeof *a->sw_rows);
}

static void test_threads(void **state)
{
    (void)state;
    struct dataset *ds = dataset_create();
    static const char *const chans[4] = { "web", "retail", "agents", "market" };
    rng = 7;
    for (int o = 0; o < 40000; o++) {
        char order[16], cust[16];
        snprintf(order, sizeof order, "O%d", o);
        snprintf(cust, sizeof cust, "C%u", rnd(9000));
        const char *ch = chans[rnd(4)];
        int32_t d = day_of(2022, 1, 1) + (int32_t)rnd(900);
        int nl = 1 + (int)rnd(3);
        for (int l = 0; l < nl; l++)
            add(ds, order, cust, ch, d, rnd(10) == 0 ? -1.0 : 1.0 + rnd(3), 0.5 + rnd(4000) / 100.0);
    }
    struct features f;
    struct cx_err e = { 0 };
    assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, INT32_MIN, &f, &e), CX_OK);
    int16_t *seg = malloc(f.n * sizeof *seg);
    double *hv = malloc(ds->n_heads * sizeof *hv);
    for (uint32_t c = 0; c < f.n; c++)
        seg[c] = (int16_t)((int)rnd(5) - 1);
    for (size_t h = 0; h < ds->n_heads; h++)
        hv[h] = rnd(100000) / 7.0 - 2000;
    struct retention r1, r2;
    for (int pass = 0; pass < 2; pass++) {
        const double *v = pass ? hv : NULL;
        omp_set_num_threads(1);
        assert_int_equal(ret_compute(ds, &f, seg, 4, v, &r1, &e), CX_OK);
        omp_set_num_threads(2);
        assert_int_equal(ret_compute(ds, &f, seg, 4, v, &r2, &e), CX_OK);
        same(&r1, &r2);
        /* Consistency: row totals are the repeat customers of each channel,
           and the diagonal of cohorts is the cohort size. */
        for (uint32_t a = 0; a < r1.nch; a++)
            assert_int_equal(r1.sw_rows[a], r1.by_ch[a].repeat);
        for (uint32_t i = 0; i < r1.n_months; i++)
            assert_int_equal(r1.cohort[(size_t)i * r1.n_months], r1.new_all[i]);
        for (uint32_t c = 0; c < f.n; c++)
            assert_near(r1.n_pos[c], f.v[F_FREQUENCY][c]);
        ret_free(&r1);
        ret_free(&r2);
    }
    free(seg);
    free(hv);
    features_free(&f);
    dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_month),
        cmocka_unit_test(test_acquisition),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_cohorts_switching),
        cmocka_unit_test(test_period),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_anonymous),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
