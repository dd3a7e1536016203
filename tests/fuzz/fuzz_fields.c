/* fuzz_fields -- the number and date parsers of loaders/fields.h.
 *
 * Input: byte 0 selects the locale (bit 0), the date format mask (bits
 * 1-3) and whether amounts may carry a currency (bit 4); the rest is the
 * field text, passed as (pointer, length) in an exact-
 * size heap copy with no NUL after it, so that ASan catches a read past the
 * end. Besides crashes, it checks the properties fields.h promises:
 * field_date agrees with field_date_formats, a parsed day formats back to a
 * valid YYYY-MM-DD that parses to the same day, the civil conversions are
 * inverses, a parsed number is finite, field_amount reads a plain number
 * exactly as field_number does and fills *why only on failure, and an
 * Excel serial (the first 8 bytes as a double) gives a day of 1900-2199
 * that round-trips. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loaders/fields.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum field_locale loc = (data[0] & 1) ? FIELD_FR : FIELD_EN;
    unsigned fmtmask = (data[0] >> 1) & 7u;
    size_t n = size - 1;
    char *s = malloc(n ? n : 1);
    if (s == NULL)
        abort();
    memcpy(s, data + 1, n);

    double v = 0;
    if (field_number(s, n, loc, &v) == 0 && !isfinite(v))
        abort();
    if (field_fraction(s, n, loc, &v) == 0 && !isfinite(v))
        abort();
    {
        double plain = 0, amt = 0;
        const char *why = NULL;
        unsigned flags = (data[0] & 16) ? FIELD_AMOUNT_MONEY : 0;
        int pr = field_number(s, n, loc, &plain);
        int ar = field_amount(s, n, loc, flags, &amt, &why);
        if (ar == 0 && (!isfinite(amt) || why != NULL))
            abort();
        if (pr == 0 && (ar != 0 || memcmp(&plain, &amt, sizeof amt) != 0))
            abort(); /* a plain number reads the same either way */
        if (ar != 0 && why != NULL && strlen(why) == 0)
            abort();
    }
    if (n >= 8) {
        double serial;
        int32_t day = 0;
        memcpy(&serial, s, sizeof serial);
        for (int sys = 0; sys < 2; sys++) {
            if (field_excel_day(serial, sys, &day) == 0) {
                int y;
                unsigned m, d;
                field_civil_from_days(day, &y, &m, &d);
                if (y < 1900 || y > 2199 || field_days_from_civil(y, m, d) != day)
                    abort();
            }
        }
    }

    unsigned can = field_date_formats(s, n);
    if (can & ~7u)
        abort();
    for (unsigned f = 1; f <= 4; f <<= 1) {
        int32_t day = 0;
        int ok = field_date(s, n, (enum field_datefmt)f, &day) == 0;
        if (ok != ((can & f) != 0))
            abort(); /* field_date_formats must say what field_date does */
        if (ok) {
            char buf[11];
            int y;
            unsigned m, d;
            int32_t back = 0;
            field_format_day(day, buf);
            if (field_date(buf, strlen(buf), FIELD_DATE_ISO, &back) != 0 || back != day)
                abort();
            field_civil_from_days(day, &y, &m, &d);
            if (y < 1900 || y > 2199 || field_days_from_civil(y, m, d) != day)
                abort();
        }
    }
    if (fmtmask) {
        int32_t day = 0;
        (void)field_date(s, n, (enum field_datefmt)fmtmask, &day);
    }

    /* The civil conversions for any day number taken from the input. */
    if (n >= 4) {
        int32_t day;
        memcpy(&day, s, sizeof day);
        int y;
        unsigned m, d;
        char buf[11];
        field_civil_from_days(day, &y, &m, &d);
        if (m < 1 || m > 12 || d < 1 || d > 31)
            abort();
        field_format_day(day, buf);
        if (strlen(buf) != 10)
            abort();
        if (y > -5000000 && y < 5000000 && field_days_from_civil(y, m, d) != day)
            abort();
    }
    free(s);
    return 0;
}
