#!/usr/bin/env bash
# The start-up sweep removes only temporary files its own job left behind
# and whose writer is certainly dead, never another job's:
#  - job alpha runs with one window held mid-transfer by the server (the
#    hold fault), so its temporary file is live in out/; job beta, sharing
#    out/, runs and sweeps: alpha's live file survives, and so does alpha's
#    leftover from a dead process; beta's own leftover from a dead process
#    goes, its file named with a live pid (not certainly dead) stays. Once
#    released, alpha's held window is published and alpha exits 0;
#  - the next run of alpha removes alpha's dead leftover;
#  - a run of gamma killed with SIGKILL while a window is held leaves its
#    temporary file; gamma's next run removes it and pulls that window.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"

start_mock --log req.log --fault 'hold@start_date=2020-01-15#1' \
    --fault 'hold@start_date=2020-03-10#1'

# job FILE NAME FROM TO: a NeoWs job writing out/NAME_<start>.ndjson.
job() {
    # no low-speed abort and no retry: the held transfer must stay the same
    write_job "$1" "$BASE" 'http: {low_speed_limit: 0}' 'retry: {attempts: 1}'
    sed -i "s/^name: neows/name: $2/; s/from: 2020-01-01, to: 2025-12-31/from: $3, to: $4/" "$1"
    sed -i "s#out/neos_{start}_{end}.ndjson#out/$2_{start}.ndjson#" "$1"
}
job alpha.yaml alpha 2020-01-01 2020-01-21
job beta.yaml beta 2020-02-01 2020-02-14
job gamma.yaml gamma 2020-03-03 2020-03-16
mkdir -p out

# A pid no process has: a child that has exited and been reaped.
sh -c 'exit 0' &
dead=$!
wait "$dead"
alive "$dead" && fail "pid $dead should be gone"
hex=0123456789abcdef
plant() { : >"out/.$1.sluice-tmp-$2.$3.$hex"; }
plant beta_old.ndjson beta "$dead"     # beta's, writer dead
plant beta_live.ndjson beta $$         # beta's name, but pid $$ is alive
: >"out/.legacy.ndjson.sluice-tmp-$hex" # an older sluice's: no job named

# ---- alpha holds a live temporary file ------------------------------------------------
"$SLUICE_BIN" run alpha.yaml >alpha.out 2>alpha.err &
apid=$!
live_temp() {
    alive "$apid" || fail "alpha ended early: $(cat alpha.err)"
    ls out/.alpha_2020-01-15.ndjson.sluice-tmp-* >/dev/null 2>&1 &&
        [ -f out/alpha_2020-01-01.ndjson ] && [ -f out/alpha_2020-01-08.ndjson ]
}
wait_for 60 "alpha's held window with its temporary file" live_temp
held=$(ls out/.alpha_2020-01-15.ndjson.sluice-tmp-*)
plant alpha_old.ndjson alpha "$dead" # alpha's, writer dead (after alpha's sweep)

# ---- beta sweeps the shared folder ----------------------------------------------------
expect_status 0 "$SLUICE_BIN" run beta.yaml -v
[ -f "$held" ] || fail "beta's sweep removed alpha's live temporary file $held"
[ -f out/.alpha_old.ndjson.sluice-tmp-alpha."$dead".$hex ] || fail "beta removed alpha's leftover"
[ -f out/.beta_old.ndjson.sluice-tmp-beta."$dead".$hex ] && fail "beta kept its own dead leftover"
[ -f out/.beta_live.ndjson.sluice-tmp-beta.$$.$hex ] || fail "beta removed a file whose writer may live"
[ -f "out/.legacy.ndjson.sluice-tmp-$hex" ] || fail "beta removed a temporary file of no known job"
grep -q "removed 1 temporary files" stderr.txt || fail "beta did not say what it removed: $(cat stderr.txt)"
[ -f out/beta_2020-02-08.ndjson ] || fail "beta did not pull its windows"
case "$held" in
out/.alpha_2020-01-15.ndjson.sluice-tmp-alpha."$apid".[0-9a-f]*) ;;
*) fail "alpha's temporary file $held does not name its job and pid" ;;
esac

# ---- alpha finishes ---------------------------------------------------------------
kill -USR1 "$MOCK_PID"
wait "$apid" || fail "alpha failed after beta's sweep: $(cat alpha.err)"
[ -f out/alpha_2020-01-15.ndjson ] || fail "alpha's held window was not published"
[ -f "$held" ] && fail "alpha's temporary file is left after its commit"
[ -f out/.alpha_old.ndjson.sluice-tmp-alpha."$dead".$hex ] || fail "alpha's run removed its leftover mid-run?"

# ---- alpha's next run sweeps its own dead leftover --------------------------------
expect_status 0 "$SLUICE_BIN" run alpha.yaml
[ -f out/.alpha_old.ndjson.sluice-tmp-alpha."$dead".$hex ] && fail "alpha kept its own dead leftover"
[ -f out/.beta_live.ndjson.sluice-tmp-beta.$$.$hex ] || fail "alpha removed beta's file"

# ---- a killed run's temporary file goes with the next run -------------------------
"$SLUICE_BIN" run gamma.yaml >gamma.out 2>gamma.err &
gpid=$!
gamma_held() {
    alive "$gpid" || fail "gamma ended early: $(cat gamma.err)"
    ls out/.gamma_2020-03-10.ndjson.sluice-tmp-gamma."$gpid".* >/dev/null 2>&1 &&
        [ -f out/gamma_2020-03-03.ndjson ]
}
wait_for 60 "gamma's held window" gamma_held
kill -KILL "$gpid"
wait "$gpid" 2>/dev/null || true
ls out/.gamma_2020-03-10.ndjson.sluice-tmp-gamma."$gpid".* >/dev/null || fail "the kill left no temporary file"
kill -USR1 "$MOCK_PID"
expect_status 0 "$SLUICE_BIN" run gamma.yaml -v
ls out/.gamma_* 2>/dev/null && fail "gamma's next run left the killed run's temporary file"
grep -q "removed 1 temporary files" stderr.txt || fail "gamma did not say what it removed: $(cat stderr.txt)"
[ -f out/gamma_2020-03-10.ndjson ] || fail "gamma's next run did not pull the killed window"
echo "temp_sweep_shared: ok"
