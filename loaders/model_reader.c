/*
 * model_reader — see model_reader.h. A line-oriented parser: the first
 * line names the format and version, then "k", "clip", one "column" per
 * feature and one "segment" per segment, in any order after the first;
 * '#' starts a comment line.
 */
#include "loaders/model_reader.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAD(...) cx_fail(e, CX_EIO, __VA_ARGS__)

/* Reads a finite double at *p, advancing it. */
static int num(const char **p, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(*p, &end);
    if (end == *p || errno || !isfinite(*v) || (*end != ' ' && *end != '\0'))
        return -1;
    *p = end;
    while (**p == ' ')
        (*p)++;
    return 0;
}

static int word(const char **p, char *buf, size_t n)
{
    size_t k = 0;
    while (**p && **p != ' ') {
        if (k + 1 >= n)
            return -1;
        buf[k++] = *(*p)++;
    }
    buf[k] = '\0';
    while (**p == ' ')
        (*p)++;
    return k ? 0 : -1;
}

static int parse_line(struct seg_model *m, const char *s, const char *name, int ln, int *nseg,
                      struct cx_err *e)
{
    char key[32], w[64];
    const char *p = s;
    if (word(&p, key, sizeof key))
        return BAD("%s:%d: empty line", name, ln);
    if (strcmp(key, "k") == 0) {
        double v;
        if (num(&p, &v) || *p || v < 1 || v > SEG_MAX_K || v != floor(v))
            return BAD("%s:%d: k must be a whole number from 1 to %d", name, ln, SEG_MAX_K);
        m->k = (int)v;
    } else if (strcmp(key, "clip") == 0) {
        if (num(&p, &m->clip) || *p || !(m->clip > 0))
            return BAD("%s:%d: clip must be a positive number", name, ln);
    } else if (strcmp(key, "column") == 0) {
        if (m->d >= F_N)
            return BAD("%s:%d: too many columns", name, ln);
        int j = m->d, ft = -1, t = -1;
        if (word(&p, w, sizeof w))
            return BAD("%s:%d: column without a feature name", name, ln);
        for (int k = 0; k < F_N; k++)
            if (strcmp(w, features_name(k)) == 0)
                ft = k;
        for (int c = 0; c < j; c++)
            if (m->feat[c] == ft)
                return BAD("%s:%d: feature '%s' listed twice", name, ln, w);
        if (ft < 0)
            return BAD("%s:%d: unknown feature '%s'", name, ln, w);
        if (word(&p, w, sizeof w))
            return BAD("%s:%d: column without a transform", name, ln);
        for (int k = SEG_T_NONE; k <= SEG_T_RATE; k++)
            if (strcmp(w, seg_transform_name(k)) == 0)
                t = k;
        if (t < 0)
            return BAD("%s:%d: unknown transform '%s' (none, log or rate)", name, ln, w);
        if (num(&p, &m->rate_scale[j]) || num(&p, &m->center[j]) || num(&p, &m->scale[j]) || *p ||
            !(m->rate_scale[j] > 0) || !(m->scale[j] > 0))
            return BAD("%s:%d: column needs a positive rate scale, a centre and a positive scale", name, ln);
        m->feat[j] = ft;
        m->transform[j] = t;
        m->d++;
    } else if (strcmp(key, "segment") == 0) {
        if (m->k == 0 || m->d == 0)
            return BAD("%s:%d: segment before k and the columns", name, ln);
        if (*nseg >= m->k)
            return BAD("%s:%d: more segments than k = %d", name, ln, m->k);
        double id;
        if (num(&p, &id) || id < 0 || id > 1e6 || id != floor(id))
            return BAD("%s:%d: segment id must be a whole number", name, ln);
        for (int s2 = 0; s2 < *nseg; s2++)
            if (m->id[s2] == (int)id)
                return BAD("%s:%d: segment id %d listed twice", name, ln, (int)id);
        int sg = (*nseg)++;
        m->id[sg] = (int)id;
        for (int j = 0; j < m->d; j++)
            if (num(&p, &m->cent[sg * m->d + j]))
                return BAD("%s:%d: segment needs %d centroid values", name, ln, m->d);
        if (*p == '\0' || strlen(p) >= SEG_NAME)
            return BAD("%s:%d: segment needs a name of 1 to %d characters", name, ln, SEG_NAME - 1);
        snprintf(m->name[sg], SEG_NAME, "%s", p);
    } else {
        return BAD("%s:%d: unknown line '%s'", name, ln, key);
    }
    return CX_OK;
}

int model_parse(struct seg_model *m, const char *text, size_t len, const char *name, struct cx_err *e)
{
    memset(m, 0, sizeof *m);
    int ln = 0, nseg = 0, rc;
    size_t i = 0;
    char line[4096];
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        size_t n = j - i;
        ln++;
        if (n && text[i + n - 1] == '\r')
            n--;
        if (n >= sizeof line)
            return BAD("%s:%d: line too long", name, ln);
        memcpy(line, text + i, n);
        line[n] = '\0';
        if (memchr(line, '\0', n))
            return BAD("%s:%d: NUL byte", name, ln);
        i = j + 1;
        if (ln == 1) {
            if (strcmp(line, "canaux-model 1") != 0)
                return BAD("%s:1: not a canaux model (expected 'canaux-model 1')", name);
            continue;
        }
        if (n == 0 || line[0] == '#')
            continue;
        if ((rc = parse_line(m, line, name, ln, &nseg, e)) != CX_OK)
            return rc;
    }
    if (ln == 0)
        return BAD("%s: empty model file", name);
    if (m->k == 0 || m->d == 0 || m->clip <= 0)
        return BAD("%s: model lacks k, clip or columns", name);
    if (nseg != m->k)
        return BAD("%s: %d segments for k = %d", name, nseg, m->k);
    return CX_OK;
}

int model_read(struct seg_model *m, const char *path, struct cx_err *e)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return BAD("%s: cannot open model: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 8192;
            if (cap > (64u << 20)) {
                free(buf);
                fclose(f);
                return BAD("%s: model file too large", path);
            }
            char *b = realloc(buf, cap);
            if (b == NULL) {
                free(buf);
                fclose(f);
                return cx_nomem(e, "model");
            }
            buf = b;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    int rc = bad ? BAD("%s: read error", path) : model_parse(m, buf, len, path, e);
    free(buf);
    return rc;
}
