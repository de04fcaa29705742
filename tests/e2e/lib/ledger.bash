# ledger.bash: helpers for the tests of the state ledger (sourced after
# common.bash, not a test itself): bounded polling instead of sleeps, the
# server's request log, and a python3 checker over a ledger and its files.

# wait_for SECONDS WHAT CMD...: polls CMD every 20 ms until it succeeds;
# fails the test naming WHAT when SECONDS pass first. The bound only stops a
# broken build from hanging the suite; nothing is timed.
wait_for() {
    local limit=$1 what=$2
    shift 2
    local tries=$((limit * 50))
    while ! "$@"; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || fail "gave up waiting for: $what"
        sleep 0.02
    done
}

# log_count FILE: lines in the server's request log (0 when absent).
log_count() {
    if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi
}

# log_at_least FILE N: the server has received at least N requests.
log_at_least() {
    [ "$(log_count "$1")" -ge "$2" ]
}

# log_dates FILE [FROM_LINE]: the start_date of each request logged from
# line FROM_LINE (1-based) on, one a line, in order of arrival.
log_dates() {
    tail -n +"${2:-1}" "$1" | sed -n 's/.*start_date=\([0-9-]*\).*/\1/p'
}

# alive PID: the process still runs (a zombie not yet reaped counts too).
alive() {
    kill -0 "$1" 2>/dev/null
}

# check_ledger DIR [options]: python3 check of DIR's ledger against its
# files (see check_ledger.py); fails the test on any inconsistency.
check_ledger() {
    python3 "$E2E_LIB/check_ledger.py" "$@" || fail "ledger check: $*"
}

# release_batches LOG PARAM TOTAL...: drives a server that holds every
# answer (--fault 'hold@*'): for each running TOTAL of requests, waits
# until the log has that many, checks it has no more (the rest are held,
# so this is what the client keeps in flight) and that the new batch asks
# distinct values of the query parameter PARAM (distinct pages), then
# releases the held answers (SIGUSR1 to MOCK_PID).
release_batches() {
    local log=$1 param=$2 seen=0 want got distinct
    shift 2
    for want in "$@"; do
        wait_for 30 "$want requests" log_at_least "$log" "$want"
        got=$(log_count "$log")
        [ "$got" = "$want" ] || fail "$got requests in flight, expected $want"
        if [ "$want" -gt 1 ]; then
            distinct=$(tail -n +"$((seen + 1))" "$log" |
                sed -n "s/.*[?&]$param=\([0-9]*\).*/\1/p" | sort -n | uniq | wc -l)
            [ "$distinct" = $((want - seen)) ] ||
                fail "batch of $((want - seen)) holds $distinct distinct $param values"
        fi
        seen=$got
        kill -USR1 "$MOCK_PID"
    done
}
