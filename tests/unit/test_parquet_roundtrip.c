/* test_parquet_roundtrip.c: records written with explicit levels and read
 * back to JSON by our reader: flat columns of every type with nulls, nested
 * optional structs, 3-level lists (null vs empty vs list of nulls), lists
 * of lists and of structs, nesting 32 deep, a 1 MiB string, Unicode. */
#include "test_parquet_helpers.h"

/* Writes rows via `fill` and compares the dump with `want`. */
static void check_dump(const struct sluice_buf *file, const char *want)
{
    struct sluice_buf json;
    sluice__buf_init(&json, (size_t)64 << 20);
    ASSERT_EQ(dump_json(file, &json), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&json), want);
    sluice__buf_cleanup(&json);
}

static void test_flat_every_type_with_nulls(void)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_schema *s = new_schema();
    ASSERT_TRUE(s);
    int id;
    struct {
        const char *name;
        int rep, type, lt;
    } cols[] = {
        {"b", SLUICE_PQ_OPTIONAL, SLUICE_PQ_BOOLEAN, SLUICE_PQ_LT_NONE},
        {"i", SLUICE_PQ_OPTIONAL, SLUICE_PQ_INT32, SLUICE_PQ_LT_NONE},
        {"l", SLUICE_PQ_OPTIONAL, SLUICE_PQ_INT64, SLUICE_PQ_LT_NONE},
        {"d", SLUICE_PQ_OPTIONAL, SLUICE_PQ_DOUBLE, SLUICE_PQ_LT_NONE},
        {"s", SLUICE_PQ_OPTIONAL, SLUICE_PQ_BYTE_ARRAY, SLUICE_PQ_LT_STRING},
        {"day", SLUICE_PQ_OPTIONAL, SLUICE_PQ_INT32, SLUICE_PQ_LT_DATE},
        {"ts", SLUICE_PQ_OPTIONAL, SLUICE_PQ_INT64, SLUICE_PQ_LT_TIMESTAMP_US},
        {"j", SLUICE_PQ_OPTIONAL, SLUICE_PQ_BYTE_ARRAY, SLUICE_PQ_LT_JSON},
        {"req", SLUICE_PQ_REQUIRED, SLUICE_PQ_INT64, SLUICE_PQ_LT_NONE},
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(cols); i++)
        ASSERT_EQ(sluice__pq_schema_add_leaf(s, 0, cols[i].name, cols[i].rep,
                                             cols[i].type, cols[i].lt, &id,
                                             &err),
                  SLUICE_OK);
    struct sluice_buf file;
    sluice__buf_init(&file, (size_t)64 << 20);
    struct sluice_pq_writer *w = NULL;
    ASSERT_EQ(sluice__pq_writer_new(&w, s, NULL, mem_sink, &file, &err),
              SLUICE_OK);
    /* row 0: everything set */
    W_OK(w, sluice__pq_append(w, 0, 1, 0, V_BOOL(true)));
    W_OK(w, sluice__pq_append(w, 1, 1, 0, V_I32(-5)));
    W_OK(w, sluice__pq_append(w, 2, 1, 0, V_I64(1234567890123)));
    W_OK(w, sluice__pq_append(w, 3, 1, 0, V_DBL(1.5)));
    W_OK(w, sluice__pq_append(w, 4, 1, 0, V_STR("hello")));
    W_OK(w, sluice__pq_append(w, 5, 1, 0, V_I32(0)));
    W_OK(w, sluice__pq_append(w, 6, 1, 0, V_I64(1700000000123456)));
    W_OK(w, sluice__pq_append(w, 7, 1, 0, V_STR("{\"a\":[1,2]}")));
    W_OK(w, sluice__pq_append(w, 8, 0, 0, V_I64(1)));
    W_OK(w, sluice__pq_row_end(w));
    /* row 1: all optional ones null */
    for (size_t c = 0; c < 8; c++)
        W_OK(w, sluice__pq_append(w, c, 0, 0, NULL));
    W_OK(w, sluice__pq_append(w, 8, 0, 0, V_I64(2)));
    W_OK(w, sluice__pq_row_end(w));
    /* row 2: edge values */
    W_OK(w, sluice__pq_append(w, 0, 1, 0, V_BOOL(false)));
    W_OK(w, sluice__pq_append(w, 1, 1, 0, V_I32(INT32_MAX)));
    W_OK(w, sluice__pq_append(w, 2, 1, 0, V_I64(INT64_MIN)));
    W_OK(w, sluice__pq_append(w, 3, 1, 0, V_DBL(-0.0)));
    W_OK(w, sluice__pq_append(w, 4, 1, 0, V_STR("")));
    W_OK(w, sluice__pq_append(w, 5, 1, 0, V_I32(-1)));
    W_OK(w, sluice__pq_append(w, 6, 1, 0, V_I64(0)));
    W_OK(w, sluice__pq_append(w, 7, 1, 0, V_STR("3")));
    W_OK(w, sluice__pq_append(w, 8, 0, 0, V_I64(3)));
    W_OK(w, sluice__pq_row_end(w));
    W_OK(w, sluice__pq_finish(w));
    ASSERT_EQ(sluice__pq_writer_rows(w), 3);
    ASSERT_EQ(sluice__pq_writer_bytes(w), file.n);
    sluice__pq_writer_free(w);
    check_dump(&file,
               "{\"b\":true,\"i\":-5,\"l\":1234567890123,\"d\":1.5,\"s\":"
               "\"hello\",\"day\":\"1970-01-01\",\"ts\":\"2023-11-14T22:13:20."
               "123456Z\",\"j\":{\"a\":[1,2]},\"req\":1}\n"
               "{\"b\":null,\"i\":null,\"l\":null,\"d\":null,\"s\":null,"
               "\"day\":null,\"ts\":null,\"j\":null,\"req\":2}\n"
               "{\"b\":false,\"i\":2147483647,\"l\":-9223372036854775808,"
               "\"d\":-0.0,\"s\":\"\",\"day\":\"1969-12-31\",\"ts\":"
               "\"1970-01-01T00:00:00Z\",\"j\":3,\"req\":3}\n");

    /* Schema dump names types and annotations. */
    struct sluice_pq_reader *r = NULL;
    ASSERT_EQ(sluice__pq_reader_open_mem(&r, file.p, file.n, &err), SLUICE_OK);
    struct sluice_buf txt;
    sluice__buf_init(&txt, 1 << 16);
    ASSERT_EQ(sluice__pq_schema_dump(sluice__pq_reader_schema(r), &txt),
              SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&txt),
                  "message schema {\n"
                  "  optional boolean b;\n"
                  "  optional int32 i;\n"
                  "  optional int64 l;\n"
                  "  optional double d;\n"
                  "  optional binary s (STRING);\n"
                  "  optional int32 day (DATE);\n"
                  "  optional int64 ts (TIMESTAMP(MICROS,true));\n"
                  "  optional binary j (JSON);\n"
                  "  required int64 req;\n"
                  "}\n");
    ASSERT_TRUE(
        strncmp(sluice__pq_reader_created_by(r), "sluice version ", 15) == 0);
    ASSERT_TRUE(strstr(sluice__pq_reader_created_by(r), "(build unknown)"));
    sluice__buf_cleanup(&txt);
    sluice__pq_reader_free(r);
    sluice__buf_cleanup(&file);
    sluice__pq_schema_free(s);
}

static void test_nested_optional_structs(void)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_schema *s = new_schema();
    int owner, meta, id;
    ASSERT_EQ(sluice__pq_schema_add_group(s, 0, "owner", SLUICE_PQ_OPTIONAL,
                                          SLUICE_PQ_LT_NONE, &owner, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__pq_schema_add_leaf(s, owner, "id", SLUICE_PQ_OPTIONAL,
                                         SLUICE_PQ_INT64, SLUICE_PQ_LT_NONE,
                                         &id, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__pq_schema_add_group(s, owner, "meta", SLUICE_PQ_OPTIONAL,
                                          SLUICE_PQ_LT_NONE, &meta, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__pq_schema_add_leaf(s, meta, "k", SLUICE_PQ_OPTIONAL,
                                         SLUICE_PQ_BYTE_ARRAY,
                                         SLUICE_PQ_LT_STRING, &id, &err),
              SLUICE_OK);
    struct sluice_buf file;
    sluice__buf_init(&file, 1 << 20);
    struct sluice_pq_writer *w = NULL;
    ASSERT_EQ(sluice__pq_writer_new(&w, s, NULL, mem_sink, &file, &err),
              SLUICE_OK);
    ASSERT_EQ(s->nodes[s->leaves[1]].def_level, 3);
    /* owner null; owner {id, meta null}; meta {k null}; k set */
    static const struct {
        int d0, d1;
        int64_t id;
        const char *k;
    } rows[] = {
        {0, 0, 0, NULL}, {1, 1, 0, NULL}, {2, 2, 7, NULL}, {2, 3, 8, "v"}};
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(rows); i++) {
        W_OK(w, sluice__pq_append(w, 0, (unsigned)rows[i].d0, 0,
                                  rows[i].d0 == 2 ? V_I64(rows[i].id) : NULL));
        W_OK(w, sluice__pq_append(w, 1, (unsigned)rows[i].d1, 0,
                                  rows[i].k ? V_STR(rows[i].k) : NULL));
        W_OK(w, sluice__pq_row_end(w));
    }
    W_OK(w, sluice__pq_finish(w));
    sluice__pq_writer_free(w);
    check_dump(&file, "{\"owner\":null}\n"
                      "{\"owner\":{\"id\":null,\"meta\":null}}\n"
                      "{\"owner\":{\"id\":7,\"meta\":{\"k\":null}}}\n"
                      "{\"owner\":{\"id\":8,\"meta\":{\"k\":\"v\"}}}\n");
    sluice__buf_cleanup(&file);
    sluice__pq_schema_free(s);
}

/* An entry table: (leaf, def, rep, value or NULL); leaf -1 ends a row. */
struct ent {
    int leaf, def, rep;
    const struct sluice_pq_value *v;
};
#define ROW_END                                                                \
    {                                                                          \
        -1, 0, 0, NULL                                                         \
    }

static void write_entries(struct sluice_pq_schema *s, const struct ent *e,
                          size_t n, struct sluice_buf *file)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_writer *w = NULL;
    ASSERT_EQ(sluice__pq_writer_new(&w, s, NULL, mem_sink, file, &err),
              SLUICE_OK);
    for (size_t i = 0; i < n; i++) {
        if (e[i].leaf < 0)
            W_OK(w, sluice__pq_row_end(w));
        else
            W_OK(w, sluice__pq_append(w, (size_t)e[i].leaf, (unsigned)e[i].def,
                                      (unsigned)e[i].rep, e[i].v));
    }
    W_OK(w, sluice__pq_finish(w));
    sluice__pq_writer_free(w);
}

static void test_lists_null_empty_nulls(void)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_schema *s = new_schema();
    int list, id;
    ASSERT_EQ(sluice__pq_schema_add_list(s, 0, "tags", SLUICE_PQ_OPTIONAL,
                                         &list, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__pq_schema_add_leaf(s, list, "element", SLUICE_PQ_OPTIONAL,
                                         SLUICE_PQ_BYTE_ARRAY,
                                         SLUICE_PQ_LT_STRING, &id, &err),
              SLUICE_OK);
    const struct ent e[] = {
        {0, 0, 0, NULL},
        ROW_END, /* null */
        {0, 1, 0, NULL},
        ROW_END, /* [] */
        {0, 2, 0, NULL},
        ROW_END, /* [null] */
        {0, 3, 0, V_STR("a")},
        {0, 3, 1, V_STR("b")},
        ROW_END, /* [a,b] */
        {0, 3, 0, V_STR("a")},
        {0, 2, 1, NULL},
        {0, 3, 1, V_STR("c")},
        ROW_END,
    };
    struct sluice_buf file;
    sluice__buf_init(&file, 1 << 20);
    write_entries(s, e, SLUICE_ARRAY_LEN(e), &file);
    ASSERT_EQ(s->nodes[id].def_level, 3);
    ASSERT_EQ(s->nodes[id].rep_level, 1);
    check_dump(&file,
               "{\"tags\":null}\n{\"tags\":[]}\n{\"tags\":[null]}\n"
               "{\"tags\":[\"a\",\"b\"]}\n{\"tags\":[\"a\",null,\"c\"]}\n");
    sluice__buf_cleanup(&file);
    sluice__pq_schema_free(s);
}

static void test_lists_of_lists(void)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_schema *s = new_schema();
    int outer, inner, id;
    ASSERT_EQ(
        sluice__pq_schema_add_list(s, 0, "m", SLUICE_PQ_OPTIONAL, &outer, &err),
        SLUICE_OK);
    ASSERT_EQ(sluice__pq_schema_add_list(s, outer, "element",
                                         SLUICE_PQ_OPTIONAL, &inner, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__pq_schema_add_leaf(s, inner, "element",
                                         SLUICE_PQ_OPTIONAL, SLUICE_PQ_INT64,
                                         SLUICE_PQ_LT_NONE, &id, &err),
              SLUICE_OK);
    const struct ent e[] = {
        /* [[1,2],[],null,[3]] */
        {0, 5, 0, V_I64(1)}, {0, 5, 2, V_I64(2)},
        {0, 3, 1, NULL},     {0, 2, 1, NULL},
        {0, 5, 1, V_I64(3)}, ROW_END,
        {0, 0, 0, NULL},     ROW_END, /* null */
        {0, 1, 0, NULL},     ROW_END, /* [] */
        {0, 3, 0, NULL},     ROW_END, /* [[]] */
        {0, 4, 0, NULL},     ROW_END, /* [[null]] */
    };
    struct sluice_buf file;
    sluice__buf_init(&file, 1 << 20);
    write_entries(s, e, SLUICE_ARRAY_LEN(e), &file);
    check_dump(&file, "{\"m\":[[1,2],[],null,[3]]}\n{\"m\":null}\n{\"m\":[]}\n"
                      "{\"m\":[[]]}\n{\"m\":[[null]]}\n");
    sluice__buf_cleanup(&file);
    sluice__pq_schema_free(s);
}

static void test_list_of_structs(void)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_schema *s = new_schema();
    int list, el, id;
    ASSERT_EQ(sluice__pq_schema_add_list(s, 0, "items", SLUICE_PQ_OPTIONAL,
                                         &list, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__pq_schema_add_group(s, list, "element",
                                          SLUICE_PQ_OPTIONAL, SLUICE_PQ_LT_NONE,
                                          &el, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__pq_schema_add_leaf(s, el, "x", SLUICE_PQ_OPTIONAL,
                                         SLUICE_PQ_INT64, SLUICE_PQ_LT_NONE,
                                         &id, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__pq_schema_add_leaf(s, el, "y", SLUICE_PQ_OPTIONAL,
                                         SLUICE_PQ_BYTE_ARRAY,
                                         SLUICE_PQ_LT_STRING, &id, &err),
              SLUICE_OK);
    const struct ent e[] = {
        {0, 4, 0, V_I64(1)},
        {0, 3, 1, NULL},
        {0, 2, 1, NULL},
        {1, 4, 0, V_STR("a")},
        {1, 3, 1, NULL},
        {1, 2, 1, NULL},
        ROW_END,
        {0, 1, 0, NULL},
        {1, 1, 0, NULL},
        ROW_END,
        {0, 0, 0, NULL},
        {1, 0, 0, NULL},
        ROW_END,
    };
    struct sluice_buf file;
    sluice__buf_init(&file, 1 << 20);
    write_entries(s, e, SLUICE_ARRAY_LEN(e), &file);
    check_dump(
        &file,
        "{\"items\":[{\"x\":1,\"y\":\"a\"},{\"x\":null,\"y\":null},null]}"
        "\n{\"items\":[]}\n{\"items\":null}\n");
    sluice__buf_cleanup(&file);
    sluice__pq_schema_free(s);
}

static void test_structs_32_deep(void)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_schema *s = new_schema();
    int parent = 0, id;
    char name[8];
    for (int k = 0; k < 32; k++) {
        snprintf(name, sizeof name, "g%d", k);
        ASSERT_EQ(sluice__pq_schema_add_group(s, parent, name,
                                              SLUICE_PQ_OPTIONAL,
                                              SLUICE_PQ_LT_NONE, &parent, &err),
                  SLUICE_OK);
    }
    ASSERT_EQ(sluice__pq_schema_add_leaf(s, parent, "v", SLUICE_PQ_OPTIONAL,
                                         SLUICE_PQ_INT64, SLUICE_PQ_LT_NONE,
                                         &id, &err),
              SLUICE_OK);
    /* One row per definition level 0..33. */
    static const struct sluice_pq_value v42 = {.i64 = 42};
    struct ent e[68];
    size_t n = 0;
    for (int d = 0; d <= 33; d++) {
        e[n++] = (struct ent){0, d, 0, d == 33 ? &v42 : NULL};
        e[n++] = (struct ent)ROW_END;
    }
    struct sluice_buf file, want;
    sluice__buf_init(&file, 1 << 20);
    sluice__buf_init(&want, 1 << 20);
    write_entries(s, e, n, &file);
    for (int d = 0; d <= 33; d++) {
        int open = d < 32 ? d : 32, rc = sluice__buf_addc(&want, '{');
        for (int k = 0; k < open; k++)
            rc |= sluice__buf_appendf(&want, "\"g%d\":{", k);
        if (d < 32)
            rc |= sluice__buf_appendf(&want, "\"g%d\":null", d);
        else
            rc |= sluice__buf_adds(&want, d == 33 ? "\"v\":42" : "\"v\":null");
        for (int k = 0; k <= open; k++)
            rc |= sluice__buf_addc(&want, '}');
        rc |= sluice__buf_addc(&want, '\n');
        ASSERT_EQ(rc, SLUICE_OK);
    }
    check_dump(&file, sluice__buf_str(&want));
    sluice__buf_cleanup(&want);
    sluice__buf_cleanup(&file);
    sluice__pq_schema_free(s);
}

static void test_lists_32_deep(void)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_schema *s = new_schema();
    int parent = 0, id;
    for (int k = 0; k < 32; k++)
        ASSERT_EQ(sluice__pq_schema_add_list(s, parent, k ? "element" : "l",
                                             SLUICE_PQ_OPTIONAL, &parent, &err),
                  SLUICE_OK);
    ASSERT_EQ(sluice__pq_schema_add_leaf(s, parent, "element",
                                         SLUICE_PQ_OPTIONAL, SLUICE_PQ_INT64,
                                         SLUICE_PQ_LT_NONE, &id, &err),
              SLUICE_OK);
    const struct ent e[] = {
        {0, 65, 0, V_I64(7)},
        ROW_END, /* [[..[7]..]] */
        {0, 0, 0, NULL},
        ROW_END, /* null */
        {0, 65, 0, V_I64(1)},
        {0, 65, 32, V_I64(2)},
        ROW_END, /* innermost 2 */
        {0, 65, 0, V_I64(1)},
        {0, 65, 1, V_I64(2)},
        ROW_END, /* outermost 2 */
    };
    struct sluice_buf file, want;
    sluice__buf_init(&file, 1 << 20);
    sluice__buf_init(&want, 1 << 20);
    write_entries(s, e, SLUICE_ARRAY_LEN(e), &file);
    ASSERT_EQ(s->nodes[id].def_level, 65);
    ASSERT_EQ(s->nodes[id].rep_level, 32);
    char open[33], close[33];
    memset(open, '[', 32);
    memset(close, ']', 32);
    open[32] = close[32] = '\0';
    int rc = sluice__buf_appendf(&want, "{\"l\":%s7%s}\n{\"l\":null}\n", open,
                                 close);
    rc |= sluice__buf_appendf(&want, "{\"l\":%s1,2%s}\n", open, close);
    rc |= sluice__buf_appendf(&want, "{\"l\":[%s1%s,%s2%s]}\n", open + 1,
                              close + 1, open + 1, close + 1);
    ASSERT_EQ(rc, SLUICE_OK);
    check_dump(&file, sluice__buf_str(&want));
    sluice__buf_cleanup(&want);
    sluice__buf_cleanup(&file);
    sluice__pq_schema_free(s);
}

static struct sluice_pq_schema *one_string_column(const char *name)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_schema *s = new_schema();
    int id;
    if (s && sluice__pq_schema_add_leaf(
                 s, 0, name, SLUICE_PQ_OPTIONAL, SLUICE_PQ_BYTE_ARRAY,
                 SLUICE_PQ_LT_STRING, &id, &err) != SLUICE_OK) {
        sluice__pq_schema_free(s);
        s = NULL;
    }
    return s;
}

static void test_one_mib_string(void)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_schema *s = one_string_column("s");
    ASSERT_TRUE(s);
    size_t big_n = (size_t)1 << 20;
    char *big = malloc(big_n + 1);
    ASSERT_TRUE(big);
    memset(big, 'x', big_n);
    big[big_n] = '\0';
    struct sluice_buf file, json;
    sluice__buf_init(&file, (size_t)64 << 20);
    sluice__buf_init(&json, (size_t)64 << 20);
    struct sluice_pq_writer *w = NULL;
    ASSERT_EQ(sluice__pq_writer_new(&w, s, NULL, mem_sink, &file, &err),
              SLUICE_OK);
    W_OK(w, sluice__pq_append(w, 0, 1, 0, V_BIN(big, big_n)));
    W_OK(w, sluice__pq_row_end(w));
    W_OK(w, sluice__pq_append(w, 0, 1, 0, V_STR("a")));
    W_OK(w, sluice__pq_row_end(w));
    W_OK(w, sluice__pq_finish(w));
    sluice__pq_writer_free(w);
    ASSERT_EQ(dump_json(&file, &json), SLUICE_OK);
    ASSERT_EQ(json.n, big_n + 9 + 10);
    ASSERT_TRUE(memcmp(json.p, "{\"s\":\"xxxx", 10) == 0);
    ASSERT_TRUE(memcmp(json.p + 6 + big_n, "\"}\n{\"s\":\"a\"}\n", 14) == 0);
    /* Statistics: exact min, truncated and rounded-up max. */
    struct sluice_pq_reader *r = NULL;
    ASSERT_EQ(sluice__pq_reader_open_mem(&r, file.p, file.n, &err), SLUICE_OK);
    const struct sluice_pq_chunk_meta *m = sluice__pq_reader_chunk(r, 0, 0);
    ASSERT_TRUE(m->has_min && m->min_exact);
    ASSERT_MEM_EQ(m->min, m->min_n, "a", 1);
    ASSERT_TRUE(m->has_max && !m->max_exact);
    ASSERT_EQ(m->max_n, 64);
    ASSERT_TRUE(memcmp(m->max, big, 63) == 0 && m->max[63] == 'y');
    sluice__pq_reader_free(r);
    free(big);
    sluice__buf_cleanup(&json);
    sluice__buf_cleanup(&file);
    sluice__pq_schema_free(s);
}

static void test_unicode_and_invalid_utf8(void)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_schema *s = one_string_column("s");
    ASSERT_TRUE(s);
    struct sluice_buf file;
    sluice__buf_init(&file, 1 << 20);
    struct sluice_pq_writer *w = NULL;
    ASSERT_EQ(sluice__pq_writer_new(&w, s, NULL, mem_sink, &file, &err),
              SLUICE_OK);
    static const char *const good[] = {
        "\xF0\x9F\x98\x80",     /* U+1F600, a surrogate pair in JSON */
        "\xF4\x8F\xBF\xBF",     /* U+10FFFF */
        "\xC3\xA9\xE2\x82\xAC", /* é€ */
        "\"\\\n\x01\x1F",       /* escapes */
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(good); i++) {
        W_OK(w, sluice__pq_append(w, 0, 1, 0, V_STR(good[i])));
        W_OK(w, sluice__pq_row_end(w));
    }
    W_OK(w, sluice__pq_append(w, 0, 1, 0, V_BIN("a\0b", 3))); /* U+0000 */
    W_OK(w, sluice__pq_row_end(w));
    static const char *const bad[] = {
        "\xED\xA0\x80",     /* a lone surrogate, CESU-8 style */
        "\xC0\x80",         /* overlong NUL */
        "\xF4\x90\x80\x80", /* above U+10FFFF */
        "abc\xE2\x82",      /* truncated */
        "\xFF",
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(bad); i++) {
        ASSERT_EQ(sluice__pq_append(w, 0, 1, 0, V_STR(bad[i])), SLUICE_EINVAL);
        ASSERT_TRUE(strstr(sluice__pq_writer_error(w), "not UTF-8"));
    }
    /* The writer is unchanged: the caller stores a null instead. */
    W_OK(w, sluice__pq_append(w, 0, 0, 0, NULL));
    W_OK(w, sluice__pq_row_end(w));
    W_OK(w, sluice__pq_finish(w));
    sluice__pq_writer_free(w);
    check_dump(&file, "{\"s\":\"\xF0\x9F\x98\x80\"}\n"
                      "{\"s\":\"\xF4\x8F\xBF\xBF\"}\n"
                      "{\"s\":\"\xC3\xA9\xE2\x82\xAC\"}\n"
                      "{\"s\":\"\\\"\\\\\\n\\u0001\\u001f\"}\n"
                      "{\"s\":\"a\\u0000b\"}\n"
                      "{\"s\":null}\n");
    sluice__buf_cleanup(&file);
    sluice__pq_schema_free(s);
}

static const struct harness_test TESTS[] = {
    TEST(test_flat_every_type_with_nulls),
    TEST(test_nested_optional_structs),
    TEST(test_lists_null_empty_nulls),
    TEST(test_lists_of_lists),
    TEST(test_list_of_structs),
    TEST(test_structs_32_deep),
    TEST(test_lists_32_deep),
    TEST(test_one_mib_string),
    TEST(test_unicode_and_invalid_utf8),
};
HARNESS_MAIN(TESTS)
