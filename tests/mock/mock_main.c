/* mock_main.c: the command line of neows-mock, a NeoWs-compatible HTTP
 * server for sluice's tests and benchmarks (docs/internals/mock.md). It
 * parses options, runs --dump-records, or starts the server, announces the
 * port, and waits for SIGTERM/SIGINT, the idle timeout or (with
 * --exit-with-parent) the death of the process that started it; SIGUSR1
 * releases the requests the hold fault holds. Signals are
 * blocked in every thread and taken synchronously with sigtimedwait, so no
 * handler races the MHD threads. */
#include "mock_auth.h"
#include "mock_cache.h"
#include "mock_fault.h"
#include "mock_items.h"
#include "mock_limit.h"
#include "mock_server.h"
#include "mock_util.h"
#include "neows_gen.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: neows-mock [options]\n"
    "A NeoWs-compatible server on 127.0.0.1 serving deterministic data for\n"
    "GET /neo/rest/v1/feed?start_date=YYYY-MM-DD&end_date=YYYY-MM-DD&"
    "api_key=K\n"
    "\n"
    "  --port N             port, 0 = ephemeral (default 0); the first line\n"
    "                       on stdout is 'listening on 127.0.0.1:PORT'\n"
    "  --port-file F        also write the port to F (atomically)\n"
    "  --idle-timeout S     exit after S seconds without a request\n"
    "                       (default 30, 0 = never)\n"
    "  --exit-with-parent   exit when the process that started the server\n"
    "                       dies (a test's shell killed by its runner)\n"
    "  --keys K1,K2         accepted api keys (default DEMO_KEY); the key\n"
    "                       may come as api_key=K or an X-Api-Key header\n"
    "  --any-key            accept any non-empty key\n"
    "  --hourly-limit N     requests per key per hour (default 1000):\n"
    "                       X-RateLimit-Limit/Remaining, 429 past it\n"
    "  --rate-limit N/s     token bucket of N requests per second (burst\n"
    "                       N); over it: 429 OVER_RATE_LIMIT + Retry-After;\n"
    "                       announced as RateLimit-Policy: "
    "\"per-second\";q=N;w=1\n"
    "  --rate-burst B       the bucket holds B requests instead of N\n"
    "  --bare-limits        no rate or Retry-After header at all\n"
    "  --limit-status N     N instead of 429 over a limit (403)\n"
    "  --retry-after S      force the Retry-After value of every 429\n"
    "  --latency-ms N       delay every response by N ms (the connection is\n"
    "                       suspended, other connections go on)\n"
    "  --fault KIND@MATCH[#COUNT]   inject a fault (repeatable, first\n"
    "                       matching rule wins):\n"
    "      KIND   500 502 503 504 429 400 403 | 429-bare (429 without\n"
    "             Retry-After) | reset (close, no response)\n"
    "             | truncate (full Content-Length, half the body) |\n"
    "             invalid-json (200, broken body) | slow (drip the body,\n"
    "             --slow-bytes per 100 ms) | timeout (never answer)\n"
    "             | hold (the normal answer, sent once the server gets SIGUSR1)\n"
    "             | huge-header (200 with one 1 MiB header line) |\n"
    "             many-headers (200 with 1 MiB of 1 KiB header lines)\n"
    "      MATCH  * | start_date=DATE (as sent) | nth=K (K-th request)\n"
    "      COUNT  times the rule fires (default unlimited)\n"
    "      e.g.   --fault '503@start_date=2020-01-08#1' --fault 'reset@nth=3'\n"
    "  --slow-bytes N       bytes per 100 ms for the slow fault (default 16)\n"
    "  --replay DIR         serve DIR/feed_S_E.json (else feed_S_*.json)\n"
    "                       byte for byte instead of generated data\n"
    "                       (files up to 1 GiB)\n"
    "  --log FILE           one line per request:\n"
    "                       '<unix time.ms> <method> <path?query> <status>'\n"
    "                       (status 0: reset or timeout fault)\n"
    "  --log-headers        with --log: each request's headers follow its\n"
    "                       line, one per line, as '\\t<name>: <value>'\n"
    "  --redirect-base URL  a request for /moved<rest>?<query> is answered\n"
    "                       302 with Location: URL<rest>?<query> (default\n"
    "                       URL: none, a relative same-origin Location)\n"
    "  --path-prefix P      serve the API under P/neo/rest/v1/feed\n"
    "  --tls-cert F --tls-key F   serve HTTPS with this PEM certificate\n"
    "                       and key (tests of TLS verification)\n"
    "  --link-base URL      host part of every link (default\n"
    "                       http://api.nasa.gov, as the real API)\n"
    "  --threads N          MHD thread pool size (default 2)\n"
    "  --thread-per-connection   MHD thread per connection instead of the\n"
    "                       epoll pool (implied by a slow fault rule)\n"
    "  --cache-mb N         body cache bound in MiB (default 256)\n"
    "  --scale N            N times the objects a day (1..64; default 1)\n"
    "  --dump-records FROM TO   print every generated object of the days\n"
    "                       FROM..TO, one compact JSON per line with a last\n"
    "                       member \"feed_date\", then exit\n"
    "  --dump-key K         api key echoed in dumped links (default: the\n"
    "                       first of --keys)\n"
    "  --help               this text\n";

/* For a test waiting for the hold fault (a separate string, for the length
 * ISO C guarantees). */
static const char usage_hold[] =
    "  --hold-fifo PATH     write each URI the hold fault holds, as a line,\n"
    "                       to the FIFO PATH (its reader keeps it open)\n";

/* The credentials' routes (mock_auth.c), a separate string for the
 * length ISO C guarantees. */
static const char usage_auth[] =
    "\ncredentials other than an api key (mock_auth.c):\n"
    "  --auth-bearer T      serve /bearer/<api> to Authorization: Bearer T\n"
    "  --auth-basic U:P     serve /basic/<api> to HTTP Basic U:P\n"
    "  --oauth-client ID:S  POST /oauth/token issues tokens to client ID with\n"
    "                       secret S (client credentials grant); /oauth/<api>\n"
    "                       serves the feed to a token it issued\n"
    "  --oauth-expires-in S the expires_in of every token (default 3600)\n"
    "  --oauth-token-uses N a token is refused (401 invalid_token, \"expired\")\n"
    "                       after N requests (default 0: never)\n"
    "  --oauth-require F=V  a token request must send form field F = V\n"
    "  --oauth-max-tokens N token requests after the N-th get 401\n"
    "                       invalid_client (a client revoked mid-run)\n"
    "  --items-state F      GET /items (records with updated_at, since=,\n"
    "                       parts=/part=) serves the generation written in F\n"
    "                       (\"G\" or \"G fail=K\": part K answers 503)\n";

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int split_keys(char *list)
{
    mock_cfg.nkeys = 0;
    for (char *p = list; p && *p;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p) {
            if (mock_cfg.nkeys == MOCK_MAX_KEYS)
                return -1;
            mock_cfg.keys[mock_cfg.nkeys++] = p;
        }
        p = comma ? comma + 1 : NULL;
    }
    return mock_cfg.nkeys > 0 ? 0 : -1;
}

static int dump_records(const char *from, const char *to, const char *key)
{
    int64_t a, b;
    if (mock_date_parse(from, strlen(from), &a) ||
        mock_date_parse(to, strlen(to), &b) || b < a) {
        fprintf(stderr, "neows-mock: --dump-records needs FROM <= TO, "
                        "dates YYYY-MM-DD in 1900..2200\n");
        return 2;
    }
    struct gen_echo e = {mock_cfg.link_base, key, "", ""};
    struct mbuf line;
    mbuf_init(&line, 1u << 20);
    for (int64_t day = a; day <= b; day++) {
        char date[11];
        mock_date_format(day, date);
        int n = gen_day_count(day);
        for (int i = 0; i < n; i++) {
            line.n = 0;
            gen_object(&line, day, i, &e);
            if (line.failed)
                break;
            line.n--; /* reopen the object for one more member */
            mbuf_printf(&line, ",\"feed_date\":\"%s\"}\n", date);
            fwrite(line.p, 1, line.n, stdout);
        }
    }
    int failed = line.failed;
    mbuf_free(&line);
    if (failed || fflush(stdout) != 0) {
        fprintf(stderr, "neows-mock: --dump-records failed\n");
        return 1;
    }
    return 0;
}

static int write_port_file(const char *path, unsigned port)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
        return -1;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    int bad = fprintf(f, "%u\n", port) < 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        remove(tmp);
        return -1;
    }
    return 0;
}

#define NEED_ARG()                                                             \
    do {                                                                       \
        if (i + 1 >= argc) {                                                   \
            fprintf(stderr, "neows-mock: %s needs a value\n", a);              \
            return 2;                                                          \
        }                                                                      \
    } while (0)

/* A whole small text file (a PEM certificate or key), or NULL. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 65536);
    size_t n = buf ? fread(buf, 1, 65535, f) : 0;
    int err = ferror(f) || n == 65535;
    fclose(f);
    if (err || n == 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

int main(int argc, char **argv)
{
    static char default_keys[] = "DEMO_KEY";
    const char *log_path = NULL, *dump_from = NULL, *dump_to = NULL;
    int exit_with_parent = 0;
    pid_t parent = getppid();
    const char *dump_key = NULL;
    long v;
    int rc = 0;

    /* A write to a peer or reader that went away (a client gone, the
     * stdout reader of the port line, a --log FIFO) must be an EPIPE the
     * server shrugs off, never a death: ignored first thing, before any
     * output and before MHD (which needs it too) starts a thread. */
    struct sigaction ign;
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, NULL);

    mock_cfg.idle_timeout_s = 30;
    mock_cfg.hourly_limit = 1000;
    mock_cfg.retry_after_s = -1;
    mock_cfg.limit_status = 429;
    mock_cfg.link_base = "http://api.nasa.gov";
    mock_cfg.threads = 2;
    mock_cfg.cache_bytes = (size_t)256 << 20;
    mock_cfg.slow_bytes = 16;
    split_keys(default_keys);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            fputs(usage_hold, stdout);
            fputs(usage_auth, stdout);
            return 0;
        } else if (strcmp(a, "--any-key") == 0) {
            mock_cfg.any_key = 1;
            continue;
        } else if (strcmp(a, "--thread-per-connection") == 0) {
            mock_cfg.per_connection = 1;
            continue;
        } else if (strcmp(a, "--bare-limits") == 0) {
            mock_cfg.bare_limits = 1;
            continue;
        } else if (strcmp(a, "--log-headers") == 0) {
            mock_cfg.log_headers = 1;
            continue;
        } else if (strcmp(a, "--exit-with-parent") == 0) {
            exit_with_parent = 1;
            continue;
        }
        NEED_ARG();
        const char *val = argv[++i];
        int bad = 0;
        if (strcmp(a, "--port") == 0) {
            bad = parse_long(val, 0, 65535, &v);
            mock_cfg.port = (unsigned)v;
        } else if (strcmp(a, "--port-file") == 0) {
            mock_cfg.port_file = val;
        } else if (strcmp(a, "--idle-timeout") == 0) {
            bad = parse_long(val, 0, 86400 * 365, &mock_cfg.idle_timeout_s);
        } else if (strcmp(a, "--keys") == 0) {
            bad = split_keys(argv[i]);
        } else if (strcmp(a, "--hourly-limit") == 0) {
            bad = parse_long(val, 0, 2000000000L, &mock_cfg.hourly_limit);
        } else if (strcmp(a, "--rate-limit") == 0) {
            char *end;
            double r = strtod(val, &end);
            bad = end == val || !(r > 0) || (*end && strcmp(end, "/s") != 0);
            mock_cfg.rate_per_s = r;
        } else if (strcmp(a, "--rate-burst") == 0) {
            bad = parse_long(val, 1, 1000000, &mock_cfg.rate_burst);
        } else if (strcmp(a, "--limit-status") == 0) {
            bad = parse_long(val, 400, 599, &mock_cfg.limit_status);
        } else if (strcmp(a, "--retry-after") == 0) {
            bad = parse_long(val, 0, 86400 * 30, &mock_cfg.retry_after_s);
        } else if (strcmp(a, "--latency-ms") == 0) {
            bad = parse_long(val, 0, 3600000, &mock_cfg.latency_ms);
        } else if (strcmp(a, "--fault") == 0) {
            char err[512];
            if (fault_add(val, err, sizeof(err)) != 0) {
                fprintf(stderr, "neows-mock: %s\n", err);
                rc = 2;
                goto out;
            }
        } else if (strcmp(a, "--slow-bytes") == 0) {
            bad = parse_long(val, 1, 1 << 20, &v);
            mock_cfg.slow_bytes = (size_t)v;
        } else if (strcmp(a, "--replay") == 0) {
            mock_cfg.replay_dir = val;
        } else if (strcmp(a, "--log") == 0) {
            log_path = val;
        } else if (strcmp(a, "--hold-fifo") == 0) {
            mock_cfg.hold_fifo = val;
        } else if (strcmp(a, "--tls-cert") == 0) {
            bad = !(mock_cfg.tls_cert = read_text(val));
        } else if (strcmp(a, "--tls-key") == 0) {
            bad = !(mock_cfg.tls_key = read_text(val));
        } else if (strcmp(a, "--redirect-base") == 0) {
            mock_cfg.redirect_base = val;
        } else if (strcmp(a, "--path-prefix") == 0) {
            mock_cfg.path_prefix = val;
            bad = val[0] != '/';
        } else if (strcmp(a, "--link-base") == 0) {
            mock_cfg.link_base = val;
        } else if (strcmp(a, "--threads") == 0) {
            bad = parse_long(val, 1, 64, &v);
            mock_cfg.threads = (unsigned)v;
        } else if (strcmp(a, "--cache-mb") == 0) {
            bad = parse_long(val, 1, 1 << 20, &v);
            mock_cfg.cache_bytes = (size_t)v << 20;
        } else if (strcmp(a, "--scale") == 0) {
            bad = parse_long(val, 1, 64, &v);
            gen_scale = (int)v;
        } else if (strcmp(a, "--dump-records") == 0) {
            NEED_ARG();
            dump_from = val;
            dump_to = argv[++i];
        } else if (strcmp(a, "--dump-key") == 0) {
            dump_key = val;
        } else if ((v = auth_option(a, val)) != 0) {
            bad = v < 0;
        } else if (items_option(a, val)) {
            /* taken */
        } else {
            fprintf(stderr, "neows-mock: unknown option %s (see --help)\n", a);
            rc = 2;
            goto out;
        }
        if (bad) {
            fprintf(stderr, "neows-mock: bad value for %s: '%s'\n", a, val);
            rc = 2;
            goto out;
        }
    }

    if (dump_from) {
        rc = dump_records(dump_from, dump_to,
                          dump_key ? dump_key : mock_cfg.keys[0]);
        goto out;
    }

    if (log_path) {
        mock_cfg.log = fopen(log_path, "a");
        if (!mock_cfg.log) {
            fprintf(stderr, "neows-mock: cannot open log %s\n", log_path);
            rc = 1;
            goto out;
        }
    }
    if (fault_uses(FAULT_SLOW))
        mock_cfg.per_connection = 1;
    limit_init(mock_cfg.hourly_limit, mock_cfg.rate_per_s,
               (double)mock_cfg.rate_burst);
    cache_init(mock_cfg.cache_bytes);

    /* Block the signals before MHD starts its threads: they inherit the
     * mask, and only the sigtimedwait below takes them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1); /* releases the hold fault's requests */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    /* The kernel sends SIGTERM (taken below) when the parent dies; a parent
     * that died before this line is seen by getppid. */
    if (exit_with_parent &&
        (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)) {
        rc = 1;
        goto out;
    }

    unsigned port = 0;
    if (http_start(&port) != 0) {
        rc = 1;
        goto out;
    }
    if (mock_cfg.port_file && write_port_file(mock_cfg.port_file, port)) {
        fprintf(stderr, "neows-mock: cannot write %s\n", mock_cfg.port_file);
        rc = 1;
        goto stop;
    }
    printf("listening on 127.0.0.1:%u\n", port);
    fflush(stdout);

    for (;;) {
        struct timespec ts = {0, 200 * 1000000L};
        int sig = sigtimedwait(&set, NULL, &ts);
        if (sig == SIGUSR1) {
            http_release_holds();
            continue;
        }
        if (sig > 0)
            break;
        if (mock_cfg.idle_timeout_s > 0 &&
            mock_mono_ms() - http_last_request_ms() >=
                mock_cfg.idle_timeout_s * 1000) {
            fprintf(stderr, "neows-mock: idle for %lds, exiting\n",
                    mock_cfg.idle_timeout_s);
            break;
        }
    }
stop:
    http_stop();
out:
    cache_shutdown();
    limit_free_all();
    fault_free_all();
    if (mock_cfg.log)
        fclose(mock_cfg.log);
    free(mock_cfg.tls_cert);
    free(mock_cfg.tls_key);
    return rc;
}
