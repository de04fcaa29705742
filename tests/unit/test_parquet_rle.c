/* test_parquet_rle.c: the RLE / bit-packed hybrid encoder against
 * hand-computed bytes (Encodings.md's own example included), and random
 * round trips through the decoder at every bit width. */
#include "harness.h"
#include "parquet/rle.h"

struct rle_case {
    const char *name;
    int width;
    size_t n;
    uint32_t v[24];
    size_t out_n;
    uint8_t out[24];
};

static const struct rle_case CASES[] = {
    /* one bit-packed group: header (1 << 1) | 1, bits LSB first */
    {"alternating w1", 1, 8, {1, 0, 1, 0, 1, 0, 1, 0}, 2, {0x03, 0x55}},
    /* Encodings.md: 0..7 at width 3 pack to 0x88 0xC6 0xFA */
    {"spec 0..7 w3",
     3,
     8,
     {0, 1, 2, 3, 4, 5, 6, 7},
     4,
     {0x03, 0x88, 0xC6, 0xFA}},
    /* an RLE run: header count << 1, value in one byte */
    {"run of 10 w1", 1, 10, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 2, {0x14, 0x01}},
    /* a short final group is zero-padded to 8 values */
    {"short tail w2", 2, 3, {1, 2, 3}, 3, {0x03, 0x39, 0x00}},
    /* literal group, then a run that starts at the group boundary */
    {"literal then run w3",
     3,
     17,
     {0, 1, 0, 1, 0, 1, 0, 1, 5, 5, 5, 5, 5, 5, 5, 5, 5},
     6,
     {0x03, 0x08, 0x82, 0x20, 0x12, 0x05}},
    /* two literal groups in one run, the second padded */
    {"two groups w2",
     2,
     9,
     {1, 2, 1, 2, 1, 2, 1, 2, 1},
     5,
     {0x05, 0x99, 0x99, 0x01, 0x00}},
    /* values wider than a byte take ceil(w/8) bytes in an RLE run */
    {"run w9",
     9,
     8,
     {300, 300, 300, 300, 300, 300, 300, 300},
     3,
     {0x10, 0x2C, 0x01}},
    {"run w32",
     32,
     8,
     {0xDEADBEEF, 0xDEADBEEF, 0xDEADBEEF, 0xDEADBEEF, 0xDEADBEEF, 0xDEADBEEF,
      0xDEADBEEF, 0xDEADBEEF},
     5,
     {0x10, 0xEF, 0xBE, 0xAD, 0xDE}},
    /* run, then a literal tail */
    {"run then tail w1",
     1,
     11,
     {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0},
     4,
     {0x12, 0x00, 0x03, 0x01}},
};

static void test_hand_computed(void)
{
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(CASES); i++) {
        const struct rle_case *c = &CASES[i];
        struct sluice_buf b;
        sluice__buf_init(&b, 1 << 16);
        ASSERT_EQ(sluice__rle_encode(&b, c->v, 4, c->n, c->width), SLUICE_OK);
        if (b.n != c->out_n || memcmp(b.p, c->out, b.n) != 0) {
            fprintf(stderr, "  case '%s': got", c->name);
            for (size_t k = 0; k < b.n; k++)
                fprintf(stderr, " %02x", (uint8_t)b.p[k]);
            fputc('\n', stderr);
        }
        ASSERT_MEM_EQ(b.p, b.n, c->out, c->out_n);
        uint32_t back[24];
        struct sluice_err err = {{0}};
        ASSERT_EQ(sluice__rle_decode(c->out, c->out_n, c->width, back, 4, c->n,
                                     NULL, &err),
                  SLUICE_OK);
        ASSERT_MEM_EQ(back, c->n * 4, c->v, c->n * 4);
        sluice__buf_cleanup(&b);
    }
}

static void test_widths(void)
{
    ASSERT_EQ(sluice__rle_width(0), 0);
    ASSERT_EQ(sluice__rle_width(1), 1);
    ASSERT_EQ(sluice__rle_width(2), 2);
    ASSERT_EQ(sluice__rle_width(3), 2);
    ASSERT_EQ(sluice__rle_width(4), 3);
    ASSERT_EQ(sluice__rle_width(7), 3);
    ASSERT_EQ(sluice__rle_width(255), 8);
    ASSERT_EQ(sluice__rle_width(UINT32_MAX), 32);
}

static uint64_t rng_state = 88172645463325252u;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)rng_state;
}

static void test_random_round_trips(void)
{
    enum { N = 3000 };
    static uint32_t v[N], back[N];
    static uint8_t v8[N], back8[N];
    for (int width = 1; width <= 32; width++) {
        uint32_t mask = width == 32 ? UINT32_MAX : (1u << width) - 1;
        for (int round = 0; round < 4; round++) {
            size_t n = 1 + rnd() % N;
            /* mix runs of random length with noise */
            for (size_t i = 0; i < n;) {
                uint32_t x = rnd() & mask;
                size_t run = rnd() % 4 == 0 ? 1 + rnd() % 40 : 1;
                for (size_t k = 0; k < run && i < n; k++)
                    v[i++] = round == 3 ? x : rnd() & mask;
            }
            struct sluice_buf b;
            struct sluice_err err = {{0}};
            sluice__buf_init(&b, 1 << 20);
            ASSERT_EQ(sluice__rle_encode(&b, v, 4, n, width), SLUICE_OK);
            size_t used = 0;
            ASSERT_EQ(sluice__rle_decode((const uint8_t *)b.p, b.n, width, back,
                                         4, n, &used, &err),
                      SLUICE_OK);
            ASSERT_EQ(used, b.n);
            ASSERT_MEM_EQ(back, n * 4, v, n * 4);
            /* Cutting the encoding short must fail, never over-read. */
            ASSERT_EQ(sluice__rle_decode((const uint8_t *)b.p, b.n - 1, width,
                                         back, 4, n, NULL, &err),
                      SLUICE_EPARQUET);
            if (width <= 8) {
                for (size_t i = 0; i < n; i++)
                    v8[i] = (uint8_t)v[i];
                sluice__buf_reset(&b);
                ASSERT_EQ(sluice__rle_encode(&b, v8, 1, n, width), SLUICE_OK);
                ASSERT_EQ(sluice__rle_decode((const uint8_t *)b.p, b.n, width,
                                             back8, 1, n, NULL, &err),
                          SLUICE_OK);
                ASSERT_MEM_EQ(back8, n, v8, n);
            }
            sluice__buf_cleanup(&b);
        }
    }
}

static void test_decoder_rejects(void)
{
    struct sluice_err err = {{0}};
    uint32_t out[16];
    static const uint8_t empty_run[] = {0x00, 0x01};
    ASSERT_EQ(sluice__rle_decode(empty_run, 2, 1, out, 4, 1, NULL, &err),
              SLUICE_EPARQUET);
    static const uint8_t too_wide[] = {0x10, 0x05}; /* 5 at width 2 */
    ASSERT_EQ(sluice__rle_decode(too_wide, 2, 2, out, 4, 8, NULL, &err),
              SLUICE_EPARQUET);
    static const uint8_t short_data[] = {0x04, 0x01}; /* 2 values, want 3 */
    ASSERT_EQ(sluice__rle_decode(short_data, 2, 1, out, 4, 3, NULL, &err),
              SLUICE_EPARQUET);
    ASSERT_EQ(sluice__rle_decode(short_data, 2, 33, out, 4, 1, NULL, &err),
              SLUICE_EPARQUET);
}

static const struct harness_test TESTS[] = {
    TEST(test_hand_computed),
    TEST(test_widths),
    TEST(test_random_round_trips),
    TEST(test_decoder_rejects),
};
HARNESS_MAIN(TESTS)
