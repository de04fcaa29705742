#!/usr/bin/env bash
# rate_learn.sh: how well sluice learns a rate limit that no header states
# (issue 14). neows-mock allows 50 requests/s through a token bucket holding
# 10 and answers 429 with no rate header and no Retry-After (--bare-limits,
# like Stripe or api.data.gov). The 314-window NeoWs job runs
#   nothing    with no rate_limit: sluice must learn the rate from the 429s
#   remembered the same again (--full-refresh): it starts from the rate the
#              first run stored in the ledger
#   configured with rate_limit: "50/second" (the ideal: told the limit)
# each RUNS times, the server restarted for every run (a full bucket, no
# counts carried over). Per row: requests, 429s and their share, wall time
# (median) and its ratio to the configured row. The aim (issue 14): at most
# 5% 429s with nothing configured, at most 1.3x the configured wall time.
# Not run by ctest; the numbers depend on the machine.
#
#   usage: bench/rate_learn.sh [--runs N] [--no-build]
#   env:   RUNS (3), CONCURRENCY (the job's: 4), FORMAT (ndjson), BUILD
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNS=${RUNS:-3}
FORMAT=${FORMAT:-ndjson}
CONCURRENCY=${CONCURRENCY:-}
BUILD_FIRST=1
while [[ $# -gt 0 ]]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --no-build) BUILD_FIRST=0; shift ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "bench: --runs must be a positive number" >&2; exit 2; }
bench_need python3 python3
[[ $BUILD_FIRST == 1 ]] && bench_build
[[ -x $SLUICE && -x $MOCK ]] || { echo "bench: $SLUICE or $MOCK missing" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-rate.XXXXXX")
trap 'bench_stop_mocks; rm -rf "$WORK"' EXIT

# One run: mode (nothing|remembered|configured), run number; appends
# "mode requests 429s seconds" to $WORK/rows.
one() {
    local mode=$1 k=$2 out=$WORK/$1-$2 extra=()
    [[ $mode == configured ]] && extra=(--set "rate_limit=50/second")
    [[ -n $CONCURRENCY ]] && extra+=(--set "concurrency=$CONCURRENCY")
    bench_start_mock --rate-limit 50/s --rate-burst 10 --bare-limits
    local cmd=("$SLUICE" run -q "$JOB" --set "source.url=$MOCK_URL"
        --set "windows.from=$FROM" --set "windows.to=$TO"
        --set "output.path=$out/neos_{start}_{end}.$FORMAT"
        --set "state=$WORK/state-$k.db" "${extra[@]}")
    if [[ $mode == nothing ]]; then
        rm -f "$WORK/state-$k.db"*
    elif [[ $mode == remembered ]]; then
        cmd+=(--full-refresh)
    else
        cmd+=(--set "state=$WORK/state-configured-$k.db")
    fi
    local t0 t1
    t0=$(date +%s.%N)
    "${cmd[@]}" --report "$WORK/report.json" >/dev/null
    t1=$(date +%s.%N)
    bench_stop_mocks
    python3 - "$WORK/report.json" "$mode" "$t0" "$t1" >>"$WORK/rows" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
assert s["done"] == 314 and s["failed"] == 0, s
print(sys.argv[2], s["requests"], s["responses_429"],
      float(sys.argv[4]) - float(sys.argv[3]), s.get("learned_rate", 0),
      s.get("learned_from", "-"))
PY
    rm -rf "$out"
}

: >"$WORK/rows"
for k in $(seq 1 "$RUNS"); do
    one nothing "$k"
    one remembered "$k"
    one configured "$k"
done

python3 - "$WORK/rows" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    m, req, n429, wall, rate, src = line.split()
    rows.setdefault(m, []).append((int(req), int(n429), float(wall),
                                   float(rate), src))
ideal = statistics.median(w for _, _, w, _, _ in rows["configured"])
print("| run | requests | 429s | 429 share | wall (median) | vs configured "
      "| learned rate at the end |")
print("|---|---|---|---|---|---|---|")
names = {"nothing": "nothing configured",
         "remembered": "nothing configured, from the remembered rate",
         "configured": 'rate_limit: "50/second"'}
for m in ("nothing", "remembered", "configured"):
    r = rows[m]
    req = sum(x[0] for x in r)
    n = sum(x[1] for x in r)
    wall = statistics.median(x[2] for x in r)
    rate = statistics.median(x[3] for x in r)
    print(f"| {names[m]} | {req / len(r):.0f} | {n / len(r):.1f} | "
          f"{n / req:.1%} | {wall:.2f} s | {wall / ideal:.2f}x | "
          f"{rate:.1f}/s ({r[-1][4]}) |")
print(f"\n{len(rows['nothing'])} runs each, 314 windows, neows-mock "
      "--rate-limit 50/s --rate-burst 10 --bare-limits")
PY
