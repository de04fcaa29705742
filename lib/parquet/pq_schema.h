/* pq_schema.h: a Parquet schema as a tree of named nodes, shared by the writer
 * (which builds it and writes it into the footer) and the reader (which
 * rebuilds it from the footer).
 *
 * Node 0 is the root group ("schema"). Nodes are added under a parent and
 * keep their insertion order. sluice__pq_schema_freeze() validates the tree,
 * numbers the leaves in depth-first order (= column order in the file) and
 * computes each node's definition and repetition level; after that the
 * schema is read-only.
 *
 * Supported shapes: groups (optionally LIST-annotated) and leaves of type
 * BOOLEAN, INT32, INT64, DOUBLE, BYTE_ARRAY with the logical types STRING,
 * JSON (BYTE_ARRAY), DATE (INT32) and TIMESTAMP (INT64). */
#ifndef SLUICE_PARQUET_SCHEMA_H
#define SLUICE_PARQUET_SCHEMA_H

#include "util/buf.h"

/* Values equal parquet.thrift `Type`. */
enum sluice_pq_type {
    SLUICE_PQ_BOOLEAN = 0,
    SLUICE_PQ_INT32 = 1,
    SLUICE_PQ_INT64 = 2,
    SLUICE_PQ_DOUBLE = 5,
    SLUICE_PQ_BYTE_ARRAY = 6
};

/* Values equal parquet.thrift `FieldRepetitionType`. */
enum sluice_pq_repetition {
    SLUICE_PQ_REQUIRED = 0,
    SLUICE_PQ_OPTIONAL = 1,
    SLUICE_PQ_REPEATED = 2
};

enum sluice_pq_logical {
    SLUICE_PQ_LT_NONE = 0,
    SLUICE_PQ_LT_STRING,       /* BYTE_ARRAY, valid UTF-8 */
    SLUICE_PQ_LT_JSON,         /* BYTE_ARRAY, a JSON text */
    SLUICE_PQ_LT_DATE,         /* INT32 days since 1970-01-01 */
    SLUICE_PQ_LT_TIMESTAMP_US, /* INT64 microseconds since the epoch, UTC */
    SLUICE_PQ_LT_TIMESTAMP_MS, /* the reader also knows these two */
    SLUICE_PQ_LT_TIMESTAMP_NS,
    SLUICE_PQ_LT_LIST /* group: optional group x (LIST) {
                         repeated group list { <element> } } */
};

/* Deepest path (root excluded) a schema may have; levels fit in a byte. */
#define SLUICE_PQ_MAX_DEPTH 100
#define SLUICE_PQ_MAX_NODES 100000

struct sluice_pq_node {
    char *name;
    int parent;                                /* -1 for the root */
    int first_child, last_child, next_sibling; /* -1 when none */
    int num_children;
    bool is_leaf;
    bool ts_local;      /* TIMESTAMP not adjusted to UTC (reader only) */
    uint8_t repetition; /* enum sluice_pq_repetition */
    uint8_t type;       /* enum sluice_pq_type, leaves only */
    uint8_t logical;    /* enum sluice_pq_logical */
    /* computed by freeze: */
    uint8_t def_level; /* OPTIONAL/REPEATED nodes on the path, inclusive */
    uint8_t rep_level; /* REPEATED nodes on the path, inclusive */
    uint8_t depth;     /* root 0 */
    int leaf_index;    /* leaves: column number; groups: -1 */
    int leaf_begin, leaf_end; /* the leaves under this node: [begin, end) */
    size_t repdef_off;        /* leaves: where their rep->def table starts */
};

struct sluice_pq_schema {
    struct sluice_pq_node *nodes;
    size_t n, cap;
    int *leaves; /* node id of each leaf, in column order */
    size_t nleaves;
    /* For leaf L and 1 <= k <= max_rep: repdef[L.repdef_off + k] is the
     * definition level of L's k-th repeated ancestor (inclusive). */
    uint8_t *repdef;
    bool frozen;
};

SLUICE_NODISCARD int sluice__pq_schema_new(struct sluice_pq_schema **out);
void sluice__pq_schema_free(struct sluice_pq_schema *s);

/* Adds a group under `parent`; *id receives its node id. `logical` is
 * SLUICE_PQ_LT_NONE or SLUICE_PQ_LT_LIST. SLUICE_EINVAL (detail in err) for
 * a frozen schema, a bad parent, an empty, non-UTF-8 or duplicate name. */
SLUICE_NODISCARD int sluice__pq_schema_add_group(struct sluice_pq_schema *s,
                                                 int parent, const char *name,
                                                 enum sluice_pq_repetition rep,
                                                 enum sluice_pq_logical logical,
                                                 int *id,
                                                 struct sluice_err *err);
SLUICE_NODISCARD int sluice__pq_schema_add_leaf(
    struct sluice_pq_schema *s, int parent, const char *name,
    enum sluice_pq_repetition rep, enum sluice_pq_type type,
    enum sluice_pq_logical logical, int *id, struct sluice_err *err);
/* The standard 3-level list: adds `<rep> group name (LIST) { repeated group
 * list { } }` and returns the inner `list` group in *list_id; the caller
 * adds exactly one child (conventionally named "element") to it. */
SLUICE_NODISCARD int sluice__pq_schema_add_list(struct sluice_pq_schema *s,
                                                int parent, const char *name,
                                                enum sluice_pq_repetition rep,
                                                int *list_id,
                                                struct sluice_err *err);

/* Validates and computes levels (see above). Idempotent. */
SLUICE_NODISCARD int sluice__pq_schema_freeze(struct sluice_pq_schema *s,
                                              struct sluice_err *err);

static inline const struct sluice_pq_node *
sluice__pq_schema_leaf(const struct sluice_pq_schema *s, size_t leaf)
{
    return &s->nodes[s->leaves[leaf]];
}

/* Writes field `id` of FileMetaData: list<SchemaElement>, depth-first. */
struct sluice_thrift_w;
SLUICE_NODISCARD int sluice__pq_schema_write(const struct sluice_pq_schema *s,
                                             struct sluice_thrift_w *w,
                                             int16_t id);
/* Appends each path component of a leaf as a Thrift list<string> field. */
SLUICE_NODISCARD int
sluice__pq_schema_write_path(const struct sluice_pq_schema *s, size_t leaf,
                             struct sluice_thrift_w *w, int16_t id);
/* Appends the leaf's dotted path ("a.list.element") to out. */
SLUICE_NODISCARD int sluice__pq_schema_path(const struct sluice_pq_schema *s,
                                            size_t leaf,
                                            struct sluice_buf *out);
/* Appends the schema in parquet-mr's text form ("message schema { ... }"),
 * one node per line, two-space indents. */
SLUICE_NODISCARD int sluice__pq_schema_dump(const struct sluice_pq_schema *s,
                                            struct sluice_buf *out);

#endif
