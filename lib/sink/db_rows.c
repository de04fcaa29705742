/* db_rows.c: the job's schema as database columns, and a spooled record as
 * the text of one row's values (db_rows.h has the rules). The conversions
 * of declared types are those of the Parquet shredder (a value that does
 * not convert is NULL and counted), so a job reads the same whichever
 * destination it writes. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sink/db_rows.h"
#include "sink/parquet_schema.h"
#include "table/coerce.h"
#include "util/date.h"

#define NO_VALUE SIZE_MAX

void sluice__db_cols_cleanup(struct sluice_db_cols *cols)
{
    sluice__free(cols->v);
    memset(cols, 0, sizeof *cols);
}

static enum sluice_db_type type_of(const struct sluice_tnode *node)
{
    if (node->as_json)
        return SLUICE_DBT_JSON;
    switch (node->kind) {
    case SLUICE_T_BOOLEAN:
        return SLUICE_DBT_BOOL;
    case SLUICE_T_INT64:
        return SLUICE_DBT_INT;
    case SLUICE_T_DOUBLE:
        return SLUICE_DBT_REAL;
    case SLUICE_T_STRING:
        return SLUICE_DBT_TEXT;
    case SLUICE_T_DATE:
        return SLUICE_DBT_DATE;
    case SLUICE_T_TIMESTAMP:
        return SLUICE_DBT_TIME;
    default: /* JSON, STRUCT, LIST */
        return SLUICE_DBT_JSON;
    }
}

static int add_col(struct sluice_db_cols *cols, struct sluice_tnode *node,
                   const char *name)
{
    struct sluice_db_col *v =
        sluice__grow(cols->v, &cols->cap, cols->n + 1, sizeof *v, 32);
    if (!v)
        return SLUICE_ENOMEM;
    cols->v = v;
    node->lb = cols->n;
    v[cols->n++] = (struct sluice_db_col){node, name, type_of(node)};
    return SLUICE_OK;
}

/* Flattened: the leaves sluice__table_build put in the schema, depth
 * first; a struct is walked, anything else is one column. */
static int add_flat(struct sluice_db_cols *cols, struct sluice_tnode *node)
{
    if (!node->out)
        return SLUICE_OK;
    if (node->kind == SLUICE_T_STRUCT && !node->as_json) {
        for (size_t i = 0; i < node->n; i++) {
            int rc = add_flat(cols, node->kids[i]);
            if (rc != SLUICE_OK)
                return rc;
        }
        return SLUICE_OK;
    }
    return add_col(cols, node, node->flat ? node->flat : node->col);
}

int sluice__db_cols_build(struct sluice_table *t, bool flatten,
                          struct sluice_db_cols *cols, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_pq_schema *pq = NULL;
    cols->n = 0;
    if (!sluice__table_has_columns(t))
        return SLUICE_OK;
    /* The Parquet layout decides which fields are typed yet and assigns
     * the flattened names; its schema itself is not needed. */
    SLUICE_TRY(sluice__table_build(t, flatten, &pq, err));
    for (size_t i = 0; i < t->root->n; i++) {
        struct sluice_tnode *k = t->root->kids[i];
        if (flatten)
            rc = add_flat(cols, k);
        else if (k->out)
            rc = add_col(cols, k, k->col);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "out of memory");
    }
out:
    sluice__pq_schema_free(pq);
    return rc;
}

void sluice__db_row_init(struct sluice_db_row *row, size_t max_record)
{
    memset(row, 0, sizeof *row);
    size_t bound = (max_record ? max_record : 64u << 20) * 2 + 1024;
    sluice__buf_init(&row->val, bound);
    sluice__buf_init(&row->json, bound);
}

void sluice__db_row_cleanup(struct sluice_db_row *row)
{
    sluice__buf_cleanup(&row->val);
    sluice__buf_cleanup(&row->json);
    sluice__free(row->off);
    sluice__free(row->len);
    row->off = row->len = NULL;
}

struct fill {
    struct sluice_db_row *row;
    const struct sluice_table *t;
    const struct sluice_db_cols *cols;
    struct sluice_err *err;
};

static int corrupt(struct fill *f)
{
    sluice__err_set(f->err, "corrupt record encoding");
    return SLUICE_EINVAL;
}

/* The column node is a column of this build (its lb was set for it). */
static const struct sluice_db_col *col_of(const struct fill *f,
                                          const struct sluice_tnode *node)
{
    if (node && node->lb < f->cols->n && f->cols->v[node->lb].node == node)
        return &f->cols->v[node->lb];
    return NULL;
}

static int put_text(struct fill *f, size_t i, const char *p, size_t n)
{
    struct sluice_db_row *row = f->row;
    size_t at = row->val.n;
    int rc = sluice__buf_append(&row->val, p, n);
    if (rc == SLUICE_OK)
        rc = sluice__buf_addc(&row->val, '\0');
    row->off[i] = at;
    row->len[i] = n;
    return rc;
}

static int put_time(struct fill *f, size_t i, int64_t us)
{
    int64_t days = us / 86400000000LL, rem = us % 86400000000LL;
    if (rem < 0) {
        rem += 86400000000LL;
        days--;
    }
    int64_t y;
    int m, d;
    sluice__civil_from_days(days, &y, &m, &d);
    int64_t s = rem / 1000000;
    char t[64];
    int n = snprintf(t, sizeof t,
                     "%04" PRId64 "-%02d-%02dT%02d:%02d:%02d.%06dZ", y, m, d,
                     (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60),
                     (int)(rem % 1000000));
    return put_text(f, i, t, (size_t)n);
}

/* Converts a scalar for its column; false when it does not convert. */
static int convert(struct fill *f, size_t i, const struct sluice_db_col *col,
                   enum sluice_ev ev, const char *p, size_t n, bool *ok)
{
    const struct sluice_tnode *node = col->node;
    bool num = ev == SLUICE_EV_INT || ev == SLUICE_EV_DBL;
    bool str = ev == SLUICE_EV_STRING;
    bool declared = node->decl != SLUICE_D_NONE;
    bool t = ev == SLUICE_EV_TRUE, fa = ev == SLUICE_EV_FALSE;
    int64_t v;
    int32_t days;
    double d;
    char lit[32];
    *ok = true;
    switch (col->type) {
    case SLUICE_DBT_BOOL:
        if (t || fa)
            return put_text(f, i, t ? "1" : "0", 1);
        if (declared && str && n == 4 && !memcmp(p, "true", 4))
            return put_text(f, i, "1", 1);
        if (declared && str && n == 5 && !memcmp(p, "false", 5))
            return put_text(f, i, "0", 1);
        break;
    case SLUICE_DBT_INT:
        if (ev == SLUICE_EV_INT && sluice__parse_i64(p, n, &v))
            return put_text(f, i, p, n);
        if (declared && (num || str) && sluice__parse_integral_i64(p, n, &v))
            return put_text(f, i, lit,
                            (size_t)snprintf(lit, sizeof lit, "%" PRId64, v));
        break;
    case SLUICE_DBT_REAL:
        if ((num || (declared && str)) && sluice__parse_f64(p, n, &d))
            return put_text(f, i, p, n);
        break;
    case SLUICE_DBT_TEXT:
        if (str || (declared && num))
            return put_text(f, i, p, n);
        if (declared && (t || fa))
            return put_text(f, i, t ? "true" : "false", t ? 4 : 5);
        break;
    case SLUICE_DBT_DATE:
        if (str && sluice__parse_date(p, n, &days))
            return put_text(f, i, p, n);
        break;
    case SLUICE_DBT_TIME: {
        bool conv = false;
        switch (node->decl) {
        case SLUICE_D_TIMESTAMP_S:
            conv = (num || str) && sluice__epoch_to_us(p, n, 1000000, &v);
            break;
        case SLUICE_D_TIMESTAMP_MS:
            conv = (num || str) && sluice__epoch_to_us(p, n, 1000, &v);
            break;
        case SLUICE_D_TIMESTAMP_US:
            conv = (num || str) && sluice__epoch_to_us(p, n, 1, &v);
            break;
        default:
            conv = str && sluice__parse_timestamp(p, n, &v);
            break;
        }
        if (conv)
            return put_time(f, i, v);
        break;
    }
    case SLUICE_DBT_JSON:
        break; /* not reached: put_value writes JSON itself */
    }
    *ok = false;
    return SLUICE_OK;
}

static int put_value(struct fill *f, const struct sluice_db_col *col,
                     struct sluice_evcur *c, enum sluice_ev ev, const char *p,
                     size_t n)
{
    struct sluice_db_row *row = f->row;
    size_t i = (size_t)(col - f->cols->v);
    int rc = SLUICE_OK;
    if (ev == SLUICE_EV_NULL) {
        row->off[i] = NO_VALUE;
        return SLUICE_OK;
    }
    if (col->type == SLUICE_DBT_JSON) {
        sluice__buf_reset(&row->json);
        SLUICE_TRY(sluice__ev_to_json(c, ev, p, n, &row->json));
        return put_text(f, i, row->json.p, row->json.n);
    }
    bool ok = false;
    if (ev != SLUICE_EV_OBJECT && ev != SLUICE_EV_ARRAY)
        SLUICE_TRY(convert(f, i, col, ev, p, n, &ok));
    if (ok)
        return SLUICE_OK;
    row->bad_values++;
    row->off[i] = NO_VALUE;
    if (row->fail_on_bad) {
        sluice__buf_reset(&row->json);
        if (sluice__ev_to_json(c, ev, p, n, &row->json) != SLUICE_OK)
            sluice__buf_reset(&row->json);
        sluice__err_set(f->err,
                        "record %llu: %s: %.80s does not convert to %s "
                        "(on_bad_value: fail)",
                        (unsigned long long)row->records + 1,
                        sluice__table_node_path((struct sluice_table *)f->t,
                                                col->node),
                        sluice__buf_str(&row->json),
                        sluice__tdecl_name(col->node->decl));
        return SLUICE_EINVAL;
    }
    if ((ev == SLUICE_EV_OBJECT || ev == SLUICE_EV_ARRAY) &&
        !sluice__ev_skip_rest(c, ev))
        return corrupt(f);
out:
    return rc;
}

/* The members of an object whose '{' was read, at schema node `node`. */
static int walk_object(struct fill *f, const struct sluice_tnode *node,
                       struct sluice_evcur *c)
{
    enum sluice_ev ev;
    const char *p;
    size_t n;
    int rc;
    for (;;) {
        if (!sluice__ev_next(c, &ev, &p, &n))
            return corrupt(f);
        if (ev == SLUICE_EV_OBJECT_END)
            return SLUICE_OK;
        if (ev != SLUICE_EV_KEY)
            return corrupt(f);
        struct sluice_tnode *kid =
            sluice__tnode_find((struct sluice_tnode *)node, p, n);
        if (!sluice__ev_next(c, &ev, &p, &n))
            return corrupt(f);
        const struct sluice_db_col *col = col_of(f, kid);
        if (col)
            rc = put_value(f, col, c, ev, p, n);
        else if (kid && kid->kind == SLUICE_T_STRUCT && ev == SLUICE_EV_OBJECT)
            rc = walk_object(f, kid, c); /* flattened: its leaves */
        else
            rc = sluice__ev_skip_rest(c, ev) ? SLUICE_OK : corrupt(f);
        if (rc != SLUICE_OK)
            return rc;
    }
}

int sluice__db_row_fill(struct sluice_db_row *row, const struct sluice_table *t,
                        const struct sluice_db_cols *cols, const uint8_t *rec,
                        size_t rn, struct sluice_err *err)
{
    struct fill f = {row, t, cols, err};
    struct sluice_evcur c = {rec, rec + rn};
    enum sluice_ev ev;
    const char *p;
    size_t n;
    int rc = SLUICE_OK;
    if (row->cap < cols->n) {
        size_t cap = cols->n;
        sluice__free(row->off);
        sluice__free(row->len);
        row->off = sluice__calloc(cap, sizeof *row->off);
        row->len = sluice__calloc(cap, sizeof *row->len);
        row->cap = row->off && row->len ? cap : 0;
        SLUICE_FAIL_IF(!row->cap, SLUICE_ENOMEM, err, "out of memory");
    }
    sluice__buf_reset(&row->val);
    for (size_t i = 0; i < cols->n; i++)
        row->off[i] = NO_VALUE;
    if (!sluice__ev_next(&c, &ev, &p, &n))
        return corrupt(&f);
    if (ev == SLUICE_EV_OBJECT) {
        rc = walk_object(&f, t->root, &c);
    } else { /* taken as {"value": record} */
        const struct sluice_db_col *col =
            col_of(&f, sluice__tnode_find(t->root, "value", 5));
        rc = col ? put_value(&f, col, &c, ev, p, n) : SLUICE_OK;
    }
    if (rc == SLUICE_OK)
        row->records++;
    else if (!err->msg[0])
        sluice__err_set(err, "%s", rc == SLUICE_ETOOBIG ? "row too large"
                                                        : sluice_strerror(rc));
out:
    return rc;
}

int sluice__db_quote_ident(struct sluice_buf *b, const char *name)
{
    int rc = SLUICE_OK;
    SLUICE_TRY(sluice__buf_addc(b, '"'));
    for (const char *c = name; *c; c++) {
        if (*c == '"')
            SLUICE_TRY(sluice__buf_addc(b, '"'));
        SLUICE_TRY(sluice__buf_addc(b, *c));
    }
    SLUICE_TRY(sluice__buf_addc(b, '"'));
out:
    return rc;
}
