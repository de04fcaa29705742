/* result.c: the end of a window in this run. In this order: the ledger
 * records it (after the sink published the file, so a done window always has
 * its file), the run's counters move, and the embedder's callback hears of
 * it, with every string redacted.
 *
 * A window is reported from an outcome: a snapshot of its slot, because a
 * done window's file is published by the committer thread while its slot
 * already pulls the next window. A window the run never started has no
 * slot: its outcome is built from its index (sluice__result_unstarted). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pipeline/run.h"
#include "pipeline/run_report.h"
#include "pipeline/window_io.h"

int sluice__outcome_take(const struct slot *s, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    o->w = s->w;
    memcpy(o->statuses, s->statuses, sizeof o->statuses);
    o->n_statuses = s->n_statuses;
    o->requests = s->pager ? s->requests
                : s->retry.attempts ? s->retry.attempts
                                    : (unsigned)s->n_statuses;
    o->pages = s->pager ? sluice__pager_pages(s->pager) + s->pages_par : 1;
    o->bytes_in = s->bytes_in;
    o->t_first = s->t_first;
    o->start = sluice__strdup(sluice__buf_str(&s->start));
    o->end = sluice__strdup(sluice__buf_str(&s->end));
    o->url = sluice__strdup(sluice__buf_str(&s->url));
    o->path = sluice__strdup(sluice__buf_str(&s->path));
    if (!o->start || !o->end || !o->url || !o->path) {
        sluice__outcome_cleanup(o);
        return SLUICE_ENOMEM;
    }
    return SLUICE_OK;
}

void sluice__outcome_cleanup(struct outcome *o)
{
    sluice__free(o->start);
    sluice__free(o->end);
    sluice__free(o->url);
    sluice__free(o->path);
    o->start = o->end = o->url = o->path = NULL;
}

static void ledger_mark(struct run *r, const struct outcome *o,
                        enum sluice_window_status status, uint64_t rows,
                        uint64_t bytes_out, const char *output,
                        const char *error)
{
    struct sluice_err lerr = {{0}};
    struct sluice_ledger_attempt a;
    int rc = SLUICE_OK;
    memset(&a, 0, sizeof a);
    a.start = o->w.start;
    a.end_excl = o->w.end_excl;
    a.requests = o->requests;
    a.http = o->statuses;
    a.n_http = o->n_statuses;
    a.rows = rows;
    a.bytes_in = o->bytes_in;
    a.bytes_out = bytes_out;
    a.output = output;
    a.error = error;
    /* The ledger keys a partition by its group and its window's start. */
    rc = sluice__run_ledger_group(r, o->w.group, &lerr);
    if (rc != SLUICE_OK)
        (void)0; /* said below */
    else if (status == SLUICE_WINDOW_DONE)
        rc = sluice__ledger_mark_done(r->ledger.db, &a, &lerr);
    else if (status == SLUICE_WINDOW_FAILED)
        rc = sluice__ledger_mark_failed(r->ledger.db, &a, &lerr);
    /* started, then stopped: pending; on a shared ledger also a claimed
     * partition never started, so that its lease goes back at once */
    else if (o->n_statuses > 0 || sluice__ledger_shared(r->ledger.db))
        rc = sluice__ledger_mark_pending(r->ledger.db, o->w.start, o->w.end_excl,
                                         &lerr);
    /* A lost ledger stops the run (run.c) and is said once, at its end. */
    if (rc != SLUICE_OK && !sluice__run_ledger_lost(r, &lerr))
        SLUICE_LOG(&r->log, SLUICE_LOG_ERROR,
                   "state ledger: %s (the window will be pulled again next "
                   "run)",
                   lerr.msg);
}

static const char *or_unknown(const char *s) { return s ? s : "?"; }

void sluice__result_emit(struct run *r, const struct outcome *o,
                         enum sluice_window_status status, uint64_t rows,
                         uint64_t bytes_out, uint64_t bad_values,
                         const char *error)
{
    const struct sluice_job *job = r->job;
    char *url = sluice__redact_dup(job->secrets, or_unknown(o->url));
    char *out = status == SLUICE_WINDOW_DONE && o->path
                    ? sluice__redact_dup(job->secrets, o->path)
                    : NULL;
    char *msg = error ? sluice__redact_dup(job->secrets, error) : NULL;
    const char *shown_err =
        error ? (msg ? msg : "(message lost: out of memory)") : NULL;

    if (r->ledger.db && !r->ledger.lost)
        ledger_mark(r, o, status, rows, bytes_out, out, shown_err);

    struct sluice_buf key;
    struct sluice_err kerr;
    sluice__buf_init(&key, 1 << 16);
    if (sluice__window_key(job, &o->w, &key, &kerr) != SLUICE_OK)
        sluice__buf_reset(&key);
    char *key_shown = sluice__redact_dup(job->secrets, sluice__buf_str(&key));
    sluice__buf_cleanup(&key);

    struct sluice_window_result res = {0};
    res.size = sizeof res;
    res.key = key_shown ? key_shown : "?";
    res.index = o->w.index;
    res.start = or_unknown(o->start);
    res.end = or_unknown(o->end);
    res.status = status;
    res.http_status = o->n_statuses ? o->statuses[o->n_statuses - 1] : 0;
    res.attempts = o->requests > o->n_statuses ? o->requests
                                               : (unsigned)o->n_statuses;
    res.pages = status == SLUICE_WINDOW_DONE ? o->pages : 0;
    res.statuses = o->statuses;
    res.n_statuses = o->n_statuses;
    res.rows = rows;
    res.bytes_in = o->bytes_in;
    res.bytes_out = bytes_out;
    res.bad_values = bad_values;
    res.output = out;
    res.seconds = o->t_first > 0 ? sluice__now() - o->t_first : 0;
    res.url = url ? url : "***";
    res.error = shown_err;

    if (status == SLUICE_WINDOW_DONE) {
        r->sum.done++;
        r->sum.rows += rows;
        r->sum.bytes_out += bytes_out;
        r->sum.bad_values += bad_values;
    } else if (status == SLUICE_WINDOW_FAILED) {
        r->sum.failed++;
        SLUICE_LOG(&r->log, SLUICE_LOG_DEBUG, "partition %s failed: %s",
                   res.key, res.error);
    } else {
        r->sum.not_pulled++;
    }
    r->sum.bytes_in += o->bytes_in;
    sluice__report_window(r->report, &res);
    if (r->opts && r->opts->on_window)
        r->opts->on_window(r->opts->ud, &res);
    sluice__free(url);
    sluice__free(out);
    sluice__free(msg);
    sluice__free(key_shown);
}

/* Reports a window not pulled: with the quota spent, its reason says when
 * to come back (and the last error, if any). */
static void emit_not_pulled(struct run *r, const struct outcome *o,
                            const char *why)
{
    if (!r->quota_gone) {
        sluice__result_emit(r, o, SLUICE_WINDOW_NOT_PULLED, 0, 0, 0, why);
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
    sluice__result_emit(r, o, SLUICE_WINDOW_NOT_PULLED, 0, 0, 0, msg);
}

/* Reports straight from a slot (failures, interruptions). */
static bool outcome_from_slot(const struct slot *s, struct outcome *o)
{
    if (sluice__outcome_take(s, o) == SLUICE_OK)
        return true;
    /* Out of memory: report what needs no copy. */
    memset(o, 0, sizeof *o);
    o->w = s->w;
    o->n_statuses = s->n_statuses;
    memcpy(o->statuses, s->statuses, sizeof o->statuses);
    return false;
}

void sluice__result_failed(struct run *r, struct slot *s, const char *why)
{
    struct outcome o;
    outcome_from_slot(s, &o);
    sluice__result_emit(r, &o, SLUICE_WINDOW_FAILED, 0, 0, 0, why);
    sluice__outcome_cleanup(&o);
}

void sluice__result_not_pulled(struct run *r, struct slot *s, const char *why)
{
    struct outcome o;
    outcome_from_slot(s, &o);
    emit_not_pulled(r, &o, why);
    sluice__outcome_cleanup(&o);
}

/* A window that never had a slot: its labels and URL come from the plan;
 * no attempt, no bytes, no time. A label or URL that cannot be rendered
 * is left out (the window says "?"; its URL is empty), as it would fail
 * the window when pulled. */
void sluice__result_unstarted(struct run *r, size_t index, const char *why)
{
    struct outcome o;
    struct sluice_buf start, end, url;
    struct sluice_err ignored;
    memset(&o, 0, sizeof o);
    sluice__buf_init(&start, 256);
    sluice__buf_init(&end, 256);
    sluice__buf_init(&url, 1 << 16);
    sluice__part_at(&r->job->parts, index, &o.w);
    if (sluice__window_label(r->job, &o.w, &start, &end, &ignored) !=
            SLUICE_OK ||
        sluice__window_first_request(r->job, &o.w, &url, &ignored) !=
            SLUICE_OK)
        sluice__buf_reset(&url);
    o.start = sluice__strdup(sluice__buf_str(&start));
    o.end = sluice__strdup(sluice__buf_str(&end));
    o.url = sluice__strdup(sluice__buf_str(&url));
    sluice__buf_cleanup(&start);
    sluice__buf_cleanup(&end);
    sluice__buf_cleanup(&url);
    emit_not_pulled(r, &o, why);
    sluice__outcome_cleanup(&o);
}
