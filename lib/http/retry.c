/* retry.c: the retry policy (see retry.h): classify an attempt, draw a
 * full-jitter backoff, honour Retry-After, and tell a long server-requested
 * wait (the quota is gone) from an ordinary one.
 *
 * Full jitter (delay uniform in [0, cap)) rather than "cap plus a little":
 * when many windows fail at once, as they do when a server hiccups under
 * 32 concurrent transfers, their retries spread over the whole interval
 * instead of arriving together again. */
#include "http/retry.h"

#include <curl/curl.h>
#include <math.h>

void sluice__retry_policy_default(struct sluice_retry_policy *p)
{
    p->attempts = 5;
    p->base = 1.0;
    p->max_delay = 60.0;
    p->max_wait = 900.0;
    p->n_throttle = 0;
}

enum sluice_xfer sluice__xfer_from_curl(int curlcode)
{
    switch ((CURLcode)curlcode) {
    case CURLE_OK:
        return SLUICE_XFER_OK;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        return SLUICE_XFER_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return SLUICE_XFER_TIMEOUT;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_SSL_CONNECT_ERROR: /* a handshake cut by the peer */
        return SLUICE_XFER_RECV;
    case CURLE_PARTIAL_FILE:
    case CURLE_BAD_CONTENT_ENCODING: /* a truncated gzip stream */
        return SLUICE_XFER_PARTIAL;
    case CURLE_WRITE_ERROR:
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FILESIZE_EXCEEDED:
        return SLUICE_XFER_LOCAL;
    default:
        return SLUICE_XFER_OTHER;
    }
}

bool sluice__retry_status_transient(long status)
{
    switch (status) {
    case 408:
    case 425:
    case 429:
        return true;
    case 501:
    case 505:
    case 506:
    case 510:
    case 511:
        return false;
    default:
        return status >= 500 && status <= 599;
    }
}

uint64_t sluice__rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

double sluice__rng_unit(uint64_t *state)
{
    /* The top 53 bits: every value is exact and below 1. */
    return (double)(sluice__rng_next(state) >> 11) * 0x1.0p-53;
}

double sluice__retry_backoff(const struct sluice_retry_policy *p,
                             unsigned retry, uint64_t *rng)
{
    unsigned e = retry > 0 ? retry - 1 : 0;
    /* 2^62 seconds is far past any max_delay; capping e avoids inf. */
    double cap = ldexp(p->base > 0 ? p->base : 0, (int)(e < 62 ? e : 62));
    if (cap > p->max_delay)
        cap = p->max_delay;
    if (!(cap > 0))
        return 0;
    return sluice__rng_unit(rng) * cap;
}

static enum sluice_retry_reason xfer_reason(enum sluice_xfer x)
{
    switch (x) {
    case SLUICE_XFER_CONNECT:
        return SLUICE_REASON_CONNECT;
    case SLUICE_XFER_TIMEOUT:
        return SLUICE_REASON_TIMEOUT;
    case SLUICE_XFER_RECV:
        return SLUICE_REASON_RECV;
    case SLUICE_XFER_PARTIAL:
        return SLUICE_REASON_PARTIAL;
    case SLUICE_XFER_LOCAL:
        return SLUICE_REASON_LOCAL;
    case SLUICE_XFER_OTHER:
        return SLUICE_REASON_OTHER;
    default:
        return SLUICE_REASON_NONE;
    }
}

static bool is_2xx(long s)
{
    return s >= 200 && s <= 299;
}

void sluice__retry_decide(const struct sluice_retry_policy *p,
                          struct sluice_retry_state *st,
                          const struct sluice_attempt *a, uint64_t *rng,
                          struct sluice_retry_decision *out)
{
    bool transient;
    out->action = SLUICE_RETRY_FAIL;
    out->reason = SLUICE_REASON_NONE;
    out->delay = 0;
    out->permanent = false;
    st->attempts++;

    if (a->status >= 400) {
        /* The server answered: its status decides, even when the body
         * was then cut short. */
        out->reason = SLUICE_REASON_STATUS;
        transient = sluice__retry_status_transient(a->status) ||
                    (a->status == 403 && a->retry_after >= 0);
        for (size_t i = 0; i < p->n_throttle; i++)
            if (p->throttle[i] == a->status)
                transient = true; /* the job says: "too fast", not "no" */
    } else if (a->xfer != SLUICE_XFER_OK) {
        out->reason = xfer_reason(a->xfer);
        transient =
            a->xfer == SLUICE_XFER_CONNECT || a->xfer == SLUICE_XFER_TIMEOUT ||
            a->xfer == SLUICE_XFER_RECV || a->xfer == SLUICE_XFER_PARTIAL;
    } else if (is_2xx(a->status) && a->json_invalid) {
        out->reason = SLUICE_REASON_JSON;
        transient = st->json_retries < 1;
        if (!transient)
            return; /* retried once already: fail, not permanent */
    } else if (is_2xx(a->status) && a->records_missing) {
        out->reason = SLUICE_REASON_RECORDS;
        transient = false;
    } else if (is_2xx(a->status)) {
        out->action = SLUICE_RETRY_DONE;
        return;
    } else {
        out->reason = SLUICE_REASON_STATUS; /* 1xx, 3xx, or no status */
        transient = false;
    }

    if (!transient) {
        out->permanent = true;
        return;
    }
    /* A wait longer than max_wait means the quota is gone, whatever the
     * attempts left: retrying sooner would only be refused again. */
    if (a->retry_after > p->max_wait) {
        out->action = SLUICE_RETRY_QUOTA;
        out->delay = a->retry_after;
        return;
    }
    if (st->attempts >= p->attempts)
        return;
    out->action = SLUICE_RETRY_AGAIN;
    out->delay = sluice__retry_backoff(p, st->attempts, rng);
    if (a->retry_after > out->delay)
        out->delay = a->retry_after;
    if (out->reason == SLUICE_REASON_JSON)
        st->json_retries++;
}

const char *sluice__retry_reason_str(enum sluice_retry_reason r)
{
    switch (r) {
    case SLUICE_REASON_NONE:
        return "ok";
    case SLUICE_REASON_CONNECT:
        return "connection failed";
    case SLUICE_REASON_TIMEOUT:
        return "timed out";
    case SLUICE_REASON_RECV:
        return "connection reset";
    case SLUICE_REASON_PARTIAL:
        return "body cut short";
    case SLUICE_REASON_STATUS:
        return "HTTP status";
    case SLUICE_REASON_JSON:
        return "invalid JSON";
    case SLUICE_REASON_LOCAL:
        return "stopped locally";
    case SLUICE_REASON_OTHER:
        return "transfer error";
    case SLUICE_REASON_RECORDS:
        return "records path not found";
    }
    return "unknown";
}
