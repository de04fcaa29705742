/* run_worker.c: a run on a shared ledger (state: postgresql://...), and
 * --shard I/N (docs/scale-out.md).
 *
 * On a shared ledger many runs of one job live at once, so no walk over
 * the ledger can say what is due: a partition is this run's only once it
 * claimed it. The run first seeds the plan (every planned partition gets
 * a row, idempotently: any worker may be first), then claims in small
 * batches (a slot's worth) as its slots free up, pulls what it claimed,
 * and renews its leases every third of a lease while it pulls (the
 * heartbeat, from the run loop). The mark of a partition's outcome
 * releases its lease in the same statement, after the output is complete
 * (the publication order of every run). When nothing is free to claim, a
 * --worker run waits for the leases other workers hold, looking again at
 * the earliest expiry but at most WAIT_MAX apart, since a dead worker's
 * partitions come back then, and a live one's last partitions are marked
 * done any moment (a look is one statement; a second between looks was
 * up to a second of every job's end); it ends when the pool is empty. A plain run
 * on a shared ledger ends as soon as nothing is free.
 *
 * --shard I/N keeps the partitions whose key hashes (FNV-1a of the group
 * key and the window's start) to I modulo N: a static split that needs no
 * coordination, for engines that start N indexed copies. On a SQLite
 * ledger each shard keeps its own ledger file (run_ledger.c), so the N
 * runs never contend for one lock. */
#include <dirent.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/run.h"
#include "pipeline/window_io.h"
#include "util/fs.h"

#define SEED_BATCH 2000
#define WAIT_MIN 0.05 /* seconds between claims while others hold leases */
#define WAIT_MAX 0.25

static uint32_t shard_hash(const char *group_key, int64_t start)
{
    char num[32];
    uint32_t h = 2166136261u;
    for (const char *c = group_key; *c; c++)
        h = (h ^ (uint8_t)*c) * 16777619u;
    h = (h ^ 0x1f) * 16777619u;
    snprintf(num, sizeof num, "%lld", (long long)start);
    for (const char *c = num; *c; c++)
        h = (h ^ (uint8_t)*c) * 16777619u;
    return h;
}

uint32_t sluice__run_shard_of(const struct sluice_job *job, size_t i)
{
    struct sluice_window w;
    struct sluice_buf key;
    sluice__buf_init(&key, 1 << 16);
    sluice__part_at(&job->parts, i, &w);
    /* A key too long for the buffer hashes by what it holds: the same in
     * every process, which is all a shard needs. */
    int krc = sluice__part_group_key(&job->parts, w.group, &key);
    (void)krc;
    uint32_t h = shard_hash(sluice__buf_str(&key), w.start);
    sluice__buf_cleanup(&key);
    return h;
}

bool sluice__run_shard_mine(struct run *r, size_t i)
{
    const struct sluice_run_opts *o = r->opts;
    if (!o || o->shard_count == 0)
        return true;
    return sluice__run_shard_of(r->job, i) % o->shard_count == o->shard_index;
}

static bool stopping(struct run *r)
{
    return atomic_load(&r->handle->cancel) || r->quota_gone ||
           r->auth.failed || r->ledger.lost || r->s3_refused ||
           r->dest_refused;
}

static void lose(struct run *r, const struct sluice_err *why)
{
    if (!r->ledger.lost)
        snprintf(r->ledger.lost_msg, sizeof r->ledger.lost_msg, "%s",
                 why->msg);
    r->ledger.lost = true;
    r->plan.claim_more = false;
}

/* The plan index of a claimed partition; false when today's plan has no
 * such partition (a group removed, a window beyond a moved `to`). */
static bool claim_index(struct run *r, const struct sluice_ledger_claim *c,
                        size_t *index)
{
    const struct sluice_part_spec *p = &r->job->parts;
    size_t nw = r->plan.per_group, group = 0, i = 0;
    if (p->n_dims) {
        struct sluice_part_select sel;
        struct sluice_err ignored;
        if (sluice__part_select(p, c->part, 0, &sel, &ignored) != SLUICE_OK ||
            sel.any_group)
            return false;
        group = sel.group;
    } else if (*c->part) {
        return false;
    }
    if (r->job->has_windows) {
        i = sluice__window_first_ending_after(&r->job->windows, nw, c->start);
        if (i >= nw)
            return false;
    }
    struct sluice_window w;
    sluice__part_at(p, group * nw + i, &w);
    if (w.start != c->start || group * nw + i >= r->plan.count)
        return false;
    *index = group * nw + i;
    return true;
}

/* A claimed row the plan does not have fails, with the reason, so that
 * it leaves the pool instead of coming back at every lease's end. */
static void refuse_claim(struct run *r, const struct sluice_ledger_claim *c)
{
    struct sluice_err lerr;
    struct sluice_ledger_attempt a = {0};
    a.start = c->start;
    a.end_excl = c->end_excl;
    a.error = "the job's plan has no such partition any more";
    r->ledger.group_set = false;
    if (sluice__ledger_use_part(r->ledger.db, c->part, &lerr) != SLUICE_OK ||
        sluice__ledger_mark_failed(r->ledger.db, &a, &lerr) != SLUICE_OK)
        lose(r, &lerr);
    r->ledger.group_set = false;
}

/* A partition just claimed is this worker's alone (its lease): the
 * temporary files of its output that another worker of the job left (one
 * killed mid-write, on any machine sharing the folder) are removed here.
 * The run's sweep cannot do it on a shared ledger: other writers live and
 * their pids mean nothing on this machine. */
static void sweep_claimed(struct run *r, size_t index)
{
    const struct sluice_job *job = r->job;
    struct sluice_window w;
    struct sluice_buf path, prefix;
    struct sluice_err ignored;
    if (job->output.db)
        return;
    sluice__buf_init(&path, 1 << 16);
    sluice__buf_init(&prefix, 1 << 16);
    sluice__part_at(&job->parts, index, &w);
    if (sluice__window_output(job, &w, &path, &ignored) != SLUICE_OK)
        goto out;
    char *slash = strrchr(path.p, '/');
    const char *base = slash ? slash + 1 : path.p;
    if (sluice__buf_appendf(&prefix, ".%s.sluice-tmp-", base) != SLUICE_OK)
        goto out;
    if (slash == path.p)
        path.p[1] = '\0';
    else if (slash)
        *slash = '\0';
    DIR *d = opendir(slash ? path.p : ".");
    if (!d)
        goto out;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct sluice_temp_name t;
        if (strncmp(e->d_name, prefix.p, prefix.n) != 0 ||
            !sluice__temp_name_parse(e->d_name, &t) ||
            t.job_n != strlen(job->name) ||
            memcmp(t.job, job->name, t.job_n) != 0)
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0)
            SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
                       "removed %s, left by a worker whose lease on its "
                       "partition ran out",
                       e->d_name);
    }
    closedir(d);
out:
    sluice__buf_cleanup(&path);
    sluice__buf_cleanup(&prefix);
}

static void claim(void *ud)
{
    struct run *r = ud;
    struct sluice_ledger_claim *v = NULL;
    size_t n = 0;
    int64_t wait_until = 0;
    struct sluice_err lerr = {{0}};
    if (stopping(r)) {
        r->plan.claim_more = false;
        return;
    }
    double now = sluice__now();
    if (now < r->plan.claim_wake)
        return;
    struct sluice_ledger_claim_opts co = {
        r->n_slots ? r->n_slots : 1, r->ledger.worker_since,
        r->opts ? r->opts->shard_count : 0, r->opts ? r->opts->shard_index : 0};
    if (r->plan.limit) {
        size_t left = r->plan.limit > r->plan.due_total
                          ? r->plan.limit - r->plan.due_total
                          : 0;
        if (left == 0) {
            r->plan.claim_more = false;
            return;
        }
        if (co.max > left)
            co.max = left;
    }
    if (sluice__ledger_claim(r->ledger.db, &co, &v, &n, &wait_until, &lerr) !=
        SLUICE_OK) {
        lose(r, &lerr);
        return;
    }
    for (size_t k = 0; k < n; k++) {
        size_t index;
        if (!claim_index(r, &v[k], &index)) {
            refuse_claim(r, &v[k]);
            continue;
        }
        if (sluice__run_plan_push(&r->plan, index) != SLUICE_OK) {
            sluice__err_set(&lerr, "out of memory");
            lose(r, &lerr);
            break;
        }
        sweep_claimed(r, index);
    }
    sluice__ledger_claims_free(v, n);
    if (n > 0)
        return;
    bool worker = r->opts && r->opts->worker;
    if (!worker || wait_until == 0) {
        r->plan.claim_more = false;
        return;
    }
    double wait = (double)wait_until - sluice__wall_now();
    r->plan.claim_wake =
        now + (wait < WAIT_MIN ? WAIT_MIN : wait > WAIT_MAX ? WAIT_MAX : wait);
}

struct seed_batch {
    struct sluice_ledger_seed v[SEED_BATCH];
    size_t off[SEED_BATCH]; /* each part's offset in `keys` */
    size_t n;
    struct sluice_buf keys; /* the batch's group keys, NUL-separated */
};

static int seed_flush(struct run *r, struct seed_batch *b,
                      struct sluice_err *err)
{
    for (size_t i = 0; i < b->n; i++)
        b->v[i].part = b->keys.p + b->off[i];
    int rc = sluice__ledger_seed(r->ledger.db, b->v, b->n, err);
    b->n = 0;
    sluice__buf_reset(&b->keys);
    return rc;
}

/* Every planned partition gets a row to claim. */
static int seed(struct run *r, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    const struct sluice_part_spec *p = &r->job->parts;
    size_t nw = r->plan.per_group, groups = r->plan.count / nw;
    struct sluice_buf gk;
    struct seed_batch *b = sluice__calloc(1, sizeof *b);
    sluice__buf_init(&gk, 1 << 16);
    SLUICE_FAIL_IF(!b, SLUICE_ENOMEM, err, "out of memory");
    sluice__buf_init(&b->keys, (size_t)1 << 30);
    for (size_t g = 0; g < groups; g++) {
        sluice__buf_reset(&gk);
        rc = sluice__part_group_key(p, g, &gk);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "partition key: %s",
                       sluice__buf_failure(rc, "too long"));
        for (size_t w = 0; w < nw; w++) {
            struct sluice_window win;
            sluice__part_at(p, g * nw + w, &win);
            if (b->n == SEED_BATCH)
                SLUICE_TRY(seed_flush(r, b, err));
            if (b->n == 0 || w == 0) {
                size_t off = b->keys.n;
                SLUICE_FAIL_IF(sluice__buf_append(&b->keys, gk.p ? gk.p : "",
                                                  gk.n) != SLUICE_OK ||
                                   sluice__buf_addc(&b->keys, '\0') !=
                                       SLUICE_OK,
                               SLUICE_ENOMEM, err, "out of memory");
                b->off[b->n] = off;
            } else {
                b->off[b->n] = b->off[b->n - 1];
            }
            b->v[b->n].start = win.start;
            b->v[b->n].end_excl = win.end_excl;
            b->v[b->n].shard = shard_hash(sluice__buf_str(&gk), win.start);
            b->n++;
        }
    }
    if (b->n)
        SLUICE_TRY(seed_flush(r, b, err));
out:
    if (b)
        sluice__buf_cleanup(&b->keys);
    sluice__free(b);
    sluice__buf_cleanup(&gk);
    return rc;
}

int sluice__run_worker_begin(struct run *r, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    const struct sluice_job *job = r->job;
    const struct sluice_run_opts *o = r->opts;
    bool shared = r->ledger.db && sluice__ledger_shared(r->ledger.db);
    SLUICE_FAIL_IF(!shared && o && o->worker, SLUICE_EJOB, err,
                   "--worker needs a shared ledger (state: "
                   "postgresql://...): with this job's ledger one run at a "
                   "time pulls it; use --shard I/N for a static split");
    if (!shared)
        goto out;
    /* What a claiming run cannot do yet: each of these re-queues or
     * narrows by walking the ledger, which many workers would do at once
     * (docs/scale-out.md, "Limits"). */
    SLUICE_FAIL_IF(r->plan.single, SLUICE_EJOB, err,
                   "--window and --partition are not available with a "
                   "shared ledger yet");
    SLUICE_FAIL_IF(o && o->full_refresh, SLUICE_EJOB, err,
                   "--full-refresh is not available with a shared ledger "
                   "yet");
    SLUICE_FAIL_IF(job->lookback > 0, SLUICE_EJOB, err,
                   "lookback is not available with a shared ledger yet");
    SLUICE_FAIL_IF(job->incremental.on, SLUICE_EJOB, err,
                   "an incremental job cannot use a shared ledger yet");
    r->ledger.lease = (double)job->state_lease_ms / 1000.0;
    r->ledger.worker_since = (int64_t)sluice__wall_now();
    r->ledger.renew_at = sluice__now() + r->ledger.lease / 3;
    if (!r->plan.due) {
        r->plan.due = sluice__calloc(r->plan.count / 8 + 1, 1);
        SLUICE_FAIL_IF(!r->plan.due, SLUICE_ENOMEM, err, "out of memory");
    }
    r->plan.due_begin = r->plan.due_end = 0;
    SLUICE_TRY(seed(r, err));
    r->plan.claiming = true;
    r->plan.claim = claim;
    r->plan.claim_ud = r;
    r->plan.claim_more = true;
    SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
               "shared ledger: worker %s claims partitions under leases of "
               "%.0f s",
               sluice__ledger_worker(r->ledger.db), r->ledger.lease);
out:
    return rc;
}

void sluice__run_heartbeat(struct run *r)
{
    if (!r->plan.claiming || r->ledger.lost || !r->ledger.db)
        return;
    double now = sluice__now();
    if (now < r->ledger.renew_at)
        return;
    r->ledger.renew_at = now + r->ledger.lease / 3;
    struct sluice_err lerr = {{0}};
    if (sluice__ledger_renew(r->ledger.db, NULL, &lerr) != SLUICE_OK)
        lose(r, &lerr);
}
