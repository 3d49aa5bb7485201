#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The daemon as a cache: restarts without QEMU, follows changes by itself.

Emulators here are small wrappers that log every start and exec the real
QEMU, so the tests can count exactly how many QEMU processes ran.

usage: watch.py BUILDDIR
"""
import glob
import json
import os
import shutil
import sys
import tempfile
import time
import unittest

import testlib

from testlib import IFACE, PATH, Daemon, GLib, Gio, PrivateBus, pump

BUILD = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "build"
KVM = os.access("/dev/kvm", os.R_OK | os.W_OK)
WRAPPER = ('#!/bin/sh\n# {tag}\necho "{tag} $*" >> {log}\n{delay}'
           'exec /usr/bin/qemu-system-{arch} "$@"\n')
DESCRIPTOR = ('{{"interface-types": ["uefi"], "mapping": {{"device": "flash",'
              ' "executable": {{"filename": "{code}", "format": "raw"}}}},'
              ' "targets": [{{"architecture": "x86_64", "machines": ["pc-q35-*"]}}],'
              ' "features": []}}')


class Fixture:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="domcapsd-watch-")
        self.emulators = os.path.join(self.root, "emulators")
        self.firmware = os.path.join(self.root, "firmware")
        self.cache = os.path.join(self.root, "cache")
        os.makedirs(self.emulators)
        os.makedirs(self.firmware)
        self.log = os.path.join(self.root, "qemu.log")
        open(self.log, "w").close()
        for arch in ("x86_64", "aarch64"):
            self.write_emulator(arch, "v1")

    def emulator(self, arch):
        return os.path.join(self.emulators, f"qemu-system-{arch}")

    def write_emulator(self, arch, tag, path=None, delay=0):
        path = path or self.emulator(arch)
        with open(path, "w") as f:
            f.write(WRAPPER.format(tag=tag, log=self.log, arch=arch,
                                   delay=f"sleep {delay}\n" if delay else ""))
        os.chmod(path, 0o755)

    def replace_emulator(self, arch, tag, delay=0):
        tmp = self.emulator(arch) + ".dpkg-new"
        self.write_emulator(arch, tag, path=tmp, delay=delay)
        os.rename(tmp, self.emulator(arch))

    def versions_started(self):
        with open(self.log) as f:
            return [line.split()[0] for line in f if line.strip()]

    def starts(self):
        """How many QEMU processes the wrappers started so far."""
        with open(self.log) as f:
            return len(f.read().splitlines())

    def code(self, name):
        path = os.path.join(self.root, name)
        open(path, "w").close()
        return path

    def write_descriptor(self, name, code):
        with open(os.path.join(self.firmware, name), "w") as f:
            f.write(DESCRIPTOR.format(code=code))

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


class WatchTest(unittest.TestCase):
    def setUp(self):
        self.fx = Fixture()
        self.bus = PrivateBus()
        self.daemon = None
        self.changed = []
        self.sub = self.bus.conn.signal_subscribe(
            None, IFACE, "CapabilitiesChanged", PATH, None, 0,
            lambda *a: self.changed.append(a[5].unpack()[0]))

    def tearDown(self):
        if self.daemon:
            self.daemon.stop()
        self.bus.conn.signal_unsubscribe(self.sub)
        self.bus.down()
        self.fx.cleanup()

    def start(self, *more_dirs, extra=()):
        dirs = [a for d in (self.fx.emulators, *more_dirs) for a in ("--emulator-dir", d)]
        self.daemon = Daemon(BUILD, self.bus.address, *dirs, *extra,
                             "--firmware-dir", self.fx.firmware, "--cache-dir", self.fx.cache)
        self.assertTrue(self.bus.wait_for_name(), "no bus name")
        self.assertTrue(self.bus.wait_settled(), "not every emulator probed")
        self.pump(0.1)
        self.changed.clear()

    def restart(self):
        code, out = self.daemon.stop()
        self.assertEqual(code, 0, out)
        self.bus.down()
        self.bus = PrivateBus()
        self.sub = self.bus.conn.signal_subscribe(
            None, IFACE, "CapabilitiesChanged", PATH, None, 0,
            lambda *a: self.changed.append(a[5].unpack()[0]))
        self.start()

    def pump(self, seconds, until=None):
        return pump(seconds, until)

    def caps(self, *args):
        return self.bus.call("GetDomainCapabilities", (*args, 0), "(ssssu)")[0]

    def probes_per_emulator(self):
        return 2 if KVM else 1

    # -- tests --

    def test_restart_with_valid_cache_spawns_no_qemu(self):
        self.start()
        first = self.fx.starts()
        self.assertEqual(first, self.probes_per_emulator() + 1)  # x86_64 (+kvm), aarch64
        answer = self.caps("", "x86_64", "q35", "qemu")
        self.restart()
        self.assertEqual(self.fx.starts(), first, "a restart ran QEMU")
        self.assertEqual(self.caps("", "x86_64", "q35", "qemu"), answer)

    def test_wrapper_of_a_found_emulator_is_one_emulator(self):
        """A script that execs an emulator found too (Debian's qemu-system-i386
        runs /usr/libexec/qemu-system-i386) is that emulator under one more
        name: listed, cached and answered once, and not run again at restart."""
        real_dir = os.path.join(self.fx.root, "real")
        os.makedirs(real_dir)
        os.symlink("/usr/bin/qemu-system-x86_64", os.path.join(real_dir, "qemu-system-x86_64"))
        self.start(real_dir)
        listed = {e["path"]: e for e in self.bus.call("ListEmulators", (), "()")[0]}
        wrapper = self.fx.emulator("x86_64")
        self.assertEqual(sorted(listed), sorted(["/usr/bin/qemu-system-x86_64",
                                                 self.fx.emulator("aarch64")]))
        self.assertIn(wrapper, listed["/usr/bin/qemu-system-x86_64"]["names"])
        by_wrapper = self.caps(wrapper, "x86_64", "q35", "qemu")
        self.assertEqual(by_wrapper, self.caps("/usr/bin/qemu-system-x86_64", "x86_64",
                                               "q35", "qemu"))
        with open(self.cache_file_of(wrapper)) as f:
            envelope = json.loads(f.readline())
        self.assertEqual(envelope.get("runs"), "/usr/bin/qemu-system-x86_64")
        before = self.fx.starts()
        self.restart_with(real_dir)
        self.assertEqual(self.fx.starts(), before, "a restart ran the wrapper again")
        listed = [e["path"] for e in self.bus.call("ListEmulators", (), "()")[0]]
        self.assertNotIn(wrapper, listed)

    def cache_file_of(self, path):
        for name in glob.glob(os.path.join(self.fx.cache, "*.json")):
            with open(name) as f:
                try:
                    if json.loads(f.readline()).get("path") == path:
                        return name
                except ValueError:
                    continue
        self.fail(f"no cache file for {path}")

    def restart_with(self, *more_dirs):
        code, out = self.daemon.stop()
        self.assertEqual(code, 0, out)
        self.bus.down()
        self.bus = PrivateBus()
        self.start(*more_dirs)

    def test_replacing_a_binary_reprobes_it_once(self):
        self.start()
        before = self.fx.starts()
        # as dpkg does: a new file beside, renamed over the old one
        tmp = self.fx.emulator("x86_64") + ".dpkg-new"
        self.fx.write_emulator("x86_64", "v2", path=tmp)
        os.rename(tmp, self.fx.emulator("x86_64"))
        real = os.path.realpath(self.fx.emulator("x86_64"))
        self.assertTrue(self.pump(10, lambda: real in self.changed), "no signal")
        self.pump(1.5)  # nothing more may follow
        self.assertEqual(self.changed, [real])
        self.assertEqual(self.fx.starts() - before, self.probes_per_emulator())

    def host_keys(self):
        keys = set()
        for path in glob.glob(os.path.join(self.fx.cache, "qemu-system-*.json")):
            with open(path) as f:
                keys.add(json.loads(f.readline())["host-key"])
        return keys

    def host_root(self):
        root = os.path.join(self.fx.root, "host")
        os.makedirs(os.path.join(root, "dev"))
        os.makedirs(os.path.join(root, "proc", "sys", "kernel"))
        with open(os.path.join(root, "proc", "sys", "kernel", "arch"), "w") as f:
            f.write("x86_64\n")
        return root

    def kvm_error(self, arch):
        files = glob.glob(os.path.join(self.fx.cache, f"qemu-system-{arch}-*.json"))
        with open(files[0]) as f:
            text = f.read()
        return json.loads(text[text.index("\n") + 1:]).get("kvm-error")

    def test_probe_running_when_kvm_appears_is_asked_again(self):
        """A probe that began before /dev/kvm appeared (it decided not to
        try KVM) is neither kept nor cached under the new host key: it is
        asked again, trying KVM."""
        root = self.host_root()
        self.start(extra=("--host-root", root))
        not_tried = self.kvm_error("x86_64")
        self.fx.replace_emulator("x86_64", "slow", delay=3)
        self.assertTrue(self.pump(10, lambda: "slow" in self.fx.versions_started()))
        open(os.path.join(root, "dev", "kvm"), "w").close()
        self.pump(2)
        self.assertTrue(self.bus.wait_settled())
        self.assertTrue(self.pump(20, lambda: self.fx.versions_started().count("slow") >= 2))
        self.assertTrue(self.bus.wait_settled())
        self.pump(0.5)
        self.assertNotEqual(self.kvm_error("x86_64"), not_tried,
                            "facts probed without KVM kept under a host key with KVM")

    def test_dev_kvm_appearing_probes_every_emulator_again(self):
        """/dev is watched: /dev/kvm appearing (in a host root, a file that
        opens read-write) changes the host key, so every emulator is probed
        again and cached under the new key; it going does the same; another
        entry of /dev changes nothing."""
        root = self.host_root()
        self.start(extra=("--host-root", root))
        self.assertTrue(all("kvm absent/unusable" in k for k in self.host_keys()))
        before = self.fx.starts()
        open(os.path.join(root, "dev", "null2"), "w").close()
        self.pump(1.5)
        self.assertEqual(self.fx.starts(), before, "an unrelated /dev entry probed again")
        open(os.path.join(root, "dev", "kvm"), "w").close()
        self.assertTrue(self.pump(20, lambda: any("kvm present/usable" in k
                                                  for k in self.host_keys())),
                        "no probe under the new host key")
        self.assertTrue(self.bus.wait_settled())
        self.assertTrue(self.pump(10, lambda: all("kvm present/usable" in k
                                                  for k in self.host_keys())))
        self.assertGreaterEqual(self.fx.starts() - before, 2)
        os.unlink(os.path.join(root, "dev", "kvm"))
        self.assertTrue(self.pump(20, lambda: all("kvm absent/unusable" in k
                                                  for k in self.host_keys())),
                        "not probed again when /dev/kvm went")

    def test_binary_replaced_during_its_probe_is_probed_again(self):
        self.start()
        self.fx.replace_emulator("x86_64", "v2", delay=1)
        time.sleep(0.6)  # the rescan has started v2's slow probe by now
        self.fx.replace_emulator("x86_64", "v3")
        real = os.path.realpath(self.fx.emulator("x86_64"))
        self.assertTrue(self.pump(15, lambda: "v3" in self.fx.versions_started()
                                  and self.changed.count(real) >= 2),
                        f"v3 never probed: {self.fx.versions_started()}")

    def test_firmware_change_rerenders_without_qemu(self):
        self.fx.write_descriptor("50-a.json", self.fx.code("A.fd"))
        self.start()
        before = self.fx.starts()
        self.assertIn("A.fd", self.caps("", "x86_64", "q35", "qemu"))
        self.fx.write_descriptor("40-b.json", self.fx.code("B.fd"))
        self.assertTrue(self.pump(10, lambda: self.changed), "no signal")
        answer = self.caps("", "x86_64", "q35", "qemu")
        self.assertIn("B.fd", answer)
        self.assertIn("A.fd", answer)
        self.assertEqual(self.fx.starts(), before, "a firmware change ran QEMU")

    def test_corrupt_cache_file_is_recovered_from(self):
        self.start()
        before = self.fx.starts()
        self.daemon.stop()
        files = glob.glob(os.path.join(self.fx.cache, "qemu-system-x86_64-*.json"))
        self.assertEqual(len(files), 1)
        with open(files[0], "w") as f:
            f.write('{"format": "domcapsd-cache", "truncated')
        self.restart()
        self.assertEqual(self.fx.starts() - before, self.probes_per_emulator())
        self.assertIn("<domainCapabilities>", self.caps("", "x86_64", "", ""))
        with open(files[0]) as f:
            self.assertEqual(json.loads(f.readline())["format"], "domcapsd-cache")

    def test_deleting_an_emulator_removes_it(self):
        self.start()
        path = os.path.realpath(self.fx.emulator("aarch64"))
        os.unlink(self.fx.emulator("aarch64"))
        self.assertTrue(self.pump(10, lambda: path in self.changed), "no signal")
        listed = [e["path"] for e in self.bus.call("ListEmulators", (), "()")[0]]
        self.assertNotIn(path, listed)
        with self.assertRaises(GLib.Error) as cm:
            self.caps(path, "", "", "")
        self.assertEqual(Gio.DBusError.get_remote_error(cm.exception),
                         "org.domcapsd.Error.UnknownEmulator")
        props = self.bus.conn.call_sync(
            "org.domcapsd.DomainCapabilities1", PATH, "org.freedesktop.DBus.Properties",
            "Get", GLib.Variant("(ss)", (IFACE, "Emulators")), None, 0, -1, None).unpack()[0]
        self.assertNotIn(path, props)

    def test_new_emulator_appears(self):
        self.start()
        self.fx.write_emulator("s390x", "v1")
        path = os.path.realpath(self.fx.emulator("s390x"))
        self.assertTrue(self.pump(10, lambda: path in self.changed), "no signal")
        self.assertIn("s390x", self.caps(path, "", "", ""))

    def test_made_non_executable_disappears(self):
        self.start()
        path = os.path.realpath(self.fx.emulator("aarch64"))
        os.chmod(path, 0o644)
        self.assertTrue(self.pump(10, lambda: path in self.changed), "no signal")
        listed = [e["path"] for e in self.bus.call("ListEmulators", (), "()")[0]]
        self.assertNotIn(path, listed)


if __name__ == "__main__":
    testlib.main("watch")
