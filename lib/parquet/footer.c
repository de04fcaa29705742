/* footer.c: decodes FileMetaData (Thrift compact) into the reader's schema
 * tree and per-chunk metadata. Unknown fields are skipped; fields we rely
 * on are checked for presence and range. The schema is rebuilt with the
 * same calls the writer uses, so levels are computed by one piece of code. */
#include "parquet/readstate.h"

#include "parquet/format.h"
#include "parquet/thrift.h"

#include <string.h>

struct elem {
    int type, repetition, num_children, converted;
    int logical; /* LogicalType union id, 0 if none */
    int ts_unit; /* TimeUnit id */
    bool ts_utc;
    const uint8_t *name;
    size_t name_n;
};

#define FAIL(r, ...)                                                           \
    do {                                                                       \
        sluice__err_set(&(r)->err, __VA_ARGS__);                               \
        return SLUICE_EPARQUET;                                                \
    } while (0)

/* Reads a struct whose fields all get skipped except by `cb`. */
typedef int (*field_cb)(struct sluice_thrift_r *t, void *ctx,
                        const struct sluice_thrift_field *f, bool *used);

static int read_struct(struct sluice_thrift_r *t, void *ctx, field_cb cb)
{
    int rc = sluice__thrift_enter(t);
    int16_t last = 0;
    struct sluice_thrift_field f;
    while (rc == SLUICE_OK) {
        rc = sluice__thrift_read_field(t, &last, &f);
        if (rc != SLUICE_OK || f.type == THRIFT_STOP)
            break;
        bool used = false;
        rc = cb(t, ctx, &f, &used);
        if (rc == SLUICE_OK && !used)
            rc = sluice__thrift_skip(t, f.type);
    }
    if (rc == SLUICE_OK)
        sluice__thrift_leave(t);
    return rc;
}

static int get_int(struct sluice_thrift_r *t,
                   const struct sluice_thrift_field *f, int64_t *v, bool *used)
{
    *used = true;
    return sluice__thrift_read_int(t, f->type, v);
}

/* TimeUnit and TimestampType: remember the unit id and the UTC flag. */
static int cb_unit(struct sluice_thrift_r *t, void *ctx,
                   const struct sluice_thrift_field *f, bool *used)
{
    (void)t;
    (void)used;
    if (f->type == THRIFT_STRUCT)
        ((struct elem *)ctx)->ts_unit = f->id;
    return SLUICE_OK;
}

static int cb_timestamp(struct sluice_thrift_r *t, void *ctx,
                        const struct sluice_thrift_field *f, bool *used)
{
    struct elem *e = ctx;
    if (f->id == 1 && (f->type == THRIFT_TRUE || f->type == THRIFT_FALSE))
        e->ts_utc = f->bval;
    if (f->id == 2 && f->type == THRIFT_STRUCT) {
        *used = true;
        return read_struct(t, e, cb_unit);
    }
    return SLUICE_OK;
}

static int cb_logical(struct sluice_thrift_r *t, void *ctx,
                      const struct sluice_thrift_field *f, bool *used)
{
    struct elem *e = ctx;
    if (f->type != THRIFT_STRUCT)
        return SLUICE_OK;
    e->logical = f->id;
    if (f->id == PQ_LT_TIMESTAMP) {
        *used = true;
        return read_struct(t, e, cb_timestamp);
    }
    return SLUICE_OK;
}

static int cb_elem(struct sluice_thrift_r *t, void *ctx,
                   const struct sluice_thrift_field *f, bool *used)
{
    struct elem *e = ctx;
    int64_t v;
    int rc = SLUICE_OK;
    switch (f->id) {
    case 1:
        rc = get_int(t, f, &v, used);
        e->type = (int)v;
        break;
    case 3:
        rc = get_int(t, f, &v, used);
        e->repetition = (int)v;
        break;
    case 5:
        rc = get_int(t, f, &v, used);
        e->num_children = v < 0 || v > SLUICE_PQ_MAX_NODES ? -2 : (int)v;
        break;
    case 6:
        rc = get_int(t, f, &v, used);
        e->converted = (int)v;
        break;
    case 4:
        if (f->type == THRIFT_BINARY) {
            *used = true;
            rc = sluice__thrift_read_binary(t, &e->name, &e->name_n);
        }
        break;
    case 10:
        if (f->type == THRIFT_STRUCT) {
            *used = true;
            rc = read_struct(t, e, cb_logical);
        }
        break;
    default:
        break;
    }
    return rc;
}

static enum sluice_pq_logical map_logical(const struct elem *e, bool *local)
{
    *local = false;
    switch (e->logical) {
    case PQ_LT_STRING:
        return SLUICE_PQ_LT_STRING;
    case PQ_LT_JSON:
        return SLUICE_PQ_LT_JSON;
    case PQ_LT_DATE:
        return SLUICE_PQ_LT_DATE;
    case PQ_LT_LIST:
        return SLUICE_PQ_LT_LIST;
    case PQ_LT_TIMESTAMP:
        *local = !e->ts_utc;
        return e->ts_unit == 1   ? SLUICE_PQ_LT_TIMESTAMP_MS
               : e->ts_unit == 3 ? SLUICE_PQ_LT_TIMESTAMP_NS
                                 : SLUICE_PQ_LT_TIMESTAMP_US;
    default:
        break;
    }
    switch (e->converted) {
    case PQ_CT_UTF8:
        return SLUICE_PQ_LT_STRING;
    case PQ_CT_JSON:
        return SLUICE_PQ_LT_JSON;
    case PQ_CT_DATE:
        return SLUICE_PQ_LT_DATE;
    case PQ_CT_LIST:
        return SLUICE_PQ_LT_LIST;
    case PQ_CT_TIMESTAMP_MILLIS:
        return SLUICE_PQ_LT_TIMESTAMP_MS;
    case PQ_CT_TIMESTAMP_MICROS:
        return SLUICE_PQ_LT_TIMESTAMP_US;
    default:
        return SLUICE_PQ_LT_NONE;
    }
}

/* Adds elements [*i ...) as the subtree of `parent`, depth-first. */
static int build(struct sluice_pq_reader *r, const struct elem *el, size_t n,
                 size_t *i, int parent, int depth)
{
    int rc = SLUICE_OK;
    const struct elem *e = &el[*i];
    char *name = NULL;
    if (depth > SLUICE_PQ_MAX_DEPTH)
        FAIL(r, "footer: schema nested deeper than %d", SLUICE_PQ_MAX_DEPTH);
    if (!e->name || memchr(e->name, 0, e->name_n))
        FAIL(r, "footer: schema element %zu has no usable name", *i);
    bool group = e->type < 0;
    if (group && e->num_children < 1)
        FAIL(r, "footer: schema group %zu has no children", *i);
    if (e->repetition < 0 || e->repetition > 2)
        FAIL(r, "footer: schema element %zu has no repetition", *i);
    name = sluice__strndup((const char *)e->name, e->name_n);
    if (!name)
        return SLUICE_ENOMEM;
    bool local;
    enum sluice_pq_logical lt = map_logical(e, &local);
    int id;
    if (group) {
        if (lt != SLUICE_PQ_LT_LIST)
            lt = SLUICE_PQ_LT_NONE;
        rc = sluice__pq_schema_add_group(
            r->schema, parent, name, (enum sluice_pq_repetition)e->repetition,
            lt, &id, &r->err);
    } else {
        rc = sluice__pq_schema_add_leaf(
            r->schema, parent, name, (enum sluice_pq_repetition)e->repetition,
            (enum sluice_pq_type)e->type, lt, &id, &r->err);
        if (rc == SLUICE_OK)
            r->schema->nodes[id].ts_local = local;
    }
    sluice__free(name);
    if (rc != SLUICE_OK)
        return rc == SLUICE_ENOMEM ? rc : SLUICE_EPARQUET;
    (*i)++;
    for (int c = 0; group && c < e->num_children; c++) {
        if (*i >= n)
            FAIL(r, "footer: schema ends inside group '%s'",
                 r->schema->nodes[id].name);
        rc = build(r, el, n, i, id, depth + 1);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

static int parse_schema(struct sluice_pq_reader *r, struct sluice_thrift_r *t)
{
    int rc, et;
    uint32_t n;
    struct elem *el = NULL;
    if ((rc = sluice__thrift_read_list(t, &et, &n)) != SLUICE_OK)
        return rc;
    if (et != THRIFT_STRUCT || n < 2)
        FAIL(r, "footer: schema must list the root and at least one column");
    el = sluice__calloc(n, sizeof *el);
    if (!el)
        return SLUICE_ENOMEM;
    for (uint32_t i = 0; rc == SLUICE_OK && i < n; i++) {
        el[i] = (struct elem){
            .type = -1, .repetition = -1, .num_children = -1, .converted = -1};
        rc = read_struct(t, &el[i], cb_elem);
    }
    if (rc == SLUICE_OK) {
        size_t i = 1;
        if (el[0].type >= 0 || el[0].num_children < 1) {
            sluice__err_set(&r->err, "footer: schema root is not a group");
            rc = SLUICE_EPARQUET;
        }
        for (int c = 0; rc == SLUICE_OK && c < el[0].num_children; c++) {
            if (i >= n) {
                sluice__err_set(&r->err, "footer: schema ends early");
                rc = SLUICE_EPARQUET;
            } else {
                rc = build(r, el, n, &i, 0, 1);
            }
        }
        if (rc == SLUICE_OK && i != n) {
            sluice__err_set(&r->err, "footer: %u schema elements, %zu used", n,
                            i);
            rc = SLUICE_EPARQUET;
        }
    }
    sluice__free(el);
    if (rc == SLUICE_OK && sluice__pq_schema_freeze(r->schema, &r->err) != 0)
        rc = SLUICE_EPARQUET;
    return rc;
}

static int cb_stats(struct sluice_thrift_r *t, void *ctx,
                    const struct sluice_thrift_field *f, bool *used)
{
    struct sluice_pq_chunk_meta *m = ctx;
    int rc = SLUICE_OK;
    switch (f->id) {
    case 3:
        rc = get_int(t, f, &m->null_count, used);
        break;
    case 9:
        rc = get_int(t, f, &m->nan_count, used);
        break;
    case 5:
    case 6:
        if (f->type != THRIFT_BINARY)
            break;
        *used = true;
        if (f->id == 5) {
            m->has_max = true;
            rc = sluice__thrift_read_binary(t, &m->max, &m->max_n);
        } else {
            m->has_min = true;
            rc = sluice__thrift_read_binary(t, &m->min, &m->min_n);
        }
        break;
    case 7:
        m->max_exact = f->bval;
        break;
    case 8:
        m->min_exact = f->bval;
        break;
    default:
        break;
    }
    return rc;
}

static int cb_colmeta(struct sluice_thrift_r *t, void *ctx,
                      const struct sluice_thrift_field *f, bool *used)
{
    struct sluice_pq_chunk_meta *m = ctx;
    int64_t v;
    int rc = SLUICE_OK;
    switch (f->id) {
    case 1:
        rc = get_int(t, f, &v, used);
        m->type = (int)v;
        break;
    case 4:
        rc = get_int(t, f, &v, used);
        m->codec = (int)v;
        break;
    case 5:
        rc = get_int(t, f, &m->num_values, used);
        break;
    case 6:
        rc = get_int(t, f, &m->total_uncompressed, used);
        break;
    case 7:
        rc = get_int(t, f, &m->total_compressed, used);
        break;
    case 9:
        rc = get_int(t, f, &m->data_page_offset, used);
        break;
    case 11:
        rc = get_int(t, f, &m->dictionary_page_offset, used);
        break;
    case 2:
        if (f->type == THRIFT_LIST) {
            int et;
            uint32_t n;
            *used = true;
            rc = sluice__thrift_read_list(t, &et, &n);
            for (uint32_t i = 0; rc == SLUICE_OK && i < n; i++) {
                rc = sluice__thrift_read_int(t, et, &v);
                if (v >= 0 && v < 32)
                    m->encodings |= 1u << v;
            }
        }
        break;
    case 12:
        if (f->type == THRIFT_STRUCT) {
            *used = true;
            rc = read_struct(t, m, cb_stats);
        }
        break;
    default:
        break;
    }
    return rc;
}

static int cb_chunk(struct sluice_thrift_r *t, void *ctx,
                    const struct sluice_thrift_field *f, bool *used)
{
    if (f->id == 3 && f->type == THRIFT_STRUCT) {
        *used = true;
        struct sluice_pq_chunk_meta *m = ctx;
        m->type = -1;
        return read_struct(t, m, cb_colmeta);
    }
    return SLUICE_OK;
}

struct rg_ctx {
    struct sluice_pq_reader *r;
    struct pq_rg *rg;
    bool has_cols;
};

static int cb_rowgroup(struct sluice_thrift_r *t, void *ctx,
                       const struct sluice_thrift_field *f, bool *used)
{
    struct rg_ctx *c = ctx;
    struct sluice_pq_reader *r = c->r;
    if (f->id == 3)
        return get_int(t, f, &c->rg->num_rows, used);
    if (f->id != 1 || f->type != THRIFT_LIST)
        return SLUICE_OK;
    int et, rc;
    uint32_t n;
    *used = true;
    if ((rc = sluice__thrift_read_list(t, &et, &n)) != SLUICE_OK)
        return rc;
    if (et != THRIFT_STRUCT || n != r->schema->nleaves || c->has_cols)
        FAIL(r, "footer: row group has %u column chunks for %zu columns", n,
             r->schema->nleaves);
    c->rg->cols = sluice__calloc(n, sizeof *c->rg->cols);
    if (!c->rg->cols)
        return SLUICE_ENOMEM;
    c->has_cols = true;
    for (uint32_t i = 0; i < n; i++) {
        struct sluice_pq_chunk_meta *m = &c->rg->cols[i];
        m->type = -2; /* meta_data missing */
        m->dictionary_page_offset = m->null_count = m->nan_count = -1;
        m->num_values = m->total_compressed = m->data_page_offset = -1;
        if ((rc = read_struct(t, m, cb_chunk)) != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

static int parse_row_groups(struct sluice_pq_reader *r,
                            struct sluice_thrift_r *t)
{
    int et, rc;
    uint32_t n;
    if ((rc = sluice__thrift_read_list(t, &et, &n)) != SLUICE_OK)
        return rc;
    if (et != THRIFT_STRUCT && n)
        FAIL(r, "footer: row_groups is not a list of structs");
    r->rgs = sluice__calloc(n ? n : 1, sizeof *r->rgs);
    if (!r->rgs)
        return SLUICE_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        struct rg_ctx c = {r, &r->rgs[i], false};
        r->rgs[i].num_rows = -1;
        r->nrg = i + 1;
        if ((rc = read_struct(t, &c, cb_rowgroup)) != SLUICE_OK)
            return rc;
        if (!c.has_cols || r->rgs[i].num_rows < 0)
            FAIL(r, "footer: row group %u lacks columns or num_rows", i);
        for (size_t k = 0; k < r->schema->nleaves; k++) {
            const struct sluice_pq_chunk_meta *m = &r->rgs[i].cols[k];
            const struct sluice_pq_node *nd =
                sluice__pq_schema_leaf(r->schema, k);
            if (m->type != nd->type || m->num_values < 0 ||
                m->total_compressed < 0 || m->data_page_offset < 0)
                FAIL(r,
                     "footer: row group %u column %zu: metadata missing or "
                     "not matching the schema",
                     i, k);
        }
    }
    return SLUICE_OK;
}

int sluice__pq_footer_parse(struct sluice_pq_reader *r)
{
    int rc = SLUICE_OK;
    struct sluice_thrift_r t;
    struct sluice_thrift_field f;
    int16_t last = 0;
    bool have_schema = false, have_rows = false, have_rgs = false;
    sluice__thrift_r_init(&t, r->footer, r->footer_n, &r->err);
    if ((rc = sluice__pq_schema_new(&r->schema)) != SLUICE_OK)
        return rc;
    for (;;) {
        if ((rc = sluice__thrift_read_field(&t, &last, &f)) != SLUICE_OK)
            return rc;
        if (f.type == THRIFT_STOP)
            break;
        if (f.id == 2 && f.type == THRIFT_LIST && !have_schema) {
            rc = parse_schema(r, &t);
            have_schema = true;
        } else if (f.id == 3 && !have_rows) {
            rc = sluice__thrift_read_int(&t, f.type, &r->num_rows);
            have_rows = true;
        } else if (f.id == 4 && f.type == THRIFT_LIST && have_schema &&
                   !have_rgs) {
            rc = parse_row_groups(r, &t);
            have_rgs = true;
        } else if (f.id == 6 && f.type == THRIFT_BINARY) {
            const uint8_t *p;
            size_t n;
            rc = sluice__thrift_read_binary(&t, &p, &n);
            if (rc == SLUICE_OK) {
                sluice__free(r->created_by);
                r->created_by = sluice__strndup((const char *)p, n);
                if (!r->created_by)
                    rc = SLUICE_ENOMEM;
            }
        } else {
            rc = sluice__thrift_skip(&t, f.type);
        }
        if (rc != SLUICE_OK)
            return rc;
    }
    if (!have_schema || !have_rows || !have_rgs)
        FAIL(r, "footer: schema, num_rows or row_groups missing");
    int64_t sum = 0;
    for (size_t i = 0; i < r->nrg; i++) {
        if (r->rgs[i].num_rows > INT64_MAX - sum)
            FAIL(r, "footer: row counts overflow");
        sum += r->rgs[i].num_rows;
    }
    if (sum != r->num_rows)
        FAIL(r, "footer: num_rows %lld but row groups hold %lld",
             (long long)r->num_rows, (long long)sum);
    return SLUICE_OK;
}

#undef FAIL
