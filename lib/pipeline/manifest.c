/* manifest.c: output.manifest: true. At the end of each run, one JSON
 * document lists the files (or objects) this run wrote, for downstream
 * jobs that load what is new:
 *
 *   {"job":"neows","run":7,"written_at":"2026-12-01T23:59:59Z",
 *    "outcome":"ok","format":"parquet",
 *    "files":[{"path":"s3://b/neos/2020-01-01.parquet","rows":123,
 *              "bytes":4567,"partition":{"start":"2020-01-01",
 *              "end":"2020-01-07","index":0},"schema_version":2}]}
 *
 * It is written to `_manifests/<job>-<UTC time>-<run>.json` in the output
 * path's folder, published atomically (sink/publish.c: temp file, fsync,
 * rename, folder fsync), and for an S3 output uploaded under the same
 * place below the key's folder, after every window's object. A file is
 * listed once it is published (and uploaded), in the order the run
 * reported them; a window that failed is not listed. The schema version
 * is the ledger's (Parquet and CSV; 1, 2, ... as the job's schema grew),
 * null for NDJSON or without a ledger. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pipeline/run.h"
#include "sink/publish.h"
#include "json/json_writer.h"

#define MANIFEST_MAX ((size_t)1 << 30)

struct run_manifest {
    struct sluice_buf files; /* the "files" array's members, comma-joined */
    size_t n;
    int64_t schema_version; /* the latest known; 0: none */
};

int sluice__manifest_begin(struct run *r, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    if (!r->job->output.manifest)
        return SLUICE_OK;
    r->manifest = sluice__calloc(1, sizeof *r->manifest);
    SLUICE_FAIL_IF(!r->manifest, SLUICE_ENOMEM, err, "out of memory");
    sluice__buf_init(&r->manifest->files, MANIFEST_MAX);
    if (r->ledger.db && r->job->output.format != SLUICE_FORMAT_NDJSON)
        SLUICE_TRY(sluice__ledger_schema_latest(
            r->ledger.db, &r->manifest->schema_version, NULL, err));
out:
    return rc;
}

void sluice__manifest_add(struct run *r, const struct outcome *o, uint64_t rows,
                          uint64_t bytes, int64_t version)
{
    struct run_manifest *m = r->manifest;
    if (!m || !o->path)
        return;
    if (version > 0)
        m->schema_version = version;
    struct sluice_buf *b = &m->files;
    size_t at = b->n;
    char *shown = sluice__redact_dup(r->job->secrets, o->path);
    int rc = sluice__buf_adds(b, m->n ? ",\n  {\"path\":" : "\n  {\"path\":");
    if (rc == SLUICE_OK)
        rc = sluice__json_write_cstr(b, shown ? shown : "***");
    if (rc == SLUICE_OK)
        rc = sluice__buf_appendf(b,
                                 ",\"rows\":%llu,\"bytes\":%llu,"
                                 "\"partition\":{\"start\":",
                                 (unsigned long long)rows,
                                 (unsigned long long)bytes);
    if (rc == SLUICE_OK)
        rc = sluice__json_write_cstr(b, o->start);
    if (rc == SLUICE_OK)
        rc = sluice__buf_adds(b, ",\"end\":");
    if (rc == SLUICE_OK)
        rc = sluice__json_write_cstr(b, o->end);
    if (rc == SLUICE_OK && m->schema_version > 0 &&
        r->job->output.format != SLUICE_FORMAT_NDJSON)
        rc = sluice__buf_appendf(b, ",\"index\":%zu},\"schema_version\":%lld}",
                                 o->w.index, (long long)m->schema_version);
    else if (rc == SLUICE_OK)
        rc = sluice__buf_appendf(b, ",\"index\":%zu},\"schema_version\":null}",
                                 o->w.index);
    sluice__free(shown);
    if (rc != SLUICE_OK) {
        b->n = at; /* the manifest lacks this file: said at the end */
        if (b->p)
            b->p[at] = 0;
        SLUICE_LOG(&r->log, SLUICE_LOG_ERROR, "the manifest cannot list %s: %s",
                   o->path, sluice_strerror(rc));
        return;
    }
    m->n++;
}

static const char *format_name(enum sluice_output_format f)
{
    return f == SLUICE_FORMAT_PARQUET ? "parquet"
           : f == SLUICE_FORMAT_CSV   ? "csv"
                                      : "ndjson";
}

int sluice__manifest_finish(struct run *r, int run_rc, struct sluice_err *err)
{
    struct run_manifest *m = r->manifest;
    int rc = SLUICE_OK;
    struct sluice_buf path, doc;
    struct sluice_publish p;
    char stamp[32], when[32];
    char *shown = NULL;
    sluice__buf_init(&path, 1 << 16);
    sluice__buf_init(&doc, MANIFEST_MAX);
    sluice__publish_init(&p);
    p.owner = r->job->name;
    if (!m)
        return SLUICE_OK;
    time_t now = (time_t)sluice__wall_now();
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const char *folder = r->job->output.folder ? r->job->output.folder : ".";
    SLUICE_TRY(sluice__buf_appendf(&path, "%s/_manifests/%s-%s-%lld.json",
                                   folder, r->job->name, stamp,
                                   (long long)r->ledger.run_id));
    const char *outcome = run_rc == SLUICE_OK
                              ? (r->sum.failed ? "some_failed" : "done")
                          : run_rc == SLUICE_ECANCELED ? "interrupted"
                          : run_rc == SLUICE_EQUOTA    ? "quota"
                                                       : "error";
    SLUICE_TRY(sluice__buf_adds(&doc, "{\"job\":"));
    SLUICE_TRY(sluice__json_write_cstr(&doc, r->job->name));
    SLUICE_TRY(sluice__buf_appendf(&doc,
                                   ",\"run\":%lld,\"written_at\":\"%s\","
                                   "\"outcome\":\"%s\",\"format\":\"%s\","
                                   "\"files\":[",
                                   (long long)r->ledger.run_id, when, outcome,
                                   format_name(r->job->output.format)));
    if (m->files.n)
        SLUICE_TRY(sluice__buf_append(&doc, m->files.p, m->files.n));
    SLUICE_TRY(sluice__buf_adds(&doc, m->n ? "\n]}\n" : "]}\n"));

    SLUICE_TRY(sluice__publish_open(&p, path.p, err));
    SLUICE_TRY(sluice__publish_write(&p, doc.p, doc.n, err));
    SLUICE_TRY(sluice__publish_commit(&p, err));
    if (r->s3) {
        SLUICE_TRY(sluice__run_s3_put_file(r, path.p, &shown, err));
        SLUICE_LOG(&r->log, SLUICE_LOG_INFO, "manifest: %s (%zu files)", shown,
                   m->n);
    } else {
        SLUICE_LOG(&r->log, SLUICE_LOG_INFO, "manifest: %s (%zu files)", path.p,
                   m->n);
    }
out:
    if (rc != SLUICE_OK && !err->msg[0])
        sluice__err_set(err, "cannot write the manifest %s: %s",
                        path.p ? path.p : "", sluice_strerror(rc));
    else if (rc != SLUICE_OK) {
        struct sluice_err e = *err;
        sluice__err_set(err, "the manifest: %s", e.msg);
    }
    sluice__publish_cleanup(&p);
    sluice__buf_cleanup(&path);
    sluice__buf_cleanup(&doc);
    sluice__free(shown);
    sluice__buf_cleanup(&m->files);
    sluice__free(m);
    r->manifest = NULL;
    return rc;
}
