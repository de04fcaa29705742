/* test_parquet_helpers.h: shared by the test_parquet_*.c files: writing a
 * Parquet file into memory and dumping it back to JSON with our reader. */
#ifndef SLUICE_TEST_PARQUET_HELPERS_H
#define SLUICE_TEST_PARQUET_HELPERS_H

#include "harness.h"
#include "parquet/pq_reader.h"
#include "parquet/pq_writer.h"

static int mem_sink(void *ud, const void *p, size_t n)
{
    return sluice__buf_append(ud, p, n);
}

#define V_STR(x) (&(struct sluice_pq_value){.s = {(x), strlen(x)}})
#define V_BIN(x, n) (&(struct sluice_pq_value){.s = {(x), (n)}})
#define V_I64(x) (&(struct sluice_pq_value){.i64 = (x)})
#define V_I32(x) (&(struct sluice_pq_value){.i32 = (x)})
#define V_DBL(x) (&(struct sluice_pq_value){.d = (x)})
#define V_BOOL(x) (&(struct sluice_pq_value){.b = (x)})

/* A new schema, or NULL (the test then fails on it). */
static struct sluice_pq_schema *new_schema(void)
{
    struct sluice_pq_schema *s = NULL;
    if (sluice__pq_schema_new(&s) != SLUICE_OK)
        return NULL;
    return s;
}

/* Reads `file` back; *json receives every record, one per line. Returns
 * the reader's code; the message goes to stderr on failure. */
static int dump_json(const struct sluice_buf *file, struct sluice_buf *json)
{
    struct sluice_err err = {{0}};
    struct sluice_pq_reader *r = NULL;
    int rc = sluice__pq_reader_open_mem(&r, file->p, file->n, &err);
    if (rc != SLUICE_OK) {
        fprintf(stderr, "  open: %s\n", err.msg);
        return rc;
    }
    rc = sluice__pq_reader_json(r, json);
    if (rc != SLUICE_OK)
        fprintf(stderr, "  read: %s\n", sluice__pq_reader_error(r));
    sluice__pq_reader_free(r);
    return rc;
}

/* Asserts inside a test: the call must succeed, else print the writer's
 * message and fail. */
#define W_OK(w, call)                                                          \
    do {                                                                       \
        int rc_ = (call);                                                      \
        if (rc_ != SLUICE_OK)                                                  \
            FAIL_AT("%s: %d: %s", #call, rc_, sluice__pq_writer_error(w));     \
    } while (0)

#endif
