/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-facts.c: the facts of one emulator: construction, reference counting and lookups. */
#include "config.h"

#include "dc-facts.h"

#include "dc-arch.h"

#include <string.h>

void
dc_machine_free (DcMachine *machine)
{
  g_free (machine->name);
  g_free (machine->alias);
  g_free (machine);
}

DcEmulatorFacts *
dc_emulator_facts_new (void)
{
  DcEmulatorFacts *facts = g_rc_box_new0 (DcEmulatorFacts);

  facts->machines = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_machine_free);
  facts->qom_types = dc_string_set_new ();
  facts->commands = dc_string_set_new ();
  facts->schema_enums = g_hash_table_new_full (g_str_hash, g_str_equal,
                                               g_free,
                                               (GDestroyNotify) g_strfreev);
  facts->tpm_models = dc_string_set_new ();
  facts->tpm_types = dc_string_set_new ();
  facts->options = dc_string_set_new ();
  facts->pc_machine_properties = dc_string_set_new ();
  facts->sgx.sections = g_array_new (FALSE, TRUE, sizeof (DcSgxSection));
  facts->gic = g_array_new (FALSE, TRUE, sizeof (DcGicVersion));
  facts->hyperv = dc_string_set_new ();
  return facts;
}

static void
facts_clear (DcEmulatorFacts *facts)
{
  g_free (facts->path);
  g_free (facts->version);
  g_free (facts->package);
  g_free (facts->target);
  g_free (facts->arch);
  g_ptr_array_unref (facts->machines);
  g_hash_table_unref (facts->qom_types);
  g_hash_table_unref (facts->commands);
  g_hash_table_unref (facts->schema_enums);
  g_hash_table_unref (facts->tpm_models);
  g_hash_table_unref (facts->tpm_types);
  g_hash_table_unref (facts->options);
  g_hash_table_unref (facts->pc_machine_properties);
  g_free (facts->tcg_error);
  g_free (facts->kvm_error);
  g_free (facts->runs);
  g_free (facts->sev.cpu0_id);
  g_array_unref (facts->sgx.sections);
  g_array_unref (facts->gic);
  g_hash_table_unref (facts->hyperv);
  dc_cpu_facts_free (facts->cpu_tcg);
  dc_cpu_facts_free (facts->cpu_kvm);
}

void
dc_emulator_facts_unref (DcEmulatorFacts *facts)
{
  if (facts != NULL)
    g_rc_box_release_full (facts, (GDestroyNotify) facts_clear);
}

const DcMachine *
dc_emulator_facts_default_machine (const DcEmulatorFacts *facts)
{
  for (guint i = 0; i < facts->machines->len; i++)
    {
      const DcMachine *machine = g_ptr_array_index (facts->machines, i);
      if (machine->is_default)
        return machine;
    }
  return NULL;
}

const DcMachine *
dc_emulator_facts_find_machine (const DcEmulatorFacts *facts, const char *name)
{
  for (guint i = 0; i < facts->machines->len; i++)
    {
      const DcMachine *machine = g_ptr_array_index (facts->machines, i);
      if (g_str_equal (machine->name, name))
        return machine;
    }
  for (guint i = 0; i < facts->machines->len; i++)
    {
      const DcMachine *machine = g_ptr_array_index (facts->machines, i);
      if (machine->alias != NULL && g_str_equal (machine->alias, name))
        return machine;
    }
  return NULL;
}

gboolean
dc_emulator_facts_has_type (const DcEmulatorFacts *facts, const char *qom_type)
{
  return g_hash_table_contains (facts->qom_types, qom_type);
}

gboolean
dc_emulator_facts_has_type_prefix (const DcEmulatorFacts *facts,
                                   const char *prefix)
{
  GHashTableIter iter;
  const char *name;

  g_hash_table_iter_init (&iter, facts->qom_types);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    if (g_str_has_prefix (name, prefix))
      return TRUE;
  return FALSE;
}

gboolean
dc_emulator_facts_has_command (const DcEmulatorFacts *facts,
                               const char *command)
{
  return g_hash_table_contains (facts->commands, command);
}

gboolean
dc_emulator_facts_schema_has (const DcEmulatorFacts *facts, const char *path,
                              const char *value)
{
  char **values = g_hash_table_lookup (facts->schema_enums, path);

  return values != NULL && g_strv_contains ((const char *const *) values, value);
}

const DcMachine *
dc_emulator_facts_preferred_machine (const DcEmulatorFacts *facts)
{
  const char *preferred = dc_arch_preferred_machine (facts->arch);
  const char *fallback = dc_arch_fallback_machine (facts->arch);
  const DcMachine *machine = preferred ? dc_emulator_facts_find_machine (facts, preferred)
                                       : NULL;

  if (machine == NULL)
    machine = dc_emulator_facts_default_machine (facts);
  if (machine == NULL && fallback != NULL)
    machine = dc_emulator_facts_find_machine (facts, fallback);
  if (machine == NULL && facts->machines->len > 0)
    machine = g_ptr_array_index (facts->machines, 0);
  return machine;
}
