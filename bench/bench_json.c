/* bench_json.c: throughput of the push reader, alone and with the record
 * selector, on NeoWs-shaped JSON. Not part of the build; compile with
 *
 *   cc -O2 -std=c17 -D_POSIX_C_SOURCE=200809L -Ilib -Iinclude -Ibuild/include \
 *      bench/bench_json.c lib/json/json_reader.c lib/json/select.c \
 *      lib/json/json_writer.c lib/util/buf.c lib/util/common.c \
 *      -o bench_json
 *   ./bench_json file.json...
 *
 * The files are parsed once, re-serialised compactly with the writer and
 * concatenated as one JSON array (the "compact" input); the pretty input is
 * the files as they are, inside an array too. Each input is fed in 16 KiB
 * chunks, as a transfer would deliver it, for about a second. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json/json_reader.h"
#include "json/select.h"
#include "json/json_writer.h"

static int count_event(void *ud, enum sluice_json_event ev, const char *p,
                       size_t n)
{
    (void)ev;
    (void)p;
    *(size_t *)ud += n + 1;
    return 0;
}

static int rec_begin(void *ud, const char *k, size_t n)
{
    (void)k;
    *(size_t *)ud += n;
    return 0;
}
static int rec_event(void *ud, enum sluice_json_event ev, const char *p,
                     size_t n)
{
    return count_event(ud, ev, p, n);
}
static int rec_end(void *ud)
{
    (*(size_t *)ud)++;
    return 0;
}

static int write_event(void *ud, enum sluice_json_event ev, const char *p,
                       size_t n)
{
    return sluice__json_writer_event(ud, ev, p, n);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_all(const char *p, size_t n, sluice_json_event_fn fn,
                     void *ud)
{
    struct sluice_json_reader *r = sluice__json_reader_new(NULL, fn, ud);
    int rc = SLUICE_OK;
    for (size_t at = 0; at < n && rc == SLUICE_OK; at += 16384)
        rc = sluice__json_reader_feed(r, p + at,
                                      n - at < 16384 ? n - at : 16384);
    if (rc == SLUICE_OK)
        rc = sluice__json_reader_finish(r);
    if (rc != SLUICE_OK)
        fprintf(stderr, "parse error: %s\n", sluice__json_reader_error(r));
    sluice__json_reader_free(r);
    return rc;
}

static void bench(const char *label, const struct sluice_buf *in, bool select)
{
    size_t sink = 0;
    int iters = 0;
    double t0 = now(), t1;
    struct sluice_record_consumer c = {rec_begin, rec_event, rec_end, &sink};
    do {
        if (select) {
            struct sluice_selector *s = NULL;
            struct sluice_err err;
            if (sluice__selector_new("$[*].near_earth_objects.*[*]", &c, &s,
                                     &err) != SLUICE_OK ||
                parse_all(in->p, in->n, sluice__selector_on_event, s))
                exit(1);
            sluice__selector_free(s);
        } else if (parse_all(in->p, in->n, count_event, &sink)) {
            exit(1);
        }
        iters++;
        t1 = now();
    } while (t1 - t0 < 1.0);
    double mb = (double)in->n * iters / 1e6;
    printf("%-26s %8.1f MB/s  (%zu bytes x %d in %.2f s)\n", label,
           mb / (t1 - t0), in->n, iters, t1 - t0);
}

int main(int argc, char **argv)
{
    struct sluice_buf pretty, compact;
    sluice__buf_init(&pretty, (size_t)1 << 30);
    sluice__buf_init(&compact, (size_t)1 << 30);
    struct sluice_json_writer w;
    sluice__json_writer_init(&w, &compact);
    if (sluice__buf_addc(&pretty, '[') || sluice__buf_addc(&compact, '['))
        return 1;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f)
            return 1;
        static char tmp[1 << 16];
        size_t got, start = pretty.n + (i > 1);
        if (i > 1 && (sluice__buf_addc(&pretty, ',') ||
                      sluice__buf_addc(&compact, ',')))
            return 1;
        while ((got = fread(tmp, 1, sizeof tmp, f)) > 0)
            if (sluice__buf_append(&pretty, tmp, got))
                return 1;
        fclose(f);
        w.depth = 0;
        w.need_comma = false;
        w.after_key = false;
        if (parse_all(pretty.p + start, pretty.n - start, write_event, &w))
            return 1;
    }
    if (sluice__buf_addc(&pretty, ']') || sluice__buf_addc(&compact, ']'))
        return 1;
    bench("reader, pretty", &pretty, false);
    bench("reader, compact", &compact, false);
    bench("reader+selector, pretty", &pretty, true);
    bench("reader+selector, compact", &compact, true);
    sluice__buf_cleanup(&pretty);
    sluice__buf_cleanup(&compact);
    return 0;
}
