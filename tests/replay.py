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
import struct
import sys
import tempfile
import unittest

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
            "pdh": "AAAA", "cert-chain": "BBBB", "cpu0-id": "CCCC",
            "cbitpos": 51, "reduced-phys-bits": 1}}},
        host={"arch": "x86_64", "sev": True, "sev_es": True,
              "cpuid": {0x8000001F: (0x1000F, 0x173, 509, 100)}},
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
        path = os.path.join(root, "dev", "cpu", "0", "cpuid")
        write(path, "")
        with open(path, "r+b") as f:  # the cpuid driver's layout: offset = leaf
            for leaf, regs in host["cpuid"].items():
                f.seek(leaf)
                f.write(struct.pack("<4I", *regs))


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


class ReplayTest(unittest.TestCase):
    def run_scenario(self, name):
        scenario = SCENARIOS[name]
        workdir = tempfile.mkdtemp(prefix=f"domcapsd-replay-{name}-")
        bus = PrivateBus()
        try:
            host_root = os.path.join(workdir, "host")
            make_host_root(host_root, scenario["host"])
            emulators = make_emulator(workdir, scenario)
            firmware = os.path.join(workdir, "firmware")
            os.makedirs(firmware)
            daemon = Daemon(BUILD, bus.address, "--emulator-dir", emulators,
                            "--host-root", host_root, "--firmware-dir", firmware,
                            "--cache-dir", os.path.join(workdir, "cache"))
            self.assertTrue(bus.wait_for_name(), "no bus name")
            machine_virttype = scenario["query"]
            xml = bus.call("GetDomainCapabilities",
                           ("", "", machine_virttype[1], machine_virttype[2], 0),
                           "(ssssu)")[0]
            daemon.stop()
            # the emulator's path is this run's temporary directory
            xml = xml.replace(workdir, "/REPLAY")
            expected_path = os.path.join(HERE, "expected", f"{name}.xml")
            if REGENERATE:
                write(expected_path, xml)
            with open(expected_path) as f:
                ok, report = agree(f.read(), xml)
            self.assertTrue(ok, f"{name}: answer differs from {expected_path}\n{report}")
        finally:
            bus.down()
            shutil.rmtree(workdir, ignore_errors=True)


def make_test(name):
    return lambda self: self.run_scenario(name)


for _name in SCENARIOS:
    setattr(ReplayTest, "test_" + _name.replace("-", "_").replace(".", "_"),
            make_test(_name))


if __name__ == "__main__":
    unittest.main(verbosity=2)
