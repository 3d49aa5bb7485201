#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Boot: the Debian package as installed under a real systemd.

Builds domcapsd_*.deb from this tree (dpkg-buildpackage, lintian), makes
a Debian 12 root file system with systemd, dbus and QEMU (debootstrap,
cached), boots it with `systemd-nspawn --boot` (systemd as PID 1, the
root kept pristine under a tmpfs overlay, a /dev/kvm node the container's
kvm group opens), installs the package with dpkg as a user would, and
checks what only a real systemd shows: D-Bus activation from a cold bus
by an unprivileged user, the status text, journal fields, the sandbox in
force, the bus policy, a warm restart without QEMU, inotify on cp + mv,
no QEMU left after stop or kill, the user unit on a user bus, and
recovery after `systemctl restart dbus`. Prints the figures.

Skips (exit 77) only where this machine cannot run nspawn, and says why.

usage: boot.py BUILDDIR SOURCEDIR
"""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

BUILD, SOURCE = (os.path.abspath(a) for a in sys.argv[1:3])
del sys.argv[1:3]
CACHE = os.environ.get("DOMCAPSD_TEST_CACHE", "/var/cache/domcapsd-tests")
# Debian 13 also builds the package inside its root (it has no other
# trixie), so its root carries the build dependencies too.
TRIXIE_BUILD = ["build-essential", "debhelper", "dpkg-dev", "gcc", "libc6-dev", "make", "meson", "pkgconf",
                "libglib2.0-dev", "libglib2.0-bin", "libjson-glib-dev", "libsystemd-dev",
                "systemd-dev", "libxml2-dev"]
WORK = os.path.join(BUILD, "boot")
PACKAGES = ["systemd", "systemd-sysv", "dbus", "dbus-user-session", "procps",
            "qemu-system-x86", "libglib2.0-0", "libjson-glib-1.0-0", "libxml2",
            "libsystemd0"]
NAME = "org.domcapsd.DomainCapabilities1"
OBJECT = "/org/domcapsd/DomainCapabilities1"
QUERY = ["GetDomainCapabilities", "ssssu", "", "x86_64", "q35", "qemu", "0"]
FIGURES = []


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(77)


def run(args, **kwargs):
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    return subprocess.run(args, **kwargs)


def debian_mirror():
    for path in glob.glob("/etc/apt/sources.list.d/*.sources"):
        with open(path) as f:
            for uri in re.findall(r"^URIs:\s*(\S+)", f.read(), re.M):
                if "security" not in uri:
                    return uri
    return "http://deb.debian.org/debian"


def make_root(suite):
    """The cached root file system of @suite (built once: a few minutes).
    Debian 13's runtime libraries have other names (the t64 transition):
    its root is made with mmdebstrap, whose apt resolves them."""
    root = os.path.join(CACHE, f"boot-root-{suite}-v1")
    if os.path.exists(os.path.join(root, ".complete")):
        return root
    os.makedirs(CACHE, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="boot-root-", dir=CACHE)
    if suite == "bookworm":
        r = run(["debootstrap", "--variant=minbase", "--include=" + ",".join(PACKAGES),
                 "bookworm", tmp, debian_mirror()])
    else:
        keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
        packages = [p for p in PACKAGES if not p.startswith("lib")] + TRIXIE_BUILD
        os.rmdir(tmp)
        r = run(["mmdebstrap", "--variant=apt", f"--keyring={keyring}",
                 "--include=" + ",".join(packages), suite, tmp,
                 f"deb [signed-by={keyring}] {debian_mirror()} {suite} main"])
    if r.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(f"making the {suite} root failed: {r.stdout[-2000:]}{r.stderr[-2000:]}")
    # no login prompts on the console the container has not
    run(["chroot", tmp, "systemctl", "mask", "console-getty.service"])
    open(os.path.join(tmp, ".complete"), "w").close()
    shutil.rmtree(root, ignore_errors=True)
    os.rename(tmp, root)
    return root


def source_files():
    r = run(["git", "-C", SOURCE, "ls-files", "-co", "--exclude-standard"])
    if r.returncode == 0:
        return [n for n in r.stdout.split() if os.path.lexists(os.path.join(SOURCE, n))]
    return [os.path.relpath(os.path.join(d, f), SOURCE)
            for d, dirs, files in os.walk(SOURCE)
            if not os.path.relpath(d, SOURCE).startswith(("build", ".git"))
            for f in files]


def copy_source(src):
    for name in source_files():
        os.makedirs(os.path.dirname(os.path.join(src, name)), exist_ok=True)
        shutil.copy2(os.path.join(SOURCE, name), os.path.join(src, name), follow_symlinks=False)


def in_chroot(root, command):
    """@command (sh) chrooted into @root, with /proc, in a private mount
    namespace: how Debian 13's package is built in its own root."""
    script = ('R=$1; shift; mount -t proc proc "$R/proc" && mount -t tmpfs tmpfs "$R/tmp" && '
              'exec chroot "$R" sh -c "$1"')
    return run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, "build",
                root, command], timeout=1800)


def build_package(suite, root):
    """(the .deb, lintian's output, the build tree) built from a copy of
    this tree: on this host for bookworm, in @root for trixie."""
    shutil.rmtree(WORK, ignore_errors=True)
    if suite == "bookworm":
        src = os.path.join(WORK, "src")
        copy_source(src)
        r = run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src)
        out = WORK
    else:
        out = os.path.join(root, "var", "tmp", "domcapsd-pkg")
        src = os.path.join(out, "src")
        shutil.rmtree(out, ignore_errors=True)
        copy_source(src)
        r = in_chroot(root, "cd /var/tmp/domcapsd-pkg/src && dpkg-buildpackage -us -uc -b")
    if r.returncode != 0:
        raise RuntimeError(f"dpkg-buildpackage ({suite}) failed:\n{r.stdout[-3000:]}"
                           f"{r.stderr[-3000:]}")
    os.makedirs(WORK, exist_ok=True)
    deb = glob.glob(os.path.join(out, "domcapsd_*.deb"))[0]
    if out != WORK:
        for name in glob.glob(os.path.join(out, "domcapsd_*")):
            shutil.copy2(name, WORK)
        deb = os.path.join(WORK, os.path.basename(deb))
    changes = glob.glob(os.path.join(WORK, "domcapsd_*.changes"))[0]
    lint = run(["lintian", changes])
    return deb, lint.stdout, src


def kvm_node(container_root):
    """A /dev/kvm for the container (group fixed once the package made
    the kvm group), or None on a host without KVM."""
    if not os.path.exists("/dev/kvm"):
        return None
    path = os.path.join(WORK, "kvm")
    if os.path.exists(path):
        os.unlink(path)
    os.mknod(path, 0o660 | 0o020000, os.makedev(10, 232))
    os.chmod(path, 0o660)      # mknod's mode went through the umask
    return path


class Container:
    """A booted root: systemd as PID 1 in namespaces of its own."""

    def __init__(self, root, debdir, kvm):
        args = ["systemd-nspawn", "-D", root, "--boot", "--register=no", "--keep-unit",
                "--console=pipe", "--volatile=overlay", "--machine=domcapsd-boot",
                f"--bind-ro={debdir}:/mnt/deb"]
        if kvm:
            args.append(f"--bind={kvm}:/dev/kvm")
        self.log = open(os.path.join(WORK, "nspawn.log"), "w")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.pid = self._find_init()

    def _find_init(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in os.listdir("/proc"):
                if entry.isdigit() and self._descends(int(entry)):
                    try:
                        with open(f"/proc/{entry}/cmdline", "rb") as f:
                            cmd = f.read().split(b"\0")[0]
                    except OSError:
                        continue
                    if cmd.endswith(b"/systemd") or cmd.endswith(b"/init"):
                        return int(entry)
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError("the container's systemd did not start; see " + self.log.name)

    def _descends(self, pid):
        while pid > 1:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    pid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                return False
            if pid == self.proc.pid:
                return True
        return False

    def sh(self, command, user=None, timeout=120):
        """Runs @command (sh) in the container, as @user if given."""
        args = ["nsenter", "-t", str(self.pid), "-a"]
        if user:
            args += ["runuser", "-u", user, "--"]
        return run(args + ["sh", "-c", command], timeout=timeout,
                   env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"})

    def wait_running(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.sh("systemctl is-system-running").stdout.strip()
            if state in ("running", "degraded"):
                return state
            time.sleep(0.2)
        raise RuntimeError("the container did not finish booting")

    def stop(self):
        """Powers the container off by the signal systemd takes for it (no
        bus needed: on Debian 13 a restarted dbus leaves logind, and so
        `systemctl poweroff`, hanging); else kills its init, which ends
        every process in it, and nspawn. Killing only nspawn left the
        container running."""
        try:
            os.kill(self.pid, signal.SIGRTMIN + 4)
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            for pid in (self.pid, self.proc.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            self.proc.wait()
        self.log.close()
        deadline = time.monotonic() + 10
        while os.path.exists(f"/proc/{self.pid}") and time.monotonic() < deadline:
            time.sleep(0.1)
        if os.path.exists(f"/proc/{self.pid}"):
            raise RuntimeError(f"the container's init {self.pid} outlived it")


def busctl(*args, bus="--system"):
    quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in args)
    return f"busctl {bus} --timeout=60 call {NAME} {OBJECT} {NAME} {quoted}"


def busctl_bus(method, *args):
    """A call to the bus itself (org.freedesktop.DBus), as root."""
    quoted = " ".join("'" + a + "'" for a in args)
    return (f"busctl --system call org.freedesktop.DBus /org/freedesktop/DBus "
            f"org.freedesktop.DBus {method} {quoted}")


class BootTest(unittest.TestCase):
    SUITE = "bookworm"

    @classmethod
    def setUpClass(cls):
        root = make_root(cls.SUITE)
        cls.deb, cls.lintian, cls.src = build_package(cls.SUITE, root)
        cls.box = Container(root, os.path.dirname(cls.deb), kvm_node(root))
        cls.box.wait_running()
        r = cls.box.sh(f"dpkg -i /mnt/deb/{os.path.basename(cls.deb)}")
        assert r.returncode == 0, r.stdout + r.stderr
        cls.install_output = r.stdout + r.stderr
        cls.active_after_install = cls.box.sh("systemctl is-active domcapsd").stdout.strip()
        cls.enabled_after_install = cls.box.sh("systemctl is-enabled domcapsd").stdout.strip()
        if os.path.exists(os.path.join(WORK, "kvm")):
            cls.box.sh("chgrp kvm /dev/kvm && systemctl restart domcapsd")
        cls.box.sh("useradd -m tester")

    @classmethod
    def tearDownClass(cls):
        cls.box.stop()

    def sh(self, command, user=None, ok=True, timeout=120):
        r = self.box.sh(command, user, timeout)
        if ok and r.returncode != 0:
            log = self.box.sh("journalctl -n 40 --no-pager -o short-precise").stdout
            self.fail(f"{command}:\n{r.stdout}{r.stderr}\njournal:\n{log}")
        return r

    def restart_allowed(self):
        """The tests start and stop the unit faster than systemd's start
        limit (5 in 10 s) allows; that limit is not what they test. (A
        unit never started yet, installed but not enabled, has nothing to
        reset, and says so.)"""
        self.sh("systemctl reset-failed domcapsd", ok=False)

    def main_pid(self):
        return int(self.sh("systemctl show -p MainPID --value domcapsd").stdout)

    def journal(self, *matches, since=None):
        cmd = "journalctl -u domcapsd -o json --no-pager " + " ".join(matches)
        if since:
            cmd += f" --since '@{since}'"
        return [json.loads(line) for line in self.sh(cmd).stdout.splitlines() if line]

    def figure(self, name, value):
        FIGURES.append((f"{self.SUITE}: {name}", value))

    # -- the package --

    def test_package_builds_lintian_clean_and_starts_on_first_use(self):
        """Installed neither enabled nor started: the first call starts it
        (docs/system-integration.md, "Started on first use")."""
        errors = [line for line in self.lintian.splitlines() if line.startswith("E:")]
        self.assertEqual(errors, [], self.lintian)
        self.assertNotIn("Could not execute systemctl", self.install_output)
        self.assertEqual(self.active_after_install, "inactive")
        self.assertEqual(self.enabled_after_install, "disabled")
        self.assertIn("domainCapabilities", self.sh(busctl(*QUERY), user="nobody").stdout)
        self.assertEqual(self.sh("systemctl is-active domcapsd").stdout.strip(), "active")
        for doc in ("README.md", "kubernetes.md", "reasons.md"):   # .gz when large
            self.sh(f"ls /usr/share/doc/domcapsd/{doc} /usr/share/doc/domcapsd/{doc}.gz "
                    "2>/dev/null | grep -q .")
        self.sh("test -s /usr/share/man/man8/domcapsd-probe.8.gz")

    def test_package_built_hardened(self):
        """dpkg-buildflags' hardening reaches every compile and link:
        lintian's "hardening-no-fortify-functions" (an I: tag) is then a
        false positive, the binaries calling nothing glibc can fortify with
        a size known at compile time (docs/system-integration.md)."""
        commands = glob.glob(os.path.join(self.src, "obj-*", "compile_commands.json"))
        self.assertEqual(len(commands), 1, "the package build left no compile_commands.json")
        with open(commands[0]) as f:
            compiles = [c["command"] for c in json.load(f)]
        for flag in ("-D_FORTIFY_SOURCE=", "-fstack-protector-strong", "-O2"):
            missing = [c for c in compiles if flag not in c]
            self.assertEqual(missing, [], f"{flag} missing from the package build")
        binaries = ["usr/libexec/domcapsd", "usr/libexec/domcapsd-probe", "usr/bin/domcapsctl"]
        unpacked = os.path.join(WORK, "unpacked")
        shutil.rmtree(unpacked, ignore_errors=True)
        run(["dpkg-deb", "-x", self.deb, unpacked], check=True)
        for binary in binaries:
            header = run(["readelf", "-h", "-d", os.path.join(unpacked, binary)]).stdout
            self.assertIn("DYN (Position-Independent Executable", header, binary)
            self.assertRegex(header, r"FLAGS.*BIND_NOW|FLAGS_1.*NOW", binary)

    # -- activation, status, journal --

    def wait_all_probed(self):
        """Until the daemon has probed every emulator (its cache is full)."""
        deadline = time.monotonic() + 60
        while not re.match(r"^Serving \d+ emulators", self.sh(
                "systemctl show -p StatusText --value domcapsd").stdout.strip()):
            self.assertLess(time.monotonic(), deadline, "the start-up probes did not end")
            time.sleep(0.2)

    def test_activation_from_a_cold_bus_by_an_unprivileged_user(self):
        # the package does not start the unit: fill the cache first, so that
        # "warm" is warm
        self.sh(busctl(*QUERY), user="nobody")
        self.wait_all_probed()
        for cache in ("warm", "empty"):
            self.sh("systemctl stop domcapsd")
            self.restart_allowed()
            if cache == "empty":
                self.sh("rm -rf /var/cache/domcapsd/*")
            began = time.monotonic()
            r = self.sh(busctl(*QUERY), user="nobody")
            self.figure(f"activation by nobody to first answer, {cache} cache (s)",
                        round(time.monotonic() - began, 2))
            self.assertIn("domainCapabilities", r.stdout)

    def test_status_text(self):
        """Probing progress while the start-up probes run (the name, and
        READY=1, come before them), then what is served."""
        self.sh(busctl(*QUERY), user="nobody")
        deadline = time.monotonic() + 60
        while True:
            text = self.sh("systemctl show -p StatusText --value domcapsd").stdout.strip()
            if re.match(r"^Serving \d+ emulators \(\d+ failed to probe\)$", text):
                break
            self.assertRegex(text, r"^Serving; Probing: \d+/\d+ emulators done$")
            self.assertLess(time.monotonic(), deadline, text)
            time.sleep(0.2)

    def test_journal_lines_with_fields(self):
        self.sh(busctl(*QUERY), user="nobody")
        lines = self.journal("DOMCAPSD_EMULATOR=/usr/bin/qemu-system-x86_64")
        outcomes = {line.get("DOMCAPSD_OUTCOME") for line in lines}
        self.assertTrue(outcomes & {"probed", "cached"}, lines[-3:])
        probed = [line for line in lines if line.get("DOMCAPSD_OUTCOME") == "probed"]
        self.assertTrue(probed and "DOMCAPSD_PROBE_MS" in probed[-1], lines[-3:])
        self.assertEqual(probed[-1]["PRIORITY"], "5")
        self.assertIn("tcg", probed[-1]["DOMCAPSD_ACCELERATORS"])
        if os.path.exists(os.path.join(WORK, "kvm")):
            self.assertIn("kvm", probed[-1]["DOMCAPSD_ACCELERATORS"], "KVM unusable in the unit")

    # -- sandbox and policy --

    def test_sandbox_in_force(self):
        self.sh(busctl(*QUERY), user="nobody")
        status = self.sh(f"cat /proc/{self.main_pid()}/status").stdout
        fields = dict(line.split(":", 1) for line in status.splitlines())
        self.assertEqual(fields["NoNewPrivs"].strip(), "1")
        self.assertEqual(fields["Seccomp"].strip(), "2")
        self.assertEqual(int(fields["CapEff"].strip(), 16), 0)
        uid = fields["Uid"].split()[0]
        self.assertEqual(self.sh(f"getent passwd {uid}").stdout.split(":")[0], "domcapsd")

    def test_dev_shm_is_private(self):
        self.sh(busctl(*QUERY), user="nobody")
        self.sh("touch /dev/shm/domcapsd-boot-marker")
        self.assertIn("domcapsd-boot-marker", self.sh("ls -A /proc/1/root/dev/shm").stdout.split())
        seen = self.sh(f"ls -A /proc/{self.main_pid()}/root/dev/shm").stdout.split()
        self.assertNotIn("domcapsd-boot-marker", seen, "the service shares /dev/shm")

    def test_bus_policy(self):
        r = self.sh(busctl("Refresh", "s", ""), user="nobody", ok=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Access denied", r.stderr)
        self.sh(busctl("Refresh", "s", "/usr/bin/qemu-system-x86_64"), user=None)

    # -- cache and watches --

    def test_warm_restart_spawns_no_qemu(self):
        self.sh(busctl(*QUERY), user="nobody")
        since = int(self.sh("date +%s").stdout)
        time.sleep(1)
        self.restart_allowed()
        began = time.monotonic()
        self.sh("systemctl restart domcapsd")
        self.sh(busctl(*QUERY), user="nobody")
        self.figure("restart to first answer, warm cache (s)", round(time.monotonic() - began, 2))
        lines = self.journal(since=since + 1)
        outcomes = [line.get("DOMCAPSD_OUTCOME") for line in lines if "DOMCAPSD_OUTCOME" in line]
        self.assertIn("cached", outcomes)
        self.assertNotIn("probed", outcomes, "a warm restart ran QEMU")

    def test_replacing_a_binary_signals(self):
        self.sh(busctl(*QUERY), user="nobody")
        monitor = subprocess.Popen(
            ["nsenter", "-t", str(self.box.pid), "-a", "dbus-monitor", "--system",
             f"type='signal',interface='{NAME}',member='CapabilitiesChanged'"],
            stdout=subprocess.PIPE, text=True)
        try:
            time.sleep(1)
            began = time.monotonic()
            self.sh("cp /usr/bin/qemu-system-x86_64 /usr/bin/.qemu.new && "
                    "mv /usr/bin/.qemu.new /usr/bin/qemu-system-x86_64")
            seen = None
            while time.monotonic() - began < 20:
                line = monitor.stdout.readline()
                if "qemu-system-x86_64" in line and "string" in line:
                    seen = time.monotonic() - began
                    break
            self.assertIsNotNone(seen, "no CapabilitiesChanged")
            self.figure("cp + mv to CapabilitiesChanged (s)", round(seen, 2))
        finally:
            monitor.kill()
            monitor.wait()

    def test_name_moves_after_a_large_reply_and_the_unit_stays(self):
        """After a 2 MB reply the name moves to a fresh connection of the
        same process (docs/architecture.md, "Latency after large replies"):
        systemd's Type=dbus unit sees its name stay owned and keeps running,
        and the system bus policy lets the new connection own it."""
        owner = busctl_bus("GetNameOwner", "s", NAME)
        self.sh(busctl(*QUERY), user="nobody")
        pid, before = self.main_pid(), self.sh(owner).stdout
        self.sh(busctl("GetAllDomainCapabilities", "u", "0") + " >/dev/null", user="nobody")
        deadline = time.monotonic() + 10
        while self.sh(owner).stdout == before and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertNotEqual(self.sh(owner).stdout, before, "the name did not move")
        time.sleep(3)   # the old connection retired
        self.assertIn("domainCapabilities", self.sh(busctl(*QUERY), user="nobody").stdout)
        self.assertEqual(self.sh("systemctl is-active domcapsd").stdout.strip(), "active")
        self.assertEqual(self.main_pid(), pid)

    def test_no_qemu_left_after_stop_or_kill(self):
        for how in ("systemctl kill -s KILL domcapsd", "systemctl stop domcapsd"):
            self.sh(busctl(*QUERY), user="nobody")
            self.box.sh(busctl("Refresh", "s", "") + " >/dev/null 2>&1 &", user=None)
            time.sleep(0.3)
            self.sh(how)
            time.sleep(1)
            self.restart_allowed()
            left = self.sh("pgrep -a qemu-system || true").stdout.strip()
            self.assertEqual(left, "", f"after {how}")

    # -- the user unit --

    def test_user_unit_on_a_user_bus(self):
        uid = self.sh("id -u tester").stdout.strip()
        self.sh("loginctl enable-linger tester")
        bus = f"unix:path=/run/user/{uid}/bus"
        deadline = time.monotonic() + 30
        while self.sh(f"test -S /run/user/{uid}/bus", ok=False).returncode != 0:
            self.assertLess(time.monotonic(), deadline, "no user bus")
            time.sleep(0.2)
        r = self.sh(f"XDG_RUNTIME_DIR=/run/user/{uid} DBUS_SESSION_BUS_ADDRESS={bus} "
                    + busctl(*QUERY, bus="--user"), user="tester")
        self.assertIn("domainCapabilities", r.stdout)
        log = self.sh(f"journalctl _UID={uid} --no-pager -o cat").stdout
        self.assertNotIn("network namespace setup failed", log)

    # -- the bus restarted --

    def test_zz_purge_removes_the_cache(self):
        """Last: purging the package removes its cache directory."""
        self.sh(busctl(*QUERY), user="nobody")
        self.sh("test -d /var/cache/domcapsd")
        self.sh("systemctl stop domcapsd")
        self.sh("dpkg --purge domcapsd")
        self.sh("test ! -e /var/cache/domcapsd")

    def test_zy_recovery_after_dbus_restart(self):
        """Late: on Debian 13 logind does not reconnect after the bus
        restarts (the user-bus test needs it)."""
        self.restart_allowed()
        self.sh(busctl(*QUERY), user="nobody")
        since = int(self.sh("date +%s").stdout)
        self.sh("systemctl restart dbus")
        deadline = time.monotonic() + 30
        while True:
            r = self.sh(busctl(*QUERY), user="nobody", ok=False)
            if r.returncode == 0:
                break
            self.assertLess(time.monotonic(), deadline, r.stderr)
            time.sleep(0.5)
        self.assertIn("domainCapabilities", r.stdout)
        messages = [line.get("MESSAGE", "") for line in self.journal(since=since)]
        self.assertTrue(any("Lost the connection to the bus" in m for m in messages), messages)
        self.assertEqual(self.sh("systemctl is-active domcapsd").stdout.strip(), "active")


class BootTrixieTest(BootTest):
    """The same on Debian 13 (systemd 257, units in /usr/lib/systemd/system,
    systemd.pc in systemd-dev), its package built in its own root."""
    SUITE = "trixie"


def tearDownModule():
    for name, value in FIGURES:
        print(f"# {name}: {value}", file=sys.stderr)


def main():
    if os.geteuid() != 0:
        skip("booting a container needs root")
    for tool in ("systemd-nspawn", "debootstrap", "mmdebstrap", "dpkg-buildpackage", "lintian",
                 "nsenter"):
        if shutil.which(tool) is None:
            skip(f"{tool} is not installed (tools/install-deps.sh test installs it)")
    probe = run(["unshare", "--pid", "--mount", "--fork", "true"])
    if probe.returncode != 0:
        skip(f"this machine cannot make namespaces for nspawn: {probe.stderr.strip()}")
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
