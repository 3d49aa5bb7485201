/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-render.c: the domain capabilities of one (emulator, arch, machine,
 * virttype), section by section, in libvirt's element order. */
#include "config.h"

#include "dc-render.h"

#include <string.h>

#include "dc-arch.h"
#include "dc-cpu-model.h"
#include "dc-wire.h"

typedef struct {
  const DcEmulatorFacts *facts;
  const DcHostFacts *host;
  GPtrArray *firmware;
  const DcRenderQuery *query;
  GPtrArray *reasons;     /* of DcReason, or NULL: not explaining */
} Ctx;

/* ---- reasons: why something is absent, recorded as it is decided ---- */

static void explain (const Ctx *ctx, const DcCapsNode *node, const char *value,
                     const char *state, const char *code, const char *facts,
                     const char *format, ...) G_GNUC_PRINTF (7, 8);

/* Records why @node (or its enum @value) is as it is, when explaining. */
static void
explain (const Ctx *ctx, const DcCapsNode *node, const char *value,
         const char *state, const char *code, const char *facts,
         const char *format, ...)
{
  g_autofree char *path = NULL;
  g_autofree char *message = NULL;
  va_list args;

  if (ctx->reasons == NULL)
    return;
  path = dc_caps_node_path (node, value);
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (ctx->reasons, dc_reason_new (path, state, code, facts, message));
}

/* A value of an enum, explained when absent. */
static void
explain_absent (const Ctx *ctx, const DcCapsNode *e, const char *value,
                const char *code, const char *facts, const char *message)
{
  explain (ctx, e, value, DC_REASON_ABSENT, code, facts, "%s", message);
}

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

/* ---- table rules: one emulator fact per value ---- */

typedef enum {
  RULE_ALWAYS,
  RULE_TYPE,       /* a QOM type */
  RULE_PREFIX,     /* some QOM type starting with name */
  RULE_COMMAND,    /* a QMP command */
  RULE_DISPLAY,    /* a display type in the QMP schema */
  RULE_CHARDEV,    /* a chardev backend in the QMP schema */
  RULE_NETDEV,     /* a netdev type in the QMP schema */
  RULE_OPTION,     /* a command-line option (a module's) */
  RULE_TPM_TYPE,   /* a TPM backend (query-tpm-types) */
} RuleKind;

typedef struct {
  const char *value;
  RuleKind kind;
  const char *name;
} Rule;

static gboolean has_option (const Ctx *ctx, const char *option);

/* Enum values decided by one emulator fact each, per element (the rest
 * depend on the host or the board and are decided by hand below). */
static const Rule loader_types[] = {
  { "rom", RULE_ALWAYS, NULL },
  { "pflash", RULE_PREFIX, "cfi.pflash" },
};

static const Rule memory_sources[] = {
  { "file", RULE_TYPE, "memory-backend-file" },
  { "anonymous", RULE_TYPE, "memory-backend-ram" },
  { "memfd", RULE_TYPE, "memory-backend-memfd" },
};

static const Rule disk_buses[] = {
  { "scsi", RULE_TYPE, "scsi-hd" },
  { "virtio", RULE_PREFIX, "virtio-blk-" },
  { "usb", RULE_TYPE, "usb-storage" },
  { "sata", RULE_TYPE, "ich9-ahci" },
};

static const Rule graphics_before_rdp[] = {
  { "sdl", RULE_DISPLAY, "sdl" },
  { "vnc", RULE_COMMAND, "query-vnc" },
};

static const Rule graphics_after_rdp[] = {
  { "spice", RULE_OPTION, "spice" },
  { "egl-headless", RULE_DISPLAY, "egl-headless" },
  { "dbus", RULE_DISPLAY, "dbus" },
};

static const Rule video_models[] = {
  { "vga", RULE_TYPE, "VGA" },
  { "cirrus", RULE_TYPE, "cirrus-vga" },
  { "vmvga", RULE_TYPE, "vmware-svga" },
  { "qxl", RULE_TYPE, "qxl-vga" },
  { "virtio", RULE_PREFIX, "virtio-gpu" },
  { "none", RULE_ALWAYS, NULL },
  { "bochs", RULE_TYPE, "bochs-display" },
  { "ramfb", RULE_TYPE, "ramfb" },
};

static const Rule hostdev_subsys[] = {
  { "usb", RULE_TYPE, "usb-host" },
  { "pci", RULE_TYPE, "vfio-pci" },
  { "scsi", RULE_TYPE, "scsi-generic" },
};

static const Rule rng_backends[] = {
  { "random", RULE_TYPE, "rng-random" },
  { "egd", RULE_TYPE, "rng-egd" },
  { "builtin", RULE_TYPE, "rng-builtin" },
};

static const Rule filesystem_drivers[] = {
  { "path", RULE_PREFIX, "virtio-9p-" },
  { "handle", RULE_PREFIX, "virtio-9p-" },
  { "virtiofs", RULE_PREFIX, "vhost-user-fs-" },
};

static const Rule tpm_models[] = {
  { "tpm-crb", RULE_TYPE, "tpm-crb" },
  { "tpm-spapr", RULE_TYPE, "tpm-spapr" },
  { "spapr-tpm-proxy", RULE_TYPE, "spapr-tpm-proxy" },
};

static const Rule tpm_backends[] = {
  { "passthrough", RULE_TPM_TYPE, "passthrough" },
  { "emulator", RULE_TPM_TYPE, "emulator" },
  { "external", RULE_TPM_TYPE, "emulator" },
};

static const Rule redirdev_buses[] = { { "usb", RULE_TYPE, "usb-redir" } };

static const Rule channel_types[] = {
  { "pty", RULE_CHARDEV, "pty" },
  { "unix", RULE_CHARDEV, "socket" },
};

static const Rule crypto_models[] = { { "virtio", RULE_PREFIX, "virtio-crypto-" } };

static const Rule crypto_backends[] = {
  { "builtin", RULE_TYPE, "cryptodev-backend-builtin" },
  { "lkcf", RULE_TYPE, "cryptodev-backend-lkcf" },
};

static const Rule interface_backends[] = {
  { "default", RULE_ALWAYS, NULL },
  { "passt", RULE_NETDEV, "stream" },
};

/* Elements supported='yes' with one emulator fact each (value: the
 * element's name), in their order in the answer. */
static const Rule top_rules[] = { { "iothreads", RULE_TYPE, "iothread" } };
static const Rule feature_rules[] = {
  { "vmcoreinfo", RULE_TYPE, "vmcoreinfo" },
  { "genid", RULE_TYPE, "vmgenid" },
  { "backingStoreInput", RULE_COMMAND, "blockdev-add" },
};

#define TABLE(element, enum_name, rules) { element, enum_name, rules, G_N_ELEMENTS (rules) }

/* Every table above, for docs/architecture.md's value table (checked by
 * test-render against dc_render_rules_markdown()). */
static const struct {
  const char *element;
  const char *enum_name;
  const Rule *rules;
  gsize n;
} rule_tables[] = {
  TABLE ("(root)", "(supported)", top_rules),
  TABLE ("os/loader", "type", loader_types),
  TABLE ("memoryBacking", "sourceType", memory_sources),
  TABLE ("devices/disk", "bus", disk_buses),
  TABLE ("devices/graphics", "type", graphics_before_rdp),
  TABLE ("devices/graphics", "type", graphics_after_rdp),
  TABLE ("devices/video", "modelType", video_models),
  TABLE ("devices/hostdev", "subsysType", hostdev_subsys),
  TABLE ("devices/rng", "backendModel", rng_backends),
  TABLE ("devices/filesystem", "driverType", filesystem_drivers),
  TABLE ("devices/tpm", "model", tpm_models),
  TABLE ("devices/tpm", "backendModel", tpm_backends),
  TABLE ("devices/redirdev", "bus", redirdev_buses),
  TABLE ("devices/channel", "type", channel_types),
  TABLE ("devices/crypto", "model", crypto_models),
  TABLE ("devices/crypto", "backendModel", crypto_backends),
  TABLE ("devices/interface", "backendType", interface_backends),
  TABLE ("features", "(supported)", feature_rules),
};

static gboolean
rule_holds (const Ctx *ctx, const Rule *rule)
{
  const DcEmulatorFacts *f = ctx->facts;

  switch (rule->kind)
    {
    case RULE_ALWAYS: return TRUE;
    case RULE_TYPE: return has_type (ctx, rule->name);
    case RULE_PREFIX: return has_prefix (ctx, rule->name);
    case RULE_COMMAND: return has_command (ctx, rule->name);
    case RULE_DISPLAY:
      return dc_emulator_facts_schema_has (f, DC_SCHEMA_DISPLAY_TYPES, rule->name);
    case RULE_CHARDEV:
      return dc_emulator_facts_schema_has (f, DC_SCHEMA_CHARDEV_BACKENDS, rule->name);
    case RULE_NETDEV:
      return dc_emulator_facts_schema_has (f, DC_SCHEMA_NETDEV_TYPES, rule->name);
    case RULE_OPTION: return has_option (ctx, rule->name);
    case RULE_TPM_TYPE: return g_hash_table_contains (f->tpm_types, rule->name);
    }
  g_return_val_if_reached (FALSE);
}

/* What a rule that does not hold says: code, fact and sentence. */
static const struct {
  const char *code;
  const char *fact;
  const char *message;
} rule_reasons[] = {
  [RULE_TYPE] = { "qemu-lacks-type", "qom-type:%s",
                  "this QEMU has no %s device or object type" },
  [RULE_PREFIX] = { "qemu-lacks-type", "qom-type:%s*",
                    "this QEMU has no device or object type named %s*" },
  [RULE_COMMAND] = { "qemu-lacks-command", "qmp-command:%s",
                     "this QEMU has no QMP command %s" },
  [RULE_DISPLAY] = { "qemu-lacks-schema-value", "qmp-schema:" DC_SCHEMA_DISPLAY_TYPES "=%s",
                     "this QEMU offers no %s display (not built, or its module is not installed)" },
  [RULE_CHARDEV] = { "qemu-lacks-schema-value", "qmp-schema:" DC_SCHEMA_CHARDEV_BACKENDS "=%s",
                     "this QEMU has no %s character device backend" },
  [RULE_NETDEV] = { "qemu-lacks-schema-value", "qmp-schema:" DC_SCHEMA_NETDEV_TYPES "=%s",
                    "this QEMU has no %s network backend" },
  [RULE_OPTION] = { "qemu-lacks-option", "command-line:-%s",
                    "this QEMU has no -%s option (its module is not installed)" },
  [RULE_TPM_TYPE] = { "qemu-lacks-tpm-backend", "tpm-type:%s",
                      "this QEMU has no %s TPM backend" },
};

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void
explain_rule (const Ctx *ctx, const DcCapsNode *node, const char *value,
              const char *state, const Rule *rule)
{
  g_autofree char *fact = g_strdup_printf (rule_reasons[rule->kind].fact, rule->name);
  g_autofree char *message = g_strdup_printf (rule_reasons[rule->kind].message,
                                              rule->name);

  explain (ctx, node, value, state, rule_reasons[rule->kind].code, fact, "%s",
           message);
}
#pragma GCC diagnostic pop

/* Adds each value whose rule holds; explains the others. */
static void
add_rules (const Ctx *ctx, DcCapsNode *e, const Rule *rules, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (rule_holds (ctx, &rules[i]))
      dc_caps_enum_add (e, rules[i].value);
    else
      explain_rule (ctx, e, rules[i].value, DC_REASON_ABSENT, &rules[i]);
}

/* <NAME supported='yes|no'/> as @rule decides, explained when no. */
static DcCapsNode *
add_supported_rule (const Ctx *ctx, DcCapsNode *parent, const char *name,
                    RuleKind kind, const char *fact)
{
  const Rule rule = { name, kind, fact };
  gboolean ok = rule_holds (ctx, &rule);
  DcCapsNode *node = dc_caps_node_add_supported (parent, name, ok);

  if (!ok)
    explain_rule (ctx, node, NULL, DC_REASON_UNSUPPORTED, &rule);
  return node;
}

/* <NAME supported='yes|no'/>, explained by the caller's sentence when no. */
static DcCapsNode *
add_supported_or (const Ctx *ctx, DcCapsNode *parent, const char *name,
                  gboolean ok, const char *code, const char *fact,
                  const char *message)
{
  DcCapsNode *node = dc_caps_node_add_supported (parent, name, ok);

  if (!ok)
    explain (ctx, node, NULL, DC_REASON_UNSUPPORTED, code, fact, "%s", message);
  return node;
}

/* Adds @value if @ok, else explains its absence. */
static void
add_value_or (const Ctx *ctx, DcCapsNode *e, gboolean ok, const char *value,
              const char *code, const char *fact, const char *message)
{
  if (ok)
    dc_caps_enum_add (e, value);
  else
    explain_absent (ctx, e, value, code, fact, message);
}

static gboolean
enum_is_empty (DcCapsNode *node)
{
  return node->children->len == 0;
}

/* <NAME supported='yes|no'> holding the enums; unsupported when the enum
 * that defines the device (@key) came out empty. */
static void
finish_device (const Ctx *ctx, DcCapsNode *device, DcCapsNode *key)
{
  g_autofree char *key_path = NULL;

  if (!enum_is_empty (key))
    return;
  key_path = dc_caps_node_path (key, NULL);
  explain (ctx, device, NULL, DC_REASON_UNSUPPORTED, "no-values", key_path,
           "no value of %s is available here (see the reasons for its values)",
           key_path);
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
  add_supported_rule (ctx, root, top_rules[0].value, top_rules[0].kind,
                      top_rules[0].name);
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

  add_rules (ctx, dc_caps_node_add_enum (loader, "type"), loader_types,
             G_N_ELEMENTS (loader_types));
  e = dc_caps_node_add_enum (loader, "readonly");
  dc_caps_enum_add (e, "yes");
  dc_caps_enum_add (e, "no");
  e = dc_caps_node_add_enum (loader, "secure");
  add_value_or (ctx, e, secure, "yes", "no-secure-firmware", "firmware-descriptors",
                machine_has_smm (ctx)
                  ? "no firmware descriptor for this machine offers Secure Boot "
                    "with SMM-protected variables"
                  : "Secure Boot needs SMM, which this machine type does not have");
  dc_caps_enum_add (e, "no");
}

static void
explain_firmware (const Ctx *ctx, DcCapsNode *kinds, gboolean ok,
                  const char *kind)
{
  if (ok)
    dc_caps_enum_add (kinds, kind);
  else
    explain (ctx, kinds, kind, DC_REASON_ABSENT, "no-firmware", "firmware-descriptors",
             "no firmware descriptor offers %s for machine %s on %s "
             "(%u usable descriptors read)", kind, ctx->query->machine->name,
             ctx->query->arch, ctx->firmware->len);
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
  explain_firmware (ctx, kinds, bios, "bios");
  explain_firmware (ctx, kinds, efi, "efi");
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
static DcCapsNode *
render_type_mode (const Ctx *ctx, DcCapsNode *cpu, const char *mode,
                  const char *type, gboolean supported, gboolean migratable)
{
  DcCapsNode *node = add_mode (cpu, mode, supported);
  DcCapsNode *e;
  g_autofree char *fact = NULL;

  if (!supported)
    return node;
  e = dc_caps_node_add_enum (node, g_str_equal (mode, "maximum")
                                     ? "maximumMigratable"
                                     : "hostPassthroughMigratable");
  if (migratable)
    dc_caps_enum_add (e, "on");
  else if (ctx->reasons != NULL)
    {
      fact = g_strdup_printf ("cpu-type-property:%s.migratable", type);
      explain (ctx, e, "on", DC_REASON_ABSENT, "qemu-lacks-cpu-property", fact,
               "QEMU's %s CPU type has no \"migratable\" property", type);
    }
  dc_caps_enum_add (e, "off");
  return node;
}

/* host-passthrough is KVM's: why this answer cannot offer it. */
static void
explain_needs_kvm (const Ctx *ctx, DcCapsNode *node, const char *value,
                   const char *state, const char *what)
{
  if (ctx->host->kvm_usable)
    explain (ctx, node, value, state, "needs-kvm", "virttype:qemu",
             "%s needs KVM; this answer is for TCG (virttype qemu)", what);
  else
    explain (ctx, node, value, state, "needs-kvm",
             ctx->host->kvm_present ? "host:/dev/kvm-not-usable" : "host:no-/dev/kvm",
             "%s needs KVM, and %s", what,
             ctx->host->kvm_present ? "/dev/kvm is not accessible to the daemon"
                                    : "this host has no /dev/kvm");
}

static void
render_host_model (DcCapsNode *cpu, const Ctx *ctx, const DcCpuFacts *facts)
{
  g_autoptr(DcHostModel) host_model =
    dc_host_model_compute (facts, ctx->facts->cpu_tcg, ctx->facts->cpu_kvm);
  DcCapsNode *mode = add_mode (cpu, "host-model", host_model != NULL);
  DcCapsNode *model;

  if (host_model == NULL)
    {
      explain (ctx, mode, NULL, DC_REASON_UNSUPPORTED, "no-host-model",
               facts->host ? "cpu-models" : "cpu-expansion:host",
               facts->host ? "no CPU model QEMU defines here can describe the "
                             "CPU this accelerator offers"
                           : "QEMU gave no expansion of the CPU this accelerator "
                             "offers (query-cpu-model-expansion)");
      return;
    }
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

/* Why a model is usable='no': the features the host lacks for it. */
static void
explain_blockers (const Ctx *ctx, const DcCapsNode *model,
                  const DcCpuDefinition *def)
{
  g_autoptr(GString) names = g_string_new (NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *fact = NULL;

  if (ctx->reasons == NULL)
    return;
  for (guint i = 0; def->blockers[i] != NULL; i++)
    if (g_hash_table_add (seen, def->blockers[i]))
      g_string_append_printf (names, "%s%s", names->len ? ", " : "",
                              dc_cpu_feature_name (def->blockers[i]));
  fact = g_strdup_printf ("blockers:%s", names->str);
  explain (ctx, model, NULL, DC_REASON_UNUSABLE, "cpu-blockers", fact,
           "the CPU %s offers lacks %s", is_kvm (ctx) ? "KVM" : "TCG",
           names->str);
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

static DcCapsNode *
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
  return model;
}

/* Every model QEMU defines for the accelerator (on ppc64 the POWER
 * families), each followed by the features that block it (libvirt's
 * order: clients read sequentially). */
static void
render_custom (DcCapsNode *cpu, const Ctx *ctx, const DcCpuFacts *facts)
{
  gboolean offered = offers_custom_models (ctx, facts);
  DcCapsNode *mode = add_mode (cpu, "custom", offered);

  if (!offered)
    explain (ctx, mode, NULL, DC_REASON_UNSUPPORTED,
             facts->definitions->len > 0 ? "no-named-models" : "qemu-no-cpu-definitions",
             facts->definitions->len > 0 ? "arch:ppc" : "qmp-command:query-cpu-definitions",
             facts->definitions->len > 0
               ? "32-bit PowerPC CPUs are chosen by machine type, not by name"
               : "QEMU lists no CPU models here (query-cpu-definitions)");
  for (guint i = 0; offered && i < facts->definitions->len; i++)
    {
      const DcCpuDefinition *def = g_ptr_array_index (facts->definitions, i);
      DcCapsNode *model;

      if (!is_model (def, ctx->query->arch))
        continue;
      model = render_model (mode, ctx, facts, def);
      if (def->blockers[0] != NULL)
        explain_blockers (ctx, model, def);
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
  DcCapsNode *mode;
  gboolean max;

  if (facts == NULL)
    facts = none;
  /* -cpu host is KVM's on every target, listed in query-cpu-definitions
   * or not (loongarch64 8.2 does not list it) */
  mode = render_type_mode (ctx, cpu, "host-passthrough", "host", kvm,
                           facts->host_migratable);
  if (!kvm)
    explain_needs_kvm (ctx, mode, NULL, DC_REASON_UNSUPPORTED, "host-passthrough");
  max = dc_cpu_facts_find (facts, "max") != NULL;
  mode = render_type_mode (ctx, cpu, "maximum", "max", max, facts->max_migratable);
  if (!max)
    explain (ctx, mode, NULL, DC_REASON_UNSUPPORTED, "qemu-lacks-cpu-model",
             "cpu-model:max", "QEMU defines no \"max\" CPU model here");
  render_host_model (cpu, ctx, facts);
  render_custom (cpu, ctx, facts);
}

static void
render_memory_backing (DcCapsNode *root, const Ctx *ctx)
{
  DcCapsNode *mb = dc_caps_node_add_supported (root, "memoryBacking", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (mb, "sourceType");

  add_rules (ctx, e, memory_sources, G_N_ELEMENTS (memory_sources));
  finish_device (ctx, mb, e);
}

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

  add_rules (ctx, dc_caps_node_add_enum (device, "model"), models,
             G_N_ELEMENTS (models));
}

/* A floppy needs isa-fdc and an ISA bus to plug it into. */
static void
add_fdc_value (const Ctx *ctx, DcCapsNode *e, const char *value)
{
  static const Rule fdc = { NULL, RULE_TYPE, "isa-fdc" };

  if (has_fdc (ctx))
    dc_caps_enum_add (e, value);
  else if (!rule_holds (ctx, &fdc))
    explain_rule (ctx, e, value, DC_REASON_ABSENT, &fdc);
  else
    explain_absent (ctx, e, value, "board-lacks", "machine:no-isa-bus",
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
  add_value_or (ctx, dev, has_type (ctx, "scsi-cd") || has_type (ctx, "ide-cd"),
                "cdrom", "qemu-lacks-type", "qom-type:scsi-cd,ide-cd",
                "this QEMU has neither a SCSI nor an IDE CD-ROM device");
  add_fdc_value (ctx, dev, "floppy");
  add_rules (ctx, dev, &lun, 1);
  bus = dc_caps_node_add_enum (disk, "bus");
  add_value_or (ctx, bus, machine_has_builtin_ide (ctx), "ide", "board-lacks",
                "machine:no-builtin-ide",
                "this machine type has no built-in IDE controller");
  add_fdc_value (ctx, bus, "fdc");
  add_rules (ctx, bus, disk_buses, G_N_ELEMENTS (disk_buses));
  add_virtio_models (disk, ctx, "virtio-blk");
  finish_device (ctx, disk, bus);
}

static void
render_graphics (DcCapsNode *devices, const Ctx *ctx)
{
  static const Rule dbus = { "rdp", RULE_DISPLAY, "dbus" };
  DcCapsNode *graphics = dc_caps_node_add_supported (devices, "graphics", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (graphics, "type");

  add_rules (ctx, e, graphics_before_rdp, G_N_ELEMENTS (graphics_before_rdp));
  /* RDP is served by libvirt's qemu-rdp helper through QEMU's D-Bus
   * display (libvirt 11) */
  if (!rule_holds (ctx, &dbus))
    explain_rule (ctx, e, "rdp", DC_REASON_ABSENT, &dbus);
  else
    add_value_or (ctx, e, ctx->host->qemu_rdp, "rdp", "host-lacks-qemu-rdp",
                  "host:qemu-rdp", "libvirt's qemu-rdp helper is not installed");
  add_rules (ctx, e, graphics_after_rdp, G_N_ELEMENTS (graphics_after_rdp));
  finish_device (ctx, graphics, e);
}

static void
render_video (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *video = dc_caps_node_add_supported (devices, "video", TRUE);

  add_rules (ctx, dc_caps_node_add_enum (video, "modelType"), video_models,
             G_N_ELEMENTS (video_models));
}

static void
add_vfio_value (const Ctx *ctx, DcCapsNode *e, gboolean vfio, const char *value)
{
  static const Rule type = { NULL, RULE_TYPE, "vfio-pci" };

  if (vfio)
    dc_caps_enum_add (e, value);
  else if (!rule_holds (ctx, &type))
    explain_rule (ctx, e, value, DC_REASON_ABSENT, &type);
  else
    explain_absent (ctx, e, value, "host-lacks-vfio", "host:/dev/vfio/vfio",
                    "this host offers no VFIO (no /dev/vfio/vfio or no IOMMU "
                    "groups: load vfio-pci and enable the IOMMU)");
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
  add_rules (ctx, dc_caps_node_add_enum (hostdev, "subsysType"), hostdev_subsys,
             G_N_ELEMENTS (hostdev_subsys));
  /* capsType (storage, misc, net) is for containers, never for QEMU. */
  dc_caps_node_add_enum (hostdev, "capsType");
  e = dc_caps_node_add_enum (hostdev, "pciBackend");
  add_vfio_value (ctx, e, vfio, "default");
  add_vfio_value (ctx, e, vfio, "vfio");
}

static void
render_rng (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *rng = dc_caps_node_add_supported (devices, "rng", TRUE);
  DcCapsNode *e;

  add_virtio_models (rng, ctx, "virtio-rng");
  e = dc_caps_node_add_enum (rng, "backendModel");
  add_rules (ctx, e, rng_backends, G_N_ELEMENTS (rng_backends));
  finish_device (ctx, rng, dc_caps_node_find (rng, "enum"));
}

static void
render_filesystem (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *fs = dc_caps_node_add_supported (devices, "filesystem", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (fs, "driverType");

  add_rules (ctx, e, filesystem_drivers, G_N_ELEMENTS (filesystem_drivers));
  finish_device (ctx, fs, e);
}

/* The TPM versions swtpm can set up, through QEMU's emulator backend. */
static void
add_tpm_version (const Ctx *ctx, DcCapsNode *e, const Rule *emulator,
                 gboolean ok, const char *version)
{
  gboolean backend = rule_holds (ctx, emulator);

  if (backend && ok)
    dc_caps_enum_add (e, version);
  else if (!backend)
    explain_rule (ctx, e, version, DC_REASON_ABSENT, emulator);
  else if (!ctx->host->swtpm)
    explain_absent (ctx, e, version, "host-lacks-swtpm", "host:swtpm_setup",
                    "swtpm not found (swtpm_setup --print-capabilities did not "
                    "answer; install swtpm-tools)");
  else
    explain (ctx, e, version, DC_REASON_ABSENT, "swtpm-lacks-version",
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

  add_value_or (ctx, model, has_type (ctx, "tpm-tis") || has_type (ctx, "tpm-tis-device"),
                "tpm-tis", "qemu-lacks-type", "qom-type:tpm-tis,tpm-tis-device",
                "this QEMU has no TIS TPM device (tpm-tis, tpm-tis-device)");
  add_rules (ctx, model, tpm_models, G_N_ELEMENTS (tpm_models));
  add_rules (ctx, dc_caps_node_add_enum (tpm, "backendModel"), tpm_backends,
             G_N_ELEMENTS (tpm_backends));
  render_tpm_versions (ctx, dc_caps_node_add_enum (tpm, "backendVersion"),
                       &tpm_backends[1]);
  finish_device (ctx, tpm, model);
}

static void
render_redirdev (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *redir = dc_caps_node_add_supported (devices, "redirdev", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (redir, "bus");

  add_rules (ctx, e, redirdev_buses, G_N_ELEMENTS (redirdev_buses));
  finish_device (ctx, redir, e);
}

static void
render_channel (DcCapsNode *devices, const Ctx *ctx)
{
  static const Rule spice = { "spicevmc", RULE_OPTION, "spice" };
  static const Rule spicevmc = { "spicevmc", RULE_CHARDEV, "spicevmc" };
  DcCapsNode *channel = dc_caps_node_add_supported (devices, "channel", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (channel, "type");

  add_rules (ctx, e, channel_types, G_N_ELEMENTS (channel_types));
  if (!rule_holds (ctx, &spice))
    explain_rule (ctx, e, "spicevmc", DC_REASON_ABSENT, &spice);
  else
    add_rules (ctx, e, &spicevmc, 1);
  finish_device (ctx, channel, e);
}

/* <crypto> (libvirt 10.0): virtio-crypto with QEMU's cryptodev backends. */
static void
render_crypto (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *crypto = dc_caps_node_add_supported (devices, "crypto", TRUE);
  DcCapsNode *model = dc_caps_node_add_enum (crypto, "model");
  DcCapsNode *e;

  add_rules (ctx, model, crypto_models, G_N_ELEMENTS (crypto_models));
  e = dc_caps_node_add_enum (crypto, "type");
  add_value_or (ctx, e, !enum_is_empty (model), "qemu", "qemu-lacks-type",
                "qom-type:virtio-crypto-*", "QEMU's crypto device needs virtio-crypto");
  add_rules (ctx, dc_caps_node_add_enum (crypto, "backendModel"), crypto_backends,
             G_N_ELEMENTS (crypto_backends));
  finish_device (ctx, crypto, model);
}

/* <interface> (libvirt 9.x): the backend of a user-mode NIC; passt
 * connects to QEMU's "stream" netdev (QEMU 7.2). */
static void
render_interface (DcCapsNode *devices, const Ctx *ctx)
{
  DcCapsNode *interface = dc_caps_node_add_supported (devices, "interface", TRUE);

  add_rules (ctx, dc_caps_node_add_enum (interface, "backendType"), interface_backends,
             G_N_ELEMENTS (interface_backends));
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
    add_rules (ctx, e, &isa, 1);
  else
    explain_absent (ctx, e, "isa", "other-arch", "arch", "an ISA panic device is x86's");
  add_value_or (ctx, e, machine_is (ctx, pseries), "pseries", "board-lacks",
                "machine:not-pseries", "this is not a pseries machine");
  add_value_or (ctx, e, x86, "hyperv", "other-arch", "arch",
                "Hyper-V's crash notification is x86's");
  add_value_or (ctx, e, g_str_equal (ctx->query->arch, "s390x"), "s390",
                "other-arch", "arch", "the s390 panic notification is s390x's");
  add_rules (ctx, e, &pci, 1);
  finish_device (ctx, panic, e);
}

static void
add_gic_version (const Ctx *ctx, DcCapsNode *e, const DcGicVersion *v)
{
  gboolean kvm = is_kvm (ctx);
  g_autofree char *number = g_strdup_printf ("%u", v->version);
  g_autofree char *fact = NULL;

  if (kvm ? v->kernel : v->emulated)
    dc_caps_enum_add (e, number);
  else if (ctx->reasons != NULL)
    {
      fact = g_strdup_printf ("query-gic-capabilities:v%u.%s", v->version,
                              kvm ? "kernel" : "emulated");
      explain (ctx, e, number, DC_REASON_ABSENT, kvm ? "kvm-lacks-gic" : "tcg-lacks-gic",
               fact, kvm ? "KVM cannot provide GICv%u in the kernel"
                         : "QEMU cannot emulate GICv%u", v->version);
    }
}

/* <gic>: the GIC versions of an ARM virt board, as KVM (in-kernel) or TCG
 * (emulated) can provide them. */
static void
render_gic (DcCapsNode *features, const Ctx *ctx)
{
  static const char *const virt[] = { "virt", "virt-*", NULL };
  DcCapsNode *gic = dc_caps_node_add_supported (features, "gic", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (gic, "version");

  if (!dc_arch_is_arm (ctx->query->arch) || !machine_is (ctx, virt))
    {
      explain (ctx, gic, NULL, DC_REASON_UNSUPPORTED, "board-lacks",
               "machine:not-arm-virt", "a GIC is chosen only on ARM's virt board");
      dc_caps_node_set_unsupported (gic);
      return;
    }
  for (guint i = 0; i < ctx->facts->gic->len; i++)
    add_gic_version (ctx, e, &g_array_index (ctx->facts->gic, DcGicVersion, i));
  finish_device (ctx, gic, e);
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

/* Why protected virtualisation is not offered, where it is not. */
static void
explain_s390_pv (const Ctx *ctx, DcCapsNode *node, const char *value,
                 const char *state)
{
  static const Rule type = { NULL, RULE_TYPE, "s390-pv-guest" };

  if (!g_str_equal (ctx->query->arch, "s390x"))
    explain (ctx, node, value, state, "other-arch", "arch",
             "protected virtualisation is s390x's");
  else if (!is_kvm (ctx))
    explain_needs_kvm (ctx, node, value, state, "protected virtualisation");
  else if (!ctx->host->s390_pv)
    explain (ctx, node, value, state, "host-lacks-s390-pv",
             "host:/sys/firmware/uv/prot_virt_host",
             "the host does not allow protected virtualisation (no ultravisor, "
             "or the kernel's prot_virt is off)");
  else
    explain_rule (ctx, node, value, state, &type);
}

static void
render_s390_pv (DcCapsNode *features, const Ctx *ctx)
{
  DcCapsNode *node;

  if (!g_str_equal (ctx->query->arch, "s390x"))
    return;
  node = dc_caps_node_add_supported (features, "s390-pv", s390_pv_supported (ctx));
  if (!s390_pv_supported (ctx))
    explain_s390_pv (ctx, node, NULL, DC_REASON_UNSUPPORTED);
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
explain_sev (const Ctx *ctx, DcCapsNode *node, const char *value,
             const char *state)
{
  if (!dc_arch_is_x86 (ctx->query->arch))
    explain (ctx, node, value, state, "other-arch", "arch",
             "SEV is AMD's, for x86 guests");
  else if (!is_kvm (ctx))
    explain_needs_kvm (ctx, node, value, state, "SEV");
  else if (!ctx->facts->sev.present)
    explain (ctx, node, value, state, "qemu-no-sev",
             "qmp-command:query-sev-capabilities",
             "QEMU reports no SEV (query-sev-capabilities failed: not an AMD "
             "host with SEV, or /dev/sev not accessible)");
  else
    explain (ctx, node, value, state, "host-sev-off",
             "host:/sys/module/kvm_amd/parameters/sev",
             "kvm_amd module parameter sev is not enabled");
}

static void
explain_sev_snp (const Ctx *ctx, DcCapsNode *node, const char *value)
{
  static const Rule type = { NULL, RULE_TYPE, "sev-snp-guest" };

  if (!sev_supported (ctx))
    explain_sev (ctx, node, value, DC_REASON_ABSENT);
  else if (!ctx->host->sev_snp)
    explain (ctx, node, value, DC_REASON_ABSENT, "host-sev-snp-off",
             "host:/sys/module/kvm_amd/parameters/sev_snp",
             "kvm_amd module parameter sev_snp is not enabled");
  else
    explain_rule (ctx, node, value, DC_REASON_ABSENT, &type);
}

static void
render_sev (DcCapsNode *features, const Ctx *ctx)
{
  const DcSevFacts *sev = &ctx->facts->sev;
  gboolean ok = sev_supported (ctx);
  DcCapsNode *node = dc_caps_node_add_supported (features, "sev", ok);

  if (!ok)
    {
      explain_sev (ctx, node, NULL, DC_REASON_UNSUPPORTED);
      return;
    }
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

  if (!dc_arch_is_x86 (ctx->query->arch))
    explain (ctx, node, NULL, DC_REASON_UNSUPPORTED, "other-arch", "arch",
             "SGX is Intel's, for x86 guests");
  else if (!is_kvm (ctx))
    explain_needs_kvm (ctx, node, NULL, DC_REASON_UNSUPPORTED, "SGX");
  else if (!ok)
    explain (ctx, node, NULL, DC_REASON_UNSUPPORTED, "qemu-no-sgx",
             "qmp-command:query-sgx-capabilities",
             "QEMU reports no SGX (query-sgx-capabilities: not an Intel host "
             "with SGX enabled in firmware and kernel)");
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
  { "emsr_bitmap", "hv-emsr-bitmap", FALSE },   /* libvirt 10.x, QEMU 7.1 */
  { "xmm_input", "hv-xmm-input", FALSE },       /* libvirt 10.x, QEMU 7.1 */
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
    {
      const char *name = hyperv_features[i].name;
      const char *property = hyperv_features[i].property;
      g_autofree char *fact = NULL;

      if (hyperv_features[i].always ||
          (is_kvm (ctx) && g_hash_table_contains (ctx->facts->hyperv, property)))
        dc_caps_enum_add (e, name);
      else if (!is_kvm (ctx))
        explain_needs_kvm (ctx, e, name, DC_REASON_ABSENT, "Hyper-V enlightenment");
      else
        {
          fact = g_strdup_printf ("cpu-expansion:host.%s", property);
          explain (ctx, e, name, DC_REASON_ABSENT, "kvm-lacks-hyperv", fact,
                   "KVM does not pass %s through on this host", property);
        }
    }
}

/* <launchSecurity> (libvirt 10): the confidential-guest kinds offered,
 * each decided as its own element is. */
static void
render_launch_security (DcCapsNode *features, const Ctx *ctx)
{
  DcCapsNode *node = dc_caps_node_add_supported (features, "launchSecurity", TRUE);
  DcCapsNode *e = dc_caps_node_add_enum (node, "sectype");

  if (sev_supported (ctx))
    dc_caps_enum_add (e, "sev");
  else
    explain_sev (ctx, e, "sev", DC_REASON_ABSENT);
  if (sev_snp_supported (ctx))
    dc_caps_enum_add (e, "sev-snp");
  else
    explain_sev_snp (ctx, e, "sev-snp");
  if (s390_pv_supported (ctx))
    dc_caps_enum_add (e, "s390-pv");
  else
    explain_s390_pv (ctx, e, "s390-pv", DC_REASON_ABSENT);
  finish_device (ctx, node, e);
}

static void
render_features (DcCapsNode *root, const Ctx *ctx)
{
  DcCapsNode *features = dc_caps_node_add (root, "features");

  gboolean x86 = dc_arch_is_x86 (ctx->query->arch);

  render_gic (features, ctx);
  for (gsize i = 0; i < G_N_ELEMENTS (feature_rules); i++)
    add_supported_rule (ctx, features, feature_rules[i].value, feature_rules[i].kind,
                        feature_rules[i].name);
  add_supported_or (ctx, features, "backup",
                    has_command (ctx, "blockdev-backup") &&
                    has_command (ctx, "block-dirty-bitmap-merge"),
                    "qemu-lacks-command",
                    "qmp-command:blockdev-backup,block-dirty-bitmap-merge",
                    "this QEMU lacks blockdev-backup or block-dirty-bitmap-merge");
  /* -run-with async-teardown=on (QEMU 8.1) */
  add_supported_or (ctx, features, "async-teardown",
                    g_hash_table_contains (ctx->facts->options, "run-with.async-teardown"),
                    "qemu-lacks-option", "command-line:-run-with.async-teardown",
                    "this QEMU has no -run-with async-teardown (QEMU 8.1)");
  render_s390_pv (features, ctx);
  /* a PS/2 controller that can be left out (the pc machines' i8042
   * property, QEMU 7.0) */
  add_supported_or (ctx, features, "ps2",
                    x86 && g_hash_table_contains (ctx->facts->pc_machine_properties,
                                                  "i8042"),
                    x86 ? "qemu-lacks-machine-property" : "other-arch",
                    x86 ? "machine-property:" DC_PC_MACHINE_TYPE ".i8042" : "arch",
                    x86 ? "this QEMU's pc machines cannot leave out the PS/2 "
                          "controller (no i8042 property; QEMU 7.0)"
                        : "the PS/2 controller option is x86's");
  render_sev (features, ctx);
  render_sgx (features, ctx);
  render_hyperv (features, ctx);
  render_launch_security (features, ctx);
}

DcCapsNode *
dc_render (const DcEmulatorFacts *facts, const DcHostFacts *host,
           GPtrArray *firmware, const DcRenderQuery *query)
{
  return dc_render_explained (facts, host, firmware, query, NULL);
}

DcCapsNode *
dc_render_explained (const DcEmulatorFacts *facts, const DcHostFacts *host,
                     GPtrArray *firmware, const DcRenderQuery *query,
                     GPtrArray *reasons)
{
  const Ctx ctx = { facts, host, firmware, query, reasons };
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

/* How a rule's fact reads in the documentation. */
static const char *const rule_facts[] = {
  [RULE_ALWAYS] = "always",
  [RULE_TYPE] = "QOM type `%s`",
  [RULE_PREFIX] = "a QOM type `%s*`",
  [RULE_COMMAND] = "QMP command `%s`",
  [RULE_DISPLAY] = "display type `%s` in the QMP schema",
  [RULE_CHARDEV] = "chardev backend `%s` in the QMP schema",
  [RULE_NETDEV] = "netdev type `%s` in the QMP schema",
  [RULE_OPTION] = "command-line option `-%s`",
  [RULE_TPM_TYPE] = "TPM backend `%s` (query-tpm-types)",
};

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
char *
dc_render_rules_markdown (void)
{
  GString *out = g_string_new ("| element | enum | value | offered with |\n|---|---|---|---|\n");

  for (gsize t = 0; t < G_N_ELEMENTS (rule_tables); t++)
    for (gsize i = 0; i < rule_tables[t].n; i++)
      {
        const Rule *rule = &rule_tables[t].rules[i];
        g_autofree char *fact = g_strdup_printf (rule_facts[rule->kind], rule->name);

        g_string_append_printf (out, "| %s | %s | `%s` | %s |\n", rule_tables[t].element,
                                rule_tables[t].enum_name, rule->value, fact);
      }
  return g_string_free (out, FALSE);
}
#pragma GCC diagnostic pop
