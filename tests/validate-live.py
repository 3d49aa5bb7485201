#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ValidateDomain against libvirt 9.0 live on this host: domains made with
`virt-install --print-xml` for common cases are started paused by
libvirt (tests/tools/libvirt-reference) and validated by the daemon on a
private bus. A domain that starts must validate without an error; one
that libvirt refuses must get one. Each case is printed with both
verdicts; a disagreement fails unless tests/validate-live-allowed.txt
allows it (CASE started|refused) under a reason of docs/validate.md.

Every case runs under qemu (TCG), so the verdicts do not depend on this
machine's CPU; the kvm case is refused by both where /dev/kvm is missing
and started by both where it works.

usage: validate-live.py BUILDDIR SOURCEDIR
"""
import os
import shutil
import subprocess
import sys
import tempfile

import testlib
from validate_cases import BASE, CASES, kvm_variant
from allowlist import AllowList
from testlib import Daemon, GLib, PrivateBus

BUILD, SOURCE = (os.path.abspath(a) for a in sys.argv[1:3])
REFERENCE = os.path.join(SOURCE, "tests", "tools", "libvirt-reference")
ALLOWED = os.path.join(SOURCE, "tests", "validate-live-allowed.txt")
DOCS = os.path.join(SOURCE, "docs", "validate.md")
VIRSH = ["virsh", "-c", "qemu:///system"]


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)


def make_xml(name, extra):
    args = ["virt-install", "--print-xml", "--name", name] + BASE + extra
    r = run(args)
    return (r.stdout, None) if r.returncode == 0 else (None, r.stderr.strip())


def libvirt_starts(name, xml, tmp):
    """(started, libvirt's message)."""
    path = os.path.join(tmp, f"{name}.xml")
    with open(path, "w") as f:
        f.write(xml)
    r = run(VIRSH + ["define", path])
    if r.returncode != 0:
        return False, r.stderr.strip()
    try:
        r = run(VIRSH + ["start", "--paused", name])
        if r.returncode != 0:
            return False, r.stderr.strip()
        run(VIRSH + ["destroy", name])
        return True, ""
    finally:
        run(VIRSH + ["undefine", "--nvram", "--tpm", name])


def main():
    if os.geteuid() != 0:
        testlib.skipped("validate-live", "libvirt-reference runs libvirtd as root")
        return 0
    r = run(["bash", REFERENCE, "start"])
    if r.returncode != 0:
        raise RuntimeError(f"libvirt-reference: {r.stderr}")
    allow = AllowList(ALLOWED, DOCS)
    if allow.undocumented:
        print(f"FAIL: reasons without a section in {DOCS}: {allow.undocumented}")
        return 1
    bus = PrivateBus()
    tmp = tempfile.mkdtemp(prefix="domcapsd-vlive-")
    daemon = Daemon(BUILD, bus.address, "--cache-dir", os.path.join(tmp, "cache"))
    ok, agree, total = True, 0, 0
    try:
        if not bus.wait_for_name():
            raise RuntimeError("the daemon did not take its name")
        for case, extra in CASES:
            name = f"domcapsd-vlive-{case}"
            xml, why = make_xml(name, extra if extra is not None else [])
            if extra is None and xml is not None:
                xml = kvm_variant(xml)
            if xml is None:
                print(f"# {case}: virt-install made no XML: {why[:200]}")
                continue
            started, message = libvirt_starts(name, xml, tmp)
            try:
                rows = bus.call("ValidateDomain", (xml, 0), "(su)", 300000)[0]
            except GLib.Error as e:
                rows = [("", "error", "refused", "", e.message, "")]
            errors = [f"{r[2]} at {r[0]}" for r in rows if r[1] == "error"]
            warnings = [f"{r[2]} at {r[0]}" for r in rows if r[1] == "warning"]
            same = started == (not errors)
            total += 1
            agree += same
            verdict = "started" if started else "refused"
            row = None if same else allow.covering(case, verdict)
            print(f"{'ok' if same else 'allowed' if row else 'FAIL'} {case}: libvirt "
                  f"{verdict}{': ' + message[:160] if message else ''}; domcapsd "
                  f"{'errors: ' + ', '.join(errors) if errors else 'no error'}"
                  f"{'; warnings: ' + ', '.join(warnings) if warnings else ''}"
                  f"{' [' + allow.reason(row) + ']' if row else ''}")
            ok &= same or row is not None
    finally:
        daemon.stop()
        bus.down()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"validate-live: {agree} of {total} verdicts agree with libvirt 9.0's")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
