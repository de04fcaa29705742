#!/usr/bin/env bash
# `sluice VERB --help` (or -h, or `sluice help VERB`) prints that verb's
# usage on stdout and exits 0, wherever the flag stands, without reading a
# job file or making a request; an unknown verb is a usage error. Every
# option a verb's usage names is one docs/cli.md documents, so the two
# cannot drift apart.
source "$(dirname "$0")/lib/common.bash"

for verb in run plan status pull schema cat; do
    expect_status 0 "$SLUICE_BIN" "$verb" --help
    [ -s stdout.txt ] || fail "$verb --help: nothing on stdout"
    [ ! -s stderr.txt ] || fail "$verb --help: stderr: $(cat stderr.txt)"
    head -n 1 stdout.txt | grep -q "^usage: sluice $verb " ||
        fail "$verb --help: first line '$(head -n 1 stdout.txt)'"
    cp stdout.txt "want-$verb.txt"
    # the same text from -h, from `help VERB`, and with other arguments
    # around it (the job file need not exist: nothing is loaded)
    for form in "-h" "help" "nosuch.yaml --set a=b --help"; do
        if [ "$form" = help ]; then
            expect_status 0 "$SLUICE_BIN" help "$verb"
        else
            # shellcheck disable=SC2086
            expect_status 0 "$SLUICE_BIN" "$verb" $form
        fi
        cmp -s stdout.txt "want-$verb.txt" || fail "$verb $form: other text: $(cat stdout.txt)"
    done
    # each option named is documented in docs/cli.md
    for opt in $(grep -o -- '--[a-z][a-z-]*' "want-$verb.txt" | sort -u); do
        [ "$opt" = --help ] && continue
        grep -q -- "$opt\\b" "$SLUICE_SRC/docs/cli.md" ||
            fail "$verb --help names $opt, which docs/cli.md does not document"
    done
done
# A verb's usage is its own: run's names --report, cat's does not.
grep -q -- --report want-run.txt || fail "run --help does not name --report"
! grep -q -- --report want-cat.txt || fail "cat --help names --report"
grep -q -- --param want-pull.txt || fail "pull --help does not name --param"
# exit statuses are in the usage of the verbs that run a job
grep -q '^exit status' want-run.txt || fail "run --help: no exit statuses"

# The whole usage still lists every verb.
expect_status 0 "$SLUICE_BIN" --help
for verb in run plan status pull schema cat; do
    grep -q "^  $verb " stdout.txt || fail "sluice --help does not list $verb"
done

# An unknown verb, with --help or `help`, is a usage error naming it.
expect_status 2 "$SLUICE_BIN" frob --help
grep -q "unknown command 'frob'" stderr.txt || fail "frob --help: $(cat stderr.txt)"
expect_status 2 "$SLUICE_BIN" help frob
grep -q "unknown command 'frob'" stderr.txt || fail "help frob: $(cat stderr.txt)"
echo "ok"
