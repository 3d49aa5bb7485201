# SPDX-License-Identifier: LGPL-2.1-or-later
"""libvirt's .replies format: a recorded QMP conversation.

A file holds JSON objects one after another (libvirt separates them with a
blank line and pretty-prints each; ours are one object a line), each
command followed by its reply. The first command is qmp_capabilities.

libvirt's recordings (tests/qemucapabilitiesdata) hold up to two
conversations: the one with KVM first, then, after a second
qmp_capabilities, the one with TCG, which asks only what differs between
accelerators. A recording with one conversation is of a host without KVM.
"""
import json

DECODER = json.JSONDecoder()


def read(path):
    """The objects of a .replies file, in order."""
    with open(path) as f:
        text = f.read()
    objects, at = [], 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return objects
        obj, at = DECODER.raw_decode(text, at)
        if not isinstance(obj, dict):
            raise ValueError(f"{path}: object {len(objects) + 1} is not a JSON object")
        objects.append(obj)


def write(path, objects):
    """Writes @objects one a line, a blank line between them."""
    with open(path, "w") as f:
        for obj in objects:
            f.write(json.dumps(obj) + "\n\n")


def exchanges(objects):
    """[(command, reply)] of a conversation's objects."""
    if len(objects) % 2:
        raise ValueError("a command without its reply")
    return list(zip(objects[0::2], objects[1::2]))


def flatten(pairs):
    return [obj for pair in pairs for obj in pair]


def conversations(objects):
    """The recording cut at each qmp_capabilities: [[(command, reply)]]."""
    out = []
    for command, reply in exchanges(objects):
        if command.get("execute") == "qmp_capabilities" or not out:
            out.append([])
        out[-1].append((command, reply))
    return out


def _key(command):
    return command.get("execute"), json.dumps(command.get("arguments"), sort_keys=True)


def _kvm_enabled(conversation):
    for command, reply in conversation:
        if command.get("execute") == "query-kvm":
            return bool(reply.get("return", {}).get("enabled"))
    return False


def per_accelerator(objects):
    """{accel: objects} from one of libvirt's recordings.

    The first conversation is KVM's where its query-kvm says enabled, else
    another accelerator's (TCG's, or macOS's hvf). The TCG process of the
    same binary answers as the first one does except where libvirt asked
    TCG again (CPU definitions and expansions, machines) and for query-kvm,
    so TCG's conversation is the first with those answers replaced."""
    parts = conversations(objects)
    if len(parts) > 2:
        raise ValueError(f"{len(parts)} conversations; expected at most two")
    first, tcg_only = parts[0], parts[1] if len(parts) == 2 else []
    tcg_answers = {_key(c): r for c, r in tcg_only}
    tcg = []
    for command, reply in first:
        if command.get("execute") == "query-kvm":
            reply = {"return": {"enabled": False, "present": True}}
        tcg.append((command, tcg_answers.pop(_key(command), reply)))
    tcg += [(c, r) for c, r in tcg_only if _key(c) in tcg_answers]
    out = {"tcg": flatten(tcg)}
    if _kvm_enabled(first):
        out["kvm"] = flatten(first)
    return out


def edited(objects, edits):
    """The conversation with the reply to each command in @edits replaced
    (a function edits the recorded "return"; a command never recorded is
    added)."""
    out, seen = [], set()
    for command, reply in exchanges(objects):
        name = command.get("execute")
        if name in edits:
            edit = edits[name]
            reply = {"return": edit(reply.get("return")) if callable(edit) else edit}
            seen.add(name)
        out += [command, reply]
    for name in edits.keys() - seen:
        out += [{"execute": name}, {"return": edits[name]}]
    return out
