/* rate_headers.h: what a response says about the server's rate limits.
 *
 * The pipeline feeds the raw header lines of one response, exactly as
 * CURLOPT_HEADERFUNCTION delivers them ("Name: value\r\n", one at a time),
 * into a small caller-embedded struct that keeps only the fields the rate
 * governor and the retry policy need:
 *
 *   X-RateLimit-Limit / -Remaining / -Reset    (API gateways, NeoWs, GitHub)
 *   RateLimit-Limit / -Remaining / -Reset      (IETF drafts -00 to -06)
 *   RateLimit: "p";r=50;t=30                   (IETF drafts -07 and later,
 *   RateLimit-Policy: "p";q=100;w=60            structured fields)
 *   Retry-After: 120 | <HTTP-date>             (RFC 9110 section 10.2.3)
 *
 * Parsing is pure and bounded: no allocation, no clock (the wall clock is a
 * parameter where an HTTP-date or an epoch must be turned into a delay),
 * values that do not parse are ignored, huge numbers are clamped. A status
 * line ("HTTP/1.1 200 OK") resets the struct, so after a redirect or a
 * 100-continue only the final response's fields remain. docs/internals/
 * governor.md gives the precedence rules. */
#ifndef SLUICE_HTTP_RATE_HEADERS_H
#define SLUICE_HTTP_RATE_HEADERS_H

#include "util/common.h"

#define SLUICE_RATE_ITEMS 4         /* structured-field items kept per header */
#define SLUICE_RATE_NAME_MAX 16     /* policy names are truncated to 15 bytes */
#define SLUICE_RATE_NUM_MAX 1e12    /* counts are clamped to this */
#define SLUICE_RATE_SECS_MAX 3.15e8 /* delays are clamped to ~10 years */

/* One item of a structured RateLimit or RateLimit-Policy list. Numbers are
 * negative when absent. */
struct sluice_rate_item {
    char name[SLUICE_RATE_NAME_MAX]; /* "" for an integer or unnamed item */
    double num;                      /* a numeric bare item (old drafts) */
    double q, w, r, t;               /* quota, window, remaining, reset */
};

/* The fields of one response. Embed it, sluice__rate_headers_reset() it
 * before each response, feed it lines. All numbers are negative when
 * absent. */
struct sluice_rate_headers {
    double x_limit, x_window, x_remaining, x_reset; /* X-RateLimit-* */
    double o_limit, o_window, o_remaining, o_reset; /* RateLimit-* (old) */
    struct sluice_rate_item rl[SLUICE_RATE_ITEMS];  /* RateLimit */
    size_t n_rl;
    struct sluice_rate_item pol[SLUICE_RATE_ITEMS]; /* RateLimit-Policy */
    size_t n_pol;
    double retry_after;  /* Retry-After as delta-seconds */
    char retry_date[40]; /* Retry-After as an HTTP-date, kept as text
                            (its meaning needs the wall clock) */
};

/* One quota, normalised from whichever header family described it. The
 * reset is seconds from the response; negative numbers mean unknown. */
enum sluice_rate_family {
    SLUICE_RATE_FAMILY_X,        /* X-RateLimit-* */
    SLUICE_RATE_FAMILY_IETF_OLD, /* RateLimit-Limit/-Remaining/-Reset */
    SLUICE_RATE_FAMILY_IETF      /* RateLimit + RateLimit-Policy */
};
struct sluice_rate_quota {
    enum sluice_rate_family family;
    char name[SLUICE_RATE_NAME_MAX];
    double limit, window, remaining, reset;
};
#define SLUICE_RATE_QUOTAS_MAX (SLUICE_RATE_ITEMS + 2)

void sluice__rate_headers_reset(struct sluice_rate_headers *h);

/* Takes one raw header line (with or without its CRLF); `n` bytes, not
 * necessarily NUL-terminated. Lines that are not rate-limit headers, and
 * values that do not parse, are ignored. Repeated headers combine
 * conservatively: the smallest limit and remaining, the latest reset and
 * Retry-After; list headers append their items. */
void sluice__rate_headers_feed(struct sluice_rate_headers *h, const char *line,
                               size_t n);

/* The wait Retry-After asks for, in seconds from now (never negative; an
 * HTTP-date in the past is 0), or -1 when the response had none.
 * `wall_now` is the wall clock, seconds since the epoch. */
double sluice__rate_headers_retry_after(const struct sluice_rate_headers *h,
                                        double wall_now);

/* Fills `out` (room for SLUICE_RATE_QUOTAS_MAX) with the quotas the
 * response describes and returns how many. X-RateLimit-Reset and
 * RateLimit-Reset are read as delta-seconds below 1e9, epoch seconds below
 * 1e12 and epoch milliseconds above; epochs become deltas via `wall_now`. */
size_t sluice__rate_headers_quotas(const struct sluice_rate_headers *h,
                                   double wall_now,
                                   struct sluice_rate_quota *out);

/* Parses an HTTP-date in any of RFC 9110's three formats (IMF-fixdate,
 * obsolete RFC 850, asctime) into epoch seconds. RFC 850's two-digit year
 * is taken as the one not more than 50 years after `wall_now`. Returns
 * false for anything else. */
bool sluice__http_date_parse(const char *s, size_t n, double wall_now,
                             int64_t *out);

#endif
