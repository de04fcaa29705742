/* test_governor.c: the rate governor on a virtual clock: rate specs, long
 * timelines checked window by window (no interval of length T ever holds
 * more than rate*T + burst sends, and throughput stays at the limit),
 * several buckets at once, the server's headers (Retry-After, quotas at
 * 0, limits learned, requests in flight, stale answers), a simulated
 * fixed-window server, and AIMD concurrency. Time is a number here:
 * nothing sleeps, nothing is timed. */
#include <math.h>

#include "harness.h"
#include "http/governor.h"

#define WALL 1445412480.0 /* the wall clock when the virtual clock reads 0 */

struct spec_case {
    const char *text;
    double count, per, burst; /* count 0: must be refused */
};

static void test_rate_parse(void)
{
    static const struct spec_case cases[] = {
        {"1000/hour", 1000, 3600, 1},
        {"10/second", 10, 1, 1},
        {"10/s", 10, 1, 1},
        {"50/min", 50, 60, 1},
        {"5/second burst 10", 5, 1, 10},
        {" 2 / 3h  burst 4 ", 2, 10800, 4},
        {"100/15min", 100, 900, 1},
        {"7/DAY", 7, 86400, 1},
        {"1/sec", 1, 1, 1},
        {"", 0, 0, 0},
        {"10", 0, 0, 0},
        {"10/", 0, 0, 0},
        {"0/s", 0, 0, 0},
        {"-1/s", 0, 0, 0},
        {"1.5/s", 0, 0, 0},
        {"10/fortnight", 0, 0, 0},
        {"10/s burst", 0, 0, 0},
        {"10/s burst 0", 0, 0, 0},
        {"10/s burst 2 x", 0, 0, 0},
        {"10/s+20", 0, 0, 0},
        {"99999999999/s", 0, 0, 0},
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(cases); i++) {
        const struct spec_case *c = &cases[i];
        struct sluice_rate r = {0, 0, 0};
        struct sluice_err err = {{0}};
        int rc = sluice__rate_parse(c->text, strlen(c->text), &r, &err);
        if (c->count == 0) {
            if (rc != SLUICE_EINVAL || !strstr(err.msg, "byte "))
                FAIL_AT("case %zu '%s': rc %d msg '%s'", i, c->text, rc,
                        err.msg);
            continue;
        }
        if (rc != SLUICE_OK || r.count != c->count || r.per != c->per ||
            r.burst != c->burst)
            FAIL_AT("case %zu '%s': rc %d -> %g/%g burst %g (%s)", i, c->text,
                    rc, r.count, r.per, r.burst, err.msg);
    }
}

static void init_specs(struct sluice_governor *g, const char *const *specs,
                       size_t n, unsigned conc)
{
    struct sluice_rate r[SLUICE_GOVERNOR_BUCKETS];
    struct sluice_err err;
    for (size_t i = 0; i < n; i++)
        if (sluice__rate_parse(specs[i], strlen(specs[i]), &r[i], &err))
            r[i].count = 0; /* makes init fail below */
    if (sluice__governor_init(g, r, n, conc, &err) != SLUICE_OK)
        fprintf(stderr, "  init: %s\n", err.msg);
}

/* The most sends in any half-open interval [t, t + len) of a sorted
 * timeline (the maximum is reached by an interval starting at a send). */
static size_t max_in_window(const double *t, size_t n, double len)
{
    size_t best = 0;
    for (size_t i = 0, j = 0; i < n; i++) {
        if (j < i)
            j = i;
        while (j < n && t[j] < t[i] + len)
            j++;
        if (j - i > best)
            best = j - i;
    }
    return best;
}

#define N_SENDS 10000

/* Sends N_SENDS requests as fast as the governor allows; `lateness` adds
 * up to that many seconds of loop delay to each wake-up (deterministic
 * pseudo-random), as a busy event loop would. */
static void run_timeline(struct sluice_governor *g, double *t, double lateness)
{
    uint64_t rng = 42;
    double now = 1000.0; /* monotonic clocks do not start at 0 */
    for (size_t i = 0; i < N_SENDS; i++) {
        now = sluice__governor_next_send(g, now) +
              lateness * sluice__rng_unit(&rng);
        uint64_t ticket;
        if (!sluice__governor_take(g, now, &ticket)) {
            fprintf(stderr, "  refused at the instant next_send named\n");
            t[i] = -1;
            return;
        }
        sluice__governor_on_response(g, now, WALL + now, ticket, 200,
                                     SLUICE_XFER_OK, NULL);
        t[i] = now;
    }
}

struct timeline_case {
    const char *spec;
    double lateness;
    double window;    /* interval checked */
    double tolerance; /* throughput within this fraction of the rate */
};

static void test_long_timelines_hold_the_limit(void)
{
    static const struct timeline_case cases[] = {
        {"50/s", 0, 1, 0.001},
        {"50/s", 0.002, 1, 0.06}, /* late wake-ups cost, never exceed */
        {"50/s burst 10", 0.002, 1, 0.01},
        {"10/second burst 25", 0, 1, 0.005},
        {"10/second burst 25", 0, 0.1, 0.005},
        {"1000/hour burst 5", 0.5, 60, 0.001},
        {"1000/hour", 0.5, 3600, 0.08},
        {"100/15min burst 100", 3, 900, 0.02},
        {"3/s", 0.01, 7.5, 0.04},
    };
    static double t[N_SENDS];
    for (size_t c = 0; c < SLUICE_ARRAY_LEN(cases); c++) {
        const struct timeline_case *k = &cases[c];
        struct sluice_rate r;
        struct sluice_err err;
        struct sluice_governor g;
        ASSERT_EQ(sluice__rate_parse(k->spec, strlen(k->spec), &r, &err), 0);
        ASSERT_EQ(sluice__governor_init(&g, &r, 1, 4, &err), 0);
        run_timeline(&g, t, k->lateness);
        ASSERT_TRUE(t[N_SENDS - 1] > 0);
        double rate = r.count / r.per;
        size_t most = max_in_window(t, N_SENDS, k->window);
        size_t bound = (size_t)floor(rate * k->window + r.burst);
        if (most > bound)
            FAIL_AT("%s: %zu sends in %g s, bound %zu", k->spec, most,
                    k->window, bound);
        /* Throughput after the initial burst, on the virtual clock. */
        double secs = t[N_SENDS - 1] - t[0];
        double got = (N_SENDS - r.burst) / secs;
        if (fabs(got - rate) > rate * k->tolerance || got > rate * 1.0001)
            FAIL_AT("%s: throughput %.4f/s, limit %.4f/s", k->spec, got, rate);
    }
}

static void test_several_buckets(void)
{
    static const char *const specs[] = {"10/s burst 5", "300/min",
                                        "500000/day burst 50"};
    static double t[N_SENDS];
    struct sluice_governor g;
    init_specs(&g, specs, 3, 8);
    ASSERT_EQ(g.n_buckets, 3);
    run_timeline(&g, t, 0.001);
    ASSERT_TRUE(t[N_SENDS - 1] > 0);
    ASSERT_TRUE(max_in_window(t, N_SENDS, 1) <= 15);
    ASSERT_TRUE(max_in_window(t, N_SENDS, 60) <= 301);
    ASSERT_TRUE(max_in_window(t, N_SENDS, 3600) <= 300 * 60 + 1);
    /* The minute limit dominates: 5/s on average. */
    double got = N_SENDS / (t[N_SENDS - 1] - t[0]);
    if (fabs(got - 5.0) > 0.05)
        FAIL_AT("throughput %.4f/s, want 5/s", got);
}

static void test_take_refuses_early_and_changes_nothing(void)
{
    static const char *const specs[] = {"2/s"};
    struct sluice_governor g;
    uint64_t tk = 0;
    init_specs(&g, specs, 1, 4);
    ASSERT_EQ(sluice__governor_next_send(&g, 5.0) == 5.0, 1);
    ASSERT_TRUE(sluice__governor_take(&g, 5.0, &tk));
    ASSERT_EQ(tk, 1);
    ASSERT_EQ(sluice__governor_next_send(&g, 5.0) == 5.5, 1);
    ASSERT_TRUE(!sluice__governor_take(&g, 5.4, &tk));
    ASSERT_EQ(g.in_flight, 1);
    ASSERT_EQ(sluice__governor_next_send(&g, 5.4) == 5.5, 1);
    ASSERT_TRUE(sluice__governor_take(&g, 5.5, &tk));
    ASSERT_EQ(tk, 2);
    /* Too many limits, or a bad one, are refused. */
    struct sluice_rate many[SLUICE_GOVERNOR_BUCKETS + 1];
    struct sluice_err err;
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(many); i++)
        many[i] = (struct sluice_rate){1, 1, 1};
    ASSERT_EQ(sluice__governor_init(&g, many, SLUICE_ARRAY_LEN(many), 1, &err),
              SLUICE_EINVAL);
    many[0].burst = 0.5;
    ASSERT_EQ(sluice__governor_init(&g, many, 1, 1, &err), SLUICE_EINVAL);
}

static void respond(struct sluice_governor *g, double now, uint64_t ticket,
                    long status, const char *const *lines, size_t n)
{
    struct sluice_rate_headers h;
    sluice__rate_headers_reset(&h);
    for (size_t i = 0; i < n; i++)
        sluice__rate_headers_feed(&h, lines[i], strlen(lines[i]));
    sluice__governor_on_response(g, now, WALL + now, ticket, status,
                                 SLUICE_XFER_OK, &h);
}

#define RESPOND(g, now, ticket, status, ...)                                   \
    do {                                                                       \
        static const char *const lines_[] = {__VA_ARGS__};                     \
        respond((g), (now), (ticket), (status), lines_,                        \
                SLUICE_ARRAY_LEN(lines_));                                     \
    } while (0)

static void test_retry_after_blocks_every_transfer(void)
{
    struct sluice_governor g;
    struct sluice_err err;
    uint64_t a, b;
    ASSERT_EQ(sluice__governor_init(&g, NULL, 0, 4, &err), 0);
    ASSERT_TRUE(sluice__governor_take(&g, 10, &a));
    ASSERT_TRUE(sluice__governor_take(&g, 10, &b));
    RESPOND(&g, 11, a, 429, "Retry-After: 30");
    ASSERT_EQ(sluice__governor_next_send(&g, 11) == 41, 1);
    ASSERT_TRUE(!sluice__governor_take(&g, 40.999, &a));
    /* A shorter one later does not shorten it; a 200's is ignored. */
    RESPOND(&g, 12, b, 503, "Retry-After: 5");
    RESPOND(&g, 12, b, 200, "Retry-After: 500");
    ASSERT_EQ(sluice__governor_next_send(&g, 12) == 41, 1);
    ASSERT_TRUE(sluice__governor_take(&g, 41, &a));
    /* An HTTP-date, read against the wall clock. */
    RESPOND(&g, 50, a, 429, "Retry-After: Wed, 21 Oct 2015 07:30:00 GMT");
    ASSERT_EQ(sluice__governor_next_send(&g, 50) == 120, 1);
    ASSERT_EQ(g.responses_429, 2);
}

static void test_bare_429_cuts_the_learned_rate(void)
{
    struct sluice_governor g;
    struct sluice_err err;
    uint64_t a;
    ASSERT_EQ(sluice__governor_init(&g, NULL, 0, 4, &err), 0);
    /* A 429 with nothing else cuts the learned rate, not concurrency:
     * with nothing let through before it, to beta times 1/s, no pause. */
    ASSERT_TRUE(sluice__governor_take(&g, 200, &a));
    RESPOND(&g, 200, a, 429, "Content-Type: application/json");
    ASSERT_EQ(sluice__governor_next_send(&g, 200) == 200, 1);
    enum sluice_learn_source src;
    double est;
    double r = sluice__governor_learned(&g, 200, &src, &est);
    ASSERT_EQ(src, SLUICE_LEARN_THROTTLED);
    ASSERT_EQ(fabs(r - SLUICE_LEARN_BETA) < 1e-9, 1);
    ASSERT_EQ(fabs(est - 1) < 1e-9, 1);
    ASSERT_EQ(sluice__governor_concurrency(&g), 4);
    /* A second round in a row with nothing let through pauses 1 s, the
     * third 2 s. */
    ASSERT_TRUE(sluice__governor_take(&g, 200, &a));
    RESPOND(&g, 200.5, a, 429, "Content-Type: application/json");
    ASSERT_EQ(sluice__governor_next_send(&g, 200.5) ==
                  200.5 + SLUICE_GOVERNOR_429_PAUSE,
              1);
    ASSERT_TRUE(sluice__governor_take(&g, 202, &a));
    RESPOND(&g, 202, a, 429, "Content-Type: application/json");
    ASSERT_EQ(sluice__governor_next_send(&g, 202) ==
                  202 + 2 * SLUICE_GOVERNOR_429_PAUSE,
              1);
    ASSERT_EQ(g.responses_429, 3);
    /* A declared throttling status does the same; an undeclared 403 is
     * neutral. */
    long st[] = {403};
    ASSERT_EQ(sluice__governor_init(&g, NULL, 0, 4, &err), 0);
    ASSERT_TRUE(sluice__governor_take(&g, 0, &a));
    RESPOND(&g, 0, a, 403, "Content-Type: application/json");
    ASSERT_EQ(g.learn.source, SLUICE_LEARN_NONE);
    ASSERT_EQ(sluice__governor_throttles(&g, st, 1, &err), 0);
    ASSERT_TRUE(sluice__governor_take(&g, 1, &a));
    RESPOND(&g, 1, a, 403, "Content-Type: application/json");
    ASSERT_EQ(g.learn.source, SLUICE_LEARN_THROTTLED);
    long bad[] = {200};
    ASSERT_EQ(sluice__governor_throttles(&g, bad, 1, &err), SLUICE_EINVAL);
}

static void test_quota_at_zero_waits_for_reset(void)
{
    struct sluice_governor g;
    struct sluice_err err;
    uint64_t a;
    static const char *const specs[] = {"100/s burst 100"};
    init_specs(&g, specs, 1, 4);
    ASSERT_TRUE(sluice__governor_take(&g, 10, &a));
    RESPOND(&g, 10.2, a, 200, "X-RateLimit-Limit: 60",
            "X-RateLimit-Remaining: 0", "X-RateLimit-Reset: 20");
    ASSERT_EQ(sluice__governor_next_send(&g, 10.2) == 30.2, 1);
    ASSERT_TRUE(!sluice__governor_take(&g, 30.1, &a));
    ASSERT_TRUE(sluice__governor_take(&g, 30.2, &a));
    /* An epoch reset, and the IETF structured form. */
    ASSERT_EQ(sluice__governor_init(&g, NULL, 0, 4, &err), 0);
    ASSERT_TRUE(sluice__governor_take(&g, 0, &a));
    RESPOND(&g, 1, a, 200, "X-RateLimit-Remaining: 0",
            "X-RateLimit-Reset: 1445412540");
    ASSERT_EQ(sluice__governor_next_send(&g, 1) == 60, 1);
    ASSERT_TRUE(sluice__governor_take(&g, 60, &a));
    RESPOND(&g, 61, a, 200, "RateLimit-Policy: \"h\";q=100;w=3600",
            "RateLimit: \"h\";r=0;t=600");
    ASSERT_EQ(sluice__governor_next_send(&g, 61) == 661, 1);
}

/* Remaining counts what the server has seen; our requests still in
 * flight are not in it yet. */
static void test_in_flight_are_subtracted(void)
{
    struct sluice_governor g;
    struct sluice_err err;
    uint64_t tk[6];
    ASSERT_EQ(sluice__governor_init(&g, NULL, 0, 8, &err), 0);
    for (int i = 0; i < 6; i++)
        ASSERT_TRUE(sluice__governor_take(&g, 0, &tk[i]));
    RESPOND(&g, 0.1, tk[0], 200, "X-RateLimit-Limit: 10",
            "X-RateLimit-Remaining: 7", "X-RateLimit-Reset: 1");
    /* 7 - 5 in flight = 2 more may go, then the reset. */
    ASSERT_TRUE(sluice__governor_take(&g, 0.1, &tk[0]));
    ASSERT_TRUE(sluice__governor_take(&g, 0.1, &tk[0]));
    ASSERT_EQ(sluice__governor_next_send(&g, 0.1) == 1.1, 1);
    /* An older answer arriving late (more remaining, same period) does
     * not raise the estimate, nor push the reset later. */
    RESPOND(&g, 0.2, tk[1], 200, "X-RateLimit-Remaining: 8",
            "X-RateLimit-Reset: 1");
    ASSERT_EQ(sluice__governor_next_send(&g, 0.2) == 1.1, 1);
    /* A new period's answer does. */
    RESPOND(&g, 1.5, tk[2], 200, "X-RateLimit-Remaining: 9",
            "X-RateLimit-Reset: 1");
    ASSERT_EQ(sluice__governor_next_send(&g, 1.5) == 1.5, 1);

    /* The newest request's answer has nothing after it to subtract. */
    ASSERT_EQ(sluice__governor_init(&g, NULL, 0, 8, &err), 0);
    for (int i = 0; i < 3; i++)
        ASSERT_TRUE(sluice__governor_take(&g, 0, &tk[i]));
    RESPOND(&g, 0.1, tk[2], 200, "X-RateLimit-Remaining: 5",
            "X-RateLimit-Reset: 10");
    for (int i = 0; i < 5; i++)
        ASSERT_TRUE(sluice__governor_take(&g, 0.1, &tk[3]));
    ASSERT_TRUE(!sluice__governor_take(&g, 0.1, &tk[3]));
    ASSERT_EQ(sluice__governor_next_send(&g, 0.1) == 10.1, 1);
}

static void test_limits_are_learned(void)
{
    struct sluice_governor g;
    struct sluice_err err;
    uint64_t a;
    /* NeoWs: a limit and remaining, no reset: an hour is assumed. */
    ASSERT_EQ(sluice__governor_init(&g, NULL, 0, 4, &err), 0);
    ASSERT_TRUE(sluice__governor_take(&g, 0, &a));
    RESPOND(&g, 0.3, a, 200, "X-RateLimit-Limit: 40",
            "X-RateLimit-Remaining: 39");
    ASSERT_EQ(g.n_quotas, 1);
    ASSERT_EQ(g.quota[0].window_source, SLUICE_WINDOW_ASSUMED);
    ASSERT_EQ(g.quota[0].window, 3600);
    ASSERT_TRUE(g.quota[0].has_learned);
    /* The 39 left go at once (a rolling hour allows it), then one every
     * 90 s as the window rolls. */
    double now = 0.3;
    for (int i = 0; i < 39; i++)
        ASSERT_TRUE(sluice__governor_take(&g, now, &a));
    double next = sluice__governor_next_send(&g, now);
    if (fabs(next - (now + 90)) > 1e-6)
        FAIL_AT("next %.6f, want %.6f", next, now + 90);
    /* The hour is only assumed: once every answer is in (the last saying
     * 0 left), one probe may ask the server, and only one at a time. */
    for (int i = 0; i < 39; i++)
        RESPOND(&g, now + 0.2, a - 38 + (uint64_t)i, 200,
                "X-RateLimit-Limit: 40", "X-RateLimit-Remaining: 0");
    now += 0.2;
    ASSERT_TRUE(sluice__governor_take(&g, now, &a));
    ASSERT_TRUE(!sluice__governor_take(&g, now, &a));
    ASSERT_TRUE(sluice__governor_next_send(&g, now) > now + 80);

    /* With a reset the window is the largest reset seen. */
    ASSERT_EQ(sluice__governor_init(&g, NULL, 0, 4, &err), 0);
    ASSERT_TRUE(sluice__governor_take(&g, 0, &a));
    RESPOND(&g, 0.1, a, 200, "X-RateLimit-Limit: 50",
            "X-RateLimit-Remaining: 49", "X-RateLimit-Reset: 1");
    ASSERT_EQ(g.quota[0].window_source, SLUICE_WINDOW_RESETS);
    ASSERT_EQ(g.quota[0].window, 1);

    /* A named window wins; a configured limit turns pacing off. */
    static const char *const specs[] = {"5/s"};
    init_specs(&g, specs, 1, 4);
    ASSERT_TRUE(sluice__governor_take(&g, 0, &a));
    RESPOND(&g, 0.1, a, 200, "RateLimit-Policy: \"d\";q=100;w=60",
            "RateLimit: \"d\";r=99;t=59");
    ASSERT_EQ(g.quota[0].window_source, SLUICE_WINDOW_GIVEN);
    ASSERT_EQ(g.quota[0].window, 60);
    ASSERT_TRUE(!g.quota[0].has_learned);
}

/* A server allowing `LIMIT` requests per fixed one-second window, with
 * latency, answering with X-RateLimit-* (integer seconds, as gateways
 * send them). The governor has no configured limit: it must learn and
 * hold the server's, so no request is refused. */
#define LIMIT 50
#define SIM_REQUESTS 3000
#define SIM_CONC 32

struct pending {
    double at; /* when the answer arrives */
    uint64_t ticket;
    long status;
    long remaining;
    long reset;
};

static void test_simulated_fixed_window_server(void)
{
    struct sluice_governor g;
    struct sluice_err err;
    struct pending p[SIM_CONC];
    size_t n_p = 0, sent = 0, refused = 0;
    long window = -1, used = 0;
    uint64_t rng = 7;
    double now = 0;
    ASSERT_EQ(sluice__governor_init(&g, NULL, 0, SIM_CONC, &err), 0);
    while (sent < SIM_REQUESTS || n_p > 0) {
        /* Start whatever may start now. */
        uint64_t tk;
        while (sent < SIM_REQUESTS && n_p < sluice__governor_concurrency(&g) &&
               sluice__governor_take(&g, now, &tk)) {
            double lat = 0.01 + 0.04 * sluice__rng_unit(&rng);
            double arrive = now + lat / 2; /* the server counts it here */
            long w = (long)floor(arrive);
            if (w != window)
                window = w, used = 0;
            struct pending *q = &p[n_p++];
            q->at = now + lat;
            q->ticket = tk;
            q->status = used < LIMIT ? 200 : 429;
            used += q->status == 200;
            q->remaining = LIMIT - used;
            q->reset = (long)ceil(w + 1 - arrive);
            sent++;
            refused += q->status == 429;
        }
        /* Advance to the next event: an answer or a send. */
        size_t first = 0;
        for (size_t i = 1; i < n_p; i++)
            if (p[i].at < p[first].at)
                first = i;
        double t_send =
            sent < SIM_REQUESTS && n_p < sluice__governor_concurrency(&g)
                ? sluice__governor_next_send(&g, now)
                : INFINITY;
        if (n_p > 0 && p[first].at <= t_send) {
            struct pending q = p[first];
            p[first] = p[--n_p];
            now = q.at;
            char l1[64], l2[64], l3[64];
            snprintf(l1, sizeof l1, "X-RateLimit-Limit: %d", LIMIT);
            snprintf(l2, sizeof l2, "X-RateLimit-Remaining: %ld", q.remaining);
            snprintf(l3, sizeof l3, "X-RateLimit-Reset: %ld", q.reset);
            const char *const lines[] = {l1, l2, l3};
            respond(&g, now, q.ticket, q.status, lines, 3);
        } else if (t_send < INFINITY) {
            now = t_send;
        }
    }
    /* Throughput cannot beat the server's (a little over LIMIT/s is the
     * partial last window), and comes near it. */
    double rate = SIM_REQUESTS / now;
    if (refused > 0 || rate > LIMIT * 1.02 || rate < LIMIT * 0.9)
        FAIL_AT("%zu refused, %.1f requests/s", refused, rate);
}

static void test_aimd(void)
{
    struct sluice_governor g;
    struct sluice_err err;
    uint64_t tk[64];
    ASSERT_EQ(sluice__governor_init(&g, NULL, 0, 32, &err), 0);
    /* Slow start: SLUICE_GOVERNOR_START, then one more per two successes
     * (1.5 times as many each round), up to the job's concurrency. */
    ASSERT_EQ(sluice__governor_concurrency(&g), SLUICE_GOVERNOR_START);
    for (unsigned i = 0; i < 2 * (32 - SLUICE_GOVERNOR_START) + 5; i++) {
        unsigned want = SLUICE_GOVERNOR_START + i / 2;
        ASSERT_EQ(sluice__governor_concurrency(&g), want < 32 ? want : 32);
        ASSERT_TRUE(sluice__governor_take(&g, 0, &tk[0]));
        sluice__governor_on_response(&g, 0, WALL, tk[0], 200, SLUICE_XFER_OK,
                                     NULL);
    }
    ASSERT_EQ(sluice__governor_concurrency(&g), 32);
    for (int i = 0; i < 32; i++)
        ASSERT_TRUE(sluice__governor_take(&g, 0, &tk[i]));
    /* A storm of 503s from one round cuts once. */
    for (int i = 0; i < 10; i++)
        sluice__governor_on_response(&g, 1, WALL, tk[i], 503, SLUICE_XFER_OK,
                                     NULL);
    ASSERT_EQ(sluice__governor_concurrency(&g), 16);
    ASSERT_EQ(g.cuts, 1);
    /* Requests sent after the cut can cut again: 503, then a timeout. */
    ASSERT_TRUE(sluice__governor_take(&g, 5, &tk[40]));
    sluice__governor_on_response(&g, 5, WALL, tk[40], 503, SLUICE_XFER_OK,
                                 NULL);
    ASSERT_EQ(sluice__governor_concurrency(&g), 8);
    ASSERT_TRUE(sluice__governor_take(&g, 6, &tk[41]));
    sluice__governor_on_response(&g, 6, WALL, tk[41], 0, SLUICE_XFER_TIMEOUT,
                                 NULL);
    ASSERT_EQ(sluice__governor_concurrency(&g), 4);
    /* Never below one. */
    for (int i = 0; i < 5; i++) {
        ASSERT_TRUE(sluice__governor_take(&g, 10 + i, &tk[42]));
        sluice__governor_on_response(&g, 10 + i, WALL, tk[42], 503,
                                     SLUICE_XFER_OK, NULL);
    }
    ASSERT_EQ(sluice__governor_concurrency(&g), 1);
    /* Growth: one more after `current` successes; other outcomes are
     * neutral and do not break the run. */
    static const unsigned want[] = {2, 3, 4, 5};
    double now = 100;
    for (size_t k = 0; k < SLUICE_ARRAY_LEN(want); k++) {
        unsigned need = sluice__governor_concurrency(&g);
        for (unsigned i = 0; i < need; i++) {
            ASSERT_EQ(sluice__governor_concurrency(&g), want[k] - 1);
            ASSERT_TRUE(sluice__governor_take(&g, now, &tk[0]));
            sluice__governor_on_response(&g, now, WALL, tk[0], 404,
                                         SLUICE_XFER_OK, NULL);
            sluice__governor_on_response(&g, now, WALL, tk[0], 0,
                                         SLUICE_XFER_CONNECT, NULL);
            sluice__governor_on_response(&g, now, WALL, tk[0], 200,
                                         SLUICE_XFER_OK, NULL);
            now += 1;
        }
        ASSERT_EQ(sluice__governor_concurrency(&g), want[k]);
    }
    /* Up to the configured concurrency, not past it. */
    for (int i = 0; i < 2000; i++) {
        ASSERT_TRUE(sluice__governor_take(&g, now, &tk[0]));
        sluice__governor_on_response(&g, now, WALL, tk[0], 200, SLUICE_XFER_OK,
                                     NULL);
    }
    ASSERT_EQ(sluice__governor_concurrency(&g), 32);
}


/* ---- learning a rate no header states ------------------------------------
 * A client at `conc` transfers with fast answers (5 to 15 ms) against a
 * server that throttles with bare 429s (no header at all), until
 * `successes` requests got through; a 429 is sent again, as the retry
 * policy would. Measured in simulated time: the 429 share, when the
 * learned rate last left the band [1/band, band] x the true limit (its
 * convergence; from the change for a limit that changes), and the
 * throughput after that. */
enum srv_kind { SRV_BUCKET, SRV_FIXED };

struct learn_case {
    const char *name;
    enum srv_kind kind;
    double rate;      /* bucket: tokens/s; fixed: requests per window */
    double burst;     /* bucket capacity; fixed: the window in seconds */
    double change_at; /* the bucket's rate halves then (0: never) */
    unsigned conc;
    long successes;
    double ceiling;       /* a configured rate_limit (0: none) */
    double max_share;     /* of all requests answered 429 */
    double max_converge;  /* seconds (from the change, if any) */
    double min_goodput;   /* after converging, a fraction of the limit */
    double band;          /* converged: within [1/band, band] x the limit */
};

struct learn_result {
    long requests, refused;
    double end, converged, goodput, max_rate;
};

#define LEARN_MAX_CONC 32

static double true_limit(const struct learn_case *c, double t)
{
    if (c->kind == SRV_FIXED)
        return c->rate / c->burst;
    return c->change_at > 0 && t >= c->change_at ? c->rate / 2 : c->rate;
}

static void simulate(const struct learn_case *c, struct learn_result *out)
{
    struct sluice_governor g;
    struct sluice_err err;
    struct pending p[LEARN_MAX_CONC];
    size_t n_p = 0;
    long ok = 0, window = -1, used = 0;
    double tokens = c->burst, last = 0, now = 0, out_at = 0;
    uint64_t rng = 11;
    struct sluice_rate cfg = {c->ceiling, 1, 1};
    memset(out, 0, sizeof *out);
    ASSERT_EQ(sluice__governor_init(&g, &cfg, c->ceiling > 0, c->conc, &err),
              0);
    /* Successes after each instant, to read the goodput after
     * convergence: kept per answer as (time, cumulative ok). */
    static double ok_at[200000];
    long n_ok_at = 0;
    while (ok < c->successes || n_p > 0) {
        uint64_t tk;
        while (ok + (long)n_p < c->successes &&
               n_p < sluice__governor_concurrency(&g) &&
               sluice__governor_take(&g, now, &tk)) {
            double lat = 0.005 + 0.01 * sluice__rng_unit(&rng);
            double arrive = now + lat / 2;
            bool pass;
            if (c->kind == SRV_FIXED) {
                long w = (long)floor(arrive / c->burst);
                if (w != window)
                    window = w, used = 0;
                pass = used < (long)c->rate;
                used += pass;
            } else {
                tokens += (arrive - last) * true_limit(c, arrive);
                if (tokens > c->burst)
                    tokens = c->burst;
                last = arrive;
                pass = tokens >= 1;
                tokens -= pass;
            }
            struct pending *q = &p[n_p++];
            q->at = now + lat;
            q->ticket = tk;
            q->status = pass ? 200 : 429;
            out->requests++;
            out->refused += !pass;
        }
        size_t first = 0;
        for (size_t i = 1; i < n_p; i++)
            if (p[i].at < p[first].at)
                first = i;
        double t_send = ok + (long)n_p < c->successes &&
                                n_p < sluice__governor_concurrency(&g)
                            ? sluice__governor_next_send(&g, now)
                            : INFINITY;
        if (n_p > 0 && p[first].at <= t_send) {
            struct pending q = p[first];
            p[first] = p[--n_p];
            now = q.at;
            sluice__governor_on_response(&g, now, WALL + now, q.ticket,
                                         q.status, SLUICE_XFER_OK, NULL);
            ok += q.status == 200;
            if (n_ok_at < (long)SLUICE_ARRAY_LEN(ok_at))
                ok_at[n_ok_at++] = now;
        } else if (t_send < INFINITY) {
            now = t_send;
        } else {
            break;
        }
        double r = sluice__governor_learned(&g, now, NULL, NULL);
        double lim = true_limit(c, now);
        if (c->ceiling > 0 && c->ceiling < lim)
            lim = c->ceiling;
        if (r > out->max_rate)
            out->max_rate = r;


        /* Nothing learned after a 429 counts as out of the band too. */
        if (r == 0 ? out->refused > 0 : r < lim / c->band || r > lim * c->band)
            out_at = now;
    }
    out->end = now;
    out->converged = out_at - (c->change_at > 0 ? c->change_at : 0);
    long after = 0;
    for (long i = 0; i < n_ok_at; i++)
        after += ok_at[i] > out_at;
    out->goodput = now > out_at ? after / (now - out_at) : 0;
}

static void test_learns_a_rate_no_header_states(void)
{
    static const struct learn_case cases[] = {
        {"bucket 50/s burst 10", SRV_BUCKET, 50, 10, 0, 8, 3000, 0, 0.03, 1,
         0.95, 1.3},
        {"bucket 50/s burst 10, concurrency 32", SRV_BUCKET, 50, 10, 0, 32,
         3000, 0, 0.03, 1, 0.95, 1.3},
        /* A rate cannot express a window: the learned rate swings within
         * a factor of 4 of 100/60 s; what counts is the 429s and the
         * throughput. */
        {"fixed window 100 per minute", SRV_FIXED, 100, 60, 0, 8, 1000, 0,
         0.12, 5, 0.85, 4},
        /* At 25/s a burst of 10 is 0.4 s of the limit: a probe can go
         * 40% over before the bucket runs dry and says so. */
        {"bucket 50/s halving to 25/s at 20 s", SRV_BUCKET, 50, 10, 20, 8,
         2000, 0, 0.03, 1, 0.95, 1.4},
        {"bucket 50/s under a 60/s rate_limit", SRV_BUCKET, 50, 10, 0, 8,
         3000, 60, 0.02, 1, 0.95, 1.3},
    };
    FOR_CASES(i, cases) {
        const struct learn_case *c = &cases[i];
        struct learn_result r;
        simulate(c, &r);
        double share = (double)r.refused / (double)r.requests;
        double lim = c->kind == SRV_FIXED ? c->rate / c->burst
                     : c->change_at > 0   ? c->rate / 2
                                          : c->rate;
        if (c->ceiling > 0 && c->ceiling < lim)
            lim = c->ceiling;
        printf("  %s: %ld requests, %ld 429 (%.2f%%), converged %.2f s, "
               "goodput %.1f/s (limit %.1f), %.1f s in all\n",
               c->name, r.requests, r.refused, 100 * share, r.converged,
               r.goodput, lim, r.end);
        if (share > c->max_share || r.converged > c->max_converge ||
            r.goodput < c->min_goodput * lim ||
            (c->ceiling > 0 && r.max_rate > c->ceiling))
            FAIL_AT("%s: 429 share %.3f (max %.3f), converged at %.2f s "
                    "(max %.2f), goodput %.1f/s (min %.1f), top rate %.1f",
                    c->name, share, c->max_share, r.converged,
                    c->max_converge, r.goodput, c->min_goodput * lim,
                    r.max_rate);
    }
}


static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Four workers of one job, each told it is one of four: together they
 * keep the job's limit and its burst, as one worker alone would. Then a
 * quota the server states is spent in parts, and a pause one worker was
 * given holds another. */
static void test_budget_is_shared_by_workers(void)
{
    enum { WORKERS = 4, EACH = 2000 };
    static const char *const specs[] = {"50/s burst 10"};
    static struct sluice_governor w[WORKERS];
    static double t[WORKERS * EACH];
    size_t n = 0;
    for (size_t i = 0; i < WORKERS; i++) {
        init_specs(&w[i], specs, 1, 8);
        sluice__governor_share(&w[i], WORKERS, -1);
    }
    /* Each sends as fast as it may, as separate processes would. */
    for (size_t i = 0; i < WORKERS; i++) {
        double now = 1000.0 + 0.013 * (double)i; /* different phases */
        for (size_t k = 0; k < EACH; k++) {
            uint64_t ticket;
            now = sluice__governor_next_send(&w[i], now);
            ASSERT_TRUE(sluice__governor_take(&w[i], now, &ticket));
            sluice__governor_on_response(&w[i], now, WALL + now, ticket, 200,
                                         SLUICE_XFER_OK, NULL);
            t[n++] = now;
        }
    }
    qsort(t, n, sizeof t[0], cmp_double);
    size_t most = max_in_window(t, n, 1.0);
    if (most > 50 + 10)
        FAIL_AT("%zu sends in one second by %d workers, bound 60", most,
                WORKERS);
    /* Everyone sends until its own EACH; the job's rate over the part
     * they all ran is the limit. */
    double end = t[n - 1] - 1;
    size_t before = 0;
    while (before < n && t[before] < end)
        before++;
    double rate = (double)before / (end - t[0]);
    if (fabs(rate - 50) > 1)
        FAIL_AT("the workers together sent %.2f/s, limit 50/s", rate);

    /* A quota with 40 left is a quarter of it for each of four (a
     * configured limit far above it keeps the pacing out of the way). */
    struct sluice_governor g;
    struct sluice_err err;
    uint64_t a;
    static const char *const wide[] = {"4000/s burst 4000"};
    init_specs(&g, wide, 1, 64);
    sluice__governor_share(&g, WORKERS, -1);
    ASSERT_TRUE(sluice__governor_take(&g, 10, &a));
    RESPOND(&g, 10, a, 200, "X-RateLimit-Limit: 1000",
            "X-RateLimit-Remaining: 40", "X-RateLimit-Reset: 30");
    size_t sent = 0;
    while (sluice__governor_next_send(&g, 10) <= 10 &&
           sluice__governor_take(&g, 10, &a))
        sent++;
    ASSERT_EQ(sent, 10);
    ASSERT_TRUE(sluice__governor_next_send(&g, 10) == 40);
    /* Alone again, it owns what is left of its part: nothing, until the
     * server says more (the others' parts are theirs until then). */
    sluice__governor_share(&g, 1, -1);
    ASSERT_TRUE(sluice__governor_next_send(&g, 10) == 40);
    ASSERT_TRUE(sluice__governor_take(&g, 40, &a));
    RESPOND(&g, 41, a, 200, "X-RateLimit-Limit: 1000",
            "X-RateLimit-Remaining: 3", "X-RateLimit-Reset: 30");
    sent = 0;
    while (sluice__governor_next_send(&g, 41) <= 41 &&
           sluice__governor_take(&g, 41, &a))
        sent++;
    ASSERT_EQ(sent, 3);

    /* A limit learned from the server's headers is paced in parts too,
     * and a worker sharing the budget starts with no burst: it cannot
     * know what the others spent of it. */
    ASSERT_EQ(sluice__governor_init(&g, NULL, 0, 64, &err), 0);
    sluice__governor_share(&g, WORKERS, -1);
    ASSERT_TRUE(sluice__governor_take(&g, 10, &a));
    RESPOND(&g, 10, a, 200, "RateLimit-Policy: \"s\";q=40;w=1");
    ASSERT_TRUE(g.quota[0].has_learned);
    double at = 10;
    for (int i = 0; i < 20; i++) {
        double next = sluice__governor_next_send(&g, at);
        if (i > 0 && fabs(next - at - 0.1) > 1e-9)
            FAIL_AT("send %d at +%.4f s, want evenly 0.1 s (40/s over 4)", i,
                    next - at);
        at = next;
        ASSERT_TRUE(sluice__governor_take(&g, at, &a));
    }

    /* Another worker's Retry-After holds this one. */
    ASSERT_EQ(sluice__governor_init(&g, NULL, 0, 4, &err), 0);
    sluice__governor_share(&g, 2, 75);
    ASSERT_TRUE(sluice__governor_next_send(&g, 10) == 75);
    ASSERT_TRUE(sluice__governor_blocked_until(&g) == 75);
}

static const struct harness_test TESTS[] = {
    TEST(test_rate_parse),
    TEST(test_long_timelines_hold_the_limit),
    TEST(test_several_buckets),
    TEST(test_take_refuses_early_and_changes_nothing),
    TEST(test_retry_after_blocks_every_transfer),
    TEST(test_bare_429_cuts_the_learned_rate),
    TEST(test_quota_at_zero_waits_for_reset),
    TEST(test_in_flight_are_subtracted),
    TEST(test_limits_are_learned),
    TEST(test_simulated_fixed_window_server),
    TEST(test_aimd),
    TEST(test_learns_a_rate_no_header_states),
    TEST(test_budget_is_shared_by_workers),
};
HARNESS_MAIN(TESTS)
