/* run_plan.c: which partitions a run pulls, and in what order. The plan
 * is decided once, before the first request (a bit per partition of the
 * job's plan: due or not), so the progress line knows the total and each
 * partition is judged exactly once; the run then hands the due ones out in
 * index order (each group's windows in turn, plan/partition.h). What makes
 * a partition due (the ledger, its file) is the caller's business: the
 * walk asks it one by one. --window and --partition narrow the walk to
 * the groups and windows they select, without looking at the others. */
#include <string.h>

#include "pipeline/run.h"

void sluice__run_plan_init(struct run_plan *p, size_t count, size_t per_group,
                           size_t limit)
{
    memset(p, 0, sizeof *p);
    p->count = count;
    p->per_group = per_group ? per_group : 1;
    p->limit = limit;
    p->sel.any_group = p->sel.any_window = true;
}

void sluice__run_plan_cleanup(struct run_plan *p)
{
    sluice__free(p->due);
    p->due = NULL;
    sluice__free(p->queue);
    p->queue = NULL;
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
    if (!windows) {
        sluice__err_set(err, "--window %s: the job has no windows (select "
                        "a partition with --partition KEY)", when);
        return SLUICE_EJOB;
    }
    size_t lo = sluice__window_first_ending_after(windows, p->per_group, t);
    struct sluice_window w;
    if (lo < p->per_group)
        sluice__window_at(windows, lo, &w);
    if (lo >= p->per_group || w.start > t) {
        sluice__err_set(err, "--window %s: no window of the job holds it",
                        when);
        return SLUICE_EJOB;
    }
    p->single = true;
    p->sel.any_window = false;
    p->sel.window = lo;
    return SLUICE_OK;
}

int sluice__run_plan_select_partition(struct run_plan *p,
                                      const struct sluice_part_spec *parts,
                                      const char *key, struct sluice_err *err)
{
    struct sluice_part_select sel;
    int rc = sluice__part_select(parts, key, (int64_t)sluice__wall_now(), &sel,
                                 err);
    if (rc != SLUICE_OK)
        return rc;
    if (!p->sel.any_window && !sel.any_window && sel.window != p->sel.window) {
        sluice__err_set(err, "--partition %s and --window name different "
                        "windows", key);
        return SLUICE_EJOB;
    }
    p->single = true;
    if (!sel.any_group) {
        p->sel.any_group = false;
        p->sel.group = sel.group;
    }
    if (!sel.any_window) {
        p->sel.any_window = false;
        p->sel.window = sel.window;
    }
    return SLUICE_OK;
}

int sluice__run_plan_build(struct run_plan *p, sluice_run_due_fn is_due,
                           void *ud, size_t *skipped, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    if (!p->due)
        p->due = sluice__calloc(p->count / 8 + 1, 1);
    SLUICE_FAIL_IF(!p->due, SLUICE_ENOMEM, err, "out of memory");
    /* A claiming run's due partitions come from its claims. */
    if (p->claiming)
        goto out;
    size_t groups = p->count / p->per_group;
    /* --window, --partition: only what they select, no walk over the
     * rest of the plan. */
    size_t g0 = p->sel.any_group ? 0 : p->sel.group;
    size_t g1 = p->sel.any_group ? groups : p->sel.group + 1;
    size_t w0 = p->sel.any_window ? 0 : p->sel.window;
    size_t w1 = p->sel.any_window ? p->per_group : p->sel.window + 1;
    p->due_begin = p->due_end = g0 * p->per_group + w0;
    for (size_t g = g0; g < g1; g++) {
        for (size_t w = w0; w < w1; w++) {
            if (p->limit && p->due_total >= p->limit)
                goto out;
            size_t i = g * p->per_group + w;
            bool due = false;
            SLUICE_TRY(is_due(ud, i, &due, err));
            if (due) {
                p->due[i / 8] |= (uint8_t)(1u << (i % 8));
                p->due_total++;
            } else {
                (*skipped)++;
            }
            p->due_end = i + 1;
        }
    }
out:
    return rc;
}

bool sluice__run_plan_is_due(const struct run_plan *p, size_t i)
{
    return p->due && i < p->count && (p->due[i / 8] & (1u << (i % 8)));
}

int sluice__run_plan_push(struct run_plan *p, size_t index)
{
    if (!p->due || index >= p->count)
        return SLUICE_EINVAL;
    if (p->q_head == p->q_n)
        p->q_head = p->q_n = 0;
    size_t *q = sluice__grow(p->queue, &p->q_cap, p->q_n + 1, sizeof *q, 16);
    if (!q)
        return SLUICE_ENOMEM;
    p->queue = q;
    q[p->q_n++] = index;
    p->due[index / 8] |= (uint8_t)(1u << (index % 8));
    p->due_total++;
    if (index < p->due_begin || p->due_begin == p->due_end)
        p->due_begin = index;
    if (index >= p->due_end)
        p->due_end = index + 1;
    return SLUICE_OK;
}

double sluice__run_plan_wake(const struct run_plan *p)
{
    return p->claiming && p->q_head == p->q_n && p->claim_more ? p->claim_wake
                                                                : 0;
}

bool sluice__run_plan_next(struct run_plan *p, size_t *index)
{
    if (p->claiming) {
        if (p->q_head == p->q_n && p->claim_more && p->claim)
            p->claim(p->claim_ud);
        if (p->q_head == p->q_n)
            return false;
        *index = p->queue[p->q_head++];
        p->selected++;
        return true;
    }
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

bool sluice__run_plan_queued(const struct run_plan *p)
{
    if (p->claiming)
        return p->q_head < p->q_n;
    return p->selected < p->due_total;
}

bool sluice__run_plan_left(const struct run_plan *p)
{
    if (p->claiming)
        return p->q_head < p->q_n || p->claim_more;
    return p->selected < p->due_total;
}
