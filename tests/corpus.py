#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Corpus: libvirt 11.3's own test corpus as the oracle.

libvirt's source holds real QMP recordings of QEMU 6.2 to 10.0 on nine
architectures (tests/qemucapabilitiesdata/caps_VERSION_ARCH[+VARIANT].replies)
and its expected domain capabilities for each
(tests/domaincapsdata/qemu_VERSION[-tcg][-MACHINE].ARCH[+VARIANT].xml).
This test fetches them from Debian's source package
(tests/tools/fetch-libvirt-corpus, cached), replays each recording to the
daemon through the fake emulator, on a host root faked as libvirt's test
fakes its host (tests/domaincapstest.c and its mocks), asks the question of
each expected file and compares the answers fact by fact.

Left out of the comparison, each by name in the output:
- path (the fake emulator's), os/ (libvirt's test replaces the firmware
  with made-up paths), cpu host-model and models' vendors (libvirt's come
  from a host CPU its test makes up, ours from expansions libvirt did not
  record);
- the facts our probe decides from a command the recording lacks (the fake
  emulator logs every command it could not answer; see UNRECORDED);
- domain, where libvirt's test labels a recording without KVM "kvm".

Every answer is asked again of a daemon restarted on the same cache
directory, which answers from the facts on disk: it must be byte-identical
(the cache codec's round trip, on every recording of the corpus).

A file fails on a difference that tests/corpus-allowed.txt does not allow
under a reason (each a section of docs/differences-from-libvirt.md), and
when its agreement falls below its floor in tests/corpus-floors.txt or
it has none; --update-floors raises the floors to this run's figures
(and fails rather than lower one). A row of the allow-list that allows
nothing in any file fails the run; --coverage lists each row's files.

usage: corpus.py BUILDDIR SOURCEDIR [--only SUBSTRING] [--show] [--update-floors] [--coverage]
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import domcaps_diff
import replies
from allowlist import AllowList
from testlib import Daemon, PrivateBus, GLib, write_cpuid

BUILD, SOURCE = (os.path.abspath(a) for a in sys.argv[1:3])
OPTIONS = sys.argv[3:]
FETCH = os.path.join(SOURCE, "tests", "tools", "fetch-libvirt-corpus")
FLOORS = os.path.join(SOURCE, "tests", "corpus-floors.txt")
ALLOWED = os.path.join(SOURCE, "tests", "corpus-allowed.txt")
DOCS = os.path.join(SOURCE, "docs", "differences-from-libvirt.md")
SHOWN = 20   # unexpected differences printed per file

EXPECTED_NAME = re.compile(
    r"^qemu_(?P<version>\d+\.\d+\.\d+)(?P<accel>-tcg|-hvf)?(?:-(?P<machine>[^.]+))?"
    r"\.(?P<arch>[^.+]+)(?P<variant>\+[^.]+)?\.xml$")

# Always left out: where libvirt's answer comes from its test's inventions.
LEFT_OUT = [
    ("path", "the emulator's path"),
    ("os/", "firmware: libvirt's test lists made-up paths"),
    ("cpu/mode[host-model]", "host-model: under KVM libvirt's comes from a host CPU its test "
     "makes up; under TCG the recordings lack the model expansions ours is computed from "
     "(test-cpu-model holds libvirt's answer for QEMU 7.2 under TCG, replayed from ours)"),
    ("cpu/mode[custom]/model[*]@vendor=", "vendors: ours come from expansions not recorded"),
]

# Left out because libvirt 12 (the yardstick, tests/newest.py) answers
# otherwise than 11.3 for every QEMU: elements 11.3 did not write yet, and
# the 9p handle driver no QEMU since 6.0 has (docs/differences-from-
# libvirt.md, "Elements libvirt 12 writes and libvirt 11.3 does not").
NEWER_LIBVIRT = ["os/firmwareFeatures", "os/varstore", "devices/console",
                 "devices/disk/enum[bus]=nvme", "devices/hostdev/enum[iommufd]",
                 "features/tdx", "features/launchSecurity/enum[sectype]=tdx",
                 "devices/filesystem/enum[driverType]=handle"]

# A command our probe asks that a recording may lack, and the facts decided
# from its answer on the arches where they depend on it:
# (command, argument pattern, arches, fact prefix).
X86, ARM = ("x86_64", "i686"), ("aarch64", "armv7l")
UNRECORDED = [
    ("qom-list-properties", '{"typename": "host-*-cpu"}', None,
     "cpu/mode[host-passthrough]/enum[hostPassthroughMigratable]"),
    ("qom-list-properties", '{"typename": "max-*-cpu"}', None,
     "cpu/mode[maximum]/enum[maximumMigratable]"),
    ("query-cpu-model-expansion", '{"model": {"name": "host", "props": {"hv-passthrough": true}}*',
     X86, "features/hyperv"),
    ("query-gic-capabilities", "null", ARM, "features/gic"),
    ("qom-list-properties", '{"typename": "generic-pc-machine"}', X86, "features/ps2"),
    ("query-command-line-options", "null", None, "features/async-teardown"),
    ("query-sev-capabilities", "null", X86, "features/sev"),
    ("query-sgx-capabilities", "null", X86, "features/sgx"),
]

# What libvirt's test mocks report of the host (tests/testutilsqemu.c):
# CPUID 0x8000001F (SEV ASIDs) and swtpm's TPM versions by QEMU version.
SEV_CPUID = (0, 0, 509, 451)


def tpm_versions(version):
    major = int(version.split(".")[0])
    return ["tpm-1.2"] if major < 6 else ["tpm-1.2", "tpm-2.0"] if major == 6 else ["tpm-2.0"]


def fetch():
    r = subprocess.run([FETCH], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"fetch-libvirt-corpus failed: {r.stderr.strip()}")
    return os.path.join(r.stdout.strip(), "tests")


class Case:
    """One expected file and the question it answers."""

    def __init__(self, corpus, name):
        self.name = name[:-len(".xml")]
        m = EXPECTED_NAME.match(name)
        self.version, self.arch = m["version"], m["arch"]
        self.variant = m["variant"] or ""
        self.machine = m["machine"] or ""
        self.accel = {"-tcg": "qemu", "-hvf": "hvf", None: "kvm"}[m["accel"]]
        self.expected = os.path.join(corpus, "domaincapsdata", name)
        self.recording = os.path.join(
            corpus, "qemucapabilitiesdata",
            f"caps_{self.version}_{self.arch}{self.variant}.replies")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def make_host_root(root, arch, variant, kvm):
    """A host as libvirt's test fakes it: the guest's arch, VFIO, /dev/kvm
    where the recording has KVM, SEV and SEV-SNP switched on for the
    +amdsev variant, protected virtualisation on s390x."""
    write(os.path.join(root, "proc", "sys", "kernel", "arch"), arch + "\n")
    # libvirt's test sets hostdev pciBackend to default and vfio by hand: a
    # host with VFIO (the node and one IOMMU group)
    write(os.path.join(root, "dev", "vfio", "vfio"), "")
    os.makedirs(os.path.join(root, "sys", "kernel", "iommu_groups", "0"))
    if kvm:
        write(os.path.join(root, "dev", "kvm"), "")
    if variant == "+amdsev":
        for switch in ("sev", "sev_es", "sev_snp"):
            write(os.path.join(root, "sys/module/kvm_amd/parameters", switch), "Y\n")
    if arch == "s390x":
        # its mock says the host runs secure guests wherever QEMU can
        write(os.path.join(root, "sys/firmware/uv/prot_virt_host"), "1\n")
        write(os.path.join(root, "sys/module/kvm/parameters/prot_virt"), "1\n")
    write_cpuid(root, {0x8000001F: SEV_CPUID})


def make_helpers(bindir, version):
    """swtpm_setup with the TPM versions, and libvirt's qemu-rdp helper,
    as libvirt's test mocks them."""
    features = json.dumps({"type": "swtpm_setup", "features": tpm_versions(version)})
    for name, text in (("swtpm_setup", f"#!/bin/sh\necho '{features}'\n"),
                       ("qemu-rdp", "#!/bin/sh\nexit 0\n")):
        write(os.path.join(bindir, name), text)
        os.chmod(os.path.join(bindir, name), 0o755)


class Recording:
    """One recording replayed to a daemon of its own."""

    def __init__(self, path, workdir):
        self.objects = replies.read(path)
        self.workdir = workdir
        self.conversations = replies.per_accelerator(self.objects)
        self.target = next(r["return"]["arch"] for c, r in replies.exchanges(self.objects)
                           if c.get("execute") == "query-target")
        self.unanswered = os.path.join(workdir, "unanswered.log")

    @property
    def kvm(self):
        return "kvm" in self.conversations

    def emulator(self):
        prefix = os.path.join(self.workdir, f"qemu-system-{self.target}")
        for accel, objects in self.conversations.items():
            replies.write(f"{prefix}.{accel}.replies", objects)
        wrapper = os.path.join(self.workdir, "emulators", f"qemu-system-{self.target}")
        write(wrapper, f'#!/bin/sh\nexec {BUILD}/tests/fake-qemu --replies {prefix}'
                       f' --unanswered {self.unanswered} "$@"\n')
        os.chmod(wrapper, 0o755)
        return wrapper

    def unrecorded_facts(self, arch):
        """{fact prefix: command} decided from commands the recording lacks."""
        out = {}
        if not os.path.exists(self.unanswered):
            return out
        with open(self.unanswered) as f:
            asked = {tuple(line.rstrip("\n").split(" ", 2)[1:]) for line in f}
        for command, args, arches, facts in UNRECORDED:
            if arches is not None and arch not in arches:
                continue
            for asked_command, asked_args in asked:
                canonical = json.dumps(json.loads(asked_args), sort_keys=True)
                if asked_command == command and domcaps_diff.glob(args).match(canonical):
                    out[facts] = f"{command} {asked_args}"
        return out


def left_out_filter(prefixes):
    """Keeps the facts that start with none of @prefixes ('*': any text)."""
    patterns = [domcaps_diff.glob(p + "*") for p in prefixes]

    def keep(fact):
        return not any(p.match(fact) for p in patterns)
    return keep


class Result:
    def __init__(self, case, comparison=None, error=None, notes=()):
        self.case, self.comparison, self.error, self.notes = case, comparison, error, notes

    @property
    def percent(self):
        return 0.0 if self.comparison is None else self.comparison.percent


def ask(bus, emulator, case, virttype):
    return bus.call("GetDomainCapabilities",
                    (emulator, case.arch, case.machine, virttype, 0), "(ssssu)")[0]


def replay(corpus, cases, bus):
    """Results for the cases of one recording."""
    workdir = tempfile.mkdtemp(prefix="domcapsd-corpus-")
    try:
        recording = Recording(cases[0].recording, workdir)
        emulator = recording.emulator()
        make_host_root(os.path.join(workdir, "host"), cases[0].arch, cases[0].variant,
                       recording.kvm)
        make_helpers(os.path.join(workdir, "bin"), cases[0].version)
        os.makedirs(os.path.join(workdir, "firmware"))
        env_path = os.path.join(workdir, "bin") + ":" + os.environ["PATH"]

        def start():
            daemon = Daemon(BUILD, bus.address, "--emulator-dir", os.path.dirname(emulator),
                            "--firmware-dir", os.path.join(workdir, "firmware"),
                            "--host-root", os.path.join(workdir, "host"),
                            "--cache-dir", os.path.join(workdir, "cache"),
                            env={"PATH": env_path})
            if not bus.wait_for_name(60):
                daemon.stop()
                raise RuntimeError("the daemon did not take its name")
            return daemon
        daemon = start()
        try:
            results = [compare(bus, emulator, recording, case) for case in cases]
            answers = [answer_of(bus, emulator, recording, case) for case in cases]
        finally:
            daemon.stop()
        # The cache's round trip: a restart answers from the facts on disk.
        daemon = start()
        try:
            for result, case, before in zip(results, cases, answers):
                if answer_of(bus, emulator, recording, case) != before:
                    result.error = "the answer differs after a restart from the cache"
                    result.comparison = None
        finally:
            daemon.stop()
        return results
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def answer_of(bus, emulator, recording, case):
    try:
        return ask(bus, emulator, case, virttype_asked(recording, case))
    except GLib.Error as e:
        return e.message


def virttype_asked(recording, case):
    """What we ask: libvirt's test labels TCG-only recordings kvm, and
    there is no KVM to offer for them."""
    return "qemu" if case.accel == "kvm" and not recording.kvm else case.accel


def compare(bus, emulator, recording, case):
    virttype, notes = virttype_asked(recording, case), []
    left_out = [p for p, _ in LEFT_OUT] + NEWER_LIBVIRT
    if case.arch != "s390x":
        left_out.append("features/s390-pv")   # 11.3 wrote it on s390x only
    if virttype != case.accel:
        left_out.append("domain")
        notes.append("domain: libvirt's test calls this TCG-only recording kvm")
    try:
        ours = ask(bus, emulator, case, virttype)
    except GLib.Error as e:
        return Result(case, error=e.message)
    for facts, command in recording.unrecorded_facts(case.arch).items():
        left_out.append(facts)
        notes.append(f"{facts}: not recorded: {command}")
    with open(case.expected) as f:
        comparison = domcaps_diff.compare_texts(f.read(), ours, left_out_filter(left_out))
    return Result(case, comparison, notes=notes)


def floors():
    out = {}
    if os.path.exists(FLOORS):
        with open(FLOORS) as f:
            for line in f:
                line = line.split("#", 1)[0].split()
                if line:
                    out[line[0]] = float(line[1])
    return out


def write_floors(results, old):
    """Raises the floors to this run's figures; refuses (False) to lower
    any: a lower figure is a regression to fix, not a floor to move."""
    lower = [(r.case.name, r.percent, old[r.case.name]) for r in results
             if r.comparison is not None and r.case.name in old
             and int(r.percent * 10) / 10 < old[r.case.name]]
    for name, percent, floor in lower:
        print(f"FAIL {name}: {percent:.1f}% is below its floor {floor:.1f}%; "
              "floors are not lowered (edit corpus-floors.txt by hand, with a reason)")
    if lower:
        return False
    with open(FLOORS, "w") as f:
        f.write("# SPDX-License-Identifier: LGPL-2.1-or-later\n"
                "# Per expected file of libvirt's corpus, the lowest share of\n"
                "# comparable facts (in %) corpus.py accepts. Raise, never lower,\n"
                "# except with a reason in the commit: corpus.py --update-floors.\n")
        for r in sorted(results, key=lambda r: r.case.name):
            if r.comparison is not None:
                f.write(f"{r.case.name} {int(r.percent * 10) / 10:.1f}\n")
    return True


def report(result, floor, allow, show):
    c = result.comparison
    if c is None:
        print(f"FAIL {result.case.name}: {result.error}")
        return False
    unexpected = [d for d in c.differences() if allow.covering(result.case.name, d) is None]
    above = floor is not None and c.percent + 1e-9 >= floor
    ok = above and not unexpected
    below = ("" if above else " NO FLOOR in corpus-floors.txt" if floor is None
             else f" BELOW FLOOR {floor:.1f}%")
    print(f"{'ok' if ok else 'FAIL'} {result.case.name}: {c.figure()}; "
          f"only libvirt's {len(c.only_reference)}, only ours {len(c.only_candidate)}, "
          f"{len(unexpected)} not allowed{below}")
    for note in result.notes:
        print(f"    left out {note}")
    for d in (c.differences() if show else unexpected[:SHOWN]):
        print(f"    {d}")
    if not show and len(unexpected) > SHOWN:
        print(f"    ... and {len(unexpected) - SHOWN} more")
    return ok


def main():
    only = OPTIONS[OPTIONS.index("--only") + 1] if "--only" in OPTIONS else ""
    corpus = fetch()
    names = sorted(n for n in os.listdir(os.path.join(corpus, "domaincapsdata"))
                   if EXPECTED_NAME.match(n) and only in n)
    by_recording, skipped = {}, []
    for name in names:
        case = Case(corpus, name)
        if case.accel == "hvf":
            skipped.append((case, "hvf is macOS's accelerator; domcapsd serves kvm and qemu"))
        elif not os.path.exists(case.recording):
            skipped.append((case, f"libvirt 11.3 keeps no QMP recording of QEMU {case.version}"))
        else:
            by_recording.setdefault(case.recording, []).append(case)
    print(f"# libvirt corpus: {corpus}")
    for case, why in skipped:
        print(f"skip {case.name}: {why}")
    bus = PrivateBus()
    results = []
    try:
        for recording in sorted(by_recording):
            results += replay(corpus, by_recording[recording], bus)
    finally:
        bus.down()
    if "--update-floors" in OPTIONS and not write_floors(results, floors()):
        return 1
    allow = AllowList(ALLOWED, DOCS)
    if allow.undocumented:
        print(f"FAIL: reasons without a section in {DOCS}: {allow.undocumented}")
        return 1
    limits, ok = floors(), True
    for result in sorted(results, key=lambda r: r.case.name):
        ok &= report(result, limits.get(result.case.name), allow, "--show" in OPTIONS)
    if not only:
        # a row that allows nothing is wrong (or was made too wide to see)
        for row in allow.unseen():
            print(f"FAIL: allowed difference not seen in any file: {' '.join(row)}")
            ok = False
    if "--coverage" in OPTIONS:
        for row, cases in allow.coverage():
            print(f"# {' '.join(row)}: {len(cases)} files: {' '.join(cases)}")
    agree = sum(r.comparison.agree for r in results if r.comparison)
    total = sum(r.comparison.total for r in results if r.comparison)
    print(f"corpus: {100.0 * agree / max(total, 1):.1f}% of comparable facts agree "
          f"({agree} of {total}) over {len(results)} files; {len(skipped)} files not comparable")
    return 0 if ok and results else 1


if __name__ == "__main__":
    sys.exit(main())
