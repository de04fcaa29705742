/* governor.c: the rate governor (see governor.h): configured token
 * buckets, server quotas corrected by response headers, a global
 * Retry-After barrier, and AIMD concurrency.
 *
 * Buckets are GCRA rather than "tokens + last refill": a bucket is one
 * number (the theoretical arrival time) and the instant next_send returns
 * is exactly the value take compares against, so a caller that waits
 * until that instant is always admitted; a refill computed in floating
 * point could leave it 1e-16 tokens short and spinning.
 *
 * Server quotas are estimates that may only err low: a response's
 * Remaining does not know about the requests still in flight, so we
 * subtract them, and within one reset period we keep the smaller of the
 * old estimate and the new one (an older response may arrive last). */
#include "http/governor.h"

#include <math.h>
#include <string.h>

#define FRESH (-1e300)
#define HOUR 3600.0
/* Resets arrive as whole seconds: two responses in the same period may
 * name instants up to a second apart. */
#define RESET_SLACK 1.0

/* ---- rate specs ---------------------------------------------------------- */

struct unit {
    const char *name;
    double secs;
};
static const struct unit UNITS[] = {
    {"s", 1},       {"sec", 1},      {"secs", 1},     {"second", 1},
    {"seconds", 1}, {"m", 60},       {"min", 60},     {"mins", 60},
    {"minute", 60}, {"minutes", 60}, {"h", 3600},     {"hr", 3600},
    {"hrs", 3600},  {"hour", 3600},  {"hours", 3600}, {"d", 86400},
    {"day", 86400}, {"days", 86400},
};

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}
static bool alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static bool space(char c)
{
    return c == ' ' || c == '\t';
}

/* A positive integer below 1e9 at s[*i]. */
static bool integer(const char *s, size_t n, size_t *i, double *out)
{
    size_t start = *i;
    double v = 0;
    while (*i < n && digit(s[*i]) && *i - start < 10)
        v = v * 10 + (s[(*i)++] - '0');
    if (*i == start || (*i < n && digit(s[*i])) || v < 1 || v >= 1e9)
        return false;
    *out = v;
    return true;
}

static bool unit_secs(const char *p, size_t n, double *secs)
{
    for (size_t u = 0; u < SLUICE_ARRAY_LEN(UNITS); u++) {
        const char *name = UNITS[u].name;
        size_t k = strlen(name);
        if (k != n)
            continue;
        size_t j = 0;
        while (j < n && (p[j] | 0x20) == name[j])
            j++;
        if (j == n) {
            *secs = UNITS[u].secs;
            return true;
        }
    }
    return false;
}

int sluice__rate_parse(const char *s, size_t n, struct sluice_rate *out,
                       struct sluice_err *err)
{
    int rc = SLUICE_OK;
    size_t i = 0;
    double count, mult = 1, secs, burst = 1;
    while (i < n && space(s[i]))
        i++;
    SLUICE_FAIL_IF(!integer(s, n, &i, &count), SLUICE_EINVAL, err,
                   "rate '%.*s': byte %zu: expected a count (1 to 999999999)",
                   (int)n, s, i + 1);
    while (i < n && space(s[i]))
        i++;
    SLUICE_FAIL_IF(i >= n || s[i] != '/', SLUICE_EINVAL, err,
                   "rate '%.*s': byte %zu: expected '/' as in '10/second'",
                   (int)n, s, i + 1);
    i++;
    while (i < n && space(s[i]))
        i++;
    if (i < n && digit(s[i]))
        SLUICE_FAIL_IF(!integer(s, n, &i, &mult), SLUICE_EINVAL, err,
                       "rate '%.*s': byte %zu: bad multiplier", (int)n, s,
                       i + 1);
    size_t u = i;
    while (i < n && alpha(s[i]))
        i++;
    SLUICE_FAIL_IF(!unit_secs(s + u, i - u, &secs), SLUICE_EINVAL, err,
                   "rate '%.*s': byte %zu: unknown unit '%.*s' (use s, min, "
                   "hour or day)",
                   (int)n, s, u + 1, (int)(i - u), s + u);
    while (i < n && space(s[i]))
        i++;
    if (i < n) {
        size_t k = i;
        while (i < n && alpha(s[i]))
            i++;
        SLUICE_FAIL_IF(i - k != 5 || strncmp(s + k, "burst", 5) != 0,
                       SLUICE_EINVAL, err,
                       "rate '%.*s': byte %zu: expected 'burst N' or the end",
                       (int)n, s, k + 1);
        while (i < n && space(s[i]))
            i++;
        SLUICE_FAIL_IF(!integer(s, n, &i, &burst), SLUICE_EINVAL, err,
                       "rate '%.*s': byte %zu: expected the burst size", (int)n,
                       s, i + 1);
        while (i < n && space(s[i]))
            i++;
        SLUICE_FAIL_IF(i < n, SLUICE_EINVAL, err,
                       "rate '%.*s': byte %zu: unexpected text after the "
                       "burst",
                       (int)n, s, i + 1);
    }
    out->count = count;
    out->per = mult * secs;
    out->burst = burst;
out:
    return rc;
}

/* ---- GCRA ------------------------------------------------------------------
 */

static void gcra_set(struct sluice_gcra *b, double count, double per,
                     double burst)
{
    b->interval = per / count;
    b->tolerance = (burst - 1) * b->interval;
}

static double gcra_next(const struct sluice_gcra *b, double now)
{
    double t = b->tat - b->tolerance;
    return t > now ? t : now;
}

static void gcra_take(struct sluice_gcra *b, double now)
{
    b->tat = (b->tat > now ? b->tat : now) + b->interval;
}

/* ---- server quotas ------------------------------------------------------- */

/* What is left of q at `now` for this worker: a passed reset refills it
 * to the limit (or to unknown); with no reset, a rolling window frees
 * requests steadily. Infinite when nothing is known. A worker sharing the
 * job's budget with others (sluice__governor_share) owns 1/members of
 * each: `remaining` is kept in its part already. */
static double quota_left(const struct sluice_server_quota *q, double now,
                         unsigned members)
{
    if (!q->known)
        return INFINITY;
    double limit = q->limit / members;
    if (q->reset >= 0 && now >= q->reset)
        return q->limit > 0 ? limit : INFINITY;
    if (q->reset < 0 && q->limit > 0 && q->window > 0) {
        double r = q->remaining + (now - q->stamp) * limit / q->window;
        return r < limit ? r : limit;
    }
    return q->remaining;
}

static double quota_next(const struct sluice_server_quota *q, double now,
                         unsigned members)
{
    double left = quota_left(q, now, members);
    if (left >= 1)
        return now;
    if (q->reset >= 0)
        return q->reset; /* now < reset, or left would be the limit */
    if (q->limit > 0 && q->window > 0)
        return now + (1 - left) * q->window * members / q->limit;
    return now;
}

static void quota_take(struct sluice_server_quota *q, double now,
                       unsigned members)
{
    if (!q->known)
        return;
    double left = quota_left(q, now, members);
    if (q->reset >= 0 && now >= q->reset) {
        /* A new period we know nothing about yet but its limit. */
        if (q->window_source == SLUICE_WINDOW_GIVEN) {
            double k = floor((now - q->reset) / q->window) + 1;
            q->reset += k * q->window;
        } else {
            q->reset = -1;
        }
        if (!isfinite(left)) {
            q->known = false;
            return;
        }
    }
    q->remaining = left - 1;
    q->stamp = now;
}

static struct sluice_server_quota *quota_find(struct sluice_governor *g,
                                              const struct sluice_rate_quota *o)
{
    for (size_t i = 0; i < g->n_quotas; i++) {
        struct sluice_server_quota *q = &g->quota[i];
        if (q->family == o->family && strcmp(q->name, o->name) == 0)
            return q;
    }
    if (g->n_quotas == SLUICE_GOVERNOR_QUOTAS)
        return NULL;
    struct sluice_server_quota *q = &g->quota[g->n_quotas++];
    memset(q, 0, sizeof *q);
    q->family = o->family;
    memcpy(q->name, o->name, sizeof q->name);
    q->reset = -1;
    q->learned.tat = FRESH;
    return q;
}

static void quota_learn(struct sluice_governor *g,
                        struct sluice_server_quota *q,
                        const struct sluice_rate_quota *o, double now)
{
    if (o->limit > 0)
        q->limit = o->limit;
    if (o->window > 0) {
        q->window = o->window;
        q->window_source = SLUICE_WINDOW_GIVEN;
    } else if (o->reset > 0 && q->window_source <= SLUICE_WINDOW_RESETS) {
        /* A reset is at most one window away: the largest seen is the
         * best lower bound of the window we have. */
        double w = ceil(o->reset);
        if (q->window_source != SLUICE_WINDOW_RESETS || w > q->window)
            q->window = w;
        q->window_source = SLUICE_WINDOW_RESETS;
    } else if (q->window_source == SLUICE_WINDOW_NONE && q->limit > 0 &&
               q->family == SLUICE_RATE_FAMILY_X) {
        q->window = HOUR;
        q->window_source = SLUICE_WINDOW_ASSUMED;
    }
    /* Pace by what we learned only when the job set no limit itself; a
     * full window's worth may go at once, as the server allows. */
    if (g->n_buckets == 0 && q->limit > 0 && q->window > 0) {
        double part = q->limit / g->members;
        gcra_set(&q->learned, part, q->window, part >= 1 ? part : 1);
        /* A worker sharing the job's budget cannot know what the others
         * spent of the server's burst: it starts with none of it, evenly
         * paced, and earns it back only by sending less than its part.
         * (Alone, the burst is the run's: the quota's Remaining, when the
         * server sends one, says what is left of it.) */
        if (!q->has_learned && g->shared)
            q->learned.tat = now + q->learned.tolerance;
        q->has_learned = true;
    }
}

static void quota_correct(struct sluice_governor *g,
                          struct sluice_server_quota *q,
                          const struct sluice_rate_quota *o, double now,
                          uint64_t ticket)
{
    double new_reset = o->reset >= 0 ? now + o->reset : -1;
    if (o->remaining < 0) {
        if (new_reset >= 0 && q->known)
            q->reset = new_reset;
        return;
    }
    /* The server counts in about the order we send: requests sent after
     * this one and still in flight are not in its Remaining yet, but will
     * be. (Those sent before it were counted; a rare reordering costs a
     * 429, which the min below and the retry policy absorb.) */
    uint64_t later = ticket <= g->seq ? g->seq - ticket : 0;
    if (later > g->in_flight)
        later = g->in_flight;
    double est = o->remaining / g->members - (double)later;
    bool same_period = q->known && q->reset >= 0 && now < q->reset &&
                       new_reset >= 0 && new_reset <= q->reset + RESET_SLACK;
    if (same_period) {
        double left = quota_left(q, now, g->members);
        if (est < left)
            q->remaining = est;
        else
            q->remaining = left;
        /* Each answer's reset is an upper bound of the same instant (its
         * delta is rounded up): the smallest is the tightest. One in the
         * past may belong to an older period and proves nothing. */
        if (new_reset > now && new_reset < q->reset)
            q->reset = new_reset;
    } else {
        q->remaining = est;
        q->reset = new_reset;
    }
    q->known = true;
    q->stamp = now;
}

/* ---- the governor -------------------------------------------------------- */

int sluice__governor_init(struct sluice_governor *g,
                          const struct sluice_rate *limits, size_t n,
                          unsigned concurrency, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    memset(g, 0, sizeof *g);
    SLUICE_FAIL_IF(n > SLUICE_GOVERNOR_BUCKETS, SLUICE_EINVAL, err,
                   "rate_limit: at most %d limits", SLUICE_GOVERNOR_BUCKETS);
    for (size_t i = 0; i < n; i++) {
        const struct sluice_rate *r = &limits[i];
        SLUICE_FAIL_IF(
            !(r->count > 0 && r->per > 0 && r->burst >= 1 &&
              isfinite(r->count) && isfinite(r->per) && isfinite(r->burst)),
            SLUICE_EINVAL, err, "rate_limit: limit %zu is not positive", i + 1);
        gcra_set(&g->bucket[i], r->count, r->per, r->burst);
        g->bucket[i].tat = FRESH;
        g->rate[i] = *r;
    }
    g->n_buckets = n;
    g->members = 1;
    g->ceiling = INFINITY;
    for (size_t i = 0; i < n; i++)
        if (limits[i].count / limits[i].per < g->ceiling)
            g->ceiling = limits[i].count / limits[i].per;
    sluice__learn_init(&g->learn, g->ceiling);
    g->blocked_until = FRESH;
    g->max_concurrency = concurrency ? concurrency : 1;
    /* Slow start: a server we know nothing about gets a few requests
     * first, then 1.5 times as many each round they all succeed (the
     * transfers in flight when a burst allowance runs out all meet a 429,
     * so the slower this grows the fewer they are); 32 at once
     * could meet a burst allowance of 10 with 22 answers 429. */
    g->concurrency = g->max_concurrency < SLUICE_GOVERNOR_START
                         ? g->max_concurrency
                         : SLUICE_GOVERNOR_START;
    g->slow_start = true;
out:
    return rc;
}

int sluice__governor_throttles(struct sluice_governor *g, const long *statuses,
                               size_t n, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    SLUICE_FAIL_IF(n > SLUICE_GOVERNOR_THROTTLES, SLUICE_EINVAL, err,
                   "retry.throttle_statuses: at most %d statuses",
                   SLUICE_GOVERNOR_THROTTLES);
    for (size_t i = 0; i < n; i++)
        SLUICE_FAIL_IF(statuses[i] < 400 || statuses[i] > 599, SLUICE_EINVAL,
                       err,
                       "retry.throttle_statuses: %ld is not an error status "
                       "(400 to 599)",
                       statuses[i]);
    memcpy(g->throttle, statuses, n * sizeof *statuses);
    g->n_throttle = n;
out:
    return rc;
}

void sluice__governor_seed(struct sluice_governor *g, double rate, double now)
{
    sluice__learn_seed(&g->learn, rate, now);
}

double sluice__governor_learned(const struct sluice_governor *g, double now,
                                enum sluice_learn_source *source,
                                double *estimate)
{
    if (source)
        *source = g->learn.source;
    if (estimate)
        *estimate = g->learn.source == SLUICE_LEARN_NONE ? 0
                                                         : g->learn.estimate;
    return sluice__learn_rate(&g->learn, now);
}

static bool throttling(const struct sluice_governor *g, long status)
{
    if (status == 429)
        return true;
    for (size_t i = 0; i < g->n_throttle; i++)
        if (g->throttle[i] == status)
            return true;
    return false;
}

/* Whether a quota at 0 already holds sending back (a pause would add
 * nothing the server did not say). */
static bool quota_blocks(const struct sluice_governor *g, double now)
{
    for (size_t i = 0; i < g->n_quotas; i++)
        if (quota_next(&g->quota[i], now, g->members) > now)
            return true;
    return false;
}

/* A quota whose window only we assumed (X-RateLimit-* named neither a
 * reset nor a window) does not hold a lone request back: the hour is a
 * guess, and waiting on a guess could idle a run for minutes when the
 * server would tell at once when to come back (a 429's Retry-After: past
 * retry.max_wait, the run stops on the spent quota) or that requests are
 * free again. So with nothing in flight one probe goes; while it is out,
 * the quota paces as assumed. */
static bool probe_allowed(const struct sluice_governor *g,
                          const struct sluice_server_quota *q)
{
    return q->window_source == SLUICE_WINDOW_ASSUMED && q->reset < 0 &&
           g->in_flight == 0;
}

double sluice__governor_next_send(const struct sluice_governor *g, double now)
{
    double t = g->blocked_until > now ? g->blocked_until : now;
    double l = sluice__learn_next(&g->learn, now);
    if (l > t)
        t = l;
    for (size_t i = 0; i < g->n_buckets; i++) {
        double b = gcra_next(&g->bucket[i], now);
        if (b > t)
            t = b;
    }
    for (size_t i = 0; i < g->n_quotas; i++) {
        const struct sluice_server_quota *q = &g->quota[i];
        if (probe_allowed(g, q))
            continue;
        double b = quota_next(q, now, g->members);
        if (b > t)
            t = b;
        if (q->has_learned && g->n_buckets == 0) {
            b = gcra_next(&q->learned, now);
            if (b > t)
                t = b;
        }
    }
    return t;
}

bool sluice__governor_take(struct sluice_governor *g, double now,
                           uint64_t *ticket)
{
    if (sluice__governor_next_send(g, now) > now)
        return false;
    for (size_t i = 0; i < g->n_buckets; i++)
        gcra_take(&g->bucket[i], now);
    sluice__learn_take(&g->learn, now);
    for (size_t i = 0; i < g->n_quotas; i++) {
        struct sluice_server_quota *q = &g->quota[i];
        quota_take(q, now, g->members);
        if (q->has_learned && g->n_buckets == 0)
            gcra_take(&q->learned, now);
    }
    g->in_flight++;
    *ticket = ++g->seq;
    return true;
}

static void block_until(struct sluice_governor *g, double t)
{
    if (t > g->blocked_until)
        g->blocked_until = t;
}

static void adapt(struct sluice_governor *g, uint64_t ticket, long status,
                  enum sluice_xfer xfer)
{
    bool congested = status == 503 || xfer == SLUICE_XFER_TIMEOUT;
    if (congested) {
        /* One cut per round: the answers to requests sent before the
         * last cut describe the load that cut already relieved. */
        if (ticket > g->cut_seq) {
            unsigned c = g->concurrency / 2;
            g->concurrency = c ? c : 1;
            g->cut_seq = g->seq;
            g->successes = 0;
            g->cuts++;
            g->slow_start = false;
        }
        return;
    }
    if (xfer != SLUICE_XFER_OK || status < 200 || status > 299)
        return; /* neither a success nor a sign of overload */
    if (g->concurrency >= g->max_concurrency)
        return;
    if (g->slow_start) {
        /* One more per two successes: 1.5 times as many each round. */
        if (++g->successes >= 2) {
            g->concurrency++;
            g->successes = 0;
        }
        return;
    }
    if (++g->successes >= g->concurrency) {
        g->concurrency++;
        g->successes = 0;
    }
}

void sluice__governor_on_response(struct sluice_governor *g, double now,
                                  double wall_now, uint64_t ticket, long status,
                                  enum sluice_xfer xfer,
                                  const struct sluice_rate_headers *h)
{
    if (g->in_flight > 0)
        g->in_flight--;
    if (status == 429)
        g->responses_429++;
    bool throttled = throttling(g, status);
    bool ok = xfer == SLUICE_XFER_OK && status >= 200 && status <= 299;
    /* Throttling is the learned rate's to answer; concurrency is cut for
     * an overloaded server (503, timeouts), which a rate would not fix. */
    if (!throttled)
        adapt(g, ticket, status, xfer);
    else
        g->slow_start = false; /* the rate takes over; grow additively */
    double pause = sluice__learn_answer(&g->learn, now, ticket, g->seq,
                                        throttled, ok);

    double retry_after = -1;
    if (h) {
        struct sluice_rate_quota obs[SLUICE_RATE_QUOTAS_MAX];
        size_t k = sluice__rate_headers_quotas(h, wall_now, obs);
        for (size_t i = 0; i < k; i++) {
            struct sluice_server_quota *q = quota_find(g, &obs[i]);
            if (!q)
                continue;
            quota_learn(g, q, &obs[i], now);
            quota_correct(g, q, &obs[i], now, ticket);
        }
        if (status >= 400)
            retry_after = sluice__rate_headers_retry_after(h, wall_now);
    }
    if (retry_after >= 0)
        block_until(g, now + retry_after);
    else if (pause > 0 && !quota_blocks(g, now))
        block_until(g, now + pause * SLUICE_GOVERNOR_429_PAUSE);
}

void sluice__governor_share(struct sluice_governor *g, unsigned members,
                            double blocked_until)
{
    if (members == 0)
        members = 1;
    g->shared = true;
    if (members != g->members) {
        /* Each bucket's burst is shared too, so that all workers' bursts
         * together stay within the configured one; a part below one
         * request is one request, evenly spaced. The theoretical arrival
         * times stay: what was sent was sent. */
        for (size_t i = 0; i < g->n_buckets; i++) {
            const struct sluice_rate *r = &g->rate[i];
            double burst = r->burst / members;
            gcra_set(&g->bucket[i], r->count / members, r->per,
                     burst >= 1 ? burst : 1);
        }
        g->learn.ceiling = g->ceiling / members;
        for (size_t i = 0; i < g->n_quotas; i++) {
            struct sluice_server_quota *q = &g->quota[i];
            q->remaining = q->remaining * g->members / members;
            if (q->has_learned) {
                double part = q->limit / members;
                gcra_set(&q->learned, part, q->window, part >= 1 ? part : 1);
            }
        }
        g->members = members;
    }
    block_until(g, blocked_until);
}

double sluice__governor_blocked_until(const struct sluice_governor *g)
{
    return g->blocked_until;
}

unsigned sluice__governor_concurrency(const struct sluice_governor *g)
{
    return g->concurrency;
}
