/* redact.c: the secret set and the redactor. See redact.h for the
 * contract.
 *
 * Each secret is stored with the other spellings it takes on the way out
 * (percent-encoded with upper- or lower-case hex, '+' for space,
 * JSON-escaped with or without "\/"), deduplicated, as one flat list of
 * patterns sorted longest first. The redactor scans left to right; a table
 * of the patterns' first bytes lets it skip, in bulk, every byte that cannot
 * start a match, so the cost on ordinary text is one table lookup per byte
 * plus a memcmp per candidate.
 *
 * Overlapping occurrences are hidden together: the redactor tracks the end
 * of the current hidden run and keeps extending it while matches starting
 * inside it reach further, so with secrets "abc" and "cdef" the text
 * "abcdef" becomes "***", not "***def" (which would show most of the second
 * secret). */
#include "util/redact.h"

#include <ctype.h>
#include <string.h>

/* Bounds: a secret is a key, token or password, not a document. */
#define SECRET_MAX 65536
#define PATTERNS_MAX 16384
#define FIRSTS_MAX 8

struct pattern {
    char *p;
    size_t n;
};

struct sluice_secrets {
    struct pattern *pats; /* longest first */
    size_t n_pats;
    size_t cap_pats;
    size_t n_secrets; /* distinct secrets added */
    bool first[256];  /* bytes that start some pattern */
    /* The distinct first bytes, while few: memchr then finds candidates
     * in record data far faster than a byte-by-byte table scan. */
    unsigned char firsts[FIRSTS_MAX];
    size_t n_firsts;  /* FIRSTS_MAX + 1: too many, use the table */
};

struct sluice_secrets *sluice__secrets_new(void)
{
    return sluice__calloc(1, sizeof(struct sluice_secrets));
}

void sluice__secrets_free(struct sluice_secrets *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_pats; i++)
        sluice__free(s->pats[i].p);
    sluice__free(s->pats);
    sluice__free(s);
}

size_t sluice__secrets_count(const struct sluice_secrets *s)
{
    return s ? s->n_secrets : 0;
}

static bool has_pattern(const struct sluice_secrets *s, const char *p, size_t n)
{
    for (size_t i = 0; i < s->n_pats; i++) {
        if (s->pats[i].n == n && memcmp(s->pats[i].p, p, n) == 0)
            return true;
    }
    return false;
}

/* Adds a copy of p/n unless already present, keeping the list sorted
 * longest first. *added tells whether it was new. */
static int add_pattern(struct sluice_secrets *s, const char *p, size_t n,
                       bool *added)
{
    *added = false;
    if (n == 0 || has_pattern(s, p, n))
        return SLUICE_OK;
    if (s->n_pats >= PATTERNS_MAX)
        return SLUICE_ETOOBIG;
    if (s->n_pats == s->cap_pats) {
        size_t cap = s->cap_pats ? s->cap_pats * 2 : 16;
        struct pattern *np = sluice__realloc(s->pats, cap * sizeof *np);
        if (!np)
            return SLUICE_ENOMEM;
        s->pats = np;
        s->cap_pats = cap;
    }
    char *copy = sluice__strndup(p, n);
    if (!copy)
        return SLUICE_ENOMEM;
    size_t at = 0;
    while (at < s->n_pats && s->pats[at].n >= n)
        at++;
    memmove(s->pats + at + 1, s->pats + at, (s->n_pats - at) * sizeof *s->pats);
    s->pats[at].p = copy;
    s->pats[at].n = n;
    s->n_pats++;
    unsigned char f = (unsigned char)p[0];
    if (!s->first[f] && s->n_firsts <= FIRSTS_MAX) {
        if (s->n_firsts < FIRSTS_MAX)
            s->firsts[s->n_firsts] = f;
        s->n_firsts++;
    }
    s->first[f] = true;
    *added = true;
    return SLUICE_OK;
}

static bool unreserved(unsigned char c)
{
    /* ASCII only: isalnum() would follow the locale. */
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

/* The secret as a URL query encodes it: RFC 3986 percent-encoding of every
 * byte outside the unreserved set, optionally with '+' for space (HTML
 * forms) and lower-case hex (some encoders). */
static int percent_encode(const char *p, size_t n, bool plus, bool lower,
                          struct sluice_buf *out)
{
    const char *hex = lower ? "0123456789abcdef" : "0123456789ABCDEF";
    int rc = SLUICE_OK;
    for (size_t i = 0; i < n && rc == SLUICE_OK; i++) {
        unsigned char c = (unsigned char)p[i];
        if (unreserved(c)) {
            rc = sluice__buf_addc(out, (char)c);
        } else if (plus && c == ' ') {
            rc = sluice__buf_addc(out, '+');
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = sluice__buf_append(out, e, 3);
        }
    }
    return rc;
}

/* The secret inside a JSON string: quote, backslash and control bytes
 * escaped; optionally "/" as "\/" (PHP and some Java encoders). */
static int json_escape(const char *p, size_t n, bool slash,
                       struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    for (size_t i = 0; i < n && rc == SLUICE_OK; i++) {
        unsigned char c = (unsigned char)p[i];
        /* Bytes with a short escape, and the letter after the '\'. */
        static const char from[] = "\"\\\b\f\n\r\t";
        static const char to[] = "\"\\bfnrt";
        const char *hit = c ? strchr(from, c) : NULL;
        char e[2] = {'\\', 0};
        if (hit)
            e[1] = to[hit - from];
        else if (slash && c == '/')
            e[1] = '/';
        if (e[1])
            rc = sluice__buf_append(out, e, 2);
        else if (c < 0x20)
            rc = sluice__buf_appendf(out, "\\u%04x", c);
        else
            rc = sluice__buf_addc(out, (char)c);
    }
    return rc;
}

int sluice__secrets_add(struct sluice_secrets *s, const char *p, size_t n)
{
    int rc = SLUICE_OK;
    bool added = false, dummy = false;
    struct sluice_buf b;
    sluice__buf_init(&b, SECRET_MAX * 6);
    if (!s || (!p && n))
        return SLUICE_EINVAL;
    if (n == 0)
        goto out;
    if (n > SECRET_MAX) {
        rc = SLUICE_ETOOBIG;
        goto out;
    }
    SLUICE_TRY(add_pattern(s, p, n, &added));
    if (!added)
        goto out; /* the same secret again: its variants are in */
    s->n_secrets++;
    for (int v = 0; v < 5; v++) {
        sluice__buf_reset(&b);
        if (v < 3)
            rc = percent_encode(p, n, v == 2, v == 1, &b);
        else
            rc = json_escape(p, n, v == 4, &b);
        SLUICE_TRY(rc);
        SLUICE_TRY(add_pattern(s, b.p, b.n, &dummy));
    }
out:
    sluice__buf_cleanup(&b);
    return rc;
}

/* Length of the longest pattern matching at p[0], or 0. */
static size_t match_at(const struct sluice_secrets *s, const char *p,
                       size_t left)
{
    unsigned char c = (unsigned char)p[0];
    for (size_t i = 0; i < s->n_pats; i++) {
        const struct pattern *pt = &s->pats[i];
        if (pt->n <= left && (unsigned char)pt->p[0] == c &&
            memcmp(pt->p, p, pt->n) == 0)
            return pt->n;
    }
    return 0;
}

bool sluice__redact_needed(const struct sluice_secrets *s, const char *p,
                           size_t n)
{
    if (!s || s->n_pats == 0 || n < s->pats[s->n_pats - 1].n)
        return false; /* shorter than the shortest pattern */
    if (s->n_firsts <= FIRSTS_MAX) {
        for (size_t k = 0; k < s->n_firsts; k++) {
            const char *q = p, *end = p + n;
            while ((q = memchr(q, s->firsts[k], (size_t)(end - q))) != NULL) {
                if (match_at(s, q, (size_t)(end - q)))
                    return true;
                q++;
            }
        }
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if (s->first[(unsigned char)p[i]] && match_at(s, p + i, n - i))
            return true;
    return false;
}

int sluice__redact(const struct sluice_secrets *s, const char *p, size_t n,
                   struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    if (!s || s->n_pats == 0 || n == 0)
        return n ? sluice__buf_append(out, p, n)
                 : sluice__buf_append(out, "", 0);
    size_t lit = 0;    /* start of pending visible bytes */
    size_t hidden = 0; /* end of the current hidden run */
    size_t i = 0;
    while (i < n) {
        if (!s->first[(unsigned char)p[i]]) {
            i++;
            continue;
        }
        size_t m = match_at(s, p + i, n - i);
        if (m == 0) {
            i++;
            continue;
        }
        if (i >= hidden) {
            /* A new run: flush what came before it, show the marker. */
            if (i > lit)
                SLUICE_TRY(sluice__buf_append(out, p + lit, i - lit));
            SLUICE_TRY(sluice__buf_adds(out, SLUICE_REDACTED));
            hidden = i + m;
        } else if (i + m > hidden) {
            hidden = i + m; /* an overlapping match reaches further */
        }
        lit = hidden;
        i++;
    }
    if (n > lit)
        SLUICE_TRY(sluice__buf_append(out, p + lit, n - lit));
    else
        SLUICE_TRY(sluice__buf_append(out, "", 0));
out:
    return rc;
}

char *sluice__redact_dup(const struct sluice_secrets *s, const char *str)
{
    if (!str)
        str = "";
    size_t n = strlen(str);
    struct sluice_buf b;
    /* Worst case every byte is a one-byte secret shown as three. */
    sluice__buf_init(&b, n > SIZE_MAX / 4 ? SIZE_MAX / 4 : n * 3 + 16);
    if (sluice__redact(s, str, n, &b) != SLUICE_OK)
        return NULL;
    return sluice__buf_take(&b, NULL);
}

bool sluice__secret_name(const char *name)
{
    static const char *const words[] = {"key",      "token",  "secret",
                                        "password", "passwd", "auth"};
    if (!name)
        return false;
    size_t n = strlen(name);
    for (size_t w = 0; w < SLUICE_ARRAY_LEN(words); w++) {
        size_t wn = strlen(words[w]);
        for (size_t i = 0; i + wn <= n; i++) {
            size_t k = 0;
            while (k < wn && tolower((unsigned char)name[i + k]) == words[w][k])
                k++;
            if (k == wn)
                return true;
        }
    }
    return false;
}
