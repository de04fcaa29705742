/* mock_limit.c: per-key hourly counters (a fixed window that starts at a
 * key's first request and rolls an hour later, as the gateway's counters
 * roll) and one token bucket for the whole server. A small table bounds the
 * keys tracked: when it is full (only with --any-key and many keys), the
 * least recently started window is reused. */
#include "mock_limit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 256
#define HOUR_MS 3600000

struct counter {
    char *key;
    int64_t start_ms;
    long count;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct counter counters[MAX_KEYS];
static long hourly_limit = 1000;
static double rate;   /* tokens per second, 0 = off */
static double burst;  /* the bucket's capacity: `rate` unless --rate-burst */
static double tokens; /* current tokens, at most `burst` */
static int64_t bucket_ms = -1;

void limit_init(long hourly, double per_s, double cap)
{
    hourly_limit = hourly;
    rate = per_s;
    burst = cap > 0 ? cap : per_s; /* a burst of N by default */
    if (burst < 1.0)
        burst = 1.0;
    tokens = burst;
}

static struct counter *counter_for(const char *key, int64_t now_ms)
{
    struct counter *oldest = &counters[0];
    for (int i = 0; i < MAX_KEYS; i++) {
        struct counter *c = &counters[i];
        if (!c->key) {
            oldest = c;
            break;
        }
        if (strcmp(c->key, key) == 0)
            return c;
        if (c->start_ms < oldest->start_ms)
            oldest = c;
    }
    char *k = strdup(key);
    if (!k)
        return NULL;
    free(oldest->key);
    oldest->key = k;
    oldest->start_ms = now_ms;
    oldest->count = 0;
    return oldest;
}

enum limit_verdict limit_take(const char *key, int64_t now_ms, long *remaining,
                              long *retry_after)
{
    enum limit_verdict v = LIMIT_OK;
    pthread_mutex_lock(&lock);
    struct counter *c = counter_for(key, now_ms);
    if (!c) {
        *remaining = hourly_limit;
        goto out;
    }
    if (now_ms - c->start_ms >= HOUR_MS) {
        c->start_ms = now_ms;
        c->count = 0;
    }
    if (c->count >= hourly_limit) {
        v = LIMIT_HOURLY;
        *retry_after = (long)((c->start_ms + HOUR_MS - now_ms + 999) / 1000);
        goto out;
    }
    if (rate > 0) {
        if (bucket_ms >= 0) {
            tokens += rate * (double)(now_ms - bucket_ms) / 1000.0;
            if (tokens > burst)
                tokens = burst;
        }
        bucket_ms = now_ms;
        if (tokens < 1.0) {
            v = LIMIT_BUCKET;
            double wait_s = (1.0 - tokens) / rate;
            *retry_after = (long)wait_s + ((double)(long)wait_s < wait_s);
            if (*retry_after < 1)
                *retry_after = 1;
            goto out;
        }
        tokens -= 1.0;
    }
    c->count++;
out:
    if (c)
        *remaining = hourly_limit - c->count;
    if (*remaining < 0)
        *remaining = 0;
    pthread_mutex_unlock(&lock);
    return v;
}

void limit_free_all(void)
{
    for (int i = 0; i < MAX_KEYS; i++) {
        free(counters[i].key);
        counters[i].key = NULL;
    }
}
