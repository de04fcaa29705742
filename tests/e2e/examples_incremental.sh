#!/usr/bin/env bash
# examples/incremental_items.yaml, as its comment says: the first run
# pulls every item updated since `initial` (100), the second, after the
# server added 20 and changed 5, exactly those 25, each run in files named
# by its number ({run}) and its start ({cursor_from}), and status shows the
# cursor between them; --full-refresh starts again from `initial`.
source "$(dirname "$0")/lib/common.bash"
echo 0 >"$WORK/items.state"
start_mock --any-key --items-state "$WORK/items.state" --log "$WORK/mock.log"
export ITEMS_BASE="http://127.0.0.1:$PORT"
ex="$SLUICE_SRC/examples/incremental_items.yaml"
count() { cat "$@" | wc -l; }
expect_status 0 "$SLUICE_BIN" run "$ex" --set "state=$WORK/items.db"
[ "$(count data/items/run1_since_2024-01-01T00:00:00Z_0.ndjson)" = 100 ] || fail "run 1"
grep -q 'since=2024-01-01T00%3A00%3A00Z ' "$WORK/mock.log" || fail "run 1 did not send initial"
expect_status 0 "$SLUICE_BIN" status "$ex" --set "state=$WORK/items.db"
grep -q '^cursor: 2024-01-05T04:00:00Z' "$WORK/stdout.txt" || fail "status: $(cat "$WORK/stdout.txt")"
echo 1 >"$WORK/items.state"
expect_status 0 "$SLUICE_BIN" run "$ex" --set "state=$WORK/items.db"
[ "$(count data/items/run2_since_2024-01-05T03:50:00Z_0.ndjson)" = 25 ] || fail "run 2"
[ "$(count data/items/run1_since_2024-01-01T00:00:00Z_0.ndjson)" = 100 ] || fail "run 1's file changed"
# --full-refresh starts again from initial: every item updated since then
: >"$WORK/mock.log"
expect_status 0 "$SLUICE_BIN" run "$ex" --set "state=$WORK/items.db" --full-refresh
grep -q 'since=2024-01-01T00%3A00%3A00Z ' "$WORK/mock.log" || fail "--full-refresh: $(cat "$WORK/mock.log")"
[ "$(count data/items/run3_since_2024-01-01T00:00:00Z_0.ndjson)" = 120 ] || fail "run 3"
echo ok
