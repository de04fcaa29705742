/* mock_auth.h: the authenticated side of neows-mock: an OAuth2 token
 * endpoint (client credentials grant) and the feed under prefixes that
 * demand a credential instead of an api key (docs/internals/mock.md#auth). */
#ifndef NEOWS_MOCK_AUTH_H
#define NEOWS_MOCK_AUTH_H

#include <stddef.h>

#include <microhttpd.h>

struct outcome;

/* An --auth-* or --oauth-* option with its value: 1 taken, 0 not one of
 * these, -1 a bad value. */
int auth_option(const char *opt, const char *val);

/* Decides a request under an auth route. 1: answered (o set: a token, or
 * a 401/400 JSON error); 0: authorised, the feed follows with the first
 * *strip bytes of the path removed; -1: not an auth route. -2: out of
 * memory. `body` is the request body (the token request's form). */
int auth_decide(struct MHD_Connection *c, const char *method, const char *uri,
                const char *body, size_t body_n, struct outcome *o,
                size_t *strip);

#endif
