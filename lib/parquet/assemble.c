/* assemble.c: rebuilds records from decoded columns (Dremel assembly) and
 * prints them as JSON.
 *
 * Every leaf column has a cursor. Printing a node consumes, from each leaf
 * under it, the entries of this one occurrence. Whether a node is present
 * is read off the next entry of its first leaf: all leaves under a node
 * agree on the levels up to that node. A missing node (definition level
 * below its own) and an empty repeated field both take exactly one entry
 * from every leaf below. After an occurrence of a repeated node, the next
 * entry's repetition level says whether another occurrence follows (equal
 * to the node's) or the field is done (smaller). */
#include "parquet/readstate.h"

#include "parquet/values.h"

#include <inttypes.h>
#include <string.h>

struct asm_ctx {
    const struct sluice_pq_schema *s;
    struct pq_rcol *cols;
    struct sluice_buf *out;
    struct sluice_err *err;
};

static int fail(struct asm_ctx *a, const char *what, int node)
{
    sluice__err_set(a->err, "record assembly: field '%s': %s",
                    a->s->nodes[node].name, what);
    return SLUICE_EPARQUET;
}

/* The next entry of the node's first leaf; fails when the column ran out. */
static int peek(struct asm_ctx *a, int node, uint8_t *def, uint8_t *rep)
{
    const struct pq_rcol *c = &a->cols[a->s->nodes[node].leaf_begin];
    if (c->pos >= c->n)
        return fail(a, "column ended early", node);
    *def = c->def[c->pos];
    *rep = c->rep[c->pos];
    return SLUICE_OK;
}

/* Consumes one entry from every leaf under the node (a null or empty). */
static int skip_one(struct asm_ctx *a, int node)
{
    const struct sluice_pq_node *nd = &a->s->nodes[node];
    for (int l = nd->leaf_begin; l < nd->leaf_end; l++) {
        struct pq_rcol *c = &a->cols[l];
        if (c->pos >= c->n)
            return fail(a, "column ended early", node);
        const struct sluice_pq_node *leaf =
            sluice__pq_schema_leaf(a->s, (size_t)l);
        if (c->def[c->pos] == leaf->def_level)
            return fail(a, "levels disagree between columns", node);
        c->pos++;
    }
    return SLUICE_OK;
}

static int put_value(struct asm_ctx *a, int node)
{
    const struct sluice_pq_node *nd = &a->s->nodes[node];
    struct pq_rcol *c = &a->cols[nd->leaf_begin];
    if (c->def[c->pos] != nd->def_level || c->vpos >= c->nv)
        return fail(a, "levels disagree between columns", node);
    const union pq_rv *v = &c->vals[c->vpos++];
    c->pos++;
    struct sluice_buf *o = a->out;
    switch (nd->type) {
    case SLUICE_PQ_BOOLEAN:
        return sluice__buf_adds(o, v->i ? "true" : "false");
    case SLUICE_PQ_INT32:
        if (nd->logical == SLUICE_PQ_LT_DATE)
            return sluice__pq_fmt_date(o, v->i);
        return sluice__buf_appendf(o, "%" PRId64, v->i);
    case SLUICE_PQ_INT64:
        switch (nd->logical) {
        case SLUICE_PQ_LT_TIMESTAMP_MS:
            return sluice__pq_fmt_timestamp(o, v->i, 1000, !nd->ts_local);
        case SLUICE_PQ_LT_TIMESTAMP_US:
            return sluice__pq_fmt_timestamp(o, v->i, 1000000, !nd->ts_local);
        case SLUICE_PQ_LT_TIMESTAMP_NS:
            return sluice__pq_fmt_timestamp(o, v->i, 1000000000, !nd->ts_local);
        default:
            return sluice__buf_appendf(o, "%" PRId64, v->i);
        }
    case SLUICE_PQ_DOUBLE:
        return sluice__pq_fmt_double(o, v->d);
    default:
        break;
    }
    if (nd->logical == SLUICE_PQ_LT_JSON) {
        if (v->s.n == 0)
            return fail(a, "empty JSON value", node);
        return sluice__buf_append(o, v->s.p, v->s.n);
    }
    size_t bad = 0;
    if (!sluice__utf8_valid(v->s.p, v->s.n, &bad))
        return fail(a, "string is not UTF-8", node);
    return sluice__pq_json_string(o, v->s.p, v->s.n);
}

static int put_node(struct asm_ctx *a, int node, bool instance);
static int put_repeated(struct asm_ctx *a, int node);

static int put_field(struct asm_ctx *a, int node)
{
    if (a->s->nodes[node].repetition == SLUICE_PQ_REPEATED)
        return put_repeated(a, node);
    return put_node(a, node, false);
}

static int put_object(struct asm_ctx *a, int node)
{
    int rc = sluice__buf_addc(a->out, '{');
    bool first = true;
    for (int ch = a->s->nodes[node].first_child; rc == SLUICE_OK && ch >= 0;
         ch = a->s->nodes[ch].next_sibling) {
        const char *nm = a->s->nodes[ch].name;
        if (!first)
            rc = sluice__buf_addc(a->out, ',');
        first = false;
        if (rc == SLUICE_OK)
            rc = sluice__pq_json_string(a->out, nm, strlen(nm));
        if (rc == SLUICE_OK)
            rc = sluice__buf_addc(a->out, ':');
        if (rc == SLUICE_OK)
            rc = put_field(a, ch);
    }
    if (rc == SLUICE_OK)
        rc = sluice__buf_addc(a->out, '}');
    return rc;
}

/* One occurrence of a node. `instance`: an occurrence of a repeated node,
 * whose presence the caller established. */
static int put_node(struct asm_ctx *a, int node, bool instance)
{
    int rc;
    const struct sluice_pq_node *nd = &a->s->nodes[node];
    uint8_t def, rep;
    if ((rc = peek(a, node, &def, &rep)) != SLUICE_OK)
        return rc;
    if (!instance && def < nd->def_level) {
        if (nd->repetition != SLUICE_PQ_OPTIONAL)
            return fail(a, "a required field is missing", node);
        rc = skip_one(a, node);
        return rc != SLUICE_OK ? rc : sluice__buf_adds(a->out, "null");
    }
    if (nd->is_leaf)
        return put_value(a, node);
    if (nd->logical == SLUICE_PQ_LT_LIST) {
        /* The one child is repeated (checked when the schema froze). */
        rc = sluice__buf_addc(a->out, '[');
        if (rc == SLUICE_OK)
            rc = put_repeated(a, nd->first_child);
        return rc != SLUICE_OK ? rc : sluice__buf_addc(a->out, ']');
    }
    return put_object(a, node);
}

/* The occurrences of a repeated node, comma-separated; a bare repeated
 * field (not under a LIST) gets its own brackets. A repeated group with a
 * single child under a LIST prints as that child (3-level lists). */
static int put_repeated(struct asm_ctx *a, int node)
{
    int rc;
    const struct sluice_pq_node *nd = &a->s->nodes[node];
    bool in_list = a->s->nodes[nd->parent].logical == SLUICE_PQ_LT_LIST;
    bool unwrap = in_list && !nd->is_leaf && nd->num_children == 1;
    uint8_t def, rep;
    if (!in_list && (rc = sluice__buf_addc(a->out, '[')) != SLUICE_OK)
        return rc;
    if ((rc = peek(a, node, &def, &rep)) != SLUICE_OK)
        return rc;
    if (def < nd->def_level) {
        rc = skip_one(a, node); /* empty */
    } else {
        for (bool first = true;; first = false) {
            if (!first && (rc = sluice__buf_addc(a->out, ',')) != SLUICE_OK)
                return rc;
            rc = unwrap ? put_field(a, nd->first_child)
                        : put_node(a, node, true);
            if (rc != SLUICE_OK)
                return rc;
            const struct pq_rcol *c = &a->cols[nd->leaf_begin];
            if (c->pos >= c->n || c->rep[c->pos] != nd->rep_level)
                break;
        }
    }
    if (rc == SLUICE_OK && !in_list)
        rc = sluice__buf_addc(a->out, ']');
    return rc;
}

int sluice__pq_assemble(const struct sluice_pq_schema *s, struct pq_rcol *cols,
                        uint64_t rows, struct sluice_buf *out,
                        struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct asm_ctx a = {s, cols, out, err};
    for (uint64_t r = 0; r < rows; r++) {
        for (size_t l = 0; l < s->nleaves; l++)
            if (cols[l].pos >= cols[l].n || cols[l].rep[cols[l].pos] != 0) {
                sluice__err_set(err,
                                "record %" PRIu64 ": column %zu is not "
                                "at a record start",
                                r, l);
                return SLUICE_EPARQUET;
            }
        if ((rc = put_object(&a, 0)) != SLUICE_OK)
            return rc;
        if ((rc = sluice__buf_addc(out, '\n')) != SLUICE_OK)
            return rc;
    }
    for (size_t l = 0; l < s->nleaves; l++)
        if (cols[l].pos != cols[l].n) {
            sluice__err_set(err, "column %zu has %zu entries left over", l,
                            cols[l].n - cols[l].pos);
            return SLUICE_EPARQUET;
        }
    return rc;
}
