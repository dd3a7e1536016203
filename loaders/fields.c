/* fields.c -- numbers and dates from CSV field text.
 *
 * Design. A number is read in one pass over its bytes that both validates
 * the syntax of the locale and gathers the decimal significand (its first 19
 * significant digits, in a uint64_t) and a power of ten. Nearly every field
 * of a sales file ("12.50", "3", "1 234,56") then has a significand of at
 * most 2^53 and a power of ten of at most 22 in magnitude: both are exact
 * doubles, so one IEEE multiply or divide gives the correctly rounded result
 * (Clinger's fast path). Anything else -- more than 2^53 or more than 19
 * digits, large exponents, subnormals -- is rewritten as plain digits plus
 * an exponent into a buffer on the stack and handed to strtod_l in the "C"
 * locale, which rounds correctly whatever the length. That rare path keeps
 * the first 800 significant digits and replaces the rest by one sticky '1'
 * when any of them is nonzero: a halfway point between two doubles has at
 * most 768 significant digits, so the sticky digit decides the rounding the
 * same way the full text would, and the buffer has a fixed size.
 *
 * Dates are read with small digit scanners, no sscanf; the calendar
 * arithmetic is Howard Hinnant's days_from_civil / civil_from_days, exact for
 * the proleptic Gregorian calendar with no tables and no loops.
 *
 * Nothing here allocates or keeps state between calls (the only statics are
 * constant tables), so every function may run on any thread. */
#include "loaders/fields.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SIG_FAST   19   /* significant digits that always fit a uint64_t */
#define SIG_SLOW   800  /* significant digits passed to strtod; > 768 */
#define EXP_CAP    100000000000000000LL  /* exponent digits stop growing here */
#define TWO53      (UINT64_C(1) << 53)

/* Exact powers of ten: every 10^k for k <= 22 is a double without rounding. */
static const double pow10_exact[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

static const uint64_t pow10_int[16] = {
    UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000),
    UINT64_C(10000), UINT64_C(100000), UINT64_C(1000000),
    UINT64_C(10000000), UINT64_C(100000000), UINT64_C(1000000000),
    UINT64_C(10000000000), UINT64_C(100000000000), UINT64_C(1000000000000),
    UINT64_C(10000000000000), UINT64_C(100000000000000),
    UINT64_C(1000000000000000)
};

static inline int is_digit(unsigned char c)
{
    return (unsigned)(c - '0') <= 9;
}

static inline int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* Narrows [*p, *e) by the ASCII spaces and tabs around it. */
static inline void trim(const unsigned char **p, const unsigned char **e)
{
    const unsigned char *a = *p, *b = *e;
    while (a < b && is_blank(*a))
        a++;
    while (b > a && is_blank(b[-1]))
        b--;
    *p = a;
    *e = b;
}

/* Length of the French group separator at p (space, U+00A0, U+202F), or 0. */
static inline size_t fr_sep_len(const unsigned char *p, const unsigned char *e)
{
    if (*p == ' ')
        return 1;
    if (*p == 0xC2 && e - p >= 2 && p[1] == 0xA0)
        return 2;
    if (*p == 0xE2 && e - p >= 3 && p[1] == 0x80 && p[2] == 0xAF)
        return 3;
    return 0;
}

/* Decimal significand being gathered: value = w * 10^scale, exactly, unless
 * trunc says that nonzero digits were dropped after the first SIG_FAST. */
struct sig {
    uint64_t w;      /* first significant digits, at most SIG_FAST of them */
    int64_t nsig;    /* significant digits seen, from the first nonzero one */
    int64_t scale;   /* power of ten of the last digit kept in w */
    int trunc;       /* a nonzero digit was dropped */
    int any;         /* at least one digit (zeros included) was seen */
};

static inline void sig_digit(struct sig *g, unsigned d, int frac)
{
    g->any = 1;
    if (g->nsig == 0 && d == 0) {           /* leading zero */
        g->scale -= frac;
        return;
    }
    g->nsig++;
    if (g->nsig <= SIG_FAST) {
        g->w = g->w * 10 + d;
        g->scale -= frac;
    } else {                                /* dropped: keeps its weight */
        g->scale += !frac;
        g->trunc |= d != 0;
    }
}

/* The rare path: digits of [p, mend) (validated already) rewritten as
 * "[-]DDDD...e[-]X" and converted by strtod_l in the C locale. */
static int number_slow(const unsigned char *p, const unsigned char *mend,
                       int neg, int64_t ex, double *out)
{
    char buf[SIG_SLOW + 32];
    size_t k = 0, start;
    int64_t scale = 0;
    int frac = 0, sticky = 0;

    if (neg)
        buf[k++] = '-';
    start = k;
    for (; p < mend; p++) {
        unsigned char c = *p;
        if (c == '.' || c == ',') {
            frac = 1;
            continue;
        }
        if (!is_digit(c))
            continue;                       /* a group separator's byte */
        if (k == start && c == '0') {
            scale -= frac;
            continue;
        }
        if (k - start < SIG_SLOW) {
            buf[k++] = (char)c;
            scale -= frac;
        } else {
            scale += !frac;
            sticky |= c != '0';
        }
    }
    if (sticky) {
        buf[k++] = '1';
        scale--;
    }
    /* With at most SIG_SLOW+1 digits, any |exponent| above 10^6 already
     * means infinity or zero, so the clamp changes no result. */
    int64_t x = scale + ex;
    if (x > 999999)
        x = 999999;
    if (x < -999999)
        x = -999999;
    buf[k++] = 'e';
    if (x < 0) {
        buf[k++] = '-';
        x = -x;
    }
    char tmp[8];
    size_t t = 0;
    do {
        tmp[t++] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    while (t)
        buf[k++] = tmp[--t];
    buf[k] = '\0';

    /* glibc returns a static object for "C": no allocation, cannot fail. */
    locale_t c_loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (c_loc == (locale_t)0)
        return -1;
    char *end;
    double v = strtod_l(buf, &end, c_loc);
    freelocale(c_loc);
    if (end != buf + k || isinf(v))
        return -1;
    *out = v;
    return 0;
}

/* Parses the trimmed, non-empty [p, e) and multiplies by 10^shift exactly. */
static int number_parse(const unsigned char *p, const unsigned char *e,
                        enum field_locale loc, int shift, double *out)
{
    struct sig g = {0, 0, 0, 0, 0};
    int neg = 0;

    if (p < e && (*p == '+' || *p == '-')) {
        neg = *p == '-';
        p++;
    }
    const unsigned char *mant = p;

    if (loc == FIELD_FR) {
        unsigned group = 0;                 /* digits in the current group */
        int grouped = 0;                    /* a separator was seen */
        for (;;) {
            size_t k;
            if (p < e && is_digit(*p)) {
                sig_digit(&g, *p - '0', 0);
                group++;
                p++;
            } else if (p < e && group > 0 && (k = fr_sep_len(p, e)) != 0 &&
                       p + k < e && is_digit(p[k])) {
                if (grouped ? group != 3 : group > 3)
                    return -1;
                grouped = 1;
                group = 0;
                p += k;
            } else {
                break;
            }
        }
        if (grouped && group != 3)
            return -1;
    } else {
        while (p < e && is_digit(*p)) {
            sig_digit(&g, *p - '0', 0);
            p++;
        }
    }
    /* FR takes ',' or '.': a second point of either kind is garbage below,
     * so '.' is a decimal point exactly when the text has no ','. */
    if (p < e && (*p == '.' || (loc == FIELD_FR && *p == ','))) {
        p++;
        while (p < e && is_digit(*p)) {
            sig_digit(&g, *p - '0', 1);
            p++;
        }
    }
    if (!g.any)
        return -1;
    const unsigned char *mend = p;

    int64_t ex = 0;
    if (p < e && (*p == 'e' || *p == 'E')) {
        int eneg = 0;
        p++;
        if (p < e && (*p == '+' || *p == '-')) {
            eneg = *p == '-';
            p++;
        }
        if (p == e || !is_digit(*p))
            return -1;
        for (; p < e && is_digit(*p); p++)
            if (ex < EXP_CAP)
                ex = ex * 10 + (*p - '0');
        if (eneg)
            ex = -ex;
    }
    if (p != e)
        return -1;

    if (g.w == 0) {                         /* only zeros: any exponent */
        *out = neg ? -0.0 : 0.0;
        return 0;
    }
    ex += shift;
#if FLT_EVAL_METHOD == 0   /* x87 excess precision would round twice */
    if (!g.trunc && g.w <= TWO53) {
        int64_t x = g.scale + ex;
        double v = (double)g.w;
        int fast = 1;
        if (x >= 0 && x <= 22)
            v *= pow10_exact[x];
        else if (x < 0 && x >= -22)
            v /= pow10_exact[-x];
        else if (x > 22 && x <= 22 + 15 && g.w <= TWO53 / pow10_int[x - 22])
            v = (double)(g.w * pow10_int[x - 22]) * 1e22;
        else
            fast = 0;
        if (fast) {
            *out = neg ? -v : v;
            return 0;
        }
    }
#endif
    return number_slow(mant, mend, neg, ex, out);
}

int field_number(const char *s, size_t n, enum field_locale loc, double *out)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;

    trim(&p, &e);
    if (p == e)
        return -1;
    return number_parse(p, e, loc, 0, out);
}

int field_fraction(const char *s, size_t n, enum field_locale loc, double *out)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;

    trim(&p, &e);
    if (p == e)
        return -1;
    if (e[-1] != '%')
        return number_parse(p, e, loc, 0, out);
    e--;
    for (;;) {                              /* spaces before the '%' */
        if (e > p && is_blank(e[-1]))
            e--;
        else if (e - p >= 2 && e[-2] == 0xC2 && e[-1] == 0xA0)
            e -= 2;
        else if (e - p >= 3 && e[-3] == 0xE2 && e[-2] == 0x80 && e[-1] == 0xAF)
            e -= 3;
        else
            break;
    }
    if (p == e)
        return -1;
    return number_parse(p, e, loc, -2, out);
}

/* ---- amounts as people write them ---- */

/* Length of one blank at p: ASCII space or tab, U+00A0 or U+202F. */
static inline size_t blank_len(const unsigned char *p, const unsigned char *e)
{
    if (p < e && is_blank(*p))
        return 1;
    if (e - p >= 2 && p[0] == 0xC2 && p[1] == 0xA0)
        return 2;
    if (e - p >= 3 && p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0xAF)
        return 3;
    return 0;
}

/* Length of one blank ending at e, or 0. */
static inline size_t blank_len_back(const unsigned char *p, const unsigned char *e)
{
    if (e > p && is_blank(e[-1]))
        return 1;
    if (e - p >= 2 && e[-2] == 0xC2 && e[-1] == 0xA0)
        return 2;
    if (e - p >= 3 && e[-3] == 0xE2 && e[-2] == 0x80 && e[-1] == 0xAF)
        return 3;
    return 0;
}

static void skip_blanks(const unsigned char **p, const unsigned char *e)
{
    size_t k;
    while ((k = blank_len(*p, e)) != 0)
        *p += k;
}

static void skip_blanks_back(const unsigned char *p, const unsigned char **e)
{
    size_t k;
    while ((k = blank_len_back(p, *e)) != 0)
        *e -= k;
}

/* Currency signs and ISO codes, in UTF-8. */
static const char *const currency_sign[] = { "$", "\xE2\x82\xAC", "\xC2\xA3", "\xC2\xA5" };
static const char *const currency_code[] = { "USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY" };

static inline int is_alpha(unsigned char c)
{
    return (unsigned)((c | 0x20) - 'a') < 26;
}

/* Length of a currency at the start of [p, e), or 0. A code is not part
   of a longer word. */
static size_t currency_front(const unsigned char *p, const unsigned char *e)
{
    size_t n = (size_t)(e - p);
    for (size_t i = 0; i < sizeof currency_sign / sizeof *currency_sign; i++) {
        size_t k = strlen(currency_sign[i]);
        if (n >= k && memcmp(p, currency_sign[i], k) == 0)
            return k;
    }
    for (size_t i = 0; i < sizeof currency_code / sizeof *currency_code; i++)
        if (n >= 3 && (p[0] & 0xDF) == currency_code[i][0] && (p[1] & 0xDF) == currency_code[i][1] &&
            (p[2] & 0xDF) == currency_code[i][2] && (n == 3 || !is_alpha(p[3])))
            return 3;
    return 0;
}

/* Length of a currency ending at e, or 0. */
static size_t currency_back(const unsigned char *p, const unsigned char *e)
{
    size_t n = (size_t)(e - p);
    for (size_t i = 0; i < sizeof currency_sign / sizeof *currency_sign; i++) {
        size_t k = strlen(currency_sign[i]);
        if (n >= k && memcmp(e - k, currency_sign[i], k) == 0)
            return k;
    }
    for (size_t i = 0; i < sizeof currency_code / sizeof *currency_code; i++)
        if (n >= 3 && (e[-3] & 0xDF) == currency_code[i][0] && (e[-2] & 0xDF) == currency_code[i][1] &&
            (e[-1] & 0xDF) == currency_code[i][2] && (n == 3 || !is_alpha(e[-4])))
            return 3;
    return 0;
}

/* Length of a minus or plus sign at p ('-', '+', U+2212), or 0; *neg says
   which. */
static size_t sign_front(const unsigned char *p, const unsigned char *e, int *neg)
{
    if (p < e && (*p == '-' || *p == '+')) {
        *neg = *p == '-';
        return 1;
    }
    if (e - p >= 3 && p[0] == 0xE2 && p[1] == 0x88 && p[2] == 0x92) {
        *neg = 1;
        return 3;
    }
    return 0;
}

/* Why an amount is refused, for the reject message. */
static const char why_en_comma[] =
    "ambiguous: ',' is neither a thousands separator (3 digits after it) nor, in locale en, "
    "the decimal point; set locale = fr for a decimal comma";
static const char why_looks_fr[] = "reads as a French number (',' after '.'): set locale = fr";
static const char why_looks_en[] = "reads as an English number ('.' after ','): set locale = en";
static const char why_groups[] = "digit groups after a thousands separator must have 3 digits";
static const char why_currency[] = "a currency is not allowed here";
static const char why_two[] = "two signs, currencies or parentheses";

/* [p, e) as digit groups, a decimal point and decimals, in locale loc:
   en "1,234,567.89" (or spaces between groups), fr "1.234.567,89" (or
   spaces). Copies the plain digits and '.' into buf (cap bytes) for
   number_parse. Returns the length, or -1 with *why set. */
static long ungroup(const unsigned char *p, const unsigned char *e, enum field_locale loc,
                    char *buf, size_t cap, const char **why)
{
    unsigned char point = loc == FIELD_FR ? ',' : '.';
    unsigned char gsep = loc == FIELD_FR ? '.' : ',';
    int kind = 0;             /* separator used: 0 none yet, 1 gsep, 2 blank */
    unsigned group = 0;       /* digits in the current group */
    int groups = 0;           /* separators seen */
    size_t k = 0;
    int seen_comma = 0, seen_dot = 0, last = 0;

    /* How the text reads, for the message: which of ',' '.' come last. */
    for (const unsigned char *q = p; q < e; q++) {
        if (*q == ',') {
            seen_comma = 1;
            last = ',';
        } else if (*q == '.') {
            seen_dot = 1;
            last = '.';
        }
    }
    if (seen_comma && seen_dot && last != point) {
        *why = loc == FIELD_FR ? why_looks_en : why_looks_fr;
        return -1;
    }
    if (p < e && (*p == '-' || *p == '+'))
        buf[k++] = (char)*p++;
    while (p < e) {
        size_t b;
        if (is_digit(*p)) {
            if (k + 2 >= cap)
                return -1;
            buf[k++] = (char)*p++;
            group++;
            continue;
        }
        int this_kind = *p == gsep ? 1 : (b = blank_len(p, e)) != 0 ? 2 : 0;
        if (this_kind == 0 || group == 0 || (kind && kind != this_kind))
            break;
        if (groups ? group != 3 : group > 3) {
            *why = why_groups;
            return -1;
        }
        kind = this_kind;
        groups++;
        group = 0;
        p += this_kind == 1 ? 1 : b;
        if (p == e || !is_digit(*p))
            return -1;          /* "1,,2", "12 X": not a number at all */
    }
    if (groups && group != 3) {
        /* "1,5" in en: a comma that cannot be a thousands separator */
        *why = loc == FIELD_EN && kind == 1 && groups == 1 && !seen_dot ? why_en_comma : why_groups;
        return -1;
    }
    if (p < e && *p == point) {
        buf[k++] = '.';
        p++;
        while (p < e && is_digit(*p)) {
            if (k + 1 >= cap)
                return -1;
            buf[k++] = (char)*p++;
        }
    }
    if (p != e)
        return -1;
    return (long)k;
}

int field_amount(const char *s, size_t n, enum field_locale loc, unsigned flags, double *out,
                 const char **why)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    int neg = 0, sign = 0, paren = 0, cur = 0;
    size_t k;

    *why = NULL;
    skip_blanks(&p, e);
    skip_blanks_back(p, &e);
    /* Signs, one currency and an opening parenthesis, in any order, in
       front; a currency and the closing parenthesis at the back. */
    for (;;) {
        int ng = 0;
        if (!sign && !paren && (k = sign_front(p, e, &ng)) != 0 && p + k < e &&
            !is_digit(p[k]) && p[k] != '.' && p[k] != ',') {
            /* "-$12.50": the sign before a currency (a sign before digits is
               the number's own, left to number_parse). */
            sign = 1;
            neg = ng;
        } else if (!cur && (k = currency_front(p, e)) != 0) {
            cur = 1;
        } else if (!paren && !sign && p < e && *p == '(') {
            paren = 1;
            k = 1;
        } else {
            break;
        }
        p += k;
        skip_blanks(&p, e);
    }
    for (;;) {
        if (!cur && (k = currency_back(p, e)) != 0) {
            cur = 1;
        } else if (paren == 1 && e > p && e[-1] == ')') {
            paren = 2;
            k = 1;
        } else {
            break;
        }
        e -= k;
        skip_blanks_back(p, &e);
    }
    if (paren == 1 || (e > p && e[-1] == ')'))
        return -1;
    if (cur && !(flags & FIELD_AMOUNT_MONEY)) {
        *why = why_currency;
        return -1;
    }
    if (p == e)
        return -1;
    /* A sign after "(" or after a sign of its own: "(-12)", "-$-12". */
    int ng = 0;
    if ((paren || sign) && (sign_front(p, e, &ng) != 0)) {
        *why = why_two;
        return -1;
    }
    if (!(paren || sign) && (k = sign_front(p, e, &ng)) == 3) {  /* U+2212 before digits */
        neg = 1;
        p += k;
    }
    double v;
    if (number_parse(p, e, loc, 0, &v) != 0) {
        char buf[128];
        long len = ungroup(p, e, loc, buf, sizeof buf, why);
        if (len <= 0 || number_parse((const unsigned char *)buf, (const unsigned char *)buf + len,
                                     FIELD_EN, 0, &v) != 0)
            return -1;
    }
    *out = (neg || paren) ? -v : v;
    return 0;
}

/* ---- dates ---- */

/* Reads min..max digits at *p into *v. Returns 0, or -1 if fewer than min. */
static inline int read_uint(const unsigned char **pp, const unsigned char *e,
                            unsigned min, unsigned max, unsigned *v)
{
    const unsigned char *p = *pp;
    unsigned k = 0, x = 0;
    while (k < max && p < e && is_digit(*p)) {
        x = x * 10 + (unsigned)(*p - '0');
        p++;
        k++;
    }
    if (k < min)
        return -1;
    *pp = p;
    *v = x;
    return 0;
}

static inline int is_leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int valid_ymd(unsigned y, unsigned m, unsigned d)
{
    static const unsigned char mdays[12] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1)
        return 0;
    return d <= mdays[m - 1] + (unsigned)(m == 2 && is_leap(y));
}

/* Validates what follows the date, [p, e): nothing, or a time of day (and
 * for ISO a 'Z' or a UTC offset). Returns 0 or -1. */
static int time_tail(const unsigned char *p, const unsigned char *e, int iso)
{
    unsigned h, mi, sec;

    if (p == e)
        return 0;
    if (iso && *p == 'T') {
        p++;
    } else if (*p == ' ' || *p == '\t') {
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
    } else {
        return -1;
    }
    if (read_uint(&p, e, 1, 2, &h) || h > 23 || p == e || *p++ != ':' ||
        read_uint(&p, e, 2, 2, &mi) || mi > 59)
        return -1;
    if (p < e && *p == ':') {
        p++;
        if (read_uint(&p, e, 2, 2, &sec) || sec > 59)
            return -1;
        if (p < e && *p == '.') {
            p++;
            if (p == e || !is_digit(*p))
                return -1;
            while (p < e && is_digit(*p))
                p++;
        }
    }
    if (iso && p < e) {
        if (*p == 'Z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            p++;
            if (read_uint(&p, e, 2, 2, &h) || h > 23)
                return -1;
            if (p < e && *p == ':') {
                p++;
                if (read_uint(&p, e, 2, 2, &mi) || mi > 59)
                    return -1;
            } else if (p < e && (read_uint(&p, e, 2, 2, &mi) || mi > 59)) {
                return -1;
            }
        }
    }
    return p == e ? 0 : -1;
}

/* One format on the trimmed [p, e). Returns 0 and *day, or -1. */
static int date_one(const unsigned char *p, const unsigned char *e,
                    enum field_datefmt fmt, int32_t *day)
{
    unsigned y, m, d, a, b;
    unsigned char sep;

    if (fmt == FIELD_DATE_ISO) {
        if (read_uint(&p, e, 4, 4, &y) || p == e || (*p != '-' && *p != '/'))
            return -1;
        sep = *p++;
        if (read_uint(&p, e, 1, 2, &m) || p == e || *p++ != sep ||
            read_uint(&p, e, 1, 2, &d))
            return -1;
    } else {
        if (read_uint(&p, e, 1, 2, &a) || p == e ||
            (*p != '/' && *p != '-' && *p != '.'))
            return -1;
        sep = *p++;
        if (read_uint(&p, e, 1, 2, &b) || p == e || *p++ != sep)
            return -1;
        const unsigned char *ys = p;
        if (read_uint(&p, e, 2, 4, &y) || p - ys == 3)
            return -1;
        if (p - ys == 2)          /* POSIX %y: 69-99 are 19xx, 00-68 are 20xx */
            y += y >= 69 ? 1900 : 2000;
        if (fmt == FIELD_DATE_DMY) {
            d = a;
            m = b;
        } else {
            m = a;
            d = b;
        }
    }
    /* A fifth year digit ("1/2/20245") is left for time_tail, which
     * rejects it: only a blank or 'T' may follow the date. */
    if (!valid_ymd(y, m, d) || time_tail(p, e, fmt == FIELD_DATE_ISO))
        return -1;
    *day = field_days_from_civil((int)y, m, d);
    return 0;
}

int field_date(const char *s, size_t n, enum field_datefmt fmt, int32_t *day)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    static const enum field_datefmt order[3] = {
        FIELD_DATE_ISO, FIELD_DATE_DMY, FIELD_DATE_MDY
    };

    trim(&p, &e);
    for (int i = 0; i < 3; i++)
        if ((fmt & order[i]) && date_one(p, e, order[i], day) == 0)
            return 0;
    return -1;
}

unsigned field_date_formats(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    unsigned mask = 0;
    int32_t day;

    trim(&p, &e);
    if (date_one(p, e, FIELD_DATE_ISO, &day) == 0)
        mask |= FIELD_DATE_ISO;
    if (date_one(p, e, FIELD_DATE_DMY, &day) == 0)
        mask |= FIELD_DATE_DMY;
    if (date_one(p, e, FIELD_DATE_MDY, &day) == 0)
        mask |= FIELD_DATE_MDY;
    return mask;
}

/* Hinnant's algorithms (http://howardhinnant.github.io/date_algorithms.html):
 * years counted from March, so the leap day ends the year, in 400-year eras
 * of 146097 days. 719468 is the day number of 1970-01-01 from 0000-03-01.
 * int64_t throughout so that no int32_t input can overflow. */
int32_t field_days_from_civil(int y, unsigned m, unsigned d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;                        /* [0, 399] */
    int64_t mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9; /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;   /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return (int32_t)(era * 146097 + doe - 719468);
}

void field_civil_from_days(int32_t day, int *y, unsigned *m, unsigned *d)
{
    int64_t z = (int64_t)day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                          /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);   /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                        /* [0, 11] */
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

void field_format_day(int32_t day, char *buf)
{
    int y;
    unsigned m, d;

    field_civil_from_days(day, &y, &m, &d);
    if (y < 0 || y > 9999) {
        memcpy(buf, "\?\?\?\?-\?\?-\?\?", 11);   /* no trigraphs */
        return;
    }
    buf[0] = (char)('0' + y / 1000);
    buf[1] = (char)('0' + y / 100 % 10);
    buf[2] = (char)('0' + y / 10 % 10);
    buf[3] = (char)('0' + y % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + d / 10);
    buf[9] = (char)('0' + d % 10);
    buf[10] = '\0';
}

/* ---- Excel serial dates ---- */

int field_excel_day(double serial, int date1904, int32_t *day)
{
    /* 2958465 is 9999-12-31 in the 1900 system, Excel's last day. */
    if (!(serial >= 0 && serial < 2958466.0))
        return -1;
    int64_t k = (int64_t)floor(serial);    /* the time of day is dropped */
    int64_t d;
    if (date1904) {
        d = field_days_from_civil(1904, 1, 1) + k;             /* 0 = 1904-01-01 */
    } else {
        /* 1 = 1900-01-01. Excel counts a 29 February 1900 that never was
           (serial 60, Lotus 1-2-3's leap-year bug), so from serial 61
           (1900-03-01) on, serial k is 1899-12-30 + k days. Serial 0
           ("1900-01-00") and 60 are no day. */
        if (k == 0 || k == 60)
            return -1;
        d = k < 60 ? field_days_from_civil(1899, 12, 31) + k : field_days_from_civil(1899, 12, 30) + k;
    }
    int y;
    unsigned m, dd;
    field_civil_from_days((int32_t)d, &y, &m, &dd);
    if (y < 1900 || y > 2199)              /* the years field_date accepts */
        return -1;
    *day = (int32_t)d;
    return 0;
}
