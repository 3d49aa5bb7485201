#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Integration tests: domcapsd on a private dbus-daemon, probing the real
qemu-system-x86_64, -aarch64 and -s390x from Debian's packages, plus three
broken emulators (one lies, one hangs, one crashes).

usage: integration.py BUILDDIR
"""
import ctypes
import os
import signal
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import domcaps_diff
import testlib
import xml.etree.ElementTree as ET

from testlib import (IFACE, NAME, PATH, Daemon as _Daemon, DaemonTestCase, PrivateBus, Gio,
                     GLib, accel_works)

BUILD = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "build"
CTL = os.path.join(BUILD, "tools", "domcapsctl")
REAL = ["x86_64", "aarch64", "s390x", "x86_64-microvm"]
# Whether QEMU itself can use KVM here (not whether /dev/kvm exists: a node
# that opens but cannot run guests is a host without KVM).
KVM, KVM_REASON = accel_works("/usr/bin/qemu-system-x86_64", "kvm")

BROKEN = {
    # answers on the QMP socket with something that is not QMP
    "qemu-system-liar": "#!/bin/sh\nprintf 'I am not QMP\\n' >&3\nexec sleep 30\n",
    # never answers
    "qemu-system-hang": "#!/bin/sh\nexec sleep 600\n",
    # dies at once with a message
    "qemu-system-crash": "#!/bin/sh\necho 'boom: this emulator is broken' >&2\nexit 1\n",
}


def write_script(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)


def make_emulator_dir(root, broken=True):
    d = os.path.join(root, "emulators")
    os.makedirs(d, exist_ok=True)
    for arch in REAL:
        os.symlink(f"/usr/bin/qemu-system-{arch}", os.path.join(d, f"qemu-system-{arch}"))
    if broken:
        for name, text in BROKEN.items():
            write_script(os.path.join(d, name), text)
    return d


def children_of(pid):
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    out.append((int(entry), f.read().replace(b"\0", b" ").decode()))
        except (OSError, IndexError, ValueError):
            pass
    return out


def make_firmware_dir(root):
    """One usable x86_64 descriptor, one malformed, one for a missing file."""
    d = os.path.join(root, "firmware")
    os.makedirs(d, exist_ok=True)
    code = os.path.join(root, "TEST_CODE.fd")
    open(code, "w").close()
    good = ('{"interface-types": ["uefi"], "mapping": {"device": "flash",'
            ' "executable": {"filename": "%s", "format": "raw"}},'
            ' "targets": [{"architecture": "x86_64", "machines": ["pc-q35-*"]}],'
            ' "features": ["requires-smm", "secure-boot"]}')
    with open(os.path.join(d, "50-test.json"), "w") as f:
        f.write(good % code)
    with open(os.path.join(d, "40-broken.json"), "w") as f:
        f.write('{"interface-types": "uefi"')
    with open(os.path.join(d, "30-missing.json"), "w") as f:
        f.write(good % "/nonexistent/CODE.fd")
    return d, code


def Daemon(address, emulator_dir, timeout=3, *extra):
    """The daemon on @address, with a cache of its own next to @emulator_dir."""
    cache = os.path.join(os.path.dirname(emulator_dir), "cache")
    return _Daemon(BUILD, address, "--emulator-dir", emulator_dir,
                   "--probe-timeout", str(timeout), "--cache-dir", cache, *extra)


class BusTest(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="domcapsd-test-")
        cls.bus = PrivateBus()
        cls.address = cls.bus.address
        cls.conn = cls.bus.conn
        cls.emulators = make_emulator_dir(cls.tmp)
        cls.firmware, cls.firmware_code = make_firmware_dir(cls.tmp)
        cls.daemon = Daemon(cls.address, cls.emulators, 3, "--firmware-dir", cls.firmware)
        assert cls.bus.wait_for_name(), "daemon did not take its name"
        assert cls.bus.wait_settled(), "the daemon did not probe every emulator"

    def call(self, method, args, sig, timeout=-1):
        return self.bus.call(method, args, sig, timeout)

    def caps(self, emulator="", arch="", machine="", virttype="", flags=0):
        xml = self.call("GetDomainCapabilities",
                        (emulator, arch, machine, virttype, flags), "(ssssu)")[0]
        return ET.fromstring(xml)

    def assertDBusError(self, name, fn, *args, contains=None):
        with self.assertRaises(GLib.Error) as cm:
            fn(*args)
        self.assertEqual(Gio.DBusError.get_remote_error(cm.exception), name,
                         cm.exception.message)
        if contains:
            self.assertIn(contains, cm.exception.message)
        return cm.exception.message

    def emu(self, arch):
        return os.path.join(self.emulators, f"qemu-system-{arch}")

    # -- answers --

    def test_introspection_shows_interface(self):
        xml = self.conn.call_sync(NAME, PATH, "org.freedesktop.DBus.Introspectable",
                                  "Introspect", None, None, 0, -1, None).unpack()[0]
        self.assertIn(f'<interface name="{IFACE}">', xml)
        for method in ("GetDomainCapabilities", "ListEmulators", "Refresh"):
            self.assertIn(f'<method name="{method}">', xml)

    def test_default_query_is_host_arch(self):
        root = self.caps()
        self.assertEqual(root.findtext("arch"), "x86_64")
        # the name it was found under for this arch, as libvirt shows it
        self.assertEqual(root.findtext("path"), self.emu("x86_64"))
        self.assertEqual(root.findtext("domain"), "kvm" if KVM else "qemu")
        self.assertTrue(root.findtext("machine").startswith("pc-i440fx-"))

    def test_alias_resolves_to_canonical_machine(self):
        root = self.caps(arch="x86_64", machine="q35", virttype="qemu")
        self.assertTrue(root.findtext("machine").startswith("pc-q35-"))
        buses = [v.text for v in root.findall("devices/disk/enum[@name='bus']/value")]
        self.assertNotIn("ide", buses)
        self.assertIn("sata", buses)

    def test_emulator_gives_its_arch(self):
        # libvirt 9.0 takes the host's arch here and fails
        root = self.caps(emulator=self.emu("aarch64"), machine="virt")
        self.assertEqual(root.findtext("arch"), "aarch64")
        self.assertEqual(root.findtext("domain"), "qemu")
        self.assertTrue(root.findtext("machine").startswith("virt-"))

    def test_default_machine_where_qemu_names_none(self):
        # QEMU names no default for aarch64; libvirt 11 answers for virt
        self.assertRegex(self.caps(arch="aarch64").findtext("machine"), r"^virt-\d+\.\d+$")

    def test_kvm_only_build(self):
        # qemu-system-x86_64-microvm has no tcg: its facts come from the kvm probe
        emu = self.emu("x86_64-microvm")
        if not KVM:
            # with neither accelerator it cannot run at all: a state, not a failure
            self.assertDBusError("org.domcapsd.Error.UnsupportedVirtType", self.caps, emu,
                                 contains="needs KVM, which this host does not offer")
            listed = {e["path"]: e for e in self.call("ListEmulators", (), "()")[0]}
            self.assertEqual(listed["/usr/bin/qemu-system-x86_64-microvm"]["state"], "unusable")
            return
        self.assertDBusError("org.domcapsd.Error.UnsupportedVirtType", self.caps,
                             emu, "", "", "qemu", contains="without KVM")
        if KVM:
            root = self.caps(emulator=emu)
            self.assertEqual(root.findtext("domain"), "kvm")
            self.assertEqual(root.findtext("machine"), "microvm")

    def test_x86_64_emulator_runs_i686(self):
        root = self.caps(emulator=self.emu("x86_64"), arch="i686", virttype="qemu")
        self.assertEqual(root.findtext("arch"), "i686")

    def test_s390x(self):
        root = self.caps(arch="s390x")
        self.assertTrue(root.findtext("machine").startswith("s390-ccw-virtio-"))
        self.assertEqual(root.find("devices/tpm").get("supported"), "no")

    @unittest.skipUnless(KVM, f"QEMU cannot use KVM here: {KVM_REASON}")
    def test_kvm_and_qemu_differ_only_where_the_accelerator_decides(self):
        """Every fact of the two answers, <domain> aside, is the same but
        those the accelerator decides (docs/architecture.md): the vCPU
        limit, the CPU modes and models, and the KVM-only features."""
        def facts(virttype):
            xml = self.call("GetDomainCapabilities", ("", "x86_64", "q35", virttype, 0),
                            "(ssssu)")[0]
            return domcaps_diff.facts_of_text(xml)
        kvm, tcg = facts("kvm"), facts("qemu")
        self.assertIn("domain=kvm", kvm)
        self.assertIn("domain=qemu", tcg)
        accel = ("domain=", "vcpu@", "cpu/", "features/sev", "features/sgx",
                 "features/hyperv", "features/launchSecurity", "features/s390-pv",
                 "features/gic")
        differ = sorted(f for f in kvm ^ tcg if not f.startswith(accel))
        self.assertEqual(differ, [])
        self.assertIn("cpu/mode[host-passthrough]@supported=yes", kvm)
        self.assertIn("cpu/mode[host-passthrough]@supported=no", tcg)

    def machines(self, path):
        """{alias: canonical name} of one emulator, from ListEmulators."""
        emulators = {e["path"]: e for e in self.call("ListEmulators", (), "()")[0]}
        return {alias: name for name, alias in emulators[path]["machines"] if alias}

    def test_answer_is_memoised_and_stable(self):
        pc = self.machines("/usr/bin/qemu-system-x86_64")["pc"]
        a = self.call("GetDomainCapabilities", ("", "x86_64", "pc", "qemu", 0), "(ssssu)")
        b = self.call("GetDomainCapabilities", ("", "x86_64", pc, "qemu", 0), "(ssssu)")
        self.assertEqual(a, b)
        self.assertEqual(ET.fromstring(a[0]).findtext("machine"), pc)

    def test_os_from_firmware_descriptors(self):
        q35 = self.caps(arch="x86_64", machine="q35", virttype="qemu").find("os")
        self.assertEqual([v.text for v in q35.findall("loader/value")], [self.firmware_code])
        self.assertEqual([v.text for v in q35.findall("enum[@name='firmware']/value")], ["efi"])
        self.assertEqual([v.text for v in q35.findall("loader/enum[@name='secure']/value")],
                         ["yes", "no"])
        # no descriptor for i440fx or for aarch64: nothing offered
        pc = self.caps(arch="x86_64", machine="pc", virttype="qemu").find("os")
        self.assertEqual(pc.findall("loader/value"), [])
        self.assertEqual(pc.findall("enum[@name='firmware']/value"), [])
        virt = self.caps(arch="aarch64", machine="virt").find("os")
        self.assertEqual(virt.findall("loader/value"), [])

    # -- errors --

    def test_unknown_emulator_is_refused_and_not_run(self):
        marker = os.path.join(self.tmp, "executed")
        trap = os.path.join(self.tmp, "qemu-system-trap")
        write_script(trap, f"#!/bin/sh\ntouch {marker}\n")
        self.assertDBusError("org.domcapsd.Error.UnknownEmulator", self.caps, trap)
        self.assertDBusError("org.domcapsd.Error.UnknownEmulator", self.call,
                             "Refresh", (trap,), "(s)")
        self.assertDBusError("org.domcapsd.Error.UnknownEmulator", self.caps, "/bin/true")
        time.sleep(0.2)
        self.assertFalse(os.path.exists(marker), "the daemon ran a client's path")

    def test_unsupported_arch(self):
        self.assertDBusError("org.domcapsd.Error.UnsupportedArch", self.caps,
                             self.emu("x86_64"), "aarch64")
        self.assertDBusError("org.domcapsd.Error.UnsupportedArch", self.caps, "", "sparc64")

    def test_unknown_machine(self):
        self.assertDBusError("org.domcapsd.Error.UnknownMachine", self.caps,
                             "", "x86_64", "no-such-machine", contains="no-such-machine")

    def test_unsupported_virttype(self):
        self.assertDBusError("org.domcapsd.Error.UnsupportedVirtType", self.caps,
                             self.emu("aarch64"), "", "virt", "kvm")
        self.assertDBusError("org.domcapsd.Error.UnsupportedVirtType", self.caps,
                             "", "x86_64", "", "xen")

    def test_invalid_arguments(self):
        self.assertDBusError("org.domcapsd.Error.InvalidArgument", self.caps,
                             "", "", "", "", 1, contains="flags")
        self.assertDBusError("org.domcapsd.Error.InvalidArgument", self.caps,
                             "", "", "m" * 5000)

    def test_broken_emulators_fail_with_reasons(self):
        self.assertDBusError("org.domcapsd.Error.ProbeFailed", self.caps,
                             self.emu("liar"), contains="not JSON")
        self.assertDBusError("org.domcapsd.Error.ProbeFailed", self.caps,
                             self.emu("hang"), contains="within 3 s")
        self.assertDBusError("org.domcapsd.Error.ProbeFailed", self.caps,
                             self.emu("crash"), contains="boom")
        # ... and the others keep answering
        self.assertEqual(self.caps(arch="s390x").findtext("arch"), "s390x")

    def test_wrong_signature(self):
        with self.assertRaises(GLib.Error) as cm:
            self.conn.call_sync(NAME, PATH, IFACE, "GetDomainCapabilities",
                                GLib.Variant("(s)", ("x",)), None, 0, -1, None)
        self.assertEqual(Gio.DBusError.get_remote_error(cm.exception),
                         "org.freedesktop.DBus.Error.InvalidArgs")

    # -- listing, properties, refresh --

    def test_list_emulators(self):
        emulators = {e["path"]: e for e in self.call("ListEmulators", (), "()")[0]}
        x86 = emulators["/usr/bin/qemu-system-x86_64"]
        self.assertEqual(x86["state"], "ready")
        self.assertEqual(x86["arch"], "x86_64")
        self.assertIn("i686", x86["arches"])
        q35 = [name for name, alias in x86["machines"] if alias == "q35"]
        self.assertEqual(len(q35), 1, x86["machines"])
        self.assertRegex(q35[0], r"^pc-q35-\d+\.\d+$")
        self.assertEqual(x86["virttypes"], ["kvm", "qemu"] if KVM else ["qemu"])
        self.assertIn(self.emu("x86_64"), x86["names"])
        liar = emulators[os.path.realpath(self.emu("liar"))]
        self.assertEqual(liar["state"], "failed")
        self.assertIn("not JSON", liar["error"])

    # virtinst's conclusions under TCG, per emulator, from what each of
    # Debian's builds holds (QOM types, TPM backends, the test's firmware):
    # UEFI arches, TPM only where a TPM device exists (not s390x), qxl only
    # on x86, bochs-display only where there is PCI, host-model under TCG
    # only on x86, and host-passthrough, SEV and security features never.
    VIRTINST_TCG = {
        "x86_64": dict(arch_can_uefi=True, supports_tpm_emulator=True,
                       supports_video_qxl=True, supports_video_bochs=True,
                       supports_safe_host_model=True),
        "aarch64": dict(arch_can_uefi=True, supports_tpm_emulator=True,
                        supports_video_qxl=False, supports_video_bochs=True,
                        supports_safe_host_model=False),
        "s390x": dict(arch_can_uefi=False, supports_tpm_emulator=False,
                      supports_video_qxl=False, supports_video_bochs=False,
                      supports_safe_host_model=False),
    }
    VIRTINST_ALWAYS = dict(supports_uefi_loader=True, supports_video_virtio=True,
                           supports_filesystem_virtiofs=True,
                           supports_memorybacking_memfd=True,
                           supports_graphics_spice=True, find_uefi_path_for_arch=None)
    VIRTINST_MODEL = {"x86_64": "qemu64", "aarch64": "cortex-a57", "s390x": "qemu"}

    def virtinst_conclusions(self, caps, arch, machine, virttype):
        """What virtinst concludes from one answer, against what it must."""
        expected = dict(self.VIRTINST_ALWAYS)
        # the test's one usable descriptor is for x86_64's pc-q35-*
        expected["supports_firmware_efi"] = arch == "x86_64" and "q35" in machine
        if virttype == "qemu":
            expected.update(self.VIRTINST_TCG[arch], get_cpu_security_features=[],
                            supports_safe_host_passthrough=False,
                            supports_sev_launch_security=False)
        elif arch == "x86_64":
            # QEMU 7.2's x86 host CPU type takes "migratable"
            expected["supports_safe_host_passthrough"] = True
        for name, value in expected.items():
            self.assertEqual(getattr(caps, name)(), value, f"{arch} {machine} {virttype}: {name}")
        if virttype == "qemu":
            self.assertIn(self.VIRTINST_MODEL[arch], caps.get_cpu_models())

    def test_virt_manager_reads_every_answer(self):
        """virt-manager's own parser (virtinst's DomainCapabilities, from
        Debian's virtinst) reads each answer and concludes what it must."""
        sys.path.insert(0, "/usr/share/virt-manager")
        from virtinst import VirtinstConnection
        from virtinst.domcapabilities import DomainCapabilities
        conn = VirtinstConnection("test:///default")
        conn.open(None, None)
        asked = 0
        for e in self.call("ListEmulators", (), "()")[0]:
            if e["state"] != "ready":
                continue
            machines = [e["default-machine"]] + [alias for _, alias in e["machines"] if alias]
            for virttype in e["virttypes"]:
                for machine in machines:
                    xml = self.call("GetDomainCapabilities",
                                    (e["path"], "", machine, virttype, 0), "(ssssu)")[0]
                    caps = DomainCapabilities(conn, parsexml=xml)
                    self.assertEqual(caps.arch, e["arch"])
                    if os.path.basename(e["path"]) in ("qemu-system-x86_64",
                                                       "qemu-system-aarch64",
                                                       "qemu-system-s390x"):
                        self.virtinst_conclusions(caps, e["arch"], ET.fromstring(
                            xml).findtext("machine"), virttype)
                    asked += 1
        self.assertGreater(asked, 5)

    def test_properties(self):
        props = self.conn.call_sync(NAME, PATH, "org.freedesktop.DBus.Properties", "GetAll",
                                    GLib.Variant("(s)", (IFACE,)), None, 0, -1,
                                    None).unpack()[0]
        self.assertRegex(props["Version"], r"^\d+\.\d+\.\d+$")
        self.assertIn("/usr/bin/qemu-system-s390x", props["Emulators"])

    def name_owner(self):
        return self.conn.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                   "org.freedesktop.DBus", "GetNameOwner",
                                   GLib.Variant("(s)", (NAME,)), None, 0, -1, None)[0]

    def bus_query(self, method, name):
        return self.conn.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                   "org.freedesktop.DBus", method,
                                   GLib.Variant("(s)", (name,)), None, 0, -1, None)[0]

    def wait_until(self, predicate, seconds=10):
        deadline = time.monotonic() + seconds
        while not predicate() and time.monotonic() < deadline:
            GLib.MainContext.default().iteration(False)
            time.sleep(0.02)
        return predicate()

    def test_name_moves_to_a_fresh_connection_after_a_large_reply(self):
        """docs/architecture.md, "Latency after large replies": after a
        reply past 64 KiB the name moves to a new connection of the same
        process; clients of the name follow, the old connection answers a
        while, then goes; small replies move nothing."""
        pid = self.daemon.proc.pid
        first = self.name_owner()
        proxy = Gio.DBusProxy.new_sync(self.conn, Gio.DBusProxyFlags.DO_NOT_LOAD_PROPERTIES,
                                       None, NAME, PATH, IFACE, None)
        self.call("ListEmulators", (), "()")
        self.assertEqual(self.name_owner(), first, "a small reply moved the name")
        self.call("GetAllDomainCapabilities", (0,), "(u)", 120000)
        self.assertTrue(self.wait_until(lambda: self.name_owner() != first),
                        "the name stayed on the connection that sent 2 MB")
        second = self.name_owner()
        self.assertEqual(self.bus_query("GetConnectionUnixProcessID", second), pid)
        # a client that still addresses the old connection is answered ...
        old = self.conn.call_sync(first, PATH, IFACE, "ListEmulators", None, None, 0, -1,
                                  None)[0]
        self.assertTrue(old)
        # ... a proxy of the name follows ...
        self.assertTrue(self.wait_until(lambda: proxy.get_name_owner() == second))
        xml = proxy.call_sync("GetDomainCapabilities", GLib.Variant(
            "(ssssu)", ("", "s390x", "", "", 0)), 0, -1, None)[0]
        self.assertEqual(ET.fromstring(xml).findtext("arch"), "s390x")
        # ... and a client whose proxy never learnt of the move (its main
        # loop does not run) is still answered, later
        time.sleep(2.5)
        old = self.conn.call_sync(first, PATH, IFACE, "ListEmulators", None, None, 0, -1,
                                  None)[0]
        self.assertTrue(old)
        self.assertIsNone(self.daemon.proc.poll(), "the daemon exited")
        # (s390x's answer is large too: the name may have moved on since)
        self.assertEqual(self.bus_query("GetConnectionUnixProcessID", self.name_owner()), pid)

    def test_signals_come_once_after_the_name_moved(self):
        """Connections that gave the name up answer calls but send no
        signals: a subscriber without a sender filter gets each once."""
        seen = []
        sub = self.conn.signal_subscribe(None, IFACE, "CapabilitiesChanged", PATH, None, 0,
                                         lambda *a: seen.append(a[5].unpack()[0]))
        try:
            before = self.name_owner()
            self.call("GetAllDomainCapabilities", (0,), "(u)", 120000)
            self.assertTrue(self.wait_until(lambda: self.name_owner() != before, 5))
            self.call("Refresh", (self.emu("aarch64"),), "(s)", 60000)
            self.wait_until(lambda: False, 1)
        finally:
            self.conn.signal_unsubscribe(sub)
        self.assertEqual(seen.count("/usr/bin/qemu-system-aarch64"), 1, seen)

    def test_connections_given_up_are_capped(self):
        """However many times the name moves, at most 8 connections that gave
        it up stay, besides the owner (docs/architecture.md)."""
        pid = self.daemon.proc.pid
        for _ in range(11):
            before = self.name_owner()
            self.call("GetAllDomainCapabilities", (0,), "(u)", 120000)
            self.assertTrue(self.wait_until(lambda: self.name_owner() != before, 5))
        names = self.conn.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                    "org.freedesktop.DBus", "ListNames", None, None, 0, -1,
                                    None)[0]
        ours = [n for n in names if n.startswith(":") and
                self.bus_query("GetConnectionUnixProcessID", n) == pid]
        self.assertLessEqual(len(ours), 1 + 8, ours)
        self.assertGreaterEqual(len(ours), 1 + 8, "the connections given up were not kept")

    def test_refresh_emits_signal(self):
        seen = []
        loop = GLib.MainLoop()

        def on_signal(conn, sender, path, iface, name, params):
            seen.append(params.unpack()[0])

        sub = self.conn.signal_subscribe(None, IFACE, "CapabilitiesChanged", PATH, None,
                                         0, on_signal)
        try:
            self.call("Refresh", (self.emu("s390x"),), "(s)", 60000)
            ctx = GLib.MainContext.default()
            deadline = time.monotonic() + 10
            while not seen and time.monotonic() < deadline:
                ctx.iteration(False)
                time.sleep(0.01)
        finally:
            self.conn.signal_unsubscribe(sub)
        del loop
        self.assertIn("/usr/bin/qemu-system-s390x", seen)

    def test_refresh_of_broken_emulator_fails(self):
        self.assertDBusError("org.domcapsd.Error.ProbeFailed", self.call, "Refresh",
                             (self.emu("crash"),), "(s)", 60000)

    # -- the command-line client --

    def ctl(self, *args):
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.address)
        return subprocess.run([CTL, "--session", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    def test_ctl_domcapabilities(self):
        r = self.ctl("domcapabilities", "--arch", "x86_64", "--machine", "q35",
                     "--virttype", "qemu")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(ET.fromstring(r.stdout).findtext("machine").startswith("pc-q35-"))

    def test_ctl_errors(self):
        r = self.ctl("domcapabilities", "--emulatorbin", "/bin/true")
        self.assertEqual(r.returncode, 1)
        self.assertIn("org.domcapsd.Error.UnknownEmulator", r.stderr)
        self.assertEqual(self.ctl("frobnicate").returncode, 2)

    def test_ctl_list(self):
        r = self.ctl("list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("/usr/bin/qemu-system-aarch64", r.stdout)


class HostCapabilitiesTest(DaemonTestCase):
    """GetCapabilities on the bus, from a host root of our own: the host
    part read at start and again on Refresh, which signals a change with
    CapabilitiesChanged("") and is quiet when nothing changed."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="domcapsd-test-")
        cls.root = os.path.join(cls.tmp, "host")
        cls.put("proc/sys/kernel/arch", "x86_64\n")
        cls.put("sys/devices/system/cpu/online", "0-1\n")
        for cpu in (0, 1):
            for name, value in (("physical_package_id", 0), ("core_id", cpu),
                                ("thread_siblings_list", cpu)):
                cls.put(f"sys/devices/system/cpu/cpu{cpu}/topology/{name}", f"{value}\n")
        cls.put("proc/meminfo", "MemTotal: 4194304 kB\n")
        cls.bus = PrivateBus()
        cls.emulators = make_emulator_dir(cls.tmp, broken=False)
        cls.daemon = Daemon(cls.bus.address, cls.emulators, 30, "--host-root", cls.root)
        assert cls.bus.wait_for_name(), "daemon did not take its name"

    @classmethod
    def put(cls, rel, text):
        path = os.path.join(cls.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def capabilities(self):
        return ET.fromstring(self.bus.call("GetCapabilities", (), "()", 120000)[0])

    def signals_of_refresh(self):
        seen = []

        def on_signal(conn, sender, path, iface, name, params):
            seen.append(params.unpack()[0])
        sub = self.bus.conn.signal_subscribe(None, IFACE, "CapabilitiesChanged", PATH,
                                             None, 0, on_signal)
        try:
            self.bus.call("Refresh", ("",), "(s)", 120000)
            ctx = GLib.MainContext.default()
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                ctx.iteration(False)
                time.sleep(0.01)
        finally:
            self.bus.conn.signal_unsubscribe(sub)
        return seen

    def test_a_host_and_guests(self):
        caps = self.capabilities()
        cpus = caps.findall("host/topology/cells/cell/cpus/cpu")
        self.assertEqual([c.get("core_id") for c in cpus], ["0", "1"])
        self.assertEqual(caps.findtext("host/topology/cells/cell/memory"), "4194304")
        guests = {g.find("arch").get("name"): g for g in caps.findall("guest")}
        # i686 by qemu-system-x86_64 (no qemu-system-i386 here), as libvirt
        self.assertEqual(guests["i686"].findtext("arch/emulator"),
                         os.path.join(self.emulators, "qemu-system-x86_64"))
        self.assertIsNotNone(guests["i686"].find("features/pae"))
        self.assertIn("s390x", guests)
        aliases = {m.text: m.get("canonical") for m in guests["x86_64"].findall("arch/machine")}
        self.assertTrue(aliases["q35"].startswith("pc-q35-"))
        self.assertIn(aliases["q35"], aliases)

    def test_b_refresh_signals_the_host_only_when_it_changed(self):
        self.assertNotIn("", self.signals_of_refresh())
        self.put("sys/kernel/iommu_groups/0/type", "DMA\n")
        self.assertIn("", self.signals_of_refresh())
        self.assertEqual(self.capabilities().find("host/iommu").get("support"), "yes")

    def test_d_virtiofs_without_virtiofsd(self):
        """This root has no vhost-user descriptor: ValidateDomain says
        virtiofsd is missing, as libvirt would refuse to start it."""
        xml = ("<domain type='qemu'><name>v</name><memory>262144</memory>"
               "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>"
               "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
               "<filesystem type='mount'><driver type='virtiofs'/><source dir='/srv'/>"
               "<target dir='srv'/></filesystem></devices></domain>")
        rows = self.bus.call("ValidateDomain", (xml, 0), "(su)", 120000)[0]
        self.assertEqual([(r[2], r[0]) for r in rows],
                         [("host-lacks-virtiofsd", "/domain/devices/filesystem")])

    def test_c_ctl_capabilities(self):
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.bus.address)
        r = subprocess.run([CTL, "--session", "capabilities"], env=env,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(ET.fromstring(r.stdout).tag, "capabilities")


class LifecycleTest(unittest.TestCase):
    """Stopping or killing the daemon mid-probe leaves no QEMU behind."""

    def setUp(self):
        # Orphans of the daemon come to us, so we can see them.
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_CHILD_SUBREAPER = 36
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        self.tmp = tempfile.mkdtemp(prefix="domcapsd-life-")
        self.bus = PrivateBus()
        self.emulators = make_emulator_dir(self.tmp, broken=False)
        write_script(os.path.join(self.emulators, "qemu-system-hang"), BROKEN["qemu-system-hang"])

    def tearDown(self):
        self.bus.down()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def leftovers(self, daemon_pid):
        time.sleep(0.5)
        left = [c for c in children_of(os.getpid()) if c[0] != daemon_pid
                and ("qemu" in c[1] or "sleep" in c[1])]
        for pid, _ in left:
            os.kill(pid, signal.SIGKILL)
        return left

    def start_mid_probe(self):
        daemon = Daemon(self.bus.address, self.emulators, timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if any("qemu-system" in c[1] for c in children_of(daemon.proc.pid)):
                return daemon
            time.sleep(0.01)
        self.fail("the daemon never started a QEMU")

    def test_sigterm_mid_probe(self):
        daemon = self.start_mid_probe()
        code, out = daemon.stop()
        self.assertEqual(code, 0, out)
        self.assertEqual(self.leftovers(daemon.proc.pid), [])

    def test_sigkill_mid_probe(self):
        daemon = self.start_mid_probe()
        daemon.proc.kill()
        daemon.proc.communicate()
        self.assertEqual(self.leftovers(daemon.proc.pid), [])


if __name__ == "__main__":
    testlib.main("integration")
