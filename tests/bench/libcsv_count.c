/*
 * libcsv_count -- libcsv's bare field splitting, the floor `make bench`
 * measures `canaux check` against.
 *
 * Usage: libcsv_count FILE
 * Prints "records R fields F bytes B" on stdout: the records and fields
 * that libcsv's callbacks saw in FILE (a header line is a record).
 *
 * As fast as libcsv can go on one core: the file is read with read(2)
 * into one 8 MiB buffer (page cache warm: no I/O to wait for), each
 * buffer is handed to csv_parse() whole, and the callbacks only count.
 * The parser keeps its defaults (no strict mode, no NUL appended, spaces
 * and tabs trimmed by its built-in test rather than a function call per
 * byte). What it leaves out, on purpose, is all that canaux does with a
 * field: no type, no number or date, no interning, no dataset. So the
 * ratio (this program's time / canaux check's) says how much of libcsv's
 * own splitting canaux's load would afford.
 *
 * Exit status 0, or 2 when the file cannot be read or libcsv fails
 * (out of memory), with a message on stderr.
 */
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUF_BYTES (8u << 20)

struct counts {
    unsigned long long fields;   /* fields seen by the field callback */
    unsigned long long records;  /* records seen by the record callback */
};

static void on_field(void *s, size_t len, void *data)
{
    (void)s;
    (void)len;
    ((struct counts *)data)->fields++;
}

static void on_record(int c, void *data)
{
    (void)c;
    ((struct counts *)data)->records++;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: libcsv_count FILE\n", stderr);
        return 1;
    }
    int fd = open(argv[1], O_RDONLY);
    char *buf = malloc(BUF_BYTES);
    struct csv_parser p;
    struct counts n = { 0, 0 };
    unsigned long long bytes = 0;
    int rc = 2;
    if (fd < 0 || buf == NULL) {
        fprintf(stderr, "libcsv_count: %s: %s\n", argv[1], strerror(fd < 0 ? errno : ENOMEM));
        goto done_files;
    }
    if (csv_init(&p, 0) != 0) {
        fputs("libcsv_count: csv_init failed\n", stderr);
        goto done_files;
    }
    for (;;) {
        ssize_t got = read(fd, buf, BUF_BYTES);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            fprintf(stderr, "libcsv_count: %s: %s\n", argv[1], strerror(errno));
            goto done;
        }
        if (got == 0)
            break;
        bytes += (unsigned long long)got;
        if (csv_parse(&p, buf, (size_t)got, on_field, on_record, &n) != (size_t)got) {
            fprintf(stderr, "libcsv_count: %s: %s\n", argv[1], csv_strerror(csv_error(&p)));
            goto done;
        }
    }
    if (csv_fini(&p, on_field, on_record, &n) != 0) {
        fprintf(stderr, "libcsv_count: %s: %s\n", argv[1], csv_strerror(csv_error(&p)));
        goto done;
    }
    printf("records %llu fields %llu bytes %llu\n", n.records, n.fields, bytes);
    rc = fflush(stdout) == 0 ? 0 : 2;
done:
    csv_free(&p);
done_files:
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}
