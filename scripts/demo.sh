#!/usr/bin/env bash
# The one command that runs the main job on a fresh machine: installs missing
# packages, builds and installs the extension and the `learnerscore` CLI, then
# runs `learnerscore demo` on its own throw-away cluster. Extra arguments go to
# the demo (e.g. --learners 500).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
scripts/install-deps.sh
echo "== building"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$JOBS" >/dev/null
make -s -j"$JOBS" PG_CONFIG="$PG_CONFIG" >/dev/null
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
$SUDO cmake --install build/release --prefix /usr/local >/dev/null
echo "== installed: $(command -v learnerscore)"
exec learnerscore demo "$@"
