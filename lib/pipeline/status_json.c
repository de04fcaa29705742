/* status_json.c: sluice_status_json(), a status read by sluice_job_status()
 * as the one-line JSON document of `sluice status --json` (docs/cli.md).
 * Strings go through the JSON writer's escaper; the text is handed to the
 * embedder's writer in pieces, so a ledger with many failed windows needs
 * no document-sized buffer. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json/json_writer.h"
#include "pipeline/run.h"
#include "pipeline/window_io.h"

#define PIECE_MAX (1u << 20) /* one failure's entry at most, escaped */
#define FLUSH_AT (1u << 16)  /* hand the text over past this */

struct doc {
    struct sluice_buf b;
    sluice_write_fn out;
    void *ud;
    bool incremental; /* the job has a cursor to show */
    const char *resource; /* a resource of a job with resources:; NULL */
};

/* Hands the text over when it is long enough (or always, at the end). */
static int flush(struct doc *d, bool always)
{
    if (d->b.n == 0 || (!always && d->b.n < FLUSH_AT))
        return SLUICE_OK;
    int rc = d->out(d->ud, d->b.p, d->b.n) == 0 ? SLUICE_OK : SLUICE_EIO;
    sluice__buf_reset(&d->b);
    return rc;
}

/* A ledger time as ISO 8601 UTC; "-" when there is none. */
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

/* A string of the status; a missing one is written as "". */
static int str(struct doc *d, const char *s)
{
    return sluice__json_write_cstr(&d->b, s ? s : "");
}

static int head(struct doc *d, const char *name, const struct sluice_status *st)
{
    int rc = SLUICE_OK;
    SLUICE_TRY(sluice__buf_adds(&d->b, "{\"job\":"));
    SLUICE_TRY(str(d, name));
    if (d->resource) {
        SLUICE_TRY(sluice__buf_adds(&d->b, ",\"resource\":"));
        SLUICE_TRY(str(d, d->resource));
    }
    SLUICE_TRY(sluice__buf_adds(&d->b, ",\"state\":"));
    SLUICE_TRY(str(d, st->state_path));
    SLUICE_TRY(sluice__buf_appendf(&d->b,
                                   ",\"exists\":%s,\"running\":%s,"
                                   "\"done_through\":",
                                   st->exists ? "true" : "false",
                                   st->running ? "true" : "false"));
    if (st->has_watermark)
        SLUICE_TRY(str(d, st->done_through));
    else
        SLUICE_TRY(sluice__buf_adds(&d->b, "null"));
    /* "cursor" only for an incremental job (null before a run kept one) */
    /* a caller's struct from before the cursor has no such members */
    bool has = st->size >= offsetof(struct sluice_status, cursor_missing) +
                               sizeof st->cursor_missing &&
               st->has_cursor;
    if (has) {
        SLUICE_TRY(sluice__buf_adds(&d->b, ",\"cursor\":"));
        SLUICE_TRY(str(d, st->cursor));
        SLUICE_TRY(sluice__buf_appendf(&d->b,
                                       ",\"cursor_run\":%lld,"
                                       "\"cursor_missing\":%llu",
                                       (long long)st->cursor_run,
                                       (unsigned long long)st->cursor_missing));
    } else if (d->incremental) {
        SLUICE_TRY(sluice__buf_adds(&d->b, ",\"cursor\":null"));
    }
    SLUICE_TRY(sluice__buf_appendf(
        &d->b,
        ",\"planned\":%llu,\"pending\":%llu,\"done\":%llu,\"failed\":%llu,"
        "\"learned_rate\":",
        (unsigned long long)st->planned, (unsigned long long)st->pending,
        (unsigned long long)st->done, (unsigned long long)st->failed));
    if (st->learned_rate > 0 && st->learned_origin) {
        char at[32];
        iso(st->learned_at, at, sizeof at);
        SLUICE_TRY(sluice__buf_appendf(&d->b, "{\"rate\":%.3f,\"origin\":",
                                       st->learned_rate));
        SLUICE_TRY(str(d, st->learned_origin));
        SLUICE_TRY(sluice__buf_appendf(&d->b, ",\"learned\":\"%s\"}", at));
    } else {
        SLUICE_TRY(sluice__buf_adds(&d->b, "null"));
    }
    SLUICE_TRY(sluice__buf_adds(&d->b, ",\"failures\":["));
out:
    return rc;
}

static int failure(struct doc *d, size_t i,
                   const struct sluice_status_failure *f, const char *key)
{
    int rc = SLUICE_OK;
    SLUICE_TRY(sluice__buf_adds(&d->b, i ? ",{\"start\":" : "{\"start\":"));
    SLUICE_TRY(str(d, f->start));
    SLUICE_TRY(sluice__buf_adds(&d->b, ",\"end\":"));
    SLUICE_TRY(str(d, f->end));
    SLUICE_TRY(sluice__buf_appendf(&d->b, ",\"attempts\":%llu,\"error\":",
                                   (unsigned long long)f->attempts));
    SLUICE_TRY(str(d, f->error));
    SLUICE_TRY(sluice__buf_adds(&d->b, ",\"key\":"));
    SLUICE_TRY(str(d, key));
    SLUICE_TRY(sluice__buf_addc(&d->b, '}'));
out:
    return rc;
}

static int run_entry(struct doc *d, size_t i, const struct sluice_status_run *r)
{
    int rc = SLUICE_OK;
    char a[32], b[32];
    iso(r->started, a, sizeof a);
    iso(r->ended, b, sizeof b);
    /* ended: null while the run goes on or when it was killed */
    SLUICE_TRY(sluice__buf_appendf(&d->b,
                                   "%s{\"id\":%lld,\"started\":\"%s\","
                                   "\"ended\":%s%s%s,\"outcome\":",
                                   i ? "," : "", (long long)r->id, a,
                                   r->ended ? "\"" : "", r->ended ? b : "null",
                                   r->ended ? "\"" : ""));
    SLUICE_TRY(str(d, r->outcome));
    SLUICE_TRY(sluice__buf_appendf(
        &d->b,
        ",\"done\":%llu,\"failed\":%llu,\"not_pulled\":%llu,\"rows\":%llu}",
        (unsigned long long)r->done, (unsigned long long)r->failed,
        (unsigned long long)r->not_pulled, (unsigned long long)r->rows));
out:
    return rc;
}

static int write_doc(struct doc *d, const char *name,
                     const struct sluice_status *st)
{
    int rc = SLUICE_OK;
    SLUICE_TRY(head(d, name, st));
    for (size_t i = 0; i < st->n_failures; i++) {
        SLUICE_TRY(failure(d, i, &st->failures[i],
                           st->size > offsetof(struct sluice_status,
                                               failure_keys) &&
                                   st->failure_keys
                               ? st->failure_keys[i]
                               : NULL));
        SLUICE_TRY(flush(d, false));
    }
    SLUICE_TRY(sluice__buf_adds(&d->b, "],\"runs\":["));
    for (size_t i = 0; i < st->n_runs; i++) {
        SLUICE_TRY(run_entry(d, i, &st->runs[i]));
        SLUICE_TRY(flush(d, false));
    }
    SLUICE_TRY(sluice__buf_adds(&d->b, "]}\n"));
    SLUICE_TRY(flush(d, true));
out:
    return rc;
}

int sluice_status_json(const struct sluice_job *job,
                       const struct sluice_status *st, sluice_write_fn out,
                       void *ud, char *errbuf, size_t errlen)
{
    struct doc d = {.out = out, .ud = ud,
                    .incremental = job && job->incremental.on,
                    .resource = job ? job->resource : NULL};
    sluice__buf_init(&d.b, PIECE_MAX + FLUSH_AT);
    int rc = job && st && out ? write_doc(&d, sluice_job_name(job), st)
                              : SLUICE_EINVAL;
    sluice__buf_cleanup(&d.b);
    if (rc != SLUICE_OK)
        sluice__copy_err(job, rc == SLUICE_EIO      ? "cannot write"
                              : rc == SLUICE_EINVAL ? "no job, status or writer"
                                                    : sluice_strerror(rc),
                         errbuf, errlen);
    return rc;
}
