/* test_pg_lease.c: the shared ledger's lease logic (state/pg_ledger.c),
 * with an injected clock, against the real PostgreSQL 15 that
 * tests/e2e/pg_lease.sh starts on 127.0.0.1 and names in
 * SLUICE_TEST_PG_URL (the program refuses to run without it: it is not a
 * unit test CTest runs alone, hence its folder). Two handles on one
 * ledger are two workers; every instant is the test's clock, so leases
 * expire exactly when the test says, with no sleeping:
 *  - claims in batches, in key order, no partition to two workers;
 *  - nothing free: when to look again is the earliest lease of another
 *    worker; a renewed lease moves it; an expired one goes back to the
 *    pool, a done partition never does;
 *  - a failure is retried by a worker begun after it, not by one begun
 *    before; a failure or interruption reported for a partition another
 *    worker published leaves it done;
 *  - --shard claims only its shard;
 *  - a worker whose heartbeat stopped shows its run killed;
 *  - a second worker with another job definition is refused. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "state/ledger.h"

static int64_t g_now = 1000;
static int64_t clock_fn(void *ud)
{
    (void)ud;
    return g_now;
}

static const char *url(void)
{
    const char *u = getenv("SLUICE_TEST_PG_URL");
    if (!u) {
        fprintf(stderr, "SLUICE_TEST_PG_URL unset: run through "
                        "tests/e2e/pg_lease.sh\n");
        exit(2);
    }
    return u;
}

static struct sluice_ledger *open_worker(const char *job)
{
    struct sluice_ledger_opts o = {"pg-test", job, true, false, clock_fn,
                                   NULL};
    struct sluice_ledger_shared_opts s = {url(), 10000};
    struct sluice_ledger *l = NULL;
    struct sluice_err err = {{0}};
    if (sluice__ledger_open_shared(&o, &s, &l, &err) != SLUICE_OK) {
        fprintf(stderr, "open: %s\n", err.msg);
        exit(2);
    }
    return l;
}

/* Claims and returns the starts claimed, as "0,1" ("" for none). */
static void claim(struct sluice_ledger *l, size_t max, int64_t since,
                  uint32_t sn, uint32_t si, char *out, size_t cap,
                  int64_t *wait)
{
    struct sluice_ledger_claim_opts o = {max, since, sn, si};
    struct sluice_ledger_claim *v = NULL;
    size_t n = 0;
    struct sluice_err err = {{0}};
    int64_t w = 0;
    out[0] = '\0';
    if (sluice__ledger_claim(l, &o, &v, &n, &w, &err) != SLUICE_OK) {
        fprintf(stderr, "claim: %s\n", err.msg);
        snprintf(out, cap, "error");
        return;
    }
    /* RETURNING has no order: sort the starts */
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (v[j].start < v[i].start) {
                struct sluice_ledger_claim t = v[i];
                v[i] = v[j];
                v[j] = t;
            }
    size_t k = 0;
    for (size_t i = 0; i < n && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%lld", i ? "," : "",
                              (long long)v[i].start);
    sluice__ledger_claims_free(v, n);
    if (wait)
        *wait = w;
}

static int mark(struct sluice_ledger *l, int64_t start, bool done)
{
    struct sluice_ledger_attempt a = {0};
    long http[1] = {done ? 200 : 503};
    struct sluice_err err = {{0}};
    a.start = start;
    a.end_excl = start + 1;
    a.requests = 1;
    a.http = http;
    a.n_http = 1;
    a.error = done ? NULL : "HTTP 503";
    return done ? sluice__ledger_mark_done(l, &a, &err)
                : sluice__ledger_mark_failed(l, &a, &err);
}

static void seed(struct sluice_ledger *l, size_t n)
{
    struct sluice_ledger_seed s[8];
    struct sluice_err err = {{0}};
    for (size_t i = 0; i < n; i++)
        s[i] = (struct sluice_ledger_seed){"", (int64_t)i, (int64_t)i + 1,
                                           (uint32_t)i};
    if (sluice__ledger_seed(l, s, n, &err) != SLUICE_OK) {
        fprintf(stderr, "seed: %s\n", err.msg);
        exit(2);
    }
}

static void test_leases(void)
{
    char got[256];
    int64_t wait = 0;
    g_now = 1000;
    struct sluice_ledger *a = open_worker("lease");
    struct sluice_ledger *b = open_worker("lease");
    ASSERT_TRUE(sluice__ledger_shared(a));
    ASSERT_TRUE(strcmp(sluice__ledger_worker(a), sluice__ledger_worker(b)));
    seed(a, 5);
    seed(b, 5); /* idempotent: every worker seeds */

    claim(a, 2, 1000, 0, 0, got, sizeof got, &wait);
    ASSERT_STR_EQ(got, "0,1");
    claim(b, 10, 1000, 0, 0, got, sizeof got, &wait);
    ASSERT_STR_EQ(got, "2,3,4");
    /* nothing free: look again when A's leases end (1000 + 10) */
    claim(b, 10, 1000, 0, 0, got, sizeof got, &wait);
    ASSERT_STR_EQ(got, "");
    ASSERT_EQ(wait, 1010);
    ASSERT_EQ(mark(b, 2, true), SLUICE_OK);
    ASSERT_EQ(mark(b, 3, true), SLUICE_OK);
    ASSERT_EQ(mark(b, 4, true), SLUICE_OK);

    /* A's heartbeat at 1005: its leases run to 1015 */
    g_now = 1005;
    size_t renewed = 0;
    struct sluice_err err = {{0}};
    ASSERT_EQ(sluice__ledger_renew(a, &renewed, &err), SLUICE_OK);
    ASSERT_EQ(renewed, 2);
    g_now = 1012;
    claim(b, 10, 1000, 0, 0, got, sizeof got, &wait);
    ASSERT_STR_EQ(got, "");
    ASSERT_EQ(wait, 1015);
    ASSERT_EQ(mark(a, 0, true), SLUICE_OK);

    /* A dies (no more heartbeat): at 1015 its lease on 1 is over, and 1
     * goes to B; 0 is done and never claimed again */
    g_now = 1015;
    claim(b, 10, 1000, 0, 0, got, sizeof got, &wait);
    ASSERT_STR_EQ(got, "1");
    /* B fails it: B (begun at 1000) does not retry it, a worker begun
     * later does, once its lease is free */
    ASSERT_EQ(mark(b, 1, false), SLUICE_OK);
    claim(b, 10, 1000, 0, 0, got, sizeof got, &wait);
    ASSERT_STR_EQ(got, "");
    ASSERT_EQ(wait, 0); /* the pool is empty for B */
    struct sluice_ledger *c = open_worker("lease");
    g_now = 1016;
    claim(c, 10, 1016, 0, 0, got, sizeof got, &wait);
    ASSERT_STR_EQ(got, "1");
    /* while C holds it, A (alive after all, its lease lost) publishes it:
     * done; C's failure then leaves it done */
    ASSERT_EQ(mark(a, 1, true), SLUICE_OK);
    ASSERT_EQ(mark(c, 1, false), SLUICE_OK);
    struct sluice_ledger_counts cn;
    ASSERT_EQ(sluice__ledger_counts_all(c, 0, 100, &cn, &err), SLUICE_OK);
    ASSERT_EQ(cn.done, 5);
    ASSERT_EQ(cn.failed, 0);
    int64_t wm = 0;
    bool has = false;
    ASSERT_EQ(sluice__ledger_watermark(c, 0, &wm, &has, &err), SLUICE_OK);
    ASSERT_TRUE(has);
    ASSERT_EQ(wm, 5);
    claim(c, 10, 2000, 0, 0, got, sizeof got, &wait);
    ASSERT_STR_EQ(got, "");
    ASSERT_EQ(wait, 0);
    sluice__ledger_close(a);
    sluice__ledger_close(b);
    sluice__ledger_close(c);
}

static void test_shards(void)
{
    char got[256];
    int64_t wait = 0;
    g_now = 3000;
    struct sluice_ledger *a = open_worker("shards");
    seed(a, 7); /* shard i for start i */
    claim(a, 10, 3000, 3, 1, got, sizeof got, &wait);
    ASSERT_STR_EQ(got, "1,4");
    claim(a, 10, 3000, 3, 0, got, sizeof got, &wait);
    ASSERT_STR_EQ(got, "0,3,6");
    /* shard 1's are leased to a itself: for shard 1 nothing is free, and
     * a's own leases are no reason to wait */
    claim(a, 10, 3000, 3, 1, got, sizeof got, &wait);
    ASSERT_STR_EQ(got, "");
    ASSERT_EQ(wait, 0);
    sluice__ledger_close(a);
}

static void test_runs_and_heartbeat(void)
{
    struct sluice_err err = {{0}};
    g_now = 5000;
    struct sluice_ledger *a = open_worker("runs");
    struct sluice_ledger *b = open_worker("runs");
    int64_t ra = 0, rb = 0;
    ASSERT_EQ(sluice__ledger_run_begin(a, "sluice run --worker", &ra, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__ledger_run_begin(b, NULL, &rb, &err), SLUICE_OK);
    struct sluice_ledger_holder h;
    ASSERT_EQ(sluice__ledger_holder(a, &h, &err), SLUICE_OK);
    ASSERT_TRUE(h.running);
    /* b beats on, a stops: past a lease, a's run is killed, b's runs */
    g_now = 5009;
    ASSERT_EQ(sluice__ledger_renew(b, NULL, &err), SLUICE_OK);
    g_now = 5011;
    struct sluice_ledger_run_list runs = {0};
    ASSERT_EQ(sluice__ledger_runs(b, 10, &runs, &err), SLUICE_OK);
    ASSERT_EQ(runs.n, 2);
    ASSERT_STR_EQ(runs.v[0].outcome, "running");
    ASSERT_STR_EQ(runs.v[1].outcome, "killed");
    sluice__ledger_run_list_cleanup(&runs);
    struct sluice_ledger_run_end e = {"ok", 1, 0, 0, 2, 3, 4};
    ASSERT_EQ(sluice__ledger_run_end(b, rb, &e, &err), SLUICE_OK);
    g_now = 5030;
    ASSERT_EQ(sluice__ledger_holder(b, &h, &err), SLUICE_OK);
    ASSERT_TRUE(!h.running);
    sluice__ledger_close(a);
    sluice__ledger_close(b);
}

static void test_fingerprint_shared(void)
{
    struct sluice_err err = {{0}};
    struct sluice_buf diff;
    bool stored = false;
    sluice__buf_init(&diff, 4096);
    struct sluice_ledger *a = open_worker("fp");
    struct sluice_ledger *b = open_worker("fp");
    struct sluice_ledger_fp_item one[] = {{"windows.step", "7d", false},
                                          {"source.params.api_key", "K1",
                                           true}};
    struct sluice_ledger_fp_item two[] = {{"windows.step", "1d", false},
                                          {"source.params.api_key", "K2",
                                           true}};
    ASSERT_EQ(sluice__ledger_fingerprint_set(a, one, 2, &err), SLUICE_OK);
    /* the same definition, another secret: no change */
    struct sluice_ledger_fp_item same[] = {{"windows.step", "7d", false},
                                           {"source.params.api_key", "K9",
                                            true}};
    ASSERT_EQ(sluice__ledger_fingerprint_diff(b, same, 2, &stored, &diff,
                                              &err),
              SLUICE_OK);
    ASSERT_TRUE(stored);
    ASSERT_EQ(diff.n, 0);
    ASSERT_EQ(sluice__ledger_fingerprint_set(b, same, 2, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_fingerprint_diff(b, two, 2, &stored, &diff,
                                              &err),
              SLUICE_OK);
    ASSERT_STR_EQ(diff.p, "windows.step changed from '7d' to '1d'");
    /* a set that would replace another worker's definition is refused */
    ASSERT_EQ(sluice__ledger_fingerprint_set(b, two, 2, &err), SLUICE_ESTATE);
    ASSERT_TRUE(strstr(err.msg, "changed since") != NULL);
    ASSERT_TRUE(strstr(err.msg, "K1") == NULL && strstr(err.msg, "K2") == NULL);
    sluice__buf_cleanup(&diff);
    sluice__ledger_close(a);
    sluice__ledger_close(b);
}

static void test_refusals(void)
{
    struct sluice_err err = {{0}};
    struct sluice_ledger *a = open_worker("refusals");
    enum sluice_ledger_status st;
    ASSERT_EQ(sluice__ledger_status(a, 0, &st, &err), SLUICE_ESTATE);
    ASSERT_TRUE(strstr(err.msg, "not available with a shared ledger"));
    ASSERT_EQ(sluice__ledger_lock(a, &err), SLUICE_OK); /* leases instead */
    ASSERT_TRUE(!sluice__ledger_moved(a));
    sluice__ledger_close(a);
    /* a ledger not made yet, for status: "no ledger at" */
    struct sluice_ledger_opts o = {"pg-test", "never", false, false, clock_fn,
                                   NULL};
    struct sluice_ledger_shared_opts s = {url(), 10000};
    struct sluice_ledger *l = NULL;
    ASSERT_EQ(sluice__ledger_open_shared(&o, &s, &l, &err), SLUICE_ESTATE);
    ASSERT_STR_EQ(err.msg, "no ledger at pg-test");
}

static const struct harness_test TESTS[] = {
    TEST(test_leases),
    TEST(test_shards),
    TEST(test_runs_and_heartbeat),
    TEST(test_fingerprint_shared),
    TEST(test_refusals),
};
HARNESS_MAIN(TESTS)
