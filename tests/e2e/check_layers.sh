#!/usr/bin/env bash
# scripts/check-layers.sh passes on the tree as it is and fails, naming the
# file and line, on each kind of wrong include planted in a copy: a lower
# layer reaching up (util -> json, json -> table), a cross-layer arrow the
# graph does not have (state -> sink, the break it once had), and the
# command reaching an internal header.
source "$(dirname "$0")/lib/common.bash"
CHECK=$SLUICE_SRC/scripts/check-layers.sh

"$CHECK" || fail "check-layers refuses the tree as it is"

plant() { # plant FILE LINE: a copy of lib/ and src/ with LINE added to FILE
    rm -rf tree && mkdir tree
    cp -r "$SLUICE_SRC/lib" "$SLUICE_SRC/src" tree/
    printf '%s\n' "$2" >>"tree/$1"
}
expect_refused() { # expect_refused FILE LINE
    plant "$1" "$2"
    local st=0
    "$CHECK" tree 2>err.txt || st=$?
    [ "$st" = 1 ] || fail "check-layers accepted '$2' in $1 (exit $st)"
    local n
    n=$(wc -l <"tree/$1")
    grep -q "$1:$n" err.txt || fail "check-layers did not name $1:$n: $(cat err.txt)"
}
expect_refused lib/util/buf.c '#include "json/reader.h"'
expect_refused lib/json/select.c '#include "table/table.h"'
expect_refused lib/state/sweep.c '#include "sink/publish.h"'
expect_refused lib/table/schema.c '#include "parquet/schema.h"'
expect_refused src/main.c '#include "util/buf.h"'
# an allowed arrow stays allowed
plant lib/sink/ndjson.c '#include "table/table.h"'
"$CHECK" tree || fail "check-layers refused an allowed include (sink -> table)"
echo "ok: check-layers accepts the tree and refuses each planted break"
