/* events.c: the compact event encoding (events.h). */
#include <string.h>

#include "table/events.h"
#include "json/json_writer.h"

int sluice__ev_put_raw_slow(struct sluice_buf *b, enum sluice_ev ev,
                            const char *p, size_t n)
{
    uint8_t hdr[11];
    size_t h = 0;
    hdr[h++] = (uint8_t)ev;
    if (ev == SLUICE_EV_STRING || ev == SLUICE_EV_KEY || ev == SLUICE_EV_INT ||
        ev == SLUICE_EV_DBL) {
        size_t v = n;
        while (v >= 0x80) {
            hdr[h++] = (uint8_t)(v | 0x80);
            v >>= 7;
        }
        hdr[h++] = (uint8_t)v;
        int rc = sluice__buf_reserve(b, h + n);
        if (rc != SLUICE_OK)
            return rc;
        memcpy(b->p + b->n, hdr, h);
        if (n)
            memcpy(b->p + b->n + h, p, n);
        b->n += h + n;
        b->p[b->n] = '\0';
        return SLUICE_OK;
    }
    return sluice__buf_addc(b, (char)ev);
}

static bool is_integer_literal(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == '.' || p[i] == 'e' || p[i] == 'E')
            return false;
    return true;
}

int sluice__ev_put(struct sluice_buf *b, enum sluice_json_event ev,
                   const char *p, size_t n)
{
    enum sluice_ev e;
    switch (ev) {
    case SLUICE_JSON_NULL:
        e = SLUICE_EV_NULL;
        break;
    case SLUICE_JSON_FALSE:
        e = SLUICE_EV_FALSE;
        break;
    case SLUICE_JSON_TRUE:
        e = SLUICE_EV_TRUE;
        break;
    case SLUICE_JSON_NUMBER:
        e = is_integer_literal(p, n) ? SLUICE_EV_INT : SLUICE_EV_DBL;
        break;
    case SLUICE_JSON_STRING:
        e = SLUICE_EV_STRING;
        break;
    case SLUICE_JSON_KEY:
        e = SLUICE_EV_KEY;
        break;
    case SLUICE_JSON_ARRAY_BEGIN:
        e = SLUICE_EV_ARRAY;
        break;
    case SLUICE_JSON_ARRAY_END:
        e = SLUICE_EV_ARRAY_END;
        break;
    case SLUICE_JSON_OBJECT_BEGIN:
        e = SLUICE_EV_OBJECT;
        break;
    default:
        e = SLUICE_EV_OBJECT_END;
        break;
    }
    return sluice__ev_put_raw(b, e, p, n);
}

bool sluice__ev_next_slow(struct sluice_evcur *c, enum sluice_ev *ev,
                          const char **p, size_t *n)
{
    if (c->p >= c->end)
        return false;
    *ev = (enum sluice_ev) * c->p++;
    *p = NULL;
    *n = 0;
    if (*ev == SLUICE_EV_STRING || *ev == SLUICE_EV_KEY ||
        *ev == SLUICE_EV_INT || *ev == SLUICE_EV_DBL) {
        size_t v = 0;
        unsigned shift = 0;
        for (;;) {
            if (c->p >= c->end || shift > 63)
                return false;
            uint8_t byte = *c->p++;
            v |= (size_t)(byte & 0x7f) << shift;
            if (!(byte & 0x80))
                break;
            shift += 7;
        }
        if ((size_t)(c->end - c->p) < v)
            return false;
        *p = (const char *)c->p;
        *n = v;
        c->p += v;
    }
    return true;
}

bool sluice__ev_skip_rest(struct sluice_evcur *c, enum sluice_ev ev)
{
    size_t depth = ev == SLUICE_EV_ARRAY || ev == SLUICE_EV_OBJECT;
    while (depth > 0) {
        const char *p;
        size_t n;
        if (!sluice__ev_next(c, &ev, &p, &n))
            return false;
        if (ev == SLUICE_EV_ARRAY || ev == SLUICE_EV_OBJECT)
            depth++;
        else if (ev == SLUICE_EV_ARRAY_END || ev == SLUICE_EV_OBJECT_END)
            depth--;
    }
    return true;
}

static enum sluice_json_event to_json_event(enum sluice_ev ev)
{
    switch (ev) {
    case SLUICE_EV_NULL:
        return SLUICE_JSON_NULL;
    case SLUICE_EV_FALSE:
        return SLUICE_JSON_FALSE;
    case SLUICE_EV_TRUE:
        return SLUICE_JSON_TRUE;
    case SLUICE_EV_INT:
    case SLUICE_EV_DBL:
        return SLUICE_JSON_NUMBER;
    case SLUICE_EV_STRING:
        return SLUICE_JSON_STRING;
    case SLUICE_EV_KEY:
        return SLUICE_JSON_KEY;
    case SLUICE_EV_ARRAY:
        return SLUICE_JSON_ARRAY_BEGIN;
    case SLUICE_EV_ARRAY_END:
        return SLUICE_JSON_ARRAY_END;
    case SLUICE_EV_OBJECT:
        return SLUICE_JSON_OBJECT_BEGIN;
    case SLUICE_EV_OBJECT_END:
        break;
    }
    return SLUICE_JSON_OBJECT_END;
}

int sluice__ev_to_json(struct sluice_evcur *c, enum sluice_ev ev, const char *p,
                       size_t n, struct sluice_buf *out)
{
    struct sluice_json_writer w;
    sluice__json_writer_init(&w, out);
    size_t depth = 0;
    for (;;) {
        int rc = sluice__json_writer_event(&w, to_json_event(ev), p, n);
        if (rc != SLUICE_OK)
            return rc;
        if (ev == SLUICE_EV_ARRAY || ev == SLUICE_EV_OBJECT)
            depth++;
        else if (ev == SLUICE_EV_ARRAY_END || ev == SLUICE_EV_OBJECT_END)
            depth--;
        if (depth == 0)
            return SLUICE_OK;
        if (!sluice__ev_next(c, &ev, &p, &n))
            return SLUICE_EINVAL;
    }
}
