/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-render-os.c: <os>, firmware and loader, from the firmware descriptors. */
#include "config.h"

#include "dc-render-private.h"

static const Rule loader_rules[] = {
  { "rom", RULE_ALWAYS, NULL },
  { "pflash", RULE_PREFIX, "cfi.pflash" },
};
static const RuleTable loader_types = RULE_TABLE ("os/loader", "type", loader_rules);

const RuleTable *const rd_os_tables[] = { &loader_types, NULL };

/* A descriptor this (arch, machine) can boot: it targets them, and the
 * machine offers what the firmware requires. */
static gboolean
firmware_usable (const Ctx *ctx, const DcFirmware *firmware)
{
  const DcRenderQuery *q = ctx->query;

  if (!dc_firmware_matches (firmware, q->arch, q->machine->name))
    return FALSE;
  return !dc_firmware_has_feature (firmware, "requires-smm") ||
         rd_machine_has_smm (ctx);
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

  rd_add_table (ctx, loader, &loader_types);
  e = dc_caps_node_add_enum (loader, "readonly");
  dc_caps_enum_add (e, "yes");
  dc_caps_enum_add (e, "no");
  e = dc_caps_node_add_enum (loader, "secure");
  rd_add_value_or (ctx, e, secure, "yes", "no-secure-firmware", "firmware-descriptors",
                   rd_machine_has_smm (ctx)
                  ? "no firmware descriptor for this machine offers Secure Boot "
                    "with SMM-protected variables"
                  : "Secure Boot needs SMM, which this machine type does not have");
  dc_caps_enum_add (e, "no");
}

/* @value offered, or why not. */
static void
add_offered (const Ctx *ctx, DcCapsNode *e, gboolean offered, const char *value,
             const char *verb, const char *feature)
{
  if (offered)
    dc_caps_enum_add (e, value);
  else
    rd_explain (ctx, e, value, DC_REASON_ABSENT, "no-firmware", "firmware-descriptors",
                "no firmware descriptor for machine %s on %s %s the feature %s",
                ctx->query->machine->name, ctx->query->arch, verb, feature);
}

/* Adds "yes" and "no" to @e as some usable descriptor has @feature or
 * lacks it. */
static void
add_feature_values (const Ctx *ctx, DcCapsNode *e, const char *feature)
{
  gboolean with = FALSE, without = FALSE;

  for (guint i = 0; i < ctx->firmware->len; i++)
    {
      const DcFirmware *firmware = g_ptr_array_index (ctx->firmware, i);

      if (!firmware_usable (ctx, firmware))
        continue;
      if (dc_firmware_has_feature (firmware, feature))
        with = TRUE;
      else
        without = TRUE;
    }
  add_offered (ctx, e, with, "yes", "has", feature);
  add_offered (ctx, e, without, "no", "goes without", feature);
}

/* <firmwareFeatures> (libvirt 11.x): what <os firmware='efi'> can ask of
 * the firmware it auto-selects, from the usable descriptors' features. */
static void
render_firmware_features (DcCapsNode *os, const Ctx *ctx)
{
  DcCapsNode *node = dc_caps_node_add_supported (os, "firmwareFeatures", TRUE);

  add_feature_values (ctx, dc_caps_node_add_enum (node, "secureBoot"), "secure-boot");
  add_feature_values (ctx, dc_caps_node_add_enum (node, "enrolledKeys"), "enrolled-keys");
}

/* <varstore> (libvirt 11.x): UEFI variables kept by QEMU itself (its
 * uefi-vars device, QEMU 10.0) rather than in a flash file; needs a
 * firmware built for it (descriptor feature host-uefi-vars). */
static void
render_varstore (DcCapsNode *os, const Ctx *ctx)
{
  static const Rule device = { NULL, RULE_PREFIX, "uefi-vars-" };
  gboolean firmware = FALSE;
  DcCapsNode *node;

  for (guint i = 0; i < ctx->firmware->len; i++)
    {
      const DcFirmware *f = g_ptr_array_index (ctx->firmware, i);

      firmware |= firmware_usable (ctx, f) && dc_firmware_has_feature (f, "host-uefi-vars");
    }
  node = dc_caps_node_add_supported (os, "varstore",
                                     firmware && rd_rule_holds (ctx, &device));
  if (!rd_rule_holds (ctx, &device))
    rd_explain_rule (ctx, node, NULL, DC_REASON_UNSUPPORTED, &device);
  else if (!firmware)
    rd_explain (ctx, node, NULL, DC_REASON_UNSUPPORTED, "no-firmware",
                "firmware-descriptors", "no firmware descriptor for machine %s on %s "
                "keeps its variables in QEMU (feature host-uefi-vars)",
                ctx->query->machine->name, ctx->query->arch);
}

static void
explain_firmware (const Ctx *ctx, DcCapsNode *kinds, gboolean ok,
                  const char *kind)
{
  if (ok)
    dc_caps_enum_add (kinds, kind);
  else
    rd_explain (ctx, kinds, kind, DC_REASON_ABSENT, "no-firmware", "firmware-descriptors",
                "no firmware descriptor offers %s for machine %s on %s "
                "(%u usable descriptors read)", kind, ctx->query->machine->name,
                ctx->query->arch, ctx->firmware->len);
}

/* <os>: firmware auto-selection offers a value only where a descriptor
 * for it matches; secure='yes' needs a Secure Boot firmware whose flash
 * SMM protects, on a machine with SMM. */
void
rd_render_os (DcCapsNode *root, const Ctx *ctx)
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
  render_firmware_features (os, ctx);
  render_loader (os, ctx, secure);
  render_varstore (os, ctx);
}
