/* fuzz_pgmask -- the password masking of loaders/pgsource.h.
 *
 * Input: the text (up to its first NUL), as a command-line argument or an
 * INPUT would be. Besides crashes, it checks that a text without a URI
 * prefix comes back unchanged and, against libpq's own URI
 * parser, that what libpq would take for a password (password or
 * sslpassword) is exactly what was masked: when PQconninfoParse finds a
 * non-empty one in the text, the masked text must parse too, with ***
 * there. So the masking cannot drift from the grammar libpq reads.
 * (Masking is not idempotent in general, and need not be: a masked span
 * may have held the '/' or '&' that decided where another part ended, so a
 * second pass over the masked text can mask more, never reveal more.) */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loaders/pgsource.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The values libpq parses for password and sslpassword (malloc'd, NULL when
   absent or empty); 0 when the text parses, -1 when it does not. */
static int secrets(const char *s, char **pw, char **sslpw)
{
    char *err = NULL;
    *pw = *sslpw = NULL;
    PQconninfoOption *o = PQconninfoParse(s, &err);
    PQfreemem(err);
    if (o == NULL)
        return -1;
    for (PQconninfoOption *p = o; p->keyword; p++) {
        if (p->val == NULL || p->val[0] == '\0')
            continue;
        if (strcmp(p->keyword, "password") == 0)
            *pw = strdup(p->val);
        else if (strcmp(p->keyword, "sslpassword") == 0)
            *sslpw = strdup(p->val);
    }
    PQconninfoFree(o);
    return 0;
}

/* How many times a URI prefix occurs in s. */
static int prefixes(const char *s)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, "postgres")) != NULL; p++)
        n += pgsrc_is_uri(p);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    char *m = pgsrc_mask_uri(s);
    if (m == NULL)
        abort();
    if (prefixes(s) == 0 && strcmp(m, s) != 0)
        abort(); /* nothing to mask: the text as it is */
    if (pgsrc_is_uri(s)) {
        char *pw, *sslpw, *mpw, *msslpw;
        if (secrets(s, &pw, &sslpw) == 0 && (pw || sslpw)) {
            if (secrets(m, &mpw, &msslpw) != 0)
                abort(); /* the masked URI must still parse */
            if ((pw && (mpw == NULL || strcmp(mpw, "***") != 0)) ||
                (sslpw && (msslpw == NULL || strcmp(msslpw, "***") != 0)))
                abort(); /* a password libpq reads was not masked */
            free(mpw);
            free(msslpw);
        }
        free(pw);
        free(sslpw);
    }
    free(m);
    free(s);
    return 0;
}
