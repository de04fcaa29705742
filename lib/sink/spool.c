/* spool.c: a window's records kept for a second pass while the window's
 * schema is inferred (spool.h), shared by the sinks that must know every
 * column before they write (Parquet, CSV). Memory follows the spool
 * threshold, not the window: past it the records spill to an unlinked
 * hidden file beside the output, read back in 1 MiB blocks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sink/publish.h"
#include "sink/spool.h"
#include "table/events.h"

#define DEFAULT_SPOOL (16u << 20)
#define READ_CHUNK ((size_t)1 << 20)

int sluice__spool_init(struct sluice_spool *sp, const char *key_as,
                       size_t max_record, size_t spool_max,
                       const struct sluice_column_decl *cols, size_t n_cols)
{
    memset(sp, 0, sizeof *sp);
    sp->fd = -1;
    sp->max_record = max_record ? max_record : 64u << 20;
    sp->spool_max = spool_max ? spool_max : DEFAULT_SPOOL;
    sp->columns = cols;
    sp->n_columns = n_cols;
    sluice__buf_init(&sp->mem, sp->spool_max + sp->max_record + 1024);
    sluice__buf_init(&sp->key, 64 * 1024);
    if (key_as && !(sp->key_as = sluice__strdup(key_as)))
        return SLUICE_ENOMEM;
    return sluice__dupkeys_new(&sp->dups);
}

void sluice__spool_reset(struct sluice_spool *sp)
{
    sluice__buf_reset(&sp->mem);
    if (sp->fd >= 0)
        close(sp->fd);
    sp->fd = -1;
    sp->records = 0;
    sp->depth = 0;
}

void sluice__spool_cleanup(struct sluice_spool *sp)
{
    sluice__spool_reset(sp);
    sluice__table_free(sp->win);
    sp->win = NULL;
    sluice__buf_cleanup(&sp->mem);
    sluice__buf_cleanup(&sp->key);
    sluice__dupkeys_free(sp->dups);
    sp->dups = NULL;
    sluice__free(sp->final_path);
    sp->final_path = NULL;
    sluice__free(sp->key_as);
    sp->key_as = NULL;
}

int sluice__spool_open(struct sluice_spool *sp, const char *final_path,
                       struct sluice_err *err)
{
    int rc = SLUICE_OK;
    sluice__spool_reset(sp);
    sluice__dupkeys_window(sp->dups);
    sluice__table_free(sp->win);
    sp->win = NULL;
    sluice__free(sp->final_path);
    sp->final_path = sluice__strdup(final_path);
    SLUICE_FAIL_IF(!sp->final_path, SLUICE_ENOMEM, err, "out of memory");
    rc = sluice__table_new(&sp->win, sp->columns, sp->n_columns);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "out of memory");
out:
    return rc;
}

int sluice__spool_record_begin(struct sluice_spool *sp, const char *key,
                               size_t key_n, struct sluice_err *err)
{
    static const char zero[4];
    int rc = SLUICE_OK;
    sp->rec_start = sp->mem.n;
    sp->depth = 0;
    sluice__dupkeys_record(sp->dups);
    sp->has_key = key != NULL;
    sluice__buf_reset(&sp->key);
    if (key && sp->key_as)
        SLUICE_TRY(sluice__buf_append(&sp->key, key, key_n));
    SLUICE_TRY(sluice__buf_append(&sp->mem, zero, sizeof zero));
out:
    if (rc != SLUICE_OK)
        sluice__err_set(err, "%s",
                        rc == SLUICE_ETOOBIG ? "record key or spool too large"
                                             : sluice_strerror(rc));
    return rc;
}

int sluice__spool_event(struct sluice_spool *sp, enum sluice_json_event ev,
                        const char *p, size_t n, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    if (ev == SLUICE_JSON_OBJECT_END || ev == SLUICE_JSON_ARRAY_END)
        sp->depth--;
    /* record_key_as: the key becomes the object record's last member. */
    if (ev == SLUICE_JSON_OBJECT_END && sp->depth == 0 && sp->key_as) {
        SLUICE_TRY(sluice__dupkeys_event(sp->dups, SLUICE_JSON_KEY, sp->key_as,
                                         strlen(sp->key_as), sp->mem.n));
        SLUICE_TRY(sluice__ev_put_raw(&sp->mem, SLUICE_EV_KEY, sp->key_as,
                                      strlen(sp->key_as)));
        if (sp->has_key)
            SLUICE_TRY(sluice__ev_put_raw(&sp->mem, SLUICE_EV_STRING,
                                          sp->key.p ? sp->key.p : "",
                                          sp->key.n));
        else
            SLUICE_TRY(sluice__ev_put_raw(&sp->mem, SLUICE_EV_NULL, NULL, 0));
    }
    SLUICE_TRY(sluice__dupkeys_event(sp->dups, ev, p, n, sp->mem.n));
    SLUICE_TRY(sluice__ev_put(&sp->mem, ev, p, n));
    if (ev == SLUICE_JSON_OBJECT_BEGIN || ev == SLUICE_JSON_ARRAY_BEGIN)
        sp->depth++;
    if (sp->mem.n - sp->rec_start > sp->max_record + 4) {
        sluice__err_set(err, "record larger than %zu bytes", sp->max_record);
        return SLUICE_ETOOBIG;
    }
out:
    if (rc == SLUICE_ETOOBIG)
        sluice__err_set(err, "record larger than %zu bytes", sp->max_record);
    else if (rc != SLUICE_OK)
        sluice__err_set(err, "%s", sluice_strerror(rc));
    return rc;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return SLUICE_EIO;
        c += w;
        n -= (size_t)w;
    }
    return SLUICE_OK;
}

/* Moves the in-memory spool to the spool file, creating it first. */
static int spill(struct sluice_spool *sp, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf path;
    sluice__buf_init(&path, 1u << 16);
    if (sp->fd < 0) {
        const char *slash = strrchr(sp->final_path, '/');
        size_t dir = slash ? (size_t)(slash - sp->final_path) + 1 : 0;
        SLUICE_TRY(sluice__buf_append(&path, sp->final_path, dir));
        SLUICE_TRY(sluice__buf_addc(&path, '.'));
        SLUICE_TRY(sluice__buf_adds(&path, sp->final_path + dir));
        SLUICE_TRY(sluice__buf_adds(&path, SLUICE_TMP_MARKER "spool-XXXXXX"));
        sp->fd = mkstemp(path.p);
        SLUICE_FAIL_IF(sp->fd < 0, SLUICE_EIO, err,
                       "%s: cannot create the spool file: %s", path.p,
                       strerror(errno));
        unlink(path.p);
    }
    rc = write_all(sp->fd, sp->mem.p, sp->mem.n);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "writing the spool file: %s",
                   strerror(errno));
    sluice__buf_reset(&sp->mem);
out:
    if (rc == SLUICE_ETOOBIG)
        sluice__err_set(err, "spool path too long");
    else if (rc == SLUICE_ENOMEM)
        sluice__err_set(err, "out of memory");
    sluice__buf_cleanup(&path);
    return rc;
}

int sluice__spool_record_end(struct sluice_spool *sp, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    size_t cuts = 0;
    rc = sluice__dupkeys_end(sp->dups, &cuts);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "out of memory");
    if (cuts)
        sluice__dupkeys_cut(sp->dups, &sp->mem);
    size_t len = sp->mem.n - sp->rec_start - 4;
    uint8_t *hdr = (uint8_t *)sp->mem.p + sp->rec_start;
    hdr[0] = (uint8_t)len;
    hdr[1] = (uint8_t)(len >> 8);
    hdr[2] = (uint8_t)(len >> 16);
    hdr[3] = (uint8_t)(len >> 24);
    SLUICE_TRY(sluice__table_infer(sp->win, hdr + 4, len, err));
    sp->records++;
    if (sp->mem.n >= sp->spool_max)
        SLUICE_TRY(spill(sp, err));
out:
    return rc;
}

/* Replays records [p, p+n) of spooled bytes; *used gets the bytes of the
 * whole records consumed. */
static int replay_bytes(const uint8_t *p, size_t n, sluice_spool_fn fn,
                        void *ud, size_t *used)
{
    size_t off = 0;
    while (n - off >= 4) {
        size_t len = (size_t)p[off] | (size_t)p[off + 1] << 8 |
                     (size_t)p[off + 2] << 16 | (size_t)p[off + 3] << 24;
        if (n - off - 4 < len)
            break;
        int rc = fn(ud, p + off + 4, len);
        if (rc != SLUICE_OK)
            return rc;
        off += 4 + len;
    }
    *used = off;
    return SLUICE_OK;
}

/* Reads the spool file in 1 MiB blocks; the buffer grows only for a
 * record larger than that. */
static int replay_file(struct sluice_spool *sp, sluice_spool_fn fn, void *ud,
                       struct sluice_err *err)
{
    int rc = SLUICE_OK;
    size_t cap = 1u << 20, have = 0, used;
    uint8_t *b = sluice__malloc(cap);
    SLUICE_FAIL_IF(!b, SLUICE_ENOMEM, err, "out of memory");
    SLUICE_FAIL_IF(lseek(sp->fd, 0, SEEK_SET) != 0, SLUICE_EIO, err,
                   "spool file: %s", strerror(errno));
    for (;;) {
        if (have == cap) { /* one record fills the buffer: make room */
            size_t len = (size_t)b[0] | (size_t)b[1] << 8 | (size_t)b[2] << 16 |
                         (size_t)b[3] << 24;
            SLUICE_FAIL_IF(len > sp->max_record, SLUICE_EIO, err,
                           "spool file: corrupt");
            void *nb = sluice__realloc(b, len + 4);
            SLUICE_FAIL_IF(!nb, SLUICE_ENOMEM, err, "out of memory");
            b = nb;
            cap = len + 4;
        }
        /* Read 1 MiB at a time, more only while a record is incomplete:
         * one read of the whole buffer would touch up to max_record bytes
         * (64 MiB) and put a big window's spool in memory after all. */
        size_t want = cap - have < READ_CHUNK ? cap - have : READ_CHUNK;
        ssize_t r = read(sp->fd, b + have, want);
        if (r < 0 && errno == EINTR)
            continue;
        SLUICE_FAIL_IF(r < 0, SLUICE_EIO, err, "spool file: %s",
                       strerror(errno));
        if (r == 0)
            break;
        have += (size_t)r;
        SLUICE_TRY(replay_bytes(b, have, fn, ud, &used));
        memmove(b, b + used, have - used);
        have -= used;
    }
    SLUICE_FAIL_IF(have != 0, SLUICE_EIO, err, "spool file: truncated");
out:
    sluice__free(b);
    return rc;
}

int sluice__spool_replay(struct sluice_spool *sp, sluice_spool_fn fn,
                         void *ud, struct sluice_err *err)
{
    size_t used;
    if (sp->fd >= 0) {
        int rc = replay_file(sp, fn, ud, err);
        if (rc != SLUICE_OK)
            return rc;
    }
    return replay_bytes((const uint8_t *)sp->mem.p, sp->mem.n, fn, ud, &used);
}

void sluice__spool_warnings(const struct sluice_spool *sp,
                            const struct sluice_table *job,
                            struct sluice_buf *out)
{
    sluice__buf_reset(out);
    if (sluice__dupkeys_warnings(sp->dups, out) ||
        sluice__buf_adds(out, sluice__table_warnings(sp->win)) ||
        (job && sluice__buf_adds(out, sluice__table_warnings(job))))
        sluice__buf_reset(out);
}
