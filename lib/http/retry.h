/* retry.h: the retry policy. Given how one attempt at a window ended, it
 * decides: done, try again after a delay, fail now, or stop the run
 * because the API's quota is gone.
 *
 * Retried: connection failures, timeouts, a connection reset or receive
 * error, a body cut short, 408, 425, 429, 500, 502, 503, 504 (and the other
 * 5xx but 501, 505, 506, 510, 511, which say the request itself cannot be
 * served), a 403 carrying Retry-After (gateways that signal rate limits
 * with 403, like GitHub's secondary limits), and a 2xx whose JSON is cut
 * off or invalid, once. Never retried: every other 4xx and 3xx, local
 * failures (the sink, a size limit), and a 2xx whose records are not where
 * the records path says (an error object in a 200, a changed API): the
 * server answered, and the same request would most likely get the same
 * answer; the window fails and the next run asks again. Delays grow exponentially with full
 * jitter, and Retry-After always wins when it is longer.
 *
 * Pure: no clock, no sleep, no I/O; randomness comes from a caller-owned
 * splitmix64 state, so a seed makes every delay reproducible. */
#ifndef SLUICE_HTTP_RETRY_H
#define SLUICE_HTTP_RETRY_H

#include "util/common.h"

/* How the transfer itself ended, whatever the HTTP status. */
enum sluice_xfer {
    SLUICE_XFER_OK,      /* completed */
    SLUICE_XFER_CONNECT, /* could not resolve or connect */
    SLUICE_XFER_TIMEOUT, /* a timeout or the low-speed limit */
    SLUICE_XFER_RECV,    /* reset, send/receive error, empty reply */
    SLUICE_XFER_PARTIAL, /* the body was cut short */
    SLUICE_XFER_LOCAL,   /* we stopped it (sink error, size limit, cancel) */
    SLUICE_XFER_OTHER    /* anything else (TLS verification, bad URL...) */
};

/* Maps a CURLcode (as an int, so this header needs no curl.h) to the
 * categories above. */
enum sluice_xfer sluice__xfer_from_curl(int curlcode);

#define SLUICE_RETRY_THROTTLES 8 /* retry.throttle_statuses at most */

struct sluice_retry_policy {
    unsigned attempts; /* in total, including the first; default 5 */
    double base;       /* seconds; default 1 */
    double max_delay;  /* cap on the backoff; default 60 s */
    double max_wait;   /* a longer server-requested wait stops the run;
                          default 900 s */
    /* Statuses besides 429 this API throttles with (GitHub and Salesforce
     * answer 403): transient, and they cut the learned rate. */
    long throttle[SLUICE_RETRY_THROTTLES];
    size_t n_throttle;
};
void sluice__retry_policy_default(struct sluice_retry_policy *p);

/* One window's history; zero it (or _reset) when the window starts. */
struct sluice_retry_state {
    unsigned attempts;     /* attempts that have ended */
    unsigned json_retries; /* retries spent on an invalid 2xx body */
};

/* How one attempt ended. */
struct sluice_attempt {
    enum sluice_xfer xfer;
    long status;        /* HTTP status, 0 if no response */
    bool json_invalid;  /* a 2xx whose body was cut off or not valid JSON */
    double retry_after; /* seconds the server asked to wait, < 0 if none
                           (sluice__rate_headers_retry_after) */
    bool records_missing; /* a complete 2xx JSON body without the records
                             path's container (json/select.h verdict) */
};

enum sluice_retry_action {
    SLUICE_RETRY_DONE,  /* success: publish the window */
    SLUICE_RETRY_AGAIN, /* send again, not before `delay` seconds */
    SLUICE_RETRY_FAIL,  /* the window fails now */
    SLUICE_RETRY_QUOTA  /* stop starting transfers: the quota is gone;
                           come back in `delay` seconds */
};

/* Why an attempt did not succeed (for messages and the report). */
enum sluice_retry_reason {
    SLUICE_REASON_NONE,
    SLUICE_REASON_CONNECT,
    SLUICE_REASON_TIMEOUT,
    SLUICE_REASON_RECV,
    SLUICE_REASON_PARTIAL,
    SLUICE_REASON_STATUS, /* see the attempt's status */
    SLUICE_REASON_JSON,
    SLUICE_REASON_LOCAL,
    SLUICE_REASON_OTHER,
    SLUICE_REASON_RECORDS /* the records path is not in the response */
};

struct sluice_retry_decision {
    enum sluice_retry_action action;
    enum sluice_retry_reason reason;
    double delay;   /* AGAIN: wait this long; QUOTA: come back after it */
    bool permanent; /* FAIL: retrying could not help (vs attempts used up) */
};

/* Decides after an attempt ended; counts it in `st`. `rng` is the
 * splitmix64 state the jitter draws from. */
void sluice__retry_decide(const struct sluice_retry_policy *p,
                          struct sluice_retry_state *st,
                          const struct sluice_attempt *a, uint64_t *rng,
                          struct sluice_retry_decision *out);

/* Full-jitter backoff before retry number `retry` (1 for the first):
 * uniform in [0, min(max_delay, base * 2^(retry-1))). */
double sluice__retry_backoff(const struct sluice_retry_policy *p,
                             unsigned retry, uint64_t *rng);

/* Whether a status alone is worth retrying. */
bool sluice__retry_status_transient(long status);

/* splitmix64: the next 64 random bits, and a double in [0, 1). */
uint64_t sluice__rng_next(uint64_t *state);
double sluice__rng_unit(uint64_t *state);

const char *sluice__retry_reason_str(enum sluice_retry_reason r);

#endif
