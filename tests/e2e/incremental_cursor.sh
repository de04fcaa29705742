#!/usr/bin/env bash
# incremental: a cursor taken from the records (updated_at), against the
# bundled server's /items, whose data a control file changes between runs
# (tests/mock/mock_items.c). Two partitions ({index} -> part=0/1).
# - run 1 (no initial): no `since`, every item (100, and one without
#   updated_at, counted); the cursor is the greatest updated_at;
# - the server adds 20 items and changes 5, and fails one partition: run 2
#   asks since= cursor minus lag, fails, and leaves the cursor where it was;
# - run 3 asks the same since= and gets exactly those 25 (the files named
#   {cursor_from} replace run 2's partial ones); the cursor moves;
# - a --limit run (one partition) leaves it too;
# - status shows it; --full-refresh starts again from the beginning;
#   another cursor path is a changed job (exit 3).
source "$(dirname "$0")/lib/common.bash"
echo 0 >"$WORK/items.state"
start_mock --any-key --items-state "$WORK/items.state" --log "$WORK/mock.log"
cat >items.yaml <<EOF2
name: items
source:
  url: http://127.0.0.1:$PORT/items
  params: {api_key: x, parts: 2, part: "{index}"}
  records: "\$.items[*]"
windows: {from: 2024-01-01, to: 2024-01-02, step: 1d}
concurrency: 2
incremental: {cursor: "\$.updated_at", param: since, lag: 10m}
output: {path: "out/items_{cursor_from}_part{index}.ndjson"}
retry: {attempts: 1}
EOF2
ids() { cat "$@" | python3 -c '
import json, sys
print(" ".join(str(json.loads(l)["id"]) for l in sys.stdin))'; }
cursor() { "$SLUICE_BIN" status items.yaml --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["cursor"])'; }

# --- run 1: everything -------------------------------------------------------
expect_status 0 "$SLUICE_BIN" run items.yaml
grep -q 'since=' "$WORK/mock.log" && fail "run 1 sent since= without a cursor"
[ "$(ids out/items_start_part*.ndjson | wc -w)" = 101 ] || fail "run 1: $(ids out/items_start_part*.ndjson | wc -w) items"
grep -q 'incremental: 1 records without \$.updated_at' "$WORK/stderr.txt" ||
    fail "the record without a cursor was not counted: $(cat "$WORK/stderr.txt")"
[ "$(cursor)" = 2024-01-05T04:00:00Z ] || fail "cursor after run 1: $(cursor)"
expect_status 0 "$SLUICE_BIN" status items.yaml
grep -q 'cursor: 2024-01-05T04:00:00Z' "$WORK/stdout.txt" || fail "status: $(cat "$WORK/stdout.txt")"

# --- run 2: the data changed, one partition fails ----------------------------
echo '1 fail=1' >"$WORK/items.state"
: >"$WORK/mock.log"
expect_status 1 "$SLUICE_BIN" run items.yaml
[ "$(grep -c 'since=2024-01-05T03%3A50%3A00Z' "$WORK/mock.log")" = 2 ] ||
    fail "run 2 should send the cursor minus 10m: $(cat "$WORK/mock.log")"
[ "$(cursor)" = 2024-01-05T04:00:00Z ] || fail "a failed run moved the cursor: $(cursor)"

# --- a run cut short (--limit 1: one partition of two) does not move it
# either, though its partition's records are newer ---------------------------
echo 1 >"$WORK/items.state"
expect_status 0 "$SLUICE_BIN" run items.yaml --limit 1 -v
grep -q 'incremental: the cursor stays where it was: 1 of 2 windows were done' \
    "$WORK/stderr.txt" || fail "--limit: $(cat "$WORK/stderr.txt")"
[ "$(cursor)" = 2024-01-05T04:00:00Z ] || fail "a --limit run moved the cursor: $(cursor)"

# --- run 3: exactly the 25 added or changed ------------------------------------
: >"$WORK/mock.log"
expect_status 0 "$SLUICE_BIN" run items.yaml
[ "$(grep -c 'since=2024-01-05T03%3A50%3A00Z' "$WORK/mock.log")" = 2 ] ||
    fail "run 3 should send the unmoved cursor minus 10m: $(cat "$WORK/mock.log")"
got=$(ids out/items_2024-01-05T03:50:00Z_part*.ndjson | tr ' ' '\n' | sort -n | tr '\n' ' ')
want="20 40 60 80 100 $(seq -s ' ' 101 120) "
[ "$got" = "$want" ] || fail "run 3 got: $got"
grep -q '"name":"item 100 v2"' out/items_2024-01-05T03:50:00Z_part0.ndjson ||
    fail "the changed item is not the new version"
[ "$(cursor)" = 2024-02-02T00:01:40Z ] || fail "cursor after run 3: $(cursor)"
# run 1's files are still there, untouched
[ "$(ids out/items_start_part*.ndjson | wc -w)" = 101 ] || fail "run 1's files changed"

# --- --full-refresh: from the beginning (no initial: no since) ----------------
: >"$WORK/mock.log"
expect_status 0 "$SLUICE_BIN" run items.yaml --full-refresh
grep -q 'since=' "$WORK/mock.log" && fail "--full-refresh still sent since="
[ "$(ids out/items_start_part*.ndjson | wc -w)" = 121 ] || fail "--full-refresh: not every item"
[ "$(cursor)" = 2024-02-02T00:01:40Z ] || fail "cursor after --full-refresh: $(cursor)"

# Another cursor is another job: refused until --full-refresh.
sed -i 's/cursor: "\$.updated_at"/cursor: "$.id"/' items.yaml
expect_status 3 "$SLUICE_BIN" run items.yaml
grep -q "incremental.cursor changed" "$WORK/stderr.txt" || fail "$(cat "$WORK/stderr.txt")"
echo ok
