/* overrides.h: `--set path=value` applied to a job's YAML tree (private to
 * lib/config). The path is dot-separated mapping keys ("source.params.q");
 * the value is parsed as a YAML fragment, so `concurrency=8`,
 * `source.params={a: b}` and `windows.to=2025-12-31` all work, and quoting
 * (`output.path="{start}.ndjson"`) makes a string of anything. Missing
 * intermediate mappings (or null ones) are created; a scalar or list in
 * the way is an error. */
#ifndef SLUICE_CONFIG_OVERRIDES_H
#define SLUICE_CONFIG_OVERRIDES_H

#include "config/yaml_tree.h"

#define SLUICE_SET_MAX_DEPTH 16

/* The origin an override's nodes carry: "--set a.b.c" (the text before the
 * first '='). Caller frees with sluice__free; NULL when out of memory. */
char *sluice__override_origin(const char *set);

/* Applies `set` ("a.b=value") to `root`, which must be a mapping. `origin`
 * (from sluice__override_origin) is borrowed by the new nodes and must
 * outlive the tree. Errors: SLUICE_EJOB, "--set a.b:1:1: ...". */
SLUICE_NODISCARD int sluice__override_apply(struct sluice_ynode *root,
                                            const char *set, const char *origin,
                                            struct sluice_err *err);

#endif
