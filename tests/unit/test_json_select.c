/* test_json_select.c: the JSONPath subset: what compiles, what is refused
 * and where, which values become records with which key, and the real
 * NeoWs feed (111 objects, each keyed by its close-approach day). */
#include "harness.h"
#include "json/json_reader.h"
#include "json/select.h"
#include "json/json_writer.h"

/* A consumer that writes "key|json\n" per record ("-" for no key). */
struct out {
    struct sluice_buf text;
    struct sluice_json_writer w;
    int begin_rc; /* returned by record_begin, to test propagation */
};

static int o_begin(void *ud, const char *key, size_t key_n)
{
    struct out *o = ud;
    sluice__json_writer_init(&o->w, &o->text);
    int rc = key ? sluice__buf_append(&o->text, key, key_n)
                 : sluice__buf_addc(&o->text, '-');
    if (rc == SLUICE_OK)
        rc = sluice__buf_addc(&o->text, '|');
    return rc != SLUICE_OK ? rc : o->begin_rc;
}

static int o_event(void *ud, enum sluice_json_event ev, const char *p,
                   size_t n)
{
    struct out *o = ud;
    return sluice__json_writer_event(&o->w, ev, p, n);
}

static int o_end(void *ud)
{
    struct out *o = ud;
    return sluice__buf_addc(&o->text, '\n');
}

/* Runs `path` over `doc` fed in chunks of `step` bytes; returns the reader
 * code, the records in o->text. */
static int run(const char *path, const char *doc, size_t step, struct out *o,
               uint64_t *records)
{
    struct sluice_record_consumer c = {o_begin, o_event, o_end, o};
    struct sluice_selector *s = NULL;
    struct sluice_err err = {{0}};
    int rc = sluice__selector_new(path, &c, &s, &err);
    if (rc != SLUICE_OK)
        return rc;
    struct sluice_json_reader *r =
        sluice__json_reader_new(NULL, sluice__selector_on_event, s);
    size_t n = strlen(doc);
    for (size_t at = 0; at < n && rc == SLUICE_OK; at += step)
        rc = sluice__json_reader_feed(r, doc + at,
                                      n - at < step ? n - at : step);
    if (rc == SLUICE_OK)
        rc = sluice__json_reader_finish(r);
    if (records)
        *records = sluice__selector_records(s);
    sluice__json_reader_free(r);
    sluice__selector_free(s);
    return rc;
}

struct bad_path {
    const char *path;
    const char *msg;
};

static const struct bad_path BAD[] = {
    {"", "byte 0: a path starts with '$'"},
    {"a.b", "byte 0: a path starts with '$'"},
    {"$..a", "byte 1: descendant segments ('..') are not supported"},
    {"$[?(@.a)]", "byte 2: filters are not supported"},
    {"$.data[?@.x > 1]", "byte 7: filters are not supported"},
    {"$[1:2]", "byte 3: slices are not supported"},
    {"$[:2]", "byte 2: slices are not supported"},
    {"$[-0]", "byte 2: -0 is not an index (RFC 9535)"},
    {"$[-1][-1]", "byte 6: only one negative index per path"},
    {"$[-01]", "byte 2: leading zeros are not allowed in an index"},
    {"$['a','b']", "byte 5: unions are not supported"},
    {"$.1a", "byte 2: expected a member name or '*' after '.'"},
    {"$[01]", "byte 2: leading zeros are not allowed in an index"},
    {"$['a", "byte 4: unterminated string"},
    {"$['a\\x']", "byte 4: invalid escape"},
    {"$['\\ud800']", "byte 3: invalid \\u escape"},
    {"$.a b", "byte 3: expected '.' or '['"},
    {"$[a]", "byte 2: expected a name, an index or '*' in brackets"},
    {"$[1", "byte 3: expected ']'"},
    {"$.", "byte 2: expected a member name or '*' after '.'"},
};

static void test_rejects_with_position(void)
{
    struct sluice_record_consumer c = {o_begin, o_event, o_end, NULL};
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(BAD); i++) {
        struct sluice_selector *s = (struct sluice_selector *)&c;
        struct sluice_err err = {{0}};
        ASSERT_EQ(sluice__selector_new(BAD[i].path, &c, &s, &err),
                  SLUICE_EPATH);
        ASSERT_TRUE(s == NULL);
        ASSERT_STR_EQ(err.msg, BAD[i].msg);
    }
}

struct sel_case {
    const char *path;
    const char *doc;
    const char *want;
};

static const char NEOWS_SMALL[] =
    "{\"links\":{\"next\":\"n\"},\"element_count\":3,\n"
    " \"near_earth_objects\":{\n"
    "  \"2025-01-07\":[{\"id\":\"1\",\"close_approach_data\":"
    "[{\"close_approach_date\":\"2025-01-07\"}]},\n"
    "                 {\"id\":\"2\",\"close_approach_data\":[]}],\n"
    "  \"2025-01-06\":[{\"id\":\"3\",\"nested\":{\"a\":[1,[2]]}}]}}";

static const struct sel_case SEL[] = {
    {"$", "{\"a\":1}", "-|{\"a\":1}\n"},
    {"$", " 42 ", "-|42\n"},
    {"$[*]", "[1,{\"x\":2},[3],\"s\"]", "-|1\n-|{\"x\":2}\n-|[3]\n-|\"s\"\n"},
    {"$[*]", "{\"k\":1,\"l\":[]}", "k|1\nl|[]\n"},
    {"$.*", "{\"x\":1,\"y\":[2]}", "x|1\ny|[2]\n"},
    {"$.data[*]", "{\"meta\":{\"data\":[9]},\"data\":[{\"a\":1},{\"a\":2}]}",
     "-|{\"a\":1}\n-|{\"a\":2}\n"},
    {"$.a[2]", "{\"a\":[0,[1],{\"b\":2},3]}", "-|{\"b\":2}\n"},
    {"$.a[1]", "{\"a\":{\"1\":2}}", ""},
    {"$.a.b", "{\"a\":[{\"b\":1}],\"b\":2}", ""},
    {"$.a", "{\"b\":{\"a\":0},\"a\":\"s\",\"c\":1}", "-|\"s\"\n"},
    {"$['a b']", "{\"a b\":true}", "-|true\n"},
    {"$[\"\\u00e9\"]", "{\"\xC3\xA9\":null}", "-|null\n"},
    {"$.zzz", "{\"a\":1}", ""},
    {"$.*.*", "{\"a\":{\"b\":1},\"c\":[5]}", "b|1\nc|5\n"},
    {"$.*", "[1,2]", "-|1\n-|2\n"},
    {"$[0][0]", "[[[1]],[2]]", "-|[1]\n"},
    /* negative indices count from the end (RFC 9535): known only when
     * the array closes, so the candidates are kept until then */
    {"$[-1]", "[1,{\"x\":2},[3],\"s\"]", "-|\"s\"\n"},
    {"$[-2]", "[1,{\"x\":2},[3],\"s\"]", "-|[3]\n"},
    {"$[-4]", "[1,{\"x\":2},[3],\"s\"]", "-|1\n"},
    {"$[-5]", "[1,2,3,4]", ""},
    {"$[-1]", "[]", ""},
    {"$.data[-1].id", "{\"data\":[{\"id\":\"a\"},{\"n\":1},{\"id\":\"c\",\"z\":[1]}]}",
     "-|\"c\"\n"},
    {"$.data[-1].id", "{\"data\":[{\"id\":\"a\"},{\"id\":{\"deep\":[1,2]}}],\"id\":9}",
     "-|{\"deep\":[1,2]}\n"},
    {"$.p[*].d[-1]", "{\"p\":[{\"d\":[1,2]},{\"d\":[]},{\"d\":[3]}]}",
     "-|2\n-|3\n"},
    {"$.o.*[-1].v", "{\"o\":{\"k1\":[{\"v\":1},{\"v\":2}],\"k2\":[{\"v\":3}]}}",
     "k1|2\nk2|3\n"},
    {"$.a[-1][*]", "{\"a\":[[1],[2,3]]}", "-|2\n-|3\n"},
    {"$.near_earth_objects.*[*].id", NEOWS_SMALL,
     "2025-01-07|\"1\"\n2025-01-07|\"2\"\n2025-01-06|\"3\"\n"},
    {"$.near_earth_objects.*[*]", NEOWS_SMALL,
     "2025-01-07|{\"id\":\"1\",\"close_approach_data\":[{"
     "\"close_approach_date\":\"2025-01-07\"}]}\n"
     "2025-01-07|{\"id\":\"2\",\"close_approach_data\":[]}\n"
     "2025-01-06|{\"id\":\"3\",\"nested\":{\"a\":[1,[2]]}}\n"},
};

static void test_selects(void)
{
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(SEL); i++) {
        /* whole, and one byte at a time: the records must not change */
        size_t steps[] = {1 << 20, 1, 3};
        for (size_t k = 0; k < SLUICE_ARRAY_LEN(steps); k++) {
            struct out o = {0};
            sluice__buf_init(&o.text, 1 << 20);
            int rc = run(SEL[i].path, SEL[i].doc, steps[k], &o, NULL);
            if (rc != SLUICE_OK)
                fprintf(stderr, "  case %zu (%s): rc %d\n", i, SEL[i].path,
                        rc);
            ASSERT_EQ(rc, SLUICE_OK);
            ASSERT_STR_EQ(sluice__buf_str(&o.text), SEL[i].want);
            sluice__buf_cleanup(&o.text);
        }
    }
}

static void test_records_survive_later_errors(void)
{
    struct out o = {0};
    sluice__buf_init(&o.text, 1 << 20);
    uint64_t records = 0;
    ASSERT_EQ(run("$[*]", "[1,{\"a\":2},x]", 4, &o, &records), SLUICE_EJSON);
    ASSERT_EQ(records, 2);
    ASSERT_STR_EQ(sluice__buf_str(&o.text), "-|1\n-|{\"a\":2}\n");
    sluice__buf_cleanup(&o.text);
}

static void test_consumer_stop_propagates(void)
{
    struct out o = {0};
    sluice__buf_init(&o.text, 1 << 20);
    o.begin_rc = 55;
    ASSERT_EQ(run("$[*]", "[1,2]", 100, &o, NULL), 55);
    sluice__buf_cleanup(&o.text);
}

static void test_reset_between_documents(void)
{
    struct out o = {0};
    sluice__buf_init(&o.text, 1 << 20);
    struct sluice_record_consumer c = {o_begin, o_event, o_end, &o};
    struct sluice_selector *s = NULL;
    struct sluice_err err = {{0}};
    ASSERT_EQ(sluice__selector_new("$.d[*]", &c, &s, &err), SLUICE_OK);
    struct sluice_json_reader *r =
        sluice__json_reader_new(NULL, sluice__selector_on_event, s);
    /* the first document breaks off inside a selected record */
    ASSERT_EQ(sluice__json_reader_feed(r, "{\"d\":[{\"a\":[", 12), SLUICE_OK);
    sluice__json_reader_reset(r);
    sluice__selector_reset(s);
    sluice__buf_reset(&o.text);
    ASSERT_EQ(sluice__json_reader_feed(r, "{\"d\":[7]}", 9), SLUICE_OK);
    ASSERT_EQ(sluice__json_reader_finish(r), SLUICE_OK);
    ASSERT_EQ(sluice__selector_records(s), 1);
    ASSERT_STR_EQ(sluice__buf_str(&o.text), "-|7\n");
    sluice__json_reader_free(r);
    sluice__selector_free(s);
    sluice__buf_cleanup(&o.text);
}

/* ---- the verdict: was the path's container there? ---------------------- */

struct verdict_case {
    const char *path;
    const char *doc;
    enum sluice_select_verdict want;
    const char *why;        /* the message, "" when FOUND */
    bool allowed_found;     /* with allow_missing: FOUND */
};

static const struct verdict_case VERDICTS[] = {
    /* found, with or without records */
    {"$", "{\"error\":1}", SLUICE_SELECT_FOUND, "", true},
    {"$.data[*]", "{\"data\":[]}", SLUICE_SELECT_FOUND, "", true},
    {"$.data[*]", "{\"data\":[1,2]}", SLUICE_SELECT_FOUND, "", true},
    {"$.data[*]", "{\"data\":{}}", SLUICE_SELECT_FOUND, "", true},
    {"$.near_earth_objects.*[*]", "{\"near_earth_objects\":{}}",
     SLUICE_SELECT_FOUND, "", true},
    {"$.near_earth_objects.*[*]",
     "{\"near_earth_objects\":{\"2020-01-01\":[],\"2020-01-02\":[{}]}}",
     SLUICE_SELECT_FOUND, "", true},
    {"$.a", "{\"a\":null}", SLUICE_SELECT_FOUND, "", true}, /* a record */
    {"$[*]", "[]", SLUICE_SELECT_FOUND, "", true},
    /* absent */
    {"$.near_earth_objects.*[*]",
     "{\"error\":{\"code\":\"X\"},\"message\":\"no\"}", SLUICE_SELECT_ABSENT,
     "$.near_earth_objects absent; the response holds keys \"error\", "
     "\"message\"",
     true},
    {"$.data[*]", "{}", SLUICE_SELECT_ABSENT,
     "$.data absent; the response is an empty object", true},
    {"$.a.b[*]", "{\"a\":{\"c\":1}}", SLUICE_SELECT_ABSENT,
     "$.a.b absent; the response holds key \"a\"", true},
    {"$.a[2]", "{\"a\":[0,1]}", SLUICE_SELECT_ABSENT,
     "$.a[2] absent (the array has 2 elements); the response holds key "
     "\"a\"",
     true},
    {"$.data[-1].id", "{\"data\":[]}", SLUICE_SELECT_ABSENT,
     "$.data[-1] absent (the array has 0 elements); the response holds "
     "key \"data\"",
     true},
    {"$.data[-3]", "{\"data\":[1,2]}", SLUICE_SELECT_ABSENT,
     "$.data[-3] absent (the array has 2 elements); the response holds "
     "key \"data\"",
     true},
    /* only the selected element is judged: the earlier ones may lack it */
    {"$.data[-1].id", "{\"data\":[{\"x\":1},5,{\"id\":2}]}",
     SLUICE_SELECT_FOUND, "", true},
    {"$.data[-1].id", "{\"data\":[{\"id\":1},{\"x\":1}]}",
     SLUICE_SELECT_ABSENT,
     "$.data[1].id absent; the response holds key \"data\"", true},
    {"$.data[-1].id", "{\"data\":[{\"id\":1},\"s\"]}",
     SLUICE_SELECT_WRONG_TYPE,
     "$.data[1] is a string, not an object; the response holds key "
     "\"data\"",
     false},
    {"$[0].x", "[]", SLUICE_SELECT_ABSENT,
     "$[0] absent (the array has 0 elements); the response is an array",
     true},
    {"$['a b'].c", "{\"a b\":{}}", SLUICE_SELECT_ABSENT,
     "$['a b'].c absent; the response holds key \"a b\"", true},
    /* null */
    {"$.data[*]", "{\"data\":null,\"n\":0}", SLUICE_SELECT_NULL,
     "$.data is null; the response holds keys \"data\", \"n\"", true},
    {"$.o.*[*]", "{\"o\":{\"d1\":[1],\"d 2\":null}}", SLUICE_SELECT_NULL,
     "$.o['d 2'] is null; the response holds key \"o\"", true},
    {"$.data[*]", "null", SLUICE_SELECT_NULL, "$ is null", true},
    /* wrong type: never allowed */
    {"$.data[*]", "{\"data\":\"none\"}", SLUICE_SELECT_WRONG_TYPE,
     "$.data is a string, not an object or an array; the response holds "
     "key \"data\"",
     false},
    {"$.near_earth_objects.*[*]",
     "{\"near_earth_objects\":{\"2020-01-01\":[],\"2020-01-02\":5}}",
     SLUICE_SELECT_WRONG_TYPE,
     "$.near_earth_objects['2020-01-02'] is a number, not an object or an "
     "array; the response holds key \"near_earth_objects\"",
     false},
    {"$.a.b", "{\"a\":[{\"b\":1}]}", SLUICE_SELECT_WRONG_TYPE,
     "$.a is an array, not an object; the response holds key \"a\"", false},
    {"$.a[1]", "{\"a\":{\"1\":2}}", SLUICE_SELECT_WRONG_TYPE,
     "$.a is an object, not an array; the response holds key \"a\"", false},
    {"$.a", "[1]", SLUICE_SELECT_WRONG_TYPE, "$ is an array, not an object",
     false},
    {"$[*].x", "[{\"x\":1},true]", SLUICE_SELECT_WRONG_TYPE,
     "$[1] is a boolean, not an object; the response is an array", false},
    /* a wrong type wins over an earlier absent member */
    {"$.d.*.x", "{\"d\":{\"p\":{},\"q\":7}}", SLUICE_SELECT_WRONG_TYPE,
     "$.d.q is a number, not an object; the response holds key \"d\"",
     false},
};

static void test_verdicts(void)
{
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(VERDICTS); i++) {
        const struct verdict_case *vc = &VERDICTS[i];
        size_t steps[] = {1 << 20, 1};
        for (size_t k = 0; k < SLUICE_ARRAY_LEN(steps); k++) {
            struct sluice_record_consumer c = {0};
            struct sluice_selector *s = NULL;
            struct sluice_err err = {{0}}, why = {{0}};
            ASSERT_EQ(sluice__selector_new(vc->path, &c, &s, &err), SLUICE_OK);
            struct sluice_json_reader *r =
                sluice__json_reader_new(NULL, sluice__selector_on_event, s);
            size_t n = strlen(vc->doc);
            int rc = SLUICE_OK;
            for (size_t at = 0; at < n && rc == SLUICE_OK; at += steps[k])
                rc = sluice__json_reader_feed(
                    r, vc->doc + at, n - at < steps[k] ? n - at : steps[k]);
            if (rc == SLUICE_OK)
                rc = sluice__json_reader_finish(r);
            enum sluice_select_verdict v =
                sluice__selector_verdict(s, false, &why);
            enum sluice_select_verdict allowed =
                sluice__selector_verdict(s, true, NULL);
            sluice__json_reader_free(r);
            sluice__selector_free(s);
            if (v != vc->want || strcmp(why.msg, vc->why) != 0)
                fprintf(stderr, "  case %zu: %s over %s\n", i, vc->path,
                        vc->doc);
            ASSERT_EQ(rc, SLUICE_OK);
            ASSERT_EQ(v, vc->want);
            ASSERT_STR_EQ(why.msg, vc->why);
            ASSERT_EQ(allowed == SLUICE_SELECT_FOUND, vc->allowed_found);
        }
    }
}

/* The message stays bounded whatever the response's keys: at most ten
 * named, each cut short, the rest counted; control bytes escaped. */
static void test_verdict_names_few_keys(void)
{
    struct sluice_buf doc;
    sluice__buf_init(&doc, 1 << 20);
    ASSERT_EQ(sluice__buf_adds(&doc, "{\"k\\u0000\\n\":1"), SLUICE_OK);
    for (int i = 1; i < 25; i++)
        ASSERT_EQ(sluice__buf_appendf(&doc,
                                      ",\"key%02d_%0100d\":%d", i, 0, i),
                  SLUICE_OK);
    ASSERT_EQ(sluice__buf_addc(&doc, '}'), SLUICE_OK);
    struct sluice_record_consumer c = {0};
    struct sluice_selector *s = NULL;
    struct sluice_err err = {{0}}, why = {{0}};
    ASSERT_EQ(sluice__selector_new("$.records[*]", &c, &s, &err), SLUICE_OK);
    struct sluice_json_reader *r =
        sluice__json_reader_new(NULL, sluice__selector_on_event, s);
    ASSERT_EQ(sluice__json_reader_feed(r, doc.p, doc.n), SLUICE_OK);
    ASSERT_EQ(sluice__json_reader_finish(r), SLUICE_OK);
    ASSERT_EQ(sluice__selector_verdict(s, false, &why), SLUICE_SELECT_ABSENT);
    sluice__json_reader_free(r);
    sluice__selector_free(s);
    sluice__buf_cleanup(&doc);
    const char *want_start =
        "$.records absent; the response holds keys \"k\\u0000\\u000a\", "
        "\"key01_0000000000000000000000000000000000...\", ";
    if (strncmp(why.msg, want_start, strlen(want_start)) != 0)
        fprintf(stderr, "  got: %s\n", why.msg);
    ASSERT_TRUE(strncmp(why.msg, want_start, strlen(want_start)) == 0);
    ASSERT_TRUE(strstr(why.msg, "\"key09_") != NULL);
    ASSERT_TRUE(strstr(why.msg, "\"key10_") == NULL);
    const char *tail = ", ... (25 keys)";
    size_t n = strlen(why.msg);
    ASSERT_TRUE(n > strlen(tail) &&
                strcmp(why.msg + n - strlen(tail), tail) == 0);
    ASSERT_TRUE(n < 700);
}

/* reset forgets the last document's verdict. */
static void test_verdict_reset(void)
{
    struct sluice_record_consumer c = {0};
    struct sluice_selector *s = NULL;
    struct sluice_err err = {{0}};
    ASSERT_EQ(sluice__selector_new("$.d[*]", &c, &s, &err), SLUICE_OK);
    struct sluice_json_reader *r =
        sluice__json_reader_new(NULL, sluice__selector_on_event, s);
    ASSERT_EQ(sluice__json_reader_feed(r, "{\"e\":1}", 7), SLUICE_OK);
    ASSERT_EQ(sluice__json_reader_finish(r), SLUICE_OK);
    ASSERT_EQ(sluice__selector_verdict(s, false, NULL), SLUICE_SELECT_ABSENT);
    sluice__json_reader_reset(r);
    sluice__selector_reset(s);
    ASSERT_EQ(sluice__json_reader_feed(r, "{\"d\":[]}", 8), SLUICE_OK);
    ASSERT_EQ(sluice__json_reader_finish(r), SLUICE_OK);
    ASSERT_EQ(sluice__selector_verdict(s, false, &err), SLUICE_SELECT_FOUND);
    ASSERT_STR_EQ(err.msg, "");
    sluice__json_reader_free(r);
    sluice__selector_free(s);
}

/* ---- the real NeoWs feed ---------------------------------------------- */

/* Checks each record's key against close_approach_data[0]
 * .close_approach_date, found by following the record's events. */
struct neo {
    char key[64];
    int depth;      /* inside the record */
    bool in_cad;    /* inside close_approach_data */
    int cad_items;  /* elements of it begun so far */
    bool want_date; /* the next string is the date */
    char date[64];
    int records, mismatches;
};

static int n_begin(void *ud, const char *key, size_t key_n)
{
    struct neo *s = ud;
    snprintf(s->key, sizeof s->key, "%.*s", key ? (int)key_n : 6,
             key ? key : "(null)");
    s->depth = 0;
    s->in_cad = false;
    s->cad_items = 0;
    s->want_date = false;
    s->date[0] = '\0';
    return 0;
}

static int n_event(void *ud, enum sluice_json_event ev, const char *p,
                   size_t n)
{
    struct neo *s = ud;
    switch (ev) {
    case SLUICE_JSON_KEY:
        if (s->depth == 1)
            s->in_cad = n == 19 && memcmp(p, "close_approach_data", 19) == 0;
        if (s->in_cad && s->depth == 3 && s->cad_items == 1)
            s->want_date =
                n == 19 && memcmp(p, "close_approach_date", 19) == 0;
        break;
    case SLUICE_JSON_STRING:
        if (s->want_date)
            snprintf(s->date, sizeof s->date, "%.*s", (int)n, p);
        s->want_date = false;
        break;
    case SLUICE_JSON_ARRAY_BEGIN:
    case SLUICE_JSON_OBJECT_BEGIN:
        if (s->in_cad && s->depth == 2)
            s->cad_items++;
        s->depth++;
        s->want_date = false;
        break;
    case SLUICE_JSON_ARRAY_END:
    case SLUICE_JSON_OBJECT_END:
        s->depth--;
        break;
    default:
        s->want_date = false;
    }
    return 0;
}

static int n_end(void *ud)
{
    struct neo *s = ud;
    s->records++;
    if (strcmp(s->key, s->date) != 0) {
        fprintf(stderr, "  key %s, close approach %s\n", s->key, s->date);
        s->mismatches++;
    }
    return 0;
}

static void test_neows_feed(void)
{
    const char *root = getenv("SLUICE_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/neows/feed_2025-01-01_2025-01-07.json",
             root ? root : "tests/data");
    size_t n = 0;
    char *doc = harness_read_file(path, &n);
    ASSERT_TRUE(doc != NULL);

    /* element_count, read with the selector itself */
    struct out o = {0};
    sluice__buf_init(&o.text, 1 << 20);
    ASSERT_EQ(run("$.element_count", doc, 1 << 30, &o, NULL), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&o.text), "-|111\n");
    sluice__buf_cleanup(&o.text);

    size_t steps[] = {n, 1448, 4096, 1};
    for (size_t k = 0; k < SLUICE_ARRAY_LEN(steps); k++) {
        struct neo st = {0};
        struct sluice_record_consumer c = {n_begin, n_event, n_end, &st};
        struct sluice_selector *s = NULL;
        struct sluice_err err = {{0}};
        ASSERT_EQ(sluice__selector_new("$.near_earth_objects.*[*]", &c, &s,
                                       &err),
                  SLUICE_OK);
        struct sluice_json_reader *r =
            sluice__json_reader_new(NULL, sluice__selector_on_event, s);
        int rc = SLUICE_OK;
        for (size_t at = 0; at < n && rc == SLUICE_OK; at += steps[k])
            rc = sluice__json_reader_feed(
                r, doc + at, n - at < steps[k] ? n - at : steps[k]);
        if (rc == SLUICE_OK)
            rc = sluice__json_reader_finish(r);
        ASSERT_EQ(rc, SLUICE_OK);
        ASSERT_EQ(st.records, 111);
        ASSERT_EQ(sluice__selector_records(s), 111);
        ASSERT_EQ(st.mismatches, 0);
        sluice__json_reader_free(r);
        sluice__selector_free(s);
    }
    sluice__free(doc);
}

static const struct harness_test TESTS[] = {
    TEST(test_rejects_with_position),
    TEST(test_selects),
    TEST(test_records_survive_later_errors),
    TEST(test_consumer_stop_propagates),
    TEST(test_reset_between_documents),
    TEST(test_verdicts),
    TEST(test_verdict_names_few_keys),
    TEST(test_verdict_reset),
    TEST(test_neows_feed),
};
HARNESS_MAIN(TESTS)
