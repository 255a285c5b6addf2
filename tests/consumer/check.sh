#!/usr/bin/env bash
# Builds the tiny outside project in this folder against mprun both ways
# (add_subdirectory, and find_package after cmake --install) and runs it
# plainly and in parallel.   check.sh <mprun source> <mprun build> <scratch>
set -euo pipefail
src=$1 build=$2 work=$3
rm -rf "$work" && mkdir -p "$work"

run_both() {
  local bin=$1 out
  out=$("$bin")
  grep -q "\[  PASSED  \] 3 tests" <<<"$out" || { echo "plain run failed: $out"; exit 1; }
  out=$("$bin" --processes=2)
  grep -q "mprun: 3 passed, 0 failed, 0 skipped" <<<"$out" || { echo "parallel run failed: $out"; exit 1; }
}

echo "== add_subdirectory"
cmake -S "$src/tests/consumer" -B "$work/sub" -DMPRUN_SOURCE_DIR="$src" >"$work/sub.log" 2>&1 ||
  { cat "$work/sub.log"; exit 1; }
cmake --build "$work/sub" -j "$(nproc)" >>"$work/sub.log" 2>&1 || { cat "$work/sub.log"; exit 1; }
run_both "$work/sub/consumer_test"

echo "== cmake --install + find_package"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; exit 1; }
test -f "$work/prefix/include/mprun/mprun.h"
cmake -S "$src/tests/consumer" -B "$work/pkg" -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/pkg.log" 2>&1 ||
  { cat "$work/pkg.log"; exit 1; }
cmake --build "$work/pkg" -j "$(nproc)" >>"$work/pkg.log" 2>&1 || { cat "$work/pkg.log"; exit 1; }
run_both "$work/pkg/consumer_test"
echo "consumer: both ways work"
