/* driver.h: the transfer driver: libcurl's multi interface behind a few
 * calls, so that the pipeline decides which request goes when and what its
 * bytes become, and only this file knows how curl moves them.
 *
 * A driver owns libcurl's global initialisation (done once per process),
 * one multi handle and a fixed pool of transfers, each one easy handle set
 * up once with the job's transfer policy (request.h) and reused request
 * after request, so that connections stay warm. A transfer is started with
 * a URL, a header list and an owner with its callbacks; the driver's step
 * moves bytes and reports each transfer that ended to the owner.
 *
 * Threads: everything but sluice__http_driver_wakeup runs on one thread,
 * the one that calls the step. Ownership: the driver owns its transfers;
 * a header list given to a start is borrowed until the transfer ends or is
 * cancelled. Header lists stay libcurl's `struct curl_slist` (built with
 * curl_slist_append, freed with curl_slist_free_all by their maker): they
 * are plain lists, and wrapping them would copy every request's headers. */
#ifndef SLUICE_HTTP_DRIVER_H
#define SLUICE_HTTP_DRIVER_H

#include <curl/curl.h>

#include "http/request.h"
#include "util/common.h"

struct sluice_http_driver;
struct sluice_http_transfer;

/* An owner's view of its transfer's bytes. Each returns true to go on,
 * false to stop the transfer, which then ends with curl's write error
 * (the owner knows why it stopped it). */
struct sluice_http_callbacks {
    /* One whole header line, CRLF included, of any header block (1xx,
     * redirect, final). */
    bool (*on_header)(void *owner, const char *line, size_t n);
    /* Body bytes as they arrive, after decompression. */
    bool (*on_body)(void *owner, const char *data, size_t n);
};

/* A transfer that ended, as the step reports it. */
struct sluice_http_done {
    void *owner;        /* the one given to its start */
    int curlcode;       /* curl's result: CURLE_OK (0) or why it failed */
    const char *error;  /* curl's own words ("" when it gave none); valid
                           until the transfer is started again */
};

/* Called by the step for each transfer that ended. The transfer is idle
 * by then: the callback may start it again (a redirect's next hop). */
typedef void (*sluice_http_done_fn)(void *ud,
                                    const struct sluice_http_done *done);

/* libcurl's global initialisation, once per process (the driver's and the
 * S3 client's, http/s3_client.h); SLUICE_EHTTP when it fails. */
SLUICE_NODISCARD int sluice__http_global_init(struct sluice_err *err);

/* Initialises libcurl (once per process) and creates a driver with
 * `n_transfers` transfers (at least 1), each set up with `policy`.
 * SLUICE_EHTTP when libcurl cannot start or refuses an option,
 * SLUICE_ENOMEM; err says which. */
SLUICE_NODISCARD int
sluice__http_driver_new(const struct sluice_http_policy *policy,
                        size_t n_transfers, struct sluice_http_driver **out,
                        struct sluice_err *err);
/* Cancels what is in flight, then frees the driver and its transfers.
 * NULL: nothing. */
void sluice__http_driver_free(struct sluice_http_driver *d);

/* Transfer i of the pool, 0 <= i < n_transfers. */
struct sluice_http_transfer *
sluice__http_driver_transfer(struct sluice_http_driver *d, size_t i);

/* One turn: lets libcurl move bytes (the callbacks run meanwhile), reports
 * each transfer that ended to `on_done`, and then, only when none ended,
 * waits up to `timeout_ms` (0: not at all) for a socket to move or a
 * wakeup. A transfer that ended frees its owner to start the next request
 * at once, not after the other transfers' next socket event, so there is
 * no wait then. `*finished` (may be NULL): how many ended. SLUICE_EHTTP
 * when the multi interface fails (err: curl's words). */
SLUICE_NODISCARD int sluice__http_driver_step(struct sluice_http_driver *d,
                                              int timeout_ms,
                                              sluice_http_done_fn on_done,
                                              void *ud, size_t *finished,
                                              struct sluice_err *err);

/* Ends the step's wait early. The only call safe from another thread;
 * a wakeup while no step waits makes the next wait return at once. */
void sluice__http_driver_wakeup(struct sluice_http_driver *d);

/* Starts an idle transfer: GET `url` (copied) with `headers` (borrowed
 * until it ends; NULL: none), reporting its bytes to `cb` with `owner`.
 * SLUICE_EHTTP when libcurl will not take it (err says why); the transfer
 * is then idle. */
SLUICE_NODISCARD int
sluice__http_transfer_start(struct sluice_http_transfer *t, const char *url,
                            const struct curl_slist *headers,
                            const struct sluice_http_callbacks *cb,
                            void *owner, struct sluice_err *err);
/* Makes the transfer's next start a POST of `body` (n bytes, borrowed
 * until that transfer ends); without it (or with NULL) a start is a GET.
 * For that one start only. */
void sluice__http_transfer_set_body(struct sluice_http_transfer *t,
                                    const char *body, size_t n);
/* Called from the owner's on_body (which then returns true): the bytes
 * of this call are not taken, and the transfer receives nothing more
 * until sluice__http_transfer_resume, which gives them again (so a reader
 * slower than the network holds the network back instead of buffering
 * without bound). */
void sluice__http_transfer_pause(struct sluice_http_transfer *t);
/* Resumes a paused transfer (on the step's thread, outside a callback);
 * the held bytes may reach on_body inside this call. Not paused, or not
 * running: nothing. */
void sluice__http_transfer_resume(struct sluice_http_transfer *t);
/* Stops a transfer in flight without a report; idle: nothing. */
void sluice__http_transfer_cancel(struct sluice_http_transfer *t);
/* The last response's HTTP status, 0 when none came yet. Valid while the
 * transfer runs (from its first body byte) and after it ended, until its
 * next start. */
long sluice__http_transfer_status(const struct sluice_http_transfer *t);
/* Where the last response redirects to (its Location, resolved against
 * the request's URL by libcurl), or NULL when it named none. Valid until
 * the transfer is started again. */
const char *
sluice__http_transfer_redirect_url(const struct sluice_http_transfer *t);

#endif
