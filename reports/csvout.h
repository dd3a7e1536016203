/*
 * csvout — spreadsheet-safe CSV output, with every write checked.
 *
 * English files use ',' and '.', French ones ';' and ',' and start with a
 * UTF-8 byte-order mark so that Excel reads accents. Text is quoted per
 * RFC 4180 when it needs to be, and text that a spreadsheet would run as a
 * formula (a cell starting with =, +, -, @, tab or CR) is prefixed with a
 * single quote, which Excel and LibreOffice show as text. Numbers are
 * written by csvout_num and never get that prefix.
 */
#ifndef CANAUX_CSVOUT_H
#define CANAUX_CSVOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/cx_err.h"

struct csvout {
    FILE *f;          /* the stream */
    char *path;       /* its name for messages */
    int fr;           /* French separators */
    int col;          /* cells written in the current row */
    int failed;       /* a write failed: reported at close */
    int own;          /* csvout_close closes f */
};

/* Opens path for writing ("-" = stdout). Returns CX_OK or CX_EIO. */
int csvout_open(struct csvout *w, const char *path, int fr, struct cx_err *e);
/* Text cell (n bytes of s), escaped and neutralised. */
void csvout_text(struct csvout *w, const char *s, size_t n);
void csvout_str(struct csvout *w, const char *s);
/* Number cell with prec decimals (NaN and infinities give an empty cell). */
void csvout_num(struct csvout *w, double v, int prec);
void csvout_int(struct csvout *w, long long v);
/* Number cell with 17 significant digits: the double read back is v. */
void csvout_exact(struct csvout *w, double v);
/* Ends the row. */
void csvout_end(struct csvout *w);
/* Flushes and closes; returns CX_OK or CX_EIO naming the file when any write,
   the flush or the close failed (a full disk, a closed pipe). */
int csvout_close(struct csvout *w, struct cx_err *e);

#endif
