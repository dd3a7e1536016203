/*
 * source — see source.h for the design.
 *
 * The first block is read into raw[] by source_open and inspected there;
 * it is then handed out first, copied (UTF-8) or converted (iconv), and
 * raw[] is refilled from zlib as conversion consumes it. UTF-8 input reads
 * straight into the caller's buffer once the first block is out. Other
 * encodings are converted into out[], then copied to the caller: one copy
 * more, so that a read of any size is filled exactly (a character never
 * has to wait for room) and iconv's three outcomes (done, no room, cut
 * sequence) are handled in one place.
 */
#include "loaders/source.h"

#include "loaders/pgsource.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

struct source {
    char *path;           /* for messages */
    struct pgsrc *pg;     /* a PostgreSQL result, else NULL (the rest is then unused) */
    gzFile gz;
    iconv_t cd;           /* (iconv_t)-1: UTF-8, passed through */
    char *raw;            /* bytes read and not yet handed out */
    size_t rcap;          /* allocated */
    size_t rpos, rlen;    /* raw[rpos..rlen) is pending */
    int raw_eof;          /* zlib has nothing more */
    int eof;              /* nor raw[]: the input is exhausted */
    unsigned enc;         /* the encoding used */
    int guessed;          /* chosen by auto without a byte-order mark */
    size_t unit;          /* bytes skipped at an invalid sequence (2 for UTF-16) */
    char *out;            /* converted UTF-8 not yet handed out (iconv only) */
    size_t ocap;          /* allocated */
    size_t op, on;        /* out[op..on) is pending */
    int conv_eof;         /* nothing more to convert */
};

static const struct { const char *name; unsigned enc; } enc_names[] = {
    { "auto", SRC_AUTO }, { "utf-8", SRC_UTF8 }, { "utf8", SRC_UTF8 }, { "utf-16", SRC_UTF16 },
    { "utf16", SRC_UTF16 }, { "utf-16le", SRC_UTF16LE }, { "utf-16be", SRC_UTF16BE },
    { "cp1252", SRC_CP1252 }, { "windows-1252", SRC_CP1252 }, { "latin1", SRC_LATIN1 },
    { "iso-8859-1", SRC_LATIN1 }
};

int source_encoding_parse(const char *name, unsigned *enc)
{
    for (size_t i = 0; i < sizeof enc_names / sizeof *enc_names; i++)
        if (strcasecmp(name, enc_names[i].name) == 0) {
            *enc = enc_names[i].enc;
            return 0;
        }
    return -1;
}

const char *source_encoding_name(unsigned enc)
{
    static const char *const names[SRC_NENCODINGS] = {
        "auto", "utf-8", "utf-16", "utf-16le", "utf-16be", "cp1252", "latin1"
    };
    return enc < SRC_NENCODINGS ? names[enc] : "?";
}

/* Reads up to want bytes from zlib into p; sets raw_eof at the end.
   Returns the bytes read, or -1 with e set. */
static long long gz_fill(struct source *s, char *p, size_t want, struct cx_err *e)
{
    size_t got = 0;
    while (got < want && !s->raw_eof) {
        unsigned ask = (want - got) > (1u << 30) ? (1u << 30) : (unsigned)(want - got);
        int r = gzread(s->gz, p + got, ask);
        if (r < 0) {
            int zerr;
            const char *msg = gzerror(s->gz, &zerr);
            cx_fail(e, CX_EIO, "%s: read error: %s", s->path, zerr == Z_ERRNO ? strerror(errno) : msg);
            return -1;
        }
        if (r == 0) {
            int zerr;
            const char *msg = gzerror(s->gz, &zerr);
            if (zerr != Z_OK && zerr != Z_STREAM_END) {
                cx_fail(e, CX_EIO, "%s: read error: %s (truncated or damaged .gz?)", s->path, msg);
                return -1;
            }
            s->raw_eof = 1;
        }
        got += (size_t)r;
    }
    return (long long)got;
}

/* Counts, in s[0..n), the valid UTF-8 sequences of two bytes or more
   (*multi) and the bytes that are not valid UTF-8 (*bad). A sequence cut
   by the end of the block is not counted as bad when cut is set (the next
   block may finish it). */
static void utf8_census(const unsigned char *s, size_t n, int cut, size_t *multi, size_t *bad)
{
    size_t i = 0;
    *multi = *bad = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
        uint32_t cp = k == 1 ? c & 0x1f : k == 2 ? c & 0x0f : c & 0x07;
        size_t j = 1;
        for (; k && j <= k && i + j < n && (s[i + j] & 0xc0) == 0x80; j++)
            cp = (cp << 6) | (s[i + j] & 0x3f);
        if (k && j <= k && i + j == n && cut)
            return;              /* cut by the end of the block */
        if (k == 0 || j <= k || (k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (k == 3 && (cp < 0x10000 || cp > 0x10ffff))) {
            (*bad)++;
            i++;
            continue;
        }
        (*multi)++;
        i += k + 1;
    }
}

/* What the first bytes say the file is, when it is not text: a sentence
   for the message, or NULL. */
static const char *sniff_format(const unsigned char *p, size_t n)
{
    static const struct { const char *magic; size_t len; const char *name; } fmt[] = {
        { "%PDF-", 5, "a PDF document" },
        { "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8, "an old Excel workbook (.xls) or another OLE2 document" },
        { "\x1F\x8B", 2, "a gzip file inside a gzip file" },
        { "\xFD" "7zXZ", 5, "an xz-compressed file" },
        { "\x28\xB5\x2F\xFD", 4, "a zstd-compressed file" },
        { "7z\xBC\xAF\x27\x1C", 6, "a 7-Zip archive" },
        { "Rar!\x1A\x07", 6, "a RAR archive" },
        { "\x89PNG\r\n", 6, "a PNG image" },
        { "\xFF\xD8\xFF", 3, "a JPEG image" },
    };
    for (size_t i = 0; i < sizeof fmt / sizeof *fmt; i++)
        if (n >= fmt[i].len && memcmp(p, fmt[i].magic, fmt[i].len) == 0)
            return fmt[i].name;
    if (n >= 10 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9' &&
        memcmp(p + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0)
        return "a bzip2-compressed file";
    if (n >= 4 && memcmp(p, "PK\x03\x04", 4) == 0) {
        /* The first member's name follows its 30-byte header. */
        if (memmem(p, n, "xl/", 3) || memmem(p, n, "[Content_Types].xml", 19))
            return memmem(p, n, "word/", 5) ? "a Word document (.docx: a zip archive)"
                                            : "an Excel workbook (.xlsx: a zip archive)";
        return "a zip archive";
    }
    return NULL;
}

/* UTF-16 without a byte-order mark: most bytes at odd offsets (LE) or at
   even ones (BE) are NUL, as ASCII text is. Returns SRC_UTF16LE,
   SRC_UTF16BE or 0. */
static unsigned sniff_utf16(const unsigned char *p, size_t n)
{
    if (n > 4096)
        n = 4096;
    n &= ~(size_t)1;
    if (n < 4)
        return 0;
    size_t z[2] = { 0, 0 }, half = n / 2;
    for (size_t i = 0; i < n; i++)
        z[i & 1] += p[i] == 0;
    if (z[1] * 10 >= half * 4 && z[0] * 10 <= half)
        return SRC_UTF16LE;
    if (z[0] * 10 >= half * 4 && z[1] * 10 <= half)
        return SRC_UTF16BE;
    return 0;
}

/* Decides the encoding from the first block raw[0..rlen). Returns CX_OK or
   CX_EIO with the reason. */
static int decide(struct source *s, unsigned want, struct cx_err *e)
{
    const unsigned char *p = (const unsigned char *)s->raw;
    size_t n = s->rlen;
    unsigned bom = 0;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        bom = SRC_UTF8;
    else if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE)
        bom = SRC_UTF16LE;
    else if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF)
        bom = SRC_UTF16BE;
    unsigned u16 = bom ? 0 : sniff_utf16(p, n);
    const char *what = sniff_format(p, n);
    if (what)
        return cx_fail(e, CX_EIO, "%s: looks like %s, not CSV text%s", s->path, what,
                       strstr(what, "Excel") ? " (canaux reads a workbook whose name ends in .xlsx)" : "");
    if (u16 && want != SRC_UTF16 && want != SRC_UTF16LE && want != SRC_UTF16BE)
        return cx_fail(e, CX_EIO, "%s: looks like UTF-16 (%s-endian) text without a byte-order "
                       "mark, not %s: set encoding = utf-16 in [input] of the configuration "
                       "(or --encoding utf-16)", s->path, u16 == SRC_UTF16LE ? "little" : "big",
                       want == SRC_AUTO ? "UTF-8" : source_encoding_name(want));
    switch (want) {
    case SRC_AUTO:
        if (bom) {
            s->enc = bom;
            break;
        }
        /* Text has no control bytes but tab, line ends and form feed: more
           than 1% of them is a binary file, whose bytes must not be shown
           as headers. */
        size_t ctl = 0, multi, bad;
        for (size_t i = 0; i < n; i++)
            ctl += (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' && p[i] != '\f') ||
                   p[i] == 0x7f;
        if (ctl * 100 > n)
            return cx_fail(e, CX_EIO, "%s: looks like a binary file (%zu control or NUL bytes in "
                           "the first %zu), not CSV text", s->path, ctl, n);
        /* Valid UTF-8, or UTF-8 with some damaged bytes (it has real
           multi-byte characters, which Windows-1252 text practically never
           forms): UTF-8, and the rows with bad bytes are rejected. Only
           bytes that are never UTF-8 make it Windows-1252. */
        utf8_census(p, n, !s->raw_eof, &multi, &bad);
        if (bad == 0 || multi > 0) {
            s->enc = SRC_UTF8;
        } else {
            s->enc = SRC_CP1252;
            s->guessed = 1;
        }
        break;
    case SRC_UTF16:
        s->enc = bom == SRC_UTF16LE || bom == SRC_UTF16BE ? bom : u16 ? u16 : SRC_UTF16LE;
        break;
    default:
        s->enc = want;
    }
    return CX_OK;
}

int source_open(struct source **out, const char *path, unsigned enc, size_t sniff,
                struct cx_err *e)
{
    *out = NULL;
    if (enc >= SRC_NENCODINGS)
        return cx_fail(e, CX_EINTERNAL, "%s: encoding %u", path, enc);
    struct source *s = calloc(1, sizeof *s);
    if (s == NULL)
        return cx_nomem(e, "input stream");
    s->cd = (iconv_t)-1;
    s->unit = 1;
    if (sniff < 64)
        sniff = 64;
    s->rcap = sniff;
    if ((s->path = strdup(path)) == NULL || (s->raw = malloc(s->rcap)) == NULL) {
        source_close(s);
        return cx_nomem(e, "input stream");
    }
    int fd;
    if (strcmp(path, "-") == 0) {
        fd = dup(STDIN_FILENO);
    } else {
        fd = open(path, O_RDONLY);
        if (fd >= 0) {
            struct stat sb;
            if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
                close(fd);
                source_close(s);
                return cx_fail(e, CX_EIO, "%s: is a directory, not a CSV file", path);
            }
        }
    }
    if (fd < 0) {
        int err = errno;
        source_close(s);
        return cx_fail(e, CX_EIO, "%s: cannot open: %s", path, strerror(err));
    }
    if ((s->gz = gzdopen(fd, "rb")) == NULL) {
        close(fd);
        source_close(s);
        return cx_nomem(e, "gzip stream");
    }
    gzbuffer(s->gz, 1 << 20);
    long long r = gz_fill(s, s->raw, s->rcap, e);
    int rc = r < 0 ? CX_EIO : CX_OK;
    if (rc == CX_OK) {
        s->rlen = (size_t)r;
        rc = decide(s, enc, e);
    }
    if (rc == CX_OK && s->enc != SRC_UTF8) {
        static const char *const from[SRC_NENCODINGS] = {
            [SRC_UTF16LE] = "UTF-16LE", [SRC_UTF16BE] = "UTF-16BE", [SRC_CP1252] = "CP1252",
            [SRC_LATIN1] = "ISO-8859-1"
        };
        s->cd = iconv_open("UTF-8", from[s->enc]);
        if (s->cd == (iconv_t)-1)
            rc = errno == ENOMEM ? cx_nomem(e, "iconv")
                                 : cx_fail(e, CX_EINTERNAL, "%s: iconv cannot convert from %s",
                                           path, from[s->enc]);
        s->unit = s->enc == SRC_UTF16LE || s->enc == SRC_UTF16BE ? 2 : 1;
        /* Converted text is at most 3 bytes a raw byte (Windows-1252 € is
           E2 82 AC), 1.5 for UTF-16: out[] of 3 raw blocks rarely fills. */
        s->ocap = 3 * s->rcap;
        if (rc == CX_OK && (s->out = malloc(s->ocap)) == NULL)
            rc = cx_nomem(e, "input stream");
    }
    if (rc != CX_OK) {
        source_close(s);
        return rc;
    }
    s->eof = s->rlen == 0 && s->raw_eof;
    *out = s;
    return CX_OK;
}

/* UTF-8 input: what is left of raw[], then straight from zlib. */
static long long read_utf8(struct source *s, char *p, size_t want, struct cx_err *e)
{
    size_t got = 0;
    if (s->rpos < s->rlen) {
        got = s->rlen - s->rpos < want ? s->rlen - s->rpos : want;
        memcpy(p, s->raw + s->rpos, got);
        s->rpos += got;
    }
    if (got < want && !s->raw_eof) {
        long long r = gz_fill(s, p + got, want - got, e);
        if (r < 0)
            return -1;
        got += (size_t)r;
    }
    if (s->rpos == s->rlen && s->raw_eof)
        s->eof = 1;
    if (s->rpos == s->rlen && s->raw) {
        /* The first block is out: from now on zlib reads straight into
           the caller's buffer, and raw[] is not needed. */
        free(s->raw);
        s->raw = NULL;
        s->rpos = s->rlen = s->rcap = 0;
    }
    return (long long)got;
}

/* Converts raw[] into out[] (empty on entry) until out[] is full or the
   input ends. Returns 0, or -1 with e set. */
static int convert(struct source *s, struct cx_err *e)
{
    while (!s->conv_eof && s->on < s->ocap) {
        if (s->rpos == s->rlen) {
            if (s->raw_eof) {
                s->conv_eof = 1;
                break;
            }
            s->rpos = s->rlen = 0;
            long long r = gz_fill(s, s->raw, s->rcap, e);
            if (r < 0)
                return -1;
            s->rlen = (size_t)r;
            continue;
        }
        char *in = s->raw + s->rpos, *o = s->out + s->on;
        size_t inleft = s->rlen - s->rpos, outleft = s->ocap - s->on;
        size_t r = iconv(s->cd, &in, &inleft, &o, &outleft);
        int err = errno;
        s->rpos = (size_t)(in - s->raw);
        s->on = (size_t)(o - s->out);
        if (r != (size_t)-1)
            continue;            /* all of raw[] converted: refill */
        if (err == E2BIG)
            break;               /* out[] is full */
        if (err == EILSEQ || (err == EINVAL && s->raw_eof)) {
            /* Not a character of the encoding (or cut by the end of the
               file): a byte that is not UTF-8 either, so that its row is
               rejected rather than changed. A single-byte encoding keeps
               the byte itself. */
            size_t skip = s->rlen - s->rpos < s->unit ? s->rlen - s->rpos : s->unit;
            s->out[s->on++] = s->unit == 1 ? s->raw[s->rpos] : (char)0xFF;
            s->rpos += skip;
            continue;
        }
        if (err == EINVAL) {
            /* A sequence cut by the end of the block: keep it and read on. */
            memmove(s->raw, s->raw + s->rpos, s->rlen - s->rpos);
            s->rlen -= s->rpos;
            s->rpos = 0;
            long long f = gz_fill(s, s->raw + s->rlen, s->rcap - s->rlen, e);
            if (f < 0)
                return -1;
            s->rlen += (size_t)f;
            continue;
        }
        cx_fail(e, CX_EIO, "%s: cannot convert from %s: %s", s->path, source_encoding_name(s->enc),
                strerror(err));
        return -1;
    }
    return 0;
}

int source_open_pg(struct source **out, const char *uri, const char *query, struct cx_err *e)
{
    *out = NULL;
    struct source *s = calloc(1, sizeof *s);
    if (s == NULL)
        return cx_nomem(e, "input");
    s->cd = (iconv_t)-1;
    s->enc = SRC_UTF8;   /* the session's client_encoding is UTF8 */
    int rc = pgsrc_open(&s->pg, uri, query, e);
    if (rc != CX_OK) {
        free(s);
        return rc;
    }
    *out = s;
    return CX_OK;
}

int source_is_pg(const struct source *s)
{
    return s->pg != NULL;
}

long long source_read(struct source *s, char *p, size_t want, struct cx_err *e)
{
    if (s->pg) {
        long long r = pgsrc_read(s->pg, p, want, e);
        s->eof = r >= 0 && (size_t)r < want;
        return r;
    }
    if (s->cd == (iconv_t)-1)
        return read_utf8(s, p, want, e);
    size_t got = 0;
    while (got < want) {
        if (s->op == s->on) {
            s->op = s->on = 0;
            if (s->conv_eof)
                break;
            if (convert(s, e))
                return -1;
            if (s->on == 0)
                break;
        }
        size_t n = s->on - s->op < want - got ? s->on - s->op : want - got;
        memcpy(p + got, s->out + s->op, n);
        s->op += n;
        got += n;
    }
    if (s->conv_eof && s->op == s->on)
        s->eof = 1;
    return (long long)got;
}

int source_eof(const struct source *s)
{
    return s->eof;
}

unsigned source_encoding(const struct source *s)
{
    return s->enc;
}

int source_guessed(const struct source *s)
{
    return s->guessed;
}

void source_close(struct source *s)
{
    if (s == NULL)
        return;
    pgsrc_close(s->pg);
    if (s->gz)
        gzclose(s->gz);
    if (s->cd != (iconv_t)-1)
        iconv_close(s->cd);
    free(s->raw);
    free(s->out);
    free(s->path);
    free(s);
}
