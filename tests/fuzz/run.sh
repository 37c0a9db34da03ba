#!/usr/bin/env bash
# Builds every tests/fuzz/fuzz_*.cpp as a libFuzzer target (clang++-14,
# -fsanitize=fuzzer,address,undefined, UB fatal) linked with the src/core
# sources, runs each for FUZZ_SECONDS seconds (default 20) and fails on any
# crash, sanitizer report, leak or timeout. A fuzz target is a standalone file
# defining LLVMFuzzerTestOneInput over a pure decoder of src/core.
#
# src/core is compiled once per change (build/fuzz/obj, with
# -fsanitize=fuzzer-no-link) into an archive, so each target links only the
# objects it uses. src/core files the targets cannot link are listed in
# CORE_EXCLUDE below (none today: the core needs only Eigen, Boost headers and
# libdl, which every target gets).
#   FUZZ_SECONDS=60 tests/fuzz/run.sh            all targets, 60 s each
#   tests/fuzz/run.sh fuzz_causal_state          one target
# Findings are kept as build/fuzz/<target>/crash-* (reproduce: build/fuzz/<target>/<target> <file>).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SECS=${FUZZ_SECONDS:-20}
JOBS=${JOBS:-2}
CXX=${FUZZ_CXX:-clang++-14}
OUT=$ROOT/build/fuzz
CORE_EXCLUDE=()
SAN=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
CXXFLAGS=(-std=c++17 -O1 -g -Isrc -isystem /usr/include/eigen3 -DEIGEN_NO_DEBUG -Wno-deprecated-declarations)

command -v "$CXX" >/dev/null || { echo "fuzz: $CXX not found (scripts/install-deps.sh installs clang-14 libclang-rt-14-dev)" >&2; exit 1; }
mkdir -p "$OUT/obj"
# src/core/<domain>/<name>.cpp -> <domain>__<name>.o (names repeat across domains)
obj_name() { local p=${1#src/core/}; p=${p//\//__}; echo "${p%.cpp}.o"; }

# ---- src/core -> build/fuzz/libcore.a (a source is recompiled when it or any core header is newer than its object)
newest_header=$(ls -t src/core/*/*.h | head -1)
srcs=()
for f in src/core/*/*.cpp; do
  skip=0; for x in "${CORE_EXCLUDE[@]:-}"; do [ "$f" = "$x" ] && skip=1; done
  [ $skip = 1 ] || srcs+=("$f")
done
stale=()
for f in "${srcs[@]}"; do
  o="$OUT/obj/$(obj_name "$f")"
  if [ ! -f "$o" ] || [ "$f" -nt "$o" ] || [ "$newest_header" -nt "$o" ]; then stale+=("$f"); fi
done
if ((${#stale[@]})); then
  echo "== fuzz: compiling ${#stale[@]} src/core sources"
  for f in "${stale[@]}"; do printf '%s\n%s\n' "$f" "$OUT/obj/$(obj_name "$f")"; done |
    xargs -d '\n' -n 2 -P "$JOBS" sh -c 'exec '"$CXX ${CXXFLAGS[*]} ${SAN[*]}"' -fsanitize=fuzzer-no-link -c "$0" -o "$1"'
fi
rm -f "$OUT/libcore.a"
objs=(); for f in "${srcs[@]}"; do objs+=("$OUT/obj/$(obj_name "$f")"); done
ar rcs "$OUT/libcore.a" "${objs[@]}"

# ---- targets
targets=()
if (($#)); then targets=("$@"); else for f in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done; fi
fail=0
for t in "${targets[@]}"; do
  dir="$OUT/$t"; mkdir -p "$dir/corpus"
  echo "== fuzz: building $t"
  "$CXX" "${CXXFLAGS[@]}" "${SAN[@]}" -fsanitize=fuzzer "tests/fuzz/$t.cpp" "$OUT/libcore.a" -ldl -o "$dir/$t"
  seeds=(); [ -d "tests/fuzz/corpus/$t" ] && seeds=("$PWD/tests/fuzz/corpus/$t")   # read-only seeds (the run happens in $dir)
  echo "== fuzz: running $t for ${SECS}s"
  if (cd "$dir" && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
        "./$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        corpus "${seeds[@]}" >"$dir/log" 2>&1); then
    echo "fuzz $t ... ok ($(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$dir/log" | grep -Eo '[0-9]+$' || echo '?') runs, corpus $(ls "$dir/corpus" | wc -l))"
  else
    fail=1; echo "fuzz $t ... FAILED"; tail -60 "$dir/log"
  fi
done
[ "$fail" -eq 0 ]
