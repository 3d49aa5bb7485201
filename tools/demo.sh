#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The main job, end to end: install what is needed, build, start domcapsd
# on a private session bus, and ask it over D-Bus what this host's QEMU
# can do. Run as root from the repository: bash tools/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh run
[ -d build ] || meson setup build -Dwerror=true >/dev/null
ninja -C build >/dev/null

exec dbus-run-session -- bash -c '
    ./build/daemon/domcapsd --session &
    daemon=$!
    for _ in $(seq 600); do
        gdbus call --session --dest org.freedesktop.DBus \
            --object-path /org/freedesktop/DBus \
            --method org.freedesktop.DBus.NameHasOwner \
            org.domcapsd.DomainCapabilities1 2>/dev/null | grep -q true && break
        sleep 0.1
    done
    # the name comes before the probes; a query waits for the one it needs
    ./build/tools/domcapsctl --session domcapabilities
    status=$?
    echo
    ./build/tools/domcapsctl --session list
    kill -TERM $daemon
    wait $daemon
    exit $status
' 2> >(grep -v "Failed to set fd limit" >&2)
