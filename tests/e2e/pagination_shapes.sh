#!/usr/bin/env bash
# Every example job of a pagination shape (examples/*.yaml) against the
# bundled server's endpoint shaped like its API (tests/mock/mock_pages.c):
# GitHub (Link), Reddit (after), Stripe (has_more + starting_after, the
# last id by $.data[-1].id), Spotify (next + offset, last page shorter),
# RIDB (offset/limit, METADATA.RESULTS.TOTAL_COUNT, its key in an apikey
# header), HubSpot (paging.next.after, no paging on the last page), a
# cursor in a response header, numbered pages with total_pages. Two windows
# each, every window several pages. For each: every item of each window is
# in the window's one file exactly once, the server saw exactly the
# expected pages (no request after the last: the total, has_more, a null
# cursor end it), the report says each window's pages, and `plan` shows
# each window's first request.
source "$(dirname "$0")/lib/common.bash"
start_mock --log req.log --keys RIDBKEY
export GITHUB_TOKEN=gh-token REDDIT_TOKEN=rd-token STRIPE_KEY=sk_test_x \
    SPOTIFY_TOKEN=sp-token RIDB_API_KEY=RIDBKEY HUBSPOT_TOKEN=hs-token \
    API_TOKEN=api-token
mkdir ex
# example endpoint items-per-window pages-per-window
SHAPES="github_issues github 250 3
reddit_new reddit 250 3
stripe_customers stripe 300 3
spotify_tracks spotify 101 3
ridb_facilities ridb 100 2
hubspot_contacts hubspot 200 2
header_cursor header 150 2
numbered_pages numbered 200 2"

while read -r ex ep n pages; do
    cp "$SLUICE_SRC/examples/$ex.yaml" ex/
    before=$(wc -l <req.log)
    sets=(--set "source.url=http://127.0.0.1:$PORT/pages/$ep"
          --set 'source.params.set={start}' --set "source.params.n=$n"
          --set windows.from=2024-01-01 --set windows.to=2024-01-02
          --set concurrency=2)
    expect_status 0 "$SLUICE_BIN" plan "ex/$ex.yaml" "${sets[@]}"
    first=$(grep -c "/pages/$ep?" stdout.txt || true)
    [ "$first" = 2 ] || fail "$ex: plan shows $first first requests: $(cat stdout.txt)"
    case $ep in
    ridb) grep -q 'limit=50&offset=0' stdout.txt || fail "$ex: plan's first request: $(cat stdout.txt)" ;;
    numbered) grep -q 'per_page=100&page=1' stdout.txt || fail "$ex: plan's first request: $(cat stdout.txt)" ;;
    esac
    expect_status 0 "$SLUICE_BIN" run "ex/$ex.yaml" "${sets[@]}" --report "$ex.json"
    python3 - "$ex" "$ep" "$n" "$pages" "$before" <<'PY' || fail "$ex: see above"
import json, re, sys
ex, ep, n, pages, before = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
log = open("req.log").read().splitlines()[before:]
reqs = [l for l in log if f" /pages/{ep}?" in l]
assert len(reqs) == len(log), (ex, "other requests", log)
assert all(l.endswith(" 200") for l in reqs), (ex, reqs)
assert len(reqs) == 2 * pages, (ex, len(reqs), reqs)
rep = json.load(open(f"{ex}.json"))
assert len(rep["windows"]) == 2, rep
for w in rep["windows"]:
    assert w["status"] == "done", w
    assert w["pages"] == pages and w["attempts"] == pages, (ex, w)
    assert w["statuses"] == [200] * pages, (ex, w)
    assert w["rows"] == n, (ex, w)
    ids = [json.loads(l)["id"] for l in open(w["output"])]
    want = [f"{w['start']}-{i}" for i in range(n)]
    assert sorted(ids) == sorted(want) and len(ids) == len(set(ids)), (ex, w["start"], len(ids))
    assert ids == want, (ex, "page order")
# each window's requests: its own set, pages in order
for day in ("2024-01-01", "2024-01-02"):
    mine = [l for l in reqs if f"set={day}" in l]
    assert len(mine) == pages, (ex, day, mine)
PY
    # the key went in the apikey header, never in a URL
    if [ "$ep" = ridb ]; then
        ! grep -q RIDBKEY req.log "$ex.json" || fail "$ex: the key is in a URL"
    fi
done <<<"$SHAPES"

# -v shows each page's request and status.
cp "$SLUICE_SRC/examples/reddit_new.yaml" ex/v.yaml
sed -i 's/^name: reddit_new/name: reddit_v/' ex/v.yaml
expect_status 0 "$SLUICE_BIN" run ex/v.yaml -v \
    --set "source.url=http://127.0.0.1:$PORT/pages/reddit" \
    --set 'source.params.set={start}' --set source.params.n=250
for p in 1 2 3; do
    grep -q "window 2024-01-01..2024-01-01 page $p: HTTP 200, " stderr.txt ||
        fail "-v: no line for page $p: $(cat stderr.txt)"
done
grep -q 'page 3: HTTP 200, 50 records (.*after=t3_199).*the last: the cursor $.data.after is null' stderr.txt ||
    fail "-v: last page: $(cat stderr.txt)"
grep -q '2024-01-01..2024-01-01 done: HTTP 200, 250 rows, 3 pages (HTTP 200 200 200)' stderr.txt ||
    fail "-v: window line: $(cat stderr.txt)"
! grep -q rd-token stderr.txt || fail "-v shows the token"

# --limit N counts windows, each pulled with all its pages.
cp "$SLUICE_SRC/examples/spotify_tracks.yaml" ex/lim.yaml
sed -i 's/^name: spotify_tracks/name: spotify_lim/' ex/lim.yaml
lim=(--set "source.url=http://127.0.0.1:$PORT/pages/spotify"
     --set 'source.params.set={start}' --set source.params.n=101
     --set windows.from=2024-01-01 --set windows.to=2024-01-03)
expect_status 0 "$SLUICE_BIN" run ex/lim.yaml "${lim[@]}" --limit 1 --report lim.json
python3 - <<'PY' || fail "--limit: see above"
import json
ws = json.load(open("lim.json"))["windows"]
assert len(ws) == 1 and ws[0]["start"] == "2024-01-01", ws
assert ws[0]["pages"] == 3 and ws[0]["rows"] == 101, ws[0]
PY
expect_status 0 "$SLUICE_BIN" run ex/lim.yaml "${lim[@]}" --report lim2.json
python3 - <<'PY' || fail "after --limit: see above"
import json
ws = json.load(open("lim2.json"))["windows"]
# the report lists windows as they ended: at concurrency 2, in either order
assert sorted(w["start"] for w in ws) == ["2024-01-02", "2024-01-03"], ws
assert all(w["pages"] == 3 and w["rows"] == 101 for w in ws), ws
PY
