/* ndjson.c: the NDJSON sink. Each record is serialised compactly into a
 * line buffer by the JSON writer; full lines collect in an output buffer
 * that is written out in large blocks through the publisher.
 *
 * A member name repeated in one object keeps its last value, as in every
 * sink (json/dupkeys.h): the line is written as it comes, and only a line
 * that has a repetition is rewritten, by cutting out the earlier members'
 * bytes; every other byte stays as written. */
#include <string.h>

#include "json/dupkeys.h"
#include "json/json_writer.h"
#include "sink/publish.h"
#include "sink/sink.h"

#define NDJSON_FLUSH_BYTES (256u * 1024u)

struct ndjson_sink {
    struct sluice_sink base; /* first: the sink is cast to and from it */
    struct sluice_publish pub;
    struct sluice_buf line;  /* the record being serialised */
    struct sluice_buf out;   /* complete lines not yet written */
    struct sluice_json_writer writer;
    char *key_as;
    char *owner;             /* the job, in the temporary file's name */
    struct sluice_buf key;   /* this record's wildcard key */
    bool has_key;
    unsigned depth;          /* containers open in the record */
    struct sluice_dupkeys *dups;
    struct sluice_buf warnings;
    uint64_t bytes;
};

static int flush_out(struct ndjson_sink *s)
{
    int rc = sluice__publish_write(&s->pub, s->out.p, s->out.n, &s->base.err);
    if (rc == SLUICE_OK)
        s->bytes += s->out.n;
    sluice__buf_reset(&s->out);
    return rc;
}

static int nd_open(struct sluice_sink *base, const char *final_path)
{
    struct ndjson_sink *s = (struct ndjson_sink *)base;
    sluice__buf_reset(&s->out);
    sluice__buf_reset(&s->warnings);
    sluice__dupkeys_window(s->dups);
    s->bytes = 0;
    base->published = false;
    base->warnings = NULL;
    return sluice__publish_open(&s->pub, final_path, &base->err);
}

static int nd_record_begin(struct sluice_sink *base, const char *key,
                           size_t key_n)
{
    struct ndjson_sink *s = (struct ndjson_sink *)base;
    sluice__buf_reset(&s->line);
    sluice__buf_reset(&s->key);
    sluice__json_writer_init(&s->writer, &s->line);
    sluice__dupkeys_record(s->dups);
    s->depth = 0;
    s->has_key = key != NULL;
    if (key && s->key_as) {
        int rc = sluice__buf_append(&s->key, key, key_n);
        if (rc != SLUICE_OK) {
            sluice__err_set(&base->err, "%s",
                            sluice__buf_failure(rc, "record key too long"));
            return rc;
        }
    }
    return SLUICE_OK;
}

static int nd_event(struct sluice_sink *base, enum sluice_json_event ev,
                    const char *p, size_t n)
{
    struct ndjson_sink *s = (struct ndjson_sink *)base;
    size_t at = s->line.n;
    if (ev == SLUICE_JSON_OBJECT_END || ev == SLUICE_JSON_ARRAY_END)
        s->depth--;
    if (ev == SLUICE_JSON_OBJECT_END && s->depth == 0 && s->key_as) {
        /* record_key_as will be the object's last member (append_key):
         * a member of the same name before it is an earlier occurrence. */
        size_t key_at = at + (at > 1 ? 1 : 0); /* after its ',' */
        int rc = sluice__dupkeys_event(s->dups, SLUICE_JSON_KEY, s->key_as,
                                       strlen(s->key_as), key_at);
        if (rc != SLUICE_OK) {
            sluice__err_set(&base->err, "out of memory");
            return rc;
        }
    }
    int rc = sluice__json_writer_event(&s->writer, ev, p, n);
    if (rc == SLUICE_ETOOBIG) {
        sluice__err_set(&base->err, "record larger than %zu bytes",
                        s->line.max);
        return rc;
    }
    if (rc != SLUICE_OK) {
        sluice__err_set(&base->err, "%s", sluice_strerror(rc));
        return rc;
    }
    if (ev == SLUICE_JSON_OBJECT_BEGIN || ev == SLUICE_JSON_ARRAY_BEGIN)
        s->depth++;
    /* a member begins at its key, after the ',' the writer put first */
    if (ev == SLUICE_JSON_KEY && s->line.p[at] == ',')
        at++;
    rc = sluice__dupkeys_event(s->dups, ev, p, n, at);
    if (rc != SLUICE_OK)
        sluice__err_set(&base->err, "%s",
                        rc == SLUICE_ENOMEM ? "out of memory"
                                            : "too many members in one record");
    return rc;
}

/* Appends ,"<key_as>":"<key>" inside the record's closing brace. */
static int append_key(struct ndjson_sink *s)
{
    int rc = SLUICE_OK;
    struct sluice_buf *l = &s->line;
    if (l->n < 2 || l->p[0] != '{' || l->p[l->n - 1] != '}') {
        sluice__err_set(&s->base.err,
                        "record_key_as needs object records, got %.20s",
                        sluice__buf_str(l));
        return SLUICE_EINVAL;
    }
    l->n--; /* drop the closing brace, put it back after the member */
    if (l->n > 1)
        SLUICE_TRY(sluice__buf_addc(l, ','));
    SLUICE_TRY(sluice__json_write_string(l, s->key_as, strlen(s->key_as)));
    SLUICE_TRY(sluice__buf_addc(l, ':'));
    if (s->has_key)
        SLUICE_TRY(sluice__json_write_string(l, s->key.p ? s->key.p : "",
                                             s->key.n));
    else
        SLUICE_TRY(sluice__buf_adds(l, "null"));
    SLUICE_TRY(sluice__buf_addc(l, '}'));
out:
    if (rc != SLUICE_OK && rc != SLUICE_EINVAL)
        sluice__err_set(&s->base.err, "record too large");
    return rc;
}

static int nd_record_end(struct sluice_sink *base)
{
    struct ndjson_sink *s = (struct ndjson_sink *)base;
    int rc = SLUICE_OK;
    size_t cuts = 0;
    if (s->key_as)
        SLUICE_TRY(append_key(s));
    rc = sluice__dupkeys_end(s->dups, &cuts);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, &base->err, "out of memory");
    if (cuts)
        sluice__dupkeys_cut(s->dups, &s->line);
    rc = sluice__buf_append(&s->out, s->line.p ? s->line.p : "", s->line.n);
    if (rc == SLUICE_OK)
        rc = sluice__buf_addc(&s->out, '\n');
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, &base->err, "out of memory");
    if (s->out.n >= NDJSON_FLUSH_BYTES)
        SLUICE_TRY(flush_out(s));
out:
    return rc;
}

static int nd_commit(struct sluice_sink *base, uint64_t *bytes_out)
{
    struct ndjson_sink *s = (struct ndjson_sink *)base;
    int rc = SLUICE_OK;
    if (s->out.n)
        SLUICE_TRY(flush_out(s));
    if (sluice__dupkeys_warnings(s->dups, &s->warnings) != SLUICE_OK)
        sluice__buf_reset(&s->warnings); /* advice only */
    base->warnings = sluice__buf_str(&s->warnings);
    s->pub.defer_folder_sync = base->defer_folder_sync;
    SLUICE_TRY(sluice__publish_commit(&s->pub, &base->err));
    base->published = true;
    if (bytes_out)
        *bytes_out = s->bytes;
out:
    if (rc != SLUICE_OK)
        sluice__publish_abort(&s->pub);
    return rc;
}

static void nd_abort(struct sluice_sink *base)
{
    struct ndjson_sink *s = (struct ndjson_sink *)base;
    sluice__buf_reset(&s->out);
    sluice__publish_abort(&s->pub);
}

static void nd_destroy(struct sluice_sink *base)
{
    struct ndjson_sink *s = (struct ndjson_sink *)base;
    sluice__publish_cleanup(&s->pub);
    sluice__buf_cleanup(&s->line);
    sluice__buf_cleanup(&s->out);
    sluice__buf_cleanup(&s->key);
    sluice__buf_cleanup(&s->warnings);
    sluice__dupkeys_free(s->dups);
    sluice__free(s->key_as);
    sluice__free(s->owner);
    sluice__free(s);
}

static const struct sluice_sink_ops NDJSON_OPS = {
    nd_open,   nd_record_begin, nd_event, nd_record_end,
    nd_commit, nd_abort,        nd_destroy, NULL,
};

int sluice__sink_ndjson_new(const struct sluice_sink_opts *o,
                            struct sluice_sink **out)
{
    struct ndjson_sink *s = sluice__calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return SLUICE_ENOMEM;
    s->base.ops = &NDJSON_OPS;
    sluice__publish_init(&s->pub);
    size_t max = o && o->max_record_bytes ? o->max_record_bytes : 64u << 20;
    sluice__buf_init(&s->line, max);
    sluice__buf_init(&s->out, max + NDJSON_FLUSH_BYTES + 1);
    sluice__buf_init(&s->key, 64 * 1024);
    sluice__buf_init(&s->warnings, 64 * 1024);
    if (sluice__dupkeys_new(&s->dups) != SLUICE_OK) {
        nd_destroy(&s->base);
        return SLUICE_ENOMEM;
    }
    if (o && o->record_key_as) {
        s->key_as = sluice__strdup(o->record_key_as);
        if (!s->key_as) {
            nd_destroy(&s->base);
            return SLUICE_ENOMEM;
        }
    }
    if (o && o->job_name) {
        s->owner = sluice__strdup(o->job_name);
        if (!s->owner) {
            nd_destroy(&s->base);
            return SLUICE_ENOMEM;
        }
        s->pub.owner = s->owner;
    }
    *out = &s->base;
    return SLUICE_OK;
}
