#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The whole test suite: install what it needs (real QEMU for x86_64,
# aarch64, s390x, riscv64, ppc64; dbus; python3-gi; libvirt is installed by
# tests/tools/libvirt-reference for the conformance test), build, and
# run `meson test`. Run as root from the repository: bash tests/run-suite.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh test
[ -d build ] || meson setup build -Dwerror=true >/dev/null
ninja -C build >/dev/null
meson test -C build --print-errorlogs "$@"
