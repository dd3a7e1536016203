/* fields.h -- numbers and dates from CSV field text.
 *
 * The loaders call these on every field of every row, on all cores, so they
 * take a (pointer, length) pair that need not be NUL-terminated, never
 * allocate, keep no state and never depend on the process locale. Numbers are
 * converted exactly: the result is the double nearest to the decimal value
 * written (ties to even), the same one strtod gives in the C locale for the
 * text with its thousands separators removed and '.' as decimal point.
 *
 * Every function here is thread-safe and reentrant. None of them keeps a
 * pointer to its input after returning. */
#ifndef CANAUX_LOADERS_FIELDS_H
#define CANAUX_LOADERS_FIELDS_H

#include <stddef.h>
#include <stdint.h>

/* Locale of numbers in the input. */
enum field_locale {
    FIELD_EN = 0,   /* '.' decimal point, no thousands separator */
    FIELD_FR = 1    /* ',' (or '.') decimal point, space/U+00A0/U+202F groups */
};

/* Parses a number: optional surrounding ASCII spaces/tabs, optional sign,
 * digits with an optional decimal point, optional exponent (1e3, 2.5E-2);
 * ".5", "5.", "-3", "+7" are accepted.
 * EN: '.' is the decimal point; there is no thousands separator.
 * FR: ',' is the decimal point, and '.' is accepted instead when the text has
 * no ','. Digit groups of the integer part may be separated by one space,
 * U+00A0 (C2 A0) or U+202F (E2 80 AF): the first group has 1 to 3 digits and
 * every later one exactly 3 ("1 234 567,89"; "1 2" and "1234 567" are
 * rejected).
 * Rejects empty or blank text, NaN, inf, hex, trailing garbage, a lone sign or
 * point, and values that overflow to infinity. Values below the smallest
 * subnormal round to (signed) zero, as strtod does.
 * Returns 0 and sets *out, or -1 with *out untouched. */
int field_number(const char *s, size_t n, enum field_locale loc, double *out);

/* A discount: a number as field_number reads it, or such a number followed
 * by '%' (optional spaces, U+00A0 or U+202F before the '%'), then divided by
 * 100 exactly ("15%" gives the double nearest 0.15, like "0.15"). The range
 * is not checked: that is the caller's job.
 * Returns 0 and sets *out, or -1 with *out untouched. */
int field_fraction(const char *s, size_t n, enum field_locale loc, double *out);

/* Date formats; field_date_formats returns a mask of them. */
enum field_datefmt {
    FIELD_DATE_ISO = 1,  /* YYYY-MM-DD */
    FIELD_DATE_DMY = 2,  /* D/M/YYYY (Europe) */
    FIELD_DATE_MDY = 4   /* M/D/YYYY (US) */
};

/* Parses a date with an optional time of day, which is validated (hours
 * 0-23, minutes and seconds 0-59) then ignored. Surrounding ASCII spaces and
 * tabs are allowed.
 *   ISO: YYYY-MM-DD (also YYYY/MM/DD; month and day may have one digit),
 *        then optionally ' ' or 'T' and H:MM, H:MM:SS or H:MM:SS.fff (hours
 *        of one or two digits), then optionally 'Z' or an offset +HH:MM,
 *        +HHMM, +HH (or '-'), also ignored.
 *   DMY: D/M/YYYY or DD/MM/YYYY, separator '/', '-' or '.' (the same twice),
 *        then optionally ' ' and H:MM, H:MM:SS or H:MM:SS.fff.
 *   MDY: M/D/YYYY likewise ("11/8/2016" is 8 November 2016).
 * Years 1900 to 2199; day of month checked with leap years.
 * fmt is normally one enum value; a mask of several is tried in the order
 * ISO, DMY, MDY and the first that parses wins.
 * Returns 0 and sets *day to days since 1970-01-01 (negative before 1970),
 * or -1 with *day untouched (also when fmt has no known bit). */
int field_date(const char *s, size_t n, enum field_datefmt fmt, int32_t *day);

/* Which formats parse this text, as field_date would: a mask of
 * enum field_datefmt values, 0 when none. "11/8/2016" gives DMY|MDY,
 * "25/12/2024" gives DMY, "2024-12-25" gives ISO. Used to detect the format
 * over many rows. Never fails. */
unsigned field_date_formats(const char *s, size_t n);

/* Writes day (days since 1970-01-01) as "YYYY-MM-DD" and a NUL into buf,
 * which holds at least 11 bytes. Years outside 0000..9999 do not fit that
 * form: buf then gets "????-??-??". Never fails. */
void field_format_day(int32_t day, char *buf);

/* Days since 1970-01-01 of a date in the proleptic Gregorian calendar. The
 * date is not validated (field_date does that): m must be 1..12 and d
 * 1..31, and y within about +-5 million years, or the result is meaningless
 * (but still defined behaviour). */
int32_t field_days_from_civil(int y, unsigned m, unsigned d);

/* The inverse of field_days_from_civil, for any int32_t day: sets *y, *m
 * (1..12) and *d (1..31). Never fails. */
void field_civil_from_days(int32_t day, int *y, unsigned *m, unsigned *d);

#endif /* CANAUX_LOADERS_FIELDS_H */
