/* parquet_schema.h: the Parquet schema of a table schema (table/: the
 * job's schema as the records shape it; this file: how Parquet lays it
 * out). The shredder that fills its columns is parquet_shred.h.
 *
 * Nested (default): the root's fields are top-level columns; a STRUCT is
 * an optional group, a LIST the standard 3-level list (`optional group x
 * (LIST) { repeated group list { optional <element> } }`), a leaf an
 * optional column. Flattened (output.flatten): every leaf not inside a list
 * is a top-level column named by its path joined with "__" (a__b__c), and a
 * LIST is one JSON-text column. In both, UNKNOWN fields (only null seen)
 * and groups without a typed field are left out until they get a type. */
#ifndef SLUICE_SINK_PARQUET_SCHEMA_H
#define SLUICE_SINK_PARQUET_SCHEMA_H

#include "parquet/pq_schema.h"
#include "parquet/pq_writer.h"
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

#endif
