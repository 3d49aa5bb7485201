#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The layers call only downwards, and the model does no I/O.

Each layer is a static library (docs/architecture.md): probes (the outside
world) <- caps (the pure model) and cache (facts on disk) <- daemon (the
service). From the libraries' symbol tables: every dc_* symbol a layer
uses is defined in it or in a layer below, and caps uses no GIO, no main
loop and no libc file or process calls.

usage: check-layers.py BUILDDIR
"""
import os
import re
import subprocess
import sys

BUILD = sys.argv[1]
LAYERS = {  # library -> the libraries it may use
    "probes/libdcprobes.a": [],
    "daemon/caps/libdccaps.a": ["probes/libdcprobes.a"],
    "daemon/cache/libdccache.a": ["probes/libdcprobes.a"],
    "daemon/libdcdaemon.a": ["probes/libdcprobes.a", "daemon/caps/libdccaps.a",
                             "daemon/cache/libdccache.a", "dbus/libdcdbus.a"],
}
NO_IO = re.compile(r"^(g_(io|file|task|subprocess|socket|dbus|main_|timeout_|idle_|child_watch"
                   r"|spawn|unix|input|output|cancellable|mkdir|open|fopen|stat|lstat|unlink)"
                   r"|open|open64|fopen|fopen64|read|write|stat|stat64|fstat|opendir|fork|execve"
                   r"|socket|ioctl)$")


def symbols(lib, kind):
    out = subprocess.run(["nm", "-g", "--defined-only" if kind == "defined" else "-u",
                          os.path.join(BUILD, lib)], capture_output=True, text=True,
                         check=True).stdout
    return {line.split()[-1] for line in out.splitlines()
            if line.strip() and not line.endswith(":")}


def main():
    defined = {lib: symbols(lib, "defined") for lib in list(LAYERS) + ["dbus/libdcdbus.a"]}
    failures = []
    for lib, below in LAYERS.items():
        allowed = defined[lib].union(*(defined[b] for b in below))
        for sym in sorted(symbols(lib, "undefined")):
            if sym.startswith("dc_") and sym not in allowed:
                failures.append(f"{lib} calls {sym} from a layer above or beside it")
    for sym in sorted(symbols("daemon/caps/libdccaps.a", "undefined")):
        if NO_IO.match(sym):
            failures.append(f"the pure model calls {sym}")
    for f in failures:
        print(f"not ok: {f}")
    print(f"{'FAIL' if failures else 'ok'}: {len(LAYERS)} layers checked")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
