/* fuzz_job_load.c: libFuzzer target for the job loader (lib/config/): the
 * input is a YAML job file (docs/testing.md says how to build and run it).
 *
 * fuzz-corpus: examples
 *
 * plus the hand-written jobs in tests/data/fuzz/job_load/, one or two per
 * section. The loader reads a path (its .env is looked for beside it), so
 * each input is written to job.yaml in a private temporary folder, which
 * holds nothing else. The environment is a fixed table: API_KEY holds a
 * canary secret, EMPTY is "", anything else is unset.
 *
 * Checked (a violation aborts):
 * - the load succeeds, or fails with SLUICE_EJOB, EIO, ENOMEM or ETOOBIG
 *   and a message; an EJOB message starts "<job file>:<line>:<col>: " with
 *   line and column from 1, as job.h promises (every node of a file has a
 *   position);
 * - a failed load gives no job; a loaded job is freed without leaking
 *   (LeakSanitizer);
 * - secrets never show: the same input is loaded again with a different
 *   canary of the same length and character classes, and both loads must
 *   give the same code and the same message, window 0's URL and output
 *   path, byte for byte (a message or URL that echoed the secret would
 *   differ). Skipped when the input spells a canary out literally, since
 *   a literal value is not a secret;
 * - a loaded job has at least one window, window_info(0) and of the last
 *   window work (or fail with ETOOBIG: a URL past its bound), and
 *   window_info(count) is refused with EINVAL.
 *
 * SLUICE_FUZZ_VERBOSE=1 prints each input's outcome (what a seed reaches). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/job.h"
#include "sluice/sluice.h"

#define CANARY_A "Qx7fuzzA1b2c3d4"
#define CANARY_B "Qx7fuzzE5f6g7h8"

static char dir[64];
static char job_path[96];

static void remove_dir(void)
{
    unlink(job_path);
    rmdir(dir);
}

/* The private folder, once per process; /dev/shm when there is one, so
 * the file costs no disk I/O. */
static void setup(void)
{
    if (dir[0])
        return;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/sluice-fuzz-job-XXXXXX", base);
    if (!mkdtemp(dir))
        abort();
    snprintf(job_path, sizeof job_path, "%s/job.yaml", dir);
    atexit(remove_dir);
}

static const char *fixed_env(void *ud, const char *name)
{
    if (strcmp(name, "API_KEY") == 0)
        return ud;
    if (strcmp(name, "EMPTY") == 0)
        return "";
    return NULL;
}

/* "<path>:<line>:<col>: " with line and col decimal numbers from 1. */
static int has_position(const char *msg)
{
    size_t n = strlen(job_path);
    if (strncmp(msg, job_path, n) != 0 || msg[n] != ':')
        return 0;
    const char *p = msg + n + 1;
    for (int part = 0; part < 2; part++) {
        if (*p < '1' || *p > '9')
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
        if (*p++ != ':')
            return 0;
    }
    return *p == ' ';
}

struct outcome {
    int rc;
    char msg[SLUICE_ERR_MAX];
    size_t windows;
    int info_rc;
    char *url, *output; /* window 0's, when info_rc is SLUICE_OK */
};

static void check_window_info(struct sluice_job *job, struct outcome *o)
{
    struct sluice_window_info info;
    sluice_window_info_init(&info);
    char errbuf[SLUICE_ERR_MAX];
    o->windows = sluice_job_window_count(job);
    if (o->windows == 0)
        abort();
    o->info_rc = sluice_job_window_info(job, 0, &info, errbuf, sizeof errbuf);
    if (o->info_rc == SLUICE_OK) {
        if (!info.start || !info.end || !info.url || !info.output ||
            info.index != 0)
            abort();
        o->url = strdup(info.url);
        o->output = strdup(info.output);
        sluice_window_info_cleanup(&info);
    } else if (o->info_rc != SLUICE_ETOOBIG || !errbuf[0]) {
        abort();
    }
    int rc = sluice_job_window_info(job, o->windows - 1, &info, errbuf,
                                    sizeof errbuf);
    if (rc == SLUICE_OK)
        sluice_window_info_cleanup(&info);
    else if (rc != SLUICE_ETOOBIG || !errbuf[0])
        abort();
    if (sluice_job_window_info(job, o->windows, &info, errbuf, sizeof errbuf) !=
        SLUICE_EINVAL)
        abort();
}

static void load(const char *canary, struct outcome *o)
{
    struct sluice_job_load_opts lo = {
        .path = job_path,
        .getenv_fn = fixed_env,
        .getenv_ud = (void *)canary,
        .now = 1718452800, /* 2024-06-15T12:00:00Z */
    };
    static char sentinel;
    struct sluice_job *job = (struct sluice_job *)&sentinel; /* the loader
                                                                must reset it */
    struct sluice_err err = {{0}};
    memset(o, 0, sizeof *o);
    o->rc = sluice__job_load(&lo, &job, &err);
    snprintf(o->msg, sizeof o->msg, "%s", err.msg);
    if (o->rc == SLUICE_OK) {
        if (!job || !job->name || !job->secrets)
            abort();
        check_window_info(job, o);
        sluice__job_free(job);
        return;
    }
    if (job != NULL || !o->msg[0])
        abort();
    switch (o->rc) {
    case SLUICE_EJOB:
        if (!has_position(o->msg))
            abort();
        break;
    case SLUICE_EIO:
    case SLUICE_ENOMEM:
    case SLUICE_ETOOBIG:
        break;
    default:
        abort();
    }
}

static int contains(const uint8_t *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; k <= n && i <= n - k; i++)
        if (memcmp(p + i, s, k) == 0)
            return 1;
    return 0;
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void outcome_free(struct outcome *o)
{
    free(o->url);
    free(o->output);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    setup();
    FILE *f = fopen(job_path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0)
        abort();
    struct outcome a, b;
    load(CANARY_A, &a);
    load(CANARY_B, &b);
    if (getenv("SLUICE_FUZZ_VERBOSE")) /* what a seed reaches */
        fprintf(stderr, "rc %d, %zu windows, window 0 %s: %s\n", a.rc,
                a.windows, a.url ? a.url : "-", a.rc ? a.msg : "");
    int literal = contains(data, n, CANARY_A) || contains(data, n, CANARY_B);
    if (!literal && (a.rc != b.rc || strcmp(a.msg, b.msg) != 0 ||
                     a.windows != b.windows || a.info_rc != b.info_rc ||
                     !same(a.url, b.url) || !same(a.output, b.output)))
        abort();
    outcome_free(&a);
    outcome_free(&b);
    return 0;
}
