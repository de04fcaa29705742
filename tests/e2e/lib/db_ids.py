"""db_ids.py EXPECTED.ndjson IDS.txt [LABEL]: the ids a database table holds
(IDS.txt, one a line, as `sqlite3` or `psql -At` print them) are exactly
the records the server generated (EXPECTED.ndjson, `neows-mock
--dump-records`): the same multiset, so no row is missing and none is
doubled. Prints the count; exits 1 naming the first differences."""
import collections
import json
import sys

want = collections.Counter()
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        if line.strip():
            want[json.loads(line)["id"]] += 1
got = collections.Counter()
with open(sys.argv[2], encoding="utf-8") as f:
    for line in f:
        if line.strip():
            got[line.strip()] += 1
label = sys.argv[3] if len(sys.argv) > 3 else "table"
if want != got:
    missing = list((want - got).items())[:5]
    extra = list((got - want).items())[:5]
    print(f"{label}: {sum(got.values())} rows, expected {sum(want.values())};"
          f" missing {missing}, extra or doubled {extra}", file=sys.stderr)
    sys.exit(1)
print(f"{label}: {sum(got.values())} rows, ids equal the source's")
