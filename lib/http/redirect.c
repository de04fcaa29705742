/* redirect.c: origins and the stripping of secrets from a redirect's
 * target. See redirect.h. URLs are parsed by libcurl's own parser
 * (curl_url), so the origin sluice checks is the one libcurl connects to. */
#include "http/redirect.h"

#include <ctype.h>
#include <curl/curl.h>
#include <string.h>

static void lower(char *s)
{
    for (; s && *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

int sluice__url_origin(const char *url, struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    char *scheme = NULL, *host = NULL, *port = NULL;
    CURLU *u = curl_url();
    if (!u)
        return SLUICE_ENOMEM;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
            CURLUE_OK) {
        rc = SLUICE_EINVAL;
        goto out;
    }
    lower(scheme);
    lower(host);
    sluice__buf_reset(out);
    rc = sluice__buf_appendf(out, "%s://%s:%s", scheme, host, port);
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

/* p/n percent-decoded ('+' as space, as a form would send it) into out. */
static int decode(const char *p, size_t n, struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    sluice__buf_reset(out);
    SLUICE_TRY(sluice__buf_append(out, "", 0));
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '%' && i + 2 < n &&
            sluice__hex_digit((unsigned char)p[i + 1]) >= 0 &&
            sluice__hex_digit((unsigned char)p[i + 2]) >= 0) {
            SLUICE_TRY(sluice__buf_addc(
                out, (char)(sluice__hex_digit((unsigned char)p[i + 1]) * 16 +
                            sluice__hex_digit((unsigned char)p[i + 2]))));
            i += 2;
        } else {
            SLUICE_TRY(sluice__buf_addc(out, p[i] == '+' ? ' ' : p[i]));
        }
    }
out:
    return rc;
}

/* Whether one "name=value" of a query carries a secret. */
static int carries_secret(const char *p, size_t n,
                          const struct sluice_secrets *s,
                          struct sluice_buf *tmp, bool *yes)
{
    int rc = SLUICE_OK;
    const char *eq = memchr(p, '=', n);
    size_t name_n = eq ? (size_t)(eq - p) : n;
    SLUICE_TRY(decode(p, name_n, tmp));
    *yes = sluice__secret_name(tmp->p) || sluice__redact_needed(s, p, n);
    if (!*yes && eq) {
        SLUICE_TRY(decode(eq + 1, n - name_n - 1, tmp));
        *yes = sluice__redact_needed(s, tmp->p, tmp->n);
    }
out:
    return rc;
}

int sluice__redirect_strip(const char *url, const struct sluice_secrets *s,
                           struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    char *query = NULL, *full = NULL;
    struct sluice_buf kept, tmp;
    sluice__buf_init(&kept, 1 << 16);
    sluice__buf_init(&tmp, 1 << 16);
    CURLU *u = curl_url();
    if (!u) {
        rc = SLUICE_ENOMEM;
        goto out;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        rc = SLUICE_EINVAL;
        goto out;
    }
    /* user:password@ (and ;options) never go to another origin */
    curl_url_set(u, CURLUPART_USER, NULL, 0);
    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
    curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK && query) {
        const char *p = query;
        while (*p) {
            size_t n = strcspn(p, "&");
            bool secret = false;
            SLUICE_TRY(carries_secret(p, n, s, &tmp, &secret));
            if (n && !secret) {
                if (kept.n)
                    SLUICE_TRY(sluice__buf_addc(&kept, '&'));
                SLUICE_TRY(sluice__buf_append(&kept, p, n));
            }
            p += n + (p[n] == '&');
        }
        SLUICE_TRY(sluice__buf_append(&kept, "", 0));
        if (curl_url_set(u, CURLUPART_QUERY, kept.n ? kept.p : NULL, 0) !=
            CURLUE_OK) {
            rc = SLUICE_EINVAL;
            goto out;
        }
    }
    if (curl_url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK) {
        rc = SLUICE_EINVAL;
        goto out;
    }
    sluice__buf_reset(out);
    rc = sluice__buf_adds(out, full);
out:
    curl_free(query);
    curl_free(full);
    curl_url_cleanup(u);
    sluice__buf_cleanup(&kept);
    sluice__buf_cleanup(&tmp);
    return rc;
}
