/* test_csv_sink.c: the CSV sink end to end: records in, the published
 * file's bytes compared with hand-written RFC 4180 text: quoting, null vs
 * empty string, numbers as they came, nested values as JSON text, LF and
 * CRLF, a column appearing in a later window appended (the earlier file
 * left as it was), repeated and NUL member names, empty windows, and the
 * spool spilling to disk. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json/json_reader.h"
#include "sink/sink.h"
#include "harness.h"
#include "scratch_dir.h"

static char dir[64];

static void make_dir(void)
{
    scratch_dir_make(dir, sizeof dir, "tcsv");
}

static void remove_dir(void)
{
    scratch_dir_remove(dir);
}

static int to_sink(void *ud, enum sluice_json_event ev, const char *p, size_t n)
{
    struct sluice_sink *s = ud;
    return s->ops->event(s, ev, p, n);
}

/* Feeds newline-separated JSON records (key "K" each) through a window. */
static int window(struct sluice_sink *s, const char *name, const char *recs)
{
    char path[256];
    uint64_t bytes = 0;
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
        rc = s->ops->commit(s, &bytes);
    else
        s->ops->abort(s);
    if (rc != SLUICE_OK)
        fprintf(stderr, "  window %s: %s\n", name, s->err.msg);
    return rc;
}

/* The file's bytes, or "<none>" when there is no file. */
static const char *read_file(const char *name, struct sluice_buf *out)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t n;
    sluice__buf_reset(out);
    if (!f)
        return "<none>";
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (sluice__buf_append(out, chunk, n) != SLUICE_OK)
            break;
    fclose(f);
    return sluice__buf_str(out);
}

static struct sluice_sink *new_sink(const char *key_as, bool crlf,
                                    size_t spool_bytes)
{
    struct sluice_sink_opts so = {key_as, 0, NULL};
    struct sluice_sink *s = NULL;
    char tpl[128];
    snprintf(tpl, sizeof tpl, "%s/w_{start}.csv", dir);
    struct sluice_sink_csv_opts co = {
        .job_name = "t",
        .output_template = tpl,
        .crlf = crlf,
        .spool_bytes = spool_bytes,
    };
    if (sluice__sink_csv_new(&so, &co, &s) != SLUICE_OK)
        return NULL;
    return s;
}

/* One window of records -> the file's exact text. */
static void test_values_and_quoting(void)
{
    static const struct {
        const char *recs, *csv;
    } cases[] = {
        /* quotes doubled; commas and newlines inside quotes */
        {"{\"s\":\"a\\\"b,c\\nd\\r\\ne\"}", "\"s\"\n\"a\"\"b,c\nd\r\ne\"\n"},
        /* null and missing are empty; "" is an empty string */
        {"{\"a\":null,\"b\":\"\"}\n{\"b\":\"x\"}",
         "\"a\",\"b\"\n,\"\"\n,\"x\"\n"},
        /* numbers exactly as they came; booleans as words */
        {"{\"i\":-0,\"d\":1.50,\"e\":2E+3,\"big\":123456789012345678901234,"
         "\"t\":true,\"f\":false}",
         "\"i\",\"d\",\"e\",\"big\",\"t\",\"f\"\n"
         "-0,1.50,2E+3,123456789012345678901234,true,false\n"},
        /* a string that looks like a number stays quoted */
        {"{\"z\":\"007\"}", "\"z\"\n\"007\"\n"},
        /* nested values: compact JSON text, quoted */
        {"{\"o\": {\"x\": [1, 2.0e3, \"q\\\"r\"], \"y\": {}}, \"l\": []}",
         "\"o\",\"l\"\n\"{\"\"x\"\":[1,2.0e3,\"\"q\\\"\"r\"\"],\"\"y\"\":{}}\","
         "\"[]\"\n"},
        /* unicode as UTF-8 bytes (escapes decoded) */
        {"{\"u\":\"\xc3\xa9\\u2713\\ud83d\\ude00\"}",
         "\"u\"\n\"\xc3\xa9\xe2\x9c\x93\xf0\x9f\x98\x80\"\n"},
        /* a record that is not an object is the column `value` */
        {"42\n\"s\"\n[1]", "\"value\"\n42\n\"s\"\n\"[1]\"\n"},
        /* a repeated name keeps its last value, in its last place */
        {"{\"a\":1,\"b\":2,\"a\":3}", "\"b\",\"a\"\n2,3\n"},
        /* a NUL in a name: the column is named with \u0000 spelled out */
        {"{\"a\\u0000b\":1}", "\"a\\u0000b\"\n1\n"},
        /* names clashing case-insensitively, and one needing quotes */
        {"{\"Id\":1,\"id\":2,\"x,\\\"y\":3}",
         "\"Id\",\"id__2\",\"x,\"\"y\"\n1,2,3\n"},
    };
    struct sluice_buf b;
    sluice__buf_init(&b, 1u << 20);
    FOR_CASES(i, cases) {
        make_dir();
        struct sluice_sink *s = new_sink(NULL, false, 0);
        ASSERT_TRUE(s != NULL);
        ASSERT_EQ(window(s, "w.csv", cases[i].recs), SLUICE_OK);
        ASSERT_TRUE(s->published);
        ASSERT_STR_EQ(read_file("w.csv", &b), cases[i].csv);
        sluice__sink_free(s);
        remove_dir();
    }
    sluice__buf_cleanup(&b);
}

static void test_crlf_and_record_key(void)
{
    struct sluice_buf b;
    sluice__buf_init(&b, 1u << 20);
    make_dir();
    struct sluice_sink *s = new_sink("day", true, 0);
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ(window(s, "w.csv", "{\"a\":\"x\\ny\"}\n{\"a\":1}"), SLUICE_OK);
    /* rows end in CRLF; a newline inside a value is kept as it came */
    ASSERT_STR_EQ(read_file("w.csv", &b),
                  "\"a\",\"day\"\r\n\"x\ny\",\"K\"\r\n1,\"K\"\r\n");
    sluice__sink_free(s);
    remove_dir();
    sluice__buf_cleanup(&b);
}

/* A column first seen in a later window is appended to the job's order;
 * the earlier file keeps its columns; a later file has every column. */
static void test_column_added_later(void)
{
    struct sluice_buf b;
    sluice__buf_init(&b, 1u << 20);
    make_dir();
    struct sluice_sink *s = new_sink(NULL, false, 0);
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ(window(s, "1.csv", "{\"a\":1,\"b\":2}"), SLUICE_OK);
    ASSERT_TRUE(s->schema_json != NULL);
    ASSERT_EQ(window(s, "2.csv", "{\"c\":3,\"a\":4}\n{\"b\":5}"), SLUICE_OK);
    ASSERT_TRUE(s->schema_json != NULL);
    ASSERT_STR_EQ(read_file("1.csv", &b), "\"a\",\"b\"\n1,2\n");
    ASSERT_STR_EQ(read_file("2.csv", &b), "\"a\",\"b\",\"c\"\n4,,3\n,5,\n");
    ASSERT_EQ(window(s, "3.csv", "{\"b\":6}"), SLUICE_OK);
    ASSERT_TRUE(s->schema_json == NULL); /* nothing new */
    ASSERT_STR_EQ(read_file("3.csv", &b), "\"a\",\"b\",\"c\"\n,6,\n");
    /* a new sink of the same job (another run) reads the order back */
    sluice__sink_free(s);
    s = new_sink(NULL, false, 0);
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ(window(s, "4.csv", "{\"d\":true,\"c\":7}"), SLUICE_OK);
    ASSERT_STR_EQ(read_file("4.csv", &b),
                  "\"a\",\"b\",\"c\",\"d\"\n,,7,true\n");
    sluice__sink_free(s);
    remove_dir();
    sluice__buf_cleanup(&b);
}

/* An empty first window has no columns to name: nothing is published
 * (the run pulls it again); once the job has columns, an empty window is
 * a header. */
static void test_empty_windows(void)
{
    struct sluice_buf b;
    sluice__buf_init(&b, 1u << 20);
    make_dir();
    struct sluice_sink *s = new_sink(NULL, false, 0);
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ(window(s, "0.csv", ""), SLUICE_OK);
    ASSERT_TRUE(!s->published);
    ASSERT_STR_EQ(read_file("0.csv", &b), "<none>");
    ASSERT_EQ(window(s, "1.csv", "{\"a\":1}"), SLUICE_OK);
    ASSERT_EQ(window(s, "2.csv", ""), SLUICE_OK);
    ASSERT_TRUE(s->published);
    ASSERT_STR_EQ(read_file("2.csv", &b), "\"a\"\n");
    sluice__sink_free(s);
    remove_dir();
    sluice__buf_cleanup(&b);
}

/* A failed window leaves nothing; an abort after records too. */
static void test_abort_leaves_nothing(void)
{
    struct sluice_buf b;
    char path[256];
    sluice__buf_init(&b, 1u << 20);
    make_dir();
    struct sluice_sink *s = new_sink(NULL, false, 0);
    ASSERT_TRUE(s != NULL);
    snprintf(path, sizeof path, "%s/x.csv", dir);
    ASSERT_EQ(s->ops->open(s, path), SLUICE_OK);
    ASSERT_EQ(s->ops->record_begin(s, NULL, 0), SLUICE_OK);
    ASSERT_EQ(s->ops->event(s, SLUICE_JSON_NULL, NULL, 0), SLUICE_OK);
    ASSERT_EQ(s->ops->record_end(s), SLUICE_OK);
    s->ops->abort(s);
    ASSERT_STR_EQ(read_file("x.csv", &b), "<none>");
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    while (d && (e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    ASSERT_EQ(n, 0);
    sluice__sink_free(s);
    remove_dir();
    sluice__buf_cleanup(&b);
}

/* Spilled to disk (a 64-byte spool), the file is byte for byte the one
 * written from memory. */
static void test_spool_spills(void)
{
    struct sluice_buf recs, mem, disk;
    sluice__buf_init(&recs, 1u << 22);
    sluice__buf_init(&mem, 1u << 22);
    sluice__buf_init(&disk, 1u << 22);
    for (int i = 0; i < 2000; i++)
        ASSERT_EQ(sluice__buf_appendf(&recs,
                                      "{\"i\":%d,\"s\":\"r\\\"%d\",\"n\":"
                                      "{\"k\":[%d]}%s}\n",
                                      i, i, i, i % 7 ? "" : ",\"late\":1"),
                  SLUICE_OK);
    for (int pass = 0; pass < 2; pass++) {
        make_dir();
        struct sluice_sink *s = new_sink(NULL, false, pass ? 64 : 0);
        ASSERT_TRUE(s != NULL);
        ASSERT_EQ(window(s, "w.csv", recs.p), SLUICE_OK);
        read_file("w.csv", pass ? &disk : &mem);
        sluice__sink_free(s);
        remove_dir();
    }
    ASSERT_TRUE(mem.n > 2000 * 20);
    ASSERT_MEM_EQ(mem.p, mem.n, disk.p, disk.n);
    sluice__buf_cleanup(&recs);
    sluice__buf_cleanup(&mem);
    sluice__buf_cleanup(&disk);
}

static const struct harness_test TESTS[] = {
    TEST(test_values_and_quoting),   TEST(test_crlf_and_record_key),
    TEST(test_column_added_later),   TEST(test_empty_windows),
    TEST(test_abort_leaves_nothing), TEST(test_spool_spills),
};
HARNESS_MAIN(TESTS)
