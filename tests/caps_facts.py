# SPDX-License-Identifier: LGPL-2.1-or-later
"""Host capabilities (libvirt's <capabilities>) as a set of facts, one per
value, keyed so that order does not matter and two documents compare
fact by fact with domcaps_diff.Comparison:

  host/topology/cells/cell[0]/cpus/cpu[3]@core_id=1
  host/cache/bank[3.0]@size=32
  guest[x86_64]/arch/machine[pc]@canonical=pc-i440fx-7.2
  guest[i686]/features/pae (present)

Used by tests/hostcaps.py and tests/newest.py.
"""
import xml.etree.ElementTree as ET


def _key(el):
    """The element's step in a fact's path."""
    if el.tag in ("cell", "cpu", "sibling") and el.get("id") is not None:
        return f"{el.tag}[{el.get('id')}]"
    if el.tag == "bank":
        return f"bank[{el.get('level')}.{el.get('id')}]"
    if el.tag == "pages" and el.get("size") is not None:
        return f"pages[{el.get('size')}]"
    if el.tag in ("machine", "uri_transport", "feature") and el.get("name") is None:
        return f"{el.tag}[{(el.text or '').strip()}]"
    if el.tag == "feature":
        return f"feature[{el.get('name')}]"
    if el.tag == "domain":
        return f"domain[{el.get('type')}]"
    if el.tag == "secmodel":
        return f"secmodel[{el.findtext('model')}]"
    return el.tag


KEY_ATTRS = {"cell": {"id"}, "cpu": {"id"}, "sibling": {"id"}, "bank": {"level", "id"},
             "pages": {"size"}, "domain": {"type"}, "feature": {"name"}}
KEY_TEXT = {"machine", "uri_transport"}


def _walk(el, prefix, out):
    path = f"{prefix}/{_key(el)}" if prefix else _key(el)
    for a, v in el.attrib.items():
        if a not in KEY_ATTRS.get(el.tag, ()):
            out.add(f"{path}@{a}={v}")
    text = (el.text or "").strip()
    children = list(el)
    own_attrs = [a for a in el.attrib if a not in KEY_ATTRS.get(el.tag, ())]
    if text and el.tag not in KEY_TEXT and not (el.tag == "feature" and el.get("name") is None):
        out.add(f"{path}={text}")
    elif not children and not own_attrs:
        out.add(f"{path} (present)")
    for child in children:
        if el.tag == "secmodel" and child.tag == "model":
            continue
        _walk(child, path, out)


def facts_of_text(text):
    root = ET.fromstring(text)
    if root.tag != "capabilities":
        raise ValueError(f"root element is <{root.tag}>, not <capabilities>")
    out = set()
    for child in root:
        if child.tag == "guest":
            arch = child.find("arch")
            prefix = f"guest[{arch.get('name') if arch is not None else ''}]"
            out.add(f"{prefix} (present)")
            for sub in child:
                _walk(sub, prefix, out)
        else:
            _walk(child, "", out)
    return out
