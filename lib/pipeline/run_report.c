/* run_report.c: the run report (see run_report.h). Each piece of the
 * document is built in a bounded buffer, its strings escaped by the JSON
 * writer, and appended to the publisher's temporary file; the summary
 * closes it and the publisher renames it into place. A write that fails
 * stops the report (its temporary file removed at once) but not the run;
 * the failure is told at the end. */
#include "pipeline/run_report.h"

#include <string.h>
#include <time.h>

#include "json/json_writer.h"
#include "sink/publish.h"

/* One window's entry: its URL (64 KiB at most) and error, escaped. */
#define PIECE_MAX (1u << 20)

struct sluice_run_report {
    char *path, *job;
    char started[32];
    struct sluice_publish pub;
    struct sluice_buf piece; /* the text being appended */
    size_t n_windows;
    bool begun;              /* the temporary file was created */
    bool told;               /* _begin returned the failure to the run */
    int rc;                  /* the first failure; SLUICE_OK */
    struct sluice_err err;   /* its message */
};

int sluice__report_new(const char *path, const char *job,
                       struct sluice_run_report **out, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_run_report *r = NULL;
    *out = NULL;
    if (!path)
        return SLUICE_OK;
    r = sluice__calloc(1, sizeof *r);
    SLUICE_FAIL_IF(!r, SLUICE_ENOMEM, err, "out of memory");
    sluice__publish_init(&r->pub);
    sluice__buf_init(&r->piece, PIECE_MAX);
    r->path = sluice__strdup(path);
    r->job = sluice__strdup(job ? job : "");
    SLUICE_FAIL_IF(!r->path || !r->job, SLUICE_ENOMEM, err, "out of memory");
    r->pub.owner = r->job;
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(r->started, sizeof r->started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    *out = r;
    r = NULL;
out:
    sluice__report_free(r);
    return rc;
}

/* Keeps the first failure and drops the temporary file: a report that
 * missed a piece is not published. */
static void fail(struct sluice_run_report *r, int rc, const char *why)
{
    if (r->rc != SLUICE_OK)
        return;
    r->rc = rc;
    sluice__err_set(&r->err, "cannot write the report %s: %s", r->path, why);
    sluice__publish_abort(&r->pub);
}

/* Appends the piece built so far to the file. */
static void flush_piece(struct sluice_run_report *r, int built)
{
    struct sluice_err werr = {{0}};
    if (r->rc != SLUICE_OK)
        return;
    if (built != SLUICE_OK) {
        fail(r, built, sluice__buf_failure(built, "a window's entry is too "
                                                  "long"));
        return;
    }
    if (sluice__publish_write(&r->pub, r->piece.p, r->piece.n, &werr) !=
        SLUICE_OK)
        fail(r, SLUICE_EIO, werr.msg);
    sluice__buf_reset(&r->piece);
}

int sluice__report_begin(struct sluice_run_report *r, struct sluice_err *err)
{
    if (!r || r->begun)
        return SLUICE_OK;
    r->begun = true;
    struct sluice_err oerr = {{0}};
    if (sluice__publish_open(&r->pub, r->path, &oerr) != SLUICE_OK) {
        fail(r, SLUICE_EIO, oerr.msg);
    } else {
        struct sluice_buf *b = &r->piece;
        int rc = sluice__buf_adds(b, "{\"job\":");
        if (rc == SLUICE_OK)
            rc = sluice__json_write_cstr(b, r->job);
        if (rc == SLUICE_OK)
            rc = sluice__buf_appendf(b,
                                     ",\"sluice\":\"%s\",\"started\":\"%s\","
                                     "\"windows\":[",
                                     sluice_version(), r->started);
        flush_piece(r, rc);
    }
    if (r->rc != SLUICE_OK) {
        r->told = true;
        sluice__err_set(err, "%s", r->err.msg);
        return r->rc;
    }
    return SLUICE_OK;
}

static const char *status_name(enum sluice_window_status s)
{
    switch (s) {
    case SLUICE_WINDOW_DONE: return "done";
    case SLUICE_WINDOW_FAILED: return "failed";
    default: return "not_pulled";
    }
}

static int build_window(struct sluice_buf *b, size_t nth,
                        const struct sluice_window_result *w)
{
    int rc = SLUICE_OK;
    SLUICE_TRY(sluice__buf_appendf(b, "%s{\"index\":%zu,\"start\":",
                                   nth ? ",\n" : "\n", w->index));
    SLUICE_TRY(sluice__json_write_cstr(b, w->start));
    SLUICE_TRY(sluice__buf_adds(b, ",\"end\":"));
    SLUICE_TRY(sluice__json_write_cstr(b, w->end));
    SLUICE_TRY(sluice__buf_appendf(b,
                                   ",\"status\":\"%s\",\"http_status\":%ld,"
                                   "\"attempts\":%u,\"statuses\":[",
                                   status_name(w->status), w->http_status,
                                   w->attempts));
    for (size_t i = 0; i < w->n_statuses; i++)
        SLUICE_TRY(sluice__buf_appendf(b, "%s%ld", i ? "," : "",
                                       w->statuses[i]));
    SLUICE_TRY(sluice__buf_appendf(
        b,
        "],\"pages\":%llu,\"rows\":%llu,\"bytes_in\":%llu,"
        "\"bytes_out\":%llu,\"bad_values\":%llu,\"seconds\":%.3f,"
        "\"output\":",
        (unsigned long long)w->pages, (unsigned long long)w->rows, (unsigned long long)w->bytes_in,
        (unsigned long long)w->bytes_out, (unsigned long long)w->bad_values,
        w->seconds));
    SLUICE_TRY(sluice__json_write_cstr(b, w->output));
    SLUICE_TRY(sluice__buf_adds(b, ",\"url\":"));
    SLUICE_TRY(sluice__json_write_cstr(b, w->url));
    SLUICE_TRY(sluice__buf_adds(b, ",\"error\":"));
    SLUICE_TRY(sluice__json_write_cstr(b, w->error));
    SLUICE_TRY(sluice__buf_adds(b, ",\"key\":"));
    SLUICE_TRY(sluice__json_write_cstr(b, w->key));
    SLUICE_TRY(sluice__buf_addc(b, '}'));
out:
    return rc;
}

void sluice__report_window(struct sluice_run_report *r,
                           const struct sluice_window_result *w)
{
    if (!r || r->rc != SLUICE_OK)
        return;
    if (!r->begun) {
        struct sluice_err ignored; /* kept in r->err */
        if (sluice__report_begin(r, &ignored) != SLUICE_OK) {
            r->told = false; /* not told: the run never asked */
            return;
        }
    }
    flush_piece(r, build_window(&r->piece, r->n_windows++, w));
}

/* The run's outcome, as the command's exit status tells it (docs/cli.md). */
static const char *outcome_of(int rc, const struct sluice_run_summary *s)
{
    switch (rc) {
    /* a resource not planned (its parent not done) exits 1 as a failed
     * window does */
    case SLUICE_OK:
        return s->failed || s->resources_unplanned ? "some_failed" : "done";
    case SLUICE_ECANCELED: return "interrupted";
    case SLUICE_EQUOTA: return "quota";
    case SLUICE_ESTATE: return "refused";
    default: return "error";
    }
}

int sluice__report_finish(struct sluice_run_report *r, int run_rc,
                          const struct sluice_run_summary *s,
                          struct sluice_err *err)
{
    if (!r)
        return SLUICE_OK;
    if (r->told)
        return r->rc; /* the run already ended with it: err left empty */
    if (!r->begun) {
        struct sluice_err ignored; /* kept in r->err */
        if (sluice__report_begin(r, &ignored) != SLUICE_OK)
            r->told = false; /* not told: the run never asked */
    }
    int rc = sluice__buf_appendf(
        &r->piece,
        "\n],\"summary\":{\"outcome\":\"%s\",\"planned\":%zu,"
        "\"skipped\":%zu,\"windows\":%zu,\"done\":%zu,"
        "\"failed\":%zu,\"not_pulled\":%zu,\"rows\":%llu,\"bytes_in\":%llu,"
        "\"bytes_out\":%llu,\"requests\":%llu,\"retries\":%llu,"
        "\"responses_429\":%llu,\"concurrency\":%u,\"resume_at\":%lld,"
        "\"bad_values\":%llu,\"learned_rate\":%.3f,\"learned_limit\":%.3f,"
        "\"learned_from\":\"%s\",\"rate_cuts\":%llu,\"workers\":%u,"
        "\"commits_pending_max\":%zu,\"commit_holds\":%llu,"
        "\"parse_threads\":%u,\"body_pauses\":%llu,"
        "\"seconds\":%.3f}}\n",
        outcome_of(run_rc, s), s->total, s->skipped, s->due, s->done,
        s->failed, s->not_pulled, (unsigned long long)s->rows,
        (unsigned long long)s->bytes_in, (unsigned long long)s->bytes_out,
        (unsigned long long)s->requests, (unsigned long long)s->retries,
        (unsigned long long)s->responses_429, s->concurrency,
        (long long)s->resume_at, (unsigned long long)s->bad_values,
        s->learned_rate, s->learned_limit,
        s->learned_from[0] ? s->learned_from : "none",
        (unsigned long long)s->rate_cuts, s->workers, s->commits_pending_max,
        (unsigned long long)s->commit_holds, s->parse_threads,
        (unsigned long long)s->body_pauses, s->seconds);
    flush_piece(r, rc);
    struct sluice_err cerr = {{0}};
    if (r->rc == SLUICE_OK && sluice__publish_commit(&r->pub, &cerr) !=
                                  SLUICE_OK)
        fail(r, SLUICE_EIO, cerr.msg);
    if (r->rc != SLUICE_OK) {
        sluice__err_set(err, "%s", r->err.msg);
        return r->rc == SLUICE_ENOMEM ? SLUICE_ENOMEM : SLUICE_EIO;
    }
    return SLUICE_OK;
}

void sluice__report_free(struct sluice_run_report *r)
{
    if (!r)
        return;
    sluice__publish_cleanup(&r->pub);
    sluice__buf_cleanup(&r->piece);
    sluice__free(r->path);
    sluice__free(r->job);
    sluice__free(r);
}

int sluice__report_folder(const char *path, struct sluice_buf *out)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return sluice__buf_adds(out, ".");
    return sluice__buf_append(out, path,
                              slash == path ? 1 : (size_t)(slash - path));
}
