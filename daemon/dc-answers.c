/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-answers.c: every emulator x machine x virttype answer at once. */
#include "config.h"

#include "dc-answers.h"

#include "dc-query.h"

#include "dc-json.h"

void
dc_answer_free (DcAnswer *answer)
{
  g_free (answer->emulator);
  g_free (answer->arch);
  g_free (answer->machine);
  g_free (answer->virttype);
  g_free (answer->xml);
  g_free (answer->error);
  g_free (answer);
}

static DcAnswer *
answer_new (const char *emulator, const char *arch, const char *machine,
            const char *virttype, const char *xml, const char *error)
{
  DcAnswer *answer = g_new0 (DcAnswer, 1);

  answer->emulator = g_strdup (emulator);
  answer->arch = g_strdup (arch ? arch : "");
  answer->machine = g_strdup (machine ? machine : "");
  answer->virttype = g_strdup (virttype ? virttype : "");
  answer->xml = g_strdup (xml ? xml : "");
  answer->error = g_strdup (error ? error : "");
  return answer;
}

/* The default machine, then the canonical machine of every alias, once. */
static GPtrArray *
answered_machines (const DcEmulatorFacts *facts)
{
  GPtrArray *machines = g_ptr_array_new ();
  const DcMachine *def = dc_query_default_machine (facts);

  if (def != NULL)
    g_ptr_array_add (machines, def->name);
  for (guint i = 0; i < facts->machines->len; i++)
    {
      const DcMachine *machine = g_ptr_array_index (facts->machines, i);
      if (machine->alias != NULL && machine != def)
        g_ptr_array_add (machines, machine->name);
    }
  return machines;
}

static void
collect_emulator (GPtrArray *out, DcRegistry *registry, DcEmulator *emulator)
{
  const DcEmulatorFacts *facts = dc_registry_get_facts (registry, emulator);
  const char *path = dc_emulator_get_path (emulator);
  const char *failure = dc_emulator_get_error (emulator);
  g_autoptr(GPtrArray) machines = NULL;
  g_autoptr(GPtrArray) virttypes = NULL;

  if (facts == NULL)
    {
      g_ptr_array_add (out, answer_new (path, NULL, NULL, NULL, NULL,
                                        failure ? failure : "not probed yet"));
      return;
    }
  machines = answered_machines (facts);
  virttypes = dc_registry_emulator_virttypes (registry, emulator);
  for (guint m = 0; m < machines->len; m++)
    for (guint v = 0; v < virttypes->len; v++)
      {
        const char *machine = g_ptr_array_index (machines, m);
        const char *virttype = g_ptr_array_index (virttypes, v);
        g_autoptr(GError) error = NULL;
        g_autofree char *xml =
          dc_registry_get_domain_capabilities (registry, path,
                                               facts->arch, machine, virttype,
                                               0, &error);
        g_ptr_array_add (out, answer_new (path, facts->arch, machine,
                                          virttype, xml,
                                          error ? error->message : NULL));
      }
}

GPtrArray *
dc_answers_collect (DcRegistry *registry)
{
  g_autoptr(GPtrArray) list = dc_registry_list (registry);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_answer_free);

  for (guint i = 0; i < list->len; i++)
    collect_emulator (out, registry, g_ptr_array_index (list, i));
  return out;
}

GVariant *
dc_answers_to_variant (GPtrArray *answers)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssssss)"));
  for (guint i = 0; i < answers->len; i++)
    {
      const DcAnswer *a = g_ptr_array_index (answers, i);
      g_variant_builder_add (&builder, "(ssssss)", a->emulator, a->arch,
                             a->machine, a->virttype, a->xml, a->error);
    }
  return g_variant_builder_end (&builder);
}

GPtrArray *
dc_answers_from_variant (GVariant *variant)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_answer_free);
  const char *f[6];
  GVariantIter iter;

  g_variant_iter_init (&iter, variant);
  while (g_variant_iter_next (&iter, "(&s&s&s&s&s&s)", &f[0], &f[1], &f[2],
                              &f[3], &f[4], &f[5]))
    g_ptr_array_add (out, answer_new (f[0], f[1], f[2], f[3], f[4], f[5]));
  return out;
}

char *
dc_answers_to_json (GPtrArray *answers)
{
  /* xml or error, whichever the answer has */
  static const char *const members[] = { "emulator", "arch", "machine",
                                         "virttype", "xml", "error" };

  G_STATIC_ASSERT (sizeof (DcAnswer) == G_N_ELEMENTS (members) * sizeof (char *));
  return dc_json_string_records (answers, members, G_N_ELEMENTS (members), 4);
}
