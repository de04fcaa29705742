/* bench_claims.c: what the shared ledger itself costs (state/pg_ledger.c):
 * partitions claimed and marked done per second by 1, 2 and 4 worker
 * processes on one PostgreSQL ledger, with no HTTP and no file: each
 * worker claims batches of 8 (SELECT ... FOR UPDATE SKIP LOCKED) and marks
 * each partition done (the mark that releases its lease), until the pool
 * is empty. Run by bench/scale_out.sh against the server it starts:
 *
 *   bench_claims CONNINFO [PARTITIONS]
 *
 * Built with the project, never run by CTest (docs/scale-out.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "state/ledger.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct sluice_ledger *open_ledger(const char *url, const char *job)
{
    struct sluice_ledger_opts o = {"bench", job, true, false, NULL, NULL};
    struct sluice_ledger_shared_opts s = {url, 30000};
    struct sluice_ledger *l = NULL;
    struct sluice_err err = {{0}};
    if (sluice__ledger_open_shared(&o, &s, &l, &err) != SLUICE_OK) {
        fprintf(stderr, "bench_claims: %s\n", err.msg);
        exit(1);
    }
    return l;
}

static int work(const char *url, const char *job)
{
    struct sluice_ledger *l = open_ledger(url, job);
    struct sluice_ledger_claim_opts co = {8, 0, 0, 0};
    struct sluice_err err = {{0}};
    long http[1] = {200};
    for (;;) {
        struct sluice_ledger_claim *v = NULL;
        size_t n = 0;
        int64_t wait = 0;
        if (sluice__ledger_claim(l, &co, &v, &n, &wait, &err) != SLUICE_OK)
            goto fail;
        if (n == 0 && wait == 0)
            break;
        for (size_t i = 0; i < n; i++) {
            struct sluice_ledger_attempt a = {0};
            a.start = v[i].start;
            a.end_excl = v[i].end_excl;
            a.requests = 1;
            a.http = http;
            a.n_http = 1;
            if (sluice__ledger_mark_done(l, &a, &err) != SLUICE_OK) {
                sluice__ledger_claims_free(v, n);
                goto fail;
            }
        }
        sluice__ledger_claims_free(v, n);
    }
    sluice__ledger_close(l);
    return 0;
fail:
    fprintf(stderr, "bench_claims: %s\n", err.msg);
    sluice__ledger_close(l);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_claims CONNINFO [PARTITIONS]\n");
        return 2;
    }
    size_t parts = argc > 2 ? strtoul(argv[2], NULL, 10) : 20000;
    struct sluice_ledger_seed *s = calloc(parts, sizeof *s);
    if (!s)
        return 1;
    for (size_t i = 0; i < parts; i++)
        s[i] = (struct sluice_ledger_seed){"", (int64_t)i * 86400,
                                           (int64_t)(i + 1) * 86400,
                                           (uint32_t)i};
    const int counts[] = {1, 2, 4};
    for (size_t c = 0; c < 3; c++) {
        char job[64];
        snprintf(job, sizeof job, "claims_%d_%ld", counts[c], (long)getpid());
        struct sluice_ledger *l = open_ledger(argv[1], job);
        struct sluice_err err = {{0}};
        for (size_t i = 0; i < parts; i += 2000)
            if (sluice__ledger_seed(l, s + i, parts - i < 2000 ? parts - i : 2000,
                                    &err) != SLUICE_OK) {
                fprintf(stderr, "bench_claims: %s\n", err.msg);
                return 1;
            }
        sluice__ledger_close(l);
        double t0 = now();
        for (int k = 0; k < counts[c]; k++) {
            pid_t p = fork();
            if (p == 0)
                _exit(work(argv[1], job));
        }
        int bad = 0, st;
        while (wait(&st) > 0)
            bad |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
        double t = now() - t0;
        if (bad)
            return 1;
        printf("claims: %d workers: %zu partitions in %.2f s, %.0f claimed "
               "and marked per second\n",
               counts[c], parts, t, (double)parts / t);
    }
    free(s);
    return 0;
}
