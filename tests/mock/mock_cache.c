/* mock_cache.c: the body cache (see mock_cache.h). A chained hash table
 * plus a doubly linked LRU list under one mutex; generation and compression
 * run outside the lock, so two threads may build the same body once each,
 * and the loser's copy is dropped. The size bound counts plain and gzip
 * bytes; entries still referenced are unlinked at eviction and freed by
 * their last release. */
#include "mock_cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define NBUCKETS 1024

struct cache_entry {
    char *key;
    char *body;
    size_t n;
    char *gz;
    size_t gzn;
    int refs;   /* holders, including the table itself while linked */
    int linked; /* still in the table */
    struct cache_entry *hnext;
    struct cache_entry *prev, *next; /* LRU: head = most recent */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct cache_entry *buckets[NBUCKETS];
static struct cache_entry *head, *tail;
static size_t used, limit;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void entry_free(struct cache_entry *e)
{
    free(e->key);
    free(e->body);
    free(e->gz);
    free(e);
}

static void lru_unlink(struct cache_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push(struct cache_entry *e)
{
    e->next = head;
    e->prev = NULL;
    if (head)
        head->prev = e;
    head = e;
    if (!tail)
        tail = e;
}

/* Removes e from the table; caller holds the lock. */
static void table_remove(struct cache_entry *e)
{
    struct cache_entry **pp = &buckets[hash_str(e->key) % NBUCKETS];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    lru_unlink(e);
    e->linked = 0;
    used -= e->n + e->gzn;
    if (--e->refs == 0)
        entry_free(e);
}

static void evict_locked(void)
{
    while (used > limit && tail && tail != head)
        table_remove(tail);
}

void cache_init(size_t max_bytes)
{
    limit = max_bytes;
}

void cache_shutdown(void)
{
    pthread_mutex_lock(&lock);
    while (tail)
        table_remove(tail);
    pthread_mutex_unlock(&lock);
}

static struct cache_entry *find_locked(const char *key)
{
    struct cache_entry *e = buckets[hash_str(key) % NBUCKETS];
    while (e && strcmp(e->key, key) != 0)
        e = e->hnext;
    return e;
}

struct cache_entry *cache_get(const char *key)
{
    pthread_mutex_lock(&lock);
    struct cache_entry *e = find_locked(key);
    if (e) {
        e->refs++;
        lru_unlink(e);
        lru_push(e);
    }
    pthread_mutex_unlock(&lock);
    return e;
}

struct cache_entry *cache_put(const char *key, char *body, size_t n)
{
    struct cache_entry *e = calloc(1, sizeof(*e));
    char *k = strdup(key);
    if (!e || !k) {
        free(e);
        free(k);
        free(body);
        return NULL;
    }
    e->key = k;
    e->body = body;
    e->n = n;
    pthread_mutex_lock(&lock);
    struct cache_entry *old = find_locked(key);
    if (old) {
        old->refs++;
        pthread_mutex_unlock(&lock);
        entry_free(e);
        return old;
    }
    uint64_t b = hash_str(key) % NBUCKETS;
    e->hnext = buckets[b];
    buckets[b] = e;
    e->refs = 2; /* the table and the caller */
    e->linked = 1;
    lru_push(e);
    used += n;
    evict_locked();
    pthread_mutex_unlock(&lock);
    return e;
}

void cache_release(struct cache_entry *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&lock);
    int last = --e->refs == 0;
    pthread_mutex_unlock(&lock);
    if (last)
        entry_free(e);
}

const char *cache_body(const struct cache_entry *e, size_t *n)
{
    *n = e->n;
    return e->body;
}

const char *cache_gzip(struct cache_entry *e, size_t *n)
{
    pthread_mutex_lock(&lock);
    char *gz = e->gz;
    *n = e->gzn;
    pthread_mutex_unlock(&lock);
    if (gz)
        return gz;
    size_t gzn = 0;
    char *made = mock_gzip(e->body, e->n, &gzn);
    if (!made)
        return NULL;
    pthread_mutex_lock(&lock);
    if (!e->gz) {
        e->gz = made;
        e->gzn = gzn;
        if (e->linked) {
            used += gzn;
            evict_locked();
        }
        made = NULL;
    }
    gz = e->gz;
    *n = e->gzn;
    pthread_mutex_unlock(&lock);
    free(made);
    return gz;
}

char *mock_gzip(const char *in, size_t n, size_t *outn)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    /* windowBits 15 + 16 asks zlib for a gzip wrapper instead of zlib's. */
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, (uLong)n);
    char *out = malloc(cap);
    if (!out) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *outn = cap - z.avail_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}
