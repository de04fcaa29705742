/* test_table_helpers.h: shared by the test_table_*.c files: JSON text to
 * the event encoding, schemas inferred from records, and shredding into a
 * per-column text of (def,rep[=value]) entries that tests compare with
 * hand-computed sequences. */
#ifndef SLUICE_TEST_TABLE_HELPERS_H
#define SLUICE_TEST_TABLE_HELPERS_H

#include "harness.h"
#include "sink/parquet_shred.h"
#include "table/events.h"

static int collect_ev(void *ud, enum sluice_json_event ev, const char *p,
                      size_t n)
{
    return sluice__ev_put(ud, ev, p, n);
}

/* JSON text -> events in out (reset first). */
static inline int encode(const char *json, struct sluice_buf *out)
{
    sluice__buf_reset(out);
    struct sluice_json_reader *r =
        sluice__json_reader_new(NULL, collect_ev, out);
    if (!r)
        return SLUICE_ENOMEM;
    int rc = sluice__json_reader_feed(r, json, strlen(json));
    if (rc == SLUICE_OK)
        rc = sluice__json_reader_finish(r);
    sluice__json_reader_free(r);
    return rc;
}

static inline int infer_json(struct sluice_table *t, const char *json)
{
    struct sluice_buf b;
    struct sluice_err err = {{0}};
    sluice__buf_init(&b, 1u << 24);
    int rc = encode(json, &b);
    if (rc == SLUICE_OK)
        rc = sluice__table_infer(t, b.p, b.n, &err);
    if (rc != SLUICE_OK)
        fprintf(stderr, "  infer %s: %d %s\n", json, rc, err.msg);
    sluice__buf_cleanup(&b);
    return rc;
}

/* Per-leaf text: column i's entries as "(d,r)" or "(d,r=v)". */
struct cols {
    struct sluice_buf col[64];
};

static inline int capture(void *ud, size_t leaf, unsigned def, unsigned rep,
                          const struct sluice_pq_value *v)
{
    struct cols *c = ud;
    (void)v;
    if (leaf >= 64)
        return SLUICE_EINVAL;
    return sluice__buf_appendf(&c->col[leaf], "(%u,%u)", def, rep);
}

static inline void cols_init(struct cols *c)
{
    for (size_t i = 0; i < 64; i++)
        sluice__buf_init(&c->col[i], 1u << 20);
}

static inline void cols_cleanup(struct cols *c)
{
    for (size_t i = 0; i < 64; i++)
        sluice__buf_cleanup(&c->col[i]);
}

/* "c0 | c1 | ..." for the first n columns. */
static inline const char *cols_str(struct cols *c, size_t n,
                                   struct sluice_buf *out)
{
    sluice__buf_reset(out);
    for (size_t i = 0; i < n; i++) {
        if (i && sluice__buf_adds(out, " | ") != SLUICE_OK)
            return "";
        if (sluice__buf_adds(out, sluice__buf_str(&c->col[i])) != SLUICE_OK)
            return "";
    }
    return sluice__buf_str(out);
}

#endif
