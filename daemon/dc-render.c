/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-render.c: the domain capabilities of one (emulator, arch, machine,
 * virttype), section by section, in libvirt's element order. */
#include "config.h"

#include "dc-render.h"

#include <string.h>

#include "dc-arch.h"
#include "dc-cpu-model.h"

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
is_kvm (const Ctx *ctx)
{
  return g_str_equal (ctx->query->virttype, "kvm");
}

/* Whether QEMU takes the command-line option (-spice exists only where
 * its module is installed, which the QMP schema does not tell). */
static gboolean
has_option (const Ctx *ctx, const char *option)
{
  g_autofree char *prefix = g_strconcat (option, ".", NULL);
  GHashTableIter iter;
  const char *name;

  g_hash_table_iter_init (&iter, ctx->facts->options);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    if (g_str_has_prefix (name, prefix))
      return TRUE;
  return FALSE;
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
  gboolean ide = has_type (ctx, "piix3-ide") || has_type (ctx, "piix4-ide") ||
                 has_type (ctx, "cmd646-ide") || has_type (ctx, "macio-ide");

  return ide && machine_is (ctx, boards);
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
  g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  DcCapsNode *e;

  /* Several descriptors may name one executable (secure-boot variants of
   * one build): it is one value. */
  for (guint i = 0; i < ctx->firmware->len; i++)
    {
      const DcFirmware *firmware = g_ptr_array_index (ctx->firmware, i);
      if (firmware->executable != NULL && firmware_usable (ctx, firmware) &&
          g_hash_table_add (listed, firmware->executable))
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

/* ---- <cpu> ---- */

static DcCapsNode *
add_mode (DcCapsNode *cpu, const char *name, gboolean supported)
{
  DcCapsNode *mode = dc_caps_node_add (cpu, "mode");

  dc_caps_node_set_attr (mode, "name", name);
  dc_caps_node_set_attr (mode, "supported", supported ? "yes" : "no");
  return mode;
}

/* A mode naming a QEMU CPU type ("host", "max"): its migratable enum
 * offers "on" only where the type takes the "migratable" property. */
static void
render_type_mode (DcCapsNode *cpu, const char *mode, const char *enum_name,
                  gboolean supported, gboolean migratable)
{
  DcCapsNode *node = add_mode (cpu, mode, supported);
  DcCapsNode *e;

  if (!supported)
    return;
  e = dc_caps_node_add_enum (node, enum_name);
  dc_caps_enum_add_if (e, migratable, "on");
  dc_caps_enum_add (e, "off");
}

static void
render_host_model (DcCapsNode *cpu, const Ctx *ctx, const DcCpuFacts *facts)
{
  g_autoptr(DcHostModel) host_model =
    dc_host_model_compute (facts, ctx->facts->cpu_tcg, ctx->facts->cpu_kvm);
  DcCapsNode *mode = add_mode (cpu, "host-model", host_model != NULL);
  DcCapsNode *model;

  if (host_model == NULL)
    return;
  model = dc_caps_node_add_text (mode, "model", host_model->model);
  dc_caps_node_set_attr (model, "fallback", "forbid");
  if (host_model->vendor != NULL)
    dc_caps_node_add_text (mode, "vendor", host_model->vendor);
  /* under KVM the guest sees the host's physical address width
   * (libvirt 9.x writes it: mode passthrough, the host's bits) */
  if (is_kvm (ctx) && ctx->host->phys_addr_bits > 0)
    {
      DcCapsNode *bits = dc_caps_node_add (mode, "maxphysaddr");
      g_autofree char *limit = g_strdup_printf ("%u", ctx->host->phys_addr_bits);

      dc_caps_node_set_attr (bits, "mode", "passthrough");
      dc_caps_node_set_attr (bits, "limit", limit);
    }
  for (guint pass = 0; pass < 2; pass++)
    {
      GPtrArray *names = pass == 0 ? host_model->required : host_model->disabled;

      for (guint i = 0; i < names->len; i++)
        {
          DcCapsNode *feature = dc_caps_node_add (mode, "feature");
          dc_caps_node_set_attr (feature, "policy",
                                 pass == 0 ? "require" : "disable");
          dc_caps_node_set_attr (feature, "name", g_ptr_array_index (names, i));
        }
    }
}

/* The "-vN" of a versioned model ("EPYC-v2"), or NULL. */
static const char *
version_suffix (const char *name)
{
  const char *dash = strrchr (name, '-');

  if (dash == NULL || dash[1] != 'v' || dash[2] == '\0' ||
      strspn (dash + 2, "0123456789") != strlen (dash + 2))
    return NULL;
  return dash;
}

/* The expansion that tells a model's vendor: its own, or for a
 * versioned model ("EPYC-v2") the unversioned one's. */
static const DcCpuExpansion *
vendor_source (const Ctx *ctx, const char *name)
{
  const DcCpuFacts *any = ctx->facts->cpu_tcg ? ctx->facts->cpu_tcg
                                              : ctx->facts->cpu_kvm;
  const DcCpuExpansion *expansion = g_hash_table_lookup (any->models, name);
  const char *suffix = version_suffix (name);
  g_autofree char *base = NULL;

  if (expansion != NULL || suffix == NULL)
    return expansion;
  base = g_strndup (name, suffix - name);
  return g_hash_table_lookup (any->models, base);
}

static const char *
usable_value (const DcCpuDefinition *def)
{
  if (!def->usable_known)
    return "unknown";
  return def->blockers[0] == NULL ? "yes" : "no";
}

static void
render_blockers (DcCapsNode *mode, const DcCpuDefinition *def)
{
  DcCapsNode *blockers;

  if (def->blockers[0] == NULL)
    return;
  blockers = dc_caps_node_add (mode, "blockers");
  dc_caps_node_set_attr (blockers, "model", def->name);
  for (guint i = 0; def->blockers[i] != NULL; i++)
    dc_caps_node_set_attr (dc_caps_node_add (blockers, "feature"), "name",
                           dc_cpu_feature_name (def->blockers[i]));
}

/* POWER: QEMU defines ~400 names on ppc64, one per revision of every core
 * (power9_v2.2, 970fx_v3.1, e5500, ...); a user picks a server family,
 * QEMU's aliases power7 ... power10, which libvirt writes POWER7 ... */
static gboolean
is_power_family (const char *name)
{
  return g_ascii_strncasecmp (name, "power", 5) == 0 && name[5] != '\0' &&
         strspn (name + 5, "0123456789") == strlen (name + 5);
}

static gboolean
is_ppc64 (const char *arch)
{
  return g_str_equal (arch, "ppc64") || g_str_equal (arch, "ppc64le");
}

/* host and base are CPU types QEMU lists among its models, but one is the
 * host-passthrough mode and the other no CPU at all. max is the maximum
 * mode too, and x86's libvirt drops it; libvirt 11 lists it as a model on
 * every other arch (its corpus: aarch64, s390x, riscv64, loongarch64). */
static gboolean
is_model (const DcCpuDefinition *def, const char *arch)
{
  static const char *const not_models[] = { "host", "base", NULL };

  /* an old revision of a deprecated model: its alias stays (deprecated)
   * for existing domains, the revision is not offered (libvirt 11) */
  if (def->deprecated && version_suffix (def->name) != NULL)
    return FALSE;
  if (is_ppc64 (arch))
    return is_power_family (def->name);
  if (g_str_equal (def->name, "max"))
    return !dc_arch_is_x86 (arch);
  return !g_strv_contains (not_models, def->name);
}

/* Whether the custom mode lists models at all: libvirt has none for
 * 32-bit PowerPC. */
static gboolean
offers_custom_models (const Ctx *ctx, const DcCpuFacts *facts)
{
  return facts->definitions->len > 0 && !g_str_equal (ctx->query->arch, "ppc");
}

/* The vendor written for a model where no expansion tells one: the
 * POWER families and s390x's machine generations (z900 ... gen16) are
 * IBM's, QEMU's own s390x models (qemu, max) nobody's. */
static const char *
known_vendor (const Ctx *ctx, const DcCpuDefinition *def)
{
  static const char *const qemu_own[] = { "qemu", "max", NULL };

  if (is_ppc64 (ctx->query->arch))
    return "IBM";
  if (g_str_equal (ctx->query->arch, "s390x"))
    return g_strv_contains (qemu_own, def->name) ? "unknown" : "IBM";
  return NULL;
}

static void
render_model (DcCapsNode *mode, const Ctx *ctx, const DcCpuFacts *facts,
              const DcCpuDefinition *def)
{
  const DcCpuDefinition *canonical = def->alias_of ? dc_cpu_facts_find (facts, def->alias_of)
                                                   : NULL;
  gboolean power = is_ppc64 (ctx->query->arch);
  const char *known = known_vendor (ctx, def);
  const DcCpuExpansion *source = known ? NULL : vendor_source (ctx, def->name);
  g_autofree char *name = power ? g_ascii_strup (def->name, -1) : g_strdup (def->name);
  DcCapsNode *model = dc_caps_node_add_text (mode, "model", name);

  dc_caps_node_set_attr (model, "usable", usable_value (def));
  if (def->deprecated)
    dc_caps_node_set_attr (model, "deprecated", "yes");
  dc_caps_node_set_attr (model, "vendor", known ? known
                         : source ? dc_cpu_model_vendor (source) : "unknown");
  /* the versioned model an alias stands for (query-cpu-definitions'
   * alias-of, QEMU 4.1 and later), where that one is offered */
  if (canonical != NULL && is_model (canonical, ctx->query->arch))
    dc_caps_node_set_attr (model, "canonical", def->alias_of);
}

/* Every model QEMU defines for the accelerator (on ppc64 the POWER
 * families), each followed by the features that block it (libvirt's
 * order: clients read sequentially). */
static void
render_custom (DcCapsNode *cpu, const Ctx *ctx, const DcCpuFacts *facts)
{
  gboolean offered = offers_custom_models (ctx, facts);
  DcCapsNode *mode = add_mode (cpu, "custom", offered);

  for (guint i = 0; offered && i < facts->definitions->len; i++)
    {
      const DcCpuDefinition *def = g_ptr_array_index (facts->definitions, i);

      if (!is_model (def, ctx->query->arch))
        continue;
      render_model (mode, ctx, facts, def);
      render_blockers (mode, def);
    }
}

static void
render_cpu (DcCapsNode *root, const Ctx *ctx)
{
  gboolean kvm = g_str_equal (ctx->query->virttype, "kvm");
  const DcCpuFacts *facts = kvm ? ctx->facts->cpu_kvm : ctx->facts->cpu_tcg;
  g_autoptr(DcCpuFacts) none = dc_cpu_facts_new ();
  DcCapsNode *cpu = dc_caps_node_add (root, "cpu");

  if (facts == NULL)
    facts = none;
  /* -cpu host is KVM's on every target, listed in query-cpu-definitions
   * or not (loongarch64 8.2 does not list it) */
  render_type_mode (cpu, "host-passthrough", "hostPassthroughMigratable",
                    kvm, facts->host_migratable);
  render_type_mode (cpu, "maximum", "maximumMigratable",
                    dc_cpu_facts_find (facts, "max") != NULL,
                    facts->max_migratable);
  render_host_model (cpu, ctx, facts);
  render_custom (cpu, ctx, facts);
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
  /* RDP is served by libvirt's qemu-rdp helper through QEMU's D-Bus
   * display (libvirt 11) */
  dc_caps_enum_add_if (e, ctx->host->qemu_rdp &&
                          dc_emulator_facts_schema_has (f, DC_SCHEMA_DISPLAY_TYPES, "dbus"),
                       "rdp");
  dc_caps_enum_add_if (e, has_option (ctx, "spice"), "spice");
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
  dc_caps_enum_add_if (e, has_option (ctx, "spice") &&
                          dc_emulator_facts_schema_has (f, path, "spicevmc"),
                       "spicevmc");
  finish_device (channel, e);
}

/* <crypto> (libvirt 10.0): virtio-crypto with QEMU's cryptodev backends. */
static void
render_crypto (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *crypto = dc_caps_node_add_supported (devices, "crypto", TRUE);
  DcCapsNode *model = dc_caps_node_add_enum (crypto, "model");
  DcCapsNode *e;

  dc_caps_enum_add_if (model, has_prefix (ctx, "virtio-crypto-"), "virtio");
  e = dc_caps_node_add_enum (crypto, "type");
  dc_caps_enum_add_if (e, !enum_is_empty (model), "qemu");
  e = dc_caps_node_add_enum (crypto, "backendModel");
  dc_caps_enum_add_if (e, has_type (ctx, "cryptodev-backend-builtin"), "builtin");
  dc_caps_enum_add_if (e, has_type (ctx, "cryptodev-backend-lkcf"), "lkcf");
  finish_device (crypto, model);
}

/* <interface> (libvirt 9.x): the backend of a user-mode NIC; passt
 * connects to QEMU's "stream" netdev (QEMU 7.2). */
static void
render_interface (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *interface = dc_caps_node_add_supported (devices, "interface", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (interface, "backendType");

  dc_caps_enum_add (e, "default");
  dc_caps_enum_add_if (e, dc_emulator_facts_schema_has (ctx->facts, DC_SCHEMA_NETDEV_TYPES,
                                                        "stream"),
                       "passt");
}

/* <panic> (libvirt 11): the guest-panic notifiers the machine can have. */
static void
render_panic (DcCapsNode *devices, const Ctx *ctx)
{
  static const char *const pseries[] = { "pseries*", NULL };
  gboolean x86 = dc_arch_is_x86 (ctx->query->arch);
  DcCapsNode *panic = dc_caps_node_add_supported (devices, "panic", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (panic, "model");

  dc_caps_enum_add_if (e, x86 && has_type (ctx, "pvpanic"), "isa");
  dc_caps_enum_add_if (e, machine_is (ctx, pseries), "pseries");
  dc_caps_enum_add_if (e, x86, "hyperv");
  dc_caps_enum_add_if (e, g_str_equal (ctx->query->arch, "s390x"), "s390");
  dc_caps_enum_add_if (e, has_type (ctx, "pvpanic-pci"), "pvpanic");
  finish_device (panic, e);
}

static gboolean
arch_is (const Ctx *ctx, const char *const *arches)
{
  return g_strv_contains (arches, ctx->query->arch);
}

/* <gic>: the GIC versions of an ARM virt board, as KVM (in-kernel) or TCG
 * (emulated) can provide them. */
static void
render_gic (DcCapsNode *features, const Ctx *ctx)
{
  static const char *const arm[] = { "aarch64", "armv7l", "armv6l", NULL };
  static const char *const virt[] = { "virt", "virt-*", NULL };
  DcCapsNode *gic = dc_caps_node_add_supported (features, "gic", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (gic, "version");

  if (arch_is (ctx, arm) && machine_is (ctx, virt))
    for (guint i = 0; i < ctx->facts->gic->len; i++)
      {
        const DcGicVersion *v = &g_array_index (ctx->facts->gic, DcGicVersion, i);
        g_autofree char *number = g_strdup_printf ("%u", v->version);

        dc_caps_enum_add_if (e, is_kvm (ctx) ? v->kernel : v->emulated, number);
      }
  finish_device (gic, e);
}

static void
add_number (DcCapsNode *parent, const char *name, guint64 value)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, value);

  dc_caps_node_add_text (parent, name, text);
}

/* <s390-pv>: protected virtualisation needs the host (ultravisor and
 * kvm's prot_virt), KVM and QEMU's s390-pv-guest object. */
static gboolean
s390_pv_supported (const Ctx *ctx)
{
  return g_str_equal (ctx->query->arch, "s390x") && is_kvm (ctx) &&
         ctx->host->s390_pv && has_type (ctx, "s390-pv-guest");
}

static void
render_s390_pv (DcCapsNode *features, const Ctx *ctx)
{
  if (!g_str_equal (ctx->query->arch, "s390x"))
    return;
  dc_caps_node_add_supported (features, "s390-pv", s390_pv_supported (ctx));
}

static gboolean
sev_supported (const Ctx *ctx)
{
  return is_kvm (ctx) && ctx->facts->sev.present && ctx->host->sev;
}

/* SEV-SNP: QEMU's sev-snp-guest object (QEMU 9.1) and kvm_amd's sev_snp. */
static gboolean
sev_snp_supported (const Ctx *ctx)
{
  return sev_supported (ctx) && ctx->host->sev_snp && has_type (ctx, "sev-snp-guest");
}

static void
render_sev (DcCapsNode *features, const Ctx *ctx)
{
  const DcSevFacts *sev = &ctx->facts->sev;
  gboolean ok = sev_supported (ctx);
  DcCapsNode *node = dc_caps_node_add_supported (features, "sev", ok);

  if (!ok)
    return;
  add_number (node, "cbitpos", sev->cbitpos);
  add_number (node, "reducedPhysBits", sev->reduced_phys_bits);
  add_number (node, "maxGuests", ctx->host->sev_max_guests);
  add_number (node, "maxESGuests", ctx->host->sev_max_es_guests);
  if (sev->cpu0_id != NULL)
    dc_caps_node_add_text (node, "cpu0Id", sev->cpu0_id);   /* libvirt 10.x */
}

static void
add_section (DcCapsNode *sections, const DcSgxSection *section)
{
  DcCapsNode *node = dc_caps_node_add (sections, "section");
  g_autofree char *number = g_strdup_printf ("%u", section->node);
  g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, section->size_kib);

  dc_caps_node_set_attr (node, "node", number);
  dc_caps_node_set_attr (node, "size", size);
  dc_caps_node_set_attr (node, "unit", "KiB");
}

static void
render_sgx (DcCapsNode *features, const Ctx *ctx)
{
  const DcSgxFacts *sgx = &ctx->facts->sgx;
  gboolean ok = is_kvm (ctx) && sgx->present;
  DcCapsNode *node = dc_caps_node_add_supported (features, "sgx", ok);
  DcCapsNode *size;

  if (!ok)
    return;
  dc_caps_node_add_text (node, "flc", sgx->flc ? "yes" : "no");
  dc_caps_node_add_text (node, "sgx1", sgx->sgx1 ? "yes" : "no");
  dc_caps_node_add_text (node, "sgx2", sgx->sgx2 ? "yes" : "no");
  add_number (node, "section_size", sgx->section_size_kib);
  size = dc_caps_node_find (node, "section_size");
  dc_caps_node_set_attr (size, "unit", "KiB");
  if (sgx->sections->len == 0)
    return;
  size = dc_caps_node_add (node, "sections");
  for (guint i = 0; i < sgx->sections->len; i++)
    add_section (size, &g_array_index (sgx->sections, DcSgxSection, i));
}

/* libvirt's Hyper-V names, in its order, with QEMU's property for each;
 * spinlocks and vendor_id are QEMU's own and need nothing of KVM. */
static const struct {
  const char *name;
  const char *property;
  gboolean always;
} hyperv_features[] = {
  { "relaxed", "hv-relaxed", FALSE },
  { "vapic", "hv-vapic", FALSE },
  { "spinlocks", "hv-spinlocks", TRUE },
  { "vpindex", "hv-vpindex", FALSE },
  { "runtime", "hv-runtime", FALSE },
  { "synic", "hv-synic", FALSE },
  { "stimer", "hv-stimer", FALSE },
  { "reset", "hv-reset", FALSE },
  { "vendor_id", "hv-vendor-id", TRUE },
  { "frequencies", "hv-frequencies", FALSE },
  { "reenlightenment", "hv-reenlightenment", FALSE },
  { "tlbflush", "hv-tlbflush", FALSE },
  { "ipi", "hv-ipi", FALSE },
  { "evmcs", "hv-evmcs", FALSE },
  { "avic", "hv-avic", FALSE },
};

static void
render_hyperv (DcCapsNode *features, const Ctx *ctx)
{
  DcCapsNode *hyperv, *e;

  if (!dc_arch_is_x86 (ctx->query->arch))
    return;
  hyperv = dc_caps_node_add_supported (features, "hyperv", TRUE);
  e = dc_caps_node_add_enum (hyperv, "features");
  for (gsize i = 0; i < G_N_ELEMENTS (hyperv_features); i++)
    dc_caps_enum_add_if (e, hyperv_features[i].always ||
                            (is_kvm (ctx) &&
                             g_hash_table_contains (ctx->facts->hyperv,
                                                    hyperv_features[i].property)),
                         hyperv_features[i].name);
}

/* <launchSecurity> (libvirt 10): the confidential-guest kinds offered,
 * each decided as its own element is. */
static void
render_launch_security (DcCapsNode *features, const Ctx *ctx)
{
  DcCapsNode *node = dc_caps_node_add_supported (features, "launchSecurity", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (node, "sectype");

  dc_caps_enum_add_if (e, sev_supported (ctx), "sev");
  dc_caps_enum_add_if (e, sev_snp_supported (ctx), "sev-snp");
  dc_caps_enum_add_if (e, s390_pv_supported (ctx), "s390-pv");
  finish_device (node, e);
}

static void
render_features (DcCapsNode *root, const Ctx *ctx)
{
  DcCapsNode *features = dc_caps_node_add (root, "features");

  render_gic (features, ctx);
  dc_caps_node_add_supported (features, "vmcoreinfo",
                              has_type (ctx, "vmcoreinfo"));
  dc_caps_node_add_supported (features, "genid", has_type (ctx, "vmgenid"));
  dc_caps_node_add_supported (features, "backingStoreInput",
                              has_command (ctx, "blockdev-add"));
  dc_caps_node_add_supported (features, "backup",
                              has_command (ctx, "blockdev-backup") &&
                              has_command (ctx, "block-dirty-bitmap-merge"));
  /* -run-with async-teardown=on (QEMU 8.1) */
  dc_caps_node_add_supported (features, "async-teardown",
                              g_hash_table_contains (ctx->facts->options,
                                                     "run-with.async-teardown"));
  render_s390_pv (features, ctx);
  /* a PS/2 controller that can be left out (the pc machines' i8042
   * property, QEMU 7.0) */
  dc_caps_node_add_supported (features, "ps2",
                              dc_arch_is_x86 (ctx->query->arch) &&
                              g_hash_table_contains (ctx->facts->pc_machine_properties,
                                                     "i8042"));
  render_sev (features, ctx);
  render_sgx (features, ctx);
  render_hyperv (features, ctx);
  render_launch_security (features, ctx);
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
  render_cpu (root, &ctx);
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
  render_crypto (devices, &ctx);
  render_interface (devices, &ctx);
  render_panic (devices, &ctx);
  render_features (root, &ctx);
  return root;
}
