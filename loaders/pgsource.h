/*
 * pgsource — the rows of a PostgreSQL query as CSV bytes, for the reader.
 *
 * An INPUT beginning postgresql:// or postgres:// is a libpq connection
 * URI. pgsrc_open connects and runs COPY (query) TO STDOUT (FORMAT csv,
 * HEADER), and pgsrc_read hands the server's CSV over in whatever sizes the
 * reader asks for, so everything after the bytes — header mapping, the
 * parallel parse, rejects — is the CSV path unchanged. The design choice is
 * COPY rather than a cursor and PQgetvalue: the server formats and quotes
 * every value once, in the one CSV dialect the reader already parses, and
 * the rows stream (PQgetCopyData, one row at a time; only the row being
 * handed over is held), so memory does not grow with the result.
 *
 * The session is set to client_encoding UTF8 and DateStyle ISO, so texts
 * arrive as UTF-8 and dates as YYYY-MM-DD whatever the server's settings.
 *
 * Passwords never leave this module in clear: pgsrc_mask_uri gives the name
 * to print, and every message made here has the URI's passwords (raw and
 * percent-decoded) replaced with ***, libpq's own text included (libpq
 * quotes a badly percent-encoded token of the URI in its message).
 */
#ifndef CANAUX_PGSOURCE_H
#define CANAUX_PGSOURCE_H

#include <stddef.h>

#include "engine/cx_err.h"

struct pgsrc;

/* 1 when s begins with postgresql:// or postgres:// (as libpq spells
   them, lower case), else 0. */
int pgsrc_is_uri(const char *s);

/* A copy of s in which the password of every postgresql:// or postgres://
   URI found in s (a URI runs to the end of s, as libpq reads it) is
   replaced with ***: the one after user: before the '@', and the value of
   a password= or sslpassword= parameter of the query string. Everything
   else is copied as it is, so pgsrc_mask_uri("sales=postgresql://u:pw@h/db")
   is "sales=postgresql://u:***@h/db". The caller frees the result; NULL
   when out of memory. */
char *pgsrc_mask_uri(const char *s);

/* Connects to uri and starts COPY (query) TO STDOUT (FORMAT csv, HEADER).
   The query is sent as given, as one statement (extended protocol: the
   server refuses a second one), after trailing spaces and one trailing ';'
   are removed (COPY refuses a ';' inside its parentheses). Returns CX_OK
   and *out (close with pgsrc_close); CX_EUSAGE when query is NULL or empty;
   CX_EIO when the connection or the query fails, with the server's message
   (passwords masked); CX_EINTERNAL when out of memory. *out is NULL on
   failure. */
int pgsrc_open(struct pgsrc **out, const char *uri, const char *query, struct cx_err *e);

/* Copies the next bytes of the result's CSV (the header line first) into
   p: want bytes, or fewer only when the result ends (then every later call
   returns 0). Returns the bytes copied, or -1 with e set (CX_EIO, the
   server's message: an error in the middle of the query, a lost
   connection). */
long long pgsrc_read(struct pgsrc *s, char *p, size_t want, struct cx_err *e);

/* Cancels a query still running, closes the connection and frees s.
   Accepts NULL. */
void pgsrc_close(struct pgsrc *s);

#endif
