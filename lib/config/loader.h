/* loader.h: the job loader's shared pieces (private to lib/config). The
 * loader walks the YAML tree field by field; each group of fields has its
 * file (job_load.c: name, source, windows, concurrency, output, http and
 * the document; job_load_parquet.c: Parquet output, columns, bad values;
 * job_load_db.c: a database destination;
 * job_load_run.c: rate limits, retries, state), and they all report errors
 * and read values through the helpers here (loader.c). */
#ifndef SLUICE_CONFIG_LOADER_H
#define SLUICE_CONFIG_LOADER_H

#include "config/dotenv.h"
#include "config/job.h"
#include "config/yaml_tree.h"
#include "util/log.h"

#define JOB_FILE_MAX (1u << 20) /* a job file is a page, not a data set */
#define VALUE_MAX (64u * 1024)  /* one value after ${...} expansion */
#define NAME_MAX_LEN 64
#define KV_MAX 256       /* params or headers */
#define PATH_MAX_LEN 512 /* "source.params.api_key" and such */
#define COMMAND_LINE "<command line>"

struct loader {
    const struct sluice_job_load_opts *o;
    struct sluice_job *job;
    struct sluice_dotenv *dotenv;
    struct sluice_err *err;
    struct sluice_ynode *root;
    struct sluice_logger log;    /* warnings at load (short secrets) */
    /* Secret decisions (secrets.c): the names in `secrets:` (pointing into
     * the tree), whether the value being read is a secret-named param's or
     * header's, where it is, and how many secret ${VAR}s it held. */
    const char **secret_vars;
    size_t n_secret_vars;
    bool in_secret_field;
    const char *cur_field;
    const struct sluice_ymark *cur_mark;
    size_t secret_refs;
    /* "resources[1]" while a resource's document is loaded
     * (job_load_resources.c): messages name its fields under it */
    const char *field_prefix;
};

/* Reports an error about the field `path` at `m` ("file:line:col: path:
 * message"), redacting the message; returns SLUICE_EJOB (or ENOMEM). */
int sluice__cfg_fail(struct loader *L, const struct sluice_ymark *m,
                     const char *path, const char *fmt, ...)
    SLUICE_PRINTF(4, 5);
/* "parent.key" into dst (PATH_MAX_LEN bytes). */
void sluice__cfg_join(char *dst, const char *parent, const char *key);
/* Every key of `map` must be in `allowed` (else an error with a
 * suggestion). */
int sluice__cfg_check_keys(struct loader *L, const struct sluice_ynode *map,
                           const char *path, const char *const *allowed,
                           size_t n_allowed);
/* The ${...}-expanded text of a scalar (caller frees); *refs counts the
 * references whose value is a secret (may be NULL). */
int sluice__cfg_scalar_text(struct loader *L, const struct sluice_ynode *node,
                            const char *path, char **out, size_t *refs);
/* Field readers: every one takes (map, key, parent) in this order, `key`
 * the field's name in `map` and `parent` the path of `map` in messages.
 * An optional / required string field of `map`. */
int sluice__cfg_opt_str(struct loader *L, const struct sluice_ynode *map,
                        const char *key, const char *parent, char **out,
                        const struct sluice_ynode **node_out);
int sluice__cfg_req_str(struct loader *L, const struct sluice_ynode *map,
                        const char *key, const char *parent, char **out,
                        const struct sluice_ynode **node_out);
/* Where a missing field is reported: its parent mapping, or the document. */
const struct sluice_ymark *
sluice__cfg_missing_at(const struct loader *L, const struct sluice_ynode *map);
/* A mapping section (NULL when absent) whose keys must be in `allowed`. */
int sluice__cfg_section(struct loader *L, const struct sluice_ynode *parent,
                        const char *key, const char *const *allowed,
                        size_t n_allowed, const struct sluice_ynode **out);
int sluice__cfg_template_ok(struct loader *L, const struct sluice_ynode *node,
                            const char *path, const char *tpl);
int sluice__cfg_opt_bool(struct loader *L, const struct sluice_ynode *map,
                         const char *key, const char *parent, bool *out);
/* One of `names` (case-insensitive); `list` says them in the message. */
int sluice__cfg_opt_enum(struct loader *L, const struct sluice_ynode *map,
                         const char *key, const char *parent,
                         const char *const *names, size_t n, const char *list,
                         int *idx);

/* An optional duration ("10s", "500ms") in ms / size ("256MiB") in bytes;
 * the out value is left alone when the field is absent. A size with a
 * max below UINT64_MAX must be a whole number of KiB..GiB (the message
 * says "from N KiB to M GiB"). */
int sluice__cfg_opt_duration(struct loader *L, const struct sluice_ynode *map,
                             const char *key, const char *parent,
                             int64_t min_ms, int64_t *ms);
int sluice__cfg_opt_size(struct loader *L, const struct sluice_ynode *map,
                         const char *key, const char *parent, uint64_t min,
                         uint64_t max, uint64_t *bytes);

/* A variable as ${VAR} sees it: the environment, then .env; NULL. */
const char *sluice__cfg_getenv(struct loader *L, const char *name);

/* Secrets (secrets.c). `secrets:`, read before any other field; the
 * env_expand callback that decides whether a ${VAR}'s value is a secret;
 * adding one (warns, naming `field` at `m`, when it is too short to hide
 * safely); the password of URL userinfo. */
int sluice__cfg_load_secret_vars(struct loader *L);
int sluice__cfg_on_value(void *ud, const char *name, const char *val,
                         size_t n);
int sluice__cfg_add_secret(struct loader *L, const struct sluice_ymark *m,
                           const char *field, const char *p, size_t n);
int sluice__cfg_url_userinfo(struct loader *L, const struct sluice_ymark *m,
                             const char *url);

/* Every field of the document L->root into L->job (job_load.c): a job
 * without `resources:`, or one resource's merged document. */
int sluice__cfg_load_fields(struct loader *L);
/* `resources:` (job_load_resources.c): one job per resource, chained. */
int sluice__cfg_load_resources(struct loader *L);

/* The field groups outside job_load.c. */
int sluice__cfg_load_parquet_output(struct loader *L,
                                    const struct sluice_ynode *out_n);
int sluice__cfg_load_columns(struct loader *L);
/* output.path s3://bucket/key and output.s3 (job_load_s3.c): fills
 * job->output.s3 and turns output.path into the local staging template.
 * output.s3 without an s3:// path is an error. */
int sluice__cfg_load_s3(struct loader *L, const struct sluice_ynode *out_n,
                        const struct sluice_ynode *path_n);
int sluice__cfg_load_bad_value(struct loader *L);
int sluice__cfg_load_rate_limit(struct loader *L);
/* source.pagination, after source.params (job_load_pagination.c). */
int sluice__cfg_load_pagination(struct loader *L,
                                const struct sluice_ynode *src);
void sluice__cfg_pagination_free(struct sluice_pagination *pg);
int sluice__cfg_load_retry(struct loader *L);
int sluice__cfg_load_state(struct loader *L);
/* job_load_state.c: a shared ledger (state: postgresql://...) and
 * state_lease; `node` is the state field's (NULL when absent). */
int sluice__cfg_load_state_shared(struct loader *L,
                                  const struct sluice_ynode *node);
/* Every form a password takes in a libpq connection string `s`, added to
 * the job's secrets as `field`'s (job_load_db.c). */
int sluice__cfg_conninfo_secrets(struct loader *L, const struct sluice_ymark *m,
                                 const char *field, const char *s);
/* source.method and source.body (job_load_body.c). */
int sluice__cfg_load_request(struct loader *L, const struct sluice_ynode *src);
/* The templates' context of source.body: JSON braces, and {cursor} when
 * the document has `incremental:` (job_load_body.c). */
struct sluice_tpl_ctx sluice__cfg_body_ctx(const struct loader *L);
/* partitions: (job_load_partitions.c): the other dimensions, after
 * windows and before every template is checked. */
int sluice__cfg_load_partitions(struct loader *L);
void sluice__cfg_parts_free(struct sluice_part_spec *p);
/* output.path over the other dimensions: each shows in it (or
 * {partition} or {index} does: then *proven, nothing more to check), and
 * no two groups render one path. */
int sluice__cfg_check_partition_paths(struct loader *L,
                                      const struct sluice_ynode *path_n,
                                      bool *proven);
/* output.path's fixed folder (the prefix before its first placeholder,
 * whatever the placeholder). */
int sluice__cfg_path_folder(struct loader *L, struct sluice_buf *out,
                            struct sluice_err *err);
/* output.path with group `group`'s values written in as literal text,
 * window placeholders kept: what the windows' analysis can read. */
int sluice__cfg_path_literal(struct loader *L, size_t group,
                             struct sluice_buf *out);
/* The placeholders a template of this job may use. */
struct sluice_tpl_ctx sluice__cfg_tpl_ctx(const struct loader *L);

/* incremental: (before output, whose path it shapes); then, right after
 * output.path is read, {run} / {cursor_from} checked and made literal
 * (job_load_incremental.c). */
int sluice__cfg_load_incremental(struct loader *L);
int sluice__cfg_incremental_path(struct loader *L,
                                 const struct sluice_ynode *path_n);
/* After the output paths are checked: output.folder ends before {run} or
 * {cursor_from} when one comes before every window placeholder. */
int sluice__cfg_incremental_folder(struct loader *L);
/* source.auth, and source.url's userinfo moved to basic auth (the URL
 * loses it; job->source.url_as_written keeps it for the ledger's check).
 * After source.url and source.headers (job_load_auth.c). */
int sluice__cfg_load_auth(struct loader *L, const struct sluice_ynode *src);
/* A database destination (job_load_db.c): whether the output section
 * names one (output.sqlite or output.postgres), and its fields. */
bool sluice__cfg_output_is_db(const struct sluice_ynode *out_n);
int sluice__cfg_load_db_output(struct loader *L,
                               const struct sluice_ynode *out_n);
/* output.allow_outside, and output.path over the whole plan: inside its
 * folder, one file per window (job_load_paths.c). After windows and
 * output are loaded. */
int sluice__cfg_check_output_paths(struct loader *L);

#endif
