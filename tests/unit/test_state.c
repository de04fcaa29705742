/* test_state.c: the state ledger: creation, persistence, window transitions,
 * the watermark, the run lock across processes (held by a live one, free
 * again after a SIGKILL), fingerprint diffs and secrets, migration and
 * refusals (newer format, foreign and corrupt files), schema versions, the
 * temporary-file sweep, and the timings of 100,000 windows (printed, never
 * asserted). SLUICE_STATE_BENCH_FULL=N sets how many windows the
 * synchronous=FULL measurement marks (default 2,000). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "state/ledger.h"
#include "util/fs.h"

#define DAY INT64_C(86400)
#define T2020 INT64_C(1577836800) /* 2020-01-01T00:00:00Z */

static char g_root[256];
static int64_t g_now = 1795638600; /* 2026-11-25T20:30:00Z */

static int64_t fixed_clock(void *ud)
{
    (void)ud;
    return g_now;
}

static void rm_rf(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[1024];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            rm_rf(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* A fresh folder per test, under $TMPDIR. */
static const char *fresh_root(const char *name)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(g_root, sizeof g_root, "%s/sluice-state-%s-%ld",
             tmp && *tmp ? tmp : "/tmp", name, (long)getpid());
    rm_rf(g_root);
    mkdir(g_root, 0777);
    return g_root;
}

static char *path_in(const char *rel)
{
    static char p[8][4096]; /* a ring: a few paths may be live at once */
    static int k;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof p[k], "%s/%s", g_root, rel);
    return p[k];
}

static int open_at(const char *path, const char *job, bool full,
                   struct sluice_ledger **l, struct sluice_err *err)
{
    struct sluice_ledger_opts o = {path, job, true, full, fixed_clock, NULL};
    return sluice__ledger_open(&o, l, err);
}

static struct sluice_ledger_attempt attempt(int64_t start, const long *http,
                                            size_t n_http)
{
    struct sluice_ledger_attempt a = {0};
    a.start = start;
    a.end_excl = start + 7 * DAY;
    a.requests = (unsigned)(n_http ? n_http : 1);
    a.http = http;
    a.n_http = n_http;
    return a;
}

static void test_fresh_ledger_is_wal_and_empty(void)
{
    struct sluice_err err = {{0}};
    struct sluice_ledger *l = NULL;
    fresh_root("fresh");
    const char *path = path_in("deep/er/.sluice/neows.db");
    ASSERT_EQ(open_at(path, "neows", false, &l, &err), SLUICE_OK);
    struct stat sb;
    ASSERT_EQ(stat(path, &sb), 0);
    struct sluice_ledger_counts c;
    ASSERT_EQ(sluice__ledger_counts(l, INT64_MIN, INT64_MAX, &c, &err),
              SLUICE_OK);
    ASSERT_EQ(c.total, 0);
    int64_t wm = -1;
    bool has = true;
    ASSERT_EQ(sluice__ledger_watermark(l, T2020, &wm, &has, &err), SLUICE_OK);
    ASSERT_TRUE(!has);
    enum sluice_ledger_status st;
    ASSERT_EQ(sluice__ledger_status(l, T2020, &st, &err), SLUICE_OK);
    ASSERT_EQ(st, SLUICE_LEDGER_UNKNOWN);

    /* A second connection, as the sqlite3 shell or `sluice status` would
     * open it, sees WAL mode and our format. */
    sqlite3 *db = NULL;
    ASSERT_EQ(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
              SQLITE_OK);
    sqlite3_stmt *q = NULL;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
    ASSERT_STR_EQ((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
    ASSERT_EQ(sqlite3_column_int(q, 0), SLUICE_LEDGER_FORMAT);
    sqlite3_finalize(q);
    sqlite3_close(db);
    sluice__ledger_close(l);

    /* Without create, a missing ledger is a clear error. */
    struct sluice_ledger_opts o = {
        path_in("none.db"), "neows", false, false, NULL, NULL};
    ASSERT_EQ(sluice__ledger_open(&o, &l, &err), SLUICE_ESTATE);
    ASSERT_TRUE(strstr(err.msg, "no ledger at") != NULL);
    ASSERT_TRUE(l == NULL);
    rm_rf(g_root);
}

static void test_reopen_persists_window_details(void)
{
    struct sluice_err err = {{0}};
    struct sluice_ledger *l = NULL;
    fresh_root("reopen");
    const char *path = path_in("j.db");
    ASSERT_EQ(open_at(path, "neows", false, &l, &err), SLUICE_OK);
    long first[] = {503, 503};
    struct sluice_ledger_attempt a = attempt(T2020, first, 2);
    a.error = "HTTP 503: over capacity";
    ASSERT_EQ(sluice__ledger_mark_failed(l, &a, &err), SLUICE_OK);
    g_now += 60;
    long second[] = {200};
    a = attempt(T2020, second, 1);
    a.rows = 1234;
    a.bytes_in = 160000;
    a.bytes_out = 90000;
    a.output = "data/neows-2020-01-01.ndjson";
    ASSERT_EQ(sluice__ledger_mark_done(l, &a, &err), SLUICE_OK);
    sluice__ledger_close(l);

    ASSERT_EQ(open_at(path, "neows", false, &l, &err), SLUICE_OK);
    struct sluice_ledger_window w;
    bool found = false;
    ASSERT_EQ(sluice__ledger_window_get(l, T2020, &w, &found, &err), SLUICE_OK);
    ASSERT_TRUE(found);
    ASSERT_EQ(w.status, SLUICE_LEDGER_DONE);
    ASSERT_EQ(w.attempts, 3);
    ASSERT_STR_EQ(w.http, "[503,503,200]");
    ASSERT_EQ(w.rows, 1234);
    ASSERT_EQ(w.bytes_in, 160000);
    ASSERT_EQ(w.bytes_out, 90000);
    ASSERT_STR_EQ(w.output, "data/neows-2020-01-01.ndjson");
    ASSERT_TRUE(w.error == NULL); /* done clears the old reason */
    ASSERT_EQ(w.first_attempt, g_now - 60);
    ASSERT_EQ(w.last_attempt, g_now);
    ASSERT_EQ(w.end_excl, T2020 + 7 * DAY);
    sluice__ledger_window_cleanup(&w);
    ASSERT_EQ(sluice__ledger_window_get(l, T2020 + DAY, &w, &found, &err),
              SLUICE_OK);
    ASSERT_TRUE(!found);
    sluice__ledger_close(l);

    /* Another job's ledger is refused. */
    ASSERT_EQ(open_at(path, "other", false, &l, &err), SLUICE_ESTATE);
    ASSERT_STR_EQ(err.msg + strlen(err.msg) -
                      strlen("belongs to job 'neows', "
                             "not 'other'"),
                  "belongs to job 'neows', not 'other'");
    rm_rf(g_root);
}

static void test_transitions_counts_and_failed_list(void)
{
    struct sluice_err err = {{0}};
    struct sluice_ledger *l = NULL;
    fresh_root("trans");
    ASSERT_EQ(open_at(path_in("j.db"), "neows", false, &l, &err), SLUICE_OK);
    struct {
        int64_t start, end_excl;
    } keys[4];
    for (int i = 0; i < 4; i++) {
        keys[i].start = T2020 + i * 7 * DAY;
        keys[i].end_excl = T2020 + (i + 1) * 7 * DAY;
    }

    long ok[] = {200}, bad[] = {500, 0};
    struct sluice_ledger_attempt a = attempt(keys[0].start, ok, 1);
    ASSERT_EQ(sluice__ledger_mark_done(l, &a, &err), SLUICE_OK);
    a = attempt(keys[2].start, bad, 2);
    a.error = "connection reset";
    ASSERT_EQ(sluice__ledger_mark_failed(l, &a, &err), SLUICE_OK);

    enum sluice_ledger_status st;
    ASSERT_EQ(sluice__ledger_status(l, keys[0].start, &st, &err), SLUICE_OK);
    ASSERT_EQ(st, SLUICE_LEDGER_DONE);
    /* Never attempted: no row (the caller counts it pending). */
    ASSERT_EQ(sluice__ledger_status(l, keys[1].start, &st, &err), SLUICE_OK);
    ASSERT_EQ(st, SLUICE_LEDGER_UNKNOWN);
    ASSERT_EQ(sluice__ledger_status(l, keys[2].start, &st, &err), SLUICE_OK);
    ASSERT_EQ(st, SLUICE_LEDGER_FAILED);

    struct sluice_ledger_counts c;
    ASSERT_EQ(sluice__ledger_counts(l, INT64_MIN, INT64_MAX, &c, &err),
              SLUICE_OK);
    ASSERT_EQ(c.done, 1);
    ASSERT_EQ(c.failed, 1);
    ASSERT_EQ(c.pending, 0);
    ASSERT_EQ(c.total, 2);
    ASSERT_EQ(sluice__ledger_counts(l, keys[1].start, keys[3].start, &c, &err),
              SLUICE_OK);
    ASSERT_EQ(c.failed, 1);
    ASSERT_EQ(c.total, 1);

    struct sluice_ledger_window_list fl;
    ASSERT_EQ(sluice__ledger_failed(l, 0, &fl, &err), SLUICE_OK);
    ASSERT_EQ(fl.n, 1);
    ASSERT_EQ(fl.v[0].start, keys[2].start);
    ASSERT_STR_EQ(fl.v[0].error, "connection reset");
    ASSERT_STR_EQ(fl.v[0].http, "[500,0]");
    sluice__ledger_window_list_cleanup(&fl);

    /* Pending again keeps the history. */
    ASSERT_EQ(
        sluice__ledger_mark_pending(l, keys[2].start, keys[2].end_excl, &err),
        SLUICE_OK);
    struct sluice_ledger_window w;
    bool found;
    ASSERT_EQ(sluice__ledger_window_get(l, keys[2].start, &w, &found, &err),
              SLUICE_OK);
    ASSERT_EQ(w.status, SLUICE_LEDGER_PENDING);
    ASSERT_EQ(w.attempts, 2);
    sluice__ledger_window_cleanup(&w);

    /* Lookback: re-queue from the second window on. */
    a = attempt(keys[3].start, ok, 1);
    ASSERT_EQ(sluice__ledger_mark_done(l, &a, &err), SLUICE_OK);
    size_t requeued = 0;
    ASSERT_EQ(
        sluice__ledger_requeue(l, keys[1].start, INT64_MAX, &requeued, &err),
        SLUICE_OK);
    ASSERT_EQ(requeued, 1); /* only window 3 was not pending already */
    ASSERT_EQ(sluice__ledger_counts(l, INT64_MIN, INT64_MAX, &c, &err),
              SLUICE_OK);
    ASSERT_EQ(c.done, 1);
    ASSERT_EQ(c.pending, 2);

    /* A cursor walk agrees with single lookups, rows or no rows. */
    struct sluice_ledger_cursor *cur = NULL;
    ASSERT_EQ(sluice__ledger_cursor_open(l, keys[0].start, &cur, &err),
              SLUICE_OK);
    static const enum sluice_ledger_status want[] = {
        SLUICE_LEDGER_DONE, SLUICE_LEDGER_UNKNOWN, SLUICE_LEDGER_PENDING,
        SLUICE_LEDGER_PENDING};
    for (int i = 0; i < 4; i++) {
        ASSERT_EQ(sluice__ledger_cursor_status(cur, keys[i].start - 1, &st,
                                               &err),
                  SLUICE_OK);
        ASSERT_EQ(st, SLUICE_LEDGER_UNKNOWN);
        ASSERT_EQ(sluice__ledger_cursor_status(cur, keys[i].start, &st, &err),
                  SLUICE_OK);
        ASSERT_EQ(st, want[i]);
    }
    ASSERT_EQ(sluice__ledger_cursor_status(cur, keys[3].end_excl, &st, &err),
              SLUICE_OK);
    ASSERT_EQ(st, SLUICE_LEDGER_UNKNOWN);
    sluice__ledger_cursor_close(cur);

    /* The latest known window up to an instant. */
    ASSERT_EQ(sluice__ledger_window_last(l, keys[3].start - 1, &w, &found,
                                         &err),
              SLUICE_OK);
    ASSERT_TRUE(found);
    ASSERT_EQ(w.start, keys[2].start);
    sluice__ledger_window_cleanup(&w);
    ASSERT_EQ(sluice__ledger_window_last(l, keys[0].start - 1, &w, &found,
                                         &err),
              SLUICE_OK);
    ASSERT_TRUE(!found);
    sluice__ledger_close(l);
    rm_rf(g_root);
}

static void test_http_history_keeps_the_last_32(void)
{
    struct sluice_err err = {{0}};
    struct sluice_ledger *l = NULL;
    fresh_root("hist");
    ASSERT_EQ(open_at(path_in("j.db"), "neows", false, &l, &err), SLUICE_OK);
    long codes[40];
    for (int i = 0; i < 40; i++)
        codes[i] = 100 + i;
    struct sluice_ledger_attempt a = attempt(T2020, codes, 30);
    ASSERT_EQ(sluice__ledger_mark_failed(l, &a, &err), SLUICE_OK);
    a = attempt(T2020, codes + 30, 10);
    ASSERT_EQ(sluice__ledger_mark_failed(l, &a, &err), SLUICE_OK);
    struct sluice_ledger_window w;
    bool found;
    ASSERT_EQ(sluice__ledger_window_get(l, T2020, &w, &found, &err), SLUICE_OK);
    ASSERT_EQ(w.attempts, 40);
    /* 108..139: the oldest eight dropped */
    ASSERT_TRUE(strncmp(w.http, "[108,109,", 9) == 0);
    ASSERT_TRUE(strcmp(w.http + strlen(w.http) - 9, ",138,139]") == 0);
    int commas = 0;
    for (const char *p = w.http; *p; p++)
        commas += *p == ',';
    ASSERT_EQ(commas, 31);
    sluice__ledger_window_cleanup(&w);
    sluice__ledger_close(l);
    rm_rf(g_root);
}

static void mark_status(struct sluice_ledger *l, int64_t start, int64_t end,
                        enum sluice_ledger_status s)
{
    struct sluice_err err = {{0}};
    struct sluice_ledger_attempt a = attempt(start, NULL, 0);
    a.end_excl = end;
    int rc = s == SLUICE_LEDGER_DONE ? sluice__ledger_mark_done(l, &a, &err)
             : s == SLUICE_LEDGER_FAILED
                 ? sluice__ledger_mark_failed(l, &a, &err)
                 : sluice__ledger_mark_pending(l, start, end, &err);
    if (rc != SLUICE_OK)
        fprintf(stderr, "  mark: %s\n", err.msg);
}

static void test_watermark_cases(void)
{
    static const struct {
        const char *name;
        const char *pattern; /* per day from 2020-01-01: D done, F failed,
                                P pending, '-' no window (a gap) */
        int through;         /* windows counted into the watermark; -1 none */
    } cases[] = {
        {"none known", "", -1},       {"first pending", "PDD", -1},
        {"first failed", "FDD", -1},  {"all done", "DDDD", 4},
        {"failure stops", "DDFD", 2}, {"pending stops", "DDDPD", 3},
        {"gap stops", "DD-DD", 2},    {"single", "D", 1},
        {"first never attempted", "-DD", -1},
    };
    FOR_CASES(k, cases) {
        struct sluice_err err = {{0}};
        struct sluice_ledger *l = NULL;
        fresh_root("wm");
        ASSERT_EQ(open_at(path_in("j.db"), "neows", false, &l, &err),
                  SLUICE_OK);
        const char *p = cases[k].pattern;
        for (int i = 0; p[i]; i++) {
            int64_t s = T2020 + i * DAY;
            if (p[i] == 'D')
                mark_status(l, s, s + DAY, SLUICE_LEDGER_DONE);
            else if (p[i] == 'F')
                mark_status(l, s, s + DAY, SLUICE_LEDGER_FAILED);
            else if (p[i] == 'P')
                mark_status(l, s, s + DAY, SLUICE_LEDGER_PENDING);
        }
        int64_t wm = 0;
        bool has = false;
        ASSERT_EQ(sluice__ledger_watermark(l, T2020, &wm, &has, &err),
                  SLUICE_OK);
        if (cases[k].through < 0) {
            if (has)
                FAIL_AT("%s: expected no watermark", cases[k].name);
        } else if (!has || wm != T2020 + cases[k].through * DAY) {
            FAIL_AT("%s: watermark %lld (has %d), expected %lld", cases[k].name,
                    (long long)wm, has,
                    (long long)(T2020 + cases[k].through * DAY));
        }
        sluice__ledger_close(l);
        rm_rf(g_root);
    }
}

/* A child process holds the lock until it is killed with SIGKILL. */
static void test_lock_refused_while_live_and_free_after_kill(void)
{
    struct sluice_err err = {{0}};
    struct sluice_ledger *l = NULL;
    fresh_root("lock");
    g_now = 1795638600; /* 2026-11-25T20:30:00Z */
    const char *path = path_in(".sluice/neows.db");
    ASSERT_EQ(open_at(path, "neows", false, &l, &err), SLUICE_OK);
    int ready[2], hold[2];
    ASSERT_EQ(pipe(ready), 0);
    ASSERT_EQ(pipe(hold), 0);
    pid_t child = fork();
    ASSERT_TRUE(child >= 0);
    if (child == 0) {
        struct sluice_ledger *cl = NULL;
        struct sluice_err cerr = {{0}};
        char c = 'x';
        close(ready[0]);
        close(hold[1]);
        if (open_at(path, "neows", false, &cl, &cerr) == SLUICE_OK &&
            sluice__ledger_lock(cl, &cerr) == SLUICE_OK)
            c = 'k';
        if (write(ready[1], &c, 1) != 1)
            _exit(2);
        (void)!read(hold[0], &c, 1); /* blocks until killed */
        _exit(0);
    }
    close(ready[1]);
    close(hold[0]);
    char c = 0;
    ASSERT_EQ(read(ready[0], &c, 1), 1);
    ASSERT_EQ(c, 'k');

    ASSERT_EQ(sluice__ledger_lock(l, &err), SLUICE_ESTATE);
    char expect[128];
    snprintf(expect, sizeof expect,
             "job neows is already running (pid %ld since "
             "2026-11-25T20:30:00Z)",
             (long)child);
    ASSERT_STR_EQ(err.msg, expect);
    struct sluice_ledger_holder h;
    ASSERT_EQ(sluice__ledger_holder(l, &h, &err), SLUICE_OK);
    ASSERT_TRUE(h.running);
    ASSERT_EQ(h.pid, child);
    struct sluice_ledger_cursor *cur = NULL; /* readers are not blocked */
    enum sluice_ledger_status st;
    ASSERT_EQ(sluice__ledger_cursor_open(l, T2020, &cur, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_cursor_status(cur, T2020, &st, &err), SLUICE_OK);
    sluice__ledger_cursor_close(cur);

    ASSERT_EQ(kill(child, SIGKILL), 0);
    int wst = 0;
    ASSERT_EQ(waitpid(child, &wst, 0), child);
    ASSERT_TRUE(WIFSIGNALED(wst));
    close(ready[0]);
    close(hold[1]);

    /* The dead run's lock is gone (its row is stale but harmless). */
    ASSERT_EQ(sluice__ledger_holder(l, &h, &err), SLUICE_OK);
    ASSERT_TRUE(!h.running);
    ASSERT_EQ(sluice__ledger_lock(l, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_lock(l, &err), SLUICE_OK); /* idempotent */
    ASSERT_EQ(sluice__ledger_holder(l, &h, &err), SLUICE_OK);
    ASSERT_TRUE(h.running);
    ASSERT_EQ(h.pid, getpid());

    /* A second handle in the same process is refused too. */
    struct sluice_ledger *l2 = NULL;
    ASSERT_EQ(open_at(path, "neows", false, &l2, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_lock(l2, &err), SLUICE_ESTATE);
    snprintf(expect, sizeof expect, "(pid %ld since", (long)getpid());
    ASSERT_TRUE(strstr(err.msg, expect) != NULL);
    sluice__ledger_unlock(l);
    ASSERT_EQ(sluice__ledger_lock(l2, &err), SLUICE_OK);
    sluice__ledger_close(l2); /* closing releases */
    ASSERT_EQ(sluice__ledger_lock(l, &err), SLUICE_OK);
    sluice__ledger_close(l);
    rm_rf(g_root);
}

static void test_runs_and_killed_runs(void)
{
    struct sluice_err err = {{0}};
    struct sluice_ledger *l = NULL;
    fresh_root("runs");
    ASSERT_EQ(open_at(path_in("j.db"), "neows", false, &l, &err), SLUICE_OK);
    int64_t id1 = 0, id2 = 0;
    ASSERT_EQ(sluice__ledger_run_begin(l, "sluice run neows.yaml", &id1, &err),
              SLUICE_EINVAL); /* no lock */
    ASSERT_EQ(sluice__ledger_lock(l, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_run_begin(l, "sluice run neows.yaml", &id1, &err),
              SLUICE_OK);
    struct sluice_ledger_attempt a = attempt(T2020, NULL, 0);
    ASSERT_EQ(sluice__ledger_mark_done(l, &a, &err), SLUICE_OK);
    /* No run_end: as if killed. The next run marks it. */
    g_now += 100;
    ASSERT_EQ(sluice__ledger_run_begin(l, NULL, &id2, &err), SLUICE_OK);
    ASSERT_TRUE(id2 > id1);
    struct sluice_ledger_run_end e = {"interrupted", 3, 1, 2, 99, 4096, 5};
    ASSERT_EQ(sluice__ledger_run_end(l, id2, &e, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_run_end(l, 999, &e, &err), SLUICE_EINVAL);

    struct sluice_ledger_run_list rl;
    ASSERT_EQ(sluice__ledger_runs(l, 10, &rl, &err), SLUICE_OK);
    ASSERT_EQ(rl.n, 2);
    ASSERT_EQ(rl.v[0].id, id2);
    ASSERT_STR_EQ(rl.v[0].outcome, "interrupted");
    ASSERT_EQ(rl.v[0].ended, g_now);
    ASSERT_EQ(rl.v[0].rows, 99);
    ASSERT_EQ(rl.v[0].requests, 5);
    ASSERT_TRUE(rl.v[0].argv == NULL);
    ASSERT_STR_EQ(rl.v[0].version, sluice_version());
    ASSERT_STR_EQ(rl.v[1].outcome, "killed");
    ASSERT_EQ(rl.v[1].ended, 0);
    ASSERT_STR_EQ(rl.v[1].argv, "sluice run neows.yaml");
    sluice__ledger_run_list_cleanup(&rl);

    struct sluice_ledger_window w;
    bool found;
    ASSERT_EQ(sluice__ledger_window_get(l, T2020, &w, &found, &err), SLUICE_OK);
    ASSERT_EQ(w.run_id, id1);
    sluice__ledger_window_cleanup(&w);
    sluice__ledger_close(l);
    rm_rf(g_root);
}

/* True when `needle` occurs in the file's bytes. */
static bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = strlen(needle), cap = 1 << 22, len;
    char *buf = malloc(cap);
    len = buf ? fread(buf, 1, cap, f) : 0;
    fclose(f);
    bool found = false;
    for (size_t i = 0; buf && i + n <= len && !found; i++)
        found = memcmp(buf + i, needle, n) == 0;
    free(buf);
    return found;
}

static void test_fingerprint_diff_and_no_secret_stored(void)
{
    struct sluice_err err = {{0}};
    struct sluice_ledger *l = NULL;
    fresh_root("fp");
    const char *path = path_in("j.db");
    ASSERT_EQ(open_at(path, "neows", false, &l, &err), SLUICE_OK);
    const char *secret = "Zk3VhJ9pq2SECRETvalue";
    struct sluice_ledger_fp_item items[] = {
        {"windows.step", "7d", false},
        {"source.url", "https://api.nasa.gov/neo/rest/v1/feed", false},
        {"source.params.api_key", secret, true},
        {"windows.from", "2020-01-01", false},
    };
    struct sluice_buf diff;
    sluice__buf_init(&diff, 1 << 16);
    bool stored = true;
    ASSERT_EQ(
        sluice__ledger_fingerprint_diff(l, items, 4, &stored, &diff, &err),
        SLUICE_OK);
    ASSERT_TRUE(!stored);
    ASSERT_EQ(sluice__ledger_fingerprint_set(l, items, 4, &err), SLUICE_OK);
    ASSERT_EQ(
        sluice__ledger_fingerprint_diff(l, items, 4, &stored, &diff, &err),
        SLUICE_OK);
    ASSERT_TRUE(stored);
    ASSERT_STR_EQ(sluice__buf_str(&diff), "");
    sluice__ledger_close(l);
    /* The secret is in neither the database nor its WAL. */
    ASSERT_TRUE(!file_contains(path, secret));
    ASSERT_TRUE(!file_contains(path_in("j.db-wal"), secret));
    ASSERT_TRUE(file_contains(path_in("j.db-wal"), "windows.step") ||
                file_contains(path, "windows.step"));

    ASSERT_EQ(open_at(path, "neows", false, &l, &err), SLUICE_OK);
    struct sluice_ledger_fp_item edited[] = {
        {"windows.step", "1d", false},
        {"source.url", "https://api.nasa.gov/neo/rest/v1/feed", false},
        {"source.params.api_key", "another-key", true},
        {"source.params.detailed", "true", false},
    };
    ASSERT_EQ(
        sluice__ledger_fingerprint_diff(l, edited, 4, &stored, &diff, &err),
        SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&diff),
                  "source.params.api_key changed (secret, not shown); "
                  "source.params.detailed added (= 'true'); "
                  "windows.from removed (was '2020-01-01'); "
                  "windows.step changed from '7d' to '1d'");
    /* Same secret value: no change reported. */
    struct sluice_ledger_fp_item same_key[] = {
        {"windows.step", "7d", false},
        {"source.url", "https://api.nasa.gov/neo/rest/v1/feed", false},
        {"source.params.api_key", secret, true},
        {"windows.from", "2020-01-01", false},
    };
    ASSERT_EQ(
        sluice__ledger_fingerprint_diff(l, same_key, 4, &stored, &diff, &err),
        SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&diff), "");
    struct sluice_ledger_fp_item dup[] = {{"a", "1", false}, {"a", "2", false}};
    ASSERT_EQ(sluice__ledger_fingerprint_set(l, dup, 2, &err), SLUICE_EINVAL);
    ASSERT_STR_EQ(err.msg, "fingerprint: item a given twice");
    /* Long values are shortened in messages. */
    char longv[200];
    memset(longv, 'v', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    struct sluice_ledger_fp_item lv[] = {{"windows.step", longv, false}};
    ASSERT_EQ(sluice__ledger_fingerprint_set(l, lv, 1, &err), SLUICE_OK);
    struct sluice_ledger_fp_item sv[] = {{"windows.step", "7d", false}};
    ASSERT_EQ(sluice__ledger_fingerprint_diff(l, sv, 1, &stored, &diff, &err),
              SLUICE_OK);
    ASSERT_EQ(diff.n, strlen("windows.step changed from '") + 60 +
                          strlen("...' to '7d'"));
    sluice__buf_cleanup(&diff);
    sluice__ledger_close(l);
    rm_rf(g_root);
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) == SQLITE_OK)
        (void)sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
}

static void test_migration_and_refusals(void)
{
    struct sluice_err err = {{0}};
    struct sluice_ledger *l = NULL;
    fresh_root("mig");
    /* An empty database at user_version 0 is migrated to the format. */
    const char *empty = path_in("empty.db");
    exec_sql(empty, "PRAGMA user_version = 0; VACUUM");
    ASSERT_EQ(open_at(empty, "neows", false, &l, &err), SLUICE_OK);
    struct sluice_ledger_attempt a = attempt(T2020, NULL, 0);
    ASSERT_EQ(sluice__ledger_mark_done(l, &a, &err), SLUICE_OK);
    sluice__ledger_close(l);

    /* A newer format is refused, not touched. */
    exec_sql(empty, "PRAGMA user_version = 7");
    ASSERT_EQ(open_at(empty, "neows", false, &l, &err), SLUICE_ESTATE);
    ASSERT_TRUE(strstr(err.msg, "has format 7, written by a newer sluice") !=
                NULL);
    ASSERT_TRUE(l == NULL);

    /* Another program's database is refused. */
    const char *foreign = path_in("foreign.db");
    exec_sql(foreign, "CREATE TABLE t (x)");
    ASSERT_EQ(open_at(foreign, "neows", false, &l, &err), SLUICE_ESTATE);
    ASSERT_TRUE(strstr(err.msg, "not sluice's") != NULL);
    FILE *hf = fopen(foreign, "rb"); /* header bytes 18-19: 1 = not WAL */
    unsigned char hdr[20] = {0};
    ASSERT_TRUE(hf && fread(hdr, 1, sizeof hdr, hf) == sizeof hdr);
    fclose(hf);
    ASSERT_EQ(hdr[18], 1);
    exec_sql(foreign, "PRAGMA application_id = 42");
    ASSERT_EQ(open_at(foreign, "neows", false, &l, &err), SLUICE_ESTATE);
    ASSERT_TRUE(strstr(err.msg, "another program") != NULL);

    /* Garbage: an error that says so, no crash, the file left alone. */
    const char *corrupt = path_in("corrupt.db");
    FILE *f = fopen(corrupt, "wb");
    ASSERT_TRUE(f != NULL);
    for (int i = 0; i < 8192; i++)
        fputc((i * 131 + 7) & 0xff, f);
    fclose(f);
    ASSERT_EQ(open_at(corrupt, "neows", false, &l, &err), SLUICE_ESTATE);
    ASSERT_TRUE(strstr(err.msg, "is not a SQLite database or is damaged") !=
                NULL);
    struct stat sb;
    ASSERT_EQ(stat(corrupt, &sb), 0);
    ASSERT_EQ(sb.st_size, 8192);
    rm_rf(g_root);
}

/* tests/data/ledger_v1/legacy.db was written by sluice before partitions
 * (format 1, windows keyed by start alone): it opens, migrates to the
 * current format and keeps every window, its history and the job's
 * fingerprint, as the group "". */
static void test_format1_ledger_migrates(void)
{
    struct sluice_err err = {{0}};
    struct sluice_ledger *l = NULL;
    const char *data = getenv("SLUICE_TEST_DATA");
    ASSERT_TRUE(data != NULL);
    fresh_root("v1");
    char src[4096], cmd[8300];
    snprintf(src, sizeof src, "%s/ledger_v1/legacy.db", data);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, path_in("legacy.db"));
    ASSERT_EQ(system(cmd), 0);
    const char *path = path_in("legacy.db");
    ASSERT_EQ(open_at(path, "legacy", false, &l, &err), SLUICE_OK);
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    ASSERT_EQ(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
    ASSERT_EQ(sqlite3_column_int(q, 0), SLUICE_LEDGER_FORMAT);
    sqlite3_finalize(q);
    sqlite3_close(db);

    /* The four weekly windows of 2020-01: three done, 01-15 failed. */
    enum sluice_ledger_status st;
    for (int i = 0; i < 4; i++) {
        ASSERT_EQ(sluice__ledger_status(l, T2020 + i * 7 * DAY, &st, &err),
                  SLUICE_OK);
        ASSERT_EQ(st, i == 2 ? SLUICE_LEDGER_FAILED : SLUICE_LEDGER_DONE);
    }
    struct sluice_ledger_window w;
    bool found = false;
    ASSERT_EQ(sluice__ledger_window_get(l, T2020 + 7 * DAY, &w, &found, &err),
              SLUICE_OK);
    ASSERT_TRUE(found);
    ASSERT_STR_EQ(w.output, "out/neos_2020-01-08.ndjson");
    ASSERT_STR_EQ(w.http, "[200]");
    ASSERT_EQ(w.rows, 118);
    ASSERT_STR_EQ(w.part, "");
    sluice__ledger_window_cleanup(&w);
    int64_t wm = 0;
    bool has = false;
    ASSERT_EQ(sluice__ledger_watermark(l, T2020, &wm, &has, &err), SLUICE_OK);
    ASSERT_TRUE(has);
    ASSERT_EQ(wm, T2020 + 14 * DAY);
    struct sluice_ledger_window_list failed = {0};
    ASSERT_EQ(sluice__ledger_failed(l, 0, &failed, &err), SLUICE_OK);
    ASSERT_EQ(failed.n, 1);
    ASSERT_TRUE(strstr(failed.v[0].error, "HTTP 400: Date Format") != NULL);
    sluice__ledger_window_list_cleanup(&failed);

    /* Its fingerprint is the one that job builds today: no change. */
    static const struct sluice_ledger_fp_item items[] = {
        {"source.url", "http://127.0.0.1:***/neo/rest/v1/feed", false},
        {"source.params.start_date", "{start}", false},
        {"source.params.end_date", "{end}", false},
        {"source.params.api_key", "(secret)", false},
        {"source.records", "$.near_earth_objects.*[*]", false},
        {"source.record_key_as", "", false},
        {"windows.from", "2020-01-01T00:00:00Z", false},
        {"windows.step", "7 days", false},
        {"output.path", "out/neos_{start}.ndjson", false},
        {"output.format", "0", false},
    };
    struct sluice_buf diff;
    bool stored = false;
    sluice__buf_init(&diff, 4096);
    ASSERT_EQ(sluice__ledger_fingerprint_diff(l, items, SLUICE_ARRAY_LEN(items),
                                              &stored, &diff, &err),
              SLUICE_OK);
    ASSERT_TRUE(stored);
    ASSERT_STR_EQ(sluice__buf_str(&diff), "");
    sluice__buf_cleanup(&diff);

    /* Marks go on under the new key; reopening does not migrate again. */
    struct sluice_ledger_attempt a = attempt(T2020 + 14 * DAY, NULL, 0);
    ASSERT_EQ(sluice__ledger_mark_done(l, &a, &err), SLUICE_OK);
    sluice__ledger_close(l);
    ASSERT_EQ(open_at(path, "legacy", false, &l, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_watermark(l, T2020, &wm, &has, &err), SLUICE_OK);
    ASSERT_EQ(wm, T2020 + 28 * DAY);
    sluice__ledger_close(l);
    rm_rf(g_root);
}

struct lasts {
    char part[4][32];
    int64_t start[4];
    size_t n;
};

static int note_last(void *ud, const struct sluice_ledger_window *w)
{
    struct lasts *s = ud;
    if (s->n < 4) {
        snprintf(s->part[s->n], sizeof s->part[0], "%s", w->part);
        s->start[s->n++] = w->start;
    }
    return SLUICE_OK;
}

/* Partitions of different groups with the same window start are
 * different rows; every call but the "every group" ones stays in its
 * group. */
static void test_groups_are_separate(void)
{
    struct sluice_err err = {{0}};
    struct sluice_ledger *l = NULL;
    fresh_root("groups");
    ASSERT_EQ(open_at(path_in("g.db"), "neows", false, &l, &err), SLUICE_OK);
    struct sluice_ledger_attempt a = attempt(T2020, NULL, 0);
    ASSERT_EQ(sluice__ledger_use_part(l, "region=eu", &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_mark_done(l, &a, &err), SLUICE_OK);
    a.error = "HTTP 500";
    ASSERT_EQ(sluice__ledger_use_part(l, "region=us", &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_mark_failed(l, &a, &err), SLUICE_OK);
    enum sluice_ledger_status st;
    ASSERT_EQ(sluice__ledger_status(l, T2020, &st, &err), SLUICE_OK);
    ASSERT_EQ(st, SLUICE_LEDGER_FAILED);
    ASSERT_EQ(sluice__ledger_use_part(l, "region=eu", &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_status(l, T2020, &st, &err), SLUICE_OK);
    ASSERT_EQ(st, SLUICE_LEDGER_DONE);
    ASSERT_EQ(sluice__ledger_use_part(l, NULL, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_status(l, T2020, &st, &err), SLUICE_OK);
    ASSERT_EQ(st, SLUICE_LEDGER_UNKNOWN);
    struct sluice_ledger_counts c;
    ASSERT_EQ(sluice__ledger_counts(l, INT64_MIN, INT64_MAX, &c, &err),
              SLUICE_OK);
    ASSERT_EQ(c.total, 0);
    ASSERT_EQ(sluice__ledger_counts_all(l, INT64_MIN, INT64_MAX, &c, &err),
              SLUICE_OK);
    ASSERT_EQ(c.done, 1);
    ASSERT_EQ(c.failed, 1);
    struct sluice_ledger_window_list failed = {0};
    ASSERT_EQ(sluice__ledger_failed(l, 0, &failed, &err), SLUICE_OK);
    ASSERT_EQ(failed.n, 1);
    ASSERT_STR_EQ(failed.v[0].part, "region=us");
    sluice__ledger_window_list_cleanup(&failed);
    /* Each group's last window up to an instant, in one query. */
    ASSERT_EQ(sluice__ledger_use_part(l, "region=eu", &err), SLUICE_OK);
    struct sluice_ledger_attempt b = attempt(T2020 + 7 * DAY, NULL, 0);
    ASSERT_EQ(sluice__ledger_mark_done(l, &b, &err), SLUICE_OK);
    struct lasts seen = {0};
    ASSERT_EQ(sluice__ledger_last_per_part(l, T2020 + 7 * DAY, note_last,
                                           &seen, &err),
              SLUICE_OK);
    ASSERT_EQ(seen.n, 2);
    ASSERT_STR_EQ(seen.part[0], "region=eu");
    ASSERT_EQ(seen.start[0], T2020 + 7 * DAY);
    ASSERT_STR_EQ(seen.part[1], "region=us");
    ASSERT_EQ(seen.start[1], T2020);
    seen.n = 0;
    ASSERT_EQ(sluice__ledger_last_per_part(l, T2020, note_last, &seen, &err),
              SLUICE_OK);
    ASSERT_EQ(seen.n, 2);
    ASSERT_EQ(seen.start[0], T2020);
    /* A requeue in one group leaves the other alone; requeue_all does
     * every group. */
    ASSERT_EQ(sluice__ledger_use_part(l, "region=us", &err), SLUICE_OK);
    size_t n = 0;
    ASSERT_EQ(sluice__ledger_requeue(l, INT64_MIN, INT64_MAX, &n, &err),
              SLUICE_OK);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(sluice__ledger_use_part(l, "region=eu", &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_status(l, T2020, &st, &err), SLUICE_OK);
    ASSERT_EQ(st, SLUICE_LEDGER_DONE);
    ASSERT_EQ(sluice__ledger_requeue_all(l, INT64_MIN, INT64_MAX, &n, &err),
              SLUICE_OK);
    ASSERT_EQ(n, 2);
    ASSERT_EQ(sluice__ledger_status(l, T2020, &st, &err), SLUICE_OK);
    ASSERT_EQ(st, SLUICE_LEDGER_PENDING);
    sluice__ledger_close(l);
    rm_rf(g_root);
}

static void test_schema_versions(void)
{
    struct sluice_err err = {{0}};
    struct sluice_ledger *l = NULL;
    fresh_root("schema");
    ASSERT_EQ(open_at(path_in("j.db"), "neows", false, &l, &err), SLUICE_OK);
    int64_t v = -1;
    char *text = NULL;
    ASSERT_EQ(sluice__ledger_schema_latest(l, &v, &text, &err), SLUICE_OK);
    ASSERT_EQ(v, 0);
    ASSERT_TRUE(text == NULL);
    ASSERT_EQ(sluice__ledger_schema_append(l, "id: string", &v, &err),
              SLUICE_OK);
    ASSERT_EQ(v, 1);
    ASSERT_EQ(sluice__ledger_schema_append(l, "id: string", &v, &err),
              SLUICE_OK);
    ASSERT_EQ(v, 1);
    ASSERT_EQ(
        sluice__ledger_schema_append(l, "id: string\nmag: double", &v, &err),
        SLUICE_OK);
    ASSERT_EQ(v, 2);
    ASSERT_EQ(sluice__ledger_schema_latest(l, &v, &text, &err), SLUICE_OK);
    ASSERT_EQ(v, 2);
    ASSERT_STR_EQ(text, "id: string\nmag: double");
    sluice__free(text);
    sluice__ledger_close(l);
    rm_rf(g_root);
}

static void touch(const char *rel, int64_t mtime)
{
    int fd = open(path_in(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        (void)!write(fd, "x", 1);
        struct timespec ts[2] = {{(time_t)mtime, 0}, {(time_t)mtime, 0}};
        futimens(fd, ts);
        close(fd);
    }
}

static bool exists(const char *rel)
{
    struct stat sb;
    return lstat(path_in(rel), &sb) == 0;
}

/* A pid no process has: a child that exited and was reaped. */
static long dead_pid(void)
{
    pid_t c = fork();
    if (c == 0)
        _exit(0);
    int st = 0;
    waitpid(c, &st, 0);
    return (long)c;
}

/* ".<final>.sluice-tmp-<job>.<pid>.<hex>" into g_name. */
static char g_name[200];
static const char *temp_name(const char *final, const char *job, long pid,
                             const char *hex)
{
    snprintf(g_name, sizeof g_name, ".%s.sluice-tmp-%s.%ld.%s", final, job,
             pid, hex);
    return g_name;
}

static void test_temp_names_parse(void)
{
    struct sluice_temp_name t;
    ASSERT_TRUE(sluice__temp_name_parse(
        ".x.ndjson.sluice-tmp-neo-ws_2.1234.0123456789abcdef", &t));
    ASSERT_EQ(t.job_n, 8);
    ASSERT_TRUE(memcmp(t.job, "neo-ws_2", 8) == 0);
    ASSERT_EQ(t.pid, 1234);
    /* The final name may itself look like a temporary name. */
    ASSERT_TRUE(sluice__temp_name_parse(
        ".a.sluice-tmp-b.1.0000000000000000.sluice-tmp-j.7.ffffffffffffffff",
        &t));
    ASSERT_EQ(t.job_n, 1);
    ASSERT_EQ(t.job[0], 'j');
    ASSERT_EQ(t.pid, 7);
    static const char *const no[] = {
        ".x.sluice-tmp-0123456789abcdef",          /* an older sluice's */
        ".x.sluice-tmp-j.12.0123456789abcde",      /* 15 digits */
        ".x.sluice-tmp-j.12.0123456789abcdef0",    /* 17 */
        ".x.sluice-tmp-j.12.0123456789ABCDEF",     /* upper case */
        ".x.sluice-tmp-j..0123456789abcdef",       /* no pid */
        ".x.sluice-tmp-j.012.0123456789abcdef",    /* leading zero */
        ".x.sluice-tmp-j.99999999999.0123456789abcdef", /* too long a pid */
        ".x.sluice-tmp-.12.0123456789abcdef",      /* no job */
        ".x.sluice-tmp-j+k.12.0123456789abcdef",   /* not a job name */
        ".sluice-tmp-j.12.0123456789abcdef",       /* no final name */
        "x.sluice-tmp-j.12.0123456789abcdef",      /* no leading dot */
        ".x.sluice-tnp-j.12.0123456789abcdef",
        ".x.sluice-tmp-j.12.0123456789abcdef.bak",
        ".x.xsluice-tmp-j.12.0123456789abcdef",    /* marker without '.' */
    };
    FOR_CASES(i, no)
        if (sluice__temp_name_parse(no[i], &t))
            FAIL_AT("parsed %s", no[i]);
    char long_job[100];
    memset(long_job, 'j', 65);
    long_job[65] = '\0';
    ASSERT_TRUE(!sluice__temp_name_parse(
        temp_name("x", long_job, 12, "0123456789abcdef"), &t));
}

static void test_sweep_removes_only_its_dead_writers_files(void)
{
    struct sluice_err err = {{0}};
    fresh_root("sweep");
    mkdir(path_in("2020"), 0777);
    long dead = dead_pid(), me = (long)getpid(), parent = (long)getppid();
    static const char *const hex = "0123456789abcdef";
    char keep[16][sizeof g_name];
    size_t n_keep = 0;
#define KEEP(expr) snprintf(keep[n_keep++], sizeof keep[0], "%s", (expr))
    KEEP("neows-2020-01-01.ndjson");
    KEEP(temp_name("a.ndjson", "other", dead, hex)); /* another job's */
    KEEP(temp_name("b.ndjson", "neows", parent, hex)); /* a live pid */
    KEEP(temp_name("c.ndjson", "neows2", dead, hex)); /* a longer name */
    KEEP(".d.ndjson.sluice-tmp-0123456789abcdef"); /* an older sluice's */
    KEEP(".e.ndjson.sluice-tmp-neows.1.0123456789abcdeX");
    for (size_t i = 0; i < n_keep; i++)
        touch(keep[i], g_now - 3600);
    char gone[3][sizeof g_name];
    snprintf(gone[0], sizeof gone[0], "%s",
             temp_name("f.ndjson", "neows", dead, hex));
    snprintf(gone[1], sizeof gone[1], "%s",
             temp_name("g", "neows", dead, "ffffffffffffffff"));
    snprintf(gone[2], sizeof gone[2], "%s",
             temp_name("h.ndjson", "neows", me, hex)); /* our own pid */
    for (size_t i = 0; i < 3; i++)
        touch(gone[i], g_now - 3600);
    char young[sizeof g_name], deep[sizeof g_name + 8], self[sizeof g_name];
    snprintf(young, sizeof young, "%s",
             temp_name("young", "neows", dead, "aaaaaaaaaaaaaaaa"));
    touch(young, g_now - 5);
    snprintf(deep, sizeof deep, "2020/%s",
             temp_name("deep.parquet", "neows", dead, "1111111111111111"));
    touch(deep, g_now - 3600);
    /* A link named like a temporary file is neither removed nor followed,
     * nor is a folder. */
    touch("target", g_now - 3600);
    ASSERT_EQ(
        symlink("target",
                path_in(temp_name("l", "neows", dead, "2222222222222222"))),
        0);
    mkdir(path_in(temp_name("dir", "neows", dead, "3333333333333333")), 0777);

    /* This process may have a temporary file open: our pid is alive. */
    size_t removed = 99;
    struct sluice_sweep_opts o = {0, 60, g_now, "neows", false};
    ASSERT_EQ(sluice__state_sweep_temp(g_root, &o, &removed, &err), SLUICE_OK);
    ASSERT_EQ(removed, 2);
    ASSERT_TRUE(!exists(gone[0]));
    ASSERT_TRUE(!exists(gone[1]));
    snprintf(self, sizeof self, "%s", gone[2]);
    ASSERT_TRUE(exists(self));
    ASSERT_TRUE(exists(young)); /* too young for older_than */
    ASSERT_TRUE(exists(deep));  /* depth 0 */
    for (size_t i = 0; i < n_keep; i++)
        if (!exists(keep[i]))
            FAIL_AT("removed %s", keep[i]);
    ASSERT_TRUE(exists(temp_name("l", "neows", dead, "2222222222222222")));
    ASSERT_TRUE(exists("target"));
    ASSERT_TRUE(exists(temp_name("dir", "neows", dead, "3333333333333333")));

    /* Idle: a file with our own pid is a dead writer's. */
    struct sluice_sweep_opts all = {1, 0, 0, "neows", true};
    ASSERT_EQ(sluice__state_sweep_temp(g_root, &all, &removed, &err),
              SLUICE_OK);
    ASSERT_EQ(removed, 3); /* ours, the young one, the one in 2020/ */
    ASSERT_TRUE(!exists(self));
    ASSERT_TRUE(!exists(deep));
    ASSERT_TRUE(exists("2020"));
    for (size_t i = 0; i < n_keep; i++)
        if (!exists(keep[i]))
            FAIL_AT("removed %s", keep[i]);

    ASSERT_EQ(
        sluice__state_sweep_temp(path_in("missing"), &all, &removed, &err),
        SLUICE_OK);
    ASSERT_EQ(removed, 0);
    ASSERT_EQ(sluice__state_sweep_temp(g_root, NULL, &removed, &err),
              SLUICE_EINVAL);
    rm_rf(g_root);
#undef KEEP
}

static int mark_many(struct sluice_ledger *l, size_t n)
{
    struct sluice_err err = {{0}};
    long ok[] = {200};
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        struct sluice_ledger_attempt a =
            attempt(T2020 + (int64_t)i * 3600, ok, 1);
        a.end_excl = a.start + 3600;
        a.rows = 10;
        a.output = "data/x.ndjson";
        failures += sluice__ledger_mark_done(l, &a, &err) != SLUICE_OK;
    }
    return failures;
}

/* Many windows marked one transaction each read back the same by the
 * cursor, single lookups, the watermark and the counts (the timings of
 * 100,000 are bench/bench_state.c's). */
static void test_many_windows_marked_and_read_back(void)
{
    struct sluice_err err = {{0}};
    struct sluice_ledger *l = NULL;
    const size_t n = 2000;
    fresh_root("many");
    ASSERT_EQ(open_at(path_in("many.db"), "many", false, &l, &err),
              SLUICE_OK);
    ASSERT_EQ(mark_many(l, n), 0);

    struct sluice_ledger_cursor *cur = NULL;
    ASSERT_EQ(sluice__ledger_cursor_open(l, T2020, &cur, &err), SLUICE_OK);
    size_t done = 0;
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        enum sluice_ledger_status st = SLUICE_LEDGER_UNKNOWN;
        failures += sluice__ledger_cursor_status(
                        cur, T2020 + (int64_t)i * 3600, &st, &err) != SLUICE_OK;
        done += st == SLUICE_LEDGER_DONE;
    }
    enum sluice_ledger_status past = SLUICE_LEDGER_DONE;
    failures += sluice__ledger_cursor_status(cur, T2020 + (int64_t)n * 3600,
                                             &past, &err) != SLUICE_OK;
    sluice__ledger_cursor_close(cur);
    ASSERT_EQ(failures, 0);
    ASSERT_EQ(done, n);
    ASSERT_TRUE(past != SLUICE_LEDGER_DONE);

    done = 0;
    for (size_t i = 0; i < n; i++) {
        enum sluice_ledger_status st = SLUICE_LEDGER_UNKNOWN;
        failures += sluice__ledger_status(l, T2020 + (int64_t)i * 3600, &st,
                                          &err) != SLUICE_OK;
        done += st == SLUICE_LEDGER_DONE;
    }
    ASSERT_EQ(failures, 0);
    ASSERT_EQ(done, n);

    int64_t wm = 0;
    bool has = false;
    struct sluice_ledger_counts c;
    ASSERT_EQ(sluice__ledger_watermark(l, T2020, &wm, &has, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_counts(l, INT64_MIN, INT64_MAX, &c, &err),
              SLUICE_OK);
    ASSERT_TRUE(has);
    ASSERT_EQ(wm, T2020 + (int64_t)n * 3600);
    ASSERT_EQ(c.done, n);
    sluice__ledger_close(l);

    /* synchronous=FULL keeps the same answers */
    ASSERT_EQ(open_at(path_in("full.db"), "many", true, &l, &err), SLUICE_OK);
    ASSERT_EQ(mark_many(l, 50), 0);
    ASSERT_EQ(sluice__ledger_counts(l, INT64_MIN, INT64_MAX, &c, &err),
              SLUICE_OK);
    ASSERT_EQ(c.done, 50);
    sluice__ledger_close(l);
    rm_rf(g_root);
}

/* A ledger deleted or replaced under an open handle takes no more writes:
 * they would go into a file nobody reads again. */
static void test_writes_refused_once_the_file_is_gone(void)
{
    struct sluice_err err = {{0}};
    struct sluice_ledger *l = NULL;
    long ok[] = {200};
    fresh_root("moved");
    const char *db = path_in("moved.db");
    ASSERT_EQ(open_at(db, "moved", false, &l, &err), SLUICE_OK);
    struct sluice_ledger_attempt a = attempt(T2020, ok, 1);
    ASSERT_EQ(sluice__ledger_mark_done(l, &a, &err), SLUICE_OK);
    ASSERT_TRUE(!sluice__ledger_moved(l));

    ASSERT_EQ(unlink(db), 0);
    ASSERT_TRUE(sluice__ledger_moved(l));
    a.start += 7 * DAY;
    ASSERT_EQ(sluice__ledger_mark_done(l, &a, &err), SLUICE_ESTATE);
    ASSERT_TRUE(strstr(err.msg, "was deleted or replaced") != NULL);
    ASSERT_TRUE(strstr(err.msg, db) != NULL);
    ASSERT_EQ(sluice__ledger_mark_pending(l, a.start, a.end_excl, &err),
              SLUICE_ESTATE);
    ASSERT_EQ(sluice__ledger_requeue(l, INT64_MIN, INT64_MAX, NULL, &err),
              SLUICE_ESTATE);
    sluice__ledger_close(l);

    /* replaced: another ledger now has the name */
    struct sluice_ledger *other = NULL;
    ASSERT_EQ(open_at(db, "moved", false, &l, &err), SLUICE_OK);
    ASSERT_EQ(rename(db, path_in("aside.db")), 0);
    ASSERT_EQ(open_at(db, "moved", false, &other, &err), SLUICE_OK);
    ASSERT_TRUE(sluice__ledger_moved(l));
    ASSERT_TRUE(!sluice__ledger_moved(other));
    ASSERT_EQ(sluice__ledger_mark_done(l, &a, &err), SLUICE_ESTATE);
    ASSERT_EQ(sluice__ledger_mark_done(other, &a, &err), SLUICE_OK);
    sluice__ledger_close(l);
    sluice__ledger_close(other);
    rm_rf(g_root);
}

static void test_learned_rates(void)
{
    struct sluice_ledger *l = NULL;
    struct sluice_err err;
    fresh_root("rates");
    const char *path = path_in("rates.db");
    ASSERT_EQ(open_at(path, "neows", false, &l, &err), SLUICE_OK);
    double rate = -1;
    int64_t at = -1;
    char *origin = NULL;
    ASSERT_EQ(sluice__ledger_rate_get(l, "http://a:80", &rate, &at, &err),
              SLUICE_OK);
    ASSERT_EQ(rate == 0 && at == 0, 1);
    ASSERT_EQ(sluice__ledger_rate_any(l, &origin, &rate, &at, &err), SLUICE_OK);
    ASSERT_TRUE(origin == NULL && rate == 0);
    ASSERT_EQ(sluice__ledger_rate_set(l, "http://a:80", 42.5, 1, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__ledger_rate_set(l, "http://b:80", 7, 1, &err), SLUICE_OK);
    /* Nonsense is not stored (a NaN, 0, a negative): the old value stays. */
    ASSERT_EQ(sluice__ledger_rate_set(l, "http://a:80", 0, 2, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_rate_set(l, "http://a:80", -3, 2, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__ledger_rate_set(l, "http://a:80", NAN, 2, &err),
              SLUICE_OK);
    sluice__ledger_close(l);
    /* Kept across opens, per origin; a later value replaces it. */
    ASSERT_EQ(open_at(path, "neows", false, &l, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_rate_get(l, "http://a:80", &rate, &at, &err),
              SLUICE_OK);
    ASSERT_EQ(rate == 42.5 && at > 0, 1);
    ASSERT_EQ(sluice__ledger_rate_get(l, "http://b:80", &rate, NULL, &err),
              SLUICE_OK);
    ASSERT_EQ(rate == 7, 1);
    ASSERT_EQ(sluice__ledger_rate_set(l, "http://a:80", 50, 3, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_rate_get(l, "http://a:80", &rate, NULL, &err),
              SLUICE_OK);
    ASSERT_EQ(rate == 50, 1);
    ASSERT_EQ(sluice__ledger_rate_any(l, &origin, &rate, &at, &err), SLUICE_OK);
    ASSERT_TRUE(origin != NULL && rate > 0);
    sluice__free(origin);
    sluice__ledger_close(l);

    /* A format-1 ledger (before learned rates) is migrated on open and
     * keeps its windows. */
    const char *old = path_in("format1.db");
    ASSERT_EQ(open_at(old, "neows", false, &l, &err), SLUICE_OK);
    sluice__ledger_close(l);
    /* What format 1 lacked: learned rates, and (later formats) the
     * cursor columns; its windows had no part, which the rebuild gives
     * them (every row "" either way). */
    exec_sql(old, "DROP TABLE learned_rates;"
                  "ALTER TABLE runs DROP COLUMN cursor;"
                  "ALTER TABLE runs DROP COLUMN cursor_missing;"
                  "PRAGMA user_version = 1");
    ASSERT_EQ(open_at(old, "neows", false, &l, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_rate_set(l, "http://a:80", 9, 1, &err), SLUICE_OK);
    ASSERT_EQ(sluice__ledger_rate_get(l, "http://a:80", &rate, NULL, &err),
              SLUICE_OK);
    ASSERT_EQ(rate == 9, 1);
    sluice__ledger_close(l);
}

static const struct harness_test TESTS[] = {
    TEST(test_fresh_ledger_is_wal_and_empty),
    TEST(test_reopen_persists_window_details),
    TEST(test_transitions_counts_and_failed_list),
    TEST(test_http_history_keeps_the_last_32),
    TEST(test_watermark_cases),
    TEST(test_lock_refused_while_live_and_free_after_kill),
    TEST(test_runs_and_killed_runs),
    TEST(test_fingerprint_diff_and_no_secret_stored),
    TEST(test_migration_and_refusals),
    TEST(test_format1_ledger_migrates),
    TEST(test_groups_are_separate),
    TEST(test_schema_versions),
    TEST(test_learned_rates),
    TEST(test_temp_names_parse),
    TEST(test_sweep_removes_only_its_dead_writers_files),
    TEST(test_many_windows_marked_and_read_back),
    TEST(test_writes_refused_once_the_file_is_gone),
};
HARNESS_MAIN(TESTS)
