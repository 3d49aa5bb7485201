#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The part of the newest suite that runs inside the trixie root.

Starts libvirtd (as root, its QEMU processes too), reads the emulators
and their machine aliases from `virsh capabilities`, and writes for every
row (emulator, arch, no machine or an alias libvirt names, virttype) both
answers and virtinst's conclusions from each into OUT. domcapsd answers
in-process (domcapsctl --direct) from a probe cache made first, so that
what each probe printed can be checked too. Then the live cases of
ValidateDomain (validate_cases.py, copied beside this file): each
virt-install domain started paused by libvirt 12.9, and validated.

usage: newest-inroot.py BUILDDIR OUT VIRTTYPE...
"""
import inspect
import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

BUILD, OUT = sys.argv[1:3]
VIRTTYPES = sys.argv[3:]
URI = "qemu:///system"
CTL = os.path.join(BUILD, "tools", "domcapsctl")
CACHE = os.path.join(OUT, "cache")


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


def start_libvirtd():
    os.makedirs("/run/libvirt", exist_ok=True)
    # a guest's own mount namespace cannot be made inside this chroot
    with open("/etc/libvirt/qemu.conf", "r+") as f:
        if "\nnamespaces = []" not in f.read():
            f.write("\nnamespaces = []\n")
    started = time.monotonic()
    r = run(["libvirtd", "-d"])
    if r.returncode != 0:
        raise RuntimeError(f"libvirtd: {r.stderr}")
    while run(["virsh", "-c", URI, "version"]).returncode != 0:
        if time.monotonic() - started > 600:
            raise RuntimeError("libvirtd did not answer within 600 s")
        time.sleep(0.1)
    return time.monotonic() - started


def rows():
    caps = ET.fromstring(run(["virsh", "-c", URI, "capabilities"], check=True).stdout)
    for guest in caps.findall("guest"):
        arch = guest.find("arch")
        emulator = arch.findtext("emulator")
        machines = [""] + sorted({m.text for m in arch.findall("machine")
                                  if m.get("canonical")})
        for machine in machines:
            for virttype in VIRTTYPES:
                yield emulator, arch.get("name"), machine, virttype


def virsh_domcaps(emulator, arch, machine, virttype):
    args = ["virsh", "-c", URI, "domcapabilities", "--emulatorbin", emulator,
            "--arch", arch, "--virttype", virttype]
    if machine:
        args += ["--machine", machine]
    r = run(args)
    return r.stdout if r.returncode == 0 else None, r.stderr.strip()


def ours(emulator, arch, machine, virttype):
    args = [CTL, "--direct", "--cache-dir", CACHE, "domcapabilities", "--virttype", virttype]
    if emulator:
        args += ["--emulatorbin", emulator]
    if arch:
        args += ["--arch", arch]
    if machine:
        args += ["--machine", machine]
    r = run(args)
    return r.stdout if r.returncode == 0 else None, r.stderr.strip()


def virtinst_connection():
    """virtinst's DomainCapabilities class and a test connection for it."""
    sys.path.insert(0, "/usr/share/virt-manager")
    from virtinst import cli
    from virtinst.domcapabilities import DomainCapabilities
    return DomainCapabilities, cli.getConnection("test:///default")


def conclusions(virtinst, xml):
    """virtinst's DomainCapabilities conclusions, each method without
    arguments called once."""
    domain_capabilities, conn = virtinst
    caps = domain_capabilities(conn, parsexml=xml)
    result = {}
    for name, fn in inspect.getmembers(caps, inspect.ismethod):
        if name.startswith("_") or not (name.startswith(("supports_", "supported_", "get_",
                                                         "arch_can", "find_uefi"))):
            continue
        if len(inspect.signature(fn).parameters) != 0 or name in ("get_xml", "get_xml_id"):
            continue
        try:
            value = fn()
        except Exception as e:   # virtinst's own failure is a conclusion too
            value = f"error: {type(e).__name__}"
        result[name] = value if isinstance(value, (bool, str, int, type(None))) else \
            sorted(str(v) for v in value)
    return result


def validate_live():
    """[case, libvirt started, its message, our problems] per case."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from validate_cases import BASE, CASES, kvm_variant
    # the root's own (the host's processes are visible here, its /run not)
    if not os.path.exists("/run/libvirt/virtlogd-sock"):
        run(["virtlogd", "-d"])
        for _ in range(100):
            if os.path.exists("/run/libvirt/virtlogd-sock"):
                break
            time.sleep(0.05)
    out = []
    for case, extra in CASES:
        name = f"domcapsd-vlive-{case}"
        r = run(["virt-install", "--print-xml", "--name", name] + BASE + (extra or []))
        if r.returncode != 0:
            out.append([case, None, r.stderr.strip()[:300], None])
            continue
        xml = r.stdout if extra is not None else kvm_variant(r.stdout)
        path = os.path.join(OUT, f"{name}.xml")
        with open(path, "w") as f:
            f.write(xml)
        started, message = False, ""
        d = run(["virsh", "-c", URI, "define", path])
        if d.returncode != 0:
            message = d.stderr.strip()
        else:
            s = run(["virsh", "-c", URI, "start", "--paused", name])
            started, message = s.returncode == 0, s.stderr.strip()
            run(["virsh", "-c", URI, "destroy", name])
            run(["virsh", "-c", URI, "undefine", "--nvram", "--tpm", name])
        v = run([CTL, "--direct", "--cache-dir", CACHE, "validate", "--json", path])
        problems = json.loads(v.stdout) if v.stdout.startswith("[") else \
            [{"severity": "error", "code": "refused", "where": "", "message": v.stderr}]
        out.append([case, started, message[:300], problems])
    return out


# QEMU 11.1's query-target names only the family of these (mips for mipsel)
BYTE_ORDER_TARGETS = ["mips", "mipsel", "mips64", "mips64el", "sh4", "sh4eb",
                      "xtensa", "xtensaeb"]


def byte_order():
    """[target, the arch its binary answers for, the binary that answers
    for that arch, errors] per installed target of BYTE_ORDER_TARGETS."""
    out = []
    for target in BYTE_ORDER_TARGETS:
        binary = f"/usr/bin/qemu-system-{target}"
        if not os.path.exists(binary):
            continue
        by_binary = ours(binary, None, None, "qemu")
        by_arch = ours(None, target, None, "qemu")
        arch = ET.fromstring(by_binary[0]).findtext("arch") if by_binary[0] else None
        path = ET.fromstring(by_arch[0]).findtext("path") if by_arch[0] else None
        out.append([target, arch, path, (by_binary[1] + " " + by_arch[1]).strip()[:300]])
    return out


def stop_daemons():
    """libvirtd and virtlogd of this root, by their pid files in its own
    /run (a pkill by name would reach the host's too: only the mount
    namespace is ours)."""
    for name in ("libvirtd", "virtlogd"):
        try:
            with open(f"/run/{name}.pid") as f:
                os.kill(int(f.read().strip()), signal.SIGTERM)
        except (OSError, ValueError):
            pass


def main():
    os.makedirs(OUT, exist_ok=True)
    first = start_libvirtd()
    # the probe cache, with what each probe printed (deprecations)
    t0 = time.monotonic()
    probe = run([CTL, "--direct", "--cache-dir", CACHE, "all", "--json"])
    probe_time = time.monotonic() - t0
    results, virtinst = [], virtinst_connection()
    for emulator, arch, machine, virttype in rows():
        theirs, their_error = virsh_domcaps(emulator, arch, machine, virttype)
        mine, my_error = ours(emulator, arch, machine, virttype)
        row = dict(emulator=emulator, arch=arch, machine=machine, virttype=virttype,
                   libvirt=theirs, libvirt_error=their_error,
                   domcapsd=mine, domcapsd_error=my_error)
        if theirs and mine:
            row["virtinst"] = [conclusions(virtinst, theirs), conclusions(virtinst, mine)]
        results.append(row)
    version = run(["virsh", "-c", URI, "version"]).stdout
    # host capabilities, both sides (tests/hostcaps.py's third oracle)
    caps = dict(libvirt=run(["virsh", "-c", URI, "capabilities"], check=True).stdout,
                domcapsd=run([CTL, "--direct", "--cache-dir", CACHE, "capabilities"],
                             check=True).stdout)
    with open(os.path.join(OUT, "rows.json"), "w") as f:
        json.dump(dict(rows=results, libvirtd_ready_s=first, probe_all_s=probe_time,
                       probe_log=probe.stderr, version=version, capabilities=caps,
                       validate=validate_live(), byte_order=byte_order()), f)
    stop_daemons()


if __name__ == "__main__":
    main()
