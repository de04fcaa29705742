/* test_window.c: step parsing, range bounds, window counts and the
 * windows themselves: week, day, hour and month steps, month ends, leap
 * days, clipping of the last window, one-window ranges, rejected input,
 * and O(1) access over very long ranges. */
#include "harness.h"
#include "plan/window.h"
#include "util/date.h"

static int64_t day(int y, int m, int d)
{
    return sluice__days_from_civil(y, m, d) * SLUICE_DAY_SECS;
}

/* Formats a window field as YYYY-MM-DD[THH:MM:SS] for readable asserts. */
static const char *show(int64_t t, char *out, size_t n)
{
    struct sluice_buf b;
    sluice__buf_init(&b, 64);
    if (sluice__time_format(
            t, t % SLUICE_DAY_SECS ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d", &b) !=
        SLUICE_OK)
        snprintf(out, n, "?");
    else
        snprintf(out, n, "%s", sluice__buf_str(&b));
    sluice__buf_cleanup(&b);
    return out;
}

#define ASSERT_TIME(t, s)                                                      \
    do {                                                                       \
        char tb_[40];                                                          \
        ASSERT_STR_EQ(show((t), tb_, sizeof tb_), (s));                        \
    } while (0)

/* Builds a spec from text, failing the test on error. */
#define SPEC(spec, from, to, step)                                             \
    do {                                                                       \
        struct sluice_err e_ = {{0}};                                          \
        struct sluice_step st_;                                                \
        int64_t f_, t_;                                                        \
        bool ft_, tt_;                                                         \
        if (sluice__step_parse((step), &st_, &e_) != SLUICE_OK ||              \
            sluice__time_bound_parse((from), 0, &f_, &ft_, &e_) !=             \
                SLUICE_OK ||                                                   \
            sluice__time_bound_parse((to), 0, &t_, &tt_, &e_) != SLUICE_OK ||  \
            sluice__window_spec_make(f_, t_, tt_, st_, &(spec), &e_) !=        \
                SLUICE_OK)                                                     \
            FAIL_AT("spec %s..%s by %s: %s", (from), (to), (step), e_.msg);    \
    } while (0)

static void test_steps(void)
{
    static const struct {
        const char *s;
        enum sluice_step_unit unit;
        long long count;
    } ok[] = {
        {"7d", SLUICE_STEP_DAYS, 7},        {"1w", SLUICE_STEP_DAYS, 7},
        {"2 weeks", SLUICE_STEP_DAYS, 14},  {"1mo", SLUICE_STEP_MONTHS, 1},
        {"3months", SLUICE_STEP_MONTHS, 3}, {"1 month", SLUICE_STEP_MONTHS, 1},
        {"6h", SLUICE_STEP_HOURS, 6},       {"12 hours", SLUICE_STEP_HOURS, 12},
        {"1day", SLUICE_STEP_DAYS, 1},      {"1 DAY", SLUICE_STEP_DAYS, 1},
        {" 7d ", SLUICE_STEP_DAYS, 7},      {"1y", SLUICE_STEP_MONTHS, 12},
    };
    FOR_CASES(i, ok) {
        struct sluice_step st = {SLUICE_STEP_HOURS, 0};
        struct sluice_err err = {{0}};
        if (sluice__step_parse(ok[i].s, &st, &err) != SLUICE_OK)
            FAIL_AT("'%s': %s", ok[i].s, err.msg);
        ASSERT_EQ(st.unit, ok[i].unit);
        ASSERT_EQ(st.count, ok[i].count);
    }
}

static void test_bad_steps(void)
{
    static const struct {
        const char *s;
        const char *msg_part;
    } bad[] = {
        {"0d", "step '0d': must be at least 1"},
        {"-7d", "step '-7d': must be a positive"},
        {"7x", "step '7x': unknown unit 'x'"},
        {"3m", "'m' is ambiguous"},
        {"15min", "shorter than an hour"},
        {"7", "missing unit"},
        {"d", "expected a number"},
        {"", "expected a number"},
        {"7d2", "unexpected '2' at byte 2"},
        {"1.5d", "unexpected '.'"},
        {"99999999999999999999d", "too large"},
        {"200000w", "too large"},
    };
    FOR_CASES(i, bad) {
        struct sluice_step st;
        struct sluice_err err = {{0}};
        int rc = sluice__step_parse(bad[i].s, &st, &err);
        if (rc != SLUICE_EJOB)
            FAIL_AT("'%s' accepted (rc %d)", bad[i].s, rc);
        if (!strstr(err.msg, bad[i].msg_part))
            FAIL_AT("'%s': message \"%s\" lacks \"%s\"", bad[i].s, err.msg,
                    bad[i].msg_part);
    }
}

/* The founding case: six years by week is 314 windows, the last a single
 * day. */
static void test_neows_weeks(void)
{
    struct sluice_window_spec spec;
    SPEC(spec, "2020-01-01", "2025-12-31", "7d");
    ASSERT_EQ(sluice__window_count(&spec), 314);
    struct sluice_window w;
    sluice__window_at(&spec, 0, &w);
    ASSERT_EQ(w.index, 0);
    ASSERT_TIME(w.start, "2020-01-01");
    ASSERT_TIME(w.end, "2020-01-07");
    ASSERT_TIME(w.end_excl, "2020-01-08");
    sluice__window_at(&spec, 313, &w);
    ASSERT_EQ(w.index, 313);
    ASSERT_TIME(w.start, "2025-12-31");
    ASSERT_TIME(w.end, "2025-12-31");
    ASSERT_TIME(w.end_excl, "2026-01-01");
    /* Windows tile the range: each starts where the previous ended. */
    int64_t prev = spec.from;
    for (size_t i = 0; i < 314; i++) {
        sluice__window_at(&spec, i, &w);
        ASSERT_EQ(w.start, prev);
        ASSERT_TRUE(w.end_excl > w.start);
        ASSERT_EQ(w.end, w.end_excl - SLUICE_DAY_SECS);
        prev = w.end_excl;
    }
    ASSERT_EQ(prev, spec.end);
}

static void test_one_window_ranges(void)
{
    struct sluice_window_spec spec;
    struct sluice_window w;
    SPEC(spec, "2020-02-29", "2020-02-29", "7d");
    ASSERT_EQ(sluice__window_count(&spec), 1);
    sluice__window_at(&spec, 0, &w);
    ASSERT_TIME(w.start, "2020-02-29");
    ASSERT_TIME(w.end, "2020-02-29");
    ASSERT_TIME(w.end_excl, "2020-03-01");
    SPEC(spec, "2020-01-01", "2020-01-07", "1w");
    ASSERT_EQ(sluice__window_count(&spec), 1);
    SPEC(spec, "2020-01-01", "2020-01-08", "1w");
    ASSERT_EQ(sluice__window_count(&spec), 2);
    SPEC(spec, "2020-01-01", "2020-01-01", "1mo");
    ASSERT_EQ(sluice__window_count(&spec), 1);
    sluice__window_at(&spec, 0, &w);
    ASSERT_TIME(w.end_excl, "2020-01-02");
}

static void test_leap_day_daily(void)
{
    struct sluice_window_spec spec;
    struct sluice_window w;
    SPEC(spec, "2020-02-27", "2020-03-01", "1d");
    ASSERT_EQ(sluice__window_count(&spec), 4);
    sluice__window_at(&spec, 2, &w);
    ASSERT_TIME(w.start, "2020-02-29");
    SPEC(spec, "2100-02-27", "2100-03-01", "1d");
    ASSERT_EQ(sluice__window_count(&spec), 3);
    sluice__window_at(&spec, 2, &w);
    ASSERT_TIME(w.start, "2100-03-01");
    SPEC(spec, "2000-02-27", "2000-03-01", "1d");
    ASSERT_EQ(sluice__window_count(&spec), 4);
}

static void test_month_steps_clamp_without_drift(void)
{
    struct sluice_window_spec spec;
    struct sluice_window w;
    SPEC(spec, "2020-01-31", "2020-12-31", "1mo");
    static const char *const starts[] = {
        "2020-01-31", "2020-02-29", "2020-03-31", "2020-04-30",
        "2020-05-31", "2020-06-30", "2020-07-31", "2020-08-31",
        "2020-09-30", "2020-10-31", "2020-11-30", "2020-12-31",
    };
    ASSERT_EQ(sluice__window_count(&spec), 12);
    for (size_t i = 0; i < 12; i++) {
        sluice__window_at(&spec, i, &w);
        ASSERT_TIME(w.start, starts[i]);
    }
    sluice__window_at(&spec, 1, &w);
    ASSERT_TIME(w.end, "2020-03-30");
    ASSERT_TIME(w.end_excl, "2020-03-31");
    sluice__window_at(&spec, 11, &w);
    ASSERT_TIME(w.end, "2020-12-31"); /* clipped to one day */
    ASSERT_TIME(w.end_excl, "2021-01-01");

    /* Calendar months, clipped at the end of the range. */
    SPEC(spec, "2020-01-01", "2021-02-15", "1mo");
    ASSERT_EQ(sluice__window_count(&spec), 14);
    sluice__window_at(&spec, 1, &w);
    ASSERT_TIME(w.start, "2020-02-01");
    ASSERT_TIME(w.end, "2020-02-29");
    sluice__window_at(&spec, 13, &w);
    ASSERT_TIME(w.start, "2021-02-01");
    ASSERT_TIME(w.end, "2021-02-15");
    ASSERT_TIME(w.end_excl, "2021-02-16");

    /* Quarters across a non-leap century year. */
    SPEC(spec, "2099-11-30", "2100-12-31", "3 months");
    ASSERT_EQ(sluice__window_count(&spec), 5);
    sluice__window_at(&spec, 1, &w);
    ASSERT_TIME(w.start, "2100-02-28");
    sluice__window_at(&spec, 4, &w);
    ASSERT_TIME(w.start, "2100-11-30");
    ASSERT_TIME(w.end, "2100-12-31");

    /* The count is exact at the boundary: the end falls on a start. */
    SPEC(spec, "2020-01-31", "2020-02-28", "1mo");
    ASSERT_EQ(sluice__window_count(&spec), 1);
    SPEC(spec, "2020-01-31", "2020-02-29", "1mo");
    ASSERT_EQ(sluice__window_count(&spec), 2);
    sluice__window_at(&spec, 1, &w);
    ASSERT_TIME(w.start, "2020-02-29");
    ASSERT_TIME(w.end_excl, "2020-03-01");
}

/* Brute force: for many starts and month steps, the count agrees with
 * walking the starts one by one. */
static void test_month_count_matches_walk(void)
{
    for (int sd = 1; sd <= 31; sd += 3) {
        for (int step = 1; step <= 13; step += 4) {
            for (int len = 0; len < 800; len += 37) {
                struct sluice_window_spec spec;
                struct sluice_err err = {{0}};
                struct sluice_step st = {SLUICE_STEP_MONTHS, step};
                int64_t from = day(2019, 1, sd);
                int64_t to = from + len * SLUICE_DAY_SECS;
                ASSERT_EQ(
                    sluice__window_spec_make(from, to, false, st, &spec, &err),
                    SLUICE_OK);
                size_t n = 0;
                while (sluice__time_add_months(from, (int64_t)n * step) <
                       spec.end)
                    n++;
                ASSERT_EQ(sluice__window_count(&spec), n);
            }
        }
    }
}

static void test_hour_steps(void)
{
    struct sluice_window_spec spec;
    struct sluice_window w;
    SPEC(spec, "2020-01-01", "2020-01-01", "6h");
    ASSERT_EQ(sluice__window_count(&spec), 4);
    sluice__window_at(&spec, 1, &w);
    ASSERT_TIME(w.start, "2020-01-01T06:00:00");
    ASSERT_TIME(w.end, "2020-01-01T11:59:59");
    ASSERT_TIME(w.end_excl, "2020-01-01T12:00:00");
    /* A `to` with a time is exclusive, and the last window is clipped. */
    SPEC(spec, "2020-01-01T00:00", "2020-01-01T14:30", "12 hours");
    ASSERT_EQ(sluice__window_count(&spec), 2);
    sluice__window_at(&spec, 1, &w);
    ASSERT_TIME(w.start, "2020-01-01T12:00:00");
    ASSERT_TIME(w.end_excl, "2020-01-01T14:30:00");
    ASSERT_TIME(w.end, "2020-01-01T14:29:59");
}

/* Windows that do not start at midnight still report the last day they
 * touch. */
static void test_midday_day_windows(void)
{
    struct sluice_window_spec spec;
    struct sluice_window w;
    SPEC(spec, "2020-01-01T12:00", "2020-01-03T12:00", "1d");
    ASSERT_EQ(sluice__window_count(&spec), 2);
    sluice__window_at(&spec, 0, &w);
    ASSERT_TIME(w.end_excl, "2020-01-02T12:00:00");
    ASSERT_TIME(w.end, "2020-01-02");
}

static void test_rejected_ranges(void)
{
    struct sluice_window_spec spec;
    struct sluice_err err = {{0}};
    struct sluice_step st = {SLUICE_STEP_DAYS, 1};
    ASSERT_EQ(sluice__window_spec_make(day(2020, 1, 2), day(2020, 1, 1), false,
                                       st, &spec, &err),
              SLUICE_EJOB);
    ASSERT_TRUE(strstr(err.msg, "empty range") != NULL);
    /* An exclusive `to` equal to `from` is empty too. */
    ASSERT_EQ(sluice__window_spec_make(day(2020, 1, 1), day(2020, 1, 1), true,
                                       st, &spec, &err),
              SLUICE_EJOB);
    st.count = 0;
    ASSERT_EQ(sluice__window_spec_make(day(2020, 1, 1), day(2020, 1, 2), false,
                                       st, &spec, &err),
              SLUICE_EJOB);

    static const char *const bad[] = {"2021-02-29", "2021-13-01",
                                      "2021-1-1",   "tomorrow",
                                      "",           "2021-01-01T25:00"};
    FOR_CASES(i, bad) {
        int64_t t;
        bool timed;
        err.msg[0] = '\0';
        if (sluice__time_bound_parse(bad[i], 0, &t, &timed, &err) !=
            SLUICE_EJOB)
            FAIL_AT("'%s' accepted", bad[i]);
        if (bad[i][0] && !strstr(err.msg, bad[i]))
            FAIL_AT("'%s': message \"%s\" does not name it", bad[i], err.msg);
    }
}

static void test_today_yesterday(void)
{
    int64_t now = day(2024, 3, 1) + 5 * 3600 + 17; /* 05:00:17 UTC */
    int64_t t = 0;
    bool timed = true;
    struct sluice_err err = {{0}};
    ASSERT_EQ(sluice__time_bound_parse("today", now, &t, &timed, &err),
              SLUICE_OK);
    ASSERT_EQ(t, day(2024, 3, 1));
    ASSERT_TRUE(!timed);
    ASSERT_EQ(sluice__time_bound_parse("yesterday", now, &t, &timed, &err),
              SLUICE_OK);
    ASSERT_EQ(t, day(2024, 2, 29));
    /* Before the epoch, "today" still floors to midnight. */
    ASSERT_EQ(sluice__time_bound_parse("today", -1, &t, &timed, &err),
              SLUICE_OK);
    ASSERT_EQ(t, day(1969, 12, 31));
    /* Used as `to`, today is inclusive. */
    struct sluice_window_spec spec;
    struct sluice_step st = {SLUICE_STEP_DAYS, 1};
    ASSERT_EQ(sluice__window_spec_make(day(2024, 2, 28), day(2024, 3, 1), false,
                                       st, &spec, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__window_count(&spec), 3);
}

/* 1900..2200 daily is 110 000 windows; count and access are O(1), so this
 * only touches a few of them. */
static void test_large_ranges(void)
{
    struct sluice_window_spec spec;
    struct sluice_window w;
    SPEC(spec, "1900-01-01", "2200-12-31", "1d");
    size_t n = sluice__window_count(&spec);
    ASSERT_EQ(n, (day(2201, 1, 1) - day(1900, 1, 1)) / SLUICE_DAY_SECS);
    ASSERT_EQ(n, 109938);
    sluice__window_at(&spec, n - 1, &w);
    ASSERT_TIME(w.start, "2200-12-31");
    sluice__window_at(&spec, 36524, &w);
    ASSERT_TIME(w.start, "2000-01-01");
    SPEC(spec, "0001-01-01", "9999-12-31", "1h");
    ASSERT_EQ(sluice__window_count(&spec), 87649416);
    sluice__window_at(&spec, 87649415, &w);
    ASSERT_TIME(w.start, "9999-12-31T23:00:00");
    ASSERT_TIME(w.end_excl, "10000-01-01");
    SPEC(spec, "0001-01-31", "9999-12-31", "1mo");
    ASSERT_EQ(sluice__window_count(&spec), 9999 * 12);
    sluice__window_at(&spec, 9999 * 12 - 1, &w);
    ASSERT_TIME(w.start, "9999-12-31");
    sluice__window_at(&spec, 1, &w);
    ASSERT_TIME(w.start, "0001-02-28");
}

/* The window holding an instant, found by binary search: edges included. */
static void test_first_ending_after(void)
{
    struct sluice_window_spec spec;
    SPEC(spec, "2020-01-01", "2020-01-31", "7d"); /* 5 windows, the last clipped */
    size_t n = sluice__window_count(&spec);
    ASSERT_EQ(n, 5);
    int64_t jan1 = day(2020, 1, 1), d = 86400;
    ASSERT_EQ(sluice__window_first_ending_after(&spec, n, jan1 - 1), 0);
    ASSERT_EQ(sluice__window_first_ending_after(&spec, n, jan1), 0);
    ASSERT_EQ(sluice__window_first_ending_after(&spec, n, jan1 + 7 * d - 1), 0);
    ASSERT_EQ(sluice__window_first_ending_after(&spec, n, jan1 + 7 * d), 1);
    ASSERT_EQ(sluice__window_first_ending_after(&spec, n, jan1 + 30 * d), 4);
    ASSERT_EQ(sluice__window_first_ending_after(&spec, n, jan1 + 31 * d), n);
    ASSERT_EQ(sluice__window_first_ending_after(&spec, 2, jan1 + 30 * d), 2);
}

static const struct harness_test TESTS[] = {
    TEST(test_first_ending_after),
    TEST(test_steps),
    TEST(test_bad_steps),
    TEST(test_neows_weeks),
    TEST(test_one_window_ranges),
    TEST(test_leap_day_daily),
    TEST(test_month_steps_clamp_without_drift),
    TEST(test_month_count_matches_walk),
    TEST(test_hour_steps),
    TEST(test_midday_day_windows),
    TEST(test_rejected_ranges),
    TEST(test_today_yesterday),
    TEST(test_large_ranges),
};
HARNESS_MAIN(TESTS)
