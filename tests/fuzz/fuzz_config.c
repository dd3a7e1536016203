/* fuzz_config -- the INI configuration reader (loaders/config.h), followed by
 * what canaux does with a configuration: the section check of cli/inputs.c,
 * reader_configure for [input]/[columns], the stages' sections
 * (loaders/settings.h: [segmentation], [recommendations], [clv]), lookups
 * and the unused-key check. The input is the whole INI file. */
#include <stdint.h>
#include <string.h>

#include "loaders/config.h"
#include "loaders/reader.h"
#include "loaders/settings.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const known[] = { "input", "columns", "channel ", "segmentation", "recommendations",
                                         "clv" };
    struct fuzz_file f;
    struct config c;
    struct cx_err e = { 0 };
    memset(&c, 0, sizeof c);
    fuzz_file_open(&f, "fuzz.ini", data, size);
    int rc = config_load(&c, f.path, &e);
    fuzz_file_close(&f);
    if (rc == CX_OK) {
        /* Every entry must be found again by its own section and key. */
        for (size_t i = 0; i < c.n; i++) {
            struct config_entry *x = config_get(&c, c.e[i].section, c.e[i].key);
            if (x == NULL)
                __builtin_trap();
        }
        (void)config_check_sections(&c, known, sizeof known / sizeof *known, &e);
        struct reader_options o;
        reader_defaults(&o);
        struct cx_err e2 = { 0 };
        (void)reader_configure(&o, &c, &e2);
        reader_options_free(&o);
        struct seg_options so;
        struct rec_options ro;
        struct ltv_options lo;
        seg_defaults(&so);
        rec_defaults(&ro);
        ltv_defaults(&lo);
        struct cx_err e3 = { 0 }, e4 = { 0 }, e5 = { 0 };
        if (settings_clv(&lo, &c, &e5) == CX_OK &&
            !(lo.horizon_days >= 1 && lo.horizon_days <= 3650 && lo.discount_rate >= 0 && lo.discount_rate <= 1))
            __builtin_trap();   /* a value accepted must be in range */
        (void)settings_segmentation(&so, &c, &e3);
        (void)settings_recommendations(&ro, &c, &e4);
        (void)config_check_unused(&c, "channel ", &e);
    }
    config_free(&c);
    return 0;
}
