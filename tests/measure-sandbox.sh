#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What each sandboxing directive of the system unit buys, in
# `systemd-analyze security --offline=true` exposure: the unit as built,
# then with one directive at a time removed.
#   tests/measure-sandbox.sh BUILDDIR
set -euo pipefail
unit="$1/data/domcapsd.service"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rate() {
    systemd-analyze security --offline=true --no-pager "$1" 2>/dev/null |
        sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
printf '%-28s %s\n' "(all)" "$(rate "$unit")"
start=$(grep -n '^UMask=' "$unit" | cut -d: -f1)
grep -n '^[A-Za-z]*=' "$unit" | while IFS=: read -r n line; do
    [ "$n" -ge "$start" ] || continue
    case "$line" in WantedBy=*|Alias=*) continue ;; esac
    sed "${n}d" "$unit" > "$tmp/domcapsd.service"
    printf 'without %-20s %s\n' "${line%%=*}" "$(rate "$tmp/domcapsd.service")"
done
