/* oauth2.h: the OAuth 2.0 client credentials grant (RFC 6749 section 4.4)
 * for `source.auth: {type: oauth2_client_credentials, ...}`: the token
 * request, its answer, and when the token must be renewed. The pipeline
 * keeps one token for the whole run (pipeline/run_auth.c): fetched once
 * before the first data request, reused by every transfer, renewed before
 * `expires_in` runs out and once on a 401.
 *
 * - sluice__oauth2_form: the request body, application/x-www-form-urlencoded:
 *   grant_type=client_credentials, client_id, client_secret (in the body,
 *   RFC 6749 section 2.3.1's client_secret_post, which the providers sluice
 *   targets accept), scope when set, then the `extra` parameters in order.
 * - sluice__oauth2_parse: the answer. A 2xx must be a JSON object with a
 *   string `access_token`; `token_type`, when present, must be "Bearer"
 *   (any case, RFC 6750); `expires_in` (seconds, a number or a string of
 *   one) is optional. Anything else fails with the server's own words: the
 *   RFC 6749 section 5.2 `error` and `error_description` ("HTTP 401:
 *   invalid_client: Client authentication failed"), else what
 *   http/error_body.h finds.
 * - sluice__oauth2_fetch: one POST to token_url with the job's transfer
 *   policy (timeouts, TLS), no redirect followed, the answer bounded to
 *   64 KiB, then parse. Blocking: it runs on the run loop's thread, which
 *   asks for a token once per run and once per renewal only.
 * - sluice__oauth2_due: whether a token must be renewed at `now`: once
 *   `expires_in` is known, at most 60 s and at most half its life before
 *   it ends (a 10 s token is renewed after 5 s), so that no request leaves
 *   with a token about to expire in flight.
 *
 * Errors: SLUICE_EAUTH with the reason in err (already the message a user
 * reads, never holding the secret: the caller redacts it all the same),
 * SLUICE_ENOMEM. Ownership: a token's strings are its own
 * (sluice__oauth2_token_cleanup); the client's are borrowed. */
#ifndef SLUICE_HTTP_OAUTH2_H
#define SLUICE_HTTP_OAUTH2_H

#include "http/request.h"
#include "util/buf.h"

struct sluice_oauth2_param {
    char *name;
    char *value;
};

struct sluice_oauth2_client {
    char *token_url;
    char *client_id;
    char *client_secret;
    char *scope;                       /* NULL: none sent */
    struct sluice_oauth2_param *extra; /* more form fields (audience...) */
    size_t n_extra;
};

struct sluice_oauth2_token {
    char *access_token; /* NULL until one is obtained */
    double obtained;    /* monotonic seconds when it was asked for */
    double lifetime;    /* expires_in, seconds; 0: not said */
};

/* The answer to a token request the most sluice reads. */
#define SLUICE_OAUTH2_ANSWER_MAX (64u * 1024u)

SLUICE_NODISCARD int
sluice__oauth2_form(const struct sluice_oauth2_client *c,
                    struct sluice_buf *out);
/* `status` is the HTTP status; on success *tok's access_token is replaced
 * and its lifetime set (obtained is left to the caller). */
SLUICE_NODISCARD int sluice__oauth2_parse(long status, const char *body,
                                          size_t n,
                                          struct sluice_oauth2_token *tok,
                                          struct sluice_err *err);
SLUICE_NODISCARD int
sluice__oauth2_fetch(const struct sluice_oauth2_client *c,
                     const struct sluice_http_policy *policy, double now,
                     struct sluice_oauth2_token *tok, struct sluice_err *err);
bool sluice__oauth2_due(const struct sluice_oauth2_token *tok, double now);
void sluice__oauth2_token_cleanup(struct sluice_oauth2_token *tok);

#endif
