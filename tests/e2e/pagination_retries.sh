#!/usr/bin/env bash
# A failed page of a window pulled page by page (HubSpot-shaped cursor, 10
# pages of 10): a 503 (no record of it reached the file) is retried in
# place: 11 requests, the 6th page twice; a body cut short after its first
# records (`truncate`) cannot be taken back out of the file, so the window
# starts again from its first page with a fresh file: 10 + 6 requests; a
# page failing on every attempt fails the window after retry.attempts,
# with no file, and the next run pulls it again from its first page. Every
# item exactly once in each file, in order.
source "$(dirname "$0")/lib/common.bash"

job() { # NAME
    cat >"$1.yaml" <<YAML
name: $1
source:
  url: http://127.0.0.1:$PORT/pages/hubspot
  params: {set: "$1", n: "100"}
  records: "\$.results[*]"
  pagination: {type: cursor, path: "\$.paging.next.after", param: after, limit_param: limit, limit: 10}
windows: {from: 2024-01-01, to: 2024-01-01, step: 1d}
retry: {attempts: 3, base: 10ms}
output: {path: "out/$1/{start}.ndjson"}
YAML
}
items() { # NAME
    python3 - "out/$1/2024-01-01.ndjson" "$1" <<'PY' || fail "$1: items"
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1])]
assert ids == ["%s-%d" % (sys.argv[2], i) for i in range(100)], (len(ids), len(set(ids)))
PY
}
count() { grep -c "set=$1&" req.log || true; }

start_mock --log req.log --fault '503@query~set=inplace&n=100&limit=10&after=50#1' \
    --fault 'truncate@query~set=restart&n=100&limit=10&after=50#1' \
    --fault '503@query~set=dead&n=100&limit=10&after=50#3'
job inplace
expect_status 0 "$SLUICE_BIN" run inplace.yaml --report inplace.json
items inplace
[ "$(count inplace)" = 11 ] || fail "in place: $(count inplace) requests"
[ "$(grep -c 'set=inplace&.*after=50 ' req.log)" = 2 ] || fail "the failed page was not retried alone"
python3 - <<'PY' || fail "report"
import json
w = json.load(open("inplace.json"))["windows"][0]
assert w["pages"] == 10 and w["attempts"] == 11 and w["statuses"].count(503) == 1, w
PY

job restart
expect_status 0 "$SLUICE_BIN" run restart.yaml
items restart
[ "$(count restart)" = 16 ] || fail "restart: $(count restart) requests"
[ "$(grep 'set=restart&' req.log | grep -vc 'after=')" = 2 ] || fail "the window did not start again at page 1"

job dead
expect_status 1 "$SLUICE_BIN" run dead.yaml --report dead.json
python3 - <<'PY' || fail "dead: see above"
import json
w = json.load(open("dead.json"))["windows"][0]
assert w["status"] == "failed" and w["output"] is None, w
assert w["error"].startswith("page 6: HTTP 503") and w["error"].endswith("(after 3 attempts)"), w["error"]
PY
[ ! -e out/dead/2024-01-01.ndjson ] && [ -z "$(find out -name '.*')" ] || fail "dead: a file is left"
[ "$(count dead)" = 8 ] || fail "dead: $(count dead) requests"
# the rule is used up: the next run pulls the window whole, from page 1
expect_status 0 "$SLUICE_BIN" run dead.yaml
items dead
[ "$(count dead)" = 18 ] || fail "dead, rerun: $(count dead) requests"
