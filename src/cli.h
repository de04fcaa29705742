/* cli.h: what the verbs of the sluice command share: parsed options, exit
 * statuses and the message helpers (msgs.c), progress (progress.c) and the
 * failure list of the summary (failures.c). The command uses only include/sluice/sluice.h. */
#ifndef SLUICE_CLI_H
#define SLUICE_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sluice/sluice.h"

/* Exit statuses (docs/cli.md). */
enum {
    EXIT_ALL_DONE = 0,
    EXIT_SOME_FAILED = 1,
    EXIT_USAGE = 2,
    EXIT_STATE = 3,         /* the ledger refused: locked, job changed */
    EXIT_TEMPFAIL = 75,     /* the API's quota is spent: rerun later */
    EXIT_INTERRUPTED = 130, /* SIGINT */
    EXIT_TERMINATED = 143   /* SIGTERM */
};

#define MAX_SETS 256

struct cli_opts {
    const char *verb;
    const char *job_path;       /* run/plan: the job file */
    const char *sets[MAX_SETS]; /* --set and the flags of `pull` */
    char *owned[MAX_SETS];      /* sets built by `pull`, freed at exit */
    size_t n_sets;
    size_t limit;
    const char *report_path;
    int verbosity;              /* -1 quiet, 0 normal, 1+ verbose */
    bool insecure;
    bool full_refresh;
    bool json;                  /* status/schema --json */
    bool schema;                /* cat --schema */
    const char *window;         /* --window DATE */
    const char *partition;      /* --partition KEY */
    const char *resource;       /* --resource NAME */
    double grace;               /* --grace SECONDS */
    bool worker;                /* run --worker */
    unsigned shard_index, shard_count; /* run --shard I/N (count 0: none) */
    char argv_line[1024];       /* the command, for the ledger's runs */
    char secret_vars[1024];     /* pull --secret-var: "A, B" */
};

/* args.c: parses argv into o; returns 0 when the verb should run, -1 when
 * --help/--version was printed and the command should end with
 * EXIT_ALL_DONE (main.c maps it), or EXIT_USAGE on a usage error. */
int cli_parse(int argc, char **argv, struct cli_opts *o);
void cli_opts_cleanup(struct cli_opts *o);
/* usage.c: the whole usage; one verb's (false: no such verb). */
void cli_usage(FILE *f);
bool cli_verb_usage(const char *verb, FILE *f);

/* msgs.c: everything the command says on stderr, and the data it writes to
 * stdout when asked (msg_write_stdout: a sluice_write_fn, 0 or -1). */
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_info(const struct cli_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void msg_log(void *ud, enum sluice_log_level level, const char *msg);
void msg_human_bytes(double bytes, char *out, size_t n);
int msg_write_stdout(void *ud, const void *p, size_t n);

/* progress.c: the live line (terminal) or periodic lines (pipe). */
struct progress;
struct progress *progress_new(const struct cli_opts *o, const char *job);
void progress_update(struct progress *p, const struct sluice_progress *pr);
void progress_clear(struct progress *p);
void progress_free(struct progress *p);

/* failures.c: the failed windows of a run, listed after its summary. */
struct failures;
struct failures *failures_new(void); /* NULL when out of memory */
void failures_add(struct failures *fs, const struct sluice_window_result *w);
void failures_print(const struct failures *fs, FILE *f);
void failures_free(struct failures *fs);

/* Verbs. Each returns the exit status. */
int cmd_run(struct cli_opts *o);  /* run and pull */
int cmd_plan(struct cli_opts *o);
int cmd_status(struct cli_opts *o);
/* load_job.c: loads the job the options name; 0 or an exit status. */
int load_job(struct cli_opts *o, struct sluice_job **job);
int cmd_cat(struct cli_opts *o);    /* cmd_cat.c */
int cmd_schema(struct cli_opts *o); /* cmd_schema.c */

/* signals.c */
extern volatile sig_atomic_t g_last_signal;
/* SIGINT/SIGTERM cancel `run` (sluice_run_cancel) until signals_release(),
 * which must come before the run is freed. */
void signals_install(struct sluice_run *run);
void signals_release(void);

#endif
