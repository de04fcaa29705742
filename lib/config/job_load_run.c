/* job_load_run.c: the fields that shape a run rather than its data:
 * rate_limit, retry, state and lookback. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/env_expand.h"
#include "config/loader.h"
#include "config/units.h"
#include "plan/template.h"

/* ---- rate limits, retries, state ----------------------------------------- */

static int one_rate(struct loader *L, const struct sluice_ynode *node,
                    const char *path)
{
    char *s = NULL;
    struct sluice_err sub;
    struct sluice_job *job = L->job;
    int rc = sluice__cfg_scalar_text(L, node, path, &s, NULL);
    if (rc != SLUICE_OK)
        return rc;
    if (job->n_rates >= SLUICE_GOVERNOR_BUCKETS) {
        rc = sluice__cfg_fail(L, &node->mark, path, "at most %d limits",
                              SLUICE_GOVERNOR_BUCKETS);
    } else {
        rc = sluice__rate_parse(s, strlen(s), &job->rates[job->n_rates], &sub);
        if (rc == SLUICE_OK)
            job->n_rates++;
        else
            rc = sluice__cfg_fail(L, &node->mark, path,
                                  "%s (e.g. \"10/second\", "
                                  "\"1000/hour\", \"5/s burst 10\")",
                                  sub.msg);
    }
    sluice__free(s);
    return rc;
}

/* rate_limit: one spec or a list of them. */
int sluice__cfg_load_rate_limit(struct loader *L)
{
    const struct sluice_ynode *node = sluice__ynode_get(L->root, "rate_limit");
    if (!node || sluice__ynode_is_null(node))
        return SLUICE_OK;
    if (node->kind == SLUICE_YNODE_SCALAR)
        return one_rate(L, node, "rate_limit");
    if (node->kind != SLUICE_YNODE_SEQ)
        return sluice__cfg_fail(L, &node->mark, "rate_limit",
                                "expected a limit or a list of limits, got %s",
                                sluice__ynode_kind_name(node));
    for (size_t i = 0; i < node->n; i++) {
        char path[PATH_MAX_LEN];
        snprintf(path, sizeof path, "rate_limit[%zu]", i);
        int rc = one_rate(L, node->entries[i].val, path);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

/* A duration field of `section`, in seconds; left alone when absent. */
static int seconds_field(struct loader *L, const struct sluice_ynode *sec,
                         const char *section_name, const char *key, double *out)
{
    int64_t ms = -1;
    int rc = sluice__cfg_opt_duration(L, sec, key, section_name, 0, &ms);
    if (rc == SLUICE_OK && ms >= 0)
        *out = (double)ms / 1000.0;
    return rc;
}

static int one_throttle(struct loader *L, const struct sluice_ynode *node,
                        const char *path)
{
    char *s = NULL;
    struct sluice_retry_policy *p = &L->job->retry;
    int rc = sluice__cfg_scalar_text(L, node, path, &s, NULL);
    if (rc != SLUICE_OK)
        return rc;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 400 || v > 599)
        rc = sluice__cfg_fail(L, &node->mark, path,
                              "expected an HTTP error status (400 to 599) "
                              "the API throttles with, such as 403, got '%s'",
                              s);
    else if (p->n_throttle >= SLUICE_RETRY_THROTTLES)
        rc = sluice__cfg_fail(L, &node->mark, path, "at most %d statuses",
                              SLUICE_RETRY_THROTTLES);
    else
        p->throttle[p->n_throttle++] = v;
    sluice__free(s);
    return rc;
}

/* retry.throttle_statuses: one status or a list of them. */
static int throttle_statuses(struct loader *L, const struct sluice_ynode *sec)
{
    const struct sluice_ynode *node =
        sec ? sluice__ynode_get(sec, "throttle_statuses") : NULL;
    const char *path = "retry.throttle_statuses";
    if (!node || sluice__ynode_is_null(node))
        return SLUICE_OK;
    if (node->kind == SLUICE_YNODE_SCALAR)
        return one_throttle(L, node, path);
    if (node->kind != SLUICE_YNODE_SEQ)
        return sluice__cfg_fail(L, &node->mark, path,
                                "expected a status or a list of them, got %s",
                                sluice__ynode_kind_name(node));
    for (size_t i = 0; i < node->n; i++) {
        char sub[PATH_MAX_LEN];
        snprintf(sub, sizeof sub, "%s[%zu]", path, i);
        int rc = one_throttle(L, node->entries[i].val, sub);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

int sluice__cfg_load_retry(struct loader *L)
{
    static const char *const keys[] = {"attempts", "base", "max_delay",
                                       "max_wait", "throttle_statuses"};
    const struct sluice_ynode *sec = NULL, *node = NULL;
    struct sluice_retry_policy *p = &L->job->retry;
    char *s = NULL;
    int rc = SLUICE_OK;
    sluice__retry_policy_default(p);
    SLUICE_TRY(sluice__cfg_section(L, L->root, "retry", keys,
                                   SLUICE_ARRAY_LEN(keys), &sec));
    SLUICE_TRY(sluice__cfg_opt_str(L, sec, "attempts", "retry", &s, &node));
    if (s) {
        char *end = NULL;
        long v = strtol(s, &end, 10);
        if (!*s || *end || v < 1 || v > 100)
            SLUICE_TRY(sluice__cfg_fail(
                L, &node->mark, "retry.attempts",
                "expected a whole number from 1 to 100 (attempts "
                "in all, the first included), got '%s'",
                s));
        p->attempts = (unsigned)v;
    }
    SLUICE_TRY(seconds_field(L, sec, "retry", "base", &p->base));
    SLUICE_TRY(seconds_field(L, sec, "retry", "max_delay", &p->max_delay));
    SLUICE_TRY(seconds_field(L, sec, "retry", "max_wait", &p->max_wait));
    SLUICE_TRY(throttle_statuses(L, sec));
out:
    sluice__free(s);
    return rc;
}

int sluice__cfg_load_state(struct loader *L)
{
    const struct sluice_ynode *node = NULL;
    char *s = NULL;
    struct sluice_err sub;
    int64_t ms = 0;
    int rc = sluice__cfg_opt_str(L, L->root, "state", "", &L->job->state_path,
                                 &node);
    if (rc == SLUICE_OK && L->job->state_path && !*L->job->state_path)
        rc = sluice__cfg_fail(L, &node->mark, "state", "must not be empty");
    if (rc == SLUICE_OK)
        rc = sluice__cfg_load_state_shared(L, node);
    if (rc != SLUICE_OK)
        return rc;
    rc = sluice__cfg_opt_str(L, L->root, "lookback", "", &s, &node);
    if (rc != SLUICE_OK || !s)
        return rc;
    /* "14d" like a window step, or any duration ("36h") */
    struct sluice_step st;
    if (sluice__step_parse(s, &st, &sub) == SLUICE_OK &&
        st.unit != SLUICE_STEP_MONTHS)
        L->job->lookback =
            st.count * (st.unit == SLUICE_STEP_DAYS ? 86400 : 3600);
    else if ((rc = sluice__duration_parse(s, &ms, &sub)) == SLUICE_OK)
        L->job->lookback = ms / 1000;
    else if (rc == SLUICE_EJOB)
        rc = sluice__cfg_fail(
            L, &node->mark, "lookback",
            "expected a duration such as 14d or 36h, got '%s'", s);
    if (rc == SLUICE_OK && !L->job->has_windows)
        rc = sluice__cfg_fail(L, &node->mark, "lookback",
                              "re-pulls recent date windows, and the job has "
                              "no windows:");
    sluice__free(s);
    return rc;
}
