/* run_resources.c: a run of a job with `resources:`.
 *
 * The resources run one after the other, in the job's order (a fan-out
 * parent is listed before its children, so it is done, or known not to
 * be, before a child is planned), each as a whole run of its own struct
 * sluice_job (run.c) through the one handle: so every guarantee of a run
 * holds for each resource unchanged, and they share what the job says
 * they share. The concurrency limit is the job's for each resource's run,
 * and the runs never overlap, so the job never has more transfers in
 * flight than it allows; the rate governor is one: its state (buckets,
 * learned rate, Retry-After, the server's quotas) is carried from each
 * resource's run to the next, so a rate limit is kept across them as
 * within one. The ledger is the job's one file, each resource's rows
 * under its own keys (`resource=NAME/...`), and the report is one
 * document holding every resource's windows and one summary.
 *
 * A fan-out child is planned only once its parent's partitions are all
 * done (fanout.c); otherwise it is not pulled, the log says why, and the
 * summary counts it in resources_unplanned (the command exits 1). An
 * error, an interrupt or a spent quota stops the run at the resource it
 * happened in. */
#include <string.h>

#include "pipeline/run.h"
#include "pipeline/run_report.h"
#include "pipeline/window_io.h"
#include "util/sized.h"

static void add_summary(struct sluice_run_summary *t,
                        const struct sluice_run_summary *s)
{
    t->total += s->total;
    t->skipped += s->skipped;
    t->due += s->due;
    t->done += s->done;
    t->failed += s->failed;
    t->not_pulled += s->not_pulled;
    t->rows += s->rows;
    t->bytes_in += s->bytes_in;
    t->bytes_out += s->bytes_out;
    t->requests += s->requests;
    t->retries += s->retries;
    t->responses_429 += s->responses_429;
    t->bad_values += s->bad_values;
    t->rate_cuts += s->rate_cuts;
    t->report_failed |= s->report_failed;
    /* the one governor's state at the last resource's end */
    t->concurrency = s->concurrency;
    t->learned_rate = s->learned_rate;
    t->learned_limit = s->learned_limit;
    memcpy(t->learned_from, s->learned_from, sizeof t->learned_from);
    if (s->resume_at > t->resume_at)
        t->resume_at = s->resume_at;
    if (s->state_path[0])
        memcpy(t->state_path, s->state_path, sizeof t->state_path);
}

/* The resource --resource or --partition names (NULL: every one). */
static int selected(const struct sluice_job *job,
                    const struct sluice_run_opts *o,
                    const struct sluice_job **out, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    *out = NULL;
    struct sluice_buf names;
    sluice__buf_init(&names, 1 << 16);
    for (const struct sluice_job *j = job; j; j = j->next)
        SLUICE_TRY(sluice__buf_appendf(&names, "%s%s", j == job ? "" : ", ",
                                       j->resource));
    if (o->resource) {
        for (const struct sluice_job *j = job; j && !*out; j = j->next)
            if (strcmp(j->resource, o->resource) == 0)
                *out = j;
        SLUICE_FAIL_IF(!*out, SLUICE_EJOB, err,
                       "--resource %s: job %s has no such resource (its "
                       "resources: %s)",
                       o->resource, job->name, names.p);
    }
    if (o->partition) {
        /* "resource=NAME" or "resource=NAME/...": names are key-safe */
        const char *k = o->partition;
        const struct sluice_job *by_key = NULL;
        for (const struct sluice_job *j = job; j && !by_key; j = j->next) {
            size_t n = strlen(j->resource);
            if (strncmp(k, "resource=", 9) == 0 &&
                strncmp(k + 9, j->resource, n) == 0 &&
                (k[9 + n] == '\0' || k[9 + n] == '/'))
                by_key = j;
        }
        SLUICE_FAIL_IF(!by_key, SLUICE_EJOB, err,
                       "--partition %s: a key of job %s starts with "
                       "resource=NAME, NAME one of %s",
                       k, job->name, names.p);
        SLUICE_FAIL_IF(*out && *out != by_key, SLUICE_EJOB, err,
                       "--partition %s is not a partition of --resource %s",
                       k, o->resource);
        *out = by_key;
    }
out:
    sluice__buf_cleanup(&names);
    return rc;
}

static bool has_fanout(const struct sluice_job *j)
{
    for (size_t d = 0; d < j->parts.n_dims; d++)
        if (j->parts.dims[d].from_resource)
            return true;
    return false;
}

int sluice__run_resources(struct sluice_run *handle,
                          struct sluice_run_summary *sum, char *errbuf,
                          size_t errlen)
{
    struct sluice_job *job = handle->job;
    const struct sluice_run_opts *o = &handle->opts;
    struct sluice_run_summary total;
    struct sluice_governor gov;
    struct sluice_err err = {{0}};
    struct sluice_logger log;
    struct sluice_buf path;
    const struct sluice_job *only = NULL;
    bool told = false; /* errbuf holds a resource run's error */
    int rc = SLUICE_OK;
    double t0 = sluice__now();
    memset(&total, 0, sizeof total);
    memset(&gov, 0, sizeof gov);
    total.size = sizeof total;
    sluice__buf_init(&path, 4096);
    sluice__log_init(&log, o->log, o->log_ud, o->log_level, job->secrets);

    SLUICE_FAIL_IF(!job->first, SLUICE_EJOB, &err,
                   "--resource %s: job %s has no resources: list (it is one "
                   "resource)",
                   o->resource, job->name);
    SLUICE_TRY(selected(job, o, &only, &err));
    rc = sluice__job_state_path(job, &path);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc == SLUICE_ETOOBIG ? SLUICE_EJOB : rc,
                   &err, "%s", sluice__buf_failure(rc, "state path too long"));
    SLUICE_TRY(sluice__report_new(o->report_path, job->name, &handle->report,
                                  &err));
    handle->gov_carry = &gov;
    for (struct sluice_job *j = job; j; j = j->next) {
        if (only && j != only)
            continue;
        if (has_fanout(j)) {
            bool ready = false;
            SLUICE_TRY(sluice__fanout_fill(j, path.p, &log, &ready, &err));
            if (!ready) {
                SLUICE_LOG(&log, SLUICE_LOG_ERROR,
                           "resource %s is not planned: %s", j->resource,
                           err.msg);
                memset(&err, 0, sizeof err);
                total.resources_unplanned++;
                continue;
            }
        }
        struct sluice_run_summary s;
        sluice_run_summary_init(&s);
        rc = sluice__run_exec_job(handle, j, &s, errbuf, errlen);
        add_summary(&total, &s);
        if (rc != SLUICE_OK) {
            told = true;
            break;
        }
    }
out:
    handle->gov_carry = NULL;
    if (handle->report) {
        struct sluice_err rerr = {{0}};
        total.seconds = sluice__now() - t0;
        if (sluice__report_finish(handle->report, rc, &total, &rerr) !=
            SLUICE_OK) {
            total.report_failed = true;
            if (rerr.msg[0])
                SLUICE_LOG(&log, SLUICE_LOG_ERROR, "%s", rerr.msg);
        }
        sluice__report_free(handle->report);
        handle->report = NULL;
    }
    sluice__buf_cleanup(&path);
    total.seconds = sluice__now() - t0;
    if (sum)
        sluice__sized_out(sum, &total, sizeof total);
    if (rc != SLUICE_OK && !told)
        sluice__copy_err(job, err.msg, errbuf, errlen);
    return rc;
}
