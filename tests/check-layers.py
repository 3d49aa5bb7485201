#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The layers call only downwards, and the lowest two do no I/O.

Each layer is a static library (docs/architecture.md): common (what the
daemon and its clients say to each other) and facts (what an emulator,
the host and firmware are, and their codec) at the bottom; probes (the
outside world) <- cache (facts on disk); caps (the pure model, which never
sees probes); all of them <- daemon (the service). From the libraries'
symbol tables: every dc_* symbol a layer uses is defined in it or in a
layer it may use, and common, facts and caps use no GIO, no main loop and
no libc file or process calls.

usage: check-layers.py BUILDDIR
"""
import os
import subprocess
import sys

BUILD = sys.argv[1]
COMMON, FACTS = "common/libdccommon.a", "facts/libdcfacts.a"
PROBES, CAPS = "probes/libdcprobes.a", "daemon/caps/libdccaps.a"
CACHE = "daemon/cache/libdccache.a"
LAYERS = {  # library -> the libraries it may use
    COMMON: [],
    FACTS: [],
    PROBES: [FACTS],
    CAPS: [COMMON, FACTS],
    CACHE: [FACTS, PROBES],
    "daemon/libdcdaemon.a": [COMMON, FACTS, PROBES, CAPS, CACHE, "dbus/libdcdbus.a"],
}
PURE = [COMMON, FACTS, CAPS]
# GLib's and GIO's I/O, main-loop and process families are prefixes (every
# g_file_* is I/O); libc's calls are whole names.
NO_IO_PREFIXES = ("g_io_", "g_file_", "g_task_", "g_subprocess", "g_socket", "g_dbus_",
                  "g_main_", "g_timeout_", "g_idle_", "g_child_watch", "g_spawn",
                  "g_unix_", "g_input_", "g_output_", "g_cancellable_", "g_source_",
                  "g_dir_", "g_mkdir", "g_open", "g_fopen", "g_stat", "g_lstat",
                  "g_unlink", "g_remove", "g_rename", "g_mapped_file", "g_usleep",
                  "g_thread_", "g_bus_")
NO_IO_NAMES = {"open", "open64", "openat", "fopen", "fopen64", "read", "write", "pread",
               "pwrite", "stat", "stat64", "fstat", "fstat64", "lstat", "opendir",
               "readdir", "fork", "vfork", "execve", "execv", "execvp", "socket",
               "connect", "ioctl", "mmap", "unlink", "rename", "system", "popen",
               "getenv", "time", "clock_gettime"}
# Known-bad and known-good symbols: the check must say so of each, or it
# cannot be trusted (a pattern that matches nothing passes everything).
SELF_TEST_BAD = ("g_file_get_contents", "g_spawn_sync", "g_timeout_add",
                 "g_main_context_iteration", "g_io_channel_new_file", "g_task_new",
                 "g_dbus_connection_call_sync", "g_subprocess_new", "open", "read",
                 "fopen64")
SELF_TEST_GOOD = ("g_strdup", "g_hash_table_lookup", "g_ptr_array_add",
                  "g_string_append", "xmlTextWriterStartElement", "strcmp",
                  "g_filename_to_utf8", "g_ascii_strtoll", "g_io_error_quark")


def does_io(sym):
    if sym.endswith("_error_quark"):     # naming an error's domain is no I/O
        return False
    return sym in NO_IO_NAMES or sym.startswith(NO_IO_PREFIXES)


def self_test():
    wrong = [s for s in SELF_TEST_BAD if not does_io(s)]
    wrong += [s for s in SELF_TEST_GOOD if does_io(s)]
    for sym in wrong:
        print(f"not ok: the I/O check misjudges {sym}")
    return not wrong


def symbols(lib, kind):
    out = subprocess.run(["nm", "-g", "--defined-only" if kind == "defined" else "-u",
                          os.path.join(BUILD, lib)], capture_output=True, text=True,
                         check=True).stdout
    return {line.split()[-1] for line in out.splitlines()
            if line.strip() and not line.endswith(":")}


def main():
    if not self_test():
        print("FAIL: the check itself is broken")
        return 1
    defined = {lib: symbols(lib, "defined") for lib in list(LAYERS) + ["dbus/libdcdbus.a"]}
    failures = []
    for lib, below in LAYERS.items():
        allowed = defined[lib].union(*(defined[b] for b in below))
        for sym in sorted(symbols(lib, "undefined")):
            if sym.startswith("dc_") and sym not in allowed:
                failures.append(f"{lib} calls {sym} from a layer above or beside it")
    for lib in PURE:
        for sym in sorted(symbols(lib, "undefined")):
            if does_io(sym):
                failures.append(f"{lib} (pure) calls {sym}")
    for f in failures:
        print(f"not ok: {f}")
    print(f"{'FAIL' if failures else 'ok'}: {len(LAYERS)} layers checked")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
