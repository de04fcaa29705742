/* test_http.c: query building and the server's own message from error
 * bodies (NeoWs 400/404, the gateway's 403/429, HTML pages). */
#include "harness.h"
#include "http/error_body.h"
#include "http/request.h"
#include "http/transfer_error.h"

static void test_url_params(void)
{
    struct sluice_buf u;
    sluice__buf_init(&u, 4096);
    ASSERT_EQ(sluice__buf_adds(&u, "http://h/feed"), SLUICE_OK);
    ASSERT_EQ(sluice__url_add_param(&u, "start_date", "2020-01-01"), SLUICE_OK);
    ASSERT_EQ(sluice__url_add_param(&u, "q", "a b&c=d/é"), SLUICE_OK);
    ASSERT_STR_EQ(u.p, "http://h/feed?start_date=2020-01-01&q=a%20b%26c%3Dd%2F%C3%A9");
    sluice__buf_reset(&u);
    ASSERT_EQ(sluice__buf_adds(&u, "http://h/feed?x=1"), SLUICE_OK);
    ASSERT_EQ(sluice__url_add_param(&u, "y", "2"), SLUICE_OK);
    ASSERT_STR_EQ(u.p, "http://h/feed?x=1&y=2");
    sluice__buf_cleanup(&u);
}

struct case_ {
    const char *body;
    const char *want;
};

static void test_error_messages(void)
{
    static const struct case_ cases[] = {
        {"{\"code\":400,\"http_error\":\"BAD_REQUEST\",\"error_message\":"
         "\"Date Format Exception - Expected format (yyyy-mm-dd) - The Feed "
         "date limit is only 7 Days\",\"request\":\"http://x\"}",
         "Date Format Exception - Expected format (yyyy-mm-dd) - The Feed "
         "date limit is only 7 Days"},
        {"{\n  \"error\": {\n    \"code\": \"API_KEY_INVALID\",\n    "
         "\"message\": \"An invalid api_key was supplied.\"\n  }\n}",
         "API_KEY_INVALID: An invalid api_key was supplied."},
        {"{\"message\":\"slow down\"}", "slow down"},
        {"{\"error\":\"nope\"}", "nope"},
        /* OAuth 2.0 (RFC 6749 5.2, RFC 6750 3.1): both halves */
        {"{\"error\":\"invalid_token\",\"error_description\":\"The "
         "access token expired\"}",
         "invalid_token: The access token expired"},
        {"{\"error_description\":\"only this\"}", "only this"},
        {"<html><body><h1>Application error</h1>\n<p>try later</p></body></html>",
         "Application error try later"},
        {"plain\ttext\nbody", "plain text body"},
        {"", ""},
    };
    FOR_CASES(i, cases) {
        struct sluice_buf m;
        sluice__buf_init(&m, 4096);
        ASSERT_EQ(sluice__http_error_message(cases[i].body,
                                             strlen(cases[i].body), &m),
                  SLUICE_OK);
        ASSERT_STR_EQ(sluice__buf_str(&m), cases[i].want);
        sluice__buf_cleanup(&m);
    }
}

static void test_error_message_is_bounded(void)
{
    char body[5000];
    memset(body, 'x', sizeof body);
    struct sluice_buf m;
    sluice__buf_init(&m, 1 << 20);
    ASSERT_EQ(sluice__http_error_message(body, sizeof body, &m), SLUICE_OK);
    ASSERT_TRUE(m.n <= 300);
    sluice__buf_cleanup(&m);
}

/* curl's codes in words that say what happened and which field governs. */
static void test_transfer_failures_described(void)
{
    struct sluice_err e = {{0}};
    struct sluice_transfer_failure f = {CURLE_OUT_OF_MEMORY, "", true};
    sluice__http_describe_failure(&f, &e);
    ASSERT_STR_EQ(e.msg, "response header line over 100 KiB, the most "
                         "libcurl accepts (it reports this as \"Out of "
                         "memory\")");
    f.in_headers = false; /* in the body: nothing to reinterpret */
    sluice__http_describe_failure(&f, &e);
    ASSERT_STR_EQ(e.msg, "Out of memory");

    struct sluice_transfer_failure slow = {
        CURLE_OPERATION_TIMEDOUT,
        "Operation too slow. Less than 100 bytes/sec transferred the last 60 "
        "seconds",
        false};
    sluice__http_describe_failure(&slow, &e);
    ASSERT_TRUE(strstr(e.msg, "Timeout was reached: Operation too slow") ==
                e.msg);
    ASSERT_TRUE(strstr(e.msg, "(http.low_speed_limit and http.low_speed_time)"));
    struct sluice_transfer_failure total = {
        CURLE_OPERATION_TIMEDOUT,
        "Operation timed out after 300000 milliseconds with 5 bytes received",
        false};
    sluice__http_describe_failure(&total, &e);
    ASSERT_TRUE(strstr(e.msg, "received (http.timeout)") != NULL);
    struct sluice_transfer_failure conn = {
        CURLE_OPERATION_TIMEDOUT, "Connection timed out after 10001 milliseconds",
        true};
    sluice__http_describe_failure(&conn, &e);
    ASSERT_TRUE(strstr(e.msg, "(http.connect_timeout)") != NULL);
    struct sluice_transfer_failure refused = {
        CURLE_COULDNT_CONNECT, "Failed to connect to h port 1: Refused", true};
    sluice__http_describe_failure(&refused, &e);
    ASSERT_STR_EQ(e.msg, "Couldn't connect to server: Failed to connect to h "
                         "port 1: Refused");
}

static const struct harness_test TESTS[] = {
    TEST(test_transfer_failures_described),
    TEST(test_url_params),
    TEST(test_error_messages),
    TEST(test_error_message_is_bounded),
};
HARNESS_MAIN(TESTS)
