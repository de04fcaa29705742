#!/usr/bin/env bash
# A server that throttles with 403, as GitHub and Salesforce do (issue 14):
# neows-mock refills 50/s with room for 10 and answers 403 OVER_RATE_LIMIT,
# no header at all, over the limit (--bare-limits --limit-status 403). The
# 366 daily windows of 2020 at concurrency 32:
#  - with `retry.throttle_statuses: [403]` every window is done, the rate
#    is learned from the 403s (report: learned_from throttled) and 403s
#    are at most 5% of the requests (server's log and report alike);
#  - without it a 403 is permanent: the job fails the windows that met one
#    (exit 1), each after one attempt (the declaration is what changes it).
source "$(dirname "$0")/lib/common.bash"
start_mock --rate-limit 50/s --rate-burst 10 --bare-limits --limit-status 403 \
    --log "$WORK/mock.log"
write_job job.yaml "$BASE"
sed -i 's/^concurrency: 8$/concurrency: 32/' job.yaml
sed -i 's/^windows: .*/windows: {from: 2020-01-01, to: 2020-12-31, step: 1d}/' job.yaml
grep -q '^concurrency: 32$' job.yaml || fail "job not at concurrency 32"
cp job.yaml plain.yaml
printf 'retry: {throttle_statuses: [403]}\n' >>job.yaml
expect_status 0 "$SLUICE_BIN" run job.yaml --report report.json
n=$(find out -name 'neos_*.ndjson' | wc -l)
[ "$n" = 366 ] || fail "expected 366 files, got $n"

python3 - <<'PY'
import json
s = json.load(open("report.json"))["summary"]
assert s["done"] == 366 and s["failed"] == 0, s
log = [l.split() for l in open("mock.log")]
assert len(log) == s["requests"], (len(log), s["requests"])
n403 = sum(1 for l in log if l[3] == "403")
assert n403 >= 1, "the server never throttled"
assert s["learned_from"] == "throttled" and s["rate_cuts"] >= 1, s
share = n403 / s["requests"]
assert share <= 0.05, f"403s are {share:.1%} of {s['requests']} requests"
print(f"requests {s['requests']}, 403s {n403} ({share:.1%}), learned "
      f"{s['learned_rate']:.1f}/s")
PY

# Without the declaration: another job (its own ledger), its own output.
sed -i 's|^name: neows$|name: plain|; s|out/|out2/|' plain.yaml
grep -q '^name: plain$' plain.yaml || fail "plain job not renamed"
! grep -q throttle_statuses plain.yaml || fail "plain job declares throttling"
expect_status 1 "$SLUICE_BIN" run plain.yaml --report plain.json
python3 - <<'PY'
import json
r = json.load(open("plain.json"))
failed = [w for w in r["windows"] if w["status"] == "failed"]
assert failed, "no window failed: the server did not throttle"
assert all(w["attempts"] == 1 and w["statuses"] == [403] for w in failed), failed[:3]
assert r["summary"]["learned_from"] == "none", r["summary"]
print(f"without throttle_statuses: {len(failed)} windows failed on a 403")
PY
echo "ok"
