/* test_ledger_cursor.c: the incremental cursor in the ledger
 * (state/incremental.c, format 4): stored with the run that reached it,
 * the newest one read back, a run that stored none leaving it in place;
 * and a ledger of format 3 (what the sluice before it wrote) migrated
 * with every run kept, its runs without a cursor. */
#include <sqlite3.h>
#include <unistd.h>

#include "harness.h"
#include "state/ledger.h"

static char g_dir[64];

static const char *path(void)
{
    static char p[128];
    if (!g_dir[0]) {
        snprintf(g_dir, sizeof g_dir, "/tmp/sluice-cursor-XXXXXX");
        if (!mkdtemp(g_dir))
            exit(1);
    }
    snprintf(p, sizeof p, "%s/job.db", g_dir);
    return p;
}

static void sql(const char *stmt)
{
    sqlite3 *db = NULL;
    ASSERT_EQ(sqlite3_open(path(), &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, stmt, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "  %s\n", msg);
    sqlite3_free(msg);
    ASSERT_EQ(rc, SQLITE_OK);
    sqlite3_close(db);
}

static void open_locked(struct sluice_ledger **l)
{
    struct sluice_ledger_opts o = {path(), "items", true, false, NULL, NULL};
    struct sluice_err err;
    *l = NULL;
    ASSERT_EQ(sluice__ledger_open(&o, l, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_lock(*l, &err), SLUICE_OK);
}

static void test_store_and_last(void)
{
    struct sluice_ledger *l = NULL;
    open_locked(&l);
    struct sluice_err err;
    char *text = NULL;
    int64_t run = -1, r1 = 0, r2 = 0, r3 = 0;
    uint64_t missing = 9;
    ASSERT_EQ(sluice__ledger_cursor_last(l, &text, &run, &missing, &err),
              SLUICE_OK);
    ASSERT_TRUE(text == NULL && run == 0 && missing == 0);
    ASSERT_EQ(sluice__ledger_run_begin(l, NULL, &r1, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_cursor_store(l, r1, "2024-01-05T04:00:00Z", 1,
                                          &err),
              SLUICE_OK);
    /* a run that failed stores nothing: the last good one stays */
    ASSERT_EQ(sluice__ledger_run_begin(l, NULL, &r2, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_cursor_last(l, &text, &run, &missing, &err),
              SLUICE_OK);
    ASSERT_STR_EQ(text, "2024-01-05T04:00:00Z");
    ASSERT_EQ(run, r1);
    ASSERT_EQ(missing, 1);
    sluice__free(text);
    ASSERT_EQ(sluice__ledger_run_begin(l, NULL, &r3, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_cursor_store(l, r3, "2024-02-02T00:01:40Z", 0,
                                          &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__ledger_cursor_last(l, &text, &run, &missing, &err),
              SLUICE_OK);
    ASSERT_STR_EQ(text, "2024-02-02T00:01:40Z");
    ASSERT_EQ(run, r3);
    sluice__free(text);
    ASSERT_EQ(sluice__ledger_cursor_store(l, 999, "x", 0, &err), SLUICE_EINVAL);
    sluice__ledger_close(l);
}

static void test_format_3_migrated(void)
{
    unlink(path());
    struct sluice_ledger *l = NULL;
    open_locked(&l);
    struct sluice_err err;
    int64_t r1 = 0;
    ASSERT_EQ(sluice__ledger_run_begin(l, "sluice run items.yaml", &r1, &err),
              SLUICE_OK);
    sluice__ledger_close(l);
    /* As the previous sluice left it: no cursor columns, format 3. */
    sql("ALTER TABLE runs DROP COLUMN cursor;"
        "ALTER TABLE runs DROP COLUMN cursor_missing;"
        "PRAGMA user_version = 3;");
    open_locked(&l);
    struct sluice_ledger_run_list runs;
    ASSERT_EQ(sluice__ledger_runs(l, 10, &runs, &err), SLUICE_OK);
    ASSERT_EQ(runs.n, 1);
    ASSERT_STR_EQ(runs.v[0].argv, "sluice run items.yaml");
    sluice__ledger_run_list_cleanup(&runs);
    char *text = NULL;
    int64_t run = 0;
    uint64_t missing = 0;
    ASSERT_EQ(sluice__ledger_cursor_last(l, &text, &run, &missing, &err),
              SLUICE_OK);
    ASSERT_TRUE(text == NULL);
    int64_t r2 = 0;
    ASSERT_EQ(sluice__ledger_run_begin(l, NULL, &r2, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_cursor_store(l, r2, "42", 0, &err), SLUICE_OK);
    sluice__ledger_close(l);
    sql("SELECT 1"); /* still a valid database */
}

static void test_cleanup(void)
{
    unlink(path());
    char p[160];
    snprintf(p, sizeof p, "%s/job.db.lock", g_dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/job.db-wal", g_dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/job.db-shm", g_dir);
    unlink(p);
    ASSERT_EQ(rmdir(g_dir), 0);
}

static const struct harness_test TESTS[] = {
    TEST(test_store_and_last),
    TEST(test_format_3_migrated),
    TEST(test_cleanup),
};
HARNESS_MAIN(TESTS)
