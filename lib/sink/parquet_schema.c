/* parquet_schema.c: a table schema to a Parquet schema, nested or
 * flattened (parquet_schema.h). Leaves are added depth-first, so the order they are added in
 * is the column order the frozen Parquet schema gives them. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sink/parquet_schema.h"

struct build {
    struct sluice_table *t;
    struct sluice_pq_schema *s;
    bool flatten;
    size_t leaves; /* added so far */
    char **flat;   /* flattened names in use */
    size_t n_flat, cap_flat;
    struct sluice_buf name; /* scratch */
    struct sluice_err *err;
};

static bool is_leaf_kind(int k)
{
    return k >= SLUICE_T_BOOLEAN && k <= SLUICE_T_JSON;
}

static bool wanted(const struct sluice_tnode *node)
{
    if (is_leaf_kind(node->kind))
        return true;
    if (node->kind == SLUICE_T_LIST)
        return wanted(node->kids[0]);
    if (node->kind == SLUICE_T_STRUCT)
        for (size_t i = 0; i < node->n; i++)
            if (wanted(node->kids[i]))
                return true;
    return false;
}

bool sluice__table_has_columns(const struct sluice_table *t)
{
    return t->root && wanted(t->root);
}

static void reset(struct sluice_tnode *node)
{
    node->out = false;
    node->as_json = false;
    node->pq = -1;
    node->def = node->rep = 0;
    node->lb = node->le = 0;
    for (size_t i = 0; i < node->n; i++)
        reset(node->kids[i]);
}

static int add_leaf(struct build *b, struct sluice_tnode *node, int parent,
                    const char *name, bool as_json)
{
    static const struct {
        enum sluice_pq_type type;
        enum sluice_pq_logical lt;
    } MAP[] = {
        [SLUICE_T_BOOLEAN] = {SLUICE_PQ_BOOLEAN, SLUICE_PQ_LT_NONE},
        [SLUICE_T_INT64] = {SLUICE_PQ_INT64, SLUICE_PQ_LT_NONE},
        [SLUICE_T_DOUBLE] = {SLUICE_PQ_DOUBLE, SLUICE_PQ_LT_NONE},
        [SLUICE_T_STRING] = {SLUICE_PQ_BYTE_ARRAY, SLUICE_PQ_LT_STRING},
        [SLUICE_T_DATE] = {SLUICE_PQ_INT32, SLUICE_PQ_LT_DATE},
        [SLUICE_T_TIMESTAMP] = {SLUICE_PQ_INT64, SLUICE_PQ_LT_TIMESTAMP_US},
        [SLUICE_T_JSON] = {SLUICE_PQ_BYTE_ARRAY, SLUICE_PQ_LT_JSON},
    };
    int k = as_json ? SLUICE_T_JSON : node->kind;
    node->as_json = k == SLUICE_T_JSON;
    node->out = true;
    node->lb = b->leaves++;
    node->le = b->leaves;
    return sluice__pq_schema_add_leaf(b->s, parent, name, SLUICE_PQ_OPTIONAL,
                                      MAP[k].type, MAP[k].lt, &node->pq,
                                      b->err);
}

static int add_nested(struct build *b, struct sluice_tnode *node, int parent,
                      const char *name)
{
    int rc = SLUICE_OK;
    if (!wanted(node))
        return SLUICE_OK;
    if (is_leaf_kind(node->kind))
        return add_leaf(b, node, parent, name, false);
    node->out = true;
    node->lb = b->leaves;
    if (node->kind == SLUICE_T_STRUCT) {
        SLUICE_TRY(
            sluice__pq_schema_add_group(b->s, parent, name, SLUICE_PQ_OPTIONAL,
                                        SLUICE_PQ_LT_NONE, &node->pq, b->err));
        for (size_t i = 0; i < node->n; i++)
            SLUICE_TRY(
                add_nested(b, node->kids[i], node->pq, node->kids[i]->col));
    } else {
        int list_id;
        SLUICE_TRY(sluice__pq_schema_add_list(
            b->s, parent, name, SLUICE_PQ_OPTIONAL, &list_id, b->err));
        node->pq = b->s->nodes[list_id].parent;
        SLUICE_TRY(add_nested(b, node->kids[0], list_id, "element"));
    }
    node->le = b->leaves;
out:
    return rc;
}

static bool flat_taken(const struct build *b, const char *name)
{
    for (size_t i = 0; i < b->n_flat; i++)
        if (!strcasecmp(b->flat[i], name))
            return true;
    return false;
}

static int flat_use(struct build *b, char *name)
{
    char **flat = sluice__grow(b->flat, &b->cap_flat, b->n_flat + 1,
                               sizeof *flat, 32);
    if (!flat)
        return SLUICE_ENOMEM;
    b->flat = flat;
    b->flat[b->n_flat++] = name;
    return SLUICE_OK;
}

/* Pass 1: names assigned by earlier builds are kept and reserved. */
static int flat_reserve(struct build *b, struct sluice_tnode *node)
{
    int rc = SLUICE_OK;
    if (node->flat)
        SLUICE_TRY(flat_use(b, node->flat));
    if (node->kind == SLUICE_T_STRUCT)
        for (size_t i = 0; i < node->n; i++)
            SLUICE_TRY(flat_reserve(b, node->kids[i]));
out:
    return rc;
}

/* A new leaf's flattened name: its path of columns joined by "__", with a
 * numbered suffix when that clashes case-insensitively. */
static int flat_assign(struct build *b, struct sluice_tnode *node,
                       const char *path)
{
    int rc = SLUICE_OK;
    char sfx[32];
    sluice__buf_reset(&b->name);
    SLUICE_TRY(sluice__buf_adds(&b->name, path));
    for (unsigned k = 2; flat_taken(b, b->name.p); k++) {
        snprintf(sfx, sizeof sfx, "__%u", k);
        sluice__buf_reset(&b->name);
        SLUICE_TRY(sluice__buf_adds(&b->name, path));
        SLUICE_TRY(sluice__buf_adds(&b->name, sfx));
    }
    node->flat = sluice__strdup(b->name.p);
    if (!node->flat)
        return SLUICE_ENOMEM;
    SLUICE_TRY(flat_use(b, node->flat));
    b->t->named = true;
    if (strcmp(node->flat, path) != 0)
        SLUICE_TRY(sluice__table_warn(b->t, node,
                                      "flattened name clashes with another "
                                      "column: written as '%s'",
                                      node->flat));
out:
    return rc;
}

static int add_flat(struct build *b, struct sluice_tnode *node,
                    struct sluice_buf *path)
{
    int rc = SLUICE_OK;
    size_t mark = path->n;
    if (!wanted(node))
        return SLUICE_OK;
    if (mark)
        SLUICE_TRY(sluice__buf_adds(path, "__"));
    SLUICE_TRY(sluice__buf_adds(path, node->col));
    if (node->kind == SLUICE_T_STRUCT) {
        node->out = true;
        node->lb = b->leaves;
        for (size_t i = 0; i < node->n; i++)
            SLUICE_TRY(add_flat(b, node->kids[i], path));
        node->le = b->leaves;
    } else {
        if (!node->flat)
            SLUICE_TRY(flat_assign(b, node, path->p));
        SLUICE_TRY(
            add_leaf(b, node, 0, node->flat, node->kind == SLUICE_T_LIST));
    }
out:
    path->n = mark;
    if (path->p)
        path->p[mark] = '\0';
    return rc;
}

/* Copies the levels the frozen schema computed onto the nodes. */
static void levels(const struct build *b, struct sluice_tnode *node,
                   unsigned parent_def)
{
    if (!node->out)
        return;
    if (node->pq >= 0) {
        const struct sluice_pq_node *pn = &b->s->nodes[node->pq];
        node->def = pn->def_level;
        if (node->kind == SLUICE_T_LIST && !node->as_json)
            node->rep = b->s->nodes[node->kids[0]->pq].rep_level;
    } else {
        node->def = (uint8_t)parent_def; /* a flattened struct */
    }
    if (node->as_json)
        return;
    for (size_t i = 0; i < node->n; i++)
        levels(b, node->kids[i], node->def);
}

int sluice__table_build(struct sluice_table *t, bool flatten,
                        struct sluice_pq_schema **out, struct sluice_err *err)
{
    struct build b = {.t = t, .flatten = flatten, .err = err};
    struct sluice_buf path;
    struct sluice_tnode *root = t->root;
    int rc = SLUICE_OK;
    sluice__buf_init(&b.name, 1u << 20);
    sluice__buf_init(&path, 1u << 20);
    *out = NULL;
    reset(root);
    SLUICE_TRY(sluice__pq_schema_new(&b.s));
    root->out = true;
    root->pq = 0;
    if (flatten) {
        SLUICE_TRY(flat_reserve(&b, root));
        for (size_t i = 0; i < root->n; i++)
            SLUICE_TRY(add_flat(&b, root->kids[i], &path));
    } else {
        for (size_t i = 0; i < root->n; i++)
            SLUICE_TRY(add_nested(&b, root->kids[i], 0, root->kids[i]->col));
    }
    root->lb = 0;
    root->le = b.leaves;
    SLUICE_TRY(sluice__pq_schema_freeze(b.s, err));
    levels(&b, root, 0);
    root->def = 0;
    *out = b.s;
    b.s = NULL;
out:
    if (rc == SLUICE_ENOMEM || rc == SLUICE_ETOOBIG)
        sluice__err_set(err, "out of memory building the Parquet schema");
    sluice__pq_schema_free(b.s);
    sluice__free(b.flat);
    sluice__buf_cleanup(&b.name);
    sluice__buf_cleanup(&path);
    return rc;
}
