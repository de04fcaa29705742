/* table.h: a job's table schema — the tree of columns every Parquet file of
 * the job is written with — and what builds and uses it:
 *
 *   inference  records (as encoded events, events.h) widen a schema:
 *              objects -> STRUCT (fields in first-seen order), arrays ->
 *              LIST (one element type merged over all elements), integers
 *              -> INT64, other numbers (and integers beyond int64) ->
 *              DOUBLE, INT64 + DOUBLE -> DOUBLE, strings -> STRING,
 *              booleans -> BOOLEAN, null -> UNKNOWN until something else is
 *              seen. Incompatible kinds make the field JSON text, with a
 *              warning. Every field is optional.
 *   declared   `columns:` entries fix a field's type (types.h); inference
 *              leaves such a field alone and the shredder converts values.
 *   merge      additive evolution: new fields, INT64 -> DOUBLE, anything
 *              -> JSON on conflict; the version goes up on every change.
 *   persist    the schema as JSON text (persist.c).
 * and, in sink/ (how Parquet lays the schema out, which table/ does not
 * know):
 *   build      the Parquet schema (sink/parquet_schema.c): UNKNOWN fields
 *              and groups with no typed field are left out until they get a
 *              type; it fills the nodes' level and leaf fields below.
 *   shred      one record -> (leaf, def, rep, value) entries
 *              (sink/parquet_shred.c).
 *
 * Column names: a field whose name equals an earlier sibling's
 * case-insensitively is written as "<name>__2" (then __3...), with a
 * warning, so no engine sees two columns it cannot tell apart. An empty
 * member name becomes "_". A NUL in a member name (JSON's \u0000) is
 * written as the six characters `\u0000` in its column name and in paths
 * (warnings, `columns:`), since C strings and so Parquet names cannot hold
 * it; the member name itself is kept whole (name/name_n). Every other byte
 * is kept as it is. The assigned names are persisted, so they never
 * change. Not thread-safe; one table per thread at a time. */
#ifndef SLUICE_TABLE_TABLE_H
#define SLUICE_TABLE_TABLE_H

#include "table/types.h"
#include "util/buf.h"

/* Bounds against hostile APIs: fields in one schema, and the deepest
 * Parquet nesting (a deeper value is kept as JSON text, with a warning). */
#define SLUICE_TABLE_MAX_NODES 20000
#define SLUICE_TABLE_MAX_DEPTH 100
/* The largest schema file (sluice__table_to_json's text) any reader of it
 * accepts: the run that extends it and `sluice schema` alike. 20,000 fields
 * of long names fit well within it. */
#define SLUICE_TABLE_SCHEMA_FILE_MAX ((size_t)64 << 20)

struct sluice_tnode {
    char *name; /* JSON member name; NULL for the root and list elements */
    size_t name_n;
    char *col;  /* Parquet field name (name, or renamed on a case clash) */
    char *flat; /* flattened column name (output.flatten), once assigned */
    struct sluice_tnode *parent;
    /* STRUCT: fields in first-seen order; LIST: kids[0] is the element */
    struct sluice_tnode **kids;
    size_t n, cap;
    size_t hint;   /* where the next key lookup starts */
    uint8_t kind;  /* enum sluice_tkind */
    uint8_t decl;  /* enum sluice_tdecl */
    uint8_t depth; /* Parquet nesting depth of the node (root 0) */
    /* set by sluice__table_build: */
    bool out;      /* part of the Parquet schema */
    bool as_json;  /* written as JSON text */
    uint8_t def;   /* definition level when present and not null */
    uint8_t rep;   /* LIST: repetition level of its elements */
    int pq;        /* Parquet node id, -1 when not written */
    size_t lb, le; /* the leaves under the node: [lb, le) */
    uint64_t seen; /* shredder: stamp of the object it was last seen in */
};

struct sluice_table {
    struct sluice_tnode *root; /* a STRUCT */
    uint64_t version;          /* 0 new; +1 on every change by merge */
    const struct sluice_column_decl *decls; /* borrowed */
    size_t n_decls;
    size_t nodes;
    bool named;                 /* build assigned new flattened names */
    struct sluice_buf warnings; /* one "path: message" per line */
    struct sluice_buf path;     /* scratch */
};

/* A new empty schema. `decls` is borrowed and must outlive the table. */
SLUICE_NODISCARD int sluice__table_new(struct sluice_table **out,
                                       const struct sluice_column_decl *decls,
                                       size_t n_decls);
void sluice__table_free(struct sluice_table *t);

/* Widens t by one record: rec/n hold exactly one encoded value. A record
 * that is not an object is taken as {"value": <record>}. SLUICE_ETOOBIG
 * past SLUICE_TABLE_MAX_NODES, SLUICE_ENOMEM; err says which field. */
SLUICE_NODISCARD int sluice__table_infer(struct sluice_table *t,
                                         const void *rec, size_t n,
                                         struct sluice_err *err);

/* Merges src into dst additively. *changed tells whether dst changed (its
 * version is then one higher). A declared type that contradicts dst's
 * type (string declared double, say) is SLUICE_EINVAL: a column's type
 * never changes in place. */
SLUICE_NODISCARD int sluice__table_merge(struct sluice_table *dst,
                                         const struct sluice_table *src,
                                         bool *changed, struct sluice_err *err);

/* Warnings collected so far ("" when none). */
const char *sluice__table_warnings(const struct sluice_table *t);

/* Appends member name p/n as column names and paths show it: each NUL as
 * the six characters \u0000. */
SLUICE_NODISCARD int sluice__table_name_put(struct sluice_buf *b,
                                            const char *p, size_t n);

/* "a.b[].c" for a node (into t->path; valid until the next call). */
const char *sluice__table_node_path(struct sluice_table *t,
                                    const struct sluice_tnode *node);

/* Persistence (persist.c). The text is one JSON object:
 *   {"sluice_table":1,"version":N,"fields":[FIELD...]}
 *   FIELD: {"name":..,"column":..,"flat":..,"type":KIND,
 *           "declared":DECL,"fields":[...],"element":ELEMENT}
 * ("column"/"flat" only when they differ from the name or are set). */
SLUICE_NODISCARD int sluice__table_to_json(const struct sluice_table *t,
                                           struct sluice_buf *out);
/* Parses text written by _to_json. SLUICE_EINVAL with a message on
 * malformed text. */
SLUICE_NODISCARD int
sluice__table_from_json(const char *p, size_t n,
                        const struct sluice_column_decl *decls, size_t n_decls,
                        struct sluice_table **out, struct sluice_err *err);

/* Internal to the table module: */
struct sluice_tnode *sluice__tnode_new(struct sluice_table *t,
                                       struct sluice_tnode *parent,
                                       const char *name, size_t name_n);
/* The field named p/n of a STRUCT, or NULL. Starts looking after the
 * field found last: records usually list fields in the same order. */
struct sluice_tnode *sluice__tnode_find(struct sluice_tnode *node,
                                        const char *p, size_t n);
/* Names a new struct field's column, avoiding case-insensitive clashes. */
SLUICE_NODISCARD int sluice__tnode_name_column(struct sluice_table *t,
                                               struct sluice_tnode *node);
void sluice__tnode_free(struct sluice_tnode *node);
SLUICE_NODISCARD int sluice__table_warn(struct sluice_table *t,
                                        const struct sluice_tnode *node,
                                        const char *fmt, ...)
    SLUICE_PRINTF(3, 4);

#endif
