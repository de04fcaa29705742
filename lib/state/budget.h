/* budget.h: the job's rate budget shared by its workers over a shared
 * PostgreSQL ledger (docs/scale-out.md). The API's limit is the job's, not
 * each worker's: every worker says four times a second that it is alive, and
 * learns how many workers share the budget now; its governor then paces
 * at its part (sluice__governor_share). A pause one worker was given (a
 * Retry-After, a throttled round) is published with it, and holds every
 * worker at their next refresh.
 *
 * Why parts, not a shared bucket taken per request: one round trip per
 * request (an UPDATE … RETURNING on a bucket row) serialises every worker
 * of the job on one row lock and costs a round trip per request; a part
 * costs four round trips per worker per second whatever the rate, and the
 * parts together keep the limit and its burst exactly while the members
 * do not change (docs/scale-out.md has both measured).
 *
 * Times are the database server's clock (clock_timestamp()), exchanged as
 * seconds from now, so that workers on machines whose clocks disagree
 * still agree on a pause. One connection per budget, its own: the ledger's
 * connection is the committer's. One thread at a time. */
#ifndef SLUICE_STATE_BUDGET_H
#define SLUICE_STATE_BUDGET_H

#include <stdbool.h>

#include "util/common.h"

/* A worker that has not refreshed for this long is gone (killed): its
 * part returns to the others. */
#define SLUICE_BUDGET_STALE 1.5
/* How often a worker refreshes, in seconds. */
#define SLUICE_BUDGET_REFRESH 0.25

struct sluice_budget;

/* Connects to `conninfo` (a libpq connection string or postgresql:// URL;
 * a secret, never in a message) and joins the budget of job `job` as a
 * new member; creates the table on first use. */
SLUICE_NODISCARD int sluice__budget_open(const char *conninfo,
                                         const char *job,
                                         struct sluice_budget **out,
                                         struct sluice_err *err);

/* One round trip: says this member is alive, whether it is `active`
 * (has requests to send: a worker waiting for other workers' leases is
 * not, and takes no part of the budget from them), and paused for
 * `my_pause` seconds from now (<= 0: not paused); learns how many active
 * members share the budget (itself counted) and the longest pause any
 * member published, in seconds from now (0 when none). A connection found
 * lost is made again once. */
SLUICE_NODISCARD int sluice__budget_refresh(struct sluice_budget *b,
                                            bool active, double my_pause,
                                            unsigned *members, double *pause,
                                            struct sluice_err *err);

/* Leaves the budget (its part returns to the others at once) and
 * disconnects. NULL is fine. */
void sluice__budget_close(struct sluice_budget *b);

#endif
