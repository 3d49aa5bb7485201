#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Mutations: plant small, plausible bugs and check that the suite fails.

A test that cannot fail proves nothing. Each mutation below is found by
its meaning (a pattern that names the table row, codec field or call it
breaks, not a line number), planted in a copy of the source tree, built
incrementally, and the tests named as its catchers are run: every one of
them must fail, and the same tests must pass on the unmutated copy
first. A mutation whose pattern no longer matches fails too, so a
refactoring that moves the code must move the mutation with it.

It prints one line per mutation: which tests caught it, or which did not.

usage: mutate.py SOURCEDIR [--only NAME] [--keep]
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SOURCE = os.path.abspath(sys.argv[1])
OPTIONS = sys.argv[2:]

# name: (file, pattern, replacement, the tests that must fail, why)
MUTATIONS = {
    "usb-host-row": (
        "daemon/caps/dc-render-devices.c",
        r'[ \t]*\{ "usb", RULE_TYPE, "usb-host" \},\n', "",
        ["test-render", "replay", "corpus"],
        "remove the rule row that offers hostdev subsystem usb for usb-host"),
    "one-blocker-usable": (
        "daemon/caps/dc-render-cpu.c",
        r'return def->blockers\[0\] == NULL \? "yes" : "no";',
        'return def->blockers[0] == NULL || def->blockers[1] == NULL ? "yes" : "no";',
        ["test-render", "replay", "reasons"],
        "a CPU model with exactly one blocker becomes usable='yes'"),
    "codec-reduced-phys-bits": (
        "facts/dc-facts-json.c",
        r'[ \t]*FIELD \(DcSevFacts, reduced_phys_bits, "reduced-phys-bits", F_UINT\),\n', "",
        ["test-cache", "replay"],
        "remove the facts codec's field for SEV's reduced-phys-bits"),
    "no-changed-signal-after-probe": (
        "daemon/dc-registry.c",
        r'(g_signal_emit \(self, signals\[SIGNAL_EMULATOR_PROBED\], 0, ctx->path\);\n)'
        r'[ \t]*capabilities_changed \(self, ctx->path\);\n',
        r"\1",
        ["test-registry", "integration"],
        "no capabilities-changed (CapabilitiesChanged) once a probe or Refresh is done"),
    "no-wait-for-probes": (
        "daemon/dc-registry.c",
        r'(gboolean\ndc_registry_settled \(DcRegistry \*self, GPtrArray \*paths\)\n\{\n)',
        r"\1  return TRUE;\n",
        ["startup"],
        "a query answered at once, not after the probes its answer needs"),
    "byte-order-ignored": (
        "probes/dc-facts-qmp.c",
        r'([ \t]*g_autofree char \*own = g_strconcat \("target-info-", family, NULL\);\n)',
        r"\1  if (TRUE)\n    return g_strdup (family);\n",
        ["test-render"],
        "QEMU 11.1's family taken as the target: mipsel answers as mips"),
    "bus-name-never-renewed": (
        "daemon/dc-bus-name.c",
        r'if \(size <= DC_BUS_NAME_RENEW_ABOVE \|\|',
        "if (TRUE || size <= DC_BUS_NAME_RENEW_ABOVE ||",
        ["integration"],
        "the name stays on the connection that sent a large reply"),
    "resctrl-cdp-as-both": (
        "daemon/caps/dc-render-host.c",
        r'dc_caps_node_set_attr \(node, "type", control->type\);',
        'dc_caps_node_set_attr (node, "type", "both");',
        ["test-host-caps", "hostcaps"],
        "resctrl's code and data halves (CDP) written as one control of type both"),
    "hmat-indexing-ignored": (
        "probes/dc-host-caps-read.c",
        r'cache\.associativity = associativity\[indexing\];',
        "cache.associativity = associativity[0];",
        ["test-host-caps", "hostcaps"],
        "every memory-side cache written as direct-mapped"),
    "dev-not-watched": (
        "daemon/main.c",
        r'if \(kinds & WATCH_DEVICES\)',
        "if (FALSE && (kinds & WATCH_DEVICES))",
        ["watch"],
        "a change in /dev (KVM appearing) re-reads nothing"),
    "cpu-map-ignored": (
        "daemon/caps/dc-cpu-model.c",
        r'  if \(known != NULL\)\n',
        "  if (FALSE && known != NULL)\n",
        ["test-cpu-model"],
        "host-model measured against QEMU's models, not libvirt's copies of them"),
    "host-model-plain-count": (
        "daemon/caps/dc-cpu-model.c",
        r'c->weight = enabled \+ c->penalty;',
        "c->weight = total;",
        ["test-cpu-model"],
        "host-model candidates weighed by a plain count of changes"),
    "host-cpu-beyond-the-cpu": (
        "daemon/caps/dc-host-cpu.c",
        r'    if \(!g_hash_table_contains \(cpu, feature\)\)\n      return FALSE;\n',
        "",
        ["test-host-cpu"],
        "the host CPU named after a model with features the CPU lacks"),
    "host-cpu-signature-ignored": (
        "daemon/caps/dc-host-cpu.c",
        r'if \(best->model == NULL \|\| candidate->signature != best->signature\)',
        "if (best->model == NULL || (FALSE && candidate->signature != best->signature))",
        ["test-host-cpu"],
        "the host CPU's family and model do not count"),
    "io-in-the-model": (
        "daemon/caps/dc-render.c",
        r'\Z',
        "\nchar *dc_render_mutant_read (const char *path);\n"
        "char *\ndc_render_mutant_read (const char *path)\n{\n"
        "  char *text = NULL;\n\n"
        "  g_file_get_contents (path, &text, NULL, NULL);\n  return text;\n}\n",
        ["layers"],
        "g_file_get_contents called in the pure model layer"),
}


def run(args, cwd=None, timeout=900):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def copy_tree(dest):
    """The source as the work tree has it (committed or not), no builds."""
    files = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                cwd=SOURCE).stdout.split("\0")
    for name in filter(None, files):
        src = os.path.join(SOURCE, name)
        if os.path.isfile(src):
            os.makedirs(os.path.dirname(os.path.join(dest, name)), exist_ok=True)
            shutil.copy2(src, os.path.join(dest, name))


def build(tree):
    r = run(["ninja", "-C", os.path.join(tree, "build")])
    if r.returncode != 0:
        raise RuntimeError(f"build failed:\n{r.stdout[-3000:]}{r.stderr[-2000:]}")


def failing(tree, tests):
    """The tests of @tests that fail (meson test, no rebuild)."""
    out = []
    for test in tests:
        r = run(["meson", "test", "-C", os.path.join(tree, "build"), "--no-rebuild",
                 "--quiet", test])
        if r.returncode != 0:
            out.append(test)
    return out


def plant(tree, name):
    path, pattern, replacement, _, _ = MUTATIONS[name]
    full = os.path.join(tree, path)
    if not os.path.exists(full):        # moved: the mutation must move too
        return None
    with open(full) as f:
        text = f.read()
    mutated, count = re.subn(pattern, replacement, text, count=1)
    if count != 1 or mutated == text:
        return None
    with open(full, "w") as f:
        f.write(mutated)
    return text


def restore(tree, name, text):
    with open(os.path.join(tree, MUTATIONS[name][0]), "w") as f:
        f.write(text)


def main():
    only = OPTIONS[OPTIONS.index("--only") + 1] if "--only" in OPTIONS else None
    names = [n for n in MUTATIONS if only in (None, n)]
    catchers = sorted({t for n in names for t in MUTATIONS[n][3]})
    tree = tempfile.mkdtemp(prefix="domcapsd-mutate-")
    ok = True
    try:
        began = time.monotonic()
        copy_tree(tree)
        r = run(["meson", "setup", "build", "-Dwerror=false"], cwd=tree)
        if r.returncode != 0:
            print(f"FAIL: meson setup: {r.stdout[-2000:]}{r.stderr[-2000:]}")
            return 1
        build(tree)
        print(f"# built a copy in {time.monotonic() - began:.0f} s")
        clean_failures = failing(tree, catchers)
        if clean_failures:
            print(f"FAIL: without any mutation these fail already: {clean_failures}")
            return 1
        print(f"# unmutated: {', '.join(catchers)} pass")
        for name in names:
            _, _, _, tests, why = MUTATIONS[name]
            began = time.monotonic()
            text = plant(tree, name)
            if text is None:
                print(f"FAIL {name}: {MUTATIONS[name][0]} or its pattern is gone ({why}); "
                      "move the mutation with the code")
                ok = False
                continue
            try:
                build(tree)
                caught = failing(tree, tests)
            finally:
                restore(tree, name, text)
            missed = [t for t in tests if t not in caught]
            ok &= not missed
            print(f"{'ok' if not missed else 'FAIL'} {name} ({why}): caught by "
                  f"{', '.join(caught) or 'nothing'}"
                  f"{'; missed by ' + ', '.join(missed) if missed else ''}"
                  f" [{time.monotonic() - began:.0f} s]")
        build(tree)
    finally:
        if "--keep" in OPTIONS:
            print(f"# kept {tree}")
        else:
            shutil.rmtree(tree, ignore_errors=True)
    print(f"mutations: {len(names)} planted, {'all' if ok else 'NOT all'} caught")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
