/* json_reader.c: the push JSON reader (see json_reader.h for the contract).
 *
 * One flat state machine: `state` says what the next byte may be, and every
 * state can be left at a chunk boundary and resumed from the next chunk, so
 * the events do not depend on how the input was split. The hot paths are the
 * plain bytes of a string (eight at a time), runs of indentation, and digit
 * runs; everything else costs one switch dispatch per byte or token.
 *
 * String and number payloads are views into the caller's chunk while a token
 * lies inside it unescaped. A token is copied into `scratch` only from the
 * moment it meets a chunk end or an escape: then the pending plain bytes
 * (from `seg` to the current position) are appended, and later bytes follow.
 *
 * Newlines are legal only as whitespace between tokens, so lines are counted
 * in the whitespace path alone, which keeps the per-byte cost of positions
 * at zero inside tokens. */
#include "json/json_reader.h"

#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/swar.h"

enum rstate {
    ST_VALUE,     /* a value must come (top level, after ':' or ',') */
    ST_ARR_FIRST, /* after '[': a value or ']' */
    ST_OBJ_FIRST, /* after '{': a key or '}' */
    ST_KEY,       /* after ',' in an object: a key */
    ST_COLON,     /* after a key: ':' */
    ST_AFTER,     /* after a value: ',' or the closer, or the end */
    ST_STR,       /* inside a string, plain bytes */
    ST_UTF8,      /* inside a multi-byte UTF-8 sequence of a string */
    ST_ESC,       /* after a backslash */
    ST_UHEX,      /* inside the four hex digits of \u */
    ST_LOW_BS,    /* after a high surrogate escape: '\\' must follow */
    ST_LOW_U,     /* ... then 'u' */
    ST_NUM_MINUS, /* number states, named after what was last read */
    ST_NUM_ZERO,
    ST_NUM_INT,
    ST_NUM_DOT,
    ST_NUM_FRAC,
    ST_NUM_E,
    ST_NUM_ESIGN,
    ST_NUM_EXP,
    ST_LIT, /* inside true / false / null */
    ST_ERROR
};

struct sluice_json_reader {
    sluice_json_event_fn fn;
    void *ud;
    size_t max_depth;
    size_t max_token;
    uint8_t *stack; /* per open container: 1 object, 0 array */
    size_t depth;
    enum rstate state;
    int rc;          /* the sticky error code in ST_ERROR */
    bool is_key;     /* the current string is a member name */
    bool in_scratch; /* the current token is being built in scratch */
    bool low;        /* ST_UHEX reads the low half of a surrogate pair */
    bool too_long;   /* the token outgrew max_token; judged at its end */
    uint8_t u_count; /* hex digits read so far */
    uint32_t u_val;
    uint32_t hi_surr;
    uint8_t u8_need; /* UTF-8 continuation bytes still expected */
    uint8_t u8_lo;   /* allowed range of the next continuation byte */
    uint8_t u8_hi;
    uint8_t lit_i;   /* bytes of the literal matched so far */
    const char *lit; /* "true", "false" or "null" */
    enum sluice_json_event lit_ev;
    struct sluice_buf scratch;
    uint64_t tok_start; /* offset of the current token's first byte */
    const char *chunk; /* the chunk being fed, for offsets */
    uint64_t base;     /* offset of chunk[0] in the whole input */
    uint64_t line;     /* current line, 1-based */
    uint64_t line_start; /* offset of the current line's first byte */
    struct sluice_err err;
};

/* A byte that stands for itself inside a string: ASCII from 0x20 up, except
 * '"' and '\\'. */
static bool is_plain(uint8_t c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

static const uint8_t k_ws[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1,
                                  ['\r'] = 1};

/* Returns the first byte at or after p that is not plain (or end). Eight
 * bytes at a time: a lane is special when it is '"', '\\', below 0x20 or
 * has its top bit set; the classic has-zero-byte trick finds any. */
static const char *scan_plain(const char *p, const char *end)
{
    while (end - p >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        if (sluice__swar_eq(x, '"') | sluice__swar_eq(x, '\\') |
            sluice__swar_below(x, 0x20) | sluice__swar_high(x))
            break;
        p += 8;
    }
    while (p < end && is_plain((uint8_t)*p))
        p++;
    return p;
}

static uint64_t pos_of(const struct sluice_json_reader *r, const char *p)
{
    return r->base + (uint64_t)(p - r->chunk);
}

/* Records an error at input offset `off` and makes it sticky. */
static int fail_at(struct sluice_json_reader *r, int code, uint64_t off,
                   const char *what)
{
    sluice__err_set(&r->err, "byte %llu (line %llu, col %llu): %s",
                    (unsigned long long)off, (unsigned long long)r->line,
                    (unsigned long long)(off - r->line_start + 1), what);
    r->state = ST_ERROR;
    r->rc = code;
    return code;
}

static int fail(struct sluice_json_reader *r, const char *p, const char *what)
{
    return fail_at(r, SLUICE_EJSON, pos_of(r, p), what);
}

/* A token too long is reported at its start once it ends, so the answer
 * does not depend on where the chunks happened to cut it. */
static int fail_long(struct sluice_json_reader *r)
{
    char msg[80];
    snprintf(msg, sizeof msg, "token longer than %zu bytes", r->max_token);
    r->too_long = false;
    r->in_scratch = false;
    sluice__buf_reset(&r->scratch);
    return fail_at(r, SLUICE_ETOOBIG, r->tok_start, msg);
}

/* Appends to the current token's copy. Past max_token the bytes are
 * dropped (the token keeps being validated) and the token fails at its
 * end; only out of memory fails here. */
static int scratch_add(struct sluice_json_reader *r, const char *p,
                       const char *from, size_t n, bool num)
{
    if (!r->in_scratch) {
        /* the first copy starts at the payload's first byte; a string's
         * token starts one earlier, at its quote. Noting this here rather
         * than at every token start keeps the hot path free of it. */
        r->tok_start = pos_of(r, from) - (num ? 0 : 1);
        r->in_scratch = true;
    }
    if (r->too_long || n > r->max_token - r->scratch.n) {
        r->too_long = true;
        return SLUICE_OK;
    }
    int rc = sluice__buf_append(&r->scratch, from, n);
    if (rc != SLUICE_OK)
        return fail_at(r, rc, pos_of(r, p), "out of memory");
    return SLUICE_OK;
}

static int emit(struct sluice_json_reader *r, const char *p,
                enum sluice_json_event ev, const char *s, size_t n)
{
    int rc = r->fn(r->ud, ev, s, n);
    if (rc != 0) {
        char msg[96];
        /* the callback's code, in words: "out of memory" says more than 1 */
        snprintf(msg, sizeof msg, "stopped by the event callback: %s",
                 sluice_strerror(rc));
        fail_at(r, rc, pos_of(r, p), msg);
    }
    return rc;
}

/* Ends a string or number token whose last plain bytes are [seg, p). */
static int emit_token(struct sluice_json_reader *r, const char *seg,
                      const char *p, enum sluice_json_event ev)
{
    int rc;
    bool num = ev == SLUICE_JSON_NUMBER;
    if (!r->in_scratch) {
        if ((size_t)(p - seg) > r->max_token) {
            r->tok_start = pos_of(r, seg) - (num ? 0 : 1);
            return fail_long(r);
        }
        return emit(r, p, ev, seg, (size_t)(p - seg));
    }
    rc = scratch_add(r, p, seg, (size_t)(p - seg), num);
    if (rc != SLUICE_OK)
        return rc;
    if (r->too_long)
        return fail_long(r);
    r->in_scratch = false;
    rc = emit(r, p, ev, r->scratch.p ? r->scratch.p : "", r->scratch.n);
    sluice__buf_reset(&r->scratch);
    return rc;
}

static int push(struct sluice_json_reader *r, const char *p, uint8_t kind)
{
    if (r->depth >= r->max_depth) {
        char msg[64];
        snprintf(msg, sizeof msg, "nesting deeper than %zu", r->max_depth);
        return fail_at(r, SLUICE_ETOOBIG, pos_of(r, p), msg);
    }
    r->stack[r->depth++] = kind;
    return emit(r, p, kind ? SLUICE_JSON_OBJECT_BEGIN : SLUICE_JSON_ARRAY_BEGIN,
                NULL, 0);
}

/* Skips whitespace from p, counting lines. */
static const char *skip_ws(struct sluice_json_reader *r, const char *p,
                           const char *end)
{
    while (p < end) {
        uint8_t c = (uint8_t)*p;
        if (c == ' ') {
            /* indentation comes in runs: eat them eight at a time */
            while (end - p >= 8) {
                uint64_t x;
                memcpy(&x, p, 8);
                if (x != SLUICE_SWAR_ONES * 0x20)
                    break;
                p += 8;
            }
            while (p < end && *p == ' ')
                p++;
            continue;
        }
        if (!k_ws[c])
            break;
        if (c == '\n') {
            r->line++;
            r->line_start = pos_of(r, p) + 1;
        }
        p++;
    }
    return p;
}

static int utf8_encode(char out[4], uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Sets up the continuation expected after lead byte c (RFC 3629 table:
 * no overlongs, no surrogates, nothing past U+10FFFF). */
static bool utf8_lead(struct sluice_json_reader *r, uint8_t c)
{
    r->u8_lo = 0x80;
    r->u8_hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        r->u8_need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        r->u8_need = 2;
        if (c == 0xE0)
            r->u8_lo = 0xA0;
        else if (c == 0xED)
            r->u8_hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        r->u8_need = 3;
        if (c == 0xF0)
            r->u8_lo = 0x90;
        else if (c == 0xF4)
            r->u8_hi = 0x8F;
    } else {
        return false;
    }
    return true;
}

static int hex_val(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static bool is_digit(uint8_t c) { return (uint8_t)(c - '0') < 10; }

struct sluice_json_reader *
sluice__json_reader_new(const struct sluice_json_reader_opts *opts,
                        sluice_json_event_fn fn, void *ud)
{
    struct sluice_json_reader *r = sluice__calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->fn = fn;
    r->ud = ud;
    r->max_depth = opts && opts->max_depth ? opts->max_depth : 512;
    r->max_token =
        opts && opts->max_token ? opts->max_token : (size_t)64 << 20;
    r->stack = sluice__malloc(r->max_depth);
    if (!r->stack) {
        sluice__free(r);
        return NULL;
    }
    sluice__buf_init(&r->scratch, r->max_token);
    sluice__json_reader_reset(r);
    return r;
}

void sluice__json_reader_free(struct sluice_json_reader *r)
{
    if (!r)
        return;
    sluice__buf_cleanup(&r->scratch);
    sluice__free(r->stack);
    sluice__free(r);
}

void sluice__json_reader_reset(struct sluice_json_reader *r)
{
    r->depth = 0;
    r->state = ST_VALUE;
    r->rc = SLUICE_OK;
    r->in_scratch = false;
    r->too_long = false;
    sluice__buf_reset(&r->scratch);
    r->chunk = NULL;
    r->base = 0;
    r->line = 1;
    r->line_start = 0;
    r->err.msg[0] = '\0';
}

const char *sluice__json_reader_error(const struct sluice_json_reader *r)
{
    return r->err.msg;
}

uint64_t sluice__json_reader_offset(const struct sluice_json_reader *r)
{
    return r->base;
}

/* The machine. Each case consumes at least one byte or changes state, and
 * `seg` marks the start of the current token's not-yet-copied bytes. */
int sluice__json_reader_feed(struct sluice_json_reader *r, const char *buf,
                             size_t n)
{
    if (r->state == ST_ERROR)
        return r->rc;
    if (n == 0)
        return SLUICE_OK;
    const char *p = buf, *end = buf + n, *seg = buf;
    enum rstate st = r->state;
    int rc = SLUICE_OK;
    uint8_t c;
    r->chunk = buf;

#define FAIL(msg)                                                              \
    do {                                                                       \
        rc = fail(r, p, (msg));                                                \
        goto out;                                                              \
    } while (0)
#define CHECK(expr)                                                            \
    do {                                                                       \
        rc = (expr);                                                           \
        if (rc != SLUICE_OK)                                                   \
            goto out;                                                          \
    } while (0)

    while (p < end) {
        c = (uint8_t)*p;
        switch (st) {
        case ST_AFTER:
            if (k_ws[c]) {
                p = skip_ws(r, p, end);
                break;
            }
            if (r->depth == 0)
                FAIL("unexpected data after the value");
            if (r->stack[r->depth - 1]) {
                if (c == ',') {
                    st = ST_KEY;
                } else if (c == '}') {
                    r->depth--;
                    CHECK(emit(r, p, SLUICE_JSON_OBJECT_END, NULL, 0));
                } else {
                    FAIL("expected ',' or '}'");
                }
            } else {
                if (c == ',') {
                    st = ST_VALUE;
                } else if (c == ']') {
                    r->depth--;
                    CHECK(emit(r, p, SLUICE_JSON_ARRAY_END, NULL, 0));
                } else {
                    FAIL("expected ',' or ']'");
                }
            }
            p++;
            break;

        case ST_KEY:
        case ST_OBJ_FIRST:
            if (k_ws[c]) {
                p = skip_ws(r, p, end);
                break;
            }
            if (c == '"') {
                r->is_key = true;
                p++;
                seg = p;
                st = ST_STR;
            } else if (c == '}' && st == ST_OBJ_FIRST) {
                r->depth--;
                CHECK(emit(r, p, SLUICE_JSON_OBJECT_END, NULL, 0));
                p++;
                st = ST_AFTER;
            } else {
                FAIL(st == ST_KEY ? "expected a string key"
                                  : "expected a string key or '}'");
            }
            break;

        case ST_COLON:
            if (k_ws[c]) {
                p = skip_ws(r, p, end);
                break;
            }
            if (c != ':')
                FAIL("expected ':'");
            p++;
            st = ST_VALUE;
            break;

        case ST_ARR_FIRST:
            if (c == ']') {
                r->depth--;
                CHECK(emit(r, p, SLUICE_JSON_ARRAY_END, NULL, 0));
                p++;
                st = ST_AFTER;
                break;
            }
            /* fall through */
        case ST_VALUE:
            if (k_ws[c]) {
                p = skip_ws(r, p, end);
                break;
            }
            switch (c) {
            case '"':
                r->is_key = false;
                p++;
                seg = p;
                st = ST_STR;
                break;
            case '{':
                CHECK(push(r, p, 1));
                p++;
                st = ST_OBJ_FIRST;
                break;
            case '[':
                CHECK(push(r, p, 0));
                p++;
                st = ST_ARR_FIRST;
                break;
            case 't':
            case 'f':
            case 'n':
                r->lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
                r->lit_ev = c == 't'   ? SLUICE_JSON_TRUE
                            : c == 'f' ? SLUICE_JSON_FALSE
                                       : SLUICE_JSON_NULL;
                r->lit_i = 1;
                p++;
                st = ST_LIT;
                break;
            case '-':
                seg = p++;
                st = ST_NUM_MINUS;
                break;
            case '0':
                seg = p++;
                st = ST_NUM_ZERO;
                break;
            default:
                if (c >= '1' && c <= '9') {
                    seg = p++;
                    st = ST_NUM_INT;
                    break;
                }
                FAIL(st == ST_ARR_FIRST ? "expected a value or ']'"
                                        : "expected a value");
            }
            break;

        case ST_STR:
            p = scan_plain(p, end);
            if (p == end)
                break;
            c = (uint8_t)*p;
            if (c == '"') {
                CHECK(emit_token(r, seg, p,
                                 r->is_key ? SLUICE_JSON_KEY
                                           : SLUICE_JSON_STRING));
                p++;
                st = r->is_key ? ST_COLON : ST_AFTER;
            } else if (c == '\\') {
                CHECK(scratch_add(r, p, seg, (size_t)(p - seg), false));
                p++;
                st = ST_ESC;
            } else if (c < 0x20) {
                FAIL("control character in string (must be escaped)");
            } else {
                if (!utf8_lead(r, c))
                    FAIL("invalid UTF-8 in string");
                p++;
                st = ST_UTF8;
            }
            break;

        case ST_UTF8:
            if (c < r->u8_lo || c > r->u8_hi)
                FAIL("invalid UTF-8 in string");
            p++;
            r->u8_lo = 0x80;
            r->u8_hi = 0xBF;
            if (--r->u8_need == 0)
                st = ST_STR;
            break;

        case ST_ESC: {
            char out;
            switch (c) {
            case '"':
            case '\\':
            case '/':
                out = (char)c;
                break;
            case 'b':
                out = '\b';
                break;
            case 'f':
                out = '\f';
                break;
            case 'n':
                out = '\n';
                break;
            case 'r':
                out = '\r';
                break;
            case 't':
                out = '\t';
                break;
            case 'u':
                r->low = false;
                r->u_count = 0;
                r->u_val = 0;
                p++;
                st = ST_UHEX;
                continue;
            default:
                FAIL("invalid escape in string");
            }
            CHECK(scratch_add(r, p, &out, 1, false));
            p++;
            seg = p;
            st = ST_STR;
            break;
        }

        case ST_UHEX: {
            int d = hex_val(c);
            if (d < 0)
                FAIL("invalid \\u escape: expected a hex digit");
            r->u_val = r->u_val * 16 + (uint32_t)d;
            if (++r->u_count < 4) {
                p++;
                break;
            }
            uint32_t cp = r->u_val;
            if (r->low) {
                if (cp < 0xDC00 || cp > 0xDFFF)
                    FAIL("lone surrogate in \\u escape");
                cp = 0x10000 + ((r->hi_surr - 0xD800) << 10) + (cp - 0xDC00);
            } else if (cp >= 0xD800 && cp <= 0xDBFF) {
                r->hi_surr = cp;
                p++;
                st = ST_LOW_BS;
                break;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                FAIL("lone surrogate in \\u escape");
            }
            char out[4];
            CHECK(scratch_add(r, p, out, (size_t)utf8_encode(out, cp), false));
            p++;
            seg = p;
            st = ST_STR;
            break;
        }

        case ST_LOW_BS:
        case ST_LOW_U:
            if (c != (st == ST_LOW_BS ? '\\' : 'u'))
                FAIL("lone surrogate in \\u escape");
            p++;
            if (st == ST_LOW_U) {
                r->low = true;
                r->u_count = 0;
                r->u_val = 0;
                st = ST_UHEX;
            } else {
                st = ST_LOW_U;
            }
            break;

        case ST_NUM_MINUS:
            if (c == '0')
                st = ST_NUM_ZERO;
            else if (c >= '1' && c <= '9')
                st = ST_NUM_INT;
            else
                FAIL("invalid number: expected a digit");
            p++;
            break;

        case ST_NUM_ZERO:
            if (is_digit(c))
                FAIL("invalid number: leading zero");
            goto num_more;

        case ST_NUM_INT:
        case ST_NUM_FRAC:
        case ST_NUM_EXP:
            while (p < end && is_digit((uint8_t)*p))
                p++;
            if (p == end)
                break;
            c = (uint8_t)*p;
        num_more:
            if (c == '.' && (st == ST_NUM_ZERO || st == ST_NUM_INT)) {
                st = ST_NUM_DOT;
                p++;
            } else if ((c | 0x20) == 'e' && st != ST_NUM_EXP) {
                st = ST_NUM_E;
                p++;
            } else {
                /* the byte ends the number; ST_AFTER judges it */
                CHECK(emit_token(r, seg, p, SLUICE_JSON_NUMBER));
                st = ST_AFTER;
            }
            break;

        case ST_NUM_DOT:
        case ST_NUM_ESIGN:
            if (!is_digit(c))
                FAIL("invalid number: expected a digit");
            st = st == ST_NUM_DOT ? ST_NUM_FRAC : ST_NUM_EXP;
            p++;
            break;

        case ST_NUM_E:
            if (c == '+' || c == '-')
                st = ST_NUM_ESIGN;
            else if (is_digit(c))
                st = ST_NUM_EXP;
            else
                FAIL("invalid number: expected a digit or sign");
            p++;
            break;

        case ST_LIT:
            if (c != (uint8_t)r->lit[r->lit_i])
                FAIL("invalid literal");
            p++;
            if (r->lit[++r->lit_i] == '\0') {
                CHECK(emit(r, p - 1, r->lit_ev, NULL, 0));
                st = ST_AFTER;
            }
            break;

        case ST_ERROR:
            return r->rc;
        }
    }

    /* The chunk ends inside a token: keep its pending bytes. */
    if (st == ST_STR || st == ST_UTF8)
        CHECK(scratch_add(r, p, seg, (size_t)(end - seg), false));
    else if (st >= ST_NUM_MINUS && st <= ST_NUM_EXP)
        CHECK(scratch_add(r, p, seg, (size_t)(end - seg), true));
    r->state = st;

out:
#undef FAIL
#undef CHECK
    r->base += (uint64_t)(p - buf);
    if (rc != SLUICE_OK) {
        r->state = ST_ERROR;
        if (r->rc == SLUICE_OK)
            r->rc = rc;
        return r->rc;
    }
    return SLUICE_OK;
}

int sluice__json_reader_finish(struct sluice_json_reader *r)
{
    if (r->state == ST_ERROR)
        return r->rc;
    /* Positions at the end are measured from an empty chunk at `base`. */
    static const char k_end[1];
    r->chunk = k_end;
    if (r->depth == 0 && (r->state == ST_NUM_ZERO || r->state == ST_NUM_INT ||
                          r->state == ST_NUM_FRAC || r->state == ST_NUM_EXP)) {
        /* the previous feed left the whole number in scratch */
        int rc = emit_token(r, k_end, k_end, SLUICE_JSON_NUMBER);
        if (rc != SLUICE_OK)
            return rc;
        r->state = ST_AFTER;
    }
    if (r->state == ST_AFTER && r->depth == 0)
        return SLUICE_OK;
    return fail_at(r, SLUICE_EJSON, r->base, "unexpected end of input");
}
