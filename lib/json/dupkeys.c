/* dupkeys.c: repeated member names in a record (see dupkeys.h).
 *
 * Each member of the record gets an entry (where it begins, where it ends,
 * its object, its name copied into a per-record arena). A hash table keyed
 * by (object, name) points at the latest entry of each name, so a repeated
 * name is found in one lookup and marks the entry it replaces as cut. The
 * table is cleared per record by a generation stamp, not by a memset, so a
 * record costs what its members cost. A member's end is the next member's
 * begin in the same object, known by the time a later repetition can
 * replace it. */
#include "json/dupkeys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PATHS 16
#define PATH_MAX_TEXT 160

struct member {
    size_t begin, end;
    size_t key_off, key_n; /* in d->names */
    uint64_t hash;
    uint32_t obj;
    bool cut;
};

struct frame {
    bool is_object;
    uint32_t obj;
    int64_t last; /* the object's latest member, -1 before the first */
};

struct slot {
    uint32_t gen;    /* valid when equal to d->gen */
    uint32_t member; /* index into d->members */
};

struct path_count {
    char path[PATH_MAX_TEXT];
    uint64_t dropped, records, last_record;
};

struct sluice_dupkeys {
    struct member *members;
    size_t n_members, cap_members;
    struct frame *frames;
    size_t n_frames, cap_frames;
    struct slot *slots;
    size_t n_slots; /* a power of two */
    uint32_t gen;
    uint32_t next_obj;
    struct sluice_buf names;
    struct sluice_span *spans;
    size_t n_spans, cap_spans;
    /* this window */
    uint64_t record; /* records seen, for counting records per path */
    struct path_count paths[MAX_PATHS];
    size_t n_paths;
    uint64_t other_dropped;
};

int sluice__dupkeys_new(struct sluice_dupkeys **out)
{
    struct sluice_dupkeys *d = sluice__calloc(1, sizeof *d);
    *out = NULL;
    if (!d)
        return SLUICE_ENOMEM;
    sluice__buf_init(&d->names, (size_t)1 << 32);
    d->gen = 1;
    *out = d;
    return SLUICE_OK;
}

void sluice__dupkeys_free(struct sluice_dupkeys *d)
{
    if (!d)
        return;
    sluice__free(d->members);
    sluice__free(d->frames);
    sluice__free(d->slots);
    sluice__free(d->spans);
    sluice__buf_cleanup(&d->names);
    sluice__free(d);
}

void sluice__dupkeys_window(struct sluice_dupkeys *d)
{
    d->record = 0;
    d->n_paths = 0;
    d->other_dropped = 0;
}

void sluice__dupkeys_record(struct sluice_dupkeys *d)
{
    d->n_members = 0;
    d->n_frames = 0;
    d->n_spans = 0;
    d->next_obj = 0;
    sluice__buf_reset(&d->names);
    d->record++;
    if (++d->gen == 0) { /* wrapped: clear the stamps once */
        if (d->slots)
            memset(d->slots, 0, d->n_slots * sizeof *d->slots);
        d->gen = 1;
    }
}

/* Eight bytes of the name at a time (names are mostly 4 to 40 bytes; a
 * byte-wise hash was the largest part of this module's cost), mixed with
 * the object's number; the lookup compares the full hash before any
 * memcmp, so a probe rarely touches the name. */
static uint64_t hash_of(uint32_t obj, const char *p, size_t n)
{
    const uint64_t k = 0x9E3779B97F4A7C15u;
    uint64_t h = ((uint64_t)obj + 1) * k ^ (uint64_t)n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * k;
        h ^= h >> 32;
    }
    if (n >= 8 && i < n) { /* the last eight bytes, overlapping */
        uint64_t w;
        memcpy(&w, p + n - 8, 8);
        h = (h ^ w) * k;
        h ^= h >> 32;
    } else if (i < n) {
        uint64_t w = 0;
        for (; i < n; i++)
            w = w << 8 | (uint8_t)p[i];
        h = (h ^ w) * k;
        h ^= h >> 32;
    }
    h *= 0xff51afd7ed558ccdu;
    return h ^ (h >> 33);
}

/* The slot holding (obj, name) or the empty one where it would go. */
static struct slot *find(struct sluice_dupkeys *d, uint64_t h, uint32_t obj,
                         const char *p, size_t n)
{
    size_t mask = d->n_slots - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        struct slot *s = &d->slots[i];
        if (s->gen != d->gen)
            return s;
        const struct member *m = &d->members[s->member];
        if (m->hash == h && m->obj == obj && m->key_n == n &&
            memcmp(d->names.p + m->key_off, p, n) == 0)
            return s;
    }
}

/* Keeps the table at most half full. */
static int rehash(struct sluice_dupkeys *d)
{
    if (d->n_slots && d->n_members * 2 < d->n_slots)
        return SLUICE_OK;
    size_t n = d->n_slots ? d->n_slots * 2 : 256;
    struct slot *old = d->slots;
    size_t n_old = d->n_slots;
    d->slots = sluice__calloc(n, sizeof *d->slots);
    if (!d->slots) {
        d->slots = old;
        return SLUICE_ENOMEM;
    }
    d->n_slots = n;
    uint32_t gen = d->gen;
    d->gen = 1;
    for (size_t i = 0; i < n_old; i++) {
        if (old[i].gen != gen)
            continue;
        const struct member *m = &d->members[old[i].member];
        struct slot *s = find(d, m->hash, m->obj, d->names.p + m->key_off,
                              m->key_n);
        *s = (struct slot){1, old[i].member};
    }
    sluice__free(old);
    return SLUICE_OK;
}

/* A name for a warning: control bytes as \u00XX, cut short. */
static void put_name(char *out, size_t cap, size_t *at, const char *p,
                     size_t n)
{
    for (size_t i = 0; i < n && *at + 7 < cap; i++) {
        uint8_t c = (uint8_t)p[i];
        if (c < 0x20)
            *at += (size_t)snprintf(out + *at, cap - *at, "\\u%04x", c);
        else
            out[(*at)++] = (char)c;
    }
    out[*at] = '\0';
}

/* "a.b[].c" for the member `p/n` of the innermost open object. */
static void path_text(const struct sluice_dupkeys *d, const char *p, size_t n,
                      char *out, size_t cap)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i + 1 < d->n_frames; i++) {
        const struct frame *f = &d->frames[i];
        if (!f->is_object) {
            put_name(out, cap, &at, "[]", 2);
            continue;
        }
        if (f->last < 0)
            continue;
        const struct member *m = &d->members[f->last];
        if (at)
            put_name(out, cap, &at, ".", 1);
        put_name(out, cap, &at, d->names.p + m->key_off, m->key_n);
    }
    if (at)
        put_name(out, cap, &at, ".", 1);
    put_name(out, cap, &at, p, n);
}

static void count(struct sluice_dupkeys *d, const char *p, size_t n)
{
    char path[PATH_MAX_TEXT];
    path_text(d, p, n, path, sizeof path);
    for (size_t i = 0; i < d->n_paths; i++) {
        struct path_count *c = &d->paths[i];
        if (strcmp(c->path, path) == 0) {
            c->dropped++;
            if (c->last_record != d->record)
                c->records++;
            c->last_record = d->record;
            return;
        }
    }
    if (d->n_paths == MAX_PATHS) {
        d->other_dropped++;
        return;
    }
    struct path_count *c = &d->paths[d->n_paths++];
    memcpy(c->path, path, sizeof path);
    c->dropped = 1;
    c->records = 1;
    c->last_record = d->record;
}

static int on_key(struct sluice_dupkeys *d, const char *p, size_t n, size_t at)
{
    int rc = SLUICE_OK;
    struct frame *f = &d->frames[d->n_frames - 1];
    if (f->last >= 0)
        d->members[f->last].end = at;
    if (d->n_members >= UINT32_MAX)
        return SLUICE_ETOOBIG;
    if (d->n_members == d->cap_members) {
        struct member *members = sluice__grow(
            d->members, &d->cap_members, d->n_members + 1, sizeof *members, 64);
        if (!members)
            return SLUICE_ENOMEM;
        d->members = members;
    }
    if (!d->n_slots || d->n_members * 2 >= d->n_slots)
        SLUICE_TRY(rehash(d));
    uint64_t h = hash_of(f->obj, p, n);
    struct slot *s = find(d, h, f->obj, p, n);
    uint32_t idx = (uint32_t)d->n_members;
    if (s->gen == d->gen) {
        d->members[s->member].cut = true;
        count(d, p, n);
    }
    struct member *m = &d->members[idx];
    m->begin = at;
    m->end = at;
    m->key_off = d->names.n;
    m->key_n = n;
    m->hash = h;
    m->obj = f->obj;
    m->cut = false;
    SLUICE_TRY(sluice__buf_append(&d->names, p, n));
    d->n_members++;
    *s = (struct slot){d->gen, idx};
    f->last = idx;
out:
    return rc;
}

int sluice__dupkeys_event(struct sluice_dupkeys *d, enum sluice_json_event ev,
                          const char *p, size_t n, size_t at)
{
    int rc = SLUICE_OK;
    switch (ev) {
    case SLUICE_JSON_OBJECT_BEGIN:
    case SLUICE_JSON_ARRAY_BEGIN: {
        if (d->n_frames == d->cap_frames) {
            struct frame *frames = sluice__grow(
                d->frames, &d->cap_frames, d->n_frames + 1, sizeof *frames, 64);
            if (!frames)
                return SLUICE_ENOMEM;
            d->frames = frames;
        }
        d->frames[d->n_frames++] = (struct frame){
            ev == SLUICE_JSON_OBJECT_BEGIN, d->next_obj++, -1};
        break;
    }
    case SLUICE_JSON_OBJECT_END:
    case SLUICE_JSON_ARRAY_END:
        if (d->n_frames)
            d->n_frames--;
        break;
    case SLUICE_JSON_KEY:
        if (d->n_frames && d->frames[d->n_frames - 1].is_object)
            rc = on_key(d, p, n, at);
        break;
    default:
        break;
    }
    return rc;
}

static int by_begin(const void *a, const void *b)
{
    const struct sluice_span *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

int sluice__dupkeys_end(struct sluice_dupkeys *d, size_t *n_spans)
{
    size_t cut = 0;
    *n_spans = 0;
    d->n_spans = 0;
    for (size_t i = 0; i < d->n_members; i++)
        cut += d->members[i].cut;
    if (cut == 0)
        return SLUICE_OK;
    struct sluice_span *spans =
        sluice__grow(d->spans, &d->cap_spans, cut, sizeof *spans, 64);
    if (!spans)
        return SLUICE_ENOMEM;
    d->spans = spans;
    for (size_t i = 0; i < d->n_members; i++)
        if (d->members[i].cut)
            d->spans[d->n_spans++] =
                (struct sluice_span){d->members[i].begin, d->members[i].end};
    qsort(d->spans, d->n_spans, sizeof *d->spans, by_begin);
    /* drop spans inside an earlier one: spans nest or are disjoint */
    size_t k = 0;
    for (size_t i = 0; i < d->n_spans; i++)
        if (k == 0 || d->spans[i].begin >= d->spans[k - 1].end)
            d->spans[k++] = d->spans[i];
    d->n_spans = k;
    *n_spans = k;
    return SLUICE_OK;
}

void sluice__dupkeys_cut(const struct sluice_dupkeys *d, struct sluice_buf *b)
{
    if (d->n_spans == 0 || !b->p)
        return;
    size_t w = d->spans[0].begin;
    for (size_t i = 0; i < d->n_spans; i++) {
        size_t keep = d->spans[i].end;
        size_t next = i + 1 < d->n_spans ? d->spans[i + 1].begin : b->n;
        memmove(b->p + w, b->p + keep, next - keep);
        w += next - keep;
    }
    b->n = w;
    b->p[w] = '\0';
}

int sluice__dupkeys_warnings(const struct sluice_dupkeys *d,
                             struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    for (size_t i = 0; i < d->n_paths; i++) {
        const struct path_count *c = &d->paths[i];
        SLUICE_TRY(sluice__buf_appendf(
            out,
            "%s: member given more than once in one object (%llu earlier "
            "value%s dropped, in %llu record%s): the last one kept\n",
            c->path, (unsigned long long)c->dropped, c->dropped == 1 ? "" : "s",
            (unsigned long long)c->records, c->records == 1 ? "" : "s"));
    }
    if (d->other_dropped)
        SLUICE_TRY(sluice__buf_appendf(
            out,
            "and %llu more earlier values of repeated members elsewhere "
            "dropped: the last ones kept\n",
            (unsigned long long)d->other_dropped));
out:
    return rc;
}
