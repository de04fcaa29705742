/* test_parquet_values.c: strict UTF-8 validation and the reader's JSON
 * value forms (strings, dates, timestamps, doubles). */
#include "harness.h"
#include "parquet/values.h"

#include <math.h>

static void test_utf8(void)
{
    static const struct {
        const char *s;
        size_t n;
        bool ok;
        size_t bad;
    } c[] = {
        {"", 0, true, 0},
        {"plain ascii text, longer than eight bytes", 41, true, 0},
        {"a\0b", 3, true, 0},
        {"\xC2\x80", 2, true, 0},         /* U+0080 */
        {"\xDF\xBF", 2, true, 0},         /* U+07FF */
        {"\xE0\xA0\x80", 3, true, 0},     /* U+0800 */
        {"\xED\x9F\xBF", 3, true, 0},     /* U+D7FF */
        {"\xEE\x80\x80", 3, true, 0},     /* U+E000 */
        {"\xF0\x9F\x98\x80", 4, true, 0}, /* U+1F600 */
        {"\xF4\x8F\xBF\xBF", 4, true, 0}, /* U+10FFFF */
        {"abcdefgh\xC3\xA9", 10, true, 0},
        {"\x80", 1, false, 0},     /* lone continuation */
        {"\xC0\x80", 2, false, 0}, /* overlong */
        {"\xC1\xBF", 2, false, 0},
        {"\xE0\x9F\xBF", 3, false, 0},     /* overlong 3-byte */
        {"\xED\xA0\x80", 3, false, 0},     /* U+D800 */
        {"\xED\xBF\xBF", 3, false, 0},     /* U+DFFF */
        {"\xF0\x8F\xBF\xBF", 4, false, 0}, /* overlong 4-byte */
        {"\xF4\x90\x80\x80", 4, false, 0}, /* U+110000 */
        {"\xF5\x80\x80\x80", 4, false, 0},
        {"0123456789\xE2\x82", 12, false, 10}, /* truncated at the end */
        {"ab\xC3(", 4, false, 2},              /* bad continuation */
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(c); i++) {
        size_t bad = 99;
        bool ok = sluice__utf8_valid(c[i].s, c[i].n, &bad);
        if (ok != c[i].ok)
            fprintf(stderr, "  case %zu\n", i);
        ASSERT_EQ(ok, c[i].ok);
        if (!ok)
            ASSERT_EQ(bad, c[i].bad);
    }
}

static void test_dates_and_timestamps(void)
{
    static const struct {
        int64_t days;
        const char *want;
    } d[] = {
        {0, "\"1970-01-01\""},        {-1, "\"1969-12-31\""},
        {11016, "\"2000-02-29\""},    {19723, "\"2024-01-01\""},
        {-719162, "\"0001-01-01\""},  {-719528, "\"0000-01-01\""},
        {2932896, "\"9999-12-31\""},  {2932897, "\"+10000-01-01\""},
        {-719529, "\"-0001-12-31\""},
    };
    struct sluice_buf b;
    sluice__buf_init(&b, 1 << 16);
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(d); i++) {
        sluice__buf_reset(&b);
        ASSERT_EQ(sluice__pq_fmt_date(&b, d[i].days), SLUICE_OK);
        ASSERT_STR_EQ(sluice__buf_str(&b), d[i].want);
    }
    static const struct {
        int64_t t, per;
        bool utc;
        const char *want;
    } t[] = {
        {1700000000123456, 1000000, true, "\"2023-11-14T22:13:20.123456Z\""},
        {-1, 1000000, true, "\"1969-12-31T23:59:59.999999Z\""},
        {1500, 1000, true, "\"1970-01-01T00:00:01.5Z\""},
        {0, 1000000000, true, "\"1970-01-01T00:00:00Z\""},
        {86400000000 + 120000, 1000000, false, "\"1970-01-02T00:00:00.12\""},
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(t); i++) {
        sluice__buf_reset(&b);
        ASSERT_EQ(sluice__pq_fmt_timestamp(&b, t[i].t, t[i].per, t[i].utc),
                  SLUICE_OK);
        ASSERT_STR_EQ(sluice__buf_str(&b), t[i].want);
    }
    sluice__buf_cleanup(&b);
}

static void test_doubles_and_strings(void)
{
    static const struct {
        double d;
        const char *want;
    } c[] = {
        {0.1, "0.1"},
        {1.0, "1.0"},
        {-0.0, "-0.0"},
        {1e300, "1e+300"},
        {0.30000000000000004, "0.30000000000000004"},
        {-2.5, "-2.5"},
        {NAN, "\"NaN\""},
        {-INFINITY, "\"-Infinity\""},
    };
    struct sluice_buf b;
    sluice__buf_init(&b, 1 << 16);
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(c); i++) {
        sluice__buf_reset(&b);
        ASSERT_EQ(sluice__pq_fmt_double(&b, c[i].d), SLUICE_OK);
        ASSERT_STR_EQ(sluice__buf_str(&b), c[i].want);
    }
    sluice__buf_reset(&b);
    ASSERT_EQ(sluice__pq_json_string(&b, "a\"\\\b\f\n\r\t\x7f\0z", 11),
              SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&b),
                  "\"a\\\"\\\\\\b\\f\\n\\r\\t\x7f\\u0000z\"");
    sluice__buf_cleanup(&b);
}

static const struct harness_test TESTS[] = {
    TEST(test_utf8),
    TEST(test_dates_and_timestamps),
    TEST(test_doubles_and_strings),
};
HARNESS_MAIN(TESTS)
