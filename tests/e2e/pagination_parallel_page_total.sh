#!/usr/bin/env bash
# Parallel pages for `page` pagination whose end is known from an item
# count and the page size (`total` + `limit`, as Zendesk and many page
# APIs give it, instead of a page count): against the bundled server's
# /pages/numbered (meta.total, 20 a page: 1,000 items, 50 pages) at
# concurrency 4, the server holding every request until told to answer (no
# timing): after the first page exactly 4 requests are in flight, then 4
# more after each release, every item once and in order, 50 requests for
# 50 pages. Then, without holds: a last page shorter than the limit (990
# items) is predicted and read whole; a total that is not a number fails
# the window at load of its first page; `total` with `total_pages`, or
# without `limit`, is refused at load.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"

job() { # FILE N [extra pagination]
    cat >"$1" <<YAML
name: ${1%.yaml}
source:
  url: http://127.0.0.1:$PORT/pages/numbered
  params: {set: "{start}", n: "$2"}
  records: "\$.data[*]"
  pagination: {type: page, param: page, limit_param: per_page, limit: 20, total: "\$.meta.total"${3:-}}
windows: {from: 2024-01-01, to: 2024-01-01, step: 1d}
concurrency: 4
retry: {attempts: 3, base: 10ms}
output: {path: "out/${1%.yaml}/{start}.ndjson"}
YAML
}

check_items() { # JOB N
    python3 - "out/$1/2024-01-01.ndjson" "$2" <<'PY' || fail "$1: items"
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1])]
want = ["2024-01-01-%d" % i for i in range(int(sys.argv[2]))]
assert ids == want, (len(ids), len(set(ids)), ids[:3])
PY
}

# -- held: the server counts what is in flight
start_mock --log req.log --fault 'hold@*' --idle-timeout 0
job held.yaml 1000
"$SLUICE_BIN" run held.yaml --report held.json >held.out 2>&1 &
pid=$!
release_batches req.log page 1 5 9 13 17 21 25 29 33 37 41 45 49 50
wait "$pid" || fail "sluice exited $?: $(cat held.out)"
check_items held 1000
python3 - <<'PY' || fail "report"
import json
w = json.load(open("held.json"))["windows"][0]
assert w["status"] == "done" and w["pages"] == 50 and w["attempts"] == 50, w
assert w["rows"] == 1000, w
PY
stop_mock

# -- a last page shorter than the limit
start_mock --log req2.log
job short.yaml 990
expect_status 0 "$SLUICE_BIN" run short.yaml
check_items short 990
[ "$(log_count req2.log)" = 50 ] || fail "short: $(log_count req2.log) requests"

# -- bad input
job both.yaml 10 ', total_pages: "$.meta.total_pages"'
expect_status 2 "$SLUICE_BIN" plan both.yaml
grep -q 'pagination.total: give total (the item count) or total_pages, not both' stderr.txt ||
    fail "both: $(cat stderr.txt)"
sed 's/limit: 20, //' short.yaml >nolimit.yaml
expect_status 2 "$SLUICE_BIN" plan nolimit.yaml
grep -q 'pagination.total: a page type with an item total needs limit' stderr.txt ||
    fail "nolimit: $(cat stderr.txt)"
echo ok
