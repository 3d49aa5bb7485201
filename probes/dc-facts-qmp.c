/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-facts-qmp.c: DcEmulatorFacts from the replies of a probe conversation. */
#include "config.h"

#include "dc-facts-qmp.h"

#include <string.h>

#include "dc-arch.h"
#include "dc-cpu-qmp.h"
#include "dc-json.h"
#include "dc-qmp.h"

static const char *const schema_paths[] = {
  DC_SCHEMA_DISPLAY_TYPES,
  DC_SCHEMA_CHARDEV_BACKENDS,
  DC_SCHEMA_NETDEV_TYPES,
};

static gint64
int_or (JsonObject *object, const char *name, gint64 fallback)
{
  gint64 value;

  return dc_json_get_int (object, name, &value) ? value : fallback;
}

/* ---- finding replies ---- */

static JsonObject *
find_return_object (GPtrArray *exchanges, const char *command)
{
  return dc_json_node_object (dc_qmp_find_return (exchanges, command));
}

static JsonArray *
find_return_array (GPtrArray *exchanges, const char *command)
{
  return dc_json_node_array (dc_qmp_find_return (exchanges, command));
}

static gboolean
missing (const char *command, GError **error)
{
  g_set_error (error, DC_QMP_ERROR, DC_QMP_ERROR_PROTOCOL,
               "no usable reply to %s", command);
  return FALSE;
}

/* ---- one parser per reply ---- */

static gboolean
parse_version (DcEmulatorFacts *facts, GPtrArray *replies, GError **error)
{
  JsonObject *ret = find_return_object (replies, "query-version");
  JsonObject *qemu = ret ? dc_json_get_object (ret, "qemu") : NULL;
  const char *package;

  if (qemu == NULL)
    return missing ("query-version", error);
  facts->version = g_strdup_printf ("%" G_GINT64_FORMAT "."
                                    "%" G_GINT64_FORMAT "."
                                    "%" G_GINT64_FORMAT,
                                    int_or (qemu, "major", 0),
                                    int_or (qemu, "minor", 0),
                                    int_or (qemu, "micro", 0));
  package = dc_json_get_string (ret, "package");
  facts->package = g_strstrip (g_strdup (package ? package : ""));
  return TRUE;
}

static const char *
parse_target (GPtrArray *replies)
{
  JsonObject *ret = find_return_object (replies, "query-target");

  return ret ? dc_json_get_string (ret, "arch") : NULL;
}

/* QEMU 11.1 answers query-target with the family ("mips") whichever byte
 * order the binary was built for; the QOM type "target-info-NAME" it
 * registers for its own target still names it ("target-info-mipsel").
 * Only a byte-order suffix of the family is taken from it, and only where
 * the family itself has no such type: the answer is never a new family. */
static char *
target_with_byte_order (const DcEmulatorFacts *facts, const char *family)
{
  static const char *const suffixes[] = { "el", "eb" };
  g_autofree char *own = g_strconcat ("target-info-", family, NULL);

  if (dc_emulator_facts_has_type (facts, own))
    return g_strdup (family);
  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (own, suffixes[i], NULL);

      if (dc_emulator_facts_has_type (facts, name))
        return g_strconcat (family, suffixes[i], NULL);
    }
  return g_strdup (family);
}

static gboolean
parse_machines (DcEmulatorFacts *facts, GPtrArray *replies, GError **error)
{
  JsonArray *ret = find_return_array (replies, "query-machines");

  if (ret == NULL)
    return missing ("query-machines", error);
  for (guint i = 0; i < json_array_get_length (ret); i++)
    {
      JsonObject *obj = dc_json_array_get_object (ret, i);
      const char *name = obj ? dc_json_get_string (obj, "name") : NULL;
      DcMachine *machine;

      gint64 cpu_max;

      /* "none" is the probe's own; an empty name no domain can ask for. */
      if (name == NULL || *name == '\0' || g_str_equal (name, "none"))
        continue;
      /* a wrong type is no number: the machine goes, with the reason */
      if (!dc_json_get_int (obj, "cpu-max", &cpu_max) || cpu_max < 1 ||
          cpu_max > G_MAXUINT32)
        {
          g_warning ("%s: machine %s left out: QEMU gave no cpu-max of 1 or more "
                     "(query-machines)", facts->path, name);
          continue;
        }
      machine = g_new0 (DcMachine, 1);
      machine->name = g_strdup (name);
      machine->alias = g_strdup (dc_json_get_string (obj, "alias"));
      machine->cpu_max = cpu_max;
      machine->is_default = dc_json_get_bool (obj, "is-default");
      machine->deprecated = dc_json_get_bool (obj, "deprecated");
      /* before 8.0 QEMU does not say: then it has ACPI as far as we know */
      machine->no_acpi = dc_json_is_false (obj, "acpi");
      g_ptr_array_add (facts->machines, machine);
    }
  return TRUE;
}

/* A name with a newline is no QEMU name; the cache could not keep it. */
static gboolean
keepable (const char *name)
{
  return name != NULL && strchr (name, '\n') == NULL;
}

/* Adds the string member @key of every object in @array (@key NULL: every
 * string element) to @set. */
static void
add_names (GHashTable *set, JsonArray *array, const char *key)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      const char *name = key == NULL
                           ? dc_json_array_get_string (array, i)
                           : dc_json_get_string (dc_json_array_get_object (array, i), key);
      if (keepable (name))
        g_hash_table_add (set, g_strdup (name));
    }
}

/* "OPTION.PARAMETER" for every parameter of every command-line option. */
static void
parse_options (GHashTable *set, GPtrArray *replies)
{
  JsonArray *ret = find_return_array (replies, "query-command-line-options");

  for (guint i = 0; ret != NULL && i < json_array_get_length (ret); i++)
    {
      JsonObject *option = dc_json_array_get_object (ret, i);
      const char *name = dc_json_get_string (option, "option");
      g_autoptr(GHashTable) params = dc_string_set_new ();
      GHashTableIter iter;
      const char *param;

      if (!keepable (name))
        continue;
      add_names (params, dc_json_get_array (option, "parameters"), "name");
      g_hash_table_iter_init (&iter, params);
      while (g_hash_table_iter_next (&iter, (gpointer *) &param, NULL))
        g_hash_table_add (set, g_strdup_printf ("%s.%s", name, param));
    }
}

/* The properties of generic-pc-machine (x86 only: elsewhere an error). */
static void
parse_pc_machine_properties (GHashTable *set, GPtrArray *replies)
{
  add_names (set, dc_json_node_array (
               dc_qmp_find_return_for (replies, "qom-list-properties", "typename",
                                       DC_PC_MACHINE_TYPE)),
             "name");
}

/* Adds the string member @key of every object in the reply to @set. */
static gboolean
parse_name_list (GHashTable *set, GPtrArray *replies, const char *command,
                 const char *key, GError **error)
{
  JsonArray *ret = find_return_array (replies, command);

  if (ret == NULL)
    return missing (command, error);
  add_names (set, ret, key);
  return TRUE;
}

/* Follows one path through the schema to an enum; NULL if it leads nowhere. */
static char **
schema_resolve_enum (GHashTable *entities, const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  JsonObject *entity;
  const char *type;
  JsonArray *values;
  GPtrArray *out;

  if (g_strv_length (parts) < 2 ||
      (entity = g_hash_table_lookup (entities, parts[0])) == NULL ||
      (type = dc_json_get_string (entity, parts[1])) == NULL)
    return NULL;
  for (guint i = 2; parts[i] != NULL; i++)
    {
      JsonObject *object = g_hash_table_lookup (entities, type);
      JsonArray *members = object ? dc_json_get_array (object, "members") : NULL;

      type = NULL;
      for (guint m = 0; members && m < json_array_get_length (members); m++)
        {
          JsonObject *member = dc_json_array_get_object (members, m);
          const char *name = member ? dc_json_get_string (member, "name") : NULL;
          if (name && g_str_equal (name, parts[i]))
            type = dc_json_get_string (member, "type");
        }
      if (type == NULL)
        return NULL;
    }
  entity = g_hash_table_lookup (entities, type);
  values = entity ? dc_json_get_array (entity, "values") : NULL;
  if (values == NULL)
    return NULL;
  out = g_ptr_array_new ();
  for (guint i = 0; i < json_array_get_length (values); i++)
    {
      const char *value = dc_json_array_get_string (values, i);
      if (value != NULL)
        g_ptr_array_add (out, g_strdup (value));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

static gboolean
parse_schema (DcEmulatorFacts *facts, GPtrArray *replies, GError **error)
{
  JsonArray *ret = find_return_array (replies, "query-qmp-schema");
  g_autoptr(GHashTable) entities = NULL;

  if (ret == NULL)
    return missing ("query-qmp-schema", error);
  entities = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < json_array_get_length (ret); i++)
    {
      JsonObject *entity = dc_json_array_get_object (ret, i);
      const char *name = entity ? dc_json_get_string (entity, "name") : NULL;
      const char *meta = entity ? dc_json_get_string (entity, "meta-type") : NULL;

      if (name == NULL || meta == NULL)
        continue;
      g_hash_table_insert (entities, (gpointer) name, entity);
      if (g_str_equal (meta, "command"))
        g_hash_table_add (facts->commands, g_strdup (name));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (schema_paths); i++)
    {
      char **values = schema_resolve_enum (entities, schema_paths[i]);
      if (values != NULL)
        g_hash_table_insert (facts->schema_enums, g_strdup (schema_paths[i]),
                             values);
    }
  return TRUE;
}

static guint
uint_or (JsonObject *object, const char *name, guint fallback)
{
  gint64 value;

  if (!dc_json_get_int (object, name, &value) || value < 0 || value > G_MAXUINT32)
    return fallback;
  return value;
}

/* QEMU 6.2 gives section-size, 7.x section-size and sections, 8.0 on only
 * sections (bytes); the total is section-size or else their sum. */
static void
parse_sgx (DcSgxFacts *sgx, GPtrArray *replies)
{
  JsonObject *ret = find_return_object (replies, "query-sgx-capabilities");
  JsonArray *sections = ret ? dc_json_get_array (ret, "sections") : NULL;
  gint64 total = -1, sum = 0;

  if (ret == NULL || !dc_json_get_bool (ret, "sgx"))
    return;
  sgx->present = TRUE;
  sgx->flc = dc_json_get_bool (ret, "flc");
  sgx->sgx1 = dc_json_get_bool (ret, "sgx1");
  sgx->sgx2 = dc_json_get_bool (ret, "sgx2");
  for (guint i = 0; sections && i < json_array_get_length (sections); i++)
    {
      JsonObject *section = dc_json_array_get_object (sections, i);
      gint64 size;
      DcSgxSection entry = { 0 };

      if (section == NULL || !dc_json_get_int (section, "size", &size) || size < 0)
        continue;
      entry.node = uint_or (section, "node", 0);
      entry.size_kib = size / 1024;
      sum += size;
      g_array_append_val (sgx->sections, entry);
    }
  if (!dc_json_get_int (ret, "section-size", &total) || total < 0)
    total = sum;
  sgx->section_size_kib = total / 1024;
}

static void
parse_sev (DcSevFacts *sev, GPtrArray *replies)
{
  JsonObject *ret = find_return_object (replies, "query-sev-capabilities");

  if (ret == NULL)
    return;
  sev->present = TRUE;
  sev->cbitpos = uint_or (ret, "cbitpos", 0);
  sev->reduced_phys_bits = uint_or (ret, "reduced-phys-bits", 0);
  sev->cpu0_id = g_strdup (dc_json_get_string (ret, "cpu0-id"));
}

static void
parse_gic (GArray *gic, GPtrArray *replies)
{
  JsonArray *ret = find_return_array (replies, "query-gic-capabilities");

  for (guint i = 0; ret && i < json_array_get_length (ret); i++)
    {
      JsonObject *obj = dc_json_array_get_object (ret, i);
      DcGicVersion version = { 0 };

      if (obj == NULL || (version.version = uint_or (obj, "version", 0)) == 0)
        continue;
      version.emulated = dc_json_get_bool (obj, "emulated");
      version.kernel = dc_json_get_bool (obj, "kernel");
      g_array_append_val (gic, version);
    }
}

/* The hv-* properties KVM passes through for the "host" model. */
static void
parse_hyperv (GHashTable *hyperv, GPtrArray *replies)
{
  JsonObject *ret = find_return_object (replies, "query-cpu-model-expansion");
  JsonObject *props = dc_json_get_object (dc_json_get_object (ret, "model"), "props");
  g_autoptr(GList) names = props ? json_object_get_members (props) : NULL;

  for (GList *l = names; l != NULL; l = l->next)
    if (g_str_has_prefix (l->data, "hv-") && dc_json_get_bool (props, l->data))
      g_hash_table_add (hyperv, g_strdup (l->data));
}

/* Whether the kvm process runs KVM: query-accelerators' enabled one where
 * QEMU has it, else query-kvm, which QEMU 11.1 deprecates. */
static gboolean
kvm_enabled (GPtrArray *kvm)
{
  JsonObject *accelerators = find_return_object (kvm, "query-accelerators");
  JsonObject *ret = find_return_object (kvm, "query-kvm");

  if (accelerators != NULL)
    return g_strcmp0 (dc_json_get_string (accelerators, "enabled"), "kvm") == 0;
  return ret != NULL && dc_json_get_bool (ret, "enabled");
}

/* @family: the base process's query-target, which the kvm one must repeat */
static void
parse_kvm (DcEmulatorFacts *facts, const char *family, GPtrArray *kvm,
           const char *kvm_error)
{
  const char *target = parse_target (kvm);

  if (kvm == NULL)
    facts->kvm_error = g_strdup (kvm_error ? kvm_error : "not probed");
  else if (!kvm_enabled (kvm))
    facts->kvm_error = g_strdup ("QEMU reports KVM as not enabled");
  else if (target == NULL || !g_str_equal (target, family))
    facts->kvm_error = g_strdup ("the kvm process reported another target");
  else
    facts->kvm = TRUE;
  if (!facts->kvm)
    return;
  parse_sgx (&facts->sgx, kvm);
  parse_sev (&facts->sev, kvm);
  parse_hyperv (facts->hyperv, kvm);
  facts->cpu_kvm = dc_cpu_facts_from_replies (kvm, "kvm");
}

DcEmulatorFacts *
dc_emulator_facts_from_replies (const char *path, GPtrArray *tcg,
                                GPtrArray *kvm, const char *tcg_error,
                                const char *kvm_error, GError **error)
{
  g_autoptr(DcEmulatorFacts) facts = dc_emulator_facts_new ();
  GPtrArray *base = tcg ? tcg : kvm;
  const char *family = parse_target (base);

  facts->path = g_strdup (path);
  if (family == NULL)
    {
      missing ("query-target", error);
      return NULL;
    }
  if (!parse_version (facts, base, error) ||
      !parse_machines (facts, base, error) ||
      !parse_name_list (facts->qom_types, base, "qom-list-types", "name", error) ||
      !parse_schema (facts, base, error))
    return NULL;
  facts->target = target_with_byte_order (facts, family);
  facts->arch = g_strdup (dc_arch_from_qemu_target (facts->target));
  /* Builds without TPM support answer CommandNotFound: no TPM, not an error. */
  parse_name_list (facts->tpm_models, base, "query-tpm-models", NULL, NULL);
  parse_name_list (facts->tpm_types, base, "query-tpm-types", NULL, NULL);
  parse_options (facts->options, base);
  parse_pc_machine_properties (facts->pc_machine_properties, base);
  parse_gic (facts->gic, kvm ? kvm : base);
  facts->tcg = tcg != NULL;
  facts->tcg_error = tcg ? NULL : g_strdup (tcg_error ? tcg_error : "not probed");
  if (tcg != NULL)
    facts->cpu_tcg = dc_cpu_facts_from_replies (tcg, "tcg");
  parse_kvm (facts, family, kvm, kvm_error);
  dc_cpu_facts_settle (facts->cpu_tcg, facts->cpu_kvm);
  return g_steal_pointer (&facts);
}
