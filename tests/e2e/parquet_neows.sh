#!/usr/bin/env bash
# NeoWs into Parquet: half a year of 7-day windows from the bundled server,
# each file read back with `sluice cat` and compared with the records the
# server generated, value by value (a field missing from a record reads
# back as null: Parquet cannot tell the two apart). Declared types convert
# NeoWs' decimal strings; the job's schema file is shared by every file.
source "$(dirname "$0")/lib/common.bash"
start_mock
write_job job.yaml "$BASE" \
    "columns:" \
    "  close_approach_data[].relative_velocity.kilometers_per_second: double" \
    "  close_approach_data[].epoch_date_close_approach: timestamp_ms"
sed -i 's/\.ndjson"/.parquet"/; s/to: 2025-12-31/to: 2020-06-30/' job.yaml
expect_status 0 "$SLUICE_BIN" run job.yaml --report report.json

n=$(find out -name 'neos_*.parquet' | wc -l)
[ "$n" = 26 ] || fail "expected 26 files, got $n"
[ -f out/.sluice-schema-neows.json ] || fail "no schema file"
leftover=$(find out -name '.*' ! -name '.sluice-schema-neows.json' | wc -l)
[ "$leftover" = 0 ] || fail "temporary files left: $leftover"
for f in out/neos_*.parquet; do
    head -c 4 "$f" | grep -q PAR1 || fail "$f: no PAR1 magic"
    "$SLUICE_BIN" cat "$f" >>got.ndjson || fail "sluice cat $f"
done

"$NEOWS_MOCK" --dump-records 2020-01-01 2020-06-30 | sed 's/DEMO_KEY/***/g' >expected.ndjson
python3 - <<'PY'
import collections, datetime, json, sys

DECLARED = ("kilometers_per_second", "epoch_date_close_approach")

def norm(v, key=None):
    if isinstance(v, dict):
        return {k: norm(x, k) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if key == "kilometers_per_second" and isinstance(v, str):
        return float(v)
    if key == "epoch_date_close_approach" and isinstance(v, int):
        t = datetime.datetime.fromtimestamp(v / 1000, datetime.timezone.utc)
        return t.strftime("%Y-%m-%dT%H:%M:%SZ") if v % 1000 == 0 else t.isoformat()
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return v

def load(path):
    c = collections.Counter()
    for line in open(path, encoding="utf-8"):
        if line.strip():
            c[json.dumps(norm(json.loads(line)), sort_keys=True)] += 1
    return c

want, got = load("expected.ndjson"), load("got.ndjson")
if want != got:
    print("records differ:", sum((want - got).values()), "missing,",
          sum((got - want).values()), "unexpected", file=sys.stderr)
    for r in list(want - got)[:1]: print("  missing:", r[:400], file=sys.stderr)
    for r in list(got - want)[:1]: print("  unexpected:", r[:400], file=sys.stderr)
    sys.exit(1)
rows = sum(want.values())
r = json.load(open("report.json"))
assert sum(w["rows"] for w in r["windows"]) == rows, "report rows"
schema = json.load(open("out/.sluice-schema-neows.json"))
names = [f["name"] for f in schema["fields"]]
assert "feed_date" in names and "close_approach_data" in names, names
print(rows, "records match")
PY
# a second run rewrites the same files with the same schema version
v1=$(python3 -c 'import json;print(json.load(open("out/.sluice-schema-neows.json"))["version"])')
expect_status 0 "$SLUICE_BIN" run job.yaml
v2=$(python3 -c 'import json;print(json.load(open("out/.sluice-schema-neows.json"))["version"])')
[ "$v1" = "$v2" ] || fail "schema version moved on an identical rerun: $v1 -> $v2"

# The ledger keeps the job's schema versions: its latest is the schema file.
python3 - <<'PY'
import sqlite3
db = sqlite3.connect("file:.sluice/neows.db?mode=ro", uri=True)
rows = db.execute("SELECT version, schema FROM schema_versions ORDER BY version").fetchall()
assert rows, "no schema version in the ledger"
assert rows[-1][1] == open("out/.sluice-schema-neows.json").read(), "ledger schema differs from the file"
print(len(rows), "schema versions in the ledger")
PY
echo "ok"
