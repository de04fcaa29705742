/* run_incr.c: a run of an incremental job (incremental:, config/job.h):
 * what it sends and how it names its files, from the ledger's cursor, and
 * the cursor it leaves there.
 *
 * - At the start (after the ledger is open, the run recorded): the newest
 *   cursor a run stored, unless --full-refresh (then `initial`), minus the
 *   lag, becomes the value of `param` in every request and
 *   {cursor_from} in the output path; {run} is the run's number. Every
 *   window is due again (run_ledger.c requeues them): the cursor, not the
 *   windows, says what is new.
 * - Each slot tracks its attempt's records (json/cursor.h); a window
 *   handed to the committer adds its slot's greatest value and counts.
 * - At the end, only when every window of the plan was done by this run
 *   (no failure, nothing left, no --limit or --window cutting it short),
 *   the greatest value of this run and the stored one is stored with the
 *   run: a failed run never moves it, so it never skips data. Records
 *   without the cursor are counted and said (a warning). */
#include <stdio.h>
#include <string.h>

#include "pipeline/run.h"

int sluice__run_incr_begin(struct run *r, struct sluice_err *err)
{
    struct sluice_job *job = r->job;
    struct sluice_incremental *c = &job->incremental;
    struct run_incr *ri = &r->incr;
    char *stored = NULL;
    int64_t stored_run = 0;
    uint64_t missing = 0;
    struct sluice_buf send;
    int rc = SLUICE_OK;
    if (!c->on)
        return SLUICE_OK;
    sluice__buf_init(&send, 2 * SLUICE_CURSOR_MAX);
    ri->on = true;
    sluice__cursor_tracker_init(&ri->seen, &c->path, c->type);
    bool full = r->opts && r->opts->full_refresh;
    if (r->ledger.db && !full)
        SLUICE_TRY(sluice__ledger_cursor_last(r->ledger.db, &stored,
                                              &stored_run, &missing, err));
    if (stored) {
        struct sluice_err sub;
        rc = sluice__cursor_value_parse(c->type, stored, strlen(stored),
                                        &ri->stored, &sub);
        SLUICE_FAIL_IF(rc != SLUICE_OK, SLUICE_ESTATE, err,
                       "the ledger's cursor (run %lld) does not read as "
                       "incremental.type: %s; run with --full-refresh to "
                       "start again from incremental.initial",
                       (long long)stored_run, sub.msg);
        SLUICE_TRY(sluice__cursor_minus(c->type, &ri->stored, c->lag, &send));
    } else if (c->initial) {
        SLUICE_TRY(sluice__buf_adds(&send, c->initial));
    }
    sluice__free(c->send);
    sluice__free(c->run_label);
    sluice__free(c->cursor_from_label);
    c->send = stored || c->initial ? sluice__strdup(sluice__buf_str(&send))
                                   : NULL;
    c->cursor_from_label = sluice__strdup(c->send ? c->send : "start");
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)r->ledger.run_id);
    c->run_label = sluice__strdup(num);
    ri->saved_path = job->output.path;
    job->output.path = NULL;
    SLUICE_FAIL_IF(!c->cursor_from_label || !c->run_label ||
                       ((stored || c->initial) && !c->send),
                   SLUICE_ENOMEM, err, "out of memory");
    job->output.path = sluice__incremental_path(job);
    SLUICE_FAIL_IF(!job->output.path, SLUICE_ENOMEM, err, "out of memory");
    if (c->send && stored)
        SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
                   "incremental: %s=%s (run %lld's cursor %s, less the lag)",
                   c->param ? c->param : "{cursor}", c->send,
                   (long long)stored_run, stored);
    else if (c->send)
        SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
                   "incremental: %s=%s (incremental.initial)",
                   c->param ? c->param : "{cursor}", c->send);
out:
    sluice__free(stored);
    sluice__buf_cleanup(&send);
    return rc;
}

void sluice__run_incr_published(struct run *r, const struct slot *s)
{
    if (r->incr.on)
        sluice__cursor_tracker_merge(&r->incr.seen, &s->incr);
}

void sluice__run_incr_end(struct run *r, int rc)
{
    struct run_incr *ri = &r->incr;
    struct sluice_job *job = r->job;
    const struct sluice_incremental *c = &job->incremental;
    if (!ri->on)
        return;
    if (ri->saved_path) {
        sluice__free(job->output.path);
        job->output.path = ri->saved_path;
        ri->saved_path = NULL;
    }
    if (ri->seen.missing || ri->seen.unreadable)
        SLUICE_LOG(&r->log, SLUICE_LOG_WARN,
                   "incremental: %llu records without %s, %llu with a value "
                   "that is not a%s %s: they do not move the cursor",
                   (unsigned long long)ri->seen.missing, c->cursor,
                   (unsigned long long)ri->seen.unreadable,
                   c->type == SLUICE_CURSOR_INTEGER ? "n" : "",
                   c->type == SLUICE_CURSOR_TIMESTAMP ? "timestamp"
                   : c->type == SLUICE_CURSOR_INTEGER ? "integer"
                                                      : "string");
    bool whole = rc == SLUICE_OK && r->sum.failed == 0 &&
                 r->sum.not_pulled == 0 && r->sum.done == r->plan.count &&
                 r->plan.count > 0;
    if (!r->ledger.db || r->ledger.lost)
        return;
    if (!whole) {
        SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
                   "incremental: the cursor stays where it was: %zu of %zu "
                   "windows were done by this run",
                   r->sum.done, r->plan.count);
        return;
    }
    struct sluice_cursor_value v = ri->stored;
    sluice__cursor_keep_max(c->type, &v, &ri->seen.max);
    if (!v.set)
        return; /* no cursor yet, none seen: nothing to keep */
    struct sluice_err err = {{0}};
    if (sluice__ledger_cursor_store(r->ledger.db, r->ledger.run_id, v.text,
                                    ri->seen.missing + ri->seen.unreadable,
                                    &err) != SLUICE_OK) {
        if (!sluice__run_ledger_lost(r, &err))
            SLUICE_LOG(&r->log, SLUICE_LOG_ERROR, "state ledger: %s", err.msg);
        return;
    }
    SLUICE_LOG(&r->log, SLUICE_LOG_INFO, "incremental: cursor %s", v.text);
}
