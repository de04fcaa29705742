/* partition.c: a job's partitions as the product of its dimensions, their
 * keys and `--partition` selection. Nothing but the value lists exists in
 * memory: partition i is arithmetic on i. See partition.h for the order
 * and the key format. */
#include "plan/partition.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "plan/template.h"
#include "util/date.h"

size_t sluice__part_range_count(int64_t from, int64_t to, int64_t step)
{
    if (to < from || step < 1)
        return 0;
    /* Unsigned: to - from may not fit an int64 (from near INT64_MIN). */
    uint64_t span = (uint64_t)to - (uint64_t)from;
    uint64_t n = span / (uint64_t)step + 1;
    return n > SIZE_MAX ? SIZE_MAX : (size_t)n;
}

void sluice__part_range_at(int64_t from, int64_t to, int64_t step, size_t k,
                           int64_t *lo, int64_t *hi)
{
    uint64_t l = (uint64_t)from + (uint64_t)k * (uint64_t)step;
    uint64_t left = (uint64_t)to - l; /* l <= to for k < count */
    *lo = (int64_t)l;
    *hi = left < (uint64_t)step - 1 ? to : (int64_t)(l + (uint64_t)step - 1);
}

size_t sluice__part_windows(const struct sluice_part_spec *p)
{
    return p->windows ? sluice__window_count(p->windows) : 1;
}

size_t sluice__part_count(const struct sluice_part_spec *p)
{
    size_t w = sluice__part_windows(p);
    /* The loader keeps the product within SLUICE_PART_MAX when there are
     * other dimensions; windows alone are counted as they always were. */
    return p->n_dims == 0 ? w : p->groups * w;
}

void sluice__part_at(const struct sluice_part_spec *p, size_t i,
                     struct sluice_window *out)
{
    size_t nw = sluice__part_windows(p);
    if (p->windows) {
        sluice__window_at(p->windows, i % nw, out);
    } else {
        memset(out, 0, sizeof *out);
    }
    out->index = i;
    out->group = i / nw;
}

/* The index of dimension d's value in `group` (the last dimension varies
 * fastest). */
static size_t dim_index(const struct sluice_part_spec *p, size_t d,
                        size_t group)
{
    size_t inner = 1;
    for (size_t e = d + 1; e < p->n_dims; e++)
        inner *= p->dims[e].count;
    return (group / inner) % p->dims[d].count;
}

bool sluice__part_has_name(const struct sluice_part_spec *p, const char *name,
                           size_t name_n)
{
    for (size_t d = 0; d < p->n_dims; d++)
        for (size_t k = 0; k < p->dims[d].n_names; k++)
            if (strlen(p->dims[d].names[k]) == name_n &&
                memcmp(p->dims[d].names[k], name, name_n) == 0)
                return true;
    return false;
}

int sluice__part_value(const struct sluice_part_spec *p, size_t group,
                       const char *name, size_t name_n, struct sluice_buf *out,
                       bool *found)
{
    *found = false;
    for (size_t d = 0; d < p->n_dims; d++) {
        const struct sluice_part_dim *dim = &p->dims[d];
        for (size_t k = 0; k < dim->n_names; k++) {
            if (strlen(dim->names[k]) != name_n ||
                memcmp(dim->names[k], name, name_n) != 0)
                continue;
            *found = true;
            size_t at = dim_index(p, d, group);
            if (dim->kind == SLUICE_DIM_VALUES)
                return sluice__buf_adds(out, dim->values[at]);
            int64_t lo, hi;
            sluice__part_range_at(dim->from, dim->to, dim->step, at, &lo, &hi);
            return sluice__buf_appendf(out, "%" PRId64, k == 0 ? lo : hi);
        }
    }
    return SLUICE_OK;
}

static bool key_safe(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '~' ||
           c == '-';
}

int sluice__part_escape(const char *s, size_t n, struct sluice_buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = SLUICE_OK;
    for (size_t i = 0; i < n && rc == SLUICE_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if (key_safe(c)) {
            rc = sluice__buf_addc(out, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = sluice__buf_append(out, e, 3);
        }
    }
    return rc;
}

/* Dimension d's component of the key for value index `at`. */
static int component(const struct sluice_part_dim *dim, size_t at,
                     struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    if (dim->kind == SLUICE_DIM_VALUES) {
        SLUICE_TRY(sluice__buf_appendf(out, "%s=", dim->names[0]));
        const char *v = dim->values[at];
        SLUICE_TRY(sluice__part_escape(v, strlen(v), out));
    } else {
        int64_t lo, hi;
        sluice__part_range_at(dim->from, dim->to, dim->step, at, &lo, &hi);
        SLUICE_TRY(sluice__buf_appendf(out, "%s=%" PRId64 ",%s=%" PRId64,
                                       dim->names[0], lo, dim->names[1], hi));
    }
out:
    return rc;
}

int sluice__part_group_key(const struct sluice_part_spec *p, size_t group,
                           struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    if (p->resource) {
        SLUICE_TRY(sluice__buf_adds(out, "resource="));
        SLUICE_TRY(sluice__part_escape(p->resource, strlen(p->resource), out));
    }
    for (size_t d = 0; d < p->n_dims; d++) {
        if (d || p->resource)
            SLUICE_TRY(sluice__buf_addc(out, '/'));
        SLUICE_TRY(component(&p->dims[d], dim_index(p, d, group), out));
    }
    if (!out->p)
        SLUICE_TRY(sluice__buf_append(out, "", 0));
out:
    return rc;
}

int sluice__part_key(const struct sluice_part_spec *p,
                     const struct sluice_window *w, struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    struct sluice_err err;
    SLUICE_TRY(sluice__part_group_key(p, w->group, out));
    if (p->windows) {
        if (p->n_dims || p->resource)
            SLUICE_TRY(sluice__buf_addc(out, '/'));
        rc = sluice__template_expand("{start}", w, p->windows->step.unit, out,
                                     &err);
    } else if (p->n_dims == 0 && !p->resource) {
        rc = sluice__buf_adds(out, "all");
    }
out:
    return rc;
}

/* Finds dimension d's value index whose component is exactly c[0..n). */
static int find_component(const struct sluice_part_dim *dim, const char *c,
                          size_t n, size_t *at, bool *found)
{
    int rc = SLUICE_OK;
    struct sluice_buf b;
    sluice__buf_init(&b, SLUICE_PART_VALUE_MAX * 3 + 256);
    *found = false;
    if (dim->kind == SLUICE_DIM_VALUES) {
        for (size_t k = 0; k < dim->count && !*found; k++) {
            sluice__buf_reset(&b);
            SLUICE_TRY(component(dim, k, &b));
            if (b.n == n && memcmp(b.p, c, n) == 0) {
                *found = true;
                *at = k;
            }
        }
    } else {
        /* lo names the range: "lo=1001,hi=2000" is range (1001-from)/step. */
        size_t nl = strlen(dim->names[0]);
        int64_t lo = 0;
        char num[32];
        const char *comma = memchr(c, ',', n);
        if (n > nl + 1 && memcmp(c, dim->names[0], nl) == 0 && c[nl] == '=' &&
            comma && (size_t)(comma - c) - nl - 1 < sizeof num) {
            size_t k = (size_t)(comma - c) - nl - 1;
            memcpy(num, c + nl + 1, k);
            num[k] = '\0';
            if (sscanf(num, "%" SCNd64, &lo) == 1 && lo >= dim->from &&
                lo <= dim->to &&
                ((uint64_t)lo - (uint64_t)dim->from) % (uint64_t)dim->step ==
                    0) {
                size_t idx = (size_t)(((uint64_t)lo - (uint64_t)dim->from) /
                                      (uint64_t)dim->step);
                SLUICE_TRY(component(dim, idx, &b));
                if (b.n == n && memcmp(b.p, c, n) == 0) {
                    *found = true;
                    *at = idx;
                }
            }
        }
    }
out:
    sluice__buf_cleanup(&b);
    return rc;
}

int sluice__part_select(const struct sluice_part_spec *p, const char *key,
                        int64_t now, struct sluice_part_select *out,
                        struct sluice_err *err)
{
    int rc = SLUICE_OK;
    const char *c = key;
    size_t group = 0;
    memset(out, 0, sizeof *out);
    out->any_window = true;
    if (p->resource) {
        /* "resource=R" then the rest of the key, as for a job without */
        struct sluice_buf want;
        sluice__buf_init(&want, 4096);
        rc = sluice__buf_adds(&want, "resource=");
        if (rc == SLUICE_OK)
            rc = sluice__part_escape(p->resource, strlen(p->resource), &want);
        bool ok = rc == SLUICE_OK && strncmp(c, want.p, want.n) == 0 &&
                  (c[want.n] == '\0' || c[want.n] == '/');
        size_t skip = want.n;
        sluice__buf_cleanup(&want);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "out of memory");
        SLUICE_FAIL_IF(!ok, SLUICE_EJOB, err,
                       "--partition %s: the key of a partition of resource "
                       "%s starts with 'resource=%s'",
                       key, p->resource, p->resource);
        c += skip;
        if (*c == '\0') {
            out->any_group = p->n_dims > 0;
            goto out; /* the whole resource */
        }
        c++;
    }
    if (p->n_dims == 0 && !p->windows) {
        SLUICE_FAIL_IF(strcmp(c, "all") != 0, SLUICE_EJOB, err,
                       "--partition %s: the job has one partition, 'all'", key);
        goto out;
    }
    for (size_t d = 0; d < p->n_dims; d++) {
        const char *slash = strchr(c, '/');
        size_t n = slash ? (size_t)(slash - c) : strlen(c);
        size_t at = 0;
        bool found = false;
        rc = find_component(&p->dims[d], c, n, &at, &found);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "out of memory");
        SLUICE_FAIL_IF(!found, SLUICE_EJOB, err,
                       "--partition %s: '%.*s' is no %s of the job (a key "
                       "reads like '%s=...'%s)",
                       key, (int)(n > 200 ? 200 : n), c,
                       p->dims[d].n_names == 1 ? "value" : "range",
                       p->dims[d].names[0],
                       p->n_dims > 1 ? ", one component per dimension, "
                                       "joined by '/'"
                                     : "");
        group = group * p->dims[d].count + at;
        c = slash ? slash + 1 : c + n;
        SLUICE_FAIL_IF(!slash && d + 1 < p->n_dims, SLUICE_EJOB, err,
                       "--partition %s: it names %zu of the job's %zu "
                       "dimensions",
                       key, d + 1, p->n_dims);
        if (!slash)
            break;
    }
    out->group = group;
    out->any_group = false;
    if (*c == '\0' && p->n_dims)
        goto out; /* every window of the group */
    SLUICE_FAIL_IF(!p->windows, SLUICE_EJOB, err,
                   "--partition %s: '%s' follows the last dimension, and the "
                   "job has no windows",
                   key, c);
    int64_t t = 0;
    bool has_time = false;
    struct sluice_err sub;
    rc = sluice__time_bound_parse(c, now, &t, &has_time, &sub);
    SLUICE_FAIL_IF(rc != SLUICE_OK, SLUICE_EJOB, err, "--partition %s: %s", key,
                   sub.msg);
    size_t nw = sluice__window_count(p->windows);
    size_t i = sluice__window_first_ending_after(p->windows, nw, t);
    struct sluice_window w;
    if (i < nw)
        sluice__window_at(p->windows, i, &w);
    SLUICE_FAIL_IF(i >= nw || w.start > t, SLUICE_EJOB, err,
                   "--partition %s: no window of the job holds %s", key, c);
    out->any_window = false;
    out->window = i;
out:
    return rc;
}
