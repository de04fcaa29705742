/* parquet_shred.h: the shredder that turns one record (as reader events,
 * table/events.h) into level-annotated entries for the columns of the
 * Parquet schema sluice__table_build made (parquet_schema.h). */
#ifndef SLUICE_SINK_PARQUET_SHRED_H
#define SLUICE_SINK_PARQUET_SHRED_H

#include "sink/parquet_schema.h"

/* Receives one column entry; v is NULL for a null. */
typedef int (*sluice_shred_fn)(void *ud, size_t leaf, unsigned def,
                               unsigned rep, const struct sluice_pq_value *v);

struct sluice_shredder {
    struct sluice_table *t; /* built with sluice__table_build */
    sluice_shred_fn emit;
    void *ud;
    bool fail_on_bad;    /* on_bad_value: fail */
    uint64_t bad_values; /* values that did not convert, made null */
    uint64_t records;    /* shredded so far */
    uint64_t stamp;
    struct sluice_buf json; /* JSON text of the value being written */
    struct sluice_buf bad;  /* the offending value, for messages */
    struct sluice_err err;
};

void sluice__shredder_init(struct sluice_shredder *sh, struct sluice_table *t,
                           sluice_shred_fn emit, void *ud);
void sluice__shredder_cleanup(struct sluice_shredder *sh);
/* Shreds one encoded record (exactly one value; a non-object is taken as
 * {"value": record}). Every leaf gets at least one entry. A value that
 * does not convert to its declared type is null and counted, or, with
 * fail_on_bad, SLUICE_EINVAL naming the record, field and value. The
 * emit callback's non-zero return propagates. */
SLUICE_NODISCARD int sluice__shred(struct sluice_shredder *sh, const void *rec,
                                   size_t n);

#endif
