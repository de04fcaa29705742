/* rate_learn.h: a request rate learned from outcomes alone, for servers
 * that throttle (429, or a status the job declares) without saying their
 * limit in any header. The governor owns one and paces by it as one more
 * token bucket (burst 1: evenly spaced), so the send path is unchanged.
 *
 * The curve is cubic, as TCP CUBIC's window: on a throttled round the rate
 * drops to beta times the best estimate of the limit (the lower of the
 * rate at the loss and what the server let through), holds there for
 * SLUICE_LEARN_HOLD seconds, then climbs back to the estimate along a
 * concave curve, flattens there (most of the time is spent within a few
 * percent of it) and only then probes above it, ever faster. It never
 * exceeds `ceiling` (the tightest configured rate_limit). Consecutive
 * throttled rounds with no success in between nor in the last second (a
 * fixed window used up) also pause every transfer, 1 s, 2 s, 4 s ... up
 * to 64 s.
 *
 * Pure like the governor: time comes in as `now`, nothing allocates, every
 * call is O(1) (bounded by the fixed ring of success counts).
 * docs/internals/governor.md, "Learning a rate no header states". */
#ifndef SLUICE_HTTP_RATE_LEARN_H
#define SLUICE_HTTP_RATE_LEARN_H

#include "util/common.h"

#define SLUICE_LEARN_BETA 0.85 /* the cut: the new rate / the estimate */
#define SLUICE_LEARN_HOLD 1.0  /* seconds at the cut rate before probing */
#define SLUICE_LEARN_K 3.0     /* seconds from the hold's end to the estimate */
#define SLUICE_LEARN_SLOTS 64  /* success counts kept ... */
#define SLUICE_LEARN_SLOT 0.25 /* ... per this many seconds (16 s) */
#define SLUICE_LEARN_MIN_RATE (1.0 / 3600) /* requests/s, never below */
#define SLUICE_LEARN_MAX_PAUSE 64.0

/* Where the learned rate came from, for the progress line and report. */
enum sluice_learn_source {
    SLUICE_LEARN_NONE,       /* nothing learned: no pacing of its own */
    SLUICE_LEARN_REMEMBERED, /* the ledger's rate from an earlier run */
    SLUICE_LEARN_THROTTLED   /* cut on a throttled answer in this run */
};

struct sluice_rate_learner {
    enum sluice_learn_source source;
    double ceiling;  /* configured limit in requests/s; INFINITY: none */
    double estimate; /* the limit as last estimated (CUBIC's w_max) */
    double epoch;    /* when growth starts (the hold's end) */
    double tat;      /* GCRA, burst 1 */
    uint64_t cut_seq; /* last ticket issued before the last cut */
    double cut_at;    /* when the last cut was made */
    double first_send;
    unsigned rounds;     /* throttled rounds in a row, no success between */
    uint64_t oks;        /* successful answers */
    uint64_t oks_at_cut; /* ... when the last cut was made */
    double pause_end;    /* the end of the last pause asked for */
    double sat_t;        /* the first throttled answer; FRESH before */
    uint64_t sat_ok;     /* oks then */
    /* Successful answers per SLUICE_LEARN_SLOT, ring; `slot` the index
     * (floor(now / SLOT)) of the newest. */
    uint32_t ok[SLUICE_LEARN_SLOTS];
    int64_t slot;
    uint64_t cuts; /* for the report */
};

/* No rate learned, paced by nothing; `ceiling` in requests/s (INFINITY
 * for none). */
void sluice__learn_init(struct sluice_rate_learner *l, double ceiling);

/* Starts from a rate remembered from an earlier run (> 0), a little below
 * it and climbing, as after a cut. */
void sluice__learn_seed(struct sluice_rate_learner *l, double rate,
                        double now);

/* The learned rate at `now` in requests/s; 0 when nothing is learned. */
double sluice__learn_rate(const struct sluice_rate_learner *l, double now);

/* The earliest instant >= now the learned bucket lets a request go. */
double sluice__learn_next(const struct sluice_rate_learner *l, double now);

/* A request goes at `now` (the governor checked next first). */
void sluice__learn_take(struct sluice_rate_learner *l, double now);

/* An answer to the request with `ticket` (`seq`: the last ticket issued):
 * `throttled` (429 or a declared status), or `ok` (2xx), or neither.
 * Returns how long every transfer must pause (0: none). */
double sluice__learn_answer(struct sluice_rate_learner *l, double now,
                            uint64_t ticket, uint64_t seq, bool throttled,
                            bool ok);

const char *sluice__learn_source_name(enum sluice_learn_source s);

#endif
