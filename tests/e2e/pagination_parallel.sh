#!/usr/bin/env bash
# Parallel pages: an offset API with a total (RIDB-shaped: 1,000 items, 50
# a page, 20 pages) at concurrency 4. The server holds every request until
# it is told to answer (the `hold` fault, released by SIGUSR1), so what is
# in flight is counted by the server, with no timing: after the first page,
# exactly 4 requests arrive before any is answered, then 4 more after each
# release (the last batch 3), the pages' records are written in page order
# whatever order the held answers come back in, every item once, 20
# requests for 20 pages. Then, without holds:
#  - three windows of 6 pages each at concurrency 4: every item once per
#    window, each window's file in order;
#  - a page of a group that keeps failing (503) fails its window after its
#    retries, the window's other pages dropped, no file and no temporary
#    file left; one that fails once (503#1) is retried in place;
#  - pagination.parallel: false pulls the pages one by one;
#  - kill -9 while a group's pages are held, then a rerun: every item once.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"

job() { # FILE N [extra pagination]
    cat >"$1" <<YAML
name: ${1%.yaml}
source:
  url: http://127.0.0.1:$PORT/pages/ridb
  params: {set: "{start}", n: "$2"}
  headers: {apikey: RIDBKEY}
  records: "\$.RECDATA[*]"
  pagination: {type: offset, param: offset, limit_param: limit, limit: 50, total: "\$.METADATA.RESULTS.TOTAL_COUNT"${3:-}}
windows: {from: 2024-01-01, to: ${4:-2024-01-01}, step: 1d}
concurrency: 4
retry: {attempts: 3, base: 10ms}
output: {path: "out/${1%.yaml}/{start}.ndjson"}
YAML
}

# check_items JOB DAY N: the window's file holds DAY-0 .. DAY-(N-1) in order.
check_items() {
    python3 - "out/$1/$2.ndjson" "$2" "$3" <<'PY' || fail "$1 $2: items"
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1])]
want = ["%s-%d" % (sys.argv[2], i) for i in range(int(sys.argv[3]))]
assert ids == want, (len(ids), len(set(ids)), ids[:3])
PY
}

# -- held: the server counts what is in flight
start_mock --log req.log --keys RIDBKEY --fault 'hold@*' --idle-timeout 0
job held.yaml 1000
"$SLUICE_BIN" run held.yaml --report held.json >held.out 2>&1 &
pid=$!
release_batches req.log offset 1 5 9 13 17 20
wait "$pid" || fail "sluice exited $?: $(cat held.out)"
check_items held 2024-01-01 1000
python3 - <<'PY' || fail "report"
import json
w = json.load(open("held.json"))["windows"][0]
assert w["status"] == "done" and w["pages"] == 20 and w["attempts"] == 20, w
assert w["rows"] == 1000 and w["statuses"] == [200] * 20, w
PY
[ "$(wc -l <req.log)" = 20 ] || fail "requests: $(wc -l <req.log)"

# -- kill -9 while a group's pages are held (the 4 requests after the
# first page), then a rerun: every item once
stop_mock
start_mock --log req2.log --keys RIDBKEY --fault 'hold@nth=2' --fault 'hold@nth=3' \
    --fault 'hold@nth=4' --fault 'hold@nth=5' --idle-timeout 0
job crash.yaml 1000
"$SLUICE_BIN" run crash.yaml -q >/dev/null 2>&1 &
pid=$!
wait_for 30 "the held pages" log_at_least req2.log 5
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
[ ! -e out/crash/2024-01-01.ndjson ] || fail "a final file after the kill"
[ -n "$(find out -name '.*sluice-tmp*')" ] || fail "no temporary file mid-window"
expect_status 0 "$SLUICE_BIN" run crash.yaml
check_items crash 2024-01-01 1000
[ "$(wc -l <req2.log)" = 25 ] || fail "rerun requests: $(($(wc -l <req2.log) - 5))"
[ -z "$(find out -name '.*')" ] || fail "temporary files left: $(find out -name '.*')"

# -- three windows of 6 pages at once
before=$(log_count req2.log)
job three.yaml 300 "" 2024-01-03
expect_status 0 "$SLUICE_BIN" run three.yaml --report three.json
for d in 2024-01-01 2024-01-02 2024-01-03; do check_items three $d 300; done
[ "$(($(log_count req2.log) - before))" = 18 ] || fail "three: $(($(log_count req2.log) - before)) requests"

# -- a page that fails once is retried in place; one that keeps failing
# fails its window (its other pages dropped), with no file left
stop_mock
# (the first fault names its window: both windows have an offset=300 page,
# and which one the server sees first is the loop's business)
start_mock --log req3.log --keys RIDBKEY \
    --fault '503@query~set=2024-01-01&n=1000&limit=50&offset=300#1' \
    --fault '503@query~set=2024-01-02&n=1000&limit=50&offset=600'
job flaky.yaml 1000 "" 2024-01-02
expect_status 1 "$SLUICE_BIN" run flaky.yaml --report flaky.json
check_items flaky 2024-01-01 1000
python3 - <<'PY' || fail "flaky: see above"
import json
ws = {w["start"]: w for w in json.load(open("flaky.json"))["windows"]}
a, b = ws["2024-01-01"], ws["2024-01-02"]
assert a["status"] == "done" and a["pages"] == 20 and a["attempts"] == 21, a
assert a["statuses"].count(503) == 1, a
assert b["status"] == "failed" and b["output"] is None, b
assert b["error"].startswith("page 13: HTTP 503: ") and b["error"].endswith(" (after 3 attempts)"), b["error"]
PY
[ ! -e out/flaky/2024-01-02.ndjson ] || fail "the failed window has a file"
[ -z "$(find out -name '.*')" ] || fail "temporary files left: $(find out -name '.*')"
[ "$(grep -c 'offset=300' req3.log)" = 3 ] || fail "offset=300: $(grep offset=300 req3.log)"

# -- parallel: false, one page after another (the server sees one at a
# time: held, nothing else arrives until it is answered)
stop_mock
start_mock --log req4.log --keys RIDBKEY --fault 'hold@*' --idle-timeout 0
job serial.yaml 200 ", parallel: false"
"$SLUICE_BIN" run serial.yaml --report serial.json >serial.out 2>&1 &
pid=$!
for want in 1 2 3 4; do
    wait_for 30 "$want requests" log_at_least req4.log "$want"
    [ "$(log_count req4.log)" = "$want" ] || fail "serial: $(log_count req4.log) in flight"
    kill -USR1 "$MOCK_PID"
done
wait "$pid" || fail "serial: exit $?: $(cat serial.out)"
check_items serial 2024-01-01 200
