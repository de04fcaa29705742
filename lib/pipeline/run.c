/* run.c: sluice_run(), one run of a job: the only place that knows every
 * stage.
 *
 *   plan (windows due) -> the loop (governor: rate limits, adaptive
 *   concurrency) -> slot: reader -> selector -> sink -> publish -> ledger
 *
 * One thread, `concurrency` slots, each with one transfer of the driver
 * (http/driver.h: the curl multi handle and its perform / poll turn). Each
 * turn of the loop starts what the governor allows, lets the driver move
 * bytes and judges the transfers that ended, reports progress; the driver
 * waits for sockets or the next instant something may start. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/run.h"
#include "pipeline/run_report.h"
#include "pipeline/window_io.h"
#include "util/sized.h"

#define DEFAULT_GRACE_SECONDS 10.0
#define POLL_MAX_MS 100 /* keeps interrupts and progress responsive */

double sluice__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double sluice__wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- sinks -------------------------------------------------------------------*/

/* The records a spooling sink (Parquet, CSV, databases) keeps in memory
 * before it spills to its unlinked file: a share of one budget for the
 * run, since up to 2 x concurrency sinks hold a window at once (one per
 * slot, and as many waiting for a worker), and their buffers keep their
 * size from window to window. 16 MiB over 64 sinks at concurrency 32 is
 * 256 KiB each (a W1 page's records fit; W8's ~1.3 MB pages spill); at
 * concurrency 4, 2 MiB; never above the spool's 16 MiB default. */
#define SPOOL_BUDGET ((size_t)16 << 20)
#define SPOOL_MIN ((size_t)256 << 10)
static size_t spool_share(const struct run *r)
{
    size_t sinks = 2 * (r->n_slots ? r->n_slots : 1);
    size_t share = SPOOL_BUDGET / sinks;
    return share < SPOOL_MIN ? SPOOL_MIN : share;
}

/* A database destination's sink (sink.h): the job's fields as its
 * options; the schema file and spill files go where window_io.c says. */
static int make_db_sink(struct run *r, const struct sluice_sink_opts *so,
                        struct sluice_sink **out)
{
    const struct sluice_job *job = r->job;
    struct sluice_buf schema, state;
    int rc = SLUICE_OK;
    sluice__buf_init(&schema, 1 << 16);
    sluice__buf_init(&state, 1 << 16);
    SLUICE_TRY(sluice__job_schema_path(job, &schema));
    if (job->output.db == SLUICE_DB_POSTGRES)
        SLUICE_TRY(sluice__job_state_local(job, &state));
    struct sluice_sink_db_opts d = {
        .target = job->output.db_target,
        .table = job->output.table,
        .job_name = job->name,
        .schema_path = schema.p,
        .spool_path = job->output.db == SLUICE_DB_SQLITE ? job->output.db_target
                      : state.n                          ? state.p
                                                         : "spool",
        .columns = job->columns,
        .n_columns = job->n_columns,
        .primary_key = (const char *const *)job->output.primary_key,
        .n_primary_key = job->output.n_primary_key,
        .write = job->output.write == SLUICE_WRITE_MERGE ? SLUICE_SINK_DB_MERGE
                 : job->output.write == SLUICE_WRITE_REPLACE
                     ? SLUICE_SINK_DB_REPLACE
                     : SLUICE_SINK_DB_APPEND,
        .flatten = job->output.flatten,
        .fail_on_bad = job->bad_value_fail,
        .replaced = &r->table_replaced,
        .spool_bytes = spool_share(r),
    };
    rc = job->output.db == SLUICE_DB_SQLITE
             ? sluice__sink_sqlite_new(so, &d, out)
             : sluice__sink_postgres_new(so, &d, out);
out:
    sluice__buf_cleanup(&schema);
    sluice__buf_cleanup(&state);
    return rc;
}

static int make_sink(struct run *r, struct sluice_sink **out)
{
    const struct sluice_job *job = r->job;
    struct sluice_sink_opts so = {job->source.record_key_as, 0, job->name};
    if (job->output.db)
        return make_db_sink(r, &so, out);
    if (job->output.format == SLUICE_FORMAT_CSV) {
        struct sluice_sink_csv_opts co = {
            .job_name = job->name,
            .output_template = job->output.path,
            .columns = job->columns,
            .n_columns = job->n_columns,
            .crlf = job->output.csv_crlf,
            .skip_empty = job->output.skip_empty,
            .spool_bytes = spool_share(r),
        };
        return sluice__sink_csv_new(&so, &co, out);
    }
    if (job->output.format != SLUICE_FORMAT_PARQUET)
        return sluice__sink_ndjson_new(&so, out);
    struct sluice_sink_parquet_opts po = {
        .job_name = job->name,
        .output_template = job->output.path,
        .columns = job->columns,
        .n_columns = job->n_columns,
        .codec = (int)job->output.compression,
        .level = job->output.compression_level,
        .row_group_bytes = job->output.row_group_bytes,
        .flatten = job->output.flatten,
        .skip_empty = job->output.skip_empty,
        .fail_on_bad = job->bad_value_fail,
        .spool_bytes = spool_share(r),
    };
    return sluice__sink_parquet_new(&so, &po, out);
}

int sluice__run_sink_take(struct run *r, struct sluice_sink **out,
                          struct sluice_err *err)
{
    if (r->n_free_sinks > 0) {
        *out = r->free_sinks[--r->n_free_sinks];
        return SLUICE_OK;
    }
    int rc = make_sink(r, out);
    if (rc != SLUICE_OK)
        sluice__err_set(err, "cannot create the output: %s",
                        sluice_strerror(rc));
    else
        (*out)->defer_folder_sync = true; /* the committer syncs folders */
    return rc;
}

void sluice__run_sink_give(struct run *r, struct sluice_sink *sink)
{
    struct sluice_sink **v = sluice__grow(r->free_sinks, &r->cap_free_sinks,
                                          r->n_free_sinks + 1, sizeof *v, 8);
    if (!v) {
        sluice__sink_free(sink); /* made again when needed */
        return;
    }
    r->free_sinks = v;
    r->free_sinks[r->n_free_sinks++] = sink;
}

/* A destination that can refuse the job (a database) is reached once
 * before the first request: a wrong address, a refused connection or a
 * missing permission is then the job's error, with the server's message.
 * The sink, connected, goes to the pool for the first window. */
static int check_destination(struct run *r, struct sluice_err *err)
{
    struct sluice_sink *sink = NULL;
    int rc = SLUICE_OK;
    if (!r->job->output.db || r->plan.due_total == 0)
        return SLUICE_OK;
    SLUICE_TRY(sluice__run_sink_take(r, &sink, err));
    if (sink->ops->check) {
        rc = sink->ops->check(sink);
        SLUICE_FAIL_IF(rc != SLUICE_OK, SLUICE_EIO, err, "output: %s",
                       sluice__sink_reason(sink, rc));
    }
out:
    if (sink)
        sluice__run_sink_give(r, sink);
    return rc;
}

/* The committer's threads: the job's workers (0: one per online core). A
 * database destination commits on one (its transactions, DDL and retries
 * assume it), and so does an S3 output (one client uploads). */
unsigned sluice__run_workers(const struct sluice_job *job)
{
    if (job->output.db || job->output.s3)
        return 1;
    return sluice__run_parse_workers(job);
}

/* The parse workers (parse_pool.c): the job's workers, one per online core
 * by default, whatever the destination. */
unsigned sluice__run_parse_workers(const struct sluice_job *job)
{
    if (job->workers > 0)
        return job->workers;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > SLUICE_MAX_WORKERS ? SLUICE_MAX_WORKERS : (unsigned)n;
}

/* Reports the windows the committer has published (or failed to). */
static size_t collect_commits(struct run *r)
{
    size_t n = 0;
    struct commit_item *it = sluice__committer_collect(&r->committer);
    while (it) {
        struct commit_item *next = it->next;
        struct sluice_sink *sink = it->sink;
        if (it->commit_retries) {
            r->sum.retries += it->commit_retries;
            SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
                       "window %s..%s: %s; its commit was tried %u more "
                       "times",
                       it->out.start ? it->out.start : "?",
                       it->out.end ? it->out.end : "?", it->retry_why,
                       it->commit_retries);
        }
        if (it->rc != SLUICE_OK && sink->fatal && !r->dest_refused) {
            /* The destination refuses the job: every window would fail
             * alike, so the run stops with its message. */
            r->dest_refused = true;
            snprintf(r->dest_msg, sizeof r->dest_msg, "%s",
                     sluice__sink_reason(sink, it->rc));
        }
        if (it->rc == SLUICE_OK) {
            /* Schema warnings (a field kept as JSON text, a renamed
             * column). */
            for (const char *w = sink->warnings; w && *w;) {
                const char *nl = strchr(w, '\n');
                int len = nl ? (int)(nl - w) : (int)strlen(w);
                SLUICE_LOG(&r->log, SLUICE_LOG_WARN, "window %s..%s: %.*s",
                           it->out.start ? it->out.start : "?",
                           it->out.end ? it->out.end : "?", len, w);
                w += len + (nl != NULL);
            }
            int64_t version = 0;
            if (sink->schema_json && r->ledger.db && !r->ledger.lost) {
                struct sluice_err lerr;
                if (sluice__ledger_schema_append(r->ledger.db, sink->schema_json,
                                                 &version, &lerr) != SLUICE_OK &&
                    !sluice__run_ledger_lost(r, &lerr))
                    SLUICE_LOG(&r->log, SLUICE_LOG_ERROR, "state ledger: %s",
                               lerr.msg);
            }
            if (!sink->published) { /* output.empty: skip */
                sluice__free(it->out.path);
                it->out.path = NULL;
            }
            sluice__result_emit(r, &it->out, SLUICE_WINDOW_DONE, it->rows,
                                it->bytes_out, sink->bad_values, NULL);
            sluice__manifest_add(r, &it->out, it->rows, it->bytes_out,
                                 version);
        } else {
            sluice__result_emit(r, &it->out, SLUICE_WINDOW_FAILED, 0, 0, 0,
                                sluice__sink_reason(sink, it->rc));
        }
        sluice__outcome_cleanup(&it->out);
        sluice__run_sink_give(r, sink);
        sluice__free(it);
        it = next;
        n++;
    }
    return n;
}

static int cancel_level(const struct run *r)
{
    return atomic_load(&r->handle->cancel);
}

static void emit_progress(struct run *r, bool force)
{
    if (!r->opts || !r->opts->on_progress)
        return;
    double t = sluice__now();
    double every = r->opts->progress_interval > 0 ? r->opts->progress_interval
                                                   : 0.1;
    if (!force && t - r->t_last_progress < every)
        return;
    r->t_last_progress = t;
    struct sluice_progress p = {sizeof p,
                                r->plan.due_total,
                                r->sum.done,
                                r->sum.failed,
                                r->in_flight,
                                r->sum.rows,
                                r->sum.bytes_in,
                                sluice__governor_concurrency(&r->gov),
                                t - r->t_start,
                                0,
                                NULL};
    enum sluice_learn_source src;
    p.learned_rate = sluice__governor_learned(&r->gov, t, &src, NULL);
    p.learned_from = sluice__learn_source_name(src);
    r->opts->on_progress(r->opts->ud, &p);
}

static int window_due(void *ud, size_t i, bool *due, struct sluice_err *err)
{
    return sluice__run_window_due(ud, i, due, err);
}

/* Decides once, before the first request, which windows are due, so the
 * progress line knows the total and each window is judged (and its file
 * checked) exactly once. */
static int plan_due(struct run *r, struct sluice_err *err)
{
    int rc = sluice__run_plan_build(&r->plan, window_due, r, &r->sum.skipped,
                                    err);
    sluice__run_due_done(r);
    return rc;
}

/* A slot ready to send: one waiting whose time has come, else an idle one
 * given the next due window. NULL when none. */
static struct slot *ready_slot(struct run *r, double now)
{
    struct slot *idle = NULL;
    for (size_t i = 0; i < r->n_slots; i++) {
        struct slot *s = &r->slots[i];
        if (s->state == SLOT_WAITING && s->not_before <= now)
            return s;
        if (s->state == SLOT_IDLE && !idle)
            idle = s;
    }
    /* the pages of windows begun go before new windows */
    if (idle && sluice__pages_assign(r, idle))
        return idle;
    size_t index;
    if (idle && sluice__run_plan_next(&r->plan, &index)) {
        sluice__slot_assign(idle, index);
        if (idle->state == SLOT_WAITING)
            return idle;
    }
    return NULL;
}

/* Finished windows waiting for a worker fill the bound while there is more
 * to start: the loop starts nothing (memory stays bounded) until a commit
 * is collected; counted once per episode (summary commit_holds). */
static void note_held(struct run *r)
{
    if (r->held)
        return;
    bool more = sluice__run_plan_left(&r->plan);
    for (size_t i = 0; !more && i < r->n_slots; i++)
        more = r->slots[i].state == SLOT_WAITING;
    if (!more)
        return;
    r->held = true;
    r->sum.commit_holds++;
    sluice__committer_release(&r->committer);
}

/* Starts every transfer the governor allows now. */
static void start_ready(struct run *r)
{
    double now = sluice__now();
    double wait = sluice__governor_next_send(&r->gov, now) - now;
    if (wait > r->job->retry.max_wait) {
        /* The server's quota will not come back within retry.max_wait. */
        r->quota_gone = true;
        double back = sluice__wall_now() + wait;
        if (back > r->quota_wall)
            r->quota_wall = back;
        return;
    }
    while (r->in_flight < sluice__governor_concurrency(&r->gov) &&
           !r->auth.failed) {
        if (r->committer.pending >= r->max_pending) {
            note_held(r);
            return;
        }
        struct slot *s = ready_slot(r, now);
        if (!s) {
            /* nothing more to start: the test hook's hold must end */
            if (r->in_flight == 0 && !sluice__run_plan_left(&r->plan))
                sluice__committer_release(&r->committer);
            return;
        }
        r->held = false;
        if (!sluice__governor_take(&r->gov, now, &s->ticket))
            return; /* it keeps its window and waits for the governor */
        sluice__slot_start(s);
    }
}

static bool work_left(struct run *r)
{
    if (r->committer.pending > 0)
        return true;
    for (size_t i = 0; i < r->n_slots; i++)
        if (r->slots[i].state != SLOT_IDLE)
            return true;
    return sluice__run_plan_left(&r->plan);
}

/* Milliseconds until something may start: a waiting slot's time or the
 * governor's next send, capped. */
static int poll_timeout(struct run *r)
{
    double now = sluice__now();
    double until = now + POLL_MAX_MS / 1000.0;
    double gov = sluice__governor_next_send(&r->gov, now);
    bool want_start = false;
    for (size_t i = 0; i < r->n_slots; i++) {
        const struct slot *s = &r->slots[i];
        if (s->state == SLOT_WAITING) {
            double t = s->not_before > gov ? s->not_before : gov;
            if (t < until)
                until = t;
        }
        want_start |= s->state == SLOT_IDLE;
    }
    /* A claiming run waiting for other workers' leases starts nothing
     * before it may claim again. */
    double wake = sluice__run_plan_wake(&r->plan);
    double start_at = wake > gov ? wake : gov;
    if (want_start && sluice__run_plan_left(&r->plan) && start_at < until)
        until = start_at;
    double refresh = sluice__run_budget_next(r); /* a shared budget */
    if (refresh < until)
        until = refresh;
    double ms = (until - now) * 1000.0;
    return ms < 1 ? 1 : ms > POLL_MAX_MS ? POLL_MAX_MS : (int)ms;
}

static bool stopped_for_quota(const struct run *r)
{
    return r->quota_gone && !cancel_level(r);
}

/* Ends the run's windows that will not be pulled now: those held between
 * attempts, those in flight (when abandoning), those never started. */
static void stop_windows(struct run *r, bool in_flight_too)
{
    for (size_t i = 0; i < r->n_slots; i++) {
        struct slot *s = &r->slots[i];
        /* Stopped for the quota alone, sluice__result_not_pulled says so
         * (and when to come back): nothing was interrupted. A window held
         * between attempts keeps its last attempt's error (empty if none). */
        const char *why = r->ledger.lost         ? "the run's ledger was lost"
                          : r->auth.failed       ? r->auth.failed_msg
                          : r->s3_refused        ? "the store refused the job"
                          : r->dest_refused      ? "the destination refused the job"
                          : stopped_for_quota(r) ? s->err.msg
                                                 : "interrupted";
        if (s->state == SLOT_WAITING || s->state == SLOT_PARKED ||
            (in_flight_too &&
             (s->state == SLOT_RUNNING || s->state == SLOT_PARSING)))
            sluice__slot_abandon(s, why);
    }
}

static void report_unstarted(struct run *r)
{
    size_t index;
    while (sluice__run_plan_next(&r->plan, &index))
        sluice__result_unstarted(r, index,
                                 r->ledger.lost ? "the run's ledger was lost"
                                 : r->auth.failed ? r->auth.failed_msg
                                 : r->s3_refused ? "the store refused the job"
                                 : r->dest_refused
                                     ? "the destination refused the job"
                                 : stopped_for_quota(r)
                                     ? ""
                                     : "interrupted before it started");
}

/* The driver's report of a transfer that ended: the slot judges it. */
static void transfer_done(void *ud, const struct sluice_http_done *done)
{
    (void)ud;
    sluice__slot_finish(done->owner, done);
}

static int run_loop(struct run *r, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    double grace = r->opts && r->opts->grace > 0 ? r->opts->grace
                                                  : DEFAULT_GRACE_SECONDS;
    for (;;) {
        int cancel = cancel_level(r);
        /* A token that cannot be renewed stops the run as a spent quota
         * does: what is in flight ends, nothing more starts. */
        bool stopping = cancel || r->quota_gone || r->auth.failed;
        if (cancel && r->t_drain == 0) {
            r->t_drain = sluice__now();
            SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
                       "interrupted: letting %zu transfers finish (%.0f s)",
                       r->in_flight, grace);
        }
        /* Nothing more can be recorded: stop at once (what is published
         * stays on disk; see sluice__run_ledger_close). */
        if (!r->s3_refused &&
            sluice__committer_refused(&r->committer, &r->s3_err)) {
            r->s3_refused = true;
            SLUICE_LOG(&r->log, SLUICE_LOG_ERROR, "%s: stopping the run",
                       r->s3_err.msg);
        }
        if (r->ledger.lost || r->s3_refused || r->dest_refused ||
            cancel >= 2 ||
            (cancel && sluice__now() - r->t_drain > grace)) {
            stop_windows(r, true);
            break;
        }
        /* While stopping, windows held between attempts wait to be reported
         * at the end: the time to come back is final only then. */
        sluice__run_heartbeat(r); /* a shared ledger's leases */
        if (r->budget.b) /* a shared rate budget */
            sluice__run_budget_tick(r, sluice__now());
        if (!stopping)
            start_ready(r);
        if (r->quota_gone && !stopping)
            continue; /* start_ready found the quota gone: stop now */
        if (stopping ? r->in_flight == 0 && r->parse.parsing == 0 &&
                           r->committer.pending == 0
                     : !work_left(r))
            break;

        /* The poll's timeout is computed before curl moves bytes: a
         * perform in which no transfer ends changes neither the slots nor
         * the governor, and when one ends the step does not poll. */
        SLUICE_TRY(sluice__http_driver_step(r->driver, poll_timeout(r),
                                            transfer_done, r, NULL, err));
        /* A commit done while the step waited woke it (the committer's
         * wakeup): its window is reported here, and a slot waiting for
         * the committer starts on the next turn. */
        sluice__parse_pool_collect(&r->parse);
        collect_commits(r);
        emit_progress(r, false);
    }
    if (r->ledger.lost) {
        report_unstarted(r);
        rc = SLUICE_ESTATE; /* the message comes from the ledger's close */
    } else if (r->auth.failed && !cancel_level(r)) {
        stop_windows(r, false);
        report_unstarted(r);
        sluice__err_set(err, "%s", r->auth.failed_msg);
        rc = SLUICE_EAUTH;
    } else if (r->s3_refused) {
        report_unstarted(r);
        rc = SLUICE_EHTTP;
        *err = r->s3_err;
    } else if (r->dest_refused) {
        report_unstarted(r);
        rc = SLUICE_EIO;
        sluice__err_set(err, "output: %s", r->dest_msg);
    } else if (cancel_level(r) || r->quota_gone) {
        stop_windows(r, false);
        report_unstarted(r);
        rc = r->quota_gone && !cancel_level(r) ? SLUICE_EQUOTA
                                               : SLUICE_ECANCELED;
    }
out:
    return rc;
}

static const char *outcome_of(int rc, const struct run *r)
{
    if (rc == SLUICE_ECANCELED)
        return "interrupted";
    if (rc == SLUICE_EQUOTA)
        return "quota";
    if (rc != SLUICE_OK)
        return "error";
    return r->sum.failed ? "failed" : "ok";
}

/* ---- the public handle --------------------------------------------------- */

/* A signal handler may cancel: the store must not take a lock. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "sluice_run_cancel needs a "
                                          "lock-free atomic int");

void sluice_run_opts_init_sized(struct sluice_run_opts *o, size_t size)
{
    struct sluice_run_opts d = {0};
    d.log_level = SLUICE_LOG_WARN;
    sluice__sized_init(o, size, &d, sizeof d);
}

void sluice_run_summary_init_sized(struct sluice_run_summary *s, size_t size)
{
    struct sluice_run_summary d = {0};
    sluice__sized_init(s, size, &d, sizeof d);
}

int sluice_run_new(struct sluice_job *job, const struct sluice_run_opts *o,
                   struct sluice_run **out, char *errbuf, size_t errlen)
{
    struct sluice_err err = {{0}};
    *out = NULL;
    int rc = SLUICE_OK;
    struct sluice_run *run = NULL;
    SLUICE_FAIL_IF(!job, SLUICE_EINVAL, &err, "no job");
    run = sluice__calloc(1, sizeof *run);
    SLUICE_FAIL_IF(!run, SLUICE_ENOMEM, &err, "out of memory");
    atomic_init(&run->cancel, 0);
    run->job = job;
    sluice_run_opts_init(&run->opts);
    SLUICE_TRY(sluice__sized_in(&run->opts, sizeof run->opts, o,
                                "struct sluice_run_opts",
                                "sluice_run_opts_init", &err));
    *out = run;
    run = NULL;
out:
    sluice__free(run);
    if (rc != SLUICE_OK)
        sluice__copy_err(NULL, err.msg, errbuf, errlen);
    return rc;
}

void sluice_run_cancel(struct sluice_run *run, enum sluice_cancel how)
{
    if (!run)
        return;
    int want = how >= SLUICE_CANCEL_ABANDON ? 2 : 1;
    /* Only ever raised: a DRAIN after an ABANDON must not undo it. */
    int cur = atomic_load(&run->cancel);
    while (cur < want &&
           !atomic_compare_exchange_weak(&run->cancel, &cur, want))
        ;
}

void sluice_run_free(struct sluice_run *run) { sluice__free(run); }

int sluice_run(struct sluice_job *job, const struct sluice_run_opts *o,
               struct sluice_run_summary *sum, char *errbuf, size_t errlen)
{
    struct sluice_run *run = NULL;
    int rc = sluice_run_new(job, o, &run, errbuf, errlen);
    if (rc == SLUICE_OK)
        rc = sluice_run_exec(run, sum, errbuf, errlen);
    sluice_run_free(run);
    return rc;
}

int sluice_run_exec(struct sluice_run *handle, struct sluice_run_summary *sum,
                    char *errbuf, size_t errlen)
{
    struct sluice_err err = {{0}};
    if (!handle || handle->ran || (sum && sluice__sized_out_check(
                                              sum, "struct sluice_run_summary",
                                              "sluice_run_summary_init",
                                              &err) != SLUICE_OK)) {
        if (!handle || handle->ran)
            sluice__err_set(&err, handle ? "this run was already executed: "
                                           "one sluice_run_exec() per handle"
                                         : "no run");
        sluice__copy_err(NULL, err.msg, errbuf, errlen);
        return SLUICE_EINVAL;
    }
    handle->ran = true;
    if (handle->job->first || handle->opts.resource)
        return sluice__run_resources(handle, sum, errbuf, errlen);
    return sluice__run_exec_job(handle, handle->job, sum, errbuf, errlen);
}

int sluice__run_exec_job(struct sluice_run *handle, struct sluice_job *job,
                         struct sluice_run_summary *sum, char *errbuf,
                         size_t errlen)
{
    int rc = SLUICE_OK;
    struct sluice_err err = {{0}};
    const struct sluice_run_opts *o = &handle->opts;
    struct run r;
    memset(&r, 0, sizeof r);
    r.job = job;
    r.opts = o;
    r.handle = handle;
    sluice__log_init(&r.log, o ? o->log : NULL, o ? o->log_ud : NULL,
                     o ? o->log_level : SLUICE_LOG_WARN, job->secrets);
    r.t_start = sluice__now();
    r.rng = (uint64_t)(sluice__wall_now() * 1e6) ^ (uint64_t)(uintptr_t)&r;
    sluice__run_plan_init(&r.plan, sluice_job_window_count(job),
                          sluice__part_windows(&job->parts), o ? o->limit : 0);
    r.sum.total = r.plan.count;
    r.sum.size = sizeof r.sum;
    r.n_slots = job->concurrency ? job->concurrency : 1;

    if (handle->report)
        r.report = handle->report; /* the resources' one report */
    else
        SLUICE_TRY(sluice__report_new(o ? o->report_path : NULL, job->name,
                                      &r.report, &err));
    SLUICE_TRY(sluice__governor_init(&r.gov, job->rates, job->n_rates,
                                     job->concurrency, &err));
    SLUICE_TRY(sluice__governor_throttles(&r.gov, job->retry.throttle,
                                          job->retry.n_throttle, &err));
    if (handle->gov_carried)
        r.gov = *handle->gov_carry; /* the resources share one governor */
    if (o && o->window)
        SLUICE_TRY(sluice__run_plan_select_single(&r.plan, job->parts.windows,
                                                  o->window, &err));
    if (o && o->partition)
        SLUICE_TRY(sluice__run_plan_select_partition(&r.plan, &job->parts,
                                                     o->partition, &err));
    /* The transfer policy, the same for every request of the job. */
    struct sluice_http_policy pol = {
        job->http.connect_timeout_ms, job->http.timeout_ms,
        job->http.low_speed_bytes, job->http.low_speed_secs,
        job->http.insecure || (o && o->insecure), job->http.ca_file};
    SLUICE_TRY(sluice__http_driver_new(&pol, r.n_slots, &r.driver, &err));
    SLUICE_TRY(sluice__run_ledger_open(&r, &err));
    SLUICE_TRY(sluice__run_budget_open(
        &r, job->state_shared ? job->state_path : NULL, &err));
    SLUICE_TRY(sluice__run_incr_begin(&r, &err));
    SLUICE_TRY(plan_due(&r, &err));
    SLUICE_TRY(sluice__run_sweep(&r, &err));
    SLUICE_TRY(sluice__report_begin(r.report, &err));

    SLUICE_TRY(check_destination(&r, &err));
    SLUICE_TRY(sluice__committer_start(&r.committer, r.driver,
                                       sluice__run_workers(job), &err));
    SLUICE_TRY(sluice__parse_pool_start(&r.parse, r.driver,
                                        sluice__run_parse_workers(job),
                                        job->http.max_response_bytes + 1,
                                        &err));
    SLUICE_TRY(sluice__run_s3_open(&r, &pol, &err));
    SLUICE_TRY(sluice__manifest_begin(&r, &err));
    r.committer.policy = &job->retry;
    r.committer.rng = r.rng ^ 0x9e3779b97f4a7c15u;
    r.committer.cancel = &handle->cancel;
    r.max_pending = r.n_slots;
    r.slots = sluice__calloc(r.n_slots, sizeof *r.slots);
    SLUICE_FAIL_IF(!r.slots, SLUICE_ENOMEM, &err, "out of memory");
    for (size_t i = 0; i < r.n_slots; i++)
        SLUICE_TRY(sluice__slot_init(&r.slots[i], &r,
                                     sluice__http_driver_transfer(r.driver, i),
                                     &err));

    /* One token before the first data request, when there is one. */
    if (r.plan.due_total > 0 || r.plan.claim_more)
        SLUICE_TRY(sluice__run_auth_start(&r, &pol, &err));
    rc = run_loop(&r, &err);
    r.sum.due = r.plan.selected;
    emit_progress(&r, true);
out:
    /* A body still being read (the run stopped on an error) is dropped
     * with its slot's open output. */
    r.parse_threads = r.parse.n_threads;
    sluice__parse_pool_stop(&r.parse);
    /* Publish and report what is still queued: those files are complete. */
    sluice__committer_stop(&r.committer);
    collect_commits(&r);
    sluice__committer_cleanup(&r.committer);
    if (r.manifest) {
        struct sluice_err merr = {{0}};
        if (sluice__manifest_finish(&r, rc, &merr) != SLUICE_OK) {
            SLUICE_LOG(&r.log, SLUICE_LOG_ERROR, "%s", merr.msg);
            if (rc == SLUICE_OK) {
                rc = merr.msg[0] ? SLUICE_EIO : SLUICE_ENOMEM;
                err = merr;
            }
        }
    }
    sluice__run_s3_close(&r);
    if (r.slots)
        for (size_t i = 0; i < r.n_slots; i++)
            sluice__slot_cleanup(&r.slots[i]);
    sluice__free(r.slots);
    for (size_t i = 0; i < r.n_free_sinks; i++)
        sluice__sink_free(r.free_sinks[i]);
    sluice__free(r.free_sinks);
    sluice__run_plan_cleanup(&r.plan);
    sluice__run_auth_cleanup(&r.auth);
    /* After the committer, whose thread wakes the driver, and the slots. */
    sluice__http_driver_free(r.driver);
    sluice__run_budget_close(&r);
    /* Every window is reported by now: the cursor moves or stays. */
    sluice__run_incr_end(&r, rc);
    /* A lost ledger wins over every other outcome: it is the one the user
     * must act on, and the only one that loses records. */
    struct sluice_err lerr = {{0}};
    if (sluice__run_ledger_close(&r, outcome_of(rc, &r), &lerr) !=
        SLUICE_OK) {
        rc = SLUICE_ESTATE;
        err = lerr;
    }
    r.sum.due = r.plan.selected;
    r.sum.seconds = sluice__now() - r.t_start;
    r.sum.responses_429 = r.gov.responses_429;
    r.sum.concurrency = sluice__governor_concurrency(&r.gov);
    enum sluice_learn_source src;
    r.sum.learned_rate = sluice__governor_learned(&r.gov, sluice__now(), &src,
                                                  &r.sum.learned_limit);
    snprintf(r.sum.learned_from, sizeof r.sum.learned_from, "%s",
             sluice__learn_source_name(src));
    r.sum.rate_cuts = r.gov.learn.cuts;
    r.sum.workers = r.committer.n_threads;
    r.sum.commits_pending_max = r.committer.pending_max;
    r.sum.parse_threads = r.parse_threads;
    r.sum.body_pauses = r.parse.pauses;
    r.sum.resume_at = r.quota_gone ? (int64_t)r.quota_wall + 1 : 0;
    if (handle->gov_carry) {
        *handle->gov_carry = r.gov;
        handle->gov_carried = true;
    }
    struct sluice_err rerr = {{0}};
    if (handle->report) {
        /* finished by run_resources.c, over every resource */
    } else if (sluice__report_finish(r.report, rc, &r.sum, &rerr) !=
               SLUICE_OK) {
        r.sum.report_failed = true;
        if (rerr.msg[0])
            SLUICE_LOG(&r.log, SLUICE_LOG_ERROR, "%s", rerr.msg);
    }
    if (!handle->report)
        sluice__report_free(r.report);
    if (sum)
        sluice__sized_out(sum, &r.sum, sizeof r.sum);
    if (rc != SLUICE_OK && rc != SLUICE_ECANCELED && rc != SLUICE_EQUOTA)
        sluice__copy_err(job, err.msg, errbuf, errlen);
    return rc;
}
