/*
 * xlsx_writer — workbook.xlsx (SPEC §4): the run's CSV tables as sheets of
 * one Excel workbook, after a first "Findings" sheet.
 *
 * The workbook is built from the CSV files already written, not from the
 * engine's structures, so the sheets hold exactly what the CSVs hold and the
 * column order and names stay in one place (the CSV writers). Each CSV is
 * parsed with libcsv; a cell that parses fully as a number in the file's
 * convention (English '.', French ',') becomes a number, an empty cell
 * stays empty, and every other cell becomes a string. Nothing is ever
 * written as a formula: a text cell that csvout guarded with a leading
 * quote ("'=...") is written as the string without that quote, which Excel
 * shows as text and never evaluates.
 */
#ifndef CANAUX_XLSX_WRITER_H
#define CANAUX_XLSX_WRITER_H

#include <stddef.h>
#include <time.h>

#include "engine/cx_err.h"

/* Writes the workbook path: a first sheet "Findings" holding findings_title
   (bold, row 1; skipped when NULL) then findings[0..nfindings) one per row,
   then one sheet per csv_paths[i] (i < n), in order, named sheet_names[i]
   (the CSV's base name without ".csv" when sheet_names or the entry is NULL).
   Names are made valid for Excel: characters []:*?/\ become '_', at most 31
   characters, unique without regard to case (a "~2" suffix when needed).
   fr: the CSVs use ';', a decimal comma and may start with a UTF-8 BOM.

   Per CSV sheet: the first row is the header (bold, frozen, autofilter over
   the table); number formats follow the column names (0.0% for shares,
   rates, ratios and departures; #,##0.00 for money; #,##0 for other integer
   cells; General otherwise); column widths come from the first 1000 rows.
   Rows are streamed (libxlsxwriter's constant_memory mode, its temporary
   files in path's folder), so memory does not grow with the row count.

   The file is written under a temporary name in path's folder and renamed
   into place when complete (a path that exists and is not a regular file,
   such as /dev/full, is written directly). Caller keeps ownership of every
   argument. Returns CX_OK; CX_EIO naming the file when a CSV cannot be read
   or parsed, has more rows or columns than a sheet holds, or the workbook
   cannot be written; CX_EINTERNAL when memory runs out. */
/* created: the workbook's creation time written in its properties, fixed
   by the caller (the run's as-of date) so that two runs give the same bytes. */
int xlsx_write_from_csv(const char *path, const char *const *csv_paths, const char *const *sheet_names,
                        size_t n, int fr, const char *findings_title, const char *const *findings,
                        size_t nfindings, time_t created, struct cx_err *e);

#endif
