/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-facts-json.c: facts <-> JSON. */
#include "config.h"

#include "dc-facts-json.h"

#include <gio/gio.h>
#include <string.h>

#include "dc-json.h"

static void
add_bool (JsonBuilder *b, const char *name, gboolean value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, value);
}

static gint
compare_strings (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* A string set as one sorted, newline-separated string: a JSON parser
 * then builds one node for a thousand QOM type names instead of a
 * thousand, which is most of the cost of starting from the cache. Names
 * never hold a newline (dc-facts.c drops any that would). */
static void
add_set (JsonBuilder *b, const char *name, GHashTable *set)
{
  g_autofree const char **keys =
    (const char **) g_hash_table_get_keys_as_array (set, NULL);
  g_autofree char *joined = NULL;

  g_qsort_with_data (keys, g_hash_table_size (set), sizeof (char *),
                     compare_strings, NULL);
  joined = g_strjoinv ("\n", (char **) keys);
  dc_json_add_string (b, name, joined);
}

static void
add_machines (JsonBuilder *b, GPtrArray *machines)
{
  json_builder_set_member_name (b, "machines");
  json_builder_begin_array (b);
  for (guint i = 0; i < machines->len; i++)
    {
      const DcMachine *m = g_ptr_array_index (machines, i);

      json_builder_begin_object (b);
      dc_json_add_string (b, "name", m->name);
      dc_json_add_string (b, "alias", m->alias);
      json_builder_set_member_name (b, "cpu-max");
      json_builder_add_int_value (b, m->cpu_max);
      add_bool (b, "is-default", m->is_default);
      add_bool (b, "deprecated", m->deprecated);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
add_schema_enums (JsonBuilder *b, GHashTable *enums)
{
  GHashTableIter iter;
  const char *path;
  char **values;

  json_builder_set_member_name (b, "schema-enums");
  json_builder_begin_object (b);
  g_hash_table_iter_init (&iter, enums);
  while (g_hash_table_iter_next (&iter, (gpointer *) &path, (gpointer *) &values))
    {
      json_builder_set_member_name (b, path);
      json_builder_begin_array (b);
      for (guint i = 0; values[i] != NULL; i++)
        json_builder_add_string_value (b, values[i]);
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
}

static void
add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_platform (JsonBuilder *b, const DcEmulatorFacts *facts)
{
  json_builder_set_member_name (b, "sgx");
  json_builder_begin_object (b);
  add_bool (b, "present", facts->sgx.present);
  add_bool (b, "flc", facts->sgx.flc);
  add_bool (b, "sgx1", facts->sgx.sgx1);
  add_bool (b, "sgx2", facts->sgx.sgx2);
  add_int (b, "section-size-kib", facts->sgx.section_size_kib);
  json_builder_set_member_name (b, "sections");
  json_builder_begin_array (b);
  for (guint i = 0; i < facts->sgx.sections->len; i++)
    {
      const DcSgxSection *section = &g_array_index (facts->sgx.sections, DcSgxSection, i);
      json_builder_begin_object (b);
      add_int (b, "node", section->node);
      add_int (b, "size-kib", section->size_kib);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "sev");
  json_builder_begin_object (b);
  add_bool (b, "present", facts->sev.present);
  add_int (b, "cbitpos", facts->sev.cbitpos);
  add_int (b, "reduced-phys-bits", facts->sev.reduced_phys_bits);
  dc_json_add_string (b, "cpu0-id", facts->sev.cpu0_id);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "gic");
  json_builder_begin_array (b);
  for (guint i = 0; i < facts->gic->len; i++)
    {
      const DcGicVersion *gic = &g_array_index (facts->gic, DcGicVersion, i);
      json_builder_begin_object (b);
      add_int (b, "version", gic->version);
      add_bool (b, "emulated", gic->emulated);
      add_bool (b, "kernel", gic->kernel);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_set (b, "hyperv", facts->hyperv);
}

static void
add_expansion (JsonBuilder *b, const DcCpuExpansion *e)
{
  json_builder_begin_object (b);
  dc_json_add_string (b, "vendor", e->vendor);
  dc_json_add_string (b, "model-id", e->model_id);
  add_int (b, "family", e->family);
  add_int (b, "model", e->model);
  add_int (b, "stepping", e->stepping);
  add_set (b, "features", e->features);
  add_set (b, "switched-off", e->switched_off);
  json_builder_end_object (b);
}

static void
add_definition (JsonBuilder *b, const DcCpuDefinition *def)
{
  g_autofree char *blockers = g_strjoinv ("\n", def->blockers);

  json_builder_begin_object (b);
  dc_json_add_string (b, "name", def->name);
  dc_json_add_string (b, "alias-of", def->alias_of);
  dc_json_add_string (b, "typename", def->type_name);
  add_bool (b, "deprecated", def->deprecated);
  add_bool (b, "usable-known", def->usable_known);
  dc_json_add_string (b, "blockers", blockers);
  json_builder_end_object (b);
}

static void
add_cpu (JsonBuilder *b, const char *name, const DcCpuFacts *cpu)
{
  GHashTableIter iter;
  const char *model;
  const DcCpuExpansion *expansion;

  json_builder_set_member_name (b, name);
  if (cpu == NULL)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  add_bool (b, "answered", cpu->answered);
  add_bool (b, "host-migratable", cpu->host_migratable);
  add_bool (b, "max-migratable", cpu->max_migratable);
  json_builder_set_member_name (b, "definitions");
  json_builder_begin_array (b);
  for (guint i = 0; i < cpu->definitions->len; i++)
    add_definition (b, g_ptr_array_index (cpu->definitions, i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "host");
  if (cpu->host != NULL)
    add_expansion (b, cpu->host);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "models");
  json_builder_begin_object (b);
  g_hash_table_iter_init (&iter, cpu->models);
  while (g_hash_table_iter_next (&iter, (gpointer *) &model,
                                 (gpointer *) &expansion))
    {
      json_builder_set_member_name (b, model);
      add_expansion (b, expansion);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
}

JsonNode *
dc_emulator_facts_to_json (const DcEmulatorFacts *facts)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  dc_json_add_string (b, "path", facts->path);
  dc_json_add_string (b, "version", facts->version);
  dc_json_add_string (b, "package", facts->package);
  dc_json_add_string (b, "target", facts->target);
  dc_json_add_string (b, "arch", facts->arch);
  add_machines (b, facts->machines);
  add_set (b, "qom-types", facts->qom_types);
  add_set (b, "commands", facts->commands);
  add_schema_enums (b, facts->schema_enums);
  add_set (b, "tpm-models", facts->tpm_models);
  add_set (b, "tpm-types", facts->tpm_types);
  add_set (b, "options", facts->options);
  add_set (b, "pc-machine-properties", facts->pc_machine_properties);
  add_bool (b, "tcg", facts->tcg);
  dc_json_add_string (b, "tcg-error", facts->tcg_error);
  add_bool (b, "kvm", facts->kvm);
  dc_json_add_string (b, "kvm-error", facts->kvm_error);
  add_platform (b, facts);
  add_cpu (b, "cpu-tcg", facts->cpu_tcg);
  add_cpu (b, "cpu-kvm", facts->cpu_kvm);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ---- reading ---- */

static gboolean
bad (GError **error, const char *member)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "\"%s\" is missing or of the wrong type", member);
  return FALSE;
}

static gboolean
read_string (JsonObject *o, const char *name, char **out, gboolean nullable,
             GError **error)
{
  const char *value = dc_json_get_string (o, name);
  JsonNode *node = json_object_get_member (o, name);

  if (value == NULL && !(nullable && node != NULL && JSON_NODE_HOLDS_NULL (node)))
    return bad (error, name);
  *out = g_strdup (value);
  return TRUE;
}

static gboolean
read_bool (JsonObject *o, const char *name, gboolean *out, GError **error)
{
  JsonNode *node = json_object_get_member (o, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return bad (error, name);
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* A list of strings, every element checked; NULL (and @error) if not. */
static char **
read_strv (JsonObject *o, const char *name, GError **error)
{
  JsonArray *array = dc_json_get_array (o, name);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (array == NULL)
    {
      bad (error, name);
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *value = dc_json_array_get_string (array, i);
      if (value == NULL)
        {
          bad (error, name);
          return NULL;
        }
      g_strv_builder_add (builder, value);
    }
  return g_strv_builder_end (builder);
}

static gboolean
read_set (JsonObject *o, const char *name, GHashTable *set, GError **error)
{
  const char *joined = dc_json_get_string (o, name);
  g_auto(GStrv) values = NULL;

  if (joined == NULL)
    return bad (error, name);
  values = g_strsplit (joined, "\n", -1);
  for (guint i = 0; values[i] != NULL; i++)
    if (*values[i] != '\0')
      g_hash_table_add (set, g_steal_pointer (&values[i]));
  return TRUE;
}

static gboolean
read_machine (JsonObject *o, GPtrArray *machines, GError **error)
{
  g_autofree char *name = NULL, *alias = NULL;
  gint64 cpu_max;
  gboolean is_default, deprecated;
  DcMachine *m;

  if (o == NULL)
    return bad (error, "machines");
  if (!dc_json_get_int (o, "cpu-max", &cpu_max) || cpu_max < 1 ||
      cpu_max > G_MAXUINT32)
    return bad (error, "cpu-max");
  if (!read_string (o, "name", &name, FALSE, error) ||
      !read_string (o, "alias", &alias, TRUE, error) ||
      !read_bool (o, "is-default", &is_default, error) ||
      !read_bool (o, "deprecated", &deprecated, error))
    return FALSE;
  m = g_new0 (DcMachine, 1);
  m->name = g_steal_pointer (&name);
  m->alias = g_steal_pointer (&alias);
  m->cpu_max = cpu_max;
  m->is_default = is_default;
  m->deprecated = deprecated;
  g_ptr_array_add (machines, m);
  return TRUE;
}

static gboolean
read_machines (JsonObject *o, GPtrArray *machines, GError **error)
{
  JsonArray *array = dc_json_get_array (o, "machines");

  if (array == NULL)
    return bad (error, "machines");
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (!read_machine (dc_json_array_get_object (array, i), machines, error))
      return FALSE;
  return TRUE;
}

static gboolean
read_schema_enums (JsonObject *o, GHashTable *enums, GError **error)
{
  JsonObject *object = dc_json_get_object (o, "schema-enums");
  g_autoptr(GList) members = NULL;

  if (object == NULL)
    return bad (error, "schema-enums");
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      char **values = read_strv (object, l->data, error);

      if (values == NULL)
        return FALSE;
      g_hash_table_insert (enums, g_strdup (l->data), values);
    }
  return TRUE;
}

static gboolean
read_uint (JsonObject *o, const char *name, guint64 max, guint64 *out,
           GError **error)
{
  gint64 value;

  if (o == NULL || !dc_json_get_int (o, name, &value) || value < 0 ||
      (guint64) value > max)
    return bad (error, name);
  *out = value;
  return TRUE;
}

static gboolean
read_sgx (JsonObject *o, DcSgxFacts *sgx, GError **error)
{
  JsonArray *sections = dc_json_get_array (o, "sections");

  if (o == NULL || sections == NULL)
    return bad (error, "sgx");
  if (!read_bool (o, "present", &sgx->present, error) ||
      !read_bool (o, "flc", &sgx->flc, error) ||
      !read_bool (o, "sgx1", &sgx->sgx1, error) ||
      !read_bool (o, "sgx2", &sgx->sgx2, error) ||
      !read_uint (o, "section-size-kib", G_MAXINT64, &sgx->section_size_kib, error))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (sections); i++)
    {
      JsonObject *section = dc_json_array_get_object (sections, i);
      DcSgxSection entry;
      guint64 node;

      if (!read_uint (section, "node", G_MAXUINT32, &node, error) ||
          !read_uint (section, "size-kib", G_MAXINT64, &entry.size_kib, error))
        return FALSE;
      entry.node = node;
      g_array_append_val (sgx->sections, entry);
    }
  return TRUE;
}

static gboolean
read_sev (JsonObject *o, DcSevFacts *sev, GError **error)
{
  guint64 cbitpos, reduced;

  if (o == NULL)
    return bad (error, "sev");
  if (!read_bool (o, "present", &sev->present, error) ||
      !read_uint (o, "cbitpos", G_MAXUINT32, &cbitpos, error) ||
      !read_uint (o, "reduced-phys-bits", G_MAXUINT32, &reduced, error) ||
      !read_string (o, "cpu0-id", &sev->cpu0_id, TRUE, error))
    return FALSE;
  sev->cbitpos = cbitpos;
  sev->reduced_phys_bits = reduced;
  return TRUE;
}

static gboolean
read_gic (JsonObject *o, GArray *gic, GError **error)
{
  JsonArray *array = dc_json_get_array (o, "gic");

  if (array == NULL)
    return bad (error, "gic");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *entry = dc_json_array_get_object (array, i);
      DcGicVersion version;
      guint64 number;

      if (!read_uint (entry, "version", G_MAXUINT32, &number, error) ||
          !read_bool (entry, "emulated", &version.emulated, error) ||
          !read_bool (entry, "kernel", &version.kernel, error))
        return FALSE;
      version.version = number;
      g_array_append_val (gic, version);
    }
  return TRUE;
}

static gboolean
read_int (JsonObject *o, const char *name, gint *out, GError **error)
{
  gint64 value;

  if (!dc_json_get_int (o, name, &value) || value < -1 || value > G_MAXINT)
    return bad (error, name);
  *out = (gint) value;
  return TRUE;
}

static DcCpuExpansion *
read_expansion (JsonObject *o, GError **error)
{
  g_autoptr(DcCpuExpansion) e = dc_cpu_expansion_new ();

  g_clear_pointer (&e->vendor, g_free);
  g_clear_pointer (&e->model_id, g_free);
  if (o == NULL)
    {
      bad (error, "expansion");
      return NULL;
    }
  if (!read_string (o, "vendor", &e->vendor, FALSE, error) ||
      !read_string (o, "model-id", &e->model_id, FALSE, error) ||
      !read_int (o, "family", &e->family, error) ||
      !read_int (o, "model", &e->model, error) ||
      !read_int (o, "stepping", &e->stepping, error) ||
      !read_set (o, "features", e->features, error) ||
      !read_set (o, "switched-off", e->switched_off, error))
    return NULL;
  return g_steal_pointer (&e);
}

static gboolean
read_definition (JsonObject *o, GPtrArray *definitions, GError **error)
{
  DcCpuDefinition *def = g_new0 (DcCpuDefinition, 1);
  g_autofree char *blockers = NULL;

  g_ptr_array_add (definitions, def);
  if (o == NULL)
    return bad (error, "definitions");
  if (!read_string (o, "name", &def->name, FALSE, error) ||
      !read_string (o, "alias-of", &def->alias_of, TRUE, error) ||
      !read_string (o, "typename", &def->type_name, TRUE, error) ||
      !read_bool (o, "deprecated", &def->deprecated, error) ||
      !read_bool (o, "usable-known", &def->usable_known, error) ||
      !read_string (o, "blockers", &blockers, FALSE, error))
    return FALSE;
  def->blockers = blockers[0] ? g_strsplit (blockers, "\n", -1)
                              : g_new0 (char *, 1);
  return TRUE;
}

static gboolean
read_models (JsonObject *o, GHashTable *models, GError **error)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if (o == NULL)
    return bad (error, "models");
  json_object_iter_init (&iter, o);
  while (json_object_iter_next (&iter, &name, &node))
    {
      DcCpuExpansion *e = read_expansion (dc_json_node_object (node), error);
      if (e == NULL)
        return FALSE;
      g_hash_table_replace (models, g_strdup (name), e);
    }
  return TRUE;
}

static gboolean
read_cpu_parts (JsonObject *o, DcCpuFacts *cpu, GError **error)
{
  JsonArray *defs;
  JsonNode *host;

  if (o == NULL)
    return bad (error, "cpu");
  defs = dc_json_get_array (o, "definitions");
  host = json_object_get_member (o, "host");
  if (!read_bool (o, "answered", &cpu->answered, error) ||
      !read_bool (o, "host-migratable", &cpu->host_migratable, error) ||
      !read_bool (o, "max-migratable", &cpu->max_migratable, error))
    return FALSE;
  if (defs == NULL || host == NULL)
    return bad (error, defs ? "host" : "definitions");
  for (guint i = 0; i < json_array_get_length (defs); i++)
    if (!read_definition (dc_json_array_get_object (defs, i),
                          cpu->definitions, error))
      return FALSE;
  if (!JSON_NODE_HOLDS_NULL (host) &&
      (cpu->host = read_expansion (dc_json_node_object (host), error)) == NULL)
    return FALSE;
  return read_models (dc_json_get_object (o, "models"), cpu->models, error);
}

static gboolean
read_cpu (JsonObject *o, const char *name, DcCpuFacts **out, GError **error)
{
  JsonNode *node = json_object_get_member (o, name);
  g_autoptr(DcCpuFacts) cpu = NULL;

  if (node == NULL)
    return bad (error, name);
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  cpu = dc_cpu_facts_new ();
  if (!read_cpu_parts (dc_json_node_object (node), cpu, error))
    return FALSE;
  *out = g_steal_pointer (&cpu);
  return TRUE;
}

DcEmulatorFacts *
dc_emulator_facts_from_json (JsonObject *o, GError **error)
{
  g_autoptr(DcEmulatorFacts) f = dc_emulator_facts_new ();

  if (o == NULL)
    {
      bad (error, "facts");
      return NULL;
    }
  if (!read_string (o, "path", &f->path, FALSE, error) ||
      !read_string (o, "version", &f->version, FALSE, error) ||
      !read_string (o, "package", &f->package, FALSE, error) ||
      !read_string (o, "target", &f->target, FALSE, error) ||
      !read_string (o, "arch", &f->arch, FALSE, error) ||
      !read_machines (o, f->machines, error) ||
      !read_set (o, "qom-types", f->qom_types, error) ||
      !read_set (o, "commands", f->commands, error) ||
      !read_schema_enums (o, f->schema_enums, error) ||
      !read_set (o, "tpm-models", f->tpm_models, error) ||
      !read_set (o, "tpm-types", f->tpm_types, error) ||
      !read_set (o, "options", f->options, error) ||
      !read_set (o, "pc-machine-properties", f->pc_machine_properties, error) ||
      !read_bool (o, "tcg", &f->tcg, error) ||
      !read_string (o, "tcg-error", &f->tcg_error, TRUE, error) ||
      !read_bool (o, "kvm", &f->kvm, error) ||
      !read_string (o, "kvm-error", &f->kvm_error, TRUE, error) ||
      !read_sgx (dc_json_get_object (o, "sgx"), &f->sgx, error) ||
      !read_sev (dc_json_get_object (o, "sev"), &f->sev, error) ||
      !read_gic (o, f->gic, error) ||
      !read_set (o, "hyperv", f->hyperv, error) ||
      !read_cpu (o, "cpu-tcg", &f->cpu_tcg, error) ||
      !read_cpu (o, "cpu-kvm", &f->cpu_kvm, error))
    return NULL;
  return g_steal_pointer (&f);
}
