/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-render-features.c: <features>: GIC, SEV, SGX, Hyper-V, s390-pv and the rest. */
#include "config.h"

#include "dc-render-private.h"

#include "dc-arch.h"

/* Elements supported='yes' with one emulator fact each (value: the
 * element's name), in their order in the answer. */
static const Rule feature_rules[] = {
  { "vmcoreinfo", RULE_TYPE, "vmcoreinfo" },
  { "genid", RULE_TYPE, "vmgenid" },
  { "backingStoreInput", RULE_COMMAND, "blockdev-add" },
};
static const RuleTable feature_table = RULE_TABLE ("features", "(supported)", feature_rules);

const RuleTable *const rd_features_tables[] = { &feature_table, NULL };

static void
add_gic_version (const Ctx *ctx, DcCapsNode *e, const DcGicVersion *v)
{
  gboolean kvm = rd_is_kvm (ctx);
  g_autofree char *number = g_strdup_printf ("%u", v->version);
  g_autofree char *fact = NULL;

  if (kvm ? v->kernel : v->emulated)
    dc_caps_enum_add (e, number);
  else if (ctx->reasons != NULL)
    {
      fact = g_strdup_printf ("query-gic-capabilities:v%u.%s", v->version,
                              kvm ? "kernel" : "emulated");
      rd_explain (ctx, e, number, DC_REASON_ABSENT, kvm ? "kvm-lacks-gic" : "tcg-lacks-gic",
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

  if (!dc_arch_is_arm (ctx->query->arch) || !rd_machine_is (ctx, virt))
    {
      rd_explain (ctx, gic, NULL, DC_REASON_UNSUPPORTED, "board-lacks",
                  "machine:not-arm-virt", "a GIC is chosen only on ARM's virt board");
      dc_caps_node_set_unsupported (gic);
      return;
    }
  for (guint i = 0; i < ctx->facts->gic->len; i++)
    add_gic_version (ctx, e, &g_array_index (ctx->facts->gic, DcGicVersion, i));
  rd_finish_device (ctx, gic, e);
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
  return g_str_equal (ctx->query->arch, "s390x") && rd_is_kvm (ctx) &&
         ctx->host->s390_pv && rd_has_type (ctx, "s390-pv-guest");
}

/* Why protected virtualisation is not offered, where it is not. */
static void
explain_s390_pv (const Ctx *ctx, DcCapsNode *node, const char *value,
                 const char *state)
{
  static const Rule type = { NULL, RULE_TYPE, "s390-pv-guest" };

  if (!g_str_equal (ctx->query->arch, "s390x"))
    rd_explain (ctx, node, value, state, "other-arch", "arch",
                "protected virtualisation is s390x's");
  else if (!rd_is_kvm (ctx))
    rd_explain_needs_kvm (ctx, node, value, state, "protected virtualisation");
  else if (!ctx->host->s390_pv)
    rd_explain (ctx, node, value, state, "host-lacks-s390-pv",
                "host:/sys/firmware/uv/prot_virt_host",
                "the host does not allow protected virtualisation (no ultravisor, "
                "or the kernel's prot_virt is off)");
  else
    rd_explain_rule (ctx, node, value, state, &type);
}

/* Written for every arch, as libvirt 12 does (11 wrote it on s390x only). */
static void
render_s390_pv (DcCapsNode *features, const Ctx *ctx)
{
  DcCapsNode *node;

  node = dc_caps_node_add_supported (features, "s390-pv", s390_pv_supported (ctx));
  if (!s390_pv_supported (ctx))
    explain_s390_pv (ctx, node, NULL, DC_REASON_UNSUPPORTED);
}

/* <tdx> (libvirt 11.x): Intel TDX guests need KVM with kvm_intel's tdx
 * on and QEMU's tdx-guest object (QEMU 10.1). */
static gboolean
tdx_supported (const Ctx *ctx)
{
  return dc_arch_is_x86 (ctx->query->arch) && rd_is_kvm (ctx) && ctx->host->tdx &&
         rd_has_type (ctx, "tdx-guest");
}

static void
explain_tdx (const Ctx *ctx, DcCapsNode *node, const char *value, const char *state)
{
  static const Rule type = { NULL, RULE_TYPE, "tdx-guest" };

  if (!dc_arch_is_x86 (ctx->query->arch))
    rd_explain (ctx, node, value, state, "other-arch", "arch", "TDX is Intel's, for x86 guests");
  else if (!rd_is_kvm (ctx))
    rd_explain_needs_kvm (ctx, node, value, state, "TDX");
  else if (!rd_rule_holds (ctx, &type))
    rd_explain_rule (ctx, node, value, state, &type);
  else if (!ctx->host->tdx)
    rd_explain (ctx, node, value, state, "host-tdx-off",
                "host:/sys/module/kvm_intel/parameters/tdx",
                "kvm_intel module parameter tdx is not enabled");
}

static void
render_tdx (DcCapsNode *features, const Ctx *ctx)
{
  DcCapsNode *node = dc_caps_node_add_supported (features, "tdx", tdx_supported (ctx));

  if (!tdx_supported (ctx))
    explain_tdx (ctx, node, NULL, DC_REASON_UNSUPPORTED);
}

static gboolean
sev_supported (const Ctx *ctx)
{
  return rd_is_kvm (ctx) && ctx->facts->sev.present && ctx->host->sev;
}

/* SEV-SNP: QEMU's sev-snp-guest object (QEMU 9.1) and kvm_amd's sev_snp. */
static gboolean
sev_snp_supported (const Ctx *ctx)
{
  return sev_supported (ctx) && ctx->host->sev_snp && rd_has_type (ctx, "sev-snp-guest");
}

static void
explain_sev (const Ctx *ctx, DcCapsNode *node, const char *value,
             const char *state)
{
  if (!dc_arch_is_x86 (ctx->query->arch))
    rd_explain (ctx, node, value, state, "other-arch", "arch",
                "SEV is AMD's, for x86 guests");
  else if (!rd_is_kvm (ctx))
    rd_explain_needs_kvm (ctx, node, value, state, "SEV");
  else if (!ctx->facts->sev.present)
    rd_explain (ctx, node, value, state, "qemu-no-sev",
                "qmp-command:query-sev-capabilities",
                "QEMU reports no SEV (query-sev-capabilities failed: not an AMD "
                "host with SEV, or /dev/sev not accessible)");
  else
    rd_explain (ctx, node, value, state, "host-sev-off",
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
    rd_explain (ctx, node, value, DC_REASON_ABSENT, "host-sev-snp-off",
                "host:/sys/module/kvm_amd/parameters/sev_snp",
                "kvm_amd module parameter sev_snp is not enabled");
  else
    rd_explain_rule (ctx, node, value, DC_REASON_ABSENT, &type);
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
  gboolean ok = rd_is_kvm (ctx) && sgx->present;
  DcCapsNode *node = dc_caps_node_add_supported (features, "sgx", ok);
  DcCapsNode *size;

  if (!dc_arch_is_x86 (ctx->query->arch))
    rd_explain (ctx, node, NULL, DC_REASON_UNSUPPORTED, "other-arch", "arch",
                "SGX is Intel's, for x86 guests");
  else if (!rd_is_kvm (ctx))
    rd_explain_needs_kvm (ctx, node, NULL, DC_REASON_UNSUPPORTED, "SGX");
  else if (!ok)
    rd_explain (ctx, node, NULL, DC_REASON_UNSUPPORTED, "qemu-no-sgx",
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

  /* Without KVM libvirt 12 writes no <hyperv>: the enlightenments are
   * KVM's, and spinlocks and vendor_id alone make no Hyper-V guest. */
  if (!dc_arch_is_x86 (ctx->query->arch) || !rd_is_kvm (ctx))
    return;
  hyperv = dc_caps_node_add_supported (features, "hyperv", TRUE);
  e = dc_caps_node_add_enum (hyperv, "features");
  for (gsize i = 0; i < G_N_ELEMENTS (hyperv_features); i++)
    {
      const char *name = hyperv_features[i].name;
      const char *property = hyperv_features[i].property;
      g_autofree char *fact = NULL;

      if (hyperv_features[i].always ||
          (rd_is_kvm (ctx) && g_hash_table_contains (ctx->facts->hyperv, property)))
        dc_caps_enum_add (e, name);
      else if (!rd_is_kvm (ctx))
        rd_explain_needs_kvm (ctx, e, name, DC_REASON_ABSENT, "Hyper-V enlightenment");
      else
        {
          fact = g_strdup_printf ("cpu-expansion:host.%s", property);
          rd_explain (ctx, e, name, DC_REASON_ABSENT, "kvm-lacks-hyperv", fact,
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
  if (tdx_supported (ctx))
    dc_caps_enum_add (e, "tdx");
  else
    explain_tdx (ctx, e, "tdx", DC_REASON_ABSENT);
  rd_finish_device (ctx, node, e);
}

void
rd_render_features (DcCapsNode *root, const Ctx *ctx)
{
  DcCapsNode *features = dc_caps_node_add (root, "features");

  gboolean x86 = dc_arch_is_x86 (ctx->query->arch);

  render_gic (features, ctx);
  rd_add_supported_table (ctx, features, &feature_table);
  rd_add_supported_or (ctx, features, "backup",
                       rd_has_command (ctx, "blockdev-backup") &&
                       rd_has_command (ctx, "block-dirty-bitmap-merge"),
                       "qemu-lacks-command",
                       "qmp-command:blockdev-backup,block-dirty-bitmap-merge",
                       "this QEMU lacks blockdev-backup or block-dirty-bitmap-merge");
  /* -run-with async-teardown=on (QEMU 8.1) */
  rd_add_supported_or (ctx, features, "async-teardown",
                       g_hash_table_contains (ctx->facts->options, "run-with.async-teardown"),
                       "qemu-lacks-option", "command-line:-run-with.async-teardown",
                       "this QEMU has no -run-with async-teardown (QEMU 8.1)");
  render_s390_pv (features, ctx);
  /* a PS/2 controller that can be left out (the pc machines' i8042
   * property, QEMU 7.0) */
  rd_add_supported_or (ctx, features, "ps2",
                       x86 && g_hash_table_contains (ctx->facts->pc_machine_properties,
                                                  "i8042"),
                    x86 ? "qemu-lacks-machine-property" : "other-arch",
                    x86 ? "machine-property:" DC_PC_MACHINE_TYPE ".i8042" : "arch",
                    x86 ? "this QEMU's pc machines cannot leave out the PS/2 "
                          "controller (no i8042 property; QEMU 7.0)"
                        : "the PS/2 controller option is x86's");
  render_tdx (features, ctx);
  render_sev (features, ctx);
  render_sgx (features, ctx);
  render_hyperv (features, ctx);
  render_launch_security (features, ctx);
}
