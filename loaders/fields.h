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

/* A number as people write it: what field_number reads, and besides
 *  - a currency sign or code before or after it, with or without a blank
 *    ($ € £ ¥ USD EUR GBP CHF CAD AUD JPY, codes in any case), when flags
 *    has FIELD_AMOUNT_MONEY: "$1,001.18", "12,50 €", "EUR 7", "-$12.50",
 *    "$-12.50";
 *  - accounting negatives: "(12.50)", "($12.50)";
 *  - a minus sign U+2212;
 *  - thousands separators of the locale between groups of 3 digits: en
 *    ',' or a blank ("1,234.56", "1 234.56"); fr '.' or a blank
 *    ("1.234,56", "1 234,56"). A fr "1.234" stays 1.234, as field_number
 *    reads it.
 * Blanks are ASCII spaces and tabs, U+00A0 and U+202F. The value is exact
 * as in field_number. A plain number costs one field_number call more than
 * field_number: callers try field_number first and this one when it fails.
 * Returns 0 and sets *out; or -1 with *out untouched and *why set to a
 * static sentence saying why the text is refused when it is more than
 * plain garbage (an en "1,5": ',' is neither a thousands separator nor
 * the decimal point; "1.234,56" in en reads as French), else NULL. */
#define FIELD_AMOUNT_MONEY 1u
int field_amount(const char *s, size_t n, enum field_locale loc, unsigned flags, double *out,
                 const char **why);

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
 *        then optionally ' ' and H:MM, H:MM:SS or H:MM:SS.fff. The year may
 *        have two digits, read as POSIX strptime %y reads them: 69-99 are
 *        1969-1999, 00-68 are 2000-2068 ("31/5/18" is 2018-05-31).
 *   MDY: M/D/YYYY likewise ("11/8/2016" is 8 November 2016; "5/31/18").
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

/* An Excel serial date (a workbook cell's number) as days since
 * 1970-01-01; the fraction (time of day) is dropped. date1904 = 0: the 1900
 * date system, where 1 is 1900-01-01 and Excel counts a 29 February 1900
 * (serial 60) that never was, so that 61 is 1900-03-01 and 43466 is
 * 2019-01-01; 0 and 60 are no day. date1904 = 1: the 1904 system (old Mac
 * workbooks, <workbookPr date1904="1"/>), where 0 is 1904-01-01.
 * Returns 0 and sets *day, or -1 (*day untouched) for a negative, NaN or
 * no-day serial and for days outside the years 1900-2199 that field_date
 * accepts. */
int field_excel_day(double serial, int date1904, int32_t *day);

#endif /* CANAUX_LOADERS_FIELDS_H */
