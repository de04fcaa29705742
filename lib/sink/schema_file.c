/* schema_file.c: the job's schema file, read and merged into at each
 * commit by the sinks that write with the whole job's schema (Parquet,
 * CSV): see schema_file.h and docs/internals/table.md; and the turns in
 * which commits running at once on several threads read and save it. */
#include <string.h>

#include "sink/publish.h"
#include "sink/schema_file.h"
#include "sink/sink.h"
#include "util/fs.h"

#define SCHEMA_PREFIX ".sluice-schema-"

int sluice__parquet_schema_path(const char *tpl, const char *job,
                                struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    const char *brace = strchr(tpl, '{');
    size_t fixed = brace ? (size_t)(brace - tpl) : strlen(tpl);
    size_t dir = 0;
    for (size_t i = 0; i < fixed; i++)
        if (tpl[i] == '/')
            dir = i + 1;
    if (dir)
        SLUICE_TRY(sluice__buf_append(out, tpl, dir));
    SLUICE_TRY(sluice__buf_adds(out, SCHEMA_PREFIX));
    SLUICE_TRY(sluice__buf_adds(out, job));
    SLUICE_TRY(sluice__buf_adds(out, ".json"));
out:
    return rc;
}

int sluice__schema_file_load(const char *path,
                             const struct sluice_column_decl *cols,
                             size_t n_cols, struct sluice_table **out,
                             struct sluice_err *err)
{
    char *text = NULL;
    size_t n = 0;
    bool missing = false;
    int rc = sluice__read_file(path, SLUICE_TABLE_SCHEMA_FILE_MAX, &text, &n,
                               &missing, err);
    if (rc == SLUICE_EIO && missing) {
        /* No schema yet: a first window. The "cannot open" just set is no
         * error then, and must not stand for a failure of what follows. */
        err->msg[0] = '\0';
        rc = sluice__table_new(out, cols, n_cols);
        if (rc != SLUICE_OK)
            sluice__err_set(err, "%s", sluice_strerror(rc));
        return rc;
    }
    if (rc != SLUICE_OK)
        return rc;
    rc = sluice__table_from_json(text, n, cols, n_cols, out, err);
    if (rc != SLUICE_OK)
        sluice__err_prefix(err, "%s", path);
    sluice__free(text);
    return rc;
}

int sluice__schema_file_save(const char *path, const char *owner,
                             const struct sluice_table *t,
                             struct sluice_buf *text, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_publish pub;
    sluice__publish_init(&pub);
    pub.owner = owner;
    sluice__buf_reset(text);
    rc = sluice__table_to_json(t, text);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "%s",
                   rc == SLUICE_ETOOBIG ? "schema too large"
                                        : sluice_strerror(rc));
    SLUICE_TRY(sluice__publish_open(&pub, path, err));
    SLUICE_TRY(sluice__publish_write(&pub, text->p, text->n, err));
    SLUICE_TRY(sluice__publish_commit(&pub, err));
out:
    sluice__publish_cleanup(&pub);
    return rc;
}

int sluice__schema_turn_init(struct sluice_schema_turn *t)
{
    t->next = 0;
    if (pthread_mutex_init(&t->mu, NULL) != 0)
        return SLUICE_ENOMEM;
    if (pthread_cond_init(&t->cv, NULL) != 0) {
        pthread_mutex_destroy(&t->mu);
        return SLUICE_ENOMEM;
    }
    return SLUICE_OK;
}

void sluice__schema_turn_destroy(struct sluice_schema_turn *t)
{
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
}

void sluice__schema_turn_wait(struct sluice_schema_turn *t, uint64_t ticket)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    while (t->next < ticket)
        pthread_cond_wait(&t->cv, &t->mu);
    pthread_mutex_unlock(&t->mu);
}

void sluice__schema_turn_pass(struct sluice_schema_turn *t, uint64_t ticket)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    while (t->next < ticket)
        pthread_cond_wait(&t->cv, &t->mu);
    if (t->next == ticket) {
        t->next = ticket + 1;
        pthread_cond_broadcast(&t->cv);
    }
    pthread_mutex_unlock(&t->mu);
}
