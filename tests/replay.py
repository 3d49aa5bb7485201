#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Replay: domcapsd against fake emulators answering from recorded QMP
conversations, for hardware this machine lacks (SGX, SEV, GICv3 under
KVM, s390 protected virtualisation).

Each scenario starts from conversations recorded from Debian's QEMU 7.2
(tests/replay/qemu-7.2-TARGET.ACCEL.replies, made by record-replies),
replaces some replies, builds a host root (/dev/kvm, /proc/sys/kernel/arch,
sysfs switches, CPUID through /dev/cpu/0/cpuid), runs the daemon with
--host-root on a private bus and compares its answer fact by fact with
tests/replay/expected/SCENARIO.xml.

usage: replay.py BUILDDIR SOURCEDIR [--regenerate]
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import testlib

import domcaps_diff
import replies
from testlib import Daemon, PrivateBus

BUILD, SOURCE = (os.path.abspath(a) for a in sys.argv[1:3])
REGENERATE = "--regenerate" in sys.argv
del sys.argv[1:]
HERE = os.path.join(SOURCE, "tests", "replay")
GIB = 1024 ** 3

KVM_ENABLED = {"enabled": True, "present": True}
SGX = {"sgx": True, "sgx1": True, "sgx2": False, "flc": False}
S390_PV_GUEST = {"name": "s390-pv-guest", "parent": "object"}
# libvirt's amdsev recording's first CPU id (tests/qemucapabilitiesdata)
SEV_CPU0_ID = ("BlAwmcr4Ruya3YvEGe2EBxuWjMAfIYolslNNM92RsIKxLkWDDRqivqSBOD+qQRCYS9joBYSHMD1g"
               "+rmjY+MmVw==")
FETCH = os.path.join(SOURCE, "tests", "tools", "fetch-libvirt-corpus")

# The independent oracle of a scenario: libvirt's own answer (its corpus,
# tests/domaincapsdata) for a recording whose replies the scenario's
# edits reproduce, compared on the section the scenario is about. The
# expected files catch change; these catch error.
ORACLES = {
    "sgx-qemu-7.0": ("qemu_7.0.0.x86_64", "features/sgx"),
    "sev": ("qemu_9.2.0.x86_64+amdsev", "features/sev"),
    "gic-v3-kvm": ("qemu_8.2.0-virt.aarch64", "features/gic"),
    "s390-pv": ("qemu_9.2.0.s390x", "features/s390-pv"),
}

# name: target, recordings to use per accel, reply edits per accel,
#       host root, query (emulator arch, machine, virttype)
SCENARIOS = {
    # CPUID 0x80000008: 48 physical address bits (host-model's maxphysaddr)
    "x86_64-kvm": dict(target="x86_64", accels={"tcg": "x86_64.tcg", "kvm": "x86_64.kvm"},
                       edits={}, host={"arch": "x86_64", "cpuid": {0x80000008: (0x3030, 0, 0, 0)}},
                       query=("", "q35", "kvm")),
    "sgx-qemu-6.2": dict(
        target="x86_64", accels={"tcg": "x86_64.tcg", "kvm": "x86_64.kvm"},
        edits={"kvm": {"query-sgx-capabilities": {**SGX, "section-size": GIB // 2}}},
        host={"arch": "x86_64"}, query=("", "q35", "kvm")),
    "sgx-qemu-7.0": dict(
        target="x86_64", accels={"tcg": "x86_64.tcg", "kvm": "x86_64.kvm"},
        edits={"kvm": {"query-sgx-capabilities": {
            **SGX, "section-size": GIB // 2,
            "sections": [{"node": 0, "size": GIB // 4}, {"node": 1, "size": GIB // 4}]}}},
        host={"arch": "x86_64"}, query=("", "q35", "kvm")),
    "sgx2-flc-qemu-8.0": dict(
        target="x86_64", accels={"tcg": "x86_64.tcg", "kvm": "x86_64.kvm"},
        edits={"kvm": {"query-sgx-capabilities": {
            "sgx": True, "sgx1": True, "sgx2": True, "flc": True,
            "sections": [{"node": 0, "size": 64 * 1024 ** 2},
                         {"node": 1, "size": 192 * 1024 ** 2}]}}},
        host={"arch": "x86_64"}, query=("", "q35", "kvm")),
    "sgx-under-tcg": dict(
        target="x86_64", accels={"tcg": "x86_64.tcg", "kvm": "x86_64.kvm"},
        edits={"kvm": {"query-sgx-capabilities": {**SGX, "section-size": GIB // 2}}},
        host={"arch": "x86_64"}, query=("", "q35", "qemu")),
    "sev": dict(
        target="x86_64", accels={"tcg": "x86_64.tcg", "kvm": "x86_64.kvm"},
        edits={"kvm": {"query-sev-capabilities": {
            "pdh": "AAAA", "cert-chain": "BBBB", "cpu0-id": SEV_CPU0_ID,
            "cbitpos": 51, "reduced-phys-bits": 1}}},
        # 509 ASIDs, SEV from 451 up: 59 SEV guests, 450 SEV-ES guests
        host={"arch": "x86_64", "sev": True, "sev_es": True,
              "cpuid": {0x8000001F: (0x1000F, 0x173, 509, 451)}},
        query=("", "q35", "kvm")),
    "gic-v3-kvm": dict(
        target="aarch64", accels={"tcg": "aarch64.tcg", "kvm": "aarch64.tcg"},
        edits={"kvm": {"query-kvm": KVM_ENABLED, "query-gic-capabilities": [
            {"version": 2, "emulated": True, "kernel": False},
            {"version": 3, "emulated": True, "kernel": True}]}},
        host={"arch": "aarch64"}, query=("", "virt", "kvm")),
    # QEMU registers s390-pv-guest only where it is built with KVM, so an
    # s390x host's QEMU lists it; this one, built for x86, does not.
    "s390-pv": dict(
        target="s390x", accels={"tcg": "s390x.tcg", "kvm": "s390x.tcg"},
        edits={"tcg": {"qom-list-types": lambda types: types + [S390_PV_GUEST]},
               "kvm": {"query-kvm": KVM_ENABLED,
                       "qom-list-types": lambda types: types + [S390_PV_GUEST]}},
        host={"arch": "s390x", "s390_pv": True}, query=("", "", "kvm")),
}


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(text)


def make_host_root(root, host):
    if host.get("kvm", True):
        write(os.path.join(root, "dev", "kvm"), "")
    write(os.path.join(root, "proc", "sys", "kernel", "arch"), host["arch"] + "\n")
    if host.get("sev"):
        write(os.path.join(root, "sys/module/kvm_amd/parameters/sev"), "Y\n")
    if host.get("sev_es"):
        write(os.path.join(root, "sys/module/kvm_amd/parameters/sev_es"), "Y\n")
    if host.get("s390_pv"):
        write(os.path.join(root, "sys/firmware/uv/prot_virt_host"), "1\n")
        write(os.path.join(root, "sys/module/kvm/parameters/prot_virt"), "1\n")
    if host.get("cpuid"):
        testlib.write_cpuid(root, host["cpuid"])


def make_emulator(workdir, scenario):
    emulators = os.path.join(workdir, "emulators")
    os.makedirs(emulators)
    prefix = os.path.join(workdir, f"qemu-system-{scenario['target']}")
    for accel, recording in scenario["accels"].items():
        objects = replies.read(os.path.join(HERE, f"qemu-7.2-{recording}.replies"))
        replies.write(f"{prefix}.{accel}.replies",
                      replies.edited(objects, scenario["edits"].get(accel, {})))
    wrapper = os.path.join(emulators, f"qemu-system-{scenario['target']}")
    write(wrapper, f'#!/bin/sh\nexec {BUILD}/tests/fake-qemu --replies {prefix} "$@"\n')
    os.chmod(wrapper, 0o755)
    return emulators


def agree(expected, actual):
    """Fact by fact, every element counted (domcaps_diff)."""
    result = domcaps_diff.compare_texts(expected, actual,
                                        domcaps_diff.prefix_filter(everything=True))
    return result.agree == result.total, result.report()


# Why the answer says no (GetDomainCapabilitiesReasons), for hardware and
# host set-ups this machine may lack: each starts from a scenario above
# ("from"), with changes to its host, reply edits per accel, the daemon's
# extra environment or a fake swtpm_setup's capabilities, and names the
# reasons expected ({path: code}) for (machine, virttype).
SWTPM_20_ONLY = '{"type": "swtpm_setup", "features": ["tpm-2.0", "cmdarg-pwdfile-fd"]}'


def without(name):
    return lambda items: [i for i in items if i.get("name") != name]


def without_enum_value(value):
    """The QMP schema with @value dropped from every enum."""
    def edit(entities):
        for entity in entities:
            if entity.get("meta-type") == "enum":
                entity["values"] = [v for v in entity.get("values", []) if v != value]
                if "members" in entity:
                    entity["members"] = [m for m in entity["members"]
                                         if m.get("name") != value]
        return entities
    return edit


def both(edit):
    return {"tcg": edit, "kvm": edit}


REASONS = {
    "sev-host-off": dict(
        base="sev", host={"sev": False}, query=("q35", "kvm"),
        expect={"features/sev": "host-sev-off"}),
    "sev-snp-host-off": dict(
        base="sev", query=("q35", "kvm"),
        expect={"features/launchSecurity/enum[sectype]/sev-snp": "host-sev-snp-off"}),
    "sev-not-in-qemu": dict(
        base="x86_64-kvm", query=("q35", "kvm"), expect={"features/sev": "qemu-no-sev"}),
    # what the recorded QEMU 7.2 on a nested AMD host without VFIO lacks
    "recorded-x86_64-host": dict(
        base="x86_64-kvm", query=("q35", "kvm"),
        expect={"devices/hostdev/enum[pciBackend]/vfio": "host-lacks-vfio",
                "devices/disk/enum[bus]/ide": "board-lacks",
                "devices/tpm/enum[model]/tpm-spapr": "qemu-lacks-type",
                "features/async-teardown": "qemu-lacks-option",
                "features/hyperv/enum[features]/synic": "kvm-lacks-hyperv",
                "cpu/mode[custom]/model[qemu64]": "cpu-blockers",
                "os/enum[firmware]/efi": "no-firmware",
                "os/loader/enum[secure]/yes": "no-secure-firmware",
                "features/gic": "board-lacks",
                "features/launchSecurity": "no-values"}),
    "recorded-aarch64": dict(
        base="gic-v3-kvm", query=("virt", "qemu"),
        expect={"cpu/mode[maximum]/enum[maximumMigratable]/on": "qemu-lacks-cpu-property",
                "features/sev": "other-arch"}),
    "no-sdl-display": dict(
        base="x86_64-kvm", edits=both({"query-qmp-schema": without_enum_value("sdl")}),
        query=("q35", "kvm"),
        expect={"devices/graphics/enum[type]/sdl": "qemu-lacks-schema-value"}),
    "sgx-not-in-qemu": dict(
        base="x86_64-kvm", query=("q35", "kvm"), expect={"features/sgx": "qemu-no-sgx"}),
    "sgx-under-tcg": dict(
        base="sgx-under-tcg", query=("q35", "qemu"), expect={"features/sgx": "needs-kvm"}),
    "s390-pv-host-off": dict(
        base="s390-pv", host={"s390_pv": False}, query=("", "kvm"),
        expect={"features/s390-pv": "host-lacks-s390-pv",
                "features/launchSecurity/enum[sectype]/s390-pv": "host-lacks-s390-pv"}),
    "gic-v2-not-in-kernel": dict(
        base="gic-v3-kvm", query=("virt", "kvm"),
        expect={"features/gic/enum[version]/2": "kvm-lacks-gic"}),
    "gic-v3-not-emulated": dict(
        base="gic-v3-kvm", query=("virt", "qemu"),
        # QEMU answers query-gic-capabilities in the kvm process
        edits={"kvm": {"query-gic-capabilities": [
            {"version": 2, "emulated": True, "kernel": False},
            {"version": 3, "emulated": False, "kernel": True}]}},
        expect={"features/gic/enum[version]/3": "tcg-lacks-gic"}),
    "no-swtpm": dict(
        base="x86_64-kvm", env={"PATH": "/nonexistent"}, query=("q35", "kvm"),
        expect={"devices/tpm/enum[backendVersion]/2.0": "host-lacks-swtpm",
                "devices/tpm/enum[backendVersion]/1.2": "host-lacks-swtpm",
                "devices/graphics/enum[type]/rdp": "host-lacks-qemu-rdp"}),
    "swtpm-2.0-only": dict(
        base="x86_64-kvm", swtpm=SWTPM_20_ONLY, query=("q35", "kvm"),
        expect={"devices/tpm/enum[backendVersion]/1.2": "swtpm-lacks-version"}),
    "no-dev-kvm": dict(
        base="x86_64-kvm", host={"kvm": False}, query=("q35", "qemu"),
        expect={"cpu/mode[host-passthrough]": "needs-kvm", "features/sev": "needs-kvm"}),
    "no-tpm-emulator-backend": dict(
        base="x86_64-kvm", edits=both({"query-tpm-types": ["passthrough"]}),
        query=("q35", "kvm"),
        expect={"devices/tpm/enum[backendModel]/emulator": "qemu-lacks-tpm-backend"}),
    "no-backup-command": dict(
        base="x86_64-kvm", edits=both({"query-qmp-schema": without("blockdev-backup")}),
        query=("q35", "kvm"), expect={"features/backup": "qemu-lacks-command"}),
    "no-max-model": dict(
        base="x86_64-kvm", edits=both({"query-cpu-definitions": without("max")}),
        query=("q35", "kvm"), expect={"cpu/mode[maximum]": "qemu-lacks-cpu-model"}),
    "no-cpu-definitions": dict(
        base="x86_64-kvm", edits=both({"query-cpu-definitions": []}),
        query=("q35", "kvm"),
        expect={"cpu/mode[custom]": "qemu-no-cpu-definitions",
                "cpu/mode[host-model]": "no-host-model"}),
    "no-i8042-property": dict(
        base="x86_64-kvm", edits=both({"qom-list-properties": without("i8042")}),
        query=("q35", "kvm"), expect={"features/ps2": "qemu-lacks-machine-property"}),
}


def reason_scenario(name):
    """The scenario REASONS[@name] starts from, with its reply edits."""
    spec = REASONS[name]
    scenario = dict(SCENARIOS[spec["base"]])
    edits = {accel: dict(e) for accel, e in scenario["edits"].items()}
    for accel, extra in spec.get("edits", {}).items():
        edits.setdefault(accel, {}).update(extra)
    scenario["edits"] = edits
    return scenario


class ReplayTest(unittest.TestCase):
    def start(self, scenario, host_changes=None, env=None, swtpm=None):
        """The daemon on a private bus with @scenario's fake emulator and
        host root (and, with @swtpm, a swtpm_setup printing that as its
        capabilities); returns (bus, daemon, workdir)."""
        workdir = tempfile.mkdtemp(prefix="domcapsd-replay-")
        bus = PrivateBus()
        if swtpm is not None:
            fake = os.path.join(workdir, "bin", "swtpm_setup")
            write(fake, f"#!/bin/sh\necho '{swtpm}'\n")
            os.chmod(fake, 0o755)
            env = dict(env or {}, PATH=os.path.dirname(fake))
        host_root = os.path.join(workdir, "host")
        make_host_root(host_root, {**scenario["host"], **(host_changes or {})})
        emulators = make_emulator(workdir, scenario)
        firmware = os.path.join(workdir, "firmware")
        os.makedirs(firmware)
        daemon = Daemon(BUILD, bus.address, "--emulator-dir", emulators,
                        "--host-root", host_root, "--firmware-dir", firmware,
                        "--cache-dir", os.path.join(workdir, "cache"), env=env)
        return bus, daemon, workdir

    def run_reasons(self, name):
        spec = REASONS[name]
        machine, virttype = spec["query"]
        expected = spec["expect"]
        bus, daemon, workdir = self.start(reason_scenario(name), spec.get("host"),
                                          spec.get("env"), spec.get("swtpm"))
        try:
            self.assertTrue(bus.wait_for_name(), "no bus name")
            reasons = bus.call("GetDomainCapabilitiesReasons",
                               ("", "", machine, virttype, 0), "(ssssu)")[0]
            daemon.stop()
            got = {path: code for path, _state, code, _facts, _message in reasons}
            for path, code in expected.items():
                self.assertEqual(got.get(path), code, f"{name}: reason of {path}")
        finally:
            bus.down()
            shutil.rmtree(workdir, ignore_errors=True)

    def check_oracle(self, name, xml):
        if name not in ORACLES:
            return
        libvirt_file, section = ORACLES[name]
        corpus = subprocess.run([FETCH], capture_output=True, text=True, check=True)
        path = os.path.join(corpus.stdout.strip(), "tests", "domaincapsdata",
                            f"{libvirt_file}.xml")
        theirs = {f for f in domcaps_diff.facts_of_file(path) if f.startswith(section)}
        ours = {f for f in domcaps_diff.facts_of_text(xml) if f.startswith(section)}
        self.assertTrue(theirs, f"{libvirt_file} has no {section}")
        self.assertEqual(sorted(ours), sorted(theirs),
                         f"{name}: {section} differs from libvirt's {libvirt_file}")

    def run_scenario(self, name):
        scenario = SCENARIOS[name]
        bus, daemon, workdir = self.start(scenario)
        try:
            self.assertTrue(bus.wait_for_name(), "no bus name")
            machine_virttype = scenario["query"]
            xml = bus.call("GetDomainCapabilities",
                           ("", "", machine_virttype[1], machine_virttype[2], 0),
                           "(ssssu)")[0]
            daemon.stop()
            # the emulator's path is this run's temporary directory
            xml = xml.replace(workdir, "/REPLAY")
            expected_path = os.path.join(HERE, "expected", f"{name}.xml")
            self.check_oracle(name, xml)
            if REGENERATE:
                # an answer compared with itself proves nothing: write it
                # for review (git diff) and say that nothing was checked
                write(expected_path, xml)
                self.skipTest(f"regenerated {expected_path}, not checked")
            with open(expected_path) as f:
                ok, report = agree(f.read(), xml)
            self.assertTrue(ok, f"{name}: answer differs from {expected_path}\n{report}")
        finally:
            bus.down()
            shutil.rmtree(workdir, ignore_errors=True)


def make_test(name):
    return lambda self: self.run_scenario(name)


def make_reasons_test(name):
    return lambda self: self.run_reasons(name)


for _name in SCENARIOS:
    setattr(ReplayTest, "test_" + _name.replace("-", "_").replace(".", "_"),
            make_test(_name))
for _name in REASONS:
    setattr(ReplayTest, "test_reasons_" + _name.replace("-", "_"),
            make_reasons_test(_name))


if __name__ == "__main__":
    testlib.main("replay")
