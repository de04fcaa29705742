/* run_budget.c: the run's part of its job's shared rate budget (state/
 * budget.h, docs/scale-out.md). With a shared ledger, several workers pull
 * one job at once, and the API's limit is the job's: four times a second the
 * loop says this worker is alive, publishes any pause its governor was
 * given, and tells its governor how many workers share the budget now and
 * the longest pause any of them was given. Without a shared ledger,
 * nothing here runs and the governor is the job's alone. */
#include <math.h>
#include <stdio.h>

#include "pipeline/run.h"
#include "state/budget.h"

int sluice__run_budget_open(struct run *r, const char *conninfo,
                            struct sluice_err *err)
{
    int rc = SLUICE_OK;
    if (!conninfo)
        return SLUICE_OK;
    SLUICE_TRY(sluice__budget_open(conninfo, r->job->name, &r->budget.b, err));
    /* Before the first request: a worker that joins a running job must
     * not start at the whole budget. */
    double now = sluice__now();
    sluice__run_budget_tick(r, now);
    SLUICE_FAIL_IF(r->budget.failed, SLUICE_ESTATE, err, "%s",
                   r->budget.msg);
    /* Nor at its part before the others have made room for it: each of
     * them sees it at its next refresh, at most one period from now. Even
     * one that sees nobody waits: others starting at the same instant
     * could not see it yet, nor it them, and all would start at the
     * whole budget. One period (SLUICE_BUDGET_REFRESH) at the start of a
     * run is the price. */
    sluice__governor_share(&r->gov, r->budget.members,
                           now + SLUICE_BUDGET_REFRESH);
out:
    return rc;
}

void sluice__run_budget_tick(struct run *r, double now)
{
    struct run_budget *rb = &r->budget;
    if (!rb->b || now < rb->next_refresh)
        return;
    rb->next_refresh = now + SLUICE_BUDGET_REFRESH;
    double mine = sluice__governor_blocked_until(&r->gov) - now;
    unsigned members = 0;
    double pause = 0;
    struct sluice_err err = {{0}};
    /* A worker with nothing to send (waiting for other workers' leases)
     * leaves its part to those that have. */
    bool active = sluice__run_plan_queued(&r->plan);
    for (size_t i = 0; r->slots && i < r->n_slots && !active; i++)
        active = r->slots[i].state != SLOT_IDLE;
    if (sluice__budget_refresh(rb->b, active, mine, &members, &pause,
                               &err) != SLUICE_OK) {
        /* The others cannot be seen: keep the last part (a part too
         * large for a moment costs a 429 the retries absorb; the ledger,
         * on the same server, decides whether the run goes on). */
        if (!rb->failed)
            SLUICE_LOG(&r->log, SLUICE_LOG_WARN, "%s", err.msg);
        rb->failed = true;
        snprintf(rb->msg, sizeof rb->msg, "%s", err.msg);
        return;
    }
    if (rb->failed)
        SLUICE_LOG(&r->log, SLUICE_LOG_INFO, "shared rate budget: back");
    rb->failed = false;
    if (members != rb->members)
        SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
                   "shared rate budget: %u worker%s, this one paces at 1/%u",
                   members, members == 1 ? "" : "s", members);
    rb->members = members;
    sluice__governor_share(&r->gov, members, pause > 0 ? now + pause : -1);
}

double sluice__run_budget_next(const struct run *r)
{
    return r->budget.b ? r->budget.next_refresh : INFINITY;
}

void sluice__run_budget_close(struct run *r)
{
    sluice__budget_close(r->budget.b);
    r->budget.b = NULL;
}
