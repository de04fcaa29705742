/* request.c: URL/query building and the easy-handle policy. */
#include "http/request.h"

#include <string.h>

int sluice__url_encode(struct sluice_buf *out, const char *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = SLUICE_OK;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                     (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                     c == '_' || c == '~';
        if (plain) {
            SLUICE_TRY(sluice__buf_addc(out, (char)c));
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            SLUICE_TRY(sluice__buf_append(out, esc, 3));
        }
    }
out:
    return rc;
}

int sluice__url_add_param(struct sluice_buf *url, const char *name,
                          const char *value)
{
    int rc = SLUICE_OK;
    const char *s = sluice__buf_str(url);
    char sep = strchr(s, '?') ? '&' : '?';
    size_t len = strlen(s);
    /* "http://x/feed?" or "...&" already ends with a separator */
    if (len && (s[len - 1] == '?' || s[len - 1] == '&'))
        sep = 0;
    if (sep)
        SLUICE_TRY(sluice__buf_addc(url, sep));
    SLUICE_TRY(sluice__url_encode(url, name, strlen(name)));
    SLUICE_TRY(sluice__buf_addc(url, '='));
    SLUICE_TRY(sluice__url_encode(url, value, strlen(value)));
out:
    return rc;
}

const char *sluice__http_user_agent(void)
{
    return "sluice/" SLUICE_VERSION_STRING;
}

int sluice__http_easy_setup(CURL *e, const struct sluice_http_policy *p,
                            struct sluice_err *err)
{
    CURLcode c = CURLE_OK;
#define SET(opt, val)                                                          \
    do {                                                                       \
        if (c == CURLE_OK)                                                     \
            c = curl_easy_setopt(e, opt, val);                                 \
    } while (0)
    SET(CURLOPT_USERAGENT, sluice__http_user_agent());
    /* "" = every encoding this libcurl can decode (gzip, deflate, br, zstd) */
    SET(CURLOPT_ACCEPT_ENCODING, "");
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    SET(CURLOPT_CONNECTTIMEOUT_MS, p->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, p->timeout_ms);
    SET(CURLOPT_LOW_SPEED_LIMIT, p->low_speed_bytes);
    SET(CURLOPT_LOW_SPEED_TIME, p->low_speed_secs);
    SET(CURLOPT_NOSIGNAL, 1L);
    /* Redirects are followed by sluice, hop by hop, so that each target's
     * origin is checked before anything is sent there (http/redirect.h):
     * libcurl would strip only Authorization and carry every custom
     * header, X-Api-Key included, to another host. */
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_SSL_VERIFYPEER, p->insecure ? 0L : 1L);
    SET(CURLOPT_SSL_VERIFYHOST, p->insecure ? 0L : 2L);
    if (p->ca_file)
        SET(CURLOPT_CAINFO, p->ca_file);
#undef SET
    if (c != CURLE_OK) {
        sluice__err_set(err, "libcurl refused an option: %s",
                        curl_easy_strerror(c));
        return SLUICE_EHTTP;
    }
    return SLUICE_OK;
}
