/* column.c: one column chunk of the writer: levels and values of the page
 * being built, the chunk's dictionary with its PLAIN fallback, page
 * encoding and compression, and writing the finished chunk.
 *
 * Dictionary fallback re-encodes the page being built as PLAIN instead of
 * cutting a page mid-record; the dictionary page is kept only if a data
 * page already refers to it (readers take a chunk whose first pages are
 * RLE_DICTIONARY and later ones PLAIN: PARQUET-2221, parquet-cpp
 * PARQUET-687, and Arrow's own writers do it). */
#include "parquet/column.h"

#include "parquet/format.h"
#include "parquet/rle.h"
#include "parquet/values.h"

int sluice__pq_emit(struct sluice_pq_writer *w, const void *p, size_t n)
{
    if (n && w->write(w->ud, p, n) != 0) {
        sluice__err_set(&w->err, "write failed at byte %llu",
                        (unsigned long long)w->offset);
        return SLUICE_EIO;
    }
    w->offset += n;
    return SLUICE_OK;
}

static bool use_dict(const struct sluice_pq_writer *w, const struct pq_col *c)
{
    return !w->opt.no_dictionary && c->type != SLUICE_PQ_BOOLEAN;
}

int sluice__pq_col_init(struct sluice_pq_writer *w, struct pq_col *c,
                        size_t leaf)
{
    memset(c, 0, sizeof *c);
    c->node = sluice__pq_schema_leaf(w->schema, leaf);
    c->leaf = leaf;
    c->type = c->node->type;
    c->max_def = c->node->def_level;
    c->max_rep = c->node->rep_level;
    c->wdef = sluice__rle_width((uint32_t)c->max_def);
    c->wrep = sluice__rle_width((uint32_t)c->max_rep);
    sluice__buf_init(&c->def, PQ_PAGE_MAX);
    sluice__buf_init(&c->rep, PQ_PAGE_MAX);
    sluice__buf_init(&c->vals, PQ_PAGE_MAX);
    sluice__buf_init(&c->idx, PQ_PAGE_MAX);
    sluice__buf_init(&c->dict_vals, PQ_PAGE_MAX);
    sluice__buf_init(&c->pages, PQ_CHUNK_MAX);
    sluice__buf_init(&c->smin, SLUICE_PQ_MAX_VALUE);
    sluice__buf_init(&c->smax, SLUICE_PQ_MAX_VALUE);
    c->dict = use_dict(w, c);
    struct sluice_buf path;
    sluice__buf_init(&path, 1 << 16);
    if (sluice__pq_schema_path(w->schema, leaf, &path) != SLUICE_OK)
        return SLUICE_ENOMEM;
    c->path = sluice__buf_take(&path, NULL);
    return c->path ? SLUICE_OK : SLUICE_ENOMEM;
}

void sluice__pq_col_cleanup(struct pq_col *c)
{
    sluice__buf_cleanup(&c->def);
    sluice__buf_cleanup(&c->rep);
    sluice__buf_cleanup(&c->vals);
    sluice__buf_cleanup(&c->idx);
    sluice__buf_cleanup(&c->dict_vals);
    sluice__buf_cleanup(&c->pages);
    sluice__buf_cleanup(&c->smin);
    sluice__buf_cleanup(&c->smax);
    sluice__free(c->dict_off);
    sluice__free(c->slots);
    sluice__free(c->path);
    c->dict_off = c->slots = NULL;
    c->path = NULL;
}

int sluice__pq_col_check(struct sluice_pq_writer *w, struct pq_col *c,
                         unsigned def, unsigned rep,
                         const struct sluice_pq_value *v)
{
    int rc = SLUICE_OK;
    const char *nm = c->path;
    SLUICE_FAIL_IF(def > (unsigned)c->max_def || rep > (unsigned)c->max_rep,
                   SLUICE_EINVAL, &w->err,
                   "column %zu '%s': levels def %u rep %u above max %d/%d",
                   c->leaf, nm, def, rep, c->max_def, c->max_rep);
    SLUICE_FAIL_IF((def == (unsigned)c->max_def) != (v != NULL), SLUICE_EINVAL,
                   &w->err,
                   "column %zu '%s': a value must come with def %d, only then",
                   c->leaf, nm, c->max_def);
    if (rep == 0) {
        SLUICE_FAIL_IF(c->rows != w->rg_rows, SLUICE_EINVAL, &w->err,
                       "column %zu '%s': second record start (rep 0) in one "
                       "record",
                       c->leaf, nm);
    } else {
        SLUICE_FAIL_IF(c->rows != w->rg_rows + 1, SLUICE_EINVAL, &w->err,
                       "column %zu '%s': rep %u before the record's first "
                       "entry",
                       c->leaf, nm, rep);
        uint8_t need = w->schema->repdef[c->node->repdef_off + rep];
        SLUICE_FAIL_IF(def < need, SLUICE_EINVAL, &w->err,
                       "column %zu '%s': rep %u needs def >= %u, got %u",
                       c->leaf, nm, rep, need, def);
    }
    SLUICE_FAIL_IF(c->page_entries >= UINT32_MAX / 2, SLUICE_ETOOBIG, &w->err,
                   "column %zu '%s': too many entries in one record", c->leaf,
                   nm);
    if (v && c->type == SLUICE_PQ_BYTE_ARRAY) {
        size_t bad = 0;
        SLUICE_FAIL_IF(v->s.n > SLUICE_PQ_MAX_VALUE, SLUICE_EINVAL, &w->err,
                       "column %zu '%s': value of %zu bytes is too long",
                       c->leaf, nm, v->s.n);
        SLUICE_FAIL_IF((c->node->logical == SLUICE_PQ_LT_STRING ||
                        c->node->logical == SLUICE_PQ_LT_JSON) &&
                           !sluice__utf8_valid(v->s.p, v->s.n, &bad),
                       SLUICE_EINVAL, &w->err,
                       "column %zu '%s': string is not UTF-8 at byte %zu",
                       c->leaf, nm, bad);
    }
out:
    return rc;
}

/* The value's dictionary key: its PLAIN bytes without a length prefix. */
static size_t value_key(const struct pq_col *c, const struct sluice_pq_value *v,
                        uint8_t tmp[8], const uint8_t **key)
{
    switch (c->type) {
    case SLUICE_PQ_BOOLEAN:
        tmp[0] = v->b ? 1 : 0;
        *key = tmp;
        return 1;
    case SLUICE_PQ_INT32:
        pq_put_u32le(tmp, (uint32_t)v->i32);
        *key = tmp;
        return 4;
    case SLUICE_PQ_INT64:
        pq_put_u64le(tmp, (uint64_t)v->i64);
        *key = tmp;
        return 8;
    case SLUICE_PQ_DOUBLE:
        pq_put_u64le(tmp, pq_double_bits(v->d));
        *key = tmp;
        return 8;
    default:
        *key = (const uint8_t *)v->s.p;
        return v->s.n;
    }
}

/* Appends PLAIN bytes of one value given by its key. */
static int put_plain(struct sluice_buf *b, int type, const uint8_t *key,
                     size_t n)
{
    if (type == SLUICE_PQ_BYTE_ARRAY) {
        uint8_t len[4];
        pq_put_u32le(len, (uint32_t)n);
        int rc = sluice__buf_append(b, len, 4);
        if (rc != SLUICE_OK)
            return rc;
    }
    return sluice__buf_append(b, key, n);
}

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15u ^ n;
    while (n >= 8) {
        h = (h ^ pq_get_u64le(p)) * 0xFF51AFD7ED558CCDu;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    uint64_t t = 0;
    for (size_t i = 0; i < n; i++)
        t |= (uint64_t)p[i] << (8 * i);
    h = (h ^ t) * 0xC4CEB9FE1A85EC53u;
    return h ^ (h >> 29);
}

static size_t entry_key(const struct pq_col *c, uint32_t e, const uint8_t **p)
{
    const uint8_t *b = (const uint8_t *)c->dict_vals.p + c->dict_off[e];
    if (c->type == SLUICE_PQ_BYTE_ARRAY) {
        *p = b + 4;
        return pq_get_u32le(b);
    }
    *p = b;
    return c->type == SLUICE_PQ_INT32 ? 4 : 8;
}

static int rehash(struct pq_col *c, uint32_t nslots)
{
    uint32_t *s = sluice__calloc(nslots, sizeof *s);
    if (!s)
        return SLUICE_ENOMEM;
    for (uint32_t e = 0; e < c->dict_n; e++) {
        const uint8_t *k;
        size_t n = entry_key(c, e, &k);
        uint32_t i = (uint32_t)hash_bytes(k, n) & (nslots - 1);
        while (s[i])
            i = (i + 1) & (nslots - 1);
        s[i] = e + 1;
    }
    sluice__free(c->slots);
    c->slots = s;
    c->nslots = nslots;
    return SLUICE_OK;
}

/* The first hash table of a chunk's dictionary. Small: a window of ~100
 * records has at most that many distinct values per column, and a 1024-slot
 * table cleared per chunk (on creation, and when the dictionary is dropped)
 * cost more than the lookups; the table doubles at half full. */
#define DICT_SLOTS_FIRST 64

/* Finds or adds the key; *index receives its dictionary index. */
static int dict_lookup(struct pq_col *c, const uint8_t *key, size_t n,
                       uint32_t *index)
{
    int rc = SLUICE_OK;
    if (!c->slots && (rc = rehash(c, DICT_SLOTS_FIRST)) != SLUICE_OK)
        return rc;
    uint32_t mask = c->nslots - 1;
    uint32_t i = (uint32_t)hash_bytes(key, n) & mask;
    for (; c->slots[i]; i = (i + 1) & mask) {
        const uint8_t *k;
        uint32_t e = c->slots[i] - 1;
        if (entry_key(c, e, &k) == n && memcmp(k, key, n) == 0) {
            *index = e;
            return SLUICE_OK;
        }
    }
    if (c->dict_n == c->dict_cap) {
        uint32_t cap = c->dict_cap ? c->dict_cap * 2 : 256;
        uint32_t *o = sluice__realloc(c->dict_off, cap * sizeof *o);
        if (!o)
            return SLUICE_ENOMEM;
        c->dict_off = o;
        c->dict_cap = cap;
    }
    c->dict_off[c->dict_n] = (uint32_t)c->dict_vals.n;
    if ((rc = put_plain(&c->dict_vals, c->type, key, n)) != SLUICE_OK)
        return rc;
    c->slots[i] = c->dict_n + 1;
    *index = c->dict_n++;
    if ((uint64_t)c->dict_n * 2 > c->nslots)
        rc = rehash(c, c->nslots * 2);
    return rc;
}

static void dict_reset(struct pq_col *c)
{
    sluice__buf_reset(&c->dict_vals);
    c->dict_n = 0;
    if (c->slots)
        memset(c->slots, 0, c->nslots * sizeof *c->slots);
}

/* Switches the rest of the chunk to PLAIN: the page being built is
 * re-encoded from its indices; the dictionary is dropped unless a written
 * page refers to it. */
static int fall_back(struct pq_col *c)
{
    int rc = SLUICE_OK;
    const uint32_t *ix = (const uint32_t *)(void *)c->idx.p;
    size_t n = c->idx.n / sizeof(uint32_t);
    sluice__buf_reset(&c->vals);
    SLUICE_TRY(sluice__buf_reserve(&c->vals, c->page_raw));
    for (size_t i = 0; i < n; i++) {
        const uint8_t *k;
        size_t kn = entry_key(c, ix[i], &k);
        SLUICE_TRY(put_plain(&c->vals, c->type, k, kn));
    }
    sluice__buf_reset(&c->idx);
    c->dict = false;
    if (!c->dict_used)
        dict_reset(c);
out:
    return rc;
}

/* The first-page rule (keep the dictionary only if it beats PLAIN), asked
 * early: a column whose first values are nearly all distinct (ids, URLs,
 * measurements) would otherwise pay a hash-table probe, a cache miss, per
 * value until its first page is cut. */
#define DICT_EARLY_CHECK 4096
static bool dict_hopeless(const struct pq_col *c)
{
    if (c->dict_used || c->page_values != DICT_EARLY_CHECK)
        return false;
    int width = sluice__rle_width(c->dict_n ? c->dict_n - 1 : 0);
    width = width ? width : 1;
    return c->dict_vals.n + ((size_t)c->page_values * (size_t)width + 7) / 8 >=
           c->page_raw;
}

int sluice__pq_col_add(struct sluice_pq_writer *w, struct pq_col *c,
                       unsigned def, unsigned rep,
                       const struct sluice_pq_value *v)
{
    int rc = SLUICE_OK;
    if (rep == 0) {
        /* Pages break only between records. */
        if (c->page_entries &&
            c->page_raw + c->page_entries / 4 >= w->opt.page_bytes)
            SLUICE_TRY(sluice__pq_col_flush_page(w, c));
        c->rows++;
        w->row_starts++;
    }
    if (c->max_def)
        SLUICE_TRY(sluice__buf_addc(&c->def, (char)def));
    if (c->max_rep)
        SLUICE_TRY(sluice__buf_addc(&c->rep, (char)rep));
    c->page_entries++;
    c->num_values++;
    w->rg_est++;
    if (!v) {
        c->null_count++;
        goto out;
    }
    SLUICE_TRY(sluice__pq_stats_update(c, v));
    uint8_t tmp[8];
    const uint8_t *key;
    size_t n = value_key(c, v, tmp, &key);
    size_t raw = c->type == SLUICE_PQ_BYTE_ARRAY ? n + 4 : n;
    c->page_values++;
    c->page_raw += raw;
    w->rg_est += raw;
    if (c->dict) {
        uint32_t ix;
        SLUICE_TRY(dict_lookup(c, key, n, &ix));
        SLUICE_TRY(sluice__buf_append(&c->idx, &ix, sizeof ix));
        if (c->dict_vals.n > w->opt.dict_max_bytes || dict_hopeless(c))
            SLUICE_TRY(fall_back(c));
    } else {
        SLUICE_TRY(put_plain(&c->vals, c->type, key, n));
    }
out:
    return rc;
}

/* A level block of a v1 page: 4-byte little-endian length + hybrid RLE. */
static int put_levels(struct sluice_buf *body, const struct sluice_buf *lv,
                      int width)
{
    int rc = SLUICE_OK;
    size_t at = body->n;
    SLUICE_TRY(sluice__buf_append(body, "\0\0\0\0", 4));
    SLUICE_TRY(sluice__rle_encode(body, lv->p, 1, lv->n, width));
    pq_put_u32le((uint8_t *)body->p + at, (uint32_t)(body->n - at - 4));
out:
    return rc;
}

/* PLAIN booleans: one bit each, least significant bit first. */
static int put_bools(struct sluice_buf *body, const struct sluice_buf *vals)
{
    int rc = SLUICE_OK;
    size_t nb = (vals->n + 7) / 8;
    SLUICE_TRY(sluice__buf_reserve(body, nb));
    uint8_t *o = (uint8_t *)body->p + body->n;
    memset(o, 0, nb);
    for (size_t i = 0; i < vals->n; i++)
        if (vals->p[i])
            o[i / 8] |= (uint8_t)(1u << (i % 8));
    body->n += nb;
    body->p[body->n] = '\0';
out:
    return rc;
}

/* Compresses w->body and appends header + compressed body to `dst` (or
 * emits them when dst is NULL). *hdr_n receives the header size. */
static int store_page(struct sluice_pq_writer *w, struct sluice_buf *dst,
                      int page_type, uint32_t num_values, int encoding,
                      size_t *hdr_n, size_t *comp_n)
{
    int rc = SLUICE_OK;
    const void *z;
    size_t zn;
    SLUICE_FAIL_IF(w->body.n > INT32_MAX, SLUICE_ETOOBIG, &w->err,
                   "page of %zu bytes is too big", w->body.n);
    SLUICE_TRY(sluice__pq_compress(&w->codec, w->body.p, w->body.n, &w->zbuf,
                                   &z, &zn, &w->err));
    SLUICE_FAIL_IF(zn > INT32_MAX, SLUICE_ETOOBIG, &w->err,
                   "compressed page of %zu bytes is too big", zn);
    struct sluice_thrift_w tw;
    sluice__buf_reset(&w->hdr);
    sluice__thrift_w_init(&tw, &w->hdr);
    SLUICE_TRY(sluice__thrift_struct_begin(&tw));
    SLUICE_TRY(sluice__thrift_field_i32(&tw, 1, page_type));
    SLUICE_TRY(sluice__thrift_field_i32(&tw, 2, (int32_t)w->body.n));
    SLUICE_TRY(sluice__thrift_field_i32(&tw, 3, (int32_t)zn));
    if (page_type == PQ_PAGE_DATA) {
        SLUICE_TRY(sluice__thrift_field_struct(&tw, 5));
        SLUICE_TRY(sluice__thrift_field_i32(&tw, 1, (int32_t)num_values));
        SLUICE_TRY(sluice__thrift_field_i32(&tw, 2, encoding));
        SLUICE_TRY(sluice__thrift_field_i32(&tw, 3, PQ_ENC_RLE));
        SLUICE_TRY(sluice__thrift_field_i32(&tw, 4, PQ_ENC_RLE));
    } else {
        SLUICE_TRY(sluice__thrift_field_struct(&tw, 7));
        SLUICE_TRY(sluice__thrift_field_i32(&tw, 1, (int32_t)num_values));
        SLUICE_TRY(sluice__thrift_field_i32(&tw, 2, PQ_ENC_PLAIN));
    }
    SLUICE_TRY(sluice__thrift_struct_end(&tw));
    SLUICE_TRY(sluice__thrift_struct_end(&tw));
    if (dst) {
        SLUICE_TRY(sluice__buf_append(dst, w->hdr.p, w->hdr.n));
        SLUICE_TRY(sluice__buf_append(dst, z, zn));
    } else {
        SLUICE_TRY(sluice__pq_emit(w, w->hdr.p, w->hdr.n));
        SLUICE_TRY(sluice__pq_emit(w, z, zn));
    }
    *hdr_n = w->hdr.n;
    *comp_n = zn;
out:
    return rc;
}

int sluice__pq_col_flush_page(struct sluice_pq_writer *w, struct pq_col *c)
{
    int rc = SLUICE_OK;
    if (!c->page_entries)
        return SLUICE_OK;
    int width = sluice__rle_width(c->dict_n ? c->dict_n - 1 : 0);
    width = width ? width : 1;
    /* At the first dictionary page, keep the dictionary only if it beats
     * PLAIN (all-distinct columns would pay twice). */
    if (c->dict && !c->dict_used && c->page_values &&
        c->dict_vals.n + ((size_t)c->page_values * (size_t)width + 7) / 8 >=
            c->page_raw)
        SLUICE_TRY(fall_back(c));
    sluice__buf_reset(&w->body);
    if (c->max_rep)
        SLUICE_TRY(put_levels(&w->body, &c->rep, c->wrep));
    if (c->max_def)
        SLUICE_TRY(put_levels(&w->body, &c->def, c->wdef));
    int enc = PQ_ENC_PLAIN;
    if (c->page_values && c->dict) {
        enc = PQ_ENC_RLE_DICTIONARY;
        SLUICE_TRY(sluice__buf_addc(&w->body, (char)width));
        SLUICE_TRY(
            sluice__rle_encode(&w->body, c->idx.p, 4, c->page_values, width));
        c->dict_used = true;
    } else if (c->type == SLUICE_PQ_BOOLEAN) {
        SLUICE_TRY(put_bools(&w->body, &c->vals));
    } else {
        SLUICE_TRY(sluice__buf_append(&w->body, c->vals.p, c->vals.n));
    }
    size_t hn, zn;
    SLUICE_TRY(
        store_page(w, &c->pages, PQ_PAGE_DATA, c->page_entries, enc, &hn, &zn));
    c->unc_bytes += hn + w->body.n;
    if (enc == PQ_ENC_RLE_DICTIONARY)
        c->n_dict_pages++;
    else
        c->n_plain_pages++;
    sluice__buf_reset(&c->def);
    sluice__buf_reset(&c->rep);
    sluice__buf_reset(&c->vals);
    sluice__buf_reset(&c->idx);
    c->page_entries = c->page_values = 0;
    c->page_raw = 0;
out:
    return rc;
}

static int put_encodings(const struct pq_col *c, struct sluice_thrift_w *tw)
{
    int rc = SLUICE_OK;
    int32_t e[3];
    uint32_t n = 0;
    if (c->dict_used || c->n_plain_pages)
        e[n++] = PQ_ENC_PLAIN;
    e[n++] = PQ_ENC_RLE;
    if (c->n_dict_pages)
        e[n++] = PQ_ENC_RLE_DICTIONARY;
    SLUICE_TRY(sluice__thrift_field_list(tw, 2, THRIFT_I32, n));
    for (uint32_t i = 0; i < n; i++)
        SLUICE_TRY(sluice__thrift_elem_i32(tw, e[i]));
out:
    return rc;
}

static int put_encoding_stats(const struct pq_col *c,
                              struct sluice_thrift_w *tw)
{
    int rc = SLUICE_OK;
    struct enc_stat {
        int type, enc;
        uint32_t count;
    } s[3];
    uint32_t n = 0;
    if (c->dict_used)
        s[n++] = (struct enc_stat){PQ_PAGE_DICTIONARY, PQ_ENC_PLAIN, 1};
    if (c->n_dict_pages)
        s[n++] = (struct enc_stat){PQ_PAGE_DATA, PQ_ENC_RLE_DICTIONARY,
                                   c->n_dict_pages};
    if (c->n_plain_pages)
        s[n++] =
            (struct enc_stat){PQ_PAGE_DATA, PQ_ENC_PLAIN, c->n_plain_pages};
    SLUICE_TRY(sluice__thrift_field_list(tw, 13, THRIFT_STRUCT, n));
    for (uint32_t i = 0; i < n; i++) {
        SLUICE_TRY(sluice__thrift_struct_begin(tw));
        SLUICE_TRY(sluice__thrift_field_i32(tw, 1, s[i].type));
        SLUICE_TRY(sluice__thrift_field_i32(tw, 2, s[i].enc));
        SLUICE_TRY(sluice__thrift_field_i32(tw, 3, (int32_t)s[i].count));
        SLUICE_TRY(sluice__thrift_struct_end(tw));
    }
out:
    return rc;
}

int sluice__pq_col_write_chunk(struct sluice_pq_writer *w, struct pq_col *c,
                               struct sluice_thrift_w *tw, int64_t *unc,
                               int64_t *comp)
{
    int rc = SLUICE_OK;
    SLUICE_TRY(sluice__pq_col_flush_page(w, c));
    uint64_t start = w->offset, dict_unc = 0;
    if (c->dict_used) {
        size_t hn, zn;
        sluice__buf_reset(&w->body);
        SLUICE_TRY(
            sluice__buf_append(&w->body, c->dict_vals.p, c->dict_vals.n));
        SLUICE_TRY(store_page(w, NULL, PQ_PAGE_DICTIONARY, c->dict_n,
                              PQ_ENC_PLAIN, &hn, &zn));
        dict_unc = hn + w->body.n;
    }
    uint64_t data_off = w->offset;
    SLUICE_TRY(sluice__pq_emit(w, c->pages.p, c->pages.n));
    int64_t total_comp = (int64_t)(w->offset - start);
    int64_t total_unc = (int64_t)(dict_unc + c->unc_bytes);

    SLUICE_TRY(sluice__thrift_struct_begin(tw)); /* ColumnChunk */
    SLUICE_TRY(sluice__thrift_field_i64(tw, 2, 0));
    SLUICE_TRY(sluice__thrift_field_struct(tw, 3)); /* ColumnMetaData */
    SLUICE_TRY(sluice__thrift_field_i32(tw, 1, c->type));
    SLUICE_TRY(put_encodings(c, tw));
    SLUICE_TRY(sluice__pq_schema_write_path(w->schema, c->leaf, tw, 3));
    SLUICE_TRY(
        sluice__thrift_field_i32(tw, 4, sluice__pq_codec_wire(w->opt.codec)));
    SLUICE_TRY(sluice__thrift_field_i64(tw, 5, (int64_t)c->num_values));
    SLUICE_TRY(sluice__thrift_field_i64(tw, 6, total_unc));
    SLUICE_TRY(sluice__thrift_field_i64(tw, 7, total_comp));
    SLUICE_TRY(sluice__thrift_field_i64(tw, 9, (int64_t)data_off));
    if (c->dict_used)
        SLUICE_TRY(sluice__thrift_field_i64(tw, 11, (int64_t)start));
    SLUICE_TRY(sluice__pq_stats_write(c, tw, 12));
    SLUICE_TRY(put_encoding_stats(c, tw));
    SLUICE_TRY(sluice__thrift_struct_end(tw));
    SLUICE_TRY(sluice__thrift_struct_end(tw));
    *unc += total_unc;
    *comp += total_comp;

    /* Ready for the next row group. */
    sluice__buf_reset(&c->pages);
    c->num_values = c->unc_bytes = 0;
    c->n_dict_pages = c->n_plain_pages = 0;
    c->rows = 0;
    c->dict = use_dict(w, c);
    c->dict_used = false;
    dict_reset(c);
    sluice__pq_stats_reset(c);
out:
    return rc;
}
