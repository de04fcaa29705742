#!/usr/bin/env bash
# `sluice status` tells a live run from a dead one. A run is held by a
# window the server never answers; while it lives, status shows it
# `running`. Then it is killed with SIGKILL (nothing can record its end):
# status, text and --json, at once and before any other run, shows it
# `killed`, not running, with no end time, and the job not running. The
# lock says which: a live run holds it, a dead one's was released by the
# kernel.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"
start_mock --fault 'timeout@start_date=2020-01-15' --log "$WORK/mock.log"
write_job job.yaml "$BASE"
sed -i 's/^windows: .*/windows: {from: 2020-01-01, to: 2020-02-25, step: 7d}/' job.yaml
sed -i 's/^concurrency: 8$/concurrency: 1/' job.yaml

"$SLUICE_BIN" run job.yaml >run.out 2>run.err &
pid=$!
# windows 1 and 2 are done; the third is in flight and never answered
held() {
    alive "$pid" || fail "the run ended early: $(cat run.err)"
    grep -q 'start_date=2020-01-15' mock.log 2>/dev/null
}
wait_for 60 "the run to reach the held window" held

outcome() { # the newest run's outcome, and whether the job runs, as status --json says
    "$SLUICE_BIN" status job.yaml --json >st.json 2>st.err || fail "status --json: $(cat st.err)"
    python3 -c 'import json; s = json.load(open("st.json")); r = s["runs"][0]
print(r["outcome"], s["running"], r["ended"])'
}
[ "$(outcome)" = "running True None" ] || fail "during the run: $(cat st.json)"

kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
[ "$(outcome)" = "killed False None" ] || fail "after kill -9, status says: $(cat st.json)"
expect_status 0 "$SLUICE_BIN" status job.yaml
grep -qE '^  #1 .* killed ' stdout.txt || fail "text status does not show run #1 killed: $(cat stdout.txt)"
! grep -q ' running ' stdout.txt || fail "text status still shows a run running: $(cat stdout.txt)"
echo "ok: a killed run is shown killed before the next run"
