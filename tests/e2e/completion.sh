#!/usr/bin/env bash
# The bash completion the build writes (BUILD/completion/sluice, installed
# under share/bash-completion/completions/) offers the verbs, for each verb
# exactly the options `sluice VERB --help` names, and after --set every
# field of docs/job-file.md's table and no other. The zsh completion gets
# the same fields (zsh itself is not installed here, so it is not run).
source "$(dirname "$0")/lib/common.bash"
BUILD=$(dirname "$SLUICE_BIN")
COMPLETION="$BUILD/completion/sluice"
[ -f "$COMPLETION" ] || fail "no $COMPLETION"
# shellcheck disable=SC1090
source "$COMPLETION"

# complete WORD...: what the completion offers for the last WORD (which may
# be empty), one per line, sorted.
complete_words() {
    COMP_WORDS=(sluice "$@")
    COMP_CWORD=$#
    COMPREPLY=()
    _sluice
    printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort
}

complete_words "" >verbs.txt
printf '%s\n' run plan status pull schema cat help --help --version | sort >want.txt
diff -u want.txt verbs.txt || fail "verbs offered differ"
complete_words h >h.txt
[ "$(cat h.txt)" = help ] || fail "'h' completes to $(cat h.txt)"

for verb in run plan status pull schema cat; do
    expect_status 0 "$SLUICE_BIN" "$verb" --help
    { grep -o -- '--[a-z][a-z-]*' stdout.txt; echo --help; } | sort -u >want.txt
    complete_words "$verb" job.yaml -- >got.txt
    diff -u want.txt got.txt >opts.diff ||
        fail "$verb: options offered differ from $verb --help (-help +completion): $(cat opts.diff)"
done

grep -o '^| `[a-z0-9_.]*` |' "$SLUICE_SRC/docs/job-file.md" |
    sed 's/^| `\(.*\)` |$/\1=/' | sort >want.txt
[ "$(wc -l <want.txt)" -ge 30 ] || fail "only $(wc -l <want.txt) fields in docs/job-file.md"
complete_words run job.yaml --set "" >got.txt
diff -u want.txt got.txt >fields.diff || fail "--set fields differ (-doc +completion): $(cat fields.diff)"
complete_words pull URL --set wind >got.txt
printf '%s\n' windows.from= windows.step= windows.to= >want.txt
diff -u want.txt got.txt || fail "--set wind: $(cat got.txt)"
# an option's value is the user's own: nothing offered
complete_words run job.yaml --limit "" >got.txt
[ ! -s got.txt ] || fail "--limit offers $(cat got.txt)"
# zsh's copy holds the same fields
zsh_fields=$(sed -n 's/^fields=(\(.*\))$/\1/p' "$BUILD/completion/_sluice" | tr ' ' '\n' | sed 's/$/=/' | sort)
[ "$zsh_fields" = "$(sed 's/^| `\(.*\)` |$/\1=/' < <(grep -o '^| `[a-z0-9_.]*` |' "$SLUICE_SRC/docs/job-file.md") | sort)" ] ||
    fail "zsh completion fields differ from docs/job-file.md"
echo "ok"
