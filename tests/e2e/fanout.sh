#!/usr/bin/env bash
# Several resources in one job, and fan-out, against the bundled server's
# /fanout/repos endpoints (tests/mock/mock_fanout.c), the server's request
# log counting what each path was asked:
#  - a parent listing 50 repositories (one listed twice, one record with no
#    full_name) and a child `partitions: {from_resource: repos, path:
#    "$.full_name", as: repo}`: the parent's file is written, then exactly
#    50 child partitions, each path asked once, each file holding exactly
#    its child's records; the record without a value is named in a warning;
#  - `plan` before any run lists the parent and says the child waits for
#    it; after the run it lists the 50 children by key (resource=issues/
#    repo=org%2Frepo-1), and `status` (text, --json, Python's) shows each
#    resource;
#  - a rerun asks nothing; after deleting 3 child files it asks exactly
#    those 3 paths; --resource issues alone asks nothing more, and with the
#    parent's file gone does not plan the child (exit 1);
#  - a parent that fails leaves its children unplanned: no child request,
#    exit status 1, the reason said;
#  - kill -9 in the middle of the children (the server holds its 30th
#    request: no timing involved), then a rerun: every child exactly once,
#    the rerun asking only for the children the ledger did not have done.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"

start_mock --log req.log
URL="http://127.0.0.1:$PORT"

# job NAME PORT PARENT_PARAMS: the two-resource job into NAME.yaml.
job() {
    cat >"$1.yaml" <<EOF2
name: $1
source:
  params: {api_key: DEMO_KEY}
concurrency: 4
resources:
  - name: repos
    source:
      url: "http://127.0.0.1:$2/fanout/repos"
      params: {$3}
      records: "\$.repos[*]"
    output: {path: "$1/repos.ndjson"}
  - name: issues
    source:
      url: "http://127.0.0.1:$2/fanout/repos/{repo}/issues"
      records: "\$.issues[*]"
    partitions: {from_resource: repos, path: "\$.full_name", as: repo}
    output: {path: "$1/issues/{repo}.ndjson"}
EOF2
}

# asked LOG FROM_LINE: the paths logged from that line on (api_key cut),
# sorted.
asked() {
    tail -n +"$2" "$1" | awk '{print $3}' |
        sed -e 's/\([?&]\)api_key=[^&]*&\{0,1\}/\1/' -e 's/[?&]$//' | sort
}

# check_files DIR: the parent's file and every child's, exactly.
check_files() {
    python3 - "$1" <<'PY' || fail "files of $1: see above"
import json, os, sys
d = sys.argv[1]
parent = [json.loads(l) for l in open(f"{d}/repos.ndjson")]
want = [{"id": 1, "full_name": "org/repo-1"}, {"id": 0}]
want += [{"id": i, "full_name": f"org/repo-{i}"} for i in range(2, 51)]
want += [{"id": 1, "full_name": "org/repo-1"}]
assert parent == want, parent
files = sorted(os.listdir(f"{d}/issues"))
assert files == sorted(f"org%2Frepo-{i}.ndjson" for i in range(1, 51)), files
for i in range(1, 51):
    name = f"repo-{i}"
    n = 1 + sum(name.encode()) % 3
    recs = [json.loads(l) for l in open(f"{d}/issues/org%2Frepo-{i}.ndjson")]
    assert recs == [{"repo": f"org/{name}", "n": k} for k in range(n)], recs
PY
}

job gh "$PORT" 'n: "50", dup: "1", missing: "1"'

# ---- plan before any run: the parent, and the child waiting for it ------------
expect_status 0 "$SLUICE_BIN" plan gh.yaml
[ "$(wc -l <stdout.txt)" = 1 ] || fail "plan: $(cat stdout.txt)"
grep -qxF "0			$URL/fanout/repos?api_key=***&n=50&dup=1&missing=1	gh/repos.ndjson	resource=repos" stdout.txt ||
    fail "plan line: $(cat stdout.txt)"
grep -q 'resource issues: planned once its parent repos was never pulled' stderr.txt ||
    fail "plan stderr: $(cat stderr.txt)"
[ "$(log_count req.log)" = 0 ] || fail "plan made a request"

# ---- the run: the parent, then exactly 50 children ------------------------------
expect_status 0 "$SLUICE_BIN" run gh.yaml --report report.json
asked req.log 1 >got.txt
{
    echo "/fanout/repos?n=50&dup=1&missing=1"
    for i in $(seq 1 50); do echo "/fanout/repos/org/repo-$i/issues"; done
} | sort >want.txt
diff -u want.txt got.txt || fail "the run asked otherwise"
head -n 1 req.log | grep -q ' /fanout/repos?' || fail "the parent was not asked first"
check_files gh
grep -qF 'resource issues: 1 records of repos gave no value at $.full_name (the first: gh/repos.ndjson:2 (absent))' stderr.txt ||
    fail "no warning for the record without a value: $(cat stderr.txt)"
python3 - <<'PY' || fail "report: see above"
import json
rep = json.load(open("report.json"))
keys = sorted(w["key"] for w in rep["windows"])
want = sorted(["resource=repos"] +
              [f"resource=issues/repo=org%2Frepo-{i}" for i in range(1, 51)])
assert keys == want, keys
assert all(w["status"] == "done" for w in rep["windows"]), rep
assert rep["summary"]["done"] == 51, rep["summary"]
PY
[ "$(sqlite3 .sluice/gh.db "SELECT count(*) FROM windows WHERE status = 'done' AND part LIKE 'resource=issues/repo=%'")" = 50 ] ||
    fail "ledger: $(sqlite3 .sluice/gh.db 'SELECT part, status FROM windows')"

# ---- plan and status after it ------------------------------------------------------
expect_status 0 "$SLUICE_BIN" plan gh.yaml --resource issues
[ "$(wc -l <stdout.txt)" = 50 ] || fail "plan --resource issues: $(cat stdout.txt)"
grep -qxF "0			$URL/fanout/repos/org/repo-1/issues?api_key=***	gh/issues/org%2Frepo-1.ndjson	resource=issues/repo=org%2Frepo-1" stdout.txt ||
    fail "plan child line: $(head -n 1 stdout.txt)"
expect_status 0 "$SLUICE_BIN" status gh.yaml
grep -qxF 'resource repos' stdout.txt && grep -qxF 'resource issues' stdout.txt ||
    fail "status: $(cat stdout.txt)"
grep -qxF 'windows: 50 done, 0 failed, 0 pending (50 planned now)' stdout.txt ||
    fail "status of the children: $(cat stdout.txt)"
expect_status 0 "$SLUICE_BIN" status gh.yaml --json
python3 -c 'import json,sys; d=json.load(open("stdout.txt")); assert len(d)==2, d' ||
    fail "status --json: $(cat stdout.txt)"

# ---- the Python binding sees the resources too ---------------------------------------
LIB="$(dirname "$SLUICE_BIN")/libsluice.so"
ldd "$LIB" >ldd.txt
py_env=(env SLUICE_LIBRARY="$LIB" PYTHONPATH="$SLUICE_SRC/python")
if grep -q libasan ldd.txt; then
    py_env+=(LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
        ASAN_OPTIONS=detect_leaks=0)
fi
n=$(log_count req.log)
"${py_env[@]}" /usr/bin/python3 - <<'PY' || fail "python: see above"
import sluice
j = sluice.Job.load("gh.yaml")
assert j.resources == ["repos", "issues"], j.resources
keys = [p["key"] for p in j.plan()]
assert keys[0] == "resource=repos" and len(keys) == 51, keys
assert [p["key"] for p in j.plan("issues")][:2] == [
    "resource=issues/repo=org%2Frepo-1", "resource=issues/repo=org%2Frepo-2"]
st = j.status()
assert [s["resource"] for s in st] == ["repos", "issues"], st
assert (st[1]["planned"], st[1]["done"]) == (50, 50), st[1]
r = j.run(resource="issues")
assert r.summary["done"] == 0 and r.summary["skipped"] == 50, r.summary
PY
[ "$(log_count req.log)" = "$n" ] || fail "python's run asked: $(asked req.log $((n + 1)))"

# ---- a rerun asks nothing; 3 child files gone: exactly those 3 ------------------
n=$(log_count req.log)
expect_status 0 "$SLUICE_BIN" run gh.yaml
[ "$(log_count req.log)" = "$n" ] || fail "the rerun asked: $(asked req.log $((n + 1)))"
rm gh/issues/org%2Frepo-7.ndjson gh/issues/org%2Frepo-33.ndjson gh/issues/org%2Frepo-50.ndjson
expect_status 0 "$SLUICE_BIN" run gh.yaml
asked req.log $((n + 1)) >got.txt
printf '%s\n' /fanout/repos/org/repo-33/issues /fanout/repos/org/repo-50/issues \
    /fanout/repos/org/repo-7/issues >want.txt
diff -u want.txt got.txt || fail "after deleting 3 child files the run asked otherwise"
check_files gh
n=$(log_count req.log)
expect_status 0 "$SLUICE_BIN" run gh.yaml --resource issues
[ "$(log_count req.log)" = "$n" ] || fail "--resource issues asked: $(asked req.log $((n + 1)))"
# the parent's file gone: --resource issues alone does not plan the child
mv gh/repos.ndjson repos.keep
n=$(log_count req.log)
expect_status 1 "$SLUICE_BIN" run gh.yaml --resource issues --report gone.json
python3 -c 'import json; s=json.load(open("gone.json"))["summary"]; assert (s["outcome"], s["failed"]) == ("some_failed", 0), s' ||
    fail "report of a run with a child unplanned: $(cat gone.json)"
grep -qF 'resource issues is not planned: its parent repos has 1 of 1 partitions not done (resource=repos is done but its file is gone)' stderr.txt ||
    fail "a parent file gone: $(cat stderr.txt)"
[ "$(log_count req.log)" = "$n" ] || fail "a parent file gone, yet: $(asked req.log $((n + 1)))"
mv repos.keep gh/repos.ndjson
expect_status 2 "$SLUICE_BIN" run gh.yaml --resource nope
grep -q -- '--resource nope: job gh has no such resource (its resources: repos, issues)' stderr.txt ||
    fail "--resource nope: $(cat stderr.txt)"
# fan-out over a shared ledger is refused at load, before any connection
# (its workers would each plan the children: not built yet)
n=$(log_count req.log)
expect_status 2 "$SLUICE_BIN" run gh.yaml --set "state=postgresql://nobody@127.0.0.1:1/none" --worker
grep -q "fan-out is not available with a shared ledger (state: postgresql://...) yet" stderr.txt ||
    fail "fan-out on a shared ledger: $(cat stderr.txt)"
[ "$(log_count req.log)" = "$n" ] || fail "the refused fan-out made requests"

# ---- a parent that fails leaves its children unplanned -----------------------------
job bad "$PORT" 'n: "0"'
n=$(log_count req.log)
expect_status 1 "$SLUICE_BIN" run bad.yaml
asked req.log $((n + 1)) >got.txt
[ "$(cat got.txt)" = "/fanout/repos?n=0" ] || fail "a failed parent, yet: $(cat got.txt)"
grep -qF 'resource issues is not planned: its parent repos has 1 of 1 partitions not done (resource=repos is failed)' stderr.txt ||
    fail "no reason for the unplanned child: $(cat stderr.txt)"
grep -qF '1 resources not planned' stderr.txt || fail "summary: $(cat stderr.txt)"
[ ! -e bad/issues ] || fail "children written for a failed parent"

# ---- kill -9 mid-children, then a rerun: every child exactly once -------------------
start_another_mock held --log held.log --fault 'hold@nth=30'
job kill "$held_PORT" 'n: "50", dup: "1", missing: "1"'
"$SLUICE_BIN" run kill.yaml -q >kill1.out 2>&1 &
pid=$!
wait_for 30 "the 30th request" log_at_least held.log 30
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
done_before=$(sqlite3 .sluice/kill.db "SELECT count(*) FROM windows WHERE status = 'done' AND part LIKE 'resource=issues/%'")
[ "$done_before" -lt 50 ] || fail "every child was done before the kill"
[ "$(sqlite3 .sluice/kill.db "SELECT status FROM windows WHERE part = 'resource=repos'")" = done ] ||
    fail "the parent was not done before the kill"
before=$(log_count held.log)
expect_status 0 "$SLUICE_BIN" run kill.yaml
asked held.log $((before + 1)) >rerun.txt
[ "$(wc -l <rerun.txt)" = $((50 - done_before)) ] ||
    fail "the rerun asked $(wc -l <rerun.txt) paths, $((50 - done_before)) were not done: $(cat rerun.txt)"
! grep -q '^/fanout/repos?' rerun.txt || fail "the rerun asked the done parent again"
[ "$(sort rerun.txt | uniq -d)" = "" ] || fail "the rerun asked a child twice"
check_files kill
[ -z "$(find kill -name '.*')" ] || fail "temporary files left: $(find kill -name '.*')"
[ "$(sqlite3 .sluice/kill.db "SELECT count(*) FROM windows WHERE status = 'done'")" = 51 ] ||
    fail "ledger after the rerun: $(sqlite3 .sluice/kill.db 'SELECT part, status FROM windows')"
