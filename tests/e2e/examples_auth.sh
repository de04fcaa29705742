#!/usr/bin/env bash
# The examples of source.auth (examples/auth_*.yaml) pull against the
# bundled server as their comments say: each its 5 windows, every request
# answered 200 with its credential, and the credential in no output.
source "$(dirname "$0")/lib/common.bash"
export API_TOKEN="ExTok-$RANDOM$RANDOM-a1" API_PASSWORD="ExPwd-$RANDOM$RANDOM-b2"
export API_KEY="ExKey-$RANDOM$RANDOM-c3" CLIENT_SECRET="ExSec-$RANDOM$RANDOM-d4"
start_mock --auth-bearer "$API_TOKEN" --auth-basic "reader:$API_PASSWORD" \
    --keys "$API_KEY" --oauth-client "sluice-example:$CLIENT_SECRET" \
    --log "$WORK/mock.log"
export NEOWS_BASE="http://127.0.0.1:$PORT"
for ex in auth_bearer auth_basic auth_api_key auth_oauth2; do
    : >"$WORK/mock.log"
    expect_status 0 "$SLUICE_BIN" run "$SLUICE_SRC/examples/$ex.yaml" \
        --set "state=$WORK/state/$ex.db" -v -v
    [ "$(find data/$ex -name '*.ndjson' | wc -l)" = 5 ] || fail "$ex: not 5 files"
    [ "$(grep -c '^[0-9.]* GET .* 200$' "$WORK/mock.log")" = 5 ] ||
        fail "$ex: $(cat "$WORK/mock.log")"
    grep -q ' 40[13]$' "$WORK/mock.log" && fail "$ex: a request was refused"
    for c in "$API_TOKEN" "$API_PASSWORD" "$API_KEY" "$CLIENT_SECRET"; do
        grep -rlaF -- "$c" data "$WORK/stdout.txt" "$WORK/stderr.txt" "$WORK/state" &&
            fail "$ex: a credential leaked"
    done
done
[ "$(grep -c ' POST /oauth/token 200$' "$WORK/mock.log")" = 1 ] || fail "oauth2: one token request"
echo ok
