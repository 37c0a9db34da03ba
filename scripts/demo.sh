#!/usr/bin/env bash
# The one command that runs the main job on a fresh machine: installs the missing
# Debian packages it needs (scripts/install-deps.sh --runtime --build), builds the
# extension (in the source tree, as `make` does) and the `learnerscore` CLI (in
# build/demo), installs the extension into a private copy of PostgreSQL 15 under
# /tmp (scripts/pg-sandbox.sh tree), and runs `learnerscore demo` on its own
# throw-away cluster started from that copy. Nothing is installed into the system's
# PostgreSQL or /usr/local; the copy and the cluster are removed at the end.
# Extra arguments go to the demo (e.g. --learners 500).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
export PG_CONFIG
scripts/install-deps.sh --runtime --build
echo "== building (the CLI in build/demo, the extension in the source tree)"
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release -DLS_BUILD_TESTS=OFF -DLS_BUILD_BENCH=OFF >/dev/null
cmake --build build/demo -j"$JOBS" --target learnerscore >/dev/null
make -s -j"$JOBS" PG_CONFIG="$PG_CONFIG" >/dev/null
TREE=build/demo/pg
trap 'scripts/pg-sandbox.sh stop "$TREE" >/dev/null 2>&1 || true' EXIT
scripts/pg-sandbox.sh tree "$TREE"
# shellcheck disable=SC1091
source "$TREE/env"   # LS_PG_BINDIR: `learnerscore demo` runs initdb and the server from the private copy
export LS_PG_BINDIR
build/demo/learnerscore demo "$@"
