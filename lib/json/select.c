/* select.c: the record selector (see select.h).
 *
 * A compiled path is a list of steps (name, index or wildcard). Without
 * descendant segments or filters, whether a value is selected depends only
 * on the chain of member names and indices above it, so matching needs one
 * frame per step and two counters, not a tree: `depth` counts the open
 * containers, `matched` how many of the outermost ones lie on the path.
 * Below an unmatched container only `depth` moves, until it comes back.
 *
 * Keys matched by wildcard steps are copied (a reader payload lives only
 * for its call), so a record can be labelled with the member name of its
 * deepest object wildcard when it begins.
 *
 * The verdict (select.h) costs a type test where a value on the path
 * starts and a flag test where an on-path container closes: a value of the
 * wrong kind is not descended into (it is treated as off the path), and a
 * name or index step whose container closes without its member or element
 * is absent. The first problem of each kind is described at once, with the
 * concrete location (`$.near_earth_objects['2020-01-01']`), since the keys
 * above it are gone later; the top-level keys are kept as they pass. */
#include "json/select.h"

#include <stdio.h>
#include <string.h>

#include "util/buf.h"

/* What the verdict names: the first few top-level keys, each cut short. */
#define TOP_KEYS 10
#define TOP_KEY_MAX 40
#define WHY_MAX 400

/* STEP_NEG: a negative index, [-index] */
enum step_kind { STEP_NAME, STEP_INDEX, STEP_WILD, STEP_NEG };

struct step {
    enum step_kind kind;
    char *name; /* STEP_NAME: unescaped, owned */
    size_t name_n;
    uint64_t index; /* STEP_INDEX; STEP_NEG: its magnitude */
};

/* What a document's verdict is so far (select.h). */
struct verdict {
    enum sluice_select_verdict soft, hard;
    char soft_why[WHY_MAX], hard_why[WHY_MAX];
    bool soft_at_root, hard_at_root; /* the problem is the response itself */
    bool soft_last; /* the soft problem: the last step's member or element
                       is absent (its container is there) */
};

/* An element of the array a negative index step reads that may be the one
 * it selects: its records as bytes (struct candidate's encoding below) and
 * its own verdict. */
struct candidate {
    struct sluice_buf ev;
    struct verdict v;
};

/* An open container on the path: frames[L] is the value steps 0..L-1
 * selected; its children are tested against steps[L]. */
struct frame {
    bool is_object;
    bool key_match;    /* the current member's name matches steps[L] */
    bool found;        /* a member matched a name step */
    uint64_t next_idx; /* index the next array element will have */
};


struct sluice_selector {
    struct sluice_record_consumer c;
    struct step *steps;
    size_t nsteps;
    size_t cap; /* steps, frames and keys allocated */
    struct frame *frames;   /* nsteps of them */
    struct sluice_buf *keys; /* per wildcard step: the current member name */
    size_t depth;
    size_t matched;
    bool in_record;
    size_t rec_depth;
    uint64_t records;

    /* the verdict: the first absent-or-null and the first wrong type */
    struct verdict v;
    /* A negative index step (at most one per path): its element is known
     * only when the array closes, so each element that may be it is a
     * candidate whose records and verdict are kept aside (a ring of the
     * last `neg_k`), and the chosen one is replayed then. */
    size_t neg_level;       /* the step's index; SIZE_MAX: none */
    uint64_t neg_k;         /* [-k] */
    struct candidate *ring; /* neg_k of them */
    struct candidate *cand; /* the open candidate, or NULL */
    size_t cand_depth;      /* s->depth where it started */
    struct verdict saved;   /* the document's verdict while it is open */
    /* the response's top level */
    enum sluice_json_event root_ev;
    bool root_seen;
    uint64_t root_keys; /* members of a top-level object */
    char top[TOP_KEYS][TOP_KEY_MAX + 1];
    size_t top_n[TOP_KEYS];
    bool top_cut[TOP_KEYS];
};

#define KEY_MAX ((size_t)1 << 20)
/* The most a negative index may count back ([-1024]), and the bytes one
 * candidate's records may take while the array is still open. */
#define NEG_MAX 1024
#define CAND_MAX ((size_t)64 << 20)

/* ---- compiling ------------------------------------------------------- */

struct pc {
    const char *s;
    size_t i, n;
    struct sluice_err *err;
};

static int perr(struct pc *pc, size_t at, const char *what)
{
    sluice__err_set(pc->err, "byte %zu: %s", at, what);
    return SLUICE_EPATH;
}

static bool name_first(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c >= 0x80;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* Reads four hex digits at pc->i; -1 when they are not there. */
static long read_hex4(struct pc *pc)
{
    long v = 0;
    for (int k = 0; k < 4; k++) {
        if (pc->i >= pc->n || hexv(pc->s[pc->i]) < 0)
            return -1;
        v = v * 16 + hexv(pc->s[pc->i++]);
    }
    return v;
}

static int add_cp(struct sluice_buf *b, uint32_t cp)
{
    char o[4];
    size_t k;
    if (cp < 0x80) {
        o[0] = (char)cp;
        k = 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        k = 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        k = 3;
    } else {
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        k = 4;
    }
    return sluice__buf_append(b, o, k);
}

/* A quoted name in brackets, RFC 9535 string-literal; pc->i is on the
 * opening quote. */
static int parse_quoted(struct pc *pc, struct step *st)
{
    char q = pc->s[pc->i++];
    struct sluice_buf b;
    sluice__buf_init(&b, KEY_MAX);
    int rc = SLUICE_OK;
    for (;;) {
        if (pc->i >= pc->n) {
            rc = perr(pc, pc->i, "unterminated string");
            goto out;
        }
        char c = pc->s[pc->i];
        if (c == q) {
            pc->i++;
            break;
        }
        if ((uint8_t)c < 0x20) {
            rc = perr(pc, pc->i, "control character in string");
            goto out;
        }
        if (c != '\\') {
            SLUICE_TRY(sluice__buf_addc(&b, c));
            pc->i++;
            continue;
        }
        size_t at = pc->i++;
        char e = pc->i < pc->n ? pc->s[pc->i++] : '\0';
        const char *from = "bfnrt/\\";
        const char *to = "\b\f\n\r\t/\\";
        const char *hit = e ? strchr(from, e) : NULL;
        if (hit) {
            SLUICE_TRY(sluice__buf_addc(&b, to[hit - from]));
        } else if (e == q) {
            SLUICE_TRY(sluice__buf_addc(&b, q));
        } else if (e == 'u') {
            long cp = read_hex4(pc);
            if (cp >= 0xD800 && cp <= 0xDBFF && pc->i + 1 < pc->n &&
                pc->s[pc->i] == '\\' && pc->s[pc->i + 1] == 'u') {
                pc->i += 2;
                long lo = read_hex4(pc);
                cp = lo >= 0xDC00 && lo <= 0xDFFF
                         ? 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                         : -1;
            } else if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = -1;
            }
            if (cp < 0) {
                rc = perr(pc, at, "invalid \\u escape");
                goto out;
            }
            SLUICE_TRY(add_cp(&b, (uint32_t)cp));
        } else {
            rc = perr(pc, at, "invalid escape");
            goto out;
        }
    }
    st->kind = STEP_NAME;
    st->name = sluice__buf_take(&b, &st->name_n);
    if (!st->name)
        rc = SLUICE_ENOMEM;
out:
    sluice__buf_cleanup(&b);
    if (rc == SLUICE_ETOOBIG || rc == SLUICE_ENOMEM)
        rc = perr(pc, pc->i, "name too long or out of memory");
    return rc;
}

/* One segment at pc->i into *st. */
static int parse_segment(struct pc *pc, struct step *st)
{
    const char *s = pc->s;
    size_t i = pc->i;
    if (s[i] == '.') {
        if (i + 1 < pc->n && s[i + 1] == '.')
            return perr(pc, i, "descendant segments ('..') are not supported");
        i++;
        if (i < pc->n && s[i] == '*') {
            st->kind = STEP_WILD;
            pc->i = i + 1;
            return SLUICE_OK;
        }
        if (i >= pc->n || !name_first((uint8_t)s[i]))
            return perr(pc, i, "expected a member name or '*' after '.'");
        size_t start = i;
        while (i < pc->n && (name_first((uint8_t)s[i]) ||
                             (s[i] >= '0' && s[i] <= '9')))
            i++;
        st->kind = STEP_NAME;
        st->name = sluice__strndup(s + start, i - start);
        st->name_n = i - start;
        pc->i = i;
        return st->name ? SLUICE_OK : SLUICE_ENOMEM;
    }
    if (s[i] != '[')
        return perr(pc, i, "expected '.' or '['");
    pc->i = ++i;
    while (pc->i < pc->n && is_blank(s[pc->i]))
        pc->i++;
    i = pc->i;
    char c = i < pc->n ? s[i] : '\0';
    if (c == '*') {
        st->kind = STEP_WILD;
        pc->i++;
    } else if (c == '\'' || c == '"') {
        int rc = parse_quoted(pc, st);
        if (rc != SLUICE_OK)
            return rc;
    } else if ((c >= '0' && c <= '9') || c == '-') {
        /* RFC 9535: int = "0" / (["-"] DIGIT1 *DIGIT) */
        size_t at = i;
        bool neg = c == '-';
        if (neg)
            i++;
        uint64_t v = 0;
        if (i >= pc->n || s[i] < '0' || s[i] > '9')
            return perr(pc, at, "expected digits after '-'");
        if (s[i] == '0' && i + 1 < pc->n && s[i + 1] >= '0' && s[i + 1] <= '9')
            return perr(pc, at, "leading zeros are not allowed in an index");
        while (i < pc->n && s[i] >= '0' && s[i] <= '9') {
            if (v > (UINT64_MAX - 9) / 10)
                return perr(pc, i, "index too large");
            v = v * 10 + (uint64_t)(s[i++] - '0');
        }
        if (neg && v == 0)
            return perr(pc, at, "-0 is not an index (RFC 9535)");
        if (neg && v > NEG_MAX)
            return perr(pc, at, "a negative index counts back at most 1024");
        st->kind = neg ? STEP_NEG : STEP_INDEX;
        st->index = v;
        pc->i = i;
    } else if (c == '?') {
        return perr(pc, i, "filters are not supported");
    } else if (c == ':') {
        return perr(pc, i, "slices are not supported");
    } else {
        return perr(pc, i, "expected a name, an index or '*' in brackets");
    }
    while (pc->i < pc->n && is_blank(s[pc->i]))
        pc->i++;
    i = pc->i;
    c = i < pc->n ? s[i] : '\0';
    if (c == ',')
        return perr(pc, i, "unions are not supported");
    if (c == ':')
        return perr(pc, i, "slices are not supported");
    if (c != ']')
        return perr(pc, i, "expected ']'");
    pc->i++;
    return SLUICE_OK;
}

int sluice__selector_new(const char *path,
                         const struct sluice_record_consumer *c,
                         struct sluice_selector **out, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_selector *s = NULL;
    struct pc pc = {path, 1, strlen(path), err};
    *out = NULL;
    SLUICE_FAIL_IF(path[0] != '$', SLUICE_EPATH, err,
                   "byte 0: a path starts with '$'");
    s = sluice__calloc(1, sizeof *s);
    SLUICE_FAIL_IF(!s, SLUICE_ENOMEM, err, "out of memory");
    s->c = *c;
    /* every segment is at least two bytes, which bounds the step count */
    size_t cap = pc.n / 2 + 1;
    s->cap = cap;
    s->steps = sluice__calloc(cap, sizeof *s->steps);
    s->frames = sluice__calloc(cap, sizeof *s->frames);
    s->keys = sluice__calloc(cap, sizeof *s->keys);
    SLUICE_FAIL_IF(!s->steps || !s->frames || !s->keys, SLUICE_ENOMEM, err,
                   "out of memory");
    for (size_t k = 0; k < cap; k++)
        sluice__buf_init(&s->keys[k], KEY_MAX);
    s->neg_level = SIZE_MAX;
    while (pc.i < pc.n) {
        size_t at = pc.i;
        SLUICE_TRY(parse_segment(&pc, &s->steps[s->nsteps]));
        if (s->steps[s->nsteps].kind == STEP_NEG) {
            /* Two would nest candidates in candidates; one covers the
             * uses (the last element's id, the last page's cursor). */
            SLUICE_FAIL_IF(s->neg_level != SIZE_MAX, SLUICE_EPATH, err,
                           "byte %zu: only one negative index per path",
                           at + 1); /* its "-" */
            s->neg_level = s->nsteps;
            s->neg_k = s->steps[s->nsteps].index;
        }
        s->nsteps++;
    }
    if (s->neg_level != SIZE_MAX) {
        s->ring = sluice__calloc((size_t)s->neg_k, sizeof *s->ring);
        SLUICE_FAIL_IF(!s->ring, SLUICE_ENOMEM, err, "out of memory");
        for (uint64_t k = 0; k < s->neg_k; k++)
            sluice__buf_init(&s->ring[k].ev, CAND_MAX);
    }
    *out = s;
    s = NULL;
out:
    sluice__selector_free(s);
    if (rc == SLUICE_ENOMEM)
        sluice__err_set(err, "out of memory");
    return rc;
}

void sluice__selector_free(struct sluice_selector *s)
{
    if (!s)
        return;
    /* unused slots are zeroed, so cleaning all `cap` of them is safe */
    for (size_t k = 0; k < s->cap; k++) {
        if (s->steps)
            sluice__free(s->steps[k].name);
        if (s->keys)
            sluice__buf_cleanup(&s->keys[k]);
    }
    if (s->ring)
        for (uint64_t k = 0; k < s->neg_k; k++)
            sluice__buf_cleanup(&s->ring[k].ev);
    sluice__free(s->ring);
    sluice__free(s->steps);
    sluice__free(s->frames);
    sluice__free(s->keys);
    sluice__free(s);
}

static void verdict_clear(struct verdict *v)
{
    v->soft = v->hard = SLUICE_SELECT_FOUND;
    v->soft_why[0] = v->hard_why[0] = '\0';
    v->soft_at_root = v->hard_at_root = false;
    v->soft_last = false;
}

void sluice__selector_reset(struct sluice_selector *s)
{
    s->depth = 0;
    s->matched = 0;
    s->in_record = false;
    s->rec_depth = 0;
    s->records = 0;
    verdict_clear(&s->v);
    s->cand = NULL;
    s->root_seen = false;
    s->root_keys = 0;
}

uint64_t sluice__selector_records(const struct sluice_selector *s)
{
    return s->records;
}

/* ---- describing what the response held -------------------------------- */

/* A bounded text: appends are cut at the end, never overflow. */
struct text {
    char *p;
    size_t n, cap; /* cap includes the terminating NUL */
};

static void put(struct text *t, const char *p, size_t n)
{
    if (t->n + 1 >= t->cap)
        return;
    size_t room = t->cap - 1 - t->n;
    if (n > room)
        n = room;
    memcpy(t->p + t->n, p, n);
    t->n += n;
    t->p[t->n] = '\0';
}

static void put_s(struct text *t, const char *s) { put(t, s, strlen(s)); }

/* Up to `max` bytes of p/n, not cutting a UTF-8 sequence; whether it was
 * cut. */
static size_t cut(const char *p, size_t n, size_t max, bool *cutp)
{
    *cutp = n > max;
    if (n <= max)
        return n;
    while (max > 0 && ((uint8_t)p[max] & 0xC0) == 0x80)
        max--;
    return max;
}

/* A member name for a message, between `q` quotes: at most 64 bytes of
 * it, with the quote, `\` and control bytes escaped, and "..." when it was
 * cut (here or before: `was_cut`). */
static void put_quoted(struct text *t, const char *p, size_t n, char q,
                       bool was_cut)
{
    bool cut_here;
    n = cut(p, n, 64, &cut_here);
    was_cut = was_cut || cut_here;
    put(t, &q, 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)p[i];
        char esc[8];
        if (c == (uint8_t)q || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(t, esc, 2);
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            put_s(t, esc);
        } else {
            put(t, p + i, 1);
        }
    }
    if (was_cut)
        put_s(t, "...");
    put(t, &q, 1);
}

static bool dotted(const char *p, size_t n)
{
    if (n == 0 || n > 64 || !name_first((uint8_t)p[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!name_first((uint8_t)p[i]) && !(p[i] >= '0' && p[i] <= '9'))
            return false;
    return true;
}

static void put_member(struct text *t, const char *p, size_t n)
{
    if (dotted(p, n)) {
        put_s(t, ".");
        put(t, p, n);
    } else {
        put_s(t, "[");
        put_quoted(t, p, n, '\'', false);
        put_s(t, "]");
    }
}

static void put_index(struct text *t, uint64_t i)
{
    char b[32];
    snprintf(b, sizeof b, "[%llu]", (unsigned long long)i);
    put_s(t, b);
}

/* "$" and the member or element the path is in at each of the first
 * `levels` on-path containers. */
static void put_location(struct text *t, const struct sluice_selector *s,
                         size_t levels)
{
    put_s(t, "$");
    for (size_t L = 0; L < levels; L++) {
        const struct step *st = &s->steps[L];
        if (!s->frames[L].is_object)
            put_index(t, s->frames[L].next_idx - 1);
        else if (st->kind == STEP_NAME)
            put_member(t, st->name, st->name_n);
        else
            put_member(t, s->keys[L].p ? s->keys[L].p : "", s->keys[L].n);
    }
}

static const char *kind_name(enum sluice_json_event ev)
{
    switch (ev) {
    case SLUICE_JSON_NULL:
        return "null";
    case SLUICE_JSON_FALSE:
    case SLUICE_JSON_TRUE:
        return "a boolean";
    case SLUICE_JSON_NUMBER:
        return "a number";
    case SLUICE_JSON_STRING:
        return "a string";
    case SLUICE_JSON_ARRAY_BEGIN:
        return "an array";
    default:
        return "an object";
    }
}

/* What step `st` descends into. */
static const char *wanted_name(const struct step *st)
{
    return st->kind == STEP_NAME   ? "an object"
           : st->kind == STEP_WILD ? "an object or an array"
                                   : "an array";
}

static bool kind_fits(const struct step *st, enum sluice_json_event ev)
{
    if (ev == SLUICE_JSON_OBJECT_BEGIN)
        return st->kind == STEP_NAME || st->kind == STEP_WILD;
    if (ev == SLUICE_JSON_ARRAY_BEGIN)
        return st->kind != STEP_NAME;
    return false;
}

/* The value starting at s->depth is on the path and step s->depth must
 * descend into it: whether it can. Records the first problem. */
static bool check_kind(struct sluice_selector *s, enum sluice_json_event ev)
{
    const struct step *st = &s->steps[s->depth];
    if (kind_fits(st, ev))
        return true;
    bool null = ev == SLUICE_JSON_NULL;
    if (null ? s->v.soft != SLUICE_SELECT_FOUND : s->v.hard != SLUICE_SELECT_FOUND)
        return false;
    struct text t = {null ? s->v.soft_why : s->v.hard_why, 0, WHY_MAX};
    put_location(&t, s, s->depth);
    if (null) {
        put_s(&t, " is null");
        s->v.soft = SLUICE_SELECT_NULL;
        s->v.soft_at_root = s->depth == 0;
    } else {
        put_s(&t, " is ");
        put_s(&t, kind_name(ev));
        put_s(&t, ", not ");
        put_s(&t, wanted_name(st));
        s->v.hard = SLUICE_SELECT_WRONG_TYPE;
        s->v.hard_at_root = s->depth == 0;
    }
    return false;
}

/* The on-path container at level L closes: did its name or index step
 * find what it asks for? */
static void check_found(struct sluice_selector *s, size_t L)
{
    const struct frame *f = &s->frames[L];
    const struct step *st = &s->steps[L];
    bool absent = (st->kind == STEP_NAME && !f->found) ||
                  (st->kind == STEP_INDEX && f->next_idx <= st->index) ||
                  (st->kind == STEP_NEG && f->next_idx < st->index);
    if (!absent || s->v.soft != SLUICE_SELECT_FOUND)
        return;
    struct text t = {s->v.soft_why, 0, WHY_MAX};
    put_location(&t, s, L);
    if (st->kind == STEP_NAME) {
        put_member(&t, st->name, st->name_n);
        put_s(&t, " absent");
    } else {
        char b[96];
        if (st->kind == STEP_NEG) {
            snprintf(b, sizeof b, "[-%llu]", (unsigned long long)st->index);
            put_s(&t, b);
        } else {
            put_index(&t, st->index);
        }
        snprintf(b, sizeof b, " absent (the array has %llu element%s)",
                 (unsigned long long)f->next_idx, f->next_idx == 1 ? "" : "s");
        put_s(&t, b);
    }
    s->v.soft = SLUICE_SELECT_ABSENT;
    s->v.soft_last = L + 1 == s->nsteps;
}

/* A member name of the top-level object passes. */
static void note_top_key(struct sluice_selector *s, const char *p, size_t n)
{
    if (s->root_keys < TOP_KEYS) {
        bool was_cut;
        size_t k = cut(p, n, TOP_KEY_MAX, &was_cut);
        memcpy(s->top[s->root_keys], p, k);
        s->top_n[s->root_keys] = k;
        s->top_cut[s->root_keys] = was_cut;
    }
    s->root_keys++;
}

enum sluice_select_verdict
sluice__selector_verdict(const struct sluice_selector *s, bool allow_missing,
                         struct sluice_err *why)
{
    enum sluice_select_verdict v = s->v.hard;
    const char *text = s->v.hard_why;
    bool at_root = s->v.hard_at_root;
    if (v == SLUICE_SELECT_FOUND && !allow_missing) {
        v = s->v.soft;
        text = s->v.soft_why;
        at_root = s->v.soft_at_root;
    }
    if (!why)
        return v;
    why->msg[0] = '\0';
    if (v == SLUICE_SELECT_FOUND)
        return v;
    char buf[SLUICE_ERR_MAX];
    struct text t = {buf, 0, sizeof buf};
    buf[0] = '\0';
    put_s(&t, text);
    if (s->root_seen && s->root_ev == SLUICE_JSON_OBJECT_BEGIN) {
        if (s->root_keys == 0) {
            put_s(&t, "; the response is an empty object");
        } else {
            put_s(&t, s->root_keys == 1 ? "; the response holds key "
                                        : "; the response holds keys ");
            for (uint64_t i = 0; i < s->root_keys && i < TOP_KEYS; i++) {
                if (i)
                    put_s(&t, ", ");
                put_quoted(&t, s->top[i], s->top_n[i], '"', s->top_cut[i]);
            }
            if (s->root_keys > TOP_KEYS) {
                char more[64];
                snprintf(more, sizeof more, ", ... (%llu keys)",
                         (unsigned long long)s->root_keys);
                put_s(&t, more);
            }
        }
    } else if (s->root_seen && !at_root) {
        put_s(&t, "; the response is ");
        put_s(&t, kind_name(s->root_ev));
    }
    sluice__err_set(why, "%s", buf);
    return v;
}

bool sluice__selector_absent_last(const struct sluice_selector *s)
{
    return s->v.hard == SLUICE_SELECT_FOUND &&
           s->v.soft == SLUICE_SELECT_ABSENT && s->v.soft_last;
}

/* ---- matching --------------------------------------------------------- */

static bool is_begin(enum sluice_json_event ev)
{
    return ev == SLUICE_JSON_ARRAY_BEGIN || ev == SLUICE_JSON_OBJECT_BEGIN;
}

static bool is_end(enum sluice_json_event ev)
{
    return ev == SLUICE_JSON_ARRAY_END || ev == SLUICE_JSON_OBJECT_END;
}

/* Inside a candidate, records are kept as bytes: 'B' u32 key length, the
 * key ('b' alone when there is no key); 'E' event u32 length, payload;
 * 'R' at a record's end. Lengths are in host order: the bytes never leave
 * the selector. */
static int cand_put(struct sluice_selector *s, char tag, int ev,
                    const char *p, size_t n)
{
    struct sluice_buf *b = &s->cand->ev;
    uint32_t n32 = (uint32_t)n;
    int rc = sluice__buf_addc(b, tag);
    if (rc == SLUICE_OK && ev >= 0)
        rc = sluice__buf_addc(b, (char)ev);
    if (rc == SLUICE_OK && p) {
        if (n > UINT32_MAX)
            return SLUICE_ETOOBIG;
        rc = sluice__buf_append(b, &n32, sizeof n32);
        if (rc == SLUICE_OK)
            rc = sluice__buf_append(b, p, n);
    }
    return rc;
}

static int emit_begin(struct sluice_selector *s, const char *key,
                      size_t key_n)
{
    if (s->cand)
        return key ? cand_put(s, 'B', -1, key, key_n)
                   : cand_put(s, 'b', -1, NULL, 0);
    return s->c.record_begin ? s->c.record_begin(s->c.ud, key, key_n) : 0;
}

static int emit_event(struct sluice_selector *s, enum sluice_json_event ev,
                      const char *p, size_t n)
{
    if (s->cand)
        return cand_put(s, 'E', (int)ev, p ? p : "", p ? n : 0);
    return s->c.event ? s->c.event(s->c.ud, ev, p, n) : 0;
}

static int emit_end(struct sluice_selector *s)
{
    if (s->cand)
        return cand_put(s, 'R', -1, NULL, 0);
    s->records++;
    return s->c.record_end ? s->c.record_end(s->c.ud) : 0;
}

/* Forwards one event of the open record, closing it after its last. */
static int record_event(struct sluice_selector *s, enum sluice_json_event ev,
                        const char *p, size_t n)
{
    int rc = emit_event(s, ev, p, n);
    if (rc != 0)
        return rc;
    if (is_begin(ev))
        s->rec_depth++;
    else if (is_end(ev))
        s->rec_depth--;
    if (s->rec_depth > 0)
        return 0;
    s->in_record = false;
    return emit_end(s);
}

/* An element of the negative step's array starts: it may be the one. The
 * slot it takes held element idx - k, which can no longer be chosen. */
static void cand_open(struct sluice_selector *s, uint64_t idx)
{
    s->cand = &s->ring[idx % s->neg_k];
    sluice__buf_reset(&s->cand->ev);
    s->cand_depth = s->depth;
    s->saved = s->v;
    verdict_clear(&s->v);
}

static void cand_close(struct sluice_selector *s)
{
    s->cand->v = s->v;
    s->v = s->saved;
    s->cand = NULL;
}

/* The negative step's array closed with `len` elements: the chosen one's
 * records go to the consumer and its verdict joins the document's. */
static int cand_resolve(struct sluice_selector *s, uint64_t len)
{
    if (len < s->neg_k)
        return 0; /* absent: check_found said so */
    const struct candidate *c = &s->ring[(len - s->neg_k) % s->neg_k];
    if (s->v.soft == SLUICE_SELECT_FOUND && c->v.soft != SLUICE_SELECT_FOUND) {
        s->v.soft = c->v.soft;
        s->v.soft_at_root = c->v.soft_at_root;
        s->v.soft_last = c->v.soft_last;
        memcpy(s->v.soft_why, c->v.soft_why, WHY_MAX);
    }
    if (s->v.hard == SLUICE_SELECT_FOUND && c->v.hard != SLUICE_SELECT_FOUND) {
        s->v.hard = c->v.hard;
        s->v.hard_at_root = c->v.hard_at_root;
        memcpy(s->v.hard_why, c->v.hard_why, WHY_MAX);
    }
    const char *p = c->ev.p;
    size_t i = 0, n = c->ev.n;
    int rc = 0;
    while (rc == 0 && i < n) {
        char tag = p[i++];
        int ev = tag == 'E' ? (uint8_t)p[i++] : -1;
        uint32_t len32 = 0;
        if (tag == 'B' || tag == 'E') {
            memcpy(&len32, p + i, sizeof len32);
            i += sizeof len32;
        }
        if (tag == 'B' || tag == 'b')
            rc = emit_begin(s, tag == 'B' ? p + i : NULL, len32);
        else if (tag == 'E')
        {
            /* only strings, keys and numbers carry a payload */
            enum sluice_json_event e = (enum sluice_json_event)ev;
            bool payload = e == SLUICE_JSON_STRING || e == SLUICE_JSON_KEY ||
                           e == SLUICE_JSON_NUMBER;
            rc = emit_event(s, e, payload ? p + i : NULL, len32);
        }
        else
            rc = emit_end(s);
        i += len32;
    }
    return rc;
}

static int on_event(struct sluice_selector *s, enum sluice_json_event ev,
                    const char *p, size_t n)
{
    if (s->in_record)
        return record_event(s, ev, p, n);
    if (s->depth == 0 && !s->root_seen) {
        s->root_seen = true;
        s->root_ev = ev;
    }
    if (ev == SLUICE_JSON_KEY && s->depth == 1 &&
        s->root_ev == SLUICE_JSON_OBJECT_BEGIN)
        note_top_key(s, p, n);
    if (s->depth > s->matched) {
        /* inside a value off the path: only keep count */
        if (is_begin(ev))
            s->depth++;
        else if (is_end(ev))
            s->depth--;
        return 0;
    }
    if (ev == SLUICE_JSON_KEY) {
        struct frame *f = &s->frames[s->depth - 1];
        const struct step *st = &s->steps[s->depth - 1];
        if (st->kind == STEP_WILD) {
            struct sluice_buf *kb = &s->keys[s->depth - 1];
            sluice__buf_reset(kb);
            int rc = sluice__buf_append(kb, p, n);
            if (rc != SLUICE_OK)
                return rc;
            f->key_match = true;
        } else {
            f->key_match = st->kind == STEP_NAME && st->name_n == n &&
                           memcmp(st->name, p, n) == 0;
            f->found = f->found || f->key_match;
        }
        return 0;
    }
    if (is_end(ev)) {
        /* an on-path container closes */
        s->depth--;
        s->matched--;
        check_found(s, s->depth);
        if (s->depth == s->neg_level)
            return cand_resolve(s, s->frames[s->depth].next_idx);
        return 0;
    }
    /* A value starts directly inside the deepest on-path container (or is
     * the root): does the next step take it? */
    bool match = true;
    if (s->depth > 0) {
        struct frame *f = &s->frames[s->depth - 1];
        const struct step *st = &s->steps[s->depth - 1];
        if (f->is_object) {
            match = f->key_match;
        } else {
            uint64_t idx = f->next_idx++;
            match = st->kind == STEP_WILD || st->kind == STEP_NEG ||
                    (st->kind == STEP_INDEX && st->index == idx);
            if (st->kind == STEP_NEG)
                cand_open(s, idx);
        }
    }
    if (match && s->depth == s->nsteps) {
        const char *key = NULL;
        size_t key_n = 0;
        for (size_t L = s->nsteps; L-- > 0;) {
            if (s->steps[L].kind == STEP_WILD && s->frames[L].is_object) {
                key = sluice__buf_str(&s->keys[L]);
                key_n = s->keys[L].n;
                break;
            }
        }
        s->in_record = true;
        s->rec_depth = 0;
        int rc = emit_begin(s, key, key_n);
        return rc != 0 ? rc : record_event(s, ev, p, n);
    }
    /* On the path but not a record: the next step descends into it, so it
     * must be a container of the kind that step reads. */
    if (match && !check_kind(s, ev))
        match = false;
    if (is_begin(ev)) {
        if (match) {
            struct frame *f = &s->frames[s->depth];
            f->is_object = ev == SLUICE_JSON_OBJECT_BEGIN;
            f->key_match = false;
            f->found = false;
            f->next_idx = 0;
            s->matched++;
        }
        s->depth++;
    }
    return 0;
}

int sluice__selector_on_event(void *selector, enum sluice_json_event ev,
                              const char *p, size_t n)
{
    struct sluice_selector *s = selector;
    int rc = on_event(s, ev, p, n);
    /* A candidate ends with its value: after a scalar at once, after a
     * container when the depth is back where it began. */
    if (rc == 0 && s->cand && !s->in_record && s->depth == s->cand_depth)
        cand_close(s);
    return rc;
}
