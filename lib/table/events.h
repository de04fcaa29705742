/* events.h: a compact binary encoding of JSON reader events, so a record
 * can be kept (in memory or in a spool file) and walked again, several
 * times, without re-parsing its text.
 *
 * One event is one tag byte, followed for strings, keys and numbers by a
 * varint length and the payload bytes. Numbers are tagged integer or not
 * when they are encoded (the literal is kept as is). The walker is a
 * cursor over a record's bytes; functions that take a cursor consume
 * exactly one value. */
#ifndef SLUICE_TABLE_EVENTS_H
#define SLUICE_TABLE_EVENTS_H

#include "util/buf.h"
#include "json/json_reader.h"

enum sluice_ev {
    SLUICE_EV_NULL = 'n',
    SLUICE_EV_FALSE = 'f',
    SLUICE_EV_TRUE = 't',
    SLUICE_EV_INT = 'i', /* a number literal without '.', 'e', 'E' */
    SLUICE_EV_DBL = 'd', /* any other number literal */
    SLUICE_EV_STRING = 's',
    SLUICE_EV_KEY = 'k',
    SLUICE_EV_ARRAY = '[',
    SLUICE_EV_ARRAY_END = ']',
    SLUICE_EV_OBJECT = '{',
    SLUICE_EV_OBJECT_END = '}'
};

/* Appends one reader event. Returns the buffer's code (SLUICE_ETOOBIG at
 * its bound). */
SLUICE_NODISCARD int sluice__ev_put(struct sluice_buf *b,
                                    enum sluice_json_event ev, const char *p,
                                    size_t n);
/* Appends an event already in this encoding (the slow path: any length,
 * growing the buffer). */
SLUICE_NODISCARD int sluice__ev_put_raw_slow(struct sluice_buf *b,
                                             enum sluice_ev ev, const char *p,
                                             size_t n);

static inline bool sluice__ev_has_payload(unsigned ev)
{
    return ev == SLUICE_EV_STRING || ev == SLUICE_EV_KEY ||
           ev == SLUICE_EV_INT || ev == SLUICE_EV_DBL;
}

/* Appends an event already in this encoding. Inline for the common case,
 * a payload under 128 bytes (a one-byte length) with room in the buffer:
 * the spool writes every event of every record through here. */
SLUICE_NODISCARD static inline int sluice__ev_put_raw(struct sluice_buf *b,
                                                      enum sluice_ev ev,
                                                      const char *p, size_t n)
{
    if (!sluice__ev_has_payload(ev))
        return sluice__buf_addc(b, (char)ev);
    if (n < 0x80 && b->p && n + 2 < b->cap - b->n) {
        char *o = b->p + b->n;
        o[0] = (char)ev;
        o[1] = (char)n;
        if (n)
            memcpy(o + 2, p, n);
        b->n += n + 2;
        b->p[b->n] = '\0';
        return SLUICE_OK;
    }
    return sluice__ev_put_raw_slow(b, ev, p, n);
}

struct sluice_evcur {
    const uint8_t *p, *end;
};

/* The whole decoder of sluice__ev_next, for any length. */
bool sluice__ev_next_slow(struct sluice_evcur *c, enum sluice_ev *ev,
                          const char **p, size_t *n);
/* Reads the next event; false at the end of input or on a malformed
 * encoding (which only a bug can produce). Inline for an event without
 * payload or with a one-byte length; others through the slow path. */
static inline bool sluice__ev_next(struct sluice_evcur *c, enum sluice_ev *ev,
                                   const char **p, size_t *n)
{
    if (c->p >= c->end)
        return false;
    unsigned t = c->p[0];
    if (!sluice__ev_has_payload(t)) {
        c->p++;
        *ev = (enum sluice_ev)t;
        *p = NULL;
        *n = 0;
        return true;
    }
    if (c->end - c->p >= 2 && c->p[1] < 0x80 &&
        (size_t)(c->end - c->p - 2) >= c->p[1]) {
        *ev = (enum sluice_ev)t;
        *n = c->p[1];
        *p = (const char *)c->p + 2;
        c->p += 2 + *n;
        return true;
    }
    return sluice__ev_next_slow(c, ev, p, n);
}
/* Skips the rest of a value whose first event `ev` was already read. */
bool sluice__ev_skip_rest(struct sluice_evcur *c, enum sluice_ev ev);
/* Serialises the rest of a value whose first event was read (ev, p, n) as
 * compact JSON text into out. */
SLUICE_NODISCARD int sluice__ev_to_json(struct sluice_evcur *c,
                                        enum sluice_ev ev, const char *p,
                                        size_t n, struct sluice_buf *out);

#endif
