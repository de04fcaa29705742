/* yaml_tree.c: builds the small node tree of yaml_tree.h from libyaml's
 * event stream. The tree is built without recursion: an explicit stack of
 * open mappings/sequences, bounded by SLUICE_YAML_MAX_DEPTH. Each new node is
 * linked into its parent as soon as it starts, so a failure anywhere frees
 * everything through the root. */
#include "config/yaml_tree.h"

#include <string.h>
#include <yaml.h>

struct sluice_ynode *sluice__ynode_new(enum sluice_ynode_kind kind,
                                       struct sluice_ymark mark)
{
    struct sluice_ynode *node = sluice__calloc(1, sizeof *node);
    if (!node)
        return NULL;
    node->kind = kind;
    node->mark = mark;
    if (kind == SLUICE_YNODE_SCALAR) {
        node->text = sluice__strdup("");
        if (!node->text) {
            sluice__free(node);
            return NULL;
        }
    }
    return node;
}

void sluice__ynode_free(struct sluice_ynode *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->n; i++) {
        sluice__free(node->entries[i].key);
        sluice__ynode_free(node->entries[i].val);
    }
    sluice__free(node->entries);
    sluice__free(node->text);
    sluice__free(node);
}

bool sluice__ynode_is_null(const struct sluice_ynode *node)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    if (!node || node->kind != SLUICE_YNODE_SCALAR || !node->plain)
        return false;
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(nulls); i++)
        if (strlen(nulls[i]) == node->len && !strcmp(node->text, nulls[i]))
            return true;
    return false;
}

struct sluice_ynode *sluice__ynode_get(const struct sluice_ynode *map,
                                       const char *key)
{
    if (!map || map->kind != SLUICE_YNODE_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (!strcmp(map->entries[i].key, key))
            return map->entries[i].val;
    return NULL;
}

const char *sluice__ynode_kind_name(const struct sluice_ynode *node)
{
    if (node->kind == SLUICE_YNODE_MAP)
        return "a mapping";
    if (node->kind == SLUICE_YNODE_SEQ)
        return "a list";
    return sluice__ynode_is_null(node) ? "null" : "a string";
}

/* Appends an entry; takes ownership of key and val even on failure. */
static int entry_add(struct sluice_ynode *parent, char *key,
                     struct sluice_ymark kmark, struct sluice_ynode *val)
{
    struct sluice_yentry *e =
        sluice__grow(parent->entries, &parent->cap, parent->n + 1,
                     sizeof *e, 8);
    if (!e) {
        sluice__free(key);
        sluice__ynode_free(val);
        return SLUICE_ENOMEM;
    }
    parent->entries = e;
    parent->entries[parent->n++] =
        (struct sluice_yentry){.key = key, .kmark = kmark, .val = val};
    return SLUICE_OK;
}

int sluice__ynode_set(struct sluice_ynode *map, const char *key,
                      struct sluice_ymark kmark, struct sluice_ynode *val)
{
    for (size_t i = 0; i < map->n; i++) {
        if (!strcmp(map->entries[i].key, key)) {
            sluice__ynode_free(map->entries[i].val);
            map->entries[i].val = val;
            map->entries[i].kmark = kmark;
            return SLUICE_OK;
        }
    }
    char *k = sluice__strdup(key);
    if (!k) {
        sluice__ynode_free(val);
        return SLUICE_ENOMEM;
    }
    return entry_add(map, k, kmark, val);
}

/* The parse in progress: the open containers and, per open mapping, the
 * key waiting for its value. */
struct frame {
    struct sluice_ynode *node;
    char *key; /* owned; NULL when the mapping expects a key */
    struct sluice_ymark kmark;
};

struct builder {
    const char *origin;
    struct sluice_ynode *root;
    struct frame stack[SLUICE_YAML_MAX_DEPTH];
    size_t depth;
    size_t nodes;
    bool seen_doc;
    struct sluice_err *err;
};

static struct sluice_ymark mark_of(const struct builder *b, yaml_mark_t m)
{
    return (struct sluice_ymark){
        .origin = b->origin,
        .line = (unsigned)m.line + 1,
        .col = (unsigned)m.column + 1,
    };
}

static int fail(struct builder *b, struct sluice_ymark m, const char *msg)
{
    sluice__err_set(b->err, "%s:%u:%u: %s", m.origin, m.line, m.col, msg);
    return SLUICE_EJOB;
}

/* Links `node` (owned) into the open container, or makes it the root. */
static int attach(struct builder *b, struct sluice_ynode *node)
{
    if (++b->nodes > SLUICE_YAML_MAX_NODES) {
        struct sluice_ymark m = node->mark;
        sluice__ynode_free(node);
        return fail(b, m, "too many YAML nodes");
    }
    if (b->depth == 0) {
        b->root = node;
        return SLUICE_OK;
    }
    struct frame *f = &b->stack[b->depth - 1];
    if (f->node->n >= SLUICE_YAML_MAX_ENTRIES) {
        struct sluice_ymark m = node->mark;
        sluice__ynode_free(node);
        return fail(b, m, "too many entries in one mapping or list");
    }
    if (f->node->kind == SLUICE_YNODE_SEQ)
        return entry_add(f->node, NULL, node->mark, node);
    if (f->key) {
        char *key = f->key;
        f->key = NULL;
        return entry_add(f->node, key, f->kmark, node);
    }
    /* A mapping expecting a key: only a scalar can be one. */
    struct sluice_ymark m = node->mark;
    if (node->kind != SLUICE_YNODE_SCALAR) {
        sluice__ynode_free(node);
        return fail(b, m, "a mapping key must be a string");
    }
    for (size_t i = 0; i < f->node->n; i++) {
        if (!strcmp(f->node->entries[i].key, node->text)) {
            char msg[SLUICE_ERR_MAX];
            snprintf(msg, sizeof msg, "duplicate key '%s'", node->text);
            sluice__ynode_free(node);
            return fail(b, m, msg);
        }
    }
    if (strlen(node->text) != node->len) {
        sluice__ynode_free(node);
        return fail(b, m, "a mapping key contains a NUL byte");
    }
    f->key = node->text;
    f->kmark = m;
    node->text = NULL;
    sluice__ynode_free(node);
    return SLUICE_OK;
}

static int on_event(struct builder *b, const yaml_event_t *ev)
{
    struct sluice_ymark m = mark_of(b, ev->start_mark);
    const yaml_char_t *anchor = NULL, *tag = NULL;
    enum sluice_ynode_kind kind = SLUICE_YNODE_SCALAR;

    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (b->seen_doc)
            return fail(b, m, "only one YAML document is allowed");
        b->seen_doc = true;
        return SLUICE_OK;
    case YAML_ALIAS_EVENT:
        return fail(b, m, "YAML anchors and aliases are not supported");
    case YAML_SCALAR_EVENT:
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
        kind = SLUICE_YNODE_SEQ;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
        kind = SLUICE_YNODE_MAP;
        break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        b->depth--;
        return SLUICE_OK;
    default:
        return SLUICE_OK;
    }
    if (anchor)
        return fail(b, m, "YAML anchors and aliases are not supported");
    if (tag)
        return fail(b, m, "YAML tags are not supported");

    struct sluice_ynode *node = sluice__calloc(1, sizeof *node);
    if (!node)
        return SLUICE_ENOMEM;
    node->kind = kind;
    node->mark = m;
    if (kind == SLUICE_YNODE_SCALAR) {
        node->len = ev->data.scalar.length;
        node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        node->text =
            sluice__strndup((const char *)ev->data.scalar.value, node->len);
        if (!node->text) {
            sluice__free(node);
            return SLUICE_ENOMEM;
        }
        return attach(b, node);
    }
    if (b->depth == SLUICE_YAML_MAX_DEPTH) {
        sluice__free(node);
        return fail(b, m, "YAML nested too deeply");
    }
    int rc = attach(b, node);
    if (rc != SLUICE_OK)
        return rc;
    b->stack[b->depth++] = (struct frame){.node = node};
    return SLUICE_OK;
}

/* libyaml's reader errors carry a byte offset rather than a mark. */
static struct sluice_ymark offset_mark(const char *origin, const char *text,
                                       size_t n, size_t off)
{
    struct sluice_ymark m = {.origin = origin, .line = 1, .col = 1};
    for (size_t i = 0; i < off && i < n; i++) {
        if (text[i] == '\n') {
            m.line++;
            m.col = 1;
        } else {
            m.col++;
        }
    }
    return m;
}

static int syntax_error(struct builder *b, const yaml_parser_t *p,
                        const char *text, size_t n)
{
    struct sluice_ymark m = mark_of(b, p->problem_mark);
    if (p->error == YAML_READER_ERROR)
        m = offset_mark(b->origin, text, n, p->problem_offset);
    if (p->error == YAML_MEMORY_ERROR)
        return SLUICE_ENOMEM;
    if (p->context)
        sluice__err_set(b->err,
                        "%s:%u:%u: YAML syntax error: %s (%s started at "
                        "%u:%u)",
                        m.origin, m.line, m.col,
                        p->problem ? p->problem : "unknown", p->context,
                        (unsigned)p->context_mark.line + 1,
                        (unsigned)p->context_mark.column + 1);
    else
        sluice__err_set(b->err, "%s:%u:%u: YAML syntax error: %s", m.origin,
                        m.line, m.col, p->problem ? p->problem : "unknown");
    return SLUICE_EJOB;
}

int sluice__ytree_parse(const char *text, size_t n, const char *origin,
                        struct sluice_ynode **out, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    yaml_parser_t parser;
    yaml_event_t ev;
    bool have_ev = false;
    struct builder b = {.origin = origin, .err = err};

    *out = NULL;
    if (!yaml_parser_initialize(&parser))
        return SLUICE_ENOMEM;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, n);
    for (;;) {
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = syntax_error(&b, &parser, text, n);
            goto out;
        }
        have_ev = true;
        if (ev.type == YAML_STREAM_END_EVENT)
            break;
        SLUICE_TRY(on_event(&b, &ev));
        yaml_event_delete(&ev);
        have_ev = false;
    }
    if (!b.root) {
        b.root = sluice__ynode_new(SLUICE_YNODE_SCALAR,
                                   (struct sluice_ymark){origin, 1, 1});
        SLUICE_FAIL_IF(!b.root, SLUICE_ENOMEM, err, "out of memory");
        b.root->plain = true;
    }
    *out = b.root;
    b.root = NULL;
out:
    if (have_ev)
        yaml_event_delete(&ev);
    yaml_parser_delete(&parser);
    for (size_t i = 0; i < b.depth; i++)
        sluice__free(b.stack[i].key);
    sluice__ynode_free(b.root);
    return rc;
}
