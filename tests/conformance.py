#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Conformance: this daemon's answers against libvirt 9.0's on this host.

For each case, asks libvirt (tests/tools/libvirt-reference) and the daemon
(on a private bus) the same question and compares them fact by fact
(domcaps_diff), within the sections the daemon serves. host-model is
compared by meaning (cpu_meaning): both descriptions expanded by the
real QEMU, equal when they give the same guest CPU. A difference fails
the test unless tests/conformance-allowed.txt allows it under a reason
that docs/differences-from-libvirt.md explains.

KVM cases run where QEMU itself starts with -accel kvm here; elsewhere they
are skipped with QEMU's reason.

usage: conformance.py BUILDDIR SOURCEDIR      (exit 77: skipped)
"""
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import cpu_meaning
import domcaps_diff
import testlib
from allowlist import AllowList
from testlib import Daemon, PrivateBus, accel_works

BUILD, SOURCE = (os.path.abspath(a) for a in sys.argv[1:3])
REFERENCE = os.path.join(SOURCE, "tests", "tools", "libvirt-reference")
HOST_MODEL = "cpu/mode[host-model]/"
SHOWN = 40   # unexpected differences printed per case

# label, arch, machine, virttype. No default-machine case for aarch64 and
# riscv64: libvirt 11 (the yardstick) answers for virt there and 9.0 for
# integratorcp and spike; the corpus checks the default (qemu_8.2.0.aarch64).
CASES = [
    ("x86_64-kvm-pc", "x86_64", "pc", "kvm"),
    ("x86_64-kvm-q35", "x86_64", "q35", "kvm"),
    ("x86_64-qemu-pc", "x86_64", "pc", "qemu"),
    ("x86_64-qemu-q35", "x86_64", "q35", "qemu"),
    ("i686-kvm", "i686", "", "kvm"),
    ("i686-qemu", "i686", "", "qemu"),
    ("aarch64-qemu-virt", "aarch64", "virt", "qemu"),
    ("armv7l-qemu-virt", "armv7l", "virt", "qemu"),
    ("riscv64-qemu-virt", "riscv64", "virt", "qemu"),
    ("s390x-qemu", "s390x", "", "qemu"),
    ("ppc64-qemu", "ppc64", "", "qemu"),
]


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(77)


def reference(arch, machine, virttype):
    args = [REFERENCE, "domcaps", "--arch", arch, "--virttype", virttype]
    if machine:
        args += ["--machine", machine]
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"libvirt-reference failed: {r.stderr.strip()}")
    return r.stdout


def textual(fact):
    """Facts compared as text: the served sections but host-model's content."""
    return domcaps_diff.served(fact) and not fact.startswith(HOST_MODEL)


def host_model_difference(ours, theirs, virttype):
    """[] when both host-models give the same guest CPU, else ["~host-model"]."""
    emulator = ET.fromstring(ours).findtext("path")
    accel = "kvm" if virttype == "kvm" else "tcg"
    equal, report = cpu_meaning.same_guest_cpu(emulator, accel, theirs, ours)
    return ([] if equal else ["~host-model"]), report


class Run:
    def __init__(self, bus, allow, workdir):
        self.bus, self.allow, self.workdir = bus, allow, workdir
        self.ok = True

    def case(self, label, arch, machine, virttype):
        ours = self.bus.call("GetDomainCapabilities",
                             ("", arch, machine, virttype, 0), "(ssssu)")[0]
        theirs = reference(arch, machine, virttype)
        for side, text in (("libvirt", theirs), ("domcapsd", ours)):
            with open(os.path.join(self.workdir, f"{label}.{side}.xml"), "w") as f:
                f.write(text)
        result = domcaps_diff.compare_texts(theirs, ours, textual)
        cpu, report = host_model_difference(ours, theirs, virttype)
        differences = result.differences() + cpu
        rows = {d: self.allow.covering(label, d) for d in differences}
        unexpected = [d for d, row in rows.items() if row is None]
        print(f"{'ok' if not unexpected else 'FAIL'} {label}: {result.figure()}; "
              f"{len(differences) - len(unexpected)} allowed differences; "
              f"{result.agree} of libvirt's {len(result.reference)} facts given; "
              f"host-model: {report}")
        for d in unexpected[:SHOWN]:
            print(f"    unexpected {d}")
        if len(unexpected) > SHOWN:
            print(f"    ... and {len(unexpected) - SHOWN} more unexpected differences")
        for d, row in sorted(rows.items()):
            if row is not None and d.startswith("~"):
                print(f"    allowed {d} [{self.allow.reason(row)}]")
        self.ok &= not unexpected


def main():
    if os.geteuid() != 0:
        skip("libvirt-reference installs and runs libvirtd, which needs root")
    allow = AllowList(os.path.join(SOURCE, "tests", "conformance-allowed.txt"),
                      os.path.join(SOURCE, "docs", "differences-from-libvirt.md"))
    if allow.undocumented:
        print("FAIL: reasons without a section in docs/differences-from-libvirt.md: "
              f"{allow.undocumented}")
        return 1
    kvm, kvm_reason = accel_works("/usr/bin/qemu-system-x86_64", "kvm")
    bus = PrivateBus()
    cache = tempfile.mkdtemp(prefix="domcapsd-conf-cache-")
    daemon = Daemon(BUILD, bus.address, "--cache-dir", cache)
    try:
        if not bus.wait_for_name():
            raise RuntimeError("the daemon did not take its name")
        with tempfile.TemporaryDirectory(prefix="domcapsd-conf-") as workdir:
            run = Run(bus, allow, workdir)
            for label, arch, machine, virttype in CASES:
                if virttype == "kvm" and not kvm:
                    testlib.skipped(f"conformance/{label}",
                                    f"QEMU cannot use KVM here: {kvm_reason}")
                    continue
                run.case(label, arch, machine, virttype)
    finally:
        daemon.stop()
        bus.down()
        shutil.rmtree(cache, ignore_errors=True)
    for row in allow.unseen():
        print(f"# note: allowed difference not seen on this host: {' '.join(row)}")
    return 0 if run.ok else 1


if __name__ == "__main__":
    sys.exit(main())
