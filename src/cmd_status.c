/* cmd_status.c: `sluice status JOB [--json]`: what the job's ledger knows:
 * done through which date, counts by status, every failed window with its
 * reason, the last runs. Reads without taking the lock, so it also works
 * while a run is going. The text is written here; the JSON document is the
 * library's (sluice_status_json). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define RUNS_SHOWN 10

static void iso(int64_t t, char *out, size_t n)
{
    if (t <= 0) {
        snprintf(out, n, "-");
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void print_text(const char *name, const struct sluice_status *st)
{
    printf("job %s (ledger %s)\n", name, st->state_path);
    if (!st->exists) {
        printf("never run: %llu windows planned\n",
               (unsigned long long)st->planned);
        return;
    }
    if (st->running)
        printf("a run is going now (pid %ld)\n", st->running_pid);
    printf("done through: %s\n",
           st->has_watermark ? st->done_through : "(nothing yet)");
    if (st->has_cursor)
        printf("cursor: %s (run #%lld; %llu of its records had none)\n",
               st->cursor, (long long)st->cursor_run,
               (unsigned long long)st->cursor_missing);
    printf("windows: %llu done, %llu failed, %llu pending (%llu planned "
           "now)\n",
           (unsigned long long)st->done, (unsigned long long)st->failed,
           (unsigned long long)st->pending, (unsigned long long)st->planned);
    if (st->learned_rate > 0 && st->learned_origin)
        printf("learned rate: %.1f requests/s for %s (the next run starts "
               "there)\n",
               st->learned_rate, st->learned_origin);
    if (st->n_failures) {
        printf("failed windows:\n");
        for (size_t i = 0; i < st->n_failures; i++) {
            const struct sluice_status_failure *f = &st->failures[i];
            const char *key = st->failure_keys ? st->failure_keys[i] : NULL;
            unsigned long long n = (unsigned long long)f->attempts;
            /* a partition of other dimensions, or of no windows: its key */
            if (key && strcmp(key, f->start) != 0)
                printf("  %s  (%llu attempt%s)  %s\n", key, n,
                       n == 1 ? "" : "s", f->error);
            else
                printf("  %s..%s  (%llu attempt%s)  %s\n", f->start, f->end,
                       n, n == 1 ? "" : "s", f->error);
        }
    }
    if (st->n_runs) {
        printf("last runs:\n");
        for (size_t i = 0; i < st->n_runs; i++) {
            const struct sluice_status_run *r = &st->runs[i];
            char a[32];
            iso(r->started, a, sizeof a);
            printf("  #%lld %s  %-11s %llu done, %llu failed, %llu not "
                   "pulled, %llu rows\n",
                   (long long)r->id, a, r->outcome,
                   (unsigned long long)r->done, (unsigned long long)r->failed,
                   (unsigned long long)r->not_pulled,
                   (unsigned long long)r->rows);
        }
    }
}

/* One resource's status (the job's for a job without resources:); `i` its
 * place, for the JSON list's commas. */
static int status_one(struct cli_opts *o, struct sluice_job *job, size_t i,
                      bool list)
{
    struct sluice_status st;
    sluice_status_init(&st);
    char err[2048] = "";
    bool ready = true;
    const char *res = sluice_job_resource_name(job);
    /* a fan-out child's partitions are known from its parent's files */
    if (sluice_job_resource_prepare(job, &ready, err, sizeof err) !=
            SLUICE_OK ||
        sluice_job_status(job, RUNS_SHOWN, &st, err, sizeof err) !=
            SLUICE_OK) {
        msg_error("%s", err);
        return EXIT_STATE;
    }
    int status = EXIT_ALL_DONE;
    if (o->json) {
        /* The document is the library's (sluice_status_json), so an
         * embedder gets the same bytes; a job with resources: gives a
         * list of them, one per resource. */
        if ((list && fputs(i ? "," : "[", stdout) == EOF) ||
            sluice_status_json(job, &st, msg_write_stdout, NULL, err,
                               sizeof err) != SLUICE_OK ||
            fflush(stdout) != 0) {
            msg_error("%s", err[0] ? err : "cannot write");
            status = EXIT_SOME_FAILED;
        }
    } else {
        if (res)
            printf("%sresource %s%s%s\n", i ? "\n" : "", res,
                   ready ? "" : ": planned once ", ready ? "" : err);
        print_text(sluice_job_name(job), &st);
    }
    sluice_status_cleanup(&st);
    return status;
}

int cmd_status(struct cli_opts *o)
{
    struct sluice_job *job = NULL;
    int status = load_job(o, &job);
    if (status)
        return status;
    bool list = sluice_job_resource_name(job) != NULL;
    size_t n = sluice_job_resource_count(job);
    for (size_t i = 0; i < n && status == EXIT_ALL_DONE; i++)
        status = status_one(o, sluice_job_resource(job, i), i, list);
    if (status == EXIT_ALL_DONE && list && o->json &&
        (fputs("]\n", stdout) == EOF || fflush(stdout) != 0))
        status = EXIT_SOME_FAILED;
    sluice_job_free(job);
    return status;
}
