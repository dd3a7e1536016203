/*
 * xlsx — see xlsx.h. One small XML driver (struct xp) reads any part of the
 * zip through expat, block by block; the workbook, relationships, styles and
 * shared strings are read whole through it when the book opens, and a sheet
 * is read through it one row per call, the parser being suspended at each
 * </row>. Element names are matched by their local name (the part after
 * any prefix), so the transitional and strict OOXML namespaces and prefixed
 * documents (<x:row>) read alike; expat's namespace processing is left off,
 * as it cost about a tenth of the parse for nothing the reader uses. Each
 * element is only taken in its place (a <t> under <rPh>, phonetic text, is not cell text; a <numFmt>
 * under <dxf> is not a cell format).
 *
 * A row's own text (inline strings, formula strings, errors) is accumulated
 * straight into the row's arena and kept or dropped when the cell ends, so
 * a cell costs no allocation; shared strings point into the book's table.
 * expat allocates through the functions below, in this file, so that the
 * allocation-failure runs (tests/failmalloc) reach its failures too.
 */
#include "loaders/xlsx.h"

#include <errno.h>
#include <limits.h>
#include <expat.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "loaders/fields.h"

#define BLOCK (64 * 1024)                     /* bytes read from the zip per parse */
#define MAX_TOKEN ((uint64_t)32 << 20)        /* bytes expat may hold without an event */
#define MAX_DEPTH 256                         /* element nesting (OOXML needs < 20) */
#define MAX_ROW_TEXT ((size_t)64 << 20)       /* text bytes of one row */
/* Raw bytes of one cell's text before _xHHHH_ escapes are decoded: every
   one of the 32,767 characters could be such a 7-byte escape. */
#define MAX_CELL_RAW ((size_t)7 * XLSX_MAX_CELL_CHARS)

/* ---------------------------------------------------------------------- */
/* Allocation for expat                                                    */

/* The work after each call keeps it from becoming a tail call, so the
   allocation is made from this file (what tests/failmalloc counts). */
static void *mm_malloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL)
        errno = ENOMEM;
    return p;
}

static void *mm_realloc(void *q, size_t n)
{
    void *p = realloc(q, n);
    if (p == NULL)
        errno = ENOMEM;
    return p;
}

static void mm_free(void *p)
{
    free(p);
}

static const XML_Memory_Handling_Suite xml_memory = { mm_malloc, mm_realloc, mm_free };

/* Grows the array *pp (elements of size el, capacity *cap) to hold need
   elements; called through GROW, which passes the array's address. The
   pointer is read and written with memcpy, so that one function serves
   arrays of any type. Returns 0, or -1 when out of memory (array unchanged). */
static int grow_array(void *pp, size_t *cap, size_t need, size_t el)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n = n > SIZE_MAX / 2 ? need : n * 2;
    if (n > SIZE_MAX / el)
        return -1;
    void *old, *q;
    memcpy(&old, pp, sizeof old);
    q = realloc(old, n * el);
    if (q == NULL)
        return -1;
    memcpy(pp, &q, sizeof q);
    *cap = n;
    return 0;
}

#define GROW(arr, cap, need) grow_array(&(arr), &(cap), (need), sizeof *(arr))

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ---------------------------------------------------------------------- */
/* The book                                                                */

struct bsheet {
    char *name;             /* as in the workbook, UTF-8 */
    char *rid;              /* r:id, the relationship naming its part */
    char *part;             /* zip entry name, NULL until resolved */
    int worksheet;          /* 1 for a worksheet, 0 for chart/dialog/macro sheets */
};

struct xlsx_book {
    char *name;             /* path or buffer name, for messages */
    zip_t *z;
    int date1904;
    struct bsheet *sheets;  /* in workbook order */
    size_t nsheets, capsheets;
    /* Shared strings: string k is sst + ssoff[k], NUL-terminated, of length
       ssoff[k + 1] - ssoff[k] - 1. */
    uint32_t *ssoff;
    size_t nss, capss;      /* strings; ssoff has nss + 1 entries */
    char *sst;
    size_t sstlen, sstcap;
    /* Styles: 1 when cell format (the s attribute) k is a date format. */
    unsigned char *xfdate;
    size_t nxf;
};

/* ---------------------------------------------------------------------- */
/* The XML driver                                                          */

enum tag {
    T_OTHER, T_WORKBOOK, T_WORKBOOKPR, T_SHEETS, T_SHEET, T_RELS, T_REL, T_STYLESHEET,
    T_NUMFMTS, T_NUMFMT, T_CELLXFS, T_XF, T_SST, T_SI, T_R, T_T, T_RPH, T_WORKSHEET,
    T_SHEETDATA, T_ROW, T_C, T_V, T_IS
};

/* The name after its prefix: "row" of "x:row". */
static const char *local(const char *name)
{
    const char *s = strrchr(name, ':');
    return s ? s + 1 : name;
}

static enum tag tag_of(const char *name)
{
    const char *l = local(name);
    switch (l[0]) {
    case 'c':
        if (l[1] == 0)
            return T_C;
        return strcmp(l, "cellXfs") == 0 ? T_CELLXFS : T_OTHER;
    case 'v':
        return l[1] == 0 ? T_V : T_OTHER;
    case 'r':
        if (l[1] == 0)
            return T_R;
        if (strcmp(l, "row") == 0)
            return T_ROW;
        return strcmp(l, "rPh") == 0 ? T_RPH : T_OTHER;
    case 't':
        return l[1] == 0 ? T_T : T_OTHER;
    case 'i':
        return strcmp(l, "is") == 0 ? T_IS : T_OTHER;
    case 's':
        if (strcmp(l, "si") == 0)
            return T_SI;
        if (strcmp(l, "sheet") == 0)
            return T_SHEET;
        if (strcmp(l, "sheets") == 0)
            return T_SHEETS;
        if (strcmp(l, "sheetData") == 0)
            return T_SHEETDATA;
        if (strcmp(l, "sst") == 0)
            return T_SST;
        return strcmp(l, "styleSheet") == 0 ? T_STYLESHEET : T_OTHER;
    case 'w':
        if (strcmp(l, "worksheet") == 0)
            return T_WORKSHEET;
        if (strcmp(l, "workbook") == 0)
            return T_WORKBOOK;
        return strcmp(l, "workbookPr") == 0 ? T_WORKBOOKPR : T_OTHER;
    case 'x':
        return strcmp(l, "xf") == 0 ? T_XF : T_OTHER;
    case 'n':
        if (strcmp(l, "numFmt") == 0)
            return T_NUMFMT;
        return strcmp(l, "numFmts") == 0 ? T_NUMFMTS : T_OTHER;
    case 'R':
        if (strcmp(l, "Relationship") == 0)
            return T_REL;
        return strcmp(l, "Relationships") == 0 ? T_RELS : T_OTHER;
    default:
        return T_OTHER;
    }
}

/* An attribute without prefix (r, t, s, name, Id ...), or NULL. */
static const char *att(const XML_Char **a, const char *name)
{
    for (; a[0]; a += 2)
        if (strcmp(a[0], name) == 0)
            return a[1];
    return NULL;
}

/* A prefixed attribute by its local name (r:id, xml:space), whatever the
   prefix. */
static const char *att_ns(const XML_Char **a, const char *lname)
{
    for (; a[0]; a += 2) {
        const char *s = strrchr(a[0], ':');
        if (s && strcmp(s + 1, lname) == 0)
            return a[1];
    }
    return NULL;
}

/* Reads one zip entry through expat. Embedded first in each part's context,
   which is expat's user data. */
struct xp {
    struct xlsx_book *b;
    char where[320];        /* "sheet 'Data' (xl/worksheets/sheet1.xml)", for messages */
    zip_file_t *zf;
    XML_Parser p;
    uint64_t fed;           /* bytes handed to expat */
    uint64_t evpos;         /* byte index of the latest event */
    int done;               /* the final (empty) buffer was parsed */
    int suspended;          /* stopped by a handler, to be resumed */
    int rc;                 /* a handler's failure, recorded in *e */
    struct cx_err *e;
    unsigned depth;         /* open elements */
    unsigned char stack[MAX_DEPTH]; /* enum tag of each open element */
};

static int xp_fail(struct xp *x, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Records a handler's failure (the first one) and aborts the parse. */
static int xp_fail(struct xp *x, int status, const char *fmt, ...)
{
    if (x->rc == CX_OK) {
        char msg[768];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (status == CX_EINTERNAL)
            cx_fail(x->e, status, "out of memory (%s)", msg);
        else
            cx_fail(x->e, status, "%s: %s: %s", x->b->name, x->where, msg);
        x->rc = status;
    }
    XML_StopParser(x->p, XML_FALSE);
    return status;
}

static void xp_event(struct xp *x)
{
    XML_Index i = XML_GetCurrentByteIndex(x->p);
    if (i >= 0)
        x->evpos = (uint64_t)i;
}

/* Pushes the element (the parent is then x->stack[x->depth - 2]).
   Returns its tag, or -1 after failing when nested too deep. */
static int xp_push(struct xp *x, const char *name)
{
    xp_event(x);
    if (x->depth >= MAX_DEPTH) {
        xp_fail(x, CX_EIO, "XML nested deeper than %d elements", MAX_DEPTH);
        return -1;
    }
    enum tag t = tag_of(name);
    x->stack[x->depth++] = (unsigned char)t;
    return (int)t;
}

/* The tag of the ancestor k levels above the current element (0: itself). */
static enum tag xp_up(const struct xp *x, unsigned k)
{
    return k < x->depth ? (enum tag)x->stack[x->depth - 1 - k] : T_OTHER;
}

static enum tag xp_pop(struct xp *x)
{
    xp_event(x);
    return x->depth ? (enum tag)x->stack[--x->depth] : T_OTHER;
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal;
    xp_fail(ud, CX_EIO, "a document type declaration (DTD), which a workbook never has");
}

/* Opens entry idx of the book's zip for parsing with the given handlers.
   ud is the part context, whose first member is x. */
static int xp_open(struct xp *x, struct xlsx_book *b, zip_int64_t idx, void *ud, XML_StartElementHandler st,
                   XML_EndElementHandler en, XML_CharacterDataHandler ch, struct cx_err *e)
{
    x->b = b;
    x->e = e;
    x->zf = zip_fopen_index(b->z, (zip_uint64_t)idx, 0);
    if (x->zf == NULL) {
        zip_error_t *ze = zip_get_error(b->z);
        if (zip_error_code_zip(ze) == ZIP_ER_MEMORY)
            return cx_nomem(e, "zip entry");
        return cx_fail(e, CX_EIO, "%s: %s: cannot read: %s", b->name, x->where, zip_error_strerror(ze));
    }
    x->p = XML_ParserCreate_MM(NULL, &xml_memory, NULL);
    if (x->p == NULL)
        return cx_nomem(e, "XML parser");
    XML_SetUserData(x->p, ud);
    XML_SetElementHandler(x->p, st, en);
    XML_SetCharacterDataHandler(x->p, ch);
    XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
    return CX_OK;
}

static void xp_close(struct xp *x)
{
    if (x->p)
        XML_ParserFree(x->p);
    if (x->zf)
        zip_fclose(x->zf);
    x->p = NULL;
    x->zf = NULL;
}

static int xp_error(struct xp *x)
{
    if (x->rc != CX_OK)
        return x->rc;
    enum XML_Error code = XML_GetErrorCode(x->p);
    if (code == XML_ERROR_NO_MEMORY)
        return x->rc = cx_nomem(x->e, "XML parser");
    x->rc = CX_EIO;
    return cx_fail(x->e, CX_EIO, "%s: %s: XML error at line %lu, column %lu: %s", x->b->name, x->where,
                   (unsigned long)XML_GetCurrentLineNumber(x->p),
                   (unsigned long)XML_GetCurrentColumnNumber(x->p) + 1, XML_ErrorString(code));
}

/* Parses until a handler suspends the parser (x->suspended), the entry ends
   (x->done) or something fails. Returns CX_OK or the failure. */
static int xp_run(struct xp *x)
{
    if (x->rc != CX_OK)
        return x->rc;
    if (x->suspended) {
        x->suspended = 0;
        enum XML_Status st = XML_ResumeParser(x->p);
        if (st == XML_STATUS_SUSPENDED) {
            x->suspended = 1;
            return CX_OK;
        }
        if (st == XML_STATUS_ERROR)
            return xp_error(x);
    }
    while (!x->done) {
        if (x->fed - x->evpos > MAX_TOKEN) {
            x->rc = CX_EIO;
            return cx_fail(x->e, CX_EIO, "%s: %s: an XML token longer than %llu MiB near byte %llu", x->b->name,
                           x->where, (unsigned long long)(MAX_TOKEN >> 20), (unsigned long long)x->evpos);
        }
        void *buf = XML_GetBuffer(x->p, BLOCK);
        if (buf == NULL)
            return xp_error(x);
        zip_int64_t n = zip_fread(x->zf, buf, BLOCK);
        if (n < 0) {
            x->rc = CX_EIO;
            return cx_fail(x->e, CX_EIO, "%s: %s: damaged zip data after %llu bytes: %s", x->b->name, x->where,
                           (unsigned long long)x->fed, zip_file_strerror(x->zf));
        }
        x->fed += (uint64_t)n;
        x->done = n == 0;
        enum XML_Status st = XML_ParseBuffer(x->p, (int)n, x->done);
        if (st == XML_STATUS_SUSPENDED) {
            x->suspended = 1;
            return CX_OK;
        }
        if (st == XML_STATUS_ERROR)
            return xp_error(x);
    }
    return CX_OK;
}

static zip_int64_t locate(const struct xlsx_book *b, const char *part)
{
    return zip_name_locate(b->z, part, ZIP_FL_NOCASE);
}

/* Parses a whole part; returns CX_OK or the failure. */
static int parse_part(struct xp *x, struct xlsx_book *b, zip_int64_t idx, const char *part, void *ud,
                      XML_StartElementHandler st, XML_EndElementHandler en, XML_CharacterDataHandler ch,
                      struct cx_err *e)
{
    snprintf(x->where, sizeof x->where, "%s", part);
    int rc = xp_open(x, b, idx, ud, st, en, ch, e);
    if (rc == CX_OK)
        rc = xp_run(x);
    xp_close(x);
    return rc;
}

/* Character data of parts whose text is not wanted: only the position. */
static void XMLCALL on_text_skip(void *ud, const XML_Char *s, int len)
{
    (void)s;
    (void)len;
    xp_event(ud);
}

static void XMLCALL on_end_pop(void *ud, const XML_Char *name)
{
    (void)name;
    xp_pop(ud);
}

/* ---------------------------------------------------------------------- */
/* Relationships (_rels/.rels, xl/_rels/workbook.xml.rels)                 */

struct rel {
    char *id, *type, *target;
};

struct rels_ctx {
    struct xp x;
    struct rel *r;
    size_t n, cap;
};

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    struct rels_ctx *c = ud;
    if (c->x.rc || xp_push(&c->x, name) != T_REL || xp_up(&c->x, 1) != T_RELS)
        return;
    const char *id = att(a, "Id"), *type = att(a, "Type"), *target = att(a, "Target"), *mode = att(a, "TargetMode");
    if (id == NULL || type == NULL || target == NULL || (mode && strcmp(mode, "External") == 0))
        return;
    if (GROW(c->r, c->cap, c->n + 1) != 0) {
        xp_fail(&c->x, CX_EINTERNAL, "relationships");
        return;
    }
    struct rel *r = &c->r[c->n];
    r->id = dupn(id, strlen(id));
    r->type = dupn(type, strlen(type));
    r->target = dupn(target, strlen(target));
    c->n++;
    if (!r->id || !r->type || !r->target)
        xp_fail(&c->x, CX_EINTERNAL, "relationships");
}

static void rels_free(struct rels_ctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->r[i].id);
        free(c->r[i].type);
        free(c->r[i].target);
    }
    free(c->r);
}

/* 1 when a relationship type ends with /suffix (transitional and strict
   type URIs differ before it). */
static int type_is(const char *type, const char *suffix)
{
    size_t n = strlen(type), k = strlen(suffix);
    return n > k && type[n - k - 1] == '/' && strcmp(type + n - k, suffix) == 0;
}

/* The part a relationship target names: absolute ("/xl/x.xml") or relative
   to dir (which ends with '/' or is ""), with "." and ".." resolved and
   %XX escapes decoded. Returns a malloc'd name, or NULL when out of memory. */
static char *resolve(const char *dir, const char *target)
{
    size_t dl = target[0] == '/' ? 0 : strlen(dir), tl = strlen(target);
    char *s = malloc(dl + tl + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, dir, dl);
    size_t n = dl;
    for (size_t i = 0; i < tl; i++) {
        char ch = target[i];
        int hi = i + 2 < tl ? hexval(target[i + 1]) : -1, lo = i + 2 < tl ? hexval(target[i + 2]) : -1;
        if (ch == '%' && hi >= 0 && lo >= 0 && (hi || lo)) {
            ch = (char)(hi * 16 + lo);
            i += 2;
        }
        s[n++] = ch;
    }
    s[n] = 0;
    /* Segments: drop empty and "." ones, ".." removes the one before. */
    size_t w = 0, r = 0;
    while (r < n) {
        while (r < n && s[r] == '/')
            r++;
        size_t b = r;
        while (r < n && s[r] != '/')
            r++;
        size_t len = r - b;
        if (len == 0 || (len == 1 && s[b] == '.'))
            continue;
        if (len == 2 && s[b] == '.' && s[b + 1] == '.') {
            while (w > 0 && s[w - 1] != '/')
                w--;
            if (w > 0)
                w--;
            continue;
        }
        if (w > 0)
            s[w++] = '/';
        memmove(s + w, s + b, len);
        w += len;
    }
    s[w] = 0;
    return s;
}

static int read_rels(struct xlsx_book *b, const char *part, struct rels_ctx *c, struct cx_err *e)
{
    memset(c, 0, sizeof *c);
    zip_int64_t idx = locate(b, part);
    if (idx < 0)
        return CX_OK;
    return parse_part(&c->x, b, idx, part, c, rels_start, on_end_pop, on_text_skip, e);
}

/* ---------------------------------------------------------------------- */
/* Workbook (xl/workbook.xml)                                              */

struct wb_ctx {
    struct xp x;
};

static int is_true(const char *v)
{
    return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    struct wb_ctx *c = ud;
    struct xlsx_book *b = c->x.b;
    if (c->x.rc)
        return;
    int t = xp_push(&c->x, name);
    if (t == T_WORKBOOKPR && xp_up(&c->x, 1) == T_WORKBOOK) {
        b->date1904 = is_true(att(a, "date1904"));
    } else if (t == T_SHEET && xp_up(&c->x, 1) == T_SHEETS) {
        const char *nm = att(a, "name"), *rid = att_ns(a, "id");
        if (nm == NULL || rid == NULL) {
            xp_fail(&c->x, CX_EIO, "sheet %zu has no %s", b->nsheets + 1, nm ? "r:id" : "name");
            return;
        }
        if (GROW(b->sheets, b->capsheets, b->nsheets + 1) != 0) {
            xp_fail(&c->x, CX_EINTERNAL, "sheets");
            return;
        }
        struct bsheet *s = &b->sheets[b->nsheets++];
        memset(s, 0, sizeof *s);
        s->name = dupn(nm, strlen(nm));
        s->rid = dupn(rid, strlen(rid));
        if (!s->name || !s->rid)
            xp_fail(&c->x, CX_EINTERNAL, "sheets");
    }
}

/* ---------------------------------------------------------------------- */
/* Styles (xl/styles.xml)                                                  */

/* 1 when a number format code shows a date or a time: it has d, m, y, h or
   s outside "quoted text", [brackets] (colours, locales, elapsed [h]) and
   characters escaped by \, _ (a space as wide as) or * (fill with). */
static int fmt_is_date(const char *f)
{
    for (const char *p = f; *p; p++) {
        switch (*p) {
        case '"':
            while (p[1] && p[1] != '"')
                p++;
            if (p[1])
                p++;
            break;
        case '[':
            while (p[1] && p[1] != ']')
                p++;
            if (p[1])
                p++;
            break;
        case '\\':
        case '_':
        case '*':
            if (p[1])
                p++;
            break;
        case 'd': case 'D': case 'm': case 'M': case 'y': case 'Y':
        case 'h': case 'H': case 's': case 'S':
            return 1;
        default:
            break;
        }
    }
    return 0;
}

/* Built-in formats that are dates or times (ECMA-376 Part 1, 18.8.30). */
static int builtin_is_date(unsigned long id)
{
    return (id >= 14 && id <= 22) || (id >= 45 && id <= 47);
}

struct fmt {
    unsigned long id;
    int date;
};

struct sty_ctx {
    struct xp x;
    struct fmt *f;          /* custom formats */
    size_t nf, capf;
    unsigned long *xf;      /* numFmtId of each cellXfs entry */
    size_t nxf, capxf;
};

static int parse_ulong(const char *s, unsigned long *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    unsigned long v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (ULONG_MAX - 9) / 10)
            return -1;
        v = v * 10 + (unsigned long)(*s - '0');
    }
    if (*s)
        return -1;
    *out = v;
    return 0;
}

static void XMLCALL sty_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    struct sty_ctx *c = ud;
    if (c->x.rc)
        return;
    int t = xp_push(&c->x, name);
    if (t == T_NUMFMT && xp_up(&c->x, 1) == T_NUMFMTS && xp_up(&c->x, 2) == T_STYLESHEET) {
        unsigned long id;
        const char *code = att(a, "formatCode");
        if (parse_ulong(att(a, "numFmtId"), &id) != 0 || code == NULL)
            return; /* a format we cannot use is not a date format */
        if (GROW(c->f, c->capf, c->nf + 1) != 0) {
            xp_fail(&c->x, CX_EINTERNAL, "number formats");
            return;
        }
        c->f[c->nf].id = id;
        c->f[c->nf].date = fmt_is_date(code);
        c->nf++;
    } else if (t == T_XF && xp_up(&c->x, 1) == T_CELLXFS && xp_up(&c->x, 2) == T_STYLESHEET) {
        unsigned long id;
        if (parse_ulong(att(a, "numFmtId"), &id) != 0)
            id = 0;
        if (GROW(c->xf, c->capxf, c->nxf + 1) != 0) {
            xp_fail(&c->x, CX_EINTERNAL, "cell formats");
            return;
        }
        c->xf[c->nxf++] = id;
    }
}

static int read_styles(struct xlsx_book *b, const char *part, struct cx_err *e)
{
    zip_int64_t idx = locate(b, part);
    if (idx < 0)
        return CX_OK; /* no styles: no dates, every number is a number */
    struct sty_ctx c;
    memset(&c, 0, sizeof c);
    int rc = parse_part(&c.x, b, idx, part, &c, sty_start, on_end_pop, on_text_skip, e);
    if (rc == CX_OK && c.nxf) {
        b->xfdate = malloc(c.nxf);
        if (b->xfdate == NULL) {
            rc = cx_nomem(e, "cell formats");
        } else {
            b->nxf = c.nxf;
            for (size_t i = 0; i < c.nxf; i++) {
                /* A custom format of the same id overrides the built-in one. */
                int date = builtin_is_date(c.xf[i]), custom = 0;
                for (size_t k = c.nf; k-- > 0 && !custom;)
                    if (c.f[k].id == c.xf[i]) {
                        date = c.f[k].date;
                        custom = 1;
                    }
                b->xfdate[i] = (unsigned char)date;
            }
        }
    }
    free(c.f);
    free(c.xf);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Cell text                                                               */

static size_t put_utf8(char *d, unsigned long u)
{
    if (u < 0x80) {
        d[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        d[0] = (char)(0xC0 | (u >> 6));
        d[1] = (char)(0x80 | (u & 0x3F));
        return 2;
    }
    if (u < 0x10000) {
        d[0] = (char)(0xE0 | (u >> 12));
        d[1] = (char)(0x80 | ((u >> 6) & 0x3F));
        d[2] = (char)(0x80 | (u & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | (u >> 18));
    d[1] = (char)(0x80 | ((u >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((u >> 6) & 0x3F));
    d[3] = (char)(0x80 | (u & 0x3F));
    return 4;
}

/* The UTF-16 unit of an escape _xHHHH_ at s[0..n), or -1. */
static long escape_at(const char *s, size_t n)
{
    if (n < 7 || s[0] != '_' || (s[1] != 'x' && s[1] != 'X') || s[6] != '_')
        return -1;
    long u = 0;
    for (int i = 2; i < 6; i++) {
        int d = hexval(s[i]);
        if (d < 0)
            return -1;
        u = u * 16 + d;
    }
    return u;
}

/* Decodes the _xHHHH_ escapes of OOXML strings (ST_Xstring: a UTF-16 unit
   each; "_x005F_" is a literal '_') in place, left to right; a surrogate
   pair written as two escapes is one character; a lone surrogate or
   _x0000_ becomes U+FFFD, so the text stays valid UTF-8 without NUL.
   Returns the new length (never longer: an escape is 7 bytes, its UTF-8 at
   most 4 for two of them). */
static size_t unescape(char *s, size_t n)
{
    if (memchr(s, '_', n) == NULL)
        return n;
    size_t r = 0, w = 0;
    while (r < n) {
        long u = s[r] == '_' ? escape_at(s + r, n - r) : -1;
        if (u < 0) {
            s[w++] = s[r++];
            continue;
        }
        r += 7;
        unsigned long cp = (unsigned long)u;
        if (u >= 0xD800 && u <= 0xDBFF) {
            long lo = escape_at(s + r, n - r);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + (((unsigned long)u - 0xD800) << 10) + ((unsigned long)lo - 0xDC00);
                r += 7;
            } else {
                cp = 0xFFFD;
            }
        } else if ((u >= 0xDC00 && u <= 0xDFFF) || u == 0) {
            cp = 0xFFFD;
        }
        w += put_utf8(s + w, cp);
    }
    return w;
}

/* Characters as Excel counts them: UTF-16 units. */
static size_t utf16_units(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        k += (c & 0xC0) != 0x80;
        k += c >= 0xF0;
    }
    return k;
}

static int xml_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Without xml:space="preserve", Excel drops the leading and trailing white
   space of a plain string's <t> (not of rich-text runs). Trims s[from..*n). */
static void trim_t(char *s, size_t from, size_t *n)
{
    size_t a = from, z = *n;
    while (a < z && xml_space((unsigned char)s[a]))
        a++;
    while (z > a && xml_space((unsigned char)s[z - 1]))
        z--;
    memmove(s + from, s + a, z - a);
    *n = from + (z - a);
}

/* ---------------------------------------------------------------------- */
/* Shared strings (xl/sharedStrings.xml)                                   */

struct sst_ctx {
    struct xp x;
    size_t start;           /* where the current string begins in b->sst */
    size_t tstart;          /* where the current <t> begins */
    int in_si, in_t, trim;
    size_t limit;           /* most strings the part's size allows */
};

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    struct sst_ctx *c = ud;
    struct xlsx_book *b = c->x.b;
    if (c->x.rc)
        return;
    int t = xp_push(&c->x, name);
    if (t == T_SI && xp_up(&c->x, 1) == T_SST) {
        if (b->nss >= c->limit) {
            xp_fail(&c->x, CX_EIO, "more strings than a part of this size can hold");
            return;
        }
        c->in_si = 1;
        c->start = b->sstlen;
    } else if (t == T_T && c->in_si) {
        enum tag up = xp_up(&c->x, 1);
        if (up == T_SI || (up == T_R && xp_up(&c->x, 2) == T_SI)) {
            const char *sp = att_ns(a, "space");
            c->in_t = 1;
            c->tstart = b->sstlen;
            c->trim = up == T_SI && !(sp && strcmp(sp, "preserve") == 0);
        }
    }
}

static void XMLCALL sst_text(void *ud, const XML_Char *s, int len)
{
    struct sst_ctx *c = ud;
    struct xlsx_book *b = c->x.b;
    xp_event(&c->x);
    if (c->x.rc || !c->in_t)
        return;
    if (b->sstlen - c->start + (size_t)len > MAX_CELL_RAW) {
        xp_fail(&c->x, CX_EIO, "string %zu is longer than %u characters", b->nss, XLSX_MAX_CELL_CHARS);
        return;
    }
    if (b->sstlen + (size_t)len + 1 > UINT32_MAX) {
        xp_fail(&c->x, CX_EIO, "more than 4 GiB of shared strings");
        return;
    }
    if (GROW(b->sst, b->sstcap, b->sstlen + (size_t)len + 1) != 0) {
        xp_fail(&c->x, CX_EINTERNAL, "shared strings");
        return;
    }
    memcpy(b->sst + b->sstlen, s, (size_t)len);
    b->sstlen += (size_t)len;
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
    struct sst_ctx *c = ud;
    struct xlsx_book *b = c->x.b;
    (void)name;
    enum tag t = xp_pop(&c->x);
    if (c->x.rc)
        return;
    if (t == T_T && c->in_t) {
        c->in_t = 0;
        if (c->trim && b->sst)
            trim_t(b->sst, c->tstart, &b->sstlen);
    } else if (t == T_SI && c->in_si && xp_up(&c->x, 0) == T_SST) {
        c->in_si = 0;
        size_t n = b->sst ? unescape(b->sst + c->start, b->sstlen - c->start) : 0;
        b->sstlen = c->start + n;
        if (n && utf16_units(b->sst + c->start, n) > XLSX_MAX_CELL_CHARS) {
            xp_fail(&c->x, CX_EIO, "string %zu is longer than %u characters", b->nss, XLSX_MAX_CELL_CHARS);
            return;
        }
        if (GROW(b->sst, b->sstcap, b->sstlen + 1) != 0 ||
            GROW(b->ssoff, b->capss, b->nss + 2) != 0) {
            xp_fail(&c->x, CX_EINTERNAL, "shared strings");
            return;
        }
        b->sst[b->sstlen++] = 0;
        b->ssoff[b->nss] = (uint32_t)c->start;
        b->ssoff[++b->nss] = (uint32_t)b->sstlen;
    }
}

static int read_sst(struct xlsx_book *b, const char *part, struct cx_err *e)
{
    zip_int64_t idx = locate(b, part);
    if (idx < 0)
        return CX_OK;
    struct sst_ctx c;
    memset(&c, 0, sizeof c);
    zip_stat_t zs;
    zip_stat_init(&zs);
    /* Each <si/> takes at least 5 bytes of XML; the count attributes are
       not trusted for anything. */
    c.limit = zip_stat_index(b->z, (zip_uint64_t)idx, 0, &zs) == 0 && (zs.valid & ZIP_STAT_SIZE)
                  ? (size_t)(zs.size / 5 + 1)
                  : SIZE_MAX;
    if (c.limit > UINT32_MAX - 2)
        c.limit = UINT32_MAX - 2;
    return parse_part(&c.x, b, idx, part, &c, sst_start, sst_end, sst_text, e);
}

/* ---------------------------------------------------------------------- */
/* Opening                                                                 */

/* What the first bytes of a file that is not a zip look like. */
static const char *not_zip_kind(const unsigned char *m, size_t n)
{
    static const unsigned char ole[8] = { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 };
    if (n == 0)
        return "an empty file";
    if (n >= 8 && memcmp(m, ole, 8) == 0)
        return "an OLE2 compound file: an Excel 97-2003 workbook (.xls) or a password-protected "
               ".xlsx; save it as an unprotected .xlsx";
    if (n >= 2 && m[0] == 0x1F && m[1] == 0x8B)
        return "a gzip file; decompress it first";
    if (n >= 5 && memcmp(m, "%PDF-", 5) == 0)
        return "a PDF document";
    if (n >= 2 && ((m[0] == 0xFF && m[1] == 0xFE) || (m[0] == 0xFE && m[1] == 0xFF)))
        return "UTF-16 text";
    return "not a zip archive";
}

static int is_zip_magic(const unsigned char *m, size_t n)
{
    return n >= 4 && m[0] == 'P' && m[1] == 'K' &&
           ((m[2] == 3 && m[3] == 4) || (m[2] == 5 && m[3] == 6) || (m[2] == 7 && m[3] == 8));
}

/* A zip without a workbook: says what it holds instead. */
static int not_a_workbook(struct xlsx_book *b, const char *wbpart, struct cx_err *e)
{
    const char *kind = "a zip archive without xl/workbook.xml";
    size_t wl = strlen(wbpart);
    if ((wl > 4 && strcasecmp(wbpart + wl - 4, ".bin") == 0) || locate(b, "xl/workbook.bin") >= 0)
        kind = "a binary workbook (.xlsb); save it as .xlsx";
    else if (locate(b, "mimetype") >= 0 && locate(b, "content.xml") >= 0)
        kind = "an OpenDocument file (.ods); save it as .xlsx";
    else if (locate(b, "word/document.xml") >= 0)
        kind = "a Word document (.docx)";
    else if (locate(b, "ppt/presentation.xml") >= 0)
        kind = "a PowerPoint presentation (.pptx)";
    return cx_fail(e, CX_EIO, "%s: not an Excel workbook (.xlsx): %s", b->name, kind);
}

/* Reads the structure once the zip is open. */
static int read_book(struct xlsx_book *b, struct cx_err *e)
{
    struct rels_ctx root, wr;
    char *wbpart = NULL, *relpart = NULL, *sstpart = NULL, *stypart = NULL;
    int rc = read_rels(b, "_rels/.rels", &root, e);
    memset(&wr, 0, sizeof wr);
    if (rc != CX_OK)
        goto done;
    for (size_t i = 0; i < root.n && !wbpart; i++)
        if (type_is(root.r[i].type, "officeDocument") && (wbpart = resolve("", root.r[i].target)) == NULL) {
            rc = cx_nomem(e, "part name");
            goto done;
        }
    if (wbpart == NULL && (wbpart = dupn("xl/workbook.xml", 15)) == NULL) {
        rc = cx_nomem(e, "part name");
        goto done;
    }
    zip_int64_t wbidx = locate(b, wbpart);
    size_t wl = strlen(wbpart);
    if (wbidx < 0 || (wl > 4 && strcasecmp(wbpart + wl - 4, ".bin") == 0)) {
        rc = not_a_workbook(b, wbpart, e);
        goto done;
    }
    /* The workbook's folder ("xl/"), and its relationships beside it. */
    const char *slash = strrchr(wbpart, '/');
    size_t dl = slash ? (size_t)(slash - wbpart) + 1 : 0;
    char dir[512];
    if (dl >= sizeof dir) {
        rc = cx_fail(e, CX_EIO, "%s: workbook part name too long", b->name);
        goto done;
    }
    memcpy(dir, wbpart, dl);
    dir[dl] = 0;
    relpart = malloc(dl + strlen(wbpart + dl) + 12);
    if (relpart == NULL) {
        rc = cx_nomem(e, "part name");
        goto done;
    }
    sprintf(relpart, "%s_rels/%s.rels", dir, wbpart + dl);

    struct wb_ctx wc;
    memset(&wc, 0, sizeof wc);
    if ((rc = parse_part(&wc.x, b, wbidx, wbpart, &wc, wb_start, on_end_pop, on_text_skip, e)) != CX_OK)
        goto done;
    if ((rc = read_rels(b, relpart, &wr, e)) != CX_OK)
        goto done;
    for (size_t i = 0; i < wr.n; i++) {
        char **slot = type_is(wr.r[i].type, "sharedStrings") ? &sstpart
                      : type_is(wr.r[i].type, "styles")      ? &stypart
                                                             : NULL;
        if (slot && *slot == NULL && (*slot = resolve(dir, wr.r[i].target)) == NULL) {
            rc = cx_nomem(e, "part name");
            goto done;
        }
    }
    for (size_t k = 0; k < b->nsheets; k++) {
        struct bsheet *s = &b->sheets[k];
        for (size_t i = 0; i < wr.n && !s->part; i++) {
            if (strcmp(wr.r[i].id, s->rid) != 0)
                continue;
            s->worksheet = type_is(wr.r[i].type, "worksheet");
            if ((s->part = resolve(dir, wr.r[i].target)) == NULL) {
                rc = cx_nomem(e, "part name");
                goto done;
            }
        }
    }
    /* Without relationships for them, the parts' usual names. */
    if ((!sstpart && !(sstpart = resolve(dir, "sharedStrings.xml"))) ||
        (!stypart && !(stypart = resolve(dir, "styles.xml")))) {
        rc = cx_nomem(e, "part name");
        goto done;
    }
    if ((rc = read_styles(b, stypart, e)) != CX_OK)
        goto done;
    rc = read_sst(b, sstpart, e);
done:
    rels_free(&root);
    rels_free(&wr);
    free(wbpart);
    free(relpart);
    free(sstpart);
    free(stypart);
    return rc;
}

static int zip_failed(struct xlsx_book *b, int code, struct cx_err *e)
{
    if (code == ZIP_ER_MEMORY)
        return cx_nomem(e, "zip directory");
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    int rc = cx_fail(e, CX_EIO, "%s: not an Excel workbook (.xlsx): %s%s", b->name,
                     code == ZIP_ER_NOZIP ? "" : "damaged zip archive: ", zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return rc;
}

static struct xlsx_book *book_new(const char *name, struct cx_err *e)
{
    struct xlsx_book *b = calloc(1, sizeof *b);
    if (b == NULL || (b->name = dupn(name, strlen(name))) == NULL) {
        free(b);
        cx_nomem(e, "workbook");
        return NULL;
    }
    return b;
}

static int book_finish(struct xlsx_book **out, struct xlsx_book *b, struct cx_err *e)
{
    int rc = read_book(b, e);
    if (rc != CX_OK) {
        xlsx_close(b);
        return rc;
    }
    *out = b;
    return CX_OK;
}

int xlsx_open(struct xlsx_book **out, const char *path, struct cx_err *e)
{
    *out = NULL;
    struct xlsx_book *b = book_new(path, e);
    if (b == NULL)
        return CX_EINTERNAL;
    unsigned char m[8];
    size_t n = 0;
    FILE *f = fopen(path, "rb");
    if (f) {
        n = fread(m, 1, sizeof m, f);
        if (ferror(f)) {
            int err = errno;
            fclose(f);
            xlsx_close(b);
            return cx_fail(e, CX_EIO, "%s: cannot read: %s", path, strerror(err));
        }
        fclose(f);
    } else {
        int err = errno;
        xlsx_close(b);
        return cx_fail(e, CX_EIO, "%s: cannot open: %s", path, strerror(err));
    }
    if (!is_zip_magic(m, n)) {
        int rc = cx_fail(e, CX_EIO, "%s: not an Excel workbook (.xlsx): %s", path, not_zip_kind(m, n));
        xlsx_close(b);
        return rc;
    }
    int code = 0;
    b->z = zip_open(path, ZIP_RDONLY, &code);
    if (b->z == NULL) {
        int rc = zip_failed(b, code, e);
        xlsx_close(b);
        return rc;
    }
    return book_finish(out, b, e);
}

int xlsx_open_buffer(struct xlsx_book **out, const void *data, size_t size, const char *name, struct cx_err *e)
{
    *out = NULL;
    struct xlsx_book *b = book_new(name, e);
    if (b == NULL)
        return CX_EINTERNAL;
    if (!is_zip_magic(data, size)) {
        int rc = cx_fail(e, CX_EIO, "%s: not an Excel workbook (.xlsx): %s", name,
                         not_zip_kind(data, size < 8 ? size : 8));
        xlsx_close(b);
        return rc;
    }
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, size, 0, &ze);
    if (src)
        b->z = zip_open_from_source(src, ZIP_RDONLY, &ze);
    if (b->z == NULL) {
        int code = zip_error_code_zip(&ze);
        zip_error_fini(&ze);
        if (src)
            zip_source_free(src);
        int rc = zip_failed(b, src ? code : ZIP_ER_MEMORY, e);
        xlsx_close(b);
        return rc;
    }
    zip_error_fini(&ze);
    return book_finish(out, b, e);
}

void xlsx_close(struct xlsx_book *b)
{
    if (b == NULL)
        return;
    if (b->z)
        zip_discard(b->z);
    for (size_t i = 0; i < b->nsheets; i++) {
        free(b->sheets[i].name);
        free(b->sheets[i].rid);
        free(b->sheets[i].part);
    }
    free(b->sheets);
    free(b->ssoff);
    free(b->sst);
    free(b->xfdate);
    free(b->name);
    free(b);
}

size_t xlsx_sheet_count(const struct xlsx_book *b)
{
    return b->nsheets;
}

const char *xlsx_sheet_name(const struct xlsx_book *b, size_t i)
{
    return i < b->nsheets ? b->sheets[i].name : NULL;
}

int xlsx_sheet_is_worksheet(const struct xlsx_book *b, size_t i)
{
    return i < b->nsheets && b->sheets[i].worksheet;
}

int xlsx_date1904(const struct xlsx_book *b)
{
    return b->date1904;
}

/* "'Data' (1), 'Notes' (2)", cut to fit. */
static void list_sheets(const struct xlsx_book *b, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = 0;
    for (size_t i = 0; i < b->nsheets && n + 8 < cap; i++) {
        int w = snprintf(buf + n, cap - n, "%s'%s' (%zu%s)", i ? ", " : "", b->sheets[i].name, i + 1,
                         b->sheets[i].worksheet ? "" : ", not a worksheet");
        if (w < 0 || (size_t)w >= cap - n) {
            snprintf(buf + (n < cap - 4 ? n : cap - 4), 4, "...");
            return;
        }
        n += (size_t)w;
    }
}

int xlsx_sheet_find(const struct xlsx_book *b, const char *spec, size_t *index, struct cx_err *e)
{
    char list[640];
    list_sheets(b, list, sizeof list);
    if (spec == NULL || spec[0] == 0) {
        for (size_t i = 0; i < b->nsheets; i++)
            if (b->sheets[i].worksheet) {
                *index = i;
                return CX_OK;
            }
        return cx_fail(e, CX_EIO, "%s: the workbook has no worksheet (sheets: %s)", b->name,
                       b->nsheets ? list : "none");
    }
    size_t found = SIZE_MAX;
    for (size_t i = 0; i < b->nsheets && found == SIZE_MAX; i++)
        if (strcmp(b->sheets[i].name, spec) == 0)
            found = i;
    for (size_t i = 0; i < b->nsheets && found == SIZE_MAX; i++)
        if (strcasecmp(b->sheets[i].name, spec) == 0)
            found = i;
    unsigned long k;
    if (found == SIZE_MAX && parse_ulong(spec, &k) == 0 && k >= 1 && k <= b->nsheets)
        found = k - 1;
    if (found == SIZE_MAX)
        return cx_fail(e, CX_EIO, "%s: no sheet '%s'; the sheets are %s (give a name or a number from 1 to %zu)",
                       b->name, spec, b->nsheets ? list : "none", b->nsheets);
    if (!b->sheets[found].worksheet)
        return cx_fail(e, CX_EIO, "%s: sheet '%s' is not a worksheet (a chart, dialog or macro sheet); sheets: %s",
                       b->name, b->sheets[found].name, list);
    *index = found;
    return CX_OK;
}

/* ---------------------------------------------------------------------- */
/* Sheets                                                                  */

enum ctype { C_N, C_S, C_STR, C_INL, C_B, C_E, C_D };

struct xlsx_sheet {
    struct xp x;            /* first: expat's user data is the sheet */
    size_t index;           /* in the book */
    int in_data;            /* inside <sheetData> */
    uint32_t prev_row;      /* number of the row before, 0 at the start */
    int row_has_r;          /* the current <row> had an r attribute */
    uint32_t next_col;      /* the least column the next cell may take */
    /* The cell being read. */
    uint32_t col;
    enum ctype ctype;
    unsigned long style;
    int has_v;              /* a <v> was seen */
    int in_text;            /* collecting text (<v>, or <t> of <is>) */
    size_t tlen;            /* bytes collected, at arena + alen */
    size_t tstart;          /* where the current <t> begins in that text */
    int trim;               /* trim the current <t> */
    /* The row being built: cells by column, their text in the arena. */
    struct xlsx_cell *cells;
    size_t *soff;           /* offset in the arena of a cell's own text, or SIZE_MAX */
    size_t capcells;
    char *arena;
    size_t alen, acap;
    struct xlsx_row row;
    int ready;              /* a row is complete (the parser is suspended) */
    int ended;              /* the sheet is read to its end */
    struct cx_err err;      /* the first failure, given again by later calls */
};

/* "C5" for messages. */
static void cell_ref(uint32_t col, uint32_t row, char *buf)
{
    char l[4];
    int n = 0;
    for (uint32_t c = col + 1; c > 0 && n < 3; c = (c - 1) / 26)
        l[n++] = (char)('A' + (c - 1) % 26);
    int k = 0;
    while (n > 0)
        buf[k++] = l[--n];
    sprintf(buf + k, "%lu", (unsigned long)row);
}

static int sh_fail(struct xlsx_sheet *s, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A failure at the current row and cell. */
static int sh_fail(struct xlsx_sheet *s, int status, const char *fmt, ...)
{
    char msg[600], ref[24];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (status == CX_EINTERNAL)
        return xp_fail(&s->x, status, "%s", msg);
    cell_ref(s->col, s->row.number, ref);
    return xp_fail(&s->x, status, "row %lu, cell %s: %s", (unsigned long)s->row.number, ref, msg);
}

static int parse_u32(const char *p, const char **end, uint32_t *out)
{
    uint64_t v = 0;
    const char *s = p;
    while (*s >= '0' && *s <= '9' && v <= UINT32_MAX)
        v = v * 10 + (uint64_t)(*s++ - '0');
    if (s == p || v > UINT32_MAX)
        return -1;
    *end = s;
    *out = (uint32_t)v;
    return 0;
}

static void row_begin(struct xlsx_sheet *s, const XML_Char **a)
{
    for (uint32_t i = 0; i < s->row.ncells; i++) {
        s->cells[i].type = XLSX_EMPTY;
        s->cells[i].len = 0;
        s->cells[i].num = 0;
        s->cells[i].str = NULL;
        s->soff[i] = SIZE_MAX;
    }
    s->row.ncells = 0;
    s->row.nonempty = 0;
    s->alen = 0;
    s->tlen = 0;
    s->in_text = 0;
    s->next_col = 0;
    s->col = 0;
    const char *r = att(a, "r"), *end;
    uint32_t n = s->prev_row + 1;
    s->row_has_r = r != NULL;
    s->row.number = n;
    if (r && (parse_u32(r, &end, &n) != 0 || *end || n == 0)) {
        xp_fail(&s->x, CX_EIO, "after row %lu: row number '%.40s' is not a number from 1 to %u",
                (unsigned long)s->prev_row, r, XLSX_MAX_ROWS);
        return;
    }
    s->row.number = n;
    if (n > XLSX_MAX_ROWS)
        xp_fail(&s->x, CX_EIO, "row %lu: past Excel's last row (%u)", (unsigned long)n, XLSX_MAX_ROWS);
    else if (n <= s->prev_row)
        xp_fail(&s->x, CX_EIO, "row %lu comes after row %lu (rows must be in increasing order)", (unsigned long)n,
                (unsigned long)s->prev_row);
}

static void cell_begin(struct xlsx_sheet *s, const XML_Char **a)
{
    const char *r = att(a, "r"), *t = att(a, "t"), *st = att(a, "s");
    uint32_t col = s->next_col;
    if (r) {
        const char *p = r;
        uint32_t c = 0;
        int letters = 0;
        for (; letters < 4 && ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')); p++, letters++)
            c = c * 26 + (uint32_t)((*p | 0x20) - 'a' + 1);
        uint32_t rn = 0;
        const char *end = p;
        if (letters == 0 || c > XLSX_MAX_COLS || (*p && (parse_u32(p, &end, &rn) != 0 || *end))) {
            s->col = col;
            if (letters > 0 && c > XLSX_MAX_COLS && (*p == 0 || (*p >= '0' && *p <= '9')))
                sh_fail(s, CX_EIO, "reference '%.20s' is past Excel's last column (XFD, %u)", r, XLSX_MAX_COLS);
            else
                sh_fail(s, CX_EIO, "bad cell reference '%.20s'", r);
            return;
        }
        col = c - 1;
        if (*p) {
            if (!s->row_has_r && s->row.ncells == 0 && rn > s->prev_row && rn <= XLSX_MAX_ROWS) {
                s->row.number = rn; /* a row without r takes its cells' */
            } else if (rn != s->row.number) {
                s->col = col;
                sh_fail(s, CX_EIO, "cell reference '%.20s' is not in row %lu", r, (unsigned long)s->row.number);
                return;
            }
        }
    }
    s->col = col;
    if (col >= XLSX_MAX_COLS) {
        sh_fail(s, CX_EIO, "more than %u columns", XLSX_MAX_COLS);
        return;
    }
    if (col < s->next_col) {
        sh_fail(s, CX_EIO, "cell given twice, or after a cell to its right");
        return;
    }
    s->next_col = col + 1;
    if (t == NULL || strcmp(t, "n") == 0)
        s->ctype = C_N;
    else if (strcmp(t, "s") == 0)
        s->ctype = C_S;
    else if (strcmp(t, "str") == 0)
        s->ctype = C_STR;
    else if (strcmp(t, "inlineStr") == 0)
        s->ctype = C_INL;
    else if (strcmp(t, "b") == 0)
        s->ctype = C_B;
    else if (strcmp(t, "e") == 0)
        s->ctype = C_E;
    else if (strcmp(t, "d") == 0)
        s->ctype = C_D;
    else {
        sh_fail(s, CX_EIO, "unknown cell type t=\"%.20s\"", t);
        return;
    }
    s->style = 0;
    if (st && parse_ulong(st, &s->style) != 0) {
        sh_fail(s, CX_EIO, "bad style index s=\"%.20s\"", st);
        return;
    }
    s->has_v = 0;
    s->tlen = 0;
    s->in_text = 0;
    if (col >= s->capcells) {
        size_t cap = s->capcells, cap2 = s->capcells;
        if (GROW(s->cells, cap, (size_t)col + 1) != 0 || GROW(s->soff, cap2, cap) != 0) {
            sh_fail(s, CX_EINTERNAL, "row cells");
            return;
        }
        for (size_t i = s->capcells; i < cap; i++) {
            memset(&s->cells[i], 0, sizeof s->cells[i]);
            s->soff[i] = SIZE_MAX;
        }
        s->capcells = cap < cap2 ? cap : cap2;
    }
}

static void XMLCALL sh_text(void *ud, const XML_Char *t, int len)
{
    struct xlsx_sheet *s = ud;
    xp_event(&s->x);
    if (s->x.rc || !s->in_text)
        return;
    size_t n = (size_t)len;
    if (s->tlen + n > MAX_CELL_RAW) {
        sh_fail(s, CX_EIO, "text longer than %u characters (Excel's limit)", XLSX_MAX_CELL_CHARS);
        return;
    }
    if (s->alen + s->tlen + n + 1 > MAX_ROW_TEXT) {
        sh_fail(s, CX_EIO, "more than %zu MiB of text in one row", MAX_ROW_TEXT >> 20);
        return;
    }
    if (GROW(s->arena, s->acap, s->alen + s->tlen + n + 1) != 0) {
        sh_fail(s, CX_EINTERNAL, "row text");
        return;
    }
    memcpy(s->arena + s->alen + s->tlen, t, n);
    s->tlen += n;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
   days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Serials of 1970-01-01 in the two systems; 1900-03-01 is serial 61. */
#define EPOCH_1900 25569
#define EPOCH_1904 24107

int xlsx_serial_to_day(double serial, int date1904, int32_t *day, int32_t *secs)
{
    static const double last_day = 2932896; /* 9999-12-31, days since 1970 */
    if (!(serial >= 0) || serial >= 4e6)
        return -1;
    double whole = floor(serial);
    long sec = lround((serial - whole) * 86400.0);
    int64_t s = (int64_t)whole, d;
    if (sec >= 86400) {
        sec -= 86400;
        s++;
    }
    if (date1904)
        d = s - EPOCH_1904;
    else if (s == 60)
        return -1; /* 1900-02-29, which Excel counts but never was */
    else
        d = s < 60 ? s - (EPOCH_1900 - 1) : s - EPOCH_1900;
    if ((double)d > last_day)
        return -1;
    *day = (int32_t)d;
    if (secs)
        *secs = (int32_t)sec;
    return 0;
}

/* The serial of a date given as days since 1970 and seconds. */
static double day_to_serial(int64_t day, long secs, int date1904)
{
    double s;
    if (date1904)
        s = (double)(day + EPOCH_1904);
    else
        s = (double)(day >= 61 - EPOCH_1900 ? day + EPOCH_1900 : day + EPOCH_1900 - 1);
    return s + (double)secs / 86400.0;
}

static int digits(const char *p, int n, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        *v = *v * 10 + (unsigned)(p[i] - '0');
    }
    return 0;
}

/* A t="d" cell: ISO 8601 YYYY-MM-DD[THH:MM[:SS[.fff]]][Z or offset, ignored].
   Returns 0 and the serial, or -1. */
static int iso_serial(const char *p, size_t n, int date1904, double *out)
{
    unsigned y, m, d, hh = 0, mm = 0, ss = 0;
    if (n < 10 || digits(p, 4, &y) || p[4] != '-' || digits(p + 5, 2, &m) || p[7] != '-' || digits(p + 8, 2, &d))
        return -1;
    static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return -1;
    size_t i = 10;
    if (i < n && (p[i] == 'T' || p[i] == ' ')) {
        if (n < i + 6 || digits(p + i + 1, 2, &hh) || p[i + 3] != ':' || digits(p + i + 4, 2, &mm))
            return -1;
        i += 6;
        if (i < n && p[i] == ':') {
            if (n < i + 3 || digits(p + i + 1, 2, &ss))
                return -1;
            i += 3;
            if (i < n && p[i] == '.')
                for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
                    ;
        }
        if (hh > 23 || mm > 59 || ss > 59)
            return -1;
    }
    if (i < n && p[i] != 'Z' && p[i] != '+' && p[i] != '-')
        return -1;
    int64_t day = days_from_civil(y, m, d);
    double serial = day_to_serial(day, (long)(hh * 3600 + mm * 60 + ss), date1904);
    if (serial < 0)
        return -1;
    *out = serial;
    return 0;
}

/* Keeps the collected text as the cell's own (in the arena). */
static void keep_text(struct xlsx_sheet *s, struct xlsx_cell *c, enum xlsx_type type)
{
    if (s->tlen == 0)
        return; /* an empty string is an empty cell */
    char *t = s->arena + s->alen;
    size_t n = unescape(t, s->tlen);
    if (utf16_units(t, n) > XLSX_MAX_CELL_CHARS) {
        sh_fail(s, CX_EIO, "text longer than %u characters (Excel's limit)", XLSX_MAX_CELL_CHARS);
        return;
    }
    t[n] = 0;
    c->type = type;
    c->len = (uint32_t)n;
    s->soff[s->col] = s->alen;
    s->alen += n + 1;
}

static void cell_end(struct xlsx_sheet *s)
{
    struct xlsx_cell *c = &s->cells[s->col];
    const struct xlsx_book *b = s->x.b;
    const char *t = s->arena ? s->arena + s->alen : "";
    size_t n = s->tlen;
    s->in_text = 0;
    switch (s->ctype) {
    case C_N:
        if (n == 0)
            break;
        if (field_number(t, n, FIELD_EN, &c->num) != 0) {
            sh_fail(s, CX_EIO, "'%.*s' is not a number", n > 40 ? 40 : (int)n, t);
            return;
        }
        c->type = s->style < b->nxf && b->xfdate[s->style] ? XLSX_DATE : XLSX_NUMBER;
        break;
    case C_S: {
        if (n == 0)
            break;
        unsigned long k;
        char buf[24];
        if (n >= sizeof buf) {
            k = ULONG_MAX;
        } else {
            memcpy(buf, t, n);
            buf[n] = 0;
            if (parse_ulong(buf, &k) != 0)
                k = ULONG_MAX;
        }
        if (k >= b->nss) {
            sh_fail(s, CX_EIO, "shared string '%.*s' out of range (the workbook has %zu)", n > 24 ? 24 : (int)n,
                    t, b->nss);
            return;
        }
        uint32_t len = b->ssoff[k + 1] - b->ssoff[k] - 1;
        if (len > 0) {
            c->type = XLSX_STRING;
            c->str = b->sst + b->ssoff[k];
            c->len = len;
        }
        break;
    }
    case C_STR:
    case C_INL:
        keep_text(s, c, XLSX_STRING);
        break;
    case C_E:
        keep_text(s, c, XLSX_ERROR);
        break;
    case C_B:
        if (n == 0)
            break;
        if ((n == 1 && (t[0] == '0' || t[0] == '1')) || (n == 4 && memcmp(t, "true", 4) == 0) ||
            (n == 5 && memcmp(t, "false", 5) == 0)) {
            c->type = XLSX_BOOL;
            c->num = t[0] == '1' || t[0] == 't';
        } else {
            sh_fail(s, CX_EIO, "'%.*s' is not a boolean (0 or 1)", n > 20 ? 20 : (int)n, t);
            return;
        }
        break;
    case C_D:
        if (n == 0)
            break;
        if (iso_serial(t, n, b->date1904, &c->num) != 0) {
            sh_fail(s, CX_EIO, "'%.*s' is not an ISO 8601 date", n > 40 ? 40 : (int)n, t);
            return;
        }
        c->type = XLSX_DATE;
        break;
    }
    if (s->col + 1 > s->row.ncells)
        s->row.ncells = s->col + 1;
    s->row.nonempty += c->type != XLSX_EMPTY;
    s->tlen = 0;
}

/* 1 when the element k levels up is a <c> of a <row> of <sheetData>. */
static int is_cell(const struct xp *x, unsigned k)
{
    return xp_up(x, k) == T_C && xp_up(x, k + 1) == T_ROW && xp_up(x, k + 2) == T_SHEETDATA;
}

static void XMLCALL sh_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    struct xlsx_sheet *s = ud;
    if (s->x.rc)
        return;
    int t = xp_push(&s->x, name);
    if (t < 0 || !s->in_data) {
        if (t == T_SHEETDATA && xp_up(&s->x, 1) == T_WORKSHEET && s->x.depth == 2)
            s->in_data = 1;
        return;
    }
    enum tag up = xp_up(&s->x, 1);
    switch (t) {
    case T_ROW:
        if (up == T_SHEETDATA)
            row_begin(s, a);
        break;
    case T_C:
        if (up == T_ROW && xp_up(&s->x, 2) == T_SHEETDATA)
            cell_begin(s, a);
        break;
    case T_V:
        if (is_cell(&s->x, 1) && s->ctype != C_INL) {
            s->in_text = 1;
            s->has_v = 1;
            s->tlen = 0; /* a second <v> replaces the first */
        }
        break;
    case T_T:
        if (s->ctype == C_INL && ((up == T_IS && is_cell(&s->x, 2)) ||
                                  (up == T_R && xp_up(&s->x, 2) == T_IS && is_cell(&s->x, 3)))) {
            const char *sp = att_ns(a, "space");
            s->in_text = 1;
            s->tstart = s->tlen;
            s->trim = up == T_IS && !(sp && strcmp(sp, "preserve") == 0);
        }
        break;
    default:
        break;
    }
}

static void row_end(struct xlsx_sheet *s)
{
    for (uint32_t i = 0; i < s->row.ncells; i++)
        if (s->soff[i] != SIZE_MAX)
            s->cells[i].str = s->arena + s->soff[i];
    s->row.cells = s->cells;
    s->row.date1904 = s->x.b->date1904;
    s->prev_row = s->row.number;
    s->ready = 1;
    XML_StopParser(s->x.p, XML_TRUE);
}

static void XMLCALL sh_end(void *ud, const XML_Char *name)
{
    struct xlsx_sheet *s = ud;
    (void)name;
    enum tag t = xp_pop(&s->x);
    if (s->x.rc || !s->in_data)
        return;
    enum tag up = xp_up(&s->x, 0);
    switch (t) {
    case T_V:
    case T_T:
        if (!s->in_text)
            break;
        s->in_text = 0; /* only the <v> or <t> that set it can be open here */
        if (t == T_T && s->trim && s->arena) {
            size_t n = s->tlen;
            trim_t(s->arena + s->alen, s->tstart, &n);
            s->tlen = n;
        }
        break;
    case T_C:
        if (up == T_ROW && xp_up(&s->x, 1) == T_SHEETDATA)
            cell_end(s);
        break;
    case T_ROW:
        if (up == T_SHEETDATA)
            row_end(s);
        break;
    case T_SHEETDATA:
        if (up == T_WORKSHEET)
            s->in_data = 0;
        break;
    default:
        break;
    }
}

int xlsx_sheet_open(struct xlsx_book *b, size_t index, struct xlsx_sheet **out, struct cx_err *e)
{
    *out = NULL;
    if (index >= b->nsheets)
        return cx_fail(e, CX_EIO, "%s: no sheet %zu (the workbook has %zu)", b->name, index + 1, b->nsheets);
    const struct bsheet *bs = &b->sheets[index];
    if (!bs->worksheet || bs->part == NULL)
        return cx_fail(e, CX_EIO, "%s: sheet '%s' %s", b->name, bs->name,
                       bs->part ? "is not a worksheet (a chart, dialog or macro sheet)"
                                : "has no part in the workbook's relationships");
    zip_int64_t idx = locate(b, bs->part);
    if (idx < 0)
        return cx_fail(e, CX_EIO, "%s: sheet '%s': its part %s is missing from the zip", b->name, bs->name,
                       bs->part);
    struct xlsx_sheet *s = calloc(1, sizeof *s);
    if (s == NULL)
        return cx_nomem(e, "sheet");
    s->index = index;
    snprintf(s->x.where, sizeof s->x.where, "sheet '%s' (%s)", bs->name, bs->part);
    int rc = xp_open(&s->x, b, idx, s, sh_start, sh_end, sh_text, &s->err);
    if (rc != CX_OK) {
        cx_fail(e, rc, "%s", s->err.msg);
        xlsx_sheet_close(s);
        return rc;
    }
    *out = s;
    return CX_OK;
}

void xlsx_sheet_close(struct xlsx_sheet *s)
{
    if (s == NULL)
        return;
    xp_close(&s->x);
    free(s->cells);
    free(s->soff);
    free(s->arena);
    free(s);
}

int xlsx_sheet_next(struct xlsx_sheet *s, const struct xlsx_row **row, struct cx_err *e)
{
    *row = NULL;
    if (s->err.status != CX_OK)
        return cx_fail(e, s->err.status, "%s", s->err.msg);
    if (s->ended)
        return CX_OK;
    s->ready = 0;
    int rc = xp_run(&s->x);
    if (rc != CX_OK) {
        if (s->err.status == CX_OK)
            cx_fail(&s->err, rc, "%s: %s: failed", s->x.b->name, s->x.where);
        return cx_fail(e, s->err.status, "%s", s->err.msg);
    }
    if (s->ready) {
        *row = &s->row;
        return CX_OK;
    }
    s->ended = 1;
    return CX_OK;
}

uint64_t xlsx_sheet_bytes(const struct xlsx_sheet *s)
{
    return s->x.fed;
}

const char *xlsx_sheet_title(const struct xlsx_sheet *s)
{
    return s->x.b->sheets[s->index].name;
}

/* ---------------------------------------------------------------------- */
/* Text forms                                                              */

/* The shortest of %.15g, %.16g, %.17g that reads back as v. */
static size_t number_text(double v, char *buf)
{
    if (v == 0) {
        memcpy(buf, "0", 2);
        return 1;
    }
    /* Integers below 2^53 (most cells: ids, quantities, whole amounts)
       are their digits; printf would cost a tenth of the whole read. */
    if (fabs(v) < 9007199254740992.0 && v == floor(v)) {
        uint64_t u = (uint64_t)fabs(v);
        char d[20];
        size_t k = 0, n = 0;
        do
            d[k++] = (char)('0' + u % 10);
        while ((u /= 10) > 0);
        if (v < 0)
            buf[n++] = '-';
        while (k > 0)
            buf[n++] = d[--k];
        buf[n] = 0;
        return n;
    }
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, XLSX_TEXT_BUF, "%.*g", prec, v);
        double back;
        if (prec == 17 || (field_number(buf, (size_t)n, FIELD_EN, &back) == 0 && back == v))
            break;
    }
    return (size_t)n;
}

static size_t date_text(double serial, int date1904, char *buf)
{
    int32_t day, secs;
    if (xlsx_serial_to_day(serial, date1904, &day, &secs) != 0)
        return number_text(serial, buf);
    int h = secs / 3600, m = secs / 60 % 60, sc = secs % 60;
    if (!date1904 && serial < 1 && day == -(EPOCH_1900 - 1))
        return (size_t)snprintf(buf, XLSX_TEXT_BUF, "%02d:%02d:%02d", h, m, sc);
    int64_t y;
    unsigned mo, d;
    civil_from_days(day, &y, &mo, &d);
    if (secs == 0)
        return (size_t)snprintf(buf, XLSX_TEXT_BUF, "%04d-%02u-%02u", (int)y, mo, d);
    return (size_t)snprintf(buf, XLSX_TEXT_BUF, "%04d-%02u-%02u %02d:%02d:%02d", (int)y, mo, d, h, m, sc);
}

const char *xlsx_text(const struct xlsx_row *row, uint32_t col, char buf[XLSX_TEXT_BUF], size_t *len)
{
    size_t n = 0;
    const char *t = "";
    if (col < row->ncells) {
        const struct xlsx_cell *c = &row->cells[col];
        switch (c->type) {
        case XLSX_EMPTY:
            break;
        case XLSX_NUMBER:
            n = number_text(c->num, buf);
            t = buf;
            break;
        case XLSX_DATE:
            n = date_text(c->num, row->date1904, buf);
            t = buf;
            break;
        case XLSX_BOOL:
            t = c->num != 0 ? "TRUE" : "FALSE";
            n = strlen(t);
            break;
        case XLSX_STRING:
        case XLSX_ERROR:
            t = c->str;
            n = c->len;
            break;
        }
    }
    if (len)
        *len = n;
    return t;
}

/* ---------------------------------------------------------------------- */
/* The header row                                                          */

/* Text of a cell trimmed of ASCII spaces and tabs. */
static const char *trimmed(const struct xlsx_row *r, uint32_t col, char *buf, size_t *len)
{
    const char *t = xlsx_text(r, col, buf, len);
    while (*len && (t[0] == ' ' || t[0] == '\t')) {
        t++;
        (*len)--;
    }
    while (*len && (t[*len - 1] == ' ' || t[*len - 1] == '\t'))
        (*len)--;
    return t;
}

static int same(const char *a, size_t n, const char *name)
{
    while (*name == ' ' || *name == '\t')
        name++;
    size_t k = strlen(name);
    while (k && (name[k - 1] == ' ' || name[k - 1] == '\t'))
        k--;
    return n == k && strncasecmp(a, name, n) == 0;
}

/* 1 when every cell is empty once trimmed. */
static int row_blank(const struct xlsx_row *r)
{
    char buf[XLSX_TEXT_BUF];
    for (uint32_t c = 0; c < r->ncells; c++) {
        size_t n;
        trimmed(r, c, buf, &n);
        if (n)
            return 0;
    }
    return 1;
}

static int row_has(const struct xlsx_row *r, const char *name)
{
    char buf[XLSX_TEXT_BUF];
    for (uint32_t c = 0; c < r->ncells; c++) {
        size_t n;
        const char *t = trimmed(r, c, buf, &n);
        if (n && same(t, n, name))
            return 1;
    }
    return 0;
}

/* "A, B, C" of the row's non-empty cells, cut to fit cap. */
static void row_summary(const struct xlsx_row *r, char *out, size_t cap)
{
    size_t k = 0;
    char buf[XLSX_TEXT_BUF];
    out[0] = 0;
    for (uint32_t c = 0; c < r->ncells && k + 8 < cap; c++) {
        size_t n;
        const char *t = trimmed(r, c, buf, &n);
        if (n == 0)
            continue;
        int w = snprintf(out + k, cap - k, "%s%.*s", k ? ", " : "", n > 60 ? 60 : (int)n, t);
        if (w < 0 || (size_t)w >= cap - k) {
            snprintf(out + (k < cap - 4 ? k : cap - 4), 4, "...");
            return;
        }
        k += (size_t)w;
    }
}

static int header_take(struct xlsx_header *h, const struct xlsx_row *r, uint32_t rows_before, struct cx_err *e)
{
    char buf[XLSX_TEXT_BUF];
    uint32_t first = UINT32_MAX, last = 0;
    for (uint32_t c = 0; c < r->ncells; c++) {
        size_t n;
        trimmed(r, c, buf, &n);
        if (n) {
            if (first == UINT32_MAX)
                first = c;
            last = c;
        }
    }
    h->row = r->number;
    h->rows_before = rows_before;
    h->first = first;
    h->ncols = last - first + 1;
    size_t bytes = 0;
    for (uint32_t c = first; c <= last; c++) {
        size_t n;
        trimmed(r, c, buf, &n);
        bytes += n + 1;
    }
    h->names = malloc(h->ncols * sizeof *h->names + bytes);
    if (h->names == NULL) {
        memset(h, 0, sizeof *h);
        return cx_nomem(e, "header");
    }
    char *p = (char *)(h->names + h->ncols);
    for (uint32_t c = first; c <= last; c++) {
        size_t n;
        const char *t = trimmed(r, c, buf, &n);
        memcpy(p, t, n);
        p[n] = 0;
        h->names[c - first] = p;
        p += n + 1;
    }
    return CX_OK;
}

int xlsx_header_find(struct xlsx_sheet *s, const char *const *want, size_t nwant, uint32_t header_row,
                     struct xlsx_header *h, struct cx_err *e)
{
    memset(h, 0, sizeof *h);
    const char *title = xlsx_sheet_title(s), *book = s->x.b->name;
    char first[400] = "";
    uint32_t first_row = 0, seen = 0;
    for (;;) {
        const struct xlsx_row *r;
        int rc = xlsx_sheet_next(s, &r, e);
        if (rc != CX_OK)
            return rc;
        if (r == NULL)
            break;
        if (header_row) {
            if (r->number == header_row && !row_blank(r))
                return header_take(h, r, seen, e);
            if (r->number >= header_row)
                break;
        } else if (!row_blank(r)) {
            int all = 1;
            for (size_t i = 0; i < nwant && all; i++)
                all = row_has(r, want[i]);
            if (all)
                return header_take(h, r, seen, e);
            if (!first_row) {
                first_row = r->number;
                row_summary(r, first, sizeof first);
            }
        }
        seen++;
    }
    if (header_row)
        return cx_fail(e, CX_EIO, "%s: sheet '%s': header row %lu is empty or absent", book, title,
                       (unsigned long)header_row);
    if (nwant == 0 || first_row == 0)
        return cx_fail(e, CX_EIO, "%s: sheet '%s' has no non-empty row (no header)", book, title);
    char names[400];
    size_t k = 0;
    names[0] = 0;
    for (size_t i = 0; i < nwant && k + 8 < sizeof names; i++) {
        int w = snprintf(names + k, sizeof names - k, "%s'%s'", i ? ", " : "", want[i]);
        if (w < 0 || (size_t)w >= sizeof names - k)
            break;
        k += (size_t)w;
    }
    return cx_fail(e, CX_EIO,
                   "%s: sheet '%s': no row holds all the headers %s (case ignored); the first non-empty row, "
                   "%lu, holds: %s (header_row = N in [input] names the header row)",
                   book, title, names, (unsigned long)first_row, first);
}

long xlsx_header_column(const struct xlsx_header *h, const char *name)
{
    long found = -1;
    for (uint32_t i = 0; i < h->ncols; i++) {
        const char *t = h->names[i];
        if (t[0] && same(t, strlen(t), name)) {
            if (found >= 0)
                return -2;
            found = (long)(h->first + i);
        }
    }
    return found;
}

void xlsx_header_free(struct xlsx_header *h)
{
    free(h->names);
    memset(h, 0, sizeof *h);
}
