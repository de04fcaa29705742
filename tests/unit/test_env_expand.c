/* test_env_expand.c: ${VAR} / ${VAR:-default} / $${ expansion: a table of
 * inputs against a fixed environment, the errors, and each substitution
 * reported by name (the loader decides from it what is a secret). */
#include "config/env_expand.h"
#include "harness.h"

static const char *const ENV[][2] = {
    {"HOME", "/home/u"},  {"EMPTY", ""}, {"KEY", "s3cr3t"},
    {"WEIRD", "${HOME}"}, {"_X1", "x"},
};

static const char *env(void *ud, const char *name)
{
    (void)ud;
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(ENV); i++)
        if (!strcmp(ENV[i][0], name))
            return ENV[i][1];
    return NULL;
}

static int expand(const char *in, struct sluice_buf *out, size_t *refs,
                  struct sluice_err *err)
{
    sluice__buf_init(out, 1024);
    return sluice__env_expand(in, strlen(in), env, NULL, NULL, out, refs, err);
}

static void test_table(void)
{
    static const struct {
        const char *in, *out;
        size_t refs;
    } cases[] = {
        {"", "", 0},
        {"plain text", "plain text", 0},
        {"${HOME}", "/home/u", 1},
        {"a${HOME}b${_X1}c",
         "a/home/ub"
         "xc",
         2},
        {"${MISSING:-dflt}", "dflt", 1},
        {"${MISSING:-}", "", 1},
        {"${EMPTY}", "", 1},
        {"${EMPTY:-used}", "used", 1}, /* as in the shell */
        {"${HOME:-unused}", "/home/u", 1},
        {"$${HOME}", "${HOME}", 0},            /* escaped */
        {"$$${HOME}", "$${HOME}", 0},          /* "$" then an escaped "${" */
        {"$HOME $ $$ a$", "$HOME $ $$ a$", 0}, /* bare $ kept */
        {"${WEIRD}", "${HOME}", 1},            /* never rescanned */
        {"${MISSING:-a b:c-d}", "a b:c-d", 1},
        {"{start}", "{start}", 0}, /* templates untouched */
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(cases); i++) {
        struct sluice_buf b;
        struct sluice_err err = {{0}};
        size_t refs = 99;
        int rc = expand(cases[i].in, &b, &refs, &err);
        if (rc != SLUICE_OK)
            fprintf(stderr, "  case %zu: %s\n", i, err.msg);
        ASSERT_EQ(rc, SLUICE_OK);
        ASSERT_STR_EQ(sluice__buf_str(&b), cases[i].out);
        ASSERT_EQ(refs, cases[i].refs);
        sluice__buf_cleanup(&b);
    }
}

static void test_errors(void)
{
    static const struct {
        const char *in, *msg;
    } cases[] = {
        {"${MISSING}",
         "environment variable MISSING is not set (and has no default)"},
        {"x ${HOME", "unterminated '${' at byte 2"},
        {"${}", "bad variable name in '${' at byte 0 (expected letters, "
                "digits or '_')"},
        {"${1A}", "bad variable name in '${' at byte 0 (expected letters, "
                  "digits or '_')"},
        {"${A-b}", "bad reference to A at byte 0: expected '}' or "
                   "':-default}'"},
        {"${A:b}", "bad reference to A at byte 0: expected '}' or "
                   "':-default}'"},
        {"${A B}", "bad reference to A at byte 0: expected '}' or "
                   "':-default}'"},
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(cases); i++) {
        struct sluice_buf b;
        struct sluice_err err = {{0}};
        ASSERT_EQ(expand(cases[i].in, &b, NULL, &err), SLUICE_EJOB);
        ASSERT_STR_EQ(err.msg, cases[i].msg);
        sluice__buf_cleanup(&b);
    }
}

static void test_long_name_rejected(void)
{
    char in[SLUICE_ENV_NAME_MAX + 8];
    struct sluice_buf b;
    struct sluice_err err = {{0}};
    in[0] = '$';
    in[1] = '{';
    memset(in + 2, 'A', SLUICE_ENV_NAME_MAX + 1);
    in[SLUICE_ENV_NAME_MAX + 3] = '}';
    in[SLUICE_ENV_NAME_MAX + 4] = '\0';
    ASSERT_EQ(expand(in, &b, NULL, &err), SLUICE_EJOB);
    ASSERT_TRUE(strstr(err.msg, "longer than 128 bytes") != NULL);
    sluice__buf_cleanup(&b);
}

static void test_output_bound(void)
{
    struct sluice_buf b;
    struct sluice_err err = {{0}};
    sluice__buf_init(&b, 4);
    ASSERT_EQ(sluice__env_expand("${HOME}", 7, env, NULL, NULL, &b, NULL, &err),
              SLUICE_ETOOBIG);
    sluice__buf_cleanup(&b);
}

/* Records each substitution "NAME=value;" as the callback sees it. */
static int record_value(void *ud, const char *name, const char *val,
                        size_t n)
{
    struct sluice_buf *seen = ud;
    return sluice__buf_appendf(seen, "%s=%.*s;", name, (int)n, val);
}

static void test_substitutions_reported(void)
{
    struct sluice_buf b, seen;
    struct sluice_err err = {{0}};
    sluice__buf_init(&b, 1024);
    sluice__buf_init(&seen, 1024);
    const char *in = "k=${KEY}&d=${NOPE:-fallback}&e=${EMPTY}&p=plain";
    ASSERT_EQ(sluice__env_expand(in, strlen(in), env, &seen, record_value,
                                 &b, NULL, &err),
              SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&b), "k=s3cr3t&d=fallback&e=&p=plain");
    /* Every substitution, a default and an empty one included, with the
     * variable's name: the caller decides which are secrets. */
    ASSERT_STR_EQ(sluice__buf_str(&seen),
                  "KEY=s3cr3t;NOPE=fallback;EMPTY=;");
    sluice__buf_cleanup(&b);
    sluice__buf_cleanup(&seen);
}

static void test_embedded_length_respected(void)
{
    /* Only n bytes are read: the "}" past n must not close the reference. */
    struct sluice_buf b;
    struct sluice_err err = {{0}};
    sluice__buf_init(&b, 64);
    ASSERT_EQ(sluice__env_expand("${HOME}", 6, env, NULL, NULL, &b, NULL, &err),
              SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg, "unterminated '${' at byte 0");
    sluice__buf_cleanup(&b);
}

static const struct harness_test TESTS[] = {
    TEST(test_table),
    TEST(test_errors),
    TEST(test_long_name_rejected),
    TEST(test_output_bound),
    TEST(test_substitutions_reported),
    TEST(test_embedded_length_respected),
};
HARNESS_MAIN(TESTS)
