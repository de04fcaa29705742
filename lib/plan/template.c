/* template.c: per-window templates. One walker serves the three entry
 * points: with a window it expands, without one it only checks, so what
 * the job loader accepts is exactly what expansion can do. See template.h
 * for the contract.
 *
 * strftime formats are checked against the conversions C17 defines (plus
 * glibc's %s and its padding flags), because strftime's behaviour for
 * anything else is undefined. */
#include "plan/template.h"

#include <string.h>

#include "util/date.h"

/* Templates come from job files: a URL or a path, never a document. */
#define TEMPLATE_MAX 65536

enum field {
    F_START = SLUICE_TPL_START,
    F_END = SLUICE_TPL_END,
    F_END_EXCL = SLUICE_TPL_END_EXCL,
    F_INDEX = SLUICE_TPL_INDEX,
    F_VAR,       /* a dimension's name: its value for the partition */
    F_PARTITION, /* the partition's key */
    F_CURSOR     /* the incremental cursor sent (sluice_tpl_ctx.cursor) */
};

struct visitor {
    sluice_tpl_visit_fn fn;
    void *ud;
};

/* The walk's context: the job's partitions, and (sluice__template_uses) a
 * name to look for. */
struct walk_ctx {
    const struct sluice_tpl_ctx *c;
    const char *want;
    bool seen;
};

/* Hands a literal run to the visitor, if any. */
static int visit_literal(const struct visitor *v, const char *p, size_t n)
{
    struct sluice_tpl_part part = {true, p, n, SLUICE_TPL_START};
    return v && n ? v->fn(v->ud, &part) : SLUICE_OK;
}

static const struct {
    const char *name;
    enum field f;
} FIELDS[] = {
    {"start", F_START},
    {"end", F_END},
    {"end_excl", F_END_EXCL},
    {"index", F_INDEX},
};

/* Checks a strftime format; on error sets *bad to the offending byte. */
static bool fmt_ok(const char *f, size_t n, size_t *bad)
{
    static const char convs[] = "aAbBcCdDeFgGhHIjmMnprRsStTuUVwWxXyYzZ%";
    for (size_t i = 0; i < n; i++) {
        if (f[i] != '%')
            continue;
        size_t at = i++;
        while (i < n && strchr("-_0^#", f[i]))
            i++;
        if (i < n && (f[i] == 'E' || f[i] == 'O'))
            i++;
        if (i >= n || !strchr(convs, f[i])) {
            *bad = i < n ? i : at;
            return false;
        }
    }
    return true;
}

static int expand_field(enum field f, const char *fmt, size_t fn,
                        const struct sluice_window *w,
                        enum sluice_step_unit unit, struct sluice_buf *out)
{
    if (f == F_INDEX)
        return sluice__buf_appendf(out, "%zu", w->index);
    int64_t t = f == F_START ? w->start : f == F_END ? w->end : w->end_excl;
    char fbuf[SLUICE_TIME_FMT_MAX + 1];
    if (fn == 0) {
        const char *def =
            unit == SLUICE_STEP_HOURS ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d";
        return sluice__time_format(t, def, out);
    }
    memcpy(fbuf, fmt, fn);
    fbuf[fn] = '\0';
    return sluice__time_format(t, fbuf, out);
}

static bool all_dots(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '.')
            return false;
    return n > 0;
}

/* Appends `v` as the escape mode wants it (template.h). */
static int escape_value(enum sluice_tpl_escape e, const char *v, size_t n,
                        struct sluice_buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = SLUICE_OK;
    switch (e) {
    case SLUICE_TPL_RAW:
        return sluice__buf_append(out, v, n);
    case SLUICE_TPL_PATH:
        if (all_dots(v, n)) {
            for (size_t i = 0; i < n && rc == SLUICE_OK; i++)
                rc = sluice__buf_adds(out, "%2E");
            return rc;
        }
        return sluice__part_escape(v, n, out);
    case SLUICE_TPL_URL_PATH:
        for (size_t i = 0; i < n && rc == SLUICE_OK; i++) {
            unsigned char c = (unsigned char)v[i];
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                (c >= '0' && c <= '9') || strchr("-._~/", c)) {
                rc = sluice__buf_addc(out, (char)c);
            } else {
                char x[3] = {'%', hex[c >> 4], hex[c & 15]};
                rc = sluice__buf_append(out, x, 3);
            }
        }
        return rc;
    case SLUICE_TPL_JSON:
        for (size_t i = 0; i < n && rc == SLUICE_OK; i++) {
            unsigned char c = (unsigned char)v[i];
            if (c == '"' || c == '\\') {
                char x[2] = {'\\', (char)c};
                rc = sluice__buf_append(out, x, 2);
            } else if (c < 0x20) {
                rc = sluice__buf_appendf(out, "\\u%04x", c);
            } else {
                rc = sluice__buf_addc(out, (char)c);
            }
        }
        return rc;
    }
    return SLUICE_EINVAL;
}

/* A dimension's value or the key, for partition w. */
static int expand_var(const struct sluice_tpl_ctx *c, enum field f,
                      const char *name, size_t name_n,
                      const struct sluice_window *w, struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    struct sluice_buf v;
    bool found = false;
    sluice__buf_init(&v, SLUICE_PART_VALUE_MAX * 3 + 4096);
    if (f == F_CURSOR) {
        SLUICE_TRY(escape_value(c->escape, c->cursor, strlen(c->cursor), out));
        goto out;
    }
    if (f == F_PARTITION) {
        SLUICE_TRY(sluice__part_key(c->parts, w, &v));
        if (c->escape == SLUICE_TPL_JSON)
            SLUICE_TRY(escape_value(SLUICE_TPL_JSON, v.p, v.n, out));
        else
            SLUICE_TRY(sluice__buf_append(out, v.p, v.n));
        goto out;
    }
    SLUICE_TRY(sluice__part_value(c->parts, w->group, name, name_n, &v,
                                  &found));
    SLUICE_TRY(found ? SLUICE_OK : SLUICE_EINVAL);
    SLUICE_TRY(escape_value(c->escape, v.p ? v.p : "", v.n, out));
out:
    sluice__buf_cleanup(&v);
    return rc;
}

/* Appends literal bytes, naming the limit when the output is full. */
static int emit(struct sluice_buf *out, const char *p, size_t n,
                struct sluice_err *err)
{
    int rc = sluice__buf_append(out, p, n);
    if (rc != SLUICE_OK)
        sluice__err_set(err, "template expansion: %s", sluice_strerror(rc));
    return rc;
}

/* Walks the template. With `w`, appends the expansion to `out`; without,
 * only validates. Counts window placeholders in *fields if asked, and hands
 * the pieces to `v` if given. */
static int walk(const char *tpl, const struct sluice_window *w,
                enum sluice_step_unit unit, struct sluice_buf *out,
                size_t *fields, const struct visitor *v,
                struct walk_ctx *wc, struct sluice_err *err)
{
    const struct sluice_tpl_ctx *ctx = wc ? wc->c : NULL;
    int rc = SLUICE_OK;
    SLUICE_FAIL_IF(!tpl, SLUICE_EINVAL, err, "template: missing");
    size_t n = strnlen(tpl, TEMPLATE_MAX + 1);
    SLUICE_FAIL_IF(n > TEMPLATE_MAX, SLUICE_EJOB, err,
                   "template longer than %d bytes", TEMPLATE_MAX);
    size_t lit = 0; /* start of the pending literal run */
    size_t i = 0;
    bool json = ctx && ctx->json_braces;
    while (i < n) {
        char c = tpl[i];
        if ((c != '{' && c != '}') ||
            (json && (c == '}' || !sluice__template_placeholder_at(tpl + i)))) {
            i++;
            continue;
        }
        if (w && i > lit)
            SLUICE_TRY(emit(out, tpl + lit, i - lit, err));
        SLUICE_TRY(visit_literal(v, tpl + lit, i - lit));
        if (!json && i + 1 < n && tpl[i + 1] == c) { /* {{ or }} */
            if (w)
                SLUICE_TRY(emit(out, &c, 1, err));
            SLUICE_TRY(visit_literal(v, tpl + i, 1));
            i += 2;
            lit = i;
            continue;
        }
        SLUICE_FAIL_IF(c == '}', SLUICE_EJOB, err,
                       "unbalanced '}' at byte %zu (write '}}' for a "
                       "literal brace)",
                       i);
        size_t open = i;
        size_t name0 = i + 1, j = name0;
        while (j < n && tpl[j] != '}' && tpl[j] != ':' && tpl[j] != '{')
            j++;
        SLUICE_FAIL_IF(j >= n, SLUICE_EJOB, err,
                       "unclosed '{' at byte %zu (write '{{' for a literal "
                       "brace)",
                       open);
        SLUICE_FAIL_IF(tpl[j] == '{', SLUICE_EJOB, err,
                       "unexpected '{' at byte %zu inside the placeholder "
                       "opened at byte %zu",
                       j, open);
        size_t name_n = j - name0;
        int fi = -1;
        for (size_t k = 0; k < SLUICE_ARRAY_LEN(FIELDS); k++) {
            if (strlen(FIELDS[k].name) == name_n &&
                memcmp(FIELDS[k].name, tpl + name0, name_n) == 0)
                fi = (int)k;
        }
        enum field f = fi >= 0 ? FIELDS[fi].f : F_VAR;
        if (fi < 0 && ctx && ctx->parts && name_n == 9 &&
            memcmp(tpl + name0, "partition", 9) == 0)
            f = F_PARTITION;
        if (fi < 0 && ctx && ctx->cursor && name_n == 6 &&
            memcmp(tpl + name0, "cursor", 6) == 0)
            f = F_CURSOR;
        SLUICE_FAIL_IF(
            f == F_VAR && !(ctx && ctx->parts &&
                            sluice__part_has_name(ctx->parts, tpl + name0,
                                                  name_n)),
            SLUICE_EJOB, err,
            "unknown placeholder {%.*s} at byte %zu (known: {start}, {end}, "
            "{end_excl}, {index}%s)",
            (int)(name_n > 40 ? 40 : name_n), tpl + name0, open,
            !(ctx && ctx->parts)   ? ""
            : ctx->parts->n_dims ? ", {partition} and the names the "
                                   "partitions declare with 'as'"
                                 : ", {partition}");
        SLUICE_FAIL_IF(ctx && ctx->no_window && f <= F_END_EXCL, SLUICE_EJOB,
                       err,
                       "placeholder {%.*s} at byte %zu needs date windows "
                       "(windows:), and the job has none",
                       (int)name_n, tpl + name0, open);
        if (wc && wc->want && strlen(wc->want) == name_n &&
            memcmp(wc->want, tpl + name0, name_n) == 0)
            wc->seen = true;
        const char *fmt = NULL;
        size_t fn = 0;
        if (tpl[j] == ':') {
            size_t f0 = j + 1, k = f0;
            while (k < n && tpl[k] != '}' && tpl[k] != '{')
                k++;
            SLUICE_FAIL_IF(k >= n, SLUICE_EJOB, err, "unclosed '{' at byte %zu",
                           open);
            SLUICE_FAIL_IF(tpl[k] == '{', SLUICE_EJOB, err,
                           "unexpected '{' at byte %zu inside the "
                           "placeholder opened at byte %zu",
                           k, open);
            fmt = tpl + f0;
            fn = k - f0;
            SLUICE_FAIL_IF(f >= F_INDEX, SLUICE_EJOB, err,
                           "{%.*s} takes no format (byte %zu)", (int)name_n,
                           tpl + name0, open);
            SLUICE_FAIL_IF(fn == 0, SLUICE_EJOB, err,
                           "empty format after ':' at byte %zu", j);
            SLUICE_FAIL_IF(fn > SLUICE_TIME_FMT_MAX, SLUICE_EJOB, err,
                           "format at byte %zu is longer than %d bytes", f0,
                           SLUICE_TIME_FMT_MAX);
            size_t bad = 0;
            SLUICE_FAIL_IF(!fmt_ok(fmt, fn, &bad), SLUICE_EJOB, err,
                           "unsupported strftime conversion at byte %zu",
                           f0 + bad);
            j = k;
        }
        /* tpl[j] is the closing '}'. */
        if (fields)
            (*fields)++;
        if (v) {
            struct sluice_tpl_part part = {false, fmt ? fmt : tpl + j, fn,
                                           (enum sluice_tpl_field)f};
            SLUICE_TRY(v->fn(v->ud, &part));
        }
        if (w) {
            rc = f >= F_VAR ? expand_var(ctx, f, tpl + name0, name_n, w, out)
                            : expand_field(f, fmt, fn, w, unit, out);
            SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err,
                           "placeholder at byte %zu: %s", open,
                           sluice_strerror(rc));
        }
        i = j + 1;
        lit = i;
    }
    if (w && n > lit)
        SLUICE_TRY(emit(out, tpl + lit, n - lit, err));
    SLUICE_TRY(visit_literal(v, tpl + lit, n > lit ? n - lit : 0));
    if (w && !out->p)
        SLUICE_TRY(emit(out, "", 0, err));
out:
    return rc;
}

int sluice__template_check(const char *tpl, struct sluice_err *err)
{
    return walk(tpl, NULL, SLUICE_STEP_DAYS, NULL, NULL, NULL, NULL, err);
}

int sluice__template_check_ctx(const char *tpl, const struct sluice_tpl_ctx *c,
                               struct sluice_err *err)
{
    struct walk_ctx wc = {c, NULL, false};
    return walk(tpl, NULL, SLUICE_STEP_DAYS, NULL, NULL, NULL, &wc, err);
}

int sluice__template_expand_ctx(const char *tpl, const struct sluice_window *w,
                                enum sluice_step_unit unit,
                                const struct sluice_tpl_ctx *c,
                                struct sluice_buf *out, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct walk_ctx wc = {c, NULL, false};
    SLUICE_FAIL_IF(!w || !out, SLUICE_EINVAL, err,
                   "template: no window or output");
    rc = walk(tpl, w, unit, out, NULL, NULL, &wc, err);
out:
    return rc;
}

bool sluice__template_uses(const char *tpl, const struct sluice_tpl_ctx *c,
                           const char *name)
{
    struct walk_ctx wc = {c, name, false};
    struct sluice_err err;
    return walk(tpl, NULL, SLUICE_STEP_DAYS, NULL, NULL, NULL, &wc, &err) ==
               SLUICE_OK &&
           wc.seen;
}

int sluice__template_visit(const char *tpl, sluice_tpl_visit_fn fn, void *ud,
                           struct sluice_err *err)
{
    struct visitor v = {fn, ud};
    return walk(tpl, NULL, SLUICE_STEP_DAYS, NULL, NULL, fn ? &v : NULL, NULL,
                err);
}

int sluice__template_expand(const char *tpl, const struct sluice_window *w,
                            enum sluice_step_unit unit, struct sluice_buf *out,
                            struct sluice_err *err)
{
    int rc = SLUICE_OK;
    SLUICE_FAIL_IF(!w || !out, SLUICE_EINVAL, err,
                   "template: no window or output");
    rc = walk(tpl, w, unit, out, NULL, NULL, NULL, err);
out:
    return rc;
}

bool sluice__template_has_window_field(const char *tpl)
{
    size_t fields = 0;
    struct sluice_err err;
    return walk(tpl, NULL, SLUICE_STEP_DAYS, NULL, &fields, NULL, NULL, &err) ==
               SLUICE_OK &&
           fields > 0;
}

size_t sluice__template_placeholder_at(const char *s)
{
    size_t i = 1;
    if (s[0] != '{' || !((s[1] >= 'a' && s[1] <= 'z') ||
                         (s[1] >= 'A' && s[1] <= 'Z') || s[1] == '_'))
        return 0;
    while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
           (s[i] >= '0' && s[i] <= '9') || s[i] == '_')
        i++;
    if (s[i] == ':')
        while (s[i] && s[i] != '}' && s[i] != '{')
            i++;
    return s[i] == '}' ? i + 1 : 0;
}

int sluice__template_expand_json(const char *tpl, const struct sluice_window *w,
                                 enum sluice_step_unit unit,
                                 const struct sluice_tpl_ctx *c,
                                 struct sluice_buf *out, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_tpl_ctx one = *c;
    struct sluice_buf ph;
    bool in_str = false, escaped = false;
    sluice__buf_init(&ph, SLUICE_TIME_FMT_MAX + 256);
    one.json_braces = true;
    /* The whole template is checked first: the walk below only splits it. */
    SLUICE_TRY(sluice__template_check_ctx(tpl, &one, err));
    one.json_braces = false;
    for (size_t i = 0; tpl[i];) {
        char ch = tpl[i];
        size_t pn = sluice__template_placeholder_at(tpl + i);
        if (pn) {
            sluice__buf_reset(&ph);
            SLUICE_TRY(emit(&ph, tpl + i, pn, err));
            one.escape = in_str ? SLUICE_TPL_JSON : SLUICE_TPL_RAW;
            SLUICE_TRY(sluice__template_expand_ctx(ph.p, w, unit, &one, out,
                                                   err));
            i += pn;
            continue;
        }
        /* The JSON string state of the literal text. */
        if (in_str && escaped)
            escaped = false;
        else if (in_str && ch == '\\')
            escaped = true;
        else if (ch == '"')
            in_str = !in_str;
        SLUICE_TRY(emit(out, &ch, 1, err));
        i++;
    }
    if (!out->p)
        SLUICE_TRY(emit(out, "", 0, err));
out:
    sluice__buf_cleanup(&ph);
    return rc;
}
