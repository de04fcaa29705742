/* test_parquet_thrift.c: the Thrift compact encoder against hand-computed
 * bytes, and the decoder on the same bytes, on skips and on bad input. */
#include "harness.h"
#include "parquet/thrift.h"

static const uint8_t EXPECTED[] = {
    0x15, 0x0E,                   /* 1: i32 7 (delta 1, type 5; zigzag 14) */
    0x26, 0xD7, 0x04,             /* 3: i64 -300 (delta 2; zigzag 599) */
    0x18, 0x02, 'a',  'b',        /* 4: binary "ab" */
    0x11,                         /* 5: bool true */
    0x12,                         /* 6: bool false */
    0x05, 0x50, 0x02,             /* 40: i32 1, long form (delta 34) */
    0x14, 0x03,                   /* 41: i16 -2 */
    0x1C, 0x15, 0x00, 0x00,       /* 42: struct { 1: i32 0 } */
    0x19, 0x35, 0x02, 0x04, 0x06, /* 43: list<i32> [1, 2, 3] */
    0x17, 0,    0,    0,    0,    0, 0, 0xF0, 0x3F, /* 44: double 1.0 */
    0x13, 0xFF,                                     /* 45: i8 -1 */
    0x00,                                           /* stop */
};

static int encode(struct sluice_buf *b)
{
    struct sluice_thrift_w w;
    sluice__thrift_w_init(&w, b);
    int rc = sluice__thrift_struct_begin(&w);
    rc |= sluice__thrift_field_i32(&w, 1, 7);
    rc |= sluice__thrift_field_i64(&w, 3, -300);
    rc |= sluice__thrift_field_binary(&w, 4, "ab", 2);
    rc |= sluice__thrift_field_bool(&w, 5, true);
    rc |= sluice__thrift_field_bool(&w, 6, false);
    rc |= sluice__thrift_field_i32(&w, 40, 1);
    rc |= sluice__thrift_field_i16(&w, 41, -2);
    rc |= sluice__thrift_field_struct(&w, 42);
    rc |= sluice__thrift_field_i32(&w, 1, 0);
    rc |= sluice__thrift_struct_end(&w);
    rc |= sluice__thrift_field_list(&w, 43, THRIFT_I32, 3);
    for (int i = 1; i <= 3; i++)
        rc |= sluice__thrift_elem_i32(&w, i);
    rc |= sluice__thrift_field_double(&w, 44, 1.0);
    rc |= sluice__thrift_field_i8(&w, 45, -1);
    rc |= sluice__thrift_struct_end(&w);
    return rc;
}

static void test_encoder_bytes(void)
{
    struct sluice_buf b;
    sluice__buf_init(&b, 1 << 16);
    ASSERT_EQ(encode(&b), SLUICE_OK);
    ASSERT_MEM_EQ(b.p, b.n, EXPECTED, sizeof EXPECTED);
    sluice__buf_cleanup(&b);
}

static void test_long_list_and_varints(void)
{
    struct sluice_buf b;
    sluice__buf_init(&b, 1 << 16);
    ASSERT_EQ(sluice__thrift_list_header(&b, THRIFT_BINARY, 14), SLUICE_OK);
    ASSERT_EQ(sluice__thrift_list_header(&b, THRIFT_STRUCT, 20), SLUICE_OK);
    ASSERT_EQ(sluice__thrift_list_header(&b, THRIFT_STRUCT, 300), SLUICE_OK);
    ASSERT_EQ(sluice__varint_put(&b, UINT64_MAX), SLUICE_OK);
    static const uint8_t want[] = {0xE8, 0xFC, 0x14, 0xFC, 0xAC, 0x02,
                                   0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0x01};
    ASSERT_MEM_EQ(b.p, b.n, want, sizeof want);
    ASSERT_EQ(sluice__zigzag64(INT64_MIN), UINT64_MAX);
    ASSERT_EQ(sluice__unzigzag64(UINT64_MAX), INT64_MIN);
    ASSERT_EQ(sluice__unzigzag64(sluice__zigzag64(-12345)), -12345);
    sluice__buf_cleanup(&b);
}

static void test_decoder_reads_back(void)
{
    struct sluice_err err = {{0}};
    struct sluice_thrift_r r;
    struct sluice_thrift_field f;
    int16_t last = 0;
    int64_t v;
    sluice__thrift_r_init(&r, EXPECTED, sizeof EXPECTED, &err);
    ASSERT_EQ(sluice__thrift_read_field(&r, &last, &f), SLUICE_OK);
    ASSERT_EQ(f.id, 1);
    ASSERT_EQ(sluice__thrift_read_int(&r, f.type, &v), SLUICE_OK);
    ASSERT_EQ(v, 7);
    ASSERT_EQ(sluice__thrift_read_field(&r, &last, &f), SLUICE_OK);
    ASSERT_EQ(f.id, 3);
    ASSERT_EQ(sluice__thrift_read_int(&r, f.type, &v), SLUICE_OK);
    ASSERT_EQ(v, -300);
    ASSERT_EQ(sluice__thrift_read_field(&r, &last, &f), SLUICE_OK);
    const uint8_t *p;
    size_t n;
    ASSERT_EQ(sluice__thrift_read_binary(&r, &p, &n), SLUICE_OK);
    ASSERT_MEM_EQ(p, n, "ab", 2);
    ASSERT_EQ(sluice__thrift_read_field(&r, &last, &f), SLUICE_OK);
    ASSERT_TRUE(f.id == 5 && f.bval);
    ASSERT_EQ(sluice__thrift_read_field(&r, &last, &f), SLUICE_OK);
    ASSERT_TRUE(f.id == 6 && !f.bval);
    ASSERT_EQ(sluice__thrift_read_field(&r, &last, &f), SLUICE_OK);
    ASSERT_EQ(f.id, 40);
    ASSERT_EQ(sluice__thrift_skip(&r, f.type), SLUICE_OK);
    /* Skip the rest (including the nested struct and the list). */
    for (;;) {
        ASSERT_EQ(sluice__thrift_read_field(&r, &last, &f), SLUICE_OK);
        if (f.type == THRIFT_STOP)
            break;
        if (f.id == 44) {
            double d;
            ASSERT_EQ(sluice__thrift_read_double(&r, &d), SLUICE_OK);
            ASSERT_TRUE(d == 1.0);
            continue;
        }
        ASSERT_EQ(sluice__thrift_skip(&r, f.type), SLUICE_OK);
    }
    ASSERT_EQ(f.id, 0);
    ASSERT_EQ(r.pos, sizeof EXPECTED);
}

static void test_decoder_refuses_bad_input(void)
{
    struct sluice_err err = {{0}};
    struct sluice_thrift_r r;
    /* Every strict prefix of the struct is truncated. */
    for (size_t cut = 0; cut < sizeof EXPECTED; cut++) {
        sluice__thrift_r_init(&r, EXPECTED, cut, &err);
        ASSERT_EQ(sluice__thrift_skip(&r, THRIFT_STRUCT), SLUICE_EPARQUET);
    }
    /* A list claiming more elements than bytes. */
    static const uint8_t big_list[] = {0x19, 0xF5, 0xFF, 0xFF, 0x03, 0x00};
    sluice__thrift_r_init(&r, big_list, sizeof big_list, &err);
    ASSERT_EQ(sluice__thrift_skip(&r, THRIFT_STRUCT), SLUICE_EPARQUET);
    ASSERT_TRUE(strstr(err.msg, "list longer") != NULL);
    /* Nesting beyond the limit: 40 nested struct fields. */
    uint8_t deep[80];
    memset(deep, 0x1C, 40);
    memset(deep + 40, 0x00, 40);
    sluice__thrift_r_init(&r, deep, sizeof deep, &err);
    ASSERT_EQ(sluice__thrift_skip(&r, THRIFT_STRUCT), SLUICE_EPARQUET);
    ASSERT_TRUE(strstr(err.msg, "nested") != NULL);
    /* An overlong varint. */
    static const uint8_t vl[] = {0x15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00};
    sluice__thrift_r_init(&r, vl, sizeof vl, &err);
    ASSERT_EQ(sluice__thrift_skip(&r, THRIFT_STRUCT), SLUICE_EPARQUET);
}

static void test_encoder_depth_guard(void)
{
    struct sluice_buf b;
    struct sluice_thrift_w w;
    sluice__buf_init(&b, 1 << 16);
    sluice__thrift_w_init(&w, &b);
    int rc = sluice__thrift_struct_begin(&w);
    for (int i = 0; rc == SLUICE_OK && i < 100; i++)
        rc = sluice__thrift_field_struct(&w, 1);
    ASSERT_EQ(rc, SLUICE_EPARQUET);
    sluice__buf_cleanup(&b);
}

static const struct harness_test TESTS[] = {
    TEST(test_encoder_bytes),       TEST(test_long_list_and_varints),
    TEST(test_decoder_reads_back),  TEST(test_decoder_refuses_bad_input),
    TEST(test_encoder_depth_guard),
};
HARNESS_MAIN(TESTS)
