/*
 * source — the bytes of an input file as UTF-8 text: a plain file, a .gz
 * (zlib inflates it; plain files pass through gzread unchanged) or stdin,
 * converted from its encoding on the fly.
 *
 * It is a layer under the parsers, not part of them: the CSV reader and
 * the master-data tables read UTF-8 from it block by block and never see
 * another encoding. UTF-8 input (nearly every file) passes through without
 * a copy beyond the first block; other encodings go through glibc's iconv
 * a block at a time, an incomplete sequence at the end of a block carried
 * to the next. A byte that is not valid in the encoding comes out as a
 * byte that is not valid UTF-8, so the row holding it is rejected (invalid
 * UTF-8) rather than silently changed.
 *
 * `auto` decides from the first block read (source_open): a byte-order
 * mark (UTF-8, UTF-16 LE or BE) decides; without one, the block is UTF-8
 * when its bytes are valid UTF-8, or when it holds valid multi-byte UTF-8
 * characters beside some bad bytes (a damaged UTF-8 file: its bad rows are
 * rejected); else, when some bytes are never UTF-8, Windows-1252 (which
 * the caller notes). Later bytes are not checked here: in UTF-8 the rows
 * check their text. The first block also tells formats that are not text apart (a zip
 * or xlsx workbook, a PDF, an old .xls, another compression, UTF-16
 * without a byte-order mark, control bytes of a binary file): source_open
 * refuses them, naming the format.
 */
#ifndef CANAUX_SOURCE_H
#define CANAUX_SOURCE_H

#include <stddef.h>

#include "engine/cx_err.h"

/* Encodings of the input ([input] encoding, --encoding). */
enum src_encoding {
    SRC_AUTO = 0,    /* by the byte-order mark, else UTF-8 when valid, else Windows-1252 */
    SRC_UTF8,
    SRC_UTF16,       /* by the byte-order mark, else by where the NUL bytes are */
    SRC_UTF16LE,
    SRC_UTF16BE,
    SRC_CP1252,      /* Windows-1252 (Excel's "CSV" on Western Windows) */
    SRC_LATIN1,      /* ISO-8859-1 */
    SRC_NENCODINGS
};

struct source;

/* Reads an encoding name: auto, utf-8 (utf8), utf-16 (utf16), utf-16le,
   utf-16be, cp1252 (windows-1252), latin1 (iso-8859-1), in any case.
   Returns 0 and *enc, or -1. */
int source_encoding_parse(const char *name, unsigned *enc);
/* The canonical name of enc ("utf-8", "cp1252", ...). */
const char *source_encoding_name(unsigned enc);

/* Opens path ("-" = stdin) for reading as UTF-8 from encoding enc, and
   reads its first block (up to sniff bytes, after decompression) to decide
   the encoding and check the format. Returns CX_OK and *out (close with
   source_close); CX_EIO naming the file when it cannot be opened or read,
   is a directory, or looks like a format that is not text (the message
   names it); CX_EINTERNAL when out of memory. */
int source_open(struct source **out, const char *path, unsigned enc, size_t sniff,
                struct cx_err *e);
/* Opens the result of query on the PostgreSQL server of a postgresql://
   URI (loaders/pgsource.h) as a source: COPY's CSV, UTF-8. Returns CX_OK
   and *out, or the status of pgsrc_open (CX_EIO with the server's message,
   password masked). */
int source_open_pg(struct source **out, const char *uri, const char *query, struct cx_err *e);
/* 1 when s reads a PostgreSQL result (its rows are numbered by row). */
int source_is_pg(const struct source *s);

/* Reads up to want bytes of UTF-8 into p (a character may be cut between
   two reads, as in any byte stream). Returns the bytes read, fewer than
   want only at the end of the input, or -1 with e set (a read error, a
   damaged .gz). */
long long source_read(struct source *s, char *p, size_t want, struct cx_err *e);
/* 1 once the input is exhausted (source_read then returns 0). */
int source_eof(const struct source *s);
/* The encoding used (never SRC_AUTO or SRC_UTF16), and 1 when `auto` chose
   it without a byte-order mark and it is not UTF-8 (worth a note). */
unsigned source_encoding(const struct source *s);
int source_guessed(const struct source *s);
/* Closes s; accepts NULL. */
void source_close(struct source *s);

#endif
