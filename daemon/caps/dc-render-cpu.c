/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-render-cpu.c: <cpu>: its modes and the models QEMU defines. */
#include "config.h"

#include "dc-render-private.h"

#include <string.h>

#include "dc-arch.h"
#include "dc-cpu-model.h"

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
      rd_explain (ctx, e, "on", DC_REASON_ABSENT, "qemu-lacks-cpu-property", fact,
                  "QEMU's %s CPU type has no \"migratable\" property", type);
    }
  dc_caps_enum_add (e, "off");
  return node;
}


/* The required and the disabled features, by name as libvirt 12 writes
 * them (both lists are sorted). */
static void
add_host_model_features (DcCapsNode *mode, const DcHostModel *host_model)
{
  GPtrArray *required = host_model->required, *disabled = host_model->disabled;
  guint r = 0, d = 0;

  while (r < required->len || d < disabled->len)
    {
      gboolean take_required =
        d == disabled->len ||
        (r < required->len && strcmp (g_ptr_array_index (required, r),
                                      g_ptr_array_index (disabled, d)) < 0);
      DcCapsNode *feature = dc_caps_node_add (mode, "feature");

      dc_caps_node_set_attr (feature, "policy", take_required ? "require" : "disable");
      dc_caps_node_set_attr (feature, "name", take_required
                             ? g_ptr_array_index (required, r++)
                             : g_ptr_array_index (disabled, d++));
    }
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
      rd_explain (ctx, mode, NULL, DC_REASON_UNSUPPORTED, "no-host-model",
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
  if (rd_is_kvm (ctx) && ctx->host->phys_addr_bits > 0)
    {
      DcCapsNode *bits = dc_caps_node_add (mode, "maxphysaddr");
      g_autofree char *limit = g_strdup_printf ("%u", ctx->host->phys_addr_bits);

      dc_caps_node_set_attr (bits, "mode", "passthrough");
      dc_caps_node_set_attr (bits, "limit", limit);
    }
  add_host_model_features (mode, host_model);
}

/* The expansion that tells a model's vendor: its own, or for a
 * versioned model ("EPYC-v2") the unversioned one's. */
static const DcCpuExpansion *
vendor_source (const Ctx *ctx, const char *name)
{
  const DcCpuFacts *any = ctx->facts->cpu_tcg ? ctx->facts->cpu_tcg
                                              : ctx->facts->cpu_kvm;
  const DcCpuExpansion *expansion = g_hash_table_lookup (any->models, name);
  g_autofree char *base = NULL;

  if (expansion != NULL || dc_cpu_model_version (name) == NULL)
    return expansion;
  base = dc_cpu_model_unversioned (name);
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
  rd_explain (ctx, model, NULL, DC_REASON_UNUSABLE, "cpu-blockers", fact,
              "the CPU %s offers lacks %s", rd_is_kvm (ctx) ? "KVM" : "TCG",
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
  if (def->deprecated && dc_cpu_model_version (def->name) != NULL)
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
                         : source ? dc_cpu_model_vendor (def->name, source) : "unknown");
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
    rd_explain (ctx, mode, NULL, DC_REASON_UNSUPPORTED,
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

void
rd_render_cpu (DcCapsNode *root, const Ctx *ctx)
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
    rd_explain_needs_kvm (ctx, mode, NULL, DC_REASON_UNSUPPORTED, "host-passthrough");
  max = dc_cpu_facts_find (facts, "max") != NULL;
  mode = render_type_mode (ctx, cpu, "maximum", "max", max, facts->max_migratable);
  if (!max)
    rd_explain (ctx, mode, NULL, DC_REASON_UNSUPPORTED, "qemu-lacks-cpu-model",
                "cpu-model:max", "QEMU defines no \"max\" CPU model here");
  render_host_model (cpu, ctx, facts);
  render_custom (cpu, ctx, facts);
}
