/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-facts-json.c: facts <-> JSON, from one description of the fields.
 *
 * Every field of DcEmulatorFacts and the structures it holds is named
 * once below (JSON member, kind, offset); one writer and one reader walk
 * those tables, so a field cannot be written and forgotten on reading, or
 * the other way round. */
#include "config.h"

#include "dc-facts-json.h"

#include <gio/gio.h>
#include <string.h>

#include "dc-json.h"

typedef enum {
  F_STRING,      /* char *, never NULL */
  F_OPT_STRING,  /* char *, may be NULL (JSON null) */
  F_BOOL,        /* gboolean */
  F_UINT,        /* guint, 0 ... G_MAXUINT32 */
  F_CPU_MAX,     /* guint, 1 ... G_MAXUINT32 */
  F_UINT64,      /* guint64, 0 ... G_MAXINT64 */
  F_INT,         /* gint, -1 ... G_MAXINT */
  F_SET,         /* GHashTable * set of strings, as one sorted "\n"-joined string */
  F_LINES,       /* char ** (GStrv), as one "\n"-joined string */
  F_STRV_MAP,    /* GHashTable * string -> GStrv, as an object of arrays */
  F_EMBED,       /* a structure inside this one */
  F_PTR,         /* a pointer to a structure, or NULL (JSON null) */
  F_PTR_ARRAY,   /* GPtrArray * of pointers to structures */
  F_VALUE_ARRAY, /* GArray * of structures */
  F_PTR_MAP,     /* GHashTable * string -> pointer to a structure */
} Kind;

typedef struct Record Record;

typedef struct {
  const char *name;
  Kind kind;
  gsize offset;
  const Record *record;   /* the structure of EMBED, PTR, *_ARRAY, PTR_MAP */
} Field;

struct Record {
  const char *name;
  const Field *fields;
  gsize n_fields;
  gsize size;                  /* of one structure (VALUE_ARRAY) */
  gpointer (*new) (void);      /* PTR, PTR_ARRAY, PTR_MAP elements */
  GDestroyNotify free;
};

#define FIELD(type, member, json, kind) { json, kind, G_STRUCT_OFFSET (type, member), NULL }
#define NESTED(type, member, json, kind, record) \
  { json, kind, G_STRUCT_OFFSET (type, member), &record }
#define RECORD(name, type, fields, new, free) \
  { name, fields, G_N_ELEMENTS (fields), sizeof (type), new, free }

static gpointer
machine_new (void)
{
  return g_new0 (DcMachine, 1);
}

static gpointer
definition_new (void)
{
  DcCpuDefinition *def = g_new0 (DcCpuDefinition, 1);

  def->blockers = g_new0 (char *, 1);
  return def;
}

static gpointer
expansion_new (void)
{
  return dc_cpu_expansion_new ();
}

static gpointer
cpu_new (void)
{
  return dc_cpu_facts_new ();
}

static const Field machine_fields[] = {
  FIELD (DcMachine, name, "name", F_STRING),
  FIELD (DcMachine, alias, "alias", F_OPT_STRING),
  FIELD (DcMachine, cpu_max, "cpu-max", F_CPU_MAX),
  FIELD (DcMachine, is_default, "is-default", F_BOOL),
  FIELD (DcMachine, deprecated, "deprecated", F_BOOL),
  FIELD (DcMachine, no_acpi, "no-acpi", F_BOOL),
};
static const Record machine_record =
  RECORD ("machines", DcMachine, machine_fields, machine_new,
          (GDestroyNotify) dc_machine_free);

static const Field section_fields[] = {
  FIELD (DcSgxSection, node, "node", F_UINT),
  FIELD (DcSgxSection, size_kib, "size-kib", F_UINT64),
};
static const Record section_record =
  RECORD ("sections", DcSgxSection, section_fields, NULL, NULL);

static const Field sgx_fields[] = {
  FIELD (DcSgxFacts, present, "present", F_BOOL),
  FIELD (DcSgxFacts, flc, "flc", F_BOOL),
  FIELD (DcSgxFacts, sgx1, "sgx1", F_BOOL),
  FIELD (DcSgxFacts, sgx2, "sgx2", F_BOOL),
  FIELD (DcSgxFacts, section_size_kib, "section-size-kib", F_UINT64),
  NESTED (DcSgxFacts, sections, "sections", F_VALUE_ARRAY, section_record),
};
static const Record sgx_record = RECORD ("sgx", DcSgxFacts, sgx_fields, NULL, NULL);

static const Field sev_fields[] = {
  FIELD (DcSevFacts, present, "present", F_BOOL),
  FIELD (DcSevFacts, cbitpos, "cbitpos", F_UINT),
  FIELD (DcSevFacts, reduced_phys_bits, "reduced-phys-bits", F_UINT),
  FIELD (DcSevFacts, cpu0_id, "cpu0-id", F_OPT_STRING),
};
static const Record sev_record = RECORD ("sev", DcSevFacts, sev_fields, NULL, NULL);

static const Field gic_fields[] = {
  FIELD (DcGicVersion, version, "version", F_UINT),
  FIELD (DcGicVersion, emulated, "emulated", F_BOOL),
  FIELD (DcGicVersion, kernel, "kernel", F_BOOL),
};
static const Record gic_record = RECORD ("gic", DcGicVersion, gic_fields, NULL, NULL);

static const Field expansion_fields[] = {
  FIELD (DcCpuExpansion, vendor, "vendor", F_STRING),
  FIELD (DcCpuExpansion, model_id, "model-id", F_STRING),
  FIELD (DcCpuExpansion, family, "family", F_INT),
  FIELD (DcCpuExpansion, model, "model", F_INT),
  FIELD (DcCpuExpansion, stepping, "stepping", F_INT),
  FIELD (DcCpuExpansion, features, "features", F_SET),
  FIELD (DcCpuExpansion, switched_off, "switched-off", F_SET),
};
static const Record expansion_record =
  RECORD ("expansion", DcCpuExpansion, expansion_fields, expansion_new,
          (GDestroyNotify) dc_cpu_expansion_free);

static const Field definition_fields[] = {
  FIELD (DcCpuDefinition, name, "name", F_STRING),
  FIELD (DcCpuDefinition, alias_of, "alias-of", F_OPT_STRING),
  FIELD (DcCpuDefinition, type_name, "typename", F_OPT_STRING),
  FIELD (DcCpuDefinition, deprecated, "deprecated", F_BOOL),
  FIELD (DcCpuDefinition, usable_known, "usable-known", F_BOOL),
  FIELD (DcCpuDefinition, blockers, "blockers", F_LINES),
};
static const Record definition_record =
  RECORD ("definitions", DcCpuDefinition, definition_fields, definition_new,
          (GDestroyNotify) dc_cpu_definition_free);

static const Field cpu_fields[] = {
  FIELD (DcCpuFacts, answered, "answered", F_BOOL),
  FIELD (DcCpuFacts, host_migratable, "host-migratable", F_BOOL),
  FIELD (DcCpuFacts, max_migratable, "max-migratable", F_BOOL),
  NESTED (DcCpuFacts, definitions, "definitions", F_PTR_ARRAY, definition_record),
  NESTED (DcCpuFacts, host, "host", F_PTR, expansion_record),
  NESTED (DcCpuFacts, models, "models", F_PTR_MAP, expansion_record),
};
static const Record cpu_record =
  RECORD ("cpu", DcCpuFacts, cpu_fields, cpu_new, (GDestroyNotify) dc_cpu_facts_free);

static const Field facts_fields[] = {
  FIELD (DcEmulatorFacts, path, "path", F_STRING),
  FIELD (DcEmulatorFacts, runs, "runs", F_OPT_STRING),
  FIELD (DcEmulatorFacts, version, "version", F_STRING),
  FIELD (DcEmulatorFacts, package, "package", F_STRING),
  FIELD (DcEmulatorFacts, target, "target", F_STRING),
  FIELD (DcEmulatorFacts, arch, "arch", F_STRING),
  NESTED (DcEmulatorFacts, machines, "machines", F_PTR_ARRAY, machine_record),
  FIELD (DcEmulatorFacts, qom_types, "qom-types", F_SET),
  FIELD (DcEmulatorFacts, commands, "commands", F_SET),
  FIELD (DcEmulatorFacts, schema_enums, "schema-enums", F_STRV_MAP),
  FIELD (DcEmulatorFacts, tpm_models, "tpm-models", F_SET),
  FIELD (DcEmulatorFacts, tpm_types, "tpm-types", F_SET),
  FIELD (DcEmulatorFacts, options, "options", F_SET),
  FIELD (DcEmulatorFacts, pc_machine_properties, "pc-machine-properties", F_SET),
  FIELD (DcEmulatorFacts, tcg, "tcg", F_BOOL),
  FIELD (DcEmulatorFacts, tcg_error, "tcg-error", F_OPT_STRING),
  FIELD (DcEmulatorFacts, kvm, "kvm", F_BOOL),
  FIELD (DcEmulatorFacts, kvm_error, "kvm-error", F_OPT_STRING),
  NESTED (DcEmulatorFacts, sgx, "sgx", F_EMBED, sgx_record),
  NESTED (DcEmulatorFacts, sev, "sev", F_EMBED, sev_record),
  NESTED (DcEmulatorFacts, gic, "gic", F_VALUE_ARRAY, gic_record),
  FIELD (DcEmulatorFacts, hyperv, "hyperv", F_SET),
  NESTED (DcEmulatorFacts, cpu_tcg, "cpu-tcg", F_PTR, cpu_record),
  NESTED (DcEmulatorFacts, cpu_kvm, "cpu-kvm", F_PTR, cpu_record),
};
static const Record facts_record =
  RECORD ("facts", DcEmulatorFacts, facts_fields, NULL, NULL);

#define AT(base, field, type) ((type *) G_STRUCT_MEMBER_P (base, (field)->offset))

/* ---- writing ---- */

static void write_record (JsonBuilder *b, const Record *record, gconstpointer base);

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
write_set (JsonBuilder *b, GHashTable *set)
{
  g_autofree const char **keys =
    (const char **) g_hash_table_get_keys_as_array (set, NULL);
  g_autofree char *joined = NULL;

  g_qsort_with_data (keys, g_hash_table_size (set), sizeof (char *),
                     compare_strings, NULL);
  joined = g_strjoinv ("\n", (char **) keys);
  json_builder_add_string_value (b, joined);
}

static void
write_strv_map (JsonBuilder *b, GHashTable *map)
{
  GHashTableIter iter;
  const char *key;
  char **values;

  json_builder_begin_object (b);
  g_hash_table_iter_init (&iter, map);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &values))
    {
      json_builder_set_member_name (b, key);
      json_builder_begin_array (b);
      for (guint i = 0; values[i] != NULL; i++)
        json_builder_add_string_value (b, values[i]);
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
}

static void
write_ptr_map (JsonBuilder *b, const Record *record, GHashTable *map)
{
  GHashTableIter iter;
  const char *key;
  gpointer value;

  json_builder_begin_object (b);
  g_hash_table_iter_init (&iter, map);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, &value))
    {
      json_builder_set_member_name (b, key);
      write_record (b, record, value);
    }
  json_builder_end_object (b);
}

static void
write_array (JsonBuilder *b, const Field *f, gconstpointer base)
{
  json_builder_begin_array (b);
  if (f->kind == F_PTR_ARRAY)
    {
      GPtrArray *array = *AT (base, f, GPtrArray *);
      for (guint i = 0; i < array->len; i++)
        write_record (b, f->record, g_ptr_array_index (array, i));
    }
  else
    {
      GArray *array = *AT (base, f, GArray *);
      for (guint i = 0; i < array->len; i++)
        write_record (b, f->record, array->data + i * f->record->size);
    }
  json_builder_end_array (b);
}

static void
write_value (JsonBuilder *b, const Field *f, gconstpointer base)
{
  const char *string;
  g_autofree char *joined = NULL;

  switch (f->kind)
    {
    case F_STRING:
    case F_OPT_STRING:
      string = *AT (base, f, char *);
      if (string != NULL)
        json_builder_add_string_value (b, string);
      else
        json_builder_add_null_value (b);
      break;
    case F_BOOL: json_builder_add_boolean_value (b, *AT (base, f, gboolean)); break;
    case F_UINT:
    case F_CPU_MAX: json_builder_add_int_value (b, *AT (base, f, guint)); break;
    case F_UINT64: json_builder_add_int_value (b, *AT (base, f, guint64)); break;
    case F_INT: json_builder_add_int_value (b, *AT (base, f, gint)); break;
    case F_SET: write_set (b, *AT (base, f, GHashTable *)); break;
    case F_LINES:
      joined = g_strjoinv ("\n", *AT (base, f, char **));
      json_builder_add_string_value (b, joined);
      break;
    case F_STRV_MAP: write_strv_map (b, *AT (base, f, GHashTable *)); break;
    case F_EMBED: write_record (b, f->record, AT (base, f, char)); break;
    case F_PTR:
      if (*AT (base, f, gpointer) != NULL)
        write_record (b, f->record, *AT (base, f, gpointer));
      else
        json_builder_add_null_value (b);
      break;
    case F_PTR_ARRAY:
    case F_VALUE_ARRAY: write_array (b, f, base); break;
    case F_PTR_MAP: write_ptr_map (b, f->record, *AT (base, f, GHashTable *)); break;
    }
}

static void
write_record (JsonBuilder *b, const Record *record, gconstpointer base)
{
  json_builder_begin_object (b);
  for (gsize i = 0; i < record->n_fields; i++)
    {
      json_builder_set_member_name (b, record->fields[i].name);
      write_value (b, &record->fields[i], base);
    }
  json_builder_end_object (b);
}

JsonNode *
dc_emulator_facts_to_json (const DcEmulatorFacts *facts)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  write_record (b, &facts_record, facts);
  return json_builder_get_root (b);
}

/* ---- reading: every member's type and range checked ---- */

static gboolean read_record (JsonObject *o, const Record *record,
                             gpointer base, GError **error);

static gboolean
bad (GError **error, const char *member)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "\"%s\" is missing or of the wrong type", member);
  return FALSE;
}

static gboolean
read_string (JsonNode *node, const Field *f, gpointer base, GError **error)
{
  char **out = AT (base, f, char *);
  gboolean null = JSON_NODE_HOLDS_NULL (node);

  if (!null && (!JSON_NODE_HOLDS_VALUE (node) ||
                json_node_get_value_type (node) != G_TYPE_STRING))
    return bad (error, f->name);
  if (null && f->kind != F_OPT_STRING)
    return bad (error, f->name);
  g_free (*out);
  *out = null ? NULL : g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
read_number (JsonNode *node, const Field *f, gpointer base, GError **error)
{
  gint64 value, min = f->kind == F_INT ? -1 : f->kind == F_CPU_MAX ? 1 : 0;
  gint64 max = f->kind == F_UINT64 ? G_MAXINT64 : f->kind == F_INT ? G_MAXINT
                                                                    : G_MAXUINT32;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return bad (error, f->name);
  value = json_node_get_int (node);
  if (value < min || value > max)
    return bad (error, f->name);
  if (f->kind == F_UINT64)
    *AT (base, f, guint64) = value;
  else if (f->kind == F_INT)
    *AT (base, f, gint) = value;
  else
    *AT (base, f, guint) = value;
  return TRUE;
}

static gboolean
read_joined (JsonNode *node, const Field *f, gpointer base, GError **error)
{
  g_auto(GStrv) lines = NULL;
  GHashTable *set;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return bad (error, f->name);
  lines = g_strsplit (json_node_get_string (node), "\n", -1);
  if (f->kind == F_LINES)
    {
      g_strfreev (*AT (base, f, char **));
      *AT (base, f, char **) = g_steal_pointer (&lines);
      return TRUE;
    }
  set = *AT (base, f, GHashTable *);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_hash_table_add (set, g_steal_pointer (&lines[i]));
  return TRUE;
}

/* A list of strings, every element checked; NULL (and @error) if not. */
static char **
read_strv (JsonNode *node, const char *name, GError **error)
{
  JsonArray *array = dc_json_node_array (node);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      const char *value = dc_json_array_get_string (array, i);
      if (value == NULL)
        array = NULL;
      else
        g_strv_builder_add (builder, value);
    }
  if (array == NULL)
    {
      bad (error, name);
      return NULL;
    }
  return g_strv_builder_end (builder);
}

/* A new structure of @record read from @node, or NULL (and @error). */
static gpointer
read_new (JsonNode *node, const Record *record, GError **error)
{
  gpointer value = record->new ();

  if (read_record (dc_json_node_object (node), record, value, error))
    return value;
  record->free (value);
  return NULL;
}

static gboolean
read_map (JsonNode *node, const Field *f, gpointer base, GError **error)
{
  JsonObject *object = dc_json_node_object (node);
  GHashTable *map = *AT (base, f, GHashTable *);
  JsonObjectIter iter;
  const char *key;
  JsonNode *member;

  if (object == NULL)
    return bad (error, f->name);
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, &member))
    {
      gpointer value = f->kind == F_STRV_MAP ? (gpointer) read_strv (member, key, error)
                                             : read_new (member, f->record, error);
      if (value == NULL)
        return FALSE;
      g_hash_table_replace (map, g_strdup (key), value);
    }
  return TRUE;
}

static gboolean
read_array (JsonNode *node, const Field *f, gpointer base, GError **error)
{
  JsonArray *array = dc_json_node_array (node);

  if (array == NULL)
    return bad (error, f->name);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      if (f->kind == F_PTR_ARRAY)
        {
          gpointer value = read_new (element, f->record, error);
          if (value == NULL)
            return FALSE;
          g_ptr_array_add (*AT (base, f, GPtrArray *), value);
        }
      else
        {
          g_autofree gpointer value = g_malloc0 (f->record->size);
          if (!read_record (dc_json_node_object (element), f->record, value, error))
            return FALSE;
          g_array_append_vals (*AT (base, f, GArray *), value, 1);
        }
    }
  return TRUE;
}

static gboolean
read_ptr (JsonNode *node, const Field *f, gpointer base, GError **error)
{
  gpointer *out = AT (base, f, gpointer);

  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  *out = read_new (node, f->record, error);
  return *out != NULL;
}

static gboolean
read_value (JsonNode *node, const Field *f, gpointer base, GError **error)
{
  switch (f->kind)
    {
    case F_STRING:
    case F_OPT_STRING: return read_string (node, f, base, error);
    case F_BOOL:
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        return bad (error, f->name);
      *AT (base, f, gboolean) = json_node_get_boolean (node);
      return TRUE;
    case F_UINT:
    case F_CPU_MAX:
    case F_UINT64:
    case F_INT: return read_number (node, f, base, error);
    case F_SET:
    case F_LINES: return read_joined (node, f, base, error);
    case F_STRV_MAP:
    case F_PTR_MAP: return read_map (node, f, base, error);
    case F_EMBED:
      return read_record (dc_json_node_object (node), f->record,
                          AT (base, f, char), error);
    case F_PTR: return read_ptr (node, f, base, error);
    case F_PTR_ARRAY:
    case F_VALUE_ARRAY: return read_array (node, f, base, error);
    }
  g_return_val_if_reached (FALSE);
}

static gboolean
read_record (JsonObject *o, const Record *record, gpointer base, GError **error)
{
  if (o == NULL)
    return bad (error, record->name);
  for (gsize i = 0; i < record->n_fields; i++)
    {
      JsonNode *node = json_object_get_member (o, record->fields[i].name);

      if (node == NULL)
        return bad (error, record->fields[i].name);
      if (!read_value (node, &record->fields[i], base, error))
        return FALSE;
    }
  return TRUE;
}

DcEmulatorFacts *
dc_emulator_facts_from_json (JsonObject *o, GError **error)
{
  g_autoptr(DcEmulatorFacts) f = dc_emulator_facts_new ();

  if (!read_record (o, &facts_record, f, error))
    return NULL;
  return g_steal_pointer (&f);
}
