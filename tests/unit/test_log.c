/* test_log.c: the logger filters by level before evaluating arguments,
 * redacts secrets in every message, bounds long messages without cutting a
 * secret into a visible prefix, and is silent when unset. */
#include "harness.h"
#include "util/log.h"

struct capture {
    int calls;
    enum sluice_log_level level;
    char last[SLUICE_LOG_MAX + 64];
    size_t last_len;
};

static void capture_fn(void *ud, enum sluice_log_level level, const char *msg)
{
    struct capture *c = ud;
    c->calls++;
    c->level = level;
    c->last_len = strlen(msg);
    snprintf(c->last, sizeof c->last, "%s", msg);
}

static int evaluated;
static const char *side_effect(void)
{
    evaluated++;
    return "x";
}

static void test_level_checked_before_arguments(void)
{
    struct capture c = {0};
    struct sluice_logger lg;
    sluice__log_init(&lg, capture_fn, &c, SLUICE_LOG_INFO, NULL);
    evaluated = 0;
    SLUICE_LOG(&lg, SLUICE_LOG_DEBUG, "%s", side_effect());
    SLUICE_LOG(&lg, SLUICE_LOG_TRACE, "%s", side_effect());
    ASSERT_EQ(evaluated, 0);
    ASSERT_EQ(c.calls, 0);
    SLUICE_LOG(&lg, SLUICE_LOG_INFO, "window %d of %d: %s", 3, 314,
               side_effect());
    ASSERT_EQ(evaluated, 1);
    ASSERT_EQ(c.calls, 1);
    ASSERT_EQ(c.level, SLUICE_LOG_INFO);
    ASSERT_STR_EQ(c.last, "window 3 of 314: x");
    SLUICE_LOG(&lg, SLUICE_LOG_ERROR, "plain");
    ASSERT_EQ(c.calls, 2);
    ASSERT_STR_EQ(c.last, "plain");
}

static void test_unset_logger_is_silent(void)
{
    struct sluice_logger zero = {0};
    evaluated = 0;
    SLUICE_LOG(&zero, SLUICE_LOG_ERROR, "%s", side_effect());
    SLUICE_LOG((struct sluice_logger *)NULL, SLUICE_LOG_ERROR, "%s",
               side_effect());
    ASSERT_EQ(evaluated, 0);
}

static void test_redacts(void)
{
    struct sluice_secrets *s = sluice__secrets_new();
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ(sluice__secrets_add(s, "c4n4ry key", 10), SLUICE_OK);
    struct capture c = {0};
    struct sluice_logger lg;
    sluice__log_init(&lg, capture_fn, &c, SLUICE_LOG_TRACE, s);
    SLUICE_LOG(&lg, SLUICE_LOG_DEBUG, "GET %s?api_key=%s", "https://x/feed",
               "c4n4ry%20key");
    ASSERT_STR_EQ(c.last, "GET https://x/feed?api_key=***");
    SLUICE_LOG(&lg, SLUICE_LOG_WARN, "body: {\"k\":\"%s\"}", "c4n4ry key");
    ASSERT_STR_EQ(c.last, "body: {\"k\":\"***\"}");
    sluice__secrets_free(s);
}

/* A long message is redacted whole, then cut: a secret straddling the
 * cut leaves no visible prefix, and the output ends in "...". */
static void test_long_messages(void)
{
    static char big[SLUICE_LOG_MAX * 5];
    struct sluice_secrets *s = sluice__secrets_new();
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ(sluice__secrets_add(s, "ZQZQZQZQZQ", 10), SLUICE_OK);
    struct capture c = {0};
    struct sluice_logger lg;
    sluice__log_init(&lg, capture_fn, &c, SLUICE_LOG_TRACE, s);

    /* 600 bytes: past the stack buffer, below the cap. */
    memset(big, 'a', 600);
    memcpy(big + 589, " ZQZQZQZQZQ", 11); /* bounded, as a secret stands */
    big[600] = '\0';
    SLUICE_LOG(&lg, SLUICE_LOG_INFO, "%s", big);
    ASSERT_EQ(c.last_len, 593);
    ASSERT_STR_EQ(c.last + 589, " ***");

    /* A secret across the SLUICE_LOG_MAX boundary. */
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big + SLUICE_LOG_MAX - 9, " ZQZQZQZQZQ ", 12);
    SLUICE_LOG(&lg, SLUICE_LOG_INFO, "%s", big);
    ASSERT_EQ(c.last_len, SLUICE_LOG_MAX);
    ASSERT_TRUE(strstr(c.last, "ZQ") == NULL);
    ASSERT_STR_EQ(c.last + SLUICE_LOG_MAX - 3, "...");
    ASSERT_STR_EQ(c.last + SLUICE_LOG_MAX - 10, "a *** a...");
    sluice__secrets_free(s);
}

static const struct harness_test TESTS[] = {
    TEST(test_level_checked_before_arguments),
    TEST(test_unset_logger_is_silent),
    TEST(test_redacts),
    TEST(test_long_messages),
};
HARNESS_MAIN(TESTS)
