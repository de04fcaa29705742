/* test_table_sink.c: the Parquet sink end to end: records in, a published
 * file read back with lib/parquet/reader and compared value by value; late
 * fields, a conflicting field, the spool spilling to disk, empty windows,
 * schema evolution across windows, bad values. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parquet/pq_reader.h"
#include "sink/sink.h"
#include "scratch_dir.h"
#include "test_table_helpers.h"

static char dir[64];

static void make_dir(void)
{
    scratch_dir_make(dir, sizeof dir, "tsink");
}

static void remove_dir(void)
{
    scratch_dir_remove(dir);
}

static size_t count_entries(void)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static int to_sink(void *ud, enum sluice_json_event ev, const char *p, size_t n)
{
    struct sluice_sink *s = ud;
    return s->ops->event(s, ev, p, n);
}

/* Feeds newline-separated JSON records (key "K" each) through a window. */
static int window(struct sluice_sink *s, const char *name, const char *recs,
                  uint64_t *bytes)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int rc = s->ops->open(s, path);
    while (rc == SLUICE_OK && *recs) {
        const char *nl = strchr(recs, '\n');
        size_t n = nl ? (size_t)(nl - recs) : strlen(recs);
        struct sluice_json_reader *r =
            sluice__json_reader_new(NULL, to_sink, s);
        rc = r ? s->ops->record_begin(s, "K", 1) : SLUICE_ENOMEM;
        if (rc == SLUICE_OK)
            rc = sluice__json_reader_feed(r, recs, n);
        if (rc == SLUICE_OK)
            rc = sluice__json_reader_finish(r);
        if (rc == SLUICE_OK)
            rc = s->ops->record_end(s);
        sluice__json_reader_free(r);
        recs += n + (nl != NULL);
    }
    if (rc == SLUICE_OK)
        rc = s->ops->commit(s, bytes);
    else
        s->ops->abort(s);
    if (rc != SLUICE_OK)
        fprintf(stderr, "  window %s: %s\n", name, s->err.msg);
    return rc;
}

static int read_file(const char *name, struct sluice_buf *out)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t n;
    int rc = f ? SLUICE_OK : SLUICE_EIO;
    sluice__buf_reset(out);
    while (f && rc == SLUICE_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = sluice__buf_append(out, chunk, n);
    if (f)
        fclose(f);
    return rc;
}

/* The file's rows as JSON lines (our reader's canonical dump). */
static int dump(const char *name, struct sluice_buf *json, uint64_t *rows)
{
    struct sluice_buf file;
    struct sluice_err err = {{0}};
    struct sluice_pq_reader *r = NULL;
    sluice__buf_init(&file, (size_t)1 << 30);
    sluice__buf_reset(json);
    int rc = read_file(name, &file);
    if (rc == SLUICE_OK)
        rc = sluice__pq_reader_open_mem(&r, file.p, file.n, &err);
    if (rc == SLUICE_OK)
        rc = sluice__pq_reader_json(r, json);
    if (rc != SLUICE_OK)
        fprintf(stderr, "  dump %s: %s %s\n", name, err.msg,
                r ? sluice__pq_reader_error(r) : "");
    if (rows && r)
        *rows = sluice__pq_reader_num_rows(r);
    sluice__pq_reader_free(r);
    sluice__buf_cleanup(&file);
    return rc;
}

static struct sluice_sink *new_sink(const struct sluice_sink_parquet_opts *po)
{
    struct sluice_sink_opts so = {"day", 0, NULL};
    struct sluice_sink *s = NULL;
    char tpl[128];
    struct sluice_sink_parquet_opts o = *po;
    snprintf(tpl, sizeof tpl, "%s/w_{start}.parquet", dir);
    o.output_template = tpl;
    o.job_name = "t";
    if (sluice__sink_parquet_new(&so, &o, &s) != SLUICE_OK)
        return NULL;
    return s;
}

static void test_round_trip_nested(void)
{
    make_dir();
    struct sluice_sink_parquet_opts po = {0};
    struct sluice_sink *s = new_sink(&po);
    struct sluice_buf json;
    uint64_t bytes = 0, rows = 0;
    sluice__buf_init(&json, 1u << 24);
    ASSERT_TRUE(s);
    ASSERT_EQ(
        window(s, "a.parquet",
               "{\"id\":\"1\",\"n\":5,\"v\":{\"kps\":\"1.5\",\"ok\":true},"
               "\"l\":[{\"x\":1.5,\"y\":[1,2]},null,{}],\"u\":\"\\ud83d"
               "\\ude00\\u0000\"}\n"
               "{\"id\":\"2\",\"n\":null,\"l\":[],\"late\":[[\"z\"]]}\n"
               "{\"id\":\"3\",\"v\":{},\"l\":null}",
               &bytes),
        SLUICE_OK);
    ASSERT_TRUE(bytes > 100);
    ASSERT_EQ(dump("a.parquet", &json, &rows), SLUICE_OK);
    ASSERT_EQ(rows, 3);
    ASSERT_STR_EQ(
        json.p,
        "{\"id\":\"1\",\"n\":5,\"v\":{\"kps\":\"1.5\",\"ok\":true},\"l\":[{"
        "\"x\":"
        "1.5,\"y\":[1,2]},null,{\"x\":null,\"y\":null}],\"u\":"
        "\"\xf0\x9f\x98\x80"
        "\\u0000\",\"day\":\"K\",\"late\":null}\n"
        "{\"id\":\"2\",\"n\":null,\"v\":null,\"l\":[],\"u\":null,\"day\":\"K\","
        "\"late\":[[\"z\"]]}\n"
        "{\"id\":\"3\",\"n\":null,\"v\":{\"kps\":null,\"ok\":null},\"l\":null,"
        "\"u\":null,\"day\":\"K\",\"late\":null}\n");
    ASSERT_STR_EQ(s->warnings, "");
    ASSERT_EQ(s->bad_values, 0);
    sluice__sink_free(s);
    sluice__buf_cleanup(&json);
    remove_dir();
}

static void test_evolution_conflict_and_empty_window(void)
{
    make_dir();
    struct sluice_sink_parquet_opts po = {0};
    struct sluice_sink *s = new_sink(&po);
    struct sluice_buf json, text;
    uint64_t rows = 9;
    sluice__buf_init(&json, 1u << 24);
    sluice__buf_init(&text, 1u << 24);
    ASSERT_TRUE(s);
    ASSERT_EQ(window(s, "1.parquet", "{\"a\":1,\"c\":\"s\"}", NULL), SLUICE_OK);
    ASSERT_EQ(window(s, "2.parquet", "{\"b\":2.5,\"c\":{\"q\":1}}", NULL),
              SLUICE_OK);
    ASSERT_TRUE(strstr(s->warnings, "c: seen as string and as struct"));
    ASSERT_EQ(dump("2.parquet", &json, NULL), SLUICE_OK);
    ASSERT_STR_EQ(json.p, "{\"a\":null,\"c\":{\"q\":1},\"day\":\"K\","
                          "\"b\":2.5}\n");
    /* an empty window: zero rows, the job's schema */
    ASSERT_EQ(window(s, "3.parquet", "", NULL), SLUICE_OK);
    ASSERT_EQ(dump("3.parquet", &json, &rows), SLUICE_OK);
    ASSERT_EQ(rows, 0);
    ASSERT_STR_EQ(json.p ? json.p : "", "");
    ASSERT_EQ(read_file(".sluice-schema-t.json", &text), SLUICE_OK);
    ASSERT_STR_EQ(
        text.p, "{\"sluice_table\":1,\"version\":2,\"fields\":[{\"name\":\"a\","
                "\"type\":\"int64\"},{\"name\":\"c\",\"type\":\"json\"},{"
                "\"name\":\"day\",\"type\":\"string\"},{\"name\":\"b\","
                "\"type\":\"double\"}]}\n");
    {
        struct sluice_buf file;
        struct sluice_err err = {{0}};
        struct sluice_pq_reader *r = NULL;
        sluice__buf_init(&file, 1u << 24);
        ASSERT_EQ(read_file("3.parquet", &file), SLUICE_OK);
        ASSERT_EQ(sluice__pq_reader_open_mem(&r, file.p, file.n, &err),
                  SLUICE_OK);
        ASSERT_EQ(sluice__pq_reader_schema(r)->nleaves, 4);
        sluice__pq_reader_free(r);
        sluice__buf_cleanup(&file);
    }
    sluice__sink_free(s);
    /* output.empty: skip writes nothing */
    po.skip_empty = true;
    s = new_sink(&po);
    ASSERT_TRUE(s);
    size_t before = count_entries();
    ASSERT_EQ(window(s, "4.parquet", "", NULL), SLUICE_OK);
    ASSERT_EQ(count_entries(), before);
    sluice__sink_free(s);
    sluice__buf_cleanup(&json);
    sluice__buf_cleanup(&text);
    remove_dir();
}

static void test_spool_spills_to_disk(void)
{
    make_dir();
    struct sluice_sink_parquet_opts po = {.spool_bytes = 4096,
                                          .row_group_bytes = 64 * 1024,
                                          .codec = 1 /* snappy */};
    struct sluice_sink *s = new_sink(&po);
    struct sluice_buf recs, json, want;
    uint64_t rows = 0;
    sluice__buf_init(&recs, 1u << 26);
    sluice__buf_init(&json, 1u << 26);
    sluice__buf_init(&want, 1u << 26);
    ASSERT_TRUE(s);
    for (int i = 0; i < 20000; i++) {
        ASSERT_EQ(
            sluice__buf_appendf(&recs, "{\"i\":%d,\"s\":\"row %d\"", i, i % 97),
            SLUICE_OK);
        ASSERT_EQ(
            sluice__buf_appendf(&want, "{\"i\":%d,\"s\":\"row %d\"", i, i % 97),
            SLUICE_OK);
        if (i == 19999) {
            ASSERT_EQ(sluice__buf_adds(&recs, ",\"last\":[true]"), SLUICE_OK);
        }
        ASSERT_EQ(sluice__buf_appendf(&recs, "}\n"), SLUICE_OK);
        ASSERT_EQ(sluice__buf_appendf(&want, ",\"day\":\"K\",\"last\":%s}\n",
                                      i == 19999 ? "[true]" : "null"),
                  SLUICE_OK);
    }
    recs.p[--recs.n] = '\0';
    ASSERT_EQ(window(s, "big.parquet", recs.p, NULL), SLUICE_OK);
    ASSERT_EQ(dump("big.parquet", &json, &rows), SLUICE_OK);
    ASSERT_EQ(rows, 20000);
    ASSERT_STR_EQ(json.p, want.p);
    /* only the file and the schema: the spool file is gone */
    ASSERT_EQ(count_entries(), 2);
    sluice__sink_free(s);
    sluice__buf_cleanup(&recs);
    sluice__buf_cleanup(&json);
    sluice__buf_cleanup(&want);
    remove_dir();
}

static void test_declared_and_bad_values(void)
{
    static const struct sluice_column_decl cols[] = {
        {"c[].kps", SLUICE_D_DOUBLE}, {"c[].epoch", SLUICE_D_TIMESTAMP_MS}};
    make_dir();
    struct sluice_sink_parquet_opts po = {.columns = cols, .n_columns = 2};
    struct sluice_sink *s = new_sink(&po);
    struct sluice_buf json;
    sluice__buf_init(&json, 1u << 24);
    ASSERT_TRUE(s);
    ASSERT_EQ(window(s, "d.parquet",
                     "{\"c\":[{\"kps\":\"17.25\",\"epoch\":1577843520000},"
                     "{\"kps\":\"fast\",\"epoch\":null}]}",
                     NULL),
              SLUICE_OK);
    ASSERT_EQ(s->bad_values, 1);
    ASSERT_EQ(dump("d.parquet", &json, NULL), SLUICE_OK);
    ASSERT_STR_EQ(json.p, "{\"c\":[{\"kps\":17.25,\"epoch\":\"2020-01-01T01:"
                          "52:00Z\"},{\"kps\":null,\"epoch\":null}],\"day\":"
                          "\"K\"}\n");
    sluice__sink_free(s);
    po.fail_on_bad = true;
    s = new_sink(&po);
    ASSERT_TRUE(s);
    ASSERT_EQ(window(s, "e.parquet", "{\"c\":[{\"kps\":\"x\"}]}", NULL),
              SLUICE_EINVAL);
    ASSERT_TRUE(strstr(s->err.msg, "c[].kps"));
    char epath[128];
    snprintf(epath, sizeof epath, "%s/e.parquet", dir);
    ASSERT_EQ(access(epath, F_OK), -1);
    ASSERT_EQ(count_entries(), 2); /* d.parquet and the schema only */
    sluice__sink_free(s);
    sluice__buf_cleanup(&json);
    remove_dir();
}

/* A declared int64 column takes integers, and numbers that are whole
 * (2.0, "3e2"); a number past int64's range is a bad value, not a cast
 * out of range (UBSan stopped this test before the range was checked
 * first). */
static void test_declared_int64_range(void)
{
    static const struct sluice_column_decl cols[] = {{"n", SLUICE_D_INT64}};
    make_dir();
    struct sluice_sink_parquet_opts po = {.columns = cols, .n_columns = 1};
    struct sluice_sink *s = new_sink(&po);
    struct sluice_buf json;
    sluice__buf_init(&json, 1u << 24);
    ASSERT_TRUE(s);
    ASSERT_EQ(window(s, "i.parquet",
                     "{\"n\":2.0}\n{\"n\":\"3e2\"}\n{\"n\":1e300}\n"
                     "{\"n\":-9.3e18}\n{\"n\":2.5}",
                     NULL),
              SLUICE_OK);
    ASSERT_EQ(s->bad_values, 3);
    ASSERT_EQ(dump("i.parquet", &json, NULL), SLUICE_OK);
    ASSERT_STR_EQ(json.p, "{\"n\":2,\"day\":\"K\"}\n{\"n\":300,\"day\":\"K\"}\n"
                          "{\"n\":null,\"day\":\"K\"}\n{\"n\":null,\"day\":\"K\"}\n"
                          "{\"n\":null,\"day\":\"K\"}\n");
    sluice__sink_free(s);
    sluice__buf_cleanup(&json);
    remove_dir();
}

static void test_flatten_end_to_end(void)
{
    make_dir();
    struct sluice_sink_parquet_opts po = {.flatten = true, .codec = 3};
    struct sluice_sink *s = new_sink(&po);
    struct sluice_buf json;
    sluice__buf_init(&json, 1u << 24);
    ASSERT_TRUE(s);
    ASSERT_EQ(
        window(s, "f.parquet",
               "{\"a\":{\"b\":1,\"c\":{\"d\":\"x\"}},\"l\":[1,{\"k\":2}]}\n"
               "{\"a\":null}",
               NULL),
        SLUICE_OK);
    ASSERT_EQ(dump("f.parquet", &json, NULL), SLUICE_OK);
    ASSERT_STR_EQ(json.p,
                  "{\"a__b\":1,\"a__c__d\":\"x\",\"l\":[1,{\"k\":2}],\"day\":"
                  "\"K\"}\n{\"a__b\":null,\"a__c__d\":null,\"l\":null,\"day\":"
                  "\"K\"}\n");
    sluice__sink_free(s);
    sluice__buf_cleanup(&json);
    remove_dir();
}

/* A member name holding NUL (`\u0000`) gets a real column named with the
 * six characters \u0000 in its place: the value lands in it, in every
 * window (the schema file keeps the name whole), and a warning names the
 * column as it exists. A key spelled with those six characters is another
 * field, whose column is renamed on the clash. */
static void test_nul_in_member_names(void)
{
    make_dir();
    struct sluice_sink_parquet_opts po = {0};
    struct sluice_sink *s = new_sink(&po);
    struct sluice_buf json, text;
    sluice__buf_init(&json, 1u << 24);
    sluice__buf_init(&text, 1u << 24);
    ASSERT_TRUE(s);
    ASSERT_EQ(window(s, "1.parquet", "{\"a\\u0000b\":1,\"c\":2}", NULL),
              SLUICE_OK);
    ASSERT_EQ(dump("1.parquet", &json, NULL), SLUICE_OK);
    ASSERT_STR_EQ(json.p, "{\"a\\\\u0000b\":1,\"c\":2,\"day\":\"K\"}\n");
    ASSERT_EQ(read_file(".sluice-schema-t.json", &text), SLUICE_OK);
    ASSERT_TRUE(strstr(text.p, "{\"name\":\"a\\u0000b\",\"column\":"
                               "\"a\\\\u0000b\",\"type\":\"int64\"}"));
    /* the next window reads the schema file back: same field, same column */
    ASSERT_EQ(window(s, "2.parquet",
                     "{\"c\":3,\"a\\u0000b\":\"x\",\"a\\\\u0000b\":4}", NULL),
              SLUICE_OK);
    ASSERT_TRUE(strstr(s->warnings,
                       "a\\u0000b: seen as int64 and as string: kept as JSON "
                       "text"));
    ASSERT_EQ(dump("2.parquet", &json, NULL), SLUICE_OK);
    ASSERT_STR_EQ(json.p, "{\"a\\\\u0000b\":\"x\",\"c\":3,"
                          "\"day\":\"K\",\"a\\\\u0000b__2\":4}\n");
    sluice__sink_free(s);
    sluice__buf_cleanup(&json);
    sluice__buf_cleanup(&text);
    remove_dir();
}

/* A member name given twice keeps its last value, as in NDJSON: the
 * earlier one neither reaches a column nor widens the schema (an int then a
 * string in one record is a string column, not JSON text); record_key_as
 * wins over a member of its name. */
static void test_duplicate_members_keep_last(void)
{
    make_dir();
    struct sluice_sink_parquet_opts po = {0};
    struct sluice_sink *s = new_sink(&po);
    struct sluice_buf json;
    sluice__buf_init(&json, 1u << 24);
    ASSERT_TRUE(s);
    ASSERT_EQ(window(s, "d.parquet",
                     "{\"a\":1,\"b\":\"x\",\"a\":\"s\"}\n"
                     "{\"o\":{\"k\":1,\"j\":[1],\"k\":2},\"day\":\"own\"}\n"
                     "{\"l\":[{\"m\":true,\"m\":false}],\"a\":\"t\"}",
                     NULL),
              SLUICE_OK);
    ASSERT_EQ(dump("d.parquet", &json, NULL), SLUICE_OK);
    ASSERT_STR_EQ(json.p,
                  "{\"b\":\"x\",\"a\":\"s\",\"day\":\"K\",\"o\":null,\"l\":null}\n"
                  "{\"b\":null,\"a\":null,\"day\":\"K\",\"o\":{\"j\":[1],"
                  "\"k\":2},\"l\":null}\n"
                  "{\"b\":null,\"a\":\"t\",\"day\":\"K\",\"o\":null,\"l\":[{"
                  "\"m\":false}]}\n");
    ASSERT_TRUE(strstr(s->warnings, "a: member given more than once in one "
                                    "object (1 earlier value dropped, in 1 "
                                    "record): the last one kept\n"));
    ASSERT_TRUE(strstr(s->warnings, "\nl[].m: member given"));
    ASSERT_TRUE(strstr(s->warnings, "\nday: member given"));
    ASSERT_TRUE(!strstr(s->warnings, "JSON text"));
    sluice__sink_free(s);
    sluice__buf_cleanup(&json);
    remove_dir();
}

/* Records whose every value is null, {} or []: no column has a type, and
 * a Parquet file needs one. The window fails saying so and how to declare
 * types (it used to fail with "group 'schema' has no fields"); once
 * another window has given a field a type, the same records are written. */
static void test_records_with_no_typed_field(void)
{
    make_dir();
    struct sluice_sink_opts so = {NULL, 0, NULL};
    struct sluice_sink_parquet_opts po = {0};
    struct sluice_sink *s = NULL;
    struct sluice_buf json;
    uint64_t rows = 0;
    char tpl[128];
    sluice__buf_init(&json, 1u << 24);
    snprintf(tpl, sizeof tpl, "%s/w_{start}.parquet", dir);
    po.output_template = tpl;
    po.job_name = "t";
    ASSERT_EQ(sluice__sink_parquet_new(&so, &po, &s), SLUICE_OK);
    ASSERT_EQ(window(s, "n.parquet", "{\"a\":null}\n{\"b\":{},\"c\":[]}", NULL),
              SLUICE_EPARQUET);
    ASSERT_TRUE(strstr(s->err.msg, "2 records, but no field has a type yet"));
    ASSERT_TRUE(strstr(s->err.msg, "columns:"));
    ASSERT_EQ(read_file("n.parquet", &json), SLUICE_EIO); /* nothing left */
    ASSERT_EQ(window(s, "t.parquet", "{\"a\":1}", NULL), SLUICE_OK);
    ASSERT_EQ(window(s, "n.parquet", "{\"a\":null}\n{\"b\":{},\"c\":[]}", NULL),
              SLUICE_OK);
    ASSERT_EQ(dump("n.parquet", &json, &rows), SLUICE_OK);
    ASSERT_EQ(rows, 2);
    ASSERT_STR_EQ(json.p, "{\"a\":null}\n{\"a\":null}\n");
    sluice__sink_free(s);
    sluice__buf_cleanup(&json);
    remove_dir();
}

static void test_schema_path(void)
{
    struct sluice_buf b;
    sluice__buf_init(&b, 1024);
    ASSERT_EQ(sluice__parquet_schema_path("data/{start:%Y}/x_{start}.parquet",
                                          "neows", &b),
              SLUICE_OK);
    ASSERT_STR_EQ(b.p, "data/.sluice-schema-neows.json");
    sluice__buf_reset(&b);
    ASSERT_EQ(sluice__parquet_schema_path("{index}.parquet", "j", &b),
              SLUICE_OK);
    ASSERT_STR_EQ(b.p, ".sluice-schema-j.json");
    sluice__buf_cleanup(&b);
}

static const struct harness_test TESTS[] = {
    TEST(test_round_trip_nested),
    TEST(test_evolution_conflict_and_empty_window),
    TEST(test_spool_spills_to_disk),
    TEST(test_declared_and_bad_values),
    TEST(test_declared_int64_range),
    TEST(test_flatten_end_to_end),
    TEST(test_nul_in_member_names),
    TEST(test_duplicate_members_keep_last),
    TEST(test_records_with_no_typed_field),
    TEST(test_schema_path),
};
HARNESS_MAIN(TESTS)
