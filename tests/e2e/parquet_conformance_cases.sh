#!/usr/bin/env bash
# Parquet conformance, the edge cases: each case is a JSON document served
# by the bundled server, pulled through sluice into .parquet and read by
# DuckDB, arrow-rs (parquet-wasm) and hyparquet (tests/conformance/
# check.mjs), every row compared with the source records value by value.
# Cases: all nulls, an empty window (zero rows, the job's schema), Unicode
# (escaped and raw surrogate pairs, U+0000), a 1 MiB string, structs and
# lists nested 32 deep, lists of lists, and every codec.
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/conformance.bash"

# --- case data (python3 stdlib) ---
# all nulls: a typed window, then one where every value is null, then one of
# records that are only nulls / empty objects / empty lists
gen 2021-01-01 <<'PY'
records = [{"i": n, "s": "s%d" % n, "d": n / 2, "b": n % 2 == 0,
            "st": {"x": n, "y": "y"}, "l": [n, n + 1]} for n in range(5)]
PY
gen 2021-01-02 <<'PY'
records = [{"i": None, "s": None, "d": None, "b": None, "st": None, "l": None}
           for _ in range(5)] + [{}, {"st": {}, "l": []}, {"st": {"x": None}, "l": [None]}]
PY
# empty window: same job, no records
gen 2021-01-03 <<'PY'
records = []
PY
# Unicode: escaped in the response (\ud83d\ude00 pairs, \u0000) ...
gen 2021-02-01 <<'PY'
texts = ["", "\u0000", "a\u0000b", "\U0001F600", "x\U0001F600y\U0001F4A9z", "\u00e9\u4e2d\U00010000\U0010FFFF",
         "\u2028\u2029", "\ufeffbom", "tab\tnl\ncr\r\"q\"\\", "\u007f\u0080\u07ff\u0800\uffff"]
records = [{"t": t, "l": [t, t[::-1]], "o": {t: 1} if t and "\u0000" not in t else {"k": t}} for t in texts]
records += [{"only": "\U0001F600" * 1000}]
PY
# ... and the same as raw UTF-8 bytes
gen 2021-02-02 <<'PY'
ascii_only = False
texts = ["", "\u0000", "a\u0000b", "\U0001F600", "x\U0001F600y\U0001F4A9z", "\u00e9\u4e2d\U00010000\U0010FFFF",
         "\u2028\u2029", "\ufeffbom", "tab\tnl\ncr\r\"q\"\\", "\u007f\u0080\u07ff\u0800\uffff"]
records = [{"t": t, "l": [t, t[::-1]]} for t in texts]
PY
# a 1 MiB string (and one just over, and a small one beside them)
gen 2021-03-01 <<'PY'
import random
rnd = random.Random(1)
alphabet = "abcdefghij\u00e9\u4e2d\U0001F600 "
big = "".join(rnd.choice(alphabet) for _ in range(400000))
big = big.encode()[:1 << 20].decode(errors="ignore")
records = [{"s": "small"}, {"s": big}, {"s": "z" * ((1 << 20) + 1)}, {"s": None}]
PY
# nesting 32 deep: structs
gen 2021-04-01 <<'PY'
def deep(n, leaf):
    v = leaf
    for k in range(n):
        v = {"n%d" % (n - 1 - k): v}
    return v
records = [deep(32, {"v": 1, "s": "x"}), deep(32, {"v": None}), deep(31, None), deep(5, None), {},
           deep(32, {"v": -7, "s": "end"})]
PY
# nesting 32 deep: lists
gen 2021-04-02 <<'PY'
def deep(n, leaf):
    v = leaf
    for _ in range(n):
        v = [v]
    return v
records = [{"l": deep(32, 1)}, {"l": deep(32, None)}, {"l": deep(31, [])}, {"l": deep(3, None)},
           {"l": None}, {"l": deep(30, [[1, 2], [3]])}]
PY
# lists of lists (of structs, of lists)
gen 2021-05-01 <<'PY'
records = [
    {"ll": [[1, 2], [], None, [3]], "ls": [[{"a": 1}, None], [{"a": None, "b": "x"}]], "lll": [[[1.5]], [[], [2.5, None]]]},
    {"ll": [], "ls": None, "lll": [None, [None]]},
    {"ll": [None], "ls": [[], []], "lll": []},
    {"ll": None},
    {"ll": [[n for n in range(k)] for k in range(20)], "lll": [[[float(k)] * k] for k in range(5)]},
]
PY
# every codec: the same mixed window (dictionary and plain strings, ints,
# doubles, booleans, timestamps, nested) written four times
gen 2021-06-01 <<'PY'
import random
rnd = random.Random(7)
records = [{"id": n, "cat": "c%d" % (n % 7), "uniq": "u%08x" % rnd.getrandbits(32),
            "x": rnd.random() * 1e6 - 5e5, "neg": -n * 1000003, "flag": n % 3 == 0,
            "when": 1600000000000 + n * 1001, "day": "2021-06-%02d" % (n % 28 + 1),
            "tags": ["t%d" % (n % 5)] * (n % 4), "pos": {"lat": n / 7, "lon": None if n % 5 else -n / 3}}
           for n in range(20000)]
PY

start_mock --replay "$WORK/replay" --any-key

# every pull first, then the checks: the server is stopped before them, as
# the checks can outlast its idle timeout on a loaded machine
case_job nulls 2021-01-01 2021-01-03
pull nulls
case_job unicode 2021-02-01 2021-02-02
pull unicode
case_job bigstring 2021-03-01 2021-03-01
pull bigstring
case_job deepstruct 2021-04-01 2021-04-01
pull deepstruct
case_job deeplist 2021-04-02 2021-04-02
pull deeplist
case_job lists 2021-05-01 2021-05-01
pull lists
for codec in zstd snappy gzip none; do
    case_job "codec_$codec" 2021-06-01 2021-06-01 \
        "columns: {when: timestamp_ms, day: date}"
    pull "codec_$codec" --set "output.compression=$codec"
done
stop_mock

echo "== all nulls, empty window"
check --expected expected/2021-01-01.ndjson out/nulls/part_2021-01-01.parquet
check --expected expected/2021-01-02.ndjson out/nulls/part_2021-01-02.parquet
check --expected expected/2021-01-03.ndjson --expect-columns i,s,d,b,st,l \
    out/nulls/part_2021-01-03.parquet
cat expected/2021-01-0[123].ndjson >expected/nulls.ndjson
check --expected expected/nulls.ndjson out/nulls/part_2021-01-0[123].parquet

echo "== Unicode"
check --expected expected/2021-02-01.ndjson out/unicode/part_2021-02-01.parquet
check --expected expected/2021-02-02.ndjson out/unicode/part_2021-02-02.parquet

echo "== 1 MiB string"
check --expected expected/2021-03-01.ndjson out/bigstring/part_2021-03-01.parquet

echo "== nesting 32 deep"
check --expected expected/2021-04-01.ndjson out/deepstruct/part_2021-04-01.parquet
check --expected expected/2021-04-02.ndjson --known-duckdb-deep-list-hang \
    out/deeplist/part_2021-04-02.parquet

echo "== lists of lists"
check --expected expected/2021-05-01.ndjson out/lists/part_2021-05-01.parquet

echo "== every codec"
for codec in zstd snappy gzip none; do
    # --codec: every chunk really is compressed so (none: UNCOMPRESSED)
    want=$codec
    [ "$codec" = none ] && want=uncompressed
    check --expected expected/2021-06-01.ndjson --column when=timestamp_ms \
        --column day=date --codec "$want" "out/codec_$codec/part_2021-06-01.parquet"
done
echo "ok"
