# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers shared by the Python tests: a private bus and the daemon on it."""
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
import unittest

import gi
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

NAME = "org.domcapsd.DomainCapabilities1"
PATH = "/org/domcapsd/DomainCapabilities1"
IFACE = NAME


class PrivateBus:
    """A real dbus-daemon of our own (GTestDBus) and a connection to it."""

    def __init__(self):
        self.bus = Gio.TestDBus.new(Gio.TestDBusFlags.NONE)
        self.bus.up()
        self.address = self.bus.get_bus_address()
        self.conn = Gio.DBusConnection.new_for_address_sync(
            self.address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

    def call(self, method, args, sig, timeout=-1):
        return self.conn.call_sync(NAME, PATH, IFACE, method, GLib.Variant(sig, args),
                                   None, 0, timeout, None).unpack()

    def wait_for_name(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self.conn.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                        "org.freedesktop.DBus", "NameHasOwner",
                                        GLib.Variant("(s)", (NAME,)), None, 0, -1, None)
            if reply.unpack()[0]:
                return True
            time.sleep(0.02)
        return False

    def wait_settled(self, timeout=120):
        """Until the daemon has probed every emulator once: none is
        pending or probing (ListEmulators). The name comes before that;
        a query waits for what it needs, but a test of the daemon's whole
        state waits for all of it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            emulators = self.call("ListEmulators", (), "()")[0]
            if all(e["state"] not in ("pending", "probing") for e in emulators):
                return True
            time.sleep(0.02)
        return False

    def down(self):
        self.conn.close_sync(None)
        self.bus.down()


class Daemon:
    """domcapsd --session on @address with extra @args."""

    def __init__(self, build, address, *args, env=None):
        env = dict(os.environ, **(env or {}), DBUS_SESSION_BUS_ADDRESS=address)
        self.proc = subprocess.Popen(
            [os.path.join(build, "daemon", "domcapsd"), "--session", *args],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        out = self.proc.communicate(timeout=30)[0].decode(errors="replace")
        return self.proc.returncode, out


def write_cpuid(root, leaves):
    """A recorded CPUID for a host root: ROOT/dev/cpu/0/cpuid, each leaf's
    eax, ebx, ecx, edx (@leaves: {leaf or (leaf, subleaf): regs}) at 16
    times (subleaf << 32 | leaf), where probes/dc-cpuid-read.c reads it.
    Each range's first leaf (0, 0x80000000) is set to reach the highest
    leaf given of it unless given."""
    regs_of = {(k if isinstance(k, tuple) else (k, 0)): v for k, v in leaves.items()}
    for first in (0, 0x80000000):
        highest = [leaf for leaf, _ in regs_of if leaf & 0xffff0000 == first]
        if highest:
            regs_of.setdefault((first, 0), (max(highest), 0, 0, 0))
    path = os.path.join(root, "dev", "cpu", "0", "cpuid")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        for (leaf, subleaf), regs in regs_of.items():
            f.seek(16 * (subleaf << 32 | leaf))
            f.write(struct.pack("<4I", *regs))


def accel_works(emulator, accel):
    """(True, "") when @emulator starts under @accel here, else (False, what
    QEMU said): the tests' own view of KVM, not the daemon's."""
    try:
        r = subprocess.run([emulator, "-machine", "none", "-accel", accel, "-nodefaults",
                            "-display", "none", "-qmp", "stdio"],
                           input='{"execute": "qmp_capabilities"}\n{"execute": "quit"}\n',
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, str(e)
    if r.returncode == 0:
        return True, ""
    return False, (r.stderr.strip().splitlines() or [f"exit status {r.returncode}"])[-1]


def pump(seconds, until=None):
    """Runs the default main context (signals arrive) for up to @seconds,
    or until @until() is true; returns whether it became true (True
    without @until)."""
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        while ctx.iteration(False):
            pass
        if until is not None and until():
            return True
        time.sleep(0.01)
    return until() if until is not None else True


def skipped(case, why):
    """Says that @case (SUITE/NAME) did not run and why, in the one form
    .ci/run counts: every skip is seen, none is silent."""
    print(f"SKIP: {case}: {why}", flush=True)


def main(suite):
    """unittest.main() for the suite @suite, with each skipped case also
    reported through skipped()."""
    import sys
    import unittest
    program = unittest.main(verbosity=2, exit=False)
    for test, why in program.result.skipped:
        skipped(f"{suite}/{test.id().rsplit('.', 1)[-1]}", why)
    sys.exit(0 if program.result.wasSuccessful() else 1)


class DaemonTestCase(unittest.TestCase):
    """A daemon (cls.daemon) on a private bus (cls.bus) and a directory
    (cls.tmp) for the whole class; stopped cleanly, or the class fails."""

    @classmethod
    def tearDownClass(cls):
        code, out = cls.daemon.stop()
        sys.stderr.write(out)
        cls.bus.down()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert code == 0, f"daemon exited with {code}"
