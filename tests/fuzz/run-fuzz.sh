#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds a libFuzzer target with clang (ASan + UBSan) and runs it for a
# bounded time over its seed corpus. Exit 0: no finding; 1: a finding
# (libFuzzer's own code for one, 77, would read as a skip); 77: no clang.
#   run-fuzz.sh SOURCEDIR BUILDDIR TARGET SECONDS
set -euo pipefail
src=$1 build=$2 target=$3 seconds=$4
command -v clang >/dev/null || { echo "SKIP: clang is not installed"; exit 77; }
out="$build/fuzz"
mkdir -p "$out/$target-findings" "$out/$target-corpus"
# shellcheck disable=SC2046
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -D_GNU_SOURCE -I"$build" -I"$src/facts" -I"$src/probes" -I"$src/daemon" \
    $(pkg-config --cflags --libs glib-2.0 gio-2.0 json-glib-1.0 libxml-2.0) \
    "$src/tests/fuzz/fuzz-$target.c" "$src/facts/dc-firmware.c" "$src/probes/dc-firmware-load.c" \
    "$src/facts/dc-json.c" "$src/facts/dc-arch.c" "$src/probes/dc-qmp.c" "$src/probes/dc-file.c" \
    "$src/daemon/dc-domain-xml.c" "$src/daemon/dc-errors.c" \
    -o "$out/fuzz-$target"
cp -n "$src/tests/fuzz/corpus-$target/"* "$out/$target-corpus/" 2>/dev/null || true
ASAN_OPTIONS=detect_leaks=1 "$out/fuzz-$target" -max_total_time="$seconds" \
    -max_len=65536 -timeout=10 -error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$out/$target-findings/" \
    "$out/$target-corpus" 2>&1 | tail -n 3
