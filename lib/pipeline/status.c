/* status.c: sluice_job_status(), what a job's ledger knows, read without
 * taking the run lock so it works while a run is going: the watermark
 * (done through), counts by status, the failed windows with their reasons,
 * the last runs. */
#include <stddef.h>
#include <string.h>

#include "pipeline/run.h"
#include "util/sized.h"
#include "pipeline/window_io.h"
#include "plan/template.h"
#include "util/date.h"

#include <unistd.h>

/* A window rebuilt from its ledger key, to format it like the plan does. */
static void window_from_key(const struct sluice_job *job, int64_t start,
                            int64_t end_excl, struct sluice_window *w)
{
    w->index = 0;
    w->start = start;
    w->end_excl = end_excl;
    if (job->windows.step.unit == SLUICE_STEP_HOURS)
        w->end = end_excl - 1;
    else
        w->end = sluice__day_floor(end_excl - 1);
}

static char *format_field(const struct sluice_job *job, const char *tpl,
                          const struct sluice_window *w)
{
    struct sluice_buf b;
    struct sluice_err err;
    sluice__buf_init(&b, 256);
    if (sluice__template_expand(tpl, w, job->windows.step.unit, &b, &err) !=
        SLUICE_OK) {
        sluice__buf_cleanup(&b);
        return sluice__strdup("?");
    }
    return sluice__buf_take(&b, NULL);
}

/* A partition's key from its ledger row: the group part, then the
 * window's start (plan/partition.h). */
static char *key_from_row(const struct sluice_job *job,
                          const struct sluice_ledger_window *lw,
                          const struct sluice_window *w)
{
    struct sluice_buf b;
    struct sluice_err err;
    const char *part = lw->part ? lw->part : "";
    sluice__buf_init(&b, 1 << 16);
    int rc = sluice__buf_adds(&b, part);
    if (rc == SLUICE_OK && job->has_windows) {
        if (*part)
            rc = sluice__buf_addc(&b, '/');
        if (rc == SLUICE_OK)
            rc = sluice__template_expand("{start}", w, job->windows.step.unit,
                                         &b, &err);
    } else if (rc == SLUICE_OK && !*part) {
        rc = sluice__buf_adds(&b, "all");
    }
    if (rc != SLUICE_OK) {
        sluice__buf_cleanup(&b);
        return NULL;
    }
    return sluice__buf_take(&b, NULL);
}

static int copy_failures(const struct sluice_job *job,
                         const struct sluice_ledger_window_list *list,
                         struct sluice_status *st)
{
    st->failures = sluice__calloc(list->n ? list->n : 1, sizeof *st->failures);
    st->failure_keys = sluice__calloc(list->n ? list->n : 1,
                                      sizeof *st->failure_keys);
    if (!st->failures || !st->failure_keys)
        return SLUICE_ENOMEM;
    for (size_t i = 0; i < list->n; i++) {
        const struct sluice_ledger_window *lw = &list->v[i];
        struct sluice_status_failure *f = &st->failures[st->n_failures++];
        struct sluice_window w;
        window_from_key(job, lw->start, lw->end_excl, &w);
        f->start = job->has_windows ? format_field(job, "{start}", &w)
                                    : sluice__strdup("");
        f->end = job->has_windows ? format_field(job, "{end}", &w)
                                  : sluice__strdup("");
        f->error = sluice__strdup(lw->error ? lw->error : "");
        f->attempts = lw->attempts;
        st->failure_keys[i] = key_from_row(job, lw, &w);
        if (!f->start || !f->end || !f->error || !st->failure_keys[i])
            return SLUICE_ENOMEM;
    }
    return SLUICE_OK;
}

/* Done through: the watermark of every group, the earliest of them (a
 * date is done when it is done for every value). None when a group has
 * none, or the job has no windows. */
static int watermark(const struct sluice_job *job, struct sluice_ledger *l,
                     int64_t *wm, bool *has, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf part;
    sluice__buf_init(&part, 1 << 16);
    *has = false;
    if (!job->has_windows)
        goto out;
    for (size_t g = 0; g < job->parts.groups; g++) {
        int64_t t = 0;
        bool h = false;
        sluice__buf_reset(&part);
        rc = sluice__part_group_key(&job->parts, g, &part);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "partition key: %s",
                       sluice__buf_failure(rc, "too long"));
        SLUICE_TRY(sluice__ledger_use_part(l, part.p, err));
        SLUICE_TRY(sluice__ledger_watermark(l, job->windows.from, &t, &h, err));
        if (!h) {
            *has = false;
            goto out;
        }
        if (g == 0 || t < *wm)
            *wm = t;
        *has = true;
    }
out:
    sluice__buf_cleanup(&part);
    return rc;
}

/* Only the resource's rows of a list of every group's: those whose group
 * is "resource=NAME" or starts with "resource=NAME/". */
static void keep_resource(const char *name,
                          struct sluice_ledger_window_list *list)
{
    size_t kept = 0, n = strlen(name);
    for (size_t i = 0; i < list->n; i++) {
        const char *p = list->v[i].part ? list->v[i].part : "";
        if (strncmp(p, "resource=", 9) == 0 && strncmp(p + 9, name, n) == 0 &&
            (p[9 + n] == '\0' || p[9 + n] == '/')) {
            struct sluice_ledger_window t = list->v[kept];
            list->v[kept++] = list->v[i];
            list->v[i] = t;
        }
    }
    for (size_t i = kept; i < list->n; i++)
        sluice__ledger_window_cleanup(&list->v[i]);
    list->n = kept;
}

/* The counts over one resource's groups, each under its key. */
static int resource_counts(const struct sluice_job *job,
                           struct sluice_ledger *l, int64_t from, int64_t to,
                           struct sluice_ledger_counts *c,
                           struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf part;
    sluice__buf_init(&part, 1 << 16);
    memset(c, 0, sizeof *c);
    size_t groups = job->parts.n_dims ? job->parts.groups : 1;
    for (size_t g = 0; g < groups; g++) {
        struct sluice_ledger_counts one;
        sluice__buf_reset(&part);
        rc = sluice__part_group_key(&job->parts, g, &part);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "partition key: %s",
                       sluice__buf_failure(rc, "too long"));
        SLUICE_TRY(sluice__ledger_use_part(l, part.p, err));
        SLUICE_TRY(sluice__ledger_counts(l, from, to, &one, err));
        c->pending += one.pending;
        c->done += one.done;
        c->failed += one.failed;
        c->total += one.total;
    }
out:
    sluice__buf_cleanup(&part);
    return rc;
}

/* A run's row says 'running' from its start until it records its end; a
 * process killed in between (SIGKILL, a crash, the power) never does, and
 * the next run's start would be the first to call it killed. The lock
 * tells now: only a live process holds it, and only the newest run can be
 * that process. Every other 'running' row is a dead run. */
/* A shared ledger's runs come with their outcome judged (a worker whose
 * heartbeat stopped is "killed"), several of them live at once: `shared`
 * keeps them as they are. */
static int copy_runs(const struct sluice_ledger_run_list *list, bool alive,
                     bool shared, struct sluice_status *st)
{
    st->runs = sluice__calloc(list->n ? list->n : 1, sizeof *st->runs);
    if (!st->runs)
        return SLUICE_ENOMEM;
    bool live_seen = !alive;
    for (size_t i = 0; i < list->n; i++) { /* newest first */
        const struct sluice_ledger_run *lr = &list->v[i];
        struct sluice_status_run *r = &st->runs[st->n_runs++];
        const char *outcome = lr->outcome ? lr->outcome : "";
        if (!shared && strcmp(outcome, "running") == 0) {
            if (live_seen)
                outcome = "killed";
            live_seen = true;
        }
        r->id = lr->id;
        r->started = lr->started;
        r->ended = lr->ended;
        r->outcome = sluice__strdup(outcome);
        r->done = lr->done;
        r->failed = lr->failed;
        r->not_pulled = lr->not_pulled;
        r->rows = lr->rows;
        if (!r->outcome)
            return SLUICE_ENOMEM;
    }
    return SLUICE_OK;
}

static void free_keys(struct sluice_status *st)
{
    for (size_t i = 0; st->failure_keys && i < st->n_failures; i++)
        sluice__free(st->failure_keys[i]);
    sluice__free(st->failure_keys);
    st->failure_keys = NULL;
}

void sluice_status_init_sized(struct sluice_status *st, size_t size)
{
    struct sluice_status d = {0};
    sluice__sized_init(st, size, &d, sizeof d);
}

/* The smallest struct sluice_status accepted: the members of libsluice
 * 0.1, every one of which owns memory or says how much it holds. */
#define STATUS_MIN_SIZE (offsetof(struct sluice_status, n_runs) + sizeof(size_t))

/* Whether the caller's struct (its size) holds learned_origin, the one
 * allocated member after STATUS_MIN_SIZE: an older caller's does not, and
 * then the library neither hands it over nor frees it there. */
static bool has_learned_origin(const struct sluice_status *st)
{
    return st->size >= offsetof(struct sluice_status, learned_origin) +
                           sizeof st->learned_origin;
}

int sluice_job_status(const struct sluice_job *job, size_t max_runs,
                      struct sluice_status *caller, char *errbuf,
                      size_t errlen)
{
    struct sluice_err err = {{0}};
    int rc = sluice__sized_out_check(caller, "struct sluice_status",
                                     "sluice_status_init", &err);
    if (rc == SLUICE_OK && caller->size < STATUS_MIN_SIZE) {
        sluice__err_set(&err, "struct sluice_status: size %zu is smaller "
                              "than any sluice.h's: set it with "
                              "sluice_status_init()", caller->size);
        rc = SLUICE_EINVAL;
    }
    if (rc != SLUICE_OK) {
        sluice__copy_err(NULL, err.msg, errbuf, errlen);
        return rc;
    }
    /* Filled in full here, then handed over in the caller's size. */
    struct sluice_status full;
    struct sluice_status *st = &full;
    struct sluice_ledger *l = NULL;
    struct sluice_ledger_window_list failed = {0};
    struct sluice_ledger_run_list runs = {0};
    struct sluice_buf path;
    sluice__buf_init(&path, 4096);
    sluice_status_init(st);
    st->planned = sluice_job_window_count(job);

    rc = sluice__job_state_path(job, &path);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc == SLUICE_ETOOBIG ? SLUICE_EJOB : rc,
                   &err, "%s", sluice__buf_failure(rc, "state path too long"));
    SLUICE_FAIL_IF(path.n == 0, SLUICE_EJOB, &err,
                   "this job keeps no state (a `sluice pull` without "
                   "--name); give it a name or a state: file");
    st->state_path = sluice__job_state_shown(job, path.p);
    SLUICE_FAIL_IF(!st->state_path, SLUICE_ENOMEM, &err, "out of memory");
    struct sluice_ledger_opts lo = {
        job->state_shared ? st->state_path : path.p, job->name, false, false,
        NULL, NULL};
    struct sluice_ledger_shared_opts so = {path.p, job->state_lease_ms};
    rc = job->state_shared ? sluice__ledger_open_shared(&lo, &so, &l, &err)
                           : sluice__ledger_open(&lo, &l, &err);
    /* A shared ledger's server says whether the ledger exists (a schema
     * never made: never ran); a refused connection is an error. */
    if (rc != SLUICE_OK &&
        (job->state_shared ? strncmp(err.msg, "no ledger at ", 13) == 0
                           : access(path.p, F_OK) != 0)) {
        rc = SLUICE_OK; /* never ran: nothing to tell, not an error */
        goto out;
    }
    SLUICE_TRY(rc);
    st->exists = true;

    struct sluice_ledger_holder h;
    SLUICE_TRY(sluice__ledger_holder(l, &h, &err));
    st->running = h.running;
    st->running_pid = h.pid;

    int64_t wm = 0;
    SLUICE_TRY(watermark(job, l, &wm, &st->has_watermark, &err));
    if (st->has_watermark) {
        struct sluice_window w;
        window_from_key(job, wm, wm, &w);
        st->done_through = format_field(job, "{end}", &w);
        SLUICE_FAIL_IF(!st->done_through, SLUICE_ENOMEM, &err,
                       "out of memory");
    }
    struct sluice_ledger_counts c;
    /* The planned windows' rows; a planned window without one was never
     * attempted: pending. */
    int64_t c_from = job->has_windows ? job->windows.from : INT64_MIN,
            c_to = job->has_windows ? job->windows.end : INT64_MAX;
    /* A resource of a job with `resources:` counts its own groups only
     * (the ledger holds every resource's). */
    if (job->resource)
        SLUICE_TRY(resource_counts(job, l, c_from, c_to, &c, &err));
    else
        SLUICE_TRY(sluice__ledger_counts_all(l, c_from, c_to, &c, &err));
    st->done = c.done;
    st->failed = c.failed;
    st->pending = c.done + c.failed < st->planned
                      ? st->planned - c.done - c.failed
                      : 0;
    SLUICE_TRY(sluice__ledger_failed(l, 0, &failed, &err));
    if (job->resource)
        keep_resource(job->resource, &failed);
    SLUICE_FAIL_IF(copy_failures(job, &failed, st) != SLUICE_OK,
                   SLUICE_ENOMEM, &err, "out of memory");
    SLUICE_TRY(sluice__ledger_rate_any(l, &st->learned_origin,
                                       &st->learned_rate, &st->learned_at,
                                       &err));
    if (job->incremental.on) {
        char *cur = NULL;
        SLUICE_TRY(sluice__ledger_cursor_last(l, &cur, &st->cursor_run,
                                              &st->cursor_missing, &err));
        char *shown = cur ? sluice__redact_dup(job->secrets, cur) : NULL;
        sluice__free(cur);
        SLUICE_FAIL_IF(cur && !shown, SLUICE_ENOMEM, &err, "out of memory");
        if (shown)
            snprintf(st->cursor, sizeof st->cursor, "%s", shown);
        st->has_cursor = shown != NULL;
        sluice__free(shown);
    }
    SLUICE_TRY(sluice__ledger_runs(l, max_runs, &runs, &err));
    /* Asked again after reading the runs: a run that began in between
     * holds the lock now, and its row must not be called killed. */
    SLUICE_TRY(sluice__ledger_holder(l, &h, &err));
    SLUICE_FAIL_IF(copy_runs(&runs, st->running || h.running,
                             job->state_shared, st) !=
                       SLUICE_OK,
                   SLUICE_ENOMEM, &err, "out of memory");
out:
    sluice__ledger_window_list_cleanup(&failed);
    sluice__ledger_run_list_cleanup(&runs);
    sluice__ledger_close(l);
    sluice__buf_cleanup(&path);
    if (rc != SLUICE_OK) {
        sluice__copy_err(job, err.msg, errbuf, errlen);
        sluice_status_cleanup(st);
    }
    if (!has_learned_origin(caller)) { /* it would not reach the caller */
        sluice__free(full.learned_origin);
        full.learned_origin = NULL;
    }
    /* A caller's struct without room for the keys does not get them. */
    if (caller->size <
        offsetof(struct sluice_status, failure_keys) + sizeof(char **))
        free_keys(st);
    sluice__sized_out(caller, st, sizeof full);
    return rc;
}

void sluice_status_cleanup(struct sluice_status *st)
{
    if (st->size >= offsetof(struct sluice_status, failure_keys) +
                        sizeof(char **))
        free_keys(st);
    for (size_t i = 0; i < st->n_failures; i++) {
        sluice__free(st->failures[i].start);
        sluice__free(st->failures[i].end);
        sluice__free(st->failures[i].error);
    }
    for (size_t i = 0; i < st->n_runs; i++)
        sluice__free(st->runs[i].outcome);
    sluice__free(st->failures);
    sluice__free(st->runs);
    sluice__free(st->state_path);
    sluice__free(st->done_through);
    if (has_learned_origin(st))
        sluice__free(st->learned_origin);
    size_t size = st->size;
    memset(st, 0, size < sizeof *st ? size : sizeof *st);
    st->size = size;
}
