/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-cpu-model.c: host-model from QEMU's view of the host CPU. */
#include "config.h"

#include "dc-cpu-model.h"

#include <string.h>

#include "dc-cpu-map.h"

/* QEMU's canonical feature names that domain XML spells differently.
 * QEMU accepts both spellings (the second is an alias property that its
 * full expansions list); libvirt writes the second. Found by comparing
 * QEMU's expansions with libvirt's answers, not taken from either's code;
 * tests/test-cpu-model.c checks that QEMU reports each pair. */
static const struct {
  const char *qemu;
  const char *xml;
} feature_spellings[] = {
  { "cmp-legacy", "cmp_legacy" },
  { "ds-cpl", "ds_cpl" },
  { "fxsr-opt", "fxsr_opt" },
  { "lahf-lm", "lahf_lm" },
  { "nodeid-msr", "nodeid_msr" },
  { "pclmulqdq", "pclmuldq" },
  { "perfctr-core", "perfctr_core" },
  { "perfctr-nb", "perfctr_nb" },
  { "tsc-adjust", "tsc_adjust" },
};

/* Set by QEMU on models, yet no part of one: "hypervisor" marks every
 * virtual CPU; MONITOR/MWAIT is never given to KVM guests, and libvirt's
 * models left it out. host-model requires them from the host instead. */
static const char *const not_model_features[] = { "hypervisor", "monitor" };

static const struct {
  const char *cpuid;
  const char *name;
} vendors[] = {
  { "GenuineIntel", "Intel" },
  { "AuthenticAMD", "AMD" },
  { "HygonGenuine", "Hygon" },
  { "CentaurHauls", "Zhaoxin CentaurHauls" },   /* libvirt 12's name for it */
};

/* QEMU's generic-looking models that are named for one vendor's product:
 * QEMU gives them a generic model-id, yet they have that vendor. */
static const struct {
  const char *model;
  const char *cpuid;
} product_models[] = {
  { "athlon", "AuthenticAMD" },
};

const char *
dc_cpu_feature_name (const char *qemu_name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (feature_spellings); i++)
    if (g_str_equal (feature_spellings[i].qemu, qemu_name))
      return feature_spellings[i].xml;
  return qemu_name;
}

gboolean
dc_cpu_feature_is_cpu (const char *qemu_name)
{
  return !g_str_has_prefix (qemu_name, "kvm");
}

const char *
dc_cpu_model_version (const char *name)
{
  const char *dash = strrchr (name, '-');

  if (dash == NULL || dash[1] != 'v' || dash[2] == '\0' ||
      strspn (dash + 2, "0123456789") != strlen (dash + 2))
    return NULL;
  return dash;
}

char *
dc_cpu_model_unversioned (const char *name)
{
  const char *version = dc_cpu_model_version (name);

  return version ? g_strndup (name, (gsize) (version - name)) : g_strdup (name);
}

static gboolean
is_product (const char *name, const DcCpuExpansion *model)
{
  g_autofree char *base = dc_cpu_model_unversioned (name);

  for (gsize i = 0; i < G_N_ELEMENTS (product_models); i++)
    if (g_str_equal (product_models[i].model, base) &&
        g_str_equal (product_models[i].cpuid, model->vendor))
      return TRUE;
  return FALSE;
}

/* QEMU's generic models imitate no product: no model-id, or one that
 * names QEMU or KVM itself. */
static gboolean
is_generic (const DcCpuExpansion *model)
{
  const char *id = model->model_id;

  return id[0] == '\0' || g_str_has_prefix (id, "QEMU Virtual CPU") ||
         strstr (id, "KVM processor") != NULL;
}

static const char *
vendor_name (const char *cpuid)
{
  for (gsize i = 0; i < G_N_ELEMENTS (vendors); i++)
    if (g_str_equal (vendors[i].cpuid, cpuid))
      return vendors[i].name;
  return NULL;
}

const char *
dc_cpu_model_vendor (const char *name, const DcCpuExpansion *model)
{
  const char *vendor = vendor_name (model->vendor);

  return vendor != NULL && (!is_generic (model) || is_product (name, model))
         ? vendor : "unknown";
}

void
dc_host_model_free (DcHostModel *host_model)
{
  if (host_model == NULL)
    return;
  g_free (host_model->model);
  g_free (host_model->vendor);
  g_ptr_array_unref (host_model->required);
  g_ptr_array_unref (host_model->disabled);
  g_free (host_model);
}

/* ---- feature sets, in domain XML's spelling ---- */

static GHashTable *
name_set_new (void)
{
  return g_hash_table_new (g_str_hash, g_str_equal);
}

static void
add_features (GHashTable *set, GHashTable *qemu_names)
{
  GHashTableIter iter;
  const char *name;

  g_hash_table_iter_init (&iter, qemu_names);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    if (dc_cpu_feature_is_cpu (name))
      g_hash_table_add (set, (gpointer) dc_cpu_feature_name (name));
}

typedef struct {
  const DcCpuFacts *accel, *tcg, *kvm;
  GHashTable *host;          /* the host's features */
  const DcCpuExpansion *host_cpu;
} Context;

/* Each name of the space-separated @list, interned. */
static void
each_listed (const char *list, void (*func) (GHashTable *, const char *),
             GHashTable *set)
{
  g_auto(GStrv) names = g_strsplit (list, " ", -1);

  for (guint i = 0; names[i] != NULL; i++)
    if (names[i][0] != '\0')
      func (set, g_intern_string (names[i]));
}

static void
set_add (GHashTable *set, const char *name)
{
  g_hash_table_add (set, (gpointer) name);
}

static void
set_remove (GHashTable *set, const char *name)
{
  g_hash_table_remove (set, name);
}

GHashTable *
dc_cpu_model_features (const DcCpuFacts *tcg, const DcCpuFacts *kvm, const char *name)
{
  const DcCpuMapModel *known = dc_cpu_map_find (name);
  g_autofree char *expanded = known ? dc_cpu_model_unversioned (name) : g_strdup (name);
  const DcCpuExpansion *t = tcg ? g_hash_table_lookup (tcg->models, expanded) : NULL;
  const DcCpuExpansion *k = kvm ? g_hash_table_lookup (kvm->models, expanded) : NULL;
  GHashTable *features;

  if (t == NULL && k == NULL)
    return NULL;
  features = name_set_new ();
  add_features (features, t ? t->features : k->features);
  if (known != NULL)
    {
      each_listed (known->added, set_add, features);
      each_listed (known->dropped, set_remove, features);
    }
  else if (t != NULL)
    add_features (features, t->switched_off);
  for (gsize i = 0; i < G_N_ELEMENTS (not_model_features); i++)
    g_hash_table_remove (features, not_model_features[i]);
  return features;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Names in @a and not in @b, sorted. */
static GPtrArray *
difference (GHashTable *a, GHashTable *b)
{
  GPtrArray *result = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  const char *name;

  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    if (!g_hash_table_contains (b, name))
      g_ptr_array_add (result, g_strdup (name));
  g_ptr_array_sort (result, compare_names);
  return result;
}

typedef struct {
  const char *name;
  gboolean signature;    /* family and model match the host's */
  GPtrArray *required, *disabled;
  guint weight, penalty; /* libvirt_weigh() */
} Candidate;

static void
candidate_clear (Candidate *c)
{
  g_clear_pointer (&c->required, g_ptr_array_unref);
  g_clear_pointer (&c->disabled, g_ptr_array_unref);
}

/* The features that block a model under this accelerator and that the
 * host lacks are disabled even where the model (as QEMU expands it)
 * does not list them. */
static void
add_blockers (const Context *ctx, const char *name, GHashTable *disable)
{
  const DcCpuDefinition *def = dc_cpu_facts_find (ctx->accel, name);

  for (guint i = 0; def != NULL && def->blockers[i] != NULL; i++)
    if (dc_cpu_feature_is_cpu (def->blockers[i]) &&
        !g_hash_table_contains (ctx->host,
                                dc_cpu_feature_name (def->blockers[i])))
      g_hash_table_add (disable,
                        (gpointer) dc_cpu_feature_name (def->blockers[i]));
}

static void
add_key (gpointer key, gpointer value, gpointer set)
{
  g_hash_table_add (set, key);
}

/* libvirt's weight of a candidate: each required feature counts 1, the
 * disabled ones 2, 3, 4, ... so that a model below the CPU beats one
 * above it. libvirt walks its list of changes (the required first) while
 * shortening the walk by one for each disabled feature it meets, so only
 * the first disabled features it reaches are weighed; that is kept, as
 * it decides which model libvirt names. */
static void
libvirt_weigh (Candidate *c)
{
  guint total = c->required->len + c->disabled->len;
  guint enabled = total;
  guint penalty = 2;

  c->penalty = 0;
  for (guint i = 0; i < enabled; i++)
    if (i >= c->required->len)
      {
        enabled--;
        c->penalty += penalty++;
      }
  c->weight = enabled + c->penalty;
}

static gboolean
evaluate (const Context *ctx, const DcCpuDefinition *def, Candidate *out)
{
  const DcCpuFacts *source = ctx->tcg ? ctx->tcg : ctx->kvm;
  const DcCpuExpansion *model = g_hash_table_lookup (source->models, def->name);
  const DcCpuExpansion *host = ctx->host_cpu;
  const DcCpuMapModel *known = dc_cpu_map_find (def->name);
  g_autoptr(GHashTable) features = NULL;
  g_autoptr(GHashTable) disable = name_set_new ();
  gboolean generic;

  if (model == NULL)
    return FALSE;
  generic = is_generic (model);
  if (!generic && vendor_name (host->vendor) != NULL &&
      !g_str_equal (model->vendor, host->vendor))
    return FALSE;
  features = dc_cpu_model_features (ctx->tcg, ctx->kvm, def->name);
  out->name = def->name;
  out->signature = !generic && model->family == host->family &&
                   model->model == host->model && host->family >= 0;
  out->required = difference (ctx->host, features);
  add_blockers (ctx, def->name, disable);
  g_hash_table_foreach (features, add_key, disable);
  /* a feature the model lost: required where the host has it (the model
   * lacks it), disabled where not */
  if (known != NULL)
    each_listed (known->removed, set_add, disable);
  out->disabled = difference (disable, ctx->host);
  libvirt_weigh (out);
  return TRUE;
}

/* libvirt's preference: a model of the host's own family and model wins;
 * among equals the lighter, and at equal weight the one with the lighter
 * disabled features. */
static gboolean
better (const Candidate *candidate, const Candidate *best)
{
  if (best->name == NULL || candidate->signature != best->signature)
    return best->name == NULL || candidate->signature;
  return candidate->weight < best->weight ||
         (candidate->weight == best->weight && candidate->penalty < best->penalty);
}

static DcHostModel *
host_model_from (const Context *ctx, Candidate *best)
{
  DcHostModel *result = g_new0 (DcHostModel, 1);

  result->model = g_strdup (best->name);
  result->vendor = g_strdup (vendor_name (ctx->host_cpu->vendor));
  result->required = g_steal_pointer (&best->required);
  result->disabled = g_steal_pointer (&best->disabled);
  return result;
}

static void
consider (const Context *ctx, const DcCpuDefinition *def, Candidate *best)
{
  Candidate candidate = { 0 };

  if (def == NULL || !evaluate (ctx, def, &candidate))
    return;
  if (better (&candidate, best))
    {
      candidate_clear (best);
      *best = candidate;
    }
  else
    candidate_clear (&candidate);
}

DcHostModel *
dc_host_model_compute (const DcCpuFacts *accel, const DcCpuFacts *tcg,
                       const DcCpuFacts *kvm)
{
  g_autoptr(GHashTable) host = name_set_new ();
  Context ctx = { accel, tcg, kvm, host, NULL };
  Candidate best = { 0 };
  DcHostModel *result = NULL;

  if (accel == NULL || accel->host == NULL || (tcg == NULL && kvm == NULL))
    return NULL;
  ctx.host_cpu = accel->host;
  add_features (host, accel->host->features);
  /* libvirt's order: its map from the end; it names no other model */
  for (gint i = (gint) dc_cpu_map_size () - 1; i >= 0; i--)
    if (dc_cpu_map_at ((guint) i)->guest)
      consider (&ctx, dc_cpu_facts_find (accel, dc_cpu_map_at ((guint) i)->name), &best);
  if (best.name != NULL)
    result = host_model_from (&ctx, &best);
  candidate_clear (&best);
  return result;
}
