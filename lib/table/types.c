/* types.c: names of column kinds and declared types, and the syntax of a
 * declaration path (types.h). */
#include <string.h>

#include "table/types.h"

static const char *const DECL_NAMES[] = {
    [SLUICE_D_NONE] = "",
    [SLUICE_D_BOOLEAN] = "boolean",
    [SLUICE_D_INT64] = "int64",
    [SLUICE_D_DOUBLE] = "double",
    [SLUICE_D_STRING] = "string",
    [SLUICE_D_DATE] = "date",
    [SLUICE_D_TIMESTAMP] = "timestamp",
    [SLUICE_D_TIMESTAMP_MS] = "timestamp_ms",
    [SLUICE_D_TIMESTAMP_US] = "timestamp_us",
    [SLUICE_D_TIMESTAMP_S] = "timestamp_s",
    [SLUICE_D_JSON] = "json",
};

static const char *const KIND_NAMES[] = {
    [SLUICE_T_UNKNOWN] = "null",        [SLUICE_T_BOOLEAN] = "boolean",
    [SLUICE_T_INT64] = "int64",         [SLUICE_T_DOUBLE] = "double",
    [SLUICE_T_STRING] = "string",       [SLUICE_T_DATE] = "date",
    [SLUICE_T_TIMESTAMP] = "timestamp", [SLUICE_T_JSON] = "json",
    [SLUICE_T_STRUCT] = "struct",       [SLUICE_T_LIST] = "list",
};

bool sluice__tdecl_parse(const char *name, enum sluice_tdecl *out)
{
    for (size_t i = 1; i < SLUICE_ARRAY_LEN(DECL_NAMES); i++) {
        if (!strcmp(name, DECL_NAMES[i])) {
            *out = (enum sluice_tdecl)i;
            return true;
        }
    }
    return false;
}

const char *sluice__tdecl_name(enum sluice_tdecl d)
{
    return (size_t)d < SLUICE_ARRAY_LEN(DECL_NAMES) ? DECL_NAMES[d] : "?";
}

enum sluice_tkind sluice__tdecl_kind(enum sluice_tdecl d)
{
    switch (d) {
    case SLUICE_D_BOOLEAN:
        return SLUICE_T_BOOLEAN;
    case SLUICE_D_INT64:
        return SLUICE_T_INT64;
    case SLUICE_D_DOUBLE:
        return SLUICE_T_DOUBLE;
    case SLUICE_D_STRING:
        return SLUICE_T_STRING;
    case SLUICE_D_DATE:
        return SLUICE_T_DATE;
    case SLUICE_D_TIMESTAMP:
    case SLUICE_D_TIMESTAMP_MS:
    case SLUICE_D_TIMESTAMP_US:
    case SLUICE_D_TIMESTAMP_S:
        return SLUICE_T_TIMESTAMP;
    case SLUICE_D_JSON:
        return SLUICE_T_JSON;
    case SLUICE_D_NONE:
        break;
    }
    return SLUICE_T_UNKNOWN;
}

const char *sluice__tkind_name(enum sluice_tkind k)
{
    return (size_t)k < SLUICE_ARRAY_LEN(KIND_NAMES) ? KIND_NAMES[k] : "?";
}

bool sluice__tkind_parse(const char *name, size_t n, enum sluice_tkind *out)
{
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(KIND_NAMES); i++) {
        if (strlen(KIND_NAMES[i]) == n && !memcmp(name, KIND_NAMES[i], n)) {
            *out = (enum sluice_tkind)i;
            return true;
        }
    }
    return false;
}

bool sluice__tpath_valid(const char *path, size_t *bad)
{
    size_t i = 0, n = strlen(path);
    for (;;) {
        size_t start = i;
        while (i < n && path[i] != '.' && path[i] != '[' && path[i] != ']')
            i++;
        if (i == start)
            goto fail; /* empty name */
        while (i < n && path[i] == '[') {
            if (i + 1 >= n || path[i + 1] != ']')
                goto fail;
            i += 2;
        }
        if (i == n)
            return true;
        if (path[i] != '.')
            goto fail;
        i++;
    }
fail:
    *bad = i;
    return false;
}
