/* failmalloc.c -- an LD_PRELOAD shim that makes the Nth allocation fail.
 *
 * Counts the calls to malloc, calloc, realloc and aligned_alloc/
 * posix_memalign made from the main program (canaux's own code, which
 * links libcanaux.a statically); calls from shared libraries (libc,
 * libgomp, zlib, json-c, libxlsxwriter, ...) are passed through uncounted,
 * since how those libraries fail is theirs to answer for.
 *   FAILMALLOC_N=N      the Nth counted call returns NULL (and sets ENOMEM);
 *                       later calls succeed.
 *   FAILMALLOC_COUNT=F  at exit, writes the number of counted calls to F.
 * The real functions are looked up at the first call, not in this shim's
 * constructor: shared libraries initialised before it (GnuTLS, loaded with
 * libpq, builds its ASN.1 tables in its constructor) allocate first, and
 * must get real memory, not the small arena dlsym's own calls use.
 * Used by tests/failmalloc/run.sh (`make test-failmalloc`) and
 * tests/e2e/pg.sh. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);

static uintptr_t prog_lo, prog_hi;
static atomic_ulong counted;
static unsigned long fail_at;
static const char *count_file;

/* dlsym may call calloc before real_calloc is known: a static arena. */
static char boot[8192];
static size_t boot_used;

static int resolving;

/* Looks the real functions up (once); a call made by dlsym itself meanwhile
   is served from the boot arena. */
static void resolve(void)
{
    if (real_malloc || resolving)
        return;
    resolving = 1;
    real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
    real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    resolving = 0;
}

static int in_boot(const void *p)
{
    return (const char *)p >= boot && (const char *)p < boot + sizeof boot;
}

static int first_object(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            prog_lo = info->dlpi_addr + ph->p_vaddr;
            prog_hi = prog_lo + ph->p_memsz;
        }
    }
    return 1;   /* the first object is the main program */
}

static void report(void)
{
    if (count_file) {
        FILE *f = fopen(count_file, "w");
        if (f) {
            fprintf(f, "%lu\n", (unsigned long)atomic_load(&counted));
            fclose(f);
        }
    }
}

__attribute__((constructor)) static void init(void)
{
    resolve();
    dl_iterate_phdr(first_object, NULL);
    const char *n = getenv("FAILMALLOC_N");
    fail_at = n ? strtoul(n, NULL, 10) : 0;
    count_file = getenv("FAILMALLOC_COUNT");
    if (count_file)
        atexit(report);
}

/* 1 when this call, made from ret, is the one to fail. */
static int fails(void *ret)
{
    uintptr_t r = (uintptr_t)ret;
    if (prog_hi == 0 || r < prog_lo || r >= prog_hi)
        return 0;
    unsigned long k = atomic_fetch_add(&counted, 1) + 1;
    return fail_at && k == fail_at;
}

void *malloc(size_t n)
{
    resolve();
    if (!real_malloc) {
        void *p = boot + boot_used;
        boot_used += (n + 15) & ~(size_t)15;
        return boot_used <= sizeof boot ? p : NULL;
    }
    if (fails(__builtin_return_address(0))) {
        errno = ENOMEM;
        return NULL;
    }
    return real_malloc(n);
}

void *calloc(size_t a, size_t b)
{
    resolve();
    if (!real_calloc || !real_malloc) {
        void *p = malloc(a * b);
        if (p)
            memset(p, 0, a * b);
        return p;
    }
    if (fails(__builtin_return_address(0))) {
        errno = ENOMEM;
        return NULL;
    }
    return real_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
    resolve();
    if (fails(__builtin_return_address(0))) {
        errno = ENOMEM;
        return NULL;
    }
    if (in_boot(p)) {   /* from the arena: moved to real memory */
        size_t left = (size_t)(boot + sizeof boot - (char *)p);
        void *q = real_malloc ? real_malloc(n) : malloc(n);
        if (q)
            memcpy(q, p, n < left ? n : left);
        return q;
    }
    return real_realloc(p, n);
}

void free(void *p)
{
    static void (*real_free)(void *);
    if (in_boot(p))
        return;
    if (!real_free)
        real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    real_free(p);
}

int posix_memalign(void **p, size_t a, size_t n)
{
    resolve();
    if (fails(__builtin_return_address(0)))
        return ENOMEM;
    return real_posix_memalign(p, a, n);
}

void *aligned_alloc(size_t a, size_t n)
{
    resolve();
    if (fails(__builtin_return_address(0))) {
        errno = ENOMEM;
        return NULL;
    }
    return real_aligned_alloc(a, n);
}
