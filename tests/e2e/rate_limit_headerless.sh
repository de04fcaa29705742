#!/usr/bin/env bash
# No rate_limit in the job and no header stating one (issue 14): the server
# allows 50 requests/s through a token bucket holding 10 and answers 429
# with the OVER_RATE_LIMIT body alone (neows-mock --bare-limits: no
# X-RateLimit-*, no RateLimit-*, no Retry-After). sluice must learn the
# rate from the 429s themselves. The job: the 366 one-day windows of 2020
# (small answers, so even a sanitizer build sends faster than 50/s and
# meets the limit) at concurrency 32.
#  - every window is done (exit 0, 366 files);
#  - the server did throttle (at least one 429: else nothing was learned)
#    and 429s are at most 5% of the requests, in the report and the
#    server's log alike (the same job before the learned rate: ~25%);
#  - the report says the rate was learned from throttling, near 50/s;
#  - the ledger remembers it: `sluice status` shows it, and a second run
#    of every window (--full-refresh) starts from it: 429s at most 1% of
#    its requests, again in the report and the server's log alike.
source "$(dirname "$0")/lib/common.bash"
start_mock --rate-limit 50/s --rate-burst 10 --bare-limits --log "$WORK/mock.log"
write_job job.yaml "$BASE"
sed -i 's/^concurrency: 8$/concurrency: 32/' job.yaml
sed -i 's/^windows: .*/windows: {from: 2020-01-01, to: 2020-12-31, step: 1d}/' job.yaml
grep -q '^concurrency: 32$' job.yaml || fail "job not at concurrency 32"
grep -q 'step: 1d' job.yaml || fail "job not in daily windows"
! grep -q rate_limit job.yaml || fail "the job must not set rate_limit"
expect_status 0 "$SLUICE_BIN" run job.yaml --report report.json

n=$(find out -name 'neos_*.ndjson' | wc -l)
[ "$n" = 366 ] || fail "expected 366 files, got $n"

python3 - <<'PY'
import json
r = json.load(open("report.json"))
s, w = r["summary"], r["windows"]
assert len(w) == 366 and s["done"] == 366 and s["failed"] == 0, s
log = [l.split() for l in open("mock.log")]
assert len(log) == s["requests"], (len(log), s["requests"])
n429 = sum(1 for l in log if l[3] == "429")
assert n429 == s["responses_429"], (n429, s)
assert n429 >= 1, "the server never throttled: nothing to learn from"
share = n429 / s["requests"]
assert share <= 0.05, f"429s are {share:.1%} of {s['requests']} requests"
assert s["learned_from"] == "throttled", s
assert s["rate_cuts"] >= 1, s
assert 25 <= s["learned_limit"] <= 75, s
print(f"requests {s['requests']}, 429s {n429} ({share:.1%}), learned "
      f"{s['learned_rate']:.1f}/s (limit estimated {s['learned_limit']:.1f}/s, "
      f"{s['rate_cuts']} cuts), {s['seconds']:.2f} s")
PY

"$SLUICE_BIN" status job.yaml >status.txt || fail "status failed"
grep -q "^learned rate: [0-9.]* requests/s for http://127.0.0.1:$PORT " status.txt ||
    fail "status does not show the learned rate: $(cat status.txt)"
"$SLUICE_BIN" status job.yaml --json >status.json || fail "status --json failed"
first=$(wc -l <mock.log)
expect_status 0 "$SLUICE_BIN" run job.yaml --full-refresh --report report2.json
n=$(find out -name 'neos_*.ndjson' | wc -l)
[ "$n" = 366 ] || fail "expected 366 files after the second run, got $n"

FIRST=$first python3 - <<'PY'
import json, os
st = json.load(open("status.json"))
lr = st["learned_rate"]
assert lr and 25 <= lr["rate"] <= 75 and lr["origin"].startswith("http://127.0.0.1:"), st
r = json.load(open("report2.json"))
s = r["summary"]
assert s["done"] == 366 and s["failed"] == 0, s
log = [l.split() for l in open("mock.log")][int(os.environ["FIRST"]):]
assert len(log) == s["requests"], (len(log), s["requests"])
n429 = sum(1 for l in log if l[3] == "429")
assert n429 == s["responses_429"], (n429, s)
share = n429 / s["requests"]
assert share <= 0.01, f"second run: 429s are {share:.1%} of {s['requests']}"
assert s["learned_from"] in ("remembered", "throttled"), s
print(f"second run: requests {s['requests']}, 429s {n429} ({share:.1%}), "
      f"started from {lr['rate']:.1f}/s, {s['seconds']:.2f} s")
PY
echo "ok"
