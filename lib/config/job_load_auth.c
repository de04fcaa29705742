/* job_load_auth.c: `source.auth`, how every request proves who sends it
 * (docs/job-file.md#authentication), and the credentials of a URL
 * (`https://user:pass@host/`), which become `basic` here so that the URL
 * sluice shows, logs and sends holds none.
 *
 * Every credential is a secret by construction, whatever its variable is
 * called: it is added to the job's secrets as it is read (so an error
 * about it shows ***), and so is what is built from it (the Basic
 * header's base64). bearer, basic and api_key-in-a-header become one
 * header line, built once here; api_key in the query one parameter; the
 * OAuth2 client's fields are kept for http/oauth2.h, which asks for the
 * token at run time (pipeline/run_auth.c). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/loader.h"
#include "util/base64.h"

#define AUTH_FIELD "source.auth"

static const char *const TYPES[] = {"bearer", "basic", "api_key",
                                    "oauth2_client_credentials"};

/* A credential: required, expanded with every ${VAR} in it a secret, then
 * itself a secret. */
static int credential(struct loader *L, const struct sluice_ynode *auth,
                      const char *key, bool required, char **out)
{
    const struct sluice_ynode *node = NULL;
    char path[PATH_MAX_LEN];
    sluice__cfg_join(path, AUTH_FIELD, key);
    L->in_secret_field = true;
    int rc = required ? sluice__cfg_req_str(L, auth, key, AUTH_FIELD, out, &node)
                      : sluice__cfg_opt_str(L, auth, key, AUTH_FIELD, out, &node);
    L->in_secret_field = false;
    if (rc != SLUICE_OK || !*out)
        return rc;
    rc = sluice__cfg_add_secret(L, &node->mark, path, *out, strlen(*out));
    if (rc == SLUICE_OK && required && !**out)
        rc = sluice__cfg_fail(L, &node->mark, path, "must not be empty");
    if (rc == SLUICE_OK && strpbrk(*out, "\r\n"))
        rc = sluice__cfg_fail(L, &node->mark, path,
                              "cannot contain a line break");
    return rc;
}

static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* "Authorization: Basic base64(user:password)" (RFC 7617); the base64 is
 * a secret too: it is the password, barely disguised. */
static int basic_header(struct loader *L, const struct sluice_ymark *m,
                        const char *user, const char *pass)
{
    struct sluice_auth *a = &L->job->source.auth;
    struct sluice_buf plain, line;
    int rc = SLUICE_OK;
    sluice__buf_init(&plain, 2 * VALUE_MAX + 2);
    sluice__buf_init(&line, 4 * VALUE_MAX);
    SLUICE_TRY(sluice__buf_appendf(&plain, "%s:%s", user, pass));
    SLUICE_TRY(sluice__buf_adds(&line, "Authorization: Basic "));
    size_t at = line.n;
    SLUICE_TRY(sluice__base64_append(&line, plain.p, plain.n));
    SLUICE_TRY(sluice__cfg_add_secret(L, m, AUTH_FIELD, line.p + at,
                                      line.n - at));
    a->header = sluice__buf_take(&line, NULL);
    SLUICE_FAIL_IF(!a->header, SLUICE_ENOMEM, L->err, "out of memory");
out:
    sluice__buf_cleanup(&plain);
    sluice__buf_cleanup(&line);
    return rc;
}

static int load_bearer(struct loader *L, const struct sluice_ynode *auth)
{
    char *token = NULL;
    int rc = credential(L, auth, "token", true, &token);
    if (rc == SLUICE_OK) {
        struct sluice_buf line;
        sluice__buf_init(&line, 2 * VALUE_MAX);
        rc = sluice__buf_appendf(&line, "Authorization: Bearer %s", token);
        L->job->source.auth.header = rc == SLUICE_OK
                                         ? sluice__buf_take(&line, NULL)
                                         : NULL;
        if (!L->job->source.auth.header)
            rc = SLUICE_ENOMEM;
        sluice__buf_cleanup(&line);
    }
    sluice__free(token);
    return rc;
}

static int load_basic(struct loader *L, const struct sluice_ynode *auth)
{
    char *user = NULL, *pass = NULL;
    int rc = SLUICE_OK;
    SLUICE_TRY(credential(L, auth, "username", true, &user));
    SLUICE_TRY(credential(L, auth, "password", false, &pass));
    if (strchr(user, ':')) {
        const struct sluice_ynode *n = sluice__ynode_get(auth, "username");
        rc = sluice__cfg_fail(L, &n->mark, AUTH_FIELD ".username",
                              "cannot contain ':' (RFC 7617)");
        goto out;
    }
    SLUICE_TRY(basic_header(L, &auth->mark, user, pass ? pass : ""));
out:
    sluice__free(user);
    sluice__free(pass);
    return rc;
}

static int load_api_key(struct loader *L, const struct sluice_ynode *auth)
{
    static const char *const places[] = {"header", "query"};
    struct sluice_auth *a = &L->job->source.auth;
    const struct sluice_ynode *name_n = NULL;
    char *name = NULL, *value = NULL;
    int in = 0, rc = SLUICE_OK;
    SLUICE_TRY(sluice__cfg_req_str(L, auth, "name", AUTH_FIELD, &name,
                                   &name_n));
    SLUICE_TRY(sluice__cfg_opt_enum(L, auth, "in", AUTH_FIELD, places, 2,
                                    "header or query", &in));
    SLUICE_TRY(credential(L, auth, "value", true, &value));
    if (!*name) {
        rc = sluice__cfg_fail(L, &name_n->mark, AUTH_FIELD ".name",
                              "must not be empty");
        goto out;
    }
    if (in == 1) {
        a->query_name = name;
        a->query_value = value;
        name = value = NULL;
        goto out;
    }
    for (const char *c = name; *c; c++)
        if (!is_tchar(*c)) {
            rc = sluice__cfg_fail(L, &name_n->mark, AUTH_FIELD ".name",
                                  "'%s' is not a valid header name", name);
            goto out;
        }
    struct sluice_buf line;
    sluice__buf_init(&line, 2 * VALUE_MAX);
    rc = sluice__buf_appendf(&line, "%s: %s", name, value);
    a->header = rc == SLUICE_OK ? sluice__buf_take(&line, NULL) : NULL;
    sluice__buf_cleanup(&line);
    SLUICE_FAIL_IF(!a->header, SLUICE_ENOMEM, L->err, "out of memory");
out:
    sluice__free(name);
    sluice__free(value);
    return rc;
}

static int load_oauth2(struct loader *L, const struct sluice_ynode *auth)
{
    struct sluice_oauth2_client *c = &L->job->source.auth.oauth2;
    const struct sluice_ynode *url_n = NULL, *extra = NULL;
    int rc = SLUICE_OK;
    SLUICE_TRY(sluice__cfg_req_str(L, auth, "token_url", AUTH_FIELD,
                                   &c->token_url, &url_n));
    if (strncasecmp(c->token_url, "https://", 8) != 0 &&
        strncasecmp(c->token_url, "http://", 7) != 0) {
        rc = sluice__cfg_fail(L, &url_n->mark, AUTH_FIELD ".token_url",
                              "'%s': only http:// and https:// URLs are "
                              "supported",
                              c->token_url);
        goto out;
    }
    SLUICE_TRY(credential(L, auth, "client_id", true, &c->client_id));
    SLUICE_TRY(credential(L, auth, "client_secret", true, &c->client_secret));
    SLUICE_TRY(sluice__cfg_opt_str(L, auth, "scope", AUTH_FIELD, &c->scope,
                                   NULL));
    /* extra: more fields of the token request (audience, resource). Not
     * secrets: an audience is often the API's own URL, and hiding it
     * would rewrite it in every record. */
    SLUICE_TRY(sluice__cfg_section(L, auth, "extra", NULL, 0, &extra));
    if (!extra || extra->n == 0)
        goto out;
    if (extra->n > KV_MAX) {
        rc = sluice__cfg_fail(L, &extra->mark, AUTH_FIELD ".extra",
                              "more than %d entries", KV_MAX);
        goto out;
    }
    c->extra = sluice__calloc(extra->n, sizeof *c->extra);
    SLUICE_FAIL_IF(!c->extra, SLUICE_ENOMEM, L->err, "out of memory");
    for (size_t i = 0; i < extra->n; i++) {
        char path[PATH_MAX_LEN];
        const struct sluice_yentry *e = &extra->entries[i];
        sluice__cfg_join(path, AUTH_FIELD ".extra", e->key);
        c->extra[i].name = sluice__strdup(e->key);
        SLUICE_FAIL_IF(!c->extra[i].name, SLUICE_ENOMEM, L->err,
                       "out of memory");
        c->n_extra = i + 1;
        if (sluice__ynode_is_null(e->val)) {
            rc = sluice__cfg_fail(L, &e->val->mark, path,
                                  "has no value (write \"\" for an empty one)");
            goto out;
        }
        SLUICE_TRY(sluice__cfg_scalar_text(L, e->val, path, &c->extra[i].value,
                                           NULL));
    }
out:
    return rc;
}

/* The header line must not also be set in source.headers, nor the query
 * parameter in source.params: which would win is not a question a job
 * should leave open. */
static int header_once(struct loader *L, const struct sluice_ynode *auth)
{
    const struct sluice_auth *a = &L->job->source.auth;
    for (size_t i = 0; a->query_name && i < L->job->source.n_params; i++)
        if (strcmp(L->job->source.params[i].name, a->query_name) == 0)
            return sluice__cfg_fail(L, &auth->mark, AUTH_FIELD,
                                    "sends the %s parameter, which "
                                    "source.params sends too: keep one",
                                    a->query_name);
    if (!a->header)
        return SLUICE_OK;
    size_t n = strcspn(a->header, ":");
    for (size_t i = 0; i < L->job->source.n_headers; i++) {
        const char *h = L->job->source.headers[i].name;
        if (strlen(h) == n && strncasecmp(h, a->header, n) == 0)
            return sluice__cfg_fail(L, &auth->mark, AUTH_FIELD,
                                    "sets the %.*s header, which "
                                    "source.headers sets too: keep one",
                                    (int)n, a->header);
    }
    return SLUICE_OK;
}

/* Splits off a URL's userinfo ("https://user:pass@host/x" ->
 * "https://host/x"): *at is where it starts (after "://") and *len its
 * length with the '@'; false when there is none. */
static bool find_userinfo(const char *url, size_t *at, size_t *len)
{
    const char *auth = strstr(url, "://");
    if (!auth)
        return false;
    auth += 3;
    size_t end = strcspn(auth, "/?#");
    const char *last = NULL;
    for (size_t i = 0; i < end; i++)
        if (auth[i] == '@')
            last = auth + i; /* the last '@' ends the userinfo */
    if (!last)
        return false;
    *at = (size_t)(auth - url);
    *len = (size_t)(last - auth) + 1;
    return true;
}

/* Percent-decoding, as curl does to userinfo before it sends it. */
static char *decode(const char *p, size_t n)
{
    char *d = sluice__malloc(n + 1);
    size_t k = 0;
    if (!d)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '%' && i + 2 < n &&
            sluice__hex_digit((unsigned char)p[i + 1]) >= 0 &&
            sluice__hex_digit((unsigned char)p[i + 2]) >= 0) {
            d[k++] = (char)(sluice__hex_digit((unsigned char)p[i + 1]) * 16 +
                            sluice__hex_digit((unsigned char)p[i + 2]));
            i += 2;
        } else {
            d[k++] = p[i];
        }
    }
    d[k] = '\0';
    return d;
}

/* Credentials in source.url become basic auth, and the URL loses them:
 * then no URL sluice builds, logs, reports or stores holds them at all,
 * redacted or not, and a redirect has nothing to strip. */
static int from_url(struct loader *L, const struct sluice_ynode *src,
                    bool have_auth)
{
    struct sluice_job *job = L->job;
    const struct sluice_ynode *url_n = sluice__ynode_get(src, "url");
    size_t at = 0, len = 0;
    char *user = NULL, *pass = NULL, *bare = NULL;
    int rc = SLUICE_OK;
    job->source.url_as_written = sluice__strdup(job->source.url);
    SLUICE_FAIL_IF(!job->source.url_as_written, SLUICE_ENOMEM, L->err,
                   "out of memory");
    if (!find_userinfo(job->source.url, &at, &len))
        return SLUICE_OK;
    if (have_auth)
        return sluice__cfg_fail(L, &url_n->mark, "source.url",
                                "has credentials (user:password@) and "
                                "source.auth is set too: keep one");
    const char *info = job->source.url + at;
    const char *colon = memchr(info, ':', len - 1);
    size_t ulen = colon ? (size_t)(colon - info) : len - 1;
    user = decode(info, ulen);
    pass = colon ? decode(colon + 1, (size_t)(info + len - 1 - colon - 1))
                 : sluice__strdup("");
    SLUICE_FAIL_IF(!user || !pass, SLUICE_ENOMEM, L->err, "out of memory");
    size_t total = strlen(job->source.url);
    bare = sluice__malloc(total - len + 1);
    SLUICE_FAIL_IF(!bare, SLUICE_ENOMEM, L->err, "out of memory");
    memcpy(bare, job->source.url, at);
    memcpy(bare + at, info + len, total - at - len + 1);
    SLUICE_TRY(basic_header(L, &url_n->mark, user, pass));
    job->source.auth.type = SLUICE_AUTH_BASIC;
    job->source.auth.from_url = true;
    sluice__free(job->source.url);
    job->source.url = bare;
    bare = NULL;
out:
    sluice__free(user);
    sluice__free(pass);
    sluice__free(bare);
    return rc;
}

int sluice__cfg_load_auth(struct loader *L, const struct sluice_ynode *src)
{
    static const char *const keys[][7] = {
        {"type", "token"},
        {"type", "username", "password"},
        {"type", "name", "in", "value"},
        {"type", "token_url", "client_id", "client_secret", "scope", "extra"},
    };
    static const size_t n_keys[] = {2, 3, 4, 6};
    const struct sluice_ynode *auth = NULL, *type_n = NULL;
    char *type = NULL;
    int rc = SLUICE_OK;
    size_t t = 0;
    SLUICE_TRY(sluice__cfg_section(L, src, "auth", NULL, 0, &auth));
    SLUICE_TRY(from_url(L, src, auth != NULL));
    if (!auth)
        goto out;
    SLUICE_TRY(sluice__cfg_req_str(L, auth, "type", AUTH_FIELD, &type,
                                   &type_n));
    while (t < SLUICE_ARRAY_LEN(TYPES) && strcasecmp(type, TYPES[t]) != 0)
        t++;
    if (t == SLUICE_ARRAY_LEN(TYPES)) {
        rc = sluice__cfg_fail(L, &type_n->mark, AUTH_FIELD ".type",
                              "unknown type '%s' (use bearer, basic, api_key "
                              "or oauth2_client_credentials)",
                              type);
        goto out;
    }
    SLUICE_TRY(sluice__cfg_check_keys(L, auth, AUTH_FIELD, keys[t], n_keys[t]));
    L->job->source.auth.type = (enum sluice_auth_type)(t + 1);
    switch (L->job->source.auth.type) {
    case SLUICE_AUTH_BEARER:
        SLUICE_TRY(load_bearer(L, auth));
        break;
    case SLUICE_AUTH_BASIC:
        SLUICE_TRY(load_basic(L, auth));
        break;
    case SLUICE_AUTH_API_KEY:
        SLUICE_TRY(load_api_key(L, auth));
        break;
    case SLUICE_AUTH_OAUTH2:
    case SLUICE_AUTH_NONE:
    default:
        SLUICE_TRY(load_oauth2(L, auth));
        break;
    }
    SLUICE_TRY(header_once(L, auth));
out:
    sluice__free(type);
    return rc;
}

void sluice__auth_cleanup(struct sluice_auth *a)
{
    struct sluice_oauth2_client *c = &a->oauth2;
    sluice__free(a->header);
    sluice__free(a->query_name);
    sluice__free(a->query_value);
    sluice__free(c->token_url);
    sluice__free(c->client_id);
    sluice__free(c->client_secret);
    sluice__free(c->scope);
    for (size_t i = 0; i < c->n_extra; i++) {
        sluice__free(c->extra[i].name);
        sluice__free(c->extra[i].value);
    }
    sluice__free(c->extra);
    memset(a, 0, sizeof *a);
}
