/* test_template.c: expansion of {start}/{end}/{end_excl}/{index} with
 * default and explicit formats, literal braces, and the errors
 * sluice__template_check reports with byte positions. */
#include "harness.h"
#include "plan/template.h"
#include "util/date.h"

static int64_t day(int y, int m, int d)
{
    return sluice__days_from_civil(y, m, d) * SLUICE_DAY_SECS;
}

/* Window 313 of the NeoWs plan: 2025-12-31 alone. */
static struct sluice_window last_week(void)
{
    struct sluice_window w = {313, day(2025, 12, 31), day(2026, 1, 1),
                              day(2025, 12, 31), 0};
    return w;
}

static void test_expand_cases(void)
{
    static const struct {
        const char *tpl;
        const char *want;
    } cases[] = {
        {"https://api.example/feed?start_date={start}&end_date={end}",
         "https://api.example/feed?start_date=2025-12-31&end_date=2025-12-31"},
        {"data/{start:%Y}/{start:%m}/part-{index}.parquet",
         "data/2025/12/part-313.parquet"},
        {"{end_excl}", "2026-01-01"},
        {"{end_excl:%Y%m%d}", "20260101"},
        {"{{\"from\": \"{start}\"}}", "{\"from\": \"2025-12-31\"}"},
        {"no fields", "no fields"},
        {"", ""},
        {"{{}}", "{}"},
        {"{start:%%Y}", "%Y"},
        {"{start:%-d}", "31"},
        {"{start}{end}{index}", "2025-12-312025-12-31313"},
    };
    struct sluice_window w = last_week();
    FOR_CASES(i, cases) {
        struct sluice_buf b;
        struct sluice_err err = {{0}};
        sluice__buf_init(&b, 4096);
        ASSERT_EQ(sluice__template_check(cases[i].tpl, &err), SLUICE_OK);
        int rc = sluice__template_expand(cases[i].tpl, &w, SLUICE_STEP_DAYS, &b,
                                         &err);
        if (rc != SLUICE_OK)
            FAIL_AT("'%s': %s", cases[i].tpl, err.msg);
        ASSERT_STR_EQ(sluice__buf_str(&b), cases[i].want);
        sluice__buf_cleanup(&b);
    }
}

static void test_hour_default_format(void)
{
    struct sluice_window w = {2, day(2020, 1, 1) + 12 * 3600,
                              day(2020, 1, 1) + 18 * 3600,
                              day(2020, 1, 1) + 18 * 3600 - 1, 0};
    struct sluice_buf b;
    struct sluice_err err = {{0}};
    sluice__buf_init(&b, 4096);
    ASSERT_EQ(sluice__template_expand("{start}..{end}..{end_excl}", &w,
                                      SLUICE_STEP_HOURS, &b, &err),
              SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&b), "2020-01-01T12:00:00Z.."
                                       "2020-01-01T17:59:59Z.."
                                       "2020-01-01T18:00:00Z");
    sluice__buf_reset(&b);
    ASSERT_EQ(
        sluice__template_expand("{start}", &w, SLUICE_STEP_MONTHS, &b, &err),
        SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&b), "2020-01-01");
    sluice__buf_cleanup(&b);
}

static void test_check_errors(void)
{
    static const struct {
        const char *tpl;
        const char *msg_part;
    } bad[] = {
        {"https://x/{stat}", "unknown placeholder {stat} at byte 10"},
        {"{START}", "unknown placeholder {START} at byte 0"},
        {"{}", "unknown placeholder {} at byte 0"},
        {"a{start", "unclosed '{' at byte 1"},
        {"a{start:%Y", "unclosed '{' at byte 1"},
        {"a}b", "unbalanced '}' at byte 1"},
        {"{start}}", "unbalanced '}' at byte 7"},
        {"{st{art}", "unexpected '{' at byte 3"},
        {"{start:%Y{x}", "unexpected '{' at byte 9"},
        {"{start:}", "empty format after ':' at byte 6"},
        {"{index:%d}", "{index} takes no format"},
        {"{start:%Q}", "unsupported strftime conversion at byte 8"},
        {"{start:abc%}", "unsupported strftime conversion at byte 10"},
    };
    FOR_CASES(i, bad) {
        struct sluice_err err = {{0}};
        int rc = sluice__template_check(bad[i].tpl, &err);
        if (rc != SLUICE_EJOB)
            FAIL_AT("'%s' accepted (rc %d)", bad[i].tpl, rc);
        if (!strstr(err.msg, bad[i].msg_part))
            FAIL_AT("'%s': message \"%s\" lacks \"%s\"", bad[i].tpl, err.msg,
                    bad[i].msg_part);
        /* Expansion refuses the same templates. */
        struct sluice_window w = last_week();
        struct sluice_buf b;
        sluice__buf_init(&b, 4096);
        ASSERT_EQ(
            sluice__template_expand(bad[i].tpl, &w, SLUICE_STEP_DAYS, &b, &err),
            SLUICE_EJOB);
        sluice__buf_cleanup(&b);
    }
}

static void test_format_bounds(void)
{
    char tpl[400];
    struct sluice_err err = {{0}};
    /* A format longer than SLUICE_TIME_FMT_MAX is refused at check. */
    memcpy(tpl, "{start:", 7);
    memset(tpl + 7, 'x', 200);
    memcpy(tpl + 207, "}", 2);
    ASSERT_EQ(sluice__template_check(tpl, &err), SLUICE_EJOB);
    ASSERT_TRUE(strstr(err.msg, "longer than") != NULL);
    /* A short format with a long result fails at expansion, not silently. */
    size_t k = 7;
    memcpy(tpl, "{start:", 7);
    for (int i = 0; i < 40; i++, k += 2)
        memcpy(tpl + k, "%c", 2);
    memcpy(tpl + k, "}", 2);
    ASSERT_EQ(sluice__template_check(tpl, &err), SLUICE_OK);
    struct sluice_window w = last_week();
    struct sluice_buf b;
    sluice__buf_init(&b, 1 << 16);
    ASSERT_EQ(sluice__template_expand(tpl, &w, SLUICE_STEP_DAYS, &b, &err),
              SLUICE_ETOOBIG);
    ASSERT_TRUE(strstr(err.msg, "placeholder at byte 0") != NULL);
    sluice__buf_cleanup(&b);
    /* The output buffer's own bound holds too. */
    sluice__buf_init(&b, 8);
    ASSERT_EQ(sluice__template_expand("{start}-{end}", &w, SLUICE_STEP_DAYS, &b,
                                      &err),
              SLUICE_ETOOBIG);
    sluice__buf_cleanup(&b);
}

static void test_has_window_field(void)
{
    ASSERT_TRUE(sluice__template_has_window_field("out/{start}.parquet"));
    ASSERT_TRUE(sluice__template_has_window_field("out/{index}.parquet"));
    ASSERT_TRUE(sluice__template_has_window_field("{end_excl:%Y}"));
    ASSERT_TRUE(!sluice__template_has_window_field("out/all.parquet"));
    ASSERT_TRUE(!sluice__template_has_window_field("out/{{start}}.parquet"));
    ASSERT_TRUE(!sluice__template_has_window_field("out/{bad}.parquet"));
    ASSERT_TRUE(!sluice__template_has_window_field(NULL));
}

static const struct harness_test TESTS[] = {
    TEST(test_expand_cases),     TEST(test_hour_default_format),
    TEST(test_check_errors),     TEST(test_format_bounds),
    TEST(test_has_window_field),
};
HARNESS_MAIN(TESTS)
