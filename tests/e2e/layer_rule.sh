#!/usr/bin/env bash
# The layer rule, enforced by both builds: src/core has no PostgreSQL header.
# A probe file that includes postgres.h is put into src/core/base for the
# length of this test; compiling it must fail under PGXS (the Makefile builds
# src/core without the server's include directories) and under CMake (whose
# core libraries never see them). A file in src/pg, which may, compiles.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
probe=src/core/base/zz_layer_probe
work=$(mktemp -d)
trap 'rm -f "$ROOT/$probe.cpp" "$ROOT/$probe.o" "$ROOT/$probe.d"; rm -rf "$work"' EXIT
printf '#include "postgres.h"\nint zz_layer_probe() { return PG_VERSION_NUM; }\n' >"$probe.cpp"

echo "== PGXS: src/core may not include postgres.h"
if make -s "$probe.o" PG_CONFIG="$PG_CONFIG" >"$work/pgxs.log" 2>&1; then
  echo "FAIL: the PGXS build compiled a src/core file that includes postgres.h"; exit 1
fi
grep -q 'postgres.h: No such file or directory' "$work/pgxs.log" || { cat "$work/pgxs.log"; echo "FAIL: unexpected PGXS error"; exit 1; }
grep -m1 'postgres.h' "$work/pgxs.log"

echo "== PGXS: src/pg may (control: the same file compiles there)"
cp "$probe.cpp" src/pg/base/zz_layer_probe.cpp
trap 'rm -f "$ROOT/$probe.cpp" "$ROOT/$probe.o" "$ROOT/$probe.d" "$ROOT"/src/pg/base/zz_layer_probe.*; rm -rf "$work"' EXIT
make -s src/pg/base/zz_layer_probe.o PG_CONFIG="$PG_CONFIG" >"$work/pg.log" 2>&1 || { cat "$work/pg.log"; echo "FAIL: control did not compile in src/pg"; exit 1; }
rm -f src/pg/base/zz_layer_probe.*

echo "== CMake: src/core may not include postgres.h"
cmake -S . -B "$work/cmake" -DLS_BUILD_BENCH=OFF -DLS_BUILD_CLI=OFF >/dev/null
if make -C "$work/cmake" "$probe.o" >"$work/cmake.log" 2>&1; then
  echo "FAIL: the CMake build compiled a src/core file that includes postgres.h"; exit 1
fi
grep -q 'postgres.h: No such file or directory' "$work/cmake.log" || { tail -20 "$work/cmake.log"; echo "FAIL: unexpected CMake error"; exit 1; }
grep -m1 'postgres.h' "$work/cmake.log"
echo "layer rule holds"
