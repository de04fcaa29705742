/* test_job_auth.c: source.auth at load (config/job_load_auth.c) and in the
 * requests a window makes (pipeline/window_io.c): each type's header line
 * or query parameter, every credential a secret whatever its variable's
 * name, the errors (positioned, never showing a credential), URL
 * credentials moved to basic auth, and what a redirect to another origin
 * keeps (no credential). */
#include "config/job.h"
#include "harness.h"
#include "pipeline/window_io.h"

static const char *const ENV[] = {"TOK", "tok-0123456789abcdef",
                                  "PW",  "p@ss w0rd-long",
                                  "KEY", "key-0123456789",
                                  NULL};

static const char *env(void *ud, const char *name)
{
    (void)ud;
    for (size_t i = 0; ENV[i]; i += 2)
        if (!strcmp(ENV[i], name))
            return ENV[i + 1];
    return NULL;
}

#define BASE                                                                   \
    "name=t", "windows.from=2020-01-01", "windows.to=2020-01-03",               \
        "windows.step=1d", "output.path=o/{start}.ndjson",                     \
        "source.params.start={start}"

static int load(const char *url, const char *auth, const char *extra,
                struct sluice_job **job, struct sluice_err *err)
{
    const char *sets[] = {BASE, url, auth, extra};
    size_t n = SLUICE_ARRAY_LEN(sets) - (auth ? 0 : 2) - (auth && !extra);
    struct sluice_job_load_opts o = {.sets = sets, .n_sets = n,
                                     .getenv_fn = env};
    *job = NULL;
    err->msg[0] = '\0';
    return sluice__job_load(&o, job, err);
}

/* The window's headers, one per line, and its URL. */
static void request(const struct sluice_job *job, bool with_secrets,
                    struct sluice_buf *hdrs, struct sluice_buf *url)
{
    struct sluice_window w;
    struct sluice_err err;
    struct curl_slist *list = NULL;
    sluice__window_at(&job->windows, 0, &w);
    ASSERT_EQ(sluice__window_headers(job, &w, with_secrets, &list, &err),
              SLUICE_OK);
    for (struct curl_slist *l = list; l; l = l->next)
        ASSERT_EQ(sluice__buf_appendf(hdrs, "%s\n", l->data), SLUICE_OK);
    curl_slist_free_all(list);
    ASSERT_EQ(sluice__window_url(job, &w, url, &err), SLUICE_OK);
}

static void test_types(void)
{
    static const struct {
        const char *auth, *header, *url, *hidden;
        int type;
    } cases[] = {
        {"source.auth={type: bearer, token: \"${TOK}\"}",
         "Authorization: Bearer tok-0123456789abcdef\n",
         "http://h/x?start=2020-01-01", "tok-0123456789abcdef",
         SLUICE_AUTH_BEARER},
        /* RFC 7617's example credentials */
        {"source.auth={type: basic, username: Aladdin, password: "
         "\"open sesame\"}",
         "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\n",
         "http://h/x?start=2020-01-01", "QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
         SLUICE_AUTH_BASIC},
        {"source.auth={type: api_key, name: X-Api-Key, value: \"${KEY}\"}",
         "X-Api-Key: key-0123456789\n", "http://h/x?start=2020-01-01",
         "key-0123456789", SLUICE_AUTH_API_KEY},
        {"source.auth={type: api_key, name: api key, in: query, value: "
         "\"${KEY}\"}",
         "", "http://h/x?start=2020-01-01&api%20key=key-0123456789",
         "key-0123456789", SLUICE_AUTH_API_KEY},
        {"source.auth={type: oauth2_client_credentials, token_url: "
         "\"https://h/token\", client_id: my-client-id, client_secret: "
         "\"${PW}\", scope: \"a b\", extra: {audience: \"https://h/\"}}",
         "", "http://h/x?start=2020-01-01", "p@ss w0rd-long",
         SLUICE_AUTH_OAUTH2},
    };
    FOR_CASES(i, cases) {
        struct sluice_job *job = NULL;
        struct sluice_err err;
        int rc = load("source.url=http://h/x", cases[i].auth, NULL, &job, &err);
        if (rc)
            fprintf(stderr, "  %s\n", err.msg);
        ASSERT_EQ(rc, SLUICE_OK);
        ASSERT_EQ((int)job->source.auth.type, cases[i].type);
        struct sluice_buf h, u;
        sluice__buf_init(&h, 4096);
        sluice__buf_init(&u, 4096);
        request(job, true, &h, &u);
        char want[512];
        snprintf(want, sizeof want, "%sAccept: application/json\n",
                 cases[i].header);
        ASSERT_STR_EQ(sluice__buf_str(&h), want);
        ASSERT_STR_EQ(sluice__buf_str(&u), cases[i].url);
        /* to another origin: no credential at all */
        sluice__buf_reset(&h);
        sluice__buf_reset(&u);
        request(job, false, &h, &u);
        ASSERT_STR_EQ(sluice__buf_str(&h), "Accept: application/json\n");
        /* every credential is a secret, whatever its variable's name */
        ASSERT_TRUE(sluice__redact_needed(job->secrets, cases[i].hidden,
                                          strlen(cases[i].hidden)));
        sluice__buf_cleanup(&h);
        sluice__buf_cleanup(&u);
        if (i == 4) {
            const struct sluice_oauth2_client *c = &job->source.auth.oauth2;
            ASSERT_STR_EQ(c->token_url, "https://h/token");
            ASSERT_STR_EQ(c->client_id, "my-client-id");
            ASSERT_STR_EQ(c->scope, "a b");
            ASSERT_EQ(c->n_extra, 1);
            ASSERT_STR_EQ(c->extra[0].name, "audience");
            /* the client id is a credential; the audience is not */
            ASSERT_TRUE(sluice__redact_needed(job->secrets, "my-client-id",
                                              12));
            ASSERT_TRUE(!sluice__redact_needed(job->secrets, "https://h/", 10));
        }
        sluice__job_free(job);
    }
}

static void test_url_credentials(void)
{
    static const struct {
        const char *url, *bare, *header;
    } cases[] = {
        /* user:password, percent-decoded as curl would (p%40ss = p@ss) */
        {"source.url=https://neo:p%40ss-w0rd@h:8443/v1/feed",
         "https://h:8443/v1/feed",
         "Authorization: Basic bmVvOnBAc3MtdzByZA==\n"},
        /* a lone token as user name: basic with an empty password */
        {"source.url=https://ghp-t0ken-abcdef@h/x", "https://h/x",
         "Authorization: Basic Z2hwLXQwa2VuLWFiY2RlZjo=\n"},
        {"source.url=http://h/x", "http://h/x", ""},
    };
    FOR_CASES(i, cases) {
        struct sluice_job *job = NULL;
        struct sluice_err err;
        ASSERT_EQ(load(cases[i].url, NULL, NULL, &job, &err), SLUICE_OK);
        ASSERT_STR_EQ(job->source.url, cases[i].bare);
        /* as written, for the ledger's check of what changed */
        ASSERT_STR_EQ(job->source.url_as_written,
                      cases[i].url + strlen("source.url="));
        ASSERT_EQ(job->source.auth.from_url, *cases[i].header != '\0');
        struct sluice_buf h, u;
        sluice__buf_init(&h, 4096);
        sluice__buf_init(&u, 4096);
        request(job, true, &h, &u);
        char want[512];
        snprintf(want, sizeof want, "%sAccept: application/json\n",
                 cases[i].header);
        ASSERT_STR_EQ(sluice__buf_str(&h), want);
        ASSERT_TRUE(strstr(sluice__buf_str(&u), "@") == NULL);
        if (*cases[i].header) {
            const char *b64 = cases[i].header + strlen("Authorization: Basic ");
            ASSERT_TRUE(sluice__redact_needed(job->secrets, b64,
                                              strlen(b64) - 1));
        }
        sluice__buf_cleanup(&h);
        sluice__buf_cleanup(&u);
        sluice__job_free(job);
    }
}

static void test_errors(void)
{
    static const struct {
        const char *url, *auth, *extra, *msg;
    } cases[] = {
        {"source.url=http://h/x", "source.auth={type: digest}", NULL,
         "--set source.auth:1:8: source.auth.type: unknown type 'digest' (use "
         "bearer, basic, api_key or oauth2_client_credentials)"},
        {"source.url=http://h/x", "source.auth={token: x}", NULL,
         "--set source.auth:1:1: source.auth.type: required field is missing"},
        {"source.url=http://h/x", "source.auth={type: bearer, tokn: x}", NULL,
         "--set source.auth:1:16: source.auth.tokn: unknown field 'tokn' (did "
         "you mean 'token'?)"},
        {"source.url=http://h/x", "source.auth={type: bearer, token: \"\"}",
         NULL, "--set source.auth:1:23: source.auth.token: must not be empty"},
        {"source.url=http://h/x",
         "source.auth={type: basic, username: \"a:b\", password: x}", NULL,
         "--set source.auth:1:25: source.auth.username: cannot contain ':' "
         "(RFC 7617)"},
        {"source.url=http://h/x",
         "source.auth={type: api_key, name: \"X Key\", value: \"${KEY}\"}",
         NULL,
         "--set source.auth:1:23: source.auth.name: 'X Key' is not a valid "
         "header name"},
        {"source.url=http://h/x",
         "source.auth={type: api_key, name: k, in: body, value: v}", NULL,
         "--set source.auth:1:30: source.auth.in: unknown value 'body' (use "
         "header or query)"},
        {"source.url=http://h/x",
         "source.auth={type: bearer, token: \"${TOK}\"}",
         "source.headers.authorization=x",
         "--set source.auth:1:1: source.auth: sets the Authorization header, "
         "which source.headers sets too: keep one"},
        {"source.url=http://h/x",
         "source.auth={type: api_key, name: start, in: query, value: v}",
         NULL,
         "--set source.auth:1:1: source.auth: sends the start parameter, "
         "which source.params sends too: keep one"},
        {"source.url=http://u:${TOK}@h/x",
         "source.auth={type: bearer, token: \"${TOK}\"}", NULL,
         "--set source.url:1:1: source.url: has credentials "
         "(user:password@) and source.auth is set too: keep one"},
        {"source.url=http://h/x",
         "source.auth={type: oauth2_client_credentials, token_url: "
         "\"ftp://h/t\", client_id: i, client_secret: s}",
         NULL,
         "--set source.auth:1:46: source.auth.token_url: 'ftp://h/t': only "
         "http:// and https:// URLs are supported"},
        {"source.url=http://h/x",
         "source.auth={type: oauth2_client_credentials, token_url: "
         "\"https://h/t\", client_id: i}",
         NULL,
         "--set source.auth:1:1: source.auth.client_secret: required field is "
         "missing"},
        /* a message about a credential never shows it */
        {"source.url=http://h/x",
         "source.auth={type: bearer, token: \"${TOK}\\n\"}", NULL,
         "--set source.auth:1:23: source.auth.token: cannot contain a line "
         "break"},
    };
    FOR_CASES(i, cases) {
        struct sluice_job *job = NULL;
        struct sluice_err err;
        ASSERT_EQ(load(cases[i].url, cases[i].auth, cases[i].extra, &job, &err),
                  SLUICE_EJOB);
        ASSERT_STR_EQ(err.msg, cases[i].msg);
        ASSERT_TRUE(strstr(err.msg, "tok-0123") == NULL);
        sluice__job_free(job);
    }
}

static const struct harness_test TESTS[] = {
    TEST(test_types),
    TEST(test_url_credentials),
    TEST(test_errors),
};
HARNESS_MAIN(TESTS)
