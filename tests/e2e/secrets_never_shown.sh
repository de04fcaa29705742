#!/usr/bin/env bash
# Canary secrets, sent every way sluice can send one, appear in no byte
# sluice writes. The ways: a query parameter (api_key), a header
# (X-Api-Key), the URL path (/v1/${PATH_TOKEN}/...), basic auth (URL
# userinfo), and every source.auth type: bearer, api_key in a header and in
# the query, OAuth2 client credentials (client id, secret, and the tokens
# the server issued, one renewed mid-run). The only request body is the
# OAuth2 token request's, whose client id and secret are canaries. The
# bytes: stdout and stderr at -v -v (every request
# URL is logged), the report, every output file (NDJSON, and Parquet both
# raw and decompressed through `sluice cat`), the ledger (its raw files
# and a dump of every table), the job's schema file, `plan`, `status`,
# an S3 destination's secret key and session token (the objects read back,
# the staging folder, the manifest),
# a PostgreSQL destination's password (output.postgres) in all of them and
# in a refused connection's error, a shared ledger's password (state:
# postgresql://...) likewise and in every row of its tables,
# `status --json`, and a run after the path token rotates (not a change of
# the job: the ledger keeps the URL with its token as ***). The server's log shows each canary arrived, so the test cannot
# pass without sending them; the API echoes the query key in every
# record's links, so record data is exercised too.
source "$(dirname "$0")/lib/common.bash"
rnd() { printf '%s%s%s' "$1" "$RANDOM$RANDOM" "$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"; }
key=$(rnd QryKey-)
hdr=$(rnd HdrKey-)
path_token=$(rnd PathTok-)
pass=$(rnd Pwd-)
basic=$(printf 'neo:%s' "$pass" | base64 -w0)
export API_KEY=$key HDR_KEY=$hdr PATH_TOKEN=$path_token PASSWORD=$pass
canaries=("$key" "$hdr" "$path_token" "$pass" "$basic")

# The mock accepts only the header key, serves the API under the path
# token, and logs every request with its headers outside the scanned folder.
start_mock --keys "$hdr" --path-prefix "/v1/$path_token" --log "$WORK/mock.log" \
    --log-headers --fault '400@start_date=2020-01-08' --fault '503@start_date=2020-01-15'
mkdir run && cd run
job() { # job FILE NAME OUTPUT [extra lines]
    local file=$1 name=$2 output=$3
    shift 3
    {
        echo "name: $name"
        echo "source:"
        echo "  url: http://neo:\${PASSWORD}@127.0.0.1:$PORT/v1/\${PATH_TOKEN}/neo/rest/v1/feed"
        echo '  params: {start_date: "{start}", end_date: "{end}", api_key: "${API_KEY}"}'
        echo '  headers: {X-Api-Key: "${HDR_KEY}"}'
        echo '  records: "$.near_earth_objects.*[*]"'
        echo "  record_key_as: feed_date"
        echo "windows: {from: 2020-01-01, to: 2020-06-30, step: 7d}"
        echo "output: {path: \"$output\"}"
        echo "retry: {attempts: 2, base: 50ms}"
        for line in "$@"; do echo "$line"; done
    } >"$file"
}
job nd.yaml nd 'out/nd/neos_{start}_{end}.ndjson'
job pq.yaml pq 'out/pq/neos_{start}_{end}.parquet'

: >"$WORK/shown"
show() { cat "$WORK/stdout.txt" "$WORK/stderr.txt" >>"$WORK/shown"; }
for j in nd pq; do
    expect_status 1 "$SLUICE_BIN" run $j.yaml -v -v --report report-$j.json; show
    expect_status 0 "$SLUICE_BIN" plan $j.yaml --limit 5; show
    expect_status 0 "$SLUICE_BIN" status $j.yaml; show
    expect_status 0 "$SLUICE_BIN" status $j.yaml --json; show
done
expect_status 0 "$SLUICE_BIN" schema pq.yaml; show
# URL credentials become basic auth: the URLs sluice logs have none left
grep -q "GET http://127.0.0.1:$PORT/v1/\*\*\*/neo/rest/v1/feed?start_date=" "$WORK/shown" ||
    fail "expected -vv to log redacted request URLs"
grep -q 'neo:\*\*\*@\|neo@127' "$WORK/shown" && fail "a URL sluice showed kept its userinfo"
grep -q "/v1/\*\*\*/neo/rest/v1/feed" "$WORK/shown" || fail "expected the path token redacted"

# output.postgres: the connection string's password (the test's server
# trusts every local connection, so any password is accepted) is shown as
# *** by the run, plan, status and the ledger; and a refused connection's
# message, which names the server, keeps it hidden too.
source "$E2E_LIB/postgres.bash"
start_postgres
# (written into the job file itself, as a user would: a ${VAR} named like
# a secret would be hidden whatever its field; the job files are kept
# outside the scanned folder, their ledgers inside it)
pg_pass=$(rnd PgPass-)
canaries+=("$pg_pass")
mkdir "$WORK/pgjobs"
sed -e "s#^name: nd#name: pgjob#" -e "s#^output: .*#output: {postgres: \"postgresql://postgres:$pg_pass@127.0.0.1:$PG_PORT/postgres\", table: neos}#" \
    -e "\$a state: $PWD/.sluice/pgjob.db" nd.yaml >"$WORK/pgjobs/pg.yaml"
grep -q "^state: " "$WORK/pgjobs/pg.yaml" || fail "pg.yaml: no state line"
expect_status 1 "$SLUICE_BIN" run "$WORK/pgjobs/pg.yaml" -v -v --report report-pg.json; show
got=$(pg_sql "SELECT count(DISTINCT _sluice_partition) FROM neos")
[ "$got" = 24 ] || fail "postgres: the job wrote $got partitions, not 24: $(tail -n 5 "$WORK/stderr.txt")"
expect_status 0 "$SLUICE_BIN" plan "$WORK/pgjobs/pg.yaml" --limit 5; show
expect_status 0 "$SLUICE_BIN" status "$WORK/pgjobs/pg.yaml"; show
expect_status 0 "$SLUICE_BIN" status "$WORK/pgjobs/pg.yaml" --json; show
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s#^name: pgjob#name: pgdown#" -e "s#127.0.0.1:$PG_PORT#127.0.0.1:$closed#" \
    -e "s#pgjob.db#pgdown.db#" "$WORK/pgjobs/pg.yaml" >"$WORK/pgjobs/pgdown.yaml"
expect_status 2 "$SLUICE_BIN" run "$WORK/pgjobs/pgdown.yaml" -v -v --report report-pgdown.json; show
grep -q "cannot connect" "$WORK/stderr.txt" || fail "postgres: expected a refused connection: $(cat "$WORK/stderr.txt")"

# state: postgresql://... (a shared ledger): its connection string's
# password is shown as *** by a worker's run, plan, status (text and
# JSON), the report, and a refused connection's message; every row of the
# ledger's tables (dumped as JSON) holds none of the canaries.
state_pass=$(rnd StatePass-)
canaries+=("$state_pass")
sed -e "s#^name: nd#name: pgstate#" -e "s#out/nd/#out/pgstate/#" \
    -e "\$a state: \"postgresql://postgres:$state_pass@127.0.0.1:$PG_PORT/postgres\"" \
    nd.yaml >"$WORK/pgjobs/state.yaml"
expect_status 1 "$SLUICE_BIN" run "$WORK/pgjobs/state.yaml" --worker -v -v --report report-state.json; show
[ "$(pg_sql "SELECT count(*) FROM sluice_pgstate.windows WHERE status = 'done'")" = 24 ] ||
    fail "shared ledger: $(tail -n 5 "$WORK/stderr.txt")"
expect_status 0 "$SLUICE_BIN" plan "$WORK/pgjobs/state.yaml" --limit 5; show
expect_status 0 "$SLUICE_BIN" status "$WORK/pgjobs/state.yaml"; show
grep -q "ledger postgresql://postgres:\*\*\*@127.0.0.1:$PG_PORT/postgres" "$WORK/stdout.txt" ||
    fail "status does not name the shared ledger redacted: $(cat "$WORK/stdout.txt")"
expect_status 0 "$SLUICE_BIN" status "$WORK/pgjobs/state.yaml" --json; show
sed -e "s#127.0.0.1:$PG_PORT#127.0.0.1:$closed#" "$WORK/pgjobs/state.yaml" >"$WORK/pgjobs/statedown.yaml"
expect_status 3 "$SLUICE_BIN" run "$WORK/pgjobs/statedown.yaml" --worker -v -v; show
grep -q "cannot connect" "$WORK/stderr.txt" || fail "shared ledger: expected a refused connection: $(cat "$WORK/stderr.txt")"
for t in windows runs fingerprint meta schema_versions learned_rates; do
    pg_sql "SELECT row_to_json(t) FROM sluice_pgstate.$t t" >>"$WORK/pgdump"
done
grep -q '"source.url"' "$WORK/pgdump" || fail "the shared ledger's dump has no fingerprint"

# `pull` marks a plainly named variable secret with --secret-var.
tenant=$(rnd Tenant-)
canaries+=("$tenant")
TENANT=$tenant expect_status 0 "$SLUICE_BIN" pull \
    "http://127.0.0.1:$PORT/v1/\${PATH_TOKEN}/neo/rest/v1/feed" \
    --param 'start_date={start}' --param 'end_date={end}' \
    --param 'tenant=${TENANT}' --header 'X-Api-Key: ${HDR_KEY}' \
    --secret-var TENANT --from 2020-01-01 --to 2020-01-07 --step 7d \
    --records '$.near_earth_objects.*[*]' --out 'out/pull/{start}.ndjson' -v -v
show
grep -q "tenant=\*\*\*" "$WORK/stderr.txt" || fail "pull: expected the tenant redacted"

# Every source.auth type, against a second server that demands each (its
# log, with headers, outside the scanned folder): a bearer token, an api
# key in a header and in the query, OAuth2 client credentials (the client
# id and secret, and every token the server issued).
bearer_c=$(rnd Bearer-)
akey_c=$(rnd AuthKey-)
cid_c=$(rnd CliId-)
csec_c=$(rnd CliSec-)
export BEARER_C=$bearer_c AKEY_C=$akey_c CID_C=$cid_c CSEC_C=$csec_c
canaries+=("$bearer_c" "$akey_c" "$cid_c" "$csec_c")
start_another_mock AU --keys "$akey_c" --auth-bearer "$bearer_c" \
    --oauth-client "$cid_c:$csec_c" --oauth-token-uses 4 \
    --log "$WORK/au.log" --log-headers
au_job() { # au_job NAME PATH AUTH
    {
        echo "name: $1"
        echo "source:"
        echo "  url: http://127.0.0.1:$AU_PORT$2/neo/rest/v1/feed"
        echo '  params: {start_date: "{start}", end_date: "{end}"}'
        echo '  records: "$.near_earth_objects.*[*]"'
        echo "  auth: $3"
        echo "windows: {from: 2020-01-01, to: 2020-02-25, step: 7d}"
        echo "output: {path: \"out/$1/{start}.parquet\"}"
    } >"$1.yaml"
}
au_job au_bearer /bearer '{type: bearer, token: "${BEARER_C}"}'
au_job au_keyh "" '{type: api_key, name: X-Api-Key, in: header, value: "${AKEY_C}"}'
au_job au_keyq "" '{type: api_key, name: api_key, in: query, value: "${AKEY_C}"}'
au_job au_oauth /oauth "{type: oauth2_client_credentials, token_url: \"http://127.0.0.1:$AU_PORT/oauth/token\", client_id: \"\${CID_C}\", client_secret: \"\${CSEC_C}\"}"
for j in au_bearer au_keyh au_keyq au_oauth; do
    expect_status 0 "$SLUICE_BIN" run $j.yaml -v -v --report report-$j.json; show
    expect_status 0 "$SLUICE_BIN" plan $j.yaml; show
    expect_status 0 "$SLUICE_BIN" status $j.yaml --json; show
    [ "$(find out/$j -name '*.parquet' | wc -l)" = 8 ] || fail "$j: expected 8 files"
    for f in out/$j/*.parquet; do "$SLUICE_BIN" cat "$f" >>"$WORK/decoded"; done
done
grep -q "Authorization: Bearer $bearer_c" "$WORK/au.log" || fail "the bearer token was not sent"
# the server echoed each credential in every record's links: hidden there
for j in au_bearer au_keyh au_keyq au_oauth; do
    for f in out/$j/*.parquet; do "$SLUICE_BIN" cat "$f"; done >"$WORK/$j.rows"
    [ "$(grep -c 'api_key=\*\*\*' "$WORK/$j.rows")" = "$(wc -l <"$WORK/$j.rows")" ] ||
        fail "$j: a record's link does not show its credential as ***"
done
grep -q "X-Api-Key: $akey_c" "$WORK/au.log" || fail "the auth header key was not sent"
grep -q "&api_key=$akey_c 200" "$WORK/au.log" || fail "the auth query key was not sent"
[ "$(grep -c ' POST /oauth/token 200$' "$WORK/au.log")" = 2 ] ||
    fail "expected a token and one renewal: $(grep '^[0-9]' "$WORK/au.log")"
while read -r t; do canaries+=("$t"); done < <(grep -o 'mocktok-[0-9]*-[0-9a-f]*' "$WORK/au.log" | sort -u)
[ "${#canaries[@]}" -ge 12 ] || fail "the OAuth2 tokens were not sent"
# An S3 destination (tests/e2e/lib/s3.bash: s3rver behind a proxy that
# verifies each signature and the session token): the secret key and the
# session token are secrets too. The proxy refuses a request without the
# right signature or token, so uploads that succeed prove both were used.
source "$E2E_LIB/s3.bash"
s3_token=$(rnd S3Tok-)
canaries+=("$AWS_SECRET_ACCESS_KEY" "$s3_token")
start_s3 --token "$s3_token"
export AWS_SESSION_TOKEN=$s3_token
job s3.yaml s3 "s3://$S3_BUCKET/sec/{start}.parquet"
sed -i "s#^output: .*#output: {path: \"s3://$S3_BUCKET/sec/{start}.parquet\", manifest: true, s3: {endpoint: \"$S3_ENDPOINT\"}}#" s3.yaml
expect_status 1 "$SLUICE_BIN" run s3.yaml -v -v --report report-s3.json; show
expect_status 0 "$SLUICE_BIN" plan s3.yaml --limit 5; show
expect_status 0 "$SLUICE_BIN" status s3.yaml --json; show
[ "$(grep -c '^PUT /sluice-test/sec/.*\.parquet 200 ' "$S3_LOG")" = 24 ] ||
    fail "expected 24 uploads signed with the secret and the token: $(grep -v ' 200 ' "$S3_LOG" | head -3)"
mkdir s3objects
/usr/bin/python3 "$E2E_LIB/s3_fetch.py" "$S3_ENDPOINT" "$S3_BUCKET" sec/ s3objects >/dev/null ||
    fail "cannot read the objects back"
for f in s3objects/sec/*.parquet; do "$SLUICE_BIN" cat "$f" >>"$WORK/decoded"; done
unset AWS_SESSION_TOKEN

# The path token rotates: a secret is not what the job pulls, so the
# ledger (which keeps the URL with its secret as ***) sees no change.
export PATH_TOKEN=$(rnd PathTokNew-)
canaries+=("$PATH_TOKEN")
# (The run retries the two failed windows, which the server, still serving
# the old token's path, now fails: exit 1, not the refusal's 3.)
expect_status 1 "$SLUICE_BIN" run nd.yaml -v -v; show
grep -q 'changed since' "$WORK/stderr.txt" &&
    fail "a rotated path token was taken for a changed job"
grep -q "GET http://127.0.0.1:$PORT/v1/\*\*\*/neo" "$WORK/stderr.txt" ||
    fail "the run after the rotation did not send its requests"

# Every file sluice wrote: raw bytes (grep -a reads binary files too)...
n_pq=$(find out/pq -name '*.parquet' | wc -l)
[ "$(find out/nd -name '*.ndjson' | wc -l)" = 24 ] && [ "$n_pq" = 24 ] ||
    fail "expected 24 files per format"
ls .sluice/nd.db .sluice/pq.db out/pq/.sluice-schema-pq.json >/dev/null
# ...Parquet decompressed, and every row of every ledger table.
for f in out/pq/*.parquet; do "$SLUICE_BIN" cat "$f" >>"$WORK/decoded"; done
grep -q 'api_key=\*\*\*' "$WORK/decoded" || fail "expected redacted links in the Parquet rows"
python3 - "$WORK/dump" .sluice/*.db <<'PY'
import sqlite3, sys
with open(sys.argv[1], "w") as out:
    for db in sys.argv[2:]:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        for line in con.iterdump():
            out.write(line + "\n")
PY
grep -q 'INSERT INTO "fingerprint"' "$WORK/dump" || fail "the dump has no fingerprint"
for c in "${canaries[@]}"; do
    if grep -rlaF -- "$c" . "$WORK/shown" "$WORK/decoded" "$WORK/dump" "$WORK/pgdump"; then
        fail "a canary leaked"
    fi
done

grep -q "'source.url','http://neo:\*\*\*@127.0.0.1:$PORT/v1/\*\*\*/neo/rest/v1/feed'" "$WORK/dump" ||
    fail "expected the ledger to keep the URL with its path token as ***"

# ...and the canaries really were sent, every way.
grep -q "/v1/$path_token/neo/rest/v1/feed?start_date=2020-01-01&end_date=2020-01-07&api_key=$key 200" \
    "$WORK/mock.log" || fail "the path token and query key were not sent"
grep -q "X-Api-Key: $hdr" "$WORK/mock.log" || fail "the header key was not sent"
grep -q "&tenant=$tenant " "$WORK/mock.log" || fail "the --secret-var value was not sent"
grep -q "Authorization: Basic $basic" "$WORK/mock.log" || fail "basic auth was not sent"
echo "ok"
