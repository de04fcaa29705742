/* csv.c: the CSV sink (RFC 4180). Every file of a job has the job's
 * columns in the job's schema order, with a header row naming them, so a
 * window is written in two passes, like Parquet's: its records are spooled
 * while the window's schema is inferred (sink/spool.h); commit merges it
 * into the job's schema (sink/schema_file.h), writes the header and one
 * row per spooled record, and publishes the file atomically. A column
 * that first appears later is appended to the job's order; files written
 * earlier keep the columns they had.
 *
 * Columns are the record's top-level members (a record that is not an
 * object is the one column `value`, as in Parquet), named as the table
 * names them (a case clash renamed name__2, a NUL written \u0000). Values:
 *   null or missing    an empty unquoted field
 *   string             always quoted, `"` doubled, bytes as they came
 *                      (a newline inside stays a newline); "" is an empty
 *                      string, never null
 *   number             the literal exactly as the JSON had it
 *   true / false       true, false
 *   object or array    compact JSON text, quoted like a string
 * Rows end in LF, or CRLF with output.csv.line_ending: crlf. */
#include <string.h>

#include "sink/publish.h"
#include "sink/schema_file.h"
#include "sink/sink.h"
#include "sink/spool.h"
#include "table/events.h"

#define WRITE_FLUSH (1u << 20)
#define NO_VALUE ((size_t)-1)

struct csv_sink {
    struct sluice_sink base; /* first: the sink is cast to and from it */
    struct sluice_sink_csv_opts co;
    char *job_name;
    char *schema_path;
    struct sluice_publish pub;
    struct sluice_spool sp;

    const struct sluice_tnode *root; /* the job schema, during commit */
    size_t hint;                     /* where the next name lookup starts */
    size_t *off, *len;               /* each column's value in `vals` */
    size_t n_cols;
    struct sluice_buf vals;  /* the row's rendered values */
    struct sluice_buf json;  /* scratch: one nested value as JSON */
    struct sluice_buf wbuf;  /* bytes not yet written */
    uint64_t bytes;
    struct sluice_buf warnings;
    struct sluice_buf schema_text;
};

/* Appends p/n as one quoted field, each `"` doubled. */
static int put_quoted(struct sluice_buf *b, const char *p, size_t n)
{
    int rc = SLUICE_OK;
    SLUICE_TRY(sluice__buf_addc(b, '"'));
    while (n > 0) {
        const char *q = memchr(p, '"', n);
        size_t run = q ? (size_t)(q - p) + 1 : n;
        SLUICE_TRY(sluice__buf_append(b, p, run));
        if (q)
            SLUICE_TRY(sluice__buf_addc(b, '"'));
        p += run;
        n -= run;
    }
    SLUICE_TRY(sluice__buf_addc(b, '"'));
out:
    return rc;
}

static int flush_w(struct csv_sink *s)
{
    int rc = sluice__publish_write(&s->pub, s->wbuf.p, s->wbuf.n, &s->base.err);
    s->bytes += s->wbuf.n;
    sluice__buf_reset(&s->wbuf);
    return rc;
}

static int row_end(struct csv_sink *s)
{
    int rc = sluice__buf_adds(&s->wbuf, s->co.crlf ? "\r\n" : "\n");
    if (rc == SLUICE_OK && s->wbuf.n >= WRITE_FLUSH)
        rc = flush_w(s);
    return rc;
}

/* The column of top-level member p/n, or NO_VALUE. Records usually list
 * their members in the same order, so the search starts after the last
 * one found. */
static size_t column_of(struct csv_sink *s, const char *p, size_t n)
{
    const struct sluice_tnode *root = s->root;
    for (size_t j = 0; j < root->n; j++) {
        size_t i = (s->hint + j) % root->n;
        const struct sluice_tnode *k = root->kids[i];
        if (k->name_n == n && !memcmp(k->name, p, n)) {
            s->hint = i + 1;
            return i;
        }
    }
    return NO_VALUE;
}

/* Renders the value whose first event was read into `vals` for column i. */
static int put_value(struct csv_sink *s, size_t i, struct sluice_evcur *c,
                     enum sluice_ev ev, const char *p, size_t n)
{
    int rc = SLUICE_OK;
    size_t at = s->vals.n;
    switch (ev) {
    case SLUICE_EV_NULL:
        s->off[i] = s->len[i] = NO_VALUE;
        return SLUICE_OK;
    case SLUICE_EV_TRUE:
        SLUICE_TRY(sluice__buf_adds(&s->vals, "true"));
        break;
    case SLUICE_EV_FALSE:
        SLUICE_TRY(sluice__buf_adds(&s->vals, "false"));
        break;
    case SLUICE_EV_INT:
    case SLUICE_EV_DBL:
        SLUICE_TRY(sluice__buf_append(&s->vals, p, n));
        break;
    case SLUICE_EV_STRING:
        SLUICE_TRY(put_quoted(&s->vals, p, n));
        break;
    default: /* an object or an array: its compact JSON text */
        sluice__buf_reset(&s->json);
        SLUICE_TRY(sluice__ev_to_json(c, ev, p, n, &s->json));
        SLUICE_TRY(put_quoted(&s->vals, s->json.p, s->json.n));
        break;
    }
    s->off[i] = at;
    s->len[i] = s->vals.n - at;
out:
    return rc;
}

static int corrupt(struct csv_sink *s)
{
    sluice__err_set(&s->base.err, "corrupt record encoding");
    return SLUICE_EINVAL;
}

/* One spooled record -> one row. */
static int put_row(void *ud, const uint8_t *rec, size_t rn)
{
    struct csv_sink *s = ud;
    struct sluice_evcur c = {rec, rec + rn};
    enum sluice_ev ev;
    const char *p;
    size_t n;
    int rc = SLUICE_OK;
    sluice__buf_reset(&s->vals);
    for (size_t i = 0; i < s->n_cols; i++)
        s->off[i] = s->len[i] = NO_VALUE;
    if (!sluice__ev_next(&c, &ev, &p, &n))
        return corrupt(s);
    if (ev != SLUICE_EV_OBJECT) { /* taken as {"value": record} */
        size_t i = column_of(s, "value", 5);
        if (i == NO_VALUE)
            return corrupt(s);
        SLUICE_TRY(put_value(s, i, &c, ev, p, n));
    } else {
        for (;;) {
            if (!sluice__ev_next(&c, &ev, &p, &n))
                return corrupt(s);
            if (ev == SLUICE_EV_OBJECT_END)
                break;
            size_t i = ev == SLUICE_EV_KEY ? column_of(s, p, n) : NO_VALUE;
            if (i == NO_VALUE || !sluice__ev_next(&c, &ev, &p, &n))
                return corrupt(s); /* the merged schema has every member */
            SLUICE_TRY(put_value(s, i, &c, ev, p, n));
        }
    }
    for (size_t i = 0; i < s->n_cols; i++) {
        if (i)
            SLUICE_TRY(sluice__buf_addc(&s->wbuf, ','));
        if (s->off[i] != NO_VALUE)
            SLUICE_TRY(
                sluice__buf_append(&s->wbuf, s->vals.p + s->off[i], s->len[i]));
    }
    SLUICE_TRY(row_end(s));
out:
    if (rc != SLUICE_OK && !s->base.err.msg[0])
        sluice__err_set(&s->base.err, "%s",
                        rc == SLUICE_ETOOBIG ? "row too large"
                                             : sluice_strerror(rc));
    return rc;
}

static int write_file(struct csv_sink *s, const struct sluice_table *job)
{
    int rc = SLUICE_OK;
    s->root = job->root;
    s->hint = 0;
    s->n_cols = job->root->n;
    sluice__free(s->off);
    sluice__free(s->len);
    s->off = sluice__calloc(s->n_cols ? s->n_cols : 1, sizeof *s->off);
    s->len = sluice__calloc(s->n_cols ? s->n_cols : 1, sizeof *s->len);
    SLUICE_FAIL_IF(!s->off || !s->len, SLUICE_ENOMEM, &s->base.err,
                   "out of memory");
    for (size_t i = 0; i < s->n_cols; i++) {
        if (i)
            SLUICE_TRY(sluice__buf_addc(&s->wbuf, ','));
        const char *col = job->root->kids[i]->col;
        SLUICE_TRY(put_quoted(&s->wbuf, col, strlen(col)));
    }
    SLUICE_TRY(row_end(s));
    SLUICE_TRY(sluice__spool_replay(&s->sp, put_row, s, &s->base.err));
    if (s->wbuf.n)
        SLUICE_TRY(flush_w(s));
out:
    if (rc != SLUICE_OK && !s->base.err.msg[0])
        sluice__err_set(&s->base.err, "%s", sluice_strerror(rc));
    s->root = NULL;
    return rc;
}

static int csv_open(struct sluice_sink *base, const char *final_path)
{
    struct csv_sink *s = (struct csv_sink *)base;
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

static int csv_record_begin(struct sluice_sink *base, const char *key,
                            size_t key_n)
{
    return sluice__spool_record_begin(&((struct csv_sink *)base)->sp, key,
                                      key_n, &base->err);
}

static int csv_event(struct sluice_sink *base, enum sluice_json_event ev,
                     const char *p, size_t n)
{
    return sluice__spool_event(&((struct csv_sink *)base)->sp, ev, p, n,
                               &base->err);
}

static int csv_record_end(struct sluice_sink *base)
{
    return sluice__spool_record_end(&((struct csv_sink *)base)->sp,
                                    &base->err);
}

static int csv_commit(struct sluice_sink *base, uint64_t *bytes_out)
{
    struct csv_sink *s = (struct csv_sink *)base;
    struct sluice_table *job = NULL;
    bool changed = false;
    int rc = SLUICE_OK;
    /* With commits on several threads: the schema file in turn (sink.h). */
    sluice__schema_turn_wait(base->schema_turn, base->schema_ticket);
    SLUICE_TRY(sluice__schema_file_load(s->schema_path, s->co.columns,
                                        s->co.n_columns, &job, &base->err));
    SLUICE_TRY(sluice__table_merge(job, s->sp.win, &changed, &base->err));
    /* As in Parquet: an empty window writes nothing under output.empty:
     * skip, nor while the job has no column yet (a header naming nothing
     * would not read back); the run pulls it again later. */
    if (s->sp.records == 0 && (s->co.skip_empty || job->root->n == 0)) {
        sluice__publish_abort(&s->pub);
        goto out;
    }
    /* Saved before the file is published: it covers every file. */
    if (changed) {
        SLUICE_TRY(sluice__schema_file_save(s->schema_path, s->job_name, job,
                                            &s->schema_text, &base->err));
        base->schema_json = sluice__buf_str(&s->schema_text);
    }
    sluice__schema_turn_pass(base->schema_turn, base->schema_ticket);
    SLUICE_TRY(write_file(s, job));
    s->pub.defer_folder_sync = base->defer_folder_sync;
    SLUICE_TRY(sluice__publish_commit(&s->pub, &base->err));
    base->published = true;
out:
    if (job) {
        sluice__spool_warnings(&s->sp, job, &s->warnings);
        base->warnings = sluice__buf_str(&s->warnings);
    }
    if (rc != SLUICE_OK)
        sluice__publish_abort(&s->pub);
    if (bytes_out)
        *bytes_out = rc == SLUICE_OK && base->published ? s->bytes : 0;
    sluice__table_free(job);
    sluice__spool_reset(&s->sp);
    return rc;
}

static void csv_abort(struct sluice_sink *base)
{
    struct csv_sink *s = (struct csv_sink *)base;
    sluice__spool_reset(&s->sp);
    sluice__publish_abort(&s->pub);
}

static void csv_destroy(struct sluice_sink *base)
{
    struct csv_sink *s = (struct csv_sink *)base;
    sluice__spool_cleanup(&s->sp);
    sluice__publish_cleanup(&s->pub);
    sluice__buf_cleanup(&s->vals);
    sluice__buf_cleanup(&s->json);
    sluice__buf_cleanup(&s->wbuf);
    sluice__buf_cleanup(&s->warnings);
    sluice__buf_cleanup(&s->schema_text);
    sluice__free(s->off);
    sluice__free(s->len);
    sluice__free(s->schema_path);
    sluice__free(s->job_name);
    sluice__free(s);
}

static const struct sluice_sink_ops CSV_OPS = {
    csv_open,   csv_record_begin, csv_event,   csv_record_end,
    csv_commit, csv_abort,        csv_destroy, NULL,
};

int sluice__sink_csv_new(const struct sluice_sink_opts *o,
                         const struct sluice_sink_csv_opts *co,
                         struct sluice_sink **out)
{
    struct csv_sink *s = sluice__calloc(1, sizeof *s);
    struct sluice_buf path;
    *out = NULL;
    if (!s)
        return SLUICE_ENOMEM;
    s->base.ops = &CSV_OPS;
    s->co = *co;
    sluice__publish_init(&s->pub);
    size_t max_record = o && o->max_record_bytes ? o->max_record_bytes
                                                 : 64u << 20;
    /* A row is at most a record's values, quoted: twice its bytes. */
    sluice__buf_init(&s->vals, 2 * max_record + 1024);
    sluice__buf_init(&s->json, 2 * max_record + 1024);
    sluice__buf_init(&s->wbuf, WRITE_FLUSH + 4 * max_record + 1024);
    sluice__buf_init(&s->warnings, 128 * 1024);
    sluice__buf_init(&s->schema_text, SLUICE_TABLE_SCHEMA_FILE_MAX);
    sluice__buf_init(&path, 1u << 16);
    int rc = sluice__spool_init(&s->sp, o ? o->record_key_as : NULL,
                                max_record, co->spool_bytes, co->columns,
                                co->n_columns);
    s->job_name = sluice__strdup(co->job_name ? co->job_name : "job");
    s->co.job_name = s->job_name;
    s->pub.owner = s->job_name;
    rc = rc == SLUICE_OK && s->job_name
             ? sluice__parquet_schema_path(
                   co->output_template ? co->output_template : "",
                   s->job_name, &path)
             : SLUICE_ENOMEM;
    s->schema_path = rc == SLUICE_OK ? sluice__buf_take(&path, NULL) : NULL;
    sluice__buf_cleanup(&path);
    s->co.output_template = NULL;
    if (!s->schema_path) {
        csv_destroy(&s->base);
        return SLUICE_ENOMEM;
    }
    *out = &s->base;
    return SLUICE_OK;
}
