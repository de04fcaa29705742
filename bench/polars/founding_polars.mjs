// founding_polars.mjs: the founding writer as a benchmark peer. The founding
// script's Parquet path: fetch each 7-day NeoWs window (gzip on the wire, as
// requests asks), collect every object of every day with its day added as
// `feed_date`, and write the window with
// `pl.DataFrame(neos).writeParquet(path, {compression: "zstd"})`, WORKERS
// windows in flight at once (the founding script's 4-thread pool).
// nodejs-polars 0.25.2, pinned in package.json + package-lock.json here:
// `npm ci` in bench/polars before bench/run.sh (nothing downloads at run
// time; make test never needs it).
//
//   usage: node founding_polars.mjs BASE_URL OUTDIR WORKERS [FROM TO [KEY]]
import fs from "node:fs";
import path from "node:path";
import pl from "nodejs-polars";

const [base, outdir, workersArg, fromArg = "2020-01-01", toArg = "2025-12-31",
    key = "DEMO_KEY"] = process.argv.slice(2);
if (!base || !outdir || !workersArg) {
    console.error("usage: node founding_polars.mjs BASE_URL OUTDIR WORKERS [FROM TO [KEY]]");
    process.exit(2);
}
const DAY = 86400000;
const iso = (t) => new Date(t).toISOString().slice(0, 10);
const windows = [];
for (let s = Date.parse(fromArg), last = Date.parse(toArg); s <= last; s += 7 * DAY)
    windows.push([iso(s), iso(Math.min(s + 6 * DAY, last))]);

fs.mkdirSync(outdir, { recursive: true });
let next = 0, rows = 0;
async function worker() {
    while (next < windows.length) {
        const [start, end] = windows[next++];
        const url = `${base}?start_date=${start}&end_date=${end}&api_key=${key}`;
        const resp = await fetch(url, { headers: { "Accept-Encoding": "gzip" } });
        if (!resp.ok)
            throw new Error(`${url}: HTTP ${resp.status}`);
        const feed = await resp.json();
        const neos = [];
        for (const [day, objects] of Object.entries(feed.near_earth_objects))
            for (const o of objects) {
                o.feed_date = day;
                neos.push(o);
            }
        pl.DataFrame(neos).writeParquet(path.join(outdir, `neos_${start}_${end}.parquet`),
            { compression: "zstd" });
        rows += neos.length;
    }
}
await Promise.all(Array.from({ length: Number(workersArg) }, worker));
console.error(`founding_polars.mjs: ${windows.length} windows, ${rows} rows`);
