/* test_table_schema.c: inference and merge tables, column naming,
 * persistence round trip, declared types and their coercion. */
#include <math.h>

#include "table/coerce.h"
#include "test_table_helpers.h"

/* The schema as persisted, without the trailing newline. */
static const char *text_of(struct sluice_table *t, struct sluice_buf *b)
{
    sluice__buf_reset(b);
    if (sluice__table_to_json(t, b) != SLUICE_OK)
        return "";
    if (b->n)
        b->p[--b->n] = '\0';
    return b->p;
}

#define HDR(v) "{\"sluice_table\":1,\"version\":" #v ",\"fields\":"

static void test_inference_table(void)
{
    static const struct {
        const char *recs[3];
        const char *want;
        const char *warn;
    } cases[] = {
        {{"{\"a\":1,\"b\":\"x\",\"c\":true}"},
         HDR(0) "[{\"name\":\"a\",\"type\":\"int64\"},{\"name\":\"b\","
                "\"type\":\"string\"},{\"name\":\"c\",\"type\":\"boolean\"}]}",
         ""},
        {{"{\"a\":1}", "{\"a\":1.5}"},
         HDR(0) "[{\"name\":\"a\",\"type\":\"double\"}]}",
         ""},
        {{"{\"a\":2.5}", "{\"a\":7}"},
         HDR(0) "[{\"name\":\"a\",\"type\":\"double\"}]}",
         ""},
        {{"{\"a\":99999999999999999999}", "{\"a\":1}"},
         HDR(0) "[{\"name\":\"a\",\"type\":\"double\"}]}",
         ""},
        {{"{\"a\":null}", "{\"a\":null}"},
         HDR(0) "[{\"name\":\"a\",\"type\":\"null\"}]}",
         ""},
        {{"{\"a\":null}", "{\"a\":\"s\"}"},
         HDR(0) "[{\"name\":\"a\",\"type\":\"string\"}]}",
         ""},
        {{"{\"a\":\"s\"}", "{\"a\":{\"x\":1}}"},
         HDR(0) "[{\"name\":\"a\",\"type\":\"json\"}]}",
         "a: seen as string and as struct: kept as JSON text\n"},
        {{"{\"l\":[1,2.5,null]}", "{\"l\":[]}"},
         HDR(0) "[{\"name\":\"l\",\"type\":\"list\",\"element\":{\"type\":"
                "\"double\"}}]}",
         ""},
        {{"{\"l\":[1,\"x\"]}"},
         HDR(0) "[{\"name\":\"l\",\"type\":\"list\",\"element\":{\"type\":"
                "\"json\"}}]}",
         "l[]: seen as int64 and as string: kept as JSON text\n"},
        {{"{\"s\":{\"b\":1}}", "{\"s\":{\"a\":2,\"b\":3}}"},
         HDR(0) "[{\"name\":\"s\",\"type\":\"struct\",\"fields\":[{\"name\":"
                "\"b\",\"type\":\"int64\"},{\"name\":\"a\",\"type\":\"int64\""
                "}]}]}",
         ""},
        {{"{\"Name\":1,\"name\":2,\"NAME\":3}"},
         HDR(0) "[{\"name\":\"Name\",\"type\":\"int64\"},{\"name\":\"name\","
                "\"column\":\"name__2\",\"type\":\"int64\"},{\"name\":\"NAME\","
                "\"column\":\"NAME__3\",\"type\":\"int64\"}]}",
         "name: name clashes case-insensitively with another field: written "
         "as column 'name__2'\nNAME: name clashes case-insensitively with "
         "another field: written as column 'NAME__3'\n"},
        {{"[1,2]", "{\"x\":1}"},
         HDR(0) "[{\"name\":\"value\",\"type\":\"list\",\"element\":{\"type\""
                ":\"int64\"}},{\"name\":\"x\",\"type\":\"int64\"}]}",
         ""},
    };
    struct sluice_buf b;
    sluice__buf_init(&b, 1u << 20);
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(cases); i++) {
        struct sluice_table *t = NULL;
        ASSERT_EQ(sluice__table_new(&t, NULL, 0), SLUICE_OK);
        for (size_t r = 0; r < 3 && cases[i].recs[r]; r++)
            ASSERT_EQ(infer_json(t, cases[i].recs[r]), SLUICE_OK);
        ASSERT_STR_EQ(text_of(t, &b), cases[i].want);
        ASSERT_STR_EQ(sluice__table_warnings(t), cases[i].warn);
        sluice__table_free(t);
    }
    sluice__buf_cleanup(&b);
}

static void test_merge_table(void)
{
    static const struct {
        const char *old, *new_;
        bool changed;
        const char *want;
    } cases[] = {
        {"{\"a\":1}", "{\"a\":2}", false,
         HDR(3) "[{\"name\":\"a\",\"type\":\"int64\"}]}"},
        {"{\"a\":1}", "{\"b\":\"x\"}", true,
         HDR(4) "[{\"name\":\"a\",\"type\":\"int64\"},{\"name\":\"b\","
                "\"type\":\"string\"}]}"},
        {"{\"a\":1}", "{\"a\":0.5}", true,
         HDR(4) "[{\"name\":\"a\",\"type\":\"double\"}]}"},
        {"{\"a\":0.5}", "{\"a\":1}", false,
         HDR(3) "[{\"name\":\"a\",\"type\":\"double\"}]}"},
        {"{\"a\":1}", "{\"a\":{\"x\":1}}", true,
         HDR(4) "[{\"name\":\"a\",\"type\":\"json\"}]}"},
        {"{\"a\":{\"x\":1}}", "{\"a\":\"s\"}", true,
         HDR(4) "[{\"name\":\"a\",\"type\":\"json\"}]}"},
        {"{\"a\":null}", "{\"a\":[{\"q\":true}]}", true,
         HDR(4) "[{\"name\":\"a\",\"type\":\"list\",\"element\":{\"type\":"
                "\"struct\",\"fields\":[{\"name\":\"q\",\"type\":\"boolean\""
                "}]}}]}"},
        {"{\"a\":1}", "{\"A\":2}", true,
         HDR(4) "[{\"name\":\"a\",\"type\":\"int64\"},{\"name\":\"A\","
                "\"column\":\"A__2\",\"type\":\"int64\"}]}"},
        {"{\"a\":1}", "{\"a\":null}", false,
         HDR(3) "[{\"name\":\"a\",\"type\":\"int64\"}]}"},
    };
    struct sluice_buf b;
    struct sluice_err err = {{0}};
    sluice__buf_init(&b, 1u << 20);
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(cases); i++) {
        struct sluice_table *o = NULL, *n = NULL;
        bool changed = !cases[i].changed;
        ASSERT_EQ(sluice__table_new(&o, NULL, 0), SLUICE_OK);
        ASSERT_EQ(sluice__table_new(&n, NULL, 0), SLUICE_OK);
        o->version = 3;
        ASSERT_EQ(infer_json(o, cases[i].old), SLUICE_OK);
        ASSERT_EQ(infer_json(n, cases[i].new_), SLUICE_OK);
        ASSERT_EQ(sluice__table_merge(o, n, &changed, &err), SLUICE_OK);
        ASSERT_EQ(changed, cases[i].changed);
        ASSERT_STR_EQ(text_of(o, &b), cases[i].want);
        sluice__table_free(o);
        sluice__table_free(n);
    }
    sluice__buf_cleanup(&b);
}

static void test_persistence_round_trip(void)
{
    static const struct sluice_column_decl decls[] = {
        {"l[].t", SLUICE_D_TIMESTAMP_MS}};
    struct sluice_table *t = NULL, *u = NULL;
    struct sluice_pq_schema *s = NULL;
    struct sluice_err err = {{0}};
    struct sluice_buf a, b;
    sluice__buf_init(&a, 1u << 20);
    sluice__buf_init(&b, 1u << 20);
    ASSERT_EQ(sluice__table_new(&t, decls, 1), SLUICE_OK);
    t->version = 7;
    ASSERT_EQ(infer_json(t,
                         "{\"x\":1,\"X\":\"\\u00e9\\\"q\",\"n\":null,"
                         "\"s\":{\"a\":[[true]],\"j\":1},\"l\":[{\"t\":5}]}"),
              SLUICE_OK);
    ASSERT_EQ(infer_json(t, "{\"s\":{\"j\":\"x\"},\"\":2}"), SLUICE_OK);
    ASSERT_EQ(sluice__table_build(t, true, &s, &err), SLUICE_OK); /* flat */
    text_of(t, &a);
    ASSERT_TRUE(strstr(a.p, "\"declared\":\"timestamp_ms\""));
    ASSERT_TRUE(strstr(a.p, "\"flat\":\"s__j\""));
    ASSERT_EQ(sluice__table_from_json(a.p, a.n, NULL, 0, &u, &err), SLUICE_OK);
    ASSERT_STR_EQ(text_of(u, &b), a.p);
    ASSERT_EQ(u->version, 7);
    sluice__table_free(u);
    u = NULL;
    static const char *bad[] = {
        "",
        "{}",
        "{\"sluice_table\":2,\"fields\":[]}",
        "{\"sluice_table\":1,\"fields\":[{\"type\":\"int64\"}]}",
        "{\"sluice_table\":1,\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}",
        "{\"sluice_table\":1,\"fields\":[{\"name\":\"a\",\"type\":\"int64\"},"
        "{\"name\":\"a\",\"type\":\"int64\"}]}",
        "{\"sluice_table\":1,\"fields\":[{\"name\":\"a\"}]}",
        "{\"sluice_table\":1,\"fields\":[{\"name\":\"a\",\"type\":\"int64\","
        "\"fields\":[]}]}",
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(bad); i++) {
        ASSERT_EQ(
            sluice__table_from_json(bad[i], strlen(bad[i]), NULL, 0, &u, &err),
            SLUICE_EINVAL);
        ASSERT_TRUE(u == NULL);
        ASSERT_TRUE(strstr(err.msg, "schema text"));
    }
    sluice__pq_schema_free(s);
    sluice__table_free(t);
    sluice__buf_cleanup(&a);
    sluice__buf_cleanup(&b);
}

/* Value capture for coercion tests: column 0's values as text. */
struct vals {
    struct sluice_buf b;
    enum sluice_tkind kind;
};

static int capture_values(void *ud, size_t leaf, unsigned def, unsigned rep,
                          const struct sluice_pq_value *v)
{
    struct vals *x = ud;
    (void)rep;
    (void)def;
    if (leaf != 0)
        return SLUICE_OK;
    if (!v)
        return sluice__buf_adds(&x->b, "null ");
    switch (x->kind) {
    case SLUICE_T_BOOLEAN:
        return sluice__buf_adds(&x->b, v->b ? "true " : "false ");
    case SLUICE_T_DOUBLE:
        return sluice__buf_appendf(&x->b, "%.17g ", v->d);
    case SLUICE_T_DATE:
        return sluice__buf_appendf(&x->b, "%d ", (int)v->i32);
    case SLUICE_T_STRING:
        return sluice__buf_appendf(&x->b, "'%.*s' ", (int)v->s.n, v->s.p);
    default:
        return sluice__buf_appendf(&x->b, "%lld ", (long long)v->i64);
    }
}

static void coerce_case(enum sluice_tdecl type, const char *const *vals,
                        size_t n, const char *want, uint64_t want_bad)
{
    struct sluice_column_decl decl = {"v", type};
    struct sluice_table *t = NULL;
    struct sluice_pq_schema *s = NULL;
    struct sluice_err err = {{0}};
    struct sluice_buf ev, rec;
    struct vals got = {.kind = sluice__tdecl_kind(type)};
    struct sluice_shredder sh;
    sluice__buf_init(&ev, 1u << 20);
    sluice__buf_init(&got.b, 1u << 20);
    sluice__buf_init(&rec, 1u << 20);
    ASSERT_EQ(sluice__table_new(&t, &decl, 1), SLUICE_OK);
    for (size_t i = 0; i < n; i++) {
        sluice__buf_reset(&rec);
        ASSERT_EQ(sluice__buf_appendf(&rec, "{\"v\":%s}", vals[i]), SLUICE_OK);
        ASSERT_EQ(infer_json(t, rec.p), SLUICE_OK);
    }
    ASSERT_EQ(sluice__table_build(t, false, &s, &err), SLUICE_OK);
    sluice__shredder_init(&sh, t, capture_values, &got);
    for (size_t i = 0; i < n; i++) {
        sluice__buf_reset(&rec);
        ASSERT_EQ(sluice__buf_appendf(&rec, "{\"v\":%s}", vals[i]), SLUICE_OK);
        ASSERT_EQ(encode(rec.p, &ev), SLUICE_OK);
        ASSERT_EQ(sluice__shred(&sh, ev.p, ev.n), SLUICE_OK);
    }
    ASSERT_STR_EQ(sluice__buf_str(&got.b), want);
    ASSERT_EQ(sh.bad_values, want_bad);
    /* on_bad_value: fail names the record, field and value */
    if (want_bad) {
        sh.fail_on_bad = true;
        sh.records = 0;
        int rc = SLUICE_OK;
        for (size_t i = 0; i < n && rc == SLUICE_OK; i++) {
            sluice__buf_reset(&rec);
            ASSERT_EQ(sluice__buf_appendf(&rec, "{\"v\":%s}", vals[i]),
                      SLUICE_OK);
            ASSERT_EQ(encode(rec.p, &ev), SLUICE_OK);
            rc = sluice__shred(&sh, ev.p, ev.n);
        }
        ASSERT_EQ(rc, SLUICE_EINVAL);
        ASSERT_TRUE(strstr(sh.err.msg, ": v: "));
    }
    sluice__shredder_cleanup(&sh);
    sluice__pq_schema_free(s);
    sluice__table_free(t);
    sluice__buf_cleanup(&ev);
    sluice__buf_cleanup(&got.b);
    sluice__buf_cleanup(&rec);
}

static void test_declared_double(void)
{
    const char *v[] = {"\"17.9767415404\"", "3",         "\"abc\"", "null",
                       "\"1e3\"",           "{\"x\":1}", "\" 1\""};
    coerce_case(SLUICE_D_DOUBLE, v, 7,
                "17.976741540399999 3 null null 1000 null null ", 3);
}

static void test_declared_timestamps(void)
{
    const char *ms[] = {"1577843520000", "\"1577843520000\"", "1.5", "true"};
    coerce_case(SLUICE_D_TIMESTAMP_MS, ms, 4,
                "1577843520000000 1577843520000000 1500 null ", 1);
    const char *iso[] = {"\"2020-01-01T01:52:00Z\"", "\"2020-01-01\"",
                         "\"2020-01-01T02:52:00.5+01:00\"", "\"2020-Jan-01\"",
                         "\"2020-02-30\""};
    coerce_case(SLUICE_D_TIMESTAMP, iso, 5,
                "1577843520000000 1577836800000000 1577843520500000 null "
                "null ",
                2);
    const char *sec[] = {"1577843520"};
    coerce_case(SLUICE_D_TIMESTAMP_S, sec, 1, "1577843520000000 ", 0);
    const char *day[] = {"\"2020-01-02\"", "18000"};
    coerce_case(SLUICE_D_DATE, day, 2, "18263 null ", 1);
}

static void test_declared_int_bool_string(void)
{
    const char *i[] = {"\"12\"", "12.0", "12.5", "-9223372036854775808",
                       "9223372036854775808"};
    coerce_case(SLUICE_D_INT64, i, 5, "12 12 null -9223372036854775808 null ",
                2);
    const char *b[] = {"true", "\"false\"", "1"};
    coerce_case(SLUICE_D_BOOLEAN, b, 3, "true false null ", 1);
    const char *s[] = {"\"x\"", "1.50", "false", "[1]"};
    coerce_case(SLUICE_D_STRING, s, 4, "'x' '1.50' 'false' null ", 1);
}

static void test_declared_conflicts_with_persisted_type(void)
{
    static const struct sluice_column_decl decl = {"a", SLUICE_D_DOUBLE};
    struct sluice_table *o = NULL, *n = NULL;
    struct sluice_err err = {{0}};
    bool changed;
    ASSERT_EQ(sluice__table_new(&o, NULL, 0), SLUICE_OK);
    ASSERT_EQ(sluice__table_new(&n, &decl, 1), SLUICE_OK);
    ASSERT_EQ(infer_json(o, "{\"a\":\"1.5\"}"), SLUICE_OK);
    ASSERT_EQ(infer_json(n, "{\"a\":\"1.5\"}"), SLUICE_OK);
    ASSERT_EQ(sluice__table_merge(o, n, &changed, &err), SLUICE_EINVAL);
    ASSERT_TRUE(strstr(err.msg, "column a is string"));
    ASSERT_TRUE(strstr(err.msg, "declared double"));
    sluice__table_free(o);
    sluice__table_free(n);
}

/* The same bits as strtod, whatever path parse_f64 takes. */
static bool same_as_strtod(const char *text)
{
    double f = 0, want = strtod(text, NULL);
    if (!sluice__parse_f64(text, strlen(text), &f))
        return false;
    return memcmp(&f, &want, sizeof f) == 0;
}

/* parse_f64's exact path (w * 10^e for w <= 2^53, |e| <= 22) at its edges,
 * and numbers past them, which must fall back to strtod: each gives
 * exactly strtod's double, sign of zero included. */
static void test_coerce_f64_fast_path_edges(void)
{
    static const char *const cases[] = {
        "0", "-0", "-0.0", "0.0", "0.1", "-0.1", "0.2", "0.3", "1.0", "1",
        "9007199254740992",      /* 2^53: exact */
        "9007199254740993",      /* 2^53 + 1: rounds to 2^53 */
        "-9007199254740993", "9007199254740994", "9007199254740995",
        "900719925474099.3", "0.9007199254740993",
        "1e22", "1e23", "9007199254740993e22", "1e-22", "1e-23",
        "1e308", "-1e308", "1.7976931348623157e308", "2.2250738585072014e-308",
        "4.9e-324", "1E5", "1e+5", "1e-5", "12.5E-3", "1.5e3", "123e-2",
        "0.000001", "0.0000000000000000000000000001", "3.14159265358979",
        "17958765.680543859", "11159059.6420304533", "21.8174879007",
        "78542.95644252", "0.018304378", "99999999999999999999",
        "123456789012345678901234567890", "0e1000000",
        "0.00000000000000000000000000000000000000000000000000000000001e80",
    };
    FOR_CASES(i, cases)
        ASSERT_TRUE(same_as_strtod(cases[i]));
    double f = 1;
    ASSERT_TRUE(sluice__parse_f64("-0", 2, &f) && f == 0 && signbit(f));
    ASSERT_TRUE(!sluice__parse_f64("1e309", 5, &f));
    ASSERT_TRUE(!sluice__parse_f64("1e1000000", 9, &f));
    ASSERT_TRUE(!sluice__parse_f64("1.", 2, &f));
    ASSERT_TRUE(!sluice__parse_f64(".5", 2, &f));
    ASSERT_TRUE(!sluice__parse_f64("1e", 2, &f));
    ASSERT_TRUE(!sluice__parse_f64("+1", 2, &f));
    /* not JSON numbers: refused, whichever path reads them first */
    static const char *const bad[] = {
        "", "-", "01", "-01", "00", "1.", "-.5", "1e", "1e+", "1E-", "1.5.2",
        "1ee5", "--1", "0x10", " 1", "1 ", "1e5.5", "Infinity", "NaN", "1,5",
        "1.e5", "0.", "5-", "1e5e5", "12345678901234567890x"};
    FOR_CASES(i, bad)
        ASSERT_TRUE(!sluice__parse_f64(bad[i], strlen(bad[i]), &f));
}

/* A sweep of decimals of 1 to 20 digits, point anywhere, with and without
 * exponents: every one the same double as strtod (a fast path that rounds
 * twice, or takes one digit too many, differs somewhere here). */
static void test_coerce_f64_sweep(void)
{
    uint64_t x = 0x9E3779B97F4A7C15u;
    char text[64];
    for (int k = 0; k < 200000; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int digits = 1 + (int)(x % 20), point = (int)((x >> 8) % 22);
        size_t at = 0;
        if ((x >> 16) & 1)
            text[at++] = '-';
        uint64_t y = x;
        for (int d = 0; d < digits; d++) {
            if (d == point && d > 0)
                text[at++] = '.';
            y = y * 6364136223846793005u + 1442695040888963407u;
            int c = (int)((y >> 33) % 10);
            if (d == 0 && c == 0 && (digits > 1 && point != 1))
                c = 1; /* no leading zero before more integer digits */
            text[at++] = (char)('0' + c);
        }
        if ((x >> 24) % 3 == 0)
            at += (size_t)snprintf(text + at, sizeof text - at, "e%d",
                                   (int)((x >> 32) % 61) - 30);
        text[at] = '\0';
        HARNESS_CASE(k);
        ASSERT_TRUE(same_as_strtod(text));
    }
    HARNESS_CASE(-1);
}

static void test_coerce_parsers(void)
{
    int64_t v;
    int32_t d;
    double f;
    ASSERT_TRUE(sluice__parse_i64("-0", 2, &v) && v == 0);
    ASSERT_TRUE(!sluice__parse_i64("", 0, &v));
    ASSERT_TRUE(!sluice__parse_i64("-", 1, &v));
    ASSERT_TRUE(!sluice__parse_i64("1a", 2, &v));
    ASSERT_TRUE(sluice__parse_date("1970-01-02", 10, &d) && d == 1);
    ASSERT_TRUE(sluice__parse_date("1969-12-31", 10, &d) && d == -1);
    ASSERT_TRUE(!sluice__parse_date("2021-02-29", 10, &d));
    ASSERT_TRUE(!sluice__parse_f64("nan", 3, &f));
    ASSERT_TRUE(!sluice__parse_f64("1e999", 5, &f));
    ASSERT_TRUE(!sluice__parse_f64("01", 2, &f));
    ASSERT_TRUE(sluice__parse_timestamp("1970-01-01T00:00:00.000001Z", 27, &v));
    ASSERT_EQ(v, 1);
    ASSERT_TRUE(
        !sluice__parse_timestamp("1970-01-01T00:00:00.0000001", 27, &v));
    ASSERT_TRUE(sluice__parse_timestamp("1970-01-01 01:00-0100", 21, &v));
    ASSERT_EQ(v, INT64_C(7200000000));
    ASSERT_TRUE(!sluice__parse_timestamp("1970-01-01T24:00", 16, &v));
}

static const struct harness_test TESTS[] = {
    TEST(test_inference_table),
    TEST(test_merge_table),
    TEST(test_persistence_round_trip),
    TEST(test_declared_double),
    TEST(test_declared_timestamps),
    TEST(test_declared_int_bool_string),
    TEST(test_declared_conflicts_with_persisted_type),
    TEST(test_coerce_parsers),
    TEST(test_coerce_f64_fast_path_edges),
    TEST(test_coerce_f64_sweep),
};
HARNESS_MAIN(TESTS)
