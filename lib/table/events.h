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
/* Appends an event already in this encoding. */
SLUICE_NODISCARD int sluice__ev_put_raw(struct sluice_buf *b, enum sluice_ev ev,
                                        const char *p, size_t n);

struct sluice_evcur {
    const uint8_t *p, *end;
};

/* Reads the next event; false at the end of input or on a malformed
 * encoding (which only a bug can produce). */
bool sluice__ev_next(struct sluice_evcur *c, enum sluice_ev *ev, const char **p,
                     size_t *n);
/* Skips the rest of a value whose first event `ev` was already read. */
bool sluice__ev_skip_rest(struct sluice_evcur *c, enum sluice_ev ev);
/* Serialises the rest of a value whose first event was read (ev, p, n) as
 * compact JSON text into out. */
SLUICE_NODISCARD int sluice__ev_to_json(struct sluice_evcur *c,
                                        enum sluice_ev ev, const char *p,
                                        size_t n, struct sluice_buf *out);

#endif
