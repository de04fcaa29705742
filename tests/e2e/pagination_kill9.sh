#!/usr/bin/env bash
# kill -9 in the middle of a many-page partition, then a rerun: every item
# exactly once. One window of 100 pages (HubSpot-shaped, 1000 items, 10 a
# page); the server holds its 40th request (the `hold` fault: no timing
# involved), so when the 40th request has arrived, 39 pages have gone into
# the window's hidden temporary file and no final file exists; sluice is
# killed there. The rerun sweeps the dead run's temporary file, pulls the
# window again from its first page (100 requests), and publishes 1000
# items, each once, in order; the ledger marks the window done.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"
start_mock --log req.log --fault 'hold@nth=40'
cat >job.yaml <<YAML
name: hub
source:
  url: http://127.0.0.1:$PORT/pages/hubspot
  params: {set: big, n: "1000"}
  records: "\$.results[*]"
  pagination: {type: cursor, path: "\$.paging.next.after", param: after, limit_param: limit, limit: 10}
windows: {from: 2024-01-01, to: 2024-01-01, step: 1d}
output: {path: "out/{start}.ndjson"}
YAML
"$SLUICE_BIN" run job.yaml -q >run1.out 2>&1 &
pid=$!
wait_for 30 "the 40th request" log_at_least req.log 40
temp=$(find out -name '.*sluice-tmp*' | wc -l)
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
[ "$temp" = 1 ] || fail "no temporary file while the window was mid-way ($temp)"
[ ! -e out/2024-01-01.ndjson ] || fail "a final file before the last page"
[ "$(grep -c 'after=' req.log)" = 39 ] || fail "pages before the kill: $(cat req.log)"

before=$(log_count req.log)
expect_status 0 "$SLUICE_BIN" run job.yaml --report r.json
rerun=$(tail -n +"$((before + 1))" req.log)
[ "$(wc -l <<<"$rerun")" = 100 ] || fail "the rerun made $(wc -l <<<"$rerun") requests"
head -1 <<<"$rerun" | grep -vq 'after=' || fail "the rerun did not start at page 1"
python3 - <<'PY' || fail "items: see above"
import json
ids = [json.loads(l)["id"] for l in open("out/2024-01-01.ndjson")]
assert ids == ["big-%d" % i for i in range(1000)], (len(ids), len(set(ids)))
w = json.load(open("r.json"))["windows"][0]
assert w["status"] == "done" and w["pages"] == 100 and w["rows"] == 1000, w
PY
[ -z "$(find out -name '.*')" ] || fail "temporary files left: $(find out -name '.*')"
[ "$(sqlite3 .sluice/hub.db "SELECT status FROM windows")" = done ] ||
    fail "ledger: $(sqlite3 .sluice/hub.db 'SELECT * FROM windows')"
