/* pages.c: parallel pages of one window (pages.h): the page group, its
 * tasks, and the encoding that keeps a page's records aside until their
 * turn. The decisions (when a page is done, written, failed) are the
 * slot's, in attempt.c. */
#include <string.h>

#include "pipeline/pages.h"
#include "pipeline/run.h"

struct page_group *sluice__page_group_new(struct slot *owner, uint64_t npages)
{
    struct page_group *g = sluice__calloc(1, sizeof *g);
    if (!g)
        return NULL;
    size_t n = (size_t)(npages - 1);
    g->bufs = sluice__calloc(n, sizeof *g->bufs);
    g->ready = sluice__calloc(n, 1);
    g->records = sluice__calloc(n, sizeof *g->records);
    if (!g->bufs || !g->ready || !g->records) {
        sluice__free(g->bufs);
        sluice__free(g->ready);
        sluice__free(g->records);
        sluice__free(g);
        return NULL;
    }
    /* each page is one response: the response size bounds its records */
    size_t max = SLUICE_PAGEBUF_MAX(owner->run->job->http.max_response_bytes);
    for (size_t i = 0; i < n; i++)
        sluice__buf_init(&g->bufs[i], max);
    g->owner = owner;
    g->npages = npages;
    g->next_task = 2;
    g->next_write = 2;
    g->refs = 1;
    return g;
}

void sluice__page_group_unref(struct page_group *g)
{
    if (!g || --g->refs > 0)
        return;
    for (uint64_t i = 0; i + 1 < g->npages; i++)
        sluice__buf_cleanup(&g->bufs[i]);
    sluice__free(g->bufs);
    sluice__free(g->ready);
    sluice__free(g->records);
    sluice__free(g);
}

uint64_t sluice__page_group_take(struct page_group *g)
{
    if (!g->owner || g->next_task > g->npages)
        return 0;
    return g->next_task++;
}

bool sluice__pages_assign(struct run *r, struct slot *s)
{
    for (size_t i = 0; i < r->n_slots; i++) {
        struct slot *o = &r->slots[i];
        struct page_group *g = o->group;
        if (!g || g->owner != o || g->next_task > g->npages)
            continue;
        /* The helper sends what the window's slot would: its URL's base,
         * its headers (from its window), its origin for the secrets. */
        sluice__buf_reset(&s->base);
        sluice__buf_reset(&s->url);
        sluice__buf_reset(&s->start);
        sluice__buf_reset(&s->end);
        uint64_t k = g->next_task;
        if (sluice__buf_append(&s->base, o->base.p, o->base.n) != SLUICE_OK ||
            sluice__buf_append(&s->start, o->start.p, o->start.n) !=
                SLUICE_OK ||
            sluice__buf_append(&s->end, o->end.p, o->end.n) != SLUICE_OK ||
            sluice__pager_page_url(o->pager, k, &s->url) != SLUICE_OK)
            return false; /* out of memory: the window's slot goes on */
        g->next_task++;
        g->refs++;
        s->group = g;
        s->task = k;
        s->w = o->w;
        memset(&s->retry, 0, sizeof s->retry);
        s->not_before = 0;
        s->err.msg[0] = '\0';
        s->state = SLOT_WAITING;
        return true;
    }
    return false;
}

/* ---- a page's records, kept aside -------------------------------------- */

/* 'B' u32 length key | 'b' (no key) | 'E' event u32 length payload | 'R'.
 * Host byte order: the bytes never leave the process. */
static int put_len(struct sluice_buf *b, size_t n)
{
    if (n > UINT32_MAX)
        return SLUICE_ETOOBIG;
    uint32_t n32 = (uint32_t)n;
    return sluice__buf_append(b, &n32, sizeof n32);
}

int sluice__pagebuf_begin(struct sluice_buf *b, const char *key, size_t n)
{
    if (!key)
        return sluice__buf_addc(b, 'b');
    int rc = sluice__buf_addc(b, 'B');
    if (rc == SLUICE_OK)
        rc = put_len(b, n);
    return rc == SLUICE_OK ? sluice__buf_append(b, key, n) : rc;
}

int sluice__pagebuf_event(struct sluice_buf *b, enum sluice_json_event ev,
                          const char *p, size_t n)
{
    int rc = sluice__buf_addc(b, 'E');
    if (rc == SLUICE_OK)
        rc = sluice__buf_addc(b, (char)ev);
    if (rc == SLUICE_OK)
        rc = put_len(b, p ? n : 0);
    return rc == SLUICE_OK && p && n ? sluice__buf_append(b, p, n) : rc;
}

int sluice__pagebuf_end(struct sluice_buf *b)
{
    return sluice__buf_addc(b, 'R');
}

int sluice__pagebuf_replay(const struct sluice_buf *b,
                           const struct sluice_record_consumer *c)
{
    size_t i = 0;
    int rc = 0;
    while (rc == 0 && i < b->n) {
        char tag = b->p[i++];
        uint32_t n = 0;
        if (tag == 'b') {
            rc = c->record_begin(c->ud, NULL, 0);
        } else if (tag == 'B') {
            memcpy(&n, b->p + i, sizeof n);
            i += sizeof n;
            rc = c->record_begin(c->ud, b->p + i, n);
            i += n;
        } else if (tag == 'E') {
            enum sluice_json_event ev = (enum sluice_json_event)(uint8_t)b->p[i++];
            memcpy(&n, b->p + i, sizeof n);
            i += sizeof n;
            bool payload = ev == SLUICE_JSON_STRING || ev == SLUICE_JSON_KEY ||
                           ev == SLUICE_JSON_NUMBER;
            rc = c->event(c->ud, ev, payload ? b->p + i : NULL, n);
            i += n;
        } else {
            rc = c->record_end(c->ud);
        }
    }
    return rc;
}

/* ---- the life of a group ------------------------------------------------ */

/* s takes page k of its group: the next attempt is that page's first. */
static bool take_page(struct slot *s, struct slot *o, uint64_t k)
{
    sluice__buf_reset(&s->url);
    if (sluice__pager_page_url(o->pager, k, &s->url) != SLUICE_OK)
        return false;
    s->task = k;
    memset(&s->retry, 0, sizeof s->retry);
    s->not_before = 0;
    s->err.msg[0] = '\0';
    s->state = SLOT_WAITING;
    return true;
}

bool sluice__pages_begin(struct run *r, struct slot *s, uint64_t npages)
{
    struct page_group *g = sluice__page_group_new(s, npages);
    if (!g)
        return false;
    s->group = g;
    if (!take_page(s, s, sluice__page_group_take(g))) {
        s->group = NULL;
        sluice__page_group_unref(g);
        return false;
    }
    SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
               "window %s..%s: pages 2 to %llu are predictable: requested "
               "at once",
               sluice__buf_str(&s->start), sluice__buf_str(&s->end),
               (unsigned long long)npages);
    return true;
}

void sluice__pages_leave(struct run *r, struct slot *s)
{
    (void)r;
    struct page_group *g = s->group;
    if (!g)
        return; /* the group let it go already (its window ended) */
    if (g->owner) {
        uint64_t k = sluice__page_group_take(g);
        if (k && take_page(s, g->owner, k))
            return;
        if (g->owner == s) {
            s->state = SLOT_PARKED; /* its pages are out: it waits */
            return;
        }
    }
    s->group = NULL;
    sluice__page_group_unref(g);
    s->state = SLOT_IDLE;
}

void sluice__pages_fail(struct run *r, struct page_group *g, const char *why)
{
    struct slot *o = g->owner;
    if (!o)
        return;
    g->owner = NULL;
    if (o->sink_open)
        o->sink->ops->abort(o->sink);
    o->sink_open = false;
    sluice__result_failed(r, o, why);
    /* The slots not in flight let go now (the caller's among them);
     * those in flight drop their page when it ends (slot_finish). */
    for (size_t i = 0; i < r->n_slots; i++) {
        struct slot *x = &r->slots[i];
        if (x->group == g && x->state != SLOT_RUNNING) {
            x->group = NULL;
            sluice__page_group_unref(g);
            x->state = SLOT_IDLE;
        }
    }
}

/* Writes the pages whose turn has come into the window's sink. */
static int flush(struct page_group *g, struct slot *o, uint64_t *failed_page)
{
    struct sluice_record_consumer c;
    sluice__slot_sink_consumer(o, &c);
    while (g->next_write <= g->npages && g->ready[g->next_write - 2]) {
        size_t i = (size_t)(g->next_write - 2);
        int rc = sluice__pagebuf_replay(&g->bufs[i], &c);
        if (rc != SLUICE_OK) {
            *failed_page = g->next_write;
            return rc;
        }
        o->rows += g->records[i];
        sluice__buf_cleanup(&g->bufs[i]);
        g->next_write++;
    }
    return SLUICE_OK;
}

void sluice__pages_done(struct run *r, struct slot *s)
{
    struct page_group *g = s->group;
    struct slot *o = g->owner;
    uint64_t k = s->task;
    if (!o) {
        sluice__pages_leave(r, s);
        return;
    }
    uint64_t recs = sluice__selector_records(s->selector);
    uint64_t want = sluice__pager_expect(o->pager, k, g->npages);
    SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
               "window %s..%s page %llu: HTTP %ld, %llu records (%s)",
               sluice__buf_str(&o->start), sluice__buf_str(&o->end),
               (unsigned long long)k, s->status, (unsigned long long)recs,
               s->url.p);
    char msg[SLUICE_ERR_MAX];
    if (want != UINT64_MAX && recs != want) {
        snprintf(msg, sizeof msg,
                 "page %llu (%.300s): %llu records where the total and the "
                 "limit predicted %llu: the collection changed while it was "
                 "paged",
                 (unsigned long long)k, s->url.p, (unsigned long long)recs,
                 (unsigned long long)want);
        sluice__pages_fail(r, g, msg);
        sluice__pages_leave(r, s);
        return;
    }
    size_t i = (size_t)(k - 2);
    struct sluice_buf kept = g->bufs[i];
    g->bufs[i] = s->pagebuf;
    s->pagebuf = kept; /* empty, the same bound */
    g->ready[i] = 1;
    g->records[i] = recs;
    uint64_t bad = 0;
    int rc = flush(g, o, &bad);
    if (rc != SLUICE_OK) {
        snprintf(msg, sizeof msg, "page %llu: %.900s", (unsigned long long)bad,
                 sluice__sink_reason(o->sink, rc));
        sluice__pages_fail(r, g, msg);
        sluice__pages_leave(r, s);
        return;
    }
    if (g->next_write > g->npages) {
        /* every page is in the sink: the window is published whole */
        o->pages_par = g->npages - 1;
        g->owner = NULL;
        o->group = NULL;
        sluice__page_group_unref(g);
        sluice__slot_publish(r, o);
    }
    sluice__pages_leave(r, s);
}
