#!/usr/bin/env bash
# One window per fault, each fault injected by the bundled server on that
# window's start_date only, COUNT times (`--fault KIND@start_date=D#COUNT`):
# transient faults end `done` after exactly COUNT + 1 attempts, permanent ones
# `failed` after exactly one attempt with the server's own reason, and a
# transient fault that never stops fails when retry.attempts are used up.
# Each window's `attempts` and `statuses` in the report are checked against
# the expected list, and against the server's log (one line per request).
#
# The reset case is #1 and its window is among the first `concurrency`
# (8), which all start at once on fresh connections: libcurl itself retries,
# once and silently, a request whose *reused* connection died without a byte
# of answer, so a reset on a reused connection costs the server one more
# request than sluice counts (seen: reset#2 gave statuses [0, 200] and three
# requests in the server's log). On a fresh connection there is no such
# retry, so the count here is exact.
#
# Run A (default server mode): 5xx, reset, timeout (http.timeout 2s, the
# low-speed check off so the timeout is what fires), truncated body, invalid
# JSON (retried once only), 403, 400, 429 with and without Retry-After.
#
# Run B, the slow drip: the server drips the body 16 bytes per 100 ms
# (160 B/s). The job says `http.low_speed_limit: 1000` (B/s) for
# `low_speed_time: 1s`, with a generous `http.timeout` of 60 s: a transfer
# that slow is abandoned after about a second as a timeout ("Operation too
# slow"), which is transient, so the window is tried again and, the drip
# having fired once, ends done after 2 attempts (each attempt saw status 200).
source "$(dirname "$0")/lib/common.bash"

# start_date | fault rule (empty: none) | final status | statuses per attempt
cat >cases.txt <<'EOF'
2020-01-01 -                 done   200
2020-01-08 500#2             done   500,500,200
2020-01-15 502#1             done   502,200
2020-01-22 503#2             done   503,503,200
2020-01-29 504#1             done   504,200
2020-02-05 reset#1           done   0,200
2020-02-12 timeout#1         done   0,200
2020-02-19 truncate#1        done   200,200
2020-02-26 invalid-json#1    done   200,200
2020-03-04 invalid-json#2    failed 200,200
2020-03-11 403               failed 403
2020-03-18 400               failed 400
2020-03-25 429#1             done   429,200
2020-04-01 429-bare#1        done   429,200
2020-04-08 503               failed 503,503,503,503
EOF
args=()
while read -r date rule _; do
    [ "$rule" = - ] && continue
    args+=(--fault "${rule%%#*}@start_date=$date${rule#"${rule%%#*}"}")
done <cases.txt
start_mock --log "$WORK/a.log" "${args[@]}"
write_job job.yaml "$BASE" \
    'retry: {attempts: 4, base: 50ms, max_delay: 200ms}' \
    'http: {timeout: 2s, low_speed_limit: 0}'
sed -i 's/^windows: .*/windows: {from: 2020-01-01, to: 2020-04-14, step: 7d}/' job.yaml
expect_status 1 "$SLUICE_BIN" run job.yaml --report a.json -v
cp stderr.txt a.err
stop_mock

# run B: the slow drip
start_mock --log "$WORK/b.log" --fault 'slow@start_date=2020-04-15#1'
write_job job.yaml "$BASE" \
    'retry: {attempts: 4, base: 50ms, max_delay: 200ms}' \
    'http: {timeout: 60s, low_speed_limit: 1000, low_speed_time: 1s}'
sed -i -e 's/^windows: .*/windows: {from: 2020-04-15, to: 2020-04-21, step: 7d}/' \
    -e 's/^name: neows$/name: slow/' job.yaml # its own ledger
expect_status 0 "$SLUICE_BIN" run job.yaml --report b.json -v
cp stderr.txt b.err
echo "2020-04-15 slow#1 done 200,200" >>cases.txt

python3 - <<'PY'
import json, re
cases = {}
for line in open("cases.txt"):
    date, rule, status, statuses = line.split()
    cases[date] = (rule, status, [int(x) for x in statuses.split(",")])

def requests_per_date(log):
    n = {}
    for l in open(log):
        t, method, target, code = l.split()
        d = re.search(r"start_date=([0-9-]+)", target).group(1)
        n[d] = n.get(d, 0) + 1
    return n

windows = {}
for rep, log in (("a.json", "a.log"), ("b.json", "b.log")):
    r = json.load(open(rep))
    seen = requests_per_date(log)
    for w in r["windows"]:
        windows[w["start"]] = w
        # the server saw exactly the attempts the report counts
        assert seen.get(w["start"]) == w["attempts"], (w, seen.get(w["start"]))
    s = r["summary"]
    assert s["requests"] == sum(w["attempts"] for w in r["windows"]), s
    assert s["retries"] == s["requests"] - len(r["windows"]), s
assert sorted(windows) == sorted(cases), (sorted(windows), sorted(cases))

for date, (rule, status, statuses) in sorted(cases.items()):
    w = windows[date]
    what = f"{date} {rule}: {w}"
    assert w["status"] == status, what
    assert w["statuses"] == statuses, what
    assert w["attempts"] == len(statuses), what
    assert w["http_status"] == statuses[-1], what
    if status == "done":
        assert w["error"] is None and w["output"] and w["rows"] > 0, what
    else:
        assert w["output"] is None and w["rows"] == 0, what

def err(date):
    return windows[date]["error"]

# permanent: one attempt, the server's own reason
assert err("2020-03-11").startswith("HTTP 403: ") and \
    "An invalid api_key was supplied" in err("2020-03-11"), err("2020-03-11")
assert err("2020-03-18").startswith("HTTP 400: ") and \
    "The Feed date limit is only 7 Days" in err("2020-03-18"), err("2020-03-18")
# invalid JSON is retried once, then the window fails with the parse error
assert err("2020-03-04").startswith("response: ") and \
    err("2020-03-04").endswith("(after 2 attempts)"), err("2020-03-04")
# a 503 that never ends fails when the 4 attempts are used up
assert err("2020-04-08").startswith("HTTP 503: Application Error") and \
    err("2020-04-08").endswith("(after 4 attempts)"), err("2020-04-08")
print("cases:", ", ".join(f"{d} {c[0]} -> {windows[d]['status']} "
                          f"{windows[d]['statuses']}" for d, c in sorted(cases.items())))
PY

# What ended each retried attempt, as the -v log says it: the timeout window
# hit http.timeout (2 s; curl may say 1999 ms), the slow window the low-speed check, not the timeout.
grep -qE 'window 2020-02-12\.\.2020-02-18: Timeout was reached: Operation timed out after (19[0-9][0-9]|2[0-9][0-9][0-9]) milliseconds' a.err ||
    fail "timeout window not retried after http.timeout: $(grep 2020-02-12 a.err)"
grep -q 'window 2020-04-15\.\.2020-04-21: Timeout was reached: Operation too slow' b.err ||
    fail "slow window not stopped by the low-speed check: $(grep 2020-04-15 b.err)"
grep -q '1 done, 0 failed of 1 windows' b.err || fail "run B summary: $(tail -3 b.err)"
grep -q '11 done, 4 failed of 15 windows' a.err || fail "run A summary: $(tail -8 a.err)"
# no file for a failed window, none left behind half written
for d in 2020-03-04 2020-03-11 2020-03-18 2020-04-08; do
    ! ls out/neos_"$d"_* >/dev/null 2>&1 || fail "failed window $d has a file"
done
[ "$(find out -name '.*' | wc -l)" = 0 ] || fail "temporary files left"
echo "ok"
