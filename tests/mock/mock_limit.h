/* mock_limit.h: the rate limits neows-mock imitates from api.nasa.gov's
 * gateway: a per-key hourly counter (X-RateLimit-Limit/Remaining; over it,
 * 429 until the key's hour rolls) and an optional global token bucket of N
 * requests per second (over it, 429 with a short Retry-After), whose
 * capacity (the burst) is N unless given. */
#ifndef NEOWS_MOCK_LIMIT_H
#define NEOWS_MOCK_LIMIT_H

#include <stdint.h>

enum limit_verdict { LIMIT_OK, LIMIT_HOURLY, LIMIT_BUCKET };

/* hourly: requests per key per hour; per_s: bucket rate, 0 = no bucket;
 * burst: the bucket's capacity, 0 = per_s (at least 1). */
void limit_init(long hourly, double per_s, double burst);
/* Counts a request of `key` at monotonic time now_ms unless it is over a
 * limit. Sets *remaining (never below 0) and, when not LIMIT_OK, the
 * seconds after which a retry could pass in *retry_after. */
enum limit_verdict limit_take(const char *key, int64_t now_ms, long *remaining,
                              long *retry_after);
void limit_free_all(void);

#endif
