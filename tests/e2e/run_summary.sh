#!/usr/bin/env bash
# What `sluice run` says at the end.
#  - Values that did not convert to their declared type (on_bad_value: null,
#    the default) are in the summary: a Parquet job declaring `name: double`
#    (every NeoWs name is text like "2000433 (2002 AB)") counts one bad value
#    per record; stderr's summary names that count and the report's summary
#    holds it, equal to the sum of the windows' bad_values.
#  - A run the ledger refuses (the job's step edited: exit 3) made no request
#    and prints no "0 done" summary, only the reason.
source "$(dirname "$0")/lib/common.bash"
start_mock --log "$WORK/mock.log"
cat >job.yaml <<YAML
name: bad
source:
  url: $BASE
  params: {start_date: "{start}", end_date: "{end}", api_key: DEMO_KEY}
  records: "\$.near_earth_objects.*[*]"
windows: {from: 2020-01-01, to: 2020-01-14, step: 7d}
output: {path: "out/{start}.parquet"}
columns:
  name: double
YAML
expect_status 0 "$SLUICE_BIN" run job.yaml --report report.json
n=$(python3 - <<'PY'
import json
r = json.load(open("report.json"))
s, w = r["summary"], r["windows"]
assert s["done"] == 2 and s["failed"] == 0, s
bad = sum(x["bad_values"] for x in w)
assert bad == s["rows"] > 0, (bad, s)   # one per record: every name is text
assert s.get("bad_values") == bad, ("report summary", s.get("bad_values"), bad)
print(bad)
PY
) || fail "report: bad values not summed"
grep -q "sluice: $n values did not convert to their declared type" stderr.txt ||
    { cat stderr.txt >&2; fail "the summary does not say $n bad values"; }
grep -q "on_bad_value" stderr.txt || fail "the summary does not name on_bad_value"

requests=$(wc -l <mock.log)
sed -i 's/step: 7d/step: 1d/' job.yaml
expect_status 3 "$SLUICE_BIN" run job.yaml
grep -q "changed since its ledger" stderr.txt || fail "no reason for the refusal"
if grep -q " done, " stderr.txt; then
    cat stderr.txt >&2
    fail "a refused run printed a summary"
fi
[ "$(wc -l <mock.log)" = "$requests" ] || fail "the refused run made requests"
echo "ok: $n bad values summarised; the refusal printed no summary"
