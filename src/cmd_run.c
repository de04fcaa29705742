/* cmd_run.c: `sluice run JOB` and `sluice pull URL ...`: load the job, pull
 * its windows with live progress, then print the summary and exit with a
 * status that says how it went (docs/cli.md). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

struct run_ctx {
    struct cli_opts *o;
    struct progress *progress;
    struct failures *failures;
};

static void on_window(void *ud, const struct sluice_window_result *w)
{
    struct run_ctx *c = ud;
    failures_add(c->failures, w);
    if (c->o->verbosity > 0 && w->status != SLUICE_WINDOW_NOT_PULLED) {
        progress_clear(c->progress);
        /* a paginated window: its pages and each request's status */
        char pages[256] = "";
        if (w->size > offsetof(struct sluice_window_result, pages) &&
            w->pages > 1) {
            int k = snprintf(pages, sizeof pages, ", %llu pages (HTTP",
                             (unsigned long long)w->pages);
            for (size_t i = 0; i < w->n_statuses && k > 0 &&
                               (size_t)k < sizeof pages - 16;
                 i++)
                k += snprintf(pages + k, sizeof pages - (size_t)k, " %ld",
                              w->statuses[i]);
            if (k > 0 && (size_t)k < sizeof pages - 8)
                snprintf(pages + k, sizeof pages - (size_t)k, "%s)",
                         w->attempts > w->n_statuses ? " ..." : "");
        }
        fprintf(stderr, "sluice: %s..%s %s: HTTP %ld, %llu rows%s%s%s\n",
                w->start, w->end,
                w->status == SLUICE_WINDOW_DONE ? "done" : "failed",
                w->http_status, (unsigned long long)w->rows, pages,
                w->error ? ": " : "", w->error ? w->error : "");
    }
}

static void on_progress(void *ud, const struct sluice_progress *p)
{
    struct run_ctx *c = ud;
    progress_update(c->progress, p);
}

static void print_summary(const struct cli_opts *o, const char *name,
                          const struct sluice_run_summary *s)
{
    if (o->verbosity < 0)
        return;
    char in[32], out[32];
    msg_human_bytes((double)s->bytes_in, in, sizeof in);
    msg_human_bytes((double)s->bytes_out, out, sizeof out);
    double rps = s->seconds > 0 ? (double)s->requests / s->seconds : 0;
    fprintf(stderr,
            "sluice: %s: %zu done, %zu failed", name, s->done, s->failed);
    if (s->not_pulled)
        fprintf(stderr, ", %zu not pulled", s->not_pulled);
    fprintf(stderr,
            " of %zu windows; %llu rows; %s in, %s written; %.2f s; "
            "%.0f requests/s\n",
            s->due, (unsigned long long)s->rows, in, out, s->seconds, rps);
    if (s->skipped)
        fprintf(stderr, "sluice: %zu windows already done (ledger %s)\n",
                s->skipped, s->state_path);
    if (s->bad_values)
        fprintf(stderr,
                "sluice: %llu values did not convert to their declared type "
                "and were written as null (on_bad_value: null; see each "
                "window's bad_values in --report)\n",
                (unsigned long long)s->bad_values);
    if (s->retries || s->responses_429)
        fprintf(stderr,
                "sluice: %llu retries, %llu answers 429, concurrency now "
                "%u\n",
                (unsigned long long)s->retries,
                (unsigned long long)s->responses_429, s->concurrency);
    if (s->learned_rate > 0)
        fprintf(stderr,
                "sluice: learned rate %.1f requests/s (%s; the server's "
                "limit estimated at %.1f/s, %llu cuts)\n",
                s->learned_rate, s->learned_from, s->learned_limit,
                (unsigned long long)s->rate_cuts);
}

int cmd_run(struct cli_opts *o)
{
    struct sluice_job *job = NULL;
    int status = load_job(o, &job);
    if (status)
        return status;

    struct run_ctx ctx = {o, progress_new(o, sluice_job_name(job)),
                          failures_new()};

    struct sluice_run_opts ro;
    sluice_run_opts_init(&ro);
    ro.limit = o->limit;
    ro.insecure = o->insecure;
    ro.full_refresh = o->full_refresh;
    ro.window = o->window;
    ro.partition = o->partition;
    ro.resource = o->resource;
    ro.grace = o->grace;
    ro.worker = o->worker;
    ro.shard_index = o->shard_index;
    ro.shard_count = o->shard_count;
    ro.argv = o->argv_line;
    ro.log = msg_log;
    ro.log_level = o->verbosity > 0 ? SLUICE_LOG_DEBUG : SLUICE_LOG_WARN;
    ro.on_window = on_window;
    ro.on_progress = on_progress;
    ro.progress_interval = 0.1;
    ro.ud = &ctx;
    ro.log_ud = o;
    ro.report_path = o->report_path; /* written by the library */
    struct sluice_run_summary sum;
    sluice_run_summary_init(&sum);
    char err[2048] = "";
    struct sluice_run *run = NULL;
    int rc = sluice_run_new(job, &ro, &run, err, sizeof err);
    if (rc == SLUICE_OK) {
        signals_install(run);
        rc = sluice_run_exec(run, &sum, err, sizeof err);
        signals_release();
        sluice_run_free(run);
    }
    progress_clear(ctx.progress);

    if (rc == SLUICE_ECANCELED) {
        status = g_last_signal == SIGTERM ? EXIT_TERMINATED : EXIT_INTERRUPTED;
    } else if (rc == SLUICE_EQUOTA) {
        status = EXIT_TEMPFAIL;
    } else if (rc == SLUICE_ESTATE) {
        msg_error("%s", err);
        status = EXIT_STATE;
    } else if (rc != SLUICE_OK) {
        msg_error("%s", err);
        status = EXIT_USAGE;
    } else if (sum.failed || sum.resources_unplanned) {
        status = EXIT_SOME_FAILED;
    }
    /* A run refused or unable to start (the ledger said no, the job
     * changed) pulled nothing: a "0 done" summary would only hide the
     * reason. A run that failed midway still says what it did. */
    bool began = rc == SLUICE_OK || rc == SLUICE_ECANCELED ||
                 rc == SLUICE_EQUOTA || sum.requests || sum.done ||
                 sum.failed || sum.not_pulled;
    if (began)
        print_summary(o, sluice_job_name(job), &sum);
    /* The log said which and why (an error: shown even with -q). */
    if (sum.resources_unplanned)
        fprintf(stderr,
                "sluice: %zu resources not planned: their parent is not "
                "done\n",
                sum.resources_unplanned);
    /* Failed windows are errors: listed even with -q. */
    failures_print(ctx.failures, stderr);
    if (rc == SLUICE_ECANCELED && o->verbosity >= 0)
        fprintf(stderr, "sluice: interrupted: %zu windows kept, %zu not "
                        "pulled (no partial file was left)\n",
                sum.done, sum.not_pulled);
    if (rc == SLUICE_EQUOTA) {
        char when[32];
        time_t t = (time_t)sum.resume_at;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        /* said even with -q: a scheduler's log needs the time */
        fprintf(stderr,
                "sluice: the API's quota is spent: %zu windows not pulled; "
                "run again after %s\n",
                sum.not_pulled, when);
    }
    /* The library said why (an error, logged); the run's status stands
     * unless it was a success. */
    if (sum.report_failed && status == 0)
        status = EXIT_SOME_FAILED;
    failures_free(ctx.failures);
    progress_free(ctx.progress);
    sluice_job_free(job);
    return status;
}
