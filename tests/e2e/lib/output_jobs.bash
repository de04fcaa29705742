# output_jobs.bash: for the tests of output.path's load-time checks
# (sourced after common.bash). Starts the bundled server with a request log
# and writes base.yaml: the NeoWs job over 20 daily windows.
start_mock --log req.log
write_job base.yaml "$BASE"
sed -i 's/to: 2025-12-31, step: 7d/to: 2020-01-20, step: 1d/' base.yaml

# job FILE PATH [EXTRA]: base.yaml with another output line.
job() {
    sed "s#^output: .*#output: {path: \"$2\"${3:+, $3}}#" base.yaml >"$1"
}
# line_of_output FILE: the line of FILE's output field (for file:line:col).
line_of_output() { grep -n '^output:' "$1" | cut -d: -f1; }
# nothing_done: a refused job made no request and wrote no file.
nothing_done() {
    [ "$(wc -l <req.log)" = 0 ] || fail "a refused job made requests"
    [ -z "$(find . -name '*.ndjson' -newer base.yaml)" ] || fail "a refused job wrote: $(find . -name '*.ndjson')"
}
