/* run_plan.c: which windows a run pulls, and in what order. The plan is
 * decided once, before the first request (a bit per window of the job's
 * plan: due or not), so the progress line knows the total and each window
 * is judged exactly once; the run then hands the due windows out in index
 * order. What makes a window due (the ledger, its file) is the caller's
 * business: the walk asks it window by window. */
#include <string.h>

#include "pipeline/run.h"

void sluice__run_plan_init(struct run_plan *p, size_t count, size_t limit)
{
    memset(p, 0, sizeof *p);
    p->count = count;
    p->limit = limit;
}

void sluice__run_plan_cleanup(struct run_plan *p)
{
    sluice__free(p->due);
    p->due = NULL;
}

int sluice__run_plan_select_single(struct run_plan *p,
                                   const struct sluice_window_spec *windows,
                                   const char *when, struct sluice_err *err)
{
    int64_t t = 0;
    bool has_time = false;
    int rc = sluice__time_bound_parse(when, (int64_t)sluice__wall_now(), &t,
                                      &has_time, err);
    if (rc != SLUICE_OK) {
        sluice__err_prefix(err, "--window");
        return SLUICE_EJOB;
    }
    size_t lo = sluice__window_first_ending_after(windows, p->count, t);
    struct sluice_window w;
    if (lo < p->count)
        sluice__window_at(windows, lo, &w);
    if (lo >= p->count || w.start > t) {
        sluice__err_set(err, "--window %s: no window of the job holds it",
                        when);
        return SLUICE_EJOB;
    }
    p->single = true;
    p->single_index = lo;
    return SLUICE_OK;
}

int sluice__run_plan_build(struct run_plan *p, sluice_run_due_fn is_due,
                           void *ud, size_t *skipped, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    p->due = sluice__calloc(p->count / 8 + 1, 1);
    SLUICE_FAIL_IF(!p->due, SLUICE_ENOMEM, err, "out of memory");
    /* --window: one window, no walk over the plan. */
    size_t i = p->single ? p->single_index : 0;
    p->due_begin = i;
    for (; i < p->count; i++) {
        if ((p->limit && p->due_total >= p->limit) ||
            (p->single && i > p->single_index))
            break;
        bool due = false;
        SLUICE_TRY(is_due(ud, i, &due, err));
        if (due) {
            p->due[i / 8] |= (uint8_t)(1u << (i % 8));
            p->due_total++;
        } else {
            (*skipped)++;
        }
    }
    p->due_end = i < p->count ? i : p->count;
out:
    return rc;
}

bool sluice__run_plan_is_due(const struct run_plan *p, size_t i)
{
    return p->due && i < p->count && (p->due[i / 8] & (1u << (i % 8)));
}

bool sluice__run_plan_next(struct run_plan *p, size_t *index)
{
    /* Past the last due window there is nothing to find: with --limit the
     * rest of a long plan is never walked. */
    while (p->selected < p->due_total && p->next < p->count) {
        size_t i = p->next++;
        if (p->due[i / 8] & (1u << (i % 8))) {
            p->selected++;
            *index = i;
            return true;
        }
    }
    return false;
}

bool sluice__run_plan_left(const struct run_plan *p)
{
    return p->selected < p->due_total;
}
