/* mock_auth.c: credentials other than the gateway's api key, as the APIs
 * sluice meets ask for them (docs/internals/mock.md#auth):
 *
 *   POST /oauth/token   the OAuth2 client credentials grant (RFC 6749 4.4):
 *                       client_id and client_secret in the form body (or
 *                       HTTP Basic), grant_type=client_credentials; answers
 *                       {"access_token", "token_type": "Bearer",
 *                       "expires_in"}, or 401 invalid_client / 400
 *                       unsupported_grant_type in RFC 6749 5.2's shape.
 *   /oauth/<api>        the feed, for a token this server issued and that
 *                       has uses left (--oauth-token-uses: a token that
 *                       "expires" after N requests, so that a test decides
 *                       exactly when, with no clock), else 401
 *                       invalid_token.
 *   /bearer/<api>       the feed for Authorization: Bearer <--auth-bearer>.
 *   /basic/<api>        the feed for Authorization: Basic <--auth-basic>.
 *
 * --oauth-max-tokens N: the token requests after the N-th are refused
 * (401 invalid_client, "revoked"), so a test can make a renewal fail.
 * --oauth-require FIELD=VALUE (repeatable): a token request whose form
 * lacks that field with that value gets 400 invalid_request (a test
 * proves the scope and extra fields were sent).
 *
 * Under these routes the feed's links echo the credential presented where
 * NeoWs echoes the api key (api_key=<token>), so a client's records hold
 * it unless it hides it.
 *
 * Tokens are numbered: "mocktok-<n>-<random hex>", n from 1, so the log
 * and a test can tell them apart; the token endpoint's requests are in
 * the --log like any other (POST /oauth/token <status>), never its body. */
#include "mock_auth.h"

#include "mock_route.h"
#include "mock_util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_TOKENS 1024

static const char *bearer_token;  /* --auth-bearer */
static char *basic_expected;      /* "Basic " + base64(--auth-basic) */
static const char *client_id, *client_secret; /* --oauth-client ID:SECRET */
static char *client_buf;
static long expires_in = 3600;    /* --oauth-expires-in */
static long token_uses;           /* --oauth-token-uses, 0: unlimited */
static long max_tokens = -1;      /* --oauth-max-tokens, -1: no limit */
#define MAX_REQUIRE 8
static const char *require[MAX_REQUIRE]; /* --oauth-require FIELD=VALUE */
static int n_require;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char text[64];
    long used;
} tokens[MAX_TOKENS];
static int n_tokens;
static uint64_t seed;

static char *base64(const char *s)
{
    static const char a[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s), k = 0;
    char *out = malloc(4 * (n / 3 + 1) + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)s[i + 2];
        out[k++] = a[(v >> 18) & 63];
        out[k++] = a[(v >> 12) & 63];
        out[k++] = i + 1 < n ? a[(v >> 6) & 63] : '=';
        out[k++] = i + 2 < n ? a[v & 63] : '=';
    }
    out[k] = '\0';
    return out;
}

int auth_option(const char *opt, const char *val)
{
    char *end = NULL;
    if (strcmp(opt, "--auth-bearer") == 0) {
        bearer_token = val;
        return *val ? 1 : -1;
    }
    if (strcmp(opt, "--auth-basic") == 0) {
        char *b = base64(val);
        size_t n = b ? strlen(b) + 7 : 0;
        free(basic_expected);
        basic_expected = b ? malloc(n) : NULL;
        if (basic_expected)
            snprintf(basic_expected, n, "Basic %s", b);
        free(b);
        return basic_expected && strchr(val, ':') ? 1 : -1;
    }
    if (strcmp(opt, "--oauth-client") == 0) {
        free(client_buf);
        client_buf = strdup(val);
        char *colon = client_buf ? strchr(client_buf, ':') : NULL;
        if (!colon)
            return -1;
        *colon = '\0';
        client_id = client_buf;
        client_secret = colon + 1;
        return 1;
    }
    if (strcmp(opt, "--oauth-expires-in") == 0) {
        expires_in = strtol(val, &end, 10);
        return end != val && !*end && expires_in >= 0 ? 1 : -1;
    }
    if (strcmp(opt, "--oauth-require") == 0) {
        if (n_require == MAX_REQUIRE || !strchr(val, '='))
            return -1;
        require[n_require++] = val;
        return 1;
    }
    if (strcmp(opt, "--oauth-max-tokens") == 0) {
        max_tokens = strtol(val, &end, 10);
        return end != val && !*end && max_tokens >= 0 ? 1 : -1;
    }
    if (strcmp(opt, "--oauth-token-uses") == 0) {
        token_uses = strtol(val, &end, 10);
        return end != val && !*end && token_uses >= 0 ? 1 : -1;
    }
    return 0;
}

static void json_answer(struct outcome *o, unsigned status, const char *body)
{
    o->status = status;
    o->ctype = "application/json";
    o->own = strdup(body);
    o->n = o->own ? strlen(o->own) : 0;
}

static void oauth_error(struct outcome *o, unsigned status, const char *error,
                        const char *description)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"error\":\"%s\",\"error_description\":\"%s\"}", error,
             description);
    json_answer(o, status, body);
}

/* The value of form field `name` in an urlencoded body, decoded, into
 * out (empty when absent). */
static void form_get(const char *body, size_t n, const char *name, char *out,
                     size_t cap)
{
    size_t len = strlen(name);
    out[0] = '\0';
    for (size_t i = 0; i < n;) {
        size_t end = i;
        while (end < n && body[end] != '&')
            end++;
        if (end - i > len && memcmp(body + i, name, len) == 0 &&
            body[i + len] == '=') {
            size_t v = end - i - len - 1;
            if (v >= cap)
                v = cap - 1;
            memcpy(out, body + i + len + 1, v);
            out[v] = '\0';
            url_decode(out);
            return;
        }
        i = end + 1;
    }
}

static int token_request(struct MHD_Connection *c, const char *method,
                         const char *body, size_t n, struct outcome *o)
{
    char grant[64], id[256], secret[256];
    if (strcmp(method, "POST") != 0) {
        oauth_error(o, 405, "invalid_request", "the token endpoint takes POST");
        return o->own ? 1 : -2;
    }
    form_get(body, n, "grant_type", grant, sizeof grant);
    form_get(body, n, "client_id", id, sizeof id);
    form_get(body, n, "client_secret", secret, sizeof secret);
    /* client_secret_basic (RFC 6749 2.3.1) counts as well */
    const char *authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                    "Authorization");
    char *basic = NULL;
    if (authz && client_id) {
        size_t k = strlen(client_id) + strlen(client_secret) + 2;
        char *pair = malloc(k);
        if (pair) {
            snprintf(pair, k, "%s:%s", client_id, client_secret);
            basic = base64(pair);
            free(pair);
        }
    }
    int basic_ok = basic && strncmp(authz, "Basic ", 6) == 0 &&
                   strcmp(authz + 6, basic) == 0;
    free(basic);
    if (strcmp(grant, "client_credentials") != 0) {
        oauth_error(o, 400, "unsupported_grant_type",
                    "only client_credentials is supported");
        return o->own ? 1 : -2;
    }
    if (!client_id || (!basic_ok && (strcmp(id, client_id) != 0 ||
                                     strcmp(secret, client_secret) != 0))) {
        oauth_error(o, 401, "invalid_client",
                    "Client authentication failed: unknown client or wrong "
                    "secret");
        return o->own ? 1 : -2;
    }
    /* --oauth-require: the scope, an audience... exactly as asked */
    for (int i = 0; i < n_require; i++) {
        const char *eq = strchr(require[i], '=');
        char field[64], got[256];
        snprintf(field, sizeof field, "%.*s", (int)(eq - require[i]),
                 require[i]);
        form_get(body, n, field, got, sizeof got);
        if (strcmp(got, eq + 1) != 0) {
            char why[160];
            snprintf(why, sizeof why, "%s must be '%s'", field, eq + 1);
            oauth_error(o, 400, "invalid_request", why);
            return o->own ? 1 : -2;
        }
    }
    char tok[64];
    pthread_mutex_lock(&lock);
    if (!seed)
        seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&seed;
    if (max_tokens >= 0 && n_tokens >= max_tokens) {
        /* the client was revoked meanwhile: a refresh that fails */
        pthread_mutex_unlock(&lock);
        oauth_error(o, 401, "invalid_client", "The client was revoked");
        return o->own ? 1 : -2;
    }
    if (n_tokens == MAX_TOKENS) {
        pthread_mutex_unlock(&lock);
        oauth_error(o, 503, "temporarily_unavailable", "too many tokens");
        return o->own ? 1 : -2;
    }
    snprintf(tok, sizeof tok, "mocktok-%d-%016llx", n_tokens + 1,
             (unsigned long long)mock_splitmix64(&seed));
    snprintf(tokens[n_tokens].text, sizeof tokens[n_tokens].text, "%s", tok);
    tokens[n_tokens].used = 0;
    n_tokens++;
    pthread_mutex_unlock(&lock);
    char answer[256];
    snprintf(answer, sizeof answer,
             "{\"access_token\":\"%s\",\"token_type\":\"Bearer\","
             "\"expires_in\":%ld}",
             tok, expires_in);
    json_answer(o, 200, answer);
    return o->own ? 1 : -2;
}

/* A token this server issued with uses left: one is taken. */
static int token_take(const char *tok)
{
    int ok = 0;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < n_tokens; i++) {
        if (strcmp(tokens[i].text, tok) != 0)
            continue;
        if (!token_uses || tokens[i].used < token_uses) {
            tokens[i].used++;
            ok = 1;
        } else {
            ok = -1;
        }
        break;
    }
    pthread_mutex_unlock(&lock);
    return ok;
}

static int prefixed(const char *uri, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(uri, prefix, n) == 0 && uri[n] == '/';
}

int auth_decide(struct MHD_Connection *c, const char *method, const char *uri,
                const char *body, size_t body_n, struct outcome *o,
                size_t *strip)
{
    const char *authz =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (strncmp(uri, "/oauth/token", 12) == 0 &&
        (uri[12] == '\0' || uri[12] == '?'))
        return token_request(c, method, body, body_n, o);
    if (prefixed(uri, "/oauth")) {
        int t = authz && strncmp(authz, "Bearer ", 7) == 0
                    ? token_take(authz + 7)
                    : 0;
        if (t <= 0) {
            oauth_error(o, 401, "invalid_token",
                        t < 0 ? "The access token expired"
                              : "The access token is missing or unknown");
            return o->own ? 1 : -2;
        }
        *strip = 6;
        return 0;
    }
    if (prefixed(uri, "/bearer")) {
        if (!bearer_token || !authz || strncmp(authz, "Bearer ", 7) != 0 ||
            strcmp(authz + 7, bearer_token) != 0) {
            oauth_error(o, 401, "invalid_token",
                        "Bearer token missing or wrong");
            return o->own ? 1 : -2;
        }
        *strip = 7;
        return 0;
    }
    if (prefixed(uri, "/basic")) {
        if (!basic_expected || !authz || strcmp(authz, basic_expected) != 0) {
            oauth_error(o, 401, "unauthorized",
                        "Basic credentials missing or wrong");
            return o->own ? 1 : -2;
        }
        *strip = 6;
        return 0;
    }
    return -1;
}
