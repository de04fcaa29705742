/* s3_client.c: the uploader (s3_client.h). A set of uploads is driven to
 * its end on the client's own multi handle: each upload is a small state
 * machine (one PUT; or create, parts, complete, and abort on failure),
 * and each turn starts whatever request is due on a free transfer, lets
 * curl move bytes, then judges the requests that ended by the retry policy
 * (a retried request waits its backoff in the poll, never in a sleep).
 * Bodies are read from the file with pread at the request's offset, so a
 * retry starts over from the same bytes; each body's SHA-256 is computed
 * first, as SigV4 signs it (x-amz-content-sha256). The markers of open
 * multipart uploads and the preflight are s3_markers.c's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http/driver.h"
#include "http/s3_client_int.h"
#include "util/sha256.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int sluice__s3_client_new(const struct sluice_s3_client_opts *o,
                          struct sluice_s3_client **out, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    *out = NULL;
    SLUICE_TRY(sluice__http_global_init(err));
    struct sluice_s3_client *c = sluice__calloc(1, sizeof *c);
    SLUICE_FAIL_IF(!c, SLUICE_ENOMEM, err, "out of memory");
    *out = c;
    c->o = *o;
    if (!c->o.parallel)
        c->o.parallel = 8;
    if (!c->o.single_max)
        c->o.single_max = SLUICE_S3_SINGLE_MAX;
    if (c->o.part_size < (5u << 20))
        c->o.part_size = SLUICE_S3_PART_SIZE;
    if (!c->o.job_name)
        c->o.job_name = "job";
    c->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    c->multi = curl_multi_init();
    SLUICE_FAIL_IF(!c->multi, SLUICE_ENOMEM, err, "out of memory");
    c->x = sluice__calloc(c->o.parallel, sizeof *c->x);
    SLUICE_FAIL_IF(!c->x, SLUICE_ENOMEM, err, "out of memory");
    c->n_x = c->o.parallel;
    for (size_t i = 0; i < c->n_x; i++) {
        c->x[i].e = curl_easy_init();
        SLUICE_FAIL_IF(!c->x[i].e, SLUICE_ENOMEM, err, "out of memory");
        sluice__buf_init(&c->x[i].body, BODY_MAX);
        sluice__buf_init(&c->x[i].send, 1u << 20);
    }
out:
    if (rc != SLUICE_OK) {
        sluice__s3_client_free(*out);
        *out = NULL;
    }
    return rc;
}

void sluice__s3_client_free(struct sluice_s3_client *c)
{
    if (!c)
        return;
    for (size_t i = 0; c->x && i < c->n_x; i++) {
        if (c->x[i].e) {
            if (c->x[i].req)
                curl_multi_remove_handle(c->multi, c->x[i].e);
            curl_easy_cleanup(c->x[i].e);
        }
        curl_slist_free_all(c->x[i].hdrs);
        sluice__buf_cleanup(&c->x[i].body);
        sluice__buf_cleanup(&c->x[i].send);
    }
    sluice__free(c->x);
    if (c->multi)
        curl_multi_cleanup(c->multi);
    sluice__free(c);
}

/* ---- curl callbacks ------------------------------------------------------*/

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    size_t room = BODY_MAX - 1 - x->body.n;
    /* Kept up to the bound for the message; the rest is not needed (and
     * an answer too long to keep is no reason to fail the request). */
    int rc = sluice__buf_append(&x->body, data, n < room ? n : room);
    (void)rc;
    return n;
}

static size_t on_header(char *line, size_t size, size_t nitems, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nitems;
    if (n > 5 && strncasecmp(line, "etag:", 5) == 0) {
        size_t i = 5, end = n;
        while (i < n && (line[i] == ' ' || line[i] == '\t'))
            i++;
        while (end > i && (line[end - 1] == '\r' || line[end - 1] == '\n' ||
                           line[end - 1] == ' '))
            end--;
        size_t len =
            end - i < sizeof x->etag - 1 ? end - i : sizeof x->etag - 1;
        memcpy(x->etag, line + i, len);
        x->etag[len] = 0;
    }
    return n;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud)
{
    struct xfer *x = ud;
    size_t want = size * nitems;
    if (x->req->op == OP_COMPLETE) {
        size_t left = x->send.n - (size_t)x->sent;
        size_t n = left < want ? left : want;
        memcpy(buf, x->send.p + x->sent, n);
        x->sent += n;
        return n;
    }
    uint64_t left = x->req->len - x->sent;
    size_t n = left < want ? (size_t)left : want;
    if (n == 0)
        return 0;
    ssize_t got = pread(x->up->fd, buf, n, (off_t)(x->req->off + x->sent));
    if (got <= 0)
        return CURL_READFUNC_ABORT;
    x->sent += (uint64_t)got;
    return (size_t)got;
}

/* ---- requests ------------------------------------------------------------*/

#define HASH_BLOCK (1u << 20)

static int file_sha256(int fd, uint64_t off, uint64_t len, char hex[65],
                       struct sluice_err *err)
{
    struct sluice_sha256 s;
    unsigned char d[SLUICE_SHA256_LEN];
    unsigned char *block = sluice__malloc(HASH_BLOCK);
    if (!block) {
        sluice__err_set(err, "out of memory");
        return SLUICE_ENOMEM;
    }
    sluice__sha256_init(&s);
    while (len > 0) {
        size_t n = len < HASH_BLOCK ? (size_t)len : HASH_BLOCK;
        ssize_t got = pread(fd, block, n, (off_t)off);
        if (got <= 0) {
            sluice__err_set(err, "cannot read the file to upload: %s",
                            got < 0 ? strerror(errno) : "it shrank");
            sluice__free(block);
            return SLUICE_EIO;
        }
        sluice__sha256_update(&s, block, (size_t)got);
        off += (uint64_t)got;
        len -= (uint64_t)got;
    }
    sluice__free(block);
    sluice__sha256_final(&s, d);
    sluice__hex(d, sizeof d, hex);
    return SLUICE_OK;
}

static int req_start(struct sluice_s3_client *c, struct xfer *x, struct up *u,
                     struct req *r, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    char sha[65] = SLUICE_S3_EMPTY_SHA256;
    struct sluice_buf url, q;
    sluice__buf_init(&url, 1 << 16);
    sluice__buf_init(&q, 1 << 14);
    CURL *e = x->e;

    curl_easy_reset(e);
    SLUICE_TRY(sluice__http_easy_setup(e, c->o.policy, err));
    curl_slist_free_all(x->hdrs);
    x->hdrs = NULL;
    sluice__buf_reset(&x->body);
    sluice__buf_reset(&x->send);
    x->sent = 0;
    x->etag[0] = 0;
    x->errbuf[0] = 0;
    x->up = u;
    x->req = r;

    const char *key = u->pub ? u->pub->key : NULL;
    switch (r->op) {
    case OP_PUT:
        break;
    case OP_CREATE:
        SLUICE_TRY(sluice__buf_adds(&q, "uploads="));
        break;
    case OP_PART:
        SLUICE_TRY(sluice__buf_appendf(&q, "partNumber=%u&uploadId=", r->part));
        SLUICE_TRY(
            sluice__s3_encode(&q, u->upload_id, strlen(u->upload_id), false));
        break;
    case OP_COMPLETE:
    case OP_ABORT:
        SLUICE_TRY(sluice__buf_adds(&q, "uploadId="));
        SLUICE_TRY(
            sluice__s3_encode(&q, u->upload_id, strlen(u->upload_id), false));
        break;
    case OP_LIST:
        SLUICE_TRY(sluice__buf_adds(&q, u->query));
        key = NULL;
        break;
    }
    SLUICE_TRY(sluice__s3_url(c->o.dest, key, q.p, &url));

    if (r->op == OP_PUT || r->op == OP_PART)
        SLUICE_TRY(file_sha256(u->fd, r->off, r->len, sha, err));
    if (r->op == OP_COMPLETE) {
        const char **tags = sluice__calloc(u->n_parts, sizeof *tags);
        SLUICE_FAIL_IF(!tags, SLUICE_ENOMEM, err, "out of memory");
        for (size_t i = 0; i < u->n_parts; i++)
            tags[i] = u->parts[i].etag ? u->parts[i].etag : "";
        rc = sluice__s3_complete_body(tags, u->n_parts, &x->send);
        sluice__free(tags);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err,
                       "CompleteMultipartUpload's body is too large");
        unsigned char d[SLUICE_SHA256_LEN];
        sluice__sha256(x->send.p, x->send.n, d);
        sluice__hex(d, sizeof d, sha);
    }
    SLUICE_TRY(sluice__s3_sign(e, c->o.dest, sha, &x->hdrs, err));
    if (r->op == OP_COMPLETE || r->op == OP_CREATE) {
        struct curl_slist *n =
            curl_slist_append(x->hdrs, "Content-Type: application/xml");
        SLUICE_FAIL_IF(!n, SLUICE_ENOMEM, err, "out of memory");
        x->hdrs = n;
    }

    curl_easy_setopt(e, CURLOPT_URL, url.p);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(e, CURLOPT_READDATA, x);
    /* The store's answers are small XML; no need to ask for codecs. */
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, NULL);
    switch (r->op) {
    case OP_PUT:
    case OP_PART:
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->len);
        break;
    case OP_CREATE:
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
        break;
    case OP_COMPLETE:
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->send.n);
        break;
    case OP_ABORT:
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
        break;
    case OP_LIST:
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        break;
    }
    SLUICE_FAIL_IF(curl_multi_add_handle(c->multi, e) != CURLM_OK, SLUICE_EHTTP,
                   err, "cannot start an upload request");
    r->busy = true;
    if (u->pub)
        u->pub->requests++;
out:
    if (rc != SLUICE_OK) {
        x->up = NULL;
        x->req = NULL;
    }
    sluice__buf_cleanup(&url);
    sluice__buf_cleanup(&q);
    return rc;
}

/* ---- judging -------------------------------------------------------------*/

/* The first failure of an upload is the one it reports. */
static void fail_up(struct up *u, int rc, const char *what)
{
    if (u->pub && u->pub->rc == SLUICE_OK) {
        u->pub->rc = rc;
        snprintf(u->pub->msg, sizeof u->pub->msg, "%s", what);
    }
}

static void after_parts(struct up *u)
{
    if (u->failed)
        u->phase = PH_ABORT;
    else if (u->parts_done == u->n_parts)
        u->phase = PH_COMPLETE;
    else
        return;
    memset(&u->one, 0, sizeof u->one);
    u->one.op = u->phase == PH_ABORT ? OP_ABORT : OP_COMPLETE;
}

/* A failed multipart upload aborts once none of its parts is in flight
 * (an abort racing its own parts could leave one stored after it). */
static void parts_settle(struct up *u)
{
    if (u->phase != PH_PARTS || !u->failed)
        return;
    for (size_t i = 0; i < u->n_parts; i++)
        if (u->parts[i].busy)
            return;
    after_parts(u);
}

static void succeed(struct sluice_s3_client *c, struct up *u, struct req *r,
                    struct xfer *x)
{
    struct sluice_buf v;
    sluice__buf_init(&v, 4096);
    r->done = true;
    switch (r->op) {
    case OP_PUT:
    case OP_LIST:
        u->phase = PH_DONE;
        break;
    case OP_CREATE:
        if (!x->body.p ||
            !sluice__s3_xml_value(x->body.p, x->body.n, "UploadId", &v) ||
            !v.n) {
            fail_up(u, SLUICE_EHTTP,
                    "CreateMultipartUpload answered no UploadId");
            u->phase = PH_DONE;
            break;
        }
        u->upload_id = sluice__buf_take(&v, NULL);
        if (!u->upload_id || sluice__s3_marker_write(c, u) != SLUICE_OK) {
            /* No marker, no way to clean up after a crash: give up now
             * (the abort below still runs). */
            fail_up(u, SLUICE_EIO,
                    "cannot record the open multipart upload in the "
                    "staging folder");
            u->failed = true;
        }
        u->phase = PH_PARTS;
        after_parts(u); /* straight to the abort when failed */
        break;
    case OP_PART:
        r->etag = sluice__strdup(x->etag[0] ? x->etag : "");
        u->parts_done++;
        if (!r->etag) {
            fail_up(u, SLUICE_ENOMEM, "out of memory");
            u->failed = true;
        }
        if (!u->failed)
            after_parts(u);
        else
            parts_settle(u);
        break;
    case OP_COMPLETE:
        sluice__s3_marker_remove(u);
        u->phase = PH_DONE;
        break;
    case OP_ABORT:
        sluice__s3_marker_remove(u);
        u->phase = PH_DONE;
        break;
    }
    sluice__buf_cleanup(&v);
}

static const char *op_name(enum op op)
{
    static const char *const names[] = {"PutObject",
                                        "CreateMultipartUpload",
                                        "UploadPart",
                                        "CompleteMultipartUpload",
                                        "AbortMultipartUpload",
                                        "ListMultipartUploads"};
    return names[op];
}

static void judge(struct sluice_s3_client *c, struct xfer *x, CURLcode cc)
{
    struct up *u = x->up;
    struct req *r = x->req;
    long status = 0;
    curl_easy_getinfo(x->e, CURLINFO_RESPONSE_CODE, &status);
    r->busy = false;
    const char *body = x->body.p ? x->body.p : "";
    /* CompleteMultipartUpload may fail in a 200 (an <Error> body). */
    long judged = status;
    if (cc == CURLE_OK && r->op == OP_COMPLETE && status / 100 == 2 &&
        sluice__s3_is_error(body, x->body.n))
        judged = 500;
    /* An abort of an upload already gone has nothing left to do. */
    if (r->op == OP_ABORT && status == 404)
        judged = 204;

    struct sluice_attempt a = {.xfer = sluice__xfer_from_curl((int)cc),
                               .status = cc == CURLE_OK ? judged : 0,
                               .retry_after = -1};
    struct sluice_retry_decision d;
    sluice__retry_decide(c->o.retry, &r->rs, &a, &c->rng, &d);
    if (d.action == SLUICE_RETRY_DONE) {
        succeed(c, u, r, x);
        return;
    }
    if (d.action == SLUICE_RETRY_AGAIN) {
        r->not_before = now_s() + d.delay;
        parts_settle(u); /* no retry once its upload failed */
        return;
    }
    /* Failed for good (or the store asks to wait longer than max_wait). */
    char why[SLUICE_ERR_MAX];
    if (cc != CURLE_OK)
        snprintf(why, sizeof why, "%s: %s", op_name(r->op),
                 x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc));
    else {
        char text[600];
        sluice__s3_error_text(status, body, x->body.n, text, sizeof text);
        snprintf(why, sizeof why, "%s: %s", op_name(r->op), text);
    }
    if (u->pub && cc == CURLE_OK &&
        sluice__s3_refuses_job(status, body, x->body.n))
        u->pub->refused_job = true;
    r->done = true;
    switch (r->op) {
    case OP_PART:
        fail_up(u, SLUICE_EHTTP, why);
        u->failed = true;
        parts_settle(u);
        break;
    case OP_COMPLETE:
        fail_up(u, SLUICE_EHTTP, why);
        u->failed = true;
        after_parts(u);
        break;
    case OP_ABORT:
        /* The marker stays: the next run aborts the upload. */
        fail_up(u, SLUICE_EHTTP, why);
        u->phase = PH_DONE;
        break;
    default:
        fail_up(u, SLUICE_EHTTP, why);
        u->phase = PH_DONE;
        break;
    }
}

/* ---- the loop ------------------------------------------------------------*/

static bool startable(const struct req *r, double now)
{
    return !r->busy && !r->done && r->not_before <= now;
}

/* The next request of u due now, NULL when none; *next_at the earliest
 * time one waiting for its backoff may go. */
static struct req *next_req(struct up *u, double now, double *next_at)
{
    switch (u->phase) {
    case PH_SINGLE:
    case PH_CREATE:
    case PH_COMPLETE:
    case PH_ABORT:
        if (startable(&u->one, now))
            return &u->one;
        if (!u->one.busy && !u->one.done && u->one.not_before < *next_at)
            *next_at = u->one.not_before;
        return NULL;
    case PH_PARTS:
        if (u->failed)
            return NULL; /* the busy parts end, then the abort goes */
        for (size_t i = 0; i < u->n_parts; i++) {
            struct req *p = &u->parts[i];
            if (startable(p, now))
                return p;
            if (!p->busy && !p->done && p->not_before < *next_at)
                *next_at = p->not_before;
        }
        return NULL;
    case PH_DONE:
        return NULL;
    }
    return NULL;
}

void sluice__s3_drive(struct sluice_s3_client *c, struct up *ups, size_t n)
{
    for (;;) {
        double now = now_s(), next_at = now + 1.0;
        bool live = false;
        for (size_t i = 0; i < n; i++)
            live |= ups[i].phase != PH_DONE;
        for (size_t k = 0; k < c->n_x; k++)
            live |= c->x[k].req != NULL;
        if (!live)
            return;
        /* Start what is due on the free transfers. */
        for (size_t k = 0; k < c->n_x; k++) {
            if (c->x[k].req)
                continue;
            struct req *r = NULL;
            size_t i = 0;
            for (; i < n && !r; i++)
                r = next_req(&ups[i], now, &next_at);
            if (!r)
                break;
            struct sluice_err err = {{0}};
            struct up *u = &ups[i - 1];
            if (req_start(c, &c->x[k], u, r, &err) != SLUICE_OK) {
                r->done = true;
                fail_up(u, SLUICE_EIO, err.msg);
                if (r->op == OP_PART) {
                    u->failed = true;
                    parts_settle(u);
                } else if (r->op == OP_COMPLETE) {
                    u->failed = true;
                    after_parts(u);
                } else {
                    u->phase = PH_DONE;
                }
            }
        }
        int running = 0;
        curl_multi_perform(c->multi, &running);
        CURLMsg *m;
        int left = 0;
        bool ended = false;
        while ((m = curl_multi_info_read(c->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            CURL *e = m->easy_handle;
            CURLcode cc = m->data.result;
            curl_multi_remove_handle(c->multi, e);
            for (size_t k = 0; k < c->n_x; k++) {
                if (c->x[k].e != e)
                    continue;
                judge(c, &c->x[k], cc);
                c->x[k].req = NULL;
                c->x[k].up = NULL;
            }
            ended = true;
        }
        if (ended)
            continue;
        double wait = next_at - now_s();
        int ms = wait <= 0 ? 0 : wait > 1.0 ? 1000 : (int)(wait * 1000) + 1;
        curl_multi_poll(c->multi, NULL, 0, ms, NULL);
    }
}

static void up_cleanup(struct up *u)
{
    if (u->fd >= 0)
        close(u->fd);
    for (size_t i = 0; i < u->n_parts; i++)
        sluice__free(u->parts[i].etag);
    sluice__free(u->parts);
    sluice__free(u->upload_id);
}

void sluice__s3_upload_all(struct sluice_s3_client *c,
                           struct sluice_s3_upload *pubs, size_t n)
{
    struct up *ups = sluice__calloc(n ? n : 1, sizeof *ups);
    if (!ups) {
        for (size_t i = 0; i < n; i++) {
            pubs[i].rc = SLUICE_ENOMEM;
            snprintf(pubs[i].msg, sizeof pubs[i].msg, "out of memory");
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct up *u = &ups[i];
        struct stat st;
        u->pub = &pubs[i];
        u->pub->rc = SLUICE_OK;
        u->pub->msg[0] = 0;
        u->pub->requests = 0;
        u->pub->refused_job = false;
        u->fd = open(pubs[i].path, O_RDONLY | O_CLOEXEC);
        if (u->fd < 0 || fstat(u->fd, &st) != 0) {
            u->pub->rc = SLUICE_EIO;
            snprintf(u->pub->msg, sizeof u->pub->msg,
                     "cannot open the staged file to upload: %s",
                     strerror(errno));
            u->phase = PH_DONE;
            continue;
        }
        u->size = (uint64_t)st.st_size;
        u->pub->multipart = u->size > c->o.single_max;
        if (!u->pub->multipart) {
            u->phase = PH_SINGLE;
            u->one = (struct req){.op = OP_PUT, .len = u->size};
            continue;
        }
        /* At most 10000 parts (S3's limit): larger files get larger ones. */
        uint64_t ps = c->o.part_size;
        if ((u->size + ps - 1) / ps > 10000)
            ps = ((u->size / 10000 >> 20) + 1) << 20;
        u->n_parts = (size_t)((u->size + ps - 1) / ps);
        u->parts = sluice__calloc(u->n_parts, sizeof *u->parts);
        if (!u->parts) {
            u->pub->rc = SLUICE_ENOMEM;
            snprintf(u->pub->msg, sizeof u->pub->msg, "out of memory");
            u->phase = PH_DONE;
            continue;
        }
        for (size_t p = 0; p < u->n_parts; p++) {
            uint64_t off = (uint64_t)p * ps;
            u->parts[p] =
                (struct req){.op = OP_PART,
                             .part = (unsigned)p + 1,
                             .off = off,
                             .len = u->size - off < ps ? u->size - off : ps};
        }
        u->phase = PH_CREATE;
        u->one = (struct req){.op = OP_CREATE};
    }
    sluice__s3_drive(c, ups, n);
    for (size_t i = 0; i < n; i++)
        up_cleanup(&ups[i]);
    sluice__free(ups);
}
