/* rate_learn.c: the learned request rate (see rate_learn.h).
 *
 * Why a rate and not only concurrency: when answers are fast, even one
 * transfer in flight can send hundreds of requests a second, so halving
 * concurrency does not bound the rate a server sees. Why a cubic curve:
 * after a cut it returns quickly to where the last loss was, then spends
 * most of its time flat just under it (few 429s, high throughput), and
 * probes above it only slowly at first, so a limit that rose is found too.
 *
 * The estimate at a cut is the lower of the rate we sent at and the rate
 * the server let through over the last second or more (successes counted
 * per quarter second): when we send faster than the limit, what gets
 * through is the limit (plus the server's burst, which the next cuts wear
 * off). Only one cut per round: answers to requests sent before the last
 * cut describe the rate that cut already corrected. */
#include "http/rate_learn.h"

#include <math.h>
#include <string.h>

#define FRESH (-1e300)
#define MAX_RATE 1e9
#define MAX_PROBE 2.0
#define LOOKBACK_OK 10
/* How far below the remembered rate a run starts (it climbs from there). */
#define SEED_FRACTION 0.95

void sluice__learn_init(struct sluice_rate_learner *l, double ceiling)
{
    memset(l, 0, sizeof *l);
    l->ceiling = ceiling > 0 ? ceiling : INFINITY;
    l->tat = FRESH;
    l->first_send = FRESH;
    l->cut_at = FRESH;
    l->slot = INT64_MIN;
    l->pause_end = FRESH;
    l->sat_t = FRESH;
}

/* The curve's constant: at the hold's end the rate is beta * estimate, K
 * seconds later it is the estimate again. */
static double curve_c(void)
{
    return (1 - SLUICE_LEARN_BETA) /
           (SLUICE_LEARN_K * SLUICE_LEARN_K * SLUICE_LEARN_K);
}

void sluice__learn_seed(struct sluice_rate_learner *l, double rate,
                        double now)
{
    if (!(rate > 0) || !isfinite(rate))
        return;
    if (rate > l->ceiling)
        rate = l->ceiling;
    l->source = SLUICE_LEARN_REMEMBERED;
    l->estimate = rate;
    /* Where the curve reads SEED_FRACTION * rate, climbing. */
    l->epoch = now - (SLUICE_LEARN_K - cbrt((1 - SEED_FRACTION) / curve_c()));
}

double sluice__learn_rate(const struct sluice_rate_learner *l, double now)
{
    if (l->source == SLUICE_LEARN_NONE)
        return 0;
    double t = now - l->epoch, r;
    if (t < 0) {
        r = SLUICE_LEARN_BETA * l->estimate;
    } else {
        double d = t - SLUICE_LEARN_K;
        r = l->estimate * (1 + curve_c() * d * d * d);
    }
    /* Probing goes up to twice the estimate: far enough to find a limit
     * that rose (the next cut then starts from it), not so far that a
     * long quiet spell turns into an unbounded burst. */
    if (r > MAX_PROBE * l->estimate)
        r = MAX_PROBE * l->estimate;
    if (r > l->ceiling)
        r = l->ceiling;
    if (!(r <= MAX_RATE))
        r = MAX_RATE;
    if (r < SLUICE_LEARN_MIN_RATE)
        r = SLUICE_LEARN_MIN_RATE;
    return r;
}

double sluice__learn_next(const struct sluice_rate_learner *l, double now)
{
    if (l->source == SLUICE_LEARN_NONE)
        return now;
    return l->tat > now ? l->tat : now;
}

void sluice__learn_take(struct sluice_rate_learner *l, double now)
{
    if (l->first_send == FRESH)
        l->first_send = now;
    if (l->source == SLUICE_LEARN_NONE)
        return;
    l->tat = (l->tat > now ? l->tat : now) + 1 / sluice__learn_rate(l, now);
}

static size_t ring(int64_t s)
{
    int64_t n = SLUICE_LEARN_SLOTS;
    return (size_t)(((s % n) + n) % n);
}

/* Moves the ring to the slot of `now`, clearing the slots passed over. */
static void advance(struct sluice_rate_learner *l, double now)
{
    int64_t s = (int64_t)floor(now / SLUICE_LEARN_SLOT);
    if (l->slot == INT64_MIN || s - l->slot >= SLUICE_LEARN_SLOTS) {
        memset(l->ok, 0, sizeof l->ok);
    } else {
        for (int64_t k = l->slot + 1; k <= s; k++)
            l->ok[ring(k)] = 0;
    }
    if (l->slot == INT64_MIN || s > l->slot)
        l->slot = s;
}

/* Successes answered from `from` to now (whole slots: may count up to a
 * slot more, which errs towards a higher estimate, never a lower one). */
static double ok_since(const struct sluice_rate_learner *l, double from)
{
    int64_t s = (int64_t)floor(from / SLUICE_LEARN_SLOT);
    if (s < l->slot - (SLUICE_LEARN_SLOTS - 1))
        s = l->slot - (SLUICE_LEARN_SLOTS - 1);
    double n = 0;
    for (; s <= l->slot; s++)
        n += l->ok[ring(s)];
    return n;
}

static double estimate_at_cut(const struct sluice_rate_learner *l,
                              double now)
{
    double cur = l->source == SLUICE_LEARN_NONE ? INFINITY
                                                : sluice__learn_rate(l, now);
    /* What got through lately: back from now, whole slots (so the span is
     * exactly the one counted), until at least a second and at least
     * LOOKBACK_OK successes (a few counts at a low rate say little), as
     * far as the ring goes, and never before the first send or the end of
     * a pause (which let nothing through to count). */
    double floor_t = l->first_send > l->pause_end ? l->first_send : l->pause_end;
    int64_t s = l->slot;
    double ok = 0, from = now;
    for (int k = 0; k < SLUICE_LEARN_SLOTS; k++, s--) {
        double start = (double)s * SLUICE_LEARN_SLOT;
        ok += l->ok[ring(s)];
        from = start;
        if (start <= floor_t) {
            from = floor_t;
            break;
        }
        if (now - start >= 1 && ok >= LOOKBACK_OK)
            break;
    }
    double span = now - from;
    /* Within a second of the first throttled answer, the slots would
     * still count the server's burst; what got through since that answer
     * (exactly counted) is what the server lets through when saturated. */
    if (l->sat_t != FRESH && now - l->sat_t < 1 &&
        l->oks - l->sat_ok >= 2) {
        ok = (double)(l->oks - l->sat_ok);
        span = now - l->sat_t;
    }
    if (span < 1e-3)
        span = 1e-3; /* an overestimate: the next rounds cut it down */
    double w = cur;
    if (ok > 0 && ok / span < w)
        w = ok / span;
    if (!isfinite(w))
        w = 1; /* throttled before anything got through: 1/s to start */
    return w;
}

double sluice__learn_answer(struct sluice_rate_learner *l, double now,
                            uint64_t ticket, uint64_t seq, bool throttled,
                            bool ok)
{
    advance(l, now);
    if (ok) {
        l->ok[ring(l->slot)]++;
        l->oks++;
    }
    if (!throttled || ticket <= l->cut_seq)
        return 0;
    double w = estimate_at_cut(l, now);
    if (l->sat_t == FRESH) {
        l->sat_t = now;
        l->sat_ok = l->oks;
    }
    if (w > l->ceiling)
        w = l->ceiling;
    l->estimate = w;
    l->source = SLUICE_LEARN_THROTTLED;
    l->epoch = now + SLUICE_LEARN_HOLD;
    l->cut_at = now;
    l->cut_seq = seq;
    l->cuts++;
    /* The cut rate takes over from the next send on. */
    if (l->tat < now)
        l->tat = now;
    /* Rounds in a row with nothing let through since the last cut nor in
     * the last second: the server lets nothing through at any rate (a
     * used-up window); a pause, doubling, spares it the requests. */
    bool none = l->oks == l->oks_at_cut && ok_since(l, now - 1) == 0;
    l->rounds = none ? l->rounds + 1 : 1;
    l->oks_at_cut = l->oks;
    if (l->rounds < 2)
        return 0; /* the cut is the answer; a pause would waste the limit */
    double pause = ldexp(1.0, (int)(l->rounds < 9 ? l->rounds - 2 : 7));
    if (pause > SLUICE_LEARN_MAX_PAUSE)
        pause = SLUICE_LEARN_MAX_PAUSE;
    l->pause_end = now + pause;
    l->epoch = l->pause_end + SLUICE_LEARN_HOLD; /* no growth meanwhile */
    return pause;
}

const char *sluice__learn_source_name(enum sluice_learn_source s)
{
    switch (s) {
    case SLUICE_LEARN_REMEMBERED:
        return "remembered";
    case SLUICE_LEARN_THROTTLED:
        return "throttled";
    case SLUICE_LEARN_NONE:
        break;
    }
    return "none";
}
