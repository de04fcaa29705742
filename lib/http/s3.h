/* s3.h: S3-compatible object storage, the requests and their answers
 * (docs/s3.md is the user's page, docs/internals/http.md#s3 the mechanism).
 *
 * Pure: no I/O. It builds an object's URL (path-style or virtual-hosted,
 * the key encoded as SigV4 wants it), sets a curl easy handle up to be
 * signed by libcurl's own SigV4 (CURLOPT_AWS_SIGV4) with the payload's
 * SHA-256 in x-amz-content-sha256 (libcurl 7.88 signs that header's value
 * as the payload hash when given, but never computes or sends it itself,
 * and S3 refuses a signed request without it), and reads what S3 answers:
 * an UploadId, an ETag, an <Error>'s Code and Message.
 *
 * Ownership: a destination's strings are owned by it (_cleanup frees
 * them). Errors: SLUICE_ENOMEM / SLUICE_ETOOBIG from the buffers,
 * SLUICE_EHTTP when curl refuses an option. */
#ifndef SLUICE_HTTP_S3_H
#define SLUICE_HTTP_S3_H

#include <curl/curl.h>

#include "util/buf.h"

/* Where objects go and how to sign for them: output.path's
 * s3://bucket/key-template and output.s3 (config/job_load_s3.c). */
struct sluice_s3_dest {
    char *bucket;
    char *key_template; /* output.path after "s3://bucket/" */
    char *endpoint;     /* "scheme://host[:port]", no trailing '/' */
    char *region;       /* signs every request; default us-east-1 */
    bool path_style;    /* endpoint/bucket/key, else bucket.host/key */
    char *access_key_id;
    char *secret_access_key; /* a secret */
    char *session_token;     /* a secret; NULL when none */
    char *staging;           /* local folder where files are built first */
};

void sluice__s3_dest_cleanup(struct sluice_s3_dest *d);

/* The SHA-256 of no bytes, the payload hash of a request without body. */
#define SLUICE_S3_EMPTY_SHA256                                                 \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Appends `p`/`n` encoded as SigV4's canonical URI wants it: every byte
 * but A-Z a-z 0-9 - . _ ~ as %XX (upper-case hex), '/' kept when
 * `keep_slash`. */
SLUICE_NODISCARD int sluice__s3_encode(struct sluice_buf *out, const char *p,
                                       size_t n, bool keep_slash);

/* Appends the URL of `key` (NULL or "": the bucket itself) with `query`
 * (NULL, or "name=value&..." already in SigV4's canonical form: sorted by
 * name, values encoded, '=' after every name, as libcurl 7.88 signs the
 * query as it is written). */
SLUICE_NODISCARD int sluice__s3_url(const struct sluice_s3_dest *d,
                                    const char *key, const char *query,
                                    struct sluice_buf *out);

/* "s3://bucket/key", for messages and the manifest. */
SLUICE_NODISCARD int sluice__s3_display(const struct sluice_s3_dest *d,
                                        const char *key,
                                        struct sluice_buf *out);

/* Sets `e` up to be signed for `d` (CURLOPT_AWS_SIGV4, the key pair) and
 * appends to *headers x-amz-content-sha256 (`payload_sha256`, 64 hex
 * digits) and, with a session token, x-amz-security-token. *headers stays
 * the caller's (curl_slist_free_all). */
SLUICE_NODISCARD int sluice__s3_sign(CURL *e, const struct sluice_s3_dest *d,
                                     const char *payload_sha256,
                                     struct curl_slist **headers,
                                     struct sluice_err *err);

/* The text of the first <tag>...</tag> in `xml`, entities decoded, into
 * `out` (reset first); false when there is none. */
bool sluice__s3_xml_value(const char *xml, size_t n, const char *tag,
                          struct sluice_buf *out);

/* Whether `xml` is an S3 <Error> document (CompleteMultipartUpload may
 * answer one with status 200). */
bool sluice__s3_is_error(const char *xml, size_t n);

/* The server's words for a failed request, one line: "HTTP 403
 * SignatureDoesNotMatch: The request signature ..." (Code and Message of
 * its <Error>, else the status alone), at most ~300 bytes of Message. */
void sluice__s3_error_text(long status, const char *xml, size_t n, char *out,
                           size_t out_n);

/* Whether an answer says the store refuses the job itself (credentials,
 * permissions, bucket, region), not this one request: a run stops at once
 * on it rather than failing window after window. */
bool sluice__s3_refuses_job(long status, const char *xml, size_t n);

/* Appends CompleteMultipartUpload's body for parts 1..n with their ETags
 * (as the server gave them, quotes included). */
SLUICE_NODISCARD int sluice__s3_complete_body(const char *const *etags,
                                              size_t n, struct sluice_buf *out);

#endif
