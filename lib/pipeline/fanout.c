/* fanout.c: a fan-out child's values (`partitions: {from_resource: repos,
 * path: "$.full_name", as: repo}`), read from its parent's published
 * files.
 *
 * The values come from what the parent published, not from what a run
 * saw while the parent streamed: the files are the parent's records as
 * they are now (a rerun that re-pulled one parent partition gives its new
 * records), they are there whether this run pulled the parent or an
 * earlier one did (`--resource child`, a rerun after a kill), and reading
 * them back touches neither the transfer path nor the ledger's format.
 * The price is that the parent's output must be local NDJSON, which the
 * loader demands (job_load_resources.c).
 *
 * The child is planned only when every partition of the parent is done in
 * the ledger: a parent partition failed, pending or never pulled leaves
 * the child unplanned (its values would be a part of the list, and a
 * rerun would then pull the missing children as "new"). Its files are
 * read in the parent's partition order, each record's `path` picked as
 * the parent's pagination picks a cursor (json/pick.h); the distinct
 * values, in order of first appearance, are the child's list, so its keys
 * are `repo=<value>` as for any values dimension and a rerun finds its
 * done children in the ledger. A record whose value is absent, null, not
 * a string or number, empty or longer than SLUICE_PART_VALUE_MAX gives no
 * child: counted, and the first such is named (file:line) in a warning. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json/json_reader.h"
#include "json/pick.h"
#include "pipeline/run.h"

#define READ_CHUNK (64u * 1024u)

/* The values found, distinct, in order (a string set, open addressing). */
struct value_set {
    char **v;      /* in order of first appearance */
    size_t n, cap; /* v's */
    size_t *slot;  /* index + 1 into v; 0: empty */
    size_t n_slot; /* a power of two, > 2 n */
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return h ^ (h >> 29);
}

static int set_grow(struct value_set *s)
{
    size_t n_slot = s->n_slot ? s->n_slot * 2 : 64;
    size_t *slot = sluice__calloc(n_slot, sizeof *slot);
    if (!slot)
        return SLUICE_ENOMEM;
    for (size_t i = 0; i < s->n; i++) {
        size_t k = (size_t)hash_str(s->v[i]) & (n_slot - 1);
        while (slot[k])
            k = (k + 1) & (n_slot - 1);
        slot[k] = i + 1;
    }
    sluice__free(s->slot);
    s->slot = slot;
    s->n_slot = n_slot;
    return SLUICE_OK;
}

static int set_add(struct value_set *s, const char *text, size_t n)
{
    if (2 * (s->n + 1) >= s->n_slot && set_grow(s) != SLUICE_OK)
        return SLUICE_ENOMEM;
    size_t k = (size_t)hash_str(text) & (s->n_slot - 1);
    for (; s->slot[k]; k = (k + 1) & (s->n_slot - 1))
        if (strcmp(s->v[s->slot[k] - 1], text) == 0)
            return SLUICE_OK; /* a value seen already: one child */
    char **v = sluice__grow(s->v, &s->cap, s->n + 1, sizeof *v, 64);
    if (!v)
        return SLUICE_ENOMEM;
    s->v = v;
    s->v[s->n] = sluice__malloc(n + 1);
    if (!s->v[s->n])
        return SLUICE_ENOMEM;
    memcpy(s->v[s->n], text, n);
    s->v[s->n][n] = '\0';
    s->slot[k] = ++s->n;
    return SLUICE_OK;
}

static void set_free(struct value_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        sluice__free(s->v[i]);
    sluice__free(s->v);
    sluice__free(s->slot);
}

/* What one file gave: its records without a usable value, and the first
 * of them. */
struct skipped {
    uint64_t n;
    char where[1024];
};

/* One record (a line, already fed): its value into the set. */
static int take_line(struct sluice_json_reader *rd, struct sluice_pick *pk,
                     const char *file, uint64_t line, struct value_set *set,
                     struct skipped *sk)
{
    const char *text = NULL;
    size_t n = 0;
    const char *why = NULL;
    int rc = sluice__json_reader_finish(rd);
    if (rc == SLUICE_ENOMEM)
        return rc;
    if (rc != SLUICE_OK) {
        why = "not JSON";
    } else {
        enum sluice_pick_kind k = sluice__pick_result(pk, &text, &n, NULL);
        if (k != SLUICE_PICK_STRING && k != SLUICE_PICK_NUMBER)
            why = sluice__pick_kind_name(k);
        else if (n == 0)
            why = "an empty string";
        else if (n > SLUICE_PART_VALUE_MAX || memchr(text, '\0', n))
            why = n > SLUICE_PART_VALUE_MAX ? "longer than 1024 bytes"
                                            : "a string holding NUL";
    }
    if (why) {
        if (sk->n++ == 0)
            snprintf(sk->where, sizeof sk->where, "%s:%llu (%s)", file,
                     (unsigned long long)line, why);
        return SLUICE_OK;
    }
    return set_add(set, text, n);
}

/* Every record of one NDJSON file (a line each). */
static int read_file(const char *file, const char *path, struct value_set *set,
                     struct skipped *sk, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_pick *pk = NULL;
    struct sluice_json_reader *rd = NULL;
    char *chunk = NULL;
    FILE *f = fopen(file, "rb");
    SLUICE_FAIL_IF(!f, SLUICE_EIO, err, "cannot read %s: %s", file,
                   strerror(errno));
    SLUICE_TRY(sluice__pick_new(path, &pk, err));
    rd = sluice__json_reader_new(NULL, sluice__pick_on_event, pk);
    chunk = sluice__malloc(READ_CHUNK);
    SLUICE_FAIL_IF(!rd || !chunk, SLUICE_ENOMEM, err, "out of memory");
    uint64_t line = 1;
    bool in_line = false; /* bytes of the current line were fed */
    size_t got;
    while ((got = fread(chunk, 1, READ_CHUNK, f)) > 0) {
        size_t at = 0;
        while (at < got) {
            const char *nl = memchr(chunk + at, '\n', got - at);
            size_t len = nl ? (size_t)(nl - (chunk + at)) : got - at;
            if (len) {
                /* a malformed line's error is kept for its end (the
                 * reader repeats it from finish); only memory is fatal */
                int frc = sluice__json_reader_feed(rd, chunk + at, len);
                SLUICE_TRY(frc == SLUICE_ENOMEM ? frc : SLUICE_OK);
                in_line = true;
            }
            at += len;
            if (!nl)
                break;
            at++; /* the newline */
            if (in_line)
                SLUICE_TRY(take_line(rd, pk, file, line, set, sk));
            sluice__json_reader_reset(rd);
            sluice__pick_reset(pk);
            in_line = false;
            line++;
        }
    }
    SLUICE_FAIL_IF(ferror(f), SLUICE_EIO, err, "cannot read %s: %s", file,
                   strerror(errno));
    if (in_line)
        SLUICE_TRY(take_line(rd, pk, file, line, set, sk));
out:
    if (rc == SLUICE_ENOMEM)
        sluice__err_set(err, "out of memory");
    if (f)
        fclose(f);
    sluice__free(chunk);
    sluice__json_reader_free(rd);
    sluice__pick_free(pk);
    return rc;
}

/* The parent's partitions, each of which must be done: their files'
 * values into the set. *not_done counts the others, `first` the first's
 * key and status. */
static int read_parent(struct sluice_ledger *l, const struct sluice_job *parent,
                       const char *path, struct value_set *set,
                       struct skipped *sk, size_t *not_done,
                       struct sluice_buf *first, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf key;
    struct sluice_ledger_window lw;
    memset(&lw, 0, sizeof lw);
    sluice__buf_init(&key, 1 << 16);
    size_t n = sluice__part_count(&parent->parts);
    for (size_t i = 0; i < n; i++) {
        struct sluice_window w;
        bool found = false;
        sluice__part_at(&parent->parts, i, &w);
        sluice__buf_reset(&key);
        rc = sluice__part_group_key(&parent->parts, w.group, &key);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "partition key: %s",
                       sluice__buf_failure(rc, "too long"));
        SLUICE_TRY(sluice__ledger_use_part(l, key.p, err));
        sluice__ledger_window_cleanup(&lw);
        SLUICE_TRY(sluice__ledger_window_get(l, w.start, &lw, &found, err));
        /* done, but its file gone (`--resource child` after a deletion):
         * not done for the child; the parent's next run pulls it again */
        bool gone = found && lw.status == SLUICE_LEDGER_DONE && lw.output &&
                    access(lw.output, F_OK) != 0;
        if (!found || lw.status != SLUICE_LEDGER_DONE || !lw.output || gone) {
            if ((*not_done)++ == 0) {
                sluice__buf_reset(&key);
                rc = sluice__part_key(&parent->parts, &w, &key);
                SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "partition key: %s",
                               sluice__buf_failure(rc, "too long"));
                SLUICE_TRY(sluice__buf_appendf(
                    first, "%s is %s", key.p,
                    gone    ? "done but its file is gone"
                    : found ? sluice__ledger_status_name(lw.status)
                            : "not pulled yet"));
            }
            continue;
        }
        SLUICE_TRY(read_file(lw.output, path, set, sk, err));
    }
out:
    sluice__ledger_window_cleanup(&lw);
    sluice__buf_cleanup(&key);
    return rc;
}

static const struct sluice_job *find_resource(const struct sluice_job *child,
                                              const char *name)
{
    for (const struct sluice_job *j = child->first; j; j = j->next)
        if (strcmp(j->resource, name) == 0)
            return j;
    return NULL;
}

/* The dimension's values replaced by the set's (taken). */
static void dim_take(struct sluice_part_dim *dim, struct value_set *set)
{
    for (size_t k = 0; k < dim->n_values; k++)
        sluice__free(dim->values[k]);
    sluice__free(dim->values);
    dim->values = set->v;
    dim->n_values = dim->count = set->n;
    set->v = NULL;
    set->n = set->cap = 0;
}

int sluice__fanout_fill(struct sluice_job *child, const char *ledger_path,
                        struct sluice_logger *log, bool *ready,
                        struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_ledger *l = NULL;
    struct value_set set = {0};
    struct sluice_buf first;
    sluice__buf_init(&first, 1 << 16);
    *ready = false;
    for (size_t d = 0; d < child->parts.n_dims; d++) {
        struct sluice_part_dim *dim = &child->parts.dims[d];
        if (!dim->from_resource)
            continue;
        /* the loader made sure it is an earlier resource */
        struct sluice_job *parent =
            (struct sluice_job *)find_resource(child, dim->from_resource);
        SLUICE_FAIL_IF(!parent, SLUICE_EINVAL, err, "no resource %s",
                       dim->from_resource);
        /* A parent that is a child itself: its own values first. */
        bool parent_ready = true;
        SLUICE_TRY(sluice__fanout_fill(parent, ledger_path, log, &parent_ready,
                                       err));
        if (!parent_ready) {
            struct sluice_err why = *err;
            sluice__err_set(err, "its parent %s is not planned: %s",
                            parent->resource, why.msg);
            goto out;
        }
        if (!l) {
            struct sluice_ledger_opts lo = {ledger_path, child->name, false,
                                            false, NULL, NULL};
            struct sluice_err lerr = {{0}};
            if (sluice__ledger_open(&lo, &l, &lerr) != SLUICE_OK) {
                sluice__err_set(err, "its parent %s was never pulled (%s)",
                                parent->resource, lerr.msg);
                goto out;
            }
        }
        size_t not_done = 0;
        struct skipped sk = {0};
        sluice__buf_reset(&first);
        SLUICE_TRY(read_parent(l, parent, dim->from_path, &set, &sk,
                               &not_done, &first, err));
        if (not_done) {
            sluice__err_set(err,
                            "its parent %s has %zu of %zu partitions not "
                            "done (%s)",
                            parent->resource, not_done,
                            sluice__part_count(&parent->parts), first.p);
            goto out;
        }
        if (sk.n)
            SLUICE_LOG(log, SLUICE_LOG_WARN,
                       "resource %s: %llu records of %s gave no value at %s "
                       "(the first: %s), so no partition",
                       child->resource, (unsigned long long)sk.n,
                       parent->resource, dim->from_path, sk.where);
        SLUICE_LOG(log, SLUICE_LOG_INFO,
                   "resource %s: %zu values of %s from %s's records",
                   child->resource, set.n, dim->from_path, parent->resource);
        dim_take(dim, &set);
    }
    /* The product again, now that the lists are known. */
    uint64_t groups = 1;
    for (size_t d = 0; d < child->parts.n_dims; d++) {
        groups *= child->parts.dims[d].count;
        SLUICE_FAIL_IF(groups > SLUICE_PART_MAX, SLUICE_EJOB, err,
                       "resource %s would have more than %u partitions",
                       child->resource, SLUICE_PART_MAX);
    }
    uint64_t total = groups * (uint64_t)sluice__part_windows(&child->parts);
    SLUICE_FAIL_IF(total > SLUICE_PART_MAX, SLUICE_EJOB, err,
                   "resource %s would have more than %u partitions",
                   child->resource, SLUICE_PART_MAX);
    child->parts.groups = (size_t)groups;
    *ready = true;
out:
    sluice__ledger_close(l);
    set_free(&set);
    sluice__buf_cleanup(&first);
    return rc;
}
