/* test_sqlite_sink.c: the SQLite sink end to end: records in, the table
 * read back with sqlite3: the table created from the job's schema (types,
 * nested values as JSON text, flattened columns, declared types), a
 * column added by ALTER TABLE when a later partition brings it, a
 * partition committed again replacing its rows (never doubling them),
 * write: merge upserting by key, write: replace emptying the table once
 * per run, a failed commit leaving the partition's earlier rows as they
 * were, and a locked database being a transient failure whose commit,
 * tried again from the spool, lands. */
#include <dirent.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "json/json_reader.h"
#include "sink/sink.h"
#include "harness.h"
#include "scratch_dir.h"

static char dir[64];
static char db_path[128];

static void make_dir(void)
{
    scratch_dir_make(dir, sizeof dir, "tlite");
    snprintf(db_path, sizeof db_path, "%s/t.db", dir);
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

/* Spools newline-separated JSON records as partition `part`. */
static int spool(struct sluice_sink *s, const char *part, const char *recs)
{
    int rc = s->ops->open(s, part);
    while (rc == SLUICE_OK && *recs) {
        const char *nl = strchr(recs, '\n');
        size_t n = nl ? (size_t)(nl - recs) : strlen(recs);
        struct sluice_json_reader *r =
            sluice__json_reader_new(NULL, to_sink, s);
        rc = r ? s->ops->record_begin(s, NULL, 0) : SLUICE_ENOMEM;
        if (rc == SLUICE_OK)
            rc = sluice__json_reader_feed(r, recs, n);
        if (rc == SLUICE_OK)
            rc = sluice__json_reader_finish(r);
        if (rc == SLUICE_OK)
            rc = s->ops->record_end(s);
        sluice__json_reader_free(r);
        recs += n + (nl != NULL);
    }
    return rc;
}

/* One partition: spooled, then committed. */
static int partition(struct sluice_sink *s, const char *part, const char *recs)
{
    uint64_t bytes = 0;
    int rc = spool(s, part, recs);
    if (rc == SLUICE_OK)
        rc = s->ops->commit(s, &bytes);
    else
        s->ops->abort(s);
    if (rc != SLUICE_OK)
        fprintf(stderr, "  partition %s: %s\n", part, s->err.msg);
    return rc;
}

struct opts {
    enum sluice_sink_db_write write;
    bool flatten, fail_on_bad;
    const char *const *keys;
    size_t n_keys;
    const struct sluice_column_decl *cols;
    size_t n_cols;
    bool *replaced;
    unsigned lock_wait_ms;
};

static struct sluice_sink *new_sink(const struct opts *o)
{
    struct sluice_sink_opts so = {NULL, 0, "t"};
    struct sluice_sink *s = NULL;
    char schema[160];
    snprintf(schema, sizeof schema, "%s/.sluice-schema-t.json", dir);
    struct sluice_sink_db_opts d = {
        .target = db_path,
        .table = "neos",
        .job_name = "t",
        .schema_path = schema,
        .spool_path = db_path,
        .columns = o->cols,
        .n_columns = o->n_cols,
        .primary_key = o->keys,
        .n_primary_key = o->n_keys,
        .write = o->write,
        .flatten = o->flatten,
        .fail_on_bad = o->fail_on_bad,
        .replaced = o->replaced,
        .lock_wait_ms = o->lock_wait_ms,
    };
    if (sluice__sink_sqlite_new(&so, &d, &s) != SLUICE_OK)
        return NULL;
    return s;
}

/* The rows of a query as text: columns joined by '|', rows by '\n',
 * NULL as "~". */
static const char *query(const char *sql, struct sluice_buf *out)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    sluice__buf_reset(out);
    if (sqlite3_open(db_path, &db) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        if (sluice__buf_adds(out, "<error: ") != SLUICE_OK ||
            sluice__buf_adds(out, sqlite3_errmsg(db)) != SLUICE_OK ||
            sluice__buf_adds(out, ">") != SLUICE_OK)
            sluice__buf_reset(out);
    } else {
        bool first = true;
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (!first && sluice__buf_addc(out, '\n') != SLUICE_OK)
                break;
            first = false;
            for (int i = 0; i < sqlite3_column_count(st); i++) {
                const char *v = (const char *)sqlite3_column_text(st, i);
                if ((i && sluice__buf_addc(out, '|') != SLUICE_OK) ||
                    sluice__buf_adds(out, v ? v : "~") != SLUICE_OK)
                    break;
            }
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return sluice__buf_str(out);
}

static void test_types_and_json(void)
{
    struct sluice_buf q;
    sluice__buf_init(&q, 1 << 20);
    make_dir();
    struct opts o = {0};
    struct sluice_sink *s = new_sink(&o);
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ(partition(s, "2020-01-01",
                        "{\"i\":-7,\"d\":1.5,\"s\":\"a'b\\\"c\",\"b\":true,"
                        "\"n\":null,\"o\":{\"x\":[1,\"q\"]},\"l\":[]}\n"
                        "{\"i\":9007199254740993,\"b\":false,\"s\":\"\"}\n"
                        "42"),
              SLUICE_OK);
    /* `n` and `l` have no type yet (only null, only empty): not columns
     * until a value gives them one, as in Parquet */
    ASSERT_STR_EQ(query("SELECT group_concat(name || ':' || type, ',') FROM "
                        "pragma_table_info('neos')",
                        &q),
                  "_sluice_partition:TEXT,i:INTEGER,d:REAL,s:TEXT,b:INTEGER,"
                  "o:TEXT,value:INTEGER");
    ASSERT_STR_EQ(query("SELECT _sluice_partition, i, typeof(i), d, s, b, o, "
                        "value FROM neos ORDER BY rowid",
                        &q),
                  "2020-01-01|-7|integer|1.5|a'b\"c|1|{\"x\":[1,\"q\"]}|~\n"
                  "2020-01-01|9007199254740993|integer|~||0|~|~\n"
                  "2020-01-01|~|null|~|~|~|~|42");
    sluice__sink_free(s);
    remove_dir();
    sluice__buf_cleanup(&q);
}

/* A later partition's new field: ALTER TABLE ADD COLUMN; earlier rows get
 * NULL there. A partition committed again replaces its rows. */
static void test_new_column_and_rerun(void)
{
    struct sluice_buf q;
    sluice__buf_init(&q, 1 << 20);
    make_dir();
    struct opts o = {0};
    struct sluice_sink *s = new_sink(&o);
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ(partition(s, "p1", "{\"a\":1}\n{\"a\":2}\n{\"a\":3}"), SLUICE_OK);
    ASSERT_EQ(partition(s, "p2", "{\"a\":4,\"b\":\"x\"}"), SLUICE_OK);
    ASSERT_STR_EQ(query("SELECT _sluice_partition, a, b FROM neos ORDER BY a",
                        &q),
                  "p1|1|~\np1|2|~\np1|3|~\np2|4|x");
    /* p1 again, now with two rows: its three earlier rows are gone */
    ASSERT_EQ(partition(s, "p1", "{\"a\":5,\"b\":\"y\"}\n{\"a\":6}"),
              SLUICE_OK);
    ASSERT_STR_EQ(query("SELECT _sluice_partition, a, b FROM neos ORDER BY a",
                        &q),
                  "p2|4|x\np1|5|y\np1|6|~");
    /* an empty partition: its rows are deleted, nothing else */
    ASSERT_EQ(partition(s, "p2", ""), SLUICE_OK);
    ASSERT_STR_EQ(query("SELECT count(*) FROM neos WHERE _sluice_partition = "
                        "'p2'",
                        &q),
                  "0");
    ASSERT_STR_EQ(query("SELECT count(*) FROM neos", &q), "2");
    sluice__sink_free(s);
    remove_dir();
    sluice__buf_cleanup(&q);
}

static void test_merge_upserts_by_key(void)
{
    static const char *const keys[] = {"id"};
    struct sluice_buf q;
    sluice__buf_init(&q, 1 << 20);
    make_dir();
    struct opts o = {.write = SLUICE_SINK_DB_MERGE, .keys = keys, .n_keys = 1};
    struct sluice_sink *s = new_sink(&o);
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ(partition(s, "p1", "{\"id\":1,\"v\":\"a\"}\n{\"id\":2,\"v\":\"b\"}"),
              SLUICE_OK);
    /* id 2 again in another partition, and twice in one: the last wins */
    ASSERT_EQ(partition(s, "p2", "{\"id\":2,\"v\":\"c\"}\n{\"id\":3,\"v\":\"d\"}\n"
                                 "{\"id\":3,\"v\":\"e\"}"),
              SLUICE_OK);
    ASSERT_STR_EQ(query("SELECT id, v, _sluice_partition FROM neos ORDER BY id",
                        &q),
                  "1|a|p1\n2|c|p2\n3|e|p2");
    /* p1 again: updated in place, nothing doubled */
    ASSERT_EQ(partition(s, "p1", "{\"id\":1,\"v\":\"z\"}\n{\"id\":2,\"v\":\"b\"}"),
              SLUICE_OK);
    ASSERT_STR_EQ(query("SELECT id, v, _sluice_partition FROM neos ORDER BY id",
                        &q),
                  "1|z|p1\n2|b|p1\n3|e|p2");
    /* a key the records do not have fails the partition, clearly */
    sluice__sink_free(s);
    static const char *const bad[] = {"nope"};
    o.keys = bad;
    s = new_sink(&o);
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ(partition(s, "p3", "{\"id\":4,\"v\":\"f\"}"), SLUICE_EINVAL);
    ASSERT_TRUE(strstr(s->err.msg, "'nope'") != NULL);
    ASSERT_STR_EQ(query("SELECT count(*) FROM neos", &q), "3");
    sluice__sink_free(s);
    remove_dir();
    sluice__buf_cleanup(&q);
}

/* replace: the run's first commit empties the table, the others only add
 * their partitions. */
static void test_replace_empties_once_per_run(void)
{
    struct sluice_buf q;
    sluice__buf_init(&q, 1 << 20);
    make_dir();
    bool replaced = false;
    struct opts o = {.write = SLUICE_SINK_DB_REPLACE, .replaced = &replaced};
    struct sluice_sink *s = new_sink(&o);
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ(partition(s, "p1", "{\"a\":1}"), SLUICE_OK);
    ASSERT_TRUE(replaced);
    ASSERT_EQ(partition(s, "p2", "{\"a\":2}"), SLUICE_OK);
    ASSERT_STR_EQ(query("SELECT a FROM neos ORDER BY a", &q), "1\n2");
    replaced = false; /* the next run */
    ASSERT_EQ(partition(s, "p2", "{\"a\":3}"), SLUICE_OK);
    ASSERT_STR_EQ(query("SELECT _sluice_partition, a FROM neos", &q), "p2|3");
    sluice__sink_free(s);
    remove_dir();
    sluice__buf_cleanup(&q);
}

static void test_flatten_and_declared(void)
{
    struct sluice_column_decl cols[] = {{(char *)"t", SLUICE_D_TIMESTAMP},
                                        {(char *)"e", SLUICE_D_TIMESTAMP_MS},
                                        {(char *)"k", SLUICE_D_INT64}};
    struct sluice_buf q;
    sluice__buf_init(&q, 1 << 20);
    make_dir();
    struct opts o = {.flatten = true, .cols = cols, .n_cols = 3};
    struct sluice_sink *s = new_sink(&o);
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ(partition(s, "p",
                        "{\"o\":{\"x\":1,\"y\":{\"z\":\"q\"}},\"l\":[1,2],"
                        "\"t\":\"2020-01-02T03:04:05.5+01:00\",\"e\":1578410340000,"
                        "\"k\":\"12\"}\n"
                        "{\"k\":\"twelve\"}"),
              SLUICE_OK);
    ASSERT_EQ(s->bad_values, 1);
    ASSERT_STR_EQ(query("SELECT o__x, o__y__z, l, t, e, k FROM neos ORDER BY "
                        "rowid",
                        &q),
                  "1|q|[1,2]|2020-01-02T02:04:05.500000Z|"
                  "2020-01-07T15:19:00.000000Z|12\n~|~|~|~|~|~");
    sluice__sink_free(s);
    remove_dir();
    sluice__buf_cleanup(&q);
}

/* A commit that fails leaves the partition's earlier rows as they were. */
static void test_failure_rolls_back(void)
{
    struct sluice_column_decl cols[] = {{(char *)"k", SLUICE_D_INT64}};
    struct sluice_buf q;
    sluice__buf_init(&q, 1 << 20);
    make_dir();
    struct opts o = {.fail_on_bad = true, .cols = cols, .n_cols = 1};
    struct sluice_sink *s = new_sink(&o);
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ(partition(s, "p", "{\"k\":1}\n{\"k\":2}"), SLUICE_OK);
    ASSERT_EQ(partition(s, "p", "{\"k\":3}\n{\"k\":\"x\"}"), SLUICE_EINVAL);
    ASSERT_TRUE(strstr(s->err.msg, "record 2") != NULL);
    ASSERT_TRUE(!s->transient);
    ASSERT_STR_EQ(query("SELECT k FROM neos ORDER BY k", &q), "1\n2");
    sluice__sink_free(s);
    remove_dir();
    sluice__buf_cleanup(&q);
}

/* Another writer holds the lock: the commit fails as transient; tried
 * again from the same spool once the lock is gone, it lands whole. */
static void test_locked_is_transient_and_retried(void)
{
    struct sluice_buf q;
    sluice__buf_init(&q, 1 << 20);
    make_dir();
    struct opts o = {.lock_wait_ms = 1};
    struct sluice_sink *s = new_sink(&o);
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ(partition(s, "p1", "{\"a\":1}"), SLUICE_OK);
    sqlite3 *other = NULL;
    ASSERT_EQ(sqlite3_open(db_path, &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
              SQLITE_OK);
    uint64_t bytes;
    ASSERT_EQ(spool(s, "p2", "{\"a\":2}\n{\"a\":3}"), SLUICE_OK);
    ASSERT_EQ(s->ops->commit(s, &bytes), SLUICE_EIO);
    ASSERT_TRUE(s->transient);
    ASSERT_TRUE(!s->fatal);
    ASSERT_TRUE(strstr(s->err.msg, "locked") != NULL);
    ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    ASSERT_EQ(s->ops->commit(s, &bytes), SLUICE_OK);
    ASSERT_TRUE(!s->transient);
    ASSERT_STR_EQ(query("SELECT _sluice_partition, a FROM neos ORDER BY a", &q),
                  "p1|1\np2|2\np2|3");
    sluice__sink_free(s);
    remove_dir();
    sluice__buf_cleanup(&q);
}

static const struct {
    const char *name;
    void (*fn)(void);
} TESTS[] = {
    TEST(test_types_and_json),
    TEST(test_new_column_and_rerun),
    TEST(test_merge_upserts_by_key),
    TEST(test_replace_empties_once_per_run),
    TEST(test_flatten_and_declared),
    TEST(test_failure_rolls_back),
    TEST(test_locked_is_transient_and_retried),
};

HARNESS_MAIN(TESTS)
