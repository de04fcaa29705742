#!/usr/bin/env bash
# Parquet conformance at scale: one window of 1,000,000 small records (about
# 30 MB of JSON) with output.row_group_size 2MiB, so the writer cuts several
# row groups as it streams (and the sink's spool spills to disk). The file
# must really hold several row groups (its footer, as hyparquet and DuckDB's
# parquet_metadata read it), and DuckDB, arrow-rs (parquet-wasm) and
# hyparquet must each return the 1,000,000 rows equal to the source records.
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/conformance.bash"

gen 2022-01-01 <<'PY'
records = [{"i": n, "k": "k%d" % (n % 1000), "f": n / 8,
            **({"o": None} if n % 10 == 0 else {}), "b": n % 3 == 0}
           for n in range(1000000)]
PY
start_mock --replay "$WORK/replay" --any-key
case_job million 2022-01-01 2022-01-01 \
    "output: {path: \"out/million/part_{start}.parquet\", row_group_size: 2MiB}"
# case_job wrote an output line already; keep the last one (with the size)
sed -i '0,/^output:/{/^output:/d}' million.yaml
pull million
stop_mock # the check below can outlast the server's idle timeout
check --expected expected/2022-01-01.ndjson --min-row-groups 4 \
    out/million/part_2022-01-01.parquet
echo "ok"
