/* overrides.c: applies `--set path=value` to the YAML tree, after the file
 * and in command-line order, so the last --set of a path wins. */
#include "config/overrides.h"

#include <string.h>

#include "util/buf.h"

char *sluice__override_origin(const char *set)
{
    const char *eq = strchr(set, '=');
    size_t n = eq ? (size_t)(eq - set) : strlen(set);
    struct sluice_buf b;
    sluice__buf_init(&b, 4096 + 6);
    if (sluice__buf_adds(&b, "--set ") != SLUICE_OK ||
        sluice__buf_append(&b, set, n > 4096 ? 4096 : n) != SLUICE_OK)
        return NULL;
    return sluice__buf_take(&b, NULL);
}

/* Whether a --set value holds a window placeholder: {start}, {end},
 * {end_excl} or {index}, bare or with a :format. */
static bool holds_placeholder(const char *v)
{
    static const char *const names[] = {"start", "end", "end_excl", "index",
                                        "partition"};
    for (const char *b = strchr(v, '{'); b; b = strchr(b + 1, '{')) {
        for (size_t i = 0; i < SLUICE_ARRAY_LEN(names); i++) {
            size_t n = strlen(names[i]);
            if (strncmp(b + 1, names[i], n) == 0 &&
                (b[1 + n] == '}' || b[1 + n] == ':'))
                return true;
        }
    }
    return false;
}

int sluice__override_apply(struct sluice_ynode *root, const char *set,
                           const char *origin, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_ynode *value = NULL;
    struct sluice_ymark at = {.origin = origin, .line = 1, .col = 1};
    const char *eq = strchr(set, '=');
    char seg[256];

    SLUICE_FAIL_IF(!eq, SLUICE_EJOB, err,
                   "%s:1:1: expected PATH=VALUE (e.g. --set concurrency=8)",
                   origin);
    const char *path_end = eq;
    size_t depth = 1;
    for (const char *p = set; p < path_end; p++)
        depth += *p == '.';
    SLUICE_FAIL_IF(depth > SLUICE_SET_MAX_DEPTH, SLUICE_EJOB, err,
                   "%s:1:1: path has more than %d parts", origin,
                   SLUICE_SET_MAX_DEPTH);
    if (eq[1] != '"' && eq[1] != '\'' && holds_placeholder(eq + 1)) {
        /* An unquoted window template is a string, though YAML would read
         * {start} as a mapping: take the text as it is. (Quoted values are
         * YAML as usual, which is how `pull` passes its flags.) */
        value = sluice__ynode_new(SLUICE_YNODE_SCALAR, at);
        SLUICE_FAIL_IF(!value, SLUICE_ENOMEM, err, "out of memory");
        sluice__free(value->text);
        value->len = strlen(eq + 1);
        value->text = sluice__strndup(eq + 1, value->len);
        value->plain = false;
        SLUICE_FAIL_IF(!value->text, SLUICE_ENOMEM, err, "out of memory");
    } else {
        SLUICE_TRY(
            sluice__ytree_parse(eq + 1, strlen(eq + 1), origin, &value, err));
    }

    struct sluice_ynode *node = root;
    const char *p = set;
    for (;;) {
        const char *dot = memchr(p, '.', (size_t)(path_end - p));
        const char *seg_end = dot ? dot : path_end;
        size_t seg_n = (size_t)(seg_end - p);
        SLUICE_FAIL_IF(seg_n == 0, SLUICE_EJOB, err,
                       "%s:1:1: empty part in the path (write a.b.c)", origin);
        SLUICE_FAIL_IF(seg_n >= sizeof seg, SLUICE_EJOB, err,
                       "%s:1:1: path part longer than %zu bytes", origin,
                       sizeof seg - 1);
        memcpy(seg, p, seg_n);
        seg[seg_n] = '\0';
        if (!dot) {
            rc = sluice__ynode_set(node, seg, at, value);
            value = NULL; /* owned by the tree now, even on failure */
            goto out;
        }
        struct sluice_ynode *child = sluice__ynode_get(node, seg);
        if (!child || sluice__ynode_is_null(child)) {
            child = sluice__ynode_new(SLUICE_YNODE_MAP, at);
            SLUICE_FAIL_IF(!child, SLUICE_ENOMEM, err, "out of memory");
            SLUICE_TRY(sluice__ynode_set(node, seg, at, child));
        }
        SLUICE_FAIL_IF(child->kind != SLUICE_YNODE_MAP, SLUICE_EJOB, err,
                       "%s:1:1: %.*s: is %s, not a mapping, so %.*s cannot "
                       "be set",
                       origin, (int)(seg_end - set), set,
                       sluice__ynode_kind_name(child), (int)(path_end - set),
                       set);
        node = child;
        p = dot + 1;
    }
out:
    sluice__ynode_free(value);
    return rc;
}
