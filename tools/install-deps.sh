#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what building (and, with "test", testing) domcapsd needs on
# Debian 12. Run as root. Idempotent: skips apt when everything is there.
set -euo pipefail
build_pkgs=(meson ninja-build gcc pkg-config libglib2.0-dev libglib2.0-bin
            libjson-glib-dev libxml2-dev libsystemd-dev dbus)
run_pkgs=(qemu-system-x86 qemu-system-arm swtpm-tools)
test_pkgs=(qemu-system-s390x qemu-system-misc qemu-system-ppc python3-gi
           ovmf qemu-efi-aarch64 qemu-efi-arm clang libclang-rt-14-dev
           systemd groff-base systemd-container debootstrap debhelper dpkg-dev
           build-essential lintian virtinst mmdebstrap util-linux curl)

want=("${build_pkgs[@]}" "${run_pkgs[@]}")
if [ "${1:-}" = test ]; then
    want+=("${test_pkgs[@]}")
fi
missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
