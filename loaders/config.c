/*
 * config — see config.h. inih does the syntax (sections, key = value,
 * ';' and '#' comments); this file only stores what it hands over.
 */
#include "loaders/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct load_ctx {
    struct config *c;
    FILE *f;       /* the file being read */
    int line;      /* lines read so far: inih's Debian build passes no line number */
    int nomem;
};

/* The line reader handed to inih, counting lines as it goes. */
static char *read_line(char *str, int num, void *stream)
{
    struct load_ctx *x = stream;
    char *r = fgets(str, num, x->f);
    if (r == NULL)
        return NULL;
    x->line++;
    /* "delimiter = ;": inih would take the ';' for a comment. A value that
       starts with ';' is quoted here, and quotes are removed in on_entry. */
    char *eq = strchr(str, '=');
    if (eq && str[strspn(str, " \t")] != ';' && str[strspn(str, " \t")] != '#') {
        char *v = eq + 1 + strspn(eq + 1, " \t");
        size_t len = strlen(v);
        if (*v == ';' && (size_t)(v - str) + len + 3 < (size_t)num) {
            memmove(v + 3, v + 1, len);   /* the rest, its NUL included */
            v[0] = '"';
            v[1] = ';';
            v[2] = '"';
        }
    }
    return r;
}

static char *dup_trim(const char *s, int lower)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    char *d = malloc(n + 1);
    if (d == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        d[i] = lower ? (char)tolower((unsigned char)s[i]) : s[i];
    d[n] = '\0';
    return d;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *x = user;
    int line = x->line;
    struct config *c = x->c;
    if (name == NULL)   /* a section header alone */
        return 1;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        struct config_entry *e = realloc(c->e, cap * sizeof *e);
        if (e == NULL) {
            x->nomem = 1;
            return 0;
        }
        c->e = e;
        c->cap = cap;
    }
    struct config_entry *e = &c->e[c->n];
    e->section = dup_trim(section, 0);
    e->key = dup_trim(name, 1);
    e->value = dup_trim(value ? value : "", 0);
    /* "90000; per year": a ';' starts a comment even without a space
       before it (inih needs one). A value in double quotes is taken as it
       is, without the quotes ("delimiter = ;" arrives as "\";\""). */
    if (e->value && e->value[0] == '"') {
        char *close = strchr(e->value + 1, '"');
        if (close) {
            memmove(e->value, e->value + 1, (size_t)(close - e->value - 1));
            e->value[close - e->value - 1] = '\0';
        }
    } else if (e->value) {
        char *semi = strchr(e->value, ';');
        if (semi) {
            *semi = '\0';
            while (semi > e->value && (semi[-1] == ' ' || semi[-1] == '\t'))
                *--semi = '\0';
        }
    }
    e->line = line;
    e->used = 0;
    if (!e->section || !e->key || !e->value) {
        free(e->section);
        free(e->key);
        free(e->value);
        x->nomem = 1;
        return 0;
    }
    c->n++;
    return 1;
}

int config_load(struct config *c, const char *path, struct cx_err *e)
{
    c->path = strdup(path);
    if (c->path == NULL)
        return cx_nomem(e, "configuration");
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return cx_fail(e, CX_EIO, "%s: cannot open configuration: %s", path, strerror(errno));
    struct load_ctx x = { c, f, 0, 0 };
    int rc = ini_parse_stream(read_line, &x, on_entry, &x);
    fclose(f);
    if (x.nomem)
        return cx_nomem(e, "configuration");
    if (rc > 0)
        return cx_fail(e, CX_EUSAGE, "%s:%d: syntax error in configuration", path, rc);
    if (rc < 0)
        return cx_fail(e, CX_EIO, "%s: cannot read configuration", path);
    return CX_OK;
}

void config_free(struct config *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].section);
        free(c->e[i].key);
        free(c->e[i].value);
    }
    free(c->e);
    free(c->path);
    memset(c, 0, sizeof *c);
}

struct config_entry *config_get(struct config *c, const char *section, const char *key)
{
    struct config_entry *found = NULL;
    for (size_t i = 0; i < c->n; i++)
        if (strcasecmp(c->e[i].section, section) == 0 && strcmp(c->e[i].key, key) == 0)
            found = &c->e[i];
    if (found)
        for (size_t i = 0; i < c->n; i++)
            if (strcasecmp(c->e[i].section, section) == 0 && strcmp(c->e[i].key, key) == 0)
                c->e[i].used = 1;
    return found;
}

int config_check_unused(const struct config *c, const char *prefix, struct cx_err *e)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < c->n; i++) {
        const struct config_entry *x = &c->e[i];
        int match = prefix[n - 1] == ' ' ? strncasecmp(x->section, prefix, n) == 0
                                          : strcasecmp(x->section, prefix) == 0;
        if (match && !x->used)
            return cx_fail(e, CX_EUSAGE, "%s:%d: unknown key '%s' in [%s]", c->path, x->line,
                           x->key, x->section);
    }
    return CX_OK;
}

int config_check_sections(const struct config *c, const char *const *known, size_t n,
                          struct cx_err *e)
{
    for (size_t i = 0; i < c->n; i++) {
        const struct config_entry *x = &c->e[i];
        int ok = 0;
        for (size_t k = 0; k < n && !ok; k++) {
            size_t len = strlen(known[k]);
            ok = known[k][len - 1] == ' ' ? strncasecmp(x->section, known[k], len) == 0 && x->section[len]
                                          : strcasecmp(x->section, known[k]) == 0;
        }
        if (!ok)
            return cx_fail(e, CX_EUSAGE, "%s:%d: unknown section [%s]", c->path, x->line, x->section);
    }
    return CX_OK;
}
