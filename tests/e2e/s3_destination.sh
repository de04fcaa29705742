#!/usr/bin/env bash
# The S3 destination against s3rver behind a proxy that verifies every
# request's SigV4 signature with botocore (tests/e2e/lib/s3.bash):
#  1. the 314-window NeoWs pull to s3://bucket/neos/{start:%Y}/... as
#     Parquet: 314 objects, read back (ListObjectsV2 and GET, signed by
#     botocore, not sluice) byte-identical to a local run's files, no other
#     object, nothing left in the staging folder but the job's schema file;
#     every request was signed right (the proxy refused none) and carried
#     the body's SHA-256; a manifest lists the 314 objects; a rerun pulls
#     and uploads nothing (a done window's object is trusted);
#  2. a wrong secret fails the job at once (exit 2, a job error) with the
#     server's message (SignatureDoesNotMatch), before any request to the
#     API: no window is failed, and the next run with the right secret
#     pulls them all;
#  3. virtual-hosted addressing (sluice-test.s3.localhost:PORT/KEY) puts
#     the objects in the same bucket;
#  4. `plan` names each window's object (s3://...), for this job and for
#     examples/s3.yaml;
#  5. the secret key appears in no output: stdout, stderr at -v -v, the
#     report, status, the ledger, the staging folder, the manifest.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/s3.bash"

start_mock --log "$WORK/req.log"
start_s3
job() { # job FILE OUTPUT [extra lines]
    local file=$1 out=$2
    shift 2
    write_job "$file" "$BASE" "$@"
    sed -i "s#^output: .*#output: {path: \"$out\", manifest: true, s3: {endpoint: \"$S3_ENDPOINT\"}}#; s/^concurrency: 8/concurrency: 1/" "$file"
}

echo "== a local run, then the same to S3"
# One window at a time, both: the job's schema grows window by window, so
# only the same order gives the same files.
# (The same job name, as the files may carry it: in its own folder.)
mkdir local
write_job local/job.yaml "$BASE"
sed -i 's#^output: .*#output: {path: "neos/{start:%Y}/{start}.parquet"}#; s/^concurrency: 8/concurrency: 1/' local/job.yaml
(cd local && expect_status 0 "$SLUICE_BIN" run job.yaml)
job s3.yaml 's3://sluice-test/neos/{start:%Y}/{start}.parquet'
: >"$S3_LOG"
expect_status 0 "$SLUICE_BIN" run s3.yaml -v --report report.json
cp stderr.txt run1.err
grep -q '314 done, 0 failed of 314 windows' stderr.txt || fail "summary: $(tail -3 stderr.txt)"
grep -q 'manifest: s3://sluice-test/neos/_manifests/neows-.*\.json (314 files)' stderr.txt ||
    fail "no manifest logged: $(tail -3 stderr.txt)"

mkdir fetched
/usr/bin/python3 "$E2E_LIB/s3_fetch.py" "$S3_ENDPOINT" sluice-test neos/ fetched >keys.txt ||
    fail "reading the objects back failed"
[ "$(grep -c '\.parquet$' keys.txt)" = 314 ] || fail "expected 314 objects, got $(grep -c '\.parquet$' keys.txt)"
[ "$(grep -vc -e '\.parquet$' -e '^neos/_manifests/neows-.*\.json$' keys.txt)" = 0 ] ||
    fail "unexpected objects: $(grep -v '\.parquet$' keys.txt)"
diff -r -x '.sluice-schema-*' local/neos fetched/neos -x _manifests >/dev/null ||
    fail "objects differ from the local run's files: $(diff -rq -x '.sluice-schema-*' -x _manifests local/neos fetched/neos | head -3)"
left=$(find .sluice/staging-neows -type f ! -name '.sluice-schema-neows.json')
[ -z "$left" ] || fail "left in the staging folder: $left"

# Every request signed right, with the payload's hash (the proxy checks
# both and answers 403 otherwise); 314 PUTs and the preflight's list.
grep -q ' 403 ' "$S3_LOG" && fail "the endpoint refused requests: $(grep ' 403 ' "$S3_LOG" | head -3; tail -5 "$WORK/s3.err")"
[ "$(grep -c '^PUT /sluice-test/neos/[0-9]\{4\}/.*\.parquet 200 ' "$S3_LOG")" = 314 ] ||
    fail "expected 314 PUTs: $(grep -c '^PUT' "$S3_LOG")"
grep -q '^GET /sluice-test?max-uploads=1&prefix=neos%2F&uploads= 200' "$S3_LOG" ||
    fail "no preflight list: $(head -3 "$S3_LOG")"

# The manifest: the 314 objects with their rows, bytes and windows.
manifest=$(grep '^neos/_manifests/' keys.txt)
/usr/bin/python3 - "fetched/$manifest" report.json <<'EOF' || fail "manifest check failed"
import json, sys
m = json.load(open(sys.argv[1]))
rep = json.load(open(sys.argv[2]))
files = m["files"]
assert m["job"] == "neows" and m["outcome"] == "done" and m["format"] == "parquet", m
assert len(files) == 314, len(files)
done = {w["start"]: w for w in rep["windows"] if w["status"] == "done"}
for f in files:
    w = done[f["partition"]["start"]]
    assert f["path"] == "s3://sluice-test/neos/%s/%s.parquet" % (f["partition"]["start"][:4], f["partition"]["start"]), f
    assert f["path"] == w["output"], (f, w)
    assert f["rows"] == w["rows"] and f["bytes"] == w["bytes_out"], (f, w)
    assert isinstance(f["schema_version"], int) and f["schema_version"] >= 1, f
EOF

echo "== a rerun has nothing to pull or upload"
requests=$(wc -l <"$WORK/req.log")
: >"$S3_LOG"
expect_status 0 "$SLUICE_BIN" run s3.yaml
[ "$(wc -l <"$WORK/req.log")" = "$requests" ] || fail "the rerun pulled again"
[ "$(grep -c '^PUT /sluice-test/neos/[0-9]' "$S3_LOG")" = 0 ] || fail "the rerun uploaded again"

echo "== a wrong secret fails the job at once"
job bad.yaml 's3://sluice-test/bad/{start}.parquet'
# (at concurrency 8, the good run below uploads batches of windows at once)
sed -i 's/^name: neows/name: bad/; s/^concurrency: 1/concurrency: 8/' bad.yaml
requests=$(wc -l <"$WORK/req.log")
: >"$S3_LOG"
right=$AWS_SECRET_ACCESS_KEY
wrong="Wrong-$RANDOM$RANDOM-secret"
AWS_SECRET_ACCESS_KEY=$wrong expect_status 2 "$SLUICE_BIN" run bad.yaml -v -v --report bad.json
cp stderr.txt bad.err
grep -q 'the store refused the job: ListMultipartUploads: HTTP 403 SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided' stderr.txt ||
    fail "no server message: $(tail -3 stderr.txt)"
[ "$(wc -l <"$WORK/req.log")" = "$requests" ] || fail "the API was asked with a store that refuses the job"
grep -q '\.\.20.* failed' stderr.txt && fail "windows failed one by one: $(tail -2 stderr.txt)"
expect_status 0 "$SLUICE_BIN" status bad.yaml --json
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["failed"] == 0, s' stdout.txt ||
    fail "windows recorded failed: $(cat stdout.txt)"
AWS_SECRET_ACCESS_KEY=$right expect_status 0 "$SLUICE_BIN" run bad.yaml
grep -q '314 done, 0 failed of 314 windows' stderr.txt || fail "the good run: $(tail -2 stderr.txt)"
[ "$(grep -c '^PUT /sluice-test/bad/[-0-9]*\.parquet 200 ' "$S3_LOG")" = 314 ] ||
    fail "expected 314 uploads: $(grep -c '^PUT /sluice-test/bad/' "$S3_LOG")"

echo "== virtual-hosted addressing: BUCKET.HOST/KEY"
# curl resolves *.localhost to 127.0.0.1, so sluice-test.s3.localhost
# reaches the proxy, and s3rver takes the bucket from the Host header.
write_job vh.yaml "$BASE"
sed -i "s#^output: .*#output: {path: \"s3://sluice-test/vh/{start}.ndjson\", s3: {endpoint: \"http://s3.localhost:$S3_PORT\", path_style: false}}#; s/^name: neows/name: vh/; s/to: 2025-12-31/to: 2020-02-04/" vh.yaml
: >"$S3_LOG"
expect_status 0 "$SLUICE_BIN" run vh.yaml
grep -q '5 done, 0 failed of 5 windows' stderr.txt || fail "virtual-hosted: $(tail -3 stderr.txt)"
[ "$(grep -c '^PUT /vh/2020-01-[0-9]*\.ndjson 200 ' "$S3_LOG")" = 5 ] || fail "not virtual-hosted: $(head -3 "$S3_LOG")"
mkdir vh
/usr/bin/python3 "$E2E_LIB/s3_fetch.py" "$S3_ENDPOINT" sluice-test vh/ vh >vh.txt || fail "reading vh/ back failed"
[ "$(wc -l <vh.txt)" = 5 ] || fail "expected 5 objects under vh/: $(cat vh.txt)"

echo "== plan names the objects; the example job loads"
expect_status 0 "$SLUICE_BIN" plan s3.yaml --limit 2
grep -q '	s3://sluice-test/neos/2020/2020-01-08.parquet	2020-01-08$' stdout.txt || fail "plan: $(cat stdout.txt)"
expect_status 0 "$SLUICE_BIN" plan "$SLUICE_SRC/examples/s3.yaml" --limit 1
grep -q '	s3://sluice-demo/neos/year=2020/neos_2020-01-01.parquet	2020-01-01$' stdout.txt || fail "example: $(cat stdout.txt)"

echo "== the secret is never shown or stored"
expect_status 0 "$SLUICE_BIN" status s3.yaml
cp stdout.txt status.txt
expect_status 0 "$SLUICE_BIN" plan s3.yaml --limit 3
cp stdout.txt plan.txt
for s in "$right" "$wrong"; do
    hits=$(grep -rlaF -- "$s" run1.err bad.err report.json bad.json status.txt plan.txt .sluice fetched 2>/dev/null || true)
    [ -z "$hits" ] || fail "a secret is shown in: $hits"
done
sqlite3 .sluice/neows.db .dump | grep -qF -- "$right" && fail "the secret is in the ledger"
grep -q 's3://sluice-test/neos/2020/2020-01-01.parquet' report.json || fail "the report does not name the object"
echo "ok"
