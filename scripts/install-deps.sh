#!/usr/bin/env bash
# Installs the Debian packages learnerscore needs, only those that are missing.
#   scripts/install-deps.sh --runtime   what the server extension and the CLI need to run
#   scripts/install-deps.sh --build     what building the extension and the CLI from source needs
#   scripts/install-deps.sh --package   --build plus the Debian packaging tools (make deb)
#   scripts/install-deps.sh             everything the tests need (scripts/test-all.sh):
#                                       all of the above plus the test stack
# Options combine (scripts/demo.sh uses --runtime --build); --print lists the
# packages of the chosen sets and installs nothing. docs/packaging.md explains the sets.
# shellcheck disable=SC2034  # the package sets are read through a nameref below
set -euo pipefail

# Run time: the server, the client library, libcrypto (the CLI's file digests), and
# XGBoost's shared library, which learnerscore.so loads with dlopen on first use.
RUNTIME=(postgresql-15 libpq5 libssl3 libxgboost0)
# Building from source (PGXS Makefile for the extension, CMake for the CLI).
BUILD=(g++ make cmake pkg-config postgresql-server-dev-15 libpq-dev libssl-dev libeigen3-dev
       libboost-dev libboost-math-dev libxgboost-dev
       nodejs)  # npm fetches Apache ECharts once at configure time (cmake/echarts.cmake) for learnerscore report
# Building the Debian packages (scripts/build-deb.sh): debhelper and pg_buildext.
PACKAGE=(dpkg-dev debhelper postgresql-server-dev-all fakeroot)
# The tests only: GoogleTest, Google Benchmark, the Python reference checks, the fuzz
# targets (clang-14 + its runtime, tests/fuzz/run.sh), bc for the e2e scripts.
TEST=(libgtest-dev libbenchmark-dev python3-sklearn python3-statsmodels python3-pandas
      python3-xgboost python3-scipy bc clang-14 libclang-rt-14-dev
      postgresql-15-cron                              # tests/e2e/nightly_pg_cron.sh
      chromium fonts-dejavu-core                      # tests/e2e/report_browser.sh (headless Chromium)
      odbc-postgresql unixodbc python3-psycopg2)      # tests/e2e/bi_drivers.sh (psqlODBC, isql, psycopg2)

sets=(); print=0
for a in "$@"; do
  case "$a" in
    --runtime) sets+=(RUNTIME) ;;
    --build)   sets+=(BUILD) ;;
    --package) sets+=(BUILD PACKAGE) ;;
    --print)   print=1 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $a (see --help)" >&2; exit 2 ;;
  esac
done
((${#sets[@]})) || sets=(RUNTIME BUILD PACKAGE TEST)
PKGS=()
for s in "${sets[@]}"; do declare -n set_ref="$s"; PKGS+=("${set_ref[@]}"); unset -n set_ref; done
mapfile -t PKGS < <(printf '%s\n' "${PKGS[@]}" | awk '!seen[$0]++')
if ((print)); then printf '%s\n' "${PKGS[@]}"; exit 0; fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm (building the CLI): part of nodesource's nodejs, a package of its own with Debian's (which conflicts with the former)
if [[ " ${sets[*]} " == *" BUILD "* ]]; then command -v npm >/dev/null || missing+=(npm); fi
if ((${#missing[@]})); then
  echo "== installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq || true
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "== dependencies present (${sets[*],,})"
