/* pq_writer.c: the Parquet writer handle: options, record bookkeeping, row
 * groups and the footer. Column chunks live in column.c.
 *
 * Layout written: "PAR1", then per row group every column chunk in schema
 * order, then FileMetaData (Thrift compact), its 4-byte little-endian
 * length and "PAR1". RowGroup structs are encoded as each group is written
 * and kept (a few hundred bytes each) until the footer. */
#include "parquet/column.h"

#include "parquet/format.h"

#include <string.h>

int sluice__pq_writer_new(struct sluice_pq_writer **out,
                          struct sluice_pq_schema *schema,
                          const struct sluice_pq_options *opts,
                          sluice_pq_write_fn write, void *ud,
                          struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_pq_writer *w = NULL;
    *out = NULL;
    SLUICE_FAIL_IF(!schema || !write, SLUICE_EINVAL, err,
                   "parquet writer: schema and write callback are required");
    SLUICE_TRY(sluice__pq_schema_freeze(schema, err));
    SLUICE_FAIL_IF(schema->nleaves == 0, SLUICE_EINVAL, err,
                   "parquet writer: schema has no columns");
    w = sluice__calloc(1, sizeof *w);
    SLUICE_FAIL_IF(!w, SLUICE_ENOMEM, err, "parquet writer: out of memory");
    w->schema = schema;
    if (opts)
        w->opt = *opts;
    SLUICE_FAIL_IF(w->opt.codec > SLUICE_PQ_CODEC_NONE, SLUICE_EINVAL, err,
                   "parquet writer: unknown codec %d", (int)w->opt.codec);
    SLUICE_FAIL_IF(w->opt.codec == SLUICE_PQ_CODEC_GZIP &&
                       (w->opt.level < 0 || w->opt.level > 9),
                   SLUICE_EINVAL, err,
                   "parquet writer: gzip level %d (want 1-9, 0 default)",
                   w->opt.level);
    if (!w->opt.row_group_bytes)
        w->opt.row_group_bytes = (size_t)128 << 20;
    if (!w->opt.page_bytes)
        w->opt.page_bytes = (size_t)1 << 20;
    if (!w->opt.dict_max_bytes)
        w->opt.dict_max_bytes = (size_t)1 << 20;
    if (w->opt.page_bytes > PQ_PAGE_MAX / 2)
        w->opt.page_bytes = PQ_PAGE_MAX / 2;
    if (w->opt.dict_max_bytes > PQ_PAGE_MAX / 2)
        w->opt.dict_max_bytes = PQ_PAGE_MAX / 2;
    w->build = sluice__strdup(w->opt.build ? w->opt.build : "unknown");
    SLUICE_FAIL_IF(!w->build, SLUICE_ENOMEM, err,
                   "parquet writer: out of memory");
    w->opt.build = NULL;
    w->write = write;
    w->ud = ud;
    sluice__pq_codec_init(&w->codec, w->opt.codec, w->opt.level);
    sluice__buf_init(&w->rg_meta, PQ_CHUNK_MAX);
    sluice__buf_init(&w->body, PQ_PAGE_MAX + 64);
    sluice__buf_init(&w->zbuf, PQ_CHUNK_MAX);
    sluice__buf_init(&w->hdr, 1 << 16);
    w->ncols = schema->nleaves;
    w->cols = sluice__calloc(w->ncols, sizeof *w->cols);
    SLUICE_FAIL_IF(!w->cols, SLUICE_ENOMEM, err,
                   "parquet writer: out of memory");
    for (size_t i = 0; i < w->ncols; i++)
        SLUICE_TRY(sluice__pq_col_init(w, &w->cols[i], i));
    rc = sluice__pq_emit(w, "PAR1", 4);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "%s", w->err.msg);
    *out = w;
    w = NULL;
out:
    sluice__pq_writer_free(w);
    return rc;
}

void sluice__pq_writer_free(struct sluice_pq_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; w->cols && i < w->ncols; i++)
        sluice__pq_col_cleanup(&w->cols[i]);
    sluice__free(w->cols);
    sluice__free(w->build);
    sluice__pq_codec_cleanup(&w->codec);
    sluice__buf_cleanup(&w->rg_meta);
    sluice__buf_cleanup(&w->body);
    sluice__buf_cleanup(&w->zbuf);
    sluice__buf_cleanup(&w->hdr);
    sluice__free(w);
}

const char *sluice__pq_writer_error(const struct sluice_pq_writer *w)
{
    return w->err.msg;
}

uint64_t sluice__pq_writer_rows(const struct sluice_pq_writer *w)
{
    return w->total_rows;
}

uint64_t sluice__pq_writer_bytes(const struct sluice_pq_writer *w)
{
    return w->offset;
}

static int usable(struct sluice_pq_writer *w)
{
    if (w->failed || w->finished) {
        if (w->finished)
            sluice__err_set(&w->err, "parquet writer: already finished");
        return SLUICE_EINVAL;
    }
    return SLUICE_OK;
}

int sluice__pq_append(struct sluice_pq_writer *w, size_t leaf, unsigned def,
                      unsigned rep, const struct sluice_pq_value *v)
{
    int rc = usable(w);
    if (rc != SLUICE_OK)
        return rc;
    if (leaf >= w->ncols) {
        sluice__err_set(&w->err, "parquet writer: no column %zu", leaf);
        return SLUICE_EINVAL;
    }
    struct pq_col *c = &w->cols[leaf];
    rc = sluice__pq_col_check(w, c, def, rep, v);
    if (rc != SLUICE_OK)
        return rc; /* rejected, nothing changed */
    rc = sluice__pq_col_add(w, c, def, rep, v);
    if (rc != SLUICE_OK)
        w->failed = true;
    return rc;
}

/* Writes the buffered row group: every chunk, then its RowGroup struct. */
static int flush_row_group(struct sluice_pq_writer *w)
{
    int rc = SLUICE_OK;
    struct sluice_thrift_w tw;
    int64_t unc = 0, comp = 0;
    uint64_t start = w->offset;
    SLUICE_FAIL_IF(w->n_row_groups >= INT16_MAX, SLUICE_ETOOBIG, &w->err,
                   "parquet writer: more than %d row groups", INT16_MAX);
    sluice__thrift_w_init(&tw, &w->rg_meta);
    SLUICE_TRY(sluice__thrift_struct_begin(&tw));
    SLUICE_TRY(
        sluice__thrift_field_list(&tw, 1, THRIFT_STRUCT, (uint32_t)w->ncols));
    for (size_t i = 0; i < w->ncols; i++)
        SLUICE_TRY(
            sluice__pq_col_write_chunk(w, &w->cols[i], &tw, &unc, &comp));
    SLUICE_TRY(sluice__thrift_field_i64(&tw, 2, unc));
    SLUICE_TRY(sluice__thrift_field_i64(&tw, 3, (int64_t)w->rg_rows));
    SLUICE_TRY(sluice__thrift_field_i64(&tw, 5, (int64_t)start));
    SLUICE_TRY(sluice__thrift_field_i64(&tw, 6, comp));
    SLUICE_TRY(sluice__thrift_field_i16(&tw, 7, (int16_t)w->n_row_groups));
    SLUICE_TRY(sluice__thrift_struct_end(&tw));
    w->n_row_groups++;
    w->rg_rows = 0;
    w->row_starts = 0;
    w->rg_est = 0;
out:
    return rc;
}

int sluice__pq_row_end(struct sluice_pq_writer *w)
{
    int rc = usable(w);
    if (rc != SLUICE_OK)
        return rc;
    /* Each column refuses a second row start, so the total tells whether
     * every column got its one. */
    if (w->row_starts != (w->rg_rows + 1) * w->ncols) {
        for (size_t i = 0; i < w->ncols; i++)
            if (w->cols[i].rows != w->rg_rows + 1) {
                sluice__err_set(&w->err,
                                "parquet writer: record %llu: column %zu '%s' "
                                "got no entry",
                                (unsigned long long)w->total_rows, i,
                                w->cols[i].path);
                break;
            }
        w->failed = true;
        return SLUICE_EINVAL;
    }
    w->rg_rows++;
    w->total_rows++;
    if (w->rg_est >= w->opt.row_group_bytes)
        rc = flush_row_group(w);
    if (rc != SLUICE_OK)
        w->failed = true;
    return rc;
}

static int write_footer(struct sluice_pq_writer *w)
{
    int rc = SLUICE_OK;
    struct sluice_buf meta;
    struct sluice_thrift_w tw;
    sluice__buf_init(&meta, PQ_CHUNK_MAX);
    sluice__thrift_w_init(&tw, &meta);
    SLUICE_TRY(sluice__thrift_struct_begin(&tw));
    SLUICE_TRY(sluice__thrift_field_i32(&tw, 1, 1));
    SLUICE_TRY(sluice__pq_schema_write(w->schema, &tw, 2));
    SLUICE_TRY(sluice__thrift_field_i64(&tw, 3, (int64_t)w->total_rows));
    SLUICE_TRY(
        sluice__thrift_field_list(&tw, 4, THRIFT_STRUCT, w->n_row_groups));
    SLUICE_TRY(sluice__buf_append(&meta, w->rg_meta.p, w->rg_meta.n));
    sluice__buf_reset(&w->hdr);
    SLUICE_TRY(sluice__buf_appendf(&w->hdr, "sluice version %s (build %s)",
                                   SLUICE_VERSION_STRING, w->build));
    SLUICE_TRY(sluice__thrift_field_binary(&tw, 6, w->hdr.p, w->hdr.n));
    /* TYPE_ORDER for every leaf: without column_orders min_value/max_value
     * have no defined meaning and Arrow ignores them. */
    SLUICE_TRY(
        sluice__thrift_field_list(&tw, 7, THRIFT_STRUCT, (uint32_t)w->ncols));
    for (size_t i = 0; i < w->ncols; i++) {
        SLUICE_TRY(sluice__thrift_struct_begin(&tw));
        SLUICE_TRY(sluice__thrift_field_struct(&tw, 1));
        SLUICE_TRY(sluice__thrift_struct_end(&tw));
        SLUICE_TRY(sluice__thrift_struct_end(&tw));
    }
    SLUICE_TRY(sluice__thrift_struct_end(&tw));
    SLUICE_FAIL_IF(meta.n > UINT32_MAX, SLUICE_ETOOBIG, &w->err,
                   "parquet writer: footer of %zu bytes", meta.n);
    uint8_t tail[8];
    pq_put_u32le(tail, (uint32_t)meta.n);
    memcpy(tail + 4, "PAR1", 4);
    SLUICE_TRY(sluice__pq_emit(w, meta.p, meta.n));
    SLUICE_TRY(sluice__pq_emit(w, tail, 8));
out:
    sluice__buf_cleanup(&meta);
    return rc;
}

int sluice__pq_finish(struct sluice_pq_writer *w)
{
    int rc = usable(w);
    if (rc != SLUICE_OK)
        return rc;
    if (w->row_starts != w->rg_rows * w->ncols) {
        sluice__err_set(&w->err, "parquet writer: finish inside a record");
        w->failed = true;
        return SLUICE_EINVAL;
    }
    if (w->rg_rows)
        rc = flush_row_group(w);
    if (rc == SLUICE_OK)
        rc = write_footer(w);
    if (rc != SLUICE_OK)
        w->failed = true;
    else
        w->finished = true;
    return rc;
}
