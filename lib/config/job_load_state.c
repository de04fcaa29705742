/* job_load_state.c: a shared ledger. `state: postgresql://...` (or
 * postgres://, or a libpq "host=... dbname=..." string marked by its
 * scheme only) puts the job's ledger in PostgreSQL, where any number of
 * workers of the job claim its partitions under leases
 * (docs/scale-out.md). The connection string is a secret wherever its
 * password stands, as output.postgres's is, so no message, report or
 * ledger row shows it. `state_lease` is a claim's lease: a worker renews
 * its claims every third of it while it pulls, and a dead worker's claims
 * go back to the pool once it ran out. */
#include <string.h>

#include "config/loader.h"

#define LEASE_DEFAULT_MS 30000 /* a dead worker's claims return within 30 s */
#define LEASE_MIN_MS 1000

static bool is_pg_url(const char *s)
{
    return !strncmp(s, "postgresql://", 13) || !strncmp(s, "postgres://", 11);
}

int sluice__cfg_load_state_shared(struct loader *L,
                                  const struct sluice_ynode *node)
{
    struct sluice_job *job = L->job;
    int rc = SLUICE_OK;
    const struct sluice_ynode *lease_n = sluice__ynode_get(L->root,
                                                           "state_lease");
    job->state_lease_ms = LEASE_DEFAULT_MS;
    if (job->state_path && is_pg_url(job->state_path)) {
        job->state_shared = true;
        SLUICE_TRY(sluice__cfg_conninfo_secrets(L, &node->mark, "state",
                                                job->state_path));
    }
    if (!lease_n)
        goto out;
    if (!job->state_shared) {
        rc = sluice__cfg_fail(L, &lease_n->mark, "state_lease",
                              "is the lease of a shared ledger's claims, and "
                              "this job's state is not shared (state: "
                              "postgresql://...)");
        goto out;
    }
    SLUICE_TRY(sluice__cfg_opt_duration(L, L->root, "state_lease", "",
                                        LEASE_MIN_MS, &job->state_lease_ms));
out:
    return rc;
}
