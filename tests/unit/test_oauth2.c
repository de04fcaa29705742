/* test_oauth2.c: the OAuth2 client credentials grant's pure parts
 * (http/oauth2.c): the token request's form, every kind of answer (a
 * token, with or without expires_in; RFC 6749's error shape; an answer
 * that is not a token), and when a token must be renewed. The request
 * itself is exercised against the bundled server (tests/e2e/auth_types.sh). */
#include "harness.h"
#include "http/oauth2.h"

static void test_form(void)
{
    struct sluice_oauth2_param extra[] = {{"audience", "https://api.x/"},
                                          {"resource", "a&b"}};
    struct sluice_oauth2_client c = {"https://h/token", "my id", "s3cr=t+/",
                                     "read write", extra, 2};
    struct sluice_buf b;
    sluice__buf_init(&b, 4096);
    ASSERT_EQ(sluice__oauth2_form(&c, &b), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&b),
                  "grant_type=client_credentials&client_id=my%20id&"
                  "client_secret=s3cr%3Dt%2B%2F&scope=read%20write&"
                  "audience=https%3A%2F%2Fapi.x%2F&resource=a%26b");
    /* no scope, no extra: not sent */
    c.scope = NULL;
    c.n_extra = 0;
    sluice__buf_reset(&b);
    ASSERT_EQ(sluice__oauth2_form(&c, &b), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&b),
                  "grant_type=client_credentials&client_id=my%20id&"
                  "client_secret=s3cr%3Dt%2B%2F");
    sluice__buf_cleanup(&b);
}

static void test_answers(void)
{
    static const struct {
        long status;
        const char *body;
        int rc;
        const char *token; /* or the error message */
        double lifetime;
    } cases[] = {
        {200, "{\"access_token\":\"abc.def\",\"token_type\":\"Bearer\","
              "\"expires_in\":3600}",
         SLUICE_OK, "abc.def", 3600},
        /* expires_in as a string (some providers), token_type any case */
        {200, "{\"token_type\":\"bearer\",\"expires_in\":\"60\","
              "\"access_token\":\"t\\/1\"}",
         SLUICE_OK, "t/1", 60},
        /* no expires_in: kept until a 401 */
        {201, "{\"access_token\":\"x\",\"scope\":{\"nested\":[1]}}", SLUICE_OK,
         "x", 0},
        {401, "{\"error\":\"invalid_client\",\"error_description\":\"Client "
              "authentication failed\"}",
         SLUICE_EAUTH, "HTTP 401: invalid_client: Client authentication failed",
         0},
        {400, "{\"error\":\"invalid_scope\"}", SLUICE_EAUTH,
         "HTTP 400: invalid_scope", 0},
        {503, "<html><h1>Service Unavailable</h1></html>", SLUICE_EAUTH,
         "HTTP 503: Service Unavailable", 0},
        {500, "", SLUICE_EAUTH, "HTTP 500", 0},
        {200, "{\"token_type\":\"Bearer\"}", SLUICE_EAUTH,
         "HTTP 200: the answer has no access_token string", 0},
        {200, "{\"access_token\":42}", SLUICE_EAUTH,
         "HTTP 200: the answer has no access_token string", 0},
        {200, "{\"access_token\":\"\"}", SLUICE_EAUTH,
         "HTTP 200: the answer has no access_token string", 0},
        {200, "{\"data\":{\"access_token\":\"deep\"}}", SLUICE_EAUTH,
         "HTTP 200: the answer has no access_token string", 0},
        {200, "[\"access_token\"]", SLUICE_EAUTH,
         "HTTP 200: the answer is not a JSON object", 0},
        {200, "access_token=x", SLUICE_EAUTH,
         "HTTP 200: the answer is not JSON: byte 0 (line 1, col 1): "
         "expected a value", 0},
        {200, "{\"access_token\":\"x\",\"token_type\":\"mac\"}", SLUICE_EAUTH,
         "HTTP 200: token_type 'mac' is not Bearer, the only kind sluice sends",
         0},
        {200, "{\"access_token\":\"x\",\"expires_in\":-5}", SLUICE_EAUTH,
         "HTTP 200: expires_in is not a positive number of seconds", 0},
        {200, "{\"access_token\":\"x\",\"expires_in\":\"soon\"}", SLUICE_EAUTH,
         "HTTP 200: expires_in is not a positive number of seconds", 0},
    };
    FOR_CASES(i, cases) {
        struct sluice_oauth2_token t = {NULL, 0, 0};
        struct sluice_err err = {{0}};
        int rc = sluice__oauth2_parse(cases[i].status, cases[i].body,
                                      strlen(cases[i].body), &t, &err);
        ASSERT_EQ(rc, cases[i].rc);
        if (rc == SLUICE_OK) {
            ASSERT_STR_EQ(t.access_token, cases[i].token);
            ASSERT_TRUE(t.lifetime == cases[i].lifetime);
        } else {
            ASSERT_STR_EQ(err.msg, cases[i].token);
            ASSERT_TRUE(t.access_token == NULL);
        }
        sluice__oauth2_token_cleanup(&t);
    }
}

static void test_renewal(void)
{
    struct sluice_oauth2_token t = {NULL, 100, 0};
    ASSERT_TRUE(sluice__oauth2_due(&t, 0)); /* none yet */
    t.access_token = sluice__strdup("x");
    /* no expires_in: never renewed on time, only on a 401 */
    ASSERT_TRUE(!sluice__oauth2_due(&t, 1e9));
    /* an hour: renewed a minute before it ends */
    t.lifetime = 3600;
    ASSERT_TRUE(!sluice__oauth2_due(&t, 100 + 3539));
    ASSERT_TRUE(sluice__oauth2_due(&t, 100 + 3540));
    /* ten seconds: renewed halfway, never with one about to expire */
    t.lifetime = 10;
    ASSERT_TRUE(!sluice__oauth2_due(&t, 104.9));
    ASSERT_TRUE(sluice__oauth2_due(&t, 105));
    sluice__oauth2_token_cleanup(&t);
    ASSERT_TRUE(t.access_token == NULL);
}

static const struct harness_test TESTS[] = {
    TEST(test_form),
    TEST(test_answers),
    TEST(test_renewal),
};
HARNESS_MAIN(TESTS)
