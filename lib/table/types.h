/* types.h: the column types of a job's table schema and the names the job
 * file uses for them (`columns:` in docs/job-file.md). Shared by the config
 * loader (which validates declarations) and the table module. Pure: no
 * allocation, no I/O. */
#ifndef SLUICE_TABLE_TYPES_H
#define SLUICE_TABLE_TYPES_H

#include "util/common.h"

/* What a schema node holds. UNKNOWN: only null seen so far (never written
 * to Parquet). Values are persisted by name, not by number. */
enum sluice_tkind {
    SLUICE_T_UNKNOWN = 0,
    SLUICE_T_BOOLEAN,
    SLUICE_T_INT64,
    SLUICE_T_DOUBLE,
    SLUICE_T_STRING,
    SLUICE_T_DATE,      /* INT32 days since 1970-01-01 */
    SLUICE_T_TIMESTAMP, /* INT64 µs since the epoch, UTC */
    SLUICE_T_JSON,      /* any value, kept as its JSON text */
    SLUICE_T_STRUCT,
    SLUICE_T_LIST
};

/* A declared type: the column's kind plus how source values convert. */
enum sluice_tdecl {
    SLUICE_D_NONE = 0, /* inferred */
    SLUICE_D_BOOLEAN,
    SLUICE_D_INT64,
    SLUICE_D_DOUBLE,
    SLUICE_D_STRING,
    SLUICE_D_DATE,         /* "YYYY-MM-DD" */
    SLUICE_D_TIMESTAMP,    /* ISO-8601 text */
    SLUICE_D_TIMESTAMP_MS, /* epoch numbers (or numeric strings) */
    SLUICE_D_TIMESTAMP_US,
    SLUICE_D_TIMESTAMP_S,
    SLUICE_D_JSON
};

/* One `columns:` entry: a path like `a[].b.c` and its declared type. */
struct sluice_column_decl {
    char *path;
    enum sluice_tdecl type;
};

/* "int64" -> SLUICE_D_INT64 (case-sensitive); false for an unknown name. */
bool sluice__tdecl_parse(const char *name, enum sluice_tdecl *out);
const char *sluice__tdecl_name(enum sluice_tdecl d);
/* The kind a declared type gives its column. */
enum sluice_tkind sluice__tdecl_kind(enum sluice_tdecl d);
/* Persisted kind names: "null", "boolean", ..., "struct", "list". */
const char *sluice__tkind_name(enum sluice_tkind k);
bool sluice__tkind_parse(const char *name, size_t n, enum sluice_tkind *out);
/* The names accepted by sluice__tdecl_parse, for error messages. */
#define SLUICE_TDECL_NAMES                                                     \
    "boolean, int64, double, string, date, timestamp, timestamp_ms, "          \
    "timestamp_us, timestamp_s, json"

/* Checks a declaration path: member names separated by '.', each followed
 * by zero or more "[]" (list elements). Names are non-empty and contain no
 * '.', '[' or ']'. On error returns false and *bad is the byte offset. */
bool sluice__tpath_valid(const char *path, size_t *bad);

#endif
