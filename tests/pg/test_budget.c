/* test_budget.c: the shared rate budget (state/budget.h) against a real
 * PostgreSQL, whose URL is in SLUICE_TEST_PG_URL (tests/e2e/pg_budget.sh
 * starts one). Members are counted per job, a pause
 * one member publishes reaches the others, a member that leaves or goes
 * stale no longer counts, and a connection the server cut is made again.
 * Staleness is made by ageing a row, not by waiting. */
#include <libpq-fe.h>

#include "harness.h"
#include "state/budget.h"

static const char *pg_url(void)
{
    const char *u = getenv("SLUICE_TEST_PG_URL");
    if (!u || !*u) {
        fprintf(stderr, "SLUICE_TEST_PG_URL is not set: run through "
                        "tests/e2e/pg_budget.sh\n");
        exit(2);
    }
    return u;
}

static void sql(const char *q)
{
    PGconn *c = PQconnectdb(pg_url());
    PGresult *r = PQexec(c, q);
    if (PQresultStatus(r) != PGRES_COMMAND_OK &&
        PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "  sql '%s': %s\n", q, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

static void test_members_are_counted_per_job(void)
{
    struct sluice_err err = {{0}};
    struct sluice_budget *a = NULL, *b = NULL, *other = NULL;
    unsigned n = 0;
    double pause = -1;
    sql("DROP TABLE IF EXISTS sluice_budget_members");
    ASSERT_EQ(sluice__budget_open(pg_url(), "neows", &a, &err), SLUICE_OK);
    ASSERT_EQ(sluice__budget_refresh(a, true, 0, &n, &pause, &err), SLUICE_OK);
    ASSERT_EQ(n, 1);
    ASSERT_TRUE(pause == 0);
    ASSERT_EQ(sluice__budget_open(pg_url(), "neows", &b, &err), SLUICE_OK);
    ASSERT_EQ(sluice__budget_open(pg_url(), "another-job", &other, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__budget_refresh(other, true, 0, &n, &pause, &err), SLUICE_OK);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(sluice__budget_refresh(b, true, 0, &n, &pause, &err), SLUICE_OK);
    ASSERT_EQ(n, 2);
    ASSERT_EQ(sluice__budget_refresh(a, true, 0, &n, &pause, &err), SLUICE_OK);
    ASSERT_EQ(n, 2);

    /* b is told to wait 30 s; a learns it at its next refresh. */
    ASSERT_EQ(sluice__budget_refresh(b, true, 30, &n, &pause, &err), SLUICE_OK);
    ASSERT_EQ(sluice__budget_refresh(a, true, 0, &n, &pause, &err), SLUICE_OK);
    if (!(pause > 29 && pause <= 30))
        FAIL_AT("a sees a pause of %g s, want about 30", pause);
    /* The other job is not held. */
    ASSERT_EQ(sluice__budget_refresh(other, true, 0, &n, &pause, &err), SLUICE_OK);
    ASSERT_TRUE(pause == 0);

    /* b waits for others' leases, with nothing to send: it takes no part
     * of the budget from a, and still learns a's share of it. */
    ASSERT_EQ(sluice__budget_refresh(b, false, 0, &n, &pause, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__budget_refresh(a, true, 0, &n, &pause, &err),
              SLUICE_OK);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(sluice__budget_refresh(b, true, 0, &n, &pause, &err),
              SLUICE_OK);
    ASSERT_EQ(n, 2);

    /* b leaves: a is alone again (and the pause went with b's row). */
    sluice__budget_close(b);
    b = NULL;
    ASSERT_EQ(sluice__budget_refresh(a, true, 0, &n, &pause, &err), SLUICE_OK);
    ASSERT_EQ(n, 1);

    /* A member killed without leaving goes stale: its row is aged past
     * SLUICE_BUDGET_STALE here instead of waiting for it. */
    ASSERT_EQ(sluice__budget_open(pg_url(), "neows", &b, &err), SLUICE_OK);
    ASSERT_EQ(sluice__budget_refresh(b, true, 0, &n, &pause, &err), SLUICE_OK);
    ASSERT_EQ(n, 2);
    sql("UPDATE sluice_budget_members SET seen = seen - 10 "
        "WHERE job = 'neows' AND seen = (SELECT max(seen) FROM "
        "sluice_budget_members WHERE job = 'neows')");
    ASSERT_EQ(sluice__budget_refresh(a, true, 0, &n, &pause, &err), SLUICE_OK);
    ASSERT_EQ(n, 1);
    sluice__budget_close(a);
    sluice__budget_close(b);
    sluice__budget_close(other);
}

static void test_a_cut_connection_is_made_again(void)
{
    struct sluice_err err = {{0}};
    struct sluice_budget *a = NULL;
    unsigned n = 0;
    double pause = -1;
    ASSERT_EQ(sluice__budget_open(pg_url(), "cut", &a, &err), SLUICE_OK);
    ASSERT_EQ(sluice__budget_refresh(a, true, 0, &n, &pause, &err), SLUICE_OK);
    sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'");
    if (sluice__budget_refresh(a, true, 0, &n, &pause, &err) != SLUICE_OK)
        FAIL_AT("refresh after the server cut the connection: %s", err.msg);
    ASSERT_EQ(n, 1);
    sluice__budget_close(a);
}

static void test_errors_never_show_the_connection_string(void)
{
    struct sluice_err err = {{0}};
    struct sluice_budget *a = NULL;
    char url[512];
    /* A port nothing listens on (the server's own, plus one, is as good
     * as any: the test's server took the port it was given). */
    snprintf(url, sizeof url,
             "postgresql://postgres:canary-pw-5173@127.0.0.1:1/postgres");
    ASSERT_TRUE(sluice__budget_open(url, "neows", &a, &err) != SLUICE_OK);
    ASSERT_TRUE(a == NULL);
    ASSERT_TRUE(strstr(err.msg, "shared rate budget: cannot connect") != NULL);
    if (strstr(err.msg, "canary-pw-5173"))
        FAIL_AT("the password is in the message: %s", err.msg);
}

static const struct harness_test TESTS[] = {
    TEST(test_members_are_counted_per_job),
    TEST(test_a_cut_connection_is_made_again),
    TEST(test_errors_never_show_the_connection_string),
};
HARNESS_MAIN(TESTS)
