/* sink.h: where a window's records go. One interface, several formats
 * (NDJSON now; Parquet and CSV behind the same calls later). A sink is
 * reused window after window by one transfer slot:
 *
 *   open(final path) -> record_begin/event/record_end ... -> commit | abort
 *
 * open() starts a temporary file (sink/publish.h); commit() publishes it
 * under the final name; abort() removes it. Records arrive as the JSON
 * reader's events (through the selector), so nothing is buffered whole. */
#ifndef SLUICE_SINK_SINK_H
#define SLUICE_SINK_SINK_H

#include "json/reader.h"

struct sluice_sink;

struct sluice_sink_ops {
    int (*open)(struct sluice_sink *s, const char *final_path);
    int (*record_begin)(struct sluice_sink *s, const char *key, size_t key_n);
    int (*event)(struct sluice_sink *s, enum sluice_json_event ev,
                 const char *p, size_t n);
    int (*record_end)(struct sluice_sink *s);
    /* Publishes; *bytes_out gets the size of the published file. */
    int (*commit)(struct sluice_sink *s, uint64_t *bytes_out);
    void (*abort)(struct sluice_sink *s);
    void (*destroy)(struct sluice_sink *s);
};

struct sluice_sink {
    const struct sluice_sink_ops *ops;
    struct sluice_err err; /* detail of the last failure */
};

struct sluice_sink_opts {
    const char *record_key_as; /* NULL, or the member that keeps the key */
    size_t max_record_bytes;   /* bound on one serialised record */
};

/* NDJSON: one compact JSON value per line, as selected, with
 * record_key_as appended as the last member of object records. */
SLUICE_NODISCARD int sluice__sink_ndjson_new(const struct sluice_sink_opts *o,
                                             struct sluice_sink **out);

static inline void sluice__sink_free(struct sluice_sink *s)
{
    if (s)
        s->ops->destroy(s);
}

#endif
