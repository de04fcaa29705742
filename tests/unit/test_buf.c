/* test_buf.c: the bounded buffer: growth, the maximum, take, formatting. */
#include "harness.h"
#include "util/buf.h"

static void test_append_grows_and_terminates(void)
{
    struct sluice_buf b;
    sluice__buf_init(&b, 1 << 20);
    for (int i = 0; i < 1000; i++)
        ASSERT_EQ(sluice__buf_adds(&b, "abc"), SLUICE_OK);
    ASSERT_EQ(b.n, 3000);
    ASSERT_EQ(b.p[3000], '\0');
    ASSERT_EQ(sluice__buf_appendf(&b, "%d-%s", 42, "x"), SLUICE_OK);
    ASSERT_STR_EQ(b.p + 3000, "42-x");
    sluice__buf_cleanup(&b);
}

static void test_max_is_enforced_and_frees(void)
{
    struct sluice_buf b;
    sluice__buf_init(&b, 8);
    ASSERT_EQ(sluice__buf_adds(&b, "12345678"), SLUICE_OK);
    ASSERT_EQ(sluice__buf_addc(&b, '9'), SLUICE_ETOOBIG);
    ASSERT_EQ(b.n, 0);
    ASSERT_TRUE(b.p == NULL);
    ASSERT_STR_EQ(sluice__buf_str(&b), "");
}

/* The inline path of sluice__buf_append at its edges: an append that
 * exactly fills the allocation (its NUL in the last byte) grows first, one
 * that leaves room stays; the bound is enforced whichever path is taken,
 * and a zero-byte append of NULL is fine. ASan sees any write past cap. */
static void test_append_fast_path_edges(void)
{
    struct sluice_buf b;
    sluice__buf_init(&b, 100);
    ASSERT_EQ(sluice__buf_append(&b, "x", 1), SLUICE_OK); /* cap 64 */
    size_t cap = b.cap;
    char fill[128];
    memset(fill, 'a', sizeof fill);
    /* n + 1 + NUL == cap: fits exactly, no growth */
    ASSERT_EQ(sluice__buf_append(&b, fill, cap - b.n - 1), SLUICE_OK);
    ASSERT_EQ(b.cap, cap);
    ASSERT_EQ(b.n, cap - 1);
    ASSERT_EQ(b.p[b.n], '\0');
    /* one more byte must grow (its NUL would not fit) */
    ASSERT_EQ(sluice__buf_append(&b, "b", 1), SLUICE_OK);
    ASSERT_TRUE(b.cap > cap);
    ASSERT_EQ(b.n, cap);
    ASSERT_EQ(b.p[cap - 1], 'b');
    ASSERT_EQ(sluice__buf_append(&b, NULL, 0), SLUICE_OK);
    ASSERT_EQ(b.n, cap);
    /* up to the bound exactly, then one past it */
    ASSERT_EQ(sluice__buf_append(&b, fill, 100 - b.n), SLUICE_OK);
    ASSERT_EQ(b.n, (size_t)100);
    ASSERT_EQ(b.cap, (size_t)101);
    ASSERT_EQ(sluice__buf_append(&b, "c", 1), SLUICE_ETOOBIG);
    ASSERT_TRUE(b.p == NULL && b.n == 0);
    sluice__buf_cleanup(&b);
}

static void test_long_format(void)
{
    struct sluice_buf b;
    sluice__buf_init(&b, 1 << 20);
    char big[600];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ASSERT_EQ(sluice__buf_appendf(&b, "<%s>", big), SLUICE_OK);
    ASSERT_EQ(b.n, 601);
    ASSERT_EQ(b.p[600], '>');
    size_t n = 0;
    char *s = sluice__buf_take(&b, &n);
    ASSERT_EQ(n, 601);
    ASSERT_TRUE(b.p == NULL);
    sluice__free(s);
}

/* sluice__grow: the one doubling rule (util/common.h). */
static void test_grow_doubles_and_refuses_overflow(void)
{
    size_t cap = 0;
    int *a = sluice__grow(NULL, &cap, 1, sizeof *a, 8);
    ASSERT_TRUE(a != NULL);
    ASSERT_EQ(cap, 8);
    ASSERT_TRUE(sluice__grow(a, &cap, 8, sizeof *a, 8) == a); /* fits */
    ASSERT_EQ(cap, 8);
    int *b = sluice__grow(a, &cap, 9, sizeof *b, 8);
    ASSERT_TRUE(b != NULL);
    a = b;
    ASSERT_EQ(cap, 16);
    b = sluice__grow(a, &cap, 100, sizeof *b, 8); /* doubles until it fits */
    ASSERT_TRUE(b != NULL);
    a = b;
    ASSERT_EQ(cap, 128);
    a[127] = 7;
    /* a size that would overflow fails and leaves the array as it was */
    ASSERT_TRUE(sluice__grow(a, &cap, SIZE_MAX / 2, sizeof *a, 8) == NULL);
    ASSERT_EQ(cap, 128);
    ASSERT_EQ(a[127], 7);
    /* an empty request on an empty array still allocates: NULL = failure */
    size_t cap2 = 0;
    char *c = sluice__grow(NULL, &cap2, 0, 1, 4);
    ASSERT_TRUE(c != NULL);
    ASSERT_EQ(cap2, 4);
    sluice__free(c);
    sluice__free(a);
}

/* A server's multi-line message inside one error line (util/common.h). */
static void test_one_line(void)
{
    static const struct {
        const char *in, *out;
        size_t cap;
    } cases[] = {
        {"ERROR:  relation \"x\" does not exist\nLINE 1: SELECT\n", "ERROR:  relation \"x\" does not exist LINE 1: SELECT", 64},
        {"\n\tleading and trailing\r\n", "leading and trailing", 64},
        {"a\r\n\r\nb", "a b", 64},
        {NULL, "", 8},
        {"abcdefgh", "abc", 4},
        {"ab\ncd", "ab", 4}, /* no room for the space and a letter */
    };
    FOR_CASES(i, cases)
    {
        char out[64];
        sluice__one_line(out, cases[i].cap, cases[i].in);
        ASSERT_STR_EQ(out, cases[i].out);
    }
}

static const struct harness_test TESTS[] = {
    TEST(test_one_line),
    TEST(test_grow_doubles_and_refuses_overflow),
    TEST(test_append_grows_and_terminates),
    TEST(test_max_is_enforced_and_frees),
    TEST(test_long_format),
    TEST(test_append_fast_path_edges),
};
HARNESS_MAIN(TESTS)
