#!/usr/bin/env bash
# Workers (the job's `workers:`, pipeline/committer.c): finished windows are
# committed (encoded, compressed, fsynced, renamed) on several threads at
# once, the job's schema file read and saved in turn, the windows reported
# in the order they were handed over.
# 1. `workers: 1` and `workers: 4` pull the same half year into Parquet:
#    every file, the schema file and the ledger's schema versions are
#    byte-identical, and the latest schema version is the schema file.
# 2. `workers: 4`, one window's final name taken by a folder: that window
#    alone fails (its error names it), the others are done and in place.
# 3. `--set workers=0` and `workers: x` are refused at load, naming the
#    field.
source "$(dirname "$0")/lib/common.bash"
start_mock

pull() { # dir workers
    mkdir -p "$1"
    write_job "$1/job.yaml" "$BASE" \
        "columns:" \
        "  close_approach_data[].relative_velocity.kilometers_per_second: double" \
        "workers: $2"
    sed -i 's/\.ndjson"/.parquet"/; s/to: 2025-12-31/to: 2020-06-30/' "$1/job.yaml"
    (cd "$1" && expect_status 0 "$SLUICE_BIN" run job.yaml --report report.json)
}
pull w1 1
pull w4 4
n=$(find w4/out -name 'neos_*.parquet' | wc -l)
[ "$n" = 26 ] || fail "workers 4: expected 26 files, got $n"
for f in w1/out/neos_*.parquet w1/out/.sluice-schema-neows.json; do
    cmp -s "$f" "w4/out/${f#w1/out/}" || fail "workers 1 and 4 differ: ${f#w1/out/}"
done
leftover=$(find w4/out -name '.*' ! -name '.sluice-schema-neows.json' | wc -l)
[ "$leftover" = 0 ] || fail "temporary files left: $leftover"
for d in w1 w4; do
    python3 - "$d" <<'PY'
import json, sqlite3, sys
d = sys.argv[1]
db = sqlite3.connect(f"file:{d}/.sluice/neows.db?mode=ro", uri=True)
rows = db.execute("SELECT version, schema FROM schema_versions ORDER BY version").fetchall()
assert rows, "no schema version"
assert rows[-1][1] == open(f"{d}/out/.sluice-schema-neows.json").read(), \
    f"{d}: the ledger's latest schema is not the schema file"
r = json.load(open(f"{d}/report.json"))
assert len(r["windows"]) == 26 and all(w["status"] == "done" for w in r["windows"]), d
PY
done

# 2. one window's commit fails (its final name is a non-empty folder)
mkdir -p bad
write_job bad/job.yaml "$BASE" "workers: 4"
sed -i 's/\.ndjson"/.parquet"/; s/to: 2025-12-31/to: 2020-06-30/' bad/job.yaml
mkdir -p bad/out/neos_2020-02-05_2020-02-11.parquet/keep
(cd bad && expect_status 1 "$SLUICE_BIN" run job.yaml --report report.json)
python3 - <<'PY'
import json
r = json.load(open("bad/report.json"))
failed = [w for w in r["windows"] if w["status"] != "done"]
assert len(r["windows"]) == 26, len(r["windows"])
assert [w["start"] for w in failed] == ["2020-02-05"], failed
assert "neos_2020-02-05_2020-02-11.parquet" in failed[0]["error"], failed[0]["error"]
PY
n=$(find bad/out -maxdepth 1 -type f -name 'neos_*.parquet' | wc -l)
[ "$n" = 25 ] || fail "expected the 25 other files, got $n"

# 3. the field's values
expect_status 2 "$SLUICE_BIN" plan w1/job.yaml --set workers=0
grep -q 'workers' "$WORK/stderr.txt" || fail "workers=0: no error naming the field"
expect_status 2 "$SLUICE_BIN" plan w1/job.yaml --set workers=x
grep -q "workers.*'x'" "$WORK/stderr.txt" || fail "workers=x: no error naming the value"
expect_status 0 "$SLUICE_BIN" plan -q w1/job.yaml --set workers=auto
echo "workers: OK"
