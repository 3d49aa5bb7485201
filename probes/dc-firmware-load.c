/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-firmware-load.c: firmware descriptors read from their directories, checked as parsed. */
#include "config.h"

#include "dc-firmware-load.h"

#include <gio/gio.h>
#include <string.h>

#include "dc-arch.h"
#include "dc-file.h"
#include "dc-json.h"

static const DcJsonLimits firmware_json_limits = { 16, 4096 };

static gboolean
invalid (GError **error, const char *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s", what);
  return FALSE;
}

/* A required array whose every element is a string. */
static char **
string_list (JsonObject *object, const char *name, GError **error)
{
  JsonArray *array = dc_json_get_array (object, name);
  GPtrArray *out;

  if (array == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "\"%s\" is missing or not a list", name);
      return NULL;
    }
  out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *value = dc_json_array_get_string (array, i);
      if (value == NULL)
        {
          g_ptr_array_unref (out);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "\"%s\" has an element that is not a string", name);
          return NULL;
        }
      g_ptr_array_add (out, g_strdup (value));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

static gboolean
parse_interfaces (DcFirmware *firmware, JsonObject *root, GError **error)
{
  g_auto(GStrv) types = string_list (root, "interface-types", error);

  if (types == NULL)
    return FALSE;
  firmware->uefi = g_strv_contains ((const char *const *) types, "uefi");
  firmware->bios = g_strv_contains ((const char *const *) types, "bios");
  return TRUE;
}

static gboolean
parse_mapping (DcFirmware *firmware, JsonObject *root, GError **error)
{
  JsonObject *mapping = dc_json_get_object (root, "mapping");
  const char *device = dc_json_get_string (mapping, "device");
  const char *file = NULL;

  if (device == NULL)
    return invalid (error, "\"mapping\" has no \"device\" string");
  if (g_str_equal (device, "flash"))
    file = dc_json_get_string (dc_json_get_object (mapping, "executable"),
                               "filename");
  else if (g_str_equal (device, "memory"))
    file = dc_json_get_string (mapping, "filename");
  else if (!g_str_equal (device, "kernel"))
    return invalid (error, "\"mapping\" has an unknown device");
  if (!g_str_equal (device, "kernel") && (file == NULL || *file != '/'))
    return invalid (error, "\"mapping\" names no absolute firmware file");
  firmware->device = g_strdup (device);
  firmware->executable = g_strdup (file);
  return TRUE;
}

static gboolean
parse_targets (DcFirmware *firmware, JsonObject *root, GError **error)
{
  JsonArray *targets = dc_json_get_array (root, "targets");

  if (targets == NULL)
    return invalid (error, "\"targets\" is missing or not a list");
  for (guint i = 0; i < json_array_get_length (targets); i++)
    {
      JsonObject *object = dc_json_array_get_object (targets, i);
      const char *arch = dc_json_get_string (object, "architecture");
      char **machines;
      DcFirmwareTarget *target;

      if (arch == NULL)
        return invalid (error, "a target has no \"architecture\" string");
      machines = string_list (object, "machines", error);
      if (machines == NULL)
        return FALSE;
      target = g_new0 (DcFirmwareTarget, 1);
      target->arch = g_strdup (dc_arch_from_qemu_target (arch));
      target->machines = machines;
      g_ptr_array_add (firmware->targets, target);
    }
  return TRUE;
}

DcFirmware *
dc_firmware_parse (const char *text, gsize len, const char *path,
                   GError **error)
{
  g_autoptr(DcFirmware) firmware = dc_firmware_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonObject *root;

  firmware->path = g_strdup (path);
  firmware->name = g_path_get_basename (path);
  node = dc_json_parse_object (text, len, DC_FIRMWARE_MAX_SIZE, &firmware_json_limits,
                               error);
  if (node == NULL)
    return NULL;
  root = json_node_get_object (node);
  if (!parse_interfaces (firmware, root, error) ||
      !parse_mapping (firmware, root, error) ||
      !parse_targets (firmware, root, error) ||
      (firmware->features = string_list (root, "features", error)) == NULL)
    return NULL;
  return g_steal_pointer (&firmware);
}

char **
dc_firmware_default_dirs (gboolean session)
{
  GPtrArray *dirs = g_ptr_array_new ();

  g_ptr_array_add (dirs, g_strdup ("/usr/share/qemu/firmware"));
  g_ptr_array_add (dirs, g_strdup ("/etc/qemu/firmware"));
  if (session)
    g_ptr_array_add (dirs, g_build_filename (g_get_user_config_dir (), "qemu",
                                             "firmware", NULL));
  g_ptr_array_add (dirs, NULL);
  return (char **) g_ptr_array_free (dirs, FALSE);
}

/* File name -> path of the descriptor that wins for it. */
static GHashTable *
collect (const char *const *dirs)
{
  GHashTable *winners = g_hash_table_new_full (g_str_hash, g_str_equal,
                                               g_free, g_free);

  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autoptr(GDir) dir = g_dir_open (dirs[i], 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (name, ".json"))
          g_hash_table_insert (winners, g_strdup (name),
                               g_build_filename (dirs[i], name, NULL));
    }
  return winners;
}

static void
skip (GPtrArray *skipped, GLogLevelFlags level, const char *path,
      const char *reason)
{
  g_log (G_LOG_DOMAIN, level, "Skipping firmware descriptor %s: %s", path,
         reason);
  if (skipped != NULL)
    g_ptr_array_add (skipped, g_strdup_printf ("%s: %s", path, reason));
}

static DcFirmware *
load_one (const char *path, GPtrArray *skipped)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;
  DcFirmware *firmware;

  /* Descriptors may be links (to /dev/null: masked), never FIFOs or
   * devices, and are refused before they are read when too large. */
  if (!dc_file_read_bounded (path, DC_FIRMWARE_MAX_SIZE,
                             DC_FILE_FOLLOW_LINKS | DC_FILE_NULL_IS_EMPTY,
                             &text, &len, &error))
    {
      skip (skipped, G_LOG_LEVEL_WARNING, path, error->message);
      return NULL;
    }
  if (len == 0)
    {
      g_debug ("Firmware descriptor %s is masked (empty)", path);
      return NULL;
    }
  firmware = dc_firmware_parse (text, len, path, &error);
  if (firmware == NULL)
    skip (skipped, G_LOG_LEVEL_WARNING, path, error->message);
  else if (firmware->executable != NULL &&
           !g_file_test (firmware->executable, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *why = g_strdup_printf ("%s does not exist",
                                              firmware->executable);
      /* Packages ship descriptors for builds they may not install. */
      skip (skipped, G_LOG_LEVEL_INFO, path, why);
      g_clear_pointer (&firmware, dc_firmware_free);
    }
  return firmware;
}

static gint
compare_names (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
dc_firmware_load (const char *const *dirs, GPtrArray *skipped)
{
  g_autoptr(GHashTable) winners = collect (dirs);
  g_autofree const char **names =
    (const char **) g_hash_table_get_keys_as_array (winners, NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_firmware_free);

  guint count = g_hash_table_size (winners);

  g_qsort_with_data (names, count, sizeof (char *), compare_names, NULL);
  if (count > DC_FIRMWARE_MAX_FILES)
    {
      g_autofree char *why = g_strdup_printf ("only the first %d of %u descriptors are read",
                                              DC_FIRMWARE_MAX_FILES, count);
      skip (skipped, G_LOG_LEVEL_WARNING, names[DC_FIRMWARE_MAX_FILES], why);
      names[DC_FIRMWARE_MAX_FILES] = NULL;
    }
  for (guint i = 0; names[i] != NULL; i++)
    {
      DcFirmware *firmware = load_one (g_hash_table_lookup (winners, names[i]),
                                       skipped);
      if (firmware != NULL)
        g_ptr_array_add (out, firmware);
    }
  return out;
}
