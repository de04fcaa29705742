#!/usr/bin/env bash
# Allocation failure, curl's torture mode for sluice: SLUICE_FAIL_ALLOC=N
# (debug builds) makes the library's Nth allocation fail. For every N over
# a job's load and plan, and for every 11th N over a whole run (load, plan,
# ledger, transfers, Parquet, committer), sluice must end with a clear error
# (exit 1 or 2) or succeed — never crash, hang, leak or touch freed memory
# (the sanitizers' own exit statuses are set apart to tell them from ours),
# and never leave a temporary file.
source "$(dirname "$0")/lib/common.bash"
start_mock
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

check() { # N rc what
    if [ "$2" -ge 98 ] || grep -q Sanitizer stderr.txt; then
        cat stderr.txt >&2
        fail "$3 with SLUICE_FAIL_ALLOC=$1: sanitizer report (exit $2)"
    fi
    case $2 in 0 | 1 | 2 | 3) ;; *) cat stderr.txt >&2; fail "$3 with SLUICE_FAIL_ALLOC=$1: exit $2" ;; esac
    if [ "$2" != 0 ] && ! grep -q '^sluice' stderr.txt; then
        fail "$3 with SLUICE_FAIL_ALLOC=$1: exit $2 without a message"
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

for n in $(seq 1 11 1500); do
    rm -rf out .sluice
    rc=0
    SLUICE_FAIL_ALLOC=$n timeout 120 "$SLUICE_BIN" run job.yaml -q >/dev/null 2>stderr.txt || rc=$?
    check "$n" "$rc" run
    leftover=$(find . -name '*.sluice-tmp-*' | wc -l)
    [ "$leftover" = 0 ] || fail "run with SLUICE_FAIL_ALLOC=$n left $leftover temporary files"
done
echo "ok: $failed_runs plan runs and every 11th allocation of a run failed cleanly"
