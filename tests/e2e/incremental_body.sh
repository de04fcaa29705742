#!/usr/bin/env bash
# incremental with the cursor in the request body: `{cursor}` in
# source.body (and no incremental.param), against the bundled server's
# POST /items, which reads `since` from its JSON body (tests/mock/
# mock_items.c). Run 1 sends incremental.initial and gets every item with
# an updated_at (100); the server adds 20 items and changes 5; run 2 sends
# the stored cursor minus the lag in the body and gets exactly those 25;
# a run that fails leaves the cursor where it was, and the next one sends
# the same body again. No query parameter carries the cursor.
source "$(dirname "$0")/lib/common.bash"
echo 0 >"$WORK/items.state"
start_mock --any-key --items-state "$WORK/items.state" --log "$WORK/mock.log" --log-headers
cat >items.yaml <<EOF2
name: items_body
source:
  url: http://127.0.0.1:$PORT/items
  params: {api_key: x}
  method: POST
  body: '{"since": "{cursor}", "page_size": 500}'
  records: "\$.items[*]"
incremental: {cursor: "\$.updated_at", initial: "2000-01-01T00:00:00Z", lag: 10m}
output: {path: "out/items_{cursor_from}.ndjson"}
retry: {attempts: 1}
EOF2
ids() { python3 -c '
import json, sys
print(" ".join(str(json.loads(l)["id"]) for l in open(sys.argv[1])))' "$1"; }
cursor() { "$SLUICE_BIN" status items.yaml --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["cursor"])'; }

# --- plan: the body is shown as the first run sends it -------------------------
expect_status 0 "$SLUICE_BIN" plan items.yaml
grep -q 'since' stdout.txt && fail "plan: the cursor went into the URL: $(cat stdout.txt)"

# --- run 1: from incremental.initial -------------------------------------------
expect_status 0 "$SLUICE_BIN" run items.yaml
grep -q 'since=' "$WORK/mock.log" && fail "run 1 sent the cursor in the query"
grep -q '^[0-9.]* POST /items?api_key=x 200$' "$WORK/mock.log" || fail "run 1: $(cat "$WORK/mock.log")"
[ "$(ids out/items_2000-01-01T00:00:00Z.ndjson | wc -w)" = 100 ] ||
    fail "run 1: $(ids out/items_2000-01-01T00:00:00Z.ndjson | wc -w) items"
[ "$(cursor)" = 2024-01-05T04:00:00Z ] || fail "cursor after run 1: $(cursor)"

# --- the data changes; a failing run leaves the cursor -------------------------
echo '1 fail=0' >"$WORK/items.state"
expect_status 1 "$SLUICE_BIN" run items.yaml
[ "$(cursor)" = 2024-01-05T04:00:00Z ] || fail "a failed run moved the cursor: $(cursor)"

# --- run 3: the stored cursor minus the lag, in the body: exactly the 25 ------
echo 1 >"$WORK/items.state"
: >"$WORK/mock.log"
expect_status 0 "$SLUICE_BIN" run items.yaml
grep -q 'since=' "$WORK/mock.log" && fail "run 3 sent the cursor in the query"
want="20 40 60 80 100 $(seq -s ' ' 101 120)"
[ "$(ids out/items_2024-01-05T03:50:00Z.ndjson)" = "$want" ] ||
    fail "run 3: $(ids out/items_2024-01-05T03:50:00Z.ndjson)"
[ "$(cursor)" = 2024-02-02T00:01:40Z ] || fail "cursor after run 3: $(cursor)"
echo ok
