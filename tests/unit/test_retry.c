/* test_retry.c: the retry policy: the classification matrix (transport
 * failures, every listed status, invalid JSON once), attempts used up,
 * backoff bounds and determinism under a seed, Retry-After winning over
 * a shorter jitter, and the "quota gone" decision. */
#include <curl/curl.h>
#include <math.h>

#include "harness.h"
#include "http/retry.h"

enum {
    D = SLUICE_RETRY_DONE,
    A = SLUICE_RETRY_AGAIN,
    F = SLUICE_RETRY_FAIL,
    Q = SLUICE_RETRY_QUOTA
};

struct class_case {
    enum sluice_xfer xfer;
    long status;
    bool json_invalid;
    double retry_after;
    int want;       /* action on the first attempt */
    bool permanent; /* for F */
};

static void test_classification_matrix(void)
{
    static const struct class_case cases[] = {
        {SLUICE_XFER_OK, 200, false, -1, D, false},
        {SLUICE_XFER_OK, 204, false, -1, D, false},
        {SLUICE_XFER_CONNECT, 0, false, -1, A, false},
        {SLUICE_XFER_TIMEOUT, 0, false, -1, A, false},
        {SLUICE_XFER_TIMEOUT, 200, false, -1, A, false}, /* slow drip */
        {SLUICE_XFER_RECV, 0, false, -1, A, false},
        {SLUICE_XFER_PARTIAL, 200, false, -1, A, false},
        {SLUICE_XFER_OK, 200, true, -1, A, false},
        {SLUICE_XFER_OK, 408, false, -1, A, false},
        {SLUICE_XFER_OK, 425, false, -1, A, false},
        {SLUICE_XFER_OK, 429, false, -1, A, false},
        {SLUICE_XFER_OK, 429, false, 10, A, false},
        {SLUICE_XFER_OK, 500, false, -1, A, false},
        {SLUICE_XFER_OK, 502, false, -1, A, false},
        {SLUICE_XFER_OK, 503, false, -1, A, false},
        {SLUICE_XFER_OK, 504, false, -1, A, false},
        {SLUICE_XFER_PARTIAL, 503, false, -1, A, false},
        {SLUICE_XFER_OK, 400, false, -1, F, true},
        {SLUICE_XFER_OK, 401, false, -1, F, true},
        {SLUICE_XFER_OK, 403, false, -1, F, true},
        {SLUICE_XFER_OK, 403, false, 60, A, false}, /* a rate limit */
        {SLUICE_XFER_OK, 404, false, -1, F, true},
        {SLUICE_XFER_OK, 404, false, 60, F, true},
        {SLUICE_XFER_PARTIAL, 404, false, -1, F, true},
        {SLUICE_XFER_OK, 410, false, -1, F, true},
        {SLUICE_XFER_OK, 422, false, -1, F, true},
        {SLUICE_XFER_OK, 501, false, -1, F, true},
        {SLUICE_XFER_OK, 505, false, -1, F, true},
        {SLUICE_XFER_OK, 304, false, -1, F, true},
        {SLUICE_XFER_LOCAL, 200, false, -1, F, true},
        {SLUICE_XFER_OTHER, 0, false, -1, F, true},
        {SLUICE_XFER_OK, 429, false, 2870, Q, false}, /* DEMO_KEY */
        {SLUICE_XFER_OK, 503, false, 901, Q, false},
        {SLUICE_XFER_OK, 503, false, 900, A, false},
    };
    struct sluice_retry_policy p;
    sluice__retry_policy_default(&p);
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(cases); i++) {
        const struct class_case *c = &cases[i];
        struct sluice_retry_state st = {0, 0};
        struct sluice_attempt a = {c->xfer, c->status, c->json_invalid,
                                   c->retry_after, false};
        struct sluice_retry_decision d;
        uint64_t rng = 1;
        sluice__retry_decide(&p, &st, &a, &rng, &d);
        if ((int)d.action != c->want ||
            (c->want == F && d.permanent != c->permanent))
            FAIL_AT("case %zu (xfer %d, HTTP %ld): action %d permanent %d, "
                    "want %d %d",
                    i, c->xfer, c->status, d.action, d.permanent, c->want,
                    c->permanent);
        if (st.attempts != 1)
            FAIL_AT("case %zu: attempts %u", i, st.attempts);
        if (c->want == A && c->retry_after >= 0 && d.delay < c->retry_after)
            FAIL_AT("case %zu: delay %g under Retry-After", i, d.delay);
        if (c->want == Q && d.delay != c->retry_after)
            FAIL_AT("case %zu: come back in %g", i, d.delay);
    }
}

/* A status the job declares to be throttling (retry.throttle_statuses)
 * is transient, as a 429 is; undeclared, a 403 stays permanent. */
static void test_declared_throttle_is_transient(void)
{
    struct sluice_retry_policy p;
    sluice__retry_policy_default(&p);
    p.throttle[p.n_throttle++] = 403;
    static const struct {
        long status;
        int want;
    } cases[] = {{403, A}, {401, F}, {429, A}};
    FOR_CASES(i, cases) {
        struct sluice_retry_state st = {0, 0};
        struct sluice_attempt a = {SLUICE_XFER_OK, cases[i].status, false, -1,
                                   false};
        struct sluice_retry_decision d;
        uint64_t rng = 1;
        sluice__retry_decide(&p, &st, &a, &rng, &d);
        if ((int)d.action != cases[i].want)
            FAIL_AT("HTTP %ld: action %d, want %d", cases[i].status, d.action,
                    cases[i].want);
    }
}

/* A transient fault five times in a row: four retries, then a failure
 * that is not permanent; the attempts are counted. */
static void test_attempts_run_out(void)
{
    struct sluice_retry_policy p;
    sluice__retry_policy_default(&p);
    struct sluice_retry_state st = {0, 0};
    struct sluice_attempt a = {SLUICE_XFER_OK, 503, false, -1, false};
    struct sluice_retry_decision d;
    uint64_t rng = 9;
    for (int i = 0; i < 4; i++) {
        sluice__retry_decide(&p, &st, &a, &rng, &d);
        ASSERT_EQ(d.action, SLUICE_RETRY_AGAIN);
        ASSERT_EQ(d.reason, SLUICE_REASON_STATUS);
    }
    sluice__retry_decide(&p, &st, &a, &rng, &d);
    ASSERT_EQ(d.action, SLUICE_RETRY_FAIL);
    ASSERT_TRUE(!d.permanent);
    ASSERT_EQ(st.attempts, 5);
    /* A quota wait still stops the run even with no attempts left. */
    a.status = 429;
    a.retry_after = 3600;
    sluice__retry_decide(&p, &st, &a, &rng, &d);
    ASSERT_EQ(d.action, SLUICE_RETRY_QUOTA);
    /* Recovery after retries. */
    st = (struct sluice_retry_state){0, 0};
    a = (struct sluice_attempt){SLUICE_XFER_RECV, 0, false, -1, false};
    sluice__retry_decide(&p, &st, &a, &rng, &d);
    ASSERT_EQ(d.action, SLUICE_RETRY_AGAIN);
    ASSERT_EQ(d.reason, SLUICE_REASON_RECV);
    a = (struct sluice_attempt){SLUICE_XFER_OK, 200, false, -1, false};
    sluice__retry_decide(&p, &st, &a, &rng, &d);
    ASSERT_EQ(d.action, SLUICE_RETRY_DONE);
    ASSERT_EQ(st.attempts, 2);
}

/* A 200 whose records are not where the path says fails at once, for
 * good: retrying would get the same answer. */
static void test_records_missing_is_permanent(void)
{
    struct sluice_retry_policy p;
    sluice__retry_policy_default(&p);
    struct sluice_retry_state st = {0, 0};
    struct sluice_attempt a = {SLUICE_XFER_OK, 200, false, -1, true};
    struct sluice_retry_decision d;
    uint64_t rng = 5;
    sluice__retry_decide(&p, &st, &a, &rng, &d);
    ASSERT_EQ(d.action, SLUICE_RETRY_FAIL);
    ASSERT_TRUE(d.permanent);
    ASSERT_EQ(d.reason, SLUICE_REASON_RECORDS);
    ASSERT_STR_EQ(sluice__retry_reason_str(d.reason), "records path not found");
    ASSERT_EQ(st.attempts, 1);
}

static void test_invalid_json_retried_once(void)
{
    struct sluice_retry_policy p;
    sluice__retry_policy_default(&p);
    struct sluice_retry_state st = {0, 0};
    struct sluice_attempt bad = {SLUICE_XFER_OK, 200, true, -1, false};
    struct sluice_retry_decision d;
    uint64_t rng = 3;
    sluice__retry_decide(&p, &st, &bad, &rng, &d);
    ASSERT_EQ(d.action, SLUICE_RETRY_AGAIN);
    ASSERT_EQ(d.reason, SLUICE_REASON_JSON);
    ASSERT_EQ(st.json_retries, 1);
    /* A different transient fault in between is still retried... */
    struct sluice_attempt cut = {SLUICE_XFER_PARTIAL, 200, false, -1, false};
    sluice__retry_decide(&p, &st, &cut, &rng, &d);
    ASSERT_EQ(d.action, SLUICE_RETRY_AGAIN);
    /* ...but invalid JSON a second time fails the window. */
    sluice__retry_decide(&p, &st, &bad, &rng, &d);
    ASSERT_EQ(d.action, SLUICE_RETRY_FAIL);
    ASSERT_EQ(d.reason, SLUICE_REASON_JSON);
    ASSERT_EQ(st.attempts, 3);
}

static void test_backoff_bounds_and_seed(void)
{
    struct sluice_retry_policy p;
    sluice__retry_policy_default(&p);
    uint64_t rng = 12345;
    /* Caps 1, 2, 4, 8, 16, 32, 60, 60...; every draw under its cap, and
     * the draws fill the range (full jitter, not a constant). */
    for (unsigned retry = 1; retry <= 12; retry++) {
        double cap = fmin(60.0, ldexp(1.0, (int)retry - 1));
        double lo = INFINITY, hi = 0;
        for (int i = 0; i < 2000; i++) {
            double d = sluice__retry_backoff(&p, retry, &rng);
            if (d < 0 || d >= cap)
                FAIL_AT("retry %u: delay %g outside [0, %g)", retry, d, cap);
            lo = fmin(lo, d);
            hi = fmax(hi, d);
        }
        if (lo > cap * 0.01 || hi < cap * 0.99)
            FAIL_AT("retry %u: draws span only [%g, %g] of %g", retry, lo, hi,
                    cap);
    }
    /* Huge attempt numbers neither overflow nor exceed max_delay. */
    ASSERT_TRUE(sluice__retry_backoff(&p, 100000, &rng) < 60);
    /* The same seed gives the same delays. */
    uint64_t s1 = 77, s2 = 77, s3 = 78;
    bool differs = false;
    for (unsigned i = 1; i < 50; i++) {
        double a = sluice__retry_backoff(&p, i % 8 + 1, &s1);
        double b = sluice__retry_backoff(&p, i % 8 + 1, &s2);
        double c = sluice__retry_backoff(&p, i % 8 + 1, &s3);
        ASSERT_TRUE(a == b);
        differs = differs || a != c;
    }
    ASSERT_TRUE(differs);
    /* splitmix64's published first output for seed 0. */
    uint64_t z = 0;
    ASSERT_EQ(sluice__rng_next(&z) == UINT64_C(0xE220A8397B1DCDAF), 1);
    /* A zero base means no backoff at all. */
    p.base = 0;
    ASSERT_TRUE(sluice__retry_backoff(&p, 3, &rng) == 0);
}

static void test_retry_after_wins_over_jitter(void)
{
    struct sluice_retry_policy p;
    sluice__retry_policy_default(&p);
    uint64_t rng = 5;
    for (int i = 0; i < 100; i++) {
        struct sluice_retry_state st = {3, 0};
        struct sluice_attempt a = {SLUICE_XFER_OK, 429, false, 2.5, false};
        struct sluice_retry_decision d;
        sluice__retry_decide(&p, &st, &a, &rng, &d);
        ASSERT_EQ(d.action, SLUICE_RETRY_AGAIN);
        ASSERT_TRUE(d.delay >= 2.5 && d.delay < 8);
    }
    /* A custom max_wait moves the quota line. */
    p.max_wait = 10;
    struct sluice_retry_state st = {0, 0};
    struct sluice_attempt a = {SLUICE_XFER_OK, 429, false, 11, false};
    struct sluice_retry_decision d;
    sluice__retry_decide(&p, &st, &a, &rng, &d);
    ASSERT_EQ(d.action, SLUICE_RETRY_QUOTA);
    ASSERT_TRUE(d.delay == 11);
}

struct curl_case {
    CURLcode cc;
    enum sluice_xfer want;
};

static void test_curl_codes(void)
{
    static const struct curl_case cases[] = {
        {CURLE_OK, SLUICE_XFER_OK},
        {CURLE_COULDNT_CONNECT, SLUICE_XFER_CONNECT},
        {CURLE_COULDNT_RESOLVE_HOST, SLUICE_XFER_CONNECT},
        {CURLE_OPERATION_TIMEDOUT, SLUICE_XFER_TIMEOUT},
        {CURLE_RECV_ERROR, SLUICE_XFER_RECV},
        {CURLE_GOT_NOTHING, SLUICE_XFER_RECV},
        {CURLE_PARTIAL_FILE, SLUICE_XFER_PARTIAL},
        {CURLE_BAD_CONTENT_ENCODING, SLUICE_XFER_PARTIAL},
        {CURLE_WRITE_ERROR, SLUICE_XFER_LOCAL},
        {CURLE_PEER_FAILED_VERIFICATION, SLUICE_XFER_OTHER},
        {CURLE_URL_MALFORMAT, SLUICE_XFER_OTHER},
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(cases); i++)
        if (sluice__xfer_from_curl(cases[i].cc) != cases[i].want)
            FAIL_AT("CURLcode %d -> %d, want %d", cases[i].cc,
                    sluice__xfer_from_curl(cases[i].cc), cases[i].want);
    ASSERT_STR_EQ(sluice__retry_reason_str(SLUICE_REASON_TIMEOUT), "timed out");
}

static const struct harness_test TESTS[] = {
    TEST(test_classification_matrix),
    TEST(test_declared_throttle_is_transient),
    TEST(test_attempts_run_out),
    TEST(test_records_missing_is_permanent),
    TEST(test_invalid_json_retried_once),    TEST(test_backoff_bounds_and_seed),
    TEST(test_retry_after_wins_over_jitter), TEST(test_curl_codes),
};
HARNESS_MAIN(TESTS)
