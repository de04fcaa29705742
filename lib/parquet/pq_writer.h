/* pq_writer.h: a column-oriented Parquet writer. Pure: it never touches files,
 * it hands bytes to a write callback in file order.
 *
 * The caller builds a schema (schema.h), creates a writer, and feeds every
 * record as level-annotated values, leaf by leaf (Dremel shredding is the
 * caller's job; docs/internals/parquet.md has the tables):
 *
 *   sluice__pq_writer_new(&w, schema, &opts, write_cb, ud, &err);
 *   for each record:
 *       for each leaf, for each of its entries in this record:
 *           sluice__pq_append(w, leaf, def, rep, def == max_def ? &v : NULL);
 *       sluice__pq_row_end(w);
 *   sluice__pq_finish(w);
 *   sluice__pq_writer_free(w);
 *
 * Every leaf gets at least one entry per record (rep == 0 first). A row
 * group is cut at a row end once the buffered data (PLAIN-encoded value
 * bytes plus one byte per level entry) reaches `row_group_bytes`, so memory
 * follows the row-group size. Pages (v1) are cut at row starts once their
 * raw size reaches `page_bytes`. BYTE_ARRAY, INT32, INT64 and DOUBLE chunks
 * start dictionary-encoded and fall back to PLAIN for the rest of the chunk
 * when the dictionary outgrows `dict_max_bytes` or, at the first page, when
 * it would not be smaller than PLAIN.
 *
 * Errors: every call returns an enum sluice_code; detail is in
 * sluice__pq_writer_error(). After any error except a rejected value
 * (SLUICE_EINVAL from append, which leaves the writer unchanged) the writer
 * is failed and only _free is useful. One thread at a time. */
#ifndef SLUICE_PARQUET_WRITER_H
#define SLUICE_PARQUET_WRITER_H

#include "parquet/codec.h"
#include "parquet/pq_schema.h"

/* Writes n bytes; returns 0 on success, anything else fails the writer
 * with SLUICE_EIO. */
typedef int (*sluice_pq_write_fn)(void *ud, const void *p, size_t n);

struct sluice_pq_options {
    enum sluice_pq_codec codec; /* default (0) ZSTD */
    int level;                  /* 0: codec default (zstd 3, gzip 6) */
    size_t row_group_bytes;     /* 0: 128 MiB */
    size_t page_bytes;          /* 0: 1 MiB */
    size_t dict_max_bytes;      /* 0: 1 MiB of PLAIN dictionary per chunk */
    bool no_dictionary;         /* PLAIN everywhere */
    const char *build; /* created_by "... (build X)"; NULL: "unknown" */
};

/* Largest single BYTE_ARRAY value accepted. */
#define SLUICE_PQ_MAX_VALUE ((size_t)256 << 20)

/* One non-null value; the member used is the leaf's physical type. */
struct sluice_pq_value {
    union {
        bool b;
        int32_t i32; /* INT32, DATE (days since 1970-01-01) */
        int64_t i64; /* INT64, TIMESTAMP (µs since the epoch, UTC) */
        double d;
        struct sluice_str s; /* BYTE_ARRAY; STRING/JSON must be UTF-8 */
    };
};

struct sluice_pq_writer;

/* Freezes `schema` (borrowed: it must outlive the writer) and writes the
 * leading magic. `opts` may be NULL (all defaults); it is copied, `build`
 * too. Failures: SLUICE_EINVAL (schema), SLUICE_ENOMEM, SLUICE_EIO. */
SLUICE_NODISCARD int sluice__pq_writer_new(struct sluice_pq_writer **out,
                                           struct sluice_pq_schema *schema,
                                           const struct sluice_pq_options *opts,
                                           sluice_pq_write_fn write, void *ud,
                                           struct sluice_err *err);
void sluice__pq_writer_free(struct sluice_pq_writer *w);

/* Appends one level entry to column `leaf` (0-based, schema order). `v` is
 * required exactly when def equals the leaf's max definition level.
 * SLUICE_EINVAL, writer unchanged, for: levels out of range, v present or
 * missing wrongly, a second row start in one record, a value too long, or a
 * STRING/JSON value that is not UTF-8. */
SLUICE_NODISCARD int sluice__pq_append(struct sluice_pq_writer *w, size_t leaf,
                                       unsigned def, unsigned rep,
                                       const struct sluice_pq_value *v);
/* Ends the current record. SLUICE_EINVAL if some leaf got no entry (the
 * writer is then failed: the record is half-written). May write a row
 * group. */
SLUICE_NODISCARD int sluice__pq_row_end(struct sluice_pq_writer *w);
/* Writes the last row group and the footer. A file with no rows has zero
 * row groups. */
SLUICE_NODISCARD int sluice__pq_finish(struct sluice_pq_writer *w);

const char *sluice__pq_writer_error(const struct sluice_pq_writer *w);
/* Records ended so far, and bytes handed to the callback so far. */
uint64_t sluice__pq_writer_rows(const struct sluice_pq_writer *w);
uint64_t sluice__pq_writer_bytes(const struct sluice_pq_writer *w);

#endif
