/* window_io.h: what a window turns into: its request URL and headers, its
 * output path and its labels. Shared by api.c (plan, status) and the run
 * loop. */
#ifndef SLUICE_PIPELINE_WINDOW_IO_H
#define SLUICE_PIPELINE_WINDOW_IO_H

#include <curl/curl.h>

#include "config/job.h"
#include "util/buf.h"

/* The real request URL for window w (secrets in clear: for curl only),
 * source.auth's api_key last when it goes in the query. */
SLUICE_NODISCARD int sluice__window_url(const struct sluice_job *job,
                                        const struct sluice_window *w,
                                        struct sluice_buf *out,
                                        struct sluice_err *err);
/* The window's first request: its URL and, with source.pagination, the
 * first page's parameters (`limit`, `offset=0`, `page=1`). What `plan`
 * shows. */
SLUICE_NODISCARD int sluice__window_first_request(const struct sluice_job *job,
                                                  const struct sluice_window *w,
                                                  struct sluice_buf *out,
                                                  struct sluice_err *err);
/* The request headers for window w, plus Accept: application/json, plus
 * source.auth's header (bearer, basic, api_key; an OAuth2 token is added
 * by the run, pipeline/run_auth.c). Without `with_secrets`, every header
 * that carries a secret (named like one, or holding one of the job's
 * secrets) and the auth header are left out: what a redirect to another
 * origin gets. *out is NULL-initialised by the caller and freed
 * with curl_slist_free_all. */
SLUICE_NODISCARD int sluice__window_headers(const struct sluice_job *job,
                                            const struct sluice_window *w,
                                            bool with_secrets,
                                            struct curl_slist **out,
                                            struct sluice_err *err);
/* The final output path for window w: for an S3 output, the staged
 * file's (config/job_load_s3.c); for a database destination, the
 * window's partition key (sluice__window_key), the _sluice_partition of its
 * rows. */
SLUICE_NODISCARD int sluice__window_output(const struct sluice_job *job,
                                           const struct sluice_window *w,
                                           struct sluice_buf *out,
                                           struct sluice_err *err);
/* Where window w ends up, as the user names it: the output path, or the
 * s3://bucket/key of its object. */
SLUICE_NODISCARD int sluice__window_destination(const struct sluice_job *job,
                                                const struct sluice_window *w,
                                                struct sluice_buf *out,
                                                struct sluice_err *err);
/* The request body of window w (source.body, POST), JSON-checked: a body
 * that is not JSON for this partition is SLUICE_EJOB naming where. */
SLUICE_NODISCARD int sluice__window_body(const struct sluice_job *job,
                                         const struct sluice_window *w,
                                         struct sluice_buf *out,
                                         struct sluice_err *err);
/* The partition's key (plan/partition.h), appended to out. */
SLUICE_NODISCARD int sluice__window_key(const struct sluice_job *job,
                                        const struct sluice_window *w,
                                        struct sluice_buf *out,
                                        struct sluice_err *err);
/* Where the job's table schema is kept (sink/schema_file.h): beside the
 * files (the output template's fixed folder), beside the SQLite file, or,
 * for PostgreSQL, beside the ledger (the current folder without one). */
SLUICE_NODISCARD int sluice__job_schema_path(const struct sluice_job *job,
                                             struct sluice_buf *out);
/* {start} and {end} formatted, for messages and reports ("" and "" for a
 * job without windows). */
SLUICE_NODISCARD int sluice__window_label(const struct sluice_job *job,
                                          const struct sluice_window *w,
                                          struct sluice_buf *start,
                                          struct sluice_buf *end,
                                          struct sluice_err *err);

/* Copies a message into a caller's buffer, redacted with the job's secrets
 * (truncating, always NUL-terminated when errlen > 0). */
void sluice__copy_err(const struct sluice_job *job, const char *msg,
                      char *errbuf, size_t errlen);

#endif
