#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Newest: this tree against libvirt 12.9 on QEMU 11.1, live (and on
trixie's own QEMU 10.0, a second QEMU for the same libvirt: rows named
with "%qemu-10.0").

Builds (once, cached: tests/tools/newest-root) a Debian 13 root with the
newest QEMU, libvirt, firmware, swtpm and virtinst Debian ships
(trixie-backports), builds domcapsd inside it from a copy of this tree,
and there (tests/newest-inroot.py) asks libvirt and domcapsd the same
question for every emulator, with no machine and with each machine
libvirt names an alias, under every accelerator this host runs (qemu
always, kvm where /dev/kvm works). Here each pair is compared fact by
fact (domcaps_diff, every element). A difference fails the test unless
tests/newest-allowed.txt allows it under a reason docs/differences-from-
libvirt.md explains. Also checked on every row: virtinst's conclusions
from both answers are equal; no probe printed anything (a deprecation
today is a failure tomorrow); the figure per row, and for the arches
libvirt's CPU driver knows, at least FLOOR of all facts agree (counting
allowed differences as disagreeing; models libvirt's CPU map lacks are
left out, as the issue's target says). Host capabilities too: `virsh
capabilities` against `domcapsctl --direct capabilities`, each difference
allowed in tests/hostcaps-allowed.txt (docs/host-capabilities.md).

Prints the figures; exit 77 (skipped) only when the mirror has no
trixie-backports or this machine cannot chroot, and says why.

usage: newest.py BUILDDIR SOURCEDIR
"""
import json
import os
import shutil
import subprocess
import sys

import caps_facts
import domcaps_diff
import testlib
from allowlist import AllowList

BUILD, SOURCE = (os.path.abspath(a) for a in sys.argv[1:3])
ROOT_TOOL = os.path.join(SOURCE, "tests", "tools", "newest-root")
INSIDE_SRC = "/var/tmp/domcapsd-src"
INSIDE_BUILD = "/var/tmp/domcapsd-build"
INSIDE_OUT = "/var/tmp/domcapsd-newest"
FLOOR = 98.0
FLOOR_ARCHES = {"x86_64", "i686", "aarch64", "armv7l", "s390x", "ppc64", "ppc64le",
                "riscv64", "loongarch64"}
# Facts of models libvirt's CPU map lacks are allowed by this reason
# (a section of docs/differences-from-libvirt.md) without rows.
UNKNOWN_MODELS = "Every model QEMU defines is listed"
# (NEWEST_FLAVOUR of tests/tools/newest-root, suffix of its rows' names):
# libvirt 12.9 on QEMU 11.1, then on trixie's own QEMU 10.0.
FLAVOURS = [("backports", ""), ("trixie-qemu", "%qemu-10.0")]
SHOWN = int(os.environ.get("NEWEST_SHOWN", "30"))   # unexpected differences printed per row


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(77)


def inside(root, *command, timeout=1800):
    """@command run chrooted into @root, in a private mount namespace with
    /proc, /sys, /dev, and fresh /run and /tmp."""
    script = ('R=$1; shift; mount -t proc proc "$R/proc" && mount --rbind /sys "$R/sys" && '
              'mount --rbind /dev "$R/dev" && mount -t tmpfs tmpfs "$R/run" && '
              'mount -t tmpfs tmpfs "$R/tmp" && exec chroot "$R" "$@"')
    return subprocess.run(["unshare", "-m", "--propagation", "private", "bash", "-c", script,
                           "inside", root, *command],
                          capture_output=True, text=True, timeout=timeout)


def copy_tree(root):
    dest = root + INSIDE_SRC
    shutil.rmtree(dest, ignore_errors=True)
    r = subprocess.run(["git", "-C", SOURCE, "ls-files", "-co", "--exclude-standard"],
                       capture_output=True, text=True)
    names = r.stdout.split() if r.returncode == 0 else []
    for name in names:
        if name.startswith("build") or not os.path.lexists(os.path.join(SOURCE, name)):
            continue
        os.makedirs(os.path.dirname(os.path.join(dest, name)), exist_ok=True)
        shutil.copy2(os.path.join(SOURCE, name), os.path.join(dest, name),
                     follow_symlinks=False)


def build_inside(root):
    shutil.rmtree(root + INSIDE_BUILD, ignore_errors=True)
    r = inside(root, "bash", "-c", f"meson setup {INSIDE_BUILD} {INSIDE_SRC} -Dwerror=true "
               f"&& ninja -C {INSIDE_BUILD}")
    if r.returncode != 0:
        raise RuntimeError(f"building in the trixie root failed:\n{r.stdout[-3000:]}"
                           f"{r.stderr[-3000:]}")


def label(row):
    emulator = os.path.basename(row["emulator"]).replace("qemu-system-", "")
    return f"{row['arch']}-{row['virttype']}-{row['machine'] or 'default'}" + \
        ("" if emulator == row["arch"] else f"@{emulator}")


def unknown_model_fact(fact, theirs):
    """A fact about a CPU model libvirt's map does not know (libvirt
    lists no such model at all): left out of the floor's count."""
    for prefix in ("cpu/mode[custom]/model[", "cpu/mode[custom]/blockers["):
        if fact.startswith(prefix):
            name = fact[len(prefix):].split("]", 1)[0]
            return name not in theirs
    return False


def libvirt_models(xml):
    import xml.etree.ElementTree as ET
    mode = ET.fromstring(xml).find("cpu/mode[@name='custom']")
    return {(m.text or "").strip() for m in mode.findall("model")} if mode is not None else set()


class Run:
    def __init__(self, allow):
        self.allow, self.ok, self.figures, self.suffix = allow, True, [], ""

    def fail(self, text):
        print(f"FAIL {text}")
        self.ok = False

    def row(self, row):
        name = label(row) + self.suffix
        if row["libvirt"] is None and row["domcapsd"] is None:
            print(f"ok {name}: both refuse (libvirt: {row['libvirt_error'][:80]}; "
                  f"domcapsd: {row['domcapsd_error'][:80]})")
            return
        if row["domcapsd"] is None or row["libvirt"] is None:
            side = "domcapsd" if row["domcapsd"] is None else "libvirt"
            if self.allow.covering(name, f"!{side}-refuses") is None:
                return self.fail(f"{name}: only {side} refuses: "
                                 f"{row[side + '_error'][:200]}")
            print(f"ok {name}: only {side} refuses (allowed)")
            return
        result = domcaps_diff.compare_texts(row["libvirt"], row["domcapsd"], lambda f: True)
        models = libvirt_models(row["libvirt"])
        differences = result.differences()
        rows = {d: (UNKNOWN_MODELS if unknown_model_fact(d[1:], models)
                    else self.allow.covering(name, d)) for d in differences}
        unexpected = [d for d, r in rows.items() if r is None]
        counted = {f for f in result.reference | result.candidate
                   if not unknown_model_fact(f, models)}
        agree = len(counted & result.reference & result.candidate)
        figure = 100.0 * agree / max(len(counted), 1)
        self.figures.append((name, figure, len(differences) - len(unexpected)))
        conclusions = row.get("virtinst") or [{}, {}]
        virtinst = sorted(k for k in conclusions[0]
                          if conclusions[0].get(k) != conclusions[1].get(k)
                          and self.allow.covering(name, f"~virtinst:{k}") is None)
        floor = row["arch"] in FLOOR_ARCHES and figure < FLOOR
        bad = unexpected or virtinst or floor
        print(f"{'FAIL' if bad else 'ok'} {name}: {figure:.1f}% of {len(counted)} facts "
              f"(models libvirt lacks left out); {len(differences) - len(unexpected)} "
              f"allowed differences; virtinst {'differs on ' + ', '.join(virtinst) if virtinst else 'agrees'}")
        for d in unexpected[:SHOWN]:
            print(f"    unexpected {d}")
        if len(unexpected) > SHOWN:
            print(f"    ... and {len(unexpected) - SHOWN} more unexpected differences")
        for k in virtinst:
            print(f"    virtinst {k}: libvirt {conclusions[0][k]!r}, domcapsd {conclusions[1][k]!r}")
        if floor:
            print(f"    below the floor of {FLOOR}%")
        self.ok &= not bad


def main():
    if os.geteuid() != 0:
        skip("the trixie root is built and entered as root")
    if shutil.which("unshare") is None or shutil.which("mmdebstrap") is None:
        skip("unshare or mmdebstrap is missing (tools/install-deps.sh test installs them)")
    allow = AllowList(os.path.join(SOURCE, "tests", "newest-allowed.txt"),
                      os.path.join(SOURCE, "docs", "differences-from-libvirt.md"))
    with open(os.path.join(SOURCE, "docs", "differences-from-libvirt.md")) as f:
        if f"### {UNKNOWN_MODELS}\n" not in f.read():
            allow.undocumented.append(UNKNOWN_MODELS)
    if allow.undocumented:
        print(f"FAIL: reasons without a section in docs/differences-from-libvirt.md: "
              f"{allow.undocumented}")
        return 1
    kvm, kvm_reason = testlib.accel_works("/usr/bin/qemu-system-x86_64", "kvm")
    virttypes = ["qemu"] + (["kvm"] if kvm else [])
    if not kvm:
        testlib.skipped("newest/kvm-rows", f"QEMU cannot use KVM here: {kvm_reason}")
    run, figures = Run(allow), {}
    for flavour, suffix in FLAVOURS:
        data = rows_in(flavour, virttypes)
        if data is None:
            continue
        print(f"# {flavour}: {data['version'].strip()}".replace("\n", "; "))
        print(f"# libvirtd start to first answer: {data['libvirtd_ready_s']:.1f} s; "
              f"domcapsd probing every emulator in-process: {data['probe_all_s']:.1f} s")
        for line in data["probe_log"].splitlines():
            if "printed while being probed" in line:
                run.fail(f"a probe printed something: {line[:300]}")
        run.suffix, run.figures = suffix, []
        for row in data["rows"]:
            run.row(row)
        figures[flavour] = (len(data["rows"]), run.figures)
        run.ok &= host_capabilities(data["capabilities"], suffix + ("+kvm" if kvm else ""))
        run.ok &= validate_live(data["validate"], suffix)
        run.ok &= byte_order(data["byte_order"], suffix)
    if not figures:
        skip("the mirror has no trixie-backports")
    for row in allow.unseen():
        print(f"# note: allowed difference not seen: {' '.join(row)}")
    for flavour, (count, rows) in figures.items():
        print(f"# {flavour}: {count} rows; lowest figures: " +
              ", ".join(f"{n} {f:.1f}%" for n, f, _ in sorted(rows, key=lambda x: x[1])[:6]))
    return 0 if run.ok else 1


def host_capabilities(caps, suffix):
    """GetCapabilities against libvirt 12.9's, fact by fact, each difference
    allowed in tests/hostcaps-allowed.txt (docs/host-capabilities.md)."""
    allow = AllowList(os.path.join(SOURCE, "tests", "hostcaps-allowed.txt"),
                      os.path.join(SOURCE, "docs", "host-capabilities.md"))
    label = f"libvirt-12.9{suffix}"
    c = domcaps_diff.Comparison(caps_facts.facts_of_text(caps["libvirt"]),
                                caps_facts.facts_of_text(caps["domcapsd"]))
    unexpected = [d for d in c.differences() if allow.covering(label, d) is None]
    print(f"{'FAIL' if unexpected else 'ok'} capabilities{suffix}: {c.figure()}; "
          f"{len(c.differences()) - len(unexpected)} allowed differences")
    for d in unexpected[:SHOWN]:
        print(f"    unexpected {d}")
    return not unexpected


def byte_order(targets, suffix):
    """Each of QEMU's byte-order twins (mips and mipsel, ...) answers for
    its own arch, and that arch is answered by it: QEMU 11.1's query-target
    names only the family (docs/differences-from-libvirt.md)."""
    ok = True
    for target, arch, path, errors in targets:
        binary = f"/usr/bin/qemu-system-{target}"
        good = arch == target and path == binary
        ok &= good
        print(f"{'ok' if good else 'FAIL'} byte order{suffix}: {binary} answers for "
              f"{arch}, and --arch {target} is answered by {path}"
              + (f" ({errors})" if errors and not good else ""))
    if not targets:
        print(f"# byte order{suffix}: no byte-order twin (mipsel, sh4eb, ...) is installed")
    return ok


def validate_live(cases, suffix):
    """ValidateDomain's verdicts against libvirt 12.9's, live: a domain
    that starts validates without an error, a refused one gets one
    (tests/validate-live-allowed.txt for the rest, as for libvirt 9.0)."""
    allow = AllowList(os.path.join(SOURCE, "tests", "validate-live-allowed.txt"),
                      os.path.join(SOURCE, "docs", "validate.md"))
    ok, agree = True, 0
    for case, started, message, problems in cases:
        if started is None:
            print(f"# validate {case}{suffix}: virt-install made no XML: {message[:160]}")
            continue
        errors = [f"{p['code']} at {p['where']}" for p in problems
                  if p["severity"] == "error"]
        same = started == (not errors)
        verdict = "started" if started else "refused"
        row = None if same else allow.covering(f"{case}{suffix}", verdict)
        agree += same
        print(f"{'ok' if same else 'allowed' if row else 'FAIL'} validate {case}{suffix}: "
              f"libvirt 12.9 {verdict}{': ' + message[:120] if message and not started else ''}"
              f"; domcapsd {', '.join(errors) if errors else 'no error'}")
        ok &= same or row is not None
    print(f"# validate{suffix}: {agree} of {sum(1 for c in cases if c[1] is not None)} "
          "verdicts agree with libvirt 12.9's")
    return ok


def rows_in(flavour, virttypes):
    """What newest-inroot.py found in @flavour's root (built, cached, and
    domcapsd built inside it first), or None where the mirror lacks it."""
    r = subprocess.run([ROOT_TOOL], capture_output=True, text=True,
                       env=dict(os.environ, NEWEST_FLAVOUR=flavour))
    if r.returncode == 77:
        testlib.skipped(f"newest/{flavour}", r.stderr.strip())
        return None
    if r.returncode != 0:
        raise RuntimeError(f"newest-root ({flavour}) failed:\n{r.stderr[-3000:]}")
    root = r.stdout.strip()
    copy_tree(root)
    build_inside(root)
    shutil.rmtree(root + INSIDE_OUT, ignore_errors=True)
    for name in ("newest-inroot.py", "validate_cases.py"):
        shutil.copy2(os.path.join(SOURCE, "tests", name), root + "/var/tmp/")
    r = inside(root, "python3", "/var/tmp/newest-inroot.py", INSIDE_BUILD, INSIDE_OUT,
               *virttypes)
    if r.returncode != 0:
        raise RuntimeError(f"newest-inroot failed:\n{r.stdout[-3000:]}{r.stderr[-3000:]}")
    with open(root + INSIDE_OUT + "/rows.json") as f:
        return json.load(f)


if __name__ == "__main__":
    sys.exit(main())
