/* bench_parquet.c: JSON -> Parquet throughput of the Parquet sink on one
 * core, and the memory of one big window. Not part of the build; with a
 * release build of the library in build-rel:
 *
 *   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && \
 *       cmake --build build-rel -j2 --target sluice_static
 *   cc -O2 -std=c17 -D_GNU_SOURCE -Ilib -Iinclude -Ibuild-rel/include \
 *      bench/bench_parquet.c build-rel/libsluice.a \
 *      $(pkg-config --libs libzstd snappy zlib libcurl yaml-0.1) -lm \
 *      -o bench_parquet
 *   neows-mock --dump-records 2020-01-01 2025-12-31 >neos.ndjson
 *   ./bench_parquet neos.ndjson OUT_DIR [REPEAT]
 *
 *   ./bench_parquet neos.ndjson OUT_DIR 1 K
 *
 * (link also $(pkg-config --libs sqlite3 libpq) -lpthread; bench/
 * converter.sh does all of this.) Each NDJSON line is one record; the file
 * is fed REPEAT times (default 1) into one window, as the pipeline would:
 * every record through the JSON reader into the sink's record_begin/
 * event/record_end, then commit. With K (> 0) the records are cut into
 * windows of K records instead, one open/commit each, as the pipeline's
 * common case (a NeoWs week is ~140 KB; K = 0 is one window). MB/s counts
 * the NDJSON bytes in, over the whole (opens and commits included). Run it
 * under `/usr/bin/time -v` for peak RSS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sink/sink.h"
#include "json/json_reader.h"

static int to_sink(void *ud, enum sluice_json_event ev, const char *p, size_t n)
{
    struct sluice_sink *s = ud;
    return s->ops->event(s, ev, p, n);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_parquet FILE.ndjson OUT_DIR [REPEAT]\n");
        return 2;
    }
    int repeat = argc > 3 ? atoi(argv[3]) : 1;
    long window = argc > 4 ? atol(argv[4]) : 0;
    /* CODEC LEVEL from the environment, to measure them: BENCH_CODEC
     * (0 zstd, 1 snappy, 2 gzip, 3 none), BENCH_LEVEL (0: the default). */
    const char *codec = getenv("BENCH_CODEC"), *level = getenv("BENCH_LEVEL");
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return perror(argv[1]), 1;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    if (!text || fread(text, 1, (size_t)size, f) != (size_t)size)
        return fprintf(stderr, "read failed\n"), 1;
    fclose(f);

    static const struct sluice_column_decl cols[] = {
        {"close_approach_data[].relative_velocity.kilometers_per_second",
         SLUICE_D_DOUBLE},
        {"close_approach_data[].epoch_date_close_approach",
         SLUICE_D_TIMESTAMP_MS}};
    char tpl[512], path[512];
    snprintf(tpl, sizeof tpl, "%s/bench_{start}.parquet", argv[2]);
    snprintf(path, sizeof path, "%s/bench.parquet", argv[2]);
    struct sluice_sink_opts so = {NULL, 0, NULL};
    struct sluice_sink_parquet_opts po = {.job_name = "bench",
                                          .output_template = tpl,
                                          .columns = cols,
                                          .n_columns = 2,
                                          .codec = codec ? atoi(codec) : 0,
                                          .level = level ? atoi(level) : 0};
    struct sluice_sink *s = NULL;
    struct sluice_json_reader *r = NULL;
    if (sluice__sink_parquet_new(&so, &po, &s) != SLUICE_OK ||
        !(r = sluice__json_reader_new(NULL, to_sink, s)))
        return fprintf(stderr, "setup failed\n"), 1;

    double t0 = now();
    unsigned long long records = 0, windows = 0, in_window = 0;
    uint64_t bytes = 0, wbytes = 0;
    int rc = s->ops->open(s, path);
    for (int k = 0; rc == SLUICE_OK && k < repeat; k++) {
        const char *p = text, *end = text + size;
        while (rc == SLUICE_OK && p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            if (n) {
                sluice__json_reader_reset(r);
                rc = s->ops->record_begin(s, NULL, 0);
                if (rc == SLUICE_OK)
                    rc = sluice__json_reader_feed(r, p, n);
                if (rc == SLUICE_OK)
                    rc = sluice__json_reader_finish(r);
                if (rc == SLUICE_OK)
                    rc = s->ops->record_end(s);
                records++;
                if (rc == SLUICE_OK && window > 0 &&
                    ++in_window == (unsigned long long)window) {
                    rc = s->ops->commit(s, &wbytes);
                    bytes += wbytes;
                    windows++;
                    in_window = 0;
                    if (rc == SLUICE_OK)
                        rc = s->ops->open(s, path);
                }
            }
            p += n + 1;
        }
    }
    double t1 = now();
    if (rc == SLUICE_OK && (window <= 0 || in_window > 0)) {
        rc = s->ops->commit(s, &wbytes);
        bytes += wbytes;
        windows++;
    } else if (rc == SLUICE_OK) {
        s->ops->abort(s);
    }
    double t2 = now();
    if (rc != SLUICE_OK)
        return fprintf(stderr, "failed: %s\n", s->err.msg), 1;
    double mb = (double)size * repeat / 1e6;
    printf("%llu records in %llu windows, %.1f MB of JSON in, %.1f MB Parquet "
           "out\n",
           records, windows, mb, (double)bytes / 1e6);
    printf("records %.2f s, last commit %.2f s\n", t1 - t0, t2 - t1);
    printf("%.1f MB/s of JSON, one core\n", mb / (t2 - t0));
    sluice__json_reader_free(r);
    sluice__sink_free(s);
    free(text);
    return 0;
}
