/* claims.c: the calls only a shared ledger answers (ledger.h, "a shared
 * ledger: claims under leases"): seeding the plan, claiming partitions
 * under leases, renewing them. A SQLite ledger has one run at a time under
 * its lock, so it has no claims: these refuse it. The mechanism is in
 * pg_ledger.c; docs/scale-out.md tells the model. */
#include "state/ledger_int.h"

static int sqlite_has_none(struct sluice_ledger *l, struct sluice_err *err)
{
    sluice__err_set(err, "ledger %s: claims need a shared ledger (state: "
                    "postgresql://...)", l->path);
    return SLUICE_EINVAL;
}

bool sluice__ledger_shared(const struct sluice_ledger *l)
{
    return l && l->pg;
}

const char *sluice__ledger_worker(const struct sluice_ledger *l)
{
    return sluice__pgl_worker(l);
}

int sluice__ledger_seed(struct sluice_ledger *l,
                        const struct sluice_ledger_seed *s, size_t n,
                        struct sluice_err *err)
{
    if (!l->pg)
        return sqlite_has_none(l, err);
    return n ? sluice__pgl_seed(l, s, n, err) : SLUICE_OK;
}

int sluice__ledger_claim(struct sluice_ledger *l,
                         const struct sluice_ledger_claim_opts *o,
                         struct sluice_ledger_claim **out, size_t *n,
                         int64_t *wait_until, struct sluice_err *err)
{
    *out = NULL;
    *n = 0;
    *wait_until = 0;
    if (!l->pg)
        return sqlite_has_none(l, err);
    return sluice__pgl_claim(l, o, out, n, wait_until, err);
}

void sluice__ledger_claims_free(struct sluice_ledger_claim *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        sluice__free(v[i].part);
    sluice__free(v);
}

int sluice__ledger_renew(struct sluice_ledger *l, size_t *renewed,
                         struct sluice_err *err)
{
    if (renewed)
        *renewed = 0;
    if (!l->pg)
        return sqlite_has_none(l, err);
    return sluice__pgl_renew(l, renewed, err);
}
