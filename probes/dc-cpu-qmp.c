/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-cpu-qmp.c: CPU facts from what one QEMU process answered, and what TCG switched off. */
#include "config.h"

#include "dc-cpu-qmp.h"

#include <string.h>

#include "dc-json.h"
#include "dc-qmp.h"

/* ---- the second round ---- */

static gboolean
is_x86 (GPtrArray *exchanges)
{
  JsonNode *target = dc_qmp_find_return (exchanges, "query-target");
  const char *arch = dc_json_get_string (dc_json_node_object (target), "arch");

  return g_strcmp0 (arch, "x86_64") == 0 || g_strcmp0 (arch, "i386") == 0;
}

/* Names come from QEMU's answers: built as JSON values, never pasted
 * into JSON text. */
static void
add_exchange (GPtrArray *exchanges, const char *command, JsonBuilder *arguments)
{
  g_autoptr(JsonNode) node = json_builder_get_root (arguments);

  g_ptr_array_add (exchanges, dc_qmp_exchange_new (command, node));
}

static void
ask_expansion (GPtrArray *exchanges, const char *model, gboolean host)
{
  g_autoptr(JsonBuilder) b = json_builder_new_immutable ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "static");
  json_builder_set_member_name (b, "model");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, model);
  if (host)
    {
      json_builder_set_member_name (b, "props");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "migratable");
      json_builder_add_boolean_value (b, FALSE);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
  add_exchange (exchanges, "query-cpu-model-expansion", b);
}

static void
ask_properties (GPtrArray *exchanges, const char *type_name)
{
  g_autoptr(JsonBuilder) b = json_builder_new_immutable ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "typename");
  json_builder_add_string_value (b, type_name);
  json_builder_end_object (b);
  add_exchange (exchanges, "qom-list-properties", b);
}

void
dc_cpu_follow_up (GPtrArray *exchanges, const char *accel)
{
  JsonArray *defs = dc_json_node_array (dc_qmp_find_return (exchanges, "query-cpu-definitions"));
  const char *host = g_str_equal (accel, "kvm") ? "host" : "max";
  gboolean x86 = is_x86 (exchanges);

  for (guint i = 0; defs != NULL && i < json_array_get_length (defs); i++)
    {
      JsonObject *def = dc_json_array_get_object (defs, i);
      const char *name = dc_json_get_string (def, "name");
      const char *type_name = dc_json_get_string (def, "typename");

      if (name == NULL || strchr (name, '\n') != NULL)
        continue;
      if (type_name != NULL &&
          (g_str_equal (name, "host") || g_str_equal (name, "max")))
        ask_properties (exchanges, type_name);
      if (x86 && g_str_equal (name, host))
        ask_expansion (exchanges, name, TRUE);
      /* Unversioned names are the candidates host-model picks from. */
      if (x86 && dc_json_get_string (def, "alias-of") != NULL)
        ask_expansion (exchanges, name, FALSE);
    }
}

/* ---- reading the answers ---- */

static char **
string_list (JsonObject *object, const char *name, gboolean *present)
{
  JsonArray *array = dc_json_get_array (object, name);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  *present = array != NULL;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      const char *value = dc_json_array_get_string (array, i);
      if (value != NULL && strchr (value, '\n') == NULL)
        g_strv_builder_add (builder, value);
    }
  return g_strv_builder_end (builder);
}

static DcCpuDefinition *
definition_from_json (JsonObject *object)
{
  const char *name = dc_json_get_string (object, "name");
  DcCpuDefinition *def;

  if (name == NULL || strchr (name, '\n') != NULL)
    return NULL;
  def = g_new0 (DcCpuDefinition, 1);
  def->name = g_strdup (name);
  def->alias_of = g_strdup (dc_json_get_string (object, "alias-of"));
  def->type_name = g_strdup (dc_json_get_string (object, "typename"));
  def->deprecated = dc_json_get_bool (object, "deprecated");
  def->blockers = string_list (object, "unavailable-features",
                               &def->usable_known);
  return def;
}

static gint
small_int (JsonObject *props, const char *name)
{
  gint64 value;

  if (!dc_json_get_int (props, name, &value) || value < 0 || value > G_MAXINT)
    return -1;
  return (gint) value;
}

static DcCpuExpansion *
expansion_from_json (JsonObject *ret)
{
  JsonObject *props = dc_json_get_object (dc_json_get_object (ret, "model"),
                                          "props");
  DcCpuExpansion *expansion;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (props == NULL)
    return NULL;
  expansion = dc_cpu_expansion_new ();
  g_free (expansion->vendor);
  expansion->vendor = g_strdup (dc_json_get_string (props, "vendor") ?: "");
  g_free (expansion->model_id);
  expansion->model_id = g_strdup (dc_json_get_string (props, "model-id") ?: "");
  expansion->family = small_int (props, "family");
  expansion->model = small_int (props, "model");
  expansion->stepping = small_int (props, "stepping");
  json_object_iter_init (&iter, props);
  while (json_object_iter_next (&iter, &name, &value))
    if (dc_json_get_bool (props, name) && strchr (name, '\n') == NULL)
      g_hash_table_add (expansion->features, g_strdup (name));
  return expansion;
}

static const char *
argument (DcQmpExchange *exchange, const char *member)
{
  return dc_json_get_string (dc_json_node_object (exchange->arguments),
                             member);
}

static gboolean
has_property (JsonArray *properties, const char *name)
{
  for (guint i = 0; properties && i < json_array_get_length (properties); i++)
    if (g_strcmp0 (dc_json_get_string (dc_json_array_get_object (properties, i),
                                       "name"), name) == 0)
      return TRUE;
  return FALSE;
}

static void
read_properties (DcCpuFacts *cpu, DcQmpExchange *exchange)
{
  const char *type_name = argument (exchange, "typename");
  const DcCpuDefinition *host = dc_cpu_facts_find (cpu, "host");
  const DcCpuDefinition *max = dc_cpu_facts_find (cpu, "max");
  gboolean migratable = has_property (dc_json_node_array (exchange->ret),
                                      "migratable");

  if (host != NULL && g_strcmp0 (host->type_name, type_name) == 0)
    cpu->host_migratable = migratable;
  if (max != NULL && g_strcmp0 (max->type_name, type_name) == 0)
    cpu->max_migratable = migratable;
}

static void
read_expansion (DcCpuFacts *cpu, DcQmpExchange *exchange, const char *host)
{
  JsonObject *arguments = dc_json_node_object (exchange->arguments);
  JsonObject *model = dc_json_get_object (arguments, "model");
  const char *name = dc_json_get_string (model, "name");
  DcCpuExpansion *expansion;

  if (name == NULL ||
      g_strcmp0 (dc_json_get_string (arguments, "type"), "static") != 0 ||
      (expansion = expansion_from_json (dc_json_node_object (exchange->ret)))
        == NULL)
    return;
  /* Only the host's CPU is expanded with properties (migratable=false). */
  if (dc_json_get_object (model, "props") == NULL)
    g_hash_table_replace (cpu->models, g_strdup (name), expansion);
  else if (g_str_equal (name, host))
    {
      dc_cpu_expansion_free (cpu->host);
      cpu->host = expansion;
    }
  else
    dc_cpu_expansion_free (expansion);
}

static void
read_definitions (DcCpuFacts *cpu, JsonArray *defs)
{
  cpu->answered = defs != NULL;
  for (guint i = 0; defs != NULL && i < json_array_get_length (defs); i++)
    {
      DcCpuDefinition *def =
        definition_from_json (dc_json_array_get_object (defs, i));
      if (def != NULL)
        g_ptr_array_add (cpu->definitions, def);
    }
}

DcCpuFacts *
dc_cpu_facts_from_replies (GPtrArray *exchanges, const char *accel)
{
  DcCpuFacts *cpu = dc_cpu_facts_new ();
  const char *host = g_str_equal (accel, "kvm") ? "host" : "max";

  read_definitions (cpu, dc_json_node_array (dc_qmp_find_return (exchanges, "query-cpu-definitions")));
  for (guint i = 0; i < exchanges->len; i++)
    {
      DcQmpExchange *exchange = g_ptr_array_index (exchanges, i);

      if (exchange->ret == NULL)
        continue;
      if (g_str_equal (exchange->command, "qom-list-properties"))
        read_properties (cpu, exchange);
      else if (g_str_equal (exchange->command, "query-cpu-model-expansion"))
        read_expansion (cpu, exchange, host);
    }
  return cpu;
}

/* ---- what TCG switched off ---- */

static void
add_all (GHashTable *set, GHashTable *models)
{
  GHashTableIter iter;
  DcCpuExpansion *model;

  g_hash_table_iter_init (&iter, models);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &model))
    {
      GHashTableIter f;
      const char *name;

      g_hash_table_iter_init (&f, model->features);
      while (g_hash_table_iter_next (&f, (gpointer *) &name, NULL))
        g_hash_table_add (set, (gpointer) name);
    }
}

void
dc_cpu_facts_settle (DcCpuFacts *tcg, DcCpuFacts *kvm)
{
  g_autoptr(GHashTable) in_tcg = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  const char *name;
  DcCpuExpansion *model;

  if (tcg == NULL || kvm == NULL || g_hash_table_size (kvm->models) == 0)
    return;
  add_all (in_tcg, tcg->models);
  g_hash_table_iter_init (&iter, tcg->models);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &model))
    {
      DcCpuExpansion *other = g_hash_table_lookup (kvm->models, name);
      GHashTableIter f;
      const char *feature;

      if (other == NULL)
        continue;
      g_hash_table_iter_init (&f, other->features);
      while (g_hash_table_iter_next (&f, (gpointer *) &feature, NULL))
        if (!g_hash_table_contains (in_tcg, feature))
          g_hash_table_add (model->switched_off, g_strdup (feature));
    }
  g_hash_table_remove_all (kvm->models);
}
