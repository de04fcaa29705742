/* test_redact.c: a canary secret never survives redaction: raw, inside a
 * URL query (percent-encoded, '+' for space, lower-case hex), JSON-escaped,
 * next to or overlapping another secret; plus secret names, empty input, a
 * NULL set, and a 1 MB text. */
#include "harness.h"
#include "util/redact.h"

static struct sluice_secrets *set_of(const char *const *secrets, size_t n)
{
    struct sluice_secrets *s = sluice__secrets_new();
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (sluice__secrets_add(s, secrets[i], strlen(secrets[i])) !=
            SLUICE_OK) {
            sluice__secrets_free(s);
            return NULL;
        }
    }
    return s;
}

/* Redacts `in` and compares with `want`. */
#define ASSERT_REDACTS(set, in, want)                                          \
    do {                                                                       \
        char *got_ = sluice__redact_dup((set), (in));                          \
        ASSERT_TRUE(got_ != NULL);                                             \
        if (strcmp(got_, (want)) != 0) {                                       \
            fprintf(stderr, "  in:   %s\n  got:  %s\n  want: %s\n", (in),      \
                    got_, (want));                                             \
            sluice__free(got_);                                                \
            FAIL_AT("redaction differs");                                      \
        }                                                                      \
        sluice__free(got_);                                                    \
    } while (0)

static void test_forms_of_one_secret(void)
{
    /* A password with every kind of byte an encoder treats specially. */
    static const char *const canary[] = {"Ca/n+a&r y\"=\\z"};
    struct sluice_secrets *s = set_of(canary, 1);
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ(sluice__secrets_count(s), 1);
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"pw=Ca/n+a&r y\"=\\z!", "pw=***!"},
        {"GET /x?api_key=Ca%2Fn%2Ba%26r%20y%22%3D%5Cz&a=1",
         "GET /x?api_key=***&a=1"},
        {"GET /x?api_key=Ca%2Fn%2Ba%26r+y%22%3D%5Cz&a=1",
         "GET /x?api_key=***&a=1"},
        {"GET /x?api_key=Ca%2fn%2ba%26r%20y%22%3d%5cz", "GET /x?api_key=***"},
        {"{\"key\":\"Ca/n+a&r y\\\"=\\\\z\"}", "{\"key\":\"***\"}"},
        {"{\"key\":\"Ca\\/n+a&r y\\\"=\\\\z\"}", "{\"key\":\"***\"}"},
        {"Ca/n+a&r y\"=\\zCa/n+a&r y\"=\\z", "***"},
        {"nothing here", "nothing here"},
        {"", ""},
    };
    FOR_CASES(i, cases)
        ASSERT_REDACTS(s, cases[i].in, cases[i].want);
    sluice__secrets_free(s);
}

static void test_json_control_bytes(void)
{
    static const char *const sec[] = {"line1\nline2\x01"};
    struct sluice_secrets *s = set_of(sec, 1);
    ASSERT_TRUE(s != NULL);
    ASSERT_REDACTS(s, "\"line1\\nline2\\u0001\"", "\"***\"");
    ASSERT_REDACTS(s, "raw line1\nline2\x01.", "raw ***.");
    sluice__secrets_free(s);
}

static void test_longest_first_and_overlaps(void)
{
    static const char *const sec[] = {"123", "token123", "abcd", "cdef", "XYZ"};
    struct sluice_secrets *s = set_of(sec, 5);
    ASSERT_TRUE(s != NULL);
    /* A secret containing another is hidden whole. */
    ASSERT_REDACTS(s, "t=token123 n=123", "t=*** n=***");
    /* Overlapping secrets are hidden together, leaving neither's tail. */
    ASSERT_REDACTS(s, "<abcdef>", "<***>");
    ASSERT_REDACTS(s, "<cdefabcd>", "<***>");
    /* Secrets written one after another are hidden as one run. */
    ASSERT_REDACTS(s, "XYZtoken123XYZ", "***");
    ASSERT_REDACTS(s, "XYZ/token123", "***/***");
    ASSERT_REDACTS(s, "XYZ", "***");
    ASSERT_REDACTS(s, "XY", "XY");
    sluice__secrets_free(s);
}

/* A short secret (under SLUICE_SECRET_SHORT bytes) is hidden only where
 * it stands alone: the bytes around a match must not be URL-unreserved
 * (A-Z a-z 0-9 - . _ ~), or the match must itself start or end with a
 * byte that is not; the start and end of the text count. This keeps a
 * short or common secret from rewriting data. A long secret is hidden
 * wherever it is: inside a longer word it would still show. */
static void test_bounded_occurrences_only(void)
{
    static const char *const sec[] = {"a", "2024", "k3y-Ca", "L0ng-k3y-Canary"};
    struct sluice_secrets *s = set_of(sec, 4);
    ASSERT_TRUE(s != NULL);
    static const struct {
        const char *in, *want;
    } cases[] = {
        /* the examples: data and sluice's own text stay as they are */
        {"{\"name\":\"alpha\"}", "{\"name\":\"alpha\"}"},
        {"{\"date\":\"2024-01-01\"}", "{\"date\":\"2024-01-01\"}"},
        {"data/neos_2024-01-01_2024-01-07.ndjson",
         "data/neos_2024-01-01_2024-01-07.ndjson"},
        {"window 2024-01-01..2024-01-07 done",
         "window 2024-01-01..2024-01-07 done"},
        {"x2024 2024x _2024 2024~ .2024", "x2024 2024x _2024 2024~ .2024"},
        /* whole occurrences, as a URL, a header or JSON bounds them */
        {"key=a&b=2024", "key=***&b=***"},
        {"{\"k\":\"a\",\"y\":2024}", "{\"k\":\"***\",\"y\":***}"},
        {"X-Token: k3y-Ca", "X-Token: ***"},
        {"https://u:k3y-Ca@h/v1/k3y-Ca/feed", "https://u:***@h/v1/***/feed"},
        {"a", "***"},
        {"2024", "***"},
        /* the byte before is read through an escape that ends there */
        {"q=hello%20k3y-Ca", "q=hello%20***"},
        {"q=hello%41k3y-Ca", "q=hello%41k3y-Ca"},
        {"\"line\\nk3y-Ca\"", "\"line\\n***\""},
        {"\"\\u0022k3y-Ca\"", "\"\\u0022***\""},
        {"\"\\u0041k3y-Ca\"", "\"\\u0041k3y-Ca\""},
        /* a longer word that merely contains a short secret is not it */
        {"k3y-Ca2 xk3y-Ca", "k3y-Ca2 xk3y-Ca"},
        /* a long secret goes wherever it is */
        {"xL0ng-k3y-Canary2 L0ng-k3y-Canary.", "x***2 ***."},
        {"o/L0ng-k3y-Canary.ndjson", "o/***.ndjson"},
    };
    FOR_CASES(i, cases)
        ASSERT_REDACTS(s, cases[i].in, cases[i].want);
    sluice__secrets_free(s);

    /* A secret whose own edge is a delimiter is bounded by it; a shorter
     * secret stays hidden where a longer one is not bounded. */
    static const char *const sec2[] = {"=tok", "a", "a=b"};
    s = set_of(sec2, 3);
    ASSERT_TRUE(s != NULL);
    ASSERT_REDACTS(s, "x=tok", "x***");
    ASSERT_REDACTS(s, "a=bc", "***=bc");
    sluice__secrets_free(s);
}

static void test_null_set_and_empty(void)
{
    ASSERT_REDACTS(NULL, "a secret-less line", "a secret-less line");
    struct sluice_buf b;
    sluice__buf_init(&b, 64);
    ASSERT_EQ(sluice__redact(NULL, "", 0, &b), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&b), "");
    ASSERT_EQ(sluice__secrets_count(NULL), 0);
    struct sluice_secrets *s = sluice__secrets_new();
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ(sluice__secrets_add(s, "", 0), SLUICE_OK);
    ASSERT_EQ(sluice__secrets_count(s), 0);
    ASSERT_REDACTS(s, "x", "x");
    ASSERT_EQ(sluice__secrets_add(s, "k", 1), SLUICE_OK);
    ASSERT_EQ(sluice__secrets_add(s, "k", 1), SLUICE_OK);
    ASSERT_EQ(sluice__secrets_count(s), 1);
    ASSERT_EQ(sluice__redact(s, "", 0, &b), SLUICE_OK);
    ASSERT_EQ(b.n, 0);
    /* Length is explicit: bytes after n are not looked at. */
    ASSERT_EQ(sluice__redact(s, "ak", 1, &b), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&b), "a");
    sluice__buf_reset(&b);
    /* Binary-safe: a NUL inside the text is kept. */
    ASSERT_EQ(sluice__redact(s, "a\0k", 3, &b), SLUICE_OK);
    ASSERT_MEM_EQ(b.p, b.n, "a\0***", 5);
    sluice__buf_cleanup(&b);
    /* The output buffer's bound holds. */
    sluice__buf_init(&b, 4);
    ASSERT_EQ(sluice__redact(s, "k k k", 5, &b), SLUICE_ETOOBIG);
    sluice__buf_cleanup(&b);
    sluice__secrets_free(s);
    sluice__secrets_free(NULL);
}

/* Whether every byte of token t/n lies inside an occurrence of a secret
 * (one secret, several written together, or overlapping ones). */
static bool is_covered(const char *t, size_t n, const char *const *sec,
                       size_t n_sec)
{
    bool cov[200] = {false};
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < n_sec; k++) {
            size_t m = strlen(sec[k]);
            if (i + m <= n && memcmp(t + i, sec[k], m) == 0)
                for (size_t j = i; j < i + m; j++)
                    cov[j] = true;
        }
    for (size_t i = 0; i < n; i++)
        if (!cov[i])
            return false;
    return true;
}

/* Property: over random texts of a tiny alphabet ("=" the only
 * delimiter), no token of the output (a run between delimiters or
 * markers) is a secret, and a text none of whose tokens is made wholly of
 * secrets comes out unchanged. */
static void test_random_texts_never_leak(void)
{
    static const char *const sec[] = {"aba", "bb", "abba", "baaab"};
    struct sluice_secrets *s = set_of(sec, 4);
    ASSERT_TRUE(s != NULL);
    unsigned seed = 12345;
    char text[200];
    size_t unchanged = 0;
    for (int round = 0; round < 3000; round++) {
        size_t n = 1 + round % (sizeof text - 1);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            text[i] = "ab="[(seed >> 16) % 3];
        }
        text[n] = '\0';
        char *out = sluice__redact_dup(s, text);
        ASSERT_TRUE(out != NULL);
        /* the quick question the record path asks first (short texts by
         * table, longer ones by memchr) never says no to a text that
         * redaction changes */
        if (strcmp(out, text) != 0 && !sluice__redact_needed(s, text, n)) {
            fprintf(stderr, "  in %s\n  out %s\n", text, out);
            sluice__free(out);
            FAIL_AT("redact_needed said no to a text with a secret");
        }
        bool any_secret_token = false;
        for (size_t i = 0; i < n;) {
            size_t j = i;
            while (j < n && text[j] != '=')
                j++;
            if (j > i && is_covered(text + i, j - i, sec, 4))
                any_secret_token = true;
            i = j + 1;
        }
        if (!any_secret_token) {
            unchanged++;
            if (strcmp(out, text) != 0) {
                fprintf(stderr, "  in %s\n  out %s\n", text, out);
                sluice__free(out);
                FAIL_AT("a text with no secret was changed");
            }
        }
        size_t on = strlen(out);
        for (size_t i = 0; i < on;) {
            size_t j = i;
            while (j < on && out[j] != '=' && out[j] != '*')
                j++;
            for (size_t k = 0; k < 4; k++) {
                if (j - i == strlen(sec[k]) && !memcmp(out + i, sec[k], j - i)) {
                    fprintf(stderr, "  in %s\n  out %s\n", text, out);
                    sluice__free(out);
                    FAIL_AT("secret %s leaked", sec[k]);
                }
            }
            i = j + 1;
        }
        sluice__free(out);
    }
    ASSERT_TRUE(unchanged > 100); /* the second half of the property ran */
    sluice__secrets_free(s);
}

/* One secret alone at every place of texts up to 150 bytes, across the
 * short-text table scan and the memchr scan of longer texts: found
 * wherever it is whole, and a text holding only part of it (cut by the
 * text's end) is left alone. */
static void test_needed_at_every_offset(void)
{
    static const char *const sec[] = {"s3cr3tK3y", "0th3r"};
    struct sluice_secrets *s = set_of(sec, 2);
    ASSERT_TRUE(s != NULL);
    char text[160];
    for (size_t which = 0; which < 2; which++)
        for (size_t n = 1; n <= 150; n++)
            for (size_t at = 0; at < n; at++) {
                memset(text, '=', n);
                size_t k = strlen(sec[which]), fit = n - at < k ? n - at : k;
                memcpy(text + at, sec[which], fit);
                bool whole = fit == k;
                if (sluice__redact_needed(s, text, n) != whole) {
                    fprintf(stderr, "  n %zu at %zu: %.*s\n", n, at, (int)n,
                            text);
                    FAIL_AT("redact_needed is %s", whole ? "false" : "true");
                }
            }
    sluice__secrets_free(s);
}

/* A megabyte of log-like text with a handful of secrets scattered in. */
static void test_megabyte(void)
{
    static const char *const sec[] = {"DEMO_KEY_c4n4ry", "hunter2!", "t0k/en",
                                      "p@ss word", "s3cr3t"};
    struct sluice_secrets *s = set_of(sec, 5);
    ASSERT_TRUE(s != NULL);
    struct sluice_buf in;
    sluice__buf_init(&in, 2u << 20);
    size_t planted = 0;
    while (in.n < (1u << 20)) {
        ASSERT_EQ(sluice__buf_adds(&in, "GET https://api.nasa.gov/neo/rest/v1/"
                                        "feed?start_date=2020-01-01&"),
                  SLUICE_OK);
        if (planted % 7 == 0)
            ASSERT_EQ(sluice__buf_adds(&in, "api_key=DEMO_KEY_c4n4ry"),
                      SLUICE_OK);
        else if (planted % 7 == 3)
            ASSERT_EQ(sluice__buf_adds(&in, "tok=t0k%2Fen&pw=p%40ss+word"),
                      SLUICE_OK);
        else
            ASSERT_EQ(sluice__buf_adds(&in, "x=sssss3cr3"), SLUICE_OK);
        ASSERT_EQ(sluice__buf_adds(&in, " 200 OK\n"), SLUICE_OK);
        planted++;
    }
    struct sluice_buf out;
    sluice__buf_init(&out, 4u << 20);
    ASSERT_EQ(sluice__redact(s, in.p, in.n, &out), SLUICE_OK);
    ASSERT_TRUE(strstr(out.p, "c4n4ry") == NULL);
    ASSERT_TRUE(strstr(out.p, "t0k") == NULL);
    ASSERT_TRUE(strstr(out.p, "p%40ss") == NULL);
    ASSERT_TRUE(strstr(out.p, "x=sssss3cr3 ") != NULL); /* near miss kept */
    ASSERT_TRUE(strstr(out.p, "api_key=*** 200") != NULL);
    sluice__buf_cleanup(&in);
    sluice__buf_cleanup(&out);
    sluice__secrets_free(s);
}

static void test_secret_names(void)
{
    static const struct {
        const char *name;
        bool secret;
    } cases[] = {
        {"api_key", true},       {"X-API-KEY", true},
        {"Authorization", true}, {"access_token", true},
        {"client_secret", true}, {"PASSWORD", true},
        {"db_passwd", true},     {"OAuth", true},
        {"monkey", true}, /* contains "key": better safe */
        {"X-Signature", true},   {"sig", true},
        {"aws_credentials", true}, {"API_KEY", true},
        {"REGION", false},       {"end_date", false},
        {"start_date", false},   {"page", false},
        {"Accept", false},       {"", false},
    };
    FOR_CASES(i, cases) {
        if (sluice__secret_name(cases[i].name) != cases[i].secret)
            FAIL_AT("'%s' should %sbe a secret name", cases[i].name,
                    cases[i].secret ? "" : "not ");
    }
    ASSERT_TRUE(!sluice__secret_name(NULL));
}

static const struct harness_test TESTS[] = {
    TEST(test_forms_of_one_secret),
    TEST(test_json_control_bytes),
    TEST(test_longest_first_and_overlaps),
    TEST(test_bounded_occurrences_only),
    TEST(test_null_set_and_empty),
    TEST(test_random_texts_never_leak),
    TEST(test_needed_at_every_offset),
    TEST(test_megabyte),
    TEST(test_secret_names),
};
HARNESS_MAIN(TESTS)
