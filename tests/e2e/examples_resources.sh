#!/usr/bin/env bash
# The examples of several resources (examples/resources.yaml) and of
# fan-out (examples/github_fanout.yaml) pull against the bundled server as
# their comments say: resources.yaml's 4 region weeks and 3 id ranges, each
# asked once, each file its records, keys under resource=; the fan-out's
# organisation (GitHub-shaped: /orgs/curl/repos, a JSON array) then one
# request per repository, and a rerun with --resource issues asks nothing.
source "$(dirname "$0")/lib/common.bash"
export GITHUB_TOKEN="ExGh-$RANDOM$RANDOM-f5"
# /bearer/...: the same endpoints behind a bearer token (mock_auth.c)
start_mock --log "$WORK/mock.log" --auth-bearer "$GITHUB_TOKEN"
export API_BASE="http://127.0.0.1:$PORT"

expect_status 0 "$SLUICE_BIN" run "$SLUICE_SRC/examples/resources.yaml" \
    --set "state=$WORK/state/resources.db" --report r.json
[ "$(wc -l <"$WORK/mock.log")" = 7 ] || fail "resources: $(cat "$WORK/mock.log")"
python3 - <<'PY' || fail "resources: see above"
import json, os
regions = {"us-east": "us-east", "eu-west": "eu-west"}
for r in regions:
    n = 3 + sum(r.encode()) % 4
    for s in ("2020-01-06", "2020-01-13"):
        recs = [json.loads(l) for l in open(f"data/resources/regions/{r}/{s}.ndjson")]
        assert recs == [{"region": r, "n": k, "start": s} for k in range(n)], recs
for lo, hi in ((1, 100), (101, 200), (201, 250)):
    ids = [json.loads(l)["id"] for l in open(f"data/resources/ids/{lo}-{hi}.ndjson")]
    assert ids == list(range(lo, hi + 1)), ids
keys = sorted(w["key"] for w in json.load(open("r.json"))["windows"])
assert keys == sorted([f"resource=regions/region={r}/{s}" for r in regions
                       for s in ("2020-01-06", "2020-01-13")] +
                      ["resource=ids/lo=1,hi=100", "resource=ids/lo=101,hi=200",
                       "resource=ids/lo=201,hi=250"]), keys
PY

: >"$WORK/mock.log"
export API_BASE="http://127.0.0.1:$PORT/bearer"
expect_status 0 "$SLUICE_BIN" run "$SLUICE_SRC/examples/github_fanout.yaml" \
    --set "state=$WORK/state/fanout.db"
[ "$(grep -c ' GET /bearer/orgs/curl/repos?per_page=100 200$' "$WORK/mock.log")" = 1 ] ||
    fail "fanout: $(cat "$WORK/mock.log")"
[ "$(grep -c ' GET /bearer/repos/curl/repo-[0-9]*/issues?per_page=100&state=open 200$' "$WORK/mock.log")" = 50 ] ||
    fail "fanout: $(cat "$WORK/mock.log")"
[ "$(awk '{print $3}' "$WORK/mock.log" | sort | uniq -d)" = "" ] || fail "fanout: a path asked twice"
[ "$(find data/github_fanout/issues -name '*.ndjson' | wc -l)" = 50 ] || fail "fanout: not 50 child files"
grep -qxF '{"repo":"curl/repo-7","n":0}' data/github_fanout/issues/curl%2Frepo-7.ndjson ||
    fail "fanout: $(cat data/github_fanout/issues/curl%2Frepo-7.ndjson)"
: >"$WORK/mock.log"
expect_status 0 "$SLUICE_BIN" run "$SLUICE_SRC/examples/github_fanout.yaml" \
    --set "state=$WORK/state/fanout.db" --resource issues
[ ! -s "$WORK/mock.log" ] || fail "fanout rerun asked: $(cat "$WORK/mock.log")"
grep -rlaF -- "$GITHUB_TOKEN" data "$WORK/stdout.txt" "$WORK/stderr.txt" "$WORK/state" &&
    fail "the token leaked"
echo ok
