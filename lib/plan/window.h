/* window.h: date windows, the partitions of a date-ranged job.
 *
 * Times are seconds since 1970-01-01T00:00:00Z (UTC throughout). A job
 * gives `from`, `to` and a `step`. Windows start at `from` and every step
 * after it; each ends where the next starts, the last one clipped to the
 * end of the range. The range's end is the day after `to` when `to` is a
 * date (so `to` is the last day pulled, inclusive) and `to` itself when
 * `to` carries a time of day.
 *
 * Month steps count from `from`'s day of month, clamped to each month's
 * length (from 2020-01-31 by 1 month: 01-31, 02-29, 03-31, 04-30, ...),
 * so they never drift. */
#ifndef SLUICE_PLAN_WINDOW_H
#define SLUICE_PLAN_WINDOW_H

#include "util/common.h"

enum sluice_step_unit {
    SLUICE_STEP_HOURS,
    SLUICE_STEP_DAYS,   /* weeks are parsed as 7 days */
    SLUICE_STEP_MONTHS
};

struct sluice_step {
    enum sluice_step_unit unit;
    int64_t count; /* >= 1 */
};

struct sluice_window_spec {
    int64_t from;      /* first instant */
    int64_t end;       /* exclusive end of the whole range */
    struct sluice_step step;
};

struct sluice_window {
    size_t index;      /* 0-based position in the plan (of partitions, when
                          the job has other dimensions: plan/partition.h) */
    int64_t start;     /* first instant in the window */
    int64_t end_excl;  /* first instant after it (the next window's start) */
    int64_t end;       /* last day (day/month steps: midnight of the last
                          day the window touches, end_excl - 1 day when
                          aligned to midnight) or last second (hour steps:
                          end_excl - 1): what NeoWs calls end_date */
    size_t group;      /* which combination of the job's other dimensions'
                          values (plan/partition.h); 0 when there are none */
};

/* Parses "7d", "1w", "2weeks", "1mo", "3months", "6h", "1 day", "1y" (12
 * months), ... into a step; units are case-insensitive, a count is 1 to
 * 1000000 units. "m" is refused as ambiguous (minutes or months). Returns
 * SLUICE_EJOB with a message (naming the text) on error. */
SLUICE_NODISCARD int sluice__step_parse(const char *s, struct sluice_step *out,
                                        struct sluice_err *err);

/* Parses a range bound: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z]", "today"
 * or "yesterday" (relative to `now`, UTC; these count as dates). Fields
 * are strictly zero-padded, years 0001..9999. *has_time tells whether a
 * time of day was given. SLUICE_EJOB on error (invalid dates like
 * 2021-02-29 included), the message naming the text and byte. */
SLUICE_NODISCARD int sluice__time_bound_parse(const char *s, int64_t now,
                                              int64_t *out, bool *has_time,
                                              struct sluice_err *err);

/* Builds the spec from parsed parts; `to_has_time` decides whether `to` is
 * inclusive (a date) or exclusive (a time). SLUICE_EJOB if the range is
 * empty (from after to). */
SLUICE_NODISCARD int sluice__window_spec_make(int64_t from, int64_t to,
                                              bool to_has_time,
                                              struct sluice_step step,
                                              struct sluice_window_spec *out,
                                              struct sluice_err *err);

/* Number of windows in the spec. O(1): windows are never materialised. */
size_t sluice__window_count(const struct sluice_window_spec *spec);
/* The i-th window (i < count). O(1). */
void sluice__window_at(const struct sluice_window_spec *spec, size_t i,
                       struct sluice_window *out);

/* The index of the first of the first `count` windows whose end is after
 * t (count when none): a binary search, windows being in time order. The
 * window holding instant t, if any, is that one. */
size_t sluice__window_first_ending_after(const struct sluice_window_spec *spec,
                                         size_t count, int64_t t);

#endif
