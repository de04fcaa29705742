/* build.h: the Parquet schema of a table schema, and the shredder that
 * turns one record into level-annotated column entries for it.
 *
 * Nested (default): the root's fields are top-level columns; a STRUCT is
 * an optional group, a LIST the standard 3-level list (`optional group x
 * (LIST) { repeated group list { optional <element> } }`), a leaf an
 * optional column. Flattened (output.flatten): every leaf not inside a list
 * is a top-level column named by its path joined with "__" (a__b__c), and a
 * LIST is one JSON-text column. In both, UNKNOWN fields (only null seen)
 * and groups without a typed field are left out until they get a type. */
#ifndef SLUICE_TABLE_BUILD_H
#define SLUICE_TABLE_BUILD_H

#include "parquet/schema.h"
#include "parquet/writer.h"
#include "table/table.h"

/* Whether t has at least one column to write (a field whose type is
 * known): a job that has seen no typed value yet has no Parquet schema. */
bool sluice__table_has_columns(const struct sluice_table *t);

/* Builds and freezes the Parquet schema of t, and sets the level and leaf
 * fields of t's nodes (table.h) for the shredder. Assigns (and keeps) the
 * flattened names. *out is freed with sluice__pq_schema_free. */
SLUICE_NODISCARD int sluice__table_build(struct sluice_table *t, bool flatten,
                                         struct sluice_pq_schema **out,
                                         struct sluice_err *err);

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
