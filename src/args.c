/* args.c: the command line. `run` and `plan` take a job file; `pull` takes
 * the same job as flags, each of which becomes a `--set` override, so a
 * flag and a job-file field are one and the same thing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int add_set(struct cli_opts *o, const char *s)
{
    if (o->n_sets >= MAX_SETS) {
        msg_error("too many --set options (at most %d)", MAX_SETS);
        return EXIT_USAGE;
    }
    o->sets[o->n_sets++] = s;
    return 0;
}

/* Builds "<prefix><name>=<value>" (owned by o) and adds it as a --set. The
 * value is written as a YAML double-quoted string, so a flag's value is
 * always taken literally: `--param start_date={start}` must stay the text
 * "{start}", not become a YAML mapping. */
static int add_set_owned(struct cli_opts *o, const char *prefix,
                         const char *name, size_t name_n, const char *value)
{
    size_t n = strlen(prefix) + name_n + 4 + 4 * strlen(value) + 1;
    char *s = malloc(n);
    if (!s) {
        msg_error("out of memory");
        return EXIT_USAGE;
    }
    int w = snprintf(s, n, "%s%.*s=\"", prefix, (int)name_n, name);
    size_t at = w > 0 ? (size_t)w : 0;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (*p == '"' || *p == '\\') {
            s[at++] = '\\';
            s[at++] = (char)*p;
        } else if (*p < 0x20 || *p == 0x7f) {
            at += (size_t)snprintf(s + at, n - at, "\\x%02x", *p);
        } else {
            s[at++] = (char)*p;
        }
    }
    s[at++] = '"';
    s[at] = '\0';
    if (o->n_sets >= MAX_SETS) {
        free(s);
        return add_set(o, "");
    }
    o->owned[o->n_sets] = s;
    return add_set(o, s);
}

static bool parse_count(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v > (1ull << 40))
        return false;
    *out = (size_t)v;
    return true;
}

/* The flags of `pull` and the job field each one sets. */
static const struct {
    const char *flag;
    const char *field;
} PULL_FIELDS[] = {
    {"--from", "windows.from"},       {"--to", "windows.to"},
    {"--step", "windows.step"},       {"--records", "source.records"},
    {"--record-key-as", "source.record_key_as"},
    {"--out", "output.path"},         {"--format", "output.format"},
    {"--name", "name"},
};

static int parse_pull_flag(struct cli_opts *o, const char *flag,
                           const char *value)
{
    /* A number is passed as YAML, not as a quoted string. */
    if (strcmp(flag, "--concurrency") == 0) {
        size_t n;
        if (!parse_count(value, &n)) {
            msg_error("--concurrency wants a number, got '%s'", value);
            return EXIT_USAGE;
        }
        static char conc[64];
        snprintf(conc, sizeof conc, "concurrency=%zu", n);
        return add_set(o, conc);
    }
    for (size_t i = 0; i < sizeof PULL_FIELDS / sizeof PULL_FIELDS[0]; i++)
        if (strcmp(flag, PULL_FIELDS[i].flag) == 0)
            return add_set_owned(o, PULL_FIELDS[i].field, "", 0, value);
    if (strcmp(flag, "--param") == 0) {
        const char *eq = strchr(value, '=');
        if (!eq || eq == value) {
            msg_error("--param wants NAME=VALUE, got '%s'", value);
            return EXIT_USAGE;
        }
        return add_set_owned(o, "source.params.", value,
                             (size_t)(eq - value), eq + 1);
    }
    if (strcmp(flag, "--secret-var") == 0) {
        /* a variable name, so the list needs no quoting */
        bool ok = *value && !(*value >= '0' && *value <= '9');
        for (const char *c = value; ok && *c; c++)
            ok = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                 (*c >= '0' && *c <= '9') || *c == '_';
        size_t have = strlen(o->secret_vars);
        if (!ok || have + strlen(value) + 3 > sizeof o->secret_vars) {
            msg_error("--secret-var wants a variable name, got '%s'", value);
            return EXIT_USAGE;
        }
        snprintf(o->secret_vars + have, sizeof o->secret_vars - have, "%s%s",
                 have ? ", " : "", value);
        return 0;
    }
    if (strcmp(flag, "--header") == 0) {
        const char *colon = strchr(value, ':');
        if (!colon || colon == value) {
            msg_error("--header wants 'NAME: VALUE', got '%s'", value);
            return EXIT_USAGE;
        }
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        return add_set_owned(o, "source.headers.", value,
                             (size_t)(colon - value), v);
    }
    return -1; /* not a pull flag */
}

int cli_parse(int argc, char **argv, struct cli_opts *o)
{
    memset(o, 0, sizeof *o);
    if (argc < 2) {
        cli_usage(stderr);
        return EXIT_USAGE;
    }
    const char *verb = argv[1];
    if (!strcmp(verb, "help") || !strcmp(verb, "--help") || !strcmp(verb, "-h")) {
        /* `sluice help VERB`: that verb's usage */
        if (argc > 2 && !cli_verb_usage(argv[2], stdout)) {
            msg_error("unknown command '%s' (try: sluice help)", argv[2]);
            return EXIT_USAGE;
        }
        if (argc <= 2)
            cli_usage(stdout);
        return -1;
    }
    if (!strcmp(verb, "--version") || !strcmp(verb, "version")) {
        printf("sluice %s\n", sluice_version());
        return -1;
    }
    o->verb = verb;
    /* the command as run, for the ledger's list of runs (redacted there) */
    size_t at = 0;
    for (int i = 0; i < argc && at + 2 < sizeof o->argv_line; i++) {
        int w = snprintf(o->argv_line + at, sizeof o->argv_line - at, "%s%s",
                         i ? " " : "", i ? argv[i] : "sluice");
        at += w > 0 ? (size_t)w : 0;
    }
    bool pull = strcmp(verb, "pull") == 0;
    const char *positional = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            /* wherever it stands among the options: this verb's usage,
             * before anything else is checked or loaded */
            if (!cli_verb_usage(verb, stdout)) {
                msg_error("unknown command '%s' (try: sluice help)", verb);
                return EXIT_USAGE;
            }
            return -1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->verbosity = -1;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            o->verbosity++;
        } else if (!strcmp(a, "--insecure")) {
            o->insecure = true;
        } else if (!strcmp(a, "--full-refresh")) {
            o->full_refresh = true;
        } else if (!strcmp(a, "--worker")) {
            o->worker = true;
        } else if (!strcmp(a, "--json")) {
            o->json = true;
        } else if (!strcmp(a, "--schema")) {
            o->schema = true;
        } else if (pull && !strcmp(a, "--allow-missing")) {
            int st = add_set(o, "source.allow_missing=true");
            if (st)
                return st;
        } else if (a[0] == '-' && a[1] == '-' && a[2]) {
            if (!next) {
                msg_error("%s needs a value", a);
                return EXIT_USAGE;
            }
            i++;
            int st = 0;
            if (!strcmp(a, "--set")) {
                if (!strchr(next, '=')) {
                    msg_error("--set wants PATH=VALUE, got '%s'", next);
                    return EXIT_USAGE;
                }
                st = add_set(o, next);
            } else if (!strcmp(a, "--limit")) {
                if (!parse_count(next, &o->limit) || o->limit == 0) {
                    msg_error("--limit wants a positive number, got '%s'", next);
                    return EXIT_USAGE;
                }
            } else if (!strcmp(a, "--shard")) {
                unsigned si = 0, sn = 0;
                char tail = 0;
                if (sscanf(next, "%u/%u%c", &si, &sn, &tail) != 2 || sn == 0 ||
                    si >= sn) {
                    msg_error("--shard wants I/N with 0 <= I < N (e.g. 0/4), "
                              "got '%s'", next);
                    return EXIT_USAGE;
                }
                o->shard_index = si;
                o->shard_count = sn;
            } else if (!strcmp(a, "--report")) {
                o->report_path = next;
            } else if (!strcmp(a, "--window")) {
                o->window = next;
            } else if (!strcmp(a, "--partition")) {
                o->partition = next;
            } else if (!strcmp(a, "--resource")) {
                o->resource = next;
            } else if (!strcmp(a, "--grace")) {
                char *end = NULL;
                o->grace = strtod(next, &end);
                if (!*next || *end || !(o->grace > 0 && o->grace < 86400)) {
                    msg_error("--grace wants seconds, got '%s'", next);
                    return EXIT_USAGE;
                }
            } else if (pull && (st = parse_pull_flag(o, a, next)) >= 0) {
                /* handled */
            } else {
                msg_error("unknown option %s (try: sluice help)", a);
                return EXIT_USAGE;
            }
            if (st > 0)
                return st;
        } else if (a[0] == '-' && a[1]) {
            msg_error("unknown option %s (try: sluice help)", a);
            return EXIT_USAGE;
        } else if (!positional) {
            positional = a;
        } else {
            msg_error("unexpected argument '%s'", a);
            return EXIT_USAGE;
        }
    }
    if (!positional) {
        msg_error("%s needs %s (try: sluice help)", verb,
                  pull ? "a URL" : "a job file");
        return EXIT_USAGE;
    }
    int st = 0;
    if (pull) {
        /* The URL goes first so that a --set can still override it. */
        st = add_set_owned(o, "source.url", "", 0, positional);
        if (st)
            return st;
        /* move it to the front */
        const char *url = o->sets[o->n_sets - 1];
        char *owned = o->owned[o->n_sets - 1];
        memmove(&o->sets[1], &o->sets[0], (o->n_sets - 1) * sizeof o->sets[0]);
        memmove(&o->owned[1], &o->owned[0],
                (o->n_sets - 1) * sizeof o->owned[0]);
        o->sets[0] = url;
        o->owned[0] = owned;
        if (o->secret_vars[0]) {
            /* all of them as one list: `secrets:` is read before any
             * other field, whatever the order of the sets */
            size_t n = strlen(o->secret_vars) + 16;
            char *s = malloc(n);
            if (!s) {
                msg_error("out of memory");
                return EXIT_USAGE;
            }
            snprintf(s, n, "secrets=[%s]", o->secret_vars);
            if (o->n_sets >= MAX_SETS) {
                free(s);
                return add_set(o, "");
            }
            o->owned[o->n_sets] = s;
            st = add_set(o, s);
            if (st)
                return st;
        }
    } else {
        o->job_path = positional;
    }
    return 0;
}

void cli_opts_cleanup(struct cli_opts *o)
{
    for (size_t i = 0; i < o->n_sets; i++)
        free(o->owned[i]);
    o->n_sets = 0;
}
