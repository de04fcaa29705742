/* env_expand.c: ${VAR} / ${VAR:-default} expansion. One left-to-right pass;
 * substituted text is never rescanned, so a value that itself contains
 * "${...}" stays as it is (no recursive expansion, no loops). Each
 * substitution is reported to the caller, which decides by the variable's
 * name whether its value is a secret. */
#include "config/env_expand.h"

#include <string.h>

static bool is_name_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

int sluice__env_expand(const char *s, size_t n, sluice_getenv_fn lookup,
                       void *ud, sluice_env_value_fn on_value,
                       struct sluice_buf *out, size_t *n_refs,
                       struct sluice_err *err)
{
    int rc = SLUICE_OK;
    size_t refs = 0;
    size_t i = 0;
    /* The empty append makes `out` a valid string even for "". */
    SLUICE_TRY(sluice__buf_append(out, "", 0));
    while (i < n) {
        if (s[i] != '$') {
            const char *dollar = memchr(s + i, '$', n - i);
            size_t run = dollar ? (size_t)(dollar - (s + i)) : n - i;
            SLUICE_TRY(sluice__buf_append(out, s + i, run));
            i += run;
            continue;
        }
        if (i + 2 < n && s[i + 1] == '$' && s[i + 2] == '{') {
            SLUICE_TRY(sluice__buf_adds(out, "${"));
            i += 3;
            continue;
        }
        if (i + 1 >= n || s[i + 1] != '{') {
            SLUICE_TRY(sluice__buf_addc(out, '$'));
            i++;
            continue;
        }
        /* ${NAME} or ${NAME:-default} */
        size_t ref_at = i;
        size_t name_at = i + 2, j = name_at;
        while (j < n && is_name_char(s[j]))
            j++;
        size_t name_n = j - name_at;
        const char *close = memchr(s + ref_at, '}', n - ref_at);
        SLUICE_FAIL_IF(!close, SLUICE_EJOB, err,
                       "unterminated '${' at byte %zu", ref_at);
        SLUICE_FAIL_IF(name_n == 0 || !is_name_start(s[name_at]), SLUICE_EJOB,
                       err,
                       "bad variable name in '${' at byte %zu (expected "
                       "letters, digits or '_')",
                       ref_at);
        SLUICE_FAIL_IF(name_n > SLUICE_ENV_NAME_MAX, SLUICE_EJOB, err,
                       "variable name at byte %zu is longer than %d bytes",
                       ref_at, SLUICE_ENV_NAME_MAX);
        const char *def = NULL;
        size_t def_n = 0;
        if (s + j != close) {
            SLUICE_FAIL_IF(n - j < 2 || s[j] != ':' || s[j + 1] != '-',
                           SLUICE_EJOB, err,
                           "bad reference to %.*s at byte %zu: expected "
                           "'}' or ':-default}'",
                           (int)name_n, s + name_at, ref_at);
            def = s + j + 2;
            def_n = (size_t)(close - def);
        }
        char name[SLUICE_ENV_NAME_MAX + 1];
        memcpy(name, s + name_at, name_n);
        name[name_n] = '\0';
        const char *val = lookup(ud, name);
        size_t val_n = val ? strlen(val) : 0;
        if (def && val_n == 0) {
            val = def;
            val_n = def_n;
        }
        SLUICE_FAIL_IF(!val, SLUICE_EJOB, err,
                       "environment variable %s is not set (and has no "
                       "default)",
                       name);
        SLUICE_TRY(sluice__buf_append(out, val, val_n));
        if (on_value)
            SLUICE_TRY(on_value(ud, name, val, val_n));
        refs++;
        i = (size_t)(close - s) + 1;
    }
out:
    if (n_refs)
        *n_refs = refs;
    return rc;
}
