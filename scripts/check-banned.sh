#!/usr/bin/env bash
# check-banned.sh: refuses functions our style bans (docs/internals/style.md):
# they either overflow silently or hide errors.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\b(strcpy|strcat|sprintf|vsprintf|strncpy|atoi|atol|strtok|gets)[[:space:]]*\('
if grep -rnE "$pattern" lib src tests/mock tests/unit --include='*.c' --include='*.h'; then
  echo "check-banned: banned function used (see docs/internals/style.md)" >&2
  exit 1
fi
