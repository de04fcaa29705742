/* oauth2.c: the OAuth 2.0 client credentials grant (see oauth2.h): the
 * token request's form, its answer read with the streaming JSON reader,
 * one blocking POST through a curl easy handle of its own, and the
 * renewal rule. The token is a secret: nothing here logs it, and the
 * pipeline adds it to the job's secrets before any message could show it. */
#include "http/oauth2.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/error_body.h"
#include "json/json_reader.h"

#define FIELD_MAX 300      /* error, error_description, token_type */
#define RENEW_AHEAD_MAX 60 /* seconds: renew at most this long before */

int sluice__oauth2_form(const struct sluice_oauth2_client *c,
                        struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    struct {
        const char *name, *value;
    } f[] = {{"grant_type", "client_credentials"},
             {"client_id", c->client_id},
             {"client_secret", c->client_secret},
             {"scope", c->scope}};
    bool first = true;
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(f) + c->n_extra; i++) {
        const char *name = i < SLUICE_ARRAY_LEN(f)
                               ? f[i].name
                               : c->extra[i - SLUICE_ARRAY_LEN(f)].name;
        const char *value = i < SLUICE_ARRAY_LEN(f)
                                ? f[i].value
                                : c->extra[i - SLUICE_ARRAY_LEN(f)].value;
        if (!value)
            continue;
        if (!first)
            SLUICE_TRY(sluice__buf_addc(out, '&'));
        first = false;
        SLUICE_TRY(sluice__url_encode(out, name, strlen(name)));
        SLUICE_TRY(sluice__buf_addc(out, '='));
        SLUICE_TRY(sluice__url_encode(out, value, strlen(value)));
    }
out:
    return rc;
}

/* ---- the answer ------------------------------------------------------------ */

enum field { F_NONE, F_TOKEN, F_TYPE, F_EXPIRES, F_ERROR, F_DESCRIPTION };

struct scan {
    int depth;
    bool object;   /* the top-level value is an object */
    enum field pending;
    struct sluice_buf token;
    char type[FIELD_MAX + 1], expires[64], error[FIELD_MAX + 1],
        description[FIELD_MAX + 1];
    bool have_token, token_not_string, expires_bad;
};

static enum field field_for(const char *k, size_t n)
{
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(k, lit, n) == 0)
    if (IS("access_token"))
        return F_TOKEN;
    if (IS("token_type"))
        return F_TYPE;
    if (IS("expires_in"))
        return F_EXPIRES;
    if (IS("error"))
        return F_ERROR;
    if (IS("error_description"))
        return F_DESCRIPTION;
#undef IS
    return F_NONE;
}

static void keep(char *dst, size_t cap, const char *p, size_t n)
{
    size_t m = n < cap - 1 ? n : cap - 1;
    memcpy(dst, p, m);
    dst[m] = '\0';
}

static int on_event(void *ud, enum sluice_json_event ev, const char *p,
                    size_t n)
{
    struct scan *s = ud;
    enum field f = s->pending;
    s->pending = F_NONE;
    if (ev == SLUICE_JSON_OBJECT_BEGIN || ev == SLUICE_JSON_ARRAY_BEGIN) {
        if (s->depth == 0)
            s->object = ev == SLUICE_JSON_OBJECT_BEGIN;
        s->depth++;
        if (f == F_TOKEN)
            s->token_not_string = true;
        return 0;
    }
    if (ev == SLUICE_JSON_OBJECT_END || ev == SLUICE_JSON_ARRAY_END) {
        s->depth--;
        return 0;
    }
    if (ev == SLUICE_JSON_KEY) {
        if (s->depth == 1 && s->object)
            s->pending = field_for(p, n);
        return 0;
    }
    bool str = ev == SLUICE_JSON_STRING, num = ev == SLUICE_JSON_NUMBER;
    switch (f) {
    case F_TOKEN:
        if (!str) {
            s->token_not_string = true;
            return 0;
        }
        sluice__buf_reset(&s->token);
        s->have_token = true;
        return sluice__buf_append(&s->token, p, n);
    case F_TYPE:
        if (str)
            keep(s->type, sizeof s->type, p, n);
        return 0;
    case F_EXPIRES:
        if ((str || num) && n < sizeof s->expires)
            keep(s->expires, sizeof s->expires, p, n);
        else
            s->expires_bad = true;
        return 0;
    case F_ERROR:
        if (str)
            keep(s->error, sizeof s->error, p, n);
        return 0;
    case F_DESCRIPTION:
        if (str)
            keep(s->description, sizeof s->description, p, n);
        return 0;
    case F_NONE:
    default:
        return 0;
    }
}

/* expires_in: whole seconds (a fraction is cut), a number or a string of
 * one, positive. */
static bool parse_expires(const char *s, double *out)
{
    char *end = NULL;
    if (!*s)
        return false;
    double v = strtod(s, &end);
    if (*end != '\0' || !(v > 0) || v > 1e9)
        return false;
    *out = (double)(long long)v;
    return *out > 0;
}

/* The server's words for a refused token request: RFC 6749's error and
 * error_description, else what an error body usually holds. */
static void describe(long status, const struct scan *s, const char *body,
                     size_t n, struct sluice_err *err)
{
    if (s->error[0] && s->description[0]) {
        sluice__err_set(err, "HTTP %ld: %s: %s", status, s->error,
                        s->description);
        return;
    }
    if (s->error[0]) {
        sluice__err_set(err, "HTTP %ld: %s", status, s->error);
        return;
    }
    struct sluice_buf msg;
    sluice__buf_init(&msg, 1024);
    if (sluice__http_error_message(body, n, &msg) == SLUICE_OK && msg.n)
        sluice__err_set(err, "HTTP %ld: %s", status, msg.p);
    else
        sluice__err_set(err, "HTTP %ld", status);
    sluice__buf_cleanup(&msg);
}

int sluice__oauth2_parse(long status, const char *body, size_t n,
                         struct sluice_oauth2_token *tok,
                         struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct scan s;
    memset(&s, 0, sizeof s);
    sluice__buf_init(&s.token, SLUICE_OAUTH2_ANSWER_MAX);
    struct sluice_json_reader *rd = sluice__json_reader_new(NULL, on_event, &s);
    SLUICE_FAIL_IF(!rd, SLUICE_ENOMEM, err, "out of memory");
    int jrc = sluice__json_reader_feed(rd, body, n);
    if (jrc == SLUICE_OK)
        jrc = sluice__json_reader_finish(rd);
    SLUICE_FAIL_IF(jrc == SLUICE_ENOMEM, SLUICE_ENOMEM, err, "out of memory");
    if (status < 200 || status > 299) {
        describe(status, &s, body, n, err);
        rc = SLUICE_EAUTH;
        goto out;
    }
    SLUICE_FAIL_IF(jrc != SLUICE_OK, SLUICE_EAUTH, err,
                   "HTTP %ld: the answer is not JSON: %s", status,
                   sluice__json_reader_error(rd));
    SLUICE_FAIL_IF(!s.object, SLUICE_EAUTH, err,
                   "HTTP %ld: the answer is not a JSON object", status);
    SLUICE_FAIL_IF(s.token_not_string || (s.have_token && s.token.n == 0) ||
                       !s.have_token,
                   SLUICE_EAUTH, err,
                   "HTTP %ld: the answer has no access_token string%s%s",
                   status, s.error[0] ? ": " : "", s.error);
    SLUICE_FAIL_IF(s.type[0] && strcasecmp(s.type, "bearer") != 0,
                   SLUICE_EAUTH, err,
                   "HTTP %ld: token_type '%s' is not Bearer, the only kind "
                   "sluice sends",
                   status, s.type);
    double life = 0;
    SLUICE_FAIL_IF(s.expires_bad || (s.expires[0] &&
                                     !parse_expires(s.expires, &life)),
                   SLUICE_EAUTH, err,
                   "HTTP %ld: expires_in is not a positive number of seconds",
                   status);
    char *t = sluice__buf_take(&s.token, NULL);
    SLUICE_FAIL_IF(!t, SLUICE_ENOMEM, err, "out of memory");
    sluice__free(tok->access_token);
    tok->access_token = t;
    tok->lifetime = life;
out:
    sluice__json_reader_free(rd);
    sluice__buf_cleanup(&s.token);
    return rc;
}

bool sluice__oauth2_due(const struct sluice_oauth2_token *tok, double now)
{
    if (!tok->access_token)
        return true;
    if (tok->lifetime <= 0)
        return false; /* no expiry said: kept until a 401 */
    double ahead = tok->lifetime / 2;
    if (ahead > RENEW_AHEAD_MAX)
        ahead = RENEW_AHEAD_MAX;
    return now >= tok->obtained + tok->lifetime - ahead;
}

void sluice__oauth2_token_cleanup(struct sluice_oauth2_token *tok)
{
    sluice__free(tok->access_token);
    tok->access_token = NULL;
}

/* ---- the request ------------------------------------------------------------ */

struct answer {
    struct sluice_buf body;
    bool too_big;
};

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
    struct answer *a = ud;
    size_t n = size * nmemb;
    if (sluice__buf_append(&a->body, p, n) != SLUICE_OK) {
        a->too_big = true;
        return 0;
    }
    return n;
}

int sluice__oauth2_fetch(const struct sluice_oauth2_client *c,
                         const struct sluice_http_policy *policy, double now,
                         struct sluice_oauth2_token *tok,
                         struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf form;
    struct answer a = {.too_big = false};
    struct curl_slist *h = NULL, *n = NULL;
    sluice__buf_init(&form, 64u * 1024u);
    sluice__buf_init(&a.body, SLUICE_OAUTH2_ANSWER_MAX);
    CURL *e = curl_easy_init();
    SLUICE_FAIL_IF(!e, SLUICE_ENOMEM, err, "out of memory");
    rc = sluice__oauth2_form(c, &form);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc == SLUICE_ETOOBIG ? SLUICE_EAUTH : rc,
                   err, "%s", sluice__buf_failure(rc, "token request too long"));
    n = curl_slist_append(h, "Accept: application/json");
    if (n)
        h = n;
    n = n ? curl_slist_append(h, "Content-Type: "
                                 "application/x-www-form-urlencoded")
          : NULL;
    SLUICE_FAIL_IF(!n, SLUICE_ENOMEM, err, "out of memory");
    h = n;
    struct sluice_err serr = {{0}};
    if (sluice__http_easy_setup(e, policy, &serr) != SLUICE_OK) {
        rc = SLUICE_EAUTH;
        sluice__err_set(err, "%s", serr.msg);
        goto out;
    }
    CURLcode cc = curl_easy_setopt(e, CURLOPT_URL, c->token_url);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)form.n);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(e, CURLOPT_POSTFIELDS, sluice__buf_str(&form));
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(e, CURLOPT_WRITEDATA, &a);
    char cerr[CURL_ERROR_SIZE] = "";
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(e, CURLOPT_ERRORBUFFER, cerr);
    if (cc == CURLE_OK)
        cc = curl_easy_perform(e);
    SLUICE_FAIL_IF(a.too_big, SLUICE_EAUTH, err,
                   "the answer is larger than %u KiB",
                   SLUICE_OAUTH2_ANSWER_MAX / 1024);
    SLUICE_FAIL_IF(cc != CURLE_OK, SLUICE_EAUTH, err, "%s",
                   cerr[0] ? cerr : curl_easy_strerror(cc));
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    rc = sluice__oauth2_parse(status, a.body.p ? a.body.p : "", a.body.n, tok,
                              err);
    if (rc == SLUICE_OK)
        tok->obtained = now;
out:
    if (e)
        curl_easy_cleanup(e);
    curl_slist_free_all(h);
    sluice__buf_cleanup(&form);
    sluice__buf_cleanup(&a.body);
    return rc;
}
