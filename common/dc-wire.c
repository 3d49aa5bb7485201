/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-wire.c: the records of the daemon's replies, as D-Bus and JSON carry them. */
#include "config.h"

#include "dc-wire.h"

#include <json-glib/json-glib.h>

/* A JSON array of objects, one per record of @n_members strings (a
 * structure of char * in @members' order); members from @optional_from on
 * are left out when "". */
static char *
string_records_to_json (GPtrArray *records, const char *const *members,
                        guint n_members, guint optional_from)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < records->len; i++)
    {
      const char *const *fields = g_ptr_array_index (records, i);

      json_builder_begin_object (builder);
      for (guint m = 0; m < n_members; m++)
        if (m < optional_from || *fields[m] != '\0')
          {
            json_builder_set_member_name (builder, members[m]);
            json_builder_add_string_value (builder, fields[m]);
          }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

/* ---- reasons ---- */

DcReason *
dc_reason_new (const char *path, const char *state, const char *code,
               const char *facts, const char *message)
{
  DcReason *reason = g_new0 (DcReason, 1);

  reason->path = g_strdup (path);
  reason->state = g_strdup (state);
  reason->code = g_strdup (code);
  reason->facts = g_strdup (facts ? facts : "");
  reason->message = g_strdup (message);
  return reason;
}

void
dc_reason_free (DcReason *reason)
{
  g_free (reason->path);
  g_free (reason->state);
  g_free (reason->code);
  g_free (reason->facts);
  g_free (reason->message);
  g_free (reason);
}

GVariant *
dc_reasons_to_variant (GPtrArray *reasons)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sssss)"));
  for (guint i = 0; i < reasons->len; i++)
    {
      const DcReason *r = g_ptr_array_index (reasons, i);
      g_variant_builder_add (&builder, "(sssss)", r->path, r->state, r->code,
                             r->facts, r->message);
    }
  return g_variant_builder_end (&builder);
}

GPtrArray *
dc_reasons_from_variant (GVariant *variant)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_reason_free);
  const char *f[5];
  GVariantIter iter;

  g_variant_iter_init (&iter, variant);
  while (g_variant_iter_next (&iter, "(&s&s&s&s&s)", &f[0], &f[1], &f[2],
                              &f[3], &f[4]))
    g_ptr_array_add (out, dc_reason_new (f[0], f[1], f[2], f[3], f[4]));
  return out;
}

char *
dc_reasons_to_json (GPtrArray *reasons)
{
  static const char *const members[] = { "path", "state", "code", "facts", "message" };

  G_STATIC_ASSERT (sizeof (DcReason) == G_N_ELEMENTS (members) * sizeof (char *));
  return string_records_to_json (reasons, members, G_N_ELEMENTS (members),
                                 G_N_ELEMENTS (members));
}

/* ---- problems of a domain ---- */

DcProblem *
dc_problem_new (const char *where, const char *severity, const char *code,
                const char *capability, const char *message, const char *fix)
{
  DcProblem *problem = g_new0 (DcProblem, 1);

  problem->where = g_strdup (where);
  problem->severity = g_strdup (severity);
  problem->code = g_strdup (code);
  problem->capability = g_strdup (capability ? capability : "");
  problem->message = g_strdup (message);
  problem->fix = g_strdup (fix ? fix : "");
  return problem;
}

void
dc_problem_free (DcProblem *problem)
{
  g_free (problem->where);
  g_free (problem->severity);
  g_free (problem->code);
  g_free (problem->capability);
  g_free (problem->message);
  g_free (problem->fix);
  g_free (problem);
}

GVariant *
dc_problems_to_variant (GPtrArray *problems)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssssss)"));
  for (guint i = 0; i < problems->len; i++)
    {
      const DcProblem *p = g_ptr_array_index (problems, i);
      g_variant_builder_add (&builder, "(ssssss)", p->where, p->severity, p->code,
                             p->capability, p->message, p->fix);
    }
  return g_variant_builder_end (&builder);
}

GPtrArray *
dc_problems_from_variant (GVariant *variant)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_problem_free);
  const char *f[6];
  GVariantIter iter;

  g_variant_iter_init (&iter, variant);
  while (g_variant_iter_next (&iter, "(&s&s&s&s&s&s)", &f[0], &f[1], &f[2],
                              &f[3], &f[4], &f[5]))
    g_ptr_array_add (out, dc_problem_new (f[0], f[1], f[2], f[3], f[4], f[5]));
  return out;
}

char *
dc_problems_to_json (GPtrArray *problems)
{
  static const char *const members[] = { "where", "severity", "code", "capability",
                                         "message", "fix" };

  G_STATIC_ASSERT (sizeof (DcProblem) == G_N_ELEMENTS (members) * sizeof (char *));
  return string_records_to_json (problems, members, G_N_ELEMENTS (members),
                                 G_N_ELEMENTS (members));
}

/* ---- rows of every answer ---- */

DcAnswerRow *
dc_answer_row_new (const char *emulator, const char *arch, const char *machine,
                   const char *virttype, const char *xml, const char *error)
{
  DcAnswerRow *row = g_new0 (DcAnswerRow, 1);

  row->emulator = g_strdup (emulator);
  row->arch = g_strdup (arch ? arch : "");
  row->machine = g_strdup (machine ? machine : "");
  row->virttype = g_strdup (virttype ? virttype : "");
  row->xml = g_strdup (xml ? xml : "");
  row->error = g_strdup (error ? error : "");
  return row;
}

void
dc_answer_row_free (DcAnswerRow *row)
{
  g_free (row->emulator);
  g_free (row->arch);
  g_free (row->machine);
  g_free (row->virttype);
  g_free (row->xml);
  g_free (row->error);
  g_free (row);
}

GVariant *
dc_answer_rows_to_variant (GPtrArray *rows)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssssss)"));
  for (guint i = 0; i < rows->len; i++)
    {
      const DcAnswerRow *a = g_ptr_array_index (rows, i);
      g_variant_builder_add (&builder, "(ssssss)", a->emulator, a->arch,
                             a->machine, a->virttype, a->xml, a->error);
    }
  return g_variant_builder_end (&builder);
}

GPtrArray *
dc_answer_rows_from_variant (GVariant *variant)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_answer_row_free);
  const char *f[6];
  GVariantIter iter;

  g_variant_iter_init (&iter, variant);
  while (g_variant_iter_next (&iter, "(&s&s&s&s&s&s)", &f[0], &f[1], &f[2],
                              &f[3], &f[4], &f[5]))
    g_ptr_array_add (out, dc_answer_row_new (f[0], f[1], f[2], f[3], f[4], f[5]));
  return out;
}

char *
dc_answer_rows_to_json (GPtrArray *rows)
{
  /* xml or error, whichever the row has */
  static const char *const members[] = { "emulator", "arch", "machine",
                                         "virttype", "xml", "error" };

  G_STATIC_ASSERT (sizeof (DcAnswerRow) == G_N_ELEMENTS (members) * sizeof (char *));
  return string_records_to_json (rows, members, G_N_ELEMENTS (members), 4);
}

/* ---- emulators ---- */

void
dc_emulator_info_free (DcEmulatorInfo *info)
{
  g_free (info->path);
  g_strfreev (info->names);
  g_free (info->state);
  g_free (info->error);
  g_free (info->arch);
  g_strfreev (info->arches);
  g_free (info->default_machine);
  g_strfreev (info->machines);
  g_strfreev (info->aliases);
  g_strfreev (info->virttypes);
  g_free (info->version);
  g_free (info);
}

static GVariant *
machines_variant (const DcEmulatorInfo *info)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (guint i = 0; info->machines && info->machines[i]; i++)
    g_variant_builder_add (&builder, "(ss)", info->machines[i], info->aliases[i]);
  return g_variant_builder_end (&builder);
}

static GVariant *
strv_or_empty (GStrv strv)
{
  return g_variant_new_strv ((const char *const *) strv, strv ? -1 : 0);
}

GVariant *
dc_emulator_info_to_variant (const DcEmulatorInfo *info)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "path", "s", info->path);
  g_variant_dict_insert_value (&dict, "names", strv_or_empty (info->names));
  g_variant_dict_insert (&dict, "state", "s", info->state);
  g_variant_dict_insert (&dict, "error", "s", info->error);
  g_variant_dict_insert (&dict, "arch", "s", info->arch);
  g_variant_dict_insert_value (&dict, "arches", strv_or_empty (info->arches));
  g_variant_dict_insert (&dict, "default-machine", "s", info->default_machine);
  g_variant_dict_insert_value (&dict, "machines", machines_variant (info));
  g_variant_dict_insert_value (&dict, "virttypes", strv_or_empty (info->virttypes));
  g_variant_dict_insert (&dict, "version", "s", info->version);
  if (info->next_try != 0)
    g_variant_dict_insert (&dict, "next-try", "x", info->next_try);
  return g_variant_dict_end (&dict);
}

static char *
lookup_string (GVariant *dict, const char *key)
{
  const char *value = NULL;

  g_variant_lookup (dict, key, "&s", &value);
  return g_strdup (value ? value : "");
}

static GStrv
lookup_strv (GVariant *dict, const char *key)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, G_VARIANT_TYPE_STRING_ARRAY);

  return value ? g_variant_dup_strv (value, NULL) : g_new0 (char *, 1);
}

static void
lookup_machines (GVariant *dict, DcEmulatorInfo *info)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, "machines",
                                                      G_VARIANT_TYPE ("a(ss)"));
  gsize n = value ? g_variant_n_children (value) : 0;

  info->machines = g_new0 (char *, n + 1);
  info->aliases = g_new0 (char *, n + 1);
  for (gsize i = 0; i < n; i++)
    g_variant_get_child (value, i, "(ss)", &info->machines[i], &info->aliases[i]);
}

DcEmulatorInfo *
dc_emulator_info_from_variant (GVariant *dict)
{
  DcEmulatorInfo *info = g_new0 (DcEmulatorInfo, 1);

  info->path = lookup_string (dict, "path");
  info->names = lookup_strv (dict, "names");
  info->state = lookup_string (dict, "state");
  info->error = lookup_string (dict, "error");
  info->arch = lookup_string (dict, "arch");
  info->arches = lookup_strv (dict, "arches");
  info->default_machine = lookup_string (dict, "default-machine");
  lookup_machines (dict, info);
  info->virttypes = lookup_strv (dict, "virttypes");
  info->version = lookup_string (dict, "version");
  g_variant_lookup (dict, "next-try", "x", &info->next_try);
  return info;
}

/* ---- node labels ---- */

GVariant *
dc_labels_to_variant (GHashTable *labels)
{
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer name, value;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_hash_table_iter_init (&iter, labels);
  while (g_hash_table_iter_next (&iter, &name, &value))
    g_variant_builder_add (&builder, "{ss}", name, value);
  return g_variant_builder_end (&builder);
}

GHashTable *
dc_labels_from_variant (GVariant *variant)
{
  GHashTable *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GVariantIter iter;
  char *name, *value;

  g_variant_iter_init (&iter, variant);
  while (g_variant_iter_next (&iter, "{ss}", &name, &value))
    g_hash_table_replace (out, name, value);
  return out;
}
