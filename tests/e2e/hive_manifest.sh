#!/usr/bin/env bash
# Hive-style layouts and the run manifest, locally:
#  1. daily NeoWs windows to lake/neos/year={start:%Y}/month={start:%m}/
#     {start}.parquet, read by DuckDB with hive_partitioning = true
#     (tests/conformance/hive_rows.mjs): year and month are columns taken
#     from the folders (integers), every row's feed_date lies in its
#     partition's month, and the rows add up to what sluice wrote;
#  2. output.manifest: true: the run's manifest, in lake/neos/_manifests/,
#     lists every file written (path, rows, bytes, partition, schema
#     version), each path a file that exists with those bytes; no
#     temporary file is left beside it; DuckDB's glob does not see it;
#  3. a rerun with nothing due writes a manifest listing no file, and a
#     --full-refresh of one window (--window) a manifest listing that one;
#     examples/neows_hive.yaml loads with its partition folders.
source "$(dirname "$0")/lib/common.bash"
CONF_DIR="$SLUICE_SRC/tests/conformance"
command -v node >/dev/null || fail "node not found (make deps installs it)"
[ -f "$CONF_DIR/node_modules/@duckdb/node-api/package.json" ] ||
    fail "DuckDB not installed: run 'npm ci --prefix tests/conformance' (make test does)"

start_mock
write_job job.yaml "$BASE"
sed -i 's#^output: .*#output: {path: "lake/neos/year={start:%Y}/month={start:%m}/{start}.parquet", manifest: true}#; s/to: 2025-12-31, step: 7d/to: 2020-03-31, step: 1d/' job.yaml
expect_status 0 "$SLUICE_BIN" run job.yaml -v --report report.json
grep -q '91 done, 0 failed of 91 windows' stderr.txt || fail "summary: $(tail -2 stderr.txt)"
[ "$(find lake/neos/year=2020 -name '*.parquet' | wc -l)" = 91 ] || fail "files: $(find lake | head)"
[ -d lake/neos/year=2020/month=02 ] || fail "no month=02 folder: $(ls lake/neos/year=2020)"
rows=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["rows"])' report.json)

echo "== DuckDB reads the layout with hive_partitioning"
node "$CONF_DIR/hive_rows.mjs" 'lake/neos/**/*.parquet' >parts.ndjson || fail "duckdb failed"
python3 - parts.ndjson "$rows" <<'PY' || fail "partitions: $(cat parts.ndjson)"
import json, sys
parts = [json.loads(l) for l in open(sys.argv[1])]
# (DuckDB's JSON rows give BIGINTs as strings: its typeof says the type.)
assert [(int(p["year"]), int(p["month"])) for p in parts] == [(2020, 1), (2020, 2), (2020, 3)], parts
for p in parts:
    assert p["year_type"] == "BIGINT", p
    for d in (p["lo"], p["hi"]):
        assert d[:7] == "%04d-%02d" % (int(p["year"]), int(p["month"])), p
assert sum(int(p["n"]) for p in parts) == int(sys.argv[2]), (parts, sys.argv[2])
PY

echo "== the manifest lists what the run wrote"
ls lake/neos/_manifests/neows-*-1.json >/dev/null || fail "no manifest: $(ls -a lake/neos)"
[ -z "$(find lake -name '.*sluice-tmp*')" ] || fail "temporary files left: $(find lake -name '.*sluice-tmp*')"
check_manifest() { # FILE WANT_FILES WANT_ROWS
    python3 - "$@" <<'PY'
import json, os, sys
m = json.load(open(sys.argv[1]))
files = m["files"]
assert m["job"] == "neows" and m["format"] == "parquet" and m["outcome"] == "done", m
assert len(files) == int(sys.argv[2]), len(files)
assert sum(f["rows"] for f in files) == int(sys.argv[3]), sum(f["rows"] for f in files)
for f in files:
    s = f["partition"]["start"]
    assert f["path"] == "lake/neos/year=%s/month=%s/%s.parquet" % (s[:4], s[5:7], s), f
    assert os.path.getsize(f["path"]) == f["bytes"], f
    assert f["partition"]["end"] == s, f
    assert isinstance(f["schema_version"], int) and f["schema_version"] >= 1, f
PY
}
check_manifest lake/neos/_manifests/neows-*-1.json 91 "$rows" || fail "manifest 1: $(head -c 400 lake/neos/_manifests/neows-*-1.json)"

echo "== nothing due: a manifest of no file; one window again: of that one"
expect_status 0 "$SLUICE_BIN" run job.yaml
check_manifest lake/neos/_manifests/neows-*-2.json 0 0 || fail "manifest 2: $(cat lake/neos/_manifests/neows-*-2.json)"
expect_status 0 "$SLUICE_BIN" run job.yaml --full-refresh --window 2020-02-10 --report r3.json
r3=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["rows"])' r3.json)
check_manifest lake/neos/_manifests/neows-*-3.json 1 "$r3" || fail "manifest 3: $(cat lake/neos/_manifests/neows-*-3.json)"
grep -q '"start":"2020-02-10"' lake/neos/_manifests/neows-*-3.json || fail "manifest 3 names another window"
node "$CONF_DIR/hive_rows.mjs" 'lake/neos/**/*.parquet' >parts2.ndjson || fail "duckdb failed after the manifests"
cmp -s parts.ndjson parts2.ndjson || fail "the manifests changed what DuckDB reads"
# the example job of this layout loads, with its partition folders
expect_status 0 "$SLUICE_BIN" plan "$SLUICE_SRC/examples/neows_hive.yaml" --limit 1
grep -q '	data/hive/year=2020/month=01/neos_2020-01-01.parquet	2020-01-01$' stdout.txt || fail "example: $(cat stdout.txt)"
echo "ok"
