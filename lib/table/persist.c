/* persist.c: a table schema to JSON text and back (format in table.h).
 * The text is read with the streaming JSON reader into the event encoding
 * and then walked by recursive descent: the writer's member order ("name"
 * first, "type" before "fields"/"element") is required, which keeps the
 * parser small and strict. */
#include <string.h>

#include "table/events.h"
#include "table/table.h"
#include "json/json_writer.h"

#define SCHEMA_TEXT_MAX ((size_t)64 << 20)

static int put_node(const struct sluice_tnode *node, struct sluice_buf *b);

static int put_fields(const struct sluice_tnode *node, struct sluice_buf *b)
{
    int rc = SLUICE_OK;
    SLUICE_TRY(sluice__buf_adds(b, "\"fields\":["));
    for (size_t i = 0; i < node->n; i++) {
        const struct sluice_tnode *k = node->kids[i];
        if (i)
            SLUICE_TRY(sluice__buf_addc(b, ','));
        SLUICE_TRY(sluice__buf_adds(b, "{\"name\":"));
        SLUICE_TRY(sluice__json_write_string(b, k->name, k->name_n));
        if (k->col && (strlen(k->col) != k->name_n ||
                       memcmp(k->col, k->name, k->name_n) != 0)) {
            SLUICE_TRY(sluice__buf_adds(b, ",\"column\":"));
            SLUICE_TRY(sluice__json_write_string(b, k->col, strlen(k->col)));
        }
        SLUICE_TRY(sluice__buf_addc(b, ','));
        SLUICE_TRY(put_node(k, b));
        SLUICE_TRY(sluice__buf_addc(b, '}'));
    }
    SLUICE_TRY(sluice__buf_addc(b, ']'));
out:
    return rc;
}

/* The members after the name: "flat", "type", "declared", "fields" or
 * "element". */
static int put_node(const struct sluice_tnode *node, struct sluice_buf *b)
{
    int rc = SLUICE_OK;
    if (node->flat) {
        SLUICE_TRY(sluice__buf_adds(b, "\"flat\":"));
        SLUICE_TRY(
            sluice__json_write_string(b, node->flat, strlen(node->flat)));
        SLUICE_TRY(sluice__buf_addc(b, ','));
    }
    SLUICE_TRY(sluice__buf_appendf(b, "\"type\":\"%s\"",
                                   sluice__tkind_name(node->kind)));
    if (node->decl)
        SLUICE_TRY(sluice__buf_appendf(b, ",\"declared\":\"%s\"",
                                       sluice__tdecl_name(node->decl)));
    if (node->kind == SLUICE_T_STRUCT) {
        SLUICE_TRY(sluice__buf_addc(b, ','));
        SLUICE_TRY(put_fields(node, b));
    } else if (node->kind == SLUICE_T_LIST) {
        SLUICE_TRY(sluice__buf_adds(b, ",\"element\":{"));
        SLUICE_TRY(put_node(node->kids[0], b));
        SLUICE_TRY(sluice__buf_addc(b, '}'));
    }
out:
    return rc;
}

int sluice__table_to_json(const struct sluice_table *t, struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    SLUICE_TRY(sluice__buf_appendf(out, "{\"sluice_table\":1,\"version\":%llu,",
                                   (unsigned long long)t->version));
    SLUICE_TRY(put_fields(t->root, out));
    SLUICE_TRY(sluice__buf_adds(out, "}\n"));
out:
    return rc;
}

/* ---- parsing
 * ---------------------------------------------------------------*/

struct parser {
    struct sluice_table *t;
    struct sluice_evcur c;
    struct sluice_err *err;
};

static int expect(struct parser *P, enum sluice_ev want, const char **p,
                  size_t *n, const char *what)
{
    enum sluice_ev ev;
    if (!sluice__ev_next(&P->c, &ev, p, n) || ev != want) {
        sluice__err_set(P->err, "schema text: expected %s", what);
        return SLUICE_EINVAL;
    }
    return SLUICE_OK;
}

static bool key_is(const char *p, size_t n, const char *k)
{
    return strlen(k) == n && !memcmp(p, k, n);
}

static int parse_fields(struct parser *P, struct sluice_tnode *parent);

static int parse_body(struct parser *P, struct sluice_tnode *node)
{
    int rc = SLUICE_OK;
    const char *p, *v;
    size_t n, vn;
    enum sluice_ev ev;
    enum sluice_tkind kind;
    enum sluice_tdecl decl;
    bool typed = false;
    for (;;) {
        SLUICE_FAIL_IF(!sluice__ev_next(&P->c, &ev, &p, &n), SLUICE_EINVAL,
                       P->err, "schema text: truncated");
        if (ev == SLUICE_EV_OBJECT_END)
            break;
        if (key_is(p, n, "fields")) {
            SLUICE_FAIL_IF(node->kind != SLUICE_T_STRUCT, SLUICE_EINVAL, P->err,
                           "schema text: fields of a non-struct");
            SLUICE_TRY(parse_fields(P, node));
            continue;
        }
        if (key_is(p, n, "element")) {
            SLUICE_FAIL_IF(node->kind != SLUICE_T_LIST, SLUICE_EINVAL, P->err,
                           "schema text: element of a non-list");
            SLUICE_TRY(expect(P, SLUICE_EV_OBJECT, &v, &vn, "an element"));
            SLUICE_TRY(parse_body(P, node->kids[0]));
            continue;
        }
        SLUICE_TRY(expect(P, SLUICE_EV_STRING, &v, &vn, "a string"));
        char **dst = key_is(p, n, "flat")     ? &node->flat
                     : key_is(p, n, "column") ? &node->col
                                              : NULL;
        if (dst) {
            SLUICE_FAIL_IF(*dst || vn == 0 || memchr(v, 0, vn), SLUICE_EINVAL,
                           P->err, "schema text: bad column name");
            *dst = sluice__strndup(v, vn);
            SLUICE_FAIL_IF(!*dst, SLUICE_ENOMEM, P->err, "out of memory");
        } else if (key_is(p, n, "type")) {
            SLUICE_FAIL_IF(typed || !sluice__tkind_parse(v, vn, &kind),
                           SLUICE_EINVAL, P->err,
                           "schema text: unknown type '%.*s'", (int)vn, v);
            typed = true;
            node->kind = (uint8_t)kind;
            if (kind == SLUICE_T_LIST)
                SLUICE_FAIL_IF(!sluice__tnode_new(P->t, node, NULL, 0),
                               SLUICE_ENOMEM, P->err,
                               "schema text: too many fields");
        } else if (key_is(p, n, "declared")) {
            char name[32];
            SLUICE_FAIL_IF(vn >= sizeof name, SLUICE_EINVAL, P->err,
                           "schema text: unknown declared type");
            memcpy(name, v, vn);
            name[vn] = '\0';
            SLUICE_FAIL_IF(!sluice__tdecl_parse(name, &decl), SLUICE_EINVAL,
                           P->err, "schema text: unknown declared type '%s'",
                           name);
            node->decl = (uint8_t)decl;
        } else {
            SLUICE_FAIL_IF(true, SLUICE_EINVAL, P->err,
                           "schema text: unknown member '%.*s'", (int)n, p);
        }
    }
    SLUICE_FAIL_IF(!typed, SLUICE_EINVAL, P->err, "schema text: no type");
out:
    return rc;
}

static int parse_fields(struct parser *P, struct sluice_tnode *parent)
{
    int rc = SLUICE_OK;
    const char *p;
    size_t n;
    enum sluice_ev ev;
    SLUICE_TRY(expect(P, SLUICE_EV_ARRAY, &p, &n, "a list of fields"));
    for (;;) {
        SLUICE_FAIL_IF(!sluice__ev_next(&P->c, &ev, &p, &n), SLUICE_EINVAL,
                       P->err, "schema text: truncated");
        if (ev == SLUICE_EV_ARRAY_END)
            break;
        SLUICE_FAIL_IF(ev != SLUICE_EV_OBJECT, SLUICE_EINVAL, P->err,
                       "schema text: expected a field");
        SLUICE_TRY(expect(P, SLUICE_EV_KEY, &p, &n, "\"name\" first"));
        SLUICE_FAIL_IF(!key_is(p, n, "name"), SLUICE_EINVAL, P->err,
                       "schema text: expected \"name\" first");
        SLUICE_TRY(expect(P, SLUICE_EV_STRING, &p, &n, "a name"));
        SLUICE_FAIL_IF(sluice__tnode_find(parent, p, n), SLUICE_EINVAL, P->err,
                       "schema text: repeated field name '%.*s'", (int)n, p);
        struct sluice_tnode *node = sluice__tnode_new(P->t, parent, p, n);
        SLUICE_FAIL_IF(!node, SLUICE_ENOMEM, P->err,
                       "schema text: too many fields");
        node->decl = SLUICE_D_NONE; /* persisted, not the job's, decides */
        node->kind = SLUICE_T_UNKNOWN;
        SLUICE_TRY(parse_body(P, node));
        /* no "column": the name is the column name (it has no NUL: that
         * would have been escaped, so "column" would be there) */
        SLUICE_FAIL_IF(!node->col && memchr(node->name, 0, node->name_n),
                       SLUICE_EINVAL, P->err,
                       "schema text: a name with NUL needs its \"column\"");
        if (!node->col) {
            node->col = sluice__strdup(*node->name ? node->name : "_");
            SLUICE_FAIL_IF(!node->col, SLUICE_ENOMEM, P->err, "out of memory");
        }
    }
out:
    return rc;
}

static int collect(void *ud, enum sluice_json_event ev, const char *p, size_t n)
{
    return sluice__ev_put(ud, ev, p, n);
}

int sluice__table_from_json(const char *text, size_t len,
                            const struct sluice_column_decl *decls,
                            size_t n_decls, struct sluice_table **out,
                            struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf evs;
    struct sluice_json_reader *r = NULL;
    struct sluice_table *t = NULL;
    struct parser P = {.err = err};
    const char *p;
    size_t n;
    enum sluice_ev ev;
    bool have_format = false;
    sluice__buf_init(&evs, SCHEMA_TEXT_MAX);
    *out = NULL;

    r = sluice__json_reader_new(NULL, collect, &evs);
    SLUICE_FAIL_IF(!r, SLUICE_ENOMEM, err, "out of memory");
    rc = sluice__json_reader_feed(r, text, len);
    if (rc == SLUICE_OK)
        rc = sluice__json_reader_finish(r);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc == SLUICE_ENOMEM ? rc : SLUICE_EINVAL,
                   err, "schema text: %s", sluice__json_reader_error(r));
    SLUICE_TRY(sluice__table_new(&t, decls, n_decls));
    P.t = t;
    P.c.p = (const uint8_t *)evs.p;
    P.c.end = P.c.p + evs.n;
    SLUICE_TRY(expect(&P, SLUICE_EV_OBJECT, &p, &n, "an object"));
    for (;;) {
        SLUICE_FAIL_IF(!sluice__ev_next(&P.c, &ev, &p, &n), SLUICE_EINVAL, err,
                       "schema text: truncated");
        if (ev == SLUICE_EV_OBJECT_END)
            break;
        if (key_is(p, n, "fields")) {
            SLUICE_TRY(parse_fields(&P, t->root));
            continue;
        }
        bool fmt = key_is(p, n, "sluice_table");
        SLUICE_FAIL_IF(!fmt && !key_is(p, n, "version"), SLUICE_EINVAL, err,
                       "schema text: unknown member '%.*s'", (int)n, p);
        SLUICE_TRY(expect(&P, SLUICE_EV_INT, &p, &n, "a number"));
        uint64_t v = 0;
        for (size_t i = 0; i < n && i < 19; i++)
            v = v * 10 + (uint64_t)(p[i] - '0');
        SLUICE_FAIL_IF(p[0] == '-' || n > 19 || (fmt && v != 1), SLUICE_EINVAL,
                       err, "schema text: unsupported %s '%.*s'",
                       fmt ? "format" : "version", (int)n, p);
        if (fmt)
            have_format = true;
        else
            t->version = v;
    }
    SLUICE_FAIL_IF(!have_format, SLUICE_EINVAL, err,
                   "schema text: not a sluice table schema");
    *out = t;
    t = NULL;
out:
    if (rc == SLUICE_ENOMEM)
        sluice__err_set(err, "out of memory");
    sluice__json_reader_free(r);
    sluice__buf_cleanup(&evs);
    sluice__table_free(t);
    return rc;
}
