#!/usr/bin/env python3
"""report.py: turns the samples bench/run.sh recorded into Markdown tables.

Input: a TSV of samples (scenario, label, kind, concurrency, run, wall s,
user s, sys s, max RSS KiB), and KEY=VALUE lines of metadata (machine, JSON
bytes, ...). Per row it prints the median wall and CPU time, CPU seconds per
100 MB of JSON and the largest peak RSS, then ratios: to curl's raw fetch of
the same scenario, and to the Python approach at the same concurrency (curl
rows are compared with Python at 32). Ratios only: absolute times depend on
the machine, and the peers ran in the same session on the same server.

    usage: report.py SAMPLES.tsv META.txt
"""
import statistics
import sys


def load(path):
    rows = {}
    order = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            scen, label, kind, conc, _run, wall, user, sys_, rss = \
                line.rstrip("\n").split("\t")
            key = (scen, label)
            if key not in rows:
                rows[key] = {"scenario": scen, "label": label, "kind": kind,
                             "conc": int(conc), "wall": [], "cpu": [],
                             "rss": []}
                order.append(key)
            r = rows[key]
            r["wall"].append(float(wall))
            r["cpu"].append(float(user) + float(sys_))
            r["rss"].append(int(rss))
    return [rows[k] for k in order]


def ratio(a, b):
    if b is None or b <= 0:
        return "–"
    return f"{a / b:.2f}×"


def main(argv):
    rows = load(argv[1])
    meta = {}
    with open(argv[2], encoding="utf-8") as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    for r in rows:
        r["wall_m"] = statistics.median(r["wall"])
        r["cpu_m"] = statistics.median(r["cpu"])
        r["rss_max"] = max(r["rss"])
    out = []
    scenarios = []
    for r in rows:
        if r["scenario"] not in scenarios:
            scenarios.append(r["scenario"])
    for scen in scenarios:
        rs = [r for r in rows if r["scenario"] == scen]
        curl = next((r for r in rs if r["kind"] == "curl-ref"), None)
        found = next((r for r in rs if r["kind"] == "founding"), None)
        py = {r["conc"]: r for r in rs if r["kind"] == "python"}
        # per-scenario JSON size (bench/run.sh), else the one of older runs
        json_bytes = int(meta.get(f"json_bytes[{scen}]", meta.get("json_bytes", 0)))
        per100 = json_bytes / 1e8 or 1
        out.append(f"### {scen}\n")
        out.append("| peer | wall s (median) | CPU s (median) | CPU-s / 100 MB "
                   "| peak RSS MiB | wall ×curl | CPU ×curl | wall ×founding "
                   "| CPU ×founding |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in rs:
            ref_py = found or py.get(r["conc"] if r["kind"] not in ("curl", "curl-ref")
                                     else 32)
            out.append(
                f"| {r['label']} | {r['wall_m']:.3f} | {r['cpu_m']:.3f} "
                f"| {r['cpu_m'] / per100:.2f} | {r['rss_max'] / 1024:.1f} "
                f"| {ratio(r['wall_m'], curl and curl['wall_m'])} "
                f"| {ratio(r['cpu_m'], curl and curl['cpu_m'])} "
                f"| {ratio(r['wall_m'], ref_py and ref_py['wall_m'])} "
                f"| {ratio(r['cpu_m'], ref_py and ref_py['cpu_m'])} |")
        out.append("")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
