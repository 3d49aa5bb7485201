#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Host capabilities (GetCapabilities) against three oracles.

1. libvirt 11.3's tests/vircaps2xmldata: fake sysfs trees and the host
   topology and cache banks libvirt builds from each (vircaps2xmltest.c).
   Each tree is served as our host root. libvirt's test makes up each
   cell's memory and pages in a mock (virnumamock.c), not in the tree; we
   write the same numbers into the tree (node meminfo, huge pages), so
   that they are read as on a real host.
2. libvirt 11.3's tests/qemucaps2xmloutdata: the <guest> libvirt writes
   for the newest recording of each arch (qemucaps2xmltest.c), replayed to
   us through the fake emulator as tests/corpus.py replays it. libvirt's
   test writes no machines (its capabilities hold flags only) and shows
   /usr/bin/qemu-system-ARCH: both are left out.
3. libvirt 9.0 live on this host (virsh capabilities, started by
   tests/tools/libvirt-reference; needs root), against the daemon on a
   private bus, fact by fact.

Every difference must be allowed in tests/hostcaps-allowed.txt under a
reason that is a section of docs/host-capabilities.md; a row that allows
nothing fails the run.

usage: hostcaps.py BUILDDIR SOURCEDIR [--show]
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import caps_facts
import corpus
import domcaps_diff
import testlib
from allowlist import AllowList
from testlib import Daemon, PrivateBus

BUILD, SOURCE = corpus.BUILD, corpus.SOURCE
SHOW = "--show" in sys.argv
CTL = os.path.join(BUILD, "tools", "domcapsctl")
ALLOWED = os.path.join(SOURCE, "tests", "hostcaps-allowed.txt")
DOCS = os.path.join(SOURCE, "docs", "host-capabilities.md")
REFERENCE = os.path.join(SOURCE, "tests", "tools", "libvirt-reference")

# vircaps2xmltest.c's cases: (tree, arch)
VIRCAPS = [("basic", "x86_64"), ("basic", "aarch64"), ("basic-dies", "x86_64"),
           ("basic-clusters", "aarch64"), ("caches", "x86_64"), ("hmat", "x86_64"),
           ("resctrl", "x86_64"), ("resctrl-cmt", "x86_64"), ("resctrl-cdp", "x86_64"),
           ("resctrl-skx", "x86_64"), ("resctrl-skx-twocaches", "x86_64"),
           ("resctrl-fake-feature", "x86_64"), ("resctrl-amd", "x86_64"),
           ("resctrl-mba_MBps", "x86_64")]


class Run:
    def __init__(self, allow):
        self.allow, self.ok, self.agree, self.total, self.cases = allow, True, 0, 0, 0
        self.labels = []

    def compare(self, label, theirs, ours, keep=lambda f: True):
        self.labels.append(label)
        c = domcaps_diff.Comparison(theirs, ours, keep)
        unexpected = [d for d in c.differences() if self.allow.covering(label, d) is None]
        print(f"{'ok' if not unexpected else 'FAIL'} {label}: {c.figure()}; "
              f"{len(c.differences()) - len(unexpected)} allowed differences")
        for d in (c.differences() if SHOW else unexpected[:30]):
            row = self.allow.covering(label, d)
            print(f"    {d}" + (f"  [{self.allow.reason(row)}]" if row else ""))
        self.ok &= not unexpected
        self.agree, self.total, self.cases = (self.agree + c.agree, self.total + c.total,
                                              self.cases + 1)


def ctl(*args, env=None):
    r = subprocess.run([CTL, "--direct", *args], capture_output=True, text=True, env=env,
                       timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"domcapsctl {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


# ---- 1. vircaps2xmldata ----

def mock_memory(system):
    """virnumamock.c's memory and pages, written where sysfs keeps them."""
    node_dir = os.path.join(system, "node")
    for name in os.listdir(node_dir):
        m = re.fullmatch(r"node(\d+)", name)
        if not m:
            continue
        cell = int(m[1])
        corpus.write(os.path.join(node_dir, name, "meminfo"),
                     f"Node {cell} MemTotal: {(cell + 1) * 1048576} kB\n")
        for i, size in ((1, 2048), (2, 1048576)):
            corpus.write(os.path.join(node_dir, name, "hugepages", f"hugepages-{size}kB",
                                      "nr_hugepages"), f"{(cell + 1 + i) * 2048}\n")


def vircaps_case(run, data, tree, arch, workdir):
    root = os.path.join(workdir, f"{tree}-{arch}")
    system = os.path.join(root, "sys", "devices", "system")
    source = os.path.join(data, f"linux-{tree}", "system")
    for entry in os.listdir(source):   # cpu and node may link to virhostcpudata
        shutil.copytree(os.path.realpath(os.path.join(source, entry)),
                        os.path.join(system, entry), symlinks=True)
    mock_memory(system)
    resctrl = os.path.join(data, f"linux-{tree}", "resctrl")
    if os.path.isdir(resctrl):   # where the kernel mounts it
        shutil.copytree(resctrl, os.path.join(root, "sys", "fs", "resctrl"), symlinks=True)
    corpus.write(os.path.join(root, "proc", "sys", "kernel", "arch"), arch + "\n")
    os.makedirs(os.path.join(workdir, "none"), exist_ok=True)
    ours = ctl("capabilities", "--host-root", root, "--emulator-dir",
               os.path.join(workdir, "none"), "--firmware-dir", os.path.join(workdir, "none"))
    with open(os.path.join(data, f"vircaps-{arch}-{tree}.xml")) as f:
        theirs = f.read()
    # what the test's constructor sets (arch, migration) is not the tree's
    keep = lambda f: f.startswith(("host/topology", "host/cache", "host/memory_bandwidth"))
    run.compare(f"vircaps-{arch}-{tree}", caps_facts.facts_of_text(theirs),
                caps_facts.facts_of_text(ours), keep)


# ---- 2. qemucaps2xmloutdata ----

def newest_recordings(data):
    """{ARCH+VARIANT: path of its newest recording}."""
    out = {}
    for name in os.listdir(data):
        m = re.fullmatch(r"caps_(\d+)\.(\d+)\.(\d+)_([^.]+)\.replies", name)
        if m:
            version = tuple(int(x) for x in m.groups()[:3])
            if m[4] not in out or out[m[4]][0] < version:
                out[m[4]] = (version, os.path.join(data, name))
    return {k: v[1] for k, v in out.items()}


def guest_case(run, expected, recording_path, arch, variant, workdir):
    recording = corpus.Recording(recording_path, workdir)
    recording.emulator()
    corpus.make_host_root(os.path.join(workdir, "host"), arch, variant, recording.kvm)
    os.makedirs(os.path.join(workdir, "firmware"), exist_ok=True)
    ours = ctl("capabilities", "--host-root", os.path.join(workdir, "host"),
               "--emulator-dir", os.path.join(workdir, "emulators"),
               "--firmware-dir", os.path.join(workdir, "firmware"))
    with open(expected) as f:
        theirs = f.read()
    prefix = f"guest[{arch}]"
    keep = lambda f: (f.startswith(prefix) and "/machine[" not in f and
                      not f.startswith(f"{prefix}/arch/emulator="))
    run.compare(f"caps.{arch}{variant}", caps_facts.facts_of_text(theirs),
                caps_facts.facts_of_text(ours), keep)


# ---- 3. libvirt 9.0 live ----

def live_case(run):
    if os.geteuid() != 0:
        testlib.skipped("hostcaps/libvirt-9.0",
                        "libvirt-reference installs and runs libvirtd, which needs root")
        return
    r = subprocess.run(["bash", REFERENCE, "capabilities"], capture_output=True, text=True,
                       timeout=900)
    if r.returncode != 0:
        raise RuntimeError(f"libvirt-reference capabilities: {r.stderr.strip()}")
    bus = PrivateBus()
    cache = tempfile.mkdtemp(prefix="domcapsd-hostcaps-cache-")
    daemon = Daemon(BUILD, bus.address, "--cache-dir", cache)
    try:
        if not bus.wait_for_name():
            raise RuntimeError("the daemon did not take its name")
        ours = bus.call("GetCapabilities", (), "()", 600000)[0]
    finally:
        daemon.stop()
        bus.down()
        shutil.rmtree(cache, ignore_errors=True)
    kvm, _ = testlib.accel_works("/usr/bin/qemu-system-x86_64", "kvm")
    run.compare("libvirt-9.0" + ("+kvm" if kvm else ""), caps_facts.facts_of_text(r.stdout),
                caps_facts.facts_of_text(ours))


def main():
    allow = AllowList(ALLOWED, DOCS)
    if allow.undocumented:
        print(f"FAIL: reasons without a section in {DOCS}: {allow.undocumented}")
        return 1
    data = corpus.fetch()
    run = Run(allow)
    with tempfile.TemporaryDirectory(prefix="domcapsd-hostcaps-") as workdir:
        for tree, arch in VIRCAPS:
            vircaps_case(run, os.path.join(data, "vircaps2xmldata"), tree, arch, workdir)
    recordings = newest_recordings(os.path.join(data, "qemucapabilitiesdata"))
    outdata = os.path.join(data, "qemucaps2xmloutdata")
    for name in sorted(os.listdir(outdata)):
        key = name[len("caps."):-len(".xml")]
        arch, variant = (key.split("+", 1) + [""])[:2]
        variant = "+" + variant if variant else ""
        if variant == "+hvf":
            print(f"skip {name}: hvf is macOS's accelerator; domcapsd serves kvm and qemu")
        elif key not in recordings:
            print(f"skip {name}: libvirt 11.3 keeps no recording for it (a stale file)")
        else:
            with tempfile.TemporaryDirectory(prefix="domcapsd-hostcaps-") as workdir:
                guest_case(run, os.path.join(outdata, name), recordings[key], arch, variant,
                           workdir)
    live_case(run)
    # a row for cases that did not run here (+kvm without KVM) cannot be seen
    for row in allow.unseen_among(run.labels):
        print(f"FAIL: allowed difference not seen in any case: {' '.join(row)}")
        run.ok = False
    print(f"hostcaps: {100.0 * run.agree / max(run.total, 1):.1f}% of facts agree "
          f"({run.agree} of {run.total}) over {run.cases} cases")
    return 0 if run.ok else 1


if __name__ == "__main__":
    sys.exit(main())
