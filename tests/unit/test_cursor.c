/* test_cursor.c: the incremental cursor (json/cursor.c): paths, values
 * read as each type, the greatest kept over records fed as reader events
 * (so a record's nesting, repeated names, nulls and absent members are
 * exercised as a response would give them), and the value sent back
 * minus a lag. */
#include "harness.h"
#include "json/cursor.h"

static int feed(void *ud, enum sluice_json_event ev, const char *p, size_t n)
{
    sluice__cursor_event(ud, ev, p, n);
    return 0;
}

/* Each line of `ndjson` is one record. */
static void track(struct sluice_cursor_tracker *t, const char *ndjson)
{
    for (const char *line = ndjson; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        struct sluice_json_reader *r = sluice__json_reader_new(NULL, feed, t);
        sluice__cursor_record_begin(t);
        ASSERT_EQ(sluice__json_reader_feed(r, line, n), SLUICE_OK);
        ASSERT_EQ(sluice__json_reader_finish(r), SLUICE_OK);
        sluice__cursor_record_end(t);
        sluice__json_reader_free(r);
        line += n + (nl != NULL);
    }
}

static void test_paths(void)
{
    struct sluice_cursor_path p;
    struct sluice_err err;
    ASSERT_EQ(sluice__cursor_path_compile("$.meta['updated at'].ts", &p, &err),
              SLUICE_OK);
    ASSERT_EQ(p.n, 3);
    ASSERT_STR_EQ(p.names[1], "updated at");
    sluice__cursor_path_cleanup(&p);
    static const struct {
        const char *path, *msg;
    } bad[] = {
        {"updated_at", "byte 0: a cursor path starts with '$'"},
        {"$", "byte 1: name the member that holds the cursor ($.updated_at)"},
        {"$.a[0]", "byte 3: a cursor path names members only ($.a.b or "
                   "$['a']): one value per record"},
        {"$.*", "byte 1: expected a member name after '.'"},
        {"$['a", "byte 1: unterminated ['name']"},
    };
    FOR_CASES(i, bad) {
        ASSERT_EQ(sluice__cursor_path_compile(bad[i].path, &p, &err),
                  SLUICE_EPATH);
        ASSERT_STR_EQ(err.msg, bad[i].msg);
    }
}

static void test_values(void)
{
    struct sluice_cursor_value a, b;
    struct sluice_err err;
    /* the same instant in three spellings; a fraction after it */
    ASSERT_EQ(sluice__cursor_value_parse(SLUICE_CURSOR_TIMESTAMP,
                                         "2024-01-05T12:00:00Z", 20, &a, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__cursor_value_parse(SLUICE_CURSOR_TIMESTAMP,
                                         "2024-01-05T14:30:00+02:30", 25, &b,
                                         &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__cursor_cmp(SLUICE_CURSOR_TIMESTAMP, &a, &b), 0);
    ASSERT_EQ(sluice__cursor_value_parse(SLUICE_CURSOR_TIMESTAMP,
                                         "2024-01-05T12:00:00.5Z", 22, &b,
                                         &err),
              SLUICE_OK);
    ASSERT_TRUE(sluice__cursor_cmp(SLUICE_CURSOR_TIMESTAMP, &a, &b) < 0);
    ASSERT_EQ(sluice__cursor_value_parse(SLUICE_CURSOR_TIMESTAMP,
                                         "2024-01-05T12:00", 16, &b, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__cursor_cmp(SLUICE_CURSOR_TIMESTAMP, &a, &b), 0);
    static const char *const bad_ts[] = {"2024-13-01T00:00:00Z", "yesterday",
                                         "2024-01-05T12:00:00+2",
                                         "2024-01-05T12:00:00Zx", "1704456000"};
    FOR_CASES(i, bad_ts)
        ASSERT_EQ(sluice__cursor_value_parse(SLUICE_CURSOR_TIMESTAMP,
                                             bad_ts[i], strlen(bad_ts[i]), &a,
                                             &err),
                  SLUICE_EINVAL);
    /* integers compare as numbers, strings as bytes */
    ASSERT_EQ(sluice__cursor_value_parse(SLUICE_CURSOR_INTEGER, "9", 1, &a,
                                         &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__cursor_value_parse(SLUICE_CURSOR_INTEGER, "10", 2, &b,
                                         &err),
              SLUICE_OK);
    ASSERT_TRUE(sluice__cursor_cmp(SLUICE_CURSOR_INTEGER, &a, &b) < 0);
    ASSERT_EQ(sluice__cursor_value_parse(SLUICE_CURSOR_STRING, "9", 1, &a,
                                         &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__cursor_value_parse(SLUICE_CURSOR_STRING, "10", 2, &b,
                                         &err),
              SLUICE_OK);
    ASSERT_TRUE(sluice__cursor_cmp(SLUICE_CURSOR_STRING, &a, &b) > 0);
    ASSERT_EQ(sluice__cursor_value_parse(SLUICE_CURSOR_INTEGER,
                                         "9223372036854775808", 19, &a, &err),
              SLUICE_EINVAL);
    ASSERT_EQ(sluice__cursor_value_parse(SLUICE_CURSOR_INTEGER, "1.5", 3, &a,
                                         &err),
              SLUICE_EINVAL);
}

static void test_tracker(void)
{
    struct sluice_cursor_path p;
    struct sluice_err err;
    struct sluice_cursor_tracker t;
    ASSERT_EQ(sluice__cursor_path_compile("$.meta.updated_at", &p, &err),
              SLUICE_OK);
    sluice__cursor_tracker_init(&t, &p, SLUICE_CURSOR_TIMESTAMP);
    track(&t,
          "{\"id\":1,\"meta\":{\"updated_at\":\"2024-01-02T00:00:00Z\"}}\n"
          /* deeper and elsewhere: not the path */
          "{\"id\":2,\"x\":{\"meta\":{\"updated_at\":\"2030-01-01T00:00:00Z\"}},"
          "\"meta\":{\"a\":[{\"updated_at\":\"2031-01-01T00:00:00Z\"}]}}\n"
          /* the last of a repeated name counts */
          "{\"meta\":{\"updated_at\":\"2029-01-01T00:00:00Z\","
          "\"updated_at\":\"2024-03-01T10:00:00+01:00\"}}\n"
          "{\"meta\":{\"updated_at\":null}}\n"
          "{\"meta\":{\"updated_at\":\"soon\"}}\n"
          "{\"meta\":{\"updated_at\":{\"t\":1}}}\n"
          "{\"meta\":[1,2]}\n"
          "[\"meta\"]\n"
          "17\n");
    ASSERT_TRUE(t.max.set);
    ASSERT_STR_EQ(t.max.text, "2024-03-01T10:00:00+01:00");
    ASSERT_EQ(t.missing, 5); /* 2, null, [1,2], an array, a number */
    ASSERT_EQ(t.unreadable, 2); /* "soon", an object */
    /* merging keeps the greater */
    struct sluice_cursor_tracker u;
    sluice__cursor_tracker_init(&u, &p, SLUICE_CURSOR_TIMESTAMP);
    track(&u, "{\"meta\":{\"updated_at\":\"2024-03-01T09:30:00Z\"}}\n");
    sluice__cursor_tracker_merge(&u, &t);
    ASSERT_STR_EQ(u.max.text, "2024-03-01T09:30:00Z");
    ASSERT_EQ(u.missing, 5);
    sluice__cursor_path_cleanup(&p);
}

static void test_minus(void)
{
    struct sluice_cursor_value v;
    struct sluice_err err;
    struct sluice_buf b;
    sluice__buf_init(&b, 256);
    ASSERT_EQ(sluice__cursor_value_parse(SLUICE_CURSOR_TIMESTAMP,
                                         "2024-01-05T00:05:00.250+00:00", 29,
                                         &v, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__cursor_minus(SLUICE_CURSOR_TIMESTAMP, &v, 600, &b),
              SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&b), "2024-01-04T23:55:00.25Z");
    sluice__buf_reset(&b);
    /* no lag: the API's own text, as it sent it */
    ASSERT_EQ(sluice__cursor_minus(SLUICE_CURSOR_TIMESTAMP, &v, 0, &b),
              SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&b), "2024-01-05T00:05:00.250+00:00");
    sluice__buf_reset(&b);
    ASSERT_EQ(sluice__cursor_value_parse(SLUICE_CURSOR_INTEGER, "1000", 4, &v,
                                         &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__cursor_minus(SLUICE_CURSOR_INTEGER, &v, 50, &b),
              SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&b), "950");
    sluice__buf_cleanup(&b);
}

static const struct harness_test TESTS[] = {
    TEST(test_paths),
    TEST(test_values),
    TEST(test_tracker),
    TEST(test_minus),
};
HARNESS_MAIN(TESTS)
