/* dotenv.c: the .env parser and the bounded whole-file reader the config
 * module uses for job files and .env files. The parser is line-based and
 * keeps a 1-based line:col for every error. */
#include "config/dotenv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/fs.h"

struct dotenv_var {
    char *name;
    char *value;
};

struct sluice_dotenv {
    struct dotenv_var *vars;
    size_t n, cap;
};

void sluice__dotenv_free(struct sluice_dotenv *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        sluice__free(d->vars[i].name);
        sluice__free(d->vars[i].value);
    }
    sluice__free(d->vars);
    sluice__free(d);
}

const char *sluice__dotenv_get(const struct sluice_dotenv *d, const char *name)
{
    /* From the end: a later assignment wins. */
    for (size_t i = d ? d->n : 0; i > 0; i--)
        if (!strcmp(d->vars[i - 1].name, name))
            return d->vars[i - 1].value;
    return NULL;
}

size_t sluice__dotenv_count(const struct sluice_dotenv *d)
{
    return d ? d->n : 0;
}

static bool is_name_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int var_add(struct sluice_dotenv *d, const char *name, size_t name_n,
                   struct sluice_buf *value)
{
    struct dotenv_var *v = sluice__grow(d->vars, &d->cap, d->n + 1, sizeof *v, 8);
    if (!v)
        return SLUICE_ENOMEM;
    d->vars = v;
    char *nm = sluice__strndup(name, name_n);
    char *val = sluice__buf_take(value, NULL);
    if (!nm || !val) {
        sluice__free(nm);
        sluice__free(val);
        return SLUICE_ENOMEM;
    }
    d->vars[d->n++] = (struct dotenv_var){nm, val};
    return SLUICE_OK;
}

/* Parses the value part of one line, p[0..n) (after '=' and blanks). On a
 * syntax error returns SLUICE_EJOB with *bad set to the offending offset. */
static int parse_value(const char *p, size_t n, struct sluice_buf *out,
                       size_t *bad, const char **why)
{
    int rc = SLUICE_OK;
    size_t i = 0;
    if (n > 0 && (p[0] == '"' || p[0] == '\'')) {
        char q = p[0];
        for (i = 1; i < n && p[i] != q; i++) {
            char c = p[i];
            if (q == '"' && c == '\\' && i + 1 < n) {
                char e = p[++i];
                switch (e) {
                case 'n':
                    c = '\n';
                    break;
                case 'r':
                    c = '\r';
                    break;
                case 't':
                    c = '\t';
                    break;
                case '\\':
                case '"':
                case '$':
                    c = e;
                    break;
                default:
                    SLUICE_TRY(sluice__buf_addc(out, '\\'));
                    c = e;
                }
            }
            SLUICE_TRY(sluice__buf_addc(out, c));
        }
        if (i == n) {
            *bad = 0;
            *why = "unterminated quoted value";
            return SLUICE_EJOB;
        }
        for (i++; i < n && is_blank(p[i]); i++)
            ;
        if (i < n && p[i] != '#') {
            *bad = i;
            *why = "unexpected text after the closing quote";
            return SLUICE_EJOB;
        }
        /* An empty quoted value still makes the buffer a string. */
        return sluice__buf_append(out, "", 0);
    }
    size_t end = n;
    for (i = 0; i < n; i++) {
        if (p[i] == '#' && (i == 0 || is_blank(p[i - 1]))) {
            end = i;
            break;
        }
    }
    while (end > 0 && is_blank(p[end - 1]))
        end--;
    rc = sluice__buf_append(out, p, end);
out:
    return rc;
}

static int parse_line(struct sluice_dotenv *d, const char *p, size_t n,
                      const char *origin, unsigned line, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf value;
    sluice__buf_init(&value, SLUICE_DOTENV_MAX);
    size_t i = 0, bad = 0;
    const char *why = NULL;

    if (n > 0 && p[n - 1] == '\r')
        n--;
    while (i < n && is_blank(p[i]))
        i++;
    if (i == n || p[i] == '#')
        goto out;
    if (n - i > 7 && !memcmp(p + i, "export", 6) && is_blank(p[i + 6]))
        for (i += 7; i < n && is_blank(p[i]); i++)
            ;
    size_t name_at = i;
    SLUICE_FAIL_IF(i == n || !is_name_start(p[i]), SLUICE_EJOB, err,
                   "%s:%u:%zu: expected a variable name (KEY=VALUE)", origin,
                   line, i + 1);
    while (i < n && is_name_char(p[i]))
        i++;
    size_t name_n = i - name_at;
    while (i < n && is_blank(p[i]))
        i++;
    SLUICE_FAIL_IF(i == n || p[i] != '=', SLUICE_EJOB, err,
                   "%s:%u:%zu: expected '=' after %.*s", origin, line, i + 1,
                   (int)name_n, p + name_at);
    for (i++; i < n && is_blank(p[i]); i++)
        ;
    rc = parse_value(p + i, n - i, &value, &bad, &why);
    SLUICE_FAIL_IF(rc == SLUICE_EJOB, SLUICE_EJOB, err, "%s:%u:%zu: %s", origin,
                   line, i + bad + 1, why);
    SLUICE_TRY(rc);
    SLUICE_TRY(var_add(d, p + name_at, name_n, &value));
out:
    sluice__buf_cleanup(&value);
    return rc;
}

int sluice__dotenv_parse(const char *text, size_t n, const char *origin,
                         struct sluice_dotenv **out, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_dotenv *d = sluice__calloc(1, sizeof *d);
    *out = NULL;
    SLUICE_FAIL_IF(!d, SLUICE_ENOMEM, err, "out of memory");
    SLUICE_FAIL_IF(n > SLUICE_DOTENV_MAX, SLUICE_EJOB, err,
                   "%s: larger than %u bytes", origin, SLUICE_DOTENV_MAX);
    unsigned line = 1;
    for (size_t at = 0; at < n; line++) {
        const char *nl = memchr(text + at, '\n', n - at);
        size_t len = nl ? (size_t)(nl - (text + at)) : n - at;
        SLUICE_FAIL_IF(memchr(text + at, '\0', len) != NULL, SLUICE_EJOB, err,
                       "%s:%u:1: line contains a NUL byte", origin, line);
        SLUICE_TRY(parse_line(d, text + at, len, origin, line, err));
        at += len + 1;
    }
    *out = d;
    d = NULL;
out:
    sluice__dotenv_free(d);
    return rc;
}

int sluice__dotenv_load(const char *path, struct sluice_dotenv **out,
                        struct sluice_err *err)
{
    char *text = NULL;
    size_t n = 0;
    bool missing = false;
    int rc = sluice__read_file(path, SLUICE_DOTENV_MAX, &text, &n, &missing,
                               err);
    if (rc == SLUICE_ETOOBIG) /* a bad input of the job's, not a limit hit */
        rc = SLUICE_EJOB;
    if (rc == SLUICE_EIO && missing)
        return sluice__dotenv_parse("", 0, path, out, err);
    if (rc != SLUICE_OK)
        return rc;
    rc = sluice__dotenv_parse(text, n, path, out, err);
    sluice__free(text);
    return rc;
}
