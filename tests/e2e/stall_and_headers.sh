#!/usr/bin/env bash
# Transfers that cannot end well fail with a reason that says what happened.
#  - A 1 MiB response header line: libcurl refuses lines over 100 KiB and
#    calls it "Out of memory"; the window fails saying the header line was
#    over 100 KiB. 1 MiB of 1 KiB header lines (which libcurl would take,
#    keeping them all): the window fails at sluice's 256 KiB bound on a
#    response's headers. Neither is retried (the same answer would come).
#  - A drip of 10 bytes/s (the slow fault, 1 byte per 100 ms) with the
#    DEFAULT http.low_speed_limit: the attempt is stopped by the low-speed
#    check and says which fields set it. The test shortens only
#    low_speed_time (2s) to stay quick; the limit is the default, which
#    test_job_load checks is above such a drip and bounded in time. With
#    the old default (1 B/s) the drip never tripped it and the attempt ran
#    to http.timeout.
source "$(dirname "$0")/lib/common.bash"
start_mock --log "$WORK/h.log" --fault 'huge-header@start_date=2020-01-01' \
    --fault 'many-headers@start_date=2020-01-08'
write_job job.yaml "$BASE"
sed -i -e 's/^windows: .*/windows: {from: 2020-01-01, to: 2020-01-14, step: 7d}/' \
    -e 's/^name: neows$/name: headers/' job.yaml
expect_status 1 "$SLUICE_BIN" run job.yaml --report h.json
python3 - <<'PY'
import json
w = {x["start"]: x for x in json.load(open("h.json"))["windows"]}
one, many = w["2020-01-01"], w["2020-01-08"]
assert one["status"] == "failed" and many["status"] == "failed", (one, many)
assert one["error"].startswith("response header line over 100 KiB"), one["error"]
assert many["error"] == "response headers over 256 KiB", many["error"]
assert one["attempts"] == 1 and many["attempts"] == 1, (one, many)
PY
[ "$(wc -l <h.log)" = 2 ] || fail "header failures were retried: $(cat h.log)"
stop_mock

start_mock --log "$WORK/d.log" --fault 'slow@*' --slow-bytes 1
write_job job.yaml "$BASE" 'retry: {attempts: 1}' 'http: {low_speed_time: 2s, timeout: 30s}'
sed -i -e 's/^windows: .*/windows: {from: 2020-01-01, to: 2020-01-07, step: 7d}/' \
    -e 's/^name: neows$/name: drip/' job.yaml
! grep -q low_speed_limit job.yaml || fail "the drip case must use the default limit"
expect_status 1 "$SLUICE_BIN" run job.yaml --report d.json
python3 - <<'PY'
import json
(x,) = json.load(open("d.json"))["windows"]
e = x["error"]
assert x["status"] == "failed", x
assert "Operation too slow. Less than 100 bytes/sec" in e, e
assert e.endswith("(http.low_speed_limit and http.low_speed_time)"), e
PY
echo "ok: header limits and the default low-speed limit say what happened"
