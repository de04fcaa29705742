"""check_kernel.py: the notebook case. Starts a real IPython kernel
(Debian's python3-ipykernel, through jupyter_client), whose own asyncio
loop is already running, and executes in it a cell with a top-level
`await job.run_async(progress=...)` against the bundled server: what a
Jupyter or Databricks user does, with no nest_asyncio. The cell prints the
windows done and the progress calls seen; this script checks them.

Arguments: the feed URL of a running neows-mock, and a scratch folder for
the job's ledger and files. The kernel inherits the environment
(PYTHONPATH for the package, SLUICE_LIBRARY for the library).
"""
import os
import queue
import sys

from jupyter_client.manager import start_new_kernel

BASE, FOLDER = sys.argv[1], sys.argv[2]
CELL = f"""
import os, sluice
os.chdir({FOLDER!r})
job = sluice.Job.load(set={{
    "name": "nb", "source.url": {BASE!r},
    "source.params.start_date": "{{start}}", "source.params.end_date": "{{end}}",
    "source.params.api_key": "DEMO_KEY",
    "source.records": "$.near_earth_objects.*[*]",
    "windows.from": "2020-01-01", "windows.to": "2020-03-31",
    "windows.step": "7d", "concurrency": "2",
    "output.path": "out/{{start}}.ndjson"}})
seen = []
result = await job.run_async(progress=lambda p: seen.append(p))
done = [w for w in result.windows if w["result"] == "done"]
print("KERNEL", len(done), len(seen) > 0, result.outcome)
"""


def fail(what):
    print(f"FAIL: {what}", file=sys.stderr)
    sys.exit(1)


km, kc = start_new_kernel(kernel_name="python3", startup_timeout=60)
try:
    msg_id = kc.execute(CELL)
    out, errors = [], []
    while True:
        try:
            m = kc.get_iopub_msg(timeout=120)  # a bound, not a wait
        except queue.Empty:
            fail("the kernel went silent for 120 s")
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        t = m["msg_type"]
        if t == "stream":
            out.append(m["content"]["text"])
        elif t == "error":
            errors.append("\n".join(m["content"]["traceback"]))
        elif t == "status" and m["content"]["execution_state"] == "idle":
            break
    text = "".join(out)
    if errors:
        fail("the cell raised:\n" + "\n".join(errors))
    line = [l for l in text.splitlines() if l.startswith("KERNEL ")]
    if not line:
        fail(f"no result line in {text!r}")
    _, n, progressed, outcome = line[0].split()
    if n != "13" or progressed != "True":
        fail(f"in the kernel: {line[0]}")
    files = sorted(os.listdir(os.path.join(FOLDER, "out")))
    if len(files) != 13:
        fail(f"{len(files)} files written")
    print(f"kernel ok: 13 windows done inside the kernel's running loop ({outcome})")
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
