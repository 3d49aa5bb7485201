#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compare two domain capabilities documents fact by fact.

usage: domcaps_diff.py REFERENCE.xml CANDIDATE.xml [--only=PREFIX,...]
                       [--skip=PREFIX,...] [--all] [--quiet]

Each document becomes a set of facts: an element's text, one attribute,
one value of an enum, one CPU model with each of its attributes, one
host-model feature policy, one blocker. Order never matters. The facts
only one side has are printed, then a last line

    conformance: P% (M of N facts agree)

N counting the facts of both sides. By default only the sections the
daemon serves count (SERVED below); --all counts every element. --only
keeps facts starting with one of the prefixes, --skip drops them.
Exit status 0 when both agree, 1 when not, 2 on unreadable input.

Used as a module by the conformance, corpus and replay tests.
"""
import re
import sys
import xml.etree.ElementTree as ET

# The top-level elements, devices and features the daemon serves (the
# domain capabilities format's documented elements as of libvirt 9.0).
SERVED_TOP = {"path", "domain", "machine", "arch", "vcpu", "iothreads", "iothread",
              "os", "cpu", "memoryBacking", "devices", "features"}
SERVED_DEVICES = {"disk", "graphics", "video", "hostdev", "rng", "filesystem",
                  "tpm", "redirdev", "channel"}
SERVED_FEATURES = {"gic", "vmcoreinfo", "genid", "backingStoreInput", "backup",
                   "s390-pv", "sev", "sgx", "hyperv"}

# Elements named by an attribute rather than by position.
KEYED = {"mode": "name", "feature": "name", "section": "node", "blockers": "model"}


def glob(text):
    """A compiled pattern where '*' stands for any text and nothing else is
    special (facts are full of brackets), matching the whole string."""
    return re.compile("^" + ".*".join(re.escape(p) for p in text.split("*")) + "$")


def _element_key(el):
    attr = KEYED.get(el.tag)
    if attr and el.get(attr) is not None:
        return f"{el.tag}[{el.get(attr)}]", attr
    return el.tag, None


def _walk(el, prefix, out):
    if el.tag == "enum":
        values = [v.text or "" for v in el.findall("value")]
        if not values:
            out.add(f"{prefix}/enum[{el.get('name')}] (empty)")
        out.update(f"{prefix}/enum[{el.get('name')}]={v}" for v in values)
        return
    if el.tag == "model" and prefix.endswith("mode[custom]"):
        path = f"{prefix}/model[{(el.text or '').strip()}]"
        out.add(path)
        out.update(f"{path}@{a}={v}" for a, v in el.attrib.items())
        return
    key, key_attr = _element_key(el)
    path = f"{prefix}/{key}" if prefix else key
    for a, v in el.attrib.items():
        if a != key_attr:
            out.add(f"{path}@{a}={v}")
    text = (el.text or "").strip()
    children = list(el)
    if text and el.tag == "value":
        out.add(f"{prefix}/value={text}")
        return
    if text:
        out.add(f"{path}={text}")
    elif not children and not el.attrib:
        out.add(f"{path} (present)")
    elif not children and key_attr and len(el.attrib) == 1:
        out.add(f"{path} (present)")
    for child in children:
        _walk(child, path, out)


def facts_of_text(text):
    """The facts of one document, given as a string."""
    root = ET.fromstring(text)
    if root.tag != "domainCapabilities":
        raise ValueError(f"root element is <{root.tag}>, not <domainCapabilities>")
    out = set()
    for child in root:
        _walk(child, "", out)
    return out


def facts_of_file(path):
    with open(path) as f:
        return facts_of_text(f.read())


def _head(part):
    return part.split("@")[0].split("=")[0].split(" ")[0].split("[")[0]


def served(fact):
    """Whether @fact lies inside the sections the daemon serves."""
    parts = fact.split("/")
    top = _head(parts[0])
    if top not in SERVED_TOP:
        return False
    if top == "devices" and len(parts) > 1:
        return _head(parts[1]) in SERVED_DEVICES
    if top == "features" and len(parts) > 1:
        return _head(parts[1]) in SERVED_FEATURES
    return True


class Comparison:
    """Two fact sets inside a scope: what each side alone has."""

    def __init__(self, reference, candidate, keep=lambda fact: True):
        self.reference = {f for f in reference if keep(f)}
        self.candidate = {f for f in candidate if keep(f)}
        self.only_reference = sorted(self.reference - self.candidate)
        self.only_candidate = sorted(self.candidate - self.reference)
        self.agree = len(self.reference & self.candidate)
        self.total = len(self.reference | self.candidate)

    @property
    def percent(self):
        return 100.0 * self.agree / self.total if self.total else 100.0

    def differences(self):
        """Every difference as "-FACT" (reference only) or "+FACT"."""
        return ([f"-{f}" for f in self.only_reference] +
                [f"+{f}" for f in self.only_candidate])

    def figure(self):
        return f"{self.percent:.1f}% ({self.agree} of {self.total} facts agree)"

    def report(self):
        lines = []
        for label, facts in (("only in reference", self.only_reference),
                             ("only in candidate", self.only_candidate)):
            if facts:
                lines.append(f"## {label} ({len(facts)})")
                lines += [f"  {f}" for f in facts]
        lines.append(f"conformance: {self.figure()}")
        return "\n".join(lines)


def prefix_filter(only=(), skip=(), everything=False):
    """A fact filter from --only/--skip prefixes and the served scope."""
    def keep(fact):
        if not everything and not served(fact):
            return False
        if only and not any(fact.startswith(p) for p in only):
            return False
        return not any(fact.startswith(p) for p in skip)
    return keep


def compare_texts(reference, candidate, keep=lambda fact: True):
    return Comparison(facts_of_text(reference), facts_of_text(candidate), keep)


def _list_option(args, name):
    return [p for a in args if a.startswith(f"--{name}=")
            for p in a[len(name) + 3:].split(",") if p]


def main(argv):
    files = [a for a in argv if not a.startswith("--")]
    if len(files) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    keep = prefix_filter(_list_option(argv, "only"), _list_option(argv, "skip"),
                         "--all" in argv)
    try:
        result = Comparison(facts_of_file(files[0]), facts_of_file(files[1]), keep)
    except (ET.ParseError, ValueError, OSError) as e:
        print(f"domcaps_diff: {e}", file=sys.stderr)
        return 2
    print(result.report() if "--quiet" not in argv else f"conformance: {result.figure()}")
    return 0 if result.agree == result.total else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
