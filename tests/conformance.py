#!/usr/bin/python3
"""Conformance: this daemon's answers against libvirt 9.0's on this host.

For each case, asks libvirt (shared/tools/libvirt-reference) and the daemon
(on a private bus) the same question and compares them fact by fact with
shared/tools/domcaps-diff, within the sections the daemon serves. A
difference fails the test unless tests/conformance-allowed.txt lists it;
each listed one is explained in docs/differences-from-libvirt.md.

usage: conformance.py BUILDDIR SOURCEDIR      (exit 77: skipped)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from testlib import Daemon, PrivateBus

BUILD, SOURCE = (os.path.abspath(a) for a in sys.argv[1:3])
TOOLS = os.path.join(os.path.dirname(SOURCE), "shared", "tools")
SECTIONS = ("path,domain,machine,arch,vcpu,iothreads,os,cpu,memoryBacking,devices,features,"
            "features/vmcoreinfo,features/genid,features/backingStoreInput,"
            "features/backup")
KVM = os.access("/dev/kvm", os.R_OK | os.W_OK)

# label, arch, machine, virttype
CASES = [
    ("x86_64-kvm-pc", "x86_64", "pc", "kvm"),
    ("x86_64-kvm-q35", "x86_64", "q35", "kvm"),
    ("x86_64-qemu-pc", "x86_64", "pc", "qemu"),
    ("x86_64-qemu-q35", "x86_64", "q35", "qemu"),
    ("i686-kvm", "i686", "", "kvm"),
    ("i686-qemu", "i686", "", "qemu"),
    ("aarch64-qemu-virt", "aarch64", "virt", "qemu"),
    ("aarch64-qemu", "aarch64", "", "qemu"),
    ("armv7l-qemu-virt", "armv7l", "virt", "qemu"),
    ("riscv64-qemu", "riscv64", "", "qemu"),
    ("riscv64-qemu-virt", "riscv64", "virt", "qemu"),
    ("s390x-qemu", "s390x", "", "qemu"),
    ("ppc64-qemu", "ppc64", "", "qemu"),
]


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(77)


def pattern(text):
    """A label or fact where '*' stands for any text (nothing else is special)."""
    return re.compile("^" + ".*".join(re.escape(p) for p in text.split("*")) + "$")


def allowed():
    out = {}
    with open(os.path.join(SOURCE, "tests", "conformance-allowed.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                label, fact = line.split(None, 1)
                out[(label, fact)] = (pattern(label), pattern(fact))
    return out


def allowing(expected, label, fact):
    """The allowed entry that covers this difference, or None."""
    for entry, (lp, fp) in expected.items():
        if lp.match(label) and fp.match(fact):
            return entry
    return None


def reference(arch, machine, virttype):
    args = [os.path.join(TOOLS, "libvirt-reference"), "domcaps", "--arch", arch,
            "--virttype", virttype]
    if machine:
        args += ["--machine", machine]
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"libvirt-reference failed: {r.stderr.strip()}")
    return r.stdout


def differences(ref_xml, our_xml, workdir, label):
    ref = os.path.join(workdir, f"{label}.libvirt.xml")
    ours = os.path.join(workdir, f"{label}.domcapsd.xml")
    for path, text in ((ref, ref_xml), (ours, our_xml)):
        with open(path, "w") as f:
            f.write(text)
    r = subprocess.run([os.path.join(TOOLS, "domcaps-diff"), ref, ours,
                        f"--only={SECTIONS}"], capture_output=True, text=True)
    facts, side = [], None
    for line in r.stdout.splitlines():
        if line.startswith("## only in reference"):
            side = "-"
        elif line.startswith("## only in candidate"):
            side = "+"
        elif line.startswith("  ") and side:
            facts.append(f"{side}{line.strip()}")
    figure = r.stdout.strip().splitlines()[-1]
    return facts, figure


def main():
    if not os.path.isdir(TOOLS):
        skip(f"no {TOOLS}")
    if os.geteuid() != 0:
        skip("libvirt-reference needs root")
    bus = PrivateBus()
    cache = tempfile.mkdtemp(prefix="domcapsd-conf-cache-")
    daemon = Daemon(BUILD, bus.address, "--cache-dir", cache)
    ok, seen = True, set()
    expected = allowed()
    try:
        if not bus.wait_for_name():
            raise RuntimeError("the daemon did not take its name")
        with tempfile.TemporaryDirectory(prefix="domcapsd-conf-") as workdir:
            for label, arch, machine, virttype in CASES:
                if virttype == "kvm" and not KVM:
                    print(f"# {label}: skipped, no usable /dev/kvm")
                    continue
                ours = bus.call("GetDomainCapabilities",
                                ("", arch, machine, virttype, 0), "(ssssu)")[0]
                facts, figure = differences(reference(arch, machine, virttype), ours,
                                            workdir, label)
                covered = {f: allowing(expected, label, f) for f in facts}
                unexpected = [f for f, entry in covered.items() if entry is None]
                seen.update(e for e in covered.values() if e is not None)
                missed = sum(1 for f in facts if f.startswith("-"))
                agree = int(figure.split("(")[1].split()[0])
                print(f"{'ok' if not unexpected else 'FAIL'} {label}: {figure}"
                      f" ({len(facts) - len(unexpected)} documented differences;"
                      f" {agree} of libvirt's {agree + missed} facts given)")
                for fact in unexpected:
                    print(f"    unexpected {fact}")
                ok &= not unexpected
    finally:
        daemon.stop()
        bus.down()
        shutil.rmtree(cache, ignore_errors=True)
    for label, fact in sorted(set(expected) - seen):
        print(f"# note: documented difference not seen any more: {label} {fact}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
