/* json_dom.h: a small JSON tree for the fuzz targets that compare values
 * (fuzz_parquet_roundtrip.c): built from the push reader's events, so it
 * can take a whole text or the records a selector frames, and compared
 * exactly (numbers by their text, strings by their bytes, members in
 * order). Test code: it aborts when out of memory, and it is not bounded
 * beyond what the reader bounds (depth 512). */
#ifndef SLUICE_FUZZ_JSON_DOM_H
#define SLUICE_FUZZ_JSON_DOM_H

#include <stdlib.h>
#include <string.h>

#include "json/json_reader.h"

enum dom_kind {
    DOM_NULL,
    DOM_FALSE,
    DOM_TRUE,
    DOM_NUMBER,
    DOM_STRING,
    DOM_ARRAY,
    DOM_OBJECT
};

struct dom {
    enum dom_kind kind;
    char *s; /* NUMBER: its text; STRING: its bytes (NUL-terminated too) */
    size_t n;
    struct dom **kids; /* ARRAY elements, OBJECT member values */
    char **keys;       /* OBJECT member names, in order */
    size_t *key_n;
    size_t nk, cap;
};

/* Builds one value from events: `root` owns everything, and is complete
 * once depth is back to 0. */
struct dom_builder {
    struct dom *stack[600];
    size_t depth;
    char *key; /* the pending member name */
    size_t key_n;
    struct dom *root;
};

static inline void *dom_xalloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        abort();
    return q;
}

static inline char *dom_xdup(const char *p, size_t n)
{
    char *s = dom_xalloc(NULL, n + 1);
    if (n)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static inline void dom_free(struct dom *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nk; i++) {
        dom_free(d->kids[i]);
        if (d->keys)
            free(d->keys[i]);
    }
    free(d->kids);
    free(d->keys);
    free(d->key_n);
    free(d->s);
    free(d);
}

static inline void dom_builder_init(struct dom_builder *b)
{
    memset(b, 0, sizeof *b);
}

static inline void dom_builder_cleanup(struct dom_builder *b)
{
    dom_free(b->root);
    free(b->key);
    memset(b, 0, sizeof *b);
}

static inline void dom_add(struct dom_builder *b, struct dom *v)
{
    if (b->depth == 0) {
        b->root = v;
        return;
    }
    struct dom *c = b->stack[b->depth - 1];
    if (c->nk == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 4;
        c->kids = dom_xalloc(c->kids, c->cap * sizeof *c->kids);
        if (c->kind == DOM_OBJECT) {
            c->keys = dom_xalloc(c->keys, c->cap * sizeof *c->keys);
            c->key_n = dom_xalloc(c->key_n, c->cap * sizeof *c->key_n);
        }
    }
    if (c->kind == DOM_OBJECT) {
        c->keys[c->nk] = b->key;
        c->key_n[c->nk] = b->key_n;
        b->key = NULL;
    }
    c->kids[c->nk++] = v;
}

/* A reader callback (ud: the builder). */
static inline int dom_on_event(void *ud, enum sluice_json_event ev,
                               const char *p, size_t n)
{
    struct dom_builder *b = ud;
    struct dom *v;
    switch (ev) {
    case SLUICE_JSON_KEY:
        free(b->key);
        b->key = dom_xdup(p, n);
        b->key_n = n;
        return 0;
    case SLUICE_JSON_ARRAY_END:
    case SLUICE_JSON_OBJECT_END:
        if (b->depth == 0)
            abort();
        b->depth--;
        return 0;
    default:
        break;
    }
    v = dom_xalloc(NULL, sizeof *v);
    memset(v, 0, sizeof *v);
    switch (ev) {
    case SLUICE_JSON_NULL:
        v->kind = DOM_NULL;
        break;
    case SLUICE_JSON_FALSE:
        v->kind = DOM_FALSE;
        break;
    case SLUICE_JSON_TRUE:
        v->kind = DOM_TRUE;
        break;
    case SLUICE_JSON_NUMBER:
        v->kind = DOM_NUMBER;
        break;
    case SLUICE_JSON_STRING:
        v->kind = DOM_STRING;
        break;
    case SLUICE_JSON_ARRAY_BEGIN:
        v->kind = DOM_ARRAY;
        break;
    default:
        v->kind = DOM_OBJECT;
        break;
    }
    if (v->kind == DOM_NUMBER || v->kind == DOM_STRING) {
        v->s = dom_xdup(p, n);
        v->n = n;
    }
    /* added at once, so it takes the pending member name with it */
    dom_add(b, v);
    if (v->kind == DOM_ARRAY || v->kind == DOM_OBJECT) {
        if (b->depth == sizeof b->stack / sizeof b->stack[0])
            abort(); /* the reader's depth limit is lower */
        b->stack[b->depth++] = v;
    }
    return 0;
}

/* Takes the finished value (NULL when none, or not finished). */
static inline struct dom *dom_builder_take(struct dom_builder *b)
{
    if (b->depth)
        return NULL;
    struct dom *d = b->root;
    b->root = NULL;
    return d;
}

/* Parses a whole JSON text; NULL when it is not valid. */
static inline struct dom *dom_parse(const char *p, size_t n)
{
    struct dom_builder b;
    dom_builder_init(&b);
    struct sluice_json_reader *r =
        sluice__json_reader_new(NULL, dom_on_event, &b);
    if (!r)
        abort();
    int rc = sluice__json_reader_feed(r, p, n);
    if (rc == SLUICE_OK)
        rc = sluice__json_reader_finish(r);
    sluice__json_reader_free(r);
    struct dom *d = rc == SLUICE_OK ? dom_builder_take(&b) : NULL;
    dom_builder_cleanup(&b);
    return d;
}

/* The last member named k/kn, or NULL: a name given twice keeps its last
 * value, the rule every sink follows (docs/internals/sink.md). */
static inline const struct dom *dom_get(const struct dom *o, const char *k,
                                        size_t kn)
{
    for (size_t i = o && o->kind == DOM_OBJECT ? o->nk : 0; i-- > 0;)
        if (o->key_n[i] == kn && memcmp(o->keys[i], k, kn) == 0)
            return o->kids[i];
    return NULL;
}

static inline const struct dom *dom_gets(const struct dom *o, const char *k)
{
    return dom_get(o, k, strlen(k));
}

/* Exact equality: kinds, number texts, string bytes, members in order. */
static inline int dom_equal(const struct dom *a, const struct dom *b)
{
    if (a->kind != b->kind || a->nk != b->nk || a->n != b->n)
        return 0;
    if (a->s && memcmp(a->s, b->s, a->n) != 0)
        return 0;
    for (size_t i = 0; i < a->nk; i++) {
        if (a->kind == DOM_OBJECT &&
            (a->key_n[i] != b->key_n[i] ||
             memcmp(a->keys[i], b->keys[i], a->key_n[i]) != 0))
            return 0;
        if (!dom_equal(a->kids[i], b->kids[i]))
            return 0;
    }
    return 1;
}

#endif
