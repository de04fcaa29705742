/* harness.h: the unit-test harness. Each tests/unit/test_<module>.c holds
 * functions named test_* registered in a TESTS table and a main() from
 * HARNESS_MAIN. A failing assertion prints both values and the location,
 * marks the test failed and returns from it. Exit status is the number of
 * failed tests (0 = pass), so CTest sees a failure. */
#ifndef SLUICE_TEST_HARNESS_H
#define SLUICE_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

static int harness_failed;

#define FAIL_AT(...)                                                           \
    do {                                                                       \
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

#define HARNESS_MAIN(table)                                                    \
    int main(void)                                                             \
    {                                                                          \
        int failures = 0;                                                      \
        for (size_t i = 0; i < sizeof(table) / sizeof((table)[0]); i++) {      \
            harness_failed = 0;                                                \
            (table)[i].fn();                                                   \
            fprintf(stderr, "%s %s\n", harness_failed ? "FAIL" : "ok  ",       \
                    (table)[i].name);                                          \
            failures += harness_failed;                                        \
        }                                                                      \
        return failures;                                                       \
    }

#endif
