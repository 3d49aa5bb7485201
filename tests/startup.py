#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The first answers: during a cold start and during a mass replacement.

The daemon takes its bus name before its emulators are probed; a query
waits for the probes its answer needs (docs/architecture.md, "What a
caller sees during start-up"). So:

- during a cold start, every installed emulator asked about at once, in
  a random order, answers exactly what the daemon answers once every
  emulator is probed, with no error;
- during a mass replacement (an upgrade renames a new build over every
  emulator at once), every query waits for its emulator's new probe: it
  never gets the old build's answer, and never an error. The builds are
  replayed recordings (tests/replay) whose new version has one more
  machine, so an old answer shows as UnknownMachine.

usage: startup.py BUILDDIR
"""
import glob
import os
import random
import shutil
import sys
import tempfile
import unittest

import testlib
import replies

from testlib import Daemon, GLib, Gio, NAME, PATH, IFACE, PrivateBus, pump

BUILD = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "build"
HERE = os.path.dirname(os.path.abspath(__file__))
NEW_MACHINE = "domcapsd-test-new"
RECORDED = ("x86_64", "aarch64", "s390x")


def ask_all(bus, questions, timeout_ms=120000):
    """Every question of @questions (emulatorbin, machine) at once, as
    concurrent D-Bus calls; {question: ("xml", text) or ("error", name)}."""
    answers = {}

    def done(conn, result, question):
        try:
            answers[question] = ("xml", conn.call_finish(result).unpack()[0])
        except GLib.Error as e:
            answers[question] = ("error", Gio.DBusError.get_remote_error(e) or e.message)

    for question in questions:
        emulator, machine = question
        bus.conn.call(NAME, PATH, IFACE, "GetDomainCapabilities",
                      GLib.Variant("(ssssu)", (emulator, "", machine, "", 0)),
                      None, 0, timeout_ms, None, done, question)
    pump(timeout_ms / 1000, lambda: len(answers) == len(questions))
    return answers


def emulators_installed():
    return sorted(p for p in glob.glob("/usr/bin/qemu-system-*") if os.access(p, os.X_OK))


class Startup(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="domcapsd-startup-")
        self.bus = PrivateBus()
        self.daemon = None

    def tearDown(self):
        if self.daemon is not None:
            code, out = self.daemon.stop()
            self.assertEqual(code, 0, out)
        self.bus.down()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, *args):
        self.daemon = Daemon(BUILD, self.bus.address, *args)
        self.assertTrue(self.bus.wait_for_name(), "no bus name")

    def stop(self):
        code, out = self.daemon.stop()
        self.daemon = None
        self.assertEqual(code, 0, out)
        return out

    def test_cold_start_answers_every_emulator_as_settled(self):
        questions = [(path, "") for path in emulators_installed()]
        self.assertGreater(len(questions), 2)
        self.start("--cache-dir", os.path.join(self.tmp, "settled"))
        self.assertTrue(self.bus.wait_settled())
        settled = ask_all(self.bus, questions)
        self.stop()
        random.Random(len(questions)).shuffle(questions)
        self.start("--cache-dir", os.path.join(self.tmp, "cold"))
        listed = self.bus.call("ListEmulators", (), "()")[0]
        early = ask_all(self.bus, questions)
        self.stop()
        self.assertTrue(any(e["state"] in ("pending", "probing") for e in listed),
                        "every emulator was probed before the first query: no test")
        for question in questions:
            self.assertEqual(early[question], settled[question], question)

    def recorded_emulator(self, directory, target, extra_machine):
        """qemu-system-TARGET replaying QEMU 7.2's recording, renamed into
        @directory (a new file, as a package upgrade installs it)."""
        prefix = os.path.join(self.tmp, f"{target}-{'new' if extra_machine else 'old'}")
        for accel in ("kvm", "tcg"):
            recording = os.path.join(HERE, "replay", f"qemu-7.2-{target}.{accel}.replies")
            if not os.path.exists(recording):    # recorded without KVM
                recording = recording.replace(".kvm.", ".tcg.")
            objects = replies.read(recording)
            for i, obj in enumerate(objects[:-1]):
                if extra_machine and obj.get("execute") == "query-machines":
                    objects[i + 1]["return"].append(
                        {"name": NEW_MACHINE, "cpu-max": 1, "deprecated": False,
                         "hotpluggable-cpus": False, "numa-mem-supported": False,
                         "default-ram-id": "ram"})
            replies.write(f"{prefix}.{accel}.replies", objects)
        path = os.path.join(directory, f"qemu-system-{target}")
        with open(path + ".dpkg-new", "w") as f:
            f.write(f'#!/bin/sh\nexec {BUILD}/tests/fake-qemu --replies {prefix} "$@"\n')
        os.chmod(path + ".dpkg-new", 0o755)
        os.rename(path + ".dpkg-new", path)
        return path

    def test_mass_replacement_answers_from_the_new_builds(self):
        emulators = os.path.join(self.tmp, "emulators")
        os.makedirs(emulators)
        paths = [self.recorded_emulator(emulators, t, False) for t in RECORDED]
        self.start("--emulator-dir", emulators, "--cache-dir", os.path.join(self.tmp, "cache"))
        self.assertTrue(self.bus.wait_settled())
        before = ask_all(self.bus, [(p, NEW_MACHINE) for p in paths])
        self.assertTrue(all(a == ("error", "org.domcapsd.Error.UnknownMachine")
                            for a in before.values()), before)
        for target in RECORDED:                         # the upgrade
            self.recorded_emulator(emulators, target, True)
        questions = [(p, NEW_MACHINE) for p in paths] + [(p, "") for p in paths]
        random.Random(7).shuffle(questions)
        during = ask_all(self.bus, questions)
        self.assertTrue(self.bus.wait_settled())
        after = ask_all(self.bus, questions)
        for question in questions:
            self.assertEqual(during[question][0], "xml", (question, during[question]))
            self.assertEqual(during[question], after[question], question)


if __name__ == "__main__":
    testlib.main("startup")
