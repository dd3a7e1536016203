/*
 * test_pgsource — what can be checked without a server: which inputs are
 * PostgreSQL URIs, the masking of their passwords (each expected string
 * written by hand from libpq's URI grammar), and the failures of
 * pgsrc_open that need no server (no query; no server at the socket).
 * The source against a real server is tests/e2e/pg.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "loaders/pgsource.h"

static void mask_is(const char *in, const char *want)
{
    char *got = pgsrc_mask_uri(in);
    assert_non_null(got);
    if (strcmp(got, want) != 0) {
        print_error("pgsrc_mask_uri(\"%s\") = \"%s\", expected \"%s\"\n", in, got, want);
        free(got);
        fail();
    }
    free(got);
}

static void test_is_uri(void **state)
{
    (void)state;
    assert_int_equal(pgsrc_is_uri("postgresql://h/db"), 1);
    assert_int_equal(pgsrc_is_uri("postgres:///db"), 1);
    /* libpq takes the designators in lower case only, and a file named
       like a URI without the "//" is a file. */
    assert_int_equal(pgsrc_is_uri("POSTGRESQL://h/db"), 0);
    assert_int_equal(pgsrc_is_uri("postgresql:db"), 0);
    assert_int_equal(pgsrc_is_uri("sales.csv"), 0);
    assert_int_equal(pgsrc_is_uri("-"), 0);
    assert_int_equal(pgsrc_is_uri(""), 0);
}

static void test_mask(void **state)
{
    (void)state;
    /* No password: unchanged. */
    mask_is("postgresql:///db?host=/tmp/x&user=canaux", "postgresql:///db?host=/tmp/x&user=canaux");
    mask_is("postgresql://u@h:5432/db", "postgresql://u@h:5432/db");
    mask_is("sales.csv", "sales.csv");
    /* user:password@ : the password is what follows the first ':'. */
    mask_is("postgresql://u:secret@/db?host=/tmp/x", "postgresql://u:***@/db?host=/tmp/x");
    mask_is("postgres://u:s:e:c@h/db", "postgres://u:***@h/db");
    /* An empty password shows nothing: left as it is. */
    mask_is("postgresql://u:@h/db", "postgresql://u:@h/db");
    /* The userinfo ends at the first '@' before any '/': "p?x" is the
       password here, as libpq reads it. */
    mask_is("postgresql://u:p?x@h/db", "postgresql://u:***@h/db");
    /* A ':' after the '/' is no password (the host part has none here). */
    mask_is("postgresql://h/db:x", "postgresql://h/db:x");
    /* password= and sslpassword= in the query string, wherever they are,
       also percent-encoded keys (%70 is 'p'); other values stay. */
    mask_is("postgresql:///db?host=/tmp/x&password=secret&user=u",
            "postgresql:///db?host=/tmp/x&password=***&user=u");
    mask_is("postgresql:///db?password=secret", "postgresql:///db?password=***");
    mask_is("postgresql:///db?sslpassword=k1&%70assword=k2", "postgresql:///db?sslpassword=***&%70assword=***");
    mask_is("postgresql:///db?passwords=x&password", "postgresql:///db?passwords=x&password");
    /* Both at once, inside a longer text (NAME=URI, a command-line
       argument), and two URIs in one text. */
    mask_is("web=postgresql://u:pw@/db?password=pw2", "web=postgresql://u:***@/db?password=***");
    mask_is("postgres://a:1@h/d postgresql://b:2@h/d", "postgres://a:***@h/d postgresql://b:***@h/d");
    /* libpq reads a URI to the end: a password may hold a space. */
    mask_is("postgresql://u:p w@h/db", "postgresql://u:***@h/db");
    /* A URI inside a parameter of another: both masked, the spans merged
       where one holds the other. */
    mask_is("postgresql://h/db?x=postgresql://a:b@c&password=zz", "postgresql://h/db?x=postgresql://a:***@c&password=***");
    mask_is("postgres://h?password=postgresql://a:b@c", "postgres://h?password=***");
}

static void test_open_needs_query(void **state)
{
    (void)state;
    struct pgsrc *s = (struct pgsrc *)1;
    struct cx_err e = { 0 };
    assert_int_equal(pgsrc_open(&s, "postgresql://u:secret@/db?host=/nonexistent", NULL, &e), CX_EUSAGE);
    assert_null(s);
    assert_non_null(strstr(e.msg, "needs a query"));
    assert_null(strstr(e.msg, "secret"));
    /* Spaces and a ';' alone are no query either. */
    struct cx_err e2 = { 0 };
    assert_int_equal(pgsrc_open(&s, "postgresql:///db?host=/nonexistent", " ;\n ", &e2), CX_EUSAGE);
    assert_null(s);
}

/* No server at that socket: exit 2 with libpq's message, which names the
   socket, and no password. */
static void test_open_no_server(void **state)
{
    (void)state;
    struct pgsrc *s;
    struct cx_err e = { 0 };
    int rc = pgsrc_open(&s, "postgresql://u:secret@/db?host=/nonexistent/canaux&password=hush", "SELECT 1", &e);
    assert_int_equal(rc, CX_EIO);
    assert_null(s);
    assert_non_null(strstr(e.msg, "postgresql://u:***@/db?host=/nonexistent/canaux&password=***: cannot connect: "));
    assert_non_null(strstr(e.msg, "/nonexistent/canaux/.s.PGSQL."));
    assert_null(strstr(e.msg, "secret"));
    assert_null(strstr(e.msg, "hush"));
    assert_null(strchr(e.msg, '\n'));
    /* libpq quotes a bad percent-encoding of the URI: the password, as
       written, is replaced in its message too. */
    struct cx_err e2 = { 0 };
    rc = pgsrc_open(&s, "postgresql://u:sec%zzret@/db?host=/nonexistent/canaux", "SELECT 1", &e2);
    assert_int_equal(rc, CX_EIO);
    assert_non_null(strstr(e2.msg, "invalid percent-encoded token: \"***\""));
    assert_null(strstr(e2.msg, "zzret"));
    /* An unclosed IPv6 bracket: libpq quotes the whole URI. */
    struct cx_err e3 = { 0 };
    rc = pgsrc_open(&s, "postgresql://u:secret@[::1/db", "SELECT 1", &e3);
    assert_int_equal(rc, CX_EIO);
    assert_non_null(strstr(e3.msg, "IPv6"));
    assert_null(strstr(e3.msg, "secret"));
    pgsrc_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_uri),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_open_needs_query),
        cmocka_unit_test(test_open_no_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
