/* pq_reader.h: a small Parquet reader for what sluice writes: `sluice cat`,
 * `sluice schema` and the tests' canonical dumps.
 *
 * It reads through a pread-like callback (or from memory), parses the
 * footer and schema, and turns a row group into JSON text: one object per
 * record and line. It supports v1 data pages with PLAIN and RLE_DICTIONARY
 * values, RLE levels, and UNCOMPRESSED/SNAPPY/GZIP/ZSTD; anything else is
 * SLUICE_EPARQUET with a message naming the row group, column and page.
 * Every length and offset from the file is checked before use: a corrupt
 * file yields an error, never a read outside the file or a buffer.
 *
 * JSON forms: missing optional values are null; LIST groups (and bare
 * repeated fields) are arrays; other groups are objects; DATE is
 * "YYYY-MM-DD"; TIMESTAMP is "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (fraction only
 * when non-zero, trailing zeros dropped, no Z when not UTC-adjusted); JSON
 * columns are embedded as is; doubles print their shortest exact form with
 * a '.' or exponent ("NaN"/"Infinity" as strings). One thread at a time. */
#ifndef SLUICE_PARQUET_READER_H
#define SLUICE_PARQUET_READER_H

#include "parquet/pq_schema.h"

/* Reads exactly n bytes at offset off into dst; 0 on success. */
typedef int (*sluice_pq_read_fn)(void *ud, uint64_t off, void *dst, size_t n);

struct sluice_pq_source {
    sluice_pq_read_fn read;
    void *ud;
    uint64_t size; /* file size in bytes */
};

/* Limits against hostile files. */
#define SLUICE_PQ_MAX_FOOTER ((size_t)64 << 20)
#define SLUICE_PQ_MAX_PAGE ((size_t)1 << 30)
#define SLUICE_PQ_MAX_CHUNK ((size_t)2 << 30)

/* What the footer says about one column chunk (for tests and tools). */
struct sluice_pq_chunk_meta {
    int type, codec;
    int64_t num_values;
    int64_t total_uncompressed, total_compressed;
    int64_t data_page_offset;
    int64_t dictionary_page_offset; /* -1 when absent */
    int64_t null_count;             /* -1 when absent */
    int64_t nan_count;              /* -1 when absent */
    bool has_min, has_max, min_exact, max_exact;
    const uint8_t *min, *max; /* into the footer, valid while open */
    size_t min_n, max_n;
    uint32_t encodings; /* bit (1 << encoding) for each listed */
};

struct sluice_pq_reader;

/* Reads and checks the footer. The source is borrowed and must stay valid
 * until _free. SLUICE_EPARQUET (detail in err) for a malformed or
 * unsupported file, SLUICE_EIO if the callback fails, SLUICE_ENOMEM. */
SLUICE_NODISCARD int sluice__pq_reader_open(struct sluice_pq_reader **out,
                                            const struct sluice_pq_source *src,
                                            struct sluice_err *err);
/* The same over a memory buffer (borrowed, must outlive the reader). */
SLUICE_NODISCARD int sluice__pq_reader_open_mem(struct sluice_pq_reader **out,
                                                const void *p, size_t n,
                                                struct sluice_err *err);
void sluice__pq_reader_free(struct sluice_pq_reader *r);
const char *sluice__pq_reader_error(const struct sluice_pq_reader *r);

const struct sluice_pq_schema *
sluice__pq_reader_schema(const struct sluice_pq_reader *r);
uint64_t sluice__pq_reader_num_rows(const struct sluice_pq_reader *r);
size_t sluice__pq_reader_num_row_groups(const struct sluice_pq_reader *r);
uint64_t sluice__pq_reader_row_group_rows(const struct sluice_pq_reader *r,
                                          size_t rg);
/* NUL-terminated copy of created_by ("" when absent). */
const char *sluice__pq_reader_created_by(const struct sluice_pq_reader *r);
/* Footer metadata of one chunk; rg and col must be in range. */
const struct sluice_pq_chunk_meta *
sluice__pq_reader_chunk(const struct sluice_pq_reader *r, size_t rg,
                        size_t col);

/* Decodes row group `rg` and appends its records to `out` as JSON, one
 * object per line, each line ending in '\n'. On failure `out` may hold a
 * part of the group's records; the message (sluice__pq_reader_error) names
 * the row group and column. */
SLUICE_NODISCARD int sluice__pq_reader_rows_json(struct sluice_pq_reader *r,
                                                 size_t rg,
                                                 struct sluice_buf *out);
/* All row groups in order. */
SLUICE_NODISCARD int sluice__pq_reader_json(struct sluice_pq_reader *r,
                                            struct sluice_buf *out);

#endif
