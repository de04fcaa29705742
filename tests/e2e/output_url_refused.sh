#!/usr/bin/env bash
# An output.path that is a URL sluice does not write (gs://, abfs://, and
# s3:/x, a URL with a slash missing) is refused at load, exit 2, with the
# field's position: no request is made and no local folder named after the
# scheme ("s3:") is created. Through a job file, --set and pull's --out
# alike. s3:// is a destination (tests/e2e/s3_destination.sh): without
# credentials it is refused at load too, and writes no local "s3:" folder
# either. A local name holding a colon is still a local file.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/output_jobs.bash"

no_scheme_folder() {
    [ -z "$(find . -name '*:*')" ] || fail "a folder named after a URL scheme: $(find . -name '*:*')"
}
for url in "gs://b/{start}.csv" \
           "abfs://c@acct.dfs.core.windows.net/{start}.ndjson" "s3:/bucket/{start}.csv"; do
    scheme=${url%%:*}
    job url.yaml "$url"
    expect_status 2 "$SLUICE_BIN" run url.yaml
    grep -qF "url.yaml:$(line_of_output url.yaml):16: output.path: '$url' is a URL ($scheme://), and sluice writes only local files and s3:// objects: give a local path" stderr.txt ||
        fail "$url: $(cat stderr.txt)"
    expect_status 2 "$SLUICE_BIN" run base.yaml --set "output.path=$url"
    grep -qF "output.path: '$url' is a URL ($scheme://)" stderr.txt || fail "--set $url: $(cat stderr.txt)"
    expect_status 2 "$SLUICE_BIN" pull "$BASE" --out "$url" --from 2020-01-01 --to 2020-01-02 --step 1d
    grep -qF "output.path: '$url' is a URL ($scheme://)" stderr.txt || fail "pull --out $url: $(cat stderr.txt)"
    nothing_done
    no_scheme_folder
done

# s3:// without credentials: refused at load, nothing written anywhere
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
url="s3://bucket/neos/{start}.parquet"
job s3.yaml "$url"
expect_status 2 "$SLUICE_BIN" run s3.yaml
grep -qF "s3.yaml:$(line_of_output s3.yaml):16: output.path: no credentials for s3://bucket: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" stderr.txt ||
    fail "s3 without credentials: $(cat stderr.txt)"
expect_status 2 "$SLUICE_BIN" pull "$BASE" --out "$url" --from 2020-01-01 --to 2020-01-02 --step 1d
grep -qF "output.path: no credentials for s3://bucket" stderr.txt || fail "pull --out $url: $(cat stderr.txt)"
nothing_done
no_scheme_folder

# a colon inside a local name is no URL
job colon.yaml "out/a:b/x_{start}.csv"
expect_status 0 "$SLUICE_BIN" run colon.yaml
[ "$(ls out/a:b | wc -l)" = 20 ] || fail "the local folder a:b was not written: $(ls -R out)"
echo "ok"
