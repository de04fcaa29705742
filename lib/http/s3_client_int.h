/* s3_client_int.h: what the uploader's two files share (s3_client.c, the
 * requests and their loop; s3_markers.c, the markers of open multipart
 * uploads and the run's preflight). Not for any other file. */
#ifndef SLUICE_HTTP_S3_CLIENT_INT_H
#define SLUICE_HTTP_S3_CLIENT_INT_H

#include "http/s3_client.h"

#define BODY_MAX (64u << 10)               /* an answer kept for its message */
#define MARKER_PREFIX ".sluice-s3-upload-" /* + <job>.<hex> */

enum op { OP_PUT, OP_CREATE, OP_PART, OP_COMPLETE, OP_ABORT, OP_LIST };
enum phase { PH_SINGLE, PH_CREATE, PH_PARTS, PH_COMPLETE, PH_ABORT, PH_DONE };

struct req {
    enum op op;
    unsigned part;     /* OP_PART: 1-based */
    uint64_t off, len; /* the body's bytes in the file */
    bool busy, done;
    double not_before;
    struct sluice_retry_state rs;
    char *etag; /* OP_PART: the server's */
};

struct up {
    struct sluice_s3_upload *pub;
    enum phase phase;
    int fd;
    uint64_t size;
    struct req one; /* the PUT, create, complete, abort or list */
    struct req *parts;
    size_t n_parts, parts_done;
    char *upload_id;
    char marker[4096]; /* "" when none */
    const char *query; /* OP_LIST's */
    bool failed;       /* parts failed: abort, then report pub->msg */
};

struct xfer {
    CURL *e;
    struct up *up;
    struct req *req;
    struct curl_slist *hdrs;
    struct sluice_buf body; /* the answer */
    struct sluice_buf send; /* OP_COMPLETE's body */
    uint64_t sent;          /* of the request's body */
    char etag[256];
    char errbuf[CURL_ERROR_SIZE];
};

struct sluice_s3_client {
    struct sluice_s3_client_opts o;
    CURLM *multi;
    struct xfer *x;
    size_t n_x;
    uint64_t rng;
    unsigned marker_seq;
};

/* Drives the uploads `ups` until every one is PH_DONE (s3_client.c). */
void sluice__s3_drive(struct sluice_s3_client *c, struct up *ups, size_t n);

/* s3_markers.c: records u's open upload (its id and key) in the staging
 * folder, fsynced; SLUICE_EIO / SLUICE_ETOOBIG when it cannot. _remove
 * forgets it (nothing when none was written). */
SLUICE_NODISCARD int sluice__s3_marker_write(struct sluice_s3_client *c,
                                             struct up *u);
void sluice__s3_marker_remove(struct up *u);

#endif
