/* test_sink.c: atomic publication and the NDJSON sink: nothing partial is
 * ever visible under the final name, aborts leave no temporary file, and
 * record_key_as lands inside each object record, a member name given twice
 * keeps its last value. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "json/json_reader.h"
#include "sink/publish.h"
#include "sink/sink.h"

static char g_dir[256];

static void make_dir(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/sluice-test-sink-XXXXXX");
    if (!mkdtemp(g_dir))
        abort();
}

/* Number of entries in `dir` (recursively not needed), excluding . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void rm_rf(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

static void test_publish_hides_until_commit(void)
{
    make_dir();
    char final[512];
    snprintf(final, sizeof final, "%s/a/b/out.ndjson", g_dir);
    struct sluice_publish p;
    struct sluice_err err = {{0}};
    sluice__publish_init(&p);
    ASSERT_EQ(sluice__publish_open(&p, final, &err), SLUICE_OK);
    ASSERT_EQ(sluice__publish_write(&p, "hello\n", 6, &err), SLUICE_OK);
    struct stat st;
    ASSERT_TRUE(stat(final, &st) != 0); /* not visible yet */
    ASSERT_TRUE(strstr(p.tmp_path, SLUICE_TMP_MARKER) != NULL);
    ASSERT_EQ(sluice__publish_live(), 1);
    ASSERT_EQ(sluice__publish_commit(&p, &err), SLUICE_OK);
    ASSERT_EQ(sluice__publish_live(), 0);
    ASSERT_STR_EQ(slurp(final), "hello\n");
    char sub[512];
    snprintf(sub, sizeof sub, "%s/a/b", g_dir);
    ASSERT_EQ(count_entries(sub), 1); /* no temporary left */
    sluice__publish_cleanup(&p);
    rm_rf(g_dir);
}

/* The temporary name says whose it is (job, pid), and stays a valid file
 * name however long the final one is. */
static void test_publish_temp_name_names_job_and_pid(void)
{
    make_dir();
    char final[1024], want[128];
    struct sluice_publish p;
    struct sluice_err err = {{0}};
    sluice__publish_init(&p);
    p.owner = "neo-ws_1";
    snprintf(final, sizeof final, "%s/out.ndjson", g_dir);
    ASSERT_EQ(sluice__publish_open(&p, final, &err), SLUICE_OK);
    snprintf(want, sizeof want, "/.out.ndjson.sluice-tmp-neo-ws_1.%ld.",
             (long)getpid());
    ASSERT_TRUE(strstr(p.tmp_path, want) != NULL);
    ASSERT_EQ(strlen(strstr(p.tmp_path, want) + strlen(want)), 16);
    sluice__publish_abort(&p);
    /* A 250-byte name of 2-byte characters: the temporary keeps what fits
     * (on a character boundary), the final name is whole. */
    char name[256];
    for (int i = 0; i < 125; i++)
        memcpy(name + 2 * i, "\xc3\xa9", 2);
    name[250] = '\0';
    snprintf(final, sizeof final, "%s/%s", g_dir, name);
    p.owner = "bad/owner"; /* not a job name: "job" */
    ASSERT_EQ(sluice__publish_open(&p, final, &err), SLUICE_OK);
    const char *base = strrchr(p.tmp_path, '/') + 1;
    ASSERT_TRUE(strlen(base) <= 255);
    ASSERT_TRUE(strstr(base, ".sluice-tmp-job.") != NULL);
    size_t kept = (size_t)(strstr(base, ".sluice-tmp-") - base) - 1;
    ASSERT_EQ(kept % 2, 0);
    ASSERT_TRUE(memcmp(base + 1, name, kept) == 0);
    ASSERT_EQ(sluice__publish_write(&p, "x\n", 2, &err), SLUICE_OK);
    ASSERT_EQ(sluice__publish_commit(&p, &err), SLUICE_OK);
    ASSERT_STR_EQ(slurp(final), "x\n");
    sluice__publish_cleanup(&p);
    rm_rf(g_dir);
}

static void test_publish_abort_leaves_nothing(void)
{
    make_dir();
    char final[512];
    snprintf(final, sizeof final, "%s/out.ndjson", g_dir);
    struct sluice_publish p;
    struct sluice_err err = {{0}};
    sluice__publish_init(&p);
    ASSERT_EQ(sluice__publish_open(&p, final, &err), SLUICE_OK);
    ASSERT_EQ(sluice__publish_write(&p, "partial", 7, &err), SLUICE_OK);
    ASSERT_EQ(count_entries(g_dir), 1);
    sluice__publish_abort(&p);
    ASSERT_EQ(count_entries(g_dir), 0);
    sluice__publish_cleanup(&p);
    rm_rf(g_dir);
}

static void test_publish_replaces_previous_file(void)
{
    make_dir();
    char final[512];
    snprintf(final, sizeof final, "%s/out.ndjson", g_dir);
    struct sluice_err err = {{0}};
    for (int i = 0; i < 2; i++) {
        struct sluice_publish p;
        sluice__publish_init(&p);
        ASSERT_EQ(sluice__publish_open(&p, final, &err), SLUICE_OK);
        const char *text = i ? "second\n" : "first\n";
        ASSERT_EQ(sluice__publish_write(&p, text, strlen(text), &err),
                  SLUICE_OK);
        ASSERT_EQ(sluice__publish_commit(&p, &err), SLUICE_OK);
        sluice__publish_cleanup(&p);
    }
    ASSERT_STR_EQ(slurp(final), "second\n");
    ASSERT_EQ(count_entries(g_dir), 1);
    rm_rf(g_dir);
}

static void test_publish_reports_unwritable_folder(void)
{
    struct sluice_publish p;
    struct sluice_err err = {{0}};
    sluice__publish_init(&p);
    ASSERT_EQ(sluice__publish_open(&p, "/proc/sluice-nope/x.ndjson", &err),
              SLUICE_EIO);
    ASSERT_TRUE(strstr(err.msg, "/proc/sluice-nope") != NULL);
    sluice__publish_cleanup(&p);
}

/* Feeds one record {"id":"1","v":[1,true,null]} through the sink API. */
static int feed_record(struct sluice_sink *s, const char *key)
{
    int rc = s->ops->record_begin(s, key, key ? strlen(key) : 0);
    rc = rc ? rc : s->ops->event(s, SLUICE_JSON_OBJECT_BEGIN, NULL, 0);
    rc = rc ? rc : s->ops->event(s, SLUICE_JSON_KEY, "id", 2);
    rc = rc ? rc : s->ops->event(s, SLUICE_JSON_STRING, "1", 1);
    rc = rc ? rc : s->ops->event(s, SLUICE_JSON_KEY, "v", 1);
    rc = rc ? rc : s->ops->event(s, SLUICE_JSON_ARRAY_BEGIN, NULL, 0);
    rc = rc ? rc : s->ops->event(s, SLUICE_JSON_NUMBER, "1", 1);
    rc = rc ? rc : s->ops->event(s, SLUICE_JSON_TRUE, NULL, 0);
    rc = rc ? rc : s->ops->event(s, SLUICE_JSON_NULL, NULL, 0);
    rc = rc ? rc : s->ops->event(s, SLUICE_JSON_ARRAY_END, NULL, 0);
    rc = rc ? rc : s->ops->event(s, SLUICE_JSON_OBJECT_END, NULL, 0);
    return rc ? rc : s->ops->record_end(s);
}

static void test_ndjson_with_record_key(void)
{
    make_dir();
    char final[512];
    snprintf(final, sizeof final, "%s/w.ndjson", g_dir);
    struct sluice_sink_opts o = {"feed_date", 0, "neows"};
    struct sluice_sink *s = NULL;
    ASSERT_EQ(sluice__sink_ndjson_new(&o, &s), SLUICE_OK);
    ASSERT_EQ(s->ops->open(s, final), SLUICE_OK);
    ASSERT_EQ(feed_record(s, "2020-01-01"), SLUICE_OK);
    ASSERT_EQ(feed_record(s, "2020-01-02"), SLUICE_OK);
    uint64_t bytes = 0;
    ASSERT_EQ(s->ops->commit(s, &bytes), SLUICE_OK);
    const char *want =
        "{\"id\":\"1\",\"v\":[1,true,null],\"feed_date\":\"2020-01-01\"}\n"
        "{\"id\":\"1\",\"v\":[1,true,null],\"feed_date\":\"2020-01-02\"}\n";
    ASSERT_STR_EQ(slurp(final), want);
    ASSERT_EQ(bytes, strlen(want));
    sluice__sink_free(s);
    rm_rf(g_dir);
}

static void test_ndjson_abort_and_reuse(void)
{
    make_dir();
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/a.ndjson", g_dir);
    snprintf(b, sizeof b, "%s/b.ndjson", g_dir);
    struct sluice_sink *s = NULL;
    ASSERT_EQ(sluice__sink_ndjson_new(NULL, &s), SLUICE_OK);
    ASSERT_EQ(s->ops->open(s, a), SLUICE_OK);
    ASSERT_EQ(feed_record(s, NULL), SLUICE_OK);
    s->ops->abort(s);
    ASSERT_EQ(count_entries(g_dir), 0);
    ASSERT_EQ(s->ops->open(s, b), SLUICE_OK);
    ASSERT_EQ(feed_record(s, NULL), SLUICE_OK);
    ASSERT_EQ(s->ops->commit(s, NULL), SLUICE_OK);
    ASSERT_STR_EQ(slurp(b), "{\"id\":\"1\",\"v\":[1,true,null]}\n");
    ASSERT_EQ(count_entries(g_dir), 1);
    sluice__sink_free(s);
    rm_rf(g_dir);
}

static void test_ndjson_key_needs_object(void)
{
    make_dir();
    char final[512];
    snprintf(final, sizeof final, "%s/w.ndjson", g_dir);
    struct sluice_sink_opts o = {"k", 0, NULL};
    struct sluice_sink *s = NULL;
    ASSERT_EQ(sluice__sink_ndjson_new(&o, &s), SLUICE_OK);
    ASSERT_EQ(s->ops->open(s, final), SLUICE_OK);
    ASSERT_EQ(s->ops->record_begin(s, "x", 1), SLUICE_OK);
    ASSERT_EQ(s->ops->event(s, SLUICE_JSON_NUMBER, "5", 1), SLUICE_OK);
    ASSERT_EQ(s->ops->record_end(s), SLUICE_EINVAL);
    ASSERT_TRUE(strstr(s->err.msg, "object") != NULL);
    s->ops->abort(s);
    sluice__sink_free(s);
    rm_rf(g_dir);
}

static int to_sink(void *ud, enum sluice_json_event ev, const char *p, size_t n)
{
    struct sluice_sink *s = ud;
    return s->ops->event(s, ev, p, n);
}

/* One record given as JSON text. */
static int feed_json(struct sluice_sink *s, const char *key, const char *json)
{
    struct sluice_json_reader *r = sluice__json_reader_new(NULL, to_sink, s);
    int rc = r ? s->ops->record_begin(s, key, key ? strlen(key) : 0)
               : SLUICE_ENOMEM;
    if (rc == SLUICE_OK)
        rc = sluice__json_reader_feed(r, json, strlen(json));
    if (rc == SLUICE_OK)
        rc = sluice__json_reader_finish(r);
    if (rc == SLUICE_OK)
        rc = s->ops->record_end(s);
    sluice__json_reader_free(r);
    return rc;
}

/* Names that share their first eight bytes, or differ only past them or
 * in length, are different names (the lookup hashes eight bytes at a
 * time); a name repeated among them is still found. */
static void test_ndjson_duplicate_long_names(void)
{
    make_dir();
    char final[512];
    snprintf(final, sizeof final, "%s/w.ndjson", g_dir);
    struct sluice_sink *s = NULL;
    ASSERT_EQ(sluice__sink_ndjson_new(NULL, &s), SLUICE_OK);
    ASSERT_EQ(s->ops->open(s, final), SLUICE_OK);
    ASSERT_EQ(feed_json(s, NULL,
                        "{\"abcdefgh\":1,\"abcdefghi\":2,\"abcdefgh\":3,"
                        "\"abcdefghijklmnopq\":4,\"abcdefghijklmnopr\":5,"
                        "\"abcdefghijklmnop\":6,\"abcdefghijklmnopq\":7,"
                        "\"abcdefg\":8,\"abcdefgh\\u0000\":9}"),
              SLUICE_OK);
    ASSERT_EQ(s->ops->commit(s, NULL), SLUICE_OK);
    ASSERT_STR_EQ(slurp(final),
                  "{\"abcdefghi\":2,\"abcdefgh\":3,\"abcdefghijklmnopr\":5,"
                  "\"abcdefghijklmnop\":6,\"abcdefghijklmnopq\":7,"
                  "\"abcdefg\":8,\"abcdefgh\\u0000\":9}\n");
    sluice__sink_free(s);
}

/* A member name given more than once in one object: the last value is
 * written, in the place of the last occurrence; only records that repeat a
 * name are rewritten, every other byte is as before; record_key_as wins
 * over a member of its name (it comes last); one warning per path and
 * window, with counts. */
static void test_ndjson_duplicate_members_keep_last(void)
{
    static const struct {
        const char *in, *out;
    } CASES[] = {
        {"{\"a\":1,\"b\":2,\"a\":3}", "{\"b\":2,\"a\":3,\"d\":\"K\"}"},
        {"{\"a\":1,\"a\":2,\"a\":{\"z\":[3]}}", "{\"a\":{\"z\":[3]},\"d\":\"K\"}"},
        {"{\"x\":{\"p\":[1],\"q\":0,\"p\":{\"r\":1,\"r\":2}},"
         "\"y\":[{\"k\":1,\"k\":2},{\"k\":3}],\"x\":5}",
         "{\"y\":[{\"k\":2},{\"k\":3}],\"x\":5,\"d\":\"K\"}"},
        {"{\"x\":{\"p\":1,\"p\":2}}", "{\"x\":{\"p\":2},\"d\":\"K\"}"},
        {"{\"d\":\"own\",\"z\":1}", "{\"z\":1,\"d\":\"K\"}"},
        {"{\"d\":\"own\"}", "{\"d\":\"K\"}"},
        {"{\"\":1,\"\":2}", "{\"\":2,\"d\":\"K\"}"},
        {"{\"a\\u0000\":1,\"a\":2}", "{\"a\\u0000\":1,\"a\":2,\"d\":\"K\"}"},
        {"{\"s\":\"\\u00e9\\n\",\"n\":2.50e3,\"e\":{}}",
         "{\"s\":\"\xc3\xa9\\n\",\"n\":2.50e3,\"e\":{},\"d\":\"K\"}"},
        {"{}", "{\"d\":\"K\"}"},
    };
    make_dir();
    char final[512];
    snprintf(final, sizeof final, "%s/w.ndjson", g_dir);
    struct sluice_sink_opts o = {"d", 0, NULL};
    struct sluice_sink *s = NULL;
    struct sluice_buf want;
    sluice__buf_init(&want, 1 << 20);
    ASSERT_EQ(sluice__sink_ndjson_new(&o, &s), SLUICE_OK);
    ASSERT_EQ(s->ops->open(s, final), SLUICE_OK);
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(CASES); i++) {
        ASSERT_EQ(feed_json(s, "K", CASES[i].in), SLUICE_OK);
        ASSERT_EQ(sluice__buf_adds(&want, CASES[i].out), SLUICE_OK);
        ASSERT_EQ(sluice__buf_addc(&want, '\n'), SLUICE_OK);
    }
    ASSERT_EQ(s->ops->commit(s, NULL), SLUICE_OK);
    ASSERT_STR_EQ(slurp(final), want.p);
    ASSERT_STR_EQ(
        s->warnings,
        "a: member given more than once in one object (3 earlier values "
        "dropped, in 2 records): the last one kept\n"
        "x.p: member given more than once in one object (2 earlier values "
        "dropped, in 2 records): the last one kept\n"
        "x.p.r: member given more than once in one object (1 earlier value "
        "dropped, in 1 record): the last one kept\n"
        "y[].k: member given more than once in one object (1 earlier value "
        "dropped, in 1 record): the last one kept\n"
        "x: member given more than once in one object (1 earlier value "
        "dropped, in 1 record): the last one kept\n"
        "d: member given more than once in one object (2 earlier values "
        "dropped, in 2 records): the last one kept\n"
        ": member given more than once in one object (1 earlier value "
        "dropped, in 1 record): the last one kept\n");
    /* the next window starts counting again; without record_key_as */
    sluice__sink_free(s);
    ASSERT_EQ(sluice__sink_ndjson_new(NULL, &s), SLUICE_OK);
    ASSERT_EQ(s->ops->open(s, final), SLUICE_OK);
    ASSERT_EQ(feed_json(s, NULL, "{\"a\":1,\"a\":2}"), SLUICE_OK);
    ASSERT_EQ(feed_json(s, NULL, "[{\"b\":[],\"b\":null}]"), SLUICE_OK);
    ASSERT_EQ(s->ops->commit(s, NULL), SLUICE_OK);
    ASSERT_STR_EQ(slurp(final), "{\"a\":2}\n[{\"b\":null}]\n");
    ASSERT_TRUE(strstr(s->warnings, "[].b: member given") != NULL);
    /* many members (the lookup table grows), one repeated at the end */
    struct sluice_buf in, out;
    sluice__buf_init(&in, 1 << 20);
    sluice__buf_init(&out, 1 << 20);
    for (int i = 0; i < 600; i++) {
        ASSERT_EQ(sluice__buf_appendf(&in, "%c\"k%d\":%d", i ? ',' : '{', i,
                                      i),
                  SLUICE_OK);
        if (i != 5)
            ASSERT_EQ(sluice__buf_appendf(&out, "%c\"k%d\":%d",
                                          out.n ? ',' : '{', i, i),
                      SLUICE_OK);
    }
    ASSERT_EQ(sluice__buf_adds(&in, ",\"k5\":-5}"), SLUICE_OK);
    ASSERT_EQ(sluice__buf_adds(&out, ",\"k5\":-5}\n"), SLUICE_OK);
    ASSERT_EQ(s->ops->open(s, final), SLUICE_OK);
    ASSERT_EQ(feed_json(s, NULL, in.p), SLUICE_OK);
    ASSERT_EQ(s->ops->commit(s, NULL), SLUICE_OK);
    ASSERT_STR_EQ(slurp(final), out.p);
    sluice__buf_cleanup(&in);
    sluice__buf_cleanup(&out);
    ASSERT_EQ(s->ops->open(s, final), SLUICE_OK);
    ASSERT_EQ(feed_json(s, NULL, "{\"a\":1}"), SLUICE_OK);
    ASSERT_EQ(s->ops->commit(s, NULL), SLUICE_OK);
    ASSERT_STR_EQ(s->warnings, "");
    sluice__sink_free(s);
    sluice__buf_cleanup(&want);
    rm_rf(g_dir);
}

static const struct harness_test TESTS[] = {
    TEST(test_publish_hides_until_commit),
    TEST(test_publish_temp_name_names_job_and_pid),
    TEST(test_publish_abort_leaves_nothing),
    TEST(test_publish_replaces_previous_file),
    TEST(test_publish_reports_unwritable_folder),
    TEST(test_ndjson_with_record_key),
    TEST(test_ndjson_abort_and_reuse),
    TEST(test_ndjson_key_needs_object),
    TEST(test_ndjson_duplicate_members_keep_last),
    TEST(test_ndjson_duplicate_long_names),
};
HARNESS_MAIN(TESTS)
