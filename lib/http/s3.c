/* s3.c: S3 requests built and answers read, without I/O (s3.h). The
 * signing itself is libcurl's (CURLOPT_AWS_SIGV4); this file gives it what
 * it needs and cannot know: the payload's hash, the canonical query, the
 * key encoded once as SigV4 encodes it, so that what curl signs is what
 * the server recomputes. */
#include <stdio.h>
#include <string.h>

#include "http/s3.h"

void sluice__s3_dest_cleanup(struct sluice_s3_dest *d)
{
    if (!d)
        return;
    sluice__free(d->bucket);
    sluice__free(d->key_template);
    sluice__free(d->endpoint);
    sluice__free(d->region);
    sluice__free(d->access_key_id);
    sluice__free(d->secret_access_key);
    sluice__free(d->session_token);
    sluice__free(d->staging);
    memset(d, 0, sizeof *d);
}

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

int sluice__s3_encode(struct sluice_buf *out, const char *p, size_t n,
                      bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = SLUICE_OK;
    for (size_t i = 0; i < n && rc == SLUICE_OK; i++) {
        unsigned char c = (unsigned char)p[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            rc = sluice__buf_addc(out, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = sluice__buf_append(out, e, 3);
        }
    }
    return rc;
}

int sluice__s3_url(const struct sluice_s3_dest *d, const char *key,
                   const char *query, struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    const char *sep = strstr(d->endpoint, "://");
    size_t scheme_n = sep ? (size_t)(sep - d->endpoint) + 3 : 0;
    if (d->path_style) {
        SLUICE_TRY(sluice__buf_adds(out, d->endpoint));
        SLUICE_TRY(sluice__buf_addc(out, '/'));
        SLUICE_TRY(sluice__s3_encode(out, d->bucket, strlen(d->bucket), false));
    } else { /* virtual-hosted: the bucket is the host's first label */
        SLUICE_TRY(sluice__buf_append(out, d->endpoint, scheme_n));
        SLUICE_TRY(sluice__buf_adds(out, d->bucket));
        SLUICE_TRY(sluice__buf_addc(out, '.'));
        SLUICE_TRY(sluice__buf_adds(out, d->endpoint + scheme_n));
    }
    if (key && *key) {
        SLUICE_TRY(sluice__buf_addc(out, '/'));
        SLUICE_TRY(sluice__s3_encode(out, key, strlen(key), true));
    } else if (!d->path_style) {
        SLUICE_TRY(sluice__buf_addc(out, '/'));
    }
    if (query && *query) {
        SLUICE_TRY(sluice__buf_addc(out, '?'));
        SLUICE_TRY(sluice__buf_adds(out, query));
    }
out:
    return rc;
}

int sluice__s3_display(const struct sluice_s3_dest *d, const char *key,
                       struct sluice_buf *out)
{
    return sluice__buf_appendf(out, "s3://%s/%s", d->bucket, key ? key : "");
}

int sluice__s3_sign(CURL *e, const struct sluice_s3_dest *d,
                    const char *payload_sha256, struct curl_slist **headers,
                    struct sluice_err *err)
{
    char sig[160], line[128];
    int rc = SLUICE_OK;
    struct curl_slist *n = NULL;
    snprintf(sig, sizeof sig, "aws:amz:%s:s3", d->region);
    SLUICE_FAIL_IF(curl_easy_setopt(e, CURLOPT_AWS_SIGV4, sig) != CURLE_OK ||
                       curl_easy_setopt(e, CURLOPT_USERNAME,
                                        d->access_key_id) != CURLE_OK ||
                       curl_easy_setopt(e, CURLOPT_PASSWORD,
                                        d->secret_access_key) != CURLE_OK,
                   SLUICE_EHTTP, err,
                   "libcurl refused the SigV4 options (needs 7.75 or later)");
    snprintf(line, sizeof line, "x-amz-content-sha256: %s", payload_sha256);
    n = curl_slist_append(*headers, line);
    SLUICE_FAIL_IF(!n, SLUICE_ENOMEM, err, "out of memory");
    *headers = n;
    if (d->session_token && *d->session_token) {
        struct sluice_buf t;
        sluice__buf_init(&t, 16384);
        rc = sluice__buf_appendf(&t, "x-amz-security-token: %s",
                                 d->session_token);
        n = rc == SLUICE_OK ? curl_slist_append(*headers, t.p) : NULL;
        sluice__buf_cleanup(&t);
        SLUICE_FAIL_IF(!n, rc == SLUICE_OK ? SLUICE_ENOMEM : rc, err,
                       "the session token is too long");
        *headers = n;
    }
    /* Waiting a second for "100 Continue" (curl's default above 1 MiB)
     * would only slow every part. Not by removing Expect with an empty
     * "Expect:" header: libcurl 7.88's SigV4 mishandles a header without
     * a value (fixed in 8.1) and the signature no longer matches. */
    SLUICE_FAIL_IF(curl_easy_setopt(e, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L) !=
                       CURLE_OK,
                   SLUICE_EHTTP, err, "libcurl refused an option");
out:
    return rc;
}

/* The first `needle` in p/n, NULL when none (memmem is a GNU extension). */
static const char *find(const char *p, size_t n, const char *needle, size_t nn)
{
    for (size_t i = 0; nn && i + nn <= n; i++)
        if (p[i] == needle[0] && memcmp(p + i, needle, nn) == 0)
            return p + i;
    return NULL;
}

static int entity(const char *p, size_t n, char *c)
{
    static const struct {
        const char *name;
        char c;
    } ents[] = {{"&amp;", '&'},  {"&lt;", '<'},    {"&gt;", '>'},
                {"&quot;", '"'}, {"&apos;", '\''}, {"&#34;", '"'},
                {"&#39;", '\''}};
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(ents); i++) {
        size_t len = strlen(ents[i].name);
        if (n >= len && memcmp(p, ents[i].name, len) == 0) {
            *c = ents[i].c;
            return (int)len;
        }
    }
    return 0;
}

bool sluice__s3_xml_value(const char *xml, size_t n, const char *tag,
                          struct sluice_buf *out)
{
    char open[64], close[64];
    int on = snprintf(open, sizeof open, "<%s>", tag);
    int cn = snprintf(close, sizeof close, "</%s>", tag);
    sluice__buf_reset(out);
    if (on <= 0 || (size_t)on >= sizeof open || cn <= 0 ||
        (size_t)cn >= sizeof close)
        return false;
    const char *p = find(xml, n, open, (size_t)on);
    if (!p)
        return false;
    p += on;
    const char *end = find(p, n - (size_t)(p - xml), close, (size_t)cn);
    if (!end)
        return false;
    while (p < end) {
        char c = *p;
        int used = c == '&' ? entity(p, (size_t)(end - p), &c) : 0;
        if (sluice__buf_addc(out, c) != SLUICE_OK)
            return false;
        p += used ? used : 1;
    }
    return true;
}

bool sluice__s3_is_error(const char *xml, size_t n)
{
    return find(xml, n, "<Error>", 7) != NULL;
}

void sluice__s3_error_text(long status, const char *xml, size_t n, char *out,
                           size_t out_n)
{
    struct sluice_buf code, msg;
    sluice__buf_init(&code, 128);
    sluice__buf_init(&msg, 300);
    bool has_code = xml && sluice__s3_xml_value(xml, n, "Code", &code);
    bool has_msg = xml && sluice__s3_xml_value(xml, n, "Message", &msg);
    /* One line: a message with a newline would break the log's lines. */
    for (size_t i = 0; has_msg && i < msg.n; i++)
        if ((unsigned char)msg.p[i] < 0x20)
            msg.p[i] = ' ';
    snprintf(out, out_n, "HTTP %ld%s%s%s%s", status, has_code ? " " : "",
             has_code ? code.p : "", has_msg ? ": " : "", has_msg ? msg.p : "");
    sluice__buf_cleanup(&code);
    sluice__buf_cleanup(&msg);
}

bool sluice__s3_refuses_job(long status, const char *xml, size_t n)
{
    static const char *const codes[] = {"AccessDenied",
                                        "InvalidAccessKeyId",
                                        "SignatureDoesNotMatch",
                                        "InvalidToken",
                                        "ExpiredToken",
                                        "NoSuchBucket",
                                        "AuthorizationHeaderMalformed",
                                        "PermanentRedirect",
                                        "InvalidBucketName",
                                        "AllAccessDisabled"};
    if (status == 401 || status == 403)
        return true;
    struct sluice_buf code;
    sluice__buf_init(&code, 128);
    bool refused = false;
    if (xml && sluice__s3_xml_value(xml, n, "Code", &code))
        for (size_t i = 0; i < SLUICE_ARRAY_LEN(codes) && !refused; i++)
            refused = strcmp(code.p, codes[i]) == 0;
    sluice__buf_cleanup(&code);
    return refused;
}

int sluice__s3_complete_body(const char *const *etags, size_t n,
                             struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    SLUICE_TRY(sluice__buf_adds(out, "<CompleteMultipartUpload>"));
    for (size_t i = 0; i < n; i++) {
        SLUICE_TRY(sluice__buf_appendf(out,
                                       "<Part><PartNumber>%zu</PartNumber>"
                                       "<ETag>",
                                       i + 1));
        for (const char *p = etags[i]; *p; p++) {
            if (*p == '"')
                SLUICE_TRY(sluice__buf_adds(out, "&quot;"));
            else if (*p == '&')
                SLUICE_TRY(sluice__buf_adds(out, "&amp;"));
            else if (*p == '<')
                SLUICE_TRY(sluice__buf_adds(out, "&lt;"));
            else
                SLUICE_TRY(sluice__buf_addc(out, *p));
        }
        SLUICE_TRY(sluice__buf_adds(out, "</ETag></Part>"));
    }
    SLUICE_TRY(sluice__buf_adds(out, "</CompleteMultipartUpload>"));
out:
    return rc;
}
