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
 * A run of matches (overlapping, or written one right after another) is
 * replaced by one "***". A run holding a long secret (SLUICE_SECRET_SHORT
 * bytes or more) is hidden wherever it is: such a value does not occur by
 * chance, and inside a longer word it would still show. A run of short
 * secrets only when it stands alone, so redaction never rewrites data
 * that merely contains the same bytes: the bytes just before and after
 * must not be URL-unreserved (A-Z a-z 0-9 - . _ ~), as a secret is bounded
 * in a URL, a header or a JSON string; the start and end of the text
 * count, and so does a run that itself starts or ends with such a byte.
 * The byte before is read through an escape ending there ("%20", "\n",
 * "\u0022"). With secret "a", "alpha" stays "alpha"; with "2024",
 * "2024-01-01" stays as it is. A run not bounded as a whole may still hold
 * bounded secrets: those are hidden one by one. */
#include "util/redact.h"
#include "util/swar.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

/* Bounds: a secret is a key, token or password, not a document. */
#define SECRET_MAX 65536
#define PATTERNS_MAX 16384
#define FIRSTS_MAX 8

struct pattern {
    char *p;
    size_t n;
    bool anywhere; /* its secret is long enough to hide wherever it is */
};

struct sluice_secrets {
    struct pattern *pats; /* longest first */
    size_t n_pats;
    size_t cap_pats;
    size_t n_secrets; /* distinct secrets added */
    bool first[256];  /* bytes that start some pattern */
    /* The distinct first bytes, while few: a word-at-a-time scan then
     * finds candidates in record data far faster than the table. */
    unsigned char firsts[FIRSTS_MAX];
    size_t n_firsts; /* FIRSTS_MAX + 1: too many, use the table */
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
                       bool anywhere, bool *added)
{
    *added = false;
    if (n == 0 || has_pattern(s, p, n))
        return SLUICE_OK;
    if (s->n_pats >= PATTERNS_MAX)
        return SLUICE_ETOOBIG;
    struct pattern *np =
        sluice__grow(s->pats, &s->cap_pats, s->n_pats + 1, sizeof *np, 16);
    if (!np)
        return SLUICE_ENOMEM;
    s->pats = np;
    char *copy = sluice__strndup(p, n);
    if (!copy)
        return SLUICE_ENOMEM;
    size_t at = 0;
    while (at < s->n_pats && s->pats[at].n >= n)
        at++;
    memmove(s->pats + at + 1, s->pats + at, (s->n_pats - at) * sizeof *s->pats);
    s->pats[at].p = copy;
    s->pats[at].n = n;
    s->pats[at].anywhere = anywhere;
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
    bool anywhere = n >= SLUICE_SECRET_SHORT;
    SLUICE_TRY(add_pattern(s, p, n, anywhere, &added));
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
        SLUICE_TRY(add_pattern(s, b.p, b.n, anywhere, &dummy));
    }
out:
    sluice__buf_cleanup(&b);
    return rc;
}

/* Length of the longest pattern matching at p[0], or 0. *anywhere (may
 * be NULL) tells whether a matching pattern belongs to a long secret. */
static size_t match_at2(const struct sluice_secrets *s, const char *p,
                        size_t left, bool *anywhere)
{
    unsigned char c = (unsigned char)p[0];
    size_t best = 0;
    if (anywhere)
        *anywhere = false;
    for (size_t i = 0; i < s->n_pats; i++) {
        const struct pattern *pt = &s->pats[i];
        if (pt->n <= left && (unsigned char)pt->p[0] == c &&
            memcmp(pt->p, p, pt->n) == 0) {
            if (!best)
                best = pt->n; /* longest first */
            if (!anywhere || pt->anywhere) {
                if (anywhere)
                    *anywhere = true;
                break;
            }
        }
    }
    return best;
}

static size_t match_at(const struct sluice_secrets *s, const char *p,
                       size_t left)
{
    return match_at2(s, p, left, NULL);
}

/* Does any byte of the word x equal one of the first bytes? Exact, by the
 * has-zero-byte trick on x XOR each first byte. */
static bool word_has_first(const struct sluice_secrets *s, uint64_t x)
{
    uint64_t m = 0;
    for (size_t k = 0; k < s->n_firsts; k++)
        m |= sluice__swar_eq(x, s->firsts[k]);
    return m != 0;
}

bool sluice__redact_needed(const struct sluice_secrets *s, const char *p,
                           size_t n)
{
    if (!s || s->n_pats == 0 || n < s->pats[s->n_pats - 1].n)
        return false; /* shorter than the shortest pattern */
    /* No match starts where the shortest pattern no longer fits. */
    size_t last = n - s->pats[s->n_pats - 1].n;
    if (s->n_firsts <= FIRSTS_MAX) {
        /* Eight bytes at a time for the few first bytes, the words that
         * hold one read byte by byte: most record strings are short, and
         * a memchr call per first byte cost more than the bytes it
         * skipped. The last word overlaps the one before it. */
        size_t i = 0;
        while (i <= last) {
            uint64_t x;
            size_t at = i + 8 <= n ? i : n >= 8 ? n - 8 : 0;
            if (n >= 8) {
                memcpy(&x, p + at, 8);
                if (!word_has_first(s, x)) {
                    i = at + 8;
                    continue;
                }
            }
            size_t stop = n >= 8 ? at + 8 : n;
            for (size_t j = i; j < stop && j <= last; j++)
                if (s->first[(unsigned char)p[j]] && match_at(s, p + j, n - j))
                    return true;
            i = stop;
        }
        return false;
    }
    for (size_t i = 0; i <= last; i++)
        if (s->first[(unsigned char)p[i]] && match_at(s, p + i, n - i))
            return true;
    return false;
}

/* Whether a match may start at p[a]: at the start of the text, or after a
 * byte that cannot be part of a token (anything but the URL-unreserved
 * set), or when the match itself starts with such a byte. The byte before
 * is read through an escape that ends there ("%20", "\n", "\u0022"), so
 * a secret after an encoded space or quote still counts as bounded. */
static bool left_bounded(const char *p, size_t a)
{
    if (a == 0 || !unreserved((unsigned char)p[a]))
        return true;
    unsigned char c = (unsigned char)p[a - 1];
    if (!unreserved(c))
        return true;
    if (a >= 3 && p[a - 3] == '%' &&
        sluice__hex_digit((unsigned char)p[a - 2]) >= 0 &&
        sluice__hex_digit((unsigned char)c) >= 0)
        return !unreserved(
            (unsigned char)(sluice__hex_digit((unsigned char)p[a - 2]) * 16 +
                            sluice__hex_digit((unsigned char)c)));
    if (a >= 2 && p[a - 2] == '\\' && strchr("nrtbf", (char)c))
        return true; /* a JSON escape of a control byte */
    if (a >= 6 && p[a - 6] == '\\' && p[a - 5] == 'u') {
        int v = 0;
        for (size_t k = a - 4; k < a && v >= 0; k++) {
            int h = sluice__hex_digit((unsigned char)p[k]);
            v = h < 0 ? -1 : v * 16 + h;
        }
        if (v >= 0)
            return v > 0x7f || !unreserved((unsigned char)v);
    }
    return false;
}

/* Whether a match may end at p[b] (exclusive): the end of the text, a
 * byte outside the unreserved set, or a match that ends in such a byte. */
static bool right_bounded(const char *p, size_t n, size_t b)
{
    return b == n || !unreserved((unsigned char)p[b]) ||
           !unreserved((unsigned char)p[b - 1]);
}

/* Length of the longest match at p[k] that is bounded on both sides, or
 * 0 (with secrets "a" and "a=b", "a=bc" holds a bounded "a"). */
static size_t bounded_match_at(const struct sluice_secrets *s, const char *p,
                               size_t n, size_t k)
{
    if (!left_bounded(p, k))
        return 0;
    for (size_t i = 0; i < s->n_pats; i++) {
        const struct pattern *pt = &s->pats[i];
        if (pt->n <= n - k && pt->p[0] == p[k] &&
            memcmp(pt->p, p + k, pt->n) == 0 && right_bounded(p, n, k + pt->n))
            return pt->n;
    }
    return 0;
}

/* Hides the bounded matches inside [cs, ce), one by one: a cluster that
 * is not bounded as a whole may still hold a secret that is (with secrets
 * "a=b" and "b=c", the text "a=b=cd" hides "a=b"). Overlapping bounded
 * matches share one marker. *lit is the start of bytes not yet copied. */
static int redact_members(const struct sluice_secrets *s, const char *p,
                          size_t n, size_t cs, size_t ce, size_t *lit,
                          struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    size_t hidden = cs; /* end of the current hidden run */
    for (size_t k = cs; k < ce; k++) {
        if (!s->first[(unsigned char)p[k]])
            continue;
        size_t m = bounded_match_at(s, p, n, k);
        if (m == 0)
            continue;
        if (k >= hidden) {
            if (k > *lit)
                SLUICE_TRY(sluice__buf_append(out, p + *lit, k - *lit));
            SLUICE_TRY(sluice__buf_adds(out, SLUICE_REDACTED));
            hidden = k + m;
        } else if (k + m > hidden) {
            hidden = k + m;
        }
        *lit = hidden;
    }
out:
    return rc;
}

int sluice__redact(const struct sluice_secrets *s, const char *p, size_t n,
                   struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    if (!s || s->n_pats == 0 || n == 0)
        return n ? sluice__buf_append(out, p, n)
                 : sluice__buf_append(out, "", 0);
    size_t lit = 0; /* start of pending visible bytes */
    size_t i = 0;
    while (i < n) {
        if (!s->first[(unsigned char)p[i]]) {
            i++;
            continue;
        }
        bool anywhere = false, aw = false;
        size_t m = match_at2(s, p + i, n - i, &anywhere);
        if (m == 0) {
            i++;
            continue;
        }
        /* A cluster: this match and every match that starts inside it or
         * right where it ends (secrets written one after another). */
        size_t cs = i, ce = i + m, j = i + 1;
        for (; j < n && j <= ce; j++) {
            if (!s->first[(unsigned char)p[j]])
                continue;
            size_t mm = match_at2(s, p + j, n - j, &aw);
            anywhere = anywhere || (mm && aw);
            if (j + mm > ce)
                ce = j + mm;
        }
        /* A long secret is hidden wherever it is; short ones only where
         * they stand alone. */
        if (anywhere || (left_bounded(p, cs) && right_bounded(p, n, ce))) {
            /* flush what came before it, one marker for the whole run */
            if (cs > lit)
                SLUICE_TRY(sluice__buf_append(out, p + lit, cs - lit));
            SLUICE_TRY(sluice__buf_adds(out, SLUICE_REDACTED));
            lit = ce;
        } else {
            SLUICE_TRY(redact_members(s, p, n, cs, ce, &lit, out));
        }
        i = j;
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
    static const char *const words[] = {"key",      "token",     "secret",
                                        "password", "passwd",    "auth",
                                        "sig",      "credential"};
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
