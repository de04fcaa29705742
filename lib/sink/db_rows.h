/* db_rows.h: the job's table schema as the columns of a database table,
 * and one spooled record as the text of its values, shared by the SQLite
 * and PostgreSQL sinks (sqlite.c, postgres.c).
 *
 * Columns: nested (default), each top-level field is one column and an
 * object or array is its compact JSON text; with output.flatten every
 * leaf outside a list is a column named by its path joined with "__" (the
 * names sluice__table_build assigns and the schema file keeps), a list its
 * JSON text. Fields only ever null (no type yet) are left out until they
 * get one, as in Parquet, and added to the table then.
 *
 * Values, as text (the sinks bind or copy them):
 *   INT    the integer literal (a declared int64 from a string or an
 *          integral number, as digits)
 *   REAL   the number literal as the JSON had it (a declared double from a
 *          string: the string, once it parsed as a number)
 *   BOOL   "1" or "0"
 *   TEXT   the string's bytes (a declared string from a number or a
 *          boolean: its literal)
 *   DATE   "YYYY-MM-DD" (declared date, checked)
 *   TIME   "YYYY-MM-DDTHH:MM:SS.ffffffZ", UTC (declared timestamps)
 *   JSON   compact JSON text of the value, whatever it is
 * A value that does not convert to its declared type is NULL and counted
 * (on_bad_value: fail makes it an error naming the record and the path).
 *
 * The builder writes the column index into each column node's `lb` (the
 * table is the sink's own, loaded for this commit, and the Parquet
 * shredder, the field's other user, never sees it). */
#ifndef SLUICE_SINK_DB_ROWS_H
#define SLUICE_SINK_DB_ROWS_H

#include "table/events.h"
#include "table/table.h"
#include "util/buf.h"

enum sluice_db_type {
    SLUICE_DBT_INT,
    SLUICE_DBT_REAL,
    SLUICE_DBT_BOOL,
    SLUICE_DBT_TEXT,
    SLUICE_DBT_DATE,
    SLUICE_DBT_TIME,
    SLUICE_DBT_JSON
};

struct sluice_db_col {
    struct sluice_tnode *node; /* in the table given to _build */
    const char *name;          /* the column's name (the node's) */
    enum sluice_db_type type;
};

struct sluice_db_cols {
    struct sluice_db_col *v;
    size_t n, cap;
};

/* Lists t's columns (see above) into cols, replacing what it held. Sets
 * t->named when flattened names were assigned (the schema must then be
 * saved). SLUICE_ENOMEM with err set. */
SLUICE_NODISCARD int sluice__db_cols_build(struct sluice_table *t,
                                           bool flatten,
                                           struct sluice_db_cols *cols,
                                           struct sluice_err *err);
void sluice__db_cols_cleanup(struct sluice_db_cols *cols);

/* The values of one row: column i's text is val.p + off[i], len[i] bytes
 * (NUL-terminated), or SIZE_MAX in off[i] for NULL. */
struct sluice_db_row {
    struct sluice_buf val;
    size_t *off, *len;
    size_t cap;
    struct sluice_buf json;  /* scratch */
    bool fail_on_bad;
    uint64_t bad_values;     /* over every row filled since init */
    uint64_t records;        /* rows filled */
};

void sluice__db_row_init(struct sluice_db_row *row, size_t max_record);
void sluice__db_row_cleanup(struct sluice_db_row *row);

/* Fills row with the values of one spooled record (rec/n: one encoded
 * value) for cols, built from the table the record was merged into.
 * SLUICE_EINVAL (err set) for a bad value under on_bad_value: fail or a
 * corrupt encoding; SLUICE_ENOMEM, SLUICE_ETOOBIG. */
SLUICE_NODISCARD int sluice__db_row_fill(struct sluice_db_row *row,
                                         const struct sluice_table *t,
                                         const struct sluice_db_cols *cols,
                                         const uint8_t *rec, size_t n,
                                         struct sluice_err *err);

/* Appends name as a double-quoted SQL identifier ('"' doubled). */
SLUICE_NODISCARD int sluice__db_quote_ident(struct sluice_buf *b,
                                            const char *name);

#endif
