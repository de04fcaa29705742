/* readstate.h: the reader's internal state, shared by footer.c (metadata),
 * pq_reader.c (pages and values) and assemble.c (records to JSON). Internal
 * to lib/parquet; pq_reader.h is the interface. */
#ifndef SLUICE_PARQUET_READSTATE_H
#define SLUICE_PARQUET_READSTATE_H

#include "parquet/codec.h"
#include "parquet/pq_reader.h"

/* One decoded value; BYTE_ARRAY bytes point into a page block. */
union pq_rv {
    int64_t i; /* BOOLEAN (0/1), INT32, INT64 */
    double d;
    struct {
        const uint8_t *p;
        size_t n;
    } s;
};

/* A decoded column chunk: all level entries and non-null values. */
struct pq_rcol {
    uint8_t *def, *rep; /* NULL when the max level is 0 */
    size_t n, cap;      /* entries */
    union pq_rv *vals;
    size_t nv, vcap;
    size_t pos, vpos; /* assembly cursors */
};

struct pq_rg {
    int64_t num_rows;
    struct sluice_pq_chunk_meta *cols;
};

struct sluice_pq_reader {
    struct sluice_pq_source src;
    const uint8_t *mem; /* open_mem's buffer */
    size_t mem_n;
    uint8_t *footer;
    size_t footer_n;
    uint64_t data_end; /* where the footer starts: chunks must end before */
    struct sluice_pq_schema *schema;
    int64_t num_rows;
    struct pq_rg *rgs;
    size_t nrg;
    char *created_by;
    struct sluice_pq_codec_ctx codec;
    struct sluice_err err;
    /* row-group decoding */
    struct pq_rcol *cols;
    uint8_t **blocks; /* decompressed pages the values point into */
    size_t nblocks, bcap;
    uint8_t *chunk; /* raw bytes of the chunk being decoded */
    size_t chunk_cap;
};

/* footer.c: parses r->footer into schema, row groups and created_by. */
SLUICE_NODISCARD int sluice__pq_footer_parse(struct sluice_pq_reader *r);
/* assemble.c: appends `rows` records from decoded columns as JSON lines. */
SLUICE_NODISCARD int sluice__pq_assemble(const struct sluice_pq_schema *s,
                                         struct pq_rcol *cols, uint64_t rows,
                                         struct sluice_buf *out,
                                         struct sluice_err *err);

#endif
