/* job_load_s3.c: the S3 destination's fields (docs/s3.md): an output.path
 * of s3://bucket/key-template and the output.s3 mapping (endpoint, region,
 * path_style, credentials, staging). Credentials come from the job's
 * fields or, as every AWS tool reads them, from AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (the environment, then
 * .env); the secret key and the session token are secrets wherever they
 * came from.
 *
 * Each window's file is built in a local staging folder first, under the
 * same temp-then-publish rule as a local output, then uploaded: so the
 * job's output.path becomes the staging template (staging folder + key
 * template), and every local rule (one file per window, inside its folder,
 * the sweep, the schema file) holds for it unchanged. */
#include <string.h>

#include "config/job.h"
#include "config/loader.h"

static bool bucket_ok(const char *b, size_t n)
{
    /* S3's rules: 3 to 63 of a-z 0-9 . -, starting and ending with a
     * letter or digit. */
    if (n < 3 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && !((c == '.' || c == '-') && i > 0 && i + 1 < n))
            return false;
    }
    return true;
}

/* An optional string field of output.s3 or, when absent, a variable. */
static int field_or_env(struct loader *L, const struct sluice_ynode *s3_n,
                        const char *key, const char *var, char **out)
{
    int rc = SLUICE_OK;
    if (s3_n)
        SLUICE_TRY(sluice__cfg_opt_str(L, s3_n, key, "output.s3", out, NULL));
    if (!*out && var) {
        const char *v = sluice__cfg_getenv(L, var);
        if (v && *v) {
            *out = sluice__strdup(v);
            SLUICE_FAIL_IF(!*out, SLUICE_ENOMEM, L->err, "out of memory");
        }
    }
out:
    return rc;
}

static int load_endpoint(struct loader *L, const struct sluice_ynode *s3_n,
                         struct sluice_s3_dest *d)
{
    const struct sluice_ynode *ep_n = NULL;
    int rc = SLUICE_OK;
    if (s3_n)
        SLUICE_TRY(sluice__cfg_opt_str(L, s3_n, "endpoint", "output.s3",
                                       &d->endpoint, &ep_n));
    if (!d->endpoint) {
        struct sluice_buf b;
        sluice__buf_init(&b, 1024);
        rc = sluice__buf_appendf(&b, "https://s3.%s.amazonaws.com", d->region);
        d->endpoint = rc == SLUICE_OK ? sluice__buf_take(&b, NULL) : NULL;
        sluice__buf_cleanup(&b);
        SLUICE_FAIL_IF(!d->endpoint, SLUICE_ENOMEM, L->err, "out of memory");
        goto out;
    }
    size_t n = strlen(d->endpoint);
    while (n > 0 && d->endpoint[n - 1] == '/')
        d->endpoint[--n] = 0;
    const char *host = strncmp(d->endpoint, "http://", 7) == 0 ? d->endpoint + 7
                       : strncmp(d->endpoint, "https://", 8) == 0
                           ? d->endpoint + 8
                           : NULL;
    if (!host || !*host || strpbrk(host, "/?#@"))
        rc = sluice__cfg_fail(L, &ep_n->mark, "output.s3.endpoint",
                              "'%s': expected http:// or https:// and a host "
                              "with an optional port, nothing after it",
                              d->endpoint);
out:
    return rc;
}

int sluice__cfg_load_s3(struct loader *L, const struct sluice_ynode *out_n,
                        const struct sluice_ynode *path_n)
{
    static const char *const keys[] = {"endpoint",      "region",
                                       "path_style",    "staging",
                                       "access_key_id", "secret_access_key",
                                       "session_token"};
    struct sluice_job *job = L->job;
    const struct sluice_ynode *s3_n = sluice__ynode_get(out_n, "s3");
    struct sluice_s3_dest *d = NULL;
    struct sluice_buf b;
    int rc = SLUICE_OK;
    sluice__buf_init(&b, 1 << 16);
    if (s3_n && sluice__ynode_is_null(s3_n))
        s3_n = NULL;
    if (strncmp(job->output.path, "s3://", 5) != 0) {
        if (s3_n)
            rc = sluice__cfg_fail(L, &s3_n->mark, "output.s3",
                                  "set, but output.path is not an s3:// URL");
        goto out;
    }
    if (s3_n) {
        SLUICE_TRY(sluice__cfg_section(L, out_n, "s3", NULL, 0, &s3_n));
        SLUICE_TRY(sluice__cfg_check_keys(L, s3_n, "output.s3", keys,
                                          SLUICE_ARRAY_LEN(keys)));
    }
    const char *bucket = job->output.path + 5;
    const char *slash = strchr(bucket, '/');
    if (!slash || !bucket_ok(bucket, (size_t)(slash - bucket)) || !slash[1] ||
        slash[1] == '/') {
        rc = sluice__cfg_fail(
            L, &path_n->mark, "output.path",
            "'%s': expected s3://BUCKET/KEY, the bucket 3 to 63 of a-z, 0-9, "
            "'.' and '-', and a key template after its '/'",
            job->output.path);
        goto out;
    }
    /* A "." or ".." segment would move the staged file elsewhere than its
     * key says (the local path is normalised, the key is not). */
    for (const char *seg = slash + 1; *seg;) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if ((n == 1 && seg[0] == '.') ||
            (n == 2 && seg[0] == '.' && seg[1] == '.')) {
            rc = sluice__cfg_fail(L, &path_n->mark, "output.path",
                                  "'%s': an S3 key has no '.' or '..' "
                                  "segments",
                                  job->output.path);
            goto out;
        }
        seg += n + (end != NULL);
    }
    d = sluice__calloc(1, sizeof *d);
    SLUICE_FAIL_IF(!d, SLUICE_ENOMEM, L->err, "out of memory");
    job->output.s3 = d;
    d->bucket = sluice__strndup(bucket, (size_t)(slash - bucket));
    d->key_template = sluice__strdup(slash + 1);
    SLUICE_FAIL_IF(!d->bucket || !d->key_template, SLUICE_ENOMEM, L->err,
                   "out of memory");

    SLUICE_TRY(field_or_env(L, s3_n, "region", "AWS_REGION", &d->region));
    if (!d->region)
        SLUICE_TRY(
            field_or_env(L, NULL, NULL, "AWS_DEFAULT_REGION", &d->region));
    if (!d->region) {
        d->region = sluice__strdup("us-east-1");
        SLUICE_FAIL_IF(!d->region, SLUICE_ENOMEM, L->err, "out of memory");
    }
    SLUICE_TRY(load_endpoint(L, s3_n, d));
    /* A store of one's own (MinIO, Ceph, 127.0.0.1) rarely has a DNS name
     * per bucket: path-style there, virtual-hosted on AWS. */
    d->path_style = s3_n && sluice__ynode_get(s3_n, "endpoint");
    if (s3_n)
        SLUICE_TRY(sluice__cfg_opt_bool(L, s3_n, "path_style", "output.s3",
                                        &d->path_style));

    SLUICE_TRY(field_or_env(L, s3_n, "access_key_id", "AWS_ACCESS_KEY_ID",
                            &d->access_key_id));
    SLUICE_TRY(field_or_env(L, s3_n, "secret_access_key",
                            "AWS_SECRET_ACCESS_KEY", &d->secret_access_key));
    SLUICE_TRY(field_or_env(L, s3_n, "session_token", "AWS_SESSION_TOKEN",
                            &d->session_token));
    /* Secrets before any message could show them. */
    if (d->secret_access_key)
        SLUICE_TRY(sluice__cfg_add_secret(
            L, NULL, "output.s3.secret_access_key", d->secret_access_key,
            strlen(d->secret_access_key)));
    if (d->session_token)
        SLUICE_TRY(sluice__cfg_add_secret(L, NULL, "output.s3.session_token",
                                          d->session_token,
                                          strlen(d->session_token)));
    if (!d->access_key_id || !d->secret_access_key) {
        rc = sluice__cfg_fail(
            L, s3_n ? &s3_n->mark : &path_n->mark,
            s3_n ? "output.s3" : "output.path",
            "no credentials for s3://%s: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (or output.s3.access_key_id and "
            "secret_access_key)",
            d->bucket);
        goto out;
    }

    /* The staging folder: given, or .sluice/staging-<name> beside the job
     * file (where the ledger lives by default). */
    if (s3_n)
        SLUICE_TRY(sluice__cfg_opt_str(L, s3_n, "staging", "output.s3",
                                       &d->staging, NULL));
    if (!d->staging) {
        const char *file = L->o->path;
        const char *fs = file ? strrchr(file, '/') : NULL;
        if (fs)
            SLUICE_TRY(sluice__buf_append(&b, file, (size_t)(fs - file) + 1));
        SLUICE_TRY(sluice__buf_appendf(&b, ".sluice/staging-%s", job->name));
        d->staging = sluice__buf_take(&b, NULL);
        SLUICE_FAIL_IF(!d->staging, SLUICE_ENOMEM, L->err, "out of memory");
    }
    size_t sn = strlen(d->staging);
    while (sn > 1 && d->staging[sn - 1] == '/')
        d->staging[--sn] = 0;
    sluice__buf_reset(&b);
    SLUICE_TRY(sluice__buf_appendf(&b, "%s/%s", d->staging, d->key_template));
    sluice__free(job->output.path);
    job->output.path = sluice__buf_take(&b, NULL);
    SLUICE_FAIL_IF(!job->output.path, SLUICE_ENOMEM, L->err, "out of memory");
out:
    sluice__buf_cleanup(&b);
    return rc;
}
