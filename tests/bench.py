#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Benchmarks: domcapsd beside libvirt 9.0 on this host, in one run.

  (a) cold probe of qemu-system-x86_64 (tcg and, where usable, kvm)
  (b) start until every installed qemu-system-* is probed, empty cache, beside
      two floors: each emulator started to its QMP greeting and told to
      quit, and each asked the daemon's questions by a bare client
  (c) restart with a warm disk cache to the first answer
  (d) GetDomainCapabilities latency p50/p99 from one in-process GDBus
      client, and throughput with 16 concurrent clients (libvirt through
      libvirt-dbus's org.libvirt.Connect.GetDomainCapabilities); the bus's
      own GetId round trip as the floor
  (e) daemon RSS with everything cached (and, beside (b), after a cold start)
  (f) replacing a binary to CapabilitiesChanged
  (g) the one-shot mode's answer, cold
  (h) the first answer of a cold daemon (empty cache) to the host arch's
      default question, every emulator installed, against the same with
      only the host's emulator installed
  (i) p50 of a small, a medium and a large answer against the floor of
      its size (alternated with it, median of 3 pairs' ratios), fresh and
      after GetAll, ListEmulators and explain (the
      daemon's name has moved to a fresh connection by then,
      dc-bus-name.c); and ListEmulators' p50 (--history-only: this alone)
  (m) the floor service alone before and after one 2 MB reply on its
      connection: the bus daemon's own cost (--bus-only)

Figures, not assertions: medians over --runs. libvirt's side needs root
and tests/tools/libvirt-reference (skipped with --no-libvirt).

usage: bench.py BUILDDIR [--runs N] [--no-libvirt] [--newest-only | --history-only | ...]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from testlib import IFACE, NAME, PATH, Daemon, GLib, PrivateBus

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "tools", "libvirt-reference")
LIBVIRT_CACHE = "/var/cache/libvirt/qemu/capabilities"
VIRSH = ["virsh", "-c", "qemu:///system"]
KVM_USABLE = os.access("/dev/kvm", os.R_OK | os.W_OK)
# What KubeVirt's node labeller asks (virsh domcapabilities in its script).
KUBEVIRT_QUERY = ["--machine", "q35", "--arch", "x86_64",
                  "--virttype", "kvm" if KVM_USABLE else "qemu"]
PERMISSIVE_BUS = """<busconfig><type>system</type><listen>unix:path={socket}</listen>
<auth>EXTERNAL</auth><policy context="default"><allow send_destination="*"/>
<allow own="*"/><allow receive_type="*"/></policy></busconfig>"""


def median(values):
    return statistics.median(values) if values else float("nan")


class Ours:
    def __init__(self, build, runs):
        self.build, self.runs = build, runs
        self.tmp = tempfile.mkdtemp(prefix="domcapsd-bench-")
        self.bus = PrivateBus()

    def close(self):
        self.bus.down()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, cache, *args):
        """A daemon started and done with its start-up probes (the name
        comes before them), and how long that took."""
        t0 = time.monotonic()
        daemon = Daemon(self.build, self.bus.address, "--cache-dir", cache, "--verbose", *args)
        if not self.bus.wait_for_name(300) or not self.bus.wait_settled(300):
            raise RuntimeError("the daemon did not take its name or probe its emulators")
        return daemon, time.monotonic() - t0

    def fresh_cache(self):
        return tempfile.mkdtemp(dir=self.tmp)

    def cold_x86(self):
        d = tempfile.mkdtemp(dir=self.tmp)
        os.symlink("/usr/bin/qemu-system-x86_64", os.path.join(d, "qemu-system-x86_64"))
        totals, probes = [], []
        for _ in range(self.runs):
            daemon, elapsed = self.start(self.fresh_cache(), "--emulator-dir", d)
            out = daemon.stop()[1]
            totals.append(elapsed)
            m = re.search(r"Probed \S+ in (\d+) ms", out)
            probes.append(int(m.group(1)) / 1000 if m else float("nan"))
        return median(probes), median(totals)

    def oneshot(self):
        """`domcapsctl --direct` as KubeVirt's labeller would ask, no cache:
        the whole process, from exec to its exit."""
        times = []
        for _ in range(self.runs):
            t0 = time.monotonic()
            subprocess.run([os.path.join(self.build, "tools", "domcapsctl"), "--direct",
                            "domcapabilities", *KUBEVIRT_QUERY], check=True,
                           stdout=subprocess.DEVNULL)
            times.append(time.monotonic() - t0)
        return median(times)

    def start_all(self):
        """(start to ready, RSS once serving) of cold starts with every
        emulator: what a cold start leaves resident (issue: footprint)."""
        times, rss = [], []
        for _ in range(self.runs):
            cache = self.fresh_cache()
            daemon, elapsed = self.start(cache)
            self.bus.call("GetDomainCapabilities", ("", "x86_64", "pc", "", 0), "(ssssu)")
            rss.append(rss_mb(daemon.proc.pid))
            daemon.stop()
            times.append(elapsed)
        self.warm_cache = cache
        return median(times), median(rss)

    def first_answer(self, daemon_args, question=("", "x86_64", "pc", "", 0),
                     method="GetDomainCapabilities", sig="(ssssu)"):
        t0 = time.monotonic()
        daemon = Daemon(self.build, self.bus.address, *daemon_args)
        while True:
            try:
                self.bus.call(method, question, sig, 60000)
                return daemon, time.monotonic() - t0
            except GLib.Error:
                time.sleep(0.001)

    def first_answer_cold(self):
        """The host arch's default question asked at once of a cold daemon
        (empty cache): with every emulator installed, and with only the
        host's own (issue: the first answer in the time of one probe)."""
        own = tempfile.mkdtemp(dir=self.tmp)
        host = f"/usr/bin/qemu-system-{os.uname().machine}"
        os.symlink(host, os.path.join(own, os.path.basename(host)))
        out = {}
        for label, dirs in (("all", []), ("own", ["--emulator-dir", own])):
            times = []
            for _ in range(self.runs):
                daemon, elapsed = self.first_answer(["--cache-dir", self.fresh_cache(), *dirs],
                                                    ("", "", "", "", 0))
                daemon.stop()
                times.append(elapsed)
            out[label] = median(times)
        return out["all"], out["own"]

    def restart_warm(self):
        times = []
        for _ in range(self.runs):
            daemon, elapsed = self.first_answer(["--cache-dir", self.warm_cache])
            daemon.stop()
            times.append(elapsed)
        return median(times)

    def latency_and_rss(self):
        daemon, _ = self.start(self.warm_cache)
        client = run_client(self.build, self.bus.address, NAME, PATH, IFACE)
        floor = run_client(self.build, self.bus.address, "org.freedesktop.DBus",
                           "/org/freedesktop/DBus", "org.freedesktop.DBus", clients=1,
                           seconds=1)
        # a tiny reply from this daemon: the cost of the second hop and of
        # GDBus's dispatch, whatever the method does
        prop = run_client(self.build, self.bus.address, NAME, PATH,
                          "org.freedesktop.DBus.Properties", clients=1, seconds=1)
        size = len(self.bus.call("GetDomainCapabilities", ("", "x86_64", "pc", "", 0),
                                 "(ssssu)")[0].encode())
        same_size = same_size_floor(self.build, self.bus.address, size)
        rss_before = rss_mb(daemon.proc.pid)
        for e in self.bus.call("ListEmulators", (), "()")[0]:
            try:
                self.bus.call("GetDomainCapabilities", (e["path"], "", "", "", 0), "(ssssu)")
            except GLib.Error:
                pass
        rss_all = rss_mb(daemon.proc.pid)
        # 10,000 more queries from 16 clients: nothing more may stay resident
        run_client(self.build, self.bus.address, NAME, PATH, IFACE, calls=10000,
                   clients=16, seconds=3)
        rss = rss_mb(daemon.proc.pid)
        daemon.stop()
        return client, floor, prop, (rss_before, rss_all, rss), same_size, size

    SIZES = (("small", "sh4/"), ("medium", "x86_64/pc"), ("large", "s390x/"))

    def p50(self, question):
        return run_client(self.build, self.bus.address, NAME, PATH, IFACE, clients=1,
                          seconds=1, question=question)["p50_ms"]

    def against_floors(self, sizes, pairs=3):
        """{name: (p50 ms, ratio)} for each answer of SIZES: its p50
        alternated with its same-size floor's, @pairs times (the machine
        drifts): the median p50 and the median ratio of the pairs."""
        out = {}
        for name, question in self.SIZES:
            floor, ours, ratios = FloorService(self.build, self.bus.address, sizes[name]), [], []
            try:
                for _ in range(pairs):
                    floor_p50 = floor.p50()
                    ours.append(self.p50(question))
                    ratios.append(ours[-1] / floor_p50)
            finally:
                floor.stop()
            out[name] = (median(ours), median(ratios))
        return out

    def latency_after_history(self):
        """p50 against the same-size floor for a small, a medium and a large
        answer, fresh and after GetAll, ListEmulators and explain; and
        ListEmulators' own p50 (issue: nothing answered slower for what was
        asked before)."""
        daemon, _ = self.start(self.warm_cache)
        sizes = {name: len(self.bus.call("GetDomainCapabilities",
                                         ("", *q.split("/"), "", 0), "(ssssu)")[0].encode())
                 for name, q in self.SIZES}
        fresh = self.against_floors(sizes)
        fresh["list"] = (self.p50("ListEmulators"), None)
        self.bus.call("GetAllDomainCapabilities", (0,), "(u)", 120000)
        self.bus.call("ListEmulators", (), "()")
        for arch in ("x86_64", "aarch64", "s390x", "ppc64", "riscv64"):
            self.bus.call("GetDomainCapabilitiesReasons", ("", arch, "", "", 0), "(ssssu)")
        after = self.against_floors(sizes)
        after["list"] = (self.p50("ListEmulators"), None)
        daemon.stop()
        return sizes, fresh, after

    def host_capabilities(self):
        """(k): the host part's reading time (the daemon's log), and a warm
        GetCapabilities p50 against the same-size floor."""
        if not hasattr(self, "warm_cache"):    # --hostcaps-only: warm one first
            self.warm_cache = self.fresh_cache()
            self.start(self.warm_cache)[0].stop()
        daemon, _ = self.start(self.warm_cache)
        began = time.monotonic()
        size = len(self.bus.call("GetCapabilities", (), "()", 120000)[0].encode())
        first_ms = 1000 * (time.monotonic() - began)
        ours, floors = [], []
        for _ in range(max(self.runs, 3)):   # alternated: the machine drifts
            ours.append(run_client(self.build, self.bus.address, NAME, PATH, IFACE,
                                   clients=1, seconds=1,
                                   question="GetCapabilities")["p50_ms"])
            floors.append(same_size_floor(self.build, self.bus.address, size, clients=1,
                                          seconds=1)["p50_ms"])
        p50, floor = median(ours), median(floors)
        _, out = daemon.stop()
        read_ms = float(re.search(r"host capabilities in ([\d.]+) ms", out).group(1))
        return read_ms, first_ms, size, p50, floor

    def validate(self):
        """(l): ValidateDomain of a typical virt-install domain (~100 lines)
        against GetDomainCapabilities for the same emulator and machine,
        both warm, alternated; and a validate from a cold start, against
        the cold probe it needs."""
        domain = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench-domain.xml")
        daemon, _ = self.start(self.warm_cache)
        ours, answer = [], []
        for _ in range(max(self.runs, 3)):
            ours.append(run_client(self.build, self.bus.address, NAME, PATH, IFACE,
                                   clients=1, seconds=1,
                                   question=f"ValidateDomain@{domain}")["p50_ms"])
            answer.append(self.p50("x86_64/q35"))
        daemon.stop()
        with open(domain) as f:
            xml = f.read()
        cold, cold_answer = [], []
        for _ in range(self.runs):   # from exec, with an empty cache
            daemon, elapsed = self.first_answer(["--cache-dir", self.fresh_cache()],
                                                (xml, 0), "ValidateDomain", "(su)")
            daemon.stop()
            cold.append(elapsed)
            daemon, elapsed = self.first_answer(["--cache-dir", self.fresh_cache()],
                                                ("", "x86_64", "q35", "qemu", 0))
            daemon.stop()
            cold_answer.append(elapsed)
        return median(ours), median(answer), median(cold), median(cold_answer)

    def replace_to_signal(self):
        d = tempfile.mkdtemp(dir=self.tmp)
        emulator = os.path.join(d, "qemu-system-x86_64")
        write_wrapper(emulator, 0)
        daemon, _ = self.start(self.fresh_cache(), "--emulator-dir", d)
        seen = []
        sub = self.bus.conn.signal_subscribe(None, IFACE, "CapabilitiesChanged", PATH, None,
                                             0, lambda *a: seen.append(time.monotonic()))
        times = []
        for i in range(1, self.runs + 1):
            seen.clear()
            write_wrapper(emulator + ".new", i)
            t0 = time.monotonic()
            os.rename(emulator + ".new", emulator)
            ctx = GLib.MainContext.default()
            while not seen and time.monotonic() - t0 < 30:
                ctx.iteration(False)
                time.sleep(0.001)
            times.append(seen[0] - t0 if seen else float("nan"))
        self.bus.conn.signal_unsubscribe(sub)
        daemon.stop()
        return median(times)


def write_wrapper(path, tag):
    with open(path, "w") as f:
        f.write(f'#!/bin/sh\n# {tag}\nexec /usr/bin/qemu-system-x86_64 "$@"\n')
    os.chmod(path, 0o755)


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        kb = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    return kb / 1024


def bus_after_large_reply(build, address, size=60000, runs=3):
    """(m): the same-size floor service's p50 before and after it sent one
    2 MB reply on its connection (docs/architecture.md, "Latency after
    large replies"): the bus daemon's cost, with no domcapsd in it."""
    before, after = [], []
    for _ in range(runs):
        service = FloorService(build, address, size)
        try:
            before.append(service.p50())
            service.run(calls=1, clients=1, seconds=1, question="large/pc")
            after.append(service.p50())
        finally:
            service.stop()
    return median(before), median(after)


class FloorService:
    """bench-floor-service on @address answering @size bytes, kept running
    so that its p50 can be taken between ours (one at a time: each takes
    the same name)."""

    def __init__(self, build, address, size):
        self.build, self.address = build, address
        self.proc = subprocess.Popen([os.path.join(build, "tests", "bench-floor-service"),
                                      address, str(size)], stdout=subprocess.PIPE, text=True)
        self.proc.stdout.readline()

    def run(self, **client):
        """bench-client's figures against it (run_client's options)."""
        return run_client(self.build, self.address, "org.domcapsd.BenchFloor",
                          "/org/domcapsd/BenchFloor", IFACE, **client)

    def p50(self):
        """One client's p50 over a second."""
        return self.run(clients=1, seconds=1)["p50_ms"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def same_size_floor(build, address, size, **client):
    """bench-client against a GDBus service that only returns a constant
    string of @size bytes: the floor for a reply that large."""
    service = FloorService(build, address, size)
    try:
        return service.run(**client)
    finally:
        service.stop()


def emulator_paths():
    """The real paths of the emulators the daemon would find ($PATH and
    /usr/libexec), each once."""
    found = {}
    for d in os.environ.get("PATH", "").split(":") + ["/usr/libexec"]:
        if not d.startswith("/") or not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            full = os.path.realpath(os.path.join(d, name))
            if re.fullmatch(r"qemu-system-[A-Za-z0-9_-]+", name) and os.access(full, os.X_OK):
                found.setdefault(full, name)
    return found


def greeting_floor(paths, parallel):
    """Each emulator started (tcg) to its QMP greeting and told to quit,
    @parallel at once: the floor for start to ready (seconds)."""
    import concurrent.futures

    def start(path, accel):
        p = subprocess.Popen([path, "-S", "-no-user-config", "-nodefaults", "-nographic",
                              "-machine", "none", "-accel", accel, "-qmp", "stdio"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        greeted = bool(p.stdout.readline())
        try:
            p.stdin.write('{"execute": "qmp_capabilities"}\n{"execute": "quit"}\n')
            p.stdin.flush()
        except BrokenPipeError:
            pass
        p.wait()
        return greeted

    def one(path):
        # an emulator without TCG (qemu-system-x86_64-microvm) is started
        # under KVM, as the daemon does
        if not start(path, "tcg") and KVM_USABLE:
            start(path, "kvm")

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, paths))
    return time.monotonic() - t0


# What the daemon asks every probe process (probes/dc-probe.c), and the
# second round it asks from the CPU definitions (probes/dc-cpu.c).
CONVERSATION = ["query-version", "query-target", "query-machines", "qom-list-types",
                "query-qmp-schema", "query-tpm-models", "query-tpm-types", "query-kvm",
                "query-accelerators",
                "query-gic-capabilities", "query-sgx-capabilities",
                "query-sev-capabilities", "query-cpu-definitions",
                "query-command-line-options",
                ("qom-list-properties", {"typename": "generic-pc-machine"}),
                ("query-cpu-model-expansion",
                 {"type": "full", "model": {"name": "host", "props": {"hv-passthrough": True}}})]
KVM_HINTS = {"x86_64": ("x86_64", "i386"), "aarch64": ("aarch64", "arm")}


def converse(path, accel):
    """QEMU asked the daemon's questions by a bare client: both rounds,
    pipelined. False if it did not start (no such accelerator)."""
    import socket
    ours, theirs = socket.socketpair()
    p = subprocess.Popen([path, "-S", "-no-user-config", "-nodefaults", "-nographic",
                          "-machine", "none", "-accel", accel,
                          "-chardev", f"socket,id=qmp,fd={theirs.fileno()}",
                          "-qmp", "chardev:qmp"],
                         pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    theirs.close()
    qmp = ours.makefile("rw")

    def ask(commands):
        lines = ['{"execute": "qmp_capabilities"}'] if commands is CONVERSATION else []
        for c in commands:
            name, args = c if isinstance(c, tuple) else (c, None)
            lines.append(json.dumps({"execute": name, **({"arguments": args} if args else {})}))
        qmp.write("\n".join(lines) + "\n")
        qmp.flush()
        replies = []   # unparsed: a client's own JSON parsing is no floor
        while len(replies) < len(lines):
            line = qmp.readline()
            if not line:
                raise BrokenPipeError
            if not line.startswith('{"event"'):
                replies.append(line)
        return replies

    try:
        if not qmp.readline():
            return False
        defs = json.loads(ask(CONVERSATION)[1 + CONVERSATION.index("query-cpu-definitions")])
        defs = defs.get("return", [])
        x86 = any(d.get("typename", "").endswith("-x86_64-cpu") or
                  d.get("typename", "").endswith("-i386-cpu") for d in defs)
        host = "host" if accel == "kvm" else "max"
        follow = [("qom-list-properties", {"typename": d["typename"]})
                  for d in defs if d["name"] in ("host", "max") and "typename" in d]
        if x86:
            follow += [("query-cpu-model-expansion",
                        {"type": "static", "model": {"name": d["name"], **(
                            {"props": {"migratable": False}} if d["name"] == host else {})}})
                       for d in defs if d["name"] == host or d.get("alias-of")]
        if follow:
            ask(follow)
        qmp.write('{"execute": "quit"}\n')
        qmp.flush()
    except (OSError, ValueError):
        pass
    p.wait()
    qmp.close()
    ours.close()
    return True


def conversation_floor(paths, parallel):
    """Each emulator asked the daemon's questions (tcg, and kvm where the
    daemon would try it) by a bare client, @parallel at once: QEMU's own
    share of start to ready (seconds)."""
    import concurrent.futures
    hints = KVM_HINTS.get(os.uname().machine, (os.uname().machine,))

    def one(path):
        name = os.path.basename(path)
        if KVM_USABLE and any(name.startswith(f"qemu-system-{h}") for h in hints):
            with concurrent.futures.ThreadPoolExecutor(2) as both:
                list(both.map(lambda a: converse(path, a), ["tcg", "kvm"]))
        else:
            converse(path, "tcg")

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, paths))
    return time.monotonic() - t0


def run_client(build, address, dest, path, iface, calls=2000, clients=16, seconds=5,
               question="x86_64/pc"):
    out = subprocess.run([os.path.join(build, "tests", "bench-client"), address, dest, path,
                          iface, str(calls), str(clients), str(seconds), question],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


class Libvirt:
    """libvirtd and libvirt-dbus, started and restarted the same way."""

    def __init__(self, build, runs):
        self.build, self.runs = build, runs
        subprocess.run([REFERENCE, "start"], check=True, capture_output=True)

    def restart(self, clear_cache):
        """Stops every libvirtd (SIGKILL after 10 s), then starts one."""
        subprocess.run(["pkill", "-x", "libvirtd"], capture_output=True)
        for i in range(400):
            if subprocess.run(["pgrep", "-x", "libvirtd"], capture_output=True).returncode:
                break
            if i == 200:
                subprocess.run(["pkill", "-9", "-x", "libvirtd"], capture_output=True)
            time.sleep(0.05)
        if clear_cache:
            shutil.rmtree(LIBVIRT_CACHE, ignore_errors=True)
        t0 = time.monotonic()
        subprocess.run(["libvirtd", "-d"], check=True)
        return t0

    def virsh(self, *args):
        return subprocess.run(VIRSH + list(args), capture_output=True, text=True)

    def wait_until(self, *args):
        while self.virsh(*args).returncode != 0:
            time.sleep(0.005)

    def timed(self, *args):
        t0 = time.monotonic()
        self.virsh(*args)
        return time.monotonic() - t0

    def cold_x86(self):
        args = ("domcapabilities", "--emulatorbin", "/usr/bin/qemu-system-x86_64")
        times = []
        for _ in range(self.runs):
            self.restart(clear_cache=True)
            self.wait_until("uri")  # needs no capabilities, so probes nothing
            cold = self.timed(*args)
            times.append(cold - self.timed(*args))
        return median(times)

    def oneshot(self):
        """KubeVirt's way: a fresh daemon with an empty cache (virtqemud -d;
        libvirtd -d where libvirt has no modular daemons, as Debian 12's
        9.0), then virsh domcapabilities; from the daemon's exec to the
        answer. Returns (seconds, daemon name)."""
        daemon = shutil.which("virtqemud") or "libvirtd"
        uri = ["virsh", "-c", "qemu:///system?socket=/run/libvirt/virtqemud-sock"] \
            if daemon.endswith("virtqemud") else VIRSH
        times = []
        for _ in range(self.runs):
            subprocess.run(["pkill", "-x", "virtqemud"], capture_output=True)
            t0 = self.restart(clear_cache=True) if daemon == "libvirtd" else None
            if t0 is None:
                shutil.rmtree(LIBVIRT_CACHE, ignore_errors=True)
                t0 = time.monotonic()
                subprocess.run([daemon, "-d"], check=True)
            while subprocess.run(uri + ["domcapabilities", *KUBEVIRT_QUERY],
                                 capture_output=True).returncode != 0:
                time.sleep(0.005)
            times.append(time.monotonic() - t0)
        subprocess.run(["pkill", "-x", "virtqemud"], capture_output=True)
        return median(times), os.path.basename(daemon)

    def start_all(self):
        times = []
        for _ in range(self.runs):
            t0 = self.restart(clear_cache=True)
            self.wait_until("capabilities")
            times.append(time.monotonic() - t0)
        return median(times)

    def restart_warm(self):
        times = []
        for _ in range(self.runs):
            t0 = self.restart(clear_cache=False)
            self.wait_until("domcapabilities", "--arch", "x86_64", "--machine", "pc")
            times.append(time.monotonic() - t0)
        return median(times)

    def capabilities_warm(self):
        """virsh capabilities on a running, warm libvirtd (ms): the whole
        command, virsh's own start included, as a user runs it."""
        self.virsh("capabilities")
        return 1000 * median([self.timed("capabilities") for _ in range(max(self.runs, 5))])

    def rss(self):
        """libvirtd's RSS once it has answered for the host."""
        self.virsh("domcapabilities")
        pid = int(subprocess.run(["pgrep", "-x", "libvirtd"], capture_output=True,
                                 text=True).stdout.split()[0])
        return rss_mb(pid)

    def latency_and_rss(self):
        tmp = tempfile.mkdtemp(prefix="domcapsd-bench-lv-")
        socket = os.path.join(tmp, "bus")
        conf = os.path.join(tmp, "bus.conf")
        with open(conf, "w") as f:
            f.write(PERMISSIVE_BUS.format(socket=socket))
        bus = subprocess.Popen(["dbus-daemon", "--config-file", conf, "--nofork"],
                               stderr=subprocess.DEVNULL)
        while not os.path.exists(socket):
            time.sleep(0.01)
        address = f"unix:path={socket}"
        lvdbus = subprocess.Popen(["libvirt-dbus", "--system"],
                                  env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address),
                                  stderr=subprocess.DEVNULL)
        try:
            client = None
            for _ in range(200):
                try:
                    client = run_client(self.build, address, "org.libvirt", "/org/libvirt/QEMU",
                                        "org.libvirt.Connect")
                    break
                except subprocess.CalledProcessError:
                    time.sleep(0.05)
            self.virsh("capabilities")
            pid = int(subprocess.run(["pgrep", "-x", "libvirtd"], capture_output=True,
                                     text=True).stdout.split()[0])
            return client, rss_mb(pid)
        finally:
            lvdbus.terminate()
            lvdbus.wait()
            bus.terminate()
            bus.wait()
            shutil.rmtree(tmp, ignore_errors=True)


def row(label, ours, theirs, target, unit):
    fmt = (lambda v: "n/a" if v is None else f"{v:.3f}" if unit == "ms" else f"{v:.2f}")
    print(f"  {label:<46} {fmt(ours):>10} {fmt(theirs):>10} {unit:<4} target {target}")


def linked_emulators(directory, count):
    """@count emulator paths in @directory: hard links to the installed
    binaries (a second name for the same file would be one emulator to the
    daemon, which goes by real path), cycling through them."""
    installed = list(emulator_paths().items())
    for i in range(count):
        real, name = installed[i % len(installed)]
        round_ = i // len(installed)
        target = os.path.join(directory, name if round_ == 0 else f"{name}-b{round_}")
        if os.path.exists(target):   # two binaries of one name (/usr/libexec)
            target += f"-x{i}"
        os.link(real, target)


def du_kb(path):
    return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path)) // 1024


def scale_only(ours, opts):
    """Start to ready, cache on disk and RSS for N emulators (cold)."""
    print(f"scale: cold start with N emulators, medians of {opts.runs}")
    print(f"  {'N':>5} {'start to ready':>15} {'per emulator':>13} {'cache':>9} {'RSS':>9}")
    try:
        for n in opts.emulators:
            d = tempfile.mkdtemp(dir="/var/tmp", prefix="domcapsd-bench-scale-")
            try:
                linked_emulators(d, n)
            except OSError as e:
                print(f"  {n:>5} skipped: cannot link the emulators here ({e})")
                shutil.rmtree(d, ignore_errors=True)
                continue
            times, rss, cache = [], [], 0
            for _ in range(opts.runs):
                cache_dir = ours.fresh_cache()
                daemon, elapsed = ours.start(cache_dir, "--emulator-dir", d)
                rss.append(rss_mb(daemon.proc.pid))
                daemon.stop()
                times.append(elapsed)
                cache = du_kb(cache_dir)
            shutil.rmtree(d, ignore_errors=True)
            t = median(times)
            print(f"  {n:>5} {t:>13.2f} s {1000 * t / n:>10.0f} ms {cache:>6} KB"
                  f" {median(rss):>6.1f} MB")
    finally:
        ours.close()


def libvirt_available(opts):
    return not opts.no_libvirt and os.geteuid() == 0 and os.path.exists(REFERENCE)


def oneshot_only(ours, opts):
    try:
        mine = ours.oneshot()
    finally:
        ours.close()
    theirs, name = (None, "libvirt")
    if libvirt_available(opts):
        theirs, name = Libvirt(os.path.abspath(opts.build), opts.runs).oneshot()
    print(f"(g) one-shot domcapabilities {' '.join(KUBEVIRT_QUERY)}, cold, medians of"
          f" {opts.runs}: domcapsctl --direct {mine:.3f} s;"
          f" {name} -d + virsh {'n/a' if theirs is None else f'{theirs:.3f} s'}")


NEWEST_ROOT_TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools",
                                "newest-root")
NEWEST_QUESTION = "--arch x86_64 --virttype qemu"


def hostcaps_rows(ours_k, lv):
    read_ms, first_ms, size, p50, floor = ours_k
    row("(k) host part of host capabilities read (first use)", read_ms, None,
        "a few ms", "ms")
    row("    first GetCapabilities (reads, names the CPU, renders)", first_ms, None,
        "", "ms")
    row(f"    GetCapabilities p50 ({size} B), warm", p50, lv.get("caps_warm"),
        f"<= 1.2x floor: {p50 / floor:.2f}x", "ms")
    row("    same-size floor p50", floor, None, "", "ms")
    row("    virsh capabilities, cold start to answer (s)", None, lv.get("all"), "", "s")


def bus_rows(before, after):
    row("(m) same-size floor p50 (60,000 B), fresh connection", before, None, "", "ms")
    row("    ... after one 2 MB reply on that connection", after, None,
        f"the bus alone: {after / before:.2f}x", "ms")


def validate_rows(l):
    validate_p50, answer_p50, cold, cold_answer = l
    row("(l) ValidateDomain p50, virt-install q35 domain, warm", validate_p50, None,
        f"<= 1.5x GetDomainCapabilities: {validate_p50 / answer_p50:.2f}x", "ms")
    row("    GetDomainCapabilities p50, x86_64 q35, warm", answer_p50, None, "", "ms")
    row("    ValidateDomain, exec to answer, empty cache", cold, None,
        f"<= the probe it needs: {cold / cold_answer:.2f}x", "s")
    row("    GetDomainCapabilities the same way (that probe)", cold_answer, None, "", "s")


def history_rows(i):
    sizes, fresh, after = i
    for name, _ in Ours.SIZES:
        row(f"(i) p50, {name} answer ({sizes[name]} B), fresh", fresh[name][0], None,
            f"<= 1.2x floor: {fresh[name][1]:.2f}x", "ms")
        row("    ... after GetAll, ListEmulators, explain", after[name][0], None,
            f"<= 1.2x floor: {after[name][1]:.2f}x", "ms")
    row("    ListEmulators p50, fresh / after", fresh["list"][0], None,
        f"after: {after['list'][0]:.3f} ms", "ms")


def warm_only(ours, measure, rows):
    """One bench row alone: a warm cache first, then @measure, printed by @rows."""
    try:
        ours.warm_cache = ours.fresh_cache()
        ours.start(ours.warm_cache)[0].stop()
        figures = measure()
    finally:
        ours.close()
    print(f"  {'':<46} {'domcapsd':>10} {'libvirt':>10}")
    rows(figures)


def hostcaps_only(ours, opts):
    try:
        k = ours.host_capabilities()
    finally:
        ours.close()
    lv = {}
    if libvirt_available(opts):
        libvirt = Libvirt(os.path.abspath(opts.build), opts.runs)
        lv = dict(caps_warm=libvirt.capabilities_warm(), all=libvirt.start_all())
    print(f"  {'':<46} {'domcapsd':>10} {'libvirt':>10}")
    hostcaps_rows(k, lv)


def newest_only(opts):
    """(j) in the trixie root of the newest suite (built by it, with
    domcapsd built inside): from nothing to the first answer, libvirt 12.9
    (its capability cache emptied, libvirtd started, virsh asks) against
    domcapsd's one-shot mode (no cache), both on QEMU 11.1."""
    r = subprocess.run([NEWEST_ROOT_TOOL], capture_output=True, text=True)
    root = r.stdout.strip()
    ctl = "/var/tmp/domcapsd-build/tools/domcapsctl"
    if r.returncode != 0 or not os.path.exists(root + ctl):
        print("(j) skipped: run the newest suite first (it builds the root and domcapsd in it)")
        return 0
    libvirt = ("rm -rf /var/cache/libvirt/qemu; mkdir -p /run/libvirt; s=$(date +%s.%N); "
               "libvirtd -d; until virsh -c qemu:///system domcapabilities "
               f"{NEWEST_QUESTION} >/dev/null 2>&1; do sleep 0.05; done; "
               "e=$(date +%s.%N); pkill -x libvirtd; while pgrep -x libvirtd >/dev/null; do sleep 0.1; done; python3 -c \"print($e - $s)\"")
    ours = ("rm -rf /var/tmp/bench-cache; s=$(date +%s.%N); "
            f"{ctl} --direct --cache-dir /var/tmp/bench-cache domcapabilities "
            f"{NEWEST_QUESTION} >/dev/null; e=$(date +%s.%N); python3 -c \"print($e - $s)\"")
    script = ('R=$1; shift; mount -t proc proc "$R/proc" && mount --rbind /sys "$R/sys" && '
              'mount --rbind /dev "$R/dev" && mount -t tmpfs tmpfs "$R/run" && '
              'mount -t tmpfs tmpfs "$R/tmp" && exec chroot "$R" bash -c "$1"')

    def timed(command):
        out = subprocess.run(["unshare", "-m", "--propagation", "private", "bash", "-c",
                              script, "bench", root, command],
                             capture_output=True, text=True, timeout=1800).stdout
        return float(out.split()[-1])
    theirs = median([timed(libvirt) for _ in range(opts.runs)])
    mine = median([timed(ours) for _ in range(opts.runs)])
    print(f"(j) QEMU 11.1, from nothing to the first answer ({NEWEST_QUESTION}), "
          f"medians of {opts.runs}:")
    print(f"  {'':<46} {'domcapsd':>10} {'libvirt':>10}")
    row("    one-shot vs libvirtd started, cache empty", mine, theirs,
        f"{theirs / mine:.0f}x faster", "s")
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-libvirt", action="store_true")
    parser.add_argument("--cold-only", action="store_true",
                        help="only (a), e.g. to compare two builds of the daemon")
    parser.add_argument("--oneshot-only", action="store_true",
                        help="only (g), the one-shot mode against libvirt's")
    parser.add_argument("--emulators", type=int, nargs="+", metavar="N",
                        help="only the scale table: N emulator paths (e.g. 27 108)")
    parser.add_argument("--bus-only", action="store_true",
                        help="only (m), the bus daemon before and after one large reply")
    parser.add_argument("--validate-only", action="store_true",
                        help="only (l), ValidateDomain against GetDomainCapabilities")
    parser.add_argument("--history-only", action="store_true",
                        help="only (i), latency fresh and after a history, against the floor")
    parser.add_argument("--hostcaps-only", action="store_true",
                        help="only (k), host capabilities against libvirt's")
    parser.add_argument("--newest-only", action="store_true",
                        help="only (j), libvirt 12.9 and domcapsd on QEMU 11.1 in the "
                             "newest suite's root")
    opts = parser.parse_args()
    if opts.newest_only:
        return newest_only(opts)
    ours = Ours(os.path.abspath(opts.build), opts.runs)
    if opts.hostcaps_only:
        return hostcaps_only(ours, opts)
    if opts.validate_only:
        return warm_only(ours, ours.validate, validate_rows)
    if opts.history_only:
        return warm_only(ours, ours.latency_after_history, history_rows)
    if opts.bus_only:
        try:
            before, after = bus_after_large_reply(ours.build, ours.bus.address, runs=opts.runs)
        finally:
            ours.close()
        print(f"  {'':<46} {'floor':>10}")
        return bus_rows(before, after)
    if opts.oneshot_only:
        return oneshot_only(ours, opts)
    if opts.emulators:
        return scale_only(ours, opts)
    if opts.cold_only:
        try:
            probe_s, cold_total = ours.cold_x86()
        finally:
            ours.close()
        print(f"(a) cold probe of qemu-system-x86_64, median of {opts.runs}:"
              f" {probe_s:.3f} s (start to ready {cold_total:.3f} s)")
        return
    try:
        probe_s, cold_total = ours.cold_x86()
        all_s, cold_rss = ours.start_all()
        warm_s = ours.restart_warm()
        client, floor, prop, (rss_before, rss_all, rss), same_size, size = \
            ours.latency_and_rss()
        start_floor = median([greeting_floor(list(emulator_paths()), os.cpu_count())
                              for _ in range(opts.runs)])
        asked_floor = median([conversation_floor(list(emulator_paths()), os.cpu_count())
                              for _ in range(opts.runs)])
        replace_s = ours.replace_to_signal()
        oneshot_s = ours.oneshot()
        first_all, first_own = ours.first_answer_cold()
        sizes, fresh, after = ours.latency_after_history()
        hostcaps = ours.host_capabilities()
        validation = ours.validate()
        bus = bus_after_large_reply(ours.build, ours.bus.address, runs=opts.runs)
    finally:
        ours.close()
    lv = {}
    if libvirt_available(opts):
        libvirt = Libvirt(os.path.abspath(opts.build), opts.runs)
        lv = dict(cold=libvirt.cold_x86(), all=libvirt.start_all(),
                  warm=libvirt.restart_warm())
        if shutil.which("libvirt-dbus"):   # D-Bus latency: libvirt-dbus's
            lv["client"], lv["rss"] = libvirt.latency_and_rss()
        else:
            lv["rss"] = libvirt.rss()
        lv["oneshot"], _ = libvirt.oneshot()
        lv["caps_warm"] = libvirt.capabilities_warm()
    lc = lv.get("client") or {}
    print(f"domcapsd vs libvirt 9.0, medians of {opts.runs} runs"
          f" ({os.cpu_count()} CPUs, /dev/kvm {'usable' if os.access('/dev/kvm', os.W_OK) else 'absent'})")
    print(f"  {'':<46} {'domcapsd':>10} {'libvirt':>10}")
    row("(a) cold probe of qemu-system-x86_64", probe_s, lv.get("cold"), "<= 0.5 s", "s")
    row("    ... daemon start until it is probed, that emulator only", cold_total, None, "", "s")
    row("(b) start until every qemu-system-* is probed", all_s, lv.get("all"), "", "s")
    row("    floor: each started to its greeting and quit", start_floor, None,
        f"ours <= 3x: {all_s / start_floor:.1f}x", "s")
    row("    QEMU asked our questions by a bare client", asked_floor, None,
        f"ours: {all_s / asked_floor:.2f}x", "s")
    row("    ... daemon RSS after that cold start", cold_rss, None, "<= 12 MB", "MB")
    row("(c) restart with warm cache to first answer", 1000 * warm_s,
        1000 * lv["warm"] if "warm" in lv else None, "<= 20 ms", "ms")
    row("(d) GetDomainCapabilities p50", client["p50_ms"], lc.get("p50_ms"), "", "ms")
    row("    GetDomainCapabilities p99", client["p99_ms"], lc.get("p99_ms"), "", "ms")
    row("    throughput, 16 clients", client["per_second"], lc.get("per_second"), "", "/s")
    row(f"    same-size floor ({size} B constant) p50", same_size["p50_ms"], None,
        f"ours <= 1.2x: {client['p50_ms'] / same_size['p50_ms']:.2f}x", "ms")
    row("    same-size floor p99", same_size["p99_ms"], None, "", "ms")
    row("    bus GetId round trip p50 (one hop)", floor["p50_ms"], None, "", "ms")
    row("    Properties.Get(Version) p50 (two hops)", prop["p50_ms"], None, "", "ms")
    row("(e) daemon RSS, everything cached", rss_before, lv.get("rss"), "<= 12 MB", "MB")
    row("    ... after one answer of every emulator", rss_all, None, "", "MB")
    row("    ... after 10,000 more queries from 16 clients", rss, None, "no growth", "MB")
    row("(f) binary replaced to CapabilitiesChanged", replace_s, None, "<= 1.5 s", "s")
    row("(h) first answer, cold, host arch default, every emulator", first_all, None,
        f"<= 1.2x: {first_all / first_own:.2f}x", "s")
    row("    ... the same with only the host's emulator installed", first_own, None, "", "s")
    history_rows((sizes, fresh, after))
    row("(g) one-shot q35 answer, cold, no daemon before", oneshot_s, lv.get("oneshot"),
        "", "s")
    hostcaps_rows(hostcaps, lv)
    validate_rows(validation)
    bus_rows(*bus)


if __name__ == "__main__":
    sys.exit(main())
