/* cursor.c: the incremental cursor (cursor.h): a member path matched over
 * a record's reader events, values read and compared as their declared
 * type, the greatest kept with its text as the API sent it. */
#include "json/cursor.h"

#include <stdio.h>
#include <string.h>

#include "util/date.h"

/* ---- the path ---------------------------------------------------------- */

int sluice__cursor_path_compile(const char *path, struct sluice_cursor_path *out,
                                struct sluice_err *err)
{
    int rc = SLUICE_OK;
    size_t i = 1, len = strlen(path);
    memset(out, 0, sizeof *out);
    SLUICE_FAIL_IF(path[0] != '$', SLUICE_EPATH, err,
                   "byte 0: a cursor path starts with '$'");
    while (i < len) {
        const char *name = NULL;
        size_t n = 0;
        if (path[i] == '.') {
            size_t j = i + 1;
            while (j < len && path[j] != '.' && path[j] != '[')
                j++;
            SLUICE_FAIL_IF(j == i + 1 || path[i + 1] == '*', SLUICE_EPATH, err,
                           "byte %zu: expected a member name after '.'", i);
            name = path + i + 1;
            n = j - i - 1;
            i = j;
        } else if (path[i] == '[' && i + 1 < len &&
                   (path[i + 1] == '\'' || path[i + 1] == '"')) {
            char q = path[i + 1];
            const char *end = strchr(path + i + 2, q);
            SLUICE_FAIL_IF(!end || end[1] != ']', SLUICE_EPATH, err,
                           "byte %zu: unterminated ['name']", i);
            name = path + i + 2;
            n = (size_t)(end - name);
            i = (size_t)(end - path) + 2;
        } else {
            rc = SLUICE_EPATH;
            sluice__err_set(err,
                            "byte %zu: a cursor path names members only "
                            "($.a.b or $['a']): one value per record",
                            i);
            goto out;
        }
        SLUICE_FAIL_IF(out->n == SLUICE_CURSOR_DEPTH, SLUICE_EPATH, err,
                       "more than %d members", SLUICE_CURSOR_DEPTH);
        out->names[out->n] = sluice__strndup(name, n);
        SLUICE_FAIL_IF(!out->names[out->n], SLUICE_ENOMEM, err,
                       "out of memory");
        out->n++;
    }
    SLUICE_FAIL_IF(out->n == 0, SLUICE_EPATH, err,
                   "byte 1: name the member that holds the cursor "
                   "($.updated_at)");
out:
    if (rc != SLUICE_OK)
        sluice__cursor_path_cleanup(out);
    return rc;
}

void sluice__cursor_path_cleanup(struct sluice_cursor_path *p)
{
    for (size_t i = 0; i < p->n; i++)
        sluice__free(p->names[i]);
    p->n = 0;
}

/* ---- values ------------------------------------------------------------ */

static int digits(const char *p, size_t n, int64_t *v)
{
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        *v = *v * 10 + (p[i] - '0');
    }
    return n ? 0 : -1;
}

static int parse_ts(const char *p, size_t n, struct sluice_cursor_value *v,
                    struct sluice_err *err)
{
    struct sluice_err sub;
    bool has_time = false;
    size_t base = n >= 19 && p[10] == 'T' && p[16] == ':' ? 19
                  : n >= 16 && p[10] == 'T'               ? 16
                                                          : (n >= 10 ? 10 : n);
    int64_t t = 0;
    if (sluice__time_parse(p, base, &t, &has_time, &sub) != SLUICE_OK)
        goto bad;
    size_t i = base;
    int32_t nanos = 0;
    if (i < n && p[i] == '.' && base == 19) {
        size_t j = ++i, k = 0;
        while (i < n && p[i] >= '0' && p[i] <= '9') {
            if (k < 9) {
                nanos = nanos * 10 + (p[i] - '0');
                k++;
            }
            i++;
        }
        if (i == j)
            goto bad;
        while (k++ < 9)
            nanos *= 10;
    }
    if (i < n && (p[i] == 'Z' || p[i] == 'z')) {
        i++;
    } else if (i < n && (p[i] == '+' || p[i] == '-') && base > 10) {
        int sign = p[i] == '-' ? -1 : 1;
        int64_t hh = 0, mm = 0;
        i++;
        if (n - i == 5 && p[i + 2] == ':' && digits(p + i, 2, &hh) == 0 &&
            digits(p + i + 3, 2, &mm) == 0)
            i += 5;
        else if (n - i == 4 && digits(p + i, 2, &hh) == 0 &&
                 digits(p + i + 2, 2, &mm) == 0)
            i += 4;
        else
            goto bad;
        if (hh > 23 || mm > 59)
            goto bad;
        t -= sign * (hh * 3600 + mm * 60);
    }
    if (i != n)
        goto bad;
    v->secs = t;
    v->nanos = nanos;
    return SLUICE_OK;
bad:
    sluice__err_set(err, "'%.*s' is not an ISO 8601 timestamp",
                    (int)(n > 64 ? 64 : n), p);
    return SLUICE_EINVAL;
}

int sluice__cursor_value_parse(enum sluice_cursor_type type, const char *p,
                               size_t n, struct sluice_cursor_value *v,
                               struct sluice_err *err)
{
    memset(v, 0, sizeof *v);
    if (n > SLUICE_CURSOR_MAX) {
        sluice__err_set(err, "a cursor value over %d bytes", SLUICE_CURSOR_MAX);
        return SLUICE_EINVAL;
    }
    if (type == SLUICE_CURSOR_TIMESTAMP) {
        int rc = parse_ts(p, n, v, err);
        if (rc != SLUICE_OK)
            return rc;
    } else if (type == SLUICE_CURSOR_INTEGER) {
        bool neg = n > 0 && p[0] == '-';
        uint64_t u = 0;
        size_t i = neg;
        if (i == n) {
            sluice__err_set(err, "'%.*s' is not an integer", (int)n, p);
            return SLUICE_EINVAL;
        }
        for (; i < n; i++) {
            if (p[i] < '0' || p[i] > '9' ||
                u > (UINT64_C(9223372036854775807) - (uint64_t)(p[i] - '0')) / 10) {
                sluice__err_set(err, "'%.*s' is not a 64-bit integer",
                                (int)(n > 64 ? 64 : n), p);
                return SLUICE_EINVAL;
            }
            u = u * 10 + (uint64_t)(p[i] - '0');
        }
        v->secs = neg ? -(int64_t)u : (int64_t)u;
    }
    memcpy(v->text, p, n);
    v->text[n] = '\0';
    v->n = n;
    v->set = true;
    return SLUICE_OK;
}

int sluice__cursor_cmp(enum sluice_cursor_type type,
                       const struct sluice_cursor_value *a,
                       const struct sluice_cursor_value *b)
{
    if (type == SLUICE_CURSOR_STRING) {
        size_t m = a->n < b->n ? a->n : b->n;
        int c = memcmp(a->text, b->text, m);
        return c ? c : (a->n > b->n) - (a->n < b->n);
    }
    if (a->secs != b->secs)
        return a->secs < b->secs ? -1 : 1;
    return (a->nanos > b->nanos) - (a->nanos < b->nanos);
}

void sluice__cursor_keep_max(enum sluice_cursor_type type,
                             struct sluice_cursor_value *into,
                             const struct sluice_cursor_value *v)
{
    if (v->set && (!into->set || sluice__cursor_cmp(type, v, into) > 0))
        *into = *v;
}

int sluice__cursor_minus(enum sluice_cursor_type type,
                         const struct sluice_cursor_value *v, int64_t lag,
                         struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    if (lag == 0 || type == SLUICE_CURSOR_STRING)
        return sluice__buf_append(out, v->text, v->n);
    if (type == SLUICE_CURSOR_INTEGER)
        return sluice__buf_appendf(out, "%lld", (long long)(v->secs - lag));
    SLUICE_TRY(sluice__time_format(v->secs - lag, "%Y-%m-%dT%H:%M:%S", out));
    if (v->nanos) {
        char frac[16];
        snprintf(frac, sizeof frac, ".%09d", (int)v->nanos);
        size_t k = strlen(frac);
        while (k > 1 && frac[k - 1] == '0')
            frac[--k] = '\0';
        SLUICE_TRY(sluice__buf_adds(out, frac));
    }
    SLUICE_TRY(sluice__buf_addc(out, 'Z'));
out:
    return rc;
}

/* ---- the tracker ------------------------------------------------------- */

void sluice__cursor_tracker_init(struct sluice_cursor_tracker *t,
                                 const struct sluice_cursor_path *path,
                                 enum sluice_cursor_type type)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    t->type = type;
}

void sluice__cursor_record_begin(struct sluice_cursor_tracker *t)
{
    t->depth = 0;
    t->matched = 0;
    t->pending = false;
    t->started = false;
    t->have = false;
    t->is_null = false;
    t->cand_n = 0;
    t->cand_long = false;
}

void sluice__cursor_event(struct sluice_cursor_tracker *t,
                          enum sluice_json_event ev, const char *p, size_t n)
{
    bool pending = t->pending;
    t->pending = false;
    t->started = true;
    switch (ev) {
    case SLUICE_JSON_KEY:
        /* inside the objects matched so far, one level below the last */
        t->pending = t->depth == t->matched + 1 &&
                     t->matched < t->path->n &&
                     strlen(t->path->names[t->matched]) == n &&
                     memcmp(t->path->names[t->matched], p, n) == 0;
        return;
    case SLUICE_JSON_OBJECT_BEGIN:
        t->depth++;
        if (pending && t->matched + 1 < t->path->n)
            t->matched++;
        else if (pending) { /* the cursor's place holds an object */
            t->have = true;
            t->is_null = false;
            t->cand_long = true;
        }
        return;
    case SLUICE_JSON_ARRAY_BEGIN:
        t->depth++;
        if (pending && t->matched + 1 == t->path->n) {
            t->have = true;
            t->is_null = false;
            t->cand_long = true;
        }
        return;
    case SLUICE_JSON_OBJECT_END:
    case SLUICE_JSON_ARRAY_END:
        /* matched k: inside the object names[0..k-1] lead to, at depth
         * k + 1; closing it steps back one name */
        if (t->matched > 0 && t->depth == t->matched + 1)
            t->matched--;
        t->depth--;
        return;
    default:
        break;
    }
    /* a scalar */
    if (!pending || t->matched + 1 != t->path->n)
        return;
    t->have = true;
    t->is_null = ev == SLUICE_JSON_NULL;
    t->cand_long = false;
    t->cand_n = 0;
    if (ev == SLUICE_JSON_STRING || ev == SLUICE_JSON_NUMBER) {
        if (n > SLUICE_CURSOR_MAX) {
            t->cand_long = true;
        } else {
            memcpy(t->cand, p, n);
            t->cand_n = n;
        }
    } else if (!t->is_null) {
        t->cand_long = true; /* true / false: not a cursor */
    }
}

void sluice__cursor_record_end(struct sluice_cursor_tracker *t)
{
    if (!t->have || t->is_null) {
        t->missing++;
        return;
    }
    struct sluice_cursor_value v;
    struct sluice_err e;
    if (t->cand_long ||
        sluice__cursor_value_parse(t->type, t->cand, t->cand_n, &v, &e) !=
            SLUICE_OK) {
        t->unreadable++;
        return;
    }
    sluice__cursor_keep_max(t->type, &t->max, &v);
}

void sluice__cursor_tracker_merge(struct sluice_cursor_tracker *dst,
                                  const struct sluice_cursor_tracker *src)
{
    sluice__cursor_keep_max(dst->type, &dst->max, &src->max);
    dst->missing += src->missing;
    dst->unreadable += src->unreadable;
}
