/* test_json_writer.c: compact output, minimal string escaping, and the
 * round trip parse -> write -> parse over every y_ file of JSONTestSuite
 * (same event sequence both times). */
#include <dirent.h>

#include "harness.h"
#include "json/json_reader.h"
#include "json/json_writer.h"

/* Records events as text and also writes them through a writer. */
struct both {
    struct sluice_buf events;
    struct sluice_json_writer w;
};

static int on_event(void *ud, enum sluice_json_event ev, const char *p,
                    size_t n)
{
    struct both *b = ud;
    if (sluice__buf_appendf(&b->events, "%d:%zu:", (int)ev, n) != SLUICE_OK ||
        (n && sluice__buf_append(&b->events, p, n) != SLUICE_OK))
        return 99;
    return sluice__json_writer_event(&b->w, ev, p, n);
}

/* Parses text, fills `events` and `out` (the compact rewrite). */
static int parse_write(const char *text, size_t n, struct sluice_buf *events,
                       struct sluice_buf *out)
{
    struct both b;
    b.events = *events;
    sluice__json_writer_init(&b.w, out);
    struct sluice_json_reader *r = sluice__json_reader_new(NULL, on_event, &b);
    int rc = sluice__json_reader_feed(r, text, n);
    if (rc == SLUICE_OK)
        rc = sluice__json_reader_finish(r);
    sluice__json_reader_free(r);
    *events = b.events;
    return rc;
}

static void test_compact(void)
{
    struct sluice_buf ev, out;
    sluice__buf_init(&ev, 1 << 20);
    sluice__buf_init(&out, 1 << 20);
    const char *doc = " { \"a\" : [ 1 , true , null , -2.5e3 ] ,\n \"b\" : { } ,"
                      " \"c\" : [ [ ] , { \"d\" : \"x\" } ] } ";
    ASSERT_EQ(parse_write(doc, strlen(doc), &ev, &out), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&out),
                  "{\"a\":[1,true,null,-2.5e3],\"b\":{},\"c\":[[],{\"d\":\"x\"}]}");
    sluice__buf_cleanup(&ev);
    sluice__buf_cleanup(&out);
}

static void test_string_escapes(void)
{
    struct sluice_buf out;
    sluice__buf_init(&out, 1 << 20);
    static const char s[] = "a\"b\\c\n\t\r\b\f\x01\x1f\x7f\xC3\xA9\xE2\x80\xA8/";
    ASSERT_EQ(sluice__json_write_string(&out, s, sizeof s - 1), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&out),
                  "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\xC3\xA9"
                  "\xE2\x80\xA8/\"");
    /* a NUL byte in a payload becomes \u0000 */
    sluice__buf_reset(&out);
    ASSERT_EQ(sluice__json_write_string(&out, "x\0y", 3), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&out), "\"x\\u0000y\"");
    sluice__buf_cleanup(&out);
    /* the buffer's bound is reported */
    struct sluice_buf small;
    sluice__buf_init(&small, 4);
    ASSERT_EQ(sluice__json_write_string(&small, "abcdef", 6), SLUICE_ETOOBIG);
    sluice__buf_cleanup(&small);
}

/* The escaping, byte by byte, written independently of the writer's
 * eight-at-a-time scan: what every string must come out as. */
static void reference_escape(struct sluice_buf *out, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    ASSERT_EQ(sluice__buf_addc(out, '"'), SLUICE_OK);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        char e[7] = {0};
        if (c == '"' || c == '\\')
            e[0] = '\\', e[1] = (char)c;
        else if (c == '\n' || c == '\t' || c == '\r' || c == '\b' || c == '\f')
            e[0] = '\\', e[1] = c == '\n'   ? 'n'
                                : c == '\t' ? 't'
                                : c == '\r' ? 'r'
                                : c == '\b' ? 'b'
                                            : 'f';
        else if (c < 0x20)
            memcpy(e, "\\u00", 4), e[4] = hex[c >> 4], e[5] = hex[c & 15];
        else
            e[0] = (char)c;
        ASSERT_EQ(sluice__buf_append(out, e, e[0] ? strlen(e) : 1), SLUICE_OK);
    }
    ASSERT_EQ(sluice__buf_addc(out, '"'), SLUICE_OK);
}

/* Every byte value at every offset of strings of 0..24 bytes, alone and
 * next to a second special byte, in plain ASCII and in high bytes: the
 * scan that skips eight bytes at a time must never skip one that needs an
 * escape, nor escape one that does not. */
static void test_string_escapes_every_byte_every_offset(void)
{
    struct sluice_buf got, want;
    sluice__buf_init(&got, 1 << 20);
    sluice__buf_init(&want, 1 << 20);
    static const uint8_t fills[] = {'a', 0x80, 0xFF, 0x1F, 0x21};
    uint8_t s[24];
    for (size_t f = 0; f < sizeof fills; f++)
        for (size_t len = 0; len <= sizeof s; len++)
            for (size_t at = 0; at < len || (len == 0 && at == 0); at++)
                for (unsigned c = 0; c < 256; c++) {
                    memset(s, fills[f], sizeof s);
                    if (len) {
                        s[at] = (uint8_t)c;
                        s[(at + 5) % len] ^= (uint8_t)(c & 0x60) ? 0 : '"';
                    }
                    sluice__buf_reset(&got);
                    sluice__buf_reset(&want);
                    ASSERT_EQ(
                        sluice__json_write_string(&got, (const char *)s, len),
                        SLUICE_OK);
                    reference_escape(&want, s, len);
                    ASSERT_MEM_EQ(got.p, got.n, want.p, want.n);
                    if (len == 0)
                        break;
                }
    sluice__buf_cleanup(&got);
    sluice__buf_cleanup(&want);
}

static void test_round_trip_suite(void)
{
    const char *root = getenv("SLUICE_TEST_DATA");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/jsontestsuite/test_parsing",
             root ? root : "tests/data");
    DIR *d = opendir(dir);
    ASSERT_TRUE(d != NULL);
    int files = 0, failures = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "y_", 2) != 0)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t n = 0;
        char *text = harness_read_file(path, &n);
        struct sluice_buf ev1, ev2, out1, out2;
        sluice__buf_init(&ev1, 1 << 24);
        sluice__buf_init(&ev2, 1 << 24);
        sluice__buf_init(&out1, 1 << 24);
        sluice__buf_init(&out2, 1 << 24);
        int rc1 = text ? parse_write(text, n, &ev1, &out1) : -1;
        int rc2 = parse_write(sluice__buf_str(&out1), out1.n, &ev2, &out2);
        /* same events, and writing is a fixed point after one pass */
        if (rc1 != SLUICE_OK || rc2 != SLUICE_OK || ev1.n != ev2.n ||
            memcmp(sluice__buf_str(&ev1), sluice__buf_str(&ev2), ev1.n) ||
            out1.n != out2.n ||
            memcmp(sluice__buf_str(&out1), sluice__buf_str(&out2), out1.n)) {
            fprintf(stderr, "  %s: round trip differs (%d, %d)\n", e->d_name,
                    rc1, rc2);
            failures++;
        }
        files++;
        sluice__buf_cleanup(&ev1);
        sluice__buf_cleanup(&ev2);
        sluice__buf_cleanup(&out1);
        sluice__buf_cleanup(&out2);
        sluice__free(text);
    }
    closedir(d);
    ASSERT_EQ(failures, 0);
    ASSERT_EQ(files, 95);
}

static const struct harness_test TESTS[] = {
    TEST(test_compact),
    TEST(test_string_escapes),
    TEST(test_string_escapes_every_byte_every_offset),
    TEST(test_round_trip_suite),
};
HARNESS_MAIN(TESTS)
