/* mock_cache.h: a bounded in-memory LRU of response bodies and their gzip
 * forms, keyed by a string that names everything the body depends on (the
 * window, the echoed dates, key and link host; or a replay file name).
 * Entries are reference counted: a response in flight holds its entry, so
 * eviction never frees bytes MHD is still sending. Thread-safe. */
#ifndef NEOWS_MOCK_CACHE_H
#define NEOWS_MOCK_CACHE_H

#include <stddef.h>

struct cache_entry;

void cache_init(size_t max_bytes);
void cache_shutdown(void);
/* Returns a held entry for key, or NULL. */
struct cache_entry *cache_get(const char *key);
/* Stores body (takes ownership, malloc'd) under key and returns a held
 * entry; if another thread stored the key first, frees body and returns
 * that entry. NULL only when out of memory (body freed). */
struct cache_entry *cache_put(const char *key, char *body, size_t n);
void cache_release(struct cache_entry *e);
const char *cache_body(const struct cache_entry *e, size_t *n);
/* The gzip form, compressed on first use; NULL if compression failed. */
const char *cache_gzip(struct cache_entry *e, size_t *n);

/* gzip-compresses in[0..n) into a malloc'd buffer (NULL on failure). */
char *mock_gzip(const char *in, size_t n, size_t *outn);

#endif
