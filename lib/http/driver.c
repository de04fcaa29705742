/* driver.c: the transfer driver (see driver.h): one curl multi handle, a
 * pool of reused easy handles, and the perform / report / poll turn.
 *
 * Each easy handle points back at its transfer (CURLOPT_PRIVATE and the
 * callbacks' data), so a finished message from curl_multi_info_read finds
 * its owner without a search. A finished transfer leaves the multi handle
 * before its owner hears of it: the owner may then start it again (a
 * redirect's next hop) from inside the report. */
#include "http/driver.h"

#include <pthread.h>
#include <string.h>

struct sluice_http_transfer {
    struct sluice_http_driver *d;
    CURL *easy;
    bool running; /* in the multi handle */
    const struct sluice_http_callbacks *cb;
    void *owner;
    char error[CURL_ERROR_SIZE];
    const char *body; /* the next start's POST body (borrowed), or NULL */
    size_t body_n;
    /* Pausing (sluice__http_transfer_pause): asked for by the owner's
     * on_body, and in force until sluice__http_transfer_resume. */
    bool pause_asked;
    bool paused;
};

struct sluice_http_driver {
    CURLM *multi;
    struct sluice_http_transfer *xfers;
    size_t n_xfers;
};

/* ---- libcurl, once ------------------------------------------------------------*/

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_code;
static void curl_init(void)
{
    curl_init_code = curl_global_init(CURL_GLOBAL_ALL);
}

/* ---- curl callbacks -----------------------------------------------------------*/

/* Returning anything but the size given stops the transfer (curl then
 * ends it with CURLE_WRITE_ERROR). */
static size_t on_header(char *line, size_t size, size_t nitems, void *ud)
{
    struct sluice_http_transfer *t = ud;
    size_t n = size * nitems;
    return t->cb->on_header(t->owner, line, n) ? n : 0;
}

/* CURL_WRITEFUNC_PAUSE takes none of the bytes: libcurl keeps them and
 * gives them again once the transfer is resumed. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct sluice_http_transfer *t = ud;
    size_t n = size * nmemb;
    bool go = t->cb->on_body(t->owner, data, n);
    if (go && t->pause_asked) {
        t->pause_asked = false;
        t->paused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    return go ? n : 0;
}

/* ---- the driver ---------------------------------------------------------------*/

static int transfer_init(struct sluice_http_transfer *t,
                         struct sluice_http_driver *d,
                         const struct sluice_http_policy *policy,
                         struct sluice_err *err)
{
    int rc = SLUICE_OK;
    t->d = d;
    t->easy = curl_easy_init();
    SLUICE_FAIL_IF(!t->easy, SLUICE_ENOMEM, err, "cannot create a transfer");
    SLUICE_TRY(sluice__http_easy_setup(t->easy, policy, err));
    curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(t->easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(t->easy, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
    curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->error);
out:
    return rc;
}

int sluice__http_global_init(struct sluice_err *err)
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_code == CURLE_OK)
        return SLUICE_OK;
    sluice__err_set(err, "cannot initialise libcurl: %s",
                    curl_easy_strerror(curl_init_code));
    return SLUICE_EHTTP;
}

int sluice__http_driver_new(const struct sluice_http_policy *policy,
                            size_t n_transfers, struct sluice_http_driver **out,
                            struct sluice_err *err)
{
    int rc = SLUICE_OK;
    *out = NULL;
    SLUICE_TRY(sluice__http_global_init(err));
    struct sluice_http_driver *d = sluice__calloc(1, sizeof *d);
    SLUICE_FAIL_IF(!d, SLUICE_ENOMEM, err, "out of memory");
    *out = d;
    d->multi = curl_multi_init();
    SLUICE_FAIL_IF(!d->multi, SLUICE_ENOMEM, err, "out of memory");
    /* HTTP/2 streams share a connection when the server offers it. */
    curl_multi_setopt(d->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    size_t n = n_transfers ? n_transfers : 1;
    d->xfers = sluice__calloc(n, sizeof *d->xfers);
    SLUICE_FAIL_IF(!d->xfers, SLUICE_ENOMEM, err, "out of memory");
    d->n_xfers = n;
    for (size_t i = 0; i < n; i++)
        SLUICE_TRY(transfer_init(&d->xfers[i], d, policy, err));
out:
    if (rc != SLUICE_OK) {
        sluice__http_driver_free(*out);
        *out = NULL;
    }
    return rc;
}

void sluice__http_driver_free(struct sluice_http_driver *d)
{
    if (!d)
        return;
    if (d->xfers)
        for (size_t i = 0; i < d->n_xfers; i++) {
            sluice__http_transfer_cancel(&d->xfers[i]);
            if (d->xfers[i].easy)
                curl_easy_cleanup(d->xfers[i].easy);
        }
    sluice__free(d->xfers);
    if (d->multi)
        curl_multi_cleanup(d->multi);
    sluice__free(d);
}

struct sluice_http_transfer *
sluice__http_driver_transfer(struct sluice_http_driver *d, size_t i)
{
    return i < d->n_xfers ? &d->xfers[i] : NULL;
}

int sluice__http_driver_step(struct sluice_http_driver *d, int timeout_ms,
                             sluice_http_done_fn on_done, void *ud,
                             size_t *finished, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    size_t n = 0;
    int running = 0;
    CURLMcode mc = curl_multi_perform(d->multi, &running);
    SLUICE_FAIL_IF(mc != CURLM_OK, SLUICE_EHTTP, err, "curl: %s",
                   curl_multi_strerror(mc));
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(d->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct sluice_http_transfer *t = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        /* Read before the removal: m belongs to curl until the next
         * multi call. */
        int cc = (int)m->data.result;
        curl_multi_remove_handle(d->multi, t->easy);
        t->running = false;
        struct sluice_http_done done = {t->owner, cc, t->error};
        on_done(ud, &done);
        n++;
    }
    if (n == 0 && timeout_ms > 0) {
        mc = curl_multi_poll(d->multi, NULL, 0, timeout_ms, NULL);
        SLUICE_FAIL_IF(mc != CURLM_OK, SLUICE_EHTTP, err, "curl: %s",
                       curl_multi_strerror(mc));
    }
out:
    if (finished)
        *finished = n;
    return rc;
}

void sluice__http_driver_wakeup(struct sluice_http_driver *d)
{
    curl_multi_wakeup(d->multi);
}

/* ---- transfers ----------------------------------------------------------------*/

int sluice__http_transfer_start(struct sluice_http_transfer *t,
                                const char *url,
                                const struct curl_slist *headers,
                                const struct sluice_http_callbacks *cb,
                                void *owner, struct sluice_err *err)
{
    t->cb = cb;
    t->owner = owner;
    t->error[0] = '\0';
    t->pause_asked = false;
    t->paused = false;
    curl_easy_setopt(t->easy, CURLOPT_URL, url);
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, headers);
    /* A body makes this start a POST; the easy handle is reused, so a
     * start without one says GET again. The body is for one start. */
    if (t->body) {
        curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)t->body_n);
        curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->body);
    } else {
        curl_easy_setopt(t->easy, CURLOPT_HTTPGET, 1L);
    }
    t->body = NULL;
    t->body_n = 0;
    CURLMcode mc = curl_multi_add_handle(t->d->multi, t->easy);
    if (mc != CURLM_OK) {
        sluice__err_set(err, "cannot start the transfer: %s",
                        curl_multi_strerror(mc));
        return SLUICE_EHTTP;
    }
    t->running = true;
    return SLUICE_OK;
}

void sluice__http_transfer_set_body(struct sluice_http_transfer *t,
                                    const char *body, size_t n)
{
    t->body = body;
    t->body_n = body ? n : 0;
}

void sluice__http_transfer_cancel(struct sluice_http_transfer *t)
{
    if (!t->running)
        return;
    curl_multi_remove_handle(t->d->multi, t->easy);
    t->running = false;
}

long sluice__http_transfer_status(const struct sluice_http_transfer *t)
{
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

const char *
sluice__http_transfer_redirect_url(const struct sluice_http_transfer *t)
{
    char *loc = NULL;
    if (curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_URL, &loc) != CURLE_OK)
        return NULL;
    return loc;
}

void sluice__http_transfer_pause(struct sluice_http_transfer *t)
{
    t->pause_asked = true;
}

void sluice__http_transfer_resume(struct sluice_http_transfer *t)
{
    if (!t->running || !t->paused)
        return;
    t->paused = false; /* the bytes given again may pause it again */
    curl_easy_pause(t->easy, CURLPAUSE_CONT);
}
