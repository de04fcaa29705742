/* table_schema.c: the table schema tree: nodes, inference from one record's
 * events, additive merge, column naming and warnings (table.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "table/coerce.h"
#include "table/events.h"
#include "table/table.h"

#define WARNINGS_MAX (64u * 1024u)

int sluice__table_new(struct sluice_table **out,
                      const struct sluice_column_decl *decls, size_t n_decls)
{
    struct sluice_table *t = sluice__calloc(1, sizeof *t);
    *out = NULL;
    if (!t)
        return SLUICE_ENOMEM;
    t->decls = decls;
    t->n_decls = n_decls;
    sluice__buf_init(&t->warnings, WARNINGS_MAX);
    sluice__buf_init(&t->path, 1u << 20);
    t->root = sluice__tnode_new(t, NULL, NULL, 0);
    if (!t->root) {
        sluice__table_free(t);
        return SLUICE_ENOMEM;
    }
    t->root->kind = SLUICE_T_STRUCT;
    *out = t;
    return SLUICE_OK;
}

void sluice__tnode_free(struct sluice_tnode *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->n; i++)
        sluice__tnode_free(node->kids[i]);
    sluice__free(node->kids);
    sluice__free(node->name);
    sluice__free(node->col);
    sluice__free(node->flat);
    sluice__free(node);
}

void sluice__table_free(struct sluice_table *t)
{
    if (!t)
        return;
    sluice__tnode_free(t->root);
    sluice__buf_cleanup(&t->warnings);
    sluice__buf_cleanup(&t->path);
    sluice__free(t);
}

const char *sluice__table_warnings(const struct sluice_table *t)
{
    return sluice__buf_str(&t->warnings);
}

int sluice__table_name_put(struct sluice_buf *b, const char *p, size_t n)
{
    int rc = SLUICE_OK;
    while (n > 0) {
        const char *z = memchr(p, '\0', n);
        size_t run = z ? (size_t)(z - p) : n;
        SLUICE_TRY(sluice__buf_append(b, p, run));
        if (!z)
            break;
        SLUICE_TRY(sluice__buf_append(b, "\\u0000", 6));
        p += run + 1;
        n -= run + 1;
    }
    /* an empty name still leaves a C string behind */
    SLUICE_TRY(sluice__buf_reserve(b, 1));
    b->p[b->n] = '\0';
out:
    return rc;
}

static int path_of(struct sluice_buf *b, const struct sluice_tnode *node)
{
    int rc = SLUICE_OK;
    if (!node->parent)
        return SLUICE_OK;
    SLUICE_TRY(path_of(b, node->parent));
    if (node->parent->kind == SLUICE_T_LIST) {
        SLUICE_TRY(sluice__buf_adds(b, "[]"));
    } else {
        if (node->parent->parent)
            SLUICE_TRY(sluice__buf_addc(b, '.'));
        SLUICE_TRY(sluice__table_name_put(b, node->name, node->name_n));
    }
out:
    return rc;
}

const char *sluice__table_node_path(struct sluice_table *t,
                                    const struct sluice_tnode *node)
{
    sluice__buf_reset(&t->path);
    if (path_of(&t->path, node) != SLUICE_OK)
        return "(path too long)";
    return sluice__buf_str(&t->path);
}

int sluice__table_warn(struct sluice_table *t, const struct sluice_tnode *node,
                       const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* A full warning list drops further lines: they are advice, not data. */
    if (sluice__buf_appendf(&t->warnings, "%s: %s\n",
                            sluice__table_node_path(t, node),
                            msg) == SLUICE_ENOMEM)
        return SLUICE_ENOMEM;
    return SLUICE_OK;
}

static void apply_decl(struct sluice_table *t, struct sluice_tnode *node)
{
    if (!t->n_decls)
        return;
    const char *path = sluice__table_node_path(t, node);
    for (size_t i = 0; i < t->n_decls; i++) {
        if (!strcmp(t->decls[i].path, path)) {
            node->decl = (uint8_t)t->decls[i].type;
            node->kind = (uint8_t)sluice__tdecl_kind(t->decls[i].type);
            return;
        }
    }
}

struct sluice_tnode *sluice__tnode_new(struct sluice_table *t,
                                       struct sluice_tnode *parent,
                                       const char *name, size_t name_n)
{
    if (t->nodes >= SLUICE_TABLE_MAX_NODES)
        return NULL;
    struct sluice_tnode *node = sluice__calloc(1, sizeof *node);
    if (!node)
        return NULL;
    node->pq = -1;
    if (name) {
        node->name = sluice__strndup(name, name_n);
        if (!node->name)
            goto fail;
        node->name_n = name_n;
    }
    if (parent) {
        struct sluice_tnode **kids = sluice__grow(
            parent->kids, &parent->cap, parent->n + 1, sizeof *kids, 4);
        if (!kids)
            goto fail;
        parent->kids = kids;
        parent->kids[parent->n++] = node;
        node->parent = parent;
        node->depth =
            (uint8_t)(parent->depth + (parent->kind == SLUICE_T_LIST ? 2 : 1));
        apply_decl(t, node);
    }
    t->nodes++;
    return node;
fail:
    sluice__tnode_free(node);
    return NULL;
}

static bool col_taken(const struct sluice_tnode *parent,
                      const struct sluice_tnode *self, const char *col)
{
    for (size_t i = 0; i < parent->n; i++) {
        const struct sluice_tnode *k = parent->kids[i];
        if (k != self && k->col && !strcasecmp(k->col, col))
            return true;
    }
    return false;
}

int sluice__tnode_name_column(struct sluice_table *t, struct sluice_tnode *node)
{
    char buf[64];
    struct sluice_buf b, esc;
    int rc = SLUICE_OK;
    sluice__buf_init(&b, 1u << 20);
    sluice__buf_init(&esc, 6 * node->name_n + 1);
    if (node->name_n)
        SLUICE_TRY(sluice__table_name_put(&esc, node->name, node->name_n));
    const char *base = esc.n ? esc.p : "_";
    const char *col = base;
    for (unsigned k = 2; col_taken(node->parent, node, col); k++) {
        snprintf(buf, sizeof buf, "__%u", k);
        sluice__buf_reset(&b);
        SLUICE_TRY(sluice__buf_adds(&b, base));
        SLUICE_TRY(sluice__buf_adds(&b, buf));
        col = b.p;
    }
    node->col = sluice__strdup(col);
    if (!node->col) {
        rc = SLUICE_ENOMEM;
        goto out;
    }
    if (col != base)
        SLUICE_TRY(sluice__table_warn(
            t, node,
            "name clashes case-insensitively with another field: written "
            "as column '%s'",
            col));
out:
    sluice__buf_cleanup(&b);
    sluice__buf_cleanup(&esc);
    return rc;
}

/* The kind a value's first event announces. */
static enum sluice_tkind kind_of(enum sluice_ev ev, const char *p, size_t n)
{
    int64_t v;
    switch (ev) {
    case SLUICE_EV_FALSE:
    case SLUICE_EV_TRUE:
        return SLUICE_T_BOOLEAN;
    case SLUICE_EV_INT:
        return sluice__parse_i64(p, n, &v) ? SLUICE_T_INT64 : SLUICE_T_DOUBLE;
    case SLUICE_EV_DBL:
        return SLUICE_T_DOUBLE;
    case SLUICE_EV_STRING:
        return SLUICE_T_STRING;
    case SLUICE_EV_ARRAY:
        return SLUICE_T_LIST;
    case SLUICE_EV_OBJECT:
        return SLUICE_T_STRUCT;
    default:
        return SLUICE_T_UNKNOWN;
    }
}

static void drop_kids(struct sluice_tnode *node)
{
    for (size_t i = 0; i < node->n; i++)
        sluice__tnode_free(node->kids[i]);
    node->n = 0;
    node->hint = 0;
}

static int make_json(struct sluice_table *t, struct sluice_tnode *node,
                     enum sluice_tkind other)
{
    enum sluice_tkind was = node->kind;
    drop_kids(node);
    node->kind = SLUICE_T_JSON;
    return sluice__table_warn(
        t, node, "seen as %s and as %s: kept as JSON text",
        sluice__tkind_name(was), sluice__tkind_name(other));
}

/* Gives an UNKNOWN node kind k; too deep for Parquet becomes JSON. */
static int set_kind(struct sluice_table *t, struct sluice_tnode *node,
                    enum sluice_tkind k)
{
    unsigned need = k == SLUICE_T_STRUCT ? 1 : k == SLUICE_T_LIST ? 2 : 0;
    if (node->depth + need > SLUICE_TABLE_MAX_DEPTH) {
        node->kind = SLUICE_T_JSON;
        return sluice__table_warn(t, node,
                                  "nested deeper than Parquet allows (%d "
                                  "levels): kept as JSON text",
                                  SLUICE_TABLE_MAX_DEPTH);
    }
    node->kind = (uint8_t)k;
    if (k == SLUICE_T_LIST && !sluice__tnode_new(t, node, NULL, 0))
        return t->nodes >= SLUICE_TABLE_MAX_NODES ? SLUICE_ETOOBIG
                                                  : SLUICE_ENOMEM;
    return SLUICE_OK;
}

struct sluice_tnode *sluice__tnode_find(struct sluice_tnode *node,
                                        const char *p, size_t n)
{
    for (size_t j = 0; j < node->n; j++) {
        size_t i = node->hint + j < node->n ? node->hint + j
                                            : node->hint + j - node->n;
        struct sluice_tnode *k = node->kids[i];
        if (k->name_n == n && !memcmp(k->name, p, n)) {
            node->hint = i + 1 < node->n ? i + 1 : 0;
            return k;
        }
    }
    return NULL;
}

static int add_kid(struct sluice_table *t, struct sluice_tnode *node,
                   const char *p, size_t n, struct sluice_tnode **out,
                   struct sluice_err *err)
{
    int rc = SLUICE_OK;
    *out = sluice__tnode_new(t, node, p, n);
    SLUICE_FAIL_IF(!*out && t->nodes >= SLUICE_TABLE_MAX_NODES, SLUICE_ETOOBIG,
                   err, "%s: more than %d fields in the schema",
                   sluice__table_node_path(t, node), SLUICE_TABLE_MAX_NODES);
    SLUICE_FAIL_IF(!*out, SLUICE_ENOMEM, err, "out of memory");
    SLUICE_TRY(sluice__tnode_name_column(t, *out));
out:
    return rc;
}

static int infer_value(struct sluice_table *t, struct sluice_tnode *node,
                       struct sluice_evcur *c, enum sluice_ev ev, const char *p,
                       size_t n, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    if (ev == SLUICE_EV_NULL)
        return SLUICE_OK;
    enum sluice_tkind k = kind_of(ev, p, n);
    if (node->decl || node->kind == SLUICE_T_JSON)
        goto skip;
    if (node->kind == SLUICE_T_UNKNOWN)
        SLUICE_TRY(set_kind(t, node, k));
    else if (node->kind == SLUICE_T_INT64 && k == SLUICE_T_DOUBLE)
        node->kind = SLUICE_T_DOUBLE;
    else if (node->kind != k &&
             !(node->kind == SLUICE_T_DOUBLE && k == SLUICE_T_INT64))
        SLUICE_TRY(make_json(t, node, k));
    if (node->kind == SLUICE_T_JSON)
        goto skip;
    if (k == SLUICE_T_STRUCT) {
        for (;;) {
            SLUICE_FAIL_IF(!sluice__ev_next(c, &ev, &p, &n), SLUICE_EINVAL, err,
                           "corrupt record encoding");
            if (ev == SLUICE_EV_OBJECT_END)
                break;
            struct sluice_tnode *kid = sluice__tnode_find(node, p, n);
            if (!kid)
                SLUICE_TRY(add_kid(t, node, p, n, &kid, err));
            SLUICE_FAIL_IF(!sluice__ev_next(c, &ev, &p, &n), SLUICE_EINVAL, err,
                           "corrupt record encoding");
            SLUICE_TRY(infer_value(t, kid, c, ev, p, n, err));
        }
    } else if (k == SLUICE_T_LIST) {
        for (;;) {
            SLUICE_FAIL_IF(!sluice__ev_next(c, &ev, &p, &n), SLUICE_EINVAL, err,
                           "corrupt record encoding");
            if (ev == SLUICE_EV_ARRAY_END)
                break;
            SLUICE_TRY(infer_value(t, node->kids[0], c, ev, p, n, err));
        }
    }
    return SLUICE_OK;
skip:
    SLUICE_FAIL_IF(!sluice__ev_skip_rest(c, ev), SLUICE_EINVAL, err,
                   "corrupt record encoding");
out:
    if (rc == SLUICE_ENOMEM)
        sluice__err_set(err, "out of memory");
    return rc;
}

int sluice__table_infer(struct sluice_table *t, const void *rec, size_t n,
                        struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_evcur c = {rec, (const uint8_t *)rec + n};
    enum sluice_ev ev;
    const char *p;
    size_t pn;
    SLUICE_FAIL_IF(!sluice__ev_next(&c, &ev, &p, &pn), SLUICE_EINVAL, err,
                   "empty record");
    if (ev == SLUICE_EV_OBJECT) {
        rc = infer_value(t, t->root, &c, ev, p, pn, err);
    } else {
        struct sluice_tnode *kid = sluice__tnode_find(t->root, "value", 5);
        if (!kid)
            SLUICE_TRY(add_kid(t, t->root, "value", 5, &kid, err));
        rc = infer_value(t, kid, &c, ev, p, pn, err);
    }
out:
    return rc;
}

/* ---- merge ---------------------------------------------------------------*/

static bool widens(enum sluice_tkind from, enum sluice_tkind to)
{
    return from == to || from == SLUICE_T_UNKNOWN ||
           (from == SLUICE_T_INT64 && to == SLUICE_T_DOUBLE);
}

static int merge_node(struct sluice_table *t, struct sluice_tnode *d,
                      const struct sluice_tnode *s, bool *changed,
                      struct sluice_err *err)
{
    int rc = SLUICE_OK;
    if (s->decl && s->decl != d->decl) {
        enum sluice_tkind kd = sluice__tdecl_kind(s->decl);
        SLUICE_FAIL_IF(
            !widens(d->kind, kd), SLUICE_EINVAL, err,
            "column %s is %s in the job's schema (version %llu) "
            "but declared %s: a column's type cannot change "
            "(remove the schema file to start a new table)",
            sluice__table_node_path(t, d), sluice__tkind_name(d->kind),
            (unsigned long long)t->version, sluice__tdecl_name(s->decl));
        d->decl = s->decl;
        d->kind = (uint8_t)kd;
        *changed = true;
    }
    if (s->kind == SLUICE_T_UNKNOWN || d->kind == SLUICE_T_JSON)
        return SLUICE_OK;
    if (d->kind == SLUICE_T_UNKNOWN) {
        SLUICE_TRY(set_kind(t, d, s->kind));
        *changed = true;
    } else if (d->kind == SLUICE_T_INT64 && s->kind == SLUICE_T_DOUBLE) {
        d->kind = SLUICE_T_DOUBLE;
        *changed = true;
    } else if (d->kind != s->kind &&
               !(d->kind == SLUICE_T_DOUBLE && s->kind == SLUICE_T_INT64)) {
        SLUICE_TRY(make_json(t, d, s->kind));
        *changed = true;
    }
    if (d->kind == SLUICE_T_STRUCT && s->kind == SLUICE_T_STRUCT) {
        for (size_t i = 0; i < s->n; i++) {
            const struct sluice_tnode *sk = s->kids[i];
            size_t kn = sk->name_n; /* may hold NUL */
            struct sluice_tnode *dk = sluice__tnode_find(d, sk->name, kn);
            if (!dk) {
                SLUICE_TRY(add_kid(t, d, sk->name, kn, &dk, err));
                *changed = true;
            }
            SLUICE_TRY(merge_node(t, dk, sk, changed, err));
        }
    } else if (d->kind == SLUICE_T_LIST && s->kind == SLUICE_T_LIST) {
        SLUICE_TRY(merge_node(t, d->kids[0], s->kids[0], changed, err));
    }
out:
    if (rc == SLUICE_ENOMEM)
        sluice__err_set(err, "out of memory");
    return rc;
}

int sluice__table_merge(struct sluice_table *dst,
                        const struct sluice_table *src, bool *changed,
                        struct sluice_err *err)
{
    *changed = false;
    int rc = merge_node(dst, dst->root, src->root, changed, err);
    if (rc == SLUICE_OK && *changed)
        dst->version++;
    return rc;
}
