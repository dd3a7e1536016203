/*
 * rfm — the classic RFM quintile scores (1–5 each) and segment labels.
 *
 * SPEC §3: besides its k-means segment, each customer gets the recency,
 * frequency and monetary scores everyone in marketing knows, and the label
 * that goes with them. 5 is best in every dimension: most recent (fewest
 * recency_days), most orders, highest spend.
 *
 * Scores by rank, with ties kept together. Each dimension is sorted (a copy:
 * O(n log n), 8 bytes a customer per dimension); the thresholds are the
 * values at the 20/40/60/80 % ranks, i.e. the sorted values at positions
 * ceil(q·n/5) − 1, q = 1..4 (0-based). A customer's score is then
 *     F, M:  1 + number of thresholds the value is strictly above,
 *     R:     1 + number of thresholds the recency is strictly below
 * (recency is scored as −recency_days, so its thresholds run downwards:
 * thr[0] is the largest number of days). A score depends only on the value
 * and the thresholds, never on the customer's position, so equal values
 * always get equal scores and the result does not depend on the input order.
 * With n divisible by 5 and distinct values, every score has n/5 customers.
 *
 * Low variance: when one value fills several quintiles, several thresholds
 * are equal, the bins between them are empty and everyone holding that value
 * gets the LOWEST of the merged scores. Example: frequencies 1 ×7, 2, 3, 5
 * (n = 10) give thresholds 1, 1, 1, 2, scores 1 ×7, 4, 5, 5 and counts
 * {7, 0, 0, 1, 2}: scores 2 and 3 are unused. A constant column gives
 * everyone 1. Nothing is spread artificially: the caller gets the four
 * thresholds and the count of customers per score (struct rfm_bins) and
 * should show them, so that "F = 1" reads as "one order" and not as "the
 * bottom 20 %". When n < 5 the same rule applies (n = 1: score 1; n = 2:
 * scores 1 and 3).
 *
 * Labels: the ten segments of the "RFM segmentation" literature (the table
 * popularised by the R package rfm, which states each rule on R, F and M
 * separately), applied to R and FM = round((F + M) / 2) (halves round up)
 * so that every (R, F, M) has exactly one label. Rules, first match wins:
 *
 *     #  label               R      FM
 *     0  Champions           4–5    4–5
 *     1  Loyal Customers     2–5    3–5
 *     2  New Customers       4–5    1
 *     3  Promising           3–4    1
 *     4  Potential Loyalist  3–5    1–3
 *     5  Need Attention      2–3    2–3
 *     6  About To Sleep      2–3    1–2
 *     7  Can't Lose Them     1      4–5
 *     8  At Risk             1–2    2–5
 *     9  Lost                1–2    1–2
 *    10  Others              anything else (only scores outside 1..5)
 *
 * The published order puts Potential Loyalist before New Customers and
 * Promising, and At Risk before Can't Lose Them, which makes those three
 * unreachable; here they come first so all ten labels occur. What each
 * (R, FM) cell gets:
 *
 *     FM:    1               2                   3                4–5
 *     R 5    New Customers   Potential Loyalist  Loyal Customers  Champions
 *     R 4    New Customers   Potential Loyalist  Loyal Customers  Champions
 *     R 3    Promising       Potential Loyalist  Loyal Customers  Loyal Customers
 *     R 2    About To Sleep  Need Attention      Loyal Customers  Loyal Customers
 *     R 1    Lost            At Risk             At Risk          Can't Lose Them
 */
#ifndef CANAUX_RFM_H
#define CANAUX_RFM_H

#include <stddef.h>
#include <stdint.h>

#include "engine/cx_err.h"

/* How one dimension was cut. Score s (1..5) holds count[s-1] customers.
   thr[q] separates score q+1 from q+2: for F and M a score above q+1 means
   value > thr[q] (thresholds increasing); for R it means recency_days <
   thr[q] (thresholds decreasing). Equal thresholds mean merged bins. */
struct rfm_bins {
    double thr[4];    /* values at the 20/40/60/80 % ranks, in the input's unit; NaN when n = 0 */
    size_t count[5];  /* customers with score 1..5 */
};

enum { RFM_NLABELS = 11 };  /* the ten labels and "Others" */

/* Scores n customers. recency (days since the last purchase, lower is
   better), frequency and monetary are arrays of n finite values (monetary may
   be negative); r, f, m receive n scores in 1..5. bins, when not NULL,
   receives the cut of R, F and M in that order. The caller owns every array;
   nothing is kept. The three dimensions are scored in parallel (one thread
   each); the result does not depend on the thread count.
   Returns CX_OK; CX_EINTERNAL with a message in e when a value is NaN or
   infinite (naming the customer), an array is NULL while n > 0, or out of
   memory (the outputs are then unspecified). */
int rfm_score(const double *recency, const double *frequency, const double *monetary, size_t n,
              uint8_t *r, uint8_t *f, uint8_t *m, struct rfm_bins bins[3], struct cx_err *e);

/* Index 0..10 of the label of scores (r, f, m) in the table above (10,
   "Others", when a score lies outside 1..5). */
int rfm_label_id(int r, int f, int m);
/* The label with index id, a static string ("Others" when id is out of
   range). */
const char *rfm_label_name(int id);
/* rfm_label_name(rfm_label_id(r, f, m)): a static string, never NULL; the
   same pointer for the same label. */
const char *rfm_label(int r, int f, int m);

#endif
