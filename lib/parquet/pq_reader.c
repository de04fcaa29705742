/* pq_reader.c: opening a Parquet file and decoding column chunks: page
 * headers, decompression, RLE levels, PLAIN and dictionary values. The
 * decoded row group (levels and values of every column) is then handed to
 * assemble.c, which rebuilds the records. */
#include "parquet/readstate.h"

#include "parquet/format.h"
#include "parquet/rle.h"
#include "parquet/thrift.h"

#include <string.h>

/* Level entries one column chunk may decode to (memory bound: ~18 bytes
 * each); RLE runs can claim huge counts in a few bytes. */
#define PQ_MAX_ENTRIES ((size_t)1 << 27)

#define FAIL(r, ...)                                                           \
    do {                                                                       \
        sluice__err_set(&(r)->err, __VA_ARGS__);                               \
        return SLUICE_EPARQUET;                                                \
    } while (0)

static int mem_read(void *ud, uint64_t off, void *dst, size_t n)
{
    const struct sluice_pq_reader *r = ud;
    if (off > r->mem_n || n > r->mem_n - off)
        return -1;
    memcpy(dst, r->mem + off, n);
    return 0;
}

static int read_at(struct sluice_pq_reader *r, uint64_t off, void *dst,
                   size_t n)
{
    if (off > r->src.size || n > r->src.size - off)
        FAIL(r, "read of %zu bytes at %llu is outside the file", n,
             (unsigned long long)off);
    if (n && r->src.read(r->src.ud, off, dst, n) != 0) {
        sluice__err_set(&r->err, "read of %zu bytes at %llu failed", n,
                        (unsigned long long)off);
        return SLUICE_EIO;
    }
    return SLUICE_OK;
}

static int open_common(struct sluice_pq_reader *r)
{
    int rc;
    uint8_t tail[8], head[4];
    if (r->src.size < 12)
        FAIL(r, "file of %llu bytes is too small for Parquet",
             (unsigned long long)r->src.size);
    if ((rc = read_at(r, r->src.size - 8, tail, 8)) != SLUICE_OK ||
        (rc = read_at(r, 0, head, 4)) != SLUICE_OK)
        return rc;
    if (memcmp(tail + 4, "PAR1", 4) != 0 || memcmp(head, "PAR1", 4) != 0)
        FAIL(r, "not a Parquet file (no PAR1 magic)");
    uint32_t len = pq_get_u32le(tail);
    if (len > r->src.size - 12 || len > SLUICE_PQ_MAX_FOOTER)
        FAIL(r, "footer length %u does not fit the file", len);
    r->footer = sluice__malloc(len ? len : 1);
    if (!r->footer)
        return SLUICE_ENOMEM;
    r->footer_n = len;
    r->data_end = r->src.size - 8 - len;
    if ((rc = read_at(r, r->data_end, r->footer, len)) != SLUICE_OK)
        return rc;
    return sluice__pq_footer_parse(r);
}

static int open_with(struct sluice_pq_reader **out, struct sluice_pq_reader *r,
                     struct sluice_err *err)
{
    int rc = r ? open_common(r) : SLUICE_ENOMEM;
    if (rc != SLUICE_OK) {
        if (r)
            sluice__err_set(err, "%s", r->err.msg);
        else
            sluice__err_set(err, "parquet reader: out of memory");
        sluice__pq_reader_free(r);
        r = NULL;
    }
    *out = r;
    return rc;
}

static struct sluice_pq_reader *new_reader(void)
{
    struct sluice_pq_reader *r = sluice__calloc(1, sizeof *r);
    if (r)
        sluice__pq_codec_init(&r->codec, SLUICE_PQ_CODEC_NONE, 0);
    return r;
}

int sluice__pq_reader_open(struct sluice_pq_reader **out,
                           const struct sluice_pq_source *src,
                           struct sluice_err *err)
{
    struct sluice_pq_reader *r = new_reader();
    if (r)
        r->src = *src;
    return open_with(out, r, err);
}

int sluice__pq_reader_open_mem(struct sluice_pq_reader **out, const void *p,
                               size_t n, struct sluice_err *err)
{
    struct sluice_pq_reader *r = new_reader();
    if (r) {
        r->mem = p;
        r->mem_n = n;
        r->src = (struct sluice_pq_source){mem_read, r, n};
    }
    return open_with(out, r, err);
}

static void release_row_group(struct sluice_pq_reader *r)
{
    for (size_t i = 0; i < r->nblocks; i++)
        sluice__free(r->blocks[i]);
    r->nblocks = 0;
    for (size_t i = 0; r->cols && i < r->schema->nleaves; i++) {
        struct pq_rcol *c = &r->cols[i];
        sluice__free(c->def);
        sluice__free(c->rep);
        sluice__free(c->vals);
        memset(c, 0, sizeof *c);
    }
}

void sluice__pq_reader_free(struct sluice_pq_reader *r)
{
    if (!r)
        return;
    release_row_group(r);
    sluice__free(r->cols);
    sluice__free(r->blocks);
    sluice__free(r->chunk);
    for (size_t i = 0; i < r->nrg; i++)
        sluice__free(r->rgs[i].cols);
    sluice__free(r->rgs);
    sluice__pq_schema_free(r->schema);
    sluice__free(r->footer);
    sluice__free(r->created_by);
    sluice__pq_codec_cleanup(&r->codec);
    sluice__free(r);
}

const char *sluice__pq_reader_error(const struct sluice_pq_reader *r)
{
    return r->err.msg;
}

const struct sluice_pq_schema *
sluice__pq_reader_schema(const struct sluice_pq_reader *r)
{
    return r->schema;
}

uint64_t sluice__pq_reader_num_rows(const struct sluice_pq_reader *r)
{
    return (uint64_t)r->num_rows;
}

size_t sluice__pq_reader_num_row_groups(const struct sluice_pq_reader *r)
{
    return r->nrg;
}

uint64_t sluice__pq_reader_row_group_rows(const struct sluice_pq_reader *r,
                                          size_t rg)
{
    return (uint64_t)r->rgs[rg].num_rows;
}

const char *sluice__pq_reader_created_by(const struct sluice_pq_reader *r)
{
    return r->created_by ? r->created_by : "";
}

const struct sluice_pq_chunk_meta *
sluice__pq_reader_chunk(const struct sluice_pq_reader *r, size_t rg, size_t col)
{
    return &r->rgs[rg].cols[col];
}

/* ---- pages ------------------------------------------------------------ */

struct page_hdr {
    int64_t type, unc, comp;
    int64_t num_values, encoding, def_enc, rep_enc;
    bool has_data, has_dict;
};

static int read_sub(struct sluice_thrift_r *t, struct page_hdr *h, bool dict)
{
    int rc = sluice__thrift_enter(t);
    int16_t last = 0;
    struct sluice_thrift_field f;
    while (rc == SLUICE_OK) {
        if ((rc = sluice__thrift_read_field(t, &last, &f)) != SLUICE_OK ||
            f.type == THRIFT_STOP)
            break;
        int64_t *dst = f.id == 1   ? &h->num_values
                       : f.id == 2 ? &h->encoding
                       : dict      ? NULL
                       : f.id == 3 ? &h->def_enc
                       : f.id == 4 ? &h->rep_enc
                                   : NULL;
        rc = dst ? sluice__thrift_read_int(t, f.type, dst)
                 : sluice__thrift_skip(t, f.type);
    }
    if (rc == SLUICE_OK)
        sluice__thrift_leave(t);
    return rc;
}

static int read_page_header(struct sluice_thrift_r *t, struct page_hdr *h)
{
    int rc = SLUICE_OK;
    int16_t last = 0;
    struct sluice_thrift_field f;
    *h = (struct page_hdr){-1, -1, -1, -1, -1, 3, 3, false, false};
    for (;;) {
        if ((rc = sluice__thrift_read_field(t, &last, &f)) != SLUICE_OK ||
            f.type == THRIFT_STOP)
            break;
        if (f.id >= 1 && f.id <= 3 && f.type != THRIFT_STRUCT) {
            int64_t *dst = f.id == 1   ? &h->type
                           : f.id == 2 ? &h->unc
                                       : &h->comp;
            rc = sluice__thrift_read_int(t, f.type, dst);
        } else if ((f.id == 5 || f.id == 7) && f.type == THRIFT_STRUCT) {
            rc = read_sub(t, h, f.id == 7);
            h->has_data |= f.id == 5;
            h->has_dict |= f.id == 7;
        } else {
            rc = sluice__thrift_skip(t, f.type);
        }
        if (rc != SLUICE_OK)
            break;
    }
    return rc;
}

/* Decodes `count` PLAIN values of `type` from p[0..n). */
static int plain_values(struct sluice_pq_reader *r, int type, const uint8_t *p,
                        size_t n, size_t count, union pq_rv *out)
{
    size_t pos = 0;
    size_t w = type == SLUICE_PQ_INT32 ? 4 : 8;
    switch (type) {
    case SLUICE_PQ_BOOLEAN:
        if ((count + 7) / 8 > n)
            FAIL(r, "PLAIN booleans run past the page");
        for (size_t i = 0; i < count; i++)
            out[i].i = p[i / 8] >> (i % 8) & 1;
        return SLUICE_OK;
    case SLUICE_PQ_INT32:
    case SLUICE_PQ_INT64:
    case SLUICE_PQ_DOUBLE:
        if (count > n / w)
            FAIL(r, "PLAIN values run past the page");
        for (size_t i = 0; i < count; i++) {
            if (type == SLUICE_PQ_INT32)
                out[i].i = (int32_t)pq_get_u32le(p + 4 * i);
            else if (type == SLUICE_PQ_INT64)
                out[i].i = (int64_t)pq_get_u64le(p + 8 * i);
            else
                out[i].d = pq_bits_double(pq_get_u64le(p + 8 * i));
        }
        return SLUICE_OK;
    default:
        for (size_t i = 0; i < count; i++) {
            if (n - pos < 4)
                FAIL(r, "PLAIN byte array %zu: length runs past the page", i);
            uint32_t len = pq_get_u32le(p + pos);
            pos += 4;
            if (len > n - pos)
                FAIL(r, "PLAIN byte array %zu runs past the page", i);
            out[i].s.p = p + pos;
            out[i].s.n = len;
            pos += len;
        }
        return SLUICE_OK;
    }
}

struct chunk_state {
    struct pq_rcol *c;
    const struct sluice_pq_node *nd;
    union pq_rv *dict;
    size_t dict_n;
    uint32_t *idx;
    size_t idx_cap;
    size_t pages;
    int64_t limit; /* entries the metadata announces */
};

static int levels(struct sluice_pq_reader *r, const uint8_t *p, size_t n,
                  size_t *bp, int max, uint8_t *out, size_t nv)
{
    if (n - *bp < 4)
        FAIL(r, "level block length runs past the page");
    uint32_t len = pq_get_u32le(p + *bp);
    if (len > n - *bp - 4)
        FAIL(r, "level block of %u bytes runs past the page", len);
    int rc =
        sluice__rle_decode(p + *bp + 4, len, sluice__rle_width((uint32_t)max),
                           out, 1, nv, NULL, &r->err);
    if (rc != SLUICE_OK)
        return rc;
    for (size_t i = 0; i < nv; i++)
        if (out[i] > max)
            FAIL(r, "level %u above the maximum %d", out[i], max);
    *bp += 4 + (size_t)len;
    return SLUICE_OK;
}

static int grow_levels(struct pq_rcol *c, size_t need)
{
    if (need <= c->cap)
        return SLUICE_OK;
    size_t cap = c->cap ? c->cap : 64;
    while (cap < need)
        cap *= 2;
    uint8_t *d = sluice__realloc(c->def, cap);
    if (!d)
        return SLUICE_ENOMEM;
    c->def = d;
    uint8_t *p = sluice__realloc(c->rep, cap);
    if (!p)
        return SLUICE_ENOMEM;
    c->rep = p;
    c->cap = cap;
    return SLUICE_OK;
}

static int dict_values(struct sluice_pq_reader *r, struct chunk_state *cs,
                       const uint8_t *p, size_t n, size_t count)
{
    int rc = SLUICE_OK;
    size_t cap = 0;
    union pq_rv *d = sluice__grow(NULL, &cap, count ? count : 1, sizeof *d, 64);
    if (!d)
        return SLUICE_ENOMEM;
    cs->dict = d;
    cs->dict_n = count;
    SLUICE_TRY(plain_values(r, cs->nd->type, p, n, count, d));
out:
    return rc;
}

static int data_page(struct sluice_pq_reader *r, struct chunk_state *cs,
                     const struct page_hdr *h, const uint8_t *p, size_t n)
{
    int rc = SLUICE_OK;
    struct pq_rcol *c = cs->c;
    const struct sluice_pq_node *nd = cs->nd;
    if (!h->has_data || h->num_values < 0 || h->def_enc != PQ_ENC_RLE ||
        h->rep_enc != PQ_ENC_RLE)
        FAIL(r, "unsupported data page header");
    if ((uint64_t)h->num_values > (uint64_t)cs->limit - c->n)
        FAIL(r, "pages hold more values than the metadata's %lld",
             (long long)cs->limit);
    size_t nv = (size_t)h->num_values;
    SLUICE_TRY(grow_levels(c, c->n + nv));
    size_t bp = 0;
    if (nd->rep_level)
        SLUICE_TRY(levels(r, p, n, &bp, nd->rep_level, c->rep + c->n, nv));
    else
        memset(c->rep + c->n, 0, nv);
    if (nd->def_level)
        SLUICE_TRY(levels(r, p, n, &bp, nd->def_level, c->def + c->n, nv));
    else
        memset(c->def + c->n, 0, nv);
    size_t count = 0;
    for (size_t i = 0; i < nv; i++)
        count += c->def[c->n + i] == nd->def_level;
    union pq_rv *vals =
        sluice__grow(c->vals, &c->vcap, c->nv + count, sizeof *vals, 64);
    SLUICE_FAIL_IF(!vals, SLUICE_ENOMEM, &r->err, "out of memory");
    c->vals = vals;
    union pq_rv *vout = c->vals + c->nv; /* never NULL: sluice__grow */
    if (h->encoding == PQ_ENC_PLAIN) {
        SLUICE_TRY(plain_values(r, nd->type, p + bp, n - bp, count, vout));
    } else if (h->encoding == PQ_ENC_RLE_DICTIONARY ||
               h->encoding == PQ_ENC_PLAIN_DICTIONARY) {
        if (!cs->dict)
            FAIL(r, "dictionary-encoded page without a dictionary page");
        if (count && bp >= n)
            FAIL(r, "dictionary-encoded page has no bit width");
        int width = count ? p[bp++] : 0;
        uint32_t *idx = sluice__grow(cs->idx, &cs->idx_cap, count ? count : 1,
                                     sizeof *idx, 64);
        SLUICE_FAIL_IF(!idx, SLUICE_ENOMEM, &r->err, "out of memory");
        cs->idx = idx;
        SLUICE_TRY(sluice__rle_decode(p + bp, n - bp, width, cs->idx, 4, count,
                                      NULL, &r->err));
        for (size_t i = 0; i < count; i++) {
            if (cs->idx[i] >= cs->dict_n)
                FAIL(r, "dictionary index %u out of %zu entries", cs->idx[i],
                     cs->dict_n);
            vout[i] = cs->dict[cs->idx[i]];
        }
    } else {
        FAIL(r, "unsupported value encoding %lld", (long long)h->encoding);
    }
    c->n += nv;
    c->nv += count;
out:
    return rc;
}

/* Keeps a decompressed page alive for the row group (values point in). */
static int new_block(struct sluice_pq_reader *r, size_t n, uint8_t **out)
{
    uint8_t **blocks =
        sluice__grow(r->blocks, &r->bcap, r->nblocks + 1, sizeof *blocks, 64);
    if (!blocks)
        return SLUICE_ENOMEM;
    r->blocks = blocks;
    *out = sluice__malloc(n ? n : 1);
    if (!*out)
        return SLUICE_ENOMEM;
    r->blocks[r->nblocks++] = *out;
    return SLUICE_OK;
}

static int decode_pages(struct sluice_pq_reader *r,
                        const struct sluice_pq_chunk_meta *m,
                        struct chunk_state *cs, size_t total)
{
    int rc = SLUICE_OK;
    size_t pos = 0;
    while (pos < total) {
        struct sluice_thrift_r t;
        struct page_hdr h;
        sluice__thrift_r_init(&t, r->chunk + pos, total - pos, &r->err);
        SLUICE_TRY(read_page_header(&t, &h));
        pos += t.pos;
        if (h.unc < 0 || h.comp < 0 || (uint64_t)h.comp > total - pos ||
            (uint64_t)h.unc > SLUICE_PQ_MAX_PAGE)
            FAIL(r, "page %zu: sizes %lld/%lld do not fit the chunk", cs->pages,
                 (long long)h.comp, (long long)h.unc);
        uint8_t *body;
        SLUICE_TRY(new_block(r, (size_t)h.unc, &body));
        SLUICE_TRY(sluice__pq_decompress(&r->codec, m->codec, r->chunk + pos,
                                         (size_t)h.comp, body, (size_t)h.unc,
                                         &r->err));
        pos += (size_t)h.comp;
        if (h.type == PQ_PAGE_DICTIONARY) {
            if (cs->pages || !h.has_dict || h.num_values < 0 ||
                (uint64_t)h.num_values > (uint64_t)h.unc ||
                (h.encoding != PQ_ENC_PLAIN &&
                 h.encoding != PQ_ENC_PLAIN_DICTIONARY))
                FAIL(r, "bad or misplaced dictionary page");
            SLUICE_TRY(
                dict_values(r, cs, body, (size_t)h.unc, (size_t)h.num_values));
        } else if (h.type == PQ_PAGE_DATA) {
            SLUICE_TRY(data_page(r, cs, &h, body, (size_t)h.unc));
        } else {
            FAIL(r, "page %zu: unsupported page type %lld", cs->pages,
                 (long long)h.type);
        }
        cs->pages++;
    }
out:
    return rc;
}

static int decode_chunk(struct sluice_pq_reader *r, size_t rg, size_t col)
{
    int rc = SLUICE_OK;
    const struct sluice_pq_chunk_meta *m = &r->rgs[rg].cols[col];
    struct chunk_state cs = {&r->cols[col],
                             sluice__pq_schema_leaf(r->schema, col),
                             NULL,
                             0,
                             NULL,
                             0,
                             0,
                             m->num_values};
    int64_t start = m->dictionary_page_offset > 0 ? m->dictionary_page_offset
                                                  : m->data_page_offset;
    if (start < 4 || (uint64_t)start > r->data_end ||
        (uint64_t)m->total_compressed > r->data_end - (uint64_t)start ||
        (uint64_t)m->total_compressed > SLUICE_PQ_MAX_CHUNK)
        FAIL(r, "chunk at %lld (+%lld bytes) is outside the data",
             (long long)start, (long long)m->total_compressed);
    if ((uint64_t)m->num_values > PQ_MAX_ENTRIES)
        FAIL(r, "chunk of %lld values is over the reader's limit",
             (long long)m->num_values);
    size_t total = (size_t)m->total_compressed;
    uint8_t *chunk = sluice__grow(r->chunk, &r->chunk_cap, total ? total : 1,
                                  1, 64);
    SLUICE_FAIL_IF(!chunk, SLUICE_ENOMEM, &r->err, "out of memory");
    r->chunk = chunk;
    SLUICE_TRY(read_at(r, (uint64_t)start, r->chunk, total));
    SLUICE_TRY(decode_pages(r, m, &cs, total));
    if ((int64_t)cs.c->n != m->num_values)
        FAIL(r, "pages hold %zu values, metadata says %lld", cs.c->n,
             (long long)m->num_values);
    size_t rows = 0;
    for (size_t i = 0; i < cs.c->n; i++)
        rows += cs.c->rep[i] == 0;
    if ((int64_t)rows != r->rgs[rg].num_rows || (cs.c->n && cs.c->rep[0]))
        FAIL(r, "chunk holds %zu records, row group says %lld", rows,
             (long long)r->rgs[rg].num_rows);
out:
    sluice__free(cs.dict);
    sluice__free(cs.idx);
    return rc;
}

int sluice__pq_reader_rows_json(struct sluice_pq_reader *r, size_t rg,
                                struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    struct sluice_buf path;
    sluice__buf_init(&path, 1 << 16);
    SLUICE_FAIL_IF(rg >= r->nrg, SLUICE_EINVAL, &r->err,
                   "no row group %zu (file has %zu)", rg, r->nrg);
    if (!r->cols) {
        r->cols = sluice__calloc(r->schema->nleaves, sizeof *r->cols);
        SLUICE_FAIL_IF(!r->cols, SLUICE_ENOMEM, &r->err, "out of memory");
    }
    release_row_group(r);
    for (size_t i = 0; i < r->schema->nleaves; i++) {
        rc = decode_chunk(r, rg, i);
        if (rc != SLUICE_OK) {
            sluice__buf_reset(&path);
            if (sluice__pq_schema_path(r->schema, i, &path) == SLUICE_OK)
                sluice__err_prefix(&r->err, "row group %zu, column %s", rg,
                                   path.p);
            goto out;
        }
    }
    rc = sluice__pq_assemble(r->schema, r->cols, (uint64_t)r->rgs[rg].num_rows,
                             out, &r->err);
    if (rc != SLUICE_OK)
        sluice__err_prefix(&r->err, "row group %zu", rg);
out:
    release_row_group(r);
    sluice__buf_cleanup(&path);
    return rc;
}

int sluice__pq_reader_json(struct sluice_pq_reader *r, struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    for (size_t i = 0; i < r->nrg; i++)
        SLUICE_TRY(sluice__pq_reader_rows_json(r, i, out));
out:
    return rc;
}

#undef FAIL
