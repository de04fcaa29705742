#!/usr/bin/env bash
# When the API's quota is gone, sluice stops cleanly and says when to come
# back. The server allows 20 requests per key per hour and answers past that
# with 429 and `Retry-After: 2870` (what NeoWs' DEMO_KEY says), far beyond
# retry.max_wait (15 min). A 40-window job with the state ledger:
#  - exit status 75 (EX_TEMPFAIL); stderr names the time to come back;
#  - exactly 20 windows done (the server served 20), the other 20 listed in
#    the report as not pulled, each with the reason and that time; the
#    summary's resume_at is it, and lies 2870 s after the 429 (give or take
#    the moment sluice took to read it);
#  - nothing partial on disk: no temporary file, every done window's file
#    holds exactly its records, no file for a window not done;
#  - `sluice status` counts the 20 as pending;
#  - a rerun with another key (a fresh quota) pulls exactly those 20, each
#    window having been served once across both runs, and exits 0.
#
# Concurrency 24 > 20, and no rate_limit: the first requests go before any
# answer is read, so 20 are served and the rest meet the 429 at once. (With
# fewer in flight, sluice reads `X-RateLimit-Remaining: 0` first and, the
# X-RateLimit window being assumed an hour, waits 180 s for the rolling
# window to free one request before the server's 429 tells it the quota is
# gone: correct against a rolling-window server, too slow for a test.)
source "$(dirname "$0")/lib/common.bash"
start_mock --hourly-limit 20 --retry-after 2870 --keys DEMO_KEY,SECOND \
    --log "$WORK/mock.log"
write_job job.yaml "$BASE" 'retry: {attempts: 3, base: 50ms, max_delay: 100ms}'
sed -i -e 's/^windows: .*/windows: {from: 2020-01-01, to: 2020-10-06, step: 7d}/' \
    -e 's/^concurrency: 8$/concurrency: 24/' job.yaml
expect_status 75 "$SLUICE_BIN" run job.yaml --report report.json
cp stderr.txt run1.err

[ "$(find out -name '.*' | wc -l)" = 0 ] || fail "temporary files left: $(find out -name '.*')"
"$NEOWS_MOCK" --dump-records 2020-01-01 2020-10-06 | sed 's/DEMO_KEY/***/g' >expected.ndjson

python3 - <<'PY'
import datetime, json, os, re
r = json.load(open("report.json"))
s, w = r["summary"], r["windows"]
assert len(w) == 40, len(w)
done = [x for x in w if x["status"] == "done"]
left = [x for x in w if x["status"] == "not_pulled"]
assert len(done) == 20 and len(left) == 20, s
assert s["outcome"] == "quota" and s["done"] == 20 and s["not_pulled"] == 20 \
    and s["failed"] == 0, s

# when to come back: 2870 s after the 429s the server sent
t429 = [float(l.split()[0]) for l in open("mock.log") if l.split()[3] == "429"]
assert t429, "the server never answered 429"
back = s["resume_at"]
assert min(t429) + 2870 <= back <= max(t429) + 2870 + 30, (back, t429)
iso = datetime.datetime.fromtimestamp(back, datetime.timezone.utc) \
    .strftime("%Y-%m-%dT%H:%M:%SZ")
open("resume_at.txt", "w").write(iso)

for x in left:
    assert x["output"] is None and x["rows"] == 0, x
    m = re.match(r"the API's quota is spent: come back after "
                 r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)", x["error"] or "")
    assert m, x
    # a window abandoned at the first 429 may name the instant that 429
    # gave, a second or so before a later 429's (the summary keeps the last)
    named = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S%z")
    assert back - 5 <= named.timestamp() <= back, (x["error"], iso)
    assert not os.path.exists(f"out/neos_{x['start']}_{x['end']}.ndjson"), x
    # the reason: a window the server refused names the server's answer; one
    # never started (or waiting for the governor) says no more than that
    rest = x["error"][m.end():]
    if x["statuses"] == [429]:
        assert rest.startswith(" (HTTP 429: OVER_RATE_LIMIT: "), x
    else:
        assert x["statuses"] == [] and rest == "", x

# every done window's file is whole: its rows, its day's records
want = {}
for line in open("expected.ndjson"):
    day = json.loads(line)["feed_date"]
    want.setdefault(day, []).append(json.dumps(json.loads(line), sort_keys=True))
for x in done:
    assert x["statuses"] == [200] and x["output"] == \
        f"out/neos_{x['start']}_{x['end']}.ndjson", x
    got = [json.dumps(json.loads(l), sort_keys=True) for l in open(x["output"])]
    assert len(got) == x["rows"], x
    d0 = datetime.date.fromisoformat(x["start"])
    d1 = datetime.date.fromisoformat(x["end"])
    exp = []
    for k in range((d1 - d0).days + 1):
        exp += want.get((d0 + datetime.timedelta(k)).isoformat(), [])
    assert sorted(got) == sorted(exp), x["start"]
files = sorted(os.listdir("out"))
assert files == sorted(os.path.basename(x["output"]) for x in done), files
print(f"20 done, 20 not pulled, come back after {iso} "
      f"({back - min(t429):.0f} s after the first 429)")
PY

iso=$(cat resume_at.txt)
grep -q "sluice: the API's quota is spent: 20 windows not pulled; run again after $iso" run1.err ||
    fail "stderr does not name the time to come back ($iso): $(tail -5 run1.err)"

# the ledger: the 20 not pulled are pending
expect_status 0 "$SLUICE_BIN" status job.yaml --json
python3 - <<'PY'
import json
st = json.load(open("stdout.txt"))
assert st["done"] == 20 and st["pending"] == 20 and st["failed"] == 0, st
PY

# the rerun, with a fresh quota, pulls only what is left
expect_status 0 env API_KEY=SECOND "$SLUICE_BIN" run job.yaml --report rerun.json
python3 - <<'PY'
import collections, json
r = json.load(open("rerun.json"))
assert r["summary"]["done"] == 20 and r["summary"]["skipped"] == 20, r["summary"]
served = collections.Counter()
for l in open("mock.log"):
    t, m, target, status = l.split()
    if status == "200":
        served[target.split("start_date=")[1][:10]] += 1
assert len(served) == 40 and set(served.values()) == {1}, served
PY
n=$(find out -name 'neos_*.ndjson' | wc -l)
[ "$n" = 40 ] || fail "expected 40 files after the rerun, got $n"
echo "ok"
