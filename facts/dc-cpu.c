/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-cpu.c: CPU facts: construction and lookups. */
#include "config.h"

#include "dc-cpu.h"

#include <string.h>

GHashTable *
dc_string_set_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

DcCpuExpansion *
dc_cpu_expansion_new (void)
{
  DcCpuExpansion *expansion = g_new0 (DcCpuExpansion, 1);

  expansion->vendor = g_strdup ("");
  expansion->model_id = g_strdup ("");
  expansion->family = expansion->model = expansion->stepping = -1;
  expansion->features = dc_string_set_new ();
  expansion->switched_off = dc_string_set_new ();
  return expansion;
}

void
dc_cpu_expansion_free (DcCpuExpansion *expansion)
{
  if (expansion == NULL)
    return;
  g_free (expansion->vendor);
  g_free (expansion->model_id);
  g_hash_table_unref (expansion->features);
  g_hash_table_unref (expansion->switched_off);
  g_free (expansion);
}

void
dc_cpu_definition_free (DcCpuDefinition *definition)
{
  g_free (definition->name);
  g_free (definition->alias_of);
  g_free (definition->type_name);
  g_strfreev (definition->blockers);
  g_free (definition);
}

DcCpuFacts *
dc_cpu_facts_new (void)
{
  DcCpuFacts *cpu = g_new0 (DcCpuFacts, 1);

  cpu->definitions =
    g_ptr_array_new_with_free_func ((GDestroyNotify) dc_cpu_definition_free);
  cpu->models = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) dc_cpu_expansion_free);
  return cpu;
}

void
dc_cpu_facts_free (DcCpuFacts *cpu)
{
  if (cpu == NULL)
    return;
  g_ptr_array_unref (cpu->definitions);
  dc_cpu_expansion_free (cpu->host);
  g_hash_table_unref (cpu->models);
  g_free (cpu);
}

const DcCpuDefinition *
dc_cpu_facts_find (const DcCpuFacts *cpu, const char *name)
{
  for (guint i = 0; cpu != NULL && i < cpu->definitions->len; i++)
    {
      const DcCpuDefinition *def = g_ptr_array_index (cpu->definitions, i);
      if (g_str_equal (def->name, name))
        return def;
    }
  return NULL;
}
