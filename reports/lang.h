/*
 * lang — the reader's language, English or French: numbers inside
 * sentences, month names, and segment names.
 *
 * Numbers written into a sentence follow the language of the sentence, as
 * the tables do: English "62,552.27" and "12.5%", French "62 552,27" and
 * "12,5 %" (a no-break space before % and between groups of digits, so
 * that a line never breaks inside a number). The CSV cells stay plain
 * numbers (reports/csvout.c): these are for text only.
 *
 * Segment names are chosen by the engine from an English vocabulary
 * (engine/naming.h); they are translated here, suffixes ("Lapsed 2") and
 * descriptive names included, so that the engine holds no words of either
 * language but its canonical names.
 */
#ifndef CANAUX_LANG_H
#define CANAUX_LANG_H

#include <stddef.h>

enum lang { LANG_EN, LANG_FR };

/* A number with `decimals` decimals and digit groups, into buf (n bytes,
   at least 48); "" for NaN or an infinity. Returns buf. */
char *lang_num(char *buf, size_t n, enum lang l, double v, int decimals);

/* Money: 2 decimals below 1,000 in absolute value, none above (a sentence
   quotes 62,552, not 62,552.27). Returns buf. */
char *lang_money(char *buf, size_t n, enum lang l, double v);

/* A fraction as a percentage with `decimals` decimals: 0.125 -> "12.5%"
   (en) or "12,5 %" (fr). Returns buf. */
char *lang_pct(char *buf, size_t n, enum lang l, double fraction, int decimals);

/* A p-value: "0.0031", "< 0.0001" (fr "0,0031", "< 0,0001"). Returns buf. */
char *lang_p(char *buf, size_t n, enum lang l, double p);

/* Month m (1..12) by name ("January", "janvier"); "" out of range. */
const char *lang_month(enum lang l, int m);

/* A segment name of the engine in language l, into buf (n bytes): names of
   the vocabulary translated, with their suffix ("Lapsed 2" -> "Perdus 2"),
   descriptive names ("Segment 3: frequent, high spend") word by word; any
   other name (from a saved model written by hand) as it is. Returns buf. */
const char *lang_segment_name(enum lang l, const char *name, char *buf, size_t n);

#endif
