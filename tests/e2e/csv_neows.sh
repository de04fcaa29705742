#!/usr/bin/env bash
# The CSV destination read back by two independent readers, Python's csv
# module and DuckDB's read_csv (tests/conformance/csv_rows.mjs), and
# compared value for value with the source records
# (tests/e2e/lib/csv_check.py):
#  1. the 314-window NeoWs pull (2020-01-01..2025-12-31, 7-day windows) to
#     .csv: 314 files, no temporary file left, every record once;
#  2. replayed responses whose strings hold quotes, commas, CR/LF newlines
#     and non-ASCII text, with empty strings, nulls, exact number literals
#     and nested values, over two windows where the second brings a new
#     column: it is appended, and the first file keeps its header; then the
#     same with output.csv.line_ending: crlf, byte for byte the LF files
#     with each row's end changed; with output.empty: skip, an empty window
#     is done without a file and not pulled again.
source "$(dirname "$0")/lib/common.bash"
CONF_DIR="$SLUICE_SRC/tests/conformance"
command -v node >/dev/null || fail "node not found: the CSV checks need Node.js 18+ (make deps installs it)"
[ -f "$CONF_DIR/node_modules/@duckdb/node-api/package.json" ] ||
    fail "DuckDB not installed: run 'npm ci --prefix tests/conformance' (make test does)"
CHECK="$E2E_LIB/csv_check.py"

# both_readers EXPECTED FILE...: Python's csv module, then DuckDB.
both_readers() {
    local exp=$1
    shift
    python3 "$CHECK" "$exp" csv "$@" || fail "csv module: $*"
    node "$CONF_DIR/csv_rows.mjs" "$@" >rows.ndjson || fail "duckdb read_csv failed: $*"
    python3 "$CHECK" "$exp" rows rows.ndjson || fail "duckdb: $*"
}

echo "== 314 NeoWs windows"
start_mock
write_job job.yaml "$BASE"
sed -i 's/\.ndjson"/.csv"/' job.yaml
expect_status 0 "$SLUICE_BIN" run job.yaml
n=$(find out -name 'neos_*.csv' | wc -l)
[ "$n" = 314 ] || fail "expected 314 files, got $n"
leftover=$(find out -name '.*' ! -name '.sluice-schema-neows.json' | wc -l)
[ "$leftover" = 0 ] || fail "temporary files left: $(find out -name '.*')"
grep -q '314 done, 0 failed of 314 windows' stderr.txt || fail "summary: $(cat stderr.txt)"
stop_mock
"$NEOWS_MOCK" --dump-records 2020-01-01 2025-12-31 | sed 's/DEMO_KEY/***/g' >expected.ndjson
[ "$(wc -l <expected.ndjson)" -gt 30000 ] || fail "too few source records"
both_readers expected.ndjson out/neos_*.csv
# the job's schema, shared with Parquet's machinery, is there for `sluice schema`
expect_status 0 "$SLUICE_BIN" schema job.yaml --json
grep -q '"name":"sentry_data"' stdout.txt || fail "sluice schema: $(head -c 300 stdout.txt)"

echo "== quotes, commas, newlines, unicode; a column added in a later window"
mkdir -p replay
cat >replay/feed_2020-01-01_2020-01-01.json <<'JSON'
{"element_count": 3, "near_earth_objects": {"2020-01-01": [
 {"id": "q1", "name": "say \"hi\", then\nleave\r\nnow", "u": "é ✓ 😀 \u2028 日本",
  "empty": "", "nil": null, "num": 1.50, "exp": -2.5E-3,
  "big": 123456789012345678901234567890, "t": true, "f": false,
  "nested": {"a": "x,\"y\"\n", "b": [1, 2.0, null, {"c": "ü"}]}, "list": [], "obj": {}},
 {"id": "q2", "name": ",", "u": "\"\"", "empty": null, "num": 0},
 {"id": "q3", "name": "", "u": " spaced ", "empty": "\"", "num": -0.0, "nested": "\r"}
]}}
JSON
cat >replay/feed_2020-01-02_2020-01-02.json <<'JSON'
{"element_count": 2, "near_earth_objects": {"2020-01-02": [
 {"later": "new, \"column\"", "id": "q4", "name": "n\n\n"},
 {"id": "q5", "t": false, "later": null, "nested": [[], {}]}
]}}
JSON
# The expected records are cut from the files' own text, with the day
# added as sluice adds it, so that number literals stay as written.
python3 - <<'PY' >tricky.ndjson
import json, re
out = []
for name in ["replay/feed_2020-01-01_2020-01-01.json", "replay/feed_2020-01-02_2020-01-02.json"]:
    text = open(name, encoding="utf-8").read()
    day = re.search(r'"(\d{4}-\d\d-\d\d)": \[', text).group(1)
    body = text[text.index("[", text.index(day)) + 1: text.rindex("]")]
    dec = json.JSONDecoder()
    i = 0
    while True:
        while i < len(body) and body[i] in " \n,":
            i += 1
        if i >= len(body):
            break
        _, end = dec.raw_decode(body, i)
        rec = body[i:end].strip()
        out.append(rec[:-1].rstrip() + ', "feed_date": "%s"}' % day)
        i = end
print("\n".join(r.replace("\n", " ") for r in out))
PY
[ "$(wc -l <tricky.ndjson)" = 5 ] || fail "tricky: $(cat tricky.ndjson)"
cat >replay/feed_2020-01-03_2020-01-03.json <<'JSON'
{"element_count": 0, "near_earth_objects": {"2020-01-03": []}}
JSON
start_mock --replay replay --any-key --log req.log
write_job tricky.yaml "$BASE"
sed -i 's/^name: neows/name: tricky/; s#out/neos_{start}_{end}.ndjson#tricky/t_{start}.csv#; s/to: 2025-12-31, step: 7d/to: 2020-01-02, step: 1d/; s/^concurrency: 8/concurrency: 1/' tricky.yaml
expect_status 0 "$SLUICE_BIN" run tricky.yaml
sed 's#^output: .*#output: {path: "crlf/t_{start}.csv", csv: {line_ending: crlf}}#; s/^name: tricky/name: tricky_crlf/' tricky.yaml >crlf.yaml
expect_status 0 "$SLUICE_BIN" run crlf.yaml
# output.empty: skip: the empty third day is done without a file, and a
# rerun does not pull it again for want of one
sed 's#^output: .*#output: {path: "skip/t_{start}.csv", empty: skip}#; s/^name: tricky/name: tricky_skip/; s/to: 2020-01-02/to: 2020-01-03/' tricky.yaml >skip.yaml
expect_status 0 "$SLUICE_BIN" run skip.yaml
[ "$(ls skip)" = "$(printf 't_2020-01-01.csv\nt_2020-01-02.csv')" ] || fail "skip: $(ls skip)"
before=$(wc -l <req.log)
expect_status 0 "$SLUICE_BIN" run skip.yaml
[ "$(wc -l <req.log)" = "$before" ] || fail "the rerun pulled again: $(tail -n 2 req.log)"
stop_mock
both_readers tricky.ndjson tricky/t_2020-01-01.csv tricky/t_2020-01-02.csv
both_readers tricky.ndjson crlf/t_2020-01-01.csv crlf/t_2020-01-02.csv
h1=$(head -n 1 tricky/t_2020-01-01.csv)
h2=$(head -n 1 tricky/t_2020-01-02.csv)
[ "$h2" = "$h1,\"later\"" ] || fail "the later column is not appended: '$h1' then '$h2'"
for d in 2020-01-01 2020-01-02; do
    python3 - "tricky/t_$d.csv" "crlf/t_$d.csv" <<'PY' || fail "crlf $d"
import csv, io, sys
lf, crlf = (open(p, "rb").read() for p in sys.argv[1:])
assert b"\r\n" in crlf and crlf != lf
# the same rows; each row ends in CRLF, newlines inside values are kept
rows = list(csv.reader(io.StringIO(lf.decode(), newline="")))
assert rows == list(csv.reader(io.StringIO(crlf.decode(), newline=""))), sys.argv
assert crlf.count(b"\r\n") >= len(rows) and crlf.endswith(b"\r\n")
assert lf.endswith(b"\n") and not lf.endswith(b"\r\n")
PY
done
echo "ok"
