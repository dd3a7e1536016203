/*
 * stats — order statistics without a full sort, for medians and quantiles
 * of large arrays (hundreds of thousands of customers): Hoare's selection
 * is O(n) on average where a sort is O(n log n), and GSL's sort is a
 * heapsort, slower still on large arrays.
 */
#include "engine/stats.h"

/* The k-th smallest of a[0..n) (0-based), moving elements around:
   Hoare's selection with a median-of-three pivot, O(n) on average and
   deterministic. */
double stats_select(double *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double x = a[lo], y = a[mid], z = a[hi];
        double piv = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < piv)
                i++;
            while (a[j] > piv)
                j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return a[k];
    }
    return a[k];
}

/* Quantile q of a[0..n) with GSL's definition (linear interpolation
   between order statistics at (n - 1) q), without a full sort. */
double stats_quantile(double *a, size_t n, double q)
{
    if (n == 0)
        return 0;
    double pos = (double)(n - 1) * q;
    size_t k = (size_t)pos;
    double lo = stats_select(a, n, k);
    if (k + 1 >= n || pos == (double)k)
        return lo;
    double hi = a[k + 1];   /* the smallest of the part above k */
    for (size_t i = k + 2; i < n; i++)
        hi = a[i] < hi ? a[i] : hi;
    double delta = pos - (double)k;   /* as GSL writes it, to the last bit */
    return (1 - delta) * lo + delta * hi;
}

