/* pq_schema.c: building, validating and serialising the Parquet schema tree.
 * The tree is flat storage (an array of nodes linked by index) so that the
 * reader can rebuild it from the footer's depth-first element list with the
 * same calls the writer uses. */
#include "parquet/pq_schema.h"

#include "parquet/format.h"
#include "parquet/thrift.h"
#include "parquet/values.h"

#include <string.h>

int sluice__pq_schema_new(struct sluice_pq_schema **out)
{
    *out = NULL;
    struct sluice_pq_schema *s = sluice__calloc(1, sizeof *s);
    if (!s)
        return SLUICE_ENOMEM;
    s->cap = 16;
    s->nodes = sluice__calloc(s->cap, sizeof *s->nodes);
    s->n = 1;
    if (s->nodes)
        s->nodes[0].name = sluice__strdup("schema");
    if (!s->nodes || !s->nodes[0].name) {
        sluice__pq_schema_free(s);
        return SLUICE_ENOMEM;
    }
    struct sluice_pq_node *root = &s->nodes[0];
    root->parent = root->first_child = root->last_child = -1;
    root->next_sibling = -1;
    root->repetition = SLUICE_PQ_REQUIRED;
    root->leaf_index = -1;
    *out = s;
    return SLUICE_OK;
}

void sluice__pq_schema_free(struct sluice_pq_schema *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->nodes && i < s->n; i++)
        sluice__free(s->nodes[i].name);
    sluice__free(s->nodes);
    sluice__free(s->leaves);
    sluice__free(s->repdef);
    sluice__free(s);
}

static int add_node(struct sluice_pq_schema *s, int parent, const char *name,
                    enum sluice_pq_repetition rep, int *id,
                    struct sluice_err *err)
{
    int rc = SLUICE_OK;
    SLUICE_FAIL_IF(s->frozen, SLUICE_EINVAL, err,
                   "schema: cannot add '%s': schema is frozen", name);
    SLUICE_FAIL_IF(parent < 0 || (size_t)parent >= s->n ||
                       s->nodes[parent].is_leaf,
                   SLUICE_EINVAL, err, "schema: '%s': parent %d is not a group",
                   name, parent);
    size_t len = strlen(name);
    SLUICE_FAIL_IF(len == 0, SLUICE_EINVAL, err,
                   "schema: empty field name under '%s'",
                   s->nodes[parent].name);
    SLUICE_FAIL_IF(!sluice__utf8_valid(name, len, NULL), SLUICE_EINVAL, err,
                   "schema: field name under '%s' is not UTF-8",
                   s->nodes[parent].name);
    SLUICE_FAIL_IF(rep > SLUICE_PQ_REPEATED, SLUICE_EINVAL, err,
                   "schema: '%s': bad repetition", name);
    for (int c = s->nodes[parent].first_child; c >= 0;
         c = s->nodes[c].next_sibling)
        SLUICE_FAIL_IF(strcmp(s->nodes[c].name, name) == 0, SLUICE_EINVAL, err,
                       "schema: duplicate field '%s' under '%s'", name,
                       s->nodes[parent].name);
    SLUICE_FAIL_IF(s->n >= SLUICE_PQ_MAX_NODES, SLUICE_ETOOBIG, err,
                   "schema: more than %d nodes", SLUICE_PQ_MAX_NODES);
    SLUICE_FAIL_IF(s->nodes[parent].depth >= SLUICE_PQ_MAX_DEPTH,
                   SLUICE_ETOOBIG, err, "schema: '%s' nested deeper than %d",
                   name, SLUICE_PQ_MAX_DEPTH);
    struct sluice_pq_node *nn =
        sluice__grow(s->nodes, &s->cap, s->n + 1, sizeof *nn, 16);
    SLUICE_FAIL_IF(!nn, SLUICE_ENOMEM, err, "schema: out of memory");
    s->nodes = nn;
    struct sluice_pq_node *nd = &s->nodes[s->n];
    memset(nd, 0, sizeof *nd);
    nd->name = sluice__strndup(name, len);
    SLUICE_FAIL_IF(!nd->name, SLUICE_ENOMEM, err, "schema: out of memory");
    nd->parent = parent;
    nd->first_child = nd->last_child = nd->next_sibling = -1;
    nd->repetition = (uint8_t)rep;
    nd->depth = (uint8_t)(s->nodes[parent].depth + 1);
    nd->leaf_index = -1;
    int me = (int)s->n++;
    struct sluice_pq_node *p = &s->nodes[parent];
    if (p->last_child >= 0)
        s->nodes[p->last_child].next_sibling = me;
    else
        p->first_child = me;
    p->last_child = me;
    p->num_children++;
    *id = me;
out:
    return rc;
}

int sluice__pq_schema_add_group(struct sluice_pq_schema *s, int parent,
                                const char *name, enum sluice_pq_repetition rep,
                                enum sluice_pq_logical logical, int *id,
                                struct sluice_err *err)
{
    int rc = SLUICE_OK;
    SLUICE_FAIL_IF(logical != SLUICE_PQ_LT_NONE && logical != SLUICE_PQ_LT_LIST,
                   SLUICE_EINVAL, err,
                   "schema: group '%s': only LIST may annotate a group", name);
    SLUICE_TRY(add_node(s, parent, name, rep, id, err));
    s->nodes[*id].logical = (uint8_t)logical;
out:
    return rc;
}

static bool logical_fits(enum sluice_pq_type t, enum sluice_pq_logical lt)
{
    switch (lt) {
    case SLUICE_PQ_LT_NONE:
        return true;
    case SLUICE_PQ_LT_STRING:
    case SLUICE_PQ_LT_JSON:
        return t == SLUICE_PQ_BYTE_ARRAY;
    case SLUICE_PQ_LT_DATE:
        return t == SLUICE_PQ_INT32;
    case SLUICE_PQ_LT_TIMESTAMP_US:
    case SLUICE_PQ_LT_TIMESTAMP_MS:
    case SLUICE_PQ_LT_TIMESTAMP_NS:
        return t == SLUICE_PQ_INT64;
    default:
        return false;
    }
}

int sluice__pq_schema_add_leaf(struct sluice_pq_schema *s, int parent,
                               const char *name, enum sluice_pq_repetition rep,
                               enum sluice_pq_type type,
                               enum sluice_pq_logical logical, int *id,
                               struct sluice_err *err)
{
    int rc = SLUICE_OK;
    SLUICE_FAIL_IF(type != SLUICE_PQ_BOOLEAN && type != SLUICE_PQ_INT32 &&
                       type != SLUICE_PQ_INT64 && type != SLUICE_PQ_DOUBLE &&
                       type != SLUICE_PQ_BYTE_ARRAY,
                   SLUICE_EINVAL, err, "schema: '%s': unsupported type %d",
                   name, (int)type);
    SLUICE_FAIL_IF(!logical_fits(type, logical), SLUICE_EINVAL, err,
                   "schema: '%s': logical type does not fit its type", name);
    SLUICE_TRY(add_node(s, parent, name, rep, id, err));
    s->nodes[*id].is_leaf = true;
    s->nodes[*id].type = (uint8_t)type;
    s->nodes[*id].logical = (uint8_t)logical;
out:
    return rc;
}

int sluice__pq_schema_add_list(struct sluice_pq_schema *s, int parent,
                               const char *name, enum sluice_pq_repetition rep,
                               int *list_id, struct sluice_err *err)
{
    int rc = SLUICE_OK, outer;
    SLUICE_TRY(sluice__pq_schema_add_group(s, parent, name, rep,
                                           SLUICE_PQ_LT_LIST, &outer, err));
    SLUICE_TRY(sluice__pq_schema_add_group(s, outer, "list", SLUICE_PQ_REPEATED,
                                           SLUICE_PQ_LT_NONE, list_id, err));
out:
    return rc;
}

/* Depth-first walk assigning levels and leaf numbers. Recursion depth is
 * bounded by SLUICE_PQ_MAX_DEPTH. */
static int visit(struct sluice_pq_schema *s, int id, size_t *nleaves,
                 size_t *repdef_n, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_pq_node *nd = &s->nodes[id];
    if (id != 0) {
        const struct sluice_pq_node *p = &s->nodes[nd->parent];
        nd->def_level =
            (uint8_t)(p->def_level + (nd->repetition != SLUICE_PQ_REQUIRED));
        nd->rep_level =
            (uint8_t)(p->rep_level + (nd->repetition == SLUICE_PQ_REPEATED));
    }
    nd->leaf_begin = (int)*nleaves;
    if (nd->is_leaf) {
        nd->leaf_index = (int)(*nleaves)++;
        nd->repdef_off = *repdef_n;
        *repdef_n += (size_t)nd->rep_level + 1;
    } else {
        SLUICE_FAIL_IF(nd->num_children == 0, SLUICE_EINVAL, err,
                       "schema: group '%s' has no fields", nd->name);
        if (nd->logical == SLUICE_PQ_LT_LIST) {
            const struct sluice_pq_node *c = &s->nodes[nd->first_child];
            SLUICE_FAIL_IF(
                nd->num_children != 1 || c->repetition != SLUICE_PQ_REPEATED ||
                    nd->repetition == SLUICE_PQ_REPEATED,
                SLUICE_EINVAL, err,
                "schema: LIST '%s' must hold one repeated field", nd->name);
        }
        for (int c = nd->first_child; c >= 0; c = s->nodes[c].next_sibling)
            SLUICE_TRY(visit(s, c, nleaves, repdef_n, err));
    }
    s->nodes[id].leaf_end = (int)*nleaves;
out:
    return rc;
}

int sluice__pq_schema_freeze(struct sluice_pq_schema *s, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    size_t nleaves = 0, repdef_n = 0;
    if (s->frozen)
        return SLUICE_OK;
    SLUICE_TRY(visit(s, 0, &nleaves, &repdef_n, err));
    s->leaves = sluice__calloc(nleaves ? nleaves : 1, sizeof *s->leaves);
    s->repdef = sluice__calloc(repdef_n ? repdef_n : 1, 1);
    SLUICE_FAIL_IF(!s->leaves || !s->repdef, SLUICE_ENOMEM, err,
                   "schema: out of memory");
    s->nleaves = nleaves;
    for (size_t i = 0; i < s->n; i++) {
        const struct sluice_pq_node *nd = &s->nodes[i];
        if (!nd->is_leaf)
            continue;
        s->leaves[nd->leaf_index] = (int)i;
        for (int a = (int)i; a > 0; a = s->nodes[a].parent) {
            const struct sluice_pq_node *an = &s->nodes[a];
            if (an->repetition == SLUICE_PQ_REPEATED)
                s->repdef[nd->repdef_off + an->rep_level] = an->def_level;
        }
    }
    s->frozen = true;
out:
    if (rc != SLUICE_OK) {
        sluice__free(s->leaves);
        sluice__free(s->repdef);
        s->leaves = NULL;
        s->repdef = NULL;
    }
    return rc;
}

/* ---- Thrift ----------------------------------------------------------- */

static int write_logical(struct sluice_thrift_w *w,
                         const struct sluice_pq_node *nd)
{
    int rc = SLUICE_OK;
    int ct = -1, lt = 0, unit = 0;
    switch (nd->logical) {
    case SLUICE_PQ_LT_STRING:
        ct = PQ_CT_UTF8, lt = PQ_LT_STRING;
        break;
    case SLUICE_PQ_LT_JSON:
        ct = PQ_CT_JSON, lt = PQ_LT_JSON;
        break;
    case SLUICE_PQ_LT_DATE:
        ct = PQ_CT_DATE, lt = PQ_LT_DATE;
        break;
    case SLUICE_PQ_LT_LIST:
        ct = PQ_CT_LIST, lt = PQ_LT_LIST;
        break;
    case SLUICE_PQ_LT_TIMESTAMP_MS:
        ct = PQ_CT_TIMESTAMP_MILLIS, lt = PQ_LT_TIMESTAMP, unit = 1;
        break;
    case SLUICE_PQ_LT_TIMESTAMP_US:
        ct = PQ_CT_TIMESTAMP_MICROS, lt = PQ_LT_TIMESTAMP, unit = 2;
        break;
    case SLUICE_PQ_LT_TIMESTAMP_NS:
        lt = PQ_LT_TIMESTAMP, unit = 3;
        break;
    default:
        return SLUICE_OK;
    }
    if (ct >= 0)
        SLUICE_TRY(sluice__thrift_field_i32(w, 6, ct));
    SLUICE_TRY(sluice__thrift_field_struct(w, 10)); /* LogicalType union */
    SLUICE_TRY(sluice__thrift_field_struct(w, (int16_t)lt));
    if (lt == PQ_LT_TIMESTAMP) {
        SLUICE_TRY(sluice__thrift_field_bool(w, 1, !nd->ts_local));
        SLUICE_TRY(sluice__thrift_field_struct(w, 2)); /* TimeUnit union */
        SLUICE_TRY(sluice__thrift_field_struct(w, (int16_t)unit));
        SLUICE_TRY(sluice__thrift_struct_end(w));
        SLUICE_TRY(sluice__thrift_struct_end(w));
    }
    SLUICE_TRY(sluice__thrift_struct_end(w));
    SLUICE_TRY(sluice__thrift_struct_end(w));
out:
    return rc;
}

static int write_element(const struct sluice_pq_schema *s, int id,
                         struct sluice_thrift_w *w)
{
    int rc = SLUICE_OK;
    const struct sluice_pq_node *nd = &s->nodes[id];
    SLUICE_TRY(sluice__thrift_struct_begin(w));
    if (nd->is_leaf)
        SLUICE_TRY(sluice__thrift_field_i32(w, 1, nd->type));
    if (id != 0)
        SLUICE_TRY(sluice__thrift_field_i32(w, 3, nd->repetition));
    SLUICE_TRY(sluice__thrift_field_binary(w, 4, nd->name, strlen(nd->name)));
    if (!nd->is_leaf)
        SLUICE_TRY(sluice__thrift_field_i32(w, 5, nd->num_children));
    SLUICE_TRY(write_logical(w, nd));
    SLUICE_TRY(sluice__thrift_struct_end(w));
    for (int c = nd->first_child; c >= 0; c = s->nodes[c].next_sibling)
        SLUICE_TRY(write_element(s, c, w));
out:
    return rc;
}

int sluice__pq_schema_write(const struct sluice_pq_schema *s,
                            struct sluice_thrift_w *w, int16_t id)
{
    int rc = SLUICE_OK;
    SLUICE_TRY(sluice__thrift_field_list(w, id, THRIFT_STRUCT, (uint32_t)s->n));
    SLUICE_TRY(write_element(s, 0, w));
out:
    return rc;
}

/* The ancestors of a leaf, root excluded, outermost first. */
static size_t leaf_path(const struct sluice_pq_schema *s, size_t leaf,
                        int ids[SLUICE_PQ_MAX_DEPTH + 1])
{
    size_t n = 0;
    for (int a = s->leaves[leaf]; a > 0; a = s->nodes[a].parent)
        ids[n++] = a;
    for (size_t i = 0; i < n / 2; i++) {
        int t = ids[i];
        ids[i] = ids[n - 1 - i];
        ids[n - 1 - i] = t;
    }
    return n;
}

int sluice__pq_schema_write_path(const struct sluice_pq_schema *s, size_t leaf,
                                 struct sluice_thrift_w *w, int16_t id)
{
    int rc = SLUICE_OK;
    int ids[SLUICE_PQ_MAX_DEPTH + 1];
    size_t n = leaf_path(s, leaf, ids);
    SLUICE_TRY(sluice__thrift_field_list(w, id, THRIFT_BINARY, (uint32_t)n));
    for (size_t i = 0; i < n; i++) {
        const char *nm = s->nodes[ids[i]].name;
        SLUICE_TRY(sluice__thrift_elem_binary(w, nm, strlen(nm)));
    }
out:
    return rc;
}

int sluice__pq_schema_path(const struct sluice_pq_schema *s, size_t leaf,
                           struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    int ids[SLUICE_PQ_MAX_DEPTH + 1];
    size_t n = leaf_path(s, leaf, ids);
    for (size_t i = 0; i < n; i++) {
        if (i)
            SLUICE_TRY(sluice__buf_addc(out, '.'));
        SLUICE_TRY(sluice__buf_adds(out, s->nodes[ids[i]].name));
    }
out:
    return rc;
}

/* ---- text dump -------------------------------------------------------- */

static const char *type_name(int t)
{
    switch (t) {
    case SLUICE_PQ_BOOLEAN:
        return "boolean";
    case SLUICE_PQ_INT32:
        return "int32";
    case SLUICE_PQ_INT64:
        return "int64";
    case SLUICE_PQ_DOUBLE:
        return "double";
    default:
        return "binary";
    }
}

static const char *logical_name(const struct sluice_pq_node *nd)
{
    switch (nd->logical) {
    case SLUICE_PQ_LT_STRING:
        return "STRING";
    case SLUICE_PQ_LT_JSON:
        return "JSON";
    case SLUICE_PQ_LT_DATE:
        return "DATE";
    case SLUICE_PQ_LT_LIST:
        return "LIST";
    case SLUICE_PQ_LT_TIMESTAMP_MS:
        return nd->ts_local ? "TIMESTAMP(MILLIS,false)"
                            : "TIMESTAMP(MILLIS,true)";
    case SLUICE_PQ_LT_TIMESTAMP_US:
        return nd->ts_local ? "TIMESTAMP(MICROS,false)"
                            : "TIMESTAMP(MICROS,true)";
    case SLUICE_PQ_LT_TIMESTAMP_NS:
        return nd->ts_local ? "TIMESTAMP(NANOS,false)"
                            : "TIMESTAMP(NANOS,true)";
    default:
        return NULL;
    }
}

static int dump_node(const struct sluice_pq_schema *s, int id,
                     struct sluice_buf *out)
{
    static const char *const reps[] = {"required", "optional", "repeated"};
    int rc = SLUICE_OK;
    const struct sluice_pq_node *nd = &s->nodes[id];
    const char *lt = logical_name(nd);
    SLUICE_TRY(sluice__buf_appendf(out, "%*s", 2 * (int)nd->depth, ""));
    if (id == 0)
        SLUICE_TRY(sluice__buf_appendf(out, "message %s", nd->name));
    else
        SLUICE_TRY(sluice__buf_appendf(
            out, "%s %s %s", reps[nd->repetition % 3],
            nd->is_leaf ? type_name(nd->type) : "group", nd->name));
    if (lt)
        SLUICE_TRY(sluice__buf_appendf(out, " (%s)", lt));
    if (nd->is_leaf) {
        SLUICE_TRY(sluice__buf_adds(out, ";\n"));
        goto out;
    }
    SLUICE_TRY(sluice__buf_adds(out, " {\n"));
    for (int c = nd->first_child; c >= 0; c = s->nodes[c].next_sibling)
        SLUICE_TRY(dump_node(s, c, out));
    SLUICE_TRY(sluice__buf_appendf(out, "%*s}\n", 2 * (int)nd->depth, ""));
out:
    return rc;
}

int sluice__pq_schema_dump(const struct sluice_pq_schema *s,
                           struct sluice_buf *out)
{
    return dump_node(s, 0, out);
}
