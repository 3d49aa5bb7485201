#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ValidateDomain: every check of docs/validate.md asserted by a domain
that trips it, and domains that trip none, against Debian's real QEMU.

The daemon runs on a private bus with a host root of its own (no
/dev/kvm, no VFIO) and an empty firmware directory, so that no
expectation depends on this machine's CPU or on whether it has KVM.

usage: validate.py BUILDDIR
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from testlib import Daemon, DaemonTestCase, GLib, Gio, PrivateBus

BUILD = os.path.abspath(sys.argv[1])
CTL = os.path.join(BUILD, "tools", "domcapsctl")
REAL = ["x86_64", "aarch64", "s390x"]


def domain(devices="", os_extra="", features="", top="", dtype="qemu", arch="x86_64",
           machine="q35", os_attrs=""):
    """A domain as virt-install writes one, with what a case adds."""
    return f"""<domain type='{dtype}'>
  <name>case</name>
  <memory unit='KiB'>2097152</memory>
  <vcpu placement='static'>2</vcpu>
  {top}
  <os{os_attrs}>
    <type arch='{arch}' machine='{machine}'>hvm</type>
    {os_extra}
    <boot dev='hd'/>
  </os>
  <features>{features}</features>
  <clock offset='utc'/>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/case.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='user'><model type='virtio'/></interface>
    <console type='pty'/>
    {devices}
  </devices>
</domain>
"""


class ValidateTest(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="domcapsd-validate-")
        root = os.path.join(cls.tmp, "host")
        os.makedirs(os.path.join(root, "proc", "sys", "kernel"))
        with open(os.path.join(root, "proc", "sys", "kernel", "arch"), "w") as f:
            f.write("x86_64\n")
        # virtiofsd, as its package announces itself to libvirt
        os.makedirs(os.path.join(root, "usr", "share", "qemu", "vhost-user"))
        with open(os.path.join(root, "usr/share/qemu/vhost-user/50-virtiofsd.json"), "w") as f:
            f.write('{"description": "virtiofsd", "type": "fs", '
                    '"binary": "/usr/libexec/virtiofsd"}\n')
        emulators = os.path.join(cls.tmp, "emulators")
        os.makedirs(emulators)
        for arch in REAL:
            os.symlink(f"/usr/bin/qemu-system-{arch}",
                       os.path.join(emulators, f"qemu-system-{arch}"))
        firmware = os.path.join(cls.tmp, "firmware")
        os.makedirs(firmware)
        cls.bus = PrivateBus()
        cls.daemon = Daemon(BUILD, cls.bus.address, "--emulator-dir", emulators,
                            "--firmware-dir", firmware, "--host-root", root,
                            "--cache-dir", os.path.join(cls.tmp, "cache"))
        assert cls.bus.wait_for_name(), "the daemon did not take its name"

    def problems(self, xml):
        rows = self.bus.call("ValidateDomain", (xml, 0), "(su)", 120000)[0]
        return [dict(zip(("where", "severity", "code", "capability", "message", "fix"), r))
                for r in rows]

    def assertProblem(self, xml, code, where, capability=None):
        """@xml has exactly one problem: @code at @where."""
        found = self.problems(xml)
        self.assertEqual([(p["code"], p["where"]) for p in found], [(code, where)], found)
        p = found[0]
        self.assertEqual(p["severity"], "error")
        self.assertTrue(p["message"] and p["fix"], p)
        if capability is not None:
            self.assertEqual(p["capability"], capability)
        return p

    def assertRefused(self, xml, where, capability):
        """Exactly one problem at @where, resting on @capability; its code
        is the explain code of the same answer where it gives one."""
        found = self.problems(xml)
        self.assertEqual([(p["where"], p["capability"]) for p in found],
                         [(where, capability)], found)
        return found[0]

    # -- nothing stands in the way --

    def test_clean_domains(self):
        for xml in (domain(),
                    domain(machine="pc"),
                    domain(arch="aarch64", machine="virt",
                           top="<cpu mode='custom'><model>cortex-a57</model></cpu>"),
                    domain(arch="s390x", machine="s390-ccw-virtio"),
                    domain(devices="<filesystem type='mount'><driver type='virtiofs'/>"
                                   "<source dir='/srv'/><target dir='srv'/></filesystem>",
                           top="<memoryBacking><source type='memfd'/>"
                               "<access mode='shared'/></memoryBacking>")):
            self.assertEqual(self.problems(xml), [], xml)

    # -- the domain's own question --

    def test_domain_type_kvm_without_kvm(self):
        self.assertProblem(domain(dtype="kvm"), "domain-type-unavailable", "/domain/@type")

    def test_domain_type_unknown(self):
        self.assertProblem(domain(dtype="xen"), "domain-type-unknown", "/domain/@type")

    def test_machine_not_offered(self):
        self.assertProblem(domain(machine="pc-q35-99.9"), "machine-not-offered",
                           "/domain/os/type/@machine")

    def test_arch_not_emulated(self):
        self.assertProblem(domain(arch="sparc64", machine="sun4u"), "arch-not-emulated",
                           "/domain/os/type/@arch")

    def test_emulator_unknown(self):
        self.assertProblem(domain(devices="<emulator>/bin/true</emulator>"),
                           "emulator-unknown", "/domain/devices/emulator")

    # -- the checks --

    def test_too_many_vcpus(self):
        xml = domain().replace("<vcpu placement='static'>2</vcpu>", "<vcpu>100000</vcpu>")
        self.assertProblem(xml, "too-many-vcpus", "/domain/vcpu", "vcpu/@max")

    def test_cpu_model_with_blockers(self):
        """Under TCG QEMU starts the guest without what it lacks: a warning
        (under KVM libvirt refuses it unless check='none': an error)."""
        found = self.problems(domain(top="<cpu mode='custom'><model>Skylake-Server</model>"
                                         "</cpu>"))
        self.assertEqual([(p["code"], p["where"], p["severity"]) for p in found],
                         [("cpu-blockers", "/domain/cpu/model", "warning")], found)
        self.assertEqual(found[0]["capability"], "cpu/mode[custom]/model[Skylake-Server]")
        self.assertIn("avx512f", found[0]["message"])

    def test_required_feature_the_accelerator_lacks(self):
        """host-model under TCG switches off what TCG lacks (fxsr_opt among
        them for QEMU 7.2's EPYC): requiring it is a warning under TCG."""
        found = self.problems(domain(top="<cpu mode='custom'><model>qemu64</model>"
                                         "<feature policy='require' name='fxsr_opt'/></cpu>"))
        self.assertEqual([(p["code"], p["where"], p["severity"]) for p in found],
                         [("cpu-feature-missing", "/domain/cpu/feature/@name", "warning")],
                         found)

    def test_sgx_not_supported(self):
        self.assertRefused(domain(devices="<memory model='sgx-epc'><source><nodemask>0"
                                          "</nodemask></source><target><size unit='KiB'>"
                                          "16384</size><node>0</node></target></memory>"),
                           "/domain/devices/memory", "features/sgx")

    def test_cpu_model_unknown(self):
        self.assertProblem(domain(top="<cpu mode='custom'><model>NoSuchCPU</model></cpu>"),
                           "unknown-cpu-model", "/domain/cpu/model")

    def test_cpu_mode_needs_kvm(self):
        self.assertProblem(domain(top="<cpu mode='host-passthrough'/>"), "needs-kvm",
                           "/domain/cpu/@mode", "cpu/mode[host-passthrough]")

    def test_virtiofs_without_shared_memory(self):
        p = self.assertProblem(
            domain(devices="<filesystem type='mount'><driver type='virtiofs'/>"
                           "<source dir='/srv'/><target dir='srv'/></filesystem>"),
            "virtiofs-needs-shared-memory", "/domain/devices/filesystem")
        self.assertIn("<access mode='shared'/>", p["fix"])

    def test_firmware_without_descriptor(self):
        p = self.assertRefused(domain(os_attrs=" firmware='efi'"), "/domain/os/@firmware",
                               "os/enum[firmware]")
        self.assertEqual(p["code"], "no-firmware")

    def test_firmware_feature_without_descriptor(self):
        found = self.problems(domain(os_extra="<firmware><feature enabled='yes' "
                                              "name='secure-boot'/></firmware>"))
        self.assertIn(("no-firmware", "/domain/os/firmware/feature/@enabled"),
                      [(p["code"], p["where"]) for p in found])

    def test_values_no_host_lists_are_left_to_libvirt(self):
        """A value the answer's vocabulary does not hold (an mdev hostdev, a
        character device of any backend) is outside what the answer tells:
        no problem of ours."""
        self.assertEqual(self.problems(domain(devices=(
            "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source>"
            "<address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>"
            "<channel type='pipe'><source path='/tmp/p'/><target type='virtio' "
            "name='x'/></channel>"))), [])

    def test_disk_bus_not_offered(self):
        xml = domain().replace("bus='virtio'", "bus='ide'")
        p = self.assertProblem(xml, "board-lacks", "/domain/devices/disk/target/@bus",
                               "devices/disk/enum[bus]")
        self.assertIn("virtio", p["fix"])

    def test_ide_controller_on_q35(self):
        self.assertProblem(domain(devices="<controller type='ide'/>"), "board-lacks",
                           "/domain/devices/controller/@type", "devices/disk/enum[bus]")

    def test_tpm_crb_on_arm(self):
        self.assertRefused(domain(arch="aarch64", machine="virt",
                                  devices="<tpm model='tpm-crb'><backend type='emulator' "
                                          "version='2.0'/></tpm>"),
                           "/domain/devices/tpm/@model", "devices/tpm/enum[model]")

    def test_tpm_1_2_needs_tis(self):
        found = self.problems(domain(devices="<tpm model='tpm-crb'><backend type='emulator' "
                                             "version='1.2'/></tpm>"))
        self.assertIn(("tpm-1.2-needs-tis", "/domain/devices/tpm/@model"),
                      [(p["code"], p["where"]) for p in found], found)

    def test_tpm_1_2_needs_x86(self):
        found = self.problems(domain(arch="aarch64", machine="virt",
                                     devices="<tpm><backend type='emulator' "
                                             "version='1.2'/></tpm>"))
        self.assertIn(("tpm-1.2-needs-x86", "/domain/devices/tpm"),
                      [(p["code"], p["where"]) for p in found], found)

    def test_parallel_port_without_the_device(self):
        """s390x's QEMU has no isa-parallel: a type the answer has no element for."""
        p = self.assertProblem(domain(arch="s390x", machine="s390-ccw-virtio",
                                      devices="<parallel type='pty'/>"),
                               "qemu-lacks-type", "/domain/devices/parallel", "")
        self.assertIn("isa-parallel", p["message"])

    def test_scsi_lun_on_virtio_blk(self):
        self.assertProblem(domain(devices="<disk type='block' device='lun'>"
                                          "<source dev='/dev/sdz'/>"
                                          "<target dev='vdb' bus='virtio'/></disk>"),
                           "virtio-blk-lacks-scsi", "/domain/devices/disk[2]/@device",
                           "devices/disk/enum[bus]")

    def test_gic_on_x86(self):
        self.assertRefused(domain(features="<gic version='2'/>"), "/domain/features/gic",
                           "features/gic")

    def test_sev_not_supported(self):
        self.assertRefused(domain(top="<launchSecurity type='sev'><policy>0x0003</policy>"
                                      "</launchSecurity>"),
                           "/domain/launchSecurity", "features/sev")

    def test_s390_pv_not_supported(self):
        self.assertRefused(domain(arch="s390x", machine="s390-ccw-virtio",
                                  top="<launchSecurity type='s390-pv'/>"),
                           "/domain/launchSecurity", "features/s390-pv")

    def test_hyperv_without_kvm(self):
        self.assertRefused(domain(features="<hyperv mode='custom'><relaxed state='on'/>"
                                           "</hyperv>"),
                           "/domain/features/hyperv", "features/hyperv")

    def test_graphics_type_not_offered(self):
        self.assertRefused(domain(devices="<graphics type='rdp'/>"),
                           "/domain/devices/graphics/@type", "devices/graphics/enum[type]")

    def test_every_problem_at_once(self):
        xml = domain(devices="<graphics type='rdp'/>",
                     top="<cpu mode='custom'><model>NoSuchCPU</model></cpu>"
                     ).replace("bus='virtio'", "bus='ide'")
        codes = {p["where"] for p in self.problems(xml)}
        self.assertEqual(codes, {"/domain/devices/graphics/@type", "/domain/cpu/model",
                                 "/domain/devices/disk/target/@bus"})

    # -- the client --

    def ctl(self, *args, stdin=None):
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.bus.address)
        return subprocess.run([CTL, "--session", "validate", *args], env=env, input=stdin,
                              capture_output=True, text=True, timeout=120)

    def test_ctl_validate(self):
        clean = self.ctl("-", stdin=domain())
        self.assertEqual(clean.returncode, 0, clean.stderr)
        bad = self.ctl("--json", "-", stdin=domain(dtype="kvm"))
        self.assertEqual(bad.returncode, 1, bad.stderr)
        self.assertIn('"code" : "domain-type-unavailable"', bad.stdout)
        refused = self.ctl("-", stdin="<domain><oops></domain>")
        self.assertEqual(refused.returncode, 1)
        self.assertIn("InvalidArgument", refused.stderr)
        self.assertIn("line 1", refused.stderr)

    def test_invalid_argument(self):
        for xml, flags, says in (("<domain>", 0, "not well-formed"),
                                 ("<notadomain/>", 0, "not <domain>"),
                                 (domain(), 1, "flags")):
            with self.assertRaises(GLib.Error) as cm:
                self.bus.call("ValidateDomain", (xml, flags), "(su)")
            self.assertEqual(Gio.DBusError.get_remote_error(cm.exception),
                             "org.domcapsd.Error.InvalidArgument")
            self.assertIn(says, cm.exception.message)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1] + sys.argv[2:], verbosity=2)
