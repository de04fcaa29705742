/* result.c: the end of a window in this run. In this order: the ledger
 * records it (after the sink published the file, so a done window always has
 * its file), the run's counters move, and the embedder's callback hears of
 * it, with every string redacted. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pipeline/run.h"

static void ledger_attempt(const struct slot *s, uint64_t rows,
                           uint64_t bytes_out, const char *output,
                           const char *error, struct sluice_ledger_attempt *a)
{
    memset(a, 0, sizeof *a);
    a->start = s->w.start;
    a->end_excl = s->w.end_excl;
    a->requests = s->retry.attempts ? s->retry.attempts
                                    : (unsigned)s->n_statuses;
    a->http = s->statuses;
    a->n_http = s->n_statuses;
    a->rows = rows;
    a->bytes_in = s->bytes_in;
    a->bytes_out = bytes_out;
    a->output = output;
    a->error = error;
}

static void emit(struct run *r, struct slot *s,
                 enum sluice_window_status status, uint64_t rows,
                 uint64_t bytes_out, uint64_t bad_values, const char *error)
{
    const struct sluice_job *job = r->job;
    struct sluice_err lerr = {{0}};
    char *url = sluice__redact_dup(job->secrets, sluice__buf_str(&s->url));
    char *out = status == SLUICE_WINDOW_DONE
                    ? sluice__redact_dup(job->secrets, sluice__buf_str(&s->path))
                    : NULL;
    char *msg = error ? sluice__redact_dup(job->secrets, error) : NULL;
    const char *shown_err =
        error ? (msg ? msg : "(message lost: out of memory)") : NULL;

    if (r->ledger) {
        struct sluice_ledger_attempt a;
        int rc = SLUICE_OK;
        ledger_attempt(s, rows, bytes_out, out, shown_err, &a);
        if (status == SLUICE_WINDOW_DONE)
            rc = sluice__ledger_mark_done(r->ledger, &a, &lerr);
        else if (status == SLUICE_WINDOW_FAILED)
            rc = sluice__ledger_mark_failed(r->ledger, &a, &lerr);
        else if (s->n_statuses > 0) /* started, then stopped: pending */
            rc = sluice__ledger_mark_pending(r->ledger, s->w.start,
                                             s->w.end_excl, &lerr);
        if (rc != SLUICE_OK)
            SLUICE_LOG(&r->log, SLUICE_LOG_ERROR,
                       "state ledger: %s (the window will be pulled again "
                       "next run)",
                       lerr.msg);
    }

    struct sluice_window_result res = {0};
    res.index = s->w.index;
    res.start = sluice__buf_str(&s->start);
    res.end = sluice__buf_str(&s->end);
    res.status = status;
    res.http_status = s->n_statuses ? s->statuses[s->n_statuses - 1] : 0;
    res.attempts = (unsigned)s->n_statuses;
    res.statuses = s->statuses;
    res.n_statuses = s->n_statuses;
    res.rows = rows;
    res.bytes_in = s->bytes_in;
    res.bytes_out = bytes_out;
    res.bad_values = bad_values;
    res.output = out;
    res.seconds = s->t_first > 0 ? sluice__now() - s->t_first : 0;
    res.url = url ? url : "***";
    res.error = shown_err;

    if (status == SLUICE_WINDOW_DONE) {
        r->sum.done++;
        r->sum.rows += rows;
        r->sum.bytes_out += bytes_out;
    } else if (status == SLUICE_WINDOW_FAILED) {
        r->sum.failed++;
        SLUICE_LOG(&r->log, SLUICE_LOG_WARN, "window %s..%s failed: %s",
                   res.start, res.end, res.error);
    } else {
        r->sum.not_pulled++;
    }
    r->sum.bytes_in += s->bytes_in;
    if (r->opts && r->opts->on_window)
        r->opts->on_window(r->opts->ud, &res);
    sluice__free(url);
    sluice__free(out);
    sluice__free(msg);
}

void sluice__result_done(struct run *r, struct slot *s, uint64_t rows,
                         uint64_t bytes_out, uint64_t bad_values)
{
    emit(r, s, SLUICE_WINDOW_DONE, rows, bytes_out, bad_values, NULL);
}

void sluice__result_failed(struct run *r, struct slot *s, const char *why)
{
    emit(r, s, SLUICE_WINDOW_FAILED, 0, 0, 0, why);
}

void sluice__result_not_pulled(struct run *r, struct slot *s, const char *why)
{
    if (!r->quota_gone) {
        emit(r, s, SLUICE_WINDOW_NOT_PULLED, 0, 0, 0, why);
        return;
    }
    char when[32], msg[SLUICE_ERR_MAX];
    time_t t = (time_t)r->quota_wall + 1;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (why && *why)
        snprintf(msg, sizeof msg,
                 "the API's quota is spent: come back after %s (%.800s)", when,
                 why);
    else
        snprintf(msg, sizeof msg,
                 "the API's quota is spent: come back after %s", when);
    emit(r, s, SLUICE_WINDOW_NOT_PULLED, 0, 0, 0, msg);
}
