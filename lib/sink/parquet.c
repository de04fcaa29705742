/* parquet.c: the Parquet sink. The schema must cover every record of a
 * file, but records stream in and a field can first appear in the last
 * one; a row group needs a chunk for every column. So a window is written
 * in two passes:
 *
 *   1. each record is encoded compactly (table/events.h) into a spool and
 *      widens the window's schema as it arrives; the spool lives in memory
 *      up to `spool_bytes`, then spills to a hidden temporary file in the
 *      output folder, unlinked as soon as it is created (a crash leaves
 *      nothing behind);
 *   2. commit merges the window's schema into the job's (kept in
 *      .sluice-schema-<job>.json beside the outputs, rewritten atomically
 *      when it changes), builds the Parquet schema from it, replays the
 *      spool through the shredder into the writer (which cuts row groups by
 *      size) and publishes the file atomically.
 *
 * Memory follows the spool threshold plus one row group, not the window.
 *
 * A member name repeated in one object keeps its last value, as in every
 * sink (json/dupkeys.h): a record that has one has the earlier members cut
 * out of its spooled events before it widens the schema, so neither
 * inference nor the shredder ever sees a repetition. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json/dupkeys.h"
#include "parquet/pq_writer.h"
#include "sink/publish.h"
#include "sink/sink.h"
#include "sink/parquet_shred.h"
#include "table/events.h"
#include "util/fs.h"

#define DEFAULT_SPOOL (16u << 20)
#define WRITE_FLUSH (1u << 20)
#define READ_CHUNK ((size_t)1 << 20)
#define SCHEMA_PREFIX ".sluice-schema-"

struct pq_sink {
    struct sluice_sink base; /* first: the sink is cast to and from it */
    struct sluice_sink_parquet_opts po;
    char *job_name, *key_as;
    char *schema_path;
    size_t max_record;
    size_t spool_max;

    struct sluice_publish pub;
    char *final_path;
    struct sluice_table *win; /* the window's inferred schema */
    struct sluice_buf mem;    /* spooled records: u32 length + events */
    size_t rec_start;         /* current record's length prefix */
    unsigned depth;
    struct sluice_buf key;
    bool has_key;
    struct sluice_dupkeys *dups;
    int spool_fd; /* -1 until the spool spills */
    uint64_t records;

    struct sluice_buf wbuf; /* Parquet bytes not yet written */
    uint64_t bytes;
    struct sluice_buf warnings;
    struct sluice_buf schema_text; /* the job schema, when this commit
                                      changed it */
};

int sluice__parquet_schema_path(const char *tpl, const char *job,
                                struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    const char *brace = strchr(tpl, '{');
    size_t fixed = brace ? (size_t)(brace - tpl) : strlen(tpl);
    size_t dir = 0;
    for (size_t i = 0; i < fixed; i++)
        if (tpl[i] == '/')
            dir = i + 1;
    if (dir)
        SLUICE_TRY(sluice__buf_append(out, tpl, dir));
    SLUICE_TRY(sluice__buf_adds(out, SCHEMA_PREFIX));
    SLUICE_TRY(sluice__buf_adds(out, job));
    SLUICE_TRY(sluice__buf_adds(out, ".json"));
out:
    return rc;
}

static void spool_reset(struct pq_sink *s)
{
    sluice__buf_reset(&s->mem);
    if (s->spool_fd >= 0)
        close(s->spool_fd);
    s->spool_fd = -1;
    s->records = 0;
    s->depth = 0;
}

static int pq_open(struct sluice_sink *base, const char *final_path)
{
    struct pq_sink *s = (struct pq_sink *)base;
    int rc = SLUICE_OK;
    spool_reset(s);
    sluice__buf_reset(&s->wbuf);
    sluice__buf_reset(&s->warnings);
    sluice__dupkeys_window(s->dups);
    s->bytes = 0;
    base->bad_values = 0;
    base->warnings = NULL;
    base->schema_json = NULL;
    base->published = false;
    sluice__table_free(s->win);
    s->win = NULL;
    sluice__free(s->final_path);
    s->final_path = sluice__strdup(final_path);
    SLUICE_FAIL_IF(!s->final_path, SLUICE_ENOMEM, &base->err, "out of memory");
    rc = sluice__table_new(&s->win, s->po.columns, s->po.n_columns);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, &base->err, "out of memory");
    SLUICE_TRY(sluice__publish_open(&s->pub, final_path, &base->err));
out:
    return rc;
}

static int pq_record_begin(struct sluice_sink *base, const char *key,
                           size_t key_n)
{
    struct pq_sink *s = (struct pq_sink *)base;
    static const char zero[4];
    int rc = SLUICE_OK;
    s->rec_start = s->mem.n;
    s->depth = 0;
    sluice__dupkeys_record(s->dups);
    s->has_key = key != NULL;
    sluice__buf_reset(&s->key);
    if (key && s->key_as)
        SLUICE_TRY(sluice__buf_append(&s->key, key, key_n));
    SLUICE_TRY(sluice__buf_append(&s->mem, zero, sizeof zero));
out:
    if (rc != SLUICE_OK)
        sluice__err_set(&base->err, "%s",
                        rc == SLUICE_ETOOBIG ? "record key or spool too large"
                                             : sluice_strerror(rc));
    return rc;
}

static int pq_event(struct sluice_sink *base, enum sluice_json_event ev,
                    const char *p, size_t n)
{
    struct pq_sink *s = (struct pq_sink *)base;
    int rc = SLUICE_OK;
    if (ev == SLUICE_JSON_OBJECT_END || ev == SLUICE_JSON_ARRAY_END)
        s->depth--;
    /* record_key_as: the key becomes the object record's last member. */
    if (ev == SLUICE_JSON_OBJECT_END && s->depth == 0 && s->key_as) {
        SLUICE_TRY(sluice__dupkeys_event(s->dups, SLUICE_JSON_KEY, s->key_as,
                                         strlen(s->key_as), s->mem.n));
        SLUICE_TRY(sluice__ev_put_raw(&s->mem, SLUICE_EV_KEY, s->key_as,
                                      strlen(s->key_as)));
        if (s->has_key)
            SLUICE_TRY(sluice__ev_put_raw(&s->mem, SLUICE_EV_STRING,
                                          s->key.p ? s->key.p : "", s->key.n));
        else
            SLUICE_TRY(sluice__ev_put_raw(&s->mem, SLUICE_EV_NULL, NULL, 0));
    }
    SLUICE_TRY(sluice__dupkeys_event(s->dups, ev, p, n, s->mem.n));
    SLUICE_TRY(sluice__ev_put(&s->mem, ev, p, n));
    if (ev == SLUICE_JSON_OBJECT_BEGIN || ev == SLUICE_JSON_ARRAY_BEGIN)
        s->depth++;
    if (s->mem.n - s->rec_start > s->max_record + 4) {
        sluice__err_set(&base->err, "record larger than %zu bytes",
                        s->max_record);
        return SLUICE_ETOOBIG;
    }
out:
    if (rc == SLUICE_ETOOBIG)
        sluice__err_set(&base->err, "record larger than %zu bytes",
                        s->max_record);
    else if (rc != SLUICE_OK)
        sluice__err_set(&base->err, "%s", sluice_strerror(rc));
    return rc;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return SLUICE_EIO;
        c += w;
        n -= (size_t)w;
    }
    return SLUICE_OK;
}

/* Moves the in-memory spool to the spool file, creating it first. */
static int spill(struct pq_sink *s)
{
    int rc = SLUICE_OK;
    struct sluice_buf path;
    sluice__buf_init(&path, 1u << 16);
    if (s->spool_fd < 0) {
        const char *slash = strrchr(s->final_path, '/');
        size_t dir = slash ? (size_t)(slash - s->final_path) + 1 : 0;
        SLUICE_TRY(sluice__buf_append(&path, s->final_path, dir));
        SLUICE_TRY(sluice__buf_addc(&path, '.'));
        SLUICE_TRY(sluice__buf_adds(&path, s->final_path + dir));
        SLUICE_TRY(sluice__buf_adds(&path, SLUICE_TMP_MARKER "spool-XXXXXX"));
        s->spool_fd = mkstemp(path.p);
        SLUICE_FAIL_IF(s->spool_fd < 0, SLUICE_EIO, &s->base.err,
                       "%s: cannot create the spool file: %s", path.p,
                       strerror(errno));
        unlink(path.p);
    }
    rc = write_all(s->spool_fd, s->mem.p, s->mem.n);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, &s->base.err,
                   "writing the spool file: %s", strerror(errno));
    sluice__buf_reset(&s->mem);
out:
    if (rc == SLUICE_ETOOBIG)
        sluice__err_set(&s->base.err, "spool path too long");
    else if (rc == SLUICE_ENOMEM)
        sluice__err_set(&s->base.err, "out of memory");
    sluice__buf_cleanup(&path);
    return rc;
}

static int pq_record_end(struct sluice_sink *base)
{
    struct pq_sink *s = (struct pq_sink *)base;
    int rc = SLUICE_OK;
    size_t cuts = 0;
    rc = sluice__dupkeys_end(s->dups, &cuts);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, &base->err, "out of memory");
    if (cuts)
        sluice__dupkeys_cut(s->dups, &s->mem);
    size_t len = s->mem.n - s->rec_start - 4;
    uint8_t *hdr = (uint8_t *)s->mem.p + s->rec_start;
    hdr[0] = (uint8_t)len;
    hdr[1] = (uint8_t)(len >> 8);
    hdr[2] = (uint8_t)(len >> 16);
    hdr[3] = (uint8_t)(len >> 24);
    SLUICE_TRY(sluice__table_infer(s->win, hdr + 4, len, &base->err));
    s->records++;
    if (s->mem.n >= s->spool_max)
        SLUICE_TRY(spill(s));
out:
    return rc;
}

/* ---- commit
 * ----------------------------------------------------------------*/

static int load_schema(struct pq_sink *s, struct sluice_table **out)
{
    struct sluice_err *err = &s->base.err;
    char *text = NULL;
    size_t n = 0;
    bool missing = false;
    int rc = sluice__read_file(s->schema_path, SLUICE_TABLE_SCHEMA_FILE_MAX,
                               &text, &n, &missing, err);
    if (rc == SLUICE_EIO && missing) {
        /* No schema yet: a first window. The "cannot open" just set is no
         * error then, and must not stand for a failure of what follows. */
        err->msg[0] = '\0';
        rc = sluice__table_new(out, s->po.columns, s->po.n_columns);
        if (rc != SLUICE_OK)
            sluice__err_set(err, "%s", sluice_strerror(rc));
        return rc;
    }
    if (rc != SLUICE_OK)
        return rc;
    rc = sluice__table_from_json(text, n, s->po.columns, s->po.n_columns, out,
                                 err);
    if (rc != SLUICE_OK)
        sluice__err_prefix(err, "%s", s->schema_path);
    sluice__free(text);
    return rc;
}

/* Writes the schema file, and keeps its text for the run to record as a
 * new version in the state ledger (base.schema_json). */
static int save_schema(struct pq_sink *s, const struct sluice_table *t)
{
    int rc = SLUICE_OK;
    struct sluice_publish pub;
    struct sluice_buf *text = &s->schema_text;
    sluice__publish_init(&pub);
    pub.owner = s->job_name;
    sluice__buf_reset(text);
    rc = sluice__table_to_json(t, text);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, &s->base.err, "%s",
                   rc == SLUICE_ETOOBIG ? "schema too large"
                                        : sluice_strerror(rc));
    SLUICE_TRY(sluice__publish_open(&pub, s->schema_path, &s->base.err));
    SLUICE_TRY(sluice__publish_write(&pub, text->p, text->n, &s->base.err));
    SLUICE_TRY(sluice__publish_commit(&pub, &s->base.err));
    s->base.schema_json = sluice__buf_str(text);
out:
    sluice__publish_cleanup(&pub);
    return rc;
}

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

static int replay_one(struct replay *R, const uint8_t *rec, size_t n)
{
    int rc = sluice__shred(R->sh, rec, n);
    if (rc == SLUICE_OK)
        rc = sluice__pq_row_end(R->w);
    if (rc != SLUICE_OK)
        writer_failed(R->s, R->sh->err.msg[0] ? R->sh->err.msg
                                              : sluice__pq_writer_error(R->w));
    return rc;
}

/* Replays records [p, p+n) of spooled bytes; *used gets the bytes of the
 * whole records consumed. */
static int replay_bytes(struct replay *R, const uint8_t *p, size_t n,
                        size_t *used)
{
    size_t off = 0;
    while (n - off >= 4) {
        size_t len = (size_t)p[off] | (size_t)p[off + 1] << 8 |
                     (size_t)p[off + 2] << 16 | (size_t)p[off + 3] << 24;
        if (n - off - 4 < len)
            break;
        int rc = replay_one(R, p + off + 4, len);
        if (rc != SLUICE_OK)
            return rc;
        off += 4 + len;
    }
    *used = off;
    return SLUICE_OK;
}

/* Reads the spool file in 1 MiB blocks; the buffer grows only for a
 * record larger than that. */
static int replay_file(struct replay *R)
{
    struct pq_sink *s = R->s;
    int rc = SLUICE_OK;
    size_t cap = 1u << 20, have = 0, used;
    uint8_t *b = sluice__malloc(cap);
    SLUICE_FAIL_IF(!b, SLUICE_ENOMEM, &s->base.err, "out of memory");
    SLUICE_FAIL_IF(lseek(s->spool_fd, 0, SEEK_SET) != 0, SLUICE_EIO,
                   &s->base.err, "spool file: %s", strerror(errno));
    for (;;) {
        if (have == cap) { /* one record fills the buffer: make room */
            size_t len = (size_t)b[0] | (size_t)b[1] << 8 | (size_t)b[2] << 16 |
                         (size_t)b[3] << 24;
            SLUICE_FAIL_IF(len > s->max_record, SLUICE_EIO, &s->base.err,
                           "spool file: corrupt");
            void *nb = sluice__realloc(b, len + 4);
            SLUICE_FAIL_IF(!nb, SLUICE_ENOMEM, &s->base.err, "out of memory");
            b = nb;
            cap = len + 4;
        }
        /* Read 1 MiB at a time, more only while a record is incomplete:
         * one read of the whole buffer would touch up to max_record bytes
         * (64 MiB) and put a big window's spool in memory after all. */
        size_t want = cap - have < READ_CHUNK ? cap - have : READ_CHUNK;
        ssize_t r = read(s->spool_fd, b + have, want);
        if (r < 0 && errno == EINTR)
            continue;
        SLUICE_FAIL_IF(r < 0, SLUICE_EIO, &s->base.err, "spool file: %s",
                       strerror(errno));
        if (r == 0)
            break;
        have += (size_t)r;
        SLUICE_TRY(replay_bytes(R, b, have, &used));
        memmove(b, b + used, have - used);
        have -= used;
    }
    SLUICE_FAIL_IF(have != 0, SLUICE_EIO, &s->base.err,
                   "spool file: truncated");
out:
    sluice__free(b);
    return rc;
}

static int write_file(struct pq_sink *s, struct sluice_table *job,
                      struct sluice_pq_schema *schema)
{
    int rc = SLUICE_OK;
    struct sluice_pq_writer *w = NULL;
    struct sluice_shredder sh;
    size_t used;
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
    if (s->spool_fd >= 0)
        SLUICE_TRY(replay_file(&R));
    SLUICE_TRY(replay_bytes(&R, (const uint8_t *)s->mem.p, s->mem.n, &used));
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
    return rc;
}

static int pq_commit(struct sluice_sink *base, uint64_t *bytes_out)
{
    struct pq_sink *s = (struct pq_sink *)base;
    struct sluice_table *job = NULL;
    struct sluice_pq_schema *schema = NULL;
    bool changed = false;
    int rc = SLUICE_OK;
    SLUICE_TRY(load_schema(s, &job));
    SLUICE_TRY(sluice__table_merge(job, s->win, &changed, &base->err));
    /* An empty window writes nothing under output.empty: skip, and also
     * while the job has no schema yet (no record has given any field a
     * type): a Parquet file needs at least one column. The run then pulls
     * the window again until the job has a schema. */
    if (s->records == 0 &&
        (s->po.skip_empty || !sluice__table_has_columns(job))) {
        sluice__publish_abort(&s->pub);
        goto out;
    }
    job->named = false;
    SLUICE_TRY(sluice__table_build(job, s->po.flatten, &schema, &base->err));
    /* Saved before the file is published, so the schema always covers
     * every published file. */
    if (changed || job->named)
        SLUICE_TRY(save_schema(s, job));
    SLUICE_TRY(write_file(s, job, schema));
    s->pub.defer_folder_sync = base->defer_folder_sync;
    SLUICE_TRY(sluice__publish_commit(&s->pub, &base->err));
    base->published = true;
out:
    sluice__pq_schema_free(schema);
    if (job) {
        if (sluice__dupkeys_warnings(s->dups, &s->warnings) ||
            sluice__buf_adds(&s->warnings, sluice__table_warnings(s->win)) ||
            sluice__buf_adds(&s->warnings, sluice__table_warnings(job)))
            sluice__buf_reset(&s->warnings); /* advice only */
        base->warnings = sluice__buf_str(&s->warnings);
    }
    if (rc != SLUICE_OK)
        sluice__publish_abort(&s->pub);
    if (bytes_out)
        *bytes_out = rc == SLUICE_OK ? s->bytes : 0;
    sluice__table_free(job);
    spool_reset(s);
    return rc;
}

static void pq_abort(struct sluice_sink *base)
{
    struct pq_sink *s = (struct pq_sink *)base;
    spool_reset(s);
    sluice__publish_abort(&s->pub);
}

static void pq_destroy(struct sluice_sink *base)
{
    struct pq_sink *s = (struct pq_sink *)base;
    spool_reset(s);
    sluice__publish_cleanup(&s->pub);
    sluice__table_free(s->win);
    sluice__buf_cleanup(&s->mem);
    sluice__buf_cleanup(&s->key);
    sluice__buf_cleanup(&s->wbuf);
    sluice__buf_cleanup(&s->warnings);
    sluice__buf_cleanup(&s->schema_text);
    sluice__dupkeys_free(s->dups);
    sluice__free(s->final_path);
    sluice__free(s->schema_path);
    sluice__free(s->job_name);
    sluice__free(s->key_as);
    sluice__free(s);
}

static const struct sluice_sink_ops PARQUET_OPS = {
    pq_open,   pq_record_begin, pq_event,   pq_record_end,
    pq_commit, pq_abort,        pq_destroy,
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
    s->spool_fd = -1;
    sluice__publish_init(&s->pub);
    s->max_record = o && o->max_record_bytes ? o->max_record_bytes : 64u << 20;
    s->spool_max = po->spool_bytes ? po->spool_bytes : DEFAULT_SPOOL;
    sluice__buf_init(&s->mem, s->spool_max + s->max_record + 1024);
    sluice__buf_init(&s->key, 64 * 1024);
    sluice__buf_init(&s->wbuf, WRITE_FLUSH + 1);
    sluice__buf_init(&s->warnings, 128 * 1024);
    sluice__buf_init(&s->schema_text, SLUICE_TABLE_SCHEMA_FILE_MAX);
    sluice__buf_init(&path, 1u << 16);
    s->job_name = sluice__strdup(po->job_name ? po->job_name : "job");
    s->po.job_name = s->job_name;
    s->pub.owner = s->job_name;
    if (o && o->record_key_as)
        s->key_as = sluice__strdup(o->record_key_as);
    int rc = sluice__dupkeys_new(&s->dups);
    rc = rc == SLUICE_OK && s->job_name && (!o || !o->record_key_as || s->key_as)
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
