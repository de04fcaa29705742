/* test_json_reader.c: the push reader against JSONTestSuite (accept every
 * y_, reject every n_, survive every i_), chunking independence (every split
 * point and byte-by-byte on small files, random splits on large ones), and
 * the details: positions in errors, escapes, views, limits, the callback. */
#include <dirent.h>

#include "harness.h"
#include "json/json_reader.h"
#include "util/buf.h"

/* ---- an event recorder: events as text, comparable with memcmp -------- */

struct rec {
    struct sluice_buf b;
    int stop_at; /* return 77 at this event number (1-based); 0 never */
    int count;
    const char *lo, *hi; /* the chunk being fed, to spot views */
    int views;           /* payloads that pointed into [lo, hi) */
};

static int rec_event(void *ud, enum sluice_json_event ev, const char *p,
                     size_t n)
{
    struct rec *r = ud;
    r->count++;
    if (r->stop_at && r->count == r->stop_at)
        return 77;
    if (p && r->lo && p >= r->lo && p + n <= r->hi)
        r->views++;
    if (sluice__buf_appendf(&r->b, "%d", (int)ev) != SLUICE_OK)
        return 99;
    if (p && (sluice__buf_appendf(&r->b, "(%zu:", n) != SLUICE_OK ||
              sluice__buf_append(&r->b, p, n) != SLUICE_OK ||
              sluice__buf_addc(&r->b, ')') != SLUICE_OK))
        return 99;
    return sluice__buf_addc(&r->b, ' ') == SLUICE_OK ? 0 : 99;
}

/* What one parse produced: code, error text and the event text. */
struct outcome {
    int rc;
    char err[SLUICE_ERR_MAX];
    char *events;
    size_t n;
};

static void outcome_free(struct outcome *o) { sluice__free(o->events); }

/* Parses `data` cut at the offsets in `cuts` (ascending, ncuts of them);
 * every chunk is copied to its own exact-size allocation so ASan sees any
 * read past a chunk. */
static const struct sluice_json_reader_opts *g_opts; /* NULL: defaults */

static struct outcome parse_cuts(const char *data, size_t n,
                                 const size_t *cuts, size_t ncuts)
{
    struct outcome o = {0};
    struct rec rc = {0};
    sluice__buf_init(&rc.b, 1 << 26);
    struct sluice_json_reader *r =
        sluice__json_reader_new(g_opts, rec_event, &rc);
    size_t at = 0;
    o.rc = SLUICE_OK;
    for (size_t i = 0; i <= ncuts && o.rc == SLUICE_OK; i++) {
        size_t to = i < ncuts ? cuts[i] : n;
        size_t len = to - at;
        char *chunk = malloc(len ? len : 1);
        if (len)
            memcpy(chunk, data + at, len);
        o.rc = sluice__json_reader_feed(r, chunk, len);
        free(chunk);
        at = to;
    }
    if (o.rc == SLUICE_OK)
        o.rc = sluice__json_reader_finish(r);
    snprintf(o.err, sizeof o.err, "%s", sluice__json_reader_error(r));
    o.events = sluice__buf_take(&rc.b, &o.n);
    sluice__json_reader_free(r);
    return o;
}

static struct outcome parse_whole(const char *data, size_t n)
{
    return parse_cuts(data, n, NULL, 0);
}

static bool same(const struct outcome *a, const struct outcome *b)
{
    return a->rc == b->rc && strcmp(a->err, b->err) == 0 && a->n == b->n &&
           memcmp(a->events, b->events, a->n) == 0;
}

static const char *data_dir(void)
{
    const char *d = getenv("SLUICE_TEST_DATA");
    return d ? d : "tests/data";
}

/* A small deterministic generator for the random splits. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Checks one corpus file; returns a failure description or NULL. */
static const char *check_file(const char *name, const char *data, size_t n,
                              char *why, size_t whylen)
{
    struct outcome whole = parse_whole(data, n);
    const char *bad = NULL;
    if (name[0] == 'y' && whole.rc != SLUICE_OK) {
        snprintf(why, whylen, "%.200s rejected: %.300s", name, whole.err);
        bad = why;
    } else if (name[0] == 'n' && whole.rc == SLUICE_OK) {
        snprintf(why, whylen, "%.200s accepted", name);
        bad = why;
    }
    if (!bad && n <= 2048) {
        /* every split point into two chunks */
        for (size_t k = 0; k <= n && !bad; k++) {
            struct outcome o = parse_cuts(data, n, &k, 1);
            if (!same(&o, &whole)) {
                snprintf(why, whylen, "%.200s split at %zu: %.300s / %.300s",
                         name, k, o.err, whole.err);
                bad = why;
            }
            outcome_free(&o);
        }
        /* byte by byte */
        size_t *cuts = malloc((n ? n : 1) * sizeof *cuts);
        for (size_t k = 0; k < n; k++)
            cuts[k] = k + 1;
        struct outcome o = parse_cuts(data, n, cuts, n ? n - 1 : 0);
        if (!bad && !same(&o, &whole)) {
            snprintf(why, whylen, "%.200s differs byte by byte", name);
            bad = why;
        }
        outcome_free(&o);
        free(cuts);
    } else if (!bad) {
        /* random chunkings, sizes from 1 byte to 4 KiB */
        size_t *cuts = malloc(n * sizeof *cuts);
        for (int round = 0; round < 20 && !bad; round++) {
            size_t nc = 0, at = 0;
            size_t span = round < 5 ? 16 : 4096;
            for (;;) {
                at += 1 + (size_t)(rng() % span);
                if (at >= n)
                    break;
                cuts[nc++] = at;
            }
            struct outcome o = parse_cuts(data, n, cuts, nc);
            if (!same(&o, &whole)) {
                snprintf(why, whylen, "%.200s differs in random round %d", name,
                         round);
                bad = why;
            }
            outcome_free(&o);
        }
        free(cuts);
    }
    outcome_free(&whole);
    return bad;
}

static void test_jsontestsuite(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/jsontestsuite/test_parsing", data_dir());
    DIR *d = opendir(dir);
    ASSERT_TRUE(d != NULL);
    int y = 0, nn = 0, i = 0, failures = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (name[0] == '.' || name[1] != '_')
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        size_t n = 0;
        char *data = harness_read_file(path, &n);
        if (!data) {
            fprintf(stderr, "  cannot read %s\n", path);
            failures++;
            continue;
        }
        y += name[0] == 'y';
        nn += name[0] == 'n';
        i += name[0] == 'i';
        char why[2048];
        const char *bad = check_file(name, data, n, why, sizeof why);
        if (bad) {
            fprintf(stderr, "  %s\n", bad);
            failures++;
        }
        sluice__free(data);
    }
    closedir(d);
    ASSERT_EQ(failures, 0);
    ASSERT_EQ(y, 95);
    ASSERT_EQ(nn, 188);
    ASSERT_EQ(i, 35);
}

/* ---- table of small cases ---------------------------------------------- */

struct tcase {
    const char *in;
    int rc;
    const char *expect; /* events, or the error text */
    size_t elen;        /* length of expect when it holds a NUL, else 0 */
};

static const struct tcase CASES[] = {
    {"[1,\n  2 x]", SLUICE_EJSON,
     "byte 8 (line 2, col 5): expected ',' or ']'", 0},
    {"{\"a\":1 \"b\"}", SLUICE_EJSON,
     "byte 7 (line 1, col 8): expected ',' or '}'", 0},
    {"{\"a\" 1}", SLUICE_EJSON, "byte 5 (line 1, col 6): expected ':'", 0},
    {"[1,2", SLUICE_EJSON, "byte 4 (line 1, col 5): unexpected end of input", 0},
    {"", SLUICE_EJSON, "byte 0 (line 1, col 1): unexpected end of input", 0},
    {"[01]", SLUICE_EJSON,
     "byte 2 (line 1, col 3): invalid number: leading zero", 0},
    {"[1.]", SLUICE_EJSON,
     "byte 3 (line 1, col 4): invalid number: expected a digit", 0},
    {"\"\\ud800\"", SLUICE_EJSON,
     "byte 7 (line 1, col 8): lone surrogate in \\u escape", 0},
    {"\"\\udc00\"", SLUICE_EJSON,
     "byte 6 (line 1, col 7): lone surrogate in \\u escape", 0},
    {"\"\xC0\x80\"", SLUICE_EJSON,
     "byte 1 (line 1, col 2): invalid UTF-8 in string", 0},
    {"\"\xED\xA0\x80\"", SLUICE_EJSON,
     "byte 2 (line 1, col 3): invalid UTF-8 in string", 0},
    {"\"a\tb\"", SLUICE_EJSON,
     "byte 2 (line 1, col 3): control character in string (must be "
     "escaped)", 0},
    {"nul", SLUICE_EJSON, "byte 3 (line 1, col 4): unexpected end of input", 0},
    {"nulL", SLUICE_EJSON, "byte 3 (line 1, col 4): invalid literal", 0},
    {"1 2", SLUICE_EJSON,
     "byte 2 (line 1, col 3): unexpected data after the value", 0},
    {"-0.5e+10", SLUICE_OK, "3(8:-0.5e+10) ", 0},
    {" 7 ", SLUICE_OK, "3(1:7) ", 0},
    {"\"a\\u0000b\"", SLUICE_OK, "4(3:a\0b) ", 9},
    {"\"\\ud83d\\ude00\\n\\/\"", SLUICE_OK, "4(6:\xF0\x9F\x98\x80\n/) ", 0},
    {"{\"k\":[true,false,null,{}]}", SLUICE_OK,
     "8 5(1:k) 6 2 1 0 8 9 7 9 ", 0},
};

static void test_cases(void)
{
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(CASES); i++) {
        const struct tcase *c = &CASES[i];
        size_t n = strlen(c->in);
        size_t elen = c->elen ? c->elen : strlen(c->expect);
        struct outcome o = parse_whole(c->in, n);
        if (o.rc != c->rc)
            fprintf(stderr, "  case %zu: %s\n", i, o.err);
        ASSERT_EQ(o.rc, c->rc);
        if (c->rc == SLUICE_OK)
            ASSERT_MEM_EQ(o.events, o.n, c->expect, elen);
        else
            ASSERT_STR_EQ(o.err, c->expect);
        outcome_free(&o);
    }
}

static void test_views_without_copies(void)
{
    struct rec rc = {0};
    sluice__buf_init(&rc.b, 1 << 20);
    struct sluice_json_reader *r =
        sluice__json_reader_new(NULL, rec_event, &rc);
    static const char doc[] = "{\"key\":\"value\",\"n\":12.5,\"e\":\"a\\nb\"}";
    rc.lo = doc;
    rc.hi = doc + sizeof doc - 1;
    ASSERT_EQ(sluice__json_reader_feed(r, doc, sizeof doc - 1), SLUICE_OK);
    ASSERT_EQ(sluice__json_reader_finish(r), SLUICE_OK);
    /* key, "value", n, 12.5, e are views; the escaped string is a copy */
    ASSERT_EQ(rc.views, 5);
    ASSERT_EQ(sluice__json_reader_offset(r), sizeof doc - 1);
    sluice__json_reader_free(r);
    sluice__buf_cleanup(&rc.b);
}

static void test_top_level_number_waits_for_finish(void)
{
    struct rec rc = {0};
    sluice__buf_init(&rc.b, 1 << 20);
    struct sluice_json_reader *r =
        sluice__json_reader_new(NULL, rec_event, &rc);
    ASSERT_EQ(sluice__json_reader_feed(r, "12", 2), SLUICE_OK);
    ASSERT_EQ(sluice__json_reader_feed(r, "34", 2), SLUICE_OK);
    ASSERT_EQ(rc.count, 0);
    ASSERT_EQ(sluice__json_reader_finish(r), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&rc.b), "3(4:1234) ");
    /* reset: the same reader reads a new document */
    sluice__json_reader_reset(r);
    sluice__buf_reset(&rc.b);
    ASSERT_EQ(sluice__json_reader_feed(r, "[]", 2), SLUICE_OK);
    ASSERT_EQ(sluice__json_reader_finish(r), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&rc.b), "6 7 ");
    sluice__json_reader_free(r);
    sluice__buf_cleanup(&rc.b);
}

static void test_limits(void)
{
    struct rec rc = {0};
    sluice__buf_init(&rc.b, 1 << 20);
    struct sluice_json_reader_opts o = {.max_depth = 3, .max_token = 4};
    struct sluice_json_reader *r = sluice__json_reader_new(&o, rec_event, &rc);
    ASSERT_EQ(sluice__json_reader_feed(r, "[[[1]]]", 7), SLUICE_OK);
    ASSERT_EQ(sluice__json_reader_finish(r), SLUICE_OK);
    sluice__json_reader_reset(r);
    ASSERT_EQ(sluice__json_reader_feed(r, "[[[[1]]]]", 9), SLUICE_ETOOBIG);
    ASSERT_STR_EQ(sluice__json_reader_error(r),
                  "byte 3 (line 1, col 4): nesting deeper than 3");
    /* sticky */
    ASSERT_EQ(sluice__json_reader_feed(r, "[", 1), SLUICE_ETOOBIG);
    ASSERT_EQ(sluice__json_reader_finish(r), SLUICE_ETOOBIG);
    /* a token too long in one chunk, and one spread over chunks */
    sluice__json_reader_reset(r);
    ASSERT_EQ(sluice__json_reader_feed(r, "[\"abcd\",\"abcde\"]", 16),
              SLUICE_ETOOBIG);
    sluice__json_reader_reset(r);
    ASSERT_EQ(sluice__json_reader_feed(r, "[\"abc", 5), SLUICE_OK);
    ASSERT_EQ(sluice__json_reader_feed(r, "de\"]", 4), SLUICE_ETOOBIG);
    ASSERT_STR_EQ(sluice__json_reader_error(r),
                  "byte 1 (line 1, col 2): token longer than 4 bytes");
    sluice__json_reader_reset(r);
    ASSERT_EQ(sluice__json_reader_feed(r, "[123", 4), SLUICE_OK);
    ASSERT_EQ(sluice__json_reader_feed(r, "45]", 3), SLUICE_ETOOBIG);
    sluice__json_reader_free(r);
    sluice__buf_cleanup(&rc.b);
}

/* Limits give the same answer at every split point too, including a token
 * that is both too long and malformed further on. */
static void test_limits_any_split(void)
{
    static const char *docs[] = {
        "[\"abcd\",\"abcde\"]", "[\"ab\\n\\u00e9cd\"]", "[12345]",
        "[\"abcdef\x01\"]", "[\"abcdefg\xC3\"]", "[[[[]]]]", "[-1.5e7]",
        "{\"abcdefgh\":1}", "[\"a\\ud83d\\ude00\"]",
    };
    static const struct sluice_json_reader_opts o = {.max_depth = 3,
                                                     .max_token = 4};
    g_opts = &o;
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(docs); i++) {
        size_t n = strlen(docs[i]);
        struct outcome whole = parse_whole(docs[i], n);
        ASSERT_TRUE(whole.rc != SLUICE_OK);
        for (size_t k = 0; k <= n; k++) {
            struct outcome cut = parse_cuts(docs[i], n, &k, 1);
            if (!same(&cut, &whole))
                fprintf(stderr, "  %s at %zu: %s / %s\n", docs[i], k,
                        cut.err, whole.err);
            ASSERT_TRUE(same(&cut, &whole));
            outcome_free(&cut);
        }
        outcome_free(&whole);
    }
    g_opts = NULL;
}

static void test_callback_stops(void)
{
    struct rec rc = {0};
    sluice__buf_init(&rc.b, 1 << 20);
    rc.stop_at = 3;
    struct sluice_json_reader *r =
        sluice__json_reader_new(NULL, rec_event, &rc);
    ASSERT_EQ(sluice__json_reader_feed(r, "[1,2,3]", 7), 77);
    ASSERT_EQ(rc.count, 3);
    ASSERT_EQ(sluice__json_reader_feed(r, "", 0), 77);
    ASSERT_EQ(sluice__json_reader_finish(r), 77);
    sluice__json_reader_free(r);
    sluice__buf_cleanup(&rc.b);
}

static void test_neows_chunked(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/neows/feed_2025-01-01_2025-01-07.json",
             data_dir());
    size_t n = 0;
    char *data = harness_read_file(path, &n);
    ASSERT_TRUE(data != NULL);
    struct outcome whole = parse_whole(data, n);
    ASSERT_EQ(whole.rc, SLUICE_OK);
    /* network-sized pieces: 1448-byte segments, 16 KiB reads */
    size_t steps[] = {1448, 16384, 7};
    for (size_t s = 0; s < SLUICE_ARRAY_LEN(steps); s++) {
        size_t nc = 0;
        size_t *cuts = malloc((n / steps[s] + 1) * sizeof *cuts);
        for (size_t at = steps[s]; at < n; at += steps[s])
            cuts[nc++] = at;
        struct outcome o = parse_cuts(data, n, cuts, nc);
        ASSERT_TRUE(same(&o, &whole));
        outcome_free(&o);
        free(cuts);
    }
    outcome_free(&whole);
    sluice__free(data);
}

static const struct harness_test TESTS[] = {
    TEST(test_cases),
    TEST(test_views_without_copies),
    TEST(test_top_level_number_waits_for_finish),
    TEST(test_limits),
    TEST(test_limits_any_split),
    TEST(test_callback_stops),
    TEST(test_neows_chunked),
    TEST(test_jsontestsuite),
};
HARNESS_MAIN(TESTS)
