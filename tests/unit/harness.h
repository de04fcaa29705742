/* harness.h: the unit-test harness. Each tests/unit/test_<module>.c holds
 * functions named test_* registered in a TESTS table and a main() from
 * HARNESS_MAIN. A failing assertion prints both values and the location,
 * marks the test failed and returns from it. Exit status is the number of
 * failed tests (0 = pass), so CTest sees a failure.
 *
 * `test_x NAME...` runs only the tests whose name contains one of the
 * NAMEs (a NAME that matches nothing is itself a failure, so a typo cannot
 * pass). A table-driven test loops with FOR_CASES(i, table) (or calls
 * HARNESS_CASE(i) itself), so that a failure also says which row of the
 * table failed. */
#ifndef SLUICE_TEST_HARNESS_H
#define SLUICE_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

static int harness_failed;
/* The case of a table-driven test being run, or -1 outside such a loop. */
static long harness_case = -1;

#define HARNESS_CASE(i) (harness_case = (long)(i))
/* Loops i over the rows of a case table, each failure naming its row. */
#define FOR_CASES(i, table)                                                    \
    for (size_t i = 0; i < sizeof(table) / sizeof((table)[0])                  \
                           ? (HARNESS_CASE(i), 1)                              \
                           : (HARNESS_CASE(-1), 0);                            \
         i++)

#define FAIL_AT(...)                                                           \
    do {                                                                       \
        if (harness_case >= 0)                                                 \
            fprintf(stderr, "  case %ld: ", harness_case);                     \
        fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                      \
        fprintf(stderr, __VA_ARGS__);                                          \
        fputc('\n', stderr);                                                   \
        harness_failed = 1;                                                    \
        return;                                                                \
    } while (0)

#define ASSERT_TRUE(c)                                                         \
    do {                                                                       \
        if (!(c))                                                              \
            FAIL_AT("expected true: %s", #c);                                  \
    } while (0)

#define ASSERT_EQ(a, b)                                                        \
    do {                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                    \
        if (a_ != b_)                                                          \
            FAIL_AT("%s == %s: %lld != %lld", #a, #b, a_, b_);                 \
    } while (0)

#define ASSERT_STR_EQ(a, b)                                                    \
    do {                                                                       \
        const char *a_ = (a), *b_ = (b);                                       \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                 \
            FAIL_AT("%s == %s:\n    got      \"%s\"\n    expected \"%s\"",     \
                    #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");           \
    } while (0)

#define ASSERT_MEM_EQ(a, an, b, bn)                                            \
    do {                                                                       \
        size_t an_ = (an), bn_ = (bn);                                         \
        if (an_ != bn_ || memcmp((a), (b), an_) != 0)                          \
            FAIL_AT("%s (%zu bytes) != %s (%zu bytes)", #a, an_, #b, bn_);     \
    } while (0)

/* A whole test data file, or NULL; release with sluice__free. */
static inline char *harness_read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct sluice_buf b;
    sluice__buf_init(&b, 1 << 26);
    char tmp[65536];
    size_t got;
    while ((got = fread(tmp, 1, sizeof tmp, f)) > 0)
        if (sluice__buf_append(&b, tmp, got) != SLUICE_OK)
            break;
    fclose(f);
    return sluice__buf_take(&b, n);
}

struct harness_test {
    const char *name;
    void (*fn)(void);
};
#define TEST(fn) {#fn, fn}

/* True when test `name` is selected by the command line's NAMEs (all
 * tests when there are none); counts the matches per NAME in `hits`. */
static inline int harness_selected(const char *name, int argc, char **argv,
                                   int *hits)
{
    if (argc < 2)
        return 1;
    int selected = 0;
    for (int a = 1; a < argc; a++)
        if (strstr(name, argv[a])) {
            hits[a]++;
            selected = 1;
        }
    return selected;
}

#define HARNESS_MAIN(table)                                                    \
    int main(int argc, char **argv)                                            \
    {                                                                          \
        int failures = 0;                                                      \
        int *hits = calloc((size_t)argc, sizeof *hits);                        \
        if (!hits)                                                             \
            return 1;                                                          \
        for (size_t i = 0; i < sizeof(table) / sizeof((table)[0]); i++) {      \
            if (!harness_selected((table)[i].name, argc, argv, hits))          \
                continue;                                                      \
            harness_failed = 0;                                                \
            harness_case = -1;                                                 \
            (table)[i].fn();                                                   \
            fprintf(stderr, "%s %s\n", harness_failed ? "FAIL" : "ok  ",       \
                    (table)[i].name);                                          \
            failures += harness_failed;                                        \
        }                                                                      \
        for (int a = 1; a < argc; a++)                                         \
            if (!hits[a]) {                                                    \
                fprintf(stderr, "FAIL no test matches '%s'\n", argv[a]);       \
                failures++;                                                    \
            }                                                                  \
        free(hits);                                                            \
        return failures;                                                       \
    }

#endif
