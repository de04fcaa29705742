#!/usr/bin/env bash
# mock_server.sh: end-to-end test of neows-mock, the bundled NeoWs-compatible
# server, through real HTTP (curl) with checks in stdlib python3: the shape of
# a weekly page, determinism across windows, gzip, the NeoWs and gateway
# error bodies, rate-limit headers and 429, fault rules firing exactly COUNT
# times, replay of a real response byte for byte, --dump-records against the
# served data, the request log, and shutdown by SIGTERM and by idle timeout.
# Servers announce their port on stdout; the test reads that line from a
# FIFO instead of sleeping (start_another_mock, lib/common.bash).
source "$(dirname "$0")/lib/common.bash"
MOCK=$NEOWS_MOCK
DATA=$SLUICE_TEST_DATA/neows
TMP=$WORK

# get NAME URL-PATH OUT [curl args...]: prints the HTTP status.
get() {
    local port_var="$1_PORT" path=$2 out=$3
    shift 3
    curl -sS -o "$TMP/$out" -D "$TMP/$out.h" -w '%{http_code}' "$@" \
        "http://127.0.0.1:${!port_var}$path" 2>"$TMP/curl.stderr"
}

header() { # header FILE NAME: prints the value of a response header
    tr -d '\r' <"$1" | awk -v n="$(echo "$2" | tr 'A-Z' 'a-z')" -F': ' \
        'tolower($1) == n { print $2 }'
}

expect() { # expect WHAT GOT WANT
    [[ $2 == "$3" ]] || fail "$1: got '$2', want '$3'"
}

cat >"$TMP/check.py" <<'PY'
import datetime, gzip, json, sys

NEO_KEYS = ["links", "id", "neo_reference_id", "name", "nasa_jpl_url",
            "absolute_magnitude_h", "estimated_diameter",
            "is_potentially_hazardous_asteroid", "close_approach_data",
            "is_sentry_object"]
CAD_KEYS = ["close_approach_date", "close_approach_date_full",
            "epoch_date_close_approach", "relative_velocity", "miss_distance",
            "orbiting_body"]

def fail(msg):
    sys.exit("check.py: " + msg)

def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    return raw, json.loads(raw)

def compact(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)

def shape(path, start, end, key):
    raw, d = load(path)
    if list(d) != ["links", "element_count", "near_earth_objects"]:
        fail("top keys %s" % list(d))
    if list(d["links"]) != ["next", "previous", "self"]:
        fail("links keys %s" % list(d["links"]))
    if compact(d).encode() != raw:
        fail("body is not compact JSON in the served key order")
    want = "start_date=%s&end_date=%s&detailed=false&api_key=%s" % (start, end, key)
    if not d["links"]["self"].endswith("/neo/rest/v1/feed?" + want):
        fail("self link %s" % d["links"]["self"])
    for l in d["links"].values():
        if "api_key=" + key not in l:
            fail("link without the key: " + l)
    days = list(d["near_earth_objects"])
    s = datetime.date.fromisoformat(start)
    e = datetime.date.fromisoformat(end)
    want_days = [(s + datetime.timedelta(i)).isoformat()
                 for i in range((e - s).days + 1)]
    if sorted(days) != want_days:
        fail("day keys %s" % days)
    if days == want_days:
        fail("day keys are sorted")
    total = sum(len(v) for v in d["near_earth_objects"].values())
    if d["element_count"] != total:
        fail("element_count %d != %d" % (d["element_count"], total))
    if not 80 <= total <= 180:
        fail("%d objects in a week" % total)
    ids = set()
    sentry = 0
    for day, objs in d["near_earth_objects"].items():
        for o in objs:
            keys = list(o)
            if o["is_sentry_object"] is True:
                sentry += 1
                if keys != NEO_KEYS + ["sentry_data"]:
                    fail("sentry keys %s" % keys)
                if not o["sentry_data"].endswith(
                        "/neo/rest/v1/neo/sentry/%s?api_key=%s" % (o["id"], key)):
                    fail("sentry_data " + o["sentry_data"])
            elif keys != NEO_KEYS or o["is_sentry_object"] is not False:
                fail("keys %s" % keys)
            if not (isinstance(o["id"], str) and o["id"] == o["neo_reference_id"]):
                fail("id %r" % o["id"])
            if o["id"] in ids:
                fail("id %s twice" % o["id"])
            ids.add(o["id"])
            if not o["links"]["self"].endswith("/neo/%s?api_key=%s" % (o["id"], key)):
                fail("neo link " + o["links"]["self"])
            if not isinstance(o["absolute_magnitude_h"], float):
                fail("absolute_magnitude_h")
            ed = o["estimated_diameter"]
            if list(ed) != ["kilometers", "meters", "miles", "feet"]:
                fail("estimated_diameter keys")
            for u in ed.values():
                if list(u) != ["estimated_diameter_min", "estimated_diameter_max"]:
                    fail("diameter keys")
                if not all(isinstance(x, float) for x in u.values()):
                    fail("diameter not a number")
                if not u["estimated_diameter_min"] < u["estimated_diameter_max"]:
                    fail("diameter min >= max")
            if not isinstance(o["is_potentially_hazardous_asteroid"], bool):
                fail("hazardous flag")
            cad = o["close_approach_data"]
            if len(cad) != 1 or list(cad[0]) != CAD_KEYS:
                fail("close_approach_data %s" % cad)
            c = cad[0]
            if c["close_approach_date"] != day:
                fail("close_approach_date %s under %s" % (c["close_approach_date"], day))
            ep = c["epoch_date_close_approach"]
            if not isinstance(ep, int):
                fail("epoch not an integer")
            t = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=ep)
            full = "%04d-%s-%02d %02d:%02d" % (
                t.year, ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                         "Sep", "Oct", "Nov", "Dec"][t.month - 1],
                t.day, t.hour, t.minute)
            if c["close_approach_date_full"] != full or t.date().isoformat() != day:
                fail("date_full %s vs epoch %s" % (c["close_approach_date_full"], full))
            rv, md = c["relative_velocity"], c["miss_distance"]
            if list(rv) != ["kilometers_per_second", "kilometers_per_hour", "miles_per_hour"]:
                fail("relative_velocity keys")
            if list(md) != ["astronomical", "lunar", "kilometers", "miles"]:
                fail("miss_distance keys")
            for v in list(rv.values()) + list(md.values()):
                if not isinstance(v, str):
                    fail("decimal not a string: %r" % v)
                float(v)
            if abs(float(rv["kilometers_per_hour"]) - 3600 * float(rv["kilometers_per_second"])) > 1e-3:
                fail("km/h != 3600 km/s")
            if c["orbiting_body"] != "Earth":
                fail("orbiting_body")
    print("shape ok: %d objects, %d days, %d sentry" % (total, len(days), sentry))

def same_days(a, b):
    da, db = load(a)[1]["near_earth_objects"], load(b)[1]["near_earth_objects"]
    common = sorted(set(da) & set(db))
    if not common:
        fail("no common day")
    for day in common:
        if da[day] != db[day]:
            fail("day %s differs between windows" % day)
    print("same days ok: %s" % ",".join(common))

def gunzip_equals(gz, plain):
    with open(gz, "rb") as f, open(plain, "rb") as g:
        z, p = f.read(), g.read()
    if len(z) >= len(p) or gzip.decompress(z) != p:
        fail("gzip body does not inflate to the plain body")

def json_equals(path, want):
    got = load(path)[1]
    if got != json.loads(want):
        fail("body %s != %s" % (got, want))

def error_code(path, code):
    got = load(path)[1]
    if got.get("error", {}).get("code") != code:
        fail("error %s, want %s" % (got, code))

def not_json(path):
    try:
        load(path)
    except ValueError:
        return
    fail("body parsed as JSON")

def dump_matches(dump, *pages):
    served = []
    for p in pages:
        for day, objs in load(p)[1]["near_earth_objects"].items():
            for o in objs:
                o = dict(o)
                o["feed_date"] = day
                served.append((day, compact(o)))
    served.sort(key=lambda x: x[0])  # stable: keeps the served order in a day
    with open(dump, encoding="utf-8") as f:
        lines = f.read().splitlines()
    if lines != [s for _, s in served]:
        fail("dump (%d lines) differs from served objects (%d)" % (len(lines), len(served)))
    print("dump ok: %d records" % len(lines))

def log_lines(path, n):
    import re
    pat = re.compile(r"^\d{10}\.\d{3} (GET|HEAD|POST) /\S* \d{1,3}$")
    with open(path) as f:
        lines = f.read().splitlines()
    if len(lines) != int(n) or not all(pat.match(l) for l in lines):
        fail("log: %d lines, want %s:\n%s" % (len(lines), n, "\n".join(lines)))

globals()[sys.argv[1]](*sys.argv[2:])
PY
check() { python3 "$TMP/check.py" "$@"; }

FEED=/neo/rest/v1/feed

# ---- generated data ---------------------------------------------------------
start_another_mock A --idle-timeout 60 --keys DEMO_KEY,SECOND --hourly-limit 100 \
    --log "$TMP/a.log" --fault '503@start_date=2020-03-01#2' \
    --fault 'truncate@start_date=2020-04-01#1' \
    --fault 'invalid-json@start_date=2020-05-01#1' \
    --fault '429@start_date=2020-06-01#1' --fault '429-bare@start_date=2020-06-01#1'

expect "weekly status" "$(get A "$FEED?start_date=2020-01-01&end_date=2020-01-08&api_key=DEMO_KEY" w1)" 200
expect "content type" "$(header "$TMP/w1.h" Content-Type)" application/json
expect "rate limit" "$(header "$TMP/w1.h" X-RateLimit-Limit)" 100
expect "remaining" "$(header "$TMP/w1.h" X-RateLimit-Remaining)" 99
check shape "$TMP/w1" 2020-01-01 2020-01-08 DEMO_KEY

# a 7-key window, the key in a header as well as the query
expect "second window" "$(get A "$FEED?start_date=2020-01-05&end_date=2020-01-11&api_key=SECOND" w2)" 200
expect "remaining per key" "$(header "$TMP/w2.h" X-RateLimit-Remaining)" 99
check shape "$TMP/w2" 2020-01-05 2020-01-11 SECOND
expect "header key" "$(get A "$FEED?start_date=2020-01-05&end_date=2020-01-11" w2h -H 'X-Api-Key: DEMO_KEY')" 200
check same_days "$TMP/w1" "$TMP/w2h"
expect "remaining counts" "$(header "$TMP/w2h.h" X-RateLimit-Remaining)" 98

# end_date defaults to start + 7
expect "default end" "$(get A "$FEED?start_date=2020-01-09&api_key=DEMO_KEY" w3)" 200
check shape "$TMP/w3" 2020-01-09 2020-01-16 DEMO_KEY

# gzip, only when asked
expect "gzip status" "$(get A "$FEED?start_date=2020-01-01&end_date=2020-01-08&api_key=DEMO_KEY" w1.gz -H 'Accept-Encoding: gzip')" 200
expect "gzip encoding" "$(header "$TMP/w1.gz.h" Content-Encoding)" gzip
expect "vary" "$(header "$TMP/w1.gz.h" Vary)" Accept-Encoding
expect "identity" "$(header "$TMP/w1.h" Content-Encoding)" ""
check gunzip_equals "$TMP/w1.gz" "$TMP/w1"

# NeoWs 400 bodies
BAD='{"code":400,"http_error":"BAD_REQUEST","error_message":"Date Format Exception - Expected format (yyyy-mm-dd) - The Feed date limit is only 7 Days","request":"http://api.nasa.gov/rest/v1/feed?start_date=2020-01-01&end_date=2020-01-09"}'
expect "8-day range" "$(get A "$FEED?start_date=2020-01-01&end_date=2020-01-09&api_key=DEMO_KEY" e400)" 400
check json_equals "$TMP/e400" "$BAD"
expect "end before start" "$(get A "$FEED?start_date=2020-01-09&end_date=2020-01-01&api_key=DEMO_KEY" e400b)" 400
expect "malformed date" "$(get A "$FEED?start_date=2020-02-30&api_key=DEMO_KEY" e400c)" 400
expect "unknown path" "$(get A "/neo/rest/v1/nope?api_key=DEMO_KEY" e404)" 404
check json_equals "$TMP/e404" '{"code":404,"http_error":"NOT_FOUND","error_message":"No message available","request":"http://api.nasa.gov/rest/v1/nope"}'

# gateway 403 bodies, which still carry the rate-limit headers
expect "missing key" "$(get A "$FEED?start_date=2020-01-01" e403a)" 403
check error_code "$TMP/e403a" API_KEY_MISSING
expect "wrong key" "$(get A "$FEED?start_date=2020-01-01&api_key=WRONG" e403b)" 403
check error_code "$TMP/e403b" API_KEY_INVALID
expect "403 limit header" "$(header "$TMP/e403b.h" X-RateLimit-Limit)" 100

# fault rules: #2 fires on exactly two matching requests, then the window
# is served; other windows are untouched
U="$FEED?start_date=2020-03-01&api_key=DEMO_KEY"
expect "fault 1" "$(get A "$U" f1)" 503
expect "other window" "$(get A "$FEED?start_date=2020-03-02&api_key=DEMO_KEY" f0)" 200
expect "fault 2" "$(get A "$U" f2)" 503
expect "fault spent" "$(get A "$U" f3)" 200
check shape "$TMP/f3" 2020-03-01 2020-03-08 DEMO_KEY
rc=0
get A "$FEED?start_date=2020-04-01&api_key=DEMO_KEY" t1 >/dev/null 2>&1 || rc=$?
expect "truncate: curl partial-file exit" "$rc" 18
expect "truncate spent" "$(get A "$FEED?start_date=2020-04-01&api_key=DEMO_KEY" t2)" 200
expect "invalid-json status" "$(get A "$FEED?start_date=2020-05-01&api_key=DEMO_KEY" j1)" 200
check not_json "$TMP/j1"
expect "invalid-json spent" "$(get A "$FEED?start_date=2020-05-01&api_key=DEMO_KEY" j2)" 200
# 429 names its wait; 429-bare is the same answer without Retry-After
expect "429 fault" "$(get A "$FEED?start_date=2020-06-01&api_key=DEMO_KEY" q1)" 429
expect "429 Retry-After" "$(header "$TMP/q1.h" Retry-After)" 1
expect "429-bare fault" "$(get A "$FEED?start_date=2020-06-01&api_key=DEMO_KEY" q2)" 429
check error_code "$TMP/q2" OVER_RATE_LIMIT
expect "429-bare: no Retry-After" "$(header "$TMP/q2.h" Retry-After)" ""
expect "429 faults spent" "$(get A "$FEED?start_date=2020-06-01&api_key=DEMO_KEY" q3)" 200

# --dump-records equals the served objects, day by day
"$MOCK" --dump-records 2020-01-01 2020-01-16 >"$TMP/dump"
check dump_matches "$TMP/dump" "$TMP/w1" "$TMP/w3"

stop_another_mock A
check log_lines "$TMP/a.log" 22
grep -q ' GET /neo/rest/v1/feed?start_date=2020-03-01&api_key=DEMO_KEY 503$' "$TMP/a.log" ||
    fail "log lacks the 503"

# ---- hourly limit and per-second bucket -------------------------------------
start_another_mock B --idle-timeout 60 --hourly-limit 2 --log "$TMP/b.log"
U="$FEED?start_date=2021-06-01&api_key=DEMO_KEY"
expect "limit 1" "$(get B "$U" l1)" 200
expect "limit 2" "$(get B "$U" l2)" 200
expect "remaining 0" "$(header "$TMP/l2.h" X-RateLimit-Remaining)" 0
expect "over limit" "$(get B "$U" l3)" 429
check error_code "$TMP/l3" OVER_RATE_LIMIT
expect "remaining stays 0" "$(header "$TMP/l3.h" X-RateLimit-Remaining)" 0
ra=$(header "$TMP/l3.h" Retry-After)
[[ $ra =~ ^[0-9]+$ && $ra -gt 3000 && $ra -le 3600 ]] || fail "Retry-After '$ra'"
stop_another_mock B
check log_lines "$TMP/b.log" 3

start_another_mock C --idle-timeout 60 --rate-limit 1/s --retry-after 7
expect "bucket 1" "$(get C "$U" r1)" 200
expect "bucket empty" "$(get C "$U" r2)" 429
expect "forced Retry-After" "$(header "$TMP/r2.h" Retry-After)" 7
stop_another_mock C

# ---- replay: a real response, byte for byte ------------------------------------
start_another_mock D --idle-timeout 60 --replay "$DATA"
expect "replay exact" "$(get D "$FEED?start_date=2025-01-01&end_date=2025-01-07&api_key=DEMO_KEY" p1)" 200
cmp -s "$TMP/p1" "$DATA/feed_2025-01-01_2025-01-07.json" || fail "replay differs"
expect "replay by start" "$(get D "$FEED?start_date=2025-09-27&api_key=DEMO_KEY" p2)" 200
cmp -s "$TMP/p2" "$DATA/feed_2025-09-27_2025-10-03.json" || fail "replay by start differs"
expect "replay gzip" "$(get D "$FEED?start_date=2025-09-27&api_key=DEMO_KEY" p2.gz --compressed)" 200
cmp -s "$TMP/p2.gz" "$DATA/feed_2025-09-27_2025-10-03.json" || fail "replay gzip differs"
expect "replay missing" "$(get D "$FEED?start_date=2019-01-01&api_key=DEMO_KEY" p3)" 404
stop_another_mock D

# ---- latency and the timeout fault are held without blocking -----------------
start_another_mock E --idle-timeout 60 --latency-ms 200 --threads 1 \
    --fault 'timeout@start_date=2020-01-01'
curl -sS -m 30 -o "$TMP/hung" "http://127.0.0.1:$E_PORT$FEED?start_date=2020-01-01&api_key=DEMO_KEY" \
    2>/dev/null &
HUNG=$!
expect "served while one hangs" "$(get E "$FEED?start_date=2020-01-02&api_key=DEMO_KEY" d1)" 200
stop_another_mock E # must resume the held connection and exit 0
rc=0
wait "$HUNG" || rc=$?
[[ $rc != 0 ]] || fail "the timeout fault answered"

# ---- the slow fault drips the whole body (thread-per-connection mode), and
# a dripping connection does not stop the server from exiting on SIGTERM
# (one-day windows keep the drip short)
start_another_mock G --idle-timeout 60 --fault 'slow@start_date=2020-01-01#1' \
    --slow-bytes 4096 --fault 'slow@start_date=2020-02-01#1'
U="$FEED?start_date=2020-01-01&end_date=2020-01-01&api_key=DEMO_KEY"
expect "slow status" "$(get G "$U" s1)" 200
expect "slow spent" "$(get G "$U" s2)" 200
cmp -s "$TMP/s1" "$TMP/s2" || fail "slow body differs"
curl -sS -o /dev/null "http://127.0.0.1:$G_PORT$FEED?start_date=2020-02-01&api_key=DEMO_KEY" \
    -H 'X-Api-Key: DEMO_KEY' 2>/dev/null &
DRIP=$!
expect "served while one drips" "$(get G "$FEED?start_date=2020-02-02&api_key=DEMO_KEY" s3)" 200
stop_another_mock G
wait "$DRIP" || true

# ---- the idle timeout stops a forgotten server -----------------------------------
start_another_mock F --idle-timeout 1
rc=0
wait "$F_PID" || rc=$?
expect "idle exit" "$rc" 0

echo "mock_server: all checks passed"
