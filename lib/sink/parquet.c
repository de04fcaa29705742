/* parquet.c: the Parquet sink. The schema must cover every record of a
 * file, but records stream in and a field can first appear in the last
 * one; a row group needs a chunk for every column. So a window is written
 * in two passes:
 *
 *   1. each record is spooled (sink/spool.h: memory, then an unlinked
 *      hidden file in the output folder) and widens the window's schema as
 *      it arrives; a member name repeated in one object keeps its last
 *      value there, so neither inference nor the shredder sees a
 *      repetition;
 *   2. commit merges the window's schema into the job's (sink/
 *      schema_file.h, rewritten atomically when it changes), builds the
 *      Parquet schema from it, replays the spool through the shredder into
 *      the writer (which cuts row groups by size) and publishes the file
 *      atomically.
 *
 * Memory follows the spool threshold plus one row group, not the window. */
#include <inttypes.h>
#include <string.h>

#include "parquet/pq_writer.h"
#include "sink/parquet_shred.h"
#include "sink/publish.h"
#include "sink/schema_file.h"
#include "sink/sink.h"
#include "sink/spool.h"

#define WRITE_FLUSH (1u << 20)
/* The write buffer's memory kept between windows. A sink is pooled and
 * reused for window after window (up to 2 x concurrency of them exist), and
 * one big file grows its buffer to WRITE_FLUSH: kept, that was a MiB per
 * pooled sink for the rest of the run (W8: 8 MiB at the peak). A window of
 * small files needs no more than this. */
#define WRITE_KEEP ((size_t)64 << 10)

struct pq_sink {
    struct sluice_sink base; /* first: the sink is cast to and from it */
    struct sluice_sink_parquet_opts po;
    char *job_name;
    char *schema_path;

    struct sluice_publish pub;
    struct sluice_spool sp; /* the window's records and inferred schema */

    struct sluice_buf wbuf; /* Parquet bytes not yet written */
    uint64_t bytes;
    struct sluice_buf warnings;
    struct sluice_buf schema_text; /* the job schema, when this commit
                                      changed it */
};

static int pq_open(struct sluice_sink *base, const char *final_path)
{
    struct pq_sink *s = (struct pq_sink *)base;
    int rc = SLUICE_OK;
    sluice__buf_reset(&s->wbuf);
    sluice__buf_reset(&s->warnings);
    s->bytes = 0;
    base->bad_values = 0;
    base->warnings = NULL;
    base->schema_json = NULL;
    base->published = false;
    SLUICE_TRY(sluice__spool_open(&s->sp, final_path, &base->err));
    SLUICE_TRY(sluice__publish_open(&s->pub, final_path, &base->err));
out:
    return rc;
}

static int pq_record_begin(struct sluice_sink *base, const char *key,
                           size_t key_n)
{
    return sluice__spool_record_begin(&((struct pq_sink *)base)->sp, key,
                                      key_n, &base->err);
}

static int pq_event(struct sluice_sink *base, enum sluice_json_event ev,
                    const char *p, size_t n)
{
    return sluice__spool_event(&((struct pq_sink *)base)->sp, ev, p, n,
                               &base->err);
}

static int pq_record_end(struct sluice_sink *base)
{
    return sluice__spool_record_end(&((struct pq_sink *)base)->sp,
                                    &base->err);
}

/* ---- commit
 * ----------------------------------------------------------------*/

static int flush_w(struct pq_sink *s)
{
    int rc = sluice__publish_write(&s->pub, s->wbuf.p, s->wbuf.n, &s->base.err);
    sluice__buf_reset(&s->wbuf);
    return rc;
}

static int on_bytes(void *ud, const void *p, size_t n)
{
    struct pq_sink *s = ud;
    s->bytes += n;
    if (s->wbuf.n + n > WRITE_FLUSH && s->wbuf.n && flush_w(s) != SLUICE_OK)
        return -1;
    if (n >= WRITE_FLUSH)
        return sluice__publish_write(&s->pub, p, n, &s->base.err) ? -1 : 0;
    int rc = sluice__buf_append(&s->wbuf, p, n);
    if (rc != SLUICE_OK) {
        /* the writer only knows the write failed: say why */
        sluice__err_set(&s->base.err, "%s", sluice_strerror(rc));
        return -1;
    }
    return 0;
}

/* The reason a writer call failed: the one on_bytes or the publisher
 * already gave (the writer only sees "write failed"), else the writer's. */
static void writer_failed(struct pq_sink *s, const char *why)
{
    if (!s->base.err.msg[0])
        sluice__err_set(&s->base.err, "%s", why);
}

static int on_entry(void *ud, size_t leaf, unsigned def, unsigned rep,
                    const struct sluice_pq_value *v)
{
    return sluice__pq_append(ud, leaf, def, rep, v);
}

struct replay {
    struct pq_sink *s;
    struct sluice_shredder *sh;
    struct sluice_pq_writer *w;
};

static int replay_one(void *ud, const uint8_t *rec, size_t n)
{
    struct replay *R = ud;
    int rc = sluice__shred(R->sh, rec, n);
    if (rc == SLUICE_OK)
        rc = sluice__pq_row_end(R->w);
    if (rc != SLUICE_OK)
        writer_failed(R->s, R->sh->err.msg[0] ? R->sh->err.msg
                                              : sluice__pq_writer_error(R->w));
    return rc;
}

static int write_file(struct pq_sink *s, struct sluice_table *job,
                      struct sluice_pq_schema *schema)
{
    int rc = SLUICE_OK;
    struct sluice_pq_writer *w = NULL;
    struct sluice_shredder sh;
    struct sluice_pq_options o = {
        .codec = (enum sluice_pq_codec)s->po.codec,
        .level = s->po.level,
        .row_group_bytes = (size_t)s->po.row_group_bytes,
        .build = sluice_version(),
    };
    sluice__shredder_init(&sh, job, on_entry, NULL);
    sh.fail_on_bad = s->po.fail_on_bad;
    struct sluice_err werr = {{0}};
    rc = sluice__pq_writer_new(&w, schema, &o, on_bytes, s, &werr);
    if (rc != SLUICE_OK) {
        writer_failed(s, werr.msg); /* on_bytes's reason comes first */
        goto out;
    }
    sh.ud = w;
    struct replay R = {s, &sh, w};
    SLUICE_TRY(sluice__spool_replay(&s->sp, replay_one, &R, &s->base.err));
    rc = sluice__pq_finish(w);
    if (rc != SLUICE_OK) {
        writer_failed(s, sluice__pq_writer_error(w));
        goto out;
    }
    if (s->wbuf.n)
        SLUICE_TRY(flush_w(s));
    s->base.bad_values = sh.bad_values;
out:
    sluice__pq_writer_free(w);
    sluice__shredder_cleanup(&sh);
    if (s->wbuf.cap > WRITE_KEEP)
        sluice__buf_cleanup(&s->wbuf); /* flushed, or the commit failed */
    return rc;
}

static int pq_commit(struct sluice_sink *base, uint64_t *bytes_out)
{
    struct pq_sink *s = (struct pq_sink *)base;
    struct sluice_table *job = NULL;
    struct sluice_pq_schema *schema = NULL;
    bool changed = false;
    int rc = SLUICE_OK;
    /* With commits on several threads: the schema file in turn (sink.h). */
    sluice__schema_turn_wait(base->schema_turn, base->schema_ticket);
    SLUICE_TRY(sluice__schema_file_load(s->schema_path, s->po.columns,
                                        s->po.n_columns, &job, &base->err));
    SLUICE_TRY(sluice__table_merge(job, s->sp.win, &changed, &base->err));
    /* An empty window writes nothing under output.empty: skip, and also
     * while the job has no schema yet (no record has given any field a
     * type): a Parquet file needs at least one column. The run then pulls
     * the window again until the job has a schema. */
    if (s->sp.records == 0 &&
        (s->po.skip_empty || !sluice__table_has_columns(job))) {
        sluice__publish_abort(&s->pub);
        goto out;
    }
    /* Records, but none has given a field a type (every value null, {} or
     * []): Parquet has no column without a type, and inventing one would
     * change the data. The window fails, saying how to declare types; it
     * is written by the first run after another window has typed a field. */
    SLUICE_FAIL_IF(!sluice__table_has_columns(job), SLUICE_EPARQUET,
                   &base->err,
                   "%" PRIu64 " records, but no field has a type yet (every "
                   "value is null, {} or []): a Parquet file needs a typed "
                   "column; declare the types with columns: (docs/job-file.md) "
                   "or write NDJSON or CSV",
                   s->sp.records);
    job->named = false;
    SLUICE_TRY(sluice__table_build(job, s->po.flatten, &schema, &base->err));
    /* Saved before the file is published, so the schema always covers
     * every published file. */
    if (changed || job->named) {
        SLUICE_TRY(sluice__schema_file_save(s->schema_path, s->job_name, job,
                                            &s->schema_text, &base->err));
        base->schema_json = sluice__buf_str(&s->schema_text);
    }
    sluice__schema_turn_pass(base->schema_turn, base->schema_ticket);
    SLUICE_TRY(write_file(s, job, schema));
    s->pub.defer_folder_sync = base->defer_folder_sync;
    SLUICE_TRY(sluice__publish_commit(&s->pub, &base->err));
    base->published = true;
out:
    sluice__pq_schema_free(schema);
    if (job) {
        sluice__spool_warnings(&s->sp, job, &s->warnings);
        base->warnings = sluice__buf_str(&s->warnings);
    }
    if (rc != SLUICE_OK)
        sluice__publish_abort(&s->pub);
    if (bytes_out)
        *bytes_out = rc == SLUICE_OK ? s->bytes : 0;
    sluice__table_free(job);
    sluice__spool_reset(&s->sp);
    return rc;
}

static void pq_abort(struct sluice_sink *base)
{
    struct pq_sink *s = (struct pq_sink *)base;
    sluice__spool_reset(&s->sp);
    sluice__publish_abort(&s->pub);
}

static void pq_destroy(struct sluice_sink *base)
{
    struct pq_sink *s = (struct pq_sink *)base;
    sluice__spool_cleanup(&s->sp);
    sluice__publish_cleanup(&s->pub);
    sluice__buf_cleanup(&s->wbuf);
    sluice__buf_cleanup(&s->warnings);
    sluice__buf_cleanup(&s->schema_text);
    sluice__free(s->schema_path);
    sluice__free(s->job_name);
    sluice__free(s);
}

static const struct sluice_sink_ops PARQUET_OPS = {
    pq_open,   pq_record_begin, pq_event,   pq_record_end,
    pq_commit, pq_abort,        pq_destroy, NULL,
};

int sluice__sink_parquet_new(const struct sluice_sink_opts *o,
                             const struct sluice_sink_parquet_opts *po,
                             struct sluice_sink **out)
{
    struct pq_sink *s = sluice__calloc(1, sizeof *s);
    struct sluice_buf path;
    *out = NULL;
    if (!s)
        return SLUICE_ENOMEM;
    s->base.ops = &PARQUET_OPS;
    s->po = *po;
    sluice__publish_init(&s->pub);
    sluice__buf_init(&s->wbuf, WRITE_FLUSH + 1);
    sluice__buf_init(&s->warnings, 128 * 1024);
    sluice__buf_init(&s->schema_text, SLUICE_TABLE_SCHEMA_FILE_MAX);
    sluice__buf_init(&path, 1u << 16);
    int rc = sluice__spool_init(&s->sp, o ? o->record_key_as : NULL,
                                o ? o->max_record_bytes : 0, po->spool_bytes,
                                po->columns, po->n_columns);
    s->job_name = sluice__strdup(po->job_name ? po->job_name : "job");
    s->po.job_name = s->job_name;
    s->pub.owner = s->job_name;
    rc = rc == SLUICE_OK && s->job_name
             ? sluice__parquet_schema_path(
                   po->output_template ? po->output_template : "",
                   s->job_name, &path)
             : SLUICE_ENOMEM;
    s->schema_path = rc == SLUICE_OK ? sluice__buf_take(&path, NULL) : NULL;
    sluice__buf_cleanup(&path);
    s->po.output_template = NULL;
    if (!s->schema_path) {
        pq_destroy(&s->base);
        return SLUICE_ENOMEM;
    }
    *out = &s->base;
    return SLUICE_OK;
}
