/* test_outpath.c: an output template's fixed folder, whether a rendered
 * path stays inside it, lexical normalisation, and the exact check that no
 * two windows of a plan write one file: proven by the template's analysis
 * (for any number of windows, without rendering them) or found by
 * rendering, with the two windows named. */
#include "harness.h"
#include "plan/outpath.h"
#include "util/date.h"

static int64_t day(int y, int m, int d)
{
    return sluice__days_from_civil(y, m, d) * SLUICE_DAY_SECS;
}

/* The spec of from..to (dates, `to` inclusive) by `step`. */
static struct sluice_window_spec plan(int64_t from, int64_t to,
                                      const char *step)
{
    struct sluice_window_spec spec;
    struct sluice_step st;
    struct sluice_err err = {{0}};
    memset(&spec, 0, sizeof spec);
    if (sluice__step_parse(step, &st, &err) != SLUICE_OK ||
        sluice__window_spec_make(from, to, false, st, &spec, &err) != SLUICE_OK)
        fprintf(stderr, "  bad plan: %s\n", err.msg);
    return spec;
}

static void test_folder(void)
{
    static const struct {
        const char *tpl, *want;
    } cases[] = {
        {"data/{start}.ndjson", "data"},
        {"{start}.ndjson", "."},
        {"./{start}.ndjson", "."},
        {"/{start}.ndjson", "/"},
        {"/abs/d/{start:%Y}/x_{end}.parquet", "/abs/d"},
        {"a{{b/c}}/{start}", "a{b/c}"},
        {"../../x/{start}", "../../x"},
        {"data/x_{start}/y.ndjson", "data"},
        {"data/2020/../{index}.ndjson", "data/2020/.."},
    };
    struct sluice_buf b;
    struct sluice_err err = {{0}};
    sluice__buf_init(&b, 4096);
    FOR_CASES(i, cases) {
        sluice__buf_reset(&b);
        ASSERT_EQ(sluice__outpath_folder(cases[i].tpl, &b, &err), SLUICE_OK);
        ASSERT_STR_EQ(sluice__buf_str(&b), cases[i].want);
    }
    sluice__buf_cleanup(&b);
}

static void test_inside(void)
{
    static const struct {
        const char *folder, *path;
        bool inside;
    } cases[] = {
        {"data", "data/2020/x.ndjson", true},
        {"data", "data/a/../x.ndjson", true},
        {"data", "data//x.ndjson", true},
        {"data", "data/./x.ndjson", true},
        {"data", "data/../x.ndjson", false},
        {"data", "data/a/../../x.ndjson", false},
        {"data", "data/2020/..", false}, /* names the folder, not a file */
        {"data", "data/", false},
        {"data", "data/x/.", false},
        {"data", "datax/y.ndjson", false},
        {"data", "/etc/passwd", false},
        {".", "x.ndjson", true},
        {".", "./x.ndjson", true},
        {".", "/etc/x.ndjson", false}, /* a placeholder rendered "/..." */
        {".", "../x.ndjson", false},
        {"/", "/x.ndjson", true},
        {"/", "/../x.ndjson", false},
        {"../../x", "../../x/2020.ndjson", true},
        {"../../x", "../../x/../y.ndjson", false},
    };
    FOR_CASES(i, cases)
        if (sluice__outpath_inside(cases[i].folder, cases[i].path) !=
            cases[i].inside)
            FAIL_AT("inside(%s, %s) is not %d", cases[i].folder,
                    cases[i].path, cases[i].inside);
}

static void test_normal(void)
{
    static const struct {
        const char *path, *want;
    } cases[] = {
        {"a/./b//c", "a/b/c"}, {"a/../../b", "../b"}, {"/../a", "/a"},
        {"./", "."},           {"a/b/..", "a"},       {"../../x", "../../x"},
        {"/", "/"},            {"a/..", "."},         {"x/../../..", "../.."},
    };
    struct sluice_buf b;
    sluice__buf_init(&b, 4096);
    FOR_CASES(i, cases) {
        sluice__buf_reset(&b);
        ASSERT_EQ(sluice__outpath_normal(cases[i].path, &b), SLUICE_OK);
        ASSERT_STR_EQ(sluice__buf_str(&b), cases[i].want);
    }
    sluice__buf_cleanup(&b);
}

/* Templates the analysis proves distinct, however long the plan: a bound
 * of 0 windows compared one by one would refuse any that needs it. */
static void test_clash_proven_without_rendering(void)
{
    static const struct {
        const char *tpl, *step;
    } cases[] = {
        {"out/neos_{start}_{end}.ndjson", "7d"},
        {"out/h_{start}.ndjson", "1h"},
        {"data/{start:%Y}/{start:%m}/part-{index}.parquet", "1d"},
        {"{index}.ndjson", "1h"},
        {"{start:%Y/%-m/%-d}.ndjson", "1d"},
        {"{start:%Y%m%d}.ndjson", "1d"},
        {"{start:%Y-%j}.ndjson", "1d"},
        {"{start:%Y-%m}.ndjson", "1mo"},
        {"{start:%Y-%m}.ndjson", "31d"},
        {"{start:%Y}.ndjson", "1y"},
        {"{start:%s}.ndjson", "1h"},
        {"{start:%F %T}.ndjson", "1h"},
        {"{start:%C%y%m%d}.ndjson", "1d"},
        {"{end_excl:%Y-%m-%d}.ndjson", "1d"}, /* year 10000 at the end */
        {"{end:%Y%m%d}.ndjson", "7d"},
        {"{end_excl:%Y}.ndjson", "1y"},
    };
    FOR_CASES(i, cases) {
        struct sluice_window_spec spec =
            plan(day(1, 1, 1), day(9999, 12, 31), cases[i].step);
        struct sluice_outpath_clash c;
        struct sluice_err err = {{0}};
        bool proven = false;
        int rc = sluice__outpath_clash(cases[i].tpl, &spec, 0, &c, &proven,
                                       &err);
        if (rc != SLUICE_OK || !proven || c.found)
            FAIL_AT("%s by %s: rc %d, proven %d, clash %d (%s)",
                    cases[i].tpl, cases[i].step, rc, proven, c.found,
                    err.msg);
    }
}

static void test_clash_found(void)
{
    const struct {
        const char *tpl, *step;
        int64_t from, to;
        size_t a, b;
        const char *path;
    } cases[] = {
        /* the hostile report: daily windows, a monthly path */
        {"out/{start:%Y-%m}.ndjson", "1d", day(2020, 1, 1), day(2020, 3, 1), 0,
         1, "out/2020-01.ndjson"},
        /* two digit runs side by side: 1-11 and 11-1 read the same */
        {"{start:%-m%-d}.ndjson", "1d", day(2020, 1, 1), day(2020, 12, 31), 10,
         305, "111.ndjson"},
        /* a ".." after a placeholder takes it away */
        {"data/{start}/../x.ndjson", "1d", day(2020, 1, 1), day(2020, 1, 5), 0,
         1, "data/x.ndjson"},
        /* the month name repeats a year later */
        {"{start:%b-%d}.ndjson", "1d", day(2020, 1, 1), day(2021, 12, 31), 0,
         366, "Jan-01.ndjson"},
        /* hours in days */
        {"{start:%Y-%m-%d}.ndjson", "6h", day(2020, 1, 1), day(2020, 1, 2), 0,
         1, "2020-01-01.ndjson"},
        /* ends are a step apart but for the clipped last window */
        {"{end:%Y-%m}.ndjson", "31d", day(2020, 1, 1), day(2020, 3, 3), 1, 2,
         "2020-03.ndjson"},
    };
    FOR_CASES(i, cases) {
        struct sluice_window_spec spec =
            plan(cases[i].from, cases[i].to, cases[i].step);
        struct sluice_outpath_clash c;
        struct sluice_err err = {{0}};
        ASSERT_EQ(sluice__outpath_clash(cases[i].tpl, &spec, 1000, &c, NULL,
                                        &err),
                  SLUICE_OK);
        if (!c.found || c.a != cases[i].a || c.b != cases[i].b ||
            strcmp(c.path, cases[i].path) != 0)
            FAIL_AT("%s: clash %d (%zu, %zu) %s, expected (%zu, %zu) %s",
                    cases[i].tpl, c.found, c.a, c.b, c.path, cases[i].a,
                    cases[i].b, cases[i].path);
    }
}

/* Not provable and distinct: rendered in full within the bound; beyond it
 * refused, never passed unchecked; a clash in the first windows is still
 * named. */
static void test_clash_bound(void)
{
    struct sluice_window_spec spec = plan(day(2020, 1, 1), day(2020, 12, 31),
                                          "1d");
    struct sluice_outpath_clash c;
    struct sluice_err err = {{0}};
    bool proven = true;
    ASSERT_EQ(sluice__outpath_clash("{start:%b-%d}.ndjson", &spec, 366, &c,
                                    &proven, &err),
              SLUICE_OK);
    ASSERT_TRUE(!c.found);
    ASSERT_TRUE(!proven);
    ASSERT_EQ(sluice__outpath_clash("{start:%b-%d}.ndjson", &spec, 100, &c,
                                    &proven, &err),
              SLUICE_ETOOBIG);
    ASSERT_TRUE(strstr(err.msg, "366 windows") != NULL);
    struct sluice_window_spec big = plan(day(2000, 1, 1), day(4025, 12, 31),
                                         "1h");
    ASSERT_EQ(sluice__outpath_clash("{start:%Y-%m-%d}.ndjson", &big, 100, &c,
                                    NULL, &err),
              SLUICE_OK);
    ASSERT_TRUE(c.found);
    ASSERT_EQ(c.b, 1);
    /* One window: nothing to clash with. */
    struct sluice_window_spec one = plan(day(2020, 1, 1), day(2020, 1, 1),
                                         "1d");
    ASSERT_EQ(sluice__outpath_clash("x.ndjson{index}", &one, 0, &c, NULL,
                                    &err),
              SLUICE_OK);
    ASSERT_TRUE(!c.found);
}

static const struct harness_test TESTS[] = {
    TEST(test_folder),
    TEST(test_inside),
    TEST(test_normal),
    TEST(test_clash_proven_without_rendering),
    TEST(test_clash_found),
    TEST(test_clash_bound),
};
HARNESS_MAIN(TESTS)
