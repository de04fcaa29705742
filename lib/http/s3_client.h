/* s3_client.h: uploads finished files to S3-compatible storage, on its
 * own curl multi handle (docs/internals/http.md#s3).
 *
 * Its own, not the transfer driver's: the driver's loop is paced by the
 * API's rate governor (rate limits, server headers, adaptive concurrency),
 * which says nothing about the store; and the uploads run on the
 * committer's thread, after the file is built and before the ledger is
 * marked, so the loop keeps pulling while they go.
 *
 * A file up to `single_max` (64 MiB) goes in one PUT; a larger one in a
 * multipart upload: CreateMultipartUpload, parts of `part_size` (16 MiB)
 * uploaded concurrently, CompleteMultipartUpload, so the object appears
 * under its key only whole. A part that fails for good aborts the upload
 * (AbortMultipartUpload), so no orphan parts remain. Every request retries
 * by the job's retry policy (http/retry.h), as a pull does. Between the
 * create and the complete or abort, a marker file in the staging folder
 * (`.sluice-s3-upload-<job>.<hex>`, holding the upload id and key) says
 * the upload is open: a process killed then leaves it, and the job's next
 * run aborts that upload before anything else (sluice__s3_preflight).
 *
 * Threads: one at a time; the client may be created on one thread and
 * used on another. Ownership: the destination and policies are borrowed
 * for the client's life. */
#ifndef SLUICE_HTTP_S3_CLIENT_H
#define SLUICE_HTTP_S3_CLIENT_H

#include "http/request.h"
#include "http/retry.h"
#include "http/s3.h"

#define SLUICE_S3_SINGLE_MAX (64u << 20) /* one PUT up to here */
#define SLUICE_S3_PART_SIZE (16u << 20)  /* a multipart upload's parts */

struct sluice_s3_client;

struct sluice_s3_client_opts {
    const struct sluice_s3_dest *dest;
    const struct sluice_http_policy *policy;
    const struct sluice_retry_policy *retry;
    const char *job_name; /* names the markers; NULL: "job" */
    unsigned parallel;    /* requests at once; 0: 8 */
    uint64_t single_max;  /* 0: SLUICE_S3_SINGLE_MAX */
    uint64_t part_size;   /* 0: SLUICE_S3_PART_SIZE (at least 5 MiB) */
};

SLUICE_NODISCARD int
sluice__s3_client_new(const struct sluice_s3_client_opts *o,
                      struct sluice_s3_client **out, struct sluice_err *err);
void sluice__s3_client_free(struct sluice_s3_client *c);

/* One file to upload, and how it went. */
struct sluice_s3_upload {
    const char *path;         /* the local file (borrowed) */
    const char *key;          /* its object key (borrowed) */
    int rc;                   /* SLUICE_OK, SLUICE_EHTTP, SLUICE_EIO, ... */
    bool refused_job;         /* the store refused the credentials or bucket */
    bool multipart;           /* went as a multipart upload */
    unsigned requests;        /* requests sent, retries included */
    char msg[SLUICE_ERR_MAX]; /* why it failed: the server's words */
};

/* Uploads every file, concurrently, and says for each how it went. Never
 * fails as a whole: each upload has its own rc. */
void sluice__s3_upload_all(struct sluice_s3_client *c,
                           struct sluice_s3_upload *ups, size_t n);

/* Before a run's first request: aborts the multipart uploads this job's
 * markers name (a killed run's) and removes the markers, then lists the
 * job's open uploads under `prefix` (ListMultipartUploads, one signed
 * request) so that a store refusing the job's credentials, region or bucket
 * fails the run at once with the server's message (SLUICE_EHTTP). *aborted
 * counts the uploads aborted. */
SLUICE_NODISCARD int sluice__s3_preflight(struct sluice_s3_client *c,
                                          const char *prefix, size_t *aborted,
                                          struct sluice_err *err);

#endif
