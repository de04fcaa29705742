/* test_table_shred.c: shredding levels against hand-computed (def, rep)
 * sequences: null list vs empty list vs list of nulls, missing struct vs
 * struct of nulls, lists of lists, lists of structs, 32-deep nesting,
 * non-object records, duplicate keys, flattening; and the event encoding
 * the spool keeps records in (lengths at the one- and two-byte edges). */
#include "test_table_helpers.h"

/* Infers the schema from all records, builds it, shreds them all, and
 * compares the per-column entries with `want`. */
static void check(const char *const *recs, size_t n, bool flatten, size_t ncols,
                  const char *want_schema, const char *want)
{
    struct sluice_table *t = NULL;
    struct sluice_pq_schema *s = NULL;
    struct sluice_err err = {{0}};
    struct sluice_buf ev, out;
    struct cols c;
    struct sluice_shredder sh;
    sluice__buf_init(&ev, 1u << 24);
    sluice__buf_init(&out, 1u << 20);
    cols_init(&c);
    ASSERT_EQ(sluice__table_new(&t, NULL, 0), SLUICE_OK);
    for (size_t i = 0; i < n; i++)
        ASSERT_EQ(infer_json(t, recs[i]), SLUICE_OK);
    ASSERT_EQ(sluice__table_build(t, flatten, &s, &err), SLUICE_OK);
    ASSERT_EQ(s->nleaves, ncols);
    if (want_schema) {
        ASSERT_EQ(sluice__pq_schema_dump(s, &out), SLUICE_OK);
        ASSERT_STR_EQ(sluice__buf_str(&out), want_schema);
    }
    sluice__shredder_init(&sh, t, capture, &c);
    for (size_t i = 0; i < n; i++) {
        ASSERT_EQ(encode(recs[i], &ev), SLUICE_OK);
        ASSERT_EQ(sluice__shred(&sh, ev.p, ev.n), SLUICE_OK);
    }
    ASSERT_STR_EQ(cols_str(&c, ncols, &out), want);
    sluice__shredder_cleanup(&sh);
    cols_cleanup(&c);
    sluice__buf_cleanup(&ev);
    sluice__buf_cleanup(&out);
    sluice__pq_schema_free(s);
    sluice__table_free(t);
}

static const size_t EV_LENS[] = {0, 1, 127, 128, 300, 20000, 2, 126};
static const enum sluice_ev EV_TAGS[] = {SLUICE_EV_STRING, SLUICE_EV_KEY,
                                         SLUICE_EV_INT, SLUICE_EV_DBL};

/* Encodes an object tag and a payload of each of EV_LENS, into a buffer
 * grown from empty (`room` false: the slow path) or reserved first (the
 * inline path), and reads it all back, then every prefix of it. */
static void check_event_encoding(bool room, const char *text)
{
    struct sluice_buf b;
    sluice__buf_init(&b, 1 << 20);
    if (room)
        ASSERT_EQ(sluice__buf_reserve(&b, 1 << 17), SLUICE_OK);
    size_t count = 0;
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(EV_LENS); i++) {
        ASSERT_EQ(sluice__ev_put_raw(&b, SLUICE_EV_OBJECT, NULL, 0), SLUICE_OK);
        ASSERT_EQ(sluice__ev_put_raw(&b, EV_TAGS[i % 4], text, EV_LENS[i]),
                  SLUICE_OK);
        count += 2;
    }
    struct sluice_evcur c = {(const uint8_t *)b.p, (const uint8_t *)b.p + b.n};
    enum sluice_ev ev;
    const char *p;
    size_t n;
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(EV_LENS); i++) {
        ASSERT_TRUE(sluice__ev_next(&c, &ev, &p, &n));
        ASSERT_TRUE(ev == SLUICE_EV_OBJECT && p == NULL && n == 0);
        ASSERT_TRUE(sluice__ev_next(&c, &ev, &p, &n));
        ASSERT_TRUE(ev == EV_TAGS[i % 4]);
        ASSERT_EQ(n, EV_LENS[i]);
        ASSERT_TRUE(n == 0 || memcmp(p, text, n) == 0);
    }
    ASSERT_TRUE(!sluice__ev_next(&c, &ev, &p, &n));
    for (size_t cut = 0; cut < b.n; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        ASSERT_TRUE(copy);
        memcpy(copy, b.p, cut);
        struct sluice_evcur k = {copy, copy + cut};
        size_t got = 0;
        unsigned sum = 0;
        while (sluice__ev_next(&k, &ev, &p, &n)) {
            for (size_t j = 0; j < n; j++)
                sum += (unsigned char)p[j]; /* ASan: inside the copy */
            got++;
        }
        free(copy);
        ASSERT_TRUE(got < count);
        ASSERT_TRUE(sum < 0xFFFFFFFFu);
        if (cut > 600 && cut + 600 < b.n)
            cut += 97; /* inside the long payload: a sample of its cuts */
    }
    sluice__buf_cleanup(&b);
}

/* The event encoding round trip at the inline paths' edges: payloads of
 * 0, 1, 127 (one-byte length), 128 and 300 (two bytes), 20000 (three),
 * through the slow and the inline path; every prefix of the encoding cut
 * short reads only whole events, each payload touched, and then stops. */
static void test_event_encoding_edges(void)
{
    char *text = malloc(20000);
    ASSERT_TRUE(text);
    for (size_t i = 0; i < 20000; i++)
        text[i] = (char)('a' + i % 26);
    check_event_encoding(false, text);
    check_event_encoding(true, text);
    free(text);
}

static void test_null_vs_empty_vs_list_of_nulls(void)
{
    const char *recs[] = {"{\"a\":null}", "{}", "{\"a\":[]}", "{\"a\":[null]}",
                          "{\"a\":[1,null,2]}"};
    check(recs, 5, false, 1,
          "message schema {\n"
          "  optional group a (LIST) {\n"
          "    repeated group list {\n"
          "      optional int64 element;\n"
          "    }\n"
          "  }\n"
          "}\n",
          "(0,0)(0,0)(1,0)(2,0)(3,0)(2,1)(3,1)");
}

static void test_missing_struct_vs_struct_of_nulls(void)
{
    const char *recs[] = {"{\"s\":null}", "{}", "{\"s\":{}}",
                          "{\"s\":{\"x\":null,\"y\":\"a\"}}",
                          "{\"s\":{\"x\":5}}"};
    check(recs, 5, false, 2, NULL,
          "(0,0)(0,0)(1,0)(1,0)(2,0) | (0,0)(0,0)(1,0)(2,0)(1,0)");
}

static void test_lists_of_lists(void)
{
    const char *recs[] = {"{\"m\":[[1,2],[],null,[3]]}", "{\"m\":[]}",
                          "{\"m\":null}", "{\"m\":[[]]}", "{\"m\":[[null]]}"};
    check(recs, 5, false, 1, NULL,
          "(5,0)(5,2)(3,1)(2,1)(5,1)(1,0)(0,0)(3,0)(4,0)");
}

static void test_list_of_structs(void)
{
    const char *recs[] = {
        "{\"l\":[{\"x\":1},{\"x\":null,\"y\":\"b\"},null,{}]}"};
    check(recs, 1, false, 2, NULL,
          "(4,0)(3,1)(2,1)(3,1) | (3,0)(4,1)(2,1)(3,1)");
}

static void test_nesting_32_deep(void)
{
    char full[512], half[512];
    size_t n = 0, h = 0;
    for (int i = 0; i < 32; i++)
        n += (size_t)snprintf(full + n, sizeof full - n, "{\"a\":");
    n += (size_t)snprintf(full + n, sizeof full - n, "{\"v\":1}");
    for (int i = 0; i < 32; i++)
        full[n++] = '}';
    full[n] = '\0';
    for (int i = 0; i < 10; i++)
        h += (size_t)snprintf(half + h, sizeof half - h, "{\"a\":");
    h += (size_t)snprintf(half + h, sizeof half - h, "null");
    for (int i = 0; i < 10; i++)
        half[h++] = '}';
    half[h] = '\0';
    const char *recs[] = {full, half, "{\"a\":null}", "{}"};
    check(recs, 4, false, 1, NULL, "(33,0)(9,0)(0,0)(0,0)");
}

static void test_nested_lists_in_structs_in_lists(void)
{
    /* l: list<struct<t: list<string>>> : l 1, list 2 (r1), elem 3,
     * t 4, list 5 (r2), elem 6 */
    const char *recs[] = {
        "{\"l\":[{\"t\":[\"a\",\"b\"]},{\"t\":[]},{\"t\":null},{}]}",
        "{\"l\":[{\"t\":[null]},null]}"};
    check(recs, 2, false, 1, NULL, "(6,0)(6,2)(4,1)(3,1)(3,1)(5,0)(2,1)");
}

static void test_scalar_records_and_duplicates(void)
{
    const char *recs[] = {"5", "{\"value\":6,\"value\":7}", "null"};
    check(recs, 3, false, 1, NULL, "(1,0)(1,0)(0,0)");
}

static void test_flatten(void)
{
    const char *recs[] = {
        "{\"s\":{\"x\":1,\"t\":{\"u\":\"a\"}},\"l\":[1,2],\"s__x\":true}",
        "{\"s\":null,\"l\":[]}"};
    check(recs, 2, true, 4,
          "message schema {\n"
          "  optional int64 s__x;\n"
          "  optional binary s__t__u (STRING);\n"
          "  optional binary l (JSON);\n"
          "  optional boolean s__x__2;\n"
          "}\n",
          "(1,0)(0,0) | (1,0)(0,0) | (1,0)(1,0) | (1,0)(0,0)");
}

static void test_unknown_and_empty_groups_left_out(void)
{
    /* n only null, e only {}, z only [] or [null]: none is written. */
    const char *recs[] = {"{\"n\":null,\"e\":{},\"z\":[],\"k\":1}",
                          "{\"z\":[null],\"e\":{\"q\":null}}"};
    check(recs, 2, false, 1,
          "message schema {\n"
          "  optional int64 k;\n"
          "}\n",
          "(1,0)(0,0)");
}

static const struct harness_test TESTS[] = {
    TEST(test_event_encoding_edges),
    TEST(test_null_vs_empty_vs_list_of_nulls),
    TEST(test_missing_struct_vs_struct_of_nulls),
    TEST(test_lists_of_lists),
    TEST(test_list_of_structs),
    TEST(test_nesting_32_deep),
    TEST(test_nested_lists_in_structs_in_lists),
    TEST(test_scalar_records_and_duplicates),
    TEST(test_flatten),
    TEST(test_unknown_and_empty_groups_left_out),
};
HARNESS_MAIN(TESTS)
