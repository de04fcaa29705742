/* test_parquet_writer.c: writer behaviour beyond plain round trips: empty
 * and all-null files, statistics and footer fields, every codec, dictionary
 * fallback, row-group splitting, input checks, determinism, and the reader
 * surviving every truncation and byte flip of a file. */
#include "test_parquet_helpers.h"

#include "parquet/format.h"
#include "parquet/values.h"

#include <math.h>

static struct sluice_pq_schema *schema_lsd(void)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_schema *s = new_schema();
    int id, rc = s ? SLUICE_OK : SLUICE_ENOMEM;
    if (rc == SLUICE_OK)
        rc = sluice__pq_schema_add_leaf(s, 0, "l", SLUICE_PQ_OPTIONAL,
                                        SLUICE_PQ_INT64, SLUICE_PQ_LT_NONE, &id,
                                        &err);
    if (rc == SLUICE_OK)
        rc = sluice__pq_schema_add_leaf(s, 0, "s", SLUICE_PQ_OPTIONAL,
                                        SLUICE_PQ_BYTE_ARRAY,
                                        SLUICE_PQ_LT_STRING, &id, &err);
    if (rc == SLUICE_OK)
        rc = sluice__pq_schema_add_leaf(s, 0, "d", SLUICE_PQ_OPTIONAL,
                                        SLUICE_PQ_DOUBLE, SLUICE_PQ_LT_NONE,
                                        &id, &err);
    if (rc != SLUICE_OK) {
        sluice__pq_schema_free(s);
        s = NULL;
    }
    return s;
}

/* Row i: l = i % 7 (null every 5th), s = "k" + (i % 13), d = i / 4. */
static int write_rows(struct sluice_pq_schema *s,
                      const struct sluice_pq_options *o, size_t rows,
                      struct sluice_buf *file, struct sluice_buf *want)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_writer *w = NULL;
    int rc = sluice__pq_writer_new(&w, s, o, mem_sink, file, &err);
    char str[32];
    for (size_t i = 0; rc == SLUICE_OK && i < rows; i++) {
        bool null = i % 5 == 0;
        snprintf(str, sizeof str, "k%zu", i % 13);
        rc = sluice__pq_append(w, 0, null ? 0 : 1, 0,
                               null ? NULL : V_I64((int64_t)(i % 7)));
        if (rc == SLUICE_OK)
            rc = sluice__pq_append(w, 1, 1, 0, V_STR(str));
        if (rc == SLUICE_OK)
            rc = sluice__pq_append(w, 2, 1, 0, V_DBL((double)i / 4));
        if (rc == SLUICE_OK)
            rc = sluice__pq_row_end(w);
        if (rc == SLUICE_OK && want) {
            if (null)
                rc = sluice__buf_appendf(want, "{\"l\":null,");
            else
                rc = sluice__buf_appendf(want, "{\"l\":%zu,", i % 7);
            if (rc == SLUICE_OK)
                rc = sluice__buf_appendf(want, "\"s\":\"%s\",\"d\":", str);
            if (rc == SLUICE_OK)
                rc = sluice__pq_fmt_double(want, (double)i / 4);
            if (rc == SLUICE_OK)
                rc = sluice__buf_adds(want, "}\n");
        }
    }
    if (rc == SLUICE_OK)
        rc = sluice__pq_finish(w);
    if (rc != SLUICE_OK && w)
        fprintf(stderr, "  writer: %s\n", sluice__pq_writer_error(w));
    sluice__pq_writer_free(w);
    return rc;
}

static struct sluice_pq_reader *open_file(const struct sluice_buf *file)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_reader *r = NULL;
    if (sluice__pq_reader_open_mem(&r, file->p, file->n, &err) != SLUICE_OK)
        fprintf(stderr, "  open: %s\n", err.msg);
    return r;
}

static void test_empty_file(void)
{
    struct sluice_pq_schema *s = schema_lsd();
    ASSERT_TRUE(s);
    struct sluice_buf file, json;
    sluice__buf_init(&file, 1 << 20);
    sluice__buf_init(&json, 1 << 20);
    ASSERT_EQ(write_rows(s, NULL, 0, &file, NULL), SLUICE_OK);
    ASSERT_TRUE(file.n > 12);
    ASSERT_TRUE(memcmp(file.p, "PAR1", 4) == 0);
    ASSERT_TRUE(memcmp(file.p + file.n - 4, "PAR1", 4) == 0);
    struct sluice_pq_reader *r = open_file(&file);
    ASSERT_TRUE(r);
    ASSERT_EQ(sluice__pq_reader_num_rows(r), 0);
    ASSERT_EQ(sluice__pq_reader_num_row_groups(r), 0);
    ASSERT_EQ(sluice__pq_reader_schema(r)->nleaves, 3);
    ASSERT_EQ(sluice__pq_reader_json(r, &json), SLUICE_OK);
    ASSERT_EQ(json.n, 0);
    sluice__pq_reader_free(r);
    sluice__buf_cleanup(&json);
    sluice__buf_cleanup(&file);
    sluice__pq_schema_free(s);
}

static void test_all_null_column(void)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_schema *s = schema_lsd();
    ASSERT_TRUE(s);
    struct sluice_buf file, json;
    sluice__buf_init(&file, 1 << 20);
    sluice__buf_init(&json, 1 << 20);
    struct sluice_pq_writer *w = NULL;
    ASSERT_EQ(sluice__pq_writer_new(&w, s, NULL, mem_sink, &file, &err),
              SLUICE_OK);
    for (int i = 0; i < 1000; i++) {
        for (size_t c = 0; c < 3; c++)
            W_OK(w, sluice__pq_append(w, c, 0, 0, NULL));
        W_OK(w, sluice__pq_row_end(w));
    }
    W_OK(w, sluice__pq_finish(w));
    sluice__pq_writer_free(w);
    struct sluice_pq_reader *r = open_file(&file);
    ASSERT_TRUE(r);
    for (size_t c = 0; c < 3; c++) {
        const struct sluice_pq_chunk_meta *m = sluice__pq_reader_chunk(r, 0, c);
        /* no (empty) dictionary page for an all-null chunk */
        ASSERT_EQ(m->dictionary_page_offset, -1);
        ASSERT_EQ(m->encodings, (1u << PQ_ENC_PLAIN) | (1u << PQ_ENC_RLE));
        ASSERT_EQ(m->null_count, 1000);
        ASSERT_EQ(m->num_values, 1000);
        ASSERT_TRUE(!m->has_min && !m->has_max);
    }
    ASSERT_EQ(sluice__pq_reader_json(r, &json), SLUICE_OK);
    ASSERT_EQ(json.n, 1000 * strlen("{\"l\":null,\"s\":null,\"d\":null}\n"));
    ASSERT_TRUE(strncmp(json.p, "{\"l\":null,\"s\":null,\"d\":null}\n", 29) ==
                0);
    sluice__pq_reader_free(r);
    sluice__buf_cleanup(&json);
    sluice__buf_cleanup(&file);
    sluice__pq_schema_free(s);
}

static void test_statistics_and_layout(void)
{
    struct sluice_pq_schema *s = schema_lsd();
    ASSERT_TRUE(s);
    struct sluice_buf file, json, want;
    sluice__buf_init(&file, 1 << 20);
    sluice__buf_init(&json, 1 << 20);
    sluice__buf_init(&want, 1 << 20);
    ASSERT_EQ(write_rows(s, NULL, 100, &file, &want), SLUICE_OK);
    ASSERT_EQ(dump_json(&file, &json), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&json), sluice__buf_str(&want));
    struct sluice_pq_reader *r = open_file(&file);
    ASSERT_TRUE(r);
    const struct sluice_pq_chunk_meta *l = sluice__pq_reader_chunk(r, 0, 0);
    const struct sluice_pq_chunk_meta *st = sluice__pq_reader_chunk(r, 0, 1);
    const struct sluice_pq_chunk_meta *d = sluice__pq_reader_chunk(r, 0, 2);
    /* int64: 7 distinct values pay for a dictionary */
    ASSERT_EQ(l->null_count, 20);
    ASSERT_EQ(l->dictionary_page_offset, 4);
    ASSERT_TRUE(l->data_page_offset > 4);
    ASSERT_TRUE(l->encodings & (1u << PQ_ENC_RLE_DICTIONARY));
    ASSERT_TRUE(l->has_min && l->min_n == 8 && l->min_exact);
    ASSERT_EQ((int64_t)pq_get_u64le(l->min), 0);
    ASSERT_EQ((int64_t)pq_get_u64le(l->max), 6);
    /* strings: unsigned byte order, "k9" > "k12" */
    ASSERT_EQ(st->null_count, 0);
    ASSERT_MEM_EQ(st->min, st->min_n, "k0", 2);
    ASSERT_MEM_EQ(st->max, st->max_n, "k9", 2);
    ASSERT_TRUE(st->dictionary_page_offset > 0);
    /* 100 distinct doubles: a dictionary would not pay, PLAIN from the start */
    ASSERT_EQ(d->dictionary_page_offset, -1);
    ASSERT_TRUE(!(d->encodings & (1u << PQ_ENC_RLE_DICTIONARY)));
    ASSERT_EQ(d->nan_count, 0);
    ASSERT_EQ(pq_get_u64le(d->min), pq_double_bits(-0.0)); /* zero as -0 */
    ASSERT_TRUE(pq_bits_double(pq_get_u64le(d->max)) == 99.0 / 4);
    /* Chunks are back to back from byte 4 to the footer. */
    int64_t at = 4;
    for (size_t c = 0; c < 3; c++) {
        const struct sluice_pq_chunk_meta *m = sluice__pq_reader_chunk(r, 0, c);
        int64_t start = m->dictionary_page_offset > 0
                            ? m->dictionary_page_offset
                            : m->data_page_offset;
        ASSERT_EQ(start, at);
        ASSERT_EQ(m->codec, PQ_CODEC_ZSTD);
        ASSERT_TRUE(m->total_uncompressed > 0);
        at += m->total_compressed;
    }
    uint32_t footer = pq_get_u32le((const uint8_t *)file.p + file.n - 8);
    ASSERT_EQ((uint64_t)at, file.n - 8 - footer);
    sluice__pq_reader_free(r);
    sluice__buf_cleanup(&want);
    sluice__buf_cleanup(&json);
    sluice__buf_cleanup(&file);
    sluice__pq_schema_free(s);
}

static void test_double_stats_nan_and_zero(void)
{
    struct sluice_err err = {{0}};
    static const double vals[2][3] = {{NAN, 0.0, 3.0}, {NAN, NAN, NAN}};
    for (int k = 0; k < 2; k++) {
        struct sluice_pq_schema *s = schema_lsd();
        ASSERT_TRUE(s);
        struct sluice_buf file;
        sluice__buf_init(&file, 1 << 20);
        struct sluice_pq_writer *w = NULL;
        ASSERT_EQ(sluice__pq_writer_new(&w, s, NULL, mem_sink, &file, &err),
                  SLUICE_OK);
        for (int i = 0; i < 3; i++) {
            W_OK(w, sluice__pq_append(w, 0, 0, 0, NULL));
            W_OK(w, sluice__pq_append(w, 1, 0, 0, NULL));
            W_OK(w, sluice__pq_append(w, 2, 1, 0, V_DBL(vals[k][i])));
            W_OK(w, sluice__pq_row_end(w));
        }
        W_OK(w, sluice__pq_finish(w));
        sluice__pq_writer_free(w);
        struct sluice_pq_reader *r = open_file(&file);
        ASSERT_TRUE(r);
        const struct sluice_pq_chunk_meta *d = sluice__pq_reader_chunk(r, 0, 2);
        if (k == 0) {
            ASSERT_EQ(d->nan_count, 1);
            ASSERT_EQ(pq_get_u64le(d->min), pq_double_bits(-0.0));
            ASSERT_TRUE(pq_bits_double(pq_get_u64le(d->max)) == 3.0);
        } else {
            ASSERT_EQ(d->nan_count, 3);
            ASSERT_TRUE(!d->has_min && !d->has_max);
        }
        struct sluice_buf json;
        sluice__buf_init(&json, 1 << 20);
        ASSERT_EQ(sluice__pq_reader_json(r, &json), SLUICE_OK);
        ASSERT_TRUE(strstr(json.p, "\"d\":\"NaN\""));
        sluice__buf_cleanup(&json);
        sluice__pq_reader_free(r);
        sluice__buf_cleanup(&file);
        sluice__pq_schema_free(s);
    }
}

static void test_every_codec(void)
{
    static const struct {
        enum sluice_pq_codec codec;
        int level, wire;
    } c[] = {
        {SLUICE_PQ_CODEC_ZSTD, 0, PQ_CODEC_ZSTD},
        {SLUICE_PQ_CODEC_ZSTD, 19, PQ_CODEC_ZSTD},
        {SLUICE_PQ_CODEC_SNAPPY, 0, PQ_CODEC_SNAPPY},
        {SLUICE_PQ_CODEC_GZIP, 0, PQ_CODEC_GZIP},
        {SLUICE_PQ_CODEC_GZIP, 9, PQ_CODEC_GZIP},
        {SLUICE_PQ_CODEC_NONE, 0, PQ_CODEC_UNCOMPRESSED},
    };
    size_t sizes[SLUICE_ARRAY_LEN(c)];
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(c); i++) {
        struct sluice_pq_schema *s = schema_lsd();
        ASSERT_TRUE(s);
        struct sluice_pq_options o = {
            .codec = c[i].codec, .level = c[i].level, .page_bytes = 4096};
        struct sluice_buf file, json, want;
        sluice__buf_init(&file, 1 << 24);
        sluice__buf_init(&json, 1 << 24);
        sluice__buf_init(&want, 1 << 24);
        ASSERT_EQ(write_rows(s, &o, 5000, &file, &want), SLUICE_OK);
        ASSERT_EQ(dump_json(&file, &json), SLUICE_OK);
        ASSERT_STR_EQ(sluice__buf_str(&json), sluice__buf_str(&want));
        struct sluice_pq_reader *r = open_file(&file);
        ASSERT_TRUE(r);
        ASSERT_EQ(sluice__pq_reader_chunk(r, 0, 1)->codec, c[i].wire);
        sluice__pq_reader_free(r);
        sizes[i] = file.n;
        sluice__buf_cleanup(&want);
        sluice__buf_cleanup(&json);
        sluice__buf_cleanup(&file);
        sluice__pq_schema_free(s);
    }
    /* Compression actually happened. */
    for (size_t i = 0; i + 1 < SLUICE_ARRAY_LEN(c); i++)
        ASSERT_TRUE(sizes[i] < sizes[SLUICE_ARRAY_LEN(c) - 1]);
}

/* Strings: `shared` rows from 10 values, then unique ones. */
static void write_strings(struct sluice_pq_schema *s,
                          const struct sluice_pq_options *o, size_t shared,
                          size_t total, struct sluice_buf *file,
                          struct sluice_buf *want)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_writer *w = NULL;
    char str[48];
    ASSERT_EQ(sluice__pq_writer_new(&w, s, o, mem_sink, file, &err), SLUICE_OK);
    for (size_t i = 0; i < total; i++) {
        if (i < shared)
            snprintf(str, sizeof str, "shared-%zu", i % 10);
        else
            snprintf(str, sizeof str, "unique-value-%zu", i);
        W_OK(w, sluice__pq_append(w, 0, 0, 0, NULL));
        W_OK(w, sluice__pq_append(w, 1, 1, 0, V_STR(str)));
        W_OK(w, sluice__pq_append(w, 2, 0, 0, NULL));
        W_OK(w, sluice__pq_row_end(w));
        ASSERT_EQ(sluice__buf_appendf(
                      want, "{\"l\":null,\"s\":\"%s\",\"d\":null}\n", str),
                  SLUICE_OK);
    }
    W_OK(w, sluice__pq_finish(w));
    sluice__pq_writer_free(w);
}

static void test_dictionary_fallback(void)
{
    /* shared: dictionary pages are written first, then the dictionary
     * outgrows its bound and later pages are PLAIN; none: the bound is hit
     * before the first page, so the chunk is PLAIN without a dictionary. */
    static const struct {
        size_t shared;
        bool keeps_dict;
    } c[] = {{1000, true}, {0, false}};
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(c); i++) {
        struct sluice_pq_schema *s = schema_lsd();
        ASSERT_TRUE(s);
        struct sluice_pq_options o = {.page_bytes = 256,
                                      .dict_max_bytes = 300,
                                      .codec = SLUICE_PQ_CODEC_SNAPPY};
        if (!c[i].keeps_dict)
            o.page_bytes = 1 << 20;
        struct sluice_buf file, json, want;
        sluice__buf_init(&file, 1 << 24);
        sluice__buf_init(&json, 1 << 24);
        sluice__buf_init(&want, 1 << 24);
        write_strings(s, &o, c[i].shared, 3000, &file, &want);
        ASSERT_EQ(dump_json(&file, &json), SLUICE_OK);
        ASSERT_STR_EQ(sluice__buf_str(&json), sluice__buf_str(&want));
        struct sluice_pq_reader *r = open_file(&file);
        ASSERT_TRUE(r);
        const struct sluice_pq_chunk_meta *m = sluice__pq_reader_chunk(r, 0, 1);
        ASSERT_TRUE(m->encodings & (1u << PQ_ENC_PLAIN));
        if (c[i].keeps_dict) {
            ASSERT_TRUE(m->dictionary_page_offset > 0);
            ASSERT_TRUE(m->data_page_offset > m->dictionary_page_offset);
            ASSERT_TRUE(m->encodings & (1u << PQ_ENC_RLE_DICTIONARY));
        } else {
            ASSERT_EQ(m->dictionary_page_offset, -1);
            ASSERT_TRUE(!(m->encodings & (1u << PQ_ENC_RLE_DICTIONARY)));
        }
        sluice__pq_reader_free(r);
        sluice__buf_cleanup(&want);
        sluice__buf_cleanup(&json);
        sluice__buf_cleanup(&file);
        sluice__pq_schema_free(s);
    }
}

static void test_row_groups_split_at_bound(void)
{
    struct sluice_pq_schema *s = schema_lsd();
    ASSERT_TRUE(s);
    struct sluice_pq_options o = {.row_group_bytes = 1000};
    struct sluice_buf file, json, want;
    sluice__buf_init(&file, 1 << 24);
    sluice__buf_init(&json, 1 << 24);
    sluice__buf_init(&want, 1 << 24);
    ASSERT_EQ(write_rows(s, &o, 2000, &file, &want), SLUICE_OK);
    ASSERT_EQ(dump_json(&file, &json), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&json), sluice__buf_str(&want));
    struct sluice_pq_reader *r = open_file(&file);
    ASSERT_TRUE(r);
    size_t n = sluice__pq_reader_num_row_groups(r);
    ASSERT_TRUE(n > 20);
    uint64_t sum = 0;
    for (size_t g = 0; g < n; g++) {
        uint64_t rows = sluice__pq_reader_row_group_rows(r, g);
        /* ~30 bytes a row: a group holds what fits under 1000 bytes + 1 row */
        if (!(rows > 0 && rows <= 45))
            fprintf(stderr, "  group %zu: %llu rows\n", g,
                    (unsigned long long)rows);
        ASSERT_TRUE(rows > 0 && rows <= 45);
        ASSERT_EQ(sluice__pq_reader_chunk(r, g, 0)->num_values, (int64_t)rows);
        sum += rows;
    }
    ASSERT_EQ(sum, 2000);
    ASSERT_EQ(sluice__pq_reader_num_rows(r), 2000);
    sluice__pq_reader_free(r);
    sluice__buf_cleanup(&want);
    sluice__buf_cleanup(&json);
    sluice__buf_cleanup(&file);
    sluice__pq_schema_free(s);
}

static int failing_sink(void *ud, const void *p, size_t n)
{
    (void)p;
    size_t *budget = ud;
    if (n > *budget)
        return -1;
    *budget -= n;
    return 0;
}

static void test_input_checks(void)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_schema *s = new_schema();
    int list, id;
    ASSERT_EQ(
        sluice__pq_schema_add_list(s, 0, "t", SLUICE_PQ_OPTIONAL, &list, &err),
        SLUICE_OK);
    ASSERT_EQ(sluice__pq_schema_add_leaf(s, list, "element", SLUICE_PQ_OPTIONAL,
                                         SLUICE_PQ_INT64, SLUICE_PQ_LT_NONE,
                                         &id, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__pq_schema_add_leaf(s, 0, "x", SLUICE_PQ_REQUIRED,
                                         SLUICE_PQ_INT64, SLUICE_PQ_LT_NONE,
                                         &id, &err),
              SLUICE_OK);
    /* schema mistakes */
    ASSERT_EQ(sluice__pq_schema_add_leaf(s, 0, "x", SLUICE_PQ_OPTIONAL,
                                         SLUICE_PQ_INT64, SLUICE_PQ_LT_NONE,
                                         &id, &err),
              SLUICE_EINVAL);
    ASSERT_TRUE(strstr(err.msg, "duplicate"));
    ASSERT_EQ(sluice__pq_schema_add_leaf(s, 0, "", SLUICE_PQ_OPTIONAL,
                                         SLUICE_PQ_INT64, SLUICE_PQ_LT_NONE,
                                         &id, &err),
              SLUICE_EINVAL);
    ASSERT_EQ(sluice__pq_schema_add_leaf(s, 0, "y", SLUICE_PQ_OPTIONAL,
                                         SLUICE_PQ_INT64, SLUICE_PQ_LT_STRING,
                                         &id, &err),
              SLUICE_EINVAL);
    ASSERT_EQ(sluice__pq_schema_add_leaf(s, id, "z", SLUICE_PQ_OPTIONAL,
                                         SLUICE_PQ_INT64, SLUICE_PQ_LT_NONE,
                                         &id, &err),
              SLUICE_EINVAL); /* parent is a leaf */

    struct sluice_buf file;
    sluice__buf_init(&file, 1 << 20);
    struct sluice_pq_writer *w = NULL;
    ASSERT_EQ(sluice__pq_writer_new(&w, s, NULL, mem_sink, &file, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__pq_schema_add_leaf(s, 0, "late", SLUICE_PQ_OPTIONAL,
                                         SLUICE_PQ_INT64, SLUICE_PQ_LT_NONE,
                                         &id, &err),
              SLUICE_EINVAL); /* frozen */
    ASSERT_EQ(sluice__pq_append(w, 0, 4, 0, NULL), SLUICE_EINVAL);
    ASSERT_EQ(sluice__pq_append(w, 0, 3, 0, NULL), SLUICE_EINVAL);
    ASSERT_EQ(sluice__pq_append(w, 0, 2, 0, V_I64(1)), SLUICE_EINVAL);
    ASSERT_EQ(sluice__pq_append(w, 0, 3, 2, V_I64(1)), SLUICE_EINVAL);
    ASSERT_EQ(sluice__pq_append(w, 0, 3, 1, V_I64(1)), SLUICE_EINVAL);
    ASSERT_TRUE(strstr(sluice__pq_writer_error(w), "before the record"));
    ASSERT_EQ(sluice__pq_append(w, 2, 0, 0, V_I64(1)), SLUICE_EINVAL);
    W_OK(w, sluice__pq_append(w, 0, 3, 0, V_I64(1)));
    ASSERT_EQ(sluice__pq_append(w, 0, 3, 0, V_I64(1)), SLUICE_EINVAL);
    ASSERT_TRUE(strstr(sluice__pq_writer_error(w), "second record start"));
    ASSERT_EQ(sluice__pq_append(w, 0, 1, 1, NULL), SLUICE_EINVAL); /* def<2 */
    W_OK(w, sluice__pq_append(w, 0, 2, 1, NULL));
    W_OK(w, sluice__pq_append(w, 1, 0, 0, V_I64(5)));
    W_OK(w, sluice__pq_row_end(w));
    /* a record missing a column fails the writer */
    W_OK(w, sluice__pq_append(w, 1, 0, 0, V_I64(6)));
    ASSERT_EQ(sluice__pq_row_end(w), SLUICE_EINVAL);
    ASSERT_TRUE(
        strstr(sluice__pq_writer_error(w), "column 0 't.list.element'"));
    ASSERT_EQ(sluice__pq_finish(w), SLUICE_EINVAL);
    sluice__pq_writer_free(w);

    /* A failing write callback surfaces as SLUICE_EIO. */
    for (size_t budget0 = 0; budget0 < 200; budget0 += 7) {
        size_t budget = budget0;
        w = NULL;
        int rc =
            sluice__pq_writer_new(&w, s, NULL, failing_sink, &budget, &err);
        if (rc == SLUICE_OK) {
            W_OK(w, sluice__pq_append(w, 0, 0, 0, NULL));
            W_OK(w, sluice__pq_append(w, 1, 0, 0, V_I64(5)));
            W_OK(w, sluice__pq_row_end(w));
            rc = sluice__pq_finish(w);
            sluice__pq_writer_free(w);
        }
        if (budget0 < 150) /* the file is bigger than that */
            ASSERT_EQ(rc, SLUICE_EIO);
    }
    sluice__buf_cleanup(&file);
    sluice__pq_schema_free(s);

    /* A group without fields and a bad LIST are refused at freeze. */
    s = new_schema();
    ASSERT_EQ(sluice__pq_schema_add_group(s, 0, "g", SLUICE_PQ_OPTIONAL,
                                          SLUICE_PQ_LT_NONE, &id, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__pq_writer_new(&w, s, NULL, mem_sink, &file, &err),
              SLUICE_EINVAL);
    ASSERT_TRUE(strstr(err.msg, "has no fields"));
    sluice__pq_schema_free(s);
    s = new_schema();
    ASSERT_EQ(sluice__pq_schema_add_group(s, 0, "g", SLUICE_PQ_OPTIONAL,
                                          SLUICE_PQ_LT_LIST, &list, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__pq_schema_add_leaf(s, list, "e", SLUICE_PQ_OPTIONAL,
                                         SLUICE_PQ_INT64, SLUICE_PQ_LT_NONE,
                                         &id, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__pq_writer_new(&w, s, NULL, mem_sink, &file, &err),
              SLUICE_EINVAL);
    ASSERT_TRUE(strstr(err.msg, "LIST"));
    sluice__pq_schema_free(s);
}

static void test_deterministic_output(void)
{
    struct sluice_pq_schema *s = schema_lsd();
    ASSERT_TRUE(s);
    struct sluice_buf a, b;
    sluice__buf_init(&a, 1 << 24);
    sluice__buf_init(&b, 1 << 24);
    ASSERT_EQ(write_rows(s, NULL, 3000, &a, NULL), SLUICE_OK);
    ASSERT_EQ(write_rows(s, NULL, 3000, &b, NULL), SLUICE_OK);
    ASSERT_MEM_EQ(a.p, a.n, b.p, b.n);
    sluice__buf_cleanup(&a);
    sluice__buf_cleanup(&b);
    sluice__pq_schema_free(s);
}

/* Every truncation fails cleanly; every single-byte change either fails
 * cleanly or reads; nothing reads outside the buffer (ASan watches). */
static void test_reader_survives_corruption(void)
{
    static const enum sluice_pq_codec codecs[] = {SLUICE_PQ_CODEC_NONE,
                                                  SLUICE_PQ_CODEC_ZSTD};
    for (size_t k = 0; k < SLUICE_ARRAY_LEN(codecs); k++) {
        struct sluice_pq_schema *s = schema_lsd();
        ASSERT_TRUE(s);
        struct sluice_pq_options o = {.codec = codecs[k], .page_bytes = 64};
        struct sluice_buf file, json;
        sluice__buf_init(&file, 1 << 20);
        sluice__buf_init(&json, 1 << 24);
        ASSERT_EQ(write_rows(s, &o, 40, &file, NULL), SLUICE_OK);
        uint8_t *copy = malloc(file.n);
        ASSERT_TRUE(copy);
        size_t ok = 0, failed = 0;
        for (size_t cut = 0; cut < file.n; cut++) {
            struct sluice_err err = {{0}};
            struct sluice_pq_reader *r = NULL;
            /* a heap copy of exactly `cut` bytes so ASan sees over-reads */
            uint8_t *t = malloc(cut ? cut : 1);
            ASSERT_TRUE(t);
            memcpy(t, file.p, cut);
            ASSERT_TRUE(sluice__pq_reader_open_mem(&r, t, cut, &err) !=
                        SLUICE_OK);
            free(t);
        }
        for (size_t pos = 0; pos < file.n; pos++) {
            for (int flip = 0; flip < 2; flip++) {
                memcpy(copy, file.p, file.n);
                copy[pos] =
                    flip ? (uint8_t)(copy[pos] + 1) : (uint8_t)~copy[pos];
                struct sluice_err err = {{0}};
                struct sluice_pq_reader *r = NULL;
                int rc = sluice__pq_reader_open_mem(&r, copy, file.n, &err);
                if (rc == SLUICE_OK) {
                    sluice__buf_reset(&json);
                    rc = sluice__pq_reader_json(r, &json);
                    sluice__pq_reader_free(r);
                }
                ASSERT_TRUE(rc == SLUICE_OK || rc == SLUICE_EPARQUET ||
                            rc == SLUICE_ETOOBIG);
                if (rc == SLUICE_OK)
                    ok++;
                else
                    failed++;
            }
        }
        ASSERT_TRUE(failed > 0 && ok > 0);
        free(copy);
        sluice__buf_cleanup(&json);
        sluice__buf_cleanup(&file);
        sluice__pq_schema_free(s);
    }
}

struct src_ctx {
    const struct sluice_buf *file;
    size_t reads, fail_after;
};

static int src_read(void *ud, uint64_t off, void *dst, size_t n)
{
    struct src_ctx *c = ud;
    if (++c->reads > c->fail_after || off > c->file->n || n > c->file->n - off)
        return -1;
    memcpy(dst, c->file->p + off, n);
    return 0;
}

static void test_reader_callback_source(void)
{
    struct sluice_pq_schema *s = schema_lsd();
    ASSERT_TRUE(s);
    struct sluice_pq_options o = {.row_group_bytes = 2000};
    struct sluice_buf file, json, want;
    sluice__buf_init(&file, 1 << 22);
    sluice__buf_init(&json, 1 << 22);
    sluice__buf_init(&want, 1 << 22);
    ASSERT_EQ(write_rows(s, &o, 500, &file, &want), SLUICE_OK);
    struct src_ctx c = {&file, 0, SIZE_MAX};
    struct sluice_pq_source src = {src_read, &c, file.n};
    struct sluice_err err = {{0}};
    struct sluice_pq_reader *r = NULL;
    ASSERT_EQ(sluice__pq_reader_open(&r, &src, &err), SLUICE_OK);
    ASSERT_EQ(sluice__pq_reader_json(r, &json), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&json), sluice__buf_str(&want));
    sluice__pq_reader_free(r);
    /* one read per chunk after the three for the footer */
    size_t groups_reads = c.reads - 3;
    ASSERT_TRUE(groups_reads % 3 == 0 && groups_reads >= 6);
    /* A failing callback is SLUICE_EIO, at open or while reading. */
    for (size_t k = 0; k < c.reads; k++) {
        struct src_ctx f = {&file, 0, k};
        struct sluice_pq_source fs = {src_read, &f, file.n};
        r = NULL;
        int rc = sluice__pq_reader_open(&r, &fs, &err);
        if (rc == SLUICE_OK) {
            sluice__buf_reset(&json);
            rc = sluice__pq_reader_json(r, &json);
            ASSERT_TRUE(strstr(sluice__pq_reader_error(r), "failed"));
            sluice__pq_reader_free(r);
        }
        ASSERT_EQ(rc, SLUICE_EIO);
    }
    sluice__buf_cleanup(&want);
    sluice__buf_cleanup(&json);
    sluice__buf_cleanup(&file);
    sluice__pq_schema_free(s);
}

static const struct harness_test TESTS[] = {
    TEST(test_reader_callback_source),
    TEST(test_empty_file),
    TEST(test_all_null_column),
    TEST(test_statistics_and_layout),
    TEST(test_double_stats_nan_and_zero),
    TEST(test_every_codec),
    TEST(test_dictionary_fallback),
    TEST(test_row_groups_split_at_bound),
    TEST(test_input_checks),
    TEST(test_deterministic_output),
    TEST(test_reader_survives_corruption),
};
HARNESS_MAIN(TESTS)
