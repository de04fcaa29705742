# conformance.bash: shared by the parquet_conformance_* tests (sourced after
# common.bash, not a test itself). Cases are JSON documents served byte for
# byte by the bundled server (--replay), pulled through sluice into
# .parquet, and checked by tests/conformance/check.mjs with three
# independent readers against the source records. Nothing is skipped
# silently: without node or the readers the test fails.
CONF_DIR="$SLUICE_SRC/tests/conformance"
command -v node >/dev/null ||
    fail "node not found: the Parquet conformance tests need Node.js 18+ (make deps installs it)"
[ -f "$CONF_DIR/node_modules/@duckdb/node-api/package.json" ] &&
    [ -f "$CONF_DIR/node_modules/parquet-wasm/package.json" ] &&
    [ -f "$CONF_DIR/node_modules/hyparquet-compressors/package.json" ] ||
    fail "Parquet readers not installed: run 'npm ci --prefix tests/conformance' (make test does)"
mkdir -p "$WORK/replay" "$WORK/expected"

# check ARGS...: tests/conformance/check.mjs; fails the test on a difference.
check() {
    node "$CONF_DIR/check.mjs" "$@" || fail "conformance: check.mjs $*"
}

# case_job NAME FROM TO [yaml lines...]: a job named NAME pulling $.r[*]
# from the server for the days FROM..TO (one window a day, in order) into
# out/NAME/part_<day>.parquet. Needs BASE (start_mock).
case_job() {
    local name=$1 from=$2 to=$3
    shift 3
    {
        echo "name: $name"
        echo "source:"
        echo "  url: $BASE"
        echo '  params: {start_date: "{start}", end_date: "{end}", api_key: "conformance-key"}'
        echo '  records: "$.r[*]"'
        echo "windows: {from: $from, to: $to, step: 1d}"
        echo "concurrency: 1"
        echo "output: {path: \"out/$name/part_{start}.parquet\"}"
        for line in "$@"; do echo "$line"; done
    } >"$name.yaml"
}

# pull NAME [--set ...]: runs the job NAME.yaml; it must succeed.
pull() {
    local name=$1
    shift
    expect_status 0 "$SLUICE_BIN" run "$name.yaml" "$@"
}

# The generator: `gen DAY` reads Python that sets `records` (a list) and
# writes replay/feed_DAY_DAY.json as {"r": records} plus
# expected/DAY.ndjson (the records, one per line, as sluice selects them).
gen() {
    local day=$1
    python3 - "$WORK/replay/feed_${day}_${day}.json" "$WORK/expected/$day.ndjson" \
        3<&0 <<'PY'
import json, os, sys
src = os.fdopen(3).read()
env = {}
exec(src, env)
records = env["records"]
doc, exp = sys.argv[1], sys.argv[2]
ascii_only = env.get("ascii_only", True)
with open(doc, "w", encoding="utf-8") as f:
    f.write('{"r":[')
    for i, r in enumerate(records):
        f.write(("," if i else "") + json.dumps(r, ensure_ascii=ascii_only,
                                                separators=(",", ":")))
    f.write("]}")
with open(exp, "w", encoding="utf-8") as f:
    for r in records:
        f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
PY
}
