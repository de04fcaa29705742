#!/usr/bin/env bash
# output.path's rendered paths stay in the folder before the first
# placeholder, checked at load (exit 2, the field's position, no request
# made, no file written):
#  - refused: a ".." too many, a placeholder rendering an absolute path, a
#    strftime format holding ".."; output.allow_outside: true writes there;
#  - the start-up sweep reaches every folder the due windows write in: below
#    a %D format (three folder levels from one placeholder) and outside the
#    folder with allow_outside, a dead run's temporary file goes.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/output_jobs.bash"

# ---- leaving the folder ---------------------------------------------------------
job climb.yaml "out/{start}/../../../climb_{start}.ndjson"
expect_status 2 "$SLUICE_BIN" run climb.yaml
grep -qF "climb.yaml:$(line_of_output climb.yaml):16: output.path: window 2020-01-01..2020-01-01 would be written to 'out/2020-01-01/../../../climb_2020-01-01.ndjson', outside 'out'" stderr.txt ||
    fail "climbing message: $(cat stderr.txt)"
grep -q "output.allow_outside: true" stderr.txt || fail "the message does not name allow_outside"
job abs.yaml "{start:$WORK/abs_%Y%m%d}.ndjson"
expect_status 2 "$SLUICE_BIN" run abs.yaml
grep -qF "would be written to '$WORK/abs_20200101.ndjson', outside '.'" stderr.txt || fail "absolute: $(cat stderr.txt)"
job fmt.yaml "out/{start:%Y/../..}/fmt_{start}.ndjson"
expect_status 2 "$SLUICE_BIN" run fmt.yaml
grep -qF "would be written to 'out/2020/../../fmt_2020-01-01.ndjson', outside 'out'" stderr.txt || fail "format ..: $(cat stderr.txt)"
nothing_done
[ -e "$WORK/abs_20200101.ndjson" ] && fail "an absolute path was written"

# allowed: the files go where the path says
mkdir -p inside
job allowed.yaml "inside/{start}/../../outside/x_{start}.ndjson" "allow_outside: true"
expect_status 0 "$SLUICE_BIN" run allowed.yaml
[ "$(ls outside | wc -l)" = 20 ] || fail "allow_outside did not write outside/: $(ls outside)"

# ---- the sweep reaches every folder written to --------------------------------------
sh -c 'exit 0' &
dead=$!
wait "$dead"
hex=0123456789abcdef
# %D: out/MM/DD/YY/ from one placeholder
job slashes.yaml "deep/{start:%D}/x_{start}.ndjson"
sed -i 's/^name: neows/name: slashes/' slashes.yaml
mkdir -p deep/01/05/20
: >"deep/01/05/20/.x_2020-01-05.ndjson.sluice-tmp-slashes.$dead.$hex"
expect_status 0 "$SLUICE_BIN" run slashes.yaml -v
[ -e "deep/01/05/20/.x_2020-01-05.ndjson.sluice-tmp-slashes.$dead.$hex" ] &&
    fail "the sweep missed a folder below a %D format"
grep -q "removed 1 temporary files left by an earlier run in deep/01/05/20" stderr.txt ||
    fail "no word of the sweep: $(cat stderr.txt)"
# outside the folder, allowed
sed 's/^name: neows/name: away/; s/to: 2020-01-20/to: 2020-01-25/' allowed.yaml >away.yaml
: >"outside/.x_2020-01-22.ndjson.sluice-tmp-away.$dead.$hex"
expect_status 0 "$SLUICE_BIN" run away.yaml
[ -e "outside/.x_2020-01-22.ndjson.sluice-tmp-away.$dead.$hex" ] &&
    fail "the sweep missed a folder outside the path's own"
[ -f outside/x_2020-01-25.ndjson ] || fail "away did not pull"
echo "output_escapes: ok"
