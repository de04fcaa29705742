/* usage.c: what `sluice help`, `sluice --help` and `sluice VERB --help`
 * print: the whole usage, or one verb's. Each verb's text lists only the
 * options that verb reads, with the same words as docs/cli.md (the test
 * tests/e2e/cli_help.sh checks that every option named there is
 * documented), and the verbs that run a job end with the exit statuses. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cli_usage(FILE *f)
{
    fputs(
        "usage: sluice <command> [options]\n"
        "\n"
        "commands:\n"
        "  run JOB.yaml     pull every window of a job\n"
        "  plan JOB.yaml    print the windows, their URLs and outputs; no request\n"
        "  status JOB.yaml  what the ledger knows: done through, failures, runs\n"
        "  pull URL         the same job given as flags (see below)\n"
        "  schema JOB.yaml  the job's table schema (--json: as sluice keeps it)\n"
        "  cat FILE.parquet print a Parquet file's rows as NDJSON (--schema:\n"
        "                   its schema)\n"
        "  help, --version\n"
        "\n"
        "options of run, plan and pull:\n"
        "  --set PATH=VALUE   override a job field by its YAML path (repeatable)\n"
        "  --limit N          only the first N windows\n"
        "  --report FILE      write every window's result as JSON (run, pull)\n"
        "  --insecure         do not verify TLS certificates\n"
        "  --full-refresh     pull every window again (also after a job change)\n"
        "  --window DATE      pull only the window holding DATE\n"
        "  --grace SECONDS    on Ctrl-C, let transfers finish this long (10)\n"
        "  --json             status, schema: machine-readable output\n"
        "  -q, --quiet        errors only;  -v, --verbose  more detail\n"
        "\n"
        "flags of pull:\n"
        "  --param NAME=VALUE   query parameter (repeatable)\n"
        "  --header 'NAME: VALUE'  request header (repeatable)\n"
        "  --secret-var NAME    treat ${NAME}'s value as a secret (repeatable;\n"
        "                       names with key, token, secret, password,\n"
        "                       auth, sig or credential in them always are)\n"
        "  --from DATE --to DATE|today --step 7d|1w|1mo|6h\n"
        "  --records JSONPATH   --record-key-as NAME   --allow-missing\n"
        "  --out PATH_TEMPLATE  --format ndjson|parquet|csv   --concurrency N\n"
        "  --name NAME\n"
        "\n"
        "exit status: 0 all windows done, 1 some failed, 2 usage or job error,\n"
        "3 the state ledger refused (job running or changed), 75 the API's\n"
        "quota is spent (rerun later), 130 interrupted (SIGINT), 143\n"
        "terminated (SIGTERM). See docs/cli.md.\n",
        f);
}

#define JOB_OPTS                                                              \
    "  --set PATH=VALUE   override a job field by its YAML path (repeatable;\n" \
    "                     the fields: man 5 sluice-job, docs/job-file.md)\n"

#define RUN_OPTS                                                              \
    "  --limit N          only the first N windows due\n"                     \
    "  --report FILE      write every window's result and the summary as JSON\n" \
    "  --insecure         do not verify TLS certificates\n"                   \
    "  --full-refresh     pull every window again (also after a job change)\n" \
    "  --window DATE      pull only the window holding DATE\n"                \
    "  --partition KEY    pull only the partitions KEY selects\n"            \
    "  --resource NAME    pull only this resource of the job\n"              \
    "  --worker           one worker of many on a shared ledger: claim until\n" \
    "                     every partition is done (docs/scale-out.md)\n"     \
    "  --shard I/N        only the partitions whose key hashes to I of N\n"  \
    "  --grace SECONDS    on Ctrl-C, let transfers finish this long (10)\n"   \
    "  -q, --quiet        errors only;  -v, --verbose  more detail\n"

#define RUN_EXIT                                                              \
    "\n"                                                                      \
    "exit status: 0 all windows done, 1 some failed, 2 usage or job error,\n" \
    "3 the state ledger refused (job running or changed), 75 the API's\n"     \
    "quota is spent (rerun later), 130 interrupted (SIGINT), 143\n"           \
    "terminated (SIGTERM).\n"

/* One verb's usage; a verb the table lacks has none (cli_verb_usage()
 * returns false, and the caller reports the verb as unknown). */
static const struct {
    const char *verb;
    const char *text;
} VERBS[] = {
    {"run",
     "usage: sluice run JOB.yaml [options]\n"
     "\n"
     "Pulls the windows of the job that are due: new, pending, failed, or\n"
     "done but with their file gone. Windows already done are skipped.\n"
     "\n"
     "options:\n" JOB_OPTS RUN_OPTS RUN_EXIT},
    {"plan",
     "usage: sluice plan JOB.yaml [--set PATH=VALUE]... [--limit N]\n"
     "                  [--resource NAME]\n"
     "\n"
     "Prints one line per window, tab-separated: index, {start}, {end}, the\n"
     "request URL (secrets as ***) and the output path. No request is made.\n"
     "\n"
     "options:\n" JOB_OPTS
     "  --limit N          only the first N windows\n"
     "  --resource NAME    only this resource of the job\n"
     "\n"
     "exit status: 0 the plan was printed, 2 usage or job error.\n"},
    {"status",
     "usage: sluice status JOB.yaml [--set PATH=VALUE]... [--json]\n"
     "\n"
     "What the job's ledger knows, without taking its lock: whether a run is\n"
     "going, done through which date, the windows done, failed and pending,\n"
     "every failed window with its reason, and the last runs.\n"
     "\n"
     "options:\n" JOB_OPTS
     "  --json             one JSON object on stdout\n"
     "\n"
     "exit status: 0 the status was printed (also for a job never run),\n"
     "2 usage or job error, 3 the ledger cannot be read.\n"},
    {"pull",
     "usage: sluice pull URL --from DATE --step 7d --out PATH_TEMPLATE [flags]\n"
     "\n"
     "The same as run, with the job given as flags: each flag is a --set of\n"
     "the job field in parentheses. No ledger unless --name is given.\n"
     "\n"
     "flags:\n"
     "  --param NAME=VALUE      query parameter (source.params.NAME; repeatable)\n"
     "  --header 'NAME: VALUE'  request header (source.headers.NAME; repeatable)\n"
     "  --secret-var NAME       treat ${NAME}'s value as a secret (secrets;\n"
     "                          repeatable; names with key, token, secret,\n"
     "                          password, auth, sig or credential in them\n"
     "                          always are)\n"
     "  --from DATE             first instant (windows.from)\n"
     "  --to DATE|today         last day (windows.to)\n"
     "  --step 7d|1w|1mo|6h     window length (windows.step)\n"
     "  --records JSONPATH      where the records are (source.records)\n"
     "  --record-key-as NAME    (source.record_key_as)\n"
     "  --allow-missing         (source.allow_missing: true)\n"
     "  --out PATH_TEMPLATE     (output.path)\n"
     "  --format FORMAT         ndjson, parquet or csv (output.format)\n"
     "  --concurrency N         (concurrency)\n"
     "  --name NAME             (name; also keeps a ledger .sluice/NAME.db)\n"
     "\n"
     "options:\n" JOB_OPTS RUN_OPTS RUN_EXIT},
    {"schema",
     "usage: sluice schema JOB.yaml [--set PATH=VALUE]... [--json]\n"
     "\n"
     "Prints the job's table schema as it stands (the one every Parquet file\n"
     "of the job is written with) in Parquet's text form.\n"
     "\n"
     "options:\n" JOB_OPTS
     "  --json             the JSON document sluice keeps\n"
     "\n"
     "exit status: 0 printed, 2 usage or job error, or the job has no\n"
     "schema yet or writes no Parquet.\n"},
    {"cat",
     "usage: sluice cat FILE.parquet [--schema]\n"
     "\n"
     "Prints a Parquet file's rows as NDJSON with sluice's own reader.\n"
     "\n"
     "options:\n"
     "  --schema           the file's schema instead of its rows\n"
     "\n"
     "exit status: 0 printed, 1 the file cannot be read, 2 usage error.\n"},
};

bool cli_verb_usage(const char *verb, FILE *f)
{
    for (size_t i = 0; i < sizeof VERBS / sizeof VERBS[0]; i++)
        if (strcmp(verb, VERBS[i].verb) == 0) {
            fputs(VERBS[i].text, f);
            return true;
        }
    return false;
}
