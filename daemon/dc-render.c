/* dc-render.c: the domain capabilities of one (emulator, arch, machine,
 * virttype), section by section, in libvirt's element order. */
#include "config.h"

#include "dc-render.h"

#include <string.h>

typedef struct {
  const DcEmulatorFacts *facts;
  const DcHostFacts *host;
  GPtrArray *firmware;
  const DcRenderQuery *query;
} Ctx;

static gboolean
has_type (const Ctx *ctx, const char *type)
{
  return dc_emulator_facts_has_type (ctx->facts, type);
}

static gboolean
has_prefix (const Ctx *ctx, const char *prefix)
{
  return dc_emulator_facts_has_type_prefix (ctx->facts, prefix);
}

static gboolean
has_command (const Ctx *ctx, const char *command)
{
  return dc_emulator_facts_has_command (ctx->facts, command);
}

static gboolean
machine_is (const Ctx *ctx, const char *const *patterns)
{
  const char *name = ctx->query->machine->name;

  for (guint i = 0; patterns[i] != NULL; i++)
    if (g_pattern_match_simple (patterns[i], name))
      return TRUE;
  return FALSE;
}

/* Boards whose IDE controller is built in, so a disk can say bus='ide'
 * without adding a controller. */
static gboolean
machine_has_builtin_ide (const Ctx *ctx)
{
  static const char *const boards[] = { "pc", "pc-i440fx-*", "pc-0.*",
                                        "pc-1.*", "malta", "sun4u",
                                        "g3beige", NULL };
  return has_type (ctx, "piix3-ide") || has_type (ctx, "piix4-ide") ||
                 has_type (ctx, "cmd646-ide") || has_type (ctx, "macio-ide")
             ? machine_is (ctx, boards)
             : FALSE;
}

/* Boards with no ISA bus, where isa-fdc cannot be plugged. */
static gboolean
machine_has_isa (const Ctx *ctx)
{
  static const char *const no_isa[] = { "pseries", "pseries-*", NULL };
  return !machine_is (ctx, no_isa);
}

static gboolean
has_fdc (const Ctx *ctx)
{
  return has_type (ctx, "isa-fdc") && machine_has_isa (ctx);
}

/* Boards with System Management Mode, which SMM-protected firmware needs. */
static gboolean
machine_has_smm (const Ctx *ctx)
{
  static const char *const boards[] = { "q35", "pc-q35-*", NULL };
  return machine_is (ctx, boards);
}

static gboolean
enum_is_empty (DcCapsNode *node)
{
  return node->children->len == 0;
}

/* <NAME supported='yes|no'> holding the enums; unsupported when the enum
 * that defines the device (@key) came out empty. */
static void
finish_device (DcCapsNode *device, DcCapsNode *key)
{
  if (enum_is_empty (key))
    dc_caps_node_set_unsupported (device);
}

static void
render_header (DcCapsNode *root, const Ctx *ctx)
{
  const DcRenderQuery *q = ctx->query;
  guint vcpus = q->machine->cpu_max;
  g_autofree char *max = NULL;

  dc_caps_node_add_text (root, "path", ctx->facts->path);
  dc_caps_node_add_text (root, "domain", q->virttype);
  dc_caps_node_add_text (root, "machine", q->machine->name);
  dc_caps_node_add_text (root, "arch", q->arch);
  if (g_str_equal (q->virttype, "kvm") && ctx->host->kvm_max_vcpus > 0)
    vcpus = MIN (vcpus, ctx->host->kvm_max_vcpus);
  max = g_strdup_printf ("%u", vcpus);
  dc_caps_node_set_attr (dc_caps_node_add (root, "vcpu"), "max", max);
  dc_caps_node_add_supported (root, "iothreads", has_type (ctx, "iothread"));
}

/* A descriptor this (arch, machine) can boot: it targets them, and the
 * machine offers what the firmware requires. */
static gboolean
firmware_usable (const Ctx *ctx, const DcFirmware *firmware)
{
  const DcRenderQuery *q = ctx->query;

  if (!dc_firmware_matches (firmware, q->arch, q->machine->name))
    return FALSE;
  return !dc_firmware_has_feature (firmware, "requires-smm") ||
         machine_has_smm (ctx);
}

static void
render_loader (DcCapsNode *os, const Ctx *ctx, gboolean secure)
{
  DcCapsNode *loader = dc_caps_node_add_supported (os, "loader", TRUE);
  DcCapsNode *e;

  for (guint i = 0; i < ctx->firmware->len; i++)
    {
      const DcFirmware *firmware = g_ptr_array_index (ctx->firmware, i);
      if (firmware->executable != NULL && firmware_usable (ctx, firmware))
        dc_caps_node_add_text (loader, "value", firmware->executable);
    }
  e = dc_caps_node_add_enum (loader, "type");
  dc_caps_enum_add (e, "rom");
  dc_caps_enum_add_if (e, has_prefix (ctx, "cfi.pflash"), "pflash");
  e = dc_caps_node_add_enum (loader, "readonly");
  dc_caps_enum_add (e, "yes");
  dc_caps_enum_add (e, "no");
  e = dc_caps_node_add_enum (loader, "secure");
  dc_caps_enum_add_if (e, secure, "yes");
  dc_caps_enum_add (e, "no");
}

/* <os>: firmware auto-selection offers a value only where a descriptor
 * for it matches; secure='yes' needs a Secure Boot firmware whose flash
 * SMM protects, on a machine with SMM. */
static void
render_os (DcCapsNode *root, const Ctx *ctx)
{
  DcCapsNode *os = dc_caps_node_add_supported (root, "os", TRUE);
  DcCapsNode *kinds = dc_caps_node_add_enum (os, "firmware");
  gboolean bios = FALSE, efi = FALSE, secure = FALSE;

  for (guint i = 0; i < ctx->firmware->len; i++)
    {
      const DcFirmware *firmware = g_ptr_array_index (ctx->firmware, i);

      if (!firmware_usable (ctx, firmware))
        continue;
      bios |= firmware->bios;
      efi |= firmware->uefi;
      secure |= dc_firmware_has_feature (firmware, "secure-boot") &&
                dc_firmware_has_feature (firmware, "requires-smm");
    }
  dc_caps_enum_add_if (kinds, bios, "bios");
  dc_caps_enum_add_if (kinds, efi, "efi");
  render_loader (os, ctx, secure);
}

static void
render_memory_backing (DcCapsNode *root, const Ctx *ctx)
{
  DcCapsNode *mb = dc_caps_node_add_supported (root, "memoryBacking", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (mb, "sourceType");

  dc_caps_enum_add_if (e, has_type (ctx, "memory-backend-file"), "file");
  dc_caps_enum_add_if (e, has_type (ctx, "memory-backend-ram"), "anonymous");
  dc_caps_enum_add_if (e, has_type (ctx, "memory-backend-memfd"), "memfd");
  finish_device (mb, e);
}

static void
add_virtio_models (DcCapsNode *device, const Ctx *ctx, const char *family)
{
  DcCapsNode *e = dc_caps_node_add_enum (device, "model");
  g_autofree char *any = g_strdup_printf ("%s-", family);
  g_autofree char *trans = g_strdup_printf ("%s-pci-transitional", family);
  g_autofree char *non = g_strdup_printf ("%s-pci-non-transitional", family);

  dc_caps_enum_add_if (e, has_prefix (ctx, any), "virtio");
  dc_caps_enum_add_if (e, has_type (ctx, trans), "virtio-transitional");
  dc_caps_enum_add_if (e, has_type (ctx, non), "virtio-non-transitional");
}

static void
render_disk (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *disk = dc_caps_node_add_supported (devices, "disk", TRUE);
  DcCapsNode *dev = dc_caps_node_add_enum (disk, "diskDevice");
  DcCapsNode *bus;

  dc_caps_enum_add (dev, "disk");
  dc_caps_enum_add_if (dev, has_type (ctx, "scsi-cd") || has_type (ctx, "ide-cd"),
                       "cdrom");
  dc_caps_enum_add_if (dev, has_fdc (ctx), "floppy");
  dc_caps_enum_add_if (dev, has_type (ctx, "scsi-block"), "lun");
  bus = dc_caps_node_add_enum (disk, "bus");
  dc_caps_enum_add_if (bus, machine_has_builtin_ide (ctx), "ide");
  dc_caps_enum_add_if (bus, has_fdc (ctx), "fdc");
  dc_caps_enum_add_if (bus, has_type (ctx, "scsi-hd"), "scsi");
  dc_caps_enum_add_if (bus, has_prefix (ctx, "virtio-blk-"), "virtio");
  dc_caps_enum_add_if (bus, has_type (ctx, "usb-storage"), "usb");
  dc_caps_enum_add_if (bus, has_type (ctx, "ich9-ahci"), "sata");
  add_virtio_models (disk, ctx, "virtio-blk");
  finish_device (disk, bus);
}

static void
render_graphics (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *graphics = dc_caps_node_add_supported (devices, "graphics", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (graphics, "type");
  const DcEmulatorFacts *f = ctx->facts;

  dc_caps_enum_add_if (e, dc_emulator_facts_schema_has (f, DC_SCHEMA_DISPLAY_TYPES, "sdl"),
                       "sdl");
  dc_caps_enum_add_if (e, has_command (ctx, "query-vnc"), "vnc");
  dc_caps_enum_add_if (e, has_command (ctx, "query-spice"), "spice");
  dc_caps_enum_add_if (e, dc_emulator_facts_schema_has (f, DC_SCHEMA_DISPLAY_TYPES,
                                                        "egl-headless"),
                       "egl-headless");
  dc_caps_enum_add_if (e, dc_emulator_facts_schema_has (f, DC_SCHEMA_DISPLAY_TYPES, "dbus"),
                       "dbus");
  finish_device (graphics, e);
}

static void
render_video (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *video = dc_caps_node_add_supported (devices, "video", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (video, "modelType");

  dc_caps_enum_add_if (e, has_type (ctx, "VGA"), "vga");
  dc_caps_enum_add_if (e, has_type (ctx, "cirrus-vga"), "cirrus");
  dc_caps_enum_add_if (e, has_type (ctx, "vmware-svga"), "vmvga");
  dc_caps_enum_add_if (e, has_type (ctx, "qxl-vga"), "qxl");
  dc_caps_enum_add_if (e, has_prefix (ctx, "virtio-gpu"), "virtio");
  dc_caps_enum_add (e, "none");
  dc_caps_enum_add_if (e, has_type (ctx, "bochs-display"), "bochs");
  dc_caps_enum_add_if (e, has_type (ctx, "ramfb"), "ramfb");
}

static void
render_hostdev (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *hostdev = dc_caps_node_add_supported (devices, "hostdev", TRUE);
  DcCapsNode *e;
  gboolean vfio = ctx->host->vfio && has_type (ctx, "vfio-pci");

  dc_caps_enum_add (dc_caps_node_add_enum (hostdev, "mode"), "subsystem");
  e = dc_caps_node_add_enum (hostdev, "startupPolicy");
  dc_caps_enum_add (e, "default");
  dc_caps_enum_add (e, "mandatory");
  dc_caps_enum_add (e, "requisite");
  dc_caps_enum_add (e, "optional");
  e = dc_caps_node_add_enum (hostdev, "subsysType");
  dc_caps_enum_add_if (e, has_type (ctx, "usb-host"), "usb");
  dc_caps_enum_add_if (e, has_type (ctx, "vfio-pci"), "pci");
  dc_caps_enum_add_if (e, has_type (ctx, "scsi-generic"), "scsi");
  /* capsType (storage, misc, net) is for containers, never for QEMU. */
  dc_caps_node_add_enum (hostdev, "capsType");
  e = dc_caps_node_add_enum (hostdev, "pciBackend");
  dc_caps_enum_add_if (e, vfio, "default");
  dc_caps_enum_add_if (e, vfio, "vfio");
}

static void
render_rng (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *rng = dc_caps_node_add_supported (devices, "rng", TRUE);
  DcCapsNode *e;

  add_virtio_models (rng, ctx, "virtio-rng");
  e = dc_caps_node_add_enum (rng, "backendModel");
  dc_caps_enum_add_if (e, has_type (ctx, "rng-random"), "random");
  dc_caps_enum_add_if (e, has_type (ctx, "rng-egd"), "egd");
  dc_caps_enum_add_if (e, has_type (ctx, "rng-builtin"), "builtin");
  finish_device (rng, dc_caps_node_find (rng, "enum"));
}

static void
render_filesystem (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *fs = dc_caps_node_add_supported (devices, "filesystem", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (fs, "driverType");
  gboolean p9 = has_prefix (ctx, "virtio-9p-");

  dc_caps_enum_add_if (e, p9, "path");
  dc_caps_enum_add_if (e, p9, "handle");
  dc_caps_enum_add_if (e, has_prefix (ctx, "vhost-user-fs-"), "virtiofs");
  finish_device (fs, e);
}

static void
render_tpm (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *tpm = dc_caps_node_add_supported (devices, "tpm", TRUE);
  DcCapsNode *model = dc_caps_node_add_enum (tpm, "model");
  DcCapsNode *e;
  gboolean emulator = g_hash_table_contains (ctx->facts->tpm_types, "emulator");

  dc_caps_enum_add_if (model, has_type (ctx, "tpm-tis") ||
                                has_type (ctx, "tpm-tis-device"), "tpm-tis");
  dc_caps_enum_add_if (model, has_type (ctx, "tpm-crb"), "tpm-crb");
  dc_caps_enum_add_if (model, has_type (ctx, "tpm-spapr"), "tpm-spapr");
  dc_caps_enum_add_if (model, has_type (ctx, "spapr-tpm-proxy"),
                       "spapr-tpm-proxy");
  e = dc_caps_node_add_enum (tpm, "backendModel");
  dc_caps_enum_add_if (e, g_hash_table_contains (ctx->facts->tpm_types,
                                                 "passthrough"), "passthrough");
  dc_caps_enum_add_if (e, emulator, "emulator");
  /* An external swtpm is driven through QEMU's emulator backend. */
  dc_caps_enum_add_if (e, emulator, "external");
  e = dc_caps_node_add_enum (tpm, "backendVersion");
  dc_caps_enum_add_if (e, emulator && ctx->host->swtpm_tpm12, "1.2");
  dc_caps_enum_add_if (e, emulator && ctx->host->swtpm_tpm20, "2.0");
  finish_device (tpm, model);
}

static void
render_redirdev (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *redir = dc_caps_node_add_supported (devices, "redirdev", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (redir, "bus");

  dc_caps_enum_add_if (e, has_type (ctx, "usb-redir"), "usb");
  finish_device (redir, e);
}

static void
render_channel (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *channel = dc_caps_node_add_supported (devices, "channel", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (channel, "type");
  const char *path = DC_SCHEMA_CHARDEV_BACKENDS;
  const DcEmulatorFacts *f = ctx->facts;

  dc_caps_enum_add_if (e, dc_emulator_facts_schema_has (f, path, "pty"), "pty");
  dc_caps_enum_add_if (e, dc_emulator_facts_schema_has (f, path, "socket"), "unix");
  dc_caps_enum_add_if (e, dc_emulator_facts_schema_has (f, path, "spicevmc"),
                       "spicevmc");
  finish_device (channel, e);
}

static void
render_features (DcCapsNode *root, const Ctx *ctx)
{
  DcCapsNode *features = dc_caps_node_add (root, "features");

  dc_caps_node_add_supported (features, "vmcoreinfo",
                              has_type (ctx, "vmcoreinfo"));
  dc_caps_node_add_supported (features, "genid", has_type (ctx, "vmgenid"));
  dc_caps_node_add_supported (features, "backingStoreInput",
                              has_command (ctx, "blockdev-add"));
  dc_caps_node_add_supported (features, "backup",
                              has_command (ctx, "blockdev-backup") &&
                              has_command (ctx, "block-dirty-bitmap-merge"));
}

DcCapsNode *
dc_render (const DcEmulatorFacts *facts, const DcHostFacts *host,
           GPtrArray *firmware, const DcRenderQuery *query)
{
  const Ctx ctx = { facts, host, firmware, query };
  DcCapsNode *root = dc_caps_node_new ("domainCapabilities");
  DcCapsNode *devices;

  render_header (root, &ctx);
  render_os (root, &ctx);
  render_memory_backing (root, &ctx);
  devices = dc_caps_node_add (root, "devices");
  render_disk (devices, &ctx);
  render_graphics (devices, &ctx);
  render_video (devices, &ctx);
  render_hostdev (devices, &ctx);
  render_rng (devices, &ctx);
  render_filesystem (devices, &ctx);
  render_tpm (devices, &ctx);
  render_redirdev (devices, &ctx);
  render_channel (devices, &ctx);
  render_features (root, &ctx);
  return root;
}
