/* column.h: the writer's internal state: one column-chunk builder per leaf
 * (current page buffers, the chunk's dictionary, its finished pages and
 * statistics) and the writer handle that owns them. Internal to
 * lib/parquet; pq_writer.h is the interface. */
#ifndef SLUICE_PARQUET_COLUMN_H
#define SLUICE_PARQUET_COLUMN_H

#include "parquet/thrift.h"
#include "parquet/pq_writer.h"

struct pq_col {
    const struct sluice_pq_node *node;
    char *path; /* "a.list.element", for messages */
    size_t leaf;
    int type;
    int max_def, max_rep;
    int wdef, wrep; /* bit widths of the levels */

    /* the page being built */
    struct sluice_buf def, rep; /* one byte per entry (when max > 0) */
    struct sluice_buf vals;     /* PLAIN values (booleans: one byte each) */
    struct sluice_buf idx;      /* uint32 dictionary indices */
    uint32_t page_entries, page_values;
    size_t page_raw; /* PLAIN size of the page's values */

    /* the chunk's dictionary */
    bool dict;      /* new values go to the dictionary */
    bool dict_used; /* a dictionary-encoded page exists in this chunk */
    struct sluice_buf dict_vals; /* PLAIN encoding of the entries */
    uint32_t *dict_off;          /* start of entry i in dict_vals */
    uint32_t dict_n, dict_cap;
    uint32_t *slots; /* open addressing: entry index + 1, 0 empty */
    uint32_t nslots;

    /* the chunk */
    struct sluice_buf pages; /* data pages: header + body, back to back */
    uint64_t num_values;     /* level entries */
    uint64_t unc_bytes;      /* headers + uncompressed bodies of pages */
    uint32_t n_dict_pages, n_plain_pages;
    uint64_t rows; /* row starts in this row group */

    /* statistics */
    int64_t null_count;
    int64_t nan_count;
    bool has_minmax;
    int64_t imin, imax; /* BOOLEAN, INT32, INT64 */
    double dmin, dmax;
    struct sluice_buf smin, smax; /* BYTE_ARRAY, unsigned byte order */
};

struct sluice_pq_writer {
    struct sluice_pq_schema *schema;
    struct sluice_pq_options opt;
    char *build;
    sluice_pq_write_fn write;
    void *ud;
    uint64_t offset; /* bytes written */
    struct pq_col *cols;
    size_t ncols;
    uint64_t rg_rows, total_rows, row_starts;
    size_t rg_est; /* buffered data estimate for the row-group bound */
    uint32_t n_row_groups;
    struct sluice_buf rg_meta; /* encoded RowGroup structs */
    struct sluice_pq_codec_ctx codec;
    struct sluice_buf body, zbuf, hdr; /* page scratch */
    struct sluice_err err;
    bool failed, finished;
};

/* Buffer bounds. A page body must fit Thrift's i32 sizes. */
#define PQ_PAGE_MAX ((size_t)1 << 30)
#define PQ_CHUNK_MAX (SIZE_MAX / 4)

SLUICE_NODISCARD int sluice__pq_col_init(struct sluice_pq_writer *w,
                                         struct pq_col *c, size_t leaf);
void sluice__pq_col_cleanup(struct pq_col *c);
/* Checks an entry without changing anything (SLUICE_EINVAL with detail). */
SLUICE_NODISCARD int sluice__pq_col_check(struct sluice_pq_writer *w,
                                          struct pq_col *c, unsigned def,
                                          unsigned rep,
                                          const struct sluice_pq_value *v);
/* Adds a checked entry. */
SLUICE_NODISCARD int sluice__pq_col_add(struct sluice_pq_writer *w,
                                        struct pq_col *c, unsigned def,
                                        unsigned rep,
                                        const struct sluice_pq_value *v);
/* Encodes, compresses and stores the current page (no-op when empty). */
SLUICE_NODISCARD int sluice__pq_col_flush_page(struct sluice_pq_writer *w,
                                               struct pq_col *c);
/* Writes the chunk (dictionary page, data pages) through the callback and
 * appends its ColumnChunk struct to `tw`; then resets the chunk. Adds the
 * chunk's sizes to *unc / *comp. */
SLUICE_NODISCARD int sluice__pq_col_write_chunk(struct sluice_pq_writer *w,
                                                struct pq_col *c,
                                                struct sluice_thrift_w *tw,
                                                int64_t *unc, int64_t *comp);
/* Statistics (stats.c): fold in one value; write the Statistics struct as
 * field `id`; forget everything for the next chunk. */
SLUICE_NODISCARD int sluice__pq_stats_update(struct pq_col *c,
                                             const struct sluice_pq_value *v);
SLUICE_NODISCARD int sluice__pq_stats_write(const struct pq_col *c,
                                            struct sluice_thrift_w *tw,
                                            int16_t id);
void sluice__pq_stats_reset(struct pq_col *c);
/* Hands bytes to the callback, counting the offset. */
SLUICE_NODISCARD int sluice__pq_emit(struct sluice_pq_writer *w, const void *p,
                                     size_t n);

#endif
