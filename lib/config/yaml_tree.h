/* yaml_tree.h: a small YAML document tree for the job loader (private to
 * lib/config). libyaml's event parser feeds it; every node and mapping key
 * keeps its origin and 1-based line:col so that errors can point at it.
 *
 * The tree accepts only what a job file needs: mappings with scalar keys,
 * sequences and scalars. Anchors, aliases, tags and multiple documents are
 * rejected (a job file is small and explicit; aliases also make "billion
 * laughs" expansion possible). Depth, mapping size and node count are
 * bounded. */
#ifndef SLUICE_CONFIG_YAML_TREE_H
#define SLUICE_CONFIG_YAML_TREE_H

#include "util/common.h"

#define SLUICE_YAML_MAX_DEPTH 32
#define SLUICE_YAML_MAX_ENTRIES 4096 /* per mapping or sequence */
#define SLUICE_YAML_MAX_NODES 100000 /* per document */

enum sluice_ynode_kind {
    SLUICE_YNODE_SCALAR,
    SLUICE_YNODE_MAP,
    SLUICE_YNODE_SEQ
};

/* Where a node came from. `origin` is borrowed (the loader keeps it alive
 * as long as the tree); line 0 means "no position" (a node the loader made
 * up, e.g. the empty document of `sluice pull`). */
struct sluice_ymark {
    const char *origin;
    unsigned line, col;
};

struct sluice_yentry {
    char *key; /* NULL in a sequence */
    struct sluice_ymark kmark;
    struct sluice_ynode *val;
};

struct sluice_ynode {
    enum sluice_ynode_kind kind;
    struct sluice_ymark mark;
    /* scalars */
    char *text; /* NUL-terminated; may contain NULs (len says) */
    size_t len;
    bool plain; /* unquoted: only then can it be null */
    /* mappings and sequences */
    struct sluice_yentry *entries;
    size_t n, cap;
};

/* Parses one YAML document. An empty document yields a null scalar.
 * Errors (SLUICE_EJOB) read "origin:line:col: YAML syntax error: ...". */
SLUICE_NODISCARD int sluice__ytree_parse(const char *text, size_t n,
                                         const char *origin,
                                         struct sluice_ynode **out,
                                         struct sluice_err *err);
void sluice__ynode_free(struct sluice_ynode *node);

/* A new node with no entries / empty text. NULL when out of memory. */
struct sluice_ynode *sluice__ynode_new(enum sluice_ynode_kind kind,
                                       struct sluice_ymark mark);

/* True for a plain scalar "", "~", "null", "Null" or "NULL". */
bool sluice__ynode_is_null(const struct sluice_ynode *node);
/* The value under `key` in a mapping (NULL if absent or not a mapping). */
struct sluice_ynode *sluice__ynode_get(const struct sluice_ynode *map,
                                       const char *key);
/* Sets `key` in `map` to `val`, replacing (and freeing) an old value; takes
 * ownership of `val` even on failure. */
SLUICE_NODISCARD int sluice__ynode_set(struct sluice_ynode *map,
                                       const char *key,
                                       struct sluice_ymark kmark,
                                       struct sluice_ynode *val);
/* "a mapping", "a list", "a string" for messages. */
const char *sluice__ynode_kind_name(const struct sluice_ynode *node);

#endif
