/* partition.h: a job's partitions, the product of its dimensions: lists of
 * values (`partitions: {values: [...], as: region}`, or one value a line
 * of a file), integer ranges cut in steps (`{range: {from, to, step}, as:
 * [lo, hi]}`) and the date windows (plan/window.h), in that order: the
 * other dimensions in the order the job lists them, each value of the
 * first with every value of the next, and the windows innermost. So with
 * regions [us, eu] and weekly windows the plan is us's weeks, then eu's.
 * A job with no dimension at all has one partition.
 *
 * Nothing is materialised beyond the value lists: partition i is
 * arithmetic on i. Partition i has group i / W (the combination of the
 * other dimensions' values) and window i % W (W the number of windows, 1
 * when the job has none).
 *
 * Every partition has a key, stable across runs, readable and safe as a
 * path: the other dimensions' components, then the window's start, joined
 * by '/': "region=eu-west/2020-01-06", "lo=1,hi=1000", "2020-01-06" for a
 * job of date windows only, "all" for a job with no dimension. A value's
 * bytes other than letters, digits, '.', '_', '~' and '-' are written
 * %XX (so '/', '=', ',' and '%' in a value never split a key), and a
 * component always starts with its name, so none is "." or "..". The
 * window's start is formatted as {start} is by default (%Y-%m-%d, or
 * %Y-%m-%dT%H:%M:%SZ for hour steps). The ledger keeps a key as two
 * halves, the group part (everything before the date, "" without other
 * dimensions) and the window's start instant. */
#ifndef SLUICE_PLAN_PARTITION_H
#define SLUICE_PLAN_PARTITION_H

#include "plan/window.h"
#include "util/buf.h"

/* At most this many partitions in a plan with other dimensions (a bit
 * each while a run decides what is due). A plan of windows alone is not
 * bound by it. */
#define SLUICE_PART_MAX 100000000u
/* A value of a list, in bytes. */
#define SLUICE_PART_VALUE_MAX 1024u

enum sluice_dim_kind { SLUICE_DIM_VALUES, SLUICE_DIM_RANGE };

struct sluice_part_dim {
    enum sluice_dim_kind kind;
    char *names[2]; /* `as`: one name (values), two (range: lo, hi) */
    size_t n_names;
    char **values; /* SLUICE_DIM_VALUES: distinct, non-empty */
    size_t n_values;
    int64_t from, to, step; /* SLUICE_DIM_RANGE: from <= to, step >= 1 */
    size_t count;           /* values, or ranges */
    /* Fan-out (`{from_resource: R, path: P, as: x}`): a values dimension
     * whose list is filled at run time from resource R's records
     * (pipeline/fanout.c); no values until then. NULL otherwise. */
    char *from_resource;
    char *from_path;
};

struct sluice_part_spec {
    struct sluice_part_dim *dims; /* the job's order */
    size_t n_dims;
    size_t groups; /* product of the dims' counts; 1 when none */
    /* The date windows, NULL when the job has none (borrowed: the job's). */
    const struct sluice_window_spec *windows;
    /* The resource of a job with `resources:` (borrowed: the job's); NULL
     * for a job without, whose keys are as they always were. Its keys
     * then start with "resource=<name>", so that two resources' partitions
     * never share one in the job's ledger. */
    const char *resource;
};

/* Ranges of a range dimension: ceil((to - from + 1) / step), the last one
 * shorter when the step does not divide the span. */
size_t sluice__part_range_count(int64_t from, int64_t to, int64_t step);
/* Range k (k < count): [lo, hi], both inclusive. */
void sluice__part_range_at(int64_t from, int64_t to, int64_t step, size_t k,
                           int64_t *lo, int64_t *hi);

/* Windows per group: the windows' count, 1 when there are none. */
size_t sluice__part_windows(const struct sluice_part_spec *p);
/* Partitions in the plan: groups x windows (0 when the windows are). */
size_t sluice__part_count(const struct sluice_part_spec *p);
/* Partition i (< count): its window (zero instants when the job has
 * none), w.index = i and w.group. */
void sluice__part_at(const struct sluice_part_spec *p, size_t i,
                     struct sluice_window *out);

/* The value of placeholder `name` for `group`, appended to out as text
 * (a range bound in decimal). *found false when no dimension has it. */
SLUICE_NODISCARD int sluice__part_value(const struct sluice_part_spec *p,
                                        size_t group, const char *name,
                                        size_t name_n, struct sluice_buf *out,
                                        bool *found);
/* Whether some dimension declares `name`. */
bool sluice__part_has_name(const struct sluice_part_spec *p, const char *name,
                           size_t name_n);

/* Appends `s` escaped as in a key (bytes other than A-Z a-z 0-9 . _ ~ -
 * as %XX, upper-case hex). */
SLUICE_NODISCARD int sluice__part_escape(const char *s, size_t n,
                                         struct sluice_buf *out);
/* The group half of a key ("region=eu-west/zone=a", "" without other
 * dimensions), appended to out; "resource=R/region=eu-west" (or
 * "resource=R") for a resource of a job with `resources:`. */
SLUICE_NODISCARD int sluice__part_group_key(const struct sluice_part_spec *p,
                                            size_t group,
                                            struct sluice_buf *out);
/* The whole key of window w (as sluice__part_at gives it). */
SLUICE_NODISCARD int sluice__part_key(const struct sluice_part_spec *p,
                                      const struct sluice_window *w,
                                      struct sluice_buf *out);

/* What `--partition KEY` selects: one group or all (any_group), one
 * window or all (any_window). A key is the group's components (all of
 * them, in order) then, for a job with windows, optionally a date or
 * instant inside a window, as --window takes it; "all" for a job with no
 * dimension. SLUICE_EJOB with a message naming the part of KEY that
 * matches nothing. `now` is for "today". */
struct sluice_part_select {
    bool any_group, any_window;
    size_t group, window;
};
SLUICE_NODISCARD int sluice__part_select(const struct sluice_part_spec *p,
                                         const char *key, int64_t now,
                                         struct sluice_part_select *out,
                                         struct sluice_err *err);

#endif
