#!/usr/bin/env bash
# Bad pagination input fails its partition, never the run, and says where:
# the page number, the page's URL (redacted) and the reason. Each case is a
# three-window job whose middle window alone misbehaves (the mock's
# bad=KIND with bad_set=2024-01-02), so the run goes on (exit 1: some
# failed), the other windows are done, the failed one has no file, and the
# next run pulls it again from its first page:
#  - a cursor path that matches no page (every window: it is the job's),
#  - a total that is not a number,
#  - a next URL on another host (and, with allow_other_hosts: true, the
#    host is tried: then a connection error, and the secret is not sent),
#  - a page that is not JSON (page 2: retried, then the window fails),
#  - a page loop (the same cursor twice; the same Link twice),
#  - more pages than max_pages.
# The job's secret (api_key in the query) is in the URLs sluice sends and
# in none it shows: report, stderr, ledger.
source "$(dirname "$0")/lib/common.bash"
start_mock --log req.log --keys RIDBKEY
export API_KEY=SECRETKEY_ab12cd34ef

# job NAME ENDPOINT BAD RECORDS PAGINATION: the middle window gets bad=BAD.
job() {
    cat >"$1.yaml" <<YAML
name: $1
source:
  url: http://127.0.0.1:$PORT/pages/$2
  params: {set: "{start}", n: "25", bad: "$3", bad_set: "2024-01-02", api_key: "\${API_KEY}"}
  headers: {apikey: RIDBKEY}
  records: "$4"
  pagination: $5
windows: {from: 2024-01-01, to: 2024-01-03, step: 1d}
concurrency: 2
retry: {attempts: 2, base: 10ms}
output: {path: "out/$1/{start}.ndjson"}
YAML
}

# check NAME ERROR_REGEX [all]: the middle window failed with it, the
# others done (all: every window failed with it, 2024-01-02 in the regex
# standing for each window's day).
check() {
    expect_status 1 "$SLUICE_BIN" run "$1.yaml" --report "$1.json"
    python3 - "$1" "$2" "$API_KEY" "${3:-}" <<'PY' || fail "$1: see above"
import json, re, sys
name, want, secret, every = sys.argv[1:5]
ws = {w["start"]: w for w in json.load(open(f"{name}.json"))["windows"]}
assert sorted(ws) == ["2024-01-01", "2024-01-02", "2024-01-03"], ws
bad = ["2024-01-02"]
if every:
    bad = sorted(ws)
else:
    for day in ("2024-01-01", "2024-01-03"):
        assert ws[day]["status"] == "done" and ws[day]["rows"] == 25, ws[day]
for day in bad:
    w = ws[day]
    assert w["status"] == "failed" and w["output"] is None, w
    exp = want.replace("?set=2024-01-02&", "?set=%s&" % day)
    assert re.fullmatch(exp, w["error"]), ("\n" + w["error"] + "\n" + exp)
assert secret not in open(f"{name}.json").read()
PY
    grep -q "$API_KEY" req.log || fail "$1: the secret was not sent at all?"
    ! grep -q "$API_KEY" "$1.json" stderr.txt .sluice/"$1".db ||
        fail "$1: the secret is shown"
    [ ! -e "out/$1/2024-01-02.ndjson" ] || fail "$1: the failed window has a file"
    [ -z "$(find out -name '.*')" ] || fail "$1: temporary files left"
}
Q='set=2024-01-02&n=25&bad=[a-z_]+&bad_set=2024-01-02&api_key=\*\*\*'

job nocursor reddit none '$.data.children[*].data' \
    '{type: cursor, path: "$.meta.after", param: after, limit_param: limit, limit: 10}'
check nocursor "page 1 \(http://127.0.0.1:$PORT/pages/reddit\?$Q&limit=10\): pagination.path \\$.meta.after: \\$.meta absent; the response holds keys \"kind\", \"data\"" all

job total ridb total_string '$.RECDATA[*]' \
    '{type: offset, param: offset, limit_param: limit, limit: 10, total: "$.METADATA.RESULTS.TOTAL_COUNT"}'
check total "page 1 \(http://127.0.0.1:$PORT/pages/ridb\?$Q&limit=10&offset=0\): pagination.total \\$.METADATA.RESULTS.TOTAL_COUNT is a string, not a number"

job host spotify other_host '$.items[*]' '{type: next_url, path: "$.next"}'
check host "page 1 \(http://127.0.0.1:$PORT/pages/spotify\?$Q\): the next page's URL goes to another host, http://localhost:$PORT: not followed \(pagination.allow_other_hosts: true follows it\)"

job notjson spotify notjson '$.items[*]' '{type: next_url, path: "$.next"}'
check notjson "page 2: response: byte [0-9]+ \(line 1, col [0-9]+\): .* \(after 2 attempts\)"

job loop reddit loop '$.data.children[*].data' \
    '{type: cursor, path: "$.data.after", param: after, limit_param: limit, limit: 10}'
check loop "page 2 \(http://127.0.0.1:$PORT/pages/reddit\?$Q&limit=10&after=t3_0\): the API returned the same cursor twice \(\\$.data.after\): a loop"

job linkloop github loop '$[*]' '{type: link_header}'
sed -i 's/n: "25"/n: "25", per_page: "10"/' linkloop.yaml
# (the first request names no page; its Link says page=1, which names
# itself: the second page is the loop)
check linkloop "page 2 \(http://127.0.0.1:$PORT/pages/github\?set=2024-01-02&n=25&bad=loop&per_page=10&page=1\): the API returned the same next URL twice \(a loop\)"

job cap hubspot none '$.results[*]' \
    '{type: cursor, path: "$.paging.next.after", param: after, limit_param: limit, limit: 5, max_pages: 3}'
# every window has 5 pages: all three fail, the run too (exit 1)
expect_status 1 "$SLUICE_BIN" run cap.yaml --report cap.json
python3 - "$PORT" <<'PY' || fail "max_pages: see above"
import json, re, sys
ws = json.load(open("cap.json"))["windows"]
assert len(ws) == 3 and all(w["status"] == "failed" for w in ws), ws
for w in ws:
    assert re.fullmatch(r"page 3 \(http://127\.0\.0\.1:%s/pages/hubspot\?.*&after=10\): more than 3 pages "
                        r"\(pagination.max_pages\): a safety cap, raise it if the API really has more" % sys.argv[1],
                        w["error"]), w["error"]
PY

# The next run pulls the failed window again, from its first page.
before=$(wc -l <req.log)
expect_status 1 "$SLUICE_BIN" run loop.yaml --report loop2.json
after=$(tail -n +"$((before + 1))" req.log)
[ "$(grep -c 'set=2024-01-02' <<<"$after")" = 2 ] || fail "rerun: $after"
! grep -q 'set=2024-01-0[13]' <<<"$after" || fail "rerun pulled done windows: $after"
grep 'set=2024-01-02' <<<"$after" | head -1 | grep -vq 'after=' || fail "rerun did not start at page 1: $after"

# allow_other_hosts: true follows it (this server as localhost: another
# origin), without the job's secret headers.
stop_mock
start_mock --log req2.log --log-headers --keys RIDBKEY
job host2 spotify other_host '$.items[*]' \
    '{type: next_url, path: "$.next", allow_other_hosts: true}'
sed -i 's|headers: {apikey: RIDBKEY}|headers: {apikey: RIDBKEY, X-Token: "${API_KEY}"}|' host2.yaml
expect_status 0 "$SLUICE_BIN" run host2.yaml --report host2.json
python3 - <<'PY' || fail "allow_other_hosts: see above"
import json
ws = json.load(open("host2.json"))["windows"]
assert all(w["status"] == "done" and w["rows"] == 25 for w in ws), ws
reqs, cur = [], None
for line in open("req2.log").read().splitlines():
    if line.startswith("\t"):
        cur[1].append(line[1:].split(":")[0].lower())
    else:
        cur = (line, [])
        reqs.append(cur)
far = [r for r in reqs if "?set=2024-01-02&" in r[0] and "offset=20" in r[0]]
assert len(far) == 1, reqs
assert "host" in far[0][1] and "apikey" not in far[0][1] and "x-token" not in far[0][1], far
home = [r for r in reqs if "?set=2024-01-02&" in r[0] and "offset" not in r[0]]
assert len(home) == 1 and "apikey" in home[0][1] and "x-token" in home[0][1], home
PY
grep -q "Host: localhost:$PORT" req2.log || fail "the far page did not go to localhost"
