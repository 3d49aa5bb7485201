#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reasons for every "no", on the emulators installed here.

For every emulator, its default and aliased machines and each virttype
(the answers of GetAllDomainCapabilities): every supported='no' element
and every usable='no' model has a reason, and every reason points at
something the answer really lacks. Every code is documented in
docs/reasons.md, and every documented code is asserted somewhere (here
or in the replay scenarios). `domcapsctl explain` prints the same reasons,
over the bus and with --direct.

usage: reasons.py BUILDDIR SOURCEDIR
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

from gi.repository import GLib
from testlib import Daemon, PrivateBus

BUILD, SOURCE = (os.path.abspath(a) for a in sys.argv[1:3])
del sys.argv[1:]
CTL = os.path.join(BUILD, "tools", "domcapsctl")
STATES = {"unsupported", "unusable", "absent"}


def step(element):
    key = element.get("name")
    if element.tag == "model" and element.text:
        key = element.text
    return f"{element.tag}[{key}]" if key else element.tag


def walk(element, prefix=""):
    """(path, element) of every element below the root, as reasons name them."""
    for child in element:
        path = f"{prefix}/{step(child)}" if prefix else step(child)
        yield path, child
        yield from walk(child, path)


def documented_codes():
    with open(os.path.join(SOURCE, "docs", "reasons.md")) as f:
        return set(re.findall(r"^\| `([a-z0-9-]+)` \|", f.read(), re.M))


def replay_expected_codes():
    with open(os.path.join(SOURCE, "tests", "replay.py")) as f:
        text = f.read()
    block = text[text.index("REASONS = {"):text.index("def reason_scenario")]
    return set(re.findall(r'": "([a-z0-9-]+)"', block))


class Reasons(unittest.TestCase):
    seen_codes = set()

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="domcapsd-reasons-")
        cls.bus = PrivateBus()
        cls.daemon = Daemon(BUILD, cls.bus.address, "--cache-dir",
                            os.path.join(cls.tmp, "cache"))
        assert cls.bus.wait_for_name() and cls.bus.wait_settled(), "no bus name"
        cls.answers = [a for a in cls.bus.call("GetAllDomainCapabilities", (0,), "(u)")[0]
                       if not a[5]]
        cls.env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=cls.bus.address)

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.bus.down()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def reasons(self, emulator, arch, machine, virttype):
        return self.bus.call("GetDomainCapabilitiesReasons",
                             (emulator, arch, machine, virttype, 0), "(ssssu)")[0]

    def check_answer(self, emulator, arch, machine, virttype, xml):
        root = ET.fromstring(xml)
        elements = dict(walk(root))
        reasons = self.reasons(emulator, arch, machine, virttype)
        by_path = {}
        for path, state, code, facts, message in reasons:
            self.assertIn(state, STATES)
            self.assertTrue(message and code, (path, code))
            by_path.setdefault(path, []).append((state, code))
            Reasons.seen_codes.add(code)
        where = f"{emulator} {machine} {virttype}"
        # every no has a reason
        for path, element in elements.items():
            if element.get("supported") == "no":
                self.assertIn(("unsupported"), [s for s, _ in by_path.get(path, [])],
                              f"{where}: no reason for {path} supported='no'")
            if element.tag == "model" and element.get("usable") == "no":
                self.assertIn("unusable", [s for s, _ in by_path.get(path, [])],
                              f"{where}: no reason for {path} usable='no'")
        # every reason points at something the answer lacks
        for path, state, code, facts, message in reasons:
            if state == "absent":
                enum_path, _, value = path.rpartition("/")
                enum = elements.get(enum_path)
                if enum is None:  # an unsupported element's enums are not written
                    owner = enum_path.rpartition("/")[0]
                    self.assertEqual(elements[owner].get("supported"), "no",
                                     f"{where}: {path}: no such enum")
                    continue
                self.assertNotIn(value, [v.text for v in enum.findall("value")],
                                 f"{where}: {path} is listed, yet has a reason ({code})")
            elif state == "unsupported":
                self.assertEqual(elements[path].get("supported"), "no", f"{where}: {path}")
            else:
                self.assertEqual(elements[path].get("usable"), "no", f"{where}: {path}")
        return len(reasons)

    def test_every_no_has_a_reason(self):
        total = sum(self.check_answer(*a[:5]) for a in self.answers)
        print(f"# {total} reasons over {len(self.answers)} answers; "
              f"codes seen: {' '.join(sorted(Reasons.seen_codes))}")
        self.assertGreater(total, 0)

    def test_reasons_survive_a_restart_from_the_cache(self):
        emulator, arch, machine, virttype = self.answers[0][:4]
        before = self.reasons(emulator, arch, machine, virttype)
        bus = PrivateBus()
        daemon = Daemon(BUILD, bus.address, "--cache-dir", os.path.join(self.tmp, "cache"))
        try:
            self.assertTrue(bus.wait_for_name() and bus.wait_settled())
            after = bus.call("GetDomainCapabilitiesReasons",
                             (emulator, arch, machine, virttype, 0), "(ssssu)")[0]
        finally:
            _, out = daemon.stop()
            bus.down()
        self.assertEqual(after, before)
        self.assertNotIn("Probed", out, "the restart ran QEMU")

    def test_errors_as_get_domain_capabilities(self):
        with self.assertRaises(GLib.Error) as e:
            self.reasons("", "", "no-such-machine", "")
        self.assertIn("UnknownMachine", e.exception.message)
        with self.assertRaises(GLib.Error) as e:
            self.bus.call("GetDomainCapabilitiesReasons", ("", "", "", "", 1), "(ssssu)")
        self.assertIn("InvalidArgument", e.exception.message)

    def test_explain_cli(self):
        emulator, arch, machine, virttype = self.answers[0][:4]
        args = ["--emulatorbin", emulator, "--machine", machine, "--virttype", virttype]
        reasons = self.reasons(emulator, arch, machine, virttype)
        r = subprocess.run([CTL, "--session", "explain", *args, "--json"], env=self.env,
                           capture_output=True, text=True, check=True)
        self.assertEqual([tuple(x.values()) for x in json.loads(r.stdout)],
                         [tuple(x) for x in reasons])
        d = subprocess.run([CTL, "--direct", "explain", *args, "--json"],
                           capture_output=True, text=True, check=True)
        self.assertEqual(d.stdout, r.stdout)
        r = subprocess.run([CTL, "--session", "explain", *args, "--only", "features/"],
                           env=self.env, capture_output=True, text=True, check=True)
        groups = [line for line in r.stdout.splitlines() if not line.startswith("  ")]
        self.assertTrue(all(g.startswith("features/") for g in groups), groups)
        lines = [line for line in r.stdout.splitlines() if line.startswith("  ")]
        self.assertEqual(len(lines), len([x for x in reasons if x[0].startswith("features/")]))
        self.assertTrue(all(re.search(r"\[[a-z0-9-]+\]$", line) for line in lines), lines)

    def test_zz_codes_documented_and_asserted(self):
        """Runs last (alphabetical): after the walk has seen its codes."""
        documented = documented_codes()
        self.assertGreater(len(documented), 20)
        self.assertLessEqual(Reasons.seen_codes, documented,
                             "codes missing from docs/reasons.md")
        unasserted = documented - Reasons.seen_codes - replay_expected_codes()
        self.assertEqual(unasserted, set(),
                         "documented codes no test asserts (here or in tests/replay.py)")
        with open(os.path.join(SOURCE, "daemon", "caps", "dc-render.c")) as f:
            emitted = set(re.findall(r'"((?:qemu|host|kvm|tcg|no|needs|board|other|cpu|swtpm)'
                                     r'-[a-z0-9-]+)"', f.read()))
        emitted -= {"cpu-models", "host-model", "host-passthrough"}  # facts and names
        self.assertLessEqual(emitted, documented, "codes the renderer emits, undocumented")


if __name__ == "__main__":
    testlib.main("reasons")
