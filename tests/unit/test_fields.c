/* test_fields.c -- unit tests of loaders/fields.c (numbers and dates).
 *
 * Every parser call goes through a copy of the text in a heap block of
 * exactly its length, with no NUL after it, so that AddressSanitizer catches
 * any read past the (pointer, length) the parsers are given. Numbers are
 * compared bit for bit: the parsers promise the correctly rounded double,
 * the one strtod gives in the C locale (this program never calls setlocale,
 * so strtod here is the reference). Expected day numbers were worked out by
 * hand from 1970-01-01 = 0 and checked with Python's datetime. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loaders/fields.h"

/* ---- helpers ---- */

/* Exact-size heap copy of text, no terminator; the caller frees it. */
static char *exact_copy(const char *text, size_t n)
{
    char *b = malloc(n ? n : 1);
    assert_non_null(b);
    memcpy(b, text, n);
    return b;
}

static int num(const char *text, enum field_locale loc, double *out)
{
    size_t n = strlen(text);
    char *b = exact_copy(text, n);
    int rc = field_number(b, n, loc, out);
    free(b);
    return rc;
}

static int frac(const char *text, enum field_locale loc, double *out)
{
    size_t n = strlen(text);
    char *b = exact_copy(text, n);
    int rc = field_fraction(b, n, loc, out);
    free(b);
    return rc;
}

static int date(const char *text, enum field_datefmt fmt, int32_t *day)
{
    size_t n = strlen(text);
    char *b = exact_copy(text, n);
    int rc = field_date(b, n, fmt, day);
    free(b);
    return rc;
}

static unsigned formats(const char *text)
{
    size_t n = strlen(text);
    char *b = exact_copy(text, n);
    unsigned m = field_date_formats(b, n);
    free(b);
    return m;
}

static uint64_t bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* The text must parse to exactly `want` (same bits, so -0.0 != 0.0). */
static void expect_num(const char *text, enum field_locale loc, double want)
{
    double got = 12345.0;
    if (num(text, loc, &got) != 0)
        fail_msg("field_number(\"%s\", %s) failed, want %.17g", text,
                 loc == FIELD_FR ? "fr" : "en", want);
    if (bits(got) != bits(want))
        fail_msg("field_number(\"%s\", %s) = %.17g (%a), want %.17g (%a)",
                 text, loc == FIELD_FR ? "fr" : "en", got, got, want, want);
}

/* The text must be rejected, and the output left alone. */
static void expect_bad(const char *text, enum field_locale loc)
{
    double got = 12345.0;
    if (num(text, loc, &got) != -1)
        fail_msg("field_number(\"%s\", %s) accepted it as %.17g", text,
                 loc == FIELD_FR ? "fr" : "en", got);
    assert_true(got == 12345.0);
}

/* The text must parse to the same bits as strtod on ref (C locale). */
static void expect_as_strtod(const char *text, enum field_locale loc,
                             const char *ref)
{
    double want = strtod(ref, NULL);
    if (isinf(want))
        expect_bad(text, loc);
    else
        expect_num(text, loc, want);
}

static int amount(const char *text, enum field_locale loc, unsigned flags, double *out,
                  const char **why)
{
    size_t n = strlen(text);
    char *b = exact_copy(text, n);
    int rc = field_amount(b, n, loc, flags, out, why);
    free(b);
    return rc;
}

/* field_amount must read text as exactly `want`; field_number must refuse
   it (the forms are only tried after field_number) unless plain is set. */
static void expect_amount(const char *text, enum field_locale loc, double want)
{
    double got = 12345.0;
    const char *why = "unset";
    if (amount(text, loc, FIELD_AMOUNT_MONEY, &got, &why) != 0)
        fail_msg("field_amount(\"%s\", %s) failed (%s), want %.17g", text,
                 loc == FIELD_FR ? "fr" : "en", why ? why : "no reason", want);
    if (bits(got) != bits(want))
        fail_msg("field_amount(\"%s\", %s) = %.17g, want %.17g", text,
                 loc == FIELD_FR ? "fr" : "en", got, want);
}

/* field_amount must refuse text; with a reason containing `reason` when
   it is not NULL, with no reason when it is NULL. */
static void expect_amount_bad(const char *text, enum field_locale loc, unsigned flags,
                              const char *reason)
{
    double got = 12345.0;
    const char *why = "unset";
    if (amount(text, loc, flags, &got, &why) != -1)
        fail_msg("field_amount(\"%s\", %s) accepted it as %.17g", text,
                 loc == FIELD_FR ? "fr" : "en", got);
    assert_true(got == 12345.0);
    if (reason == NULL && why != NULL)
        fail_msg("field_amount(\"%s\"): reason \"%s\", expected none", text, why);
    if (reason != NULL && (why == NULL || strstr(why, reason) == NULL))
        fail_msg("field_amount(\"%s\"): reason \"%s\", expected one with \"%s\"", text,
                 why ? why : "(none)", reason);
}

static void expect_frac(const char *text, enum field_locale loc, double want)
{
    double got = 12345.0;
    if (frac(text, loc, &got) != 0)
        fail_msg("field_fraction(\"%s\") failed", text);
    if (bits(got) != bits(want))
        fail_msg("field_fraction(\"%s\") = %.17g, want %.17g", text, got, want);
}

static void expect_frac_bad(const char *text, enum field_locale loc)
{
    double got = 12345.0;
    if (frac(text, loc, &got) != -1)
        fail_msg("field_fraction(\"%s\") accepted it as %.17g", text, got);
    assert_true(got == 12345.0);
}

static void expect_date(const char *text, enum field_datefmt fmt, int32_t want)
{
    int32_t got = -999999;
    if (date(text, fmt, &got) != 0)
        fail_msg("field_date(\"%s\", %d) failed, want day %d", text, (int)fmt,
                 (int)want);
    if (got != want)
        fail_msg("field_date(\"%s\", %d) = %d, want %d", text, (int)fmt,
                 (int)got, (int)want);
}

static void expect_date_bad(const char *text, enum field_datefmt fmt)
{
    int32_t got = -999999;
    if (date(text, fmt, &got) != -1)
        fail_msg("field_date(\"%s\", %d) accepted it as day %d", text,
                 (int)fmt, (int)got);
    assert_int_equal(got, -999999);
}

/* ---- numbers ---- */

static void test_number_en(void **state)
{
    (void)state;
    expect_num("1234.5", FIELD_EN, 1234.5);
    expect_num("-3", FIELD_EN, -3.0);
    expect_num("1e3", FIELD_EN, 1000.0);
    expect_num(".5", FIELD_EN, 0.5);
    expect_num("5.", FIELD_EN, 5.0);
    expect_num("+7", FIELD_EN, 7.0);
    expect_num(" 42 ", FIELD_EN, 42.0);
    expect_num("\t2.5E-2\t", FIELD_EN, 0.025);   /* 25 / 10^3, one division */
    expect_num("12.50", FIELD_EN, 12.5);
    expect_num("0.1", FIELD_EN, 0.1);            /* 1 / 10: nearest double */
    expect_num("007", FIELD_EN, 7.0);            /* leading zeros */
    expect_num("0", FIELD_EN, 0.0);
    expect_num("-0", FIELD_EN, -0.0);            /* sign kept, like strtod */
    expect_num("-0.0e5", FIELD_EN, -0.0);
    expect_num("5.e3", FIELD_EN, 5000.0);
    expect_num("1E+2", FIELD_EN, 100.0);
    expect_num("1e22", FIELD_EN, 1e22);          /* last exact power of ten */
    expect_num("123e30", FIELD_EN, 123e30);      /* 123e8 exact, times 1e22 */
    expect_num("9e37", FIELD_EN, 9e37);          /* 9e15 exact, times 1e22 */
    expect_num("1e38", FIELD_EN, 1e38);          /* past the exact range */
    expect_num("9007199254740993e37", FIELD_EN, 9007199254740993e37);
}

static void test_number_fr(void **state)
{
    (void)state;
    expect_num("1 234,56", FIELD_FR, 1234.56);           /* ASCII space */
    expect_num("1\xC2\xA0" "234,56", FIELD_FR, 1234.56); /* U+00A0 */
    expect_num("1\xE2\x80\xAF" "234,56", FIELD_FR, 1234.56); /* U+202F */
    expect_num("1 234 567,89", FIELD_FR, 1234567.89);
    expect_num("1,5", FIELD_FR, 1.5);
    expect_num("1.5", FIELD_FR, 1.5);        /* no ',': '.' is the point */
    expect_num("-1 234", FIELD_FR, -1234.0);
    expect_num("1 234.5", FIELD_FR, 1234.5);
    expect_num(" 12,50 ", FIELD_FR, 12.5);
    expect_num(",5", FIELD_FR, 0.5);
    expect_num("2,5e3", FIELD_FR, 2500.0);
    expect_num("999", FIELD_FR, 999.0);
    expect_bad("1 2", FIELD_FR);             /* a later group has 3 digits */
    expect_bad("1234 567", FIELD_FR);        /* first group at most 3 */
    expect_bad("12 34", FIELD_FR);
    expect_bad("1  234", FIELD_FR);          /* one separator only */
    expect_bad("1.234,5", FIELD_FR);         /* '.' is no group separator */
    expect_bad("1,234.5", FIELD_FR);         /* two decimal points */
    expect_bad("1,5,6", FIELD_FR);
    expect_bad("1,234 567", FIELD_FR);       /* groups only before the point */
    expect_bad("- 1", FIELD_FR);
    expect_bad("1\xC2", FIELD_FR);           /* truncated U+00A0 */
    expect_bad("1\xE2\x80" "234", FIELD_FR); /* truncated U+202F */
    expect_bad("", FIELD_FR);
    expect_bad(" ", FIELD_FR);
}

static void test_number_rejects(void **state)
{
    static const char *const bad[] = {
        "", "   ", "\t", "-", "+", ".", "-.", "+.e1", "e5", "1e", "1e+", "1e-",
        "nan", "NaN", "inf", "-inf", "Infinity", "0x10", "1.5x", "1..5",
        "1.5.", "--1", "+-1", "1 2", "12,345.6", "1,5", "1e3.5", "1e 3",
        "$5", "5 %", "1_000", ("\xC2\xA0" "5")
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_bad(bad[i], FIELD_EN);
}

/* The length is the end: the bytes after it must not be read or used. */
static void test_number_not_terminated(void **state)
{
    static const char text[] = "12.5xyz1e5";
    double v = 0;
    (void)state;
    assert_int_equal(field_number(text, 4, FIELD_EN, &v), 0);
    assert_true(v == 12.5);
    assert_int_equal(field_number(text + 7, 2, FIELD_EN, &v), -1); /* "1e" */
    assert_int_equal(field_number(text + 7, 1, FIELD_EN, &v), 0);  /* "1" */
    assert_true(v == 1.0);
    assert_int_equal(field_number(text, 0, FIELD_EN, &v), -1);
}

static void test_number_limits(void **state)
{
    (void)state;
    expect_num("1.7976931348623157e308", FIELD_EN, DBL_MAX);
    /* DBL_MAX + half an ulp is 1.797693134862315807937...e308 */
    expect_num("1.7976931348623158e308", FIELD_EN, DBL_MAX);
    expect_bad("1.7976931348623159e308", FIELD_EN);      /* rounds to inf */
    expect_bad("1e309", FIELD_EN);
    expect_bad("-1e309", FIELD_EN);
    expect_bad("1e99999999999999999999999", FIELD_EN);
    expect_num("1e-99999999999999999999999", FIELD_EN, 0.0);  /* underflow */
    expect_num("-1e-400", FIELD_EN, -0.0);
    expect_num("0e99999999999", FIELD_EN, 0.0);
    expect_num("2.2250738585072014e-308", FIELD_EN, DBL_MIN);
    expect_num("4.9406564584124654e-324", FIELD_EN, 0x1p-1074);
    /* half the smallest subnormal is 2.4703282292062327208...e-324 */
    expect_num("2.4703282292062328e-324", FIELD_EN, 0x1p-1074);
    expect_num("2.4703282292062327e-324", FIELD_EN, 0.0);
}

/* Ties and digits beyond what the buffers keep. 2^53 + 1 = 9007199254740993
 * lies halfway between the doubles 2^53 and 2^53 + 2. */
static void test_number_halfway(void **state)
{
    char buf[2200];
    (void)state;
    expect_num("9007199254740993", FIELD_EN, 9007199254740992.0); /* to even */
    expect_num("9007199254740995", FIELD_EN, 9007199254740996.0); /* to even */
    expect_num("9007199254740993.0000000001", FIELD_EN, 9007199254740994.0);
    expect_num("9007199254740992.9999999999", FIELD_EN, 9007199254740992.0);
    expect_num("9007199254740992", FIELD_EN, 9007199254740992.0);  /* fast */
    expect_num("9007199254740994", FIELD_EN, 9007199254740994.0);

    /* 16 digits, 2000 zeros, then a 1: over 800 significant digits, so the
     * tail is dropped and only a sticky digit says it was above the tie. */
    strcpy(buf, "9007199254740993.");
    memset(buf + 17, '0', 2000);
    strcpy(buf + 2017, "1");
    expect_num(buf, FIELD_EN, 9007199254740994.0);
    buf[2017] = '0';                     /* exactly the tie: to even */
    expect_num(buf, FIELD_EN, 9007199254740992.0);

    /* the same as an integer with an exponent compensating */
    memset(buf, 0, sizeof buf);
    strcpy(buf, "9007199254740993");
    memset(buf + 16, '0', 1000);
    strcpy(buf + 1016, "1e-1001");
    expect_num(buf, FIELD_EN, 9007199254740994.0);

    /* many leading zeros in the fraction: 0.000...0001 (1500 zeros) */
    memset(buf, 0, sizeof buf);
    strcpy(buf, "0.");
    memset(buf + 2, '0', 1500);
    strcpy(buf + 1502, "1e1600");
    expect_as_strtod(buf, FIELD_EN, "1e99");
}

/* Writes the exact decimal digits of m * b^k (b = 2 or 5) into out, most
 * significant first, NUL-terminated; returns their count. Schoolbook: a
 * little-endian digit array multiplied k times by b, then once by m. */
static size_t exact_digits(uint64_t m, unsigned b, unsigned k, char *out,
                           size_t cap)
{
    unsigned char d[1200];
    size_t n = 1;
    d[0] = 1;
    for (unsigned i = 0; i < k; i++) {
        unsigned carry = 0;
        for (size_t j = 0; j < n; j++) {
            unsigned v = d[j] * b + carry;
            d[j] = (unsigned char)(v % 10);
            carry = v / 10;
        }
        if (carry)
            d[n++] = (unsigned char)carry;
    }
    uint64_t carry = 0;                   /* m < 2^54: 9*m + carry fits */
    for (size_t j = 0; j < n; j++) {
        uint64_t v = d[j] * m + carry;
        d[j] = (unsigned char)(v % 10);
        carry = v / 10;
    }
    while (carry) {
        d[n++] = (unsigned char)(carry % 10);
        carry /= 10;
    }
    assert_true(n < cap);
    for (size_t j = 0; j < n; j++)
        out[j] = (char)('0' + d[n - 1 - j]);
    out[n] = '\0';
    return n;
}

/* Exact halfway points between neighbouring doubles, written out in full
 * (up to 768 significant digits, the most any halfway point has), and the
 * same nudged by one unit in the last digit. Any shortcut that looks at
 * fewer digits gets one side wrong. */
static void test_number_exact_midpoints(void **state)
{
    char buf[1300];
    size_t n;
    const uint64_t two53 = UINT64_C(1) << 53;
    (void)state;

    /* 1 + 2^-53 = (2^53 + 1) * 5^53 / 10^53: between 1 (even) and 1 + 2^-52 */
    n = exact_digits(two53 + 1, 5, 53, buf, sizeof buf);
    strcpy(buf + n, "e-53");
    expect_num(buf, FIELD_EN, 1.0);
    buf[n - 1]++;                               /* a hair above */
    expect_num(buf, FIELD_EN, 1.0 + DBL_EPSILON);

    /* (2^53 - 1) * 2^-1075, 768 significant digits: between the largest
     * subnormal (odd significand) and DBL_MIN (even) */
    n = exact_digits(two53 - 1, 5, 1075, buf, sizeof buf);
    assert_int_equal(n, 768);
    strcpy(buf + n, "e-1075");
    expect_num(buf, FIELD_EN, DBL_MIN);
    buf[n - 1]--;                               /* a hair below */
    expect_num(buf, FIELD_EN, nextafter(DBL_MIN, 0.0));

    /* 2^-1075, half the smallest subnormal: ties to 0 */
    n = exact_digits(1, 5, 1075, buf, sizeof buf);
    strcpy(buf + n, "e-1075");
    expect_num(buf, FIELD_EN, 0.0);
    buf[n - 1]++;
    expect_num(buf, FIELD_EN, 0x1p-1074);

    /* DBL_MAX + half an ulp = (2^54 - 1) * 2^970 ties "to even", to
     * infinity, which is rejected; a hair below is DBL_MAX */
    n = exact_digits(2 * two53 - 1, 2, 970, buf, sizeof buf);
    expect_bad(buf, FIELD_EN);
    buf[n - 1]--;
    expect_num(buf, FIELD_EN, DBL_MAX);
}

/* Deterministic pseudo-random decimal strings, compared with strtod. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rng(void)
{
    /* xorshift64*: any deterministic source will do */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Du;
}

static unsigned rng_below(unsigned n)
{
    return (unsigned)(rng() % n);
}

/* Writes a random number in EN form into en, and the same one in FR form
 * (',' point, random group separators) into fr. */
static void random_number(char *en, char *fr)
{
    static const unsigned ndig_choice[] = { 1, 2, 3, 4, 5, 8, 12, 15, 16, 17,
                                            18, 19, 20, 21, 25, 40, 120 };
    static const char *const seps[] = { " ", "\xC2\xA0", "\xE2\x80\xAF" };
    unsigned nd = ndig_choice[rng_below(sizeof ndig_choice / sizeof ndig_choice[0])];
    unsigned point = rng_below(nd + 2);     /* nd+1: no point at all */
    char digits[130];
    size_t a = 0, b = 0;

    for (unsigned i = 0; i < nd; i++)
        digits[i] = (char)('0' + rng_below(10));
    if (rng_below(4) == 0)
        digits[0] = '0';                    /* some leading zeros */
    if (rng_below(3) == 0) {
        en[a++] = '-';
        fr[b++] = '-';
    }
    unsigned sep = rng_below(3);
    for (unsigned i = 0; i < nd; i++) {
        if (i == point) {
            en[a++] = '.';
            fr[b++] = ',';
        }
        /* groups of three counted back from the point (or the end) */
        unsigned intlen = point <= nd ? point : nd;
        if (i > 0 && i < intlen && (intlen - i) % 3 == 0) {
            size_t l = strlen(seps[sep]);
            memcpy(fr + b, seps[sep], l);
            b += l;
        }
        en[a++] = digits[i];
        fr[b++] = digits[i];
    }
    if (point == nd) {
        en[a++] = '.';
        fr[b++] = ',';
    }
    if (rng_below(2)) {
        int x = (int)rng_below(700) - 350;
        if (rng_below(2))
            x = (int)rng_below(50) - 25;    /* often near the fast path */
        a += (size_t)sprintf(en + a, "e%d", x);
        b += (size_t)sprintf(fr + b, "E%+d", x);
    }
    en[a] = '\0';
    fr[b] = '\0';
}

static void test_number_rounding_random(void **state)
{
    char en[512], fr[1024];
    (void)state;
    rng_state = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < 6000; i++) {
        random_number(en, fr);
        expect_as_strtod(en, FIELD_EN, en);
        expect_as_strtod(fr, FIELD_FR, en);
    }
}

/* ---- fractions ---- */

static void test_fraction(void **state)
{
    (void)state;
    expect_frac("15%", FIELD_EN, 0.15);      /* 15 / 100, nearest 0.15 */
    expect_frac("15 %", FIELD_EN, 0.15);
    expect_frac("0.15", FIELD_EN, 0.15);
    expect_frac(" 7.5% ", FIELD_EN, 0.075);
    expect_frac("100%", FIELD_EN, 1.0);
    expect_frac("0%", FIELD_EN, 0.0);
    expect_frac("-5%", FIELD_EN, -0.05);     /* range is the caller's job */
    expect_frac("12.345%", FIELD_EN, 0.12345);
    /* 5.9 / 100 in doubles rounds twice and gives 0.059000000000000004:
     * the percent must be a shift of the decimal exponent, not a divide */
    expect_frac("5.9%", FIELD_EN, 0.059);
    expect_frac("29.31%", FIELD_EN, 0.2931);
    expect_frac("12,5\xE2\x80\xAF%", FIELD_FR, 0.125);
    expect_frac("12,5\xC2\xA0%", FIELD_FR, 0.125);
    expect_frac("0,15", FIELD_FR, 0.15);
    expect_frac_bad("%", FIELD_EN);
    expect_frac_bad(" % ", FIELD_EN);
    expect_frac_bad("15%%", FIELD_EN);
    expect_frac_bad("%15", FIELD_EN);
    expect_frac_bad("", FIELD_EN);
    expect_frac_bad("abc%", FIELD_EN);
    expect_frac_bad("12,5%", FIELD_EN);
}

/* ---- dates ---- */

static void test_date_iso(void **state)
{
    (void)state;
    expect_date("2024-02-29", FIELD_DATE_ISO, 19782); /* 19723 + 31 + 28 */
    expect_date_bad("2023-02-29", FIELD_DATE_ISO);
    expect_date_bad("2024-13-01", FIELD_DATE_ISO);
    expect_date_bad("2024-00-10", FIELD_DATE_ISO);
    expect_date_bad("2024-04-31", FIELD_DATE_ISO);
    expect_date_bad("2024-01-00", FIELD_DATE_ISO);
    expect_date_bad("1900-02-29", FIELD_DATE_ISO);    /* 1900 is no leap year */
    expect_date("2000-02-29", FIELD_DATE_ISO, 11016); /* 2000 is */
    expect_date_bad("1899-12-31", FIELD_DATE_ISO);
    expect_date_bad("2200-01-01", FIELD_DATE_ISO);
    expect_date("1900-01-01", FIELD_DATE_ISO, -25567); /* -(70*365 + 17) */
    expect_date("2199-12-31", FIELD_DATE_ISO, 84005);
    expect_date("2010-12-01 08:26:00", FIELD_DATE_ISO, 14944); /* 14610+334 */
    expect_date("2024-03-15T14:23:00", FIELD_DATE_ISO, 19797); /* 19723+74 */
    expect_date("2024-03-15 14:23", FIELD_DATE_ISO, 19797);
    expect_date("2024-03-15T14:23:00.123Z", FIELD_DATE_ISO, 19797);
    expect_date("2024-03-15T14:23:00Z", FIELD_DATE_ISO, 19797);
    expect_date("2024-03-15T14:23:00+01:00", FIELD_DATE_ISO, 19797);
    expect_date("2024-03-15T14:23:00-0500", FIELD_DATE_ISO, 19797);
    expect_date("2024-03-15 9:05", FIELD_DATE_ISO, 19797);
    expect_date(" 2024-03-15 ", FIELD_DATE_ISO, 19797);
    expect_date("2024-3-5", FIELD_DATE_ISO, 19787);
    expect_date("2024/03/15", FIELD_DATE_ISO, 19797);
    expect_date_bad("2024-03-15 25:00", FIELD_DATE_ISO);
    expect_date_bad("2024-03-15 24:00", FIELD_DATE_ISO);
    expect_date_bad("2024-03-15 14:60", FIELD_DATE_ISO);
    expect_date_bad("2024-03-15 14:23:60", FIELD_DATE_ISO);
    expect_date_bad("2024-03-15 14", FIELD_DATE_ISO);
    expect_date_bad("2024-03-15 14:2", FIELD_DATE_ISO);
    expect_date_bad("2024-03-15 14:23:", FIELD_DATE_ISO);
    expect_date_bad("2024-03-15 14:23:00.", FIELD_DATE_ISO);
    expect_date_bad("2024-03-15T", FIELD_DATE_ISO);
    expect_date_bad("2024-03-15x", FIELD_DATE_ISO);
    expect_date_bad("2024-03-15T14:23:00+01:", FIELD_DATE_ISO);
    expect_date_bad("2024-03-15T14:23:00+25:00", FIELD_DATE_ISO);
    expect_date_bad("2024-03/15", FIELD_DATE_ISO);
    expect_date_bad("20240315", FIELD_DATE_ISO);
    expect_date_bad("24-03-15", FIELD_DATE_ISO);
    expect_date_bad("2024-003-15", FIELD_DATE_ISO);
    expect_date_bad("", FIELD_DATE_ISO);
    expect_date_bad("2024-03-15", (enum field_datefmt)0);
}

static void test_date_dmy_mdy(void **state)
{
    (void)state;
    /* 2016-01-01 is day 16801 (46*365 + 11); 8 Nov is +312, 11 Aug +223 */
    expect_date("11/8/2016", FIELD_DATE_MDY, 17113);
    expect_date("11/8/2016", FIELD_DATE_DMY, 17024);
    expect_date("25/12/2024", FIELD_DATE_DMY, 20082);
    expect_date_bad("25/12/2024", FIELD_DATE_MDY);
    expect_date("12/25/2024", FIELD_DATE_MDY, 20082);
    expect_date("31.12.2024", FIELD_DATE_DMY, 20088);
    expect_date("31-12-2024", FIELD_DATE_DMY, 20088);
    expect_date("01/12/2010 08:26", FIELD_DATE_DMY, 14944);
    expect_date("12/1/2010 8:26", FIELD_DATE_MDY, 14944);   /* UCI export */
    expect_date("25/12/2024 14:23:05", FIELD_DATE_DMY, 20082);
    expect_date_bad("25/12/2024 24:00", FIELD_DATE_DMY);
    expect_date_bad("25/12-2024", FIELD_DATE_DMY);
    expect_date_bad("25/12/245", FIELD_DATE_DMY);      /* a year of 3 digits */
    expect_date_bad("1/2/20245", FIELD_DATE_DMY);
    expect_date_bad("29/02/2023", FIELD_DATE_DMY);
    expect_date_bad("25/12/2024T14:23", FIELD_DATE_DMY); /* 'T' is ISO only */
    expect_date_bad("25/12/2024 14:23Z", FIELD_DATE_DMY);
    expect_date_bad("2024-03-15", FIELD_DATE_DMY);
    expect_date_bad("2024-03-15", FIELD_DATE_MDY);
    expect_date_bad("15/03/2024", FIELD_DATE_ISO);
    /* a mask is tried ISO, DMY, MDY: the ambiguous date reads as DMY */
    expect_date("11/8/2016", FIELD_DATE_DMY | FIELD_DATE_MDY, 17024);
    expect_date("12/25/2024", FIELD_DATE_DMY | FIELD_DATE_MDY, 20082);
}

static void test_date_formats(void **state)
{
    (void)state;
    assert_int_equal(formats("11/8/2016"), FIELD_DATE_DMY | FIELD_DATE_MDY);
    assert_int_equal(formats("25/12/2024"), FIELD_DATE_DMY);
    assert_int_equal(formats("12/25/2024 10:00"), FIELD_DATE_MDY);
    assert_int_equal(formats("2024-03-15 14:23"), FIELD_DATE_ISO);
    assert_int_equal(formats("31.12.2024"), FIELD_DATE_DMY);
    assert_int_equal(formats("13/13/2024"), 0);
    assert_int_equal(formats("hello"), 0);
    assert_int_equal(formats(""), 0);
}

static void test_amount_currency(void **state)
{
    (void)state;
    /* US Regional Sales writes "$1,001.18": sign, then groups of 3 */
    expect_amount("$1,001.18", FIELD_EN, 1001.18);
    expect_amount("$781.22", FIELD_EN, 781.22);
    expect_amount("$ 12.50", FIELD_EN, 12.5);
    expect_amount("12.50 $", FIELD_EN, 12.5);
    expect_amount("12.50$", FIELD_EN, 12.5);
    expect_amount("USD 12.50", FIELD_EN, 12.5);
    expect_amount("12.50 usd", FIELD_EN, 12.5);
    expect_amount("EUR12", FIELD_EN, 12.0);
    expect_amount("\xC2\xA3" "7", FIELD_EN, 7.0);                 /* £7 */
    expect_amount("\xE2\x82\xAC\xC2\xA0" "7.5", FIELD_EN, 7.5);    /* € and a no-break space */
    /* negatives: a sign before or after the currency, accounting
       parentheses, a Unicode minus */
    expect_amount("-$12.50", FIELD_EN, -12.5);
    expect_amount("$-12.50", FIELD_EN, -12.5);
    expect_amount("- $12.50", FIELD_EN, -12.5);
    expect_amount("(12.50)", FIELD_EN, -12.5);
    expect_amount("($1,234.50)", FIELD_EN, -1234.5);
    expect_amount("$(12.50)", FIELD_EN, -12.5);
    expect_amount("(12.50 EUR)", FIELD_EN, -12.5);
    expect_amount("\xE2\x88\x92" "12.50", FIELD_EN, -12.5);        /* U+2212 */
    expect_amount("(0)", FIELD_EN, -0.0);
    /* French: decimal comma, blanks or points between groups */
    expect_amount("1 234,56 \xE2\x82\xAC", FIELD_FR, 1234.56);
    expect_amount("\xE2\x82\xAC" "1.234,56", FIELD_FR, 1234.56);
    expect_amount("(1\xC2\xA0" "234,56 EUR)", FIELD_FR, -1234.56);
    expect_amount("-12,5 \xE2\x82\xAC", FIELD_FR, -12.5);
    /* a plain number is read as field_number reads it */
    expect_amount("12.5", FIELD_EN, 12.5);
    expect_amount("1.234", FIELD_FR, 1.234);
    /* garbage and half-forms are refused with no reason */
    expect_amount_bad("$", FIELD_EN, FIELD_AMOUNT_MONEY, NULL);
    expect_amount_bad("abc", FIELD_EN, FIELD_AMOUNT_MONEY, NULL);
    expect_amount_bad("$12\xE2\x82\xAC", FIELD_EN, FIELD_AMOUNT_MONEY, NULL); /* two currencies */
    expect_amount_bad("$$12", FIELD_EN, FIELD_AMOUNT_MONEY, NULL);
    expect_amount_bad("(12.50", FIELD_EN, FIELD_AMOUNT_MONEY, NULL);
    expect_amount_bad("12.50)", FIELD_EN, FIELD_AMOUNT_MONEY, NULL);
    expect_amount_bad("-(12.50)", FIELD_EN, FIELD_AMOUNT_MONEY, NULL);
    expect_amount_bad("USDX 12", FIELD_EN, FIELD_AMOUNT_MONEY, NULL);
    expect_amount_bad("12 XUSD", FIELD_EN, FIELD_AMOUNT_MONEY, NULL);
    expect_amount_bad("", FIELD_EN, FIELD_AMOUNT_MONEY, NULL);
    /* with a reason */
    expect_amount_bad("(-12.50)", FIELD_EN, FIELD_AMOUNT_MONEY, "two signs");
    expect_amount_bad("-$-12.50", FIELD_EN, FIELD_AMOUNT_MONEY, "two signs");
    expect_amount_bad("$12", FIELD_EN, 0, "currency is not allowed");
}

static void test_amount_groups(void **state)
{
    (void)state;
    double v = 0;
    const char *why;
    /* valid groups: first 1-3 digits, then exactly 3 */
    expect_amount("1,234", FIELD_EN, 1234.0);
    expect_amount("1,234.56", FIELD_EN, 1234.56);
    expect_amount("1,234,567.891", FIELD_EN, 1234567.891);
    expect_amount("123,456", FIELD_EN, 123456.0);
    expect_amount("1 234.56", FIELD_EN, 1234.56);
    expect_amount("-1,000", FIELD_EN, -1000.0);
    expect_amount("1.234,56", FIELD_FR, 1234.56);
    expect_amount("1.234.567", FIELD_FR, 1234567.0);
    expect_amount("12.345.678,9", FIELD_FR, 12345678.9);
    /* a quantity takes groups without a currency */
    assert_int_equal(amount("1,200", FIELD_EN, 0, &v, &why), 0);
    assert_true(v == 1200.0);
    /* ambiguous: "1,5" is one and a half in French, no thousands group */
    expect_amount_bad("1,5", FIELD_EN, FIELD_AMOUNT_MONEY, "set locale = fr");
    expect_amount_bad("12,25", FIELD_EN, FIELD_AMOUNT_MONEY, "set locale = fr");
    expect_amount_bad("$1,2345", FIELD_EN, FIELD_AMOUNT_MONEY, "set locale = fr");
    expect_amount_bad("1.234,56", FIELD_EN, FIELD_AMOUNT_MONEY, "reads as a French number");
    expect_amount_bad("1,234.56", FIELD_FR, FIELD_AMOUNT_MONEY, "reads as an English number");
    /* groups that are not of 3 digits */
    expect_amount_bad("12,345,67", FIELD_EN, FIELD_AMOUNT_MONEY, "3 digits");
    expect_amount_bad("1234,567", FIELD_EN, FIELD_AMOUNT_MONEY, "3 digits");
    expect_amount_bad("1,23.5", FIELD_EN, FIELD_AMOUNT_MONEY, "3 digits");
    expect_amount_bad("1.23.456", FIELD_FR, FIELD_AMOUNT_MONEY, "3 digits");
    expect_amount_bad("1,234 567", FIELD_EN, FIELD_AMOUNT_MONEY, NULL); /* two kinds of separator */
    expect_amount_bad("1,,234", FIELD_EN, FIELD_AMOUNT_MONEY, NULL);
}

static void test_date_two_digit_years(void **state)
{
    (void)state;
    /* 2018-01-01 is day 17532 (48 x 365 + 12 leap days); 31 May is +150,
       14 June +164 */
    expect_date("31/5/18", FIELD_DATE_DMY, 17682);
    expect_date("5/31/18", FIELD_DATE_MDY, 17682);
    expect_date("14/06/2018", FIELD_DATE_DMY, 17696);
    expect_date("14/6/18 10:30", FIELD_DATE_DMY, 17696);
    /* the POSIX %y pivot: 69 is 1969, 68 is 2068 (2069-01-01 is day
       99 x 365 + 25 = 36160) */
    expect_date("1/1/69", FIELD_DATE_DMY, -365);
    expect_date("31/12/68", FIELD_DATE_DMY, 36159);
    expect_date("1/1/00", FIELD_DATE_MDY, 10957);
    expect_date("31.12.99", FIELD_DATE_DMY, 10956);
    expect_date_bad("1/1/123", FIELD_DATE_DMY);
    expect_date_bad("1/1/1", FIELD_DATE_DMY);
    expect_date_bad("29/2/23", FIELD_DATE_DMY);          /* 2023 is no leap year */
    expect_date("29/2/24", FIELD_DATE_DMY, 19782);       /* 2024-02-29: 19723 + 59 */
    expect_date_bad("18-05-31", FIELD_DATE_ISO);         /* ISO keeps 4-digit years */
    assert_int_equal(formats("31/5/18"), FIELD_DATE_DMY);
    assert_int_equal(formats("2/7/18"), FIELD_DATE_DMY | FIELD_DATE_MDY);
    assert_int_equal(formats("5/31/18"), FIELD_DATE_MDY);
}

static void expect_serial(double serial, int date1904, int32_t want)
{
    int32_t got = 777;
    if (field_excel_day(serial, date1904, &got) != 0)
        fail_msg("field_excel_day(%.17g, %d) failed, want %d", serial, date1904, (int)want);
    if (got != want)
        fail_msg("field_excel_day(%.17g, %d) = %d, want %d", serial, date1904, (int)got, (int)want);
}

static void expect_serial_bad(double serial, int date1904)
{
    int32_t got = 777;
    if (field_excel_day(serial, date1904, &got) != -1)
        fail_msg("field_excel_day(%.17g, %d) accepted it as %d", serial, date1904, (int)got);
    assert_int_equal(got, 777);
}

static void test_excel_serial(void **state)
{
    (void)state;
    /* 1900 system. 1900-01-01 is day -25567 (70 x 365 + 17 leap days
       before 1970). 1 is that day, 59 is 28 February, 60 the 29 February
       Excel invents, 61 is 1 March (-25567 + 59). */
    expect_serial(1, 0, -25567);
    expect_serial(59, 0, -25509);
    expect_serial_bad(60, 0);
    expect_serial(61, 0, -25508);
    /* 25569 is 1970-01-01 (the Unix epoch in Excel); 43466 is 2019-01-01,
       day 17897 (49 x 365 + 12); the time of day is dropped */
    expect_serial(25569, 0, 0);
    expect_serial(43466, 0, 17897);
    expect_serial(43466.999, 0, 17897);
    expect_serial_bad(0, 0);
    expect_serial_bad(-1, 0);
    expect_serial_bad(NAN, 0);
    expect_serial_bad(2958465, 0);        /* 9999-12-31: past the years accepted */
    /* 1904 system: 0 is 1904-01-01, day -24107 (66 x 365 + 17); a date
       is 1462 less than in the 1900 system */
    expect_serial(0, 1, -24107);
    expect_serial(42004, 1, 17897);
    expect_serial(24107, 1, 0);
    expect_serial_bad(-0.5, 1);
}

static void test_day_numbers(void **state)
{
    int y;
    unsigned m, d;
    (void)state;
    assert_int_equal(field_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(field_days_from_civil(2000, 3, 1), 11017); /* 10957+60 */
    assert_int_equal(field_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(field_days_from_civil(1900, 1, 1), -25567);
    /* 370 years of 365 days plus 90 leap days (1600..1968 every 4th year,
     * less 1700, 1800, 1900) */
    assert_int_equal(field_days_from_civil(1600, 1, 1), -135140);
    field_civil_from_days(-1, &y, &m, &d);
    assert_int_equal(y, 1969);
    assert_int_equal(m, 12);
    assert_int_equal(d, 31);
    field_civil_from_days(11017, &y, &m, &d);
    assert_int_equal(y, 2000);
    assert_int_equal(m, 3);
    assert_int_equal(d, 1);
    /* the extremes must not overflow (UBSan watches) */
    field_civil_from_days(INT32_MAX, &y, &m, &d);
    assert_int_equal(field_days_from_civil(y, m, d), INT32_MAX);
    field_civil_from_days(INT32_MIN, &y, &m, &d);
    assert_int_equal(field_days_from_civil(y, m, d), INT32_MIN);
}

/* Every day from 1900-01-01 to 2199-12-31, counted one by one against the
 * calendar rules, through both conversions, the formatter and the parser. */
static void test_day_round_trip(void **state)
{
    static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30,
                                        31, 31, 30, 31, 30, 31 };
    int32_t k = -25567;
    char buf[16], want[32];
    (void)state;
    for (int y = 1900; y <= 2199; y++) {
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (unsigned m = 1; m <= 12; m++) {
            unsigned len = mdays[m - 1] + (m == 2 && leap);
            for (unsigned d = 1; d <= len; d++, k++) {
                int yy;
                unsigned mm, dd;
                int32_t parsed = 0;
                if (field_days_from_civil(y, m, d) != k)
                    fail_msg("days_from_civil(%d,%u,%u) = %d, want %d", y, m,
                             d, (int)field_days_from_civil(y, m, d), (int)k);
                field_civil_from_days(k, &yy, &mm, &dd);
                if (yy != y || mm != m || dd != d)
                    fail_msg("civil_from_days(%d) = %d-%u-%u", (int)k, yy,
                             mm, dd);
                field_format_day(k, buf);
                snprintf(want, sizeof want, "%04d-%02u-%02u", y, m, d);
                if (strcmp(buf, want) != 0)
                    fail_msg("format_day(%d) = %s, want %s", (int)k, buf, want);
                if (field_date(buf, 10, FIELD_DATE_ISO, &parsed) != 0 ||
                    parsed != k)
                    fail_msg("field_date(%s) = %d, want %d", buf, (int)parsed,
                             (int)k);
            }
        }
    }
    assert_int_equal(k, 84006);                 /* 2200-01-01 */
}

static void test_format_day(void **state)
{
    char buf[11];
    (void)state;
    field_format_day(0, buf);
    assert_string_equal(buf, "1970-01-01");
    field_format_day(11017, buf);
    assert_string_equal(buf, "2000-03-01");
    field_format_day(-1, buf);
    assert_string_equal(buf, "1969-12-31");
    field_format_day(19782, buf);
    assert_string_equal(buf, "2024-02-29");
    field_format_day(-719528, buf);             /* 0000-01-01 */
    assert_string_equal(buf, "0000-01-01");
    field_format_day(2932896, buf);             /* 9999-12-31 */
    assert_string_equal(buf, "9999-12-31");
    field_format_day(2932897, buf);             /* 10000-01-01 does not fit */
    assert_string_equal(buf, "\?\?\?\?-\?\?-\?\?");
    field_format_day(INT32_MIN, buf);
    assert_string_equal(buf, "\?\?\?\?-\?\?-\?\?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_en),
        cmocka_unit_test(test_number_fr),
        cmocka_unit_test(test_number_rejects),
        cmocka_unit_test(test_number_not_terminated),
        cmocka_unit_test(test_number_limits),
        cmocka_unit_test(test_number_halfway),
        cmocka_unit_test(test_number_exact_midpoints),
        cmocka_unit_test(test_number_rounding_random),
        cmocka_unit_test(test_fraction),
        cmocka_unit_test(test_amount_currency),
        cmocka_unit_test(test_amount_groups),
        cmocka_unit_test(test_date_two_digit_years),
        cmocka_unit_test(test_excel_serial),
        cmocka_unit_test(test_date_iso),
        cmocka_unit_test(test_date_dmy_mdy),
        cmocka_unit_test(test_date_formats),
        cmocka_unit_test(test_day_numbers),
        cmocka_unit_test(test_day_round_trip),
        cmocka_unit_test(test_format_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
