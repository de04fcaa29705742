/* stats.c: column-chunk statistics: null_count, min_value/max_value in the
 * column's TypeDefinedOrder (signed for integers, IEEE order without NaN
 * for doubles, unsigned bytes for BYTE_ARRAY) and nan_count for doubles.
 *
 * Long byte arrays are truncated to PQ_STAT_MAX bytes: min to a prefix
 * (which still sorts first), max to a prefix whose last character is
 * incremented (so it still sorts last); both marked inexact. For UTF-8
 * columns the cut and the increment work on whole characters, so the
 * bounds stay valid strings, as the spec asks. */
#include "parquet/column.h"

#include "parquet/format.h"

#include <math.h>

#define PQ_STAT_MAX 64

static int bytes_cmp(const void *a, size_t an, const void *b, size_t bn)
{
    int r = memcmp(a, b, an < bn ? an : bn);
    if (r)
        return r;
    return an < bn ? -1 : an > bn;
}

static int set_buf(struct sluice_buf *b, const void *p, size_t n)
{
    sluice__buf_reset(b);
    int rc = sluice__buf_append(b, p, n);
    /* An empty string still needs a non-NULL pointer for later compares. */
    if (rc == SLUICE_OK && !b->p)
        rc = sluice__buf_reserve(b, 1);
    return rc;
}

int sluice__pq_stats_update(struct pq_col *c, const struct sluice_pq_value *v)
{
    int rc = SLUICE_OK;
    switch (c->type) {
    case SLUICE_PQ_BOOLEAN:
    case SLUICE_PQ_INT32:
    case SLUICE_PQ_INT64: {
        int64_t x = c->type == SLUICE_PQ_BOOLEAN ? v->b
                    : c->type == SLUICE_PQ_INT32 ? v->i32
                                                 : v->i64;
        if (!c->has_minmax || x < c->imin)
            c->imin = x;
        if (!c->has_minmax || x > c->imax)
            c->imax = x;
        c->has_minmax = true;
        break;
    }
    case SLUICE_PQ_DOUBLE:
        if (isnan(v->d)) {
            c->nan_count++;
            break;
        }
        if (!c->has_minmax || v->d < c->dmin)
            c->dmin = v->d;
        if (!c->has_minmax || v->d > c->dmax)
            c->dmax = v->d;
        c->has_minmax = true;
        break;
    default:
        if (!c->has_minmax ||
            bytes_cmp(v->s.p, v->s.n, c->smin.p, c->smin.n) < 0)
            SLUICE_TRY(set_buf(&c->smin, v->s.p, v->s.n));
        if (!c->has_minmax ||
            bytes_cmp(v->s.p, v->s.n, c->smax.p, c->smax.n) > 0)
            SLUICE_TRY(set_buf(&c->smax, v->s.p, v->s.n));
        c->has_minmax = true;
    }
out:
    return rc;
}

void sluice__pq_stats_reset(struct pq_col *c)
{
    c->null_count = c->nan_count = 0;
    c->has_minmax = false;
    sluice__buf_reset(&c->smin);
    sluice__buf_reset(&c->smax);
}

static bool is_utf8_col(const struct pq_col *c)
{
    return c->node->logical == SLUICE_PQ_LT_STRING ||
           c->node->logical == SLUICE_PQ_LT_JSON;
}

/* Longest prefix of at most `max` bytes that does not split a UTF-8
 * character (the value is known to be valid UTF-8). */
static size_t utf8_cut(const uint8_t *p, size_t n, size_t max)
{
    if (n <= max)
        return n;
    size_t k = max;
    while (k > 0 && (p[k] & 0xC0) == 0x80)
        k--;
    return k;
}

static size_t utf8_put(uint8_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xC0 | cp >> 6);
        o[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | cp >> 12);
        o[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | cp >> 18);
    o[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* An upper bound of at most PQ_STAT_MAX + 4 bytes for a long value; *n = 0
 * if there is none (all characters maximal). */
static void round_up(const struct pq_col *c, const uint8_t *p, size_t pn,
                     uint8_t *o, size_t *n)
{
    if (!is_utf8_col(c)) {
        size_t k = pn < PQ_STAT_MAX ? pn : PQ_STAT_MAX;
        while (k > 0 && p[k - 1] == 0xFF)
            k--;
        memcpy(o, p, k);
        if (k)
            o[k - 1]++;
        *n = k;
        return;
    }
    size_t k = utf8_cut(p, pn, PQ_STAT_MAX);
    while (k > 0) {
        size_t s = k - 1; /* start of the last character */
        while (s > 0 && (p[s] & 0xC0) == 0x80)
            s--;
        uint32_t cp = p[s] < 0x80   ? p[s]
                      : p[s] < 0xE0 ? p[s] & 0x1Fu
                      : p[s] < 0xF0 ? p[s] & 0x0Fu
                                    : p[s] & 0x07u;
        for (size_t i = s + 1; i < k; i++)
            cp = cp << 6 | (p[i] & 0x3Fu);
        if (cp < 0x10FFFF) {
            cp = cp == 0xD7FF ? 0xE000 : cp + 1;
            memcpy(o, p, s);
            *n = s + utf8_put(o + s, cp);
            return;
        }
        k = s;
    }
    *n = 0;
}

static int put_minmax(const struct pq_col *c, struct sluice_thrift_w *tw)
{
    int rc = SLUICE_OK;
    uint8_t mn[PQ_STAT_MAX + 8], mx[PQ_STAT_MAX + 8];
    size_t mnn = 0, mxn = 0;
    bool min_exact = true, max_exact = true;
    const void *pmin = mn, *pmax = mx;
    switch (c->type) {
    case SLUICE_PQ_BOOLEAN:
        mn[0] = (uint8_t)c->imin, mx[0] = (uint8_t)c->imax;
        mnn = mxn = 1;
        break;
    case SLUICE_PQ_INT32:
        pq_put_u32le(mn, (uint32_t)(int32_t)c->imin);
        pq_put_u32le(mx, (uint32_t)(int32_t)c->imax);
        mnn = mxn = 4;
        break;
    case SLUICE_PQ_INT64:
        pq_put_u64le(mn, (uint64_t)c->imin);
        pq_put_u64le(mx, (uint64_t)c->imax);
        mnn = mxn = 8;
        break;
    case SLUICE_PQ_DOUBLE:
        /* Zeros: the bounds are -0.0 and +0.0 whichever was seen. */
        pq_put_u64le(mn, pq_double_bits(c->dmin == 0 ? -0.0 : c->dmin));
        pq_put_u64le(mx, pq_double_bits(c->dmax == 0 ? 0.0 : c->dmax));
        mnn = mxn = 8;
        break;
    default: {
        const uint8_t *smin = (const uint8_t *)c->smin.p;
        const uint8_t *smax = (const uint8_t *)c->smax.p;
        if (c->smin.n <= PQ_STAT_MAX) {
            pmin = smin, mnn = c->smin.n;
        } else {
            mnn = is_utf8_col(c) ? utf8_cut(smin, c->smin.n, PQ_STAT_MAX)
                                 : PQ_STAT_MAX;
            memcpy(mn, smin, mnn);
            min_exact = false;
        }
        if (c->smax.n <= PQ_STAT_MAX) {
            pmax = smax, mxn = c->smax.n;
        } else {
            round_up(c, smax, c->smax.n, mx, &mxn);
            max_exact = false;
            if (!mxn)
                pmax = NULL;
        }
    }
    }
    if (pmax)
        SLUICE_TRY(sluice__thrift_field_binary(tw, 5, pmax, mxn));
    SLUICE_TRY(sluice__thrift_field_binary(tw, 6, pmin, mnn));
    if (pmax)
        SLUICE_TRY(sluice__thrift_field_bool(tw, 7, max_exact));
    SLUICE_TRY(sluice__thrift_field_bool(tw, 8, min_exact));
out:
    return rc;
}

int sluice__pq_stats_write(const struct pq_col *c, struct sluice_thrift_w *tw,
                           int16_t id)
{
    int rc = SLUICE_OK;
    SLUICE_TRY(sluice__thrift_field_struct(tw, id));
    SLUICE_TRY(sluice__thrift_field_i64(tw, 3, c->null_count));
    if (c->has_minmax)
        SLUICE_TRY(put_minmax(c, tw));
    if (c->type == SLUICE_PQ_DOUBLE)
        SLUICE_TRY(sluice__thrift_field_i64(tw, 9, c->nan_count));
    SLUICE_TRY(sluice__thrift_struct_end(tw));
out:
    return rc;
}
