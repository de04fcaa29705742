#!/usr/bin/env bash
# Partitions beyond dates, against the bundled server's /regions/R/items
# and /ids endpoints (tests/mock/mock_parts.c), the server's request log
# saying exactly what each run asked for:
#  - values x weekly windows: `plan` lists the 6 partitions with their keys;
#    a run asks each partition's URL once and writes each partition's
#    records, exactly, to its own file; a rerun asks nothing;
#  - a later windows.to re-pulls every group's clipped last window (its old
#    file gone), and lookback every group's recent windows;
#  - a partition failed by a 400 is reported by its key (summary, status,
#    status --json) and the next run asks for it alone;
#  - --partition KEY pulls exactly what the key selects (a group's windows,
#    or one window of it), --window that window of every group, and a key
#    that names nothing is a usage error;
#  - values_from a file, without windows: one request and file per value;
#  - an id range in steps (the last one shorter): each id pulled once;
#  - a job with neither: one partition, key "all";
#  - source.method: POST with a templated JSON body: one POST per
#    partition, its body JSON with each value escaped inside strings and
#    written as is outside them, sent as application/json.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"

start_mock --log req.log
URL="http://127.0.0.1:$PORT"

# asked FROM_LINE: the paths and queries logged from that line on, sorted.
asked() {
    tail -n +"$1" req.log | awk '{print $3}' | sed 's/[?&]api_key=[^&]*//' | sort
}

cat >regions.yaml <<EOF2
name: regions
source:
  url: "$URL/regions/{region}/items"
  params: {start_date: "{start}", api_key: DEMO_KEY}
  records: "\$.items[*]"
partitions: {values: [us-east, eu-west, "ap south"], as: region}
windows: {from: 2020-01-01, to: 2020-01-14, step: 7d}
concurrency: 4
output: {path: "out/{region}/{start}.ndjson"}
EOF2

# ---- plan --------------------------------------------------------------------
expect_status 0 "$SLUICE_BIN" plan regions.yaml
[ "$(wc -l <stdout.txt)" = 6 ] || fail "plan: $(cat stdout.txt)"
head -n 1 stdout.txt | grep -qxF "0	2020-01-01	2020-01-07	$URL/regions/us-east/items?start_date=2020-01-01&api_key=***	out/us-east/2020-01-01.ndjson	region=us-east/2020-01-01" ||
    fail "plan line 0: $(head -n 1 stdout.txt)"
tail -n 1 stdout.txt | grep -qxF "5	2020-01-08	2020-01-14	$URL/regions/ap%20south/items?start_date=2020-01-08&api_key=***	out/ap%20south/2020-01-08.ndjson	region=ap%20south/2020-01-08" ||
    fail "plan line 5: $(tail -n 1 stdout.txt)"
grep -q 'regions: 6 partitions (of 6)' stderr.txt || fail "plan summary: $(cat stderr.txt)"
[ "$(log_count req.log)" = 0 ] || fail "plan made a request"

# ---- a run asks each partition once, each file holds its records -------------
expect_status 0 "$SLUICE_BIN" run regions.yaml --report report.json
asked 1 >got.txt
cat >want.txt <<EOF2
/regions/ap%20south/items?start_date=2020-01-01
/regions/ap%20south/items?start_date=2020-01-08
/regions/eu-west/items?start_date=2020-01-01
/regions/eu-west/items?start_date=2020-01-08
/regions/us-east/items?start_date=2020-01-01
/regions/us-east/items?start_date=2020-01-08
EOF2
diff -u want.txt got.txt || fail "first run asked otherwise"
python3 - <<'PY'
import json, os
regions = ["us-east", "eu-west", "ap south"]
esc = {"us-east": "us-east", "eu-west": "eu-west", "ap south": "ap%20south"}
files = sorted(os.path.join(d, f) for d, _, fs in os.walk("out") for f in fs)
want = sorted(f"out/{esc[r]}/{s}.ndjson" for r in regions
              for s in ("2020-01-01", "2020-01-08"))
assert files == want, files
for r in regions:
    n = 3 + sum(r.encode()) % 4
    for s in ("2020-01-01", "2020-01-08"):
        recs = [json.loads(l) for l in open(f"out/{esc[r]}/{s}.ndjson")]
        assert recs == [{"region": r, "n": k, "start": s} for k in range(n)], recs
rep = json.load(open("report.json"))
keys = sorted(w["key"] for w in rep["windows"])
assert keys == sorted(f"region={esc[r]}/{s}" for r in regions
                      for s in ("2020-01-01", "2020-01-08")), keys
assert all(w["status"] == "done" for w in rep["windows"]), rep
PY

expect_status 0 "$SLUICE_BIN" status regions.yaml
grep -qxF 'done through: 2020-01-14' stdout.txt || fail "status: $(cat stdout.txt)"
grep -qxF 'windows: 6 done, 0 failed, 0 pending (6 planned now)' stdout.txt || fail "status: $(cat stdout.txt)"

# ---- a rerun asks nothing ----------------------------------------------------
n=$(log_count req.log)
expect_status 0 "$SLUICE_BIN" run regions.yaml
[ "$(log_count req.log)" = "$n" ] || fail "rerun asked: $(asked $((n + 1)))"

# ---- a later `to` and lookback apply to every group's windows -----------------
sed -e 's/^name: regions/name: moving/' -e 's/to: 2020-01-14/to: 2020-01-10/' \
    -e 's|out/{region}/{start}.ndjson|out6/{region}/{start}_{end}.ndjson|' regions.yaml >moving.yaml
m=$(log_count req.log)
expect_status 0 "$SLUICE_BIN" run moving.yaml
[ "$(($(log_count req.log) - m))" = 6 ] || fail "moving: first run asked $(asked $((m + 1)))"
m=$(log_count req.log)
expect_status 0 "$SLUICE_BIN" run moving.yaml --set windows.to=2020-01-14
asked $((m + 1)) >got.txt
printf '%s\n' '/regions/ap%20south/items?start_date=2020-01-08' \
    /regions/eu-west/items?start_date=2020-01-08 /regions/us-east/items?start_date=2020-01-08 >want.txt
diff -u want.txt got.txt || fail "a later to asked otherwise"
for r in us-east eu-west 'ap%20south'; do
    [ ! -e "out6/$r/2020-01-08_2020-01-10.ndjson" ] || fail "$r: the old extent's file stayed"
    [ -s "out6/$r/2020-01-08_2020-01-14.ndjson" ] || fail "$r: no file for the new extent"
done
m=$(log_count req.log)
expect_status 0 "$SLUICE_BIN" run moving.yaml --set windows.to=2020-01-14 --set lookback=3d
asked $((m + 1)) >got.txt
diff -u want.txt got.txt || fail "lookback asked otherwise"

# ---- --partition -------------------------------------------------------------
n=$(log_count req.log)
expect_status 0 "$SLUICE_BIN" run regions.yaml --partition region=eu-west
asked $((n + 1)) >got.txt
printf '%s\n' /regions/eu-west/items?start_date=2020-01-01 \
    /regions/eu-west/items?start_date=2020-01-08 >want.txt
diff -u want.txt got.txt || fail "--partition region=eu-west asked otherwise"
n=$(log_count req.log)
expect_status 0 "$SLUICE_BIN" run regions.yaml --partition 'region=ap%20south/2020-01-10'
asked $((n + 1)) >got.txt
echo '/regions/ap%20south/items?start_date=2020-01-08' >want.txt
diff -u want.txt got.txt || fail "--partition of one window asked otherwise"
# --window alone: that window of every group
n=$(log_count req.log)
expect_status 0 "$SLUICE_BIN" run regions.yaml --window 2020-01-09
asked $((n + 1)) >got.txt
printf '%s\n' '/regions/ap%20south/items?start_date=2020-01-08' \
    /regions/eu-west/items?start_date=2020-01-08 /regions/us-east/items?start_date=2020-01-08 >want.txt
diff -u want.txt got.txt || fail "--window asked otherwise"
n=$(log_count req.log)
expect_status 2 "$SLUICE_BIN" run regions.yaml --partition region=mars
grep -qF "region=mars' is no value of the job" stderr.txt || fail "bad key: $(cat stderr.txt)"
[ "$(log_count req.log)" = "$n" ] || fail "a refused --partition asked"

# ---- a failed partition, and only it, is pulled again --------------------------
start_another_mock faulty --log faulty.log --fault '400@nth=3'
sed -e "s|127.0.0.1:$PORT|127.0.0.1:$faulty_PORT|" -e 's/^name: regions/name: faulty/' \
    -e 's/concurrency: 4/concurrency: 1/' -e 's|out/|out-f/|' regions.yaml >faulty.yaml
expect_status 1 "$SLUICE_BIN" run faulty.yaml
grep -qF 'region=us-east/2020-01-08  HTTP 400' stderr.txt && fail "wrong partition failed"
# concurrency 1: the third request is the third partition, eu-west's first week
grep -qF '  region=eu-west/2020-01-01  HTTP 400: Date Format Exception' stderr.txt ||
    fail "summary does not name the failed partition: $(cat stderr.txt)"
expect_status 0 "$SLUICE_BIN" status faulty.yaml
grep -qF 'windows: 5 done, 1 failed, 0 pending (6 planned now)' stdout.txt || fail "status: $(cat stdout.txt)"
# done through is every group's: eu-west's first week failed
grep -qxF 'done through: (nothing yet)' stdout.txt || fail "status: $(cat stdout.txt)"
grep -qF '  region=eu-west/2020-01-01  (1 attempt)  HTTP 400' stdout.txt || fail "status failure: $(cat stdout.txt)"
expect_status 0 "$SLUICE_BIN" status faulty.yaml --json
python3 -c '
import json, sys
s = json.load(open("stdout.txt"))
assert [f["key"] for f in s["failures"]] == ["region=eu-west/2020-01-01"], s
assert s["done"] == 5 and s["failed"] == 1, s
'
[ ! -e out-f/eu-west/2020-01-01.ndjson ] || fail "the failed partition has a file"
m=$(log_count faulty.log)
expect_status 0 "$SLUICE_BIN" run faulty.yaml
tail -n +$((m + 1)) faulty.log | awk '{print $3}' | sed 's/&api_key=.*//' >got.txt
echo '/regions/eu-west/items?start_date=2020-01-01' >want.txt
diff -u want.txt got.txt || fail "the rerun asked otherwise"
[ -s out-f/eu-west/2020-01-01.ndjson ] || fail "the failed partition has no file after the rerun"
stop_another_mock faulty

# ---- values_from, no windows --------------------------------------------------
printf '# one region a line\nnorth\n\nsouth\n' >regions.txt
cat >byregion.yaml <<EOF2
name: byregion
source:
  url: "$URL/regions/{region}/items"
  params: {api_key: DEMO_KEY}
  records: "\$.items[*]"
partitions: {values_from: regions.txt, as: region}
output: {path: "out2/{region}.ndjson"}
EOF2
n=$(log_count req.log)
expect_status 0 "$SLUICE_BIN" run byregion.yaml
asked $((n + 1)) >got.txt
printf '%s\n' /regions/north/items /regions/south/items >want.txt
diff -u want.txt got.txt || fail "values_from asked otherwise"
[ "$(wc -l <out2/north.ndjson)" = $((3 + $(printf north | od -An -tu1 | tr -s ' ' '\n' | awk '{s+=$1} END {print s}') % 4)) ] ||
    fail "north's file: $(cat out2/north.ndjson)"
expect_status 0 "$SLUICE_BIN" plan byregion.yaml
cut -f 6 stdout.txt | tr '\n' ' ' | grep -qx 'region=north region=south ' || fail "keys: $(cat stdout.txt)"
n=$(log_count req.log)
expect_status 0 "$SLUICE_BIN" run byregion.yaml
[ "$(log_count req.log)" = "$n" ] || fail "values_from rerun asked"

# ---- id ranges ---------------------------------------------------------------
cat >ids.yaml <<EOF2
name: ids
source:
  url: "$URL/ids"
  params: {lo: "{lo}", hi: "{hi}", api_key: DEMO_KEY}
  records: "\$.items[*]"
partitions: {range: {from: 1, to: 25, step: 10}, as: [lo, hi]}
output: {path: "out3/ids_{lo}_{hi}.ndjson"}
EOF2
n=$(log_count req.log)
expect_status 0 "$SLUICE_BIN" run ids.yaml
asked $((n + 1)) >got.txt
printf '%s\n' '/ids?lo=1&hi=10' '/ids?lo=11&hi=20' '/ids?lo=21&hi=25' >want.txt
diff -u want.txt got.txt || fail "ranges asked otherwise"
python3 - <<'PY'
import json
ids = []
for lo, hi in ((1, 10), (11, 20), (21, 25)):
    recs = [json.loads(l)["id"] for l in open(f"out3/ids_{lo}_{hi}.ndjson")]
    assert recs == list(range(lo, hi + 1)), (lo, hi, recs)
    ids += recs
assert sorted(ids) == list(range(1, 26)), ids
PY

# ---- neither windows nor partitions: one partition -----------------------------
cat >one.yaml <<EOF2
name: one
source: {url: "$URL/ids", params: {lo: 7, hi: 9, api_key: DEMO_KEY}, records: "\$.items[*]"}
output: {path: out4/all.ndjson}
EOF2
expect_status 0 "$SLUICE_BIN" plan one.yaml
cut -f 5,6 stdout.txt | grep -qx 'out4/all.ndjson	all' || fail "one partition: $(cat stdout.txt)"
n=$(log_count req.log)
expect_status 0 "$SLUICE_BIN" run one.yaml
[ "$(log_count req.log)" = $((n + 1)) ] || fail "one partition: $(asked $((n + 1)))"
[ "$(wc -l <out4/all.ndjson)" = 3 ] || fail "out4/all.ndjson: $(cat out4/all.ndjson)"
expect_status 0 "$SLUICE_BIN" run one.yaml
[ "$(log_count req.log)" = $((n + 1)) ] || fail "one partition rerun asked"

# ---- POST with a JSON body -----------------------------------------------------
cat >post.yaml <<'EOF2'
name: post
source:
  url: "URL/search"
  method: POST
  body: '{"query": {"region": "{region}", "ids": [{lo}, {hi}]}, "note": "{} \"x\""}'
  headers: {X-Api-Key: DEMO_KEY}
  records: "$.items[*]"
partitions:
  - {values: ['say "hi" \ bye', plain], as: region}
  - {range: {from: 1, to: 20, step: 10}, as: [lo, hi]}
output: {path: "out5/{partition}.ndjson"}
EOF2
sed -i "s|URL/search|$URL/search|" post.yaml
n=$(log_count req.log)
expect_status 0 "$SLUICE_BIN" run post.yaml
[ "$(tail -n +$((n + 1)) req.log | awk '{print $2, $3}' | sort | uniq -c | awk '{print $1, $2, $3}')" = "4 POST /search" ] ||
    fail "POSTs: $(tail -n +$((n + 1)) req.log)"
python3 - <<'PY'
import glob, json
got = {}
for f in glob.glob("out5/**/*.ndjson", recursive=True):
    (rec,) = [json.loads(l) for l in open(f)]
    assert rec["content_type"] == "application/json", rec
    body = json.loads(rec["body"])
    got[(body["query"]["region"], tuple(body["query"]["ids"]))] = f
    assert body["note"] == '{} "x"', body
want = {(r, ids) for r in ('say "hi" \\ bye', "plain") for ids in ((1, 10), (11, 20))}
assert set(got) == want, (sorted(got), sorted(want))
assert got[("plain", (11, 20))] == "out5/region=plain/lo=11,hi=20.ndjson", got
PY
n=$(log_count req.log)
expect_status 0 "$SLUICE_BIN" run post.yaml
[ "$(log_count req.log)" = "$n" ] || fail "POST rerun asked"

# ---- the examples, against this server ------------------------------------------
mkdir ex && cp "$SLUICE_SRC"/examples/{regions.yaml,regions.txt,id_ranges.yaml,search_post.yaml} ex/
cd ex
export API_BASE=$URL
n=$(log_count ../req.log)
for j in regions id_ranges search_post; do
    expect_status 0 "$SLUICE_BIN" run $j.yaml
done
# 3 regions x 3 weeks, 25 ranges, 2 tiers x 3 ranges
[ "$(($(log_count ../req.log) - n))" = $((9 + 25 + 6)) ] || fail "examples made $(($(log_count ../req.log) - n)) requests"
[ "$(find data/regions -name '*.ndjson' | wc -l)" = 9 ] || fail "regions: $(find data/regions)"
[ "$(cat data/ids/*.ndjson | wc -l)" = 25000 ] || fail "ids: $(cat data/ids/*.ndjson | wc -l) records"
[ -s data/ids/24001-25000.ndjson ] || fail "no last range: $(ls data/ids | tail -3)"
[ -s 'data/search/tier=free%20trial/lo=201,hi=300.ndjson' ] || fail "search: $(find data/search)"
cd ..
echo "ok"
