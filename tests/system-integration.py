#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""System integration: the files `meson install` ships, used as a
distribution would use them.

Builds and installs the project into a temporary prefix, then checks:
- `systemd-analyze verify` passes on the system and the user unit, and
  `systemd-analyze security --offline=true` rates the system unit at 1.5 or
  lower (the figure is printed);
- on a dbus-daemon configured like Debian's system bus plus the installed
  policy, an unprivileged caller (setpriv --reuid=nobody) may ask and read
  properties but gets AccessDenied for Refresh, which root may call;
- on a private session bus whose service directory is the installed one,
  the first GetDomainCapabilities starts the daemon and gets the answer;
- the tcg probe works under a deny-write-execute policy (PR_SET_MDWE, what
  MemoryDenyWriteExecute= asks for);
- the man pages render without warnings.

usage: system-integration.py SOURCEDIR      (exit 77: skipped)
"""
import ctypes
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import testlib

from testlib import NAME, PATH, IFACE

SOURCE = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "."
SYSTEM_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <include>{policy}</include>
</busconfig>
"""
SESSION_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{services}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def run(*args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=600, **kw)


def gdbus(bus_env, method, *args, user=None, system=True):
    cmd = ["gdbus", "call", "--system" if system else "--session", "--dest", NAME,
           "--object-path", PATH, "--method", method, *args]
    if user:
        cmd = ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups"] + cmd
    env = dict(os.environ, **bus_env)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)


def start_bus(conf_text, tmp, name):
    socket = os.path.join(tmp, f"{name}.socket")
    conf = os.path.join(tmp, f"{name}.conf")
    with open(conf, "w") as f:
        f.write(conf_text.format(socket=socket, **Installed.paths))
    # An activated daemon inherits this environment: its cache stays here.
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, f"{name}-cache"))
    proc = subprocess.Popen(["dbus-daemon", "--config-file", conf, "--nofork"],
                            stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 10
    while not os.path.exists(socket) and time.monotonic() < deadline:
        time.sleep(0.02)
    return proc, f"unix:path={socket}"


def has_owner(bus_env, system):
    r = subprocess.run(["gdbus", "call", "--system" if system else "--session",
                        "--dest", "org.freedesktop.DBus", "--object-path",
                        "/org/freedesktop/DBus", "--method",
                        "org.freedesktop.DBus.NameHasOwner", NAME],
                       capture_output=True, text=True, env=dict(os.environ, **bus_env))
    return "true" in r.stdout


def wait_for_name(bus_env, system):
    for _ in range(600):
        if has_owner(bus_env, system):
            return True
        time.sleep(0.05)
    return False


class Installed:
    paths = {}


def setUpModule():
    if os.geteuid() != 0:
        raise unittest.SkipTest("needs root (setpriv, system bus policy)")
    tmp = tempfile.mkdtemp(prefix="domcapsd-sys-")
    os.chmod(tmp, 0o755)  # nobody must reach the bus socket
    prefix = os.path.join(tmp, "prefix")
    build = os.path.join(tmp, "build")
    for cmd in (["meson", "setup", build, SOURCE, f"--prefix={prefix}"],
                ["meson", "install", "-C", build]):
        r = run(*cmd)
        assert r.returncode == 0, r.stdout + r.stderr
    emulators = os.path.join(tmp, "emulators")
    os.mkdir(emulators)
    os.symlink("/usr/bin/qemu-system-x86_64", os.path.join(emulators, "qemu-system-x86_64"))
    Installed.paths = dict(
        tmp=tmp, prefix=prefix, emulators=emulators,
        daemon=os.path.join(prefix, "libexec", "domcapsd"),
        unit=os.path.join(prefix, "lib", "systemd", "system", "domcapsd.service"),
        user_unit=os.path.join(prefix, "lib", "systemd", "user", "domcapsd.service"),
        policy=os.path.join(prefix, "share", "dbus-1", "system.d",
                            "org.domcapsd.DomainCapabilities1.conf"),
        services=os.path.join(prefix, "share", "dbus-1", "services"),
    )


def tearDownModule():
    shutil.rmtree(Installed.paths.get("tmp", "/nonexistent"), ignore_errors=True)


class UnitTest(unittest.TestCase):
    def test_units_verify(self):
        p = Installed.paths
        r = run("systemd-analyze", "verify", "--man=no", p["unit"])
        self.assertEqual(r.returncode, 0, r.stderr)
        runtime = os.path.join(p["tmp"], "xdg")
        os.makedirs(runtime, mode=0o700, exist_ok=True)
        r = run("systemd-analyze", "verify", "--man=no", "--user", p["user_unit"],
                env=dict(os.environ, XDG_RUNTIME_DIR=runtime))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_security_exposure(self):
        r = run("systemd-analyze", "security", "--offline=true", "--no-pager",
                Installed.paths["unit"])
        m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", r.stdout)
        self.assertIsNotNone(m, r.stdout + r.stderr)
        print(f"\n# systemd-analyze security: exposure {m.group(1)}", file=sys.stderr)
        self.assertLessEqual(float(m.group(1)), 1.5)


class SystemBusPolicyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        p = Installed.paths
        cls.bus, address = start_bus(SYSTEM_CONF, p["tmp"], "system")
        cls.env = {"DBUS_SYSTEM_BUS_ADDRESS": address}
        cls.daemon = subprocess.Popen(
            [p["daemon"], "--system", "--emulator-dir", p["emulators"],
             "--cache-dir", os.path.join(p["tmp"], "system-cache")],
            env=dict(os.environ, **cls.env), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        assert wait_for_name(cls.env, True), "daemon did not own its name"

    @classmethod
    def tearDownClass(cls):
        cls.daemon.terminate()
        cls.daemon.wait(timeout=30)
        cls.bus.terminate()
        cls.bus.wait()

    def test_anyone_may_ask(self):
        r = gdbus(self.env, f"{IFACE}.GetDomainCapabilities", "", "", "", "qemu", "uint32 0",
                  user="nobody")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("domainCapabilities", r.stdout)

    def test_anyone_may_read_properties(self):
        r = gdbus(self.env, "org.freedesktop.DBus.Properties.Get", IFACE, "Version",
                  user="nobody")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_only_root_may_refresh(self):
        r = gdbus(self.env, f"{IFACE}.Refresh", "", user="nobody")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("org.freedesktop.DBus.Error.AccessDenied", r.stderr)
        r = gdbus(self.env, f"{IFACE}.Refresh", "")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_connection_that_gave_the_name_up_still_answers_nobody(self):
        """After a large reply the name moves to a fresh connection of the
        daemon (docs/architecture.md); a client still calling the old unique
        name must pass the bus policy, which names the well-known name: the
        old connection stays queued for it."""
        def owner():
            r = subprocess.run(["gdbus", "call", "--system", "--dest", "org.freedesktop.DBus",
                                "--object-path", "/org/freedesktop/DBus", "--method",
                                "org.freedesktop.DBus.GetNameOwner", NAME],
                               capture_output=True, text=True, timeout=30,
                               env=dict(os.environ, **self.env))
            return r.stdout.strip().strip("(),'")
        first = owner()
        r = gdbus(self.env, f"{IFACE}.GetAllDomainCapabilities", "uint32 0", user="nobody")
        self.assertEqual(r.returncode, 0, r.stderr)
        deadline = time.monotonic() + 10
        while owner() == first and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertNotEqual(owner(), first, "the name did not move")
        env = dict(os.environ, **self.env)
        r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                            "gdbus", "call", "--system", "--dest", first, "--object-path", PATH,
                            "--method", f"{IFACE}.GetDomainCapabilities", "", "", "", "qemu",
                            "uint32 0"], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("domainCapabilities", r.stdout)

    def test_nobody_cannot_own_the_name(self):
        env = dict(os.environ, **self.env)
        r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                            "gdbus", "call", "--system", "--dest", "org.freedesktop.DBus",
                            "--object-path", "/org/freedesktop/DBus", "--method",
                            "org.freedesktop.DBus.RequestName", NAME, "4"],
                           capture_output=True, text=True, env=env, timeout=30)
        self.assertIn("AccessDenied", r.stderr)


class ActivationTest(unittest.TestCase):
    def test_first_call_starts_the_daemon(self):
        bus, address = start_bus(SESSION_CONF, Installed.paths["tmp"], "session")
        env = {"DBUS_SESSION_BUS_ADDRESS": address}
        try:
            self.assertFalse(has_owner(env, False), "nothing should own the name yet")
            # typed: gdbus cannot introspect a service that is not running yet
            r = gdbus(env, f"{IFACE}.GetDomainCapabilities", "", "x86_64", "q35", "qemu",
                      "uint32 0", system=False)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("pc-q35-", r.stdout)
            self.assertTrue(has_owner(env, False))
        finally:
            subprocess.run(["pkill", "-TERM", "-f", Installed.paths["daemon"] + " --session"])
            bus.terminate()
            bus.wait()


class DenyWriteExecuteTest(unittest.TestCase):
    def test_tcg_probe_under_mdwe(self):
        libc = ctypes.CDLL(None, use_errno=True)
        pid = os.fork()
        if pid == 0:  # child: refuse W+X like MemoryDenyWriteExecute=, then exec QEMU
            PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 1
            if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
                os._exit(77)
            r = subprocess.run(["qemu-system-x86_64", "-S", "-no-user-config", "-nodefaults",
                                "-nographic", "-machine", "none", "-accel", "tcg,split-wx=on",
                                "-qmp", "stdio"],
                               input='{"execute":"qmp_capabilities"}{"execute":"quit"}',
                               capture_output=True, text=True, timeout=30)
            os._exit(0 if r.returncode == 0 else 1)
        status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        if status == 77:
            self.skipTest("kernel without PR_SET_MDWE")
        self.assertEqual(status, 0)


class ManPageTest(unittest.TestCase):
    def test_man_pages_render(self):
        if not shutil.which("groff"):
            self.skipTest("groff is not installed")
        for page in ("domcapsd.8", "domcapsctl.1"):
            r = run("groff", "-man", "-Tutf8", "-ww", "-z", os.path.join(SOURCE, "docs", page))
            self.assertEqual((r.returncode, r.stderr), (0, ""), page)


if __name__ == "__main__":
    testlib.main("system-integration")
