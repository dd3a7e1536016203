/*
 * xlsx — rows of an Excel workbook (.xlsx, Office Open XML) for the loaders.
 *
 * The zip container is read with libzip and every XML part with expat; no
 * zip or XML parsing of our own. Opening a workbook reads its small parts
 * whole: the workbook (sheet names, order, date1904), its relationships
 * (sheet -> part), the styles (which cell formats are dates) and the shared
 * strings table, which is kept for the life of the workbook (one NUL-ended
 * copy of each string and a 32-bit offset, bounded by the part's size). A
 * sheet is then streamed: zip_fread fills expat's buffer 64 KiB at a time,
 * and the parser is suspended (XML_StopParser, resumable) at the end of
 * each <row>, so xlsx_sheet_next() is a pull iterator and only the current
 * row is held, whatever the length of the sheet.
 *
 * A row comes with its sheet row number (the r attribute; rows may skip
 * numbers, absent rows are blank) and its cells by column index (0 = A),
 * from the r="C5" reference of each cell; a cell that is not written is
 * XLSX_EMPTY. Cells are typed: numbers, dates (a number in a date format:
 * built-in formats 14-22 and 45-47, or a custom format with d, m, y, h or s
 * outside quotes, brackets and escapes; also t="d" ISO cells), strings
 * (shared, inline, formula results), booleans and errors (#N/A ...).
 * xlsx_text() gives every cell's text as the CSV reader would have seen it.
 *
 * Limits, each an error rather than a crash or unbounded memory: a cell's
 * text over 32,767 characters (Excel's own limit, in UTF-16 units), a column
 * past XFD (16,384), a row number past 1,048,576, more than 64 MiB of text
 * in one row, an XML token (tag, attribute) over 32 MiB, elements nested
 * deeper than 256, a DTD (OOXML has none; refusing it keeps entity
 * expansion out), more shared strings than
 * the part's size allows, or 4 GiB of shared-string text.
 *
 * Errors are struct cx_err values naming the workbook, the part or sheet,
 * the row and the cell; XML that is not well-formed gives expat's line and
 * column in the part. CX_EIO for anything about the file, CX_EINTERNAL when
 * out of memory. Nothing here prints, exits or keeps global state; a book
 * and its sheets are used from one thread at a time.
 */
#ifndef CANAUX_XLSX_H
#define CANAUX_XLSX_H

#include <stddef.h>
#include <stdint.h>

#include "engine/cx_err.h"

/* Excel's limits, which the reader enforces. */
#define XLSX_MAX_COLS 16384u        /* columns A..XFD */
#define XLSX_MAX_ROWS 1048576u      /* rows 1..1048576 */
#define XLSX_MAX_CELL_CHARS 32767u  /* characters (UTF-16 units) in one cell */

/* Size of the buffer that xlsx_text() may write a number or date into. */
#define XLSX_TEXT_BUF 32

struct xlsx_book;   /* an open workbook */
struct xlsx_sheet;  /* the row iterator of one of its sheets */

enum xlsx_type {
    XLSX_EMPTY = 0, /* no cell, no value, or an empty string */
    XLSX_NUMBER,    /* num */
    XLSX_DATE,      /* num is the serial (days since the workbook's epoch) */
    XLSX_STRING,    /* str: shared, inline (inlineStr) or a formula's (str) */
    XLSX_BOOL,      /* num is 0 or 1 */
    XLSX_ERROR      /* str: the error's text, "#N/A", "#DIV/0!" ... */
};

struct xlsx_cell {
    enum xlsx_type type;
    uint32_t len;           /* bytes of str (STRING, ERROR), else 0 */
    double num;             /* NUMBER value, DATE serial, BOOL 0/1, else 0 */
    const char *str;        /* STRING, ERROR: UTF-8, NUL-terminated; else NULL */
};

struct xlsx_row {
    uint32_t number;        /* sheet row number, 1-based (Excel's row label) */
    uint32_t ncells;        /* cells[0..ncells): up to the last written cell */
    uint32_t nonempty;      /* how many of them are not XLSX_EMPTY */
    int date1904;           /* the workbook's date system, for xlsx_text() */
    const struct xlsx_cell *cells; /* by column index, 0 = A */
};

/* Opens the workbook at path. Returns CX_OK and *out (close with
   xlsx_close); CX_EIO when the file cannot be read, is not a zip ("not an
   Excel workbook (.xlsx): ...", naming what it looks like: gzip, .xls, PDF),
   is a zip without a workbook (an .xlsb, .ods, .docx are named), or has a
   broken workbook, relationships, styles or shared strings part;
   CX_EINTERNAL when out of memory. *out is NULL on failure. */
int xlsx_open(struct xlsx_book **out, const char *path, struct cx_err *e);
/* The same from size bytes at data, which the caller keeps unchanged until
   xlsx_close; name is used in messages (copied). */
int xlsx_open_buffer(struct xlsx_book **out, const void *data, size_t size, const char *name,
                     struct cx_err *e);
/* Frees b (NULL is fine). Its sheets must be closed first. */
void xlsx_close(struct xlsx_book *b);

/* Sheets in workbook order, 0-based here; names are UTF-8, owned by b. */
size_t xlsx_sheet_count(const struct xlsx_book *b);
const char *xlsx_sheet_name(const struct xlsx_book *b, size_t i);
/* 1 when sheet i is a worksheet (rows can be read), 0 for a chart sheet,
   dialog or macro sheet. */
int xlsx_sheet_is_worksheet(const struct xlsx_book *b, size_t i);
/* 1 when the workbook counts dates from 1904-01-01 (date1904), else 0. */
int xlsx_date1904(const struct xlsx_book *b);

/* Finds the sheet that spec names ([input] sheet): NULL or "" gives the
   first worksheet in workbook order; otherwise a sheet whose name is spec
   (exactly, else ignoring ASCII case as Excel does), else, when spec is a
   number, the spec-th sheet (1-based). Returns CX_OK and *index; CX_EIO
   when none matches or the sheet is not a worksheet, with a message that
   lists the workbook's sheets. */
int xlsx_sheet_find(const struct xlsx_book *b, const char *spec, size_t *index, struct cx_err *e);

/* Starts reading sheet index of b. Returns CX_OK and *out (close with
   xlsx_sheet_close, before xlsx_close(b)); CX_EIO when the sheet is not a
   worksheet or its part is missing; CX_EINTERNAL when out of memory. */
int xlsx_sheet_open(struct xlsx_book *b, size_t index, struct xlsx_sheet **out, struct cx_err *e);
/* Frees s (NULL is fine). */
void xlsx_sheet_close(struct xlsx_sheet *s);

/* The next row of the sheet that has at least one <c> element or a row
   element of its own (rows absent from the sheet are blank and skipped; a
   row whose cells are all empty is returned with nonempty = 0). Returns
   CX_OK with *row set, valid until the next call on s; CX_OK with *row NULL
   at the end of the sheet; CX_EIO for a broken sheet (bad XML with its line
   and column, a cell out of order or past a limit, a shared string index
   out of range, a number that does not parse), naming the sheet, row and
   cell; CX_EINTERNAL when out of memory. After a failure every later call
   fails the same way. */
int xlsx_sheet_next(struct xlsx_sheet *s, const struct xlsx_row **row, struct cx_err *e);
/* Uncompressed bytes of the sheet's XML read so far. */
uint64_t xlsx_sheet_bytes(const struct xlsx_sheet *s);
/* The sheet's name, as in the workbook (owned by the book). */
const char *xlsx_sheet_title(const struct xlsx_sheet *s);

/* The text of column col of row (an empty string past ncells):
   NUMBER the shortest of %.15g, %.16g, %.17g that reads back as the same
          double ("0.1", "1234.8000000000002", "1e+20");
   DATE   YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS when the serial has a time of
          day (rounded to the second); HH:MM:SS for a serial below 1 (a time
          alone); the serial as a number when it is no day (below 0, 60 in
          the 1900 system, past 9999-12-31);
   BOOL   TRUE or FALSE;
   STRING, ERROR the cell's text.
   Numbers and dates are written into buf (XLSX_TEXT_BUF bytes, the
   caller's); strings point into the row or the book. Sets *len (may be
   NULL) and returns the NUL-terminated text. Never fails. */
const char *xlsx_text(const struct xlsx_row *row, uint32_t col, char buf[XLSX_TEXT_BUF], size_t *len);

/* A date serial as days since 1970-01-01 (negative before) and the seconds
   of the day (0..86399, rounded to the nearest second, which may carry
   into the next day). In the 1900 system serial 1 is 1900-01-01, and Excel's
   1900-02-29 (serial 60, a day that never was) is refused; serials below 60
   are one day later than their count suggests, as Excel has it. In the 1904
   system serial 0 is 1904-01-01. Returns 0, or -1 (outputs untouched) for
   NaN, a negative serial or one past 9999-12-31. secs may be NULL. */
int xlsx_serial_to_day(double serial, int date1904, int32_t *day, int32_t *secs);

/* The header row of a sheet. */
struct xlsx_header {
    uint32_t row;           /* its sheet row number */
    uint32_t first;         /* column index of its first non-empty cell */
    uint32_t ncols;         /* columns first .. its last non-empty cell */
    char **names;           /* ncols texts, trimmed of ASCII spaces; "" when empty */
    uint32_t rows_before;   /* rows read before it (title rows, blank rows) */
};

/* Reads s up to its header row and fills h (free with xlsx_header_free):
   with header_row > 0, the row of that number; otherwise the first row that
   holds every name of want[0..nwant) as a cell (trimmed, ASCII case
   ignored), or the first non-empty row when nwant is 0. The rows after it
   are then s's data rows. Returns CX_OK; CX_EIO when no row qualifies (the
   message names the sheet, the names and the first non-empty row found),
   when row header_row is blank or absent, or when the sheet is broken;
   CX_EINTERNAL when out of memory. h is zeroed on failure. */
int xlsx_header_find(struct xlsx_sheet *s, const char *const *want, size_t nwant, uint32_t header_row,
                     struct xlsx_header *h, struct cx_err *e);
/* The column index of the header cell named name (trimmed, ASCII case
   ignored), -1 when none, -2 when two cells have that name. */
long xlsx_header_column(const struct xlsx_header *h, const char *name);
void xlsx_header_free(struct xlsx_header *h);

#endif
