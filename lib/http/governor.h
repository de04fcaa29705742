/* governor.h: the rate governor shared by every transfer of a run. It
 * answers two questions for the run loop: "when may the next request be
 * sent?" and "how many transfers may be in flight?".
 *
 * Three things constrain the send time, and the latest wins:
 *   1. the job's limits ("1000/hour", "10/s burst 20"), one token bucket
 *      each (kept as GCRA: one "theoretical arrival time" per bucket);
 *   2. what the server says in its responses: Retry-After blocks every
 *      transfer until the instant it names; a quota whose Remaining reaches
 *      0 blocks until its Reset; with no configured limit, a limit learned
 *      from the headers paces the run;
 *   3. nothing else: the governor never sleeps and never reads a clock.
 * Concurrency is adaptive (AIMD): it starts at SLUICE_GOVERNOR_START and
 * grows 1.5 times each round of successes (slow start) up to the job's
 * `concurrency`; halved on a 503 or a timeout; then one more after a run
 * of successes. A 429 (or a declared throttling status) cuts a learned
 * request rate instead (rate_learn.h): when answers are fast, fewer
 * transfers in flight do not bound the rate a server sees.
 *
 * Time is injected: `now` is a monotonic clock in seconds (any origin),
 * `wall_now` the wall clock in seconds since the epoch (needed only to
 * read HTTP-dates and epoch resets). Every call is O(1) (bounded by the
 * fixed numbers of buckets and quotas) and allocates nothing; the struct
 * is embedded by the caller. One thread at a time.
 * docs/internals/governor.md has the model and the precedence rules. */
#ifndef SLUICE_HTTP_GOVERNOR_H
#define SLUICE_HTTP_GOVERNOR_H

#include "http/rate_headers.h"
#include "http/rate_learn.h"
#include "http/retry.h"

#define SLUICE_GOVERNOR_BUCKETS 8 /* configured limits at most */
#define SLUICE_GOVERNOR_QUOTAS 6  /* server quotas tracked at most */
#define SLUICE_GOVERNOR_THROTTLES SLUICE_RETRY_THROTTLES
#define SLUICE_GOVERNOR_START 4 /* transfers in flight before any answer */

/* A limit from the job: `count` requests per `per` seconds, with bursts
 * of up to `burst` requests (at least 1). Over any interval of length T
 * the bucket lets through at most count/per * T + burst requests. */
struct sluice_rate {
    double count;
    double per;
    double burst;
};

/* Parses "N/UNIT" or "N/UNIT burst B": N and B positive integers, UNIT one
 * of s, sec, second(s), m, min, minute(s), h, hr, hour(s), d, day(s),
 * optionally preceded by a multiplier ("100/15min"). Examples: "10/s",
 * "1000/hour", "50/min", "5/second burst 10". The default burst is 1:
 * requests evenly spaced, which is what a sliding-window server needs.
 * SLUICE_EINVAL with the byte position in err on anything else. */
SLUICE_NODISCARD int sluice__rate_parse(const char *s, size_t n,
                                        struct sluice_rate *out,
                                        struct sluice_err *err);

/* One token bucket as a generic cell rate algorithm: a request conforms
 * at time t when t >= tat - tolerance; sending it moves tat to
 * max(tat, t) + interval. Exact with doubles: the instant next_send
 * returns is the very value the conformance test compares against. */
struct sluice_gcra {
    double interval;  /* seconds per request */
    double tolerance; /* (burst - 1) * interval */
    double tat;       /* theoretical arrival time; -1e300 when fresh */
};

/* A quota the server described (see sluice_rate_quota), tracked as a
 * conservative estimate of what is left. */
enum sluice_window_source {
    SLUICE_WINDOW_NONE,    /* unknown */
    SLUICE_WINDOW_ASSUMED, /* one hour: X-RateLimit-* said nothing more */
    SLUICE_WINDOW_RESETS,  /* the largest Reset seen so far */
    SLUICE_WINDOW_GIVEN    /* the server named it (w=) */
};
struct sluice_server_quota {
    enum sluice_rate_family family;
    char name[SLUICE_RATE_NAME_MAX];
    double limit;  /* requests per window; 0 unknown */
    double window; /* seconds; 0 unknown */
    enum sluice_window_source window_source;
    bool known;       /* whether `remaining` means anything */
    double remaining; /* estimate at `stamp`; may be negative (requests
                         in flight the server has not counted yet) */
    double stamp;
    double reset; /* monotonic instant of the next reset; < 0 unknown */
    struct sluice_gcra learned; /* pacing learned from limit/window */
    bool has_learned;
};

struct sluice_governor {
    struct sluice_gcra bucket[SLUICE_GOVERNOR_BUCKETS];
    struct sluice_rate rate[SLUICE_GOVERNOR_BUCKETS]; /* as configured */
    size_t n_buckets;
    double ceiling; /* the tightest configured rate, requests/s */
    unsigned members; /* workers sharing the job's budget (>= 1) */
    bool shared;      /* sluice__governor_share was called */
    struct sluice_server_quota quota[SLUICE_GOVERNOR_QUOTAS];
    size_t n_quotas;
    double blocked_until; /* Retry-After: nothing is sent before this */
    /* The rate learned from throttled answers (429 and `throttle`). */
    struct sluice_rate_learner learn;
    long throttle[SLUICE_GOVERNOR_THROTTLES];
    size_t n_throttle;

    unsigned max_concurrency;
    unsigned concurrency; /* the current limit, 1..max_concurrency */
    unsigned successes;   /* consecutive, since the last change */
    bool slow_start;      /* nothing throttled or cut yet: +1 per 2 oks */
    uint64_t seq;         /* tickets handed out */
    uint64_t cut_seq;     /* last ticket issued before the last cut */
    uint64_t in_flight;   /* taken and not yet answered */

    /* Counters for the report. */
    uint64_t responses_429;
    uint64_t cuts;
};

/* Seconds a second throttled round in a row (no success between, no
 * Retry-After, no quota at 0) holds every transfer; it doubles with each
 * further such round (rate_learn.h). */
#define SLUICE_GOVERNOR_429_PAUSE 1.0

/* Sets g up with `n` configured limits (copied) and the job's
 * concurrency (0 is taken as 1). SLUICE_EINVAL when n is above
 * SLUICE_GOVERNOR_BUCKETS or a limit is not positive. */
SLUICE_NODISCARD int sluice__governor_init(struct sluice_governor *g,
                                           const struct sluice_rate *limits,
                                           size_t n, unsigned concurrency,
                                           struct sluice_err *err);

/* Statuses besides 429 that mean "too fast" for this job (the job's
 * retry.throttle_statuses: GitHub and Salesforce throttle with 403):
 * they cut the learned rate as a 429 does. SLUICE_EINVAL past
 * SLUICE_GOVERNOR_THROTTLES or outside 400..599. */
SLUICE_NODISCARD int sluice__governor_throttles(struct sluice_governor *g,
                                                const long *statuses, size_t n,
                                                struct sluice_err *err);

/* Starts the learned rate from one remembered by an earlier run (requests
 * per second; ignored unless > 0). */
void sluice__governor_seed(struct sluice_governor *g, double rate, double now);

/* The learned rate (requests/s, 0 none), how it was learned, and the
 * estimate of the server's limit behind it (what a later run may start
 * from; 0 none). */
double sluice__governor_learned(const struct sluice_governor *g, double now,
                                enum sluice_learn_source *source,
                                double *estimate);

/* The earliest instant (>= now) at which a request may be sent: `now`
 * itself when one may go now. Ignores concurrency: check
 * in_flight < sluice__governor_concurrency() separately. May be far in
 * the future (a quota reset, a long Retry-After); the caller compares it
 * with retry.max_wait to decide that the quota is gone. */
double sluice__governor_next_send(const struct sluice_governor *g, double now);

/* Sends a request, if one may be sent at `now`: consumes a token from
 * every bucket and quota, counts it in flight and returns true with a
 * ticket to hand back to on_response. Returns false, changing nothing,
 * when next_send(now) > now. */
bool sluice__governor_take(struct sluice_governor *g, double now,
                           uint64_t *ticket);

/* Feeds back how the request with `ticket` ended. Call exactly once per
 * successful take, for every ending: answered (any status), failed at
 * the transport level (status 0), or abandoned (xfer
 * SLUICE_XFER_LOCAL). `h` (may be NULL) holds the final response's
 * headers. Effects: quotas corrected (never above what the server said),
 * limits learned, Retry-After honoured for any status >= 400, a throttled
 * answer (429, declared statuses) cutting the learned rate (and pausing
 * after rounds that let nothing through), AIMD for 503s and timeouts. */
void sluice__governor_on_response(struct sluice_governor *g, double now,
                                  double wall_now, uint64_t ticket, long status,
                                  enum sluice_xfer xfer,
                                  const struct sluice_rate_headers *h);

/* Shares the job's budget with the other workers of the job (a shared
 * ledger, docs/scale-out.md): this worker is one of `members` (0 is taken
 * as 1), so it paces at 1/members of every configured limit and of every
 * limit the server stated, and spends only its part of what a quota has
 * left (the server counts every worker's requests in one Remaining).
 * `blocked_until` (monotonic, like `now`; in the past for none) is a pause
 * another worker was given (a Retry-After, a throttled round): it holds
 * this worker too. Called again whenever the members change. */
void sluice__governor_share(struct sluice_governor *g, unsigned members,
                            double blocked_until);

/* Until when this worker holds every request because of what a server
 * answered (Retry-After, throttled rounds), for the other workers of the
 * job to hold too; in the past (possibly -inf-like) when nothing holds. */
double sluice__governor_blocked_until(const struct sluice_governor *g);

/* How many transfers may be in flight now (1..concurrency). */
unsigned sluice__governor_concurrency(const struct sluice_governor *g);

#endif
