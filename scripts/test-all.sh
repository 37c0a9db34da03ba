#!/usr/bin/env bash
# The one command that runs every test (README; .ci/run calls exactly this):
#   unit tests (GoogleTest/ctest, under AddressSanitizer + UndefinedBehaviorSanitizer),
#   fuzzing of the src/core decoders (tests/fuzz/run.sh: libFuzzer, FUZZ_SECONDS each),
#   pg_regress tests (make installcheck) and end-to-end scripts (tests/e2e/*.sh),
# against a throw-away cluster on a Unix socket. Installs missing packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${JOBS:-$(nproc)}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
export PG_CONFIG

scripts/install-deps.sh

echo "== [1/5] unit tests (ASan + UBSan)"
if [ "${LS_SKIP_UNIT:-0}" = 1 ]; then echo "skipped (LS_SKIP_UNIT=1, for local iteration only)"; else
cmake -S . -B build/asan -DLS_SANITIZE=ON -DLS_BUILD_BENCH=OFF -DLS_BUILD_CLI=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build/asan -j"$JOBS" >/dev/null
(cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j"$JOBS") | grep -Ev '^ *([0-9]+/[0-9]+ Test +#|Start +[0-9]+: )' || exit 1
fi

echo "== [2/5] fuzzing (libFuzzer + ASan + UBSan, ${FUZZ_SECONDS:-20} s per target)"
JOBS="$JOBS" tests/fuzz/run.sh

echo "== [3/5] CLI and benchmarks (release) and the extension"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$JOBS" >/dev/null
# The tests use the CLI from the build tree; nothing is installed into the system.
export PATH="$ROOT/build/release:$PATH"
make -s -j"$JOBS" PG_CONFIG="$PG_CONFIG" >/dev/null

SANDBOX="$ROOT/build/pgtest"
trap 'scripts/pg-sandbox.sh stop "$SANDBOX" || true' EXIT
scripts/pg-sandbox.sh stop "$SANDBOX" >/dev/null 2>&1 || true
scripts/pg-sandbox.sh start "$SANDBOX"
# shellcheck disable=SC1091
source "$SANDBOX/env"

echo "== [4/5] pg_regress (make installcheck)"
if ! make -s installcheck PG_CONFIG="$PG_CONFIG"; then
  for f in build/regress/regression.diffs; do [ -f "$f" ] && head -200 "$f"; done
  exit 1
fi

echo "== [5/5] end-to-end tests"
pass=0; fail=0; skip=0; failed=()
# Every tests/e2e/*.sh is a test; helpers they source or call live in tests/e2e/lib/.
# Exit 0 passes, 77 is a skip (its reason: the script's `SKIP: …` line), anything else fails.
for t in tests/e2e/*.sh; do
  [ -e "$t" ] || continue
  name=$(basename "$t" .sh)
  start=$(date +%s)
  rc=0; bash "$t" >"build/e2e-$name.log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    pass=$((pass+1)); echo "e2e $name ... ok ($(( $(date +%s) - start )) s)"
  elif [ "$rc" -eq 77 ]; then
    skip=$((skip+1))
    reason=$(sed -n 's/^SKIP:* *//p' "build/e2e-$name.log" | head -1)
    echo "e2e $name ... skipped (${reason:-no reason given})"
  else
    fail=$((fail+1)); failed+=("$name"); echo "e2e $name ... FAILED (exit $rc)"; tail -40 "build/e2e-$name.log"
  fi
done
((${#failed[@]} == 0)) || echo "e2e failed: ${failed[*]} (logs: build/e2e-<name>.log)"
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]

# No test may crash the server: a backend killed by a signal makes the postmaster
# restart every session, which a test retrying its queries could hide.
echo "== server log of the test cluster: no crash"
LOG=${LS_PG_LOG:-$PGHOST/server.log}
[ -r "$LOG" ] || { echo "server log $LOG not readable"; exit 1; }
if grep -E 'was terminated by signal|terminating any other active server processes|PANIC' "$LOG"; then
  echo "the test cluster crashed during the tests (see the lines above, from $LOG)"; exit 1
fi
echo "no crash in $LOG"
echo "== all tests passed"
