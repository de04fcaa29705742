/* job_load_parquet.c: the Parquet fields of a job: output.compression,
 * output.row_group_size, output.flatten, output.empty, columns: (declared
 * types) and on_bad_value. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/env_expand.h"
#include "config/loader.h"
#include "config/units.h"
#include "plan/template.h"
#include "table/types.h"

/* output.compression: a codec name, or {codec: NAME, level: N}. */
static int load_compression(struct loader *L, const struct sluice_ynode *out_n)
{
    static const char *const codecs[] = {"zstd", "snappy", "gzip", "none"};
    static const char *const keys[] = {"codec", "level"};
    static const char *const list = "zstd, snappy, gzip or none";
    const struct sluice_ynode *node = sluice__ynode_get(out_n, "compression");
    const struct sluice_ynode *lvl_n = NULL;
    struct sluice_job *job = L->job;
    char *lvl = NULL;
    int codec = SLUICE_COMPRESS_ZSTD, rc = SLUICE_OK;
    if (!node || sluice__ynode_is_null(node))
        return SLUICE_OK;
    if (node->kind != SLUICE_YNODE_MAP) {
        rc = sluice__cfg_opt_enum(L, out_n, "compression", "output", codecs, 4,
                                  list, &codec);
        job->output.compression = (enum sluice_compression)codec;
        return rc;
    }
    SLUICE_TRY(sluice__cfg_check_keys(L, node, "output.compression", keys, 2));
    SLUICE_TRY(sluice__cfg_opt_enum(L, node, "codec", "output.compression",
                                    codecs, 4, list, &codec));
    job->output.compression = (enum sluice_compression)codec;
    SLUICE_TRY(sluice__cfg_opt_str(L, node, "level", "output.compression", &lvl,
                                   &lvl_n));
    if (lvl) {
        int max = codec == SLUICE_COMPRESS_ZSTD   ? 22
                  : codec == SLUICE_COMPRESS_GZIP ? 9
                                                  : 0;
        long v = 0;
        bool ok = *lvl && strlen(lvl) <= 2;
        for (const char *c = lvl; ok && *c; c++) {
            ok = *c >= '0' && *c <= '9';
            v = v * 10 + (*c - '0');
        }
        if (!max)
            rc = sluice__cfg_fail(L, &lvl_n->mark, "output.compression.level",
                                  "%s has no level", codecs[codec]);
        else if (!ok || v < 1 || v > max)
            rc = sluice__cfg_fail(
                L, &lvl_n->mark, "output.compression.level",
                "expected a whole number from 1 to %d for %s, got '%s'", max,
                codecs[codec], lvl);
        else
            job->output.compression_level = (int)v;
    }
out:
    sluice__free(lvl);
    return rc;
}

int sluice__cfg_load_parquet_output(struct loader *L,
                                    const struct sluice_ynode *out_n)
{
    static const char *const empties[] = {"write", "skip"};
    struct sluice_job *job = L->job;
    int empty = 0, rc = SLUICE_OK;
    job->output.row_group_bytes = 128ULL << 20;
    SLUICE_TRY(load_compression(L, out_n));
    SLUICE_TRY(sluice__cfg_opt_bool(L, out_n, "flatten", "output",
                                    &job->output.flatten));
    SLUICE_TRY(sluice__cfg_opt_enum(L, out_n, "empty", "output", empties, 2,
                                    "write or skip", &empty));
    job->output.skip_empty = empty == 1;
    SLUICE_TRY(sluice__cfg_opt_size(L, out_n, "row_group_size", "output", 1024,
                                    4ULL << 30, &job->output.row_group_bytes));
out:
    return rc;
}

#define COLUMNS_MAX 1024

/* columns: {path: type, ...}, paths like a[].b.c (docs/job-file.md). */
int sluice__cfg_load_columns(struct loader *L)
{
    const struct sluice_ynode *map = sluice__ynode_get(L->root, "columns");
    struct sluice_job *job = L->job;
    char field[PATH_MAX_LEN];
    if (!map || sluice__ynode_is_null(map))
        return SLUICE_OK;
    if (map->kind != SLUICE_YNODE_MAP)
        return sluice__cfg_fail(
            L, &map->mark, "columns",
            "expected a mapping of field path to type, got %s",
            sluice__ynode_kind_name(map));
    if (map->n > COLUMNS_MAX)
        return sluice__cfg_fail(L, &map->mark, "columns",
                                "more than %d entries", COLUMNS_MAX);
    if (map->n == 0)
        return SLUICE_OK;
    job->columns = sluice__calloc(map->n, sizeof *job->columns);
    if (!job->columns)
        return SLUICE_ENOMEM;
    for (size_t i = 0; i < map->n; i++) {
        const struct sluice_yentry *e = &map->entries[i];
        struct sluice_column_decl *d = &job->columns[i];
        size_t bad = 0;
        char *type = NULL;
        sluice__cfg_join(field, "columns", e->key);
        d->path = sluice__strdup(e->key);
        if (!d->path)
            return SLUICE_ENOMEM;
        job->n_columns = i + 1;
        if (!sluice__tpath_valid(d->path, &bad))
            return sluice__cfg_fail(
                L, &e->kmark, field,
                "'%s' is not a field path (byte %zu): names joined "
                "by '.', '[]' after a list",
                d->path, bad);
        if (sluice__ynode_is_null(e->val))
            return sluice__cfg_fail(L, &e->val->mark, field,
                                    "has no type (use %s)", SLUICE_TDECL_NAMES);
        int rc = sluice__cfg_scalar_text(L, e->val, field, &type, NULL);
        if (rc != SLUICE_OK)
            return rc;
        bool ok = sluice__tdecl_parse(type, &d->type);
        if (!ok)
            rc = sluice__cfg_fail(L, &e->val->mark, field,
                                  "unknown type '%s' (use %s)", type,
                                  SLUICE_TDECL_NAMES);
        sluice__free(type);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

int sluice__cfg_load_bad_value(struct loader *L)
{
    static const char *const modes[] = {"null", "fail"};
    int mode = 0;
    int rc = sluice__cfg_opt_enum(L, L->root, "on_bad_value", "", modes, 2,
                                  "null or fail", &mode);
    L->job->bad_value_fail = mode == 1;
    return rc;
}
