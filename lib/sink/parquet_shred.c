/* parquet_shred.c: one record's events to (leaf, def, rep, value) entries — Dremel
 * shredding over the levels sluice__table_build put on the nodes.
 *
 * A value at node N, reached with repetition level `rep` inside a context
 * whose definition level is `ctx` (the nearest present ancestor):
 *   null or missing -> every leaf under N: (ctx, rep, null);
 *   leaf value      -> (N.def, rep, value);
 *   object          -> each field shredded with ctx = N.def; fields absent
 *                      from this object get nulls at N.def;
 *   array           -> empty: the element's leaves: (N.def, rep);
 *                      elements: the first with `rep`, the others with
 *                      N.rep, each with ctx = N.def + 1 (the repeated
 *                      group), so a null element is (N.def + 1).
 * Records reach the shredder without repeated member names: the sink keeps
 * the last occurrence of each (json/dupkeys.h) before the record is
 * spooled. Should one come anyway, its first occurrence is shredded and the
 * others skipped, so the row stays well-formed. */
#include <string.h>

#include "sink/parquet_shred.h"
#include "table/coerce.h"
#include "table/events.h"

void sluice__shredder_init(struct sluice_shredder *sh, struct sluice_table *t,
                           sluice_shred_fn emit, void *ud)
{
    memset(sh, 0, sizeof *sh);
    sh->t = t;
    sh->emit = emit;
    sh->ud = ud;
    sluice__buf_init(&sh->json, (size_t)256 << 20);
    sluice__buf_init(&sh->bad, 256);
}

void sluice__shredder_cleanup(struct sluice_shredder *sh)
{
    sluice__buf_cleanup(&sh->json);
    sluice__buf_cleanup(&sh->bad);
}

#define CORRUPT(sh)                                                            \
    (sluice__err_set(&(sh)->err, "corrupt record encoding"), SLUICE_EINVAL)

static int nulls(struct sluice_shredder *sh, const struct sluice_tnode *node,
                 unsigned def, unsigned rep)
{
    for (size_t leaf = node->lb; leaf < node->le; leaf++) {
        int rc = sh->emit(sh->ud, leaf, def, rep, NULL);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

/* Converts a scalar to the leaf's column value; false when it does not. */
static bool convert(const struct sluice_tnode *node, enum sluice_ev ev,
                    const char *p, size_t n, struct sluice_pq_value *v)
{
    bool num = ev == SLUICE_EV_INT || ev == SLUICE_EV_DBL;
    bool str = ev == SLUICE_EV_STRING;
    bool declared = node->decl != SLUICE_D_NONE;
    switch (node->kind) {
    case SLUICE_T_BOOLEAN:
        if (ev == SLUICE_EV_TRUE || ev == SLUICE_EV_FALSE) {
            v->b = ev == SLUICE_EV_TRUE;
            return true;
        }
        if (declared && str &&
            ((n == 4 && !memcmp(p, "true", 4)) ||
             (n == 5 && !memcmp(p, "false", 5)))) {
            v->b = n == 4;
            return true;
        }
        return false;
    case SLUICE_T_INT64:
        if (ev == SLUICE_EV_INT && sluice__parse_i64(p, n, &v->i64))
            return true;
        return declared && (num || str) && sluice__parse_integral_i64(p, n, &v->i64);
    case SLUICE_T_DOUBLE:
        return (num || (declared && str)) && sluice__parse_f64(p, n, &v->d);
    case SLUICE_T_STRING:
        if (str || (declared && num)) {
            v->s.p = p;
            v->s.n = n;
            return true;
        }
        if (declared && (ev == SLUICE_EV_TRUE || ev == SLUICE_EV_FALSE)) {
            v->s.p = ev == SLUICE_EV_TRUE ? "true" : "false";
            v->s.n = strlen(v->s.p);
            return true;
        }
        return false;
    case SLUICE_T_DATE:
        return str && sluice__parse_date(p, n, &v->i32);
    case SLUICE_T_TIMESTAMP:
        switch (node->decl) {
        case SLUICE_D_TIMESTAMP_S:
            return (num || str) && sluice__epoch_to_us(p, n, 1000000, &v->i64);
        case SLUICE_D_TIMESTAMP_MS:
            return (num || str) && sluice__epoch_to_us(p, n, 1000, &v->i64);
        case SLUICE_D_TIMESTAMP_US:
            return (num || str) && sluice__epoch_to_us(p, n, 1, &v->i64);
        default:
            return str && sluice__parse_timestamp(p, n, &v->i64);
        }
    default:
        return false;
    }
}

static int bad_value(struct sluice_shredder *sh,
                     const struct sluice_tnode *node, struct sluice_evcur *c,
                     enum sluice_ev ev, const char *p, size_t n, unsigned ctx,
                     unsigned rep)
{
    sh->bad_values++;
    if (sh->fail_on_bad) {
        sluice__buf_reset(&sh->bad);
        if (sluice__ev_to_json(c, ev, p, n, &sh->bad) != SLUICE_OK &&
            sluice__buf_adds(&sh->bad, "(long value)") != SLUICE_OK)
            sluice__buf_reset(&sh->bad);
        sluice__err_set(
            &sh->err,
            "record %llu: %s: %.80s does not convert to %s "
            "(on_bad_value: fail)",
            (unsigned long long)sh->records + 1,
            sluice__table_node_path(sh->t, node), sluice__buf_str(&sh->bad),
            sluice__tdecl_name(node->decl ? node->decl : SLUICE_D_NONE));
        return SLUICE_EINVAL;
    }
    if (!sluice__ev_skip_rest(c, ev))
        return CORRUPT(sh);
    return nulls(sh, node, ctx, rep);
}

static int shred_value(struct sluice_shredder *sh, struct sluice_tnode *node,
                       struct sluice_evcur *c, enum sluice_ev ev, const char *p,
                       size_t n, unsigned ctx, unsigned rep);

static int shred_object(struct sluice_shredder *sh, struct sluice_tnode *node,
                        struct sluice_evcur *c, unsigned rep)
{
    enum sluice_ev ev;
    const char *p;
    size_t n;
    uint64_t stamp = ++sh->stamp;
    int rc;
    for (;;) {
        if (!sluice__ev_next(c, &ev, &p, &n))
            return CORRUPT(sh);
        if (ev == SLUICE_EV_OBJECT_END)
            break;
        struct sluice_tnode *kid = sluice__tnode_find(node, p, n);
        if (!sluice__ev_next(c, &ev, &p, &n))
            return CORRUPT(sh);
        if (!kid || kid->seen == stamp) {
            if (!sluice__ev_skip_rest(c, ev))
                return CORRUPT(sh);
            continue;
        }
        kid->seen = stamp;
        rc = shred_value(sh, kid, c, ev, p, n, node->def, rep);
        if (rc != SLUICE_OK)
            return rc;
    }
    for (size_t i = 0; i < node->n; i++) {
        struct sluice_tnode *kid = node->kids[i];
        if (kid->out && kid->seen != stamp) {
            rc = nulls(sh, kid, node->def, rep);
            if (rc != SLUICE_OK)
                return rc;
        }
    }
    return SLUICE_OK;
}

static int shred_list(struct sluice_shredder *sh, struct sluice_tnode *node,
                      struct sluice_evcur *c, unsigned rep)
{
    enum sluice_ev ev;
    const char *p;
    size_t n;
    struct sluice_tnode *elem = node->kids[0];
    bool first = true;
    for (;;) {
        if (!sluice__ev_next(c, &ev, &p, &n))
            return CORRUPT(sh);
        if (ev == SLUICE_EV_ARRAY_END)
            break;
        int rc = shred_value(sh, elem, c, ev, p, n, node->def + 1u,
                             first ? rep : node->rep);
        if (rc != SLUICE_OK)
            return rc;
        first = false;
    }
    return first ? nulls(sh, elem, node->def, rep) : SLUICE_OK;
}

static int shred_value(struct sluice_shredder *sh, struct sluice_tnode *node,
                       struct sluice_evcur *c, enum sluice_ev ev, const char *p,
                       size_t n, unsigned ctx, unsigned rep)
{
    struct sluice_pq_value v;
    int rc;
    if (!node->out)
        return sluice__ev_skip_rest(c, ev) ? SLUICE_OK : CORRUPT(sh);
    if (ev == SLUICE_EV_NULL)
        return nulls(sh, node, ctx, rep);
    if (node->as_json) {
        sluice__buf_reset(&sh->json);
        rc = sluice__ev_to_json(c, ev, p, n, &sh->json);
        if (rc != SLUICE_OK) {
            sluice__err_set(&sh->err, "record %llu: %s: value too large",
                            (unsigned long long)sh->records + 1,
                            sluice__table_node_path(sh->t, node));
            return rc;
        }
        v.s.p = sluice__buf_str(&sh->json);
        v.s.n = sh->json.n;
        return sh->emit(sh->ud, node->lb, node->def, rep, &v);
    }
    if (node->kind == SLUICE_T_STRUCT) {
        if (ev != SLUICE_EV_OBJECT)
            return bad_value(sh, node, c, ev, p, n, ctx, rep);
        return shred_object(sh, node, c, rep);
    }
    if (node->kind == SLUICE_T_LIST) {
        if (ev != SLUICE_EV_ARRAY)
            return bad_value(sh, node, c, ev, p, n, ctx, rep);
        return shred_list(sh, node, c, rep);
    }
    if (ev == SLUICE_EV_OBJECT || ev == SLUICE_EV_ARRAY ||
        !convert(node, ev, p, n, &v))
        return bad_value(sh, node, c, ev, p, n, ctx, rep);
    return sh->emit(sh->ud, node->lb, node->def, rep, &v);
}

int sluice__shred(struct sluice_shredder *sh, const void *rec, size_t n)
{
    struct sluice_evcur c = {rec, (const uint8_t *)rec + n};
    struct sluice_tnode *root = sh->t->root;
    enum sluice_ev ev;
    const char *p;
    size_t pn;
    int rc;
    if (!sluice__ev_next(&c, &ev, &p, &pn))
        return CORRUPT(sh);
    if (ev == SLUICE_EV_OBJECT) {
        rc = shred_object(sh, root, &c, 0);
    } else {
        /* {"value": record}: shred the field, null the others. */
        uint64_t stamp = ++sh->stamp;
        struct sluice_tnode *kid = sluice__tnode_find(root, "value", 5);
        rc = SLUICE_OK;
        if (kid) {
            kid->seen = stamp;
            rc = shred_value(sh, kid, &c, ev, p, pn, 0, 0);
        }
        for (size_t i = 0; rc == SLUICE_OK && i < root->n; i++)
            if (root->kids[i]->out && root->kids[i]->seen != stamp)
                rc = nulls(sh, root->kids[i], 0, 0);
    }
    if (rc == SLUICE_OK)
        sh->records++;
    return rc;
}
