#!/usr/bin/env bash
# Installs the Debian packages learnerscore needs, only those that are missing.
set -euo pipefail
PKGS=(postgresql-15 postgresql-server-dev-15 libpq-dev libssl-dev libeigen3-dev libxgboost-dev
      libboost-math-dev libgtest-dev libbenchmark-dev cmake g++ make pkg-config
      python3-sklearn python3-statsmodels python3-pandas python3-xgboost python3-scipy bc
      clang-14 libclang-rt-14-dev  # clang-14 + its runtime: the libFuzzer targets (tests/fuzz/run.sh)
      nodejs  # build: npm fetches Apache ECharts once (cmake/echarts.cmake); tests: puppeteer-core
      chromium fonts-dejavu-core  # tests: tests/e2e/report_browser.sh (headless Chromium)
      odbc-postgresql unixodbc python3-psycopg2)  # tests: tests/e2e/bi_drivers.sh (psqlODBC, isql, psycopg2)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm: part of nodesource's nodejs, a package of its own with Debian's (which conflicts with the former)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  echo "== installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq || true
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "== dependencies present"
