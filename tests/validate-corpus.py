#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ValidateDomain against libvirt 11.3's own verdicts (tests/qemuxmlconfdata).

libvirt's qemuxmlconftest builds a QEMU command line from each domain
XML for a recorded QEMU: NAME.ARCH-latest.args where it accepts the
domain, NAME.ARCH-latest.err where it refuses it. For each arch whose
newest recording the corpus holds, the recording is replayed to the
daemon through the fake emulator (as tests/corpus.py does), on a host
faked as libvirt's test fakes it, and every domain is validated:

- accepted: every error we raise is a false error, and must be allowed
  in tests/validate-corpus-allowed.txt under a reason that is a section
  of docs/validate.md (rows: CASE CODE, '*' any text);
- refused: each is classified in tests/validate-corpus-refusals.txt,
  either a capability refusal (what this QEMU or host lacks), which must
  get an error with one of the codes listed for it, or out of scope for a
  reason that is a section of docs/validate.md (most are libvirt's
  parser's: address conflicts, invalid values).

The <emulator> of libvirt's test is its own path; it is replaced by the
fake emulator's. Prints the figures; fails on a false error not allowed.

usage: validate-corpus.py BUILDDIR SOURCEDIR [--show]
"""
import os
import re
import shutil
import sys
import tempfile
from collections import Counter

import corpus
from allowlist import AllowList
from testlib import Daemon, GLib, PrivateBus, write_cpuid

BUILD, SOURCE = corpus.BUILD, corpus.SOURCE
SHOW = "--show" in sys.argv
ALLOWED = os.path.join(SOURCE, "tests", "validate-corpus-allowed.txt")
REFUSALS = os.path.join(SOURCE, "tests", "validate-corpus-refusals.txt")
DOCS = os.path.join(SOURCE, "docs", "validate.md")
ARCHES = ["x86_64", "aarch64", "s390x", "ppc64", "riscv64", "loongarch64", "armv7l", "ppc"]
EMULATOR = re.compile(r"<emulator>[^<]*</emulator>")


def cases(data, arch, version):
    """(label, accepted, libvirt's message) for @arch's verdicts on the
    recording of @version ("latest": the newest; a new definition's
    refusal, .abi-update.err, is labelled so)."""
    out = []
    for name in sorted(os.listdir(data)):
        m = re.fullmatch(rf"(.+)\.{arch}-{re.escape(version)}(\.abi-update)?\.(args|err)", name)
        if m and os.path.exists(os.path.join(data, m[1] + ".xml")):
            message = ""
            if m[3] == "err":
                with open(os.path.join(data, name), errors="replace") as f:
                    message = f.readline().strip()
            label = (f"{m[1]}.{arch}" if version == "latest" else f"{m[1]}.{arch}-{version}")
            out.append((m[1], label + (m[2] or ""), m[3] == "args", message))
    return out


def recording_of(capsdata, arch, version):
    """The recording of @arch at @version ("latest": the newest), or None."""
    versions = []
    for name in os.listdir(capsdata):
        m = re.fullmatch(rf"caps_((\d+)\.(\d+)\.(\d+))_{arch}\.replies", name)
        if m and version in ("latest", m[1]):
            versions.append((tuple(int(x) for x in m.groups()[1:]), name))
    return os.path.join(capsdata, max(versions)[1]) if versions else None


def older_versions(data, arch):
    """The versions of @arch's recordings other than the newest that
    libvirt's verdicts name (NAME.ARCH-X.Y.Z.err: refusals only)."""
    return sorted({m[1] for m in (re.fullmatch(rf".+\.{arch}-(\d+\.\d+\.\d+)\.err", n)
                                  for n in os.listdir(data)) if m})


def read_refusals(path):
    """{case: (class, codes or reason)}: [capability] rows name their codes."""
    rows, heading = {}, None
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line.startswith("[") and line.endswith("]"):
                heading = line[1:-1]
            elif line:
                parts = line.split()
                rows[parts[0]] = (("capability", set(parts[1].split(",")))
                                  if heading == "capability" else ("scope", heading))
    return rows


class Tally:
    def __init__(self, allow, refusals):
        self.allow, self.ok = allow, True
        self.refusals, self.classified = refusals, Counter()
        self.accepted = self.clean = self.refused = self.found = 0
        self.false_codes, self.refusal_kinds, self.found_kinds = Counter(), Counter(), Counter()

    def accepted_case(self, label, problems):
        self.accepted += 1
        errors = [p for p in problems if p[1] == "error"]
        if not errors:
            self.clean += 1
            return
        for p in errors:
            self.false_codes[p[2]] += 1
            row = self.allow.covering(label, p[2])
            if row is None:
                self.ok = False
                print(f"FAIL {label}: false error {p[2]} at {p[0]}: {p[4]}")
            elif SHOW:
                print(f"allowed {label}: {p[2]} at {p[0]} [{self.allow.reason(row)}]")

    def refused_case(self, label, message, problems):
        self.refused += 1
        kind = message.split(":")[0]
        self.refusal_kinds[kind] += 1
        row = self.refusals.pop(label, None)
        codes = {p[2] for p in problems if p[1] == "error"}
        if row is None:
            self.ok = False
            print(f"FAIL {label}: refused ({message[:100]}), not classified in {REFUSALS}")
        elif row[0] == "capability" and not codes & row[1]:
            self.ok = False
            print(f"FAIL {label}: a capability refusal ({message[:100]}) without an error "
                  f"{'/'.join(sorted(row[1]))}: got {sorted(codes)}")
        elif row[0] == "capability":
            self.classified["capability, found"] += 1
        else:
            self.classified[row[1]] += 1
        if any(p[1] == "error" for p in problems):
            self.found += 1
            self.found_kinds[kind] += 1
            if SHOW:
                print(f"found {label}: {message[:100]} -> {[p[2] for p in problems]}")
        elif SHOW:
            print(f"missed {label}: {message[:160]}")


def validate(bus, xml, emulator):
    xml = EMULATOR.sub(f"<emulator>{emulator}</emulator>", xml)
    try:
        return bus.call("ValidateDomain", (xml, 0), "(su)", 120000)[0]
    except GLib.Error as e:
        return [("", "error", "refused-as-input", "", e.message, "")]


def maxphysaddr_refused(bus, emulator):
    """A KVM guest asking more physical address bits than the host's 52."""
    xml = ("<domain type='kvm'><name>m</name><memory>262144</memory>"
           "<os><type arch='x86_64' machine='q35'>hvm</type></os>"
           "<cpu mode='custom'><model>qemu64</model><maxphysaddr mode='emulate' bits='57'/>"
           "</cpu>"
           f"<devices><emulator>{emulator}</emulator></devices></domain>")
    codes = [p[2] for p in validate(bus, xml, emulator)]
    ok = codes == ["maxphysaddr-over-host"]
    print(f"{'ok' if ok else 'FAIL'} maxphysaddr 57 bits on a 52-bit host: {codes}")
    return ok


def run_arch(data, capsdata, arch, version, bus, tally):
    recording_path = recording_of(capsdata, arch, version)
    if recording_path is None:
        print(f"# {arch} {version}: no recording")
        return
    workdir = tempfile.mkdtemp(prefix="domcapsd-vcorpus-")
    try:
        recording = corpus.Recording(recording_path, workdir)
        emulator = recording.emulator()
        corpus.make_host_root(os.path.join(workdir, "host"), arch, "", recording.kvm)
        # a host CPU of 52 physical address bits, the most x86 defines
        write_cpuid(os.path.join(workdir, "host"), {0x80000008: (52, 0, 0, 0),
                                                     0x8000001F: corpus.SEV_CPUID})
        # libvirt's test has a virtiofsd (its vhost-user descriptor data)
        corpus.write(os.path.join(workdir, "host", "usr/share/qemu/vhost-user/50-fs.json"),
                     '{"type": "fs", "binary": "/usr/libexec/virtiofsd"}\n')
        qemu_version = os.path.basename(recording_path).split("_")[1]
        corpus.make_helpers(os.path.join(workdir, "bin"), qemu_version)
        os.makedirs(os.path.join(workdir, "firmware"))
        daemon = Daemon(BUILD, bus.address, "--emulator-dir", os.path.dirname(emulator),
                        "--firmware-dir", os.path.join(workdir, "firmware"),
                        "--host-root", os.path.join(workdir, "host"),
                        "--cache-dir", os.path.join(workdir, "cache"),
                        env={"PATH": os.path.join(workdir, "bin") + ":" + os.environ["PATH"]})
        try:
            if not bus.wait_for_name(60):
                raise RuntimeError("the daemon did not take its name")
            before = (tally.accepted, tally.clean, tally.refused, tally.found)
            for name, label, accepted, message in cases(data, arch, version):
                if accepted and version != "latest":
                    continue
                with open(os.path.join(data, name + ".xml"), errors="replace") as f:
                    xml = f.read()
                problems = validate(bus, xml, emulator)
                if accepted:
                    tally.accepted_case(label, problems)
                else:
                    tally.refused_case(label, message, problems)
            if arch == "x86_64" and recording.kvm and version == "latest":
                tally.ok &= maxphysaddr_refused(bus, emulator)
            a, c, r, f = (x - y for x, y in zip((tally.accepted, tally.clean, tally.refused,
                                                 tally.found), before))
            print(f"# {arch} ({os.path.basename(recording_path)}): {c} of {a} accepted "
                  f"domains validate clean; {f} of {r} refused ones get an error")
        finally:
            daemon.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    allow = AllowList(ALLOWED, DOCS)
    if allow.undocumented:
        print(f"FAIL: reasons without a section in {DOCS}: {allow.undocumented}")
        return 1
    data_root = corpus.fetch()
    data = os.path.join(data_root, "qemuxmlconfdata")
    capsdata = os.path.join(data_root, "qemucapabilitiesdata")
    refusals = read_refusals(REFUSALS)
    undocumented = {r for c, r in refusals.values() if c == "scope"} - allow.headings
    if undocumented:
        print(f"FAIL: refusal reasons without a section in {DOCS}: {sorted(undocumented)}")
        return 1
    tally, bus = Tally(allow, refusals), PrivateBus()
    try:
        for arch in ARCHES:
            for version in ["latest"] + older_versions(data, arch):
                run_arch(data, capsdata, arch, version, bus, tally)
    finally:
        bus.down()
    for case in sorted(tally.refusals):
        print(f"FAIL: {case} is classified in {REFUSALS} but not refused by libvirt")
        tally.ok = False
    print("# refusals classified: " + ", ".join(f"{k} {n}" for k, n in
                                                tally.classified.most_common()))
    for row in allow.unseen():
        print(f"FAIL: allowed false error not seen: {' '.join(row)}")
        tally.ok = False
    print("# false errors by code: " + ", ".join(f"{c} {n}" for c, n in
                                                 tally.false_codes.most_common()))
    print("# refusals found, by libvirt's kind: " + ", ".join(
        f"{k} {tally.found_kinds[k]}/{n}" for k, n in tally.refusal_kinds.most_common()))
    print(f"validate-corpus: {tally.clean} of {tally.accepted} accepted domains validate "
          f"clean ({100.0 * tally.clean / max(tally.accepted, 1):.1f}%); "
          f"{tally.found} of {tally.refused} refused ones get an error")
    return 0 if tally.ok else 1


if __name__ == "__main__":
    sys.exit(main())
