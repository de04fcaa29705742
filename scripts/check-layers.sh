#!/usr/bin/env bash
# check-layers.sh: fails when a file includes a header across a layer it
# may not reach (docs/architecture.md draws the graph). Each folder of lib/
# may include its own headers and those of the folders listed for it below;
# src/ (the command) may include only the public header <sluice/...> and its
# own headers, as zstd's programs/ may use only zstd's public API.
#
# Why a script and not the build alone: one object library per folder would
# make CMake refuse a wrong link, but a wrong #include of a header-only type
# or macro links fine; a grep over the include lines catches both.
#
# Usage: check-layers.sh [ROOT]   (ROOT: a tree holding lib/ and src/; the
# repository by default; tests/e2e/check_layers.sh points it at a copy)
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"

# The allowed arrows: folder -> folders it may include. Keep this in step
# with the graph in docs/architecture.md.
declare -A allowed=(
    [util]=""
    [json]="util"
    [parquet]="util"
    [table]="util json"
    [plan]="util"
    [http]="util json"
    [state]="util"
    [config]="util json plan table http"
    [sink]="util json table parquet"
    [pipeline]="util json parquet table plan http config sink state"
)

status=0
complain() {
    echo "check-layers: $1" >&2
    status=1
}

for dir in lib/*/; do
    mod=$(basename "$dir")
    if [[ ! -v allowed[$mod] ]]; then
        complain "lib/$mod/ is not in the layer table of scripts/check-layers.sh"
        continue
    fi
    for file in "$dir"*.[ch]; do
        [[ -e $file ]] || continue
        # lines of the form: #include "folder/header.h"
        while IFS=: read -r line target; do
            dep=${target%%/*}
            # the public header is everyone's
            [[ $dep == "$mod" || $dep == sluice ]] && continue
            if [[ " ${allowed[$mod]} " != *" $dep "* ]]; then
                complain "$file:$line includes \"$target\": lib/$mod/ may use only: ${allowed[$mod]:-nothing}"
            fi
        done < <(awk 'match($0, /^[ \t]*#[ \t]*include[ \t]+"[a-z_]+\/[^"]+"/) {
                          t = $0; sub(/^[^"]*"/, "", t); sub(/".*/, "", t)
                          print FNR ":" t }' "$file")
    done
done

# src/: the public header (angle brackets) and its own "x.h" only.
while IFS= read -r hit; do
    complain "$hit: src/ may include only <sluice/...> and its own headers"
done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[^"]*/' src/*.[ch] |
                   grep -vE '"sluice/[^"]+"' || true)

if [[ $status -ne 0 ]]; then
    echo "check-layers: an include crosses the layers (see docs/architecture.md)" >&2
fi
exit $status
