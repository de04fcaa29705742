#!/usr/bin/env bash
# install-deps.sh [--test]: installs the Debian 12 packages sluice needs to
# build (and with --test, to run its tests), and nothing when they are all
# present (so `make` stays fast and works offline once a machine is set up).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libcurl4-openssl-dev libyaml-dev libzstd-dev zlib1g-dev libsnappy-dev
  libmicrohttpd-dev libsqlite3-dev libpq-dev
)
if [ "${1:-}" = --test ]; then
  # the end-to-end tests' checks (python3), requests (curl) and test
  # certificates (openssl)
  packages+=(python3 curl openssl)
  # the manual's test (man -l), the install test (readelf), and the Python
  # binding's: an offline `pip install --no-build-isolation` and a real
  # IPython kernel for the notebook case
  packages+=(man-db groff-base binutils python3-pip python3-setuptools
             python3-ipykernel python3-jupyter-client)
  # the database destinations' tests start a real PostgreSQL 15 and compare
  # with the sqlite3 shell; the S3 tests verify SigV4 with botocore
  packages+=(postgresql sqlite3 python3-botocore)
  # sluice.dask's test runs a Dask scheduler and workers (dask_neows.sh)
  packages+=(python3-distributed)
  # The Parquet conformance tests read sluice's files with Node.js readers
  # (tests/conformance/). Debian 12's nodejs 18 and npm 9 suffice; a Node.js
  # installed otherwise (nodesource, nvm) is used as it is.
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "sluice: installing missing build dependencies: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
