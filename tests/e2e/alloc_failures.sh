#!/usr/bin/env bash
# Allocation failure, curl's torture mode for sluice: SLUICE_FAIL_ALLOC=N
# (debug builds) makes the library's Nth allocation fail.
#  - A control run of the same job with no failing allocation must succeed:
#    exit 0, both windows done, their files in place (so the server is there
#    and answers, and a failure below is the injected one).
#  - For every N over a job's load and plan, and for every 8th N over a whole
#    run (load, plan, ledger, transfers, Parquet, committer; a stride keeps
#    the loop to 300 runs, a few minutes under the sanitizers on a busy
#    2-core machine), sluice must end with exit 0, or with exit 1, 2 or 3 and
#    messages that all say what happened: out of memory. A failure that
#    reads as something else ("Couldn't connect", "path too long", a window
#    failed with no reason) fails the test. Never a crash, hang, leak or use
#    of freed memory (the sanitizers' own exit statuses are set apart to tell
#    them from ours), and never a temporary file left.
#  - The last runs ask for an N past the run's last allocation: they must
#    succeed like the control run, and the stride spans the whole run (its
#    allocations number about 2,100; the failures must be many).
# The server never idles out under the test (--idle-timeout 0: it stops with
# the script) and its hourly quota is out of reach.
source "$(dirname "$0")/lib/common.bash"
start_mock --idle-timeout 0 --hourly-limit 1000000
cat >job.yaml <<YAML
name: t
source:
  url: $BASE
  params: {start_date: "{start}", end_date: "{end}", api_key: "\${K:-DEMO_KEY}"}
  records: "\$.near_earth_objects.*[*]"
  record_key_as: feed_date
windows: {from: 2020-01-01, to: 2020-01-14, step: 7d}
output: {path: "out/{start}.parquet"}
columns:
  close_approach_data[].miss_distance.kilometers: double
YAML
export ASAN_OPTIONS=exitcode=99 UBSAN_OPTIONS=exitcode=98:halt_on_error=1

# the control run
expect_status 0 "$SLUICE_BIN" run job.yaml -q --report control.json
python3 - <<'PY' || fail "the control run did not pull both windows"
import json, os
r = json.load(open("control.json"))
assert r["summary"]["done"] == 2 and r["summary"]["failed"] == 0, r["summary"]
assert all(os.path.exists(w["output"]) for w in r["windows"])
PY

check() { # N rc what
    if [ "$2" -ge 98 ] || grep -q Sanitizer stderr.txt; then
        cat stderr.txt >&2
        fail "$3 with SLUICE_FAIL_ALLOC=$1: sanitizer report (exit $2)"
    fi
    case $2 in 0 | 1 | 2 | 3) ;; *) cat stderr.txt >&2; fail "$3 with SLUICE_FAIL_ALLOC=$1: exit $2" ;; esac
    if [ "$2" != 0 ] && ! grep -q '^sluice' stderr.txt; then
        fail "$3 with SLUICE_FAIL_ALLOC=$1: exit $2 without a message"
    fi
    # -q: only errors are printed; each must name the injected failure
    # (the list's heading aside; plan's own count line too)
    local wrong
    wrong=$(grep -v -e '^sluice: failed windows:$' -e ' windows (of [0-9]*)$' stderr.txt |
        grep -vi 'out of memory' || true)
    if [ -n "$wrong" ]; then
        cat stderr.txt >&2
        fail "$3 with SLUICE_FAIL_ALLOC=$1: a message that does not say out of memory: $wrong"
    fi
}

failed_runs=0
for n in $(seq 1 300); do
    rc=0
    SLUICE_FAIL_ALLOC=$n "$SLUICE_BIN" plan job.yaml >/dev/null 2>stderr.txt || rc=$?
    check "$n" "$rc" plan
    [ "$rc" = 0 ] || failed_runs=$((failed_runs + 1))
done
[ "$failed_runs" -gt 50 ] || fail "only $failed_runs plan runs hit a failing allocation"

run_failures=0
last_rc=
for n in $(seq 1 8 2400) 100000 100001; do
    rm -rf out .sluice
    rc=0
    SLUICE_FAIL_ALLOC=$n timeout 120 "$SLUICE_BIN" run job.yaml -q >/dev/null 2>stderr.txt || rc=$?
    check "$n" "$rc" run
    leftover=$(find . -name '*.sluice-tmp-*' | wc -l)
    [ "$leftover" = 0 ] || fail "run with SLUICE_FAIL_ALLOC=$n left $leftover temporary files"
    [ "$rc" = 0 ] || run_failures=$((run_failures + 1))
    last_rc=$rc
done
[ "$last_rc" = 0 ] || fail "a run past every allocation did not succeed (exit $last_rc)"
[ "$run_failures" -gt 100 ] || fail "only $run_failures runs hit a failing allocation"
[ "$(find out -name '*.parquet' | wc -l)" = 2 ] || fail "the last run did not write both files"
echo "ok: $failed_runs plan runs and $run_failures of the runs (every 8th allocation) failed cleanly"
