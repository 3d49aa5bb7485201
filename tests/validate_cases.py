# SPDX-License-Identifier: LGPL-2.1-or-later
"""The virt-install cases that ValidateDomain's verdicts are compared on
with libvirt's, live: libvirt 9.0 on this host (validate-live.py) and
libvirt 12.9 in the trixie root (newest-inroot.py). Plain data, no
imports, so that it runs inside the root too."""

BASE = ["--memory", "256", "--vcpus", "1", "--osinfo", "debian11", "--disk", "none",
        "--network", "none", "--import", "--noautoconsole", "--virt-type", "qemu"]

CASES = [
    ("plain", []),
    ("uefi", ["--boot", "uefi"]),
    ("uefi-secure-boot", ["--boot", "uefi,firmware.feature0.name=secure-boot,"
                                    "firmware.feature0.enabled=yes"]),
    ("tpm-2.0", ["--tpm", "emulator,model=tpm-crb,version=2.0"]),
    ("tpm-1.2-tis", ["--tpm", "emulator,model=tpm-tis,version=1.2"]),
    ("named-cpu", ["--cpu", "Skylake-Server"]),
    ("host-passthrough-under-tcg", ["--cpu", "host-passthrough"]),
    ("spice-and-friends", ["--graphics", "spice", "--channel", "spicevmc",
                           "--redirdev", "usb,type=spicevmc", "--video", "qxl"]),
    ("devices", ["--rng", "/dev/urandom", "--panic", "default", "--watchdog", "i6300esb",
                 "--serial", "pty", "--console", "pty"]),
    ("ide-on-q35", ["--disk", "none", "--controller", "ide"]),
    ("virtiofs", ["--memorybacking", "source.type=memfd,access.mode=shared",
                  "--filesystem", "/srv,srv,driver.type=virtiofs"]),
    ("kvm", None),   # the plain domain with type kvm: virt-install makes none without KVM
    ("sev", ["--boot", "uefi", "--launchSecurity", "sev"]),
    ("aarch64-virt", ["--arch", "aarch64", "--machine", "virt", "--boot", "uefi"]),
]


def kvm_variant(xml):
    """The kvm case: the plain domain with type kvm (virt-install makes
    none without KVM)."""
    return xml.replace('<domain type="qemu">', '<domain type="kvm">', 1)
