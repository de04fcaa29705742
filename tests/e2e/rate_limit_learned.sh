#!/usr/bin/env bash
# No rate_limit in the job: sluice learns the server's limit from its headers
# (neows-mock --rate-limit announces `RateLimit-Policy: "per-second";q=50;w=1`
# on every answer) and paces itself by it. The job: the 366 one-day windows
# of 2020 (small answers, so even a sanitizer build on a busy machine can go
# faster than the server allows and the limit is met) at concurrency 32,
# against a server whose bucket refills 50/s and holds 66: the announced 50
# plus 16 of slack for arrivals a busy machine bunches together.
#  - every window is done (exit 0, 366 files);
#  - 429s are a modest share of the requests (at most 15%): the first
#    `concurrency` requests go before any header was read, and the learned
#    bucket starts full, so a cluster of 429s near the start is expected;
#  - once learned, the limit holds, counted in the server's own log, in
#    arrival order (no clock): after the first 429 and the 2·32 requests
#    that may already have been sent or queued before its answer was read,
#    at most 3 more answers 429 (observed 0). A client that does not learn
#    (the same job with `rate_limit: "1000/second burst 1000"`, which turns
#    learning off) meets the wall again and again: observed 42 there.
source "$(dirname "$0")/lib/common.bash"
start_mock --rate-limit 50/s --rate-burst 66 --log "$WORK/mock.log"
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
assert all(x["status"] == "done" and x["statuses"][-1] == 200 for x in w)
assert s["requests"] == sum(x["attempts"] for x in w), s
n429 = sum(x["statuses"].count(429) for x in w)
assert n429 == s["responses_429"], (n429, s)
share = s["responses_429"] / s["requests"]
assert share <= 0.15, f"429s are {share:.1%} of {s['requests']} requests"

log = [l.split() for l in open("mock.log")]
assert len(log) == s["requests"], (len(log), s["requests"])
at429 = [i for i, l in enumerate(log) if l[3] == "429"]
assert len(at429) == s["responses_429"]
learning = at429[0] + 2 * 32 if at429 else len(log)
late = [i for i in at429 if i > learning]
assert len(late) <= 3, \
    f"{len(late)} answers 429 after learning (requests {late[:10]}...)"
print(f"requests {s['requests']}, 429s {s['responses_429']} ({share:.1%}), "
      + (f"the first at request {at429[0] + 1}, {len(late)} after learning; "
         if at429 else "the server's limit was never met; ")
      + f"concurrency at the end {s['concurrency']}")
PY
echo "ok"
