/* json_writer.c: compact JSON text from reader events (see writer.h).
 *
 * The writer trusts the event order (the reader or the selector produced
 * it); it only decides where commas and colons go. Strings are scanned once
 * and copied in runs, so text without escapes costs one append. */
#include "json/json_writer.h"

#include <string.h>

#include "util/swar.h"

void sluice__json_writer_init(struct sluice_json_writer *w,
                              struct sluice_buf *out)
{
    w->out = out;
    w->depth = 0;
    w->need_comma = false;
    w->after_key = false;
}

/* Does byte c need an escape inside a JSON string? */
static bool needs_escape(uint8_t c) { return c < 0x20 || c == '"' || c == '\\'; }

/* Does any of the eight bytes in x need an escape? A lane is flagged when
 * it is '"', '\\' or below 0x20 (bytes from 0x80 up are copied as they
 * are); the has-zero-byte trick answers "any lane?" exactly. */
static bool word_needs_escape(uint64_t x)
{
    return (sluice__swar_eq(x, '"') | sluice__swar_eq(x, '\\') |
            sluice__swar_below(x, 0x20)) != 0;
}

/* The first byte at or after p that needs an escape (or end): eight bytes
 * at a time, the last word read overlapping the one before it, and byte by
 * byte only inside a word that has one (or in a string under eight bytes).
 * Most strings have no escape at all, and this loop, byte by byte, was the
 * NDJSON sink's largest cost; most of them are short, so the tail must not
 * cost a variable-length copy either. */
static const char *scan_unescaped(const char *p, const char *end)
{
    if (end - p >= 8) {
        uint64_t x;
        for (; end - p >= 8; p += 8) {
            memcpy(&x, p, 8);
            if (word_needs_escape(x))
                goto bytewise;
        }
        if (p == end)
            return end;
        memcpy(&x, end - 8, 8); /* [end - 8, p) is known clean */
        if (!word_needs_escape(x))
            return end;
    }
bytewise:
    while (p < end && !needs_escape((uint8_t)*p))
        p++;
    return p;
}

int sluice__json_write_string(struct sluice_buf *out, const char *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const char *end = p + n, *at = scan_unescaped(p, end);
    int rc;
    if (at == end) { /* nothing to escape: one copy between the quotes */
        if (n > SIZE_MAX - 2)
            return SLUICE_ETOOBIG;
        if ((rc = sluice__buf_reserve(out, n + 2)) != SLUICE_OK)
            return rc;
        char *o = out->p + out->n;
        o[0] = '"';
        if (n)
            memcpy(o + 1, p, n);
        o[n + 1] = '"';
        out->n += n + 2;
        out->p[out->n] = '\0';
        return SLUICE_OK;
    }
    rc = sluice__buf_addc(out, '"');
    const char *run = p; /* the bytes not yet copied */
    while (rc == SLUICE_OK) {
        rc = sluice__buf_append(out, run, (size_t)(at - run));
        if (rc != SLUICE_OK || at == end)
            break;
        uint8_t c = (uint8_t)*at;
        run = at + 1;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t len = 2;
        switch (c) {
        case '"':
        case '\\':
            esc[1] = (char)c;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        rc = sluice__buf_append(out, esc, len);
        if (rc == SLUICE_OK)
            at = scan_unescaped(run, end);
    }
    if (rc == SLUICE_OK)
        rc = sluice__buf_addc(out, '"');
    return rc;
}

int sluice__json_write_cstr(struct sluice_buf *out, const char *s)
{
    if (!s)
        return sluice__buf_append(out, "null", 4);
    return sluice__json_write_string(out, s, strlen(s));
}

int sluice__json_writer_event(struct sluice_json_writer *w,
                              enum sluice_json_event ev, const char *p,
                              size_t n)
{
    int rc = SLUICE_OK;
    bool closing =
        ev == SLUICE_JSON_ARRAY_END || ev == SLUICE_JSON_OBJECT_END;
    /* A comma separates siblings inside a container; a value right after
     * its key and a closer take none. Top-level values stand alone. */
    if (!closing && !w->after_key && w->need_comma && w->depth > 0)
        rc = sluice__buf_addc(w->out, ',');
    if (rc != SLUICE_OK)
        return rc;
    w->after_key = false;
    w->need_comma = true;
    switch (ev) {
    case SLUICE_JSON_NULL:
        return sluice__buf_append(w->out, "null", 4);
    case SLUICE_JSON_FALSE:
        return sluice__buf_append(w->out, "false", 5);
    case SLUICE_JSON_TRUE:
        return sluice__buf_append(w->out, "true", 4);
    case SLUICE_JSON_NUMBER:
        return sluice__buf_append(w->out, p, n);
    case SLUICE_JSON_STRING:
        return sluice__json_write_string(w->out, p, n);
    case SLUICE_JSON_KEY:
        w->after_key = true;
        w->need_comma = false;
        rc = sluice__json_write_string(w->out, p, n);
        return rc != SLUICE_OK ? rc : sluice__buf_addc(w->out, ':');
    case SLUICE_JSON_ARRAY_BEGIN:
    case SLUICE_JSON_OBJECT_BEGIN:
        w->depth++;
        w->need_comma = false;
        return sluice__buf_addc(w->out,
                                ev == SLUICE_JSON_ARRAY_BEGIN ? '[' : '{');
    case SLUICE_JSON_ARRAY_END:
    case SLUICE_JSON_OBJECT_END:
        if (w->depth > 0)
            w->depth--;
        return sluice__buf_addc(w->out,
                                ev == SLUICE_JSON_ARRAY_END ? ']' : '}');
    }
    return SLUICE_EINVAL;
}
