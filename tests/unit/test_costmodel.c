/*
 * test_costmodel — the built-in model, and [channel NAME] sections read
 * and checked: values, kinds, and the errors that name file, line and key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/costmodel.h"
#include "loaders/config.h"
#include "loaders/costmodel_config.h"

static int load(const char *text, struct costmodel *m, struct cx_err *e)
{
    char path[] = "/tmp/canaux_cm_XXXXXX";
    int fd = mkstemp(path);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct config c = { 0 };
    int rc = config_load(&c, path, e);
    cm_builtin(m);
    if (rc == CX_OK)
        rc = cm_configure(m, &c, e);
    config_free(&c);
    unlink(path);
    return rc;
}

static void test_builtin(void **state)
{
    (void)state;
    struct costmodel m;
    cm_builtin(&m);
    assert_string_equal(m.source, "built-in");
    assert_int_equal(m.n, 5);
    int web = cm_find(&m, "WEB");
    assert_true(web >= 0);
    assert_true(m.ch[web].cost_per_order == 4.50 && m.ch[web].kind == CM_DIRECT);
    assert_int_equal(m.ch[cm_find(&m, "agents")].kind, CM_INDIRECT);
    assert_int_equal(cm_find(&m, "phone"), -1);
    int k = cm_add_missing(&m, "phone");
    assert_int_equal(k, 5);
    assert_int_equal(m.ch[k].in_model, 0);
    assert_true(m.ch[k].commission_rate == 0 && m.ch[k].fixed_cost == 0);
}

static void test_sections(void **state)
{
    (void)state;
    struct costmodel m;
    struct cx_err e = { 0 };
    /* The SPEC's example, with its comment glued to a value. */
    assert_int_equal(load("[input]\nchannel = web\n[channel web]\nkind = direct\ncommission_rate = 0.00\n"
                          "cost_per_order = 4.50\ncost_per_unit = 0.30\ncost_per_return = 6.00\n"
                          "fixed_cost = 180000\nacquisition_spend = 90000; per year\n"
                          "[channel Store A]\nkind = indirect\ncommission_rate = 0.25\n",
                          &m, &e), CX_OK);
    assert_int_equal(m.n, 2);
    assert_true(strstr(m.source, "/tmp/canaux_cm_") != NULL);
    assert_true(m.ch[0].acquisition_spend == 90000 && m.ch[0].cost_per_unit == 0.30);
    assert_string_equal(m.ch[1].name, "Store A");
    assert_int_equal(m.ch[1].kind, CM_INDIRECT);
    assert_true(m.ch[1].cost_per_order == 0);   /* unset keys are 0 */
    /* No [channel] section: the built-in model stays. */
    assert_int_equal(load("[input]\nchannel = web\n", &m, &e), CX_OK);
    assert_string_equal(m.source, "built-in");
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } bad[] = {
        { "[channel web]\ncost_per_order = -1\n", ":2: [channel web] cost_per_order = -1: a cost cannot be negative" },
        { "[channel web]\ncommission_rate = 1.5\n", ":2: [channel web] commission_rate = 1.5: expected a share" },
        { "[channel web]\nkind = online\n", ":2: [channel web] kind = 'online': expected direct or indirect" },
        { "[channel web]\nfixed_cost = lots\n", ":2: [channel web] fixed_cost = 'lots': not a number" },
        { "[channel web]\ncost_per_oder = 2\n", ":2: unknown key 'cost_per_oder' in [channel web]" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct costmodel m;
        struct cx_err e = { 0 };
        assert_int_equal(load(bad[i].text, &m, &e), CX_EUSAGE);
        if (strstr(e.msg, bad[i].want) == NULL)
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, e.msg, bad[i].want);
        assert_string_equal(m.source, "built-in");   /* a bad model is not half applied */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
