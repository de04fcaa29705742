/* run_ledger.c: the state ledger's part in a run and in `sluice status`.
 *
 * At the start of a run: open the job's ledger, take its lock (one run per
 * job), refuse a job whose windows or requests changed since the ledger was
 * written (unless --full-refresh),
 * re-queue what lookback or a full refresh asks for. Planned windows are
 * not written to the ledger: a window has a row once it was attempted, and
 * one without a row is pending. A window is due when it is pending, failed,
 * unknown, or done but its file is gone; the run asks in window order
 * through one cursor, so planning costs what the windows looked at cost.
 * Once the due windows are known, the temporary files a crash of this job
 * left are swept from every folder those windows write in (and the path's
 * own folder): a crashed window is not done, so it is due again and its
 * folder is swept before it is pulled.
 * At the end: record the run's outcome. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/run.h"
#include "pipeline/run_report.h"
#include "pipeline/window_io.h"
#include "http/redirect.h"
#include "plan/template.h"
#include "sink/publish.h"
#include "util/date.h"

#define COMMAND_LINE "<command line>"

int sluice__job_state_path(const struct sluice_job *job,
                           struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    bool flags_only = strcmp(job->file, COMMAND_LINE) == 0;
    const char *slash = flags_only ? NULL : strrchr(job->file, '/');
    size_t dir_n = slash ? (size_t)(slash - job->file + 1) : 0;
    if (job->state_path && job->state_shared) {
        SLUICE_TRY(sluice__buf_adds(out, job->state_path));
        goto out;
    }
    if (job->state_path) {
        /* relative to the job file's folder: the ledger goes with the job */
        if (job->state_path[0] != '/')
            SLUICE_TRY(sluice__buf_append(out, job->file, dir_n));
        SLUICE_TRY(sluice__buf_adds(out, job->state_path));
        goto out;
    }
    /* `sluice pull` without --name is a one-off, like curl: no ledger. */
    if (flags_only && strcmp(job->name, "pull") == 0)
        goto out;
    SLUICE_TRY(sluice__buf_append(out, job->file, dir_n));
    SLUICE_TRY(sluice__buf_appendf(out, ".sluice/%s.db", job->name));
out:
    return rc;
}

char *sluice__job_state_shown(const struct sluice_job *job, const char *state)
{
    return job->state_shared ? sluice__redact_dup(job->secrets, state)
                             : sluice__strdup(state);
}

int sluice__job_state_local(const struct sluice_job *job,
                            struct sluice_buf *out)
{
    if (!job->state_shared)
        return sluice__job_state_path(job, out);
    bool flags_only = strcmp(job->file, COMMAND_LINE) == 0;
    const char *slash = flags_only ? NULL : strrchr(job->file, '/');
    size_t dir_n = slash ? (size_t)(slash - job->file + 1) : 0;
    int rc = sluice__buf_append(out, job->file, dir_n);
    return rc == SLUICE_OK
               ? sluice__buf_appendf(out, ".sluice/%s.db", job->name)
               : rc;
}

/* --shard I/N on a SQLite ledger: each shard keeps its own ledger,
 * "<state>.shard-I-of-N.db" (the ".db" of the state moved to the end), so
 * the N runs of a static split never wait for one another's lock, and
 * each one's runs, fingerprint and windows are its own. */
static int shard_path(struct sluice_buf *path, const struct sluice_run_opts *o)
{
    if (!o || o->shard_count == 0)
        return SLUICE_OK;
    bool db = path->n > 3 && !strcmp(path->p + path->n - 3, ".db");
    if (db)
        path->n -= 3;
    return sluice__buf_appendf(path, ".shard-%u-of-%u%s", o->shard_index,
                               o->shard_count, db ? ".db" : "");
}

/* ---- fingerprint -------------------------------------------------------------*/

struct fingerprint {
    struct sluice_ledger_fp_item *items;
    char **owned;
    size_t n, n_owned;
    const struct sluice_secrets *secrets; /* the job's */
    /* a resource's items are named "resources.NAME.<item>" (NULL: none) */
    const char *resource;
};

static char *concat_dup(const char *prefix, const char *name);

static int fp_add(struct fingerprint *fp, char *name, char *value)
{
    if (!name || !value) {
        sluice__free(name);
        sluice__free(value);
        return SLUICE_ENOMEM;
    }
    if (fp->resource) {
        struct sluice_buf b;
        sluice__buf_init(&b, 1 << 16);
        char *full = sluice__buf_appendf(&b, "resources.%s.%s", fp->resource,
                                         name) == SLUICE_OK
                         ? sluice__buf_take(&b, NULL)
                         : NULL;
        sluice__buf_cleanup(&b);
        sluice__free(name);
        if (!full) {
            sluice__free(value);
            return SLUICE_ENOMEM;
        }
        name = full;
    }
    /* Whatever the field, the secrets in a value are kept as "***" (a
     * ${TOKEN} in the URL path, user:pass@): a secret is not what the job
     * pulls, so a rotated one is no change, and it is never stored. */
    if (sluice__redact_needed(fp->secrets, value, strlen(value))) {
        char *shown = sluice__redact_dup(fp->secrets, value);
        sluice__free(value);
        if (!shown) {
            sluice__free(name);
            return SLUICE_ENOMEM;
        }
        value = shown;
    }
    fp->owned[fp->n_owned++] = name;
    fp->owned[fp->n_owned++] = value;
    fp->items[fp->n++] = (struct sluice_ledger_fp_item){name, value, false};
    return SLUICE_OK;
}

/* "prefix" + "name", allocated. */
static char *concat_dup(const char *prefix, const char *name)
{
    struct sluice_buf buf;
    sluice__buf_init(&buf, 1 << 16);
    if (sluice__buf_adds(&buf, prefix) != SLUICE_OK ||
        sluice__buf_adds(&buf, name) != SLUICE_OK)
        return NULL;
    return sluice__buf_take(&buf, NULL);
}

/* What decides the windows and the requests. Not `to` (today grows), not
 * concurrency or limits (they change how, not what), and not the values of
 * params named like secrets, nor any secret inside another value (fp_add
 * keeps it as "***"): a rotated key pulls the same data. No item is stored
 * as a secret hash any more (the ledger still compares those that older
 * versions wrote, state/fingerprint.c). */
static int fp_build_one(const struct sluice_job *job, struct fingerprint *fp)
{
    static const char *const units[] = {"hours", "days", "months"};
    int rc = SLUICE_OK;
    fp->resource = job->resource;
    char num[64], from[64];
    struct sluice_buf t;
    sluice__buf_init(&t, 64);
    SLUICE_TRY(sluice__time_format(job->windows.from, "%Y-%m-%dT%H:%M:%SZ", &t));
    snprintf(from, sizeof from, "%s", t.p);
    snprintf(num, sizeof num, "%lld %s", (long long)job->windows.step.count,
             units[job->windows.step.unit]);
    /* As written: credentials moved from the URL to basic auth are no
     * change of the job (their secrets are stored as *** either way). */
    SLUICE_TRY(fp_add(fp, sluice__strdup("source.url"),
                      sluice__strdup(job->source.url_as_written
                                         ? job->source.url_as_written
                                         : job->source.url)));
    for (size_t i = 0; i < job->source.n_params; i++) {
        const struct sluice_kv *kv = &job->source.params[i];
        bool named_secret = sluice__secret_name(kv->name);
        SLUICE_TRY(fp_add(fp, concat_dup("source.params.", kv->name),
                          sluice__strdup(named_secret ? "(secret)" : kv->value)));
    }
    for (size_t i = 0; i < job->source.n_headers; i++) {
        const struct sluice_kv *kv = &job->source.headers[i];
        bool named_secret = sluice__secret_name(kv->name);
        SLUICE_TRY(fp_add(fp, concat_dup("source.headers.", kv->name),
                          sluice__strdup(named_secret ? "(secret)" : kv->value)));
    }
    /* A POST's method and body decide its requests; a GET job keeps the
     * items it always had. */
    if (job->source.post) {
        SLUICE_TRY(fp_add(fp, sluice__strdup("source.method"),
                          sluice__strdup("POST")));
        SLUICE_TRY(fp_add(fp, sluice__strdup("source.body"),
                          sluice__strdup(job->source.body ? job->source.body
                                                          : "")));
    }
    SLUICE_TRY(fp_add(fp, sluice__strdup("source.records"),
                      sluice__strdup(job->source.records)));
    SLUICE_TRY(fp_add(fp, sluice__strdup("source.record_key_as"),
                      sluice__strdup(job->source.record_key_as
                                         ? job->source.record_key_as
                                         : "")));
    /* Only what the job has: a job of windows only keeps the items it
     * always had, so its ledger stays valid. */
    if (job->has_windows) {
        SLUICE_TRY(
            fp_add(fp, sluice__strdup("windows.from"), sluice__strdup(from)));
        SLUICE_TRY(
            fp_add(fp, sluice__strdup("windows.step"), sluice__strdup(num)));
    }
    /* A dimension's kind and names decide its keys; a range's start and
     * step decide which ids each key holds (a new step would cut ranges
     * overlapping the files of the old ones, as a new windows.step would).
     * Its values and a range's `to` are not in it: a new value is a new
     * partition, a removed one is no longer pulled, and nothing pulled
     * under the old list changes meaning. */
    for (size_t d = 0; d < job->parts.n_dims; d++) {
        const struct sluice_part_dim *dim = &job->parts.dims[d];
        char name[64], val[256];
        snprintf(name, sizeof name, "partitions[%zu]", d);
        if (dim->from_resource) /* which records give which values */
            snprintf(val, sizeof val, "from_resource %s path %.120s as %s",
                     dim->from_resource, dim->from_path, dim->names[0]);
        else if (dim->kind == SLUICE_DIM_VALUES)
            snprintf(val, sizeof val, "values as %s", dim->names[0]);
        else
            snprintf(val, sizeof val,
                     "range as %s,%s from %lld step %lld", dim->names[0],
                     dim->names[1], (long long)dim->from,
                     (long long)dim->step);
        SLUICE_TRY(fp_add(fp, sluice__strdup(name), sluice__strdup(val)));
    }
    /* A database destination stands where the path would: another file
     * or table is another job (a password in it is kept as "***"). */
    if (job->output.db) {
        struct sluice_buf dest;
        sluice__buf_init(&dest, 1 << 16);
        rc = sluice__buf_appendf(
            &dest, "%s:%s#%s",
            job->output.db == SLUICE_DB_SQLITE ? "sqlite" : "postgres",
            job->output.db_target, job->output.table);
        char *v = rc == SLUICE_OK ? sluice__buf_take(&dest, NULL) : NULL;
        sluice__buf_cleanup(&dest);
        SLUICE_TRY(fp_add(fp, sluice__strdup("output.path"), v));
    } else {
        SLUICE_TRY(fp_add(fp, sluice__strdup("output.path"),
                          sluice__strdup(job->output.path)));
    }
    snprintf(num, sizeof num, "%d", (int)job->output.format);
    SLUICE_TRY(fp_add(fp, sluice__strdup("output.format"), sluice__strdup(num)));
    /* Only for an incremental job, so that no other job's fingerprint
     * changes: what the cursor is and how it is sent decide the requests
     * (lag and initial do not: a run starts from the stored cursor). */
    if (job->incremental.on) {
        SLUICE_TRY(fp_add(fp, sluice__strdup("incremental.cursor"),
                          sluice__strdup(job->incremental.cursor)));
        SLUICE_TRY(fp_add(fp, sluice__strdup("incremental.param"),
                          sluice__strdup(job->incremental.param
                                             ? job->incremental.param
                                             : "{cursor} in source.body")));
    }
    /* An S3 output's bucket and key: another bucket is another job's data
     * (a local output has no such item, so its ledgers stay as they were).
     * Not the endpoint: the same store may be reached another way. */
    if (job->output.s3) {
        struct sluice_buf u;
        sluice__buf_init(&u, 1 << 16);
        rc = sluice__buf_appendf(&u, "s3://%s/%s", job->output.s3->bucket,
                                 job->output.s3->key_template);
        char *v = rc == SLUICE_OK ? sluice__buf_take(&u, NULL) : NULL;
        sluice__buf_cleanup(&u);
        SLUICE_TRY(fp_add(fp, sluice__strdup("output.s3"), v));
    }
out:
    sluice__buf_cleanup(&t);
    return rc;
}

/* The job's items; a job with `resources:` has every resource's, each
 * named after it, so that each resource's run stores the same set and a
 * change to one resource is seen by all (its partitions are the ones to
 * pull again, but the ledger is one). */
static int fp_build(const struct sluice_job *job, struct fingerprint *fp)
{
    int rc = SLUICE_OK;
    const struct sluice_job *head = job->first ? job->first : job;
    size_t cap = 0;
    for (const struct sluice_job *j = head; j; j = j->next)
        cap += 13 + j->source.n_params + j->source.n_headers +
               j->parts.n_dims;
    fp->secrets = job->secrets;
    fp->items = sluice__calloc(cap, sizeof *fp->items);
    fp->owned = sluice__calloc(2 * cap, sizeof *fp->owned);
    if (!fp->items || !fp->owned)
        return SLUICE_ENOMEM;
    for (const struct sluice_job *j = head; j && rc == SLUICE_OK; j = j->next)
        rc = fp_build_one(j, fp);
    return rc;
}

static void fp_free(struct fingerprint *fp)
{
    for (size_t i = 0; i < fp->n_owned; i++)
        sluice__free(fp->owned[i]);
    sluice__free(fp->owned);
    sluice__free(fp->items);
}

/* ---- temporary files ---------------------------------------------------------*/

/* The folders swept, so that each is read once however many windows
 * write in it (a set of strings, open addressing). */
struct folder_set {
    char **v;
    size_t cap, n;
};

static uint64_t str_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return h ^ (h >> 29);
}

/* Adds s; *added is false when it was there. */
static int folder_add(struct folder_set *fs, const char *s, bool *added)
{
    *added = false;
    if (2 * (fs->n + 1) > fs->cap) {
        size_t cap = fs->cap ? fs->cap * 2 : 64;
        char **v = sluice__calloc(cap, sizeof *v);
        if (!v)
            return SLUICE_ENOMEM;
        for (size_t i = 0; i < fs->cap; i++) {
            if (!fs->v[i])
                continue;
            size_t k = (size_t)str_hash(fs->v[i]) & (cap - 1);
            while (v[k])
                k = (k + 1) & (cap - 1);
            v[k] = fs->v[i];
        }
        sluice__free(fs->v);
        fs->v = v;
        fs->cap = cap;
    }
    size_t k = (size_t)str_hash(s) & (fs->cap - 1);
    for (; fs->v[k]; k = (k + 1) & (fs->cap - 1))
        if (strcmp(fs->v[k], s) == 0)
            return SLUICE_OK;
    fs->v[k] = sluice__strdup(s);
    if (!fs->v[k])
        return SLUICE_ENOMEM;
    fs->n++;
    *added = true;
    return SLUICE_OK;
}

static void folder_set_free(struct folder_set *fs)
{
    for (size_t i = 0; i < fs->cap; i++)
        sluice__free(fs->v[i]);
    sluice__free(fs->v);
}

/* Sweeps one folder (not its subfolders) once. */
static int sweep_folder(struct run *r, struct folder_set *seen,
                        const char *dir, struct sluice_err *err)
{
    bool added = false;
    int rc = folder_add(seen, dir, &added);
    if (rc != SLUICE_OK) {
        sluice__err_set(err, "out of memory");
        return rc;
    }
    if (!added)
        return SLUICE_OK;
    struct sluice_sweep_opts so = {0, 0, 0, r->job->name,
                                   sluice__publish_live() == 0};
    size_t removed = 0;
    rc = sluice__state_sweep_temp(dir, &so, &removed, err);
    if (rc == SLUICE_OK && removed)
        SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
                   "removed %zu temporary files left by an earlier run in %s",
                   removed, dir);
    return rc;
}

int sluice__run_sweep(struct run *r, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct folder_set seen = {0};
    struct sluice_buf path;
    sluice__buf_init(&path, 1 << 16);
    if (!r->ledger.db)
        goto out; /* no lock: no way to be sure a writer is dead */
    /* A shared ledger has no lock either: other workers, on this machine
     * or another one writing to the same folders, live (scale-out.md). */
    if (sluice__ledger_shared(r->ledger.db))
        goto out;
    /* The path's folder: the job's Parquet schema file is written there. */
    SLUICE_TRY(sweep_folder(r, &seen,
                            r->job->output.folder ? r->job->output.folder
                                                  : ".",
                            err));
    /* The report's folder: a killed run leaves its temporary file there. */
    if (r->opts && r->opts->report_path) {
        rc = sluice__report_folder(r->opts->report_path, &path);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "%s",
                       sluice__buf_failure(rc, "report path too long"));
        SLUICE_TRY(sweep_folder(r, &seen, path.p, err));
    }
    /* A database job writes no file per window: its temporary files are
     * the schema file's, beside that file. */
    if (r->job->output.db) {
        sluice__buf_reset(&path);
        rc = sluice__job_schema_path(r->job, &path);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "%s",
                       sluice__buf_failure(rc, "schema path too long"));
        char *slash = strrchr(path.p, '/');
        if (slash == path.p)
            path.p[1] = '\0';
        else if (slash)
            *slash = '\0';
        SLUICE_TRY(sweep_folder(r, &seen, slash ? path.p : ".", err));
        goto out;
    }
    for (size_t i = r->plan.due_begin; i < r->plan.due_end; i++) {
        if (!sluice__run_plan_is_due(&r->plan, i))
            continue;
        struct sluice_window w;
        struct sluice_err ignored;
        sluice__part_at(&r->job->parts, i, &w);
        sluice__buf_reset(&path);
        /* A path that cannot be rendered fails its window later. */
        if (sluice__window_output(r->job, &w, &path, &ignored) != SLUICE_OK)
            continue;
        char *slash = strrchr(path.p, '/');
        if (slash == path.p)
            path.p[1] = '\0';
        else if (slash)
            *slash = '\0';
        SLUICE_TRY(sweep_folder(r, &seen, slash ? path.p : ".", err));
    }
out:
    folder_set_free(&seen);
    sluice__buf_cleanup(&path);
    return rc;
}

/* ---- the run's ledger -----------------------------------------------------------*/

/* The window where an earlier plan ended is clipped to that plan's `to`.
 * When `to` moves (`to: today`, an edited `to`) the same window, same key,
 * has another end: it must be pulled again for its new extent, or its new
 * days are never pulled when the output name has no {end}. And when the
 * name has {end}, the file of its old extent must go, or its first days
 * are in two files. The file goes first: a crash right after leaves the
 * window pending, so it is pulled again and nothing is lost. The known
 * window with the latest start up to the last planned one is the only one
 * that can have moved (windows after it were never attempted: they are
 * pending already, with whatever extent the plan gives them). */
static int remembered_rate(struct run *r, struct sluice_err *err);

/* A group's known last window that moved: found while the ledger's rows
 * are read, handled after (a write while the read is open is not). */
struct moved {
    size_t group;
    struct sluice_window w; /* as the plan has it now */
    char *output;           /* the old extent's file, or NULL */
};

struct moved_list {
    struct run *r;
    struct moved *v;
    size_t n, cap;
};

static int collect_moved(void *ud, const struct sluice_ledger_window *lw)
{
    struct moved_list *ml = ud;
    struct run *r = ml->r;
    const struct sluice_part_spec *p = &r->job->parts;
    size_t nw = r->plan.per_group, group = 0;
    if (lw->start < r->job->windows.from)
        return SLUICE_OK;
    /* The row's group in today's plan; a group the job no longer has
     * (a value removed) is not pulled, so nothing of it moves. */
    if (p->n_dims) {
        struct sluice_part_select sel;
        struct sluice_err ignored;
        if (sluice__part_select(p, lw->part ? lw->part : "", 0, &sel,
                                &ignored) != SLUICE_OK ||
            sel.any_group)
            return SLUICE_OK;
        group = sel.group;
    } else if (lw->part && *lw->part) {
        return SLUICE_OK;
    }
    size_t i = sluice__window_first_ending_after(&r->job->windows, nw,
                                                 lw->start);
    if (i >= nw)
        return SLUICE_OK;
    struct sluice_window w;
    sluice__part_at(p, group * nw + i, &w);
    if (w.start != lw->start || lw->end_excl == w.end_excl)
        return SLUICE_OK;
    struct moved *v = sluice__grow(ml->v, &ml->cap, ml->n + 1, sizeof *v, 8);
    if (!v)
        return SLUICE_ENOMEM;
    ml->v = v;
    v[ml->n].group = group;
    v[ml->n].w = w;
    v[ml->n].output = lw->output ? sluice__strdup(lw->output) : NULL;
    if (lw->output && !v[ml->n].output)
        return SLUICE_ENOMEM;
    ml->n++;
    return SLUICE_OK;
}

/* The window where an earlier plan ended is clipped to that plan's `to`.
 * When `to` moves (`to: today`, an edited `to`) the same window, same key,
 * has another end: it must be pulled again for its new extent, or its new
 * days are never pulled when the output name has no {end}. And when the
 * name has {end}, the file of its old extent must go, or its first days
 * are in two files. The file goes first: a crash right after leaves the
 * window pending, so it is pulled again and nothing is lost. In each
 * group, the known window with the latest start up to the last planned
 * one is the only one that can have moved (windows after it were never
 * attempted: they are pending already, with whatever extent the plan
 * gives them); one query finds them all, so the cost follows the rows
 * the ledger has, not the groups the job plans. */
static int requeue_moved(struct run *r, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct moved_list ml = {r, NULL, 0, 0};
    struct sluice_buf path;
    sluice__buf_init(&path, 4096);
    if (r->plan.count == 0 || !r->job->has_windows)
        goto out;
    struct sluice_window last;
    sluice__window_at(&r->job->windows, r->plan.per_group - 1, &last);
    rc = sluice__ledger_last_per_part(r->ledger.db, last.start, collect_moved,
                                      &ml, err);
    if (rc == SLUICE_ENOMEM)
        sluice__err_set(err, "out of memory");
    SLUICE_TRY(rc);
    for (size_t k = 0; k < ml.n; k++) {
        struct moved *m = &ml.v[k];
        /* A path that cannot be rendered now fails its window when
         * pulled; the old file stays then (nothing to compare it with). */
        struct sluice_err perr;
        sluice__buf_reset(&path);
        if (!r->job->output.db &&
            sluice__window_output(r->job, &m->w, &path, &perr) == SLUICE_OK &&
            m->output && strcmp(m->output, path.p) != 0 &&
            unlink(m->output) == 0)
            SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
                       "removed %s: the job's end moved, so its window is "
                       "pulled again for its new extent",
                       m->output);
        SLUICE_TRY(sluice__run_ledger_group(r, m->group, err));
        SLUICE_TRY(sluice__ledger_mark_pending(r->ledger.db, m->w.start,
                                               m->w.end_excl, err));
    }
out:
    for (size_t k = 0; k < ml.n; k++)
        sluice__free(ml.v[k].output);
    sluice__free(ml.v);
    sluice__buf_cleanup(&path);
    return rc;
}

int sluice__run_ledger_open(struct run *r, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    const struct sluice_job *job = r->job;
    struct sluice_buf path, diff;
    struct fingerprint fp = {0};
    char *argv = NULL, *shown = NULL;
    sluice__buf_init(&path, 4096);
    sluice__buf_init(&diff, 8192);
    rc = sluice__job_state_path(job, &path);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc == SLUICE_ETOOBIG ? SLUICE_EJOB : rc,
                   err, "%s", sluice__buf_failure(rc, "state path too long"));
    SLUICE_FAIL_IF(r->opts && r->opts->worker && !job->state_shared,
                   SLUICE_EJOB, err,
                   "--worker needs a shared ledger (state: "
                   "postgresql://...): this job's ledger lets one run at a "
                   "time pull it; --shard I/N splits it statically");
    if (path.n == 0)
        goto out;
    if (!job->state_shared)
        SLUICE_FAIL_IF(shard_path(&path, r->opts) != SLUICE_OK, SLUICE_EJOB,
                       err, "state path too long");
    shown = sluice__job_state_shown(job, path.p);
    SLUICE_FAIL_IF(!shown, SLUICE_ENOMEM, err, "out of memory");
    snprintf(r->sum.state_path, sizeof r->sum.state_path, "%s", shown);

    struct sluice_ledger_opts lo = {job->state_shared ? shown : path.p,
                                    job->name, true, false, NULL, NULL};
    struct sluice_ledger_shared_opts so = {path.p, job->state_lease_ms};
    SLUICE_TRY(job->state_shared
                   ? sluice__ledger_open_shared(&lo, &so, &r->ledger.db, err)
                   : sluice__ledger_open(&lo, &r->ledger.db, err));
    /* A shared ledger has no lock: its partitions are leased one by one
     * (run_worker.c); a no-op then. */
    SLUICE_TRY(sluice__ledger_lock(r->ledger.db, err));

    SLUICE_FAIL_IF(fp_build(job, &fp) != SLUICE_OK, SLUICE_ENOMEM, err,
                   "out of memory");
    bool stored = false;
    SLUICE_TRY(sluice__ledger_fingerprint_diff(r->ledger.db, fp.items, fp.n,
                                               &stored, &diff, err));
    bool full = r->opts && r->opts->full_refresh;
    SLUICE_FAIL_IF(stored && diff.n && !full, SLUICE_ESTATE, err,
                   "job %s changed since its ledger %s was written: %s. Its "
                   "windows were pulled under the old definition; run with "
                   "--full-refresh to pull everything again under the new "
                   "one, or give the job another state: file",
                   job->name, shown, diff.p);
    SLUICE_TRY(sluice__ledger_fingerprint_set(r->ledger.db, fp.items, fp.n, err));

    if (r->opts && r->opts->argv)
        argv = sluice__redact_dup(job->secrets, r->opts->argv);
    SLUICE_TRY(sluice__ledger_run_begin(r->ledger.db, argv, &r->ledger.run_id, err));
    SLUICE_TRY(remembered_rate(r, err));
    /* A shared ledger's run claims what it pulls; its seeding re-queues a
     * moved window (run_worker.c). */
    if (sluice__ledger_shared(r->ledger.db)) {
        SLUICE_TRY(sluice__run_worker_begin(r, err));
        goto out;
    }
    /* Every group's windows move with `to` and look back alike. */
    SLUICE_TRY(requeue_moved(r, err));
    /* An incremental job pulls every window each run: its cursor, not
     * the windows, says what is new (run_incr.c). */
    if (full || job->incremental.on) {
        SLUICE_TRY(sluice__ledger_requeue_all(r->ledger.db, INT64_MIN,
                                              INT64_MAX, NULL, err));
    } else if (job->lookback > 0 && r->plan.count > 0) {
        size_t nw = r->plan.per_group;
        size_t i = sluice__window_first_ending_after(
            &job->windows, nw, job->windows.end - job->lookback);
        if (i < nw) {
            struct sluice_window w;
            sluice__window_at(&job->windows, i, &w);
            SLUICE_TRY(sluice__ledger_requeue_all(r->ledger.db, w.start,
                                                  INT64_MAX, NULL, err));
        }
    }
out:
    sluice__free(argv);
    sluice__free(shown);
    fp_free(&fp);
    sluice__buf_cleanup(&path);
    sluice__buf_cleanup(&diff);
    return rc;
}

static bool output_missing(struct run *r, const struct sluice_window *w)
{
    struct sluice_buf p;
    struct sluice_err err;
    struct stat st;
    sluice__buf_init(&p, 4096);
    bool missing = sluice__window_output(r->job, w, &p, &err) == SLUICE_OK &&
                   stat(p.p, &st) != 0;
    if (missing)
        SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
                   "%s is done in the ledger but its file is gone: pulling "
                   "it again",
                   p.p);
    sluice__buf_cleanup(&p);
    return missing;
}

int sluice__run_window_due(struct run *r, size_t i, bool *due,
                           struct sluice_err *err)
{
    int rc = SLUICE_OK;
    *due = true;
    /* --shard I/N: another shard's partition is not this run's. */
    if (!sluice__run_shard_mine(r, i)) {
        *due = false;
        goto out;
    }
    /* What --window or --partition selects is pulled, done or not (the
     * plan asks about nothing else). */
    if (r->plan.single)
        goto out;
    if (!r->ledger.db)
        goto out;
    struct sluice_window w;
    enum sluice_ledger_status st;
    sluice__part_at(&r->job->parts, i, &w);
    /* One cursor per group: the plan walks each group's windows in start
     * order, then the next group's. */
    if (r->ledger.cursor && r->ledger.cursor_group != w.group)
        sluice__run_due_done(r);
    if (!r->ledger.cursor) {
        SLUICE_TRY(sluice__run_ledger_group(r, w.group, err));
        SLUICE_TRY(sluice__ledger_cursor_open(
            r->ledger.db, r->job->has_windows ? r->job->windows.from : 0,
            &r->ledger.cursor, err));
        r->ledger.cursor_group = w.group;
    }
    SLUICE_TRY(sluice__ledger_cursor_status(r->ledger.cursor, w.start, &st, err));
    if (st != SLUICE_LEDGER_DONE)
        goto out;
    /* write: replace empties the table at the run's first commit: every
     * window is pulled again, or the ledger would call done what is gone.
     * Otherwise a database partition done stays done (its rows are in
     * the table, which sluice does not scan at each run). */
    if (r->job->output.db)
        *due = r->job->output.write == SLUICE_WRITE_REPLACE;
    /* With output.empty: skip a done window may rightly have no file; an
     * S3 window's staged file is removed once its object is up (a done
     * window's object is trusted: asking the store for each would cost a
     * request per window and run). */
    else if (r->job->output.s3 ||
             (r->job->output.format != SLUICE_FORMAT_NDJSON &&
              r->job->output.skip_empty))
        *due = false;
    else
        *due = output_missing(r, &w);
out:
    return rc;
}

int sluice__run_ledger_group(struct run *r, size_t group,
                             struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf part;
    if (r->ledger.group_set && r->ledger.group == group)
        return SLUICE_OK;
    sluice__buf_init(&part, 1 << 16);
    rc = sluice__part_group_key(&r->job->parts, group, &part);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "partition key: %s",
                   sluice__buf_failure(rc, "too long"));
    SLUICE_TRY(sluice__ledger_use_part(r->ledger.db, part.p, err));
    r->ledger.group = group;
    r->ledger.group_set = true;
out:
    sluice__buf_cleanup(&part);
    return rc;
}

void sluice__run_due_done(struct run *r)
{
    sluice__ledger_cursor_close(r->ledger.cursor);
    r->ledger.cursor = NULL;
}

bool sluice__run_ledger_lost(struct run *r, const struct sluice_err *why)
{
    if (!r->ledger.lost && !(r->ledger.db && sluice__ledger_moved(r->ledger.db)))
        return false;
    if (!r->ledger.lost)
        snprintf(r->ledger.lost_msg, sizeof r->ledger.lost_msg, "%s",
                 why->msg);
    r->ledger.lost = true;
    return true;
}

/* Starts the governor's learned rate from the one an earlier run of the
 * job stored for its origin, so this run does not trip the limit again to
 * find it. */
static int remembered_rate(struct run *r, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf o;
    sluice__buf_init(&o, sizeof r->ledger.origin - 1);
    r->ledger.origin[0] = '\0';
    if (sluice__url_origin(r->job->source.url, &o) == SLUICE_OK && o.n)
        snprintf(r->ledger.origin, sizeof r->ledger.origin, "%.*s",
                 (int)o.n, o.p);
    sluice__buf_cleanup(&o);
    if (!r->ledger.origin[0])
        return SLUICE_OK;
    double rate = 0;
    SLUICE_TRY(sluice__ledger_rate_get(r->ledger.db, r->ledger.origin, &rate,
                                       NULL, err));
    if (rate > 0) {
        sluice__governor_seed(&r->gov, rate, sluice__now());
        SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
                   "starting at the rate learned by an earlier run: %.1f "
                   "requests/s",
                   rate);
    }
out:
    return rc;
}

/* Stores the rate this run learned (the server's limit as estimated at the
 * last cut), so the next run starts near it. A run that learned nothing
 * keeps what was stored. */
static void store_rate(struct run *r)
{
    enum sluice_learn_source src;
    double estimate = 0;
    (void)sluice__governor_learned(&r->gov, sluice__now(), &src, &estimate);
    if (src != SLUICE_LEARN_THROTTLED || !r->ledger.origin[0])
        return;
    struct sluice_err lerr;
    if (sluice__ledger_rate_set(r->ledger.db, r->ledger.origin, estimate,
                                r->ledger.run_id, &lerr) != SLUICE_OK &&
        !sluice__run_ledger_lost(r, &lerr))
        SLUICE_LOG(&r->log, SLUICE_LOG_ERROR, "state ledger: %s", lerr.msg);
}

int sluice__run_ledger_close(struct run *r, const char *outcome,
                             struct sluice_err *err)
{
    int rc = SLUICE_OK;
    if (!r->ledger.db)
        return SLUICE_OK;
    if (r->ledger.run_id && !r->ledger.lost) {
        struct sluice_err lerr;
        struct sluice_ledger_run_end e = {
            outcome,      r->sum.done,      r->sum.failed, r->sum.not_pulled,
            r->sum.rows,  r->sum.bytes_out, r->sum.requests};
        if (sluice__ledger_run_end(r->ledger.db, r->ledger.run_id, &e, &lerr) !=
                SLUICE_OK &&
            !sluice__run_ledger_lost(r, &lerr))
            SLUICE_LOG(&r->log, SLUICE_LOG_ERROR, "state ledger: %s",
                       lerr.msg);
        if (!r->ledger.lost)
            store_rate(r);
    }
    /* The windows this run published are on disk, the records of them
     * went with the file: say so, and what the next run will do. */
    if (r->ledger.lost) {
        sluice__err_set(err,
                        "%s: the run stopped. The %zu windows it published "
                        "are on disk but no longer recorded; the next run "
                        "uses whatever ledger is then at %s (a new one if "
                        "none: it pulls every window again and rewrites the "
                        "same files)",
                        r->ledger.lost_msg, r->sum.done, r->sum.state_path);
        rc = SLUICE_ESTATE;
    }
    sluice__run_due_done(r);
    sluice__ledger_close(r->ledger.db);
    r->ledger.db = NULL;
    return rc;
}
