/* test_date.c: civil-date arithmetic against known days and gmtime_r,
 * leap years, month arithmetic with clamping, strict parsing, bounded
 * formatting. */
#include <time.h>

#include "harness.h"
#include "util/date.h"

static void test_known_days(void)
{
    static const struct {
        int y, m, d;
        long long days;
    } cases[] = {
        {1970, 1, 1, 0},      {1969, 12, 31, -1},   {2000, 3, 1, 11017},
        {2000, 2, 29, 11016}, {1, 1, 1, -719162},   {9999, 12, 31, 2932896},
        {2020, 1, 1, 18262},  {1900, 3, 1, -25508},
    };
    FOR_CASES(i, cases) {
        ASSERT_EQ(sluice__days_from_civil(cases[i].y, cases[i].m, cases[i].d),
                  cases[i].days);
        int64_t y;
        int m, d;
        sluice__civil_from_days(cases[i].days, &y, &m, &d);
        ASSERT_EQ(y, cases[i].y);
        ASSERT_EQ(m, cases[i].m);
        ASSERT_EQ(d, cases[i].d);
    }
}

/* Every 97th day from year 1 to 9999 agrees with the C library. */
static void test_round_trip_against_gmtime(void)
{
    for (int64_t day = -719162; day <= 2932896; day += 97) {
        int64_t y;
        int m, d;
        sluice__civil_from_days(day, &y, &m, &d);
        ASSERT_EQ(sluice__days_from_civil(y, m, d), day);
        time_t t = (time_t)(day * SLUICE_DAY_SECS);
        struct tm tm;
        ASSERT_TRUE(gmtime_r(&t, &tm) != NULL);
        ASSERT_EQ(y, tm.tm_year + 1900LL);
        ASSERT_EQ(m, tm.tm_mon + 1);
        ASSERT_EQ(d, tm.tm_mday);
    }
}

static void test_leap_years_and_month_lengths(void)
{
    ASSERT_TRUE(sluice__leap_year(2000));
    ASSERT_TRUE(sluice__leap_year(2020));
    ASSERT_TRUE(sluice__leap_year(2400));
    ASSERT_TRUE(!sluice__leap_year(1900));
    ASSERT_TRUE(!sluice__leap_year(2100));
    ASSERT_TRUE(!sluice__leap_year(2021));
    ASSERT_EQ(sluice__month_days(2020, 2), 29);
    ASSERT_EQ(sluice__month_days(2100, 2), 28);
    ASSERT_EQ(sluice__month_days(2000, 2), 29);
    ASSERT_EQ(sluice__month_days(2021, 4), 30);
    ASSERT_EQ(sluice__month_days(2021, 12), 31);
    ASSERT_EQ(sluice__month_days(2021, 0), 0);
    ASSERT_EQ(sluice__month_days(2021, 13), 0);
}

static int64_t at(int y, int m, int d)
{
    return sluice__days_from_civil(y, m, d) * SLUICE_DAY_SECS;
}

static void test_floor_div_and_day_floor(void)
{
    ASSERT_EQ(sluice__floor_div(-1, 86400), -1);
    ASSERT_EQ(sluice__floor_div(-86400, 86400), -1);
    ASSERT_EQ(sluice__floor_div(86399, 86400), 0);
    ASSERT_EQ(sluice__day_floor(at(1960, 5, 5) + 3600), at(1960, 5, 5));
    ASSERT_EQ(sluice__day_floor(at(2020, 5, 5) - 1), at(2020, 5, 4));
}

static void test_add_months_clamps(void)
{
    ASSERT_EQ(sluice__time_add_months(at(2020, 1, 31), 1), at(2020, 2, 29));
    ASSERT_EQ(sluice__time_add_months(at(2020, 1, 31), 2), at(2020, 3, 31));
    ASSERT_EQ(sluice__time_add_months(at(2020, 1, 31), 3), at(2020, 4, 30));
    ASSERT_EQ(sluice__time_add_months(at(2020, 1, 31), 13), at(2021, 2, 28));
    ASSERT_EQ(sluice__time_add_months(at(2100, 1, 29), 1), at(2100, 2, 28));
    ASSERT_EQ(sluice__time_add_months(at(2000, 1, 30), 1), at(2000, 2, 29));
    ASSERT_EQ(sluice__time_add_months(at(2020, 3, 31), -1), at(2020, 2, 29));
    ASSERT_EQ(sluice__time_add_months(at(2020, 1, 15), -13), at(2018, 12, 15));
    ASSERT_EQ(sluice__time_add_months(at(2020, 1, 31) + 3723, 1),
              at(2020, 2, 29) + 3723);
}

static void test_parse_valid(void)
{
    static const struct {
        const char *s;
        long long t;
        bool timed;
    } ok[] = {
        {"1970-01-01", 0, false},
        {"2020-02-29", 1582934400, false},
        {"2000-02-29", 951782400, false},
        {"2020-01-01T00:00", 1577836800, true},
        {"2020-01-01T12:34:56", 1577882096, true},
        {"2020-01-01T12:34:56Z", 1577882096, true},
        {"2020-01-01T23:59Z", 1577923140, true},
        {"0001-01-01", -62135596800LL, false},
        {"9999-12-31", 253402214400LL, false},
    };
    FOR_CASES(i, ok) {
        int64_t t = -1;
        bool timed = !ok[i].timed;
        struct sluice_err err = {{0}};
        int rc = sluice__time_parse(ok[i].s, strlen(ok[i].s), &t, &timed, &err);
        if (rc != SLUICE_OK)
            FAIL_AT("%s: %s", ok[i].s, err.msg);
        ASSERT_EQ(t, ok[i].t);
        ASSERT_EQ(timed, ok[i].timed);
    }
}

static void test_parse_invalid(void)
{
    static const struct {
        const char *s;
        const char *msg_part;
    } bad[] = {
        {"2021-02-29", "day 29 is out of range (2021-02 has 28 days)"},
        {"2100-02-29", "2100-02 has 28 days"},
        {"2021-13-01", "month 13"},
        {"2021-00-10", "month 00"},
        {"2021-04-31", "day 31"},
        {"2021-01-00", "day 00"},
        {"2021-1-1", "byte 6: expected a digit"},
        {"21-01-01", "byte 2: expected a digit"},
        {"2021/01/01", "byte 4: expected '-'"},
        {"2021-01-01 ", "byte 10: expected 'T' or the end"},
        {"2021-01-01T", "byte 11: expected a digit"},
        {"2021-01-01T24:00", "hour 24"},
        {"2021-01-01T23:60", "minute 60"},
        {"2021-01-01T23:59:60", "second 60"},
        {"2021-01-01T1:00", "byte 12"},
        {"2021-01-01T10:00:0", "byte 18"},
        {"2021-01-01T10:00+01:00", "byte 16"},
        {"2021-01-01T10:00ZZ", "byte 17"},
        {"0000-01-01", "year 0000"},
        {"", "byte 0"},
        {"today", "byte 0"},
    };
    FOR_CASES(i, bad) {
        int64_t t = 0;
        bool timed = false;
        struct sluice_err err = {{0}};
        int rc =
            sluice__time_parse(bad[i].s, strlen(bad[i].s), &t, &timed, &err);
        if (rc != SLUICE_EINVAL)
            FAIL_AT("'%s' accepted (rc %d)", bad[i].s, rc);
        if (!strstr(err.msg, bad[i].msg_part))
            FAIL_AT("'%s': message \"%s\" lacks \"%s\"", bad[i].s, err.msg,
                    bad[i].msg_part);
    }
    /* Length is explicit: a NUL-free prefix of a longer string parses. */
    int64_t t = 0;
    ASSERT_EQ(sluice__time_parse("2021-01-02xyz", 10, &t, NULL, NULL),
              SLUICE_OK);
    ASSERT_EQ(t, at(2021, 1, 2));
}

static void test_format(void)
{
    struct sluice_buf b;
    sluice__buf_init(&b, 4096);
    ASSERT_EQ(sluice__time_format(at(2020, 2, 29) + 3723, "%Y%m%d-%H%M%S", &b),
              SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&b), "20200229-010203");
    sluice__buf_reset(&b);
    ASSERT_EQ(sluice__time_format(0, "%%Y %%F %%%Y", &b), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&b), "%Y %F %1970");
    sluice__buf_reset(&b);
    ASSERT_EQ(sluice__time_format(0, "", &b), SLUICE_OK);
    ASSERT_EQ(b.n, 0);
    ASSERT_EQ(sluice__time_format(0, "%%", &b), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&b), "%");
    sluice__buf_reset(&b);
    /* 40 x %c is a short format but a long result: refused, not cut. */
    char fmt[SLUICE_TIME_FMT_MAX + 2];
    memset(fmt, 0, sizeof fmt);
    for (int i = 0; i < 40; i++)
        memcpy(fmt + 2 * i, "%c", 2);
    ASSERT_EQ(sluice__time_format(0, fmt, &b), SLUICE_ETOOBIG);
    memset(fmt, 'x', SLUICE_TIME_FMT_MAX + 1);
    fmt[SLUICE_TIME_FMT_MAX + 1] = '\0';
    ASSERT_EQ(sluice__time_format(0, fmt, &b), SLUICE_EINVAL);
    ASSERT_EQ(sluice__time_format(INT64_MAX, "%Y", &b), SLUICE_EINVAL);
    ASSERT_EQ(b.n, 0);
    sluice__buf_cleanup(&b);
}

/* glibc prints years below 1000 unpadded ("1-01-01"); every date sluice
 * formats has a four-digit year, whatever conversion names it. */
static void test_format_pads_years(void)
{
    struct sluice_buf b;
    sluice__buf_init(&b, 4096);
    static const struct {
        int y, m, d;
        const char *fmt, *want;
    } cases[] = {
        {1, 1, 1, "%Y-%m-%d", "0001-01-01"},
        {1, 1, 1, "%F", "0001-01-01"},
        {1, 1, 1, "%0Y|%^Y|%#Y", "0001|0001|0001"},
        {1, 1, 1, "%_Y|%-Y", "   1|1"},
        {1, 1, 1, "%C%y", "0001"},
        {1, 1, 1, "%_C|%-C|%-_Y", " 0|0|1"},
        {1, 1, 1, "%G", "0001"}, /* a Monday: ISO week 1 of 0001 */
        {1, 1, 1, "%c", "Mon Jan  1 00:00:00 0001"},
        /* '^' upper-cases a %c, as glibc does (found by fuzz_template);
         * its other flags change nothing there */
        {2025, 12, 31, "%^c|%-c", "WED DEC 31 00:00:00 2025|Wed Dec 31 00:00:00 2025"},
        {1, 1, 1, "%^^c", "MON JAN  1 00:00:00 0001"},
        {2025, 12, 31, "%^x %^X", "12/31/25 00:00:00"},
        {1, 1, 1, "%x %D", "01/01/01 01/01/01"},
        {99, 1, 1, "%Y/%m", "0099/01"},
        {999, 1, 1, "%F %G", "0999-01-01 0999"},
        {8, 12, 31, "%G-W%V", "0009-W01"}, /* ISO year of late December */
        {2020, 1, 1, "%Y %F %C %G", "2020 2020-01-01 20 2020"},
        {9999, 12, 31, "%Y%m%d", "99991231"},
    };
    FOR_CASES(i, cases) {
        sluice__buf_reset(&b);
        ASSERT_EQ(sluice__time_format(at(cases[i].y, cases[i].m, cases[i].d),
                                      cases[i].fmt, &b),
                  SLUICE_OK);
        ASSERT_STR_EQ(sluice__buf_str(&b), cases[i].want);
    }
    sluice__buf_cleanup(&b);
}

static const struct harness_test TESTS[] = {
    TEST(test_known_days),
    TEST(test_round_trip_against_gmtime),
    TEST(test_leap_years_and_month_lengths),
    TEST(test_floor_div_and_day_floor),
    TEST(test_add_months_clamps),
    TEST(test_parse_valid),
    TEST(test_parse_invalid),
    TEST(test_format),
    TEST(test_format_pads_years),
};
HARNESS_MAIN(TESTS)
