# SPDX-License-Identifier: LGPL-2.1-or-later
"""host-model compared by meaning: the guest CPU QEMU would build.

Two <mode name='host-model'> descriptions can differ in text (another
model name, a feature required that the model already has) and still
give the same guest. This module asks a real QEMU, on the accelerator
the description is for, to expand each description fully
(query-cpu-model-expansion, type "full") and keeps the boolean
properties that end up on, less those the accelerator cannot provide
(off in the full expansion of "host" under KVM, of "max" under TCG),
which QEMU drops when it builds the CPU. Two descriptions mean the same
guest CPU when these sets are equal.
"""
import json
import re
import subprocess
import xml.etree.ElementTree as ET

UNKNOWN_PROPERTY = re.compile(r"Property '[^']*\.([^'.]+)' not found")


class QMP:
    """A QEMU with no machine, spoken to over its standard input/output."""

    def __init__(self, emulator, accel):
        self.proc = subprocess.Popen(
            [emulator, "-machine", "none", "-accel", accel, "-nodefaults",
             "-nographic", "-S", "-qmp", "stdio", "-monitor", "none",
             "-serial", "none", "-parallel", "none"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        greeting = self._read()
        if greeting is None or "QMP" not in greeting:
            err = self.proc.stderr.read().strip()
            raise RuntimeError(f"{emulator} -accel {accel} did not start: {err}")
        self.execute("qmp_capabilities")

    def _read(self):
        while True:
            line = self.proc.stdout.readline()
            if not line:
                return None
            message = json.loads(line)
            if "event" not in message:
                return message

    def execute(self, command, arguments=None):
        request = {"execute": command}
        if arguments is not None:
            request["arguments"] = arguments
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        reply = self._read()
        if reply is None:
            raise RuntimeError(f"QEMU went away during {command}")
        if "error" in reply:
            raise RuntimeError(f"{command} {json.dumps(arguments)}: {reply['error']['desc']}")
        return reply["return"]

    def close(self):
        try:
            self.execute("quit")
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def description(mode):
    """(model, {feature: on}) of a <mode name='host-model'> element."""
    model = mode.findtext("model")
    features = {}
    for f in mode.findall("feature"):
        features[f.get("name")] = f.get("policy") in ("require", "force")
    return model, features


def host_model_mode(xml_text):
    mode = ET.fromstring(xml_text).find("cpu/mode[@name='host-model']")
    if mode is None or mode.get("supported") != "yes":
        return None
    return mode


def _enabled(props):
    return {name for name, value in props.items() if value is True}


class Expander:
    """Expands host-model descriptions on one emulator and accelerator."""

    def __init__(self, emulator, accel):
        self.qmp = QMP(emulator, accel)
        base = "host" if accel == "kvm" else "max"
        self.available = _enabled(self._expand(base, {}))

    def _expand(self, model, props):
        answer = self.qmp.execute("query-cpu-model-expansion",
                                  {"type": "full", "model": {"name": model, "props": props}})
        return answer["model"].get("props", {})

    def guest_cpu(self, mode):
        """The set of features on in the guest CPU that @mode describes.
        QEMU takes libvirt's spellings (its legacy aliases); a feature it
        has no property for cannot change the guest and is left out."""
        model, features = description(mode)
        while True:
            try:
                return _enabled(self._expand(model, features)) & self.available
            except RuntimeError as e:
                unknown = UNKNOWN_PROPERTY.search(str(e))
                if unknown is None or unknown.group(1) not in features:
                    raise
                del features[unknown.group(1)]

    def close(self):
        self.qmp.close()


def same_guest_cpu(emulator, accel, reference_xml, candidate_xml):
    """(equal, report): whether both documents' host-model modes give the
    same guest CPU on @emulator under @accel, and what differs if not."""
    modes = [host_model_mode(x) for x in (reference_xml, candidate_xml)]
    if modes[0] is None or modes[1] is None:
        equal = (modes[0] is None) == (modes[1] is None)
        return equal, ("supported on neither side" if equal
                       else "host-model supported on one side only")
    expander = Expander(emulator, accel)
    try:
        ref, cand = (expander.guest_cpu(m) for m in modes)
    finally:
        expander.close()
    if ref == cand:
        return True, f"same guest CPU ({len(ref)} features on)"
    return False, (f"guest CPUs differ: only the reference's has {sorted(ref - cand)}, "
                   f"only ours has {sorted(cand - ref)}")
