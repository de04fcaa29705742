#!/usr/bin/env bash
# Retry-After is honoured, by the window and by the whole run. The server
# answers one window (2020-01-22) with 429 and `Retry-After: 2`, once; the job
# runs 13 weekly windows at concurrency 4, paced at 5 requests/s (one every
# 200 ms, burst 1), with a short retry.base (50 ms) that would retry much
# sooner if Retry-After were ignored.
#
# What the server's log can prove, and why it is robust (no timing guesses
# but the one stated):
#  1. No request for the 429'd window arrives before t429 + 2 s, t429 being
#     the 429's own arrival time. sluice cannot have read the answer before
#     the server received the request, and it blocks every send until
#     (the moment it read the 429) + 2 s, so this holds exactly; the 1 ms
#     allowed is the log's resolution (both stamps rounded to the millisecond).
#  2. The whole run paused. Requests of other windows may still arrive in
#     (t429, t429 + 2 s): those sluice sent before it had read the 429 (in
#     flight, or sent in the moment between the server answering and sluice
#     acting on it). Not more: any request sent after is held to the same
#     instant as in 1. At 5/s with burst 1, sluice sends at most 5·T + 1
#     requests in any interval T, so as long as the answer's way back plus a
#     request's way there take under 200 ms (milliseconds on this loopback),
#     at most 2 such requests arrive in the pause. A run that paused only the
#     429'd window would show about 10 (2 s at 5/s).
source "$(dirname "$0")/lib/common.bash"
RA=2
start_mock --retry-after "$RA" --fault '429@start_date=2020-01-22#1' \
    --log "$WORK/mock.log"
write_job job.yaml "$BASE" 'rate_limit: "5/second"' \
    'retry: {attempts: 3, base: 50ms, max_delay: 100ms}'
sed -i -e 's/^windows: .*/windows: {from: 2020-01-01, to: 2020-03-31, step: 7d}/' \
    -e 's/^concurrency: 8$/concurrency: 4/' job.yaml
expect_status 0 "$SLUICE_BIN" run job.yaml --report report.json

RA=$RA python3 - <<'PY'
import json, os
ra_ms = int(os.environ["RA"]) * 1000
r = json.load(open("report.json"))
w = {x["start"]: x for x in r["windows"]}
assert len(w) == 13 and all(x["status"] == "done" for x in w.values()), w
assert w["2020-01-22"]["statuses"] == [429, 200], w["2020-01-22"]
assert all(x["statuses"] == [200] for k, x in w.items() if k != "2020-01-22")
assert r["summary"]["responses_429"] == 1 and r["summary"]["retries"] == 1

log = []
for line in open("mock.log"):
    t, method, target, status = line.split()
    date = target.split("start_date=")[1][:10]
    log.append((round(float(t) * 1000), date, int(status)))
assert len(log) == 14, log
hits = [e for e in log if e[2] == 429]
assert len(hits) == 1 and hits[0][1] == "2020-01-22", hits
t429 = hits[0][0]
until = t429 + ra_ms
# 1. the window itself: nothing before the named instant
again = [t for t, d, s in log if d == "2020-01-22" and t > t429]
assert len(again) == 1, again
assert again[0] >= until - 1, \
    f"retry arrived {again[0] - t429} ms after the 429; Retry-After named {ra_ms} ms"
# 2. the run: only what was already on its way
during = [(t - t429, d) for t, d, s in log if t429 < t < until - 1]
assert len(during) <= 2, f"requests during the pause (ms after the 429): {during}"
after = [t for t, d, s in log if t >= until - 1]
assert after, "nothing after the pause"
print(f"429 at +0 ms, retry at +{again[0] - t429} ms (Retry-After {ra_ms} ms); "
      f"{len(during)} other requests arrived during the pause {during}; "
      f"first after it at +{min(after) - t429} ms")
PY
echo "ok"
