/* units.h: durations and byte sizes as job files write them (private to
 * lib/config).
 *
 * Durations: a whole number and a unit, no space: "500ms", "10s", "2m",
 * "1h". Sizes: a whole number of bytes with an optional unit: "1000",
 * "1000B", "64KiB", "256MiB", "1GiB", "1TiB" (powers of 1024) or "1kB",
 * "5MB", "1GB", "1TB" (powers of 1000). */
#ifndef SLUICE_CONFIG_UNITS_H
#define SLUICE_CONFIG_UNITS_H

#include "util/common.h"

/* At most 30 days: anything longer is surely a typo. */
#define SLUICE_DURATION_MAX_MS (30LL * 24 * 3600 * 1000)
/* At most 1 TiB. */
#define SLUICE_SIZE_MAX (1ULL << 40)

/* SLUICE_EJOB with a message naming `s` on error. */
SLUICE_NODISCARD int sluice__duration_parse(const char *s, int64_t *ms,
                                            struct sluice_err *err);
SLUICE_NODISCARD int sluice__size_parse(const char *s, uint64_t *bytes,
                                        struct sluice_err *err);

#endif
