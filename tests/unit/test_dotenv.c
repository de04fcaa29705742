/* test_dotenv.c: the .env parser: every syntax form, the edge cases
 * (comments, quotes, CRLF, export, duplicates), positioned errors, the size
 * bound, and loading a missing file. */
#include <unistd.h>

#include "config/dotenv.h"
#include "harness.h"

static struct sluice_dotenv *parse(const char *text, struct sluice_err *err,
                                   int *rc)
{
    struct sluice_dotenv *d = NULL;
    *rc = sluice__dotenv_parse(text, strlen(text), ".env", &d, err);
    return d;
}

static void test_forms(void)
{
    static const char text[] = "# a comment\n"
                               "\n"
                               "   \t\n"
                               "PLAIN=value\n"
                               "SPACED =  padded value   \n"
                               "export EXPORTED=yes\n"
                               "export   WIDE=1\n"
                               "TRAILING=abc # comment\n"
                               "HASH=abc#not-a-comment\n"
                               "EMPTY=\n"
                               "EMPTY_Q=\"\"\n"
                               "DQ=\"a\\nb \\\"q\\\" \\$x \\\\ \\z\" # c\n"
                               "SQ='literal $x \\n # not comment'\n"
                               "URL=https://h/?a=1&b=2\n"
                               "CRLF=dos\r\n"
                               "DUP=first\n"
                               "DUP=second\n"
                               "_under_9=u\n"
                               "EQ=a=b=c\n"
                               "LAST=no newline";
    struct sluice_err err = {{0}};
    int rc;
    struct sluice_dotenv *d = parse(text, &err, &rc);
    ASSERT_EQ(rc, SLUICE_OK);
    static const char *const want[][2] = {
        {"PLAIN", "value"},
        {"SPACED", "padded value"},
        {"EXPORTED", "yes"},
        {"WIDE", "1"},
        {"TRAILING", "abc"},
        {"HASH", "abc#not-a-comment"},
        {"EMPTY", ""},
        {"EMPTY_Q", ""},
        {"DQ", "a\nb \"q\" $x \\ \\z"},
        {"SQ", "literal $x \\n # not comment"},
        {"URL", "https://h/?a=1&b=2"},
        {"CRLF", "dos"},
        {"DUP", "second"},
        {"_under_9", "u"},
        {"EQ", "a=b=c"},
        {"LAST", "no newline"},
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(want); i++) {
        const char *got = sluice__dotenv_get(d, want[i][0]);
        if (!got)
            fprintf(stderr, "  missing %s\n", want[i][0]);
        ASSERT_STR_EQ(got, want[i][1]);
    }
    ASSERT_TRUE(sluice__dotenv_get(d, "NOPE") == NULL);
    ASSERT_TRUE(sluice__dotenv_get(d, "export") == NULL);
    sluice__dotenv_free(d);
}

static void test_errors(void)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"A=1\nnovalue\n", ".env:2:8: expected '=' after novalue"},
        {"A=1\n\n  9X=1\n", ".env:3:3: expected a variable name (KEY=VALUE)"},
        {"=1\n", ".env:1:1: expected a variable name (KEY=VALUE)"},
        {"A B=1\n", ".env:1:3: expected '=' after A"},
        {"A=\"open\n", ".env:1:3: unterminated quoted value"},
        {"A='open\n", ".env:1:3: unterminated quoted value"},
        {"A=\"x\" y\n", ".env:1:7: unexpected text after the closing quote"},
        {"export\n", ".env:1:7: expected '=' after export"},
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(cases); i++) {
        struct sluice_err err = {{0}};
        int rc;
        struct sluice_dotenv *d = parse(cases[i].text, &err, &rc);
        ASSERT_EQ(rc, SLUICE_EJOB);
        ASSERT_TRUE(d == NULL);
        ASSERT_STR_EQ(err.msg, cases[i].msg);
    }
}

static void test_nul_byte_rejected(void)
{
    struct sluice_dotenv *d = NULL;
    struct sluice_err err = {{0}};
    ASSERT_EQ(sluice__dotenv_parse("A=1\nB=x\0y\n", 10, ".env", &d, &err),
              SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg, ".env:2:1: line contains a NUL byte");
}

static void test_size_bound(void)
{
    size_t n = SLUICE_DOTENV_MAX + 1;
    char *big = malloc(n);
    ASSERT_TRUE(big != NULL);
    memset(big, '#', n);
    struct sluice_dotenv *d = NULL;
    struct sluice_err err = {{0}};
    int rc = sluice__dotenv_parse(big, n, ".env", &d, &err);
    free(big);
    ASSERT_EQ(rc, SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg, ".env: larger than 1048576 bytes");
}

static void test_load_missing_and_present(void)
{
    char dir[] = "/tmp/sluice-dotenv-XXXXXX";
    char path[64];
    struct sluice_dotenv *d = NULL;
    struct sluice_err err = {{0}};
    ASSERT_TRUE(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/.env", dir);
    ASSERT_EQ(sluice__dotenv_load(path, &d, &err), SLUICE_OK);
    ASSERT_EQ(sluice__dotenv_count(d), 0);
    sluice__dotenv_free(d);

    FILE *f = fopen(path, "w");
    ASSERT_TRUE(f != NULL);
    fputs("TOKEN=abc\nbad line\n", f);
    fclose(f);
    d = NULL;
    int rc = sluice__dotenv_load(path, &d, &err);
    unlink(path);
    rmdir(dir);
    ASSERT_EQ(rc, SLUICE_EJOB);
    char want[128];
    snprintf(want, sizeof want, "%s:2:5: expected '=' after bad", path);
    ASSERT_STR_EQ(err.msg, want);
}

static const struct harness_test TESTS[] = {
    TEST(test_forms),
    TEST(test_errors),
    TEST(test_nul_byte_rejected),
    TEST(test_size_bound),
    TEST(test_load_missing_and_present),
};
HARNESS_MAIN(TESTS)
