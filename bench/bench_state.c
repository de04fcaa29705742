/* bench_state.c: timings of the state ledger at 100,000 windows, the numbers
 * quoted in docs/internals/state.md. Built with the project (target
 * bench_state) but never run by CTest: speed is measured here, by hand,
 * never asserted in a test (the correctness of the same calls at a small
 * size is in tests/unit/test_state.c).
 *
 *   build/bench_state [WINDOWS [FULL_WINDOWS]] [FOLDER]
 *
 * Marks WINDOWS (default 100,000) hour windows done, one transaction each,
 * with synchronous=NORMAL, then loads every status, looks each one up, and
 * reads the watermark and counts; then marks FULL_WINDOWS (default 2,000)
 * with synchronous=FULL. The ledgers go in FOLDER (default $TMPDIR or
 * /tmp) and are removed afterwards. Exit status 1 if a call fails or a
 * result is wrong (a benchmark of wrong answers measures nothing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "state/ledger.h"

#define T2020 INT64_C(1577836800) /* 2020-01-01T00:00:00Z */
#define HOUR INT64_C(3600)

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void remove_ledger(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", ".lock"};
    char p[1024];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
}

static int open_ledger(const char *path, bool full, struct sluice_ledger **l)
{
    struct sluice_err err = {{0}};
    struct sluice_ledger_opts o = {path, "bench", true, full, NULL, NULL};
    remove_ledger(path);
    if (sluice__ledger_open(&o, l, &err) != SLUICE_OK) {
        fprintf(stderr, "bench_state: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* Marks n windows done, one transaction each; the seconds taken, or < 0. */
static double mark_many(struct sluice_ledger *l, size_t n)
{
    struct sluice_err err = {{0}};
    struct timespec t0;
    long ok[] = {200};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < n; i++) {
        struct sluice_ledger_attempt a = {0};
        a.start = T2020 + (int64_t)i * HOUR;
        a.end_excl = a.start + HOUR;
        a.requests = 1;
        a.http = ok;
        a.n_http = 1;
        a.rows = 10;
        a.output = "data/x.ndjson";
        if (sluice__ledger_mark_done(l, &a, &err) != SLUICE_OK) {
            fprintf(stderr, "bench_state: %s\n", err.msg);
            return -1;
        }
    }
    return seconds_since(&t0);
}

static int run(const char *dir, size_t n, size_t n_full)
{
    struct sluice_err err = {{0}};
    struct sluice_ledger *l = NULL;
    char normal_db[900], full_db[900];
    struct timespec t0;
    int rc = -1;
    snprintf(normal_db, sizeof normal_db, "%s/bench-state-%ld-normal.db", dir,
             (long)getpid());
    snprintf(full_db, sizeof full_db, "%s/bench-state-%ld-full.db", dir,
             (long)getpid());

    if (open_ledger(normal_db, false, &l) != 0)
        goto out;
    double normal = mark_many(l, n);
    if (normal < 0)
        goto out;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct sluice_ledger_cursor *cur = NULL;
    if (sluice__ledger_cursor_open(l, T2020, &cur, &err) != SLUICE_OK)
        goto fail;
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        enum sluice_ledger_status st = SLUICE_LEDGER_UNKNOWN;
        if (sluice__ledger_cursor_status(cur, T2020 + (int64_t)i * HOUR, &st,
                                         &err) != SLUICE_OK) {
            sluice__ledger_cursor_close(cur);
            goto fail;
        }
        done += st == SLUICE_LEDGER_DONE;
    }
    sluice__ledger_cursor_close(cur);
    double load = seconds_since(&t0);
    if (done != n)
        goto wrong;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    done = 0;
    for (size_t i = 0; i < n; i++) {
        enum sluice_ledger_status st = SLUICE_LEDGER_UNKNOWN;
        if (sluice__ledger_status(l, T2020 + (int64_t)i * HOUR, &st, &err) !=
            SLUICE_OK)
            goto fail;
        done += st == SLUICE_LEDGER_DONE;
    }
    double lookups = seconds_since(&t0);
    if (done != n)
        goto wrong;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    int64_t wm = 0;
    bool has = false;
    struct sluice_ledger_counts c;
    if (sluice__ledger_watermark(l, T2020, &wm, &has, &err) != SLUICE_OK ||
        sluice__ledger_counts(l, INT64_MIN, INT64_MAX, &c, &err) != SLUICE_OK)
        goto fail;
    double summary = seconds_since(&t0);
    if (!has || wm != T2020 + (int64_t)n * HOUR || c.done != n)
        goto wrong;
    sluice__ledger_close(l);
    l = NULL;

    double full = 0;
    if (n_full) {
        if (open_ledger(full_db, true, &l) != 0)
            goto out;
        full = mark_many(l, n_full);
        if (full < 0)
            goto out;
    }
    printf("%zu windows marked done, one transaction each: "
           "synchronous=NORMAL %.2f s (%.0f us each); synchronous=FULL "
           "%zu in %.2f s (%.0f us each)\n"
           "walk all statuses (cursor) %.3f s; %zu single lookups %.3f s; "
           "watermark + counts %.3f s\n",
           n, normal, normal / (double)n * 1e6, n_full, full,
           n_full ? full / (double)n_full * 1e6 : 0.0, load, n, lookups,
           summary);
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "bench_state: %s\n", err.msg);
    goto out;
wrong:
    fprintf(stderr, "bench_state: wrong result: the ledger lost windows\n");
out:
    sluice__ledger_close(l);
    remove_ledger(normal_db);
    remove_ledger(full_db);
    return rc;
}

int main(int argc, char **argv)
{
    size_t n = 100000, n_full = 2000;
    const char *tmp = getenv("TMPDIR");
    const char *dir = tmp && *tmp ? tmp : "/tmp";
    int pos = 0;
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        unsigned long long v = strtoull(argv[i], &end, 10);
        if (end && *end == '\0' && end != argv[i] && pos < 2) {
            if (pos++ == 0)
                n = (size_t)v;
            else
                n_full = (size_t)v;
        } else {
            dir = argv[i];
        }
    }
    if (n == 0) {
        fprintf(stderr, "usage: bench_state [WINDOWS [FULL_WINDOWS]] "
                        "[FOLDER]\n");
        return 2;
    }
    return run(dir, n, n_full) == 0 ? 0 : 1;
}
