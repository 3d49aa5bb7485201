/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-host-cpu.c: the host CPU as a model of libvirt's map and features. */
#include "config.h"

#include "dc-host-cpu.h"

#include "dc-cpu-map.h"
#include "dc-cpu-model.h"

void
dc_host_cpu_name_free (DcHostCpuName *name)
{
  if (name == NULL)
    return;
  g_free (name->model);
  g_ptr_array_unref (name->features);
  g_free (name);
}

/* Intel's TSX is broken on these Haswell and early Broadwell-EP parts;
 * libvirt leaves hle and rtm out of their features. */
static gboolean
broken_tsx (const DcHostCaps *caps)
{
  return g_strcmp0 (caps->vendor, "Intel") == 0 && caps->family == 6 &&
         ((caps->model == 63 && caps->stepping < 4) || caps->model == 60 ||
          caps->model == 69 || caps->model == 70);
}

static GHashTable *
cpu_features (const DcHostCaps *caps)
{
  GHashTable *set = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < caps->cpu_features->len; i++)
    g_hash_table_add (set, g_ptr_array_index (caps->cpu_features, i));
  if (broken_tsx (caps))
    {
      g_hash_table_remove (set, "hle");
      g_hash_table_remove (set, "rtm");
    }
  return set;
}

typedef struct {
  const char *model;
  gboolean signature;
  guint over;            /* the CPU's features the model lacks */
} Fit;

/* Whether @name describes the CPU (every feature of the model is one of
 * the CPU's), and how well, in *@fit. */
static gboolean
fits (const DcHostCaps *caps, const DcCpuFacts *tcg, GHashTable *cpu,
      const char *name, Fit *fit)
{
  g_autofree char *expanded = dc_cpu_model_unversioned (name);
  const DcCpuExpansion *expansion = g_hash_table_lookup (tcg->models, expanded);
  g_autoptr(GHashTable) model = NULL;
  const char *vendor;
  GHashTableIter iter;
  gpointer feature;

  if (expansion == NULL)
    return FALSE;
  vendor = dc_cpu_model_vendor (expanded, expansion);
  if (!g_str_equal (vendor, "unknown") && caps->vendor != NULL &&
      !g_str_equal (vendor, caps->vendor))
    return FALSE;
  model = dc_cpu_model_features (tcg, NULL, name);
  g_hash_table_iter_init (&iter, model);
  while (g_hash_table_iter_next (&iter, &feature, NULL))
    if (!g_hash_table_contains (cpu, feature))
      return FALSE;
  fit->model = name;
  fit->signature = !g_str_equal (vendor, "unknown") && caps->has_signature &&
                   expansion->family == (gint) caps->family &&
                   expansion->model == (gint) caps->model;
  fit->over = g_hash_table_size (cpu) - g_hash_table_size (model);
  return TRUE;
}

static gboolean
better (const Fit *candidate, const Fit *best)
{
  if (best->model == NULL || candidate->signature != best->signature)
    return best->model == NULL || candidate->signature;
  return candidate->over < best->over;
}

DcHostCpuName *
dc_host_cpu_name (const DcHostCaps *caps, const DcCpuFacts *tcg)
{
  g_autoptr(GHashTable) cpu = NULL;
  g_autoptr(GHashTable) model = NULL;
  Fit best = { 0 };
  DcHostCpuName *result;

  if (tcg == NULL || caps->cpu_features->len == 0)
    return NULL;
  cpu = cpu_features (caps);
  for (gint i = (gint) dc_cpu_map_size () - 1; i >= 0; i--)
    {
      Fit fit = { 0 };

      if (fits (caps, tcg, cpu, dc_cpu_map_at ((guint) i)->name, &fit) &&
          better (&fit, &best))
        best = fit;
    }
  if (best.model == NULL)
    return NULL;
  model = dc_cpu_model_features (tcg, NULL, best.model);
  result = g_new0 (DcHostCpuName, 1);
  result->model = g_strdup (best.model);
  result->features = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < caps->cpu_features->len; i++)
    {
      const char *name = g_ptr_array_index (caps->cpu_features, i);

      if (g_hash_table_contains (cpu, name) && !g_hash_table_contains (model, name))
        g_ptr_array_add (result->features, g_strdup (name));
    }
  return result;
}
