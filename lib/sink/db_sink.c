/* db_sink.c: the part of a commit the database sinks share, and their
 * spooling ops (db_sink.h). A partition is spooled whole before its
 * transaction begins: the table needs every column the partition brings
 * before its first row goes in, and a commit that failed transiently is
 * tried again from the same spool without pulling the partition again. */
#include <string.h>

#include "sink/db_sink.h"
#include "sink/schema_file.h"

static const char *keep(struct sluice_db_sink *s, const char *v, bool *ok)
{
    if (!v)
        return NULL;
    char *c = sluice__strdup(v);
    if (!c) {
        *ok = false;
        return NULL;
    }
    s->owned[s->n_owned++] = c;
    return c;
}

int sluice__db_sink_init(struct sluice_db_sink *s,
                         const struct sluice_sink_ops *ops,
                         const struct sluice_sink_opts *o,
                         const struct sluice_sink_db_opts *d)
{
    bool ok = true;
    s->base.ops = ops;
    s->base.database = true;
    s->d = *d;
    size_t max_record = o && o->max_record_bytes ? o->max_record_bytes
                                                 : 64u << 20;
    sluice__db_row_init(&s->row, max_record);
    s->row.fail_on_bad = d->fail_on_bad;
    sluice__buf_init(&s->warnings, 128 * 1024);
    sluice__buf_init(&s->schema_text, SLUICE_TABLE_SCHEMA_FILE_MAX);
    sluice__buf_init(&s->sql, 64u << 20);
    s->owned = sluice__calloc(6 + d->n_primary_key, sizeof *s->owned);
    char **keys = sluice__calloc(d->n_primary_key + 1, sizeof *keys);
    if (!s->owned || !keys) {
        sluice__free(keys);
        return SLUICE_ENOMEM;
    }
    s->d.target = keep(s, d->target, &ok);
    s->d.table = keep(s, d->table, &ok);
    s->d.job_name = keep(s, d->job_name ? d->job_name : "job", &ok);
    s->d.schema_path = keep(s, d->schema_path, &ok);
    s->d.spool_path = keep(s, d->spool_path, &ok);
    for (size_t i = 0; i < d->n_primary_key; i++)
        keys[i] = (char *)keep(s, d->primary_key[i], &ok);
    s->d.primary_key = (const char *const *)keys;
    int rc = sluice__spool_init(&s->sp, o ? o->record_key_as : NULL,
                                max_record, d->spool_bytes, d->columns,
                                d->n_columns);
    return ok ? rc : SLUICE_ENOMEM;
}

void sluice__db_sink_cleanup(struct sluice_db_sink *s)
{
    sluice__spool_cleanup(&s->sp);
    sluice__table_free(s->job);
    s->job = NULL;
    sluice__db_cols_cleanup(&s->cols);
    sluice__db_row_cleanup(&s->row);
    sluice__buf_cleanup(&s->warnings);
    sluice__buf_cleanup(&s->schema_text);
    sluice__buf_cleanup(&s->sql);
    for (size_t i = 0; i < s->n_owned; i++)
        sluice__free(s->owned[i]);
    sluice__free(s->owned);
    sluice__free((void *)s->d.primary_key);
    sluice__free(s->partition);
}

int sluice__db_sink_open(struct sluice_sink *base, const char *partition)
{
    struct sluice_db_sink *s = (struct sluice_db_sink *)base;
    int rc = SLUICE_OK;
    sluice__buf_reset(&s->warnings);
    base->bad_values = 0;
    base->warnings = NULL;
    base->schema_json = NULL;
    base->published = false;
    base->transient = base->fatal = false;
    sluice__free(s->partition);
    s->partition = sluice__strdup(partition);
    SLUICE_FAIL_IF(!s->partition, SLUICE_ENOMEM, &base->err, "out of memory");
    SLUICE_TRY(sluice__spool_open(&s->sp, s->d.spool_path, &base->err));
out:
    return rc;
}

int sluice__db_sink_record_begin(struct sluice_sink *base, const char *key,
                                 size_t key_n)
{
    return sluice__spool_record_begin(&((struct sluice_db_sink *)base)->sp,
                                      key, key_n, &base->err);
}

int sluice__db_sink_event(struct sluice_sink *base, enum sluice_json_event ev,
                          const char *p, size_t n)
{
    return sluice__spool_event(&((struct sluice_db_sink *)base)->sp, ev, p, n,
                               &base->err);
}

int sluice__db_sink_record_end(struct sluice_sink *base)
{
    return sluice__spool_record_end(&((struct sluice_db_sink *)base)->sp,
                                    &base->err);
}

void sluice__db_sink_abort(struct sluice_sink *base)
{
    sluice__spool_reset(&((struct sluice_db_sink *)base)->sp);
}

int sluice__db_sink_schema(struct sluice_db_sink *s)
{
    struct sluice_sink *base = &s->base;
    bool changed = false;
    int rc = SLUICE_OK;
    base->transient = base->fatal = false;
    base->err.msg[0] = '\0';
    s->row.bad_values = 0;
    s->row.records = 0;
    sluice__table_free(s->job);
    s->job = NULL;
    SLUICE_TRY(sluice__schema_file_load(s->d.schema_path, s->d.columns,
                                        s->d.n_columns, &s->job, &base->err));
    SLUICE_TRY(sluice__table_merge(s->job, s->sp.win, &changed, &base->err));
    s->job->named = false;
    SLUICE_TRY(
        sluice__db_cols_build(s->job, s->d.flatten, &s->cols, &base->err));
    if (changed || s->job->named) {
        SLUICE_TRY(sluice__schema_file_save(s->d.schema_path, s->d.job_name,
                                            s->job, &s->schema_text,
                                            &base->err));
        base->schema_json = sluice__buf_str(&s->schema_text);
    }
out:
    return rc;
}

void sluice__db_sink_commit_end(struct sluice_db_sink *s, int rc)
{
    if (s->job) {
        sluice__spool_warnings(&s->sp, s->job, &s->warnings);
        s->base.warnings = sluice__buf_str(&s->warnings);
    }
    s->base.bad_values = s->row.bad_values;
    s->base.published = rc == SLUICE_OK;
    sluice__table_free(s->job);
    s->job = NULL;
    if (rc == SLUICE_OK || !s->base.transient)
        sluice__spool_reset(&s->sp);
}

bool sluice__db_sink_is_key(const struct sluice_db_sink *s, const char *name)
{
    for (size_t i = 0; i < s->d.n_primary_key; i++)
        if (!strcmp(s->d.primary_key[i], name))
            return true;
    return false;
}

int sluice__db_sink_check_keys(struct sluice_db_sink *s)
{
    int rc = SLUICE_OK;
    for (size_t k = 0; k < s->d.n_primary_key; k++) {
        bool found = false;
        for (size_t i = 0; i < s->cols.n && !found; i++)
            found = !strcmp(s->cols.v[i].name, s->d.primary_key[k]);
        SLUICE_FAIL_IF(!found, SLUICE_EINVAL, &s->base.err,
                       "output.primary_key: no column '%s' in the records "
                       "(written so far)",
                       s->d.primary_key[k]);
    }
out:
    return rc;
}

int sluice__db_merge_clause(const struct sluice_db_sink *s,
                            struct sluice_buf *q)
{
    int rc = SLUICE_OK;
    for (size_t k = 0; k < s->d.n_primary_key; k++) {
        SLUICE_TRY(sluice__buf_adds(q, k ? ", " : " ON CONFLICT ("));
        SLUICE_TRY(sluice__db_quote_ident(q, s->d.primary_key[k]));
    }
    SLUICE_TRY(sluice__buf_adds(q, ") DO UPDATE SET \"_sluice_partition\" "
                                   "= EXCLUDED.\"_sluice_partition\""));
    for (size_t i = 0; i < s->cols.n; i++) {
        if (sluice__db_sink_is_key(s, s->cols.v[i].name))
            continue;
        SLUICE_TRY(sluice__buf_adds(q, ", "));
        SLUICE_TRY(sluice__db_quote_ident(q, s->cols.v[i].name));
        SLUICE_TRY(sluice__buf_adds(q, " = EXCLUDED."));
        SLUICE_TRY(sluice__db_quote_ident(q, s->cols.v[i].name));
    }
out:
    return rc;
}
