#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Beyond one machine: one-shot mode, every answer at once, node labels.

- `domcapsctl --direct` answers byte for byte as the daemon does, for
  every installed emulator under each virttype it serves;
- GetAllDomainCapabilities (and `domcapsctl all`) hold exactly the
  answers GetDomainCapabilities gives one by one;
- the node-feature-discovery file is valid Kubernetes label syntax,
  says what the XML says, and the daemon rewrites it (--nfd-file) when an
  emulator is replaced.

usage: fleet.py BUILDDIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import testlib
import xml.etree.ElementTree as ET

from testlib import Daemon, Gio, GLib, PrivateBus, pump
import replies

BUILD = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "build"
HERE = os.path.dirname(os.path.abspath(__file__))
CTL = os.path.join(BUILD, "tools", "domcapsctl")
HOST_ARCH = os.uname().machine

# Kubernetes' label rules (k8s.io/apimachinery validation), written from
# their documentation: prefix a DNS subdomain, name and value 63 chars.
NAME_RE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
DNS_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
OBSOLETE = {"486", "pentium", "pentium2", "pentium3", "pentiumpro", "coreduo",
            "n270", "core2duo", "Conroe", "athlon", "phenom", "qemu64",
            "qemu32", "kvm64", "kvm32", "Opteron_G1", "Opteron_G2"}


def label_problem(name, value):
    """Why @name=@value is not a valid node label, or None."""
    prefix, _, base = name.rpartition("/")
    if prefix:
        if len(prefix) > 253 or not all(DNS_LABEL_RE.match(p) and len(p) <= 63
                                        for p in prefix.split(".")):
            return f"prefix {prefix!r} is not a DNS subdomain"
    if not base or len(base) > 63 or not NAME_RE.match(base):
        return f"name {base!r} breaks the rules"
    if len(value) > 63 or not NAME_RE.match(value):
        return f"value {value!r} breaks the rules"
    return None


def parse_feature_file(text):
    labels = {}
    for number, line in enumerate(text.splitlines(), 1):
        name, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"line {number} is not name=value: {line!r}")
        if name in labels:
            raise ValueError(f"line {number}: {name} twice")
        labels[name] = value
    return labels


def obsolete(model):
    return model in OBSOLETE or (model.endswith("-v1") and model[:-3] in OBSOLETE)


def ctl(*args, env=None):
    return subprocess.run([CTL, *args], capture_output=True, text=True,
                          timeout=300, env=env)


class Fleet(unittest.TestCase):
    """One daemon with every installed emulator, shared by the tests."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="domcapsd-fleet-")
        cls.bus = PrivateBus()
        cls.daemon = Daemon(BUILD, cls.bus.address, "--cache-dir",
                            os.path.join(cls.tmp, "daemon-cache"))
        assert cls.bus.wait_for_name() and cls.bus.wait_settled(), "no bus name"
        cls.env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=cls.bus.address)
        cls.emulators = cls.bus.call("ListEmulators", (), "()")[0]

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.bus.down()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def caps(self, emulator="", arch="", machine="", virttype=""):
        return self.bus.call("GetDomainCapabilities",
                             (emulator, arch, machine, virttype, 0), "(ssssu)")[0]

    def direct(self, *args):
        return ctl("--direct", "--cache-dir", os.path.join(self.tmp, "direct-cache"),
                   *args)

    # -- one-shot --

    def test_oneshot_equals_daemon_for_every_emulator(self):
        self.assertGreater(len(self.emulators), 0)
        compared = 0
        for emulator in self.emulators:
            path = emulator["path"]
            if emulator["state"] != "ready":
                # refused in the same words as the daemon refuses it
                r = self.direct("domcapabilities", "--emulatorbin", path)
                self.assertEqual(r.returncode, 1, f"{path}: {r.stderr}")
                with self.assertRaises(GLib.Error) as refused:
                    self.caps(path, "", "", "")
                name = Gio.DBusError.get_remote_error(refused.exception)
                self.assertIn(f"({name})", r.stderr)
                self.assertIn(name, ("org.domcapsd.Error.ProbeFailed",
                                     "org.domcapsd.Error.UnsupportedVirtType"))
                continue
            for virttype in emulator["virttypes"]:
                with self.subTest(emulator=path, virttype=virttype):
                    r = self.direct("domcapabilities", "--emulatorbin", path,
                                    "--virttype", virttype)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    self.assertEqual(r.stdout, self.caps(path, "", "", virttype))
                    compared += 1
        print(f"# one-shot == daemon for {compared} emulator x virttype answers")

    def test_oneshot_defaults_match_the_daemon(self):
        """No option at all, and an arch served by another arch's emulator."""
        for args, query in ((["domcapabilities"], ()),
                            (["domcapabilities", "--arch", "i686"], ("", "i686"))):
            with self.subTest(args=args):
                r = self.direct(*args)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout, self.caps(*query))

    def test_oneshot_errors_are_named(self):
        r = self.direct("domcapabilities", "--arch", "no-such-arch")
        self.assertEqual(r.returncode, 1)
        self.assertIn("org.domcapsd.Error.UnsupportedArch", r.stderr)
        r = self.direct("domcapabilities", "--machine", "no-such-machine")
        self.assertEqual(r.returncode, 1)
        self.assertIn("org.domcapsd.Error.UnknownMachine", r.stderr)
        r = ctl("--direct", "list")
        self.assertEqual(r.returncode, 2)
        self.assertIn("needs the daemon", r.stderr)

    def test_oneshot_works_without_any_bus(self):
        env = {k: v for k, v in os.environ.items() if "DBUS" not in k}
        env["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=/nonexistent"
        r = ctl("--direct", "domcapabilities", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("<domainCapabilities>"))

    def test_oneshot_as_an_unprivileged_user(self):
        """nobody, without /dev/kvm access: the TCG answer, no error."""
        if os.geteuid() != 0 or not shutil.which("setpriv"):
            self.skipTest("needs root and setpriv to become nobody")
        bindir = os.path.join(self.tmp, "nobody-bin")
        os.makedirs(bindir)
        shutil.copy(CTL, bindir)
        os.chmod(self.tmp, 0o755)
        os.chmod(bindir, 0o755)
        nobody = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                  "env", "HOME=/nonexistent", os.path.join(bindir, "domcapsctl"), "--direct"]
        kvm = os.access("/dev/kvm", os.R_OK | os.W_OK) and \
            os.stat("/dev/kvm").st_mode & 0o006 == 0o006
        r = subprocess.run(nobody + ["domcapabilities"], capture_output=True, text=True,
                           timeout=300, cwd="/")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(ET.fromstring(r.stdout).find("domain").text, "kvm" if kvm else "qemu")
        r = subprocess.run(nobody + ["nfd"], capture_output=True, text=True, timeout=300,
                           cwd="/")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(all(label_problem(*line.split("=", 1)) is None
                            for line in r.stdout.splitlines()))

    # -- everything in one call --

    def expected_queries(self):
        queries = []
        for emulator in self.emulators:
            if emulator["state"] != "ready":
                queries.append((emulator["path"], "", "", ""))
                continue
            machines = [emulator["default-machine"]]
            machines += [name for name, alias in emulator["machines"]
                         if alias and name not in machines]
            queries += [(emulator["path"], emulator["arch"], m, v)
                        for m in machines for v in emulator["virttypes"]]
        return queries

    def test_all_holds_every_answer(self):
        answers = self.bus.call("GetAllDomainCapabilities", (0,), "(u)")[0]
        self.assertEqual([tuple(a[:4]) for a in answers], self.expected_queries())
        for emulator, arch, machine, virttype, xml, error in answers:
            if error:
                self.assertEqual(xml, "")
                continue
            self.assertEqual(xml, self.caps(emulator, arch, machine, virttype),
                             f"{emulator} {machine} {virttype}")
        print(f"# GetAllDomainCapabilities: {len(answers)} answers")

    def test_all_json_from_bus_and_direct(self):
        answers = self.bus.call("GetAllDomainCapabilities", (0,), "(u)")[0]
        expected = [{"emulator": a[0], "arch": a[1], "machine": a[2],
                     "virttype": a[3], **({"error": a[5]} if a[5] else {"xml": a[4]})}
                    for a in answers]
        r = ctl("--session", "all", "--json", env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), expected)
        r = self.direct("all", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), expected)

    def test_all_refuses_unknown_flags(self):
        from gi.repository import GLib
        with self.assertRaises(GLib.Error) as e:
            self.bus.call("GetAllDomainCapabilities", (1,), "(u)")
        self.assertIn("InvalidArgument", e.exception.message)

    # -- node labels --

    def host_answer(self):
        machine = "q35" if HOST_ARCH in ("x86_64", "i686") else ""
        return ET.fromstring(self.caps("", "", machine, ""))

    def test_nfd_file_is_valid_and_says_what_the_xml_says(self):
        out = os.path.join(self.tmp, "nfd", "domcapsd")
        os.makedirs(os.path.dirname(out))
        r = ctl("--session", "nfd", "--output", out, env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            labels = parse_feature_file(f.read())
        for name, value in labels.items():
            self.assertIsNone(label_problem(name, value), f"{name}={value}")
        self.check_against_xml(labels, self.host_answer())
        print(f"# {len(labels)} node labels, all valid")

    def check_against_xml(self, labels, root):
        def having(prefix):
            return {n[len(prefix):] for n in labels if n.startswith(prefix)}
        custom = root.find("cpu/mode[@name='custom']")
        usable = {m.text for m in custom.findall("model[@usable='yes']")}
        self.assertEqual(having("cpu-model.node.kubevirt.io/"),
                         {m for m in usable if not obsolete(m)})
        host = root.find("cpu/mode[@name='host-model']")
        if host.get("supported") == "yes":
            model = host.find("model").text
            self.assertEqual(having("host-model-cpu.node.kubevirt.io/"), {model})
            self.assertEqual(having("host-model-required-features.node.kubevirt.io/"),
                             {f.get("name") for f in host.findall("feature[@policy='require']")})
            self.assertEqual(having("cpu-vendor.node.kubevirt.io/"),
                             {host.find("vendor").text} if host.find("vendor") is not None
                             else set())
            self.assertEqual("node-labeller.kubevirt.io/obsolete-host-model" in labels,
                             obsolete(model))
            # every feature host-model requires is one the node offers
            self.assertLessEqual(having("host-model-required-features.node.kubevirt.io/"),
                                 having("cpu-feature.node.kubevirt.io/") | {"hypervisor"}
                                 if HOST_ARCH == "x86_64" else set())
        path = root.find("path").text
        emulator = next(e for e in self.emulators if path in e["names"] or path == e["path"])
        machines = {n for n, _ in emulator["machines"]} | \
                   {a for _, a in emulator["machines"] if a}
        self.assertEqual(having("machine-type.node.kubevirt.io/"), machines)
        sev = root.find("features/sev")
        self.assertEqual("kubevirt.io/sev" in labels,
                         sev is not None and sev.get("supported") == "yes")
        # Hyper-V labels only where KVM passes some enlightenment through,
        # which the XML shows beyond QEMU's own spinlocks and vendor_id
        hyperv = {v.text for v in root.findall("features/hyperv/enum/value")}
        if having("hyperv.node.kubevirt.io/"):
            self.assertEqual(root.find("domain").text, "kvm")
            self.assertTrue(hyperv - {"spinlocks", "vendor_id"}, hyperv)

    def test_nfd_direct_equals_daemon(self):
        r = ctl("--session", "nfd", env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        d = self.direct("nfd")
        self.assertEqual(d.returncode, 0, d.stderr)
        self.assertEqual(d.stdout, r.stdout)

    def test_label_checker_refuses_bad_labels(self):
        self.assertIsNone(label_problem("cpu-model.node.kubevirt.io/Skylake-Client", "true"))
        self.assertIsNone(label_problem("kubevirt.io/sev", ""))
        self.assertIsNotNone(label_problem("cpu-model.node.kubevirt.io/" + "x" * 64, "true"))
        self.assertIsNotNone(label_problem("Bad_Prefix.io/x", "true"))
        self.assertIsNotNone(label_problem("a/b", "-x"))


class NfdFile(unittest.TestCase):
    """domcapsd --nfd-file keeps the file current."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="domcapsd-nfd-")
        self.emulators = os.path.join(self.tmp, "emulators")
        os.makedirs(self.emulators)
        # An x86_64 host on any machine (a host root that says so): the
        # replayed emulator is a recording of qemu-system-x86_64.
        self.host_root = os.path.join(self.tmp, "host")
        os.makedirs(os.path.join(self.host_root, "proc", "sys", "kernel"))
        with open(os.path.join(self.host_root, "proc", "sys", "kernel", "arch"), "w") as f:
            f.write("x86_64\n")
        self.emulator = os.path.join(self.emulators, "qemu-system-x86_64")
        os.symlink("/usr/bin/qemu-system-x86_64", self.emulator)
        self.out = os.path.join(self.tmp, "features.d", "domcapsd")
        os.makedirs(os.path.dirname(self.out))
        self.bus = PrivateBus()

    def tearDown(self):
        self.bus.down()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def read(self):
        try:
            with open(self.out) as f:
                return f.read()
        except FileNotFoundError:
            return None

    def replay_emulator(self):
        """A recorded QEMU 7.2 whose machines include one more: its labels
        differ from the real one's on any host."""
        prefix = os.path.join(self.tmp, "qemu-system-x86_64")
        for accel in ("kvm", "tcg"):
            objects = replies.read(os.path.join(HERE, "replay",
                                                f"qemu-7.2-x86_64.{accel}.replies"))
            for i, obj in enumerate(objects[:-1]):
                if obj.get("execute") == "query-machines":
                    objects[i + 1]["return"].append(
                        {"name": "pc-domcapsd-test", "cpu-max": 1, "deprecated": False,
                         "hotpluggable-cpus": False, "numa-mem-supported": False,
                         "default-ram-id": "pc.ram"})
            replies.write(f"{prefix}.{accel}.replies", objects)
        new = self.emulator + ".dpkg-new"
        with open(new, "w") as f:
            f.write(f'#!/bin/sh\nexec {BUILD}/tests/fake-qemu --replies {prefix} "$@"\n')
        os.chmod(new, 0o755)
        os.rename(new, self.emulator)

    def test_replaced_emulator_rewrites_the_file(self):
        daemon = Daemon(BUILD, self.bus.address, "--emulator-dir", self.emulators,
                        "--cache-dir", os.path.join(self.tmp, "cache"),
                        "--nfd-file", self.out, "--host-root", self.host_root)
        try:
            self.assertTrue(self.bus.wait_for_name() and self.bus.wait_settled(),
                            "no bus name")
            self.assertTrue(pump(10, lambda: self.read()), "no label file")
            before = parse_feature_file(self.read())
            self.assertNotIn("machine-type.node.kubevirt.io/pc-domcapsd-test", before)
            self.replay_emulator()
            self.assertTrue(pump(60, lambda: "pc-domcapsd-test" in (self.read() or "")),
                            "the label file was not rewritten")
            after = parse_feature_file(self.read())
            self.assertEqual(after["machine-type.node.kubevirt.io/pc-domcapsd-test"], "true")
            for name, value in after.items():
                self.assertIsNone(label_problem(name, value), f"{name}={value}")
        finally:
            code, out = daemon.stop()
        self.assertEqual(code, 0, out)
        self.assertIn("node labels", out)


if __name__ == "__main__":
    testlib.main("fleet")
