#!/usr/bin/env bash
# Two windows writing one file are refused at load (exit 2, output.path's
# position, no request made, no file written), naming both windows and the
# path and saying a file is never appended to: daily windows with a monthly
# path; a 17.75-million-window hourly plan with a daily path (at once: the
# first two windows already clash).
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/output_jobs.bash"

# ---- two windows, one file ------------------------------------------------------
job monthly.yaml "out/{start:%Y-%m}.ndjson"
expect_status 2 "$SLUICE_BIN" run monthly.yaml
want="monthly.yaml:$(line_of_output monthly.yaml):16: output.path: windows 2020-01-01..2020-01-01 and 2020-01-02..2020-01-02 would both write 'out/2020-01.ndjson'"
grep -qF "$want" stderr.txt || fail "collision message: $(cat stderr.txt)"
grep -q "never appended to" stderr.txt || fail "the message does not say files are not appended to"
expect_status 2 "$SLUICE_BIN" plan monthly.yaml
grep -qF "$want" stderr.txt || fail "plan does not refuse the collision: $(cat stderr.txt)"
job big.yaml "out/{start:%Y-%m-%d}.ndjson"
sed -i 's/windows: .*/windows: {from: 2000-01-01, to: 4025-12-31, step: 1h}/' big.yaml
expect_status 2 "$SLUICE_BIN" run big.yaml
grep -qF "windows 2000-01-01T00:00:00Z..2000-01-01T00:59:59Z and 2000-01-01T01:00:00Z..2000-01-01T01:59:59Z would both write 'out/2000-01-01.ndjson'" stderr.txt ||
    fail "big collision: $(cat stderr.txt)"
nothing_done

echo "output_collisions: ok"
