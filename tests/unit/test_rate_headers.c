/* test_rate_headers.c: rate-limit header lines as curl delivers them:
 * X-RateLimit-*, both IETF forms, Retry-After (seconds and all three
 * HTTP-date formats), malformed and huge values, and the normalised
 * quotas the governor reads. */
#include <math.h>

#include "harness.h"
#include "http/rate_headers.h"

/* 2015-10-21T07:28:00Z */
#define WALL 1445412480.0

static void feed(struct sluice_rate_headers *h, const char *line)
{
    sluice__rate_headers_feed(h, line, strlen(line));
}

/* Numbers compared at millisecond precision, printed by ASSERT_EQ. */
#define ASSERT_NUM(a, b) ASSERT_EQ(llround((a)*1000), llround((b)*1000))

static void test_x_ratelimit_neows(void)
{
    struct sluice_rate_headers h;
    sluice__rate_headers_reset(&h);
    feed(&h, "HTTP/1.1 200 OK\r\n");
    feed(&h, "Content-Type: application/json\r\n");
    feed(&h, "X-RateLimit-Limit: 1000\r\n");
    feed(&h, "x-ratelimit-remaining:   998 \r\n");
    feed(&h, "\r\n");
    ASSERT_NUM(h.x_limit, 1000);
    ASSERT_NUM(h.x_remaining, 998);
    ASSERT_TRUE(h.x_reset < 0);
    ASSERT_TRUE(h.retry_after < 0);
    struct sluice_rate_quota q[SLUICE_RATE_QUOTAS_MAX];
    ASSERT_EQ(sluice__rate_headers_quotas(&h, WALL, q), 1);
    ASSERT_EQ(q[0].family, SLUICE_RATE_FAMILY_X);
    ASSERT_NUM(q[0].limit, 1000);
    ASSERT_NUM(q[0].remaining, 998);
    ASSERT_TRUE(q[0].window < 0 && q[0].reset < 0);
}

struct reset_case {
    const char *line;
    double want; /* seconds from the response, -1 absent */
};

static void test_reset_seconds_epoch_and_ms(void)
{
    static const struct reset_case cases[] = {
        {"X-RateLimit-Reset: 30", 30},
        {"X-RateLimit-Reset: 0.5", 0.5},
        {"X-RateLimit-Reset: 1445412540", 60},    /* epoch seconds */
        {"X-RateLimit-Reset: 1445412540000", 60}, /* epoch ms */
        {"X-RateLimit-Reset: 1445412000", 0},     /* epoch in the past */
        {"X-RateLimit-Reset: -5", -1},
        {"X-RateLimit-Reset: soon", -1},
        {"X-RateLimit-Reset: 30s", -1},
        {"X-RateLimit-Reset: ", -1},
        {"X-RateLimit-Reset: 99999999999999999999999999", 3.15e8},
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(cases); i++) {
        struct sluice_rate_headers h;
        sluice__rate_headers_reset(&h);
        feed(&h, cases[i].line);
        struct sluice_rate_quota q[SLUICE_RATE_QUOTAS_MAX];
        size_t k = sluice__rate_headers_quotas(&h, WALL, q);
        if (cases[i].want < 0) {
            if (k != 0)
                FAIL_AT("case %zu: %s: quota from a bad value", i,
                        cases[i].line);
            continue;
        }
        ASSERT_EQ(k, 1);
        if (llround(q[0].reset * 1000) != llround(cases[i].want * 1000))
            FAIL_AT("case %zu: %s: reset %g, want %g", i, cases[i].line,
                    q[0].reset, cases[i].want);
    }
}

static void test_malformed_and_huge_values(void)
{
    struct sluice_rate_headers h;
    sluice__rate_headers_reset(&h);
    feed(&h, "X-RateLimit-Limit: lots");
    feed(&h, "X-RateLimit-Remaining: 12abc");
    feed(&h, "X-RateLimit-Remaining: 1e5");
    feed(&h, "X-RateLimit-Remaining: .5");
    feed(&h, "Retry-After: -1");
    feed(&h, "Retry-After: tomorrow");
    feed(&h, "RateLimit: \"unterminated;r=5");
    feed(&h, "no colon at all");
    feed(&h, ": empty name");
    feed(&h, "X-RateLimit-Limit");
    ASSERT_TRUE(h.x_limit < 0);
    ASSERT_TRUE(h.x_remaining < 0);
    ASSERT_TRUE(h.retry_after < 0);
    ASSERT_EQ(h.n_rl, 0);
    ASSERT_TRUE(sluice__rate_headers_retry_after(&h, WALL) < 0);

    feed(&h, "X-RateLimit-Limit: 123456789012345678901234567890");
    feed(&h, "Retry-After: 123456789012345678901234567890");
    ASSERT_NUM(h.x_limit, SLUICE_RATE_NUM_MAX);
    ASSERT_NUM(h.retry_after, SLUICE_RATE_SECS_MAX);
    ASSERT_TRUE(isfinite(h.x_limit));
}

static void test_repeats_combine_conservatively(void)
{
    struct sluice_rate_headers h;
    sluice__rate_headers_reset(&h);
    feed(&h, "X-RateLimit-Limit: 100");
    feed(&h, "X-RateLimit-Limit: 60");
    feed(&h, "X-RateLimit-Remaining: 5");
    feed(&h, "X-RateLimit-Remaining: 9");
    feed(&h, "X-RateLimit-Reset: 10");
    feed(&h, "X-RateLimit-Reset: 4");
    feed(&h, "Retry-After: 3");
    feed(&h, "Retry-After: 7");
    ASSERT_NUM(h.x_limit, 60);
    ASSERT_NUM(h.x_remaining, 5);
    ASSERT_NUM(h.x_reset, 10);
    ASSERT_NUM(sluice__rate_headers_retry_after(&h, WALL), 7);
}

static void test_status_line_resets(void)
{
    struct sluice_rate_headers h;
    sluice__rate_headers_reset(&h);
    feed(&h, "HTTP/1.1 301 Moved Permanently\r\n");
    feed(&h, "Retry-After: 100\r\n");
    feed(&h, "X-RateLimit-Remaining: 0\r\n");
    feed(&h, "\r\n");
    feed(&h, "HTTP/2 200 \r\n");
    feed(&h, "X-RateLimit-Limit: 40\r\n");
    ASSERT_TRUE(h.retry_after < 0);
    ASSERT_TRUE(h.x_remaining < 0);
    ASSERT_NUM(h.x_limit, 40);
}

static void test_ietf_old_drafts(void)
{
    struct sluice_rate_headers h;
    sluice__rate_headers_reset(&h);
    feed(&h, "RateLimit-Limit: 10, 10;w=1, 50;w=60");
    feed(&h, "RateLimit-Remaining: 3");
    feed(&h, "RateLimit-Reset: 1");
    struct sluice_rate_quota q[SLUICE_RATE_QUOTAS_MAX];
    ASSERT_EQ(sluice__rate_headers_quotas(&h, WALL, q), 1);
    ASSERT_EQ(q[0].family, SLUICE_RATE_FAMILY_IETF_OLD);
    ASSERT_NUM(q[0].limit, 10);
    ASSERT_NUM(q[0].window, 1);
    ASSERT_NUM(q[0].remaining, 3);
    ASSERT_NUM(q[0].reset, 1);

    /* Drafts -03..-06 moved the window into RateLimit-Policy. */
    sluice__rate_headers_reset(&h);
    feed(&h, "RateLimit-Limit: 100");
    feed(&h, "RateLimit-Policy: 100;w=60;comment=\"sliding\"");
    feed(&h, "RateLimit-Remaining: 50");
    ASSERT_EQ(sluice__rate_headers_quotas(&h, WALL, q), 1);
    ASSERT_NUM(q[0].limit, 100);
    ASSERT_NUM(q[0].window, 60);
    ASSERT_NUM(q[0].remaining, 50);
    ASSERT_TRUE(q[0].reset < 0);
}

static void test_ietf_structured(void)
{
    struct sluice_rate_headers h;
    sluice__rate_headers_reset(&h);
    feed(&h, "RateLimit-Policy: \"burst\";q=100;w=60, "
             "\"daily\";q=1000;w=86400;qu=\"requests\"\r\n");
    feed(&h, "RateLimit: \"burst\";r=50;t=30\r\n");
    feed(&h, "RateLimit: \"daily\";r=999;t=1000, bad item here, "
             "tok;r=1;t=2;flag\r\n");
    ASSERT_EQ(h.n_pol, 2);
    ASSERT_EQ(h.n_rl, 3);
    ASSERT_STR_EQ(h.rl[2].name, "tok");
    struct sluice_rate_quota q[SLUICE_RATE_QUOTAS_MAX];
    size_t k = sluice__rate_headers_quotas(&h, WALL, q);
    ASSERT_EQ(k, 3);
    ASSERT_STR_EQ(q[0].name, "burst");
    ASSERT_NUM(q[0].limit, 100);
    ASSERT_NUM(q[0].window, 60);
    ASSERT_NUM(q[0].remaining, 50);
    ASSERT_NUM(q[0].reset, 30);
    ASSERT_STR_EQ(q[1].name, "daily");
    ASSERT_NUM(q[1].limit, 1000);
    ASSERT_NUM(q[1].window, 86400);
    ASSERT_NUM(q[1].remaining, 999);
    ASSERT_STR_EQ(q[2].name, "tok");
    ASSERT_TRUE(q[2].limit < 0); /* no policy of that name */
    ASSERT_NUM(q[2].remaining, 1);

    /* A policy alone teaches a limit; long names are truncated; byte
     * sequences and booleans are skipped. */
    sluice__rate_headers_reset(&h);
    feed(&h, "RateLimit-Policy: \"a-very-long-policy-name-indeed\";q=5;w=1;"
             "pk=:cHJvY2VzcyBpZA==:;x=?1");
    k = sluice__rate_headers_quotas(&h, WALL, q);
    ASSERT_EQ(k, 1);
    ASSERT_STR_EQ(q[0].name, "a-very-long-pol");
    ASSERT_NUM(q[0].limit, 5);
    ASSERT_NUM(q[0].window, 1);
    ASSERT_TRUE(q[0].remaining < 0);
}

static void test_items_are_bounded(void)
{
    struct sluice_rate_headers h;
    sluice__rate_headers_reset(&h);
    for (int i = 0; i < 10; i++)
        feed(&h, "RateLimit: a;r=1;t=1, b;r=2;t=2");
    ASSERT_EQ(h.n_rl, SLUICE_RATE_ITEMS);
    feed(&h, "X-RateLimit-Limit: 1");
    feed(&h, "RateLimit-Limit: 1");
    struct sluice_rate_quota q[SLUICE_RATE_QUOTAS_MAX];
    ASSERT_EQ(sluice__rate_headers_quotas(&h, WALL, q), SLUICE_RATE_QUOTAS_MAX);
}

struct date_case {
    const char *text;
    long long want; /* epoch seconds, -1 refused */
};

static void test_http_dates(void)
{
    static const struct date_case cases[] = {
        {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777},
        {"Sunday, 06-Nov-94 08:49:37 GMT", 784111777},
        {"Sun Nov  6 08:49:37 1994", 784111777},
        {"Sun Nov 16 08:49:37 1994", 784975777},
        {"Wed, 21 Oct 2015 07:28:00 GMT", 1445412480},
        {"wed, 21 oct 2015 07:28:00 GMT", 1445412480},
        {"Thu, 29 Feb 2024 23:59:59 GMT", 1709251199},
        {"Thursday, 01-Jan-70 00:00:00 GMT", 0},
        {"Thursday, 01-Jan-65 00:00:00 GMT", 2997993600}, /* 2065: < now+50 */
        {"Friday, 01-Jan-66 00:00:00 GMT", -126230400},   /* 1966 */
        {"Fri, 29 Feb 2023 00:00:00 GMT", -1},
        {"Sun, 06 Nov 1994 24:00:00 GMT", -1},
        {"Sun, 06 Nov 1994 08:49:37 UTC", -1},
        {"Sun, 6 Nov 1994 08:49:37 GMT", -1},
        {"Sun, 06 Nov 1994 08:49:37 GMT extra", -1},
        {"Funday, 06-Nov-94 08:49:37 GMT", -1},
        {"Sun Nov 6 08:49:37 1994", -1},
        {"Sun, 06 Foo 1994 08:49:37 GMT", -1},
        {"", -1},
        {"Sun,", -1},
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(cases); i++) {
        int64_t t = -1;
        bool ok = sluice__http_date_parse(cases[i].text, strlen(cases[i].text),
                                          WALL, &t);
        if (ok != (cases[i].want != -1) || (ok && t != cases[i].want))
            FAIL_AT("case %zu '%s': ok=%d t=%lld, want %lld", i, cases[i].text,
                    ok, (long long)t, cases[i].want);
    }
}

static void test_retry_after_date(void)
{
    struct sluice_rate_headers h;
    sluice__rate_headers_reset(&h);
    feed(&h, "Retry-After: Wed, 21 Oct 2015 07:30:00 GMT\r\n");
    ASSERT_NUM(sluice__rate_headers_retry_after(&h, WALL), 120);
    ASSERT_NUM(sluice__rate_headers_retry_after(&h, WALL + 500), 0);
    /* A delay and a date: the later instant. */
    feed(&h, "Retry-After: 300\r\n");
    ASSERT_NUM(sluice__rate_headers_retry_after(&h, WALL), 300);
    sluice__rate_headers_reset(&h);
    feed(&h, "Retry-After: 2870");
    ASSERT_NUM(sluice__rate_headers_retry_after(&h, WALL), 2870);
}

static const struct harness_test TESTS[] = {
    TEST(test_x_ratelimit_neows),
    TEST(test_reset_seconds_epoch_and_ms),
    TEST(test_malformed_and_huge_values),
    TEST(test_repeats_combine_conservatively),
    TEST(test_status_line_resets),
    TEST(test_ietf_old_drafts),
    TEST(test_ietf_structured),
    TEST(test_items_are_bounded),
    TEST(test_http_dates),
    TEST(test_retry_after_date),
};
HARNESS_MAIN(TESTS)
