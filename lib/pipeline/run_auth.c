/* run_auth.c: the run's OAuth2 token (source.auth: oauth2_client_
 * credentials), one for every transfer of the run (http/oauth2.h does the
 * asking). The run asks for it once before the first data request; each
 * request takes the current one, renewing it first when it is about to
 * expire; a 401 renews it once (unless another slot's 401 already did
 * since that request left) and its window's request goes again at once.
 *
 * A token endpoint that refuses or fails is the job's error, not every
 * window's: before the first request the run ends with SLUICE_EAUTH and
 * the server's words; later the run stops starting transfers, as for a
 * spent quota, and returns SLUICE_EAUTH. Each token is added to the job's
 * secrets before it is used, so that no log line, report or record shows
 * it (a run uses its job alone: the set grows on the loop's thread only,
 * while the parse workers, which redact records with it, wait at the
 * pool's gate: parse_pool.c). */
#include <stdio.h>
#include <string.h>

#include "pipeline/run.h"

#define BEARER "Authorization: Bearer "

/* Asks for a new token; on failure the run's auth is failed with why. */
static bool renew(struct run *r, const char *why)
{
    struct run_auth *a = &r->auth;
    const struct sluice_oauth2_client *c = &r->job->source.auth.oauth2;
    struct sluice_err e = {{0}};
    SLUICE_LOG(&r->log, SLUICE_LOG_DEBUG, "POST %s (OAuth2 token request)",
               c->token_url);
    a->requests++;
    int rc = sluice__oauth2_fetch(c, &a->policy, sluice__now(), &a->token, &e);
    if (rc == SLUICE_OK) {
        const char *t = a->token.access_token;
        /* the parse workers redact with the set: none reads meanwhile */
        sluice__parse_pool_gate_close(&r->parse);
        rc = sluice__secrets_add(r->job->secrets, t, strlen(t));
        sluice__parse_pool_gate_open(&r->parse);
        if (rc != SLUICE_OK)
            sluice__err_set(&e, "the token cannot be kept secret (%s)",
                            sluice_strerror(rc));
    }
    if (rc == SLUICE_OK) {
        struct sluice_buf b;
        sluice__buf_init(&b, SLUICE_OAUTH2_ANSWER_MAX + sizeof BEARER);
        if (sluice__buf_adds(&b, BEARER) == SLUICE_OK &&
            sluice__buf_adds(&b, a->token.access_token) == SLUICE_OK) {
            sluice__free(a->header);
            a->header = sluice__buf_take(&b, NULL);
        }
        sluice__buf_cleanup(&b);
        if (!a->header) {
            rc = SLUICE_ENOMEM;
            sluice__err_set(&e, "out of memory");
        }
    }
    if (rc != SLUICE_OK) {
        a->failed = true;
        snprintf(a->failed_msg, sizeof a->failed_msg,
                 "source.auth: the OAuth2 token request to %.300s failed: "
                 "%.600s",
                 c->token_url, e.msg);
        return false;
    }
    a->gen++;
    if (a->gen > 1)
        SLUICE_LOG(&r->log, SLUICE_LOG_INFO, "OAuth2 token renewed (%s)",
                   why);
    return true;
}

int sluice__run_auth_start(struct run *r,
                           const struct sluice_http_policy *policy,
                           struct sluice_err *err)
{
    struct run_auth *a = &r->auth;
    a->oauth2 = r->job->source.auth.type == SLUICE_AUTH_OAUTH2;
    a->policy = *policy;
    if (!a->oauth2 || renew(r, "first"))
        return SLUICE_OK;
    sluice__err_set(err, "%s", a->failed_msg);
    return SLUICE_EAUTH;
}

const char *sluice__run_auth_header(struct run *r, unsigned *gen)
{
    struct run_auth *a = &r->auth;
    if (a->failed)
        return NULL;
    if (sluice__oauth2_due(&a->token, sluice__now()) && !renew(r, "about to expire"))
        return NULL;
    *gen = a->gen;
    return a->header;
}

bool sluice__run_auth_on_401(struct run *r, unsigned gen)
{
    struct run_auth *a = &r->auth;
    if (a->failed)
        return false;
    /* Another slot's 401 renewed it since this request left: use that. */
    if (gen != a->gen)
        return true;
    return renew(r, "a request got HTTP 401");
}

void sluice__run_auth_cleanup(struct run_auth *a)
{
    sluice__oauth2_token_cleanup(&a->token);
    sluice__free(a->header);
    a->header = NULL;
}
