/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-render-devices.c: <devices>, one element per device kind. */
#include "config.h"

#include "dc-render-private.h"

#include "dc-arch.h"

static const Rule disk_buses_rules[] = {
  { "scsi", RULE_TYPE, "scsi-hd" },
  { "virtio", RULE_PREFIX, "virtio-blk-" },
  { "usb", RULE_TYPE, "usb-storage" },
  { "sata", RULE_TYPE, "ich9-ahci" },
  { "nvme", RULE_TYPE, "nvme" },
};
static const RuleTable disk_buses =
  RULE_TABLE ("devices/disk", "bus", disk_buses_rules);

static const Rule graphics_before_rdp_rules[] = {
  { "sdl", RULE_DISPLAY, "sdl" },
  { "vnc", RULE_COMMAND, "query-vnc" },
};
static const RuleTable graphics_before_rdp =
  RULE_TABLE ("devices/graphics", "type", graphics_before_rdp_rules);

static const Rule graphics_after_rdp_rules[] = {
  { "spice", RULE_OPTION, "spice" },
  { "egl-headless", RULE_DISPLAY, "egl-headless" },
  { "dbus", RULE_DISPLAY, "dbus" },
};
static const RuleTable graphics_after_rdp =
  RULE_TABLE ("devices/graphics", "type", graphics_after_rdp_rules);

static const Rule video_models_rules[] = {
  { "vga", RULE_TYPE, "VGA" },
  { "cirrus", RULE_TYPE, "cirrus-vga" },
  { "vmvga", RULE_TYPE, "vmware-svga" },
  { "qxl", RULE_TYPE, "qxl-vga" },
  { "virtio", RULE_PREFIX, "virtio-gpu" },
  { "none", RULE_ALWAYS, NULL },
  { "bochs", RULE_TYPE, "bochs-display" },
  { "ramfb", RULE_TYPE, "ramfb" },
};
static const RuleTable video_models =
  RULE_TABLE ("devices/video", "modelType", video_models_rules);

static const Rule hostdev_subsys_rules[] = {
  { "usb", RULE_TYPE, "usb-host" },
  { "pci", RULE_TYPE, "vfio-pci" },
  { "scsi", RULE_TYPE, "scsi-generic" },
};
static const RuleTable hostdev_subsys =
  RULE_TABLE ("devices/hostdev", "subsysType", hostdev_subsys_rules);

static const Rule rng_backends_rules[] = {
  { "random", RULE_TYPE, "rng-random" },
  { "egd", RULE_TYPE, "rng-egd" },
  { "builtin", RULE_TYPE, "rng-builtin" },
};
static const RuleTable rng_backends =
  RULE_TABLE ("devices/rng", "backendModel", rng_backends_rules);

static const Rule filesystem_drivers_rules[] = {
  { "path", RULE_PREFIX, "virtio-9p-" },
  { "virtiofs", RULE_PREFIX, "vhost-user-fs-" },
};
static const RuleTable filesystem_drivers =
  RULE_TABLE ("devices/filesystem", "driverType", filesystem_drivers_rules);

static const Rule tpm_models_rules[] = {
  { "tpm-crb", RULE_TYPE, "tpm-crb" },
  { "tpm-spapr", RULE_TYPE, "tpm-spapr" },
  { "spapr-tpm-proxy", RULE_TYPE, "spapr-tpm-proxy" },
};
static const RuleTable tpm_models =
  RULE_TABLE ("devices/tpm", "model", tpm_models_rules);

static const Rule tpm_backends_rules[] = {
  { "passthrough", RULE_TPM_TYPE, "passthrough" },
  { "emulator", RULE_TPM_TYPE, "emulator" },
  { "external", RULE_TPM_TYPE, "emulator" },
};
static const RuleTable tpm_backends =
  RULE_TABLE ("devices/tpm", "backendModel", tpm_backends_rules);

static const Rule redirdev_buses_rules[] = { { "usb", RULE_TYPE, "usb-redir" } };
static const RuleTable redirdev_buses =
  RULE_TABLE ("devices/redirdev", "bus", redirdev_buses_rules);

static const Rule channel_types_rules[] = {
  { "pty", RULE_CHARDEV, "pty" },
  { "unix", RULE_CHARDEV, "socket" },
};
static const RuleTable channel_types =
  RULE_TABLE ("devices/channel", "type", channel_types_rules);

/* The chardev backend behind each console type (spiceport and spicevmc
 * need SPICE too: render_console). */
static const Rule console_types_rules[] = {
  { "null", RULE_CHARDEV, "null" },
  { "vc", RULE_CHARDEV, "vc" },
  { "pty", RULE_CHARDEV, "pty" },
  { "dev", RULE_CHARDEV, "serial" },
  { "file", RULE_CHARDEV, "file" },
  { "pipe", RULE_CHARDEV, "pipe" },
  { "stdio", RULE_CHARDEV, "stdio" },
  { "udp", RULE_CHARDEV, "udp" },
  { "tcp", RULE_CHARDEV, "socket" },
  { "unix", RULE_CHARDEV, "socket" },
};
static const RuleTable console_types =
  RULE_TABLE ("devices/console", "type", console_types_rules);

static const Rule console_late_rules[] = {
  { "qemu-vdagent", RULE_CHARDEV, "qemu-vdagent" },
  { "dbus", RULE_CHARDEV, "dbus" },
};
static const RuleTable console_late =
  RULE_TABLE ("devices/console", "type", console_late_rules);

static const Rule crypto_models_rules[] = { { "virtio", RULE_PREFIX, "virtio-crypto-" } };
static const RuleTable crypto_models =
  RULE_TABLE ("devices/crypto", "model", crypto_models_rules);

static const Rule crypto_backends_rules[] = {
  { "builtin", RULE_TYPE, "cryptodev-backend-builtin" },
  { "lkcf", RULE_TYPE, "cryptodev-backend-lkcf" },
};
static const RuleTable crypto_backends =
  RULE_TABLE ("devices/crypto", "backendModel", crypto_backends_rules);

static const Rule interface_backends_rules[] = {
  { "default", RULE_ALWAYS, NULL },
  { "passt", RULE_NETDEV, "stream" },
};
static const RuleTable interface_backends =
  RULE_TABLE ("devices/interface", "backendType", interface_backends_rules);

const RuleTable *const rd_devices_tables[] = {
  &disk_buses,
  &graphics_before_rdp,
  &graphics_after_rdp,
  &video_models,
  &hostdev_subsys,
  &rng_backends,
  &filesystem_drivers,
  &tpm_models,
  &tpm_backends,
  &redirdev_buses,
  &channel_types,
  &crypto_models,
  &crypto_backends,
  &interface_backends,
  &console_types,
  &console_late,
  NULL
};

static void
add_virtio_models (DcCapsNode *device, const Ctx *ctx, const char *family)
{
  g_autofree char *any = g_strdup_printf ("%s-", family);
  g_autofree char *trans = g_strdup_printf ("%s-pci-transitional", family);
  g_autofree char *non = g_strdup_printf ("%s-pci-non-transitional", family);
  const Rule models[] = {
    { "virtio", RULE_PREFIX, any },
    { "virtio-transitional", RULE_TYPE, trans },
    { "virtio-non-transitional", RULE_TYPE, non },
  };

  rd_add_rules (ctx, dc_caps_node_add_enum (device, "model"), models,
                G_N_ELEMENTS (models));
}

/* A floppy needs isa-fdc and an ISA bus to plug it into. */
static void
add_fdc_value (const Ctx *ctx, DcCapsNode *e, const char *value)
{
  static const Rule fdc = { NULL, RULE_TYPE, "isa-fdc" };

  if (rd_has_fdc (ctx))
    dc_caps_enum_add (e, value);
  else if (!rd_rule_holds (ctx, &fdc))
    rd_explain_rule (ctx, e, value, DC_REASON_ABSENT, &fdc);
  else
    rd_explain_absent (ctx, e, value, "board-lacks", "machine:no-isa-bus",
                       "this machine type has no ISA bus for a floppy controller");
}

static void
render_disk (DcCapsNode *devices, const Ctx *ctx)
{
  static const Rule lun = { "lun", RULE_TYPE, "scsi-block" };
  DcCapsNode *disk = dc_caps_node_add_supported (devices, "disk", TRUE);
  DcCapsNode *dev = dc_caps_node_add_enum (disk, "diskDevice");
  DcCapsNode *bus;

  dc_caps_enum_add (dev, "disk");
  rd_add_value_or (ctx, dev, rd_has_type (ctx, "scsi-cd") || rd_has_type (ctx, "ide-cd"),
                   "cdrom", "qemu-lacks-type", "qom-type:scsi-cd,ide-cd",
                   "this QEMU has neither a SCSI nor an IDE CD-ROM device");
  add_fdc_value (ctx, dev, "floppy");
  rd_add_rules (ctx, dev, &lun, 1);
  bus = dc_caps_node_add_enum (disk, "bus");
  rd_add_value_or (ctx, bus, rd_machine_has_builtin_ide (ctx), "ide", "board-lacks",
                   "machine:no-builtin-ide",
                   "this machine type has no built-in IDE controller");
  add_fdc_value (ctx, bus, "fdc");
  rd_add_table (ctx, disk, &disk_buses);
  add_virtio_models (disk, ctx, "virtio-blk");
  rd_finish_device (ctx, disk, bus);
}

static void
render_graphics (DcCapsNode *devices, const Ctx *ctx)
{
  static const Rule dbus = { "rdp", RULE_DISPLAY, "dbus" };
  DcCapsNode *graphics = dc_caps_node_add_supported (devices, "graphics", TRUE);
  DcCapsNode *e = rd_add_table (ctx, graphics, &graphics_before_rdp);

  /* RDP is served by libvirt's qemu-rdp helper through QEMU's D-Bus
   * display (libvirt 11) */
  if (!rd_rule_holds (ctx, &dbus))
    rd_explain_rule (ctx, e, "rdp", DC_REASON_ABSENT, &dbus);
  else
    rd_add_value_or (ctx, e, ctx->host->qemu_rdp, "rdp", "host-lacks-qemu-rdp",
                     "host:qemu-rdp", "libvirt's qemu-rdp helper is not installed");
  rd_add_table (ctx, graphics, &graphics_after_rdp);
  rd_finish_device (ctx, graphics, e);
}

static void
render_video (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *video = dc_caps_node_add_supported (devices, "video", TRUE);

  rd_add_table (ctx, video, &video_models);
}

static void
add_vfio_value (const Ctx *ctx, DcCapsNode *e, gboolean vfio, const char *value)
{
  static const Rule type = { NULL, RULE_TYPE, "vfio-pci" };

  if (vfio)
    dc_caps_enum_add (e, value);
  else if (!rd_rule_holds (ctx, &type))
    rd_explain_rule (ctx, e, value, DC_REASON_ABSENT, &type);
  else
    rd_explain_absent (ctx, e, value, "host-lacks-vfio", "host:/dev/vfio/vfio",
                       "this host offers no VFIO (no /dev/vfio/vfio or no IOMMU "
                       "groups: load vfio-pci and enable the IOMMU)");
}

static void
render_hostdev (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *hostdev = dc_caps_node_add_supported (devices, "hostdev", TRUE);
  DcCapsNode *e;
  gboolean vfio = ctx->host->vfio && rd_has_type (ctx, "vfio-pci");

  dc_caps_enum_add (dc_caps_node_add_enum (hostdev, "mode"), "subsystem");
  e = dc_caps_node_add_enum (hostdev, "startupPolicy");
  dc_caps_enum_add (e, "default");
  dc_caps_enum_add (e, "mandatory");
  dc_caps_enum_add (e, "requisite");
  dc_caps_enum_add (e, "optional");
  rd_add_table (ctx, hostdev, &hostdev_subsys);
  /* capsType (storage, misc, net) is for containers, never for QEMU. */
  dc_caps_node_add_enum (hostdev, "capsType");
  e = dc_caps_node_add_enum (hostdev, "pciBackend");
  add_vfio_value (ctx, e, vfio, "default");
  add_vfio_value (ctx, e, vfio, "vfio");
  /* <hostdev><driver iommufd='yes'/> (libvirt 11.x): VFIO through the
   * kernel's iommufd (/dev/iommu) and QEMU's iommufd object */
  e = dc_caps_node_add_enum (hostdev, "iommufd");
  if (!vfio)
    add_vfio_value (ctx, e, vfio, "yes");
  else
    rd_add_value_or (ctx, e, ctx->host->iommufd && rd_has_type (ctx, "iommufd"), "yes",
                     "host-lacks-iommufd", "host:/dev/iommu,qom-type:iommufd",
                     "this host has no /dev/iommu, or QEMU no iommufd object");
  dc_caps_enum_add (e, "no");
}

static void
render_rng (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *rng = dc_caps_node_add_supported (devices, "rng", TRUE);

  add_virtio_models (rng, ctx, "virtio-rng");
  rd_add_table (ctx, rng, &rng_backends);
  rd_finish_device (ctx, rng, dc_caps_node_find (rng, "enum"));
}

static void
render_filesystem (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *fs = dc_caps_node_add_supported (devices, "filesystem", TRUE);
  DcCapsNode *e = rd_add_table (ctx, fs, &filesystem_drivers);

  rd_finish_device (ctx, fs, e);
}

/* The TPM versions swtpm can set up, through QEMU's emulator backend. */
static void
add_tpm_version (const Ctx *ctx, DcCapsNode *e, const Rule *emulator,
                 gboolean ok, const char *version)
{
  gboolean backend = rd_rule_holds (ctx, emulator);

  if (backend && ok)
    dc_caps_enum_add (e, version);
  else if (!backend)
    rd_explain_rule (ctx, e, version, DC_REASON_ABSENT, emulator);
  else if (!ctx->host->swtpm)
    rd_explain_absent (ctx, e, version, "host-lacks-swtpm", "host:swtpm_setup",
                       "swtpm not found (swtpm_setup --print-capabilities did not "
                       "answer; install swtpm-tools)");
  else
    rd_explain (ctx, e, version, DC_REASON_ABSENT, "swtpm-lacks-version",
                "host:swtpm_setup", "this host's swtpm cannot set up a TPM %s", version);
}

static void
render_tpm_versions (const Ctx *ctx, DcCapsNode *e, const Rule *emulator)
{
  add_tpm_version (ctx, e, emulator, ctx->host->swtpm_tpm12, "1.2");
  add_tpm_version (ctx, e, emulator, ctx->host->swtpm_tpm20, "2.0");
}

static void
render_tpm (DcCapsNode *devices, const Ctx *ctx)
{
  /* An external swtpm is driven through QEMU's emulator backend. */
  DcCapsNode *tpm = dc_caps_node_add_supported (devices, "tpm", TRUE);
  DcCapsNode *model = dc_caps_node_add_enum (tpm, "model");

  rd_add_value_or (ctx, model, rd_has_type (ctx, "tpm-tis") || rd_has_type (ctx, "tpm-tis-device"),
                   "tpm-tis", "qemu-lacks-type", "qom-type:tpm-tis,tpm-tis-device",
                   "this QEMU has no TIS TPM device (tpm-tis, tpm-tis-device)");
  rd_add_table (ctx, tpm, &tpm_models);
  rd_add_table (ctx, tpm, &tpm_backends);
  render_tpm_versions (ctx, dc_caps_node_add_enum (tpm, "backendVersion"),
                       &tpm_backends_rules[1]);
  rd_finish_device (ctx, tpm, model);
}

static void
render_redirdev (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *redir = dc_caps_node_add_supported (devices, "redirdev", TRUE);
  DcCapsNode *e = rd_add_table (ctx, redir, &redirdev_buses);

  rd_finish_device (ctx, redir, e);
}

static void
render_channel (DcCapsNode *devices, const Ctx *ctx)
{
  static const Rule spice = { "spicevmc", RULE_OPTION, "spice" };
  static const Rule spicevmc = { "spicevmc", RULE_CHARDEV, "spicevmc" };
  DcCapsNode *channel = dc_caps_node_add_supported (devices, "channel", TRUE);
  DcCapsNode *e = rd_add_table (ctx, channel, &channel_types);

  if (!rd_rule_holds (ctx, &spice))
    rd_explain_rule (ctx, e, "spicevmc", DC_REASON_ABSENT, &spice);
  else
    rd_add_rules (ctx, e, &spicevmc, 1);
  rd_finish_device (ctx, channel, e);
}

/* <console> (libvirt 11.x): the character device types a console can
 * have, each a chardev backend of this QEMU. */
static void
render_console (DcCapsNode *devices, const Ctx *ctx)
{
  static const Rule spice[] = {
    { "spiceport", RULE_OPTION, "spice" }, { "spicevmc", RULE_OPTION, "spice" },
  };
  static const Rule spice_chardevs[] = {
    { "spiceport", RULE_CHARDEV, "spiceport" }, { "spicevmc", RULE_CHARDEV, "spicevmc" },
  };
  DcCapsNode *console = dc_caps_node_add_supported (devices, "console", TRUE);
  DcCapsNode *e = rd_add_table (ctx, console, &console_types);

  for (gsize i = 0; i < G_N_ELEMENTS (spice); i++)
    if (!rd_rule_holds (ctx, &spice[i]))
      rd_explain_rule (ctx, e, spice[i].value, DC_REASON_ABSENT, &spice[i]);
    else
      rd_add_rules (ctx, e, &spice_chardevs[i], 1);
  rd_add_table (ctx, console, &console_late);
  rd_finish_device (ctx, console, e);
}

/* <crypto> (libvirt 10.0): virtio-crypto with QEMU's cryptodev backends. */
static void
render_crypto (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *crypto = dc_caps_node_add_supported (devices, "crypto", TRUE);
  DcCapsNode *model = rd_add_table (ctx, crypto, &crypto_models);
  DcCapsNode *e = dc_caps_node_add_enum (crypto, "type");
  rd_add_value_or (ctx, e, !rd_enum_is_empty (model), "qemu", "qemu-lacks-type",
                   "qom-type:virtio-crypto-*", "QEMU's crypto device needs virtio-crypto");
  rd_add_table (ctx, crypto, &crypto_backends);
  rd_finish_device (ctx, crypto, model);
}

/* <interface> (libvirt 9.x): the backend of a user-mode NIC; passt
 * connects to QEMU's "stream" netdev (QEMU 7.2). */
static void
render_interface (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *interface = dc_caps_node_add_supported (devices, "interface", TRUE);

  rd_add_table (ctx, interface, &interface_backends);
}

/* <panic> (libvirt 11): the guest-panic notifiers the machine can have. */
static void
render_panic (DcCapsNode *devices, const Ctx *ctx)
{
  static const char *const pseries[] = { "pseries*", NULL };
  gboolean x86 = dc_arch_is_x86 (ctx->query->arch);
  DcCapsNode *panic = dc_caps_node_add_supported (devices, "panic", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (panic, "model");

  static const Rule isa = { "isa", RULE_TYPE, "pvpanic" };
  static const Rule pci = { "pvpanic", RULE_TYPE, "pvpanic-pci" };

  if (x86)
    rd_add_rules (ctx, e, &isa, 1);
  else
    rd_explain_absent (ctx, e, "isa", "other-arch", "arch", "an ISA panic device is x86's");
  rd_add_value_or (ctx, e, rd_machine_is (ctx, pseries), "pseries", "board-lacks",
                   "machine:not-pseries", "this is not a pseries machine");
  rd_add_value_or (ctx, e, x86, "hyperv", "other-arch", "arch",
                   "Hyper-V's crash notification is x86's");
  rd_add_value_or (ctx, e, g_str_equal (ctx->query->arch, "s390x"), "s390",
                   "other-arch", "arch", "the s390 panic notification is s390x's");
  rd_add_rules (ctx, e, &pci, 1);
  rd_finish_device (ctx, panic, e);
}

void
rd_render_devices (DcCapsNode *root, const Ctx *ctx)
{
  DcCapsNode *devices = dc_caps_node_add (root, "devices");

  render_disk (devices, ctx);
  render_graphics (devices, ctx);
  render_video (devices, ctx);
  render_hostdev (devices, ctx);
  render_rng (devices, ctx);
  render_filesystem (devices, ctx);
  render_tpm (devices, ctx);
  render_redirdev (devices, ctx);
  render_channel (devices, ctx);
  render_crypto (devices, ctx);
  render_interface (devices, ctx);
  render_panic (devices, ctx);
  render_console (devices, ctx);
}
