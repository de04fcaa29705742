/* error_body.c: extracts the server's message from an error body with the
 * streaming reader; see error_body.h for where it looks. */
#include "http/error_body.h"

#include <string.h>

#include "json/json_reader.h"

#define MSG_MAX 300

/* The fields we care about, by priority (lower index wins). */
enum field {
    F_ERROR_MESSAGE, /* $.error_message (NeoWs) */
    F_GW_CODE,       /* $.error.code (api gateway) */
    F_GW_MESSAGE,    /* $.error.message */
    F_MESSAGE,       /* $.message */
    F_ERROR,         /* $.error as a string */
    F_DETAIL,        /* $.detail */
    F_TITLE,         /* $.title */
    F_DESCRIPTION,   /* $.error_description (OAuth 2.0, RFC 6749 5.2) */
    F_COUNT
};

struct scan {
    int depth;
    bool in_error_object;  /* inside $.error {...} */
    int pending;           /* field the next value belongs to, or -1 */
    char found[F_COUNT][MSG_MAX + 1];
    bool have[F_COUNT];
};

static int field_for(const struct scan *s, const char *k, size_t n)
{
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(k, lit, n) == 0)
    if (s->depth == 1) {
        if (IS("error_message"))
            return F_ERROR_MESSAGE;
        if (IS("message"))
            return F_MESSAGE;
        if (IS("error"))
            return F_ERROR;
        if (IS("detail"))
            return F_DETAIL;
        if (IS("title"))
            return F_TITLE;
        if (IS("error_description"))
            return F_DESCRIPTION;
    } else if (s->depth == 2 && s->in_error_object) {
        if (IS("code"))
            return F_GW_CODE;
        if (IS("message"))
            return F_GW_MESSAGE;
    }
#undef IS
    return -1;
}

static int on_event(void *ud, enum sluice_json_event ev, const char *p,
                    size_t n)
{
    struct scan *s = ud;
    int field = s->pending;
    s->pending = -1;
    switch (ev) {
    case SLUICE_JSON_KEY:
        s->pending = field_for(s, p, n);
        break;
    case SLUICE_JSON_OBJECT_BEGIN:
    case SLUICE_JSON_ARRAY_BEGIN:
        s->depth++;
        if (field == F_ERROR && ev == SLUICE_JSON_OBJECT_BEGIN)
            s->in_error_object = true;
        break;
    case SLUICE_JSON_OBJECT_END:
    case SLUICE_JSON_ARRAY_END:
        s->depth--;
        if (s->depth == 1)
            s->in_error_object = false;
        break;
    case SLUICE_JSON_STRING:
    case SLUICE_JSON_NUMBER:
        if (field >= 0 && !s->have[field]) {
            size_t m = n < MSG_MAX ? n : MSG_MAX;
            memcpy(s->found[field], p, m);
            s->found[field][m] = '\0';
            s->have[field] = true;
        }
        break;
    default:
        break;
    }
    return 0;
}

/* Appends text with control characters (and runs of whitespace) folded to
 * single spaces, at most MSG_MAX bytes. */
static int append_clean(struct sluice_buf *out, const char *p, size_t n)
{
    int rc = SLUICE_OK;
    size_t written = 0;
    bool space = false;
    for (size_t i = 0; i < n && written < MSG_MAX; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == 0x7f || c == ' ') {
            space = written > 0;
            continue;
        }
        if (space) {
            SLUICE_TRY(sluice__buf_addc(out, ' '));
            written++;
            space = false;
        }
        SLUICE_TRY(sluice__buf_addc(out, (char)c));
        written++;
    }
out:
    return rc;
}

static int append_text_body(struct sluice_buf *out, const char *body, size_t n)
{
    /* HTML error pages: skip tags so "<h1>Application error</h1>" reads. */
    char text[MSG_MAX + 1];
    size_t t = 0;
    bool in_tag = false;
    for (size_t i = 0; i < n && t < MSG_MAX; i++) {
        char c = body[i];
        if (c == '<')
            in_tag = true;
        else if (c == '>') {
            in_tag = false;
            text[t++] = ' ';
        } else if (!in_tag)
            text[t++] = c;
    }
    return append_clean(out, text, t);
}

int sluice__http_error_message(const char *body, size_t n,
                               struct sluice_buf *out)
{
    if (!body || n == 0)
        return SLUICE_OK;
    struct scan *s = sluice__calloc(1, sizeof *s);
    if (!s)
        return SLUICE_ENOMEM;
    s->pending = -1;
    struct sluice_json_reader_opts ro = {64, 1 << 20};
    struct sluice_json_reader *r = sluice__json_reader_new(&ro, on_event, s);
    int rc = SLUICE_OK;
    if (!r) {
        rc = SLUICE_ENOMEM;
        goto out;
    }
    /* A malformed body still gives what was found before the error. */
    if (sluice__json_reader_feed(r, body, n) == SLUICE_OK &&
        sluice__json_reader_finish(r) != SLUICE_OK) {
        /* nothing to do: partial findings are used as they are */
    }

    if (s->have[F_ERROR_MESSAGE]) {
        rc = append_clean(out, s->found[F_ERROR_MESSAGE],
                          strlen(s->found[F_ERROR_MESSAGE]));
    } else if (s->have[F_GW_CODE] || s->have[F_GW_MESSAGE]) {
        if (s->have[F_GW_CODE]) {
            rc = append_clean(out, s->found[F_GW_CODE],
                              strlen(s->found[F_GW_CODE]));
            if (rc == SLUICE_OK && s->have[F_GW_MESSAGE])
                rc = sluice__buf_adds(out, ": ");
        }
        if (rc == SLUICE_OK && s->have[F_GW_MESSAGE])
            rc = append_clean(out, s->found[F_GW_MESSAGE],
                              strlen(s->found[F_GW_MESSAGE]));
    } else if (!s->have[F_MESSAGE] && s->have[F_ERROR] &&
               s->have[F_DESCRIPTION]) {
        /* OAuth 2.0's shape (a token endpoint, a bearer API's 401):
         * "invalid_token: The access token expired" */
        rc = append_clean(out, s->found[F_ERROR], strlen(s->found[F_ERROR]));
        if (rc == SLUICE_OK)
            rc = sluice__buf_adds(out, ": ");
        if (rc == SLUICE_OK)
            rc = append_clean(out, s->found[F_DESCRIPTION],
                              strlen(s->found[F_DESCRIPTION]));
    } else {
        bool done = false;
        for (int f = F_MESSAGE; f < F_COUNT && !done; f++) {
            if (s->have[f]) {
                rc = append_clean(out, s->found[f], strlen(s->found[f]));
                done = true;
            }
        }
        if (!done && s->depth == 0 && body[0] != '{' && body[0] != '[')
            rc = append_text_body(out, body, n);
        else if (!done)
            rc = append_clean(out, body, n);
    }
out:
    sluice__json_reader_free(r);
    sluice__free(s);
    return rc;
}
