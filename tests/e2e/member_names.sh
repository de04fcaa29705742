#!/usr/bin/env bash
# Member names that a sink could get wrong, in one replayed response pulled
# to NDJSON and to Parquet:
#  - a name given twice in one object (at the top, nested, in a list, with
#    another type first): both files hold the last value only, and each
#    run says so once per path with its counts;
#  - a name holding NUL (\u0000): NDJSON keeps it escaped, Parquet gives it
#    a real column named with the six characters \u0000, whose values are
#    there (sluice cat, the three conformance readers), and the job's schema
#    (`sluice schema`, the schema file) keeps the name whole.
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/conformance.bash"
# written by hand: json.dumps cannot repeat a name
cat >replay/feed_2021-05-01_2021-05-01.json <<'JSON'
{"r":[
 {"id":1,"dup":"first","a\u0000b":"nul","n":{"x":1,"y":0,"x":2},"dup":"second"},
 {"id":2,"dup":1,"l":[{"m":true,"m":false}],"dup":"last","a\u0000b":null},
 {"id":3,"a\u0000b":"z","n":{"x":3}}
]}
JSON
python3 - <<'PY'
import json
# json.loads keeps a repeated name's last value: the rule sluice follows
doc = json.load(open("replay/feed_2021-05-01_2021-05-01.json"))
with open("expected/2021-05-01.ndjson", "w") as f:
    for r in doc["r"]:
        f.write(json.dumps(r, separators=(",", ":")) + "\n")
PY
start_mock --replay replay --any-key
job() { # name format
    case_job "$1" 2021-05-01 2021-05-01 "output: {path: \"out/$1/part_{start}.$2\"}"
    sed -i '0,/^output:/{/^output:/d}' "$1.yaml"
}

job nd ndjson
pull nd
cmp out/nd/part_2021-05-01.ndjson - <<'EOF2' || fail "NDJSON: $(cat out/nd/part_2021-05-01.ndjson)"
{"id":1,"a\u0000b":"nul","n":{"y":0,"x":2},"dup":"second"}
{"id":2,"l":[{"m":false}],"dup":"last","a\u0000b":null}
{"id":3,"a\u0000b":"z","n":{"x":3}}
EOF2
for w in 'dup: member given more than once in one object (2 earlier values dropped, in 2 records): the last one kept' \
    'n.x: member given more than once in one object (1 earlier value dropped, in 1 record)' \
    'l[].m: member given more than once in one object (1 earlier value dropped, in 1 record)'; do
    grep -qF "$w" stderr.txt || fail "NDJSON: no warning '$w': $(cat stderr.txt)"
done
[ "$(grep -c 'member given more than once' stderr.txt)" = 3 ] || fail "warnings: $(cat stderr.txt)"

job pq parquet
pull pq
for w in 'dup: member given more than once in one object (2 earlier values dropped, in 2 records)' \
    'n.x: member given' 'l[].m: member given'; do
    grep -qF "$w" stderr.txt || fail "Parquet: no warning '$w': $(cat stderr.txt)"
done
grep -q 'JSON text' stderr.txt && fail "an earlier value widened the schema: $(cat stderr.txt)"
expect_status 0 "$SLUICE_BIN" cat out/pq/part_2021-05-01.parquet
cmp stdout.txt - <<'EOF2' || fail "Parquet: $(cat "$WORK/stdout.txt")"
{"id":1,"a\\u0000b":"nul","n":{"y":0,"x":2},"dup":"second","l":null}
{"id":2,"a\\u0000b":null,"n":null,"dup":"last","l":[{"m":false}]}
{"id":3,"a\\u0000b":"z","n":{"y":null,"x":3},"dup":null,"l":null}
EOF2
check --expected expected/2021-05-01.ndjson --expect-columns 'id,a\u0000b,n,dup,l' \
    out/pq/part_2021-05-01.parquet
expect_status 0 "$SLUICE_BIN" schema pq.yaml --json
grep -qF '{"name":"a\u0000b","column":"a\\u0000b","type":"string"}' stdout.txt ||
    fail "schema: $(cat "$WORK/stdout.txt")"
grep -qF '{"name":"dup","type":"string"}' stdout.txt || fail "schema: $(cat "$WORK/stdout.txt")"
expect_status 0 "$SLUICE_BIN" schema pq.yaml
grep -qF 'a\u0000b' stdout.txt || fail "schema: $(cat "$WORK/stdout.txt")"
echo "ok"
