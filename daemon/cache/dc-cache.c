/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-cache.c: the disk cache. */
#include "config.h"

#include "dc-cache.h"

#include <errno.h>
#include <string.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "dc-facts-json.h"
#include "dc-file.h"
#include "dc-json.h"

#define FORMAT_NAME "domcapsd-cache"
/* The first line: a path (4 KB at most), the host key and a few numbers. */
#define ENVELOPE_MAX_SIZE (16 * 1024)
/* A cache file holds ~3,000 values (x86_64, 120 KB). */
const DcJsonLimits dc_cache_json_limits = { 16, 64 * 1024 };

struct _DcCache {
  char *dir;
  char *host_key;
};

gboolean
dc_file_stamp_read (const char *path, DcFileStamp *stamp, GError **error)
{
  struct stat st;

  if (stat (path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot stat %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  stamp->dev = st.st_dev;
  stamp->ino = st.st_ino;
  stamp->size = st.st_size;
  stamp->mtime_ns = (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) +
                    st.st_mtim.tv_nsec;
  stamp->ctime_ns = (gint64) st.st_ctim.tv_sec * G_GINT64_CONSTANT (1000000000) +
                    st.st_ctim.tv_nsec;
  return TRUE;
}

gboolean
dc_file_stamp_equal (const DcFileStamp *a, const DcFileStamp *b)
{
  return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
         a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

/* A write killed between g_file_set_contents()'s temporary file and its
 * rename leaves "NAME.json.XXXXXX" behind: only this daemon writes here. */
static void
remove_leftovers (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      const char *dot = strrchr (name, '.');
      g_autofree char *path = NULL;

      if (dot == NULL || dot - name < 5 || strlen (dot) != 7 ||
          strncmp (dot - 5, ".json", 5) != 0)
        continue;
      path = g_build_filename (dir, name, NULL);
      if (g_unlink (path) == 0)
        g_info ("Removed %s, left by an interrupted write", path);
    }
}

DcCache *
dc_cache_new (const char *dir, const char *host_key, GError **error)
{
  DcCache *cache;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot create cache directory %s: %s", dir,
                   g_strerror (saved));
      return NULL;
    }
  remove_leftovers (dir);
  cache = g_new0 (DcCache, 1);
  cache->dir = g_strdup (dir);
  cache->host_key = g_strdup (host_key);
  return cache;
}

void
dc_cache_set_host_key (DcCache *cache, const char *host_key)
{
  g_free (cache->host_key);
  cache->host_key = g_strdup (host_key);
}

void
dc_cache_free (DcCache *cache)
{
  if (cache == NULL)
    return;
  g_free (cache->dir);
  g_free (cache->host_key);
  g_free (cache);
}

char *
dc_cache_file (DcCache *cache, const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
                                                         path, -1);
  g_autofree char *name = g_strdup_printf ("%s-%.16s.json", base, hash);

  return g_build_filename (cache->dir, name, NULL);
}

/* ---- the stamp as JSON ---- */

static void
add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_stamp (JsonBuilder *b, const DcFileStamp *stamp)
{
  json_builder_set_member_name (b, "stamp");
  json_builder_begin_object (b);
  add_int (b, "dev", (gint64) stamp->dev);
  add_int (b, "ino", (gint64) stamp->ino);
  add_int (b, "size", (gint64) stamp->size);
  add_int (b, "mtime-ns", stamp->mtime_ns);
  add_int (b, "ctime-ns", stamp->ctime_ns);
  json_builder_end_object (b);
}

static gboolean
read_stamp (JsonObject *object, DcFileStamp *stamp)
{
  gint64 dev, ino, size;

  if (object == NULL ||
      !dc_json_get_int (object, "dev", &dev) ||
      !dc_json_get_int (object, "ino", &ino) ||
      !dc_json_get_int (object, "size", &size) ||
      !dc_json_get_int (object, "mtime-ns", &stamp->mtime_ns) ||
      !dc_json_get_int (object, "ctime-ns", &stamp->ctime_ns))
    return FALSE;
  stamp->dev = (guint64) dev;
  stamp->ino = (guint64) ino;
  stamp->size = (guint64) size;
  return TRUE;
}

/* ---- the summary as JSON ---- */

static void
add_summary (JsonBuilder *b, const DcEmulatorFacts *facts)
{
  const DcMachine *preferred = dc_emulator_facts_preferred_machine (facts);

  json_builder_set_member_name (b, "summary");
  json_builder_begin_object (b);
  dc_json_add_string (b, "version", facts->version);
  dc_json_add_string (b, "arch", facts->arch);
  dc_json_add_string (b, "target", facts->target);
  json_builder_set_member_name (b, "machines");
  json_builder_begin_array (b);
  for (guint i = 0; i < facts->machines->len; i++)
    {
      const DcMachine *machine = g_ptr_array_index (facts->machines, i);

      json_builder_begin_array (b);
      json_builder_add_string_value (b, machine->name);
      json_builder_add_string_value (b, machine->alias ? machine->alias : "");
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  dc_json_add_string (b, "default-machine", preferred ? preferred->name : "");
  json_builder_set_member_name (b, "tcg");
  json_builder_add_boolean_value (b, facts->tcg);
  json_builder_set_member_name (b, "kvm");
  json_builder_add_boolean_value (b, facts->kvm);
  json_builder_end_object (b);
}

/* [[name, alias], ...], every element checked; FALSE if any is not. */
static gboolean
read_machines (JsonArray *array, DcFactsSummary *summary)
{
  guint n = array ? json_array_get_length (array) : 0;

  summary->machine_names = g_new0 (char *, n + 1);
  summary->machine_aliases = g_new0 (char *, n + 1);
  summary->machines = n;
  for (guint i = 0; i < n; i++)
    {
      JsonArray *pair = dc_json_node_array (json_array_get_element (array, i));
      gboolean two = pair != NULL && json_array_get_length (pair) == 2;
      const char *name = two ? dc_json_array_get_string (pair, 0) : NULL;
      const char *alias = two ? dc_json_array_get_string (pair, 1) : NULL;

      if (name == NULL || alias == NULL)
        return FALSE;
      summary->machine_names[i] = g_strdup (name);
      summary->machine_aliases[i] = g_strdup (alias);
    }
  return array != NULL;
}

static gboolean
read_summary (JsonObject *object, DcFactsSummary *summary)
{
  const char *version = object ? dc_json_get_string (object, "version") : NULL;
  const char *arch = object ? dc_json_get_string (object, "arch") : NULL;
  const char *target = object ? dc_json_get_string (object, "target") : NULL;
  const char *preferred = object ? dc_json_get_string (object, "default-machine") : NULL;

  if (version == NULL || arch == NULL || target == NULL || preferred == NULL)
    return FALSE;
  summary->version = g_strdup (version);
  summary->arch = g_strdup (arch);
  summary->target = g_strdup (target);
  summary->default_machine = g_strdup (preferred);
  summary->tcg = dc_json_get_bool (object, "tcg");
  summary->kvm = dc_json_get_bool (object, "kvm");
  if (read_machines (dc_json_get_array (object, "machines"), summary))
    return TRUE;
  dc_facts_summary_clear (summary);
  return FALSE;
}

void
dc_facts_summary_init (DcFactsSummary *summary, const DcEmulatorFacts *facts)
{
  const DcMachine *preferred = dc_emulator_facts_preferred_machine (facts);
  guint n = facts->machines->len;

  summary->version = g_strdup (facts->version);
  summary->arch = g_strdup (facts->arch);
  summary->target = g_strdup (facts->target);
  summary->machines = n;
  summary->machine_names = g_new0 (char *, n + 1);
  summary->machine_aliases = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      const DcMachine *machine = g_ptr_array_index (facts->machines, i);

      summary->machine_names[i] = g_strdup (machine->name);
      summary->machine_aliases[i] = g_strdup (machine->alias ? machine->alias : "");
    }
  summary->default_machine = g_strdup (preferred ? preferred->name : "");
  summary->tcg = facts->tcg;
  summary->kvm = facts->kvm;
}

void
dc_facts_summary_clear (DcFactsSummary *summary)
{
  g_clear_pointer (&summary->version, g_free);
  g_clear_pointer (&summary->arch, g_free);
  g_clear_pointer (&summary->target, g_free);
  g_clear_pointer (&summary->machine_names, g_strfreev);
  g_clear_pointer (&summary->machine_aliases, g_strfreev);
  g_clear_pointer (&summary->default_machine, g_free);
  g_clear_pointer (&summary->unusable, g_free);
  g_clear_pointer (&summary->runs, g_free);
  summary->machines = 0;
}

/* ---- load ---- */

static gboolean
refuse (GError **error, const char *why)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, why);
  return FALSE;
}

/* What every file here starts with: our format, this version, this host. */
static gboolean
check_origin (DcCache *cache, JsonObject *root, GError **error)
{
  const char *format = dc_json_get_string (root, "format");
  const char *host_key = dc_json_get_string (root, "host-key");
  gint64 version;

  if (format == NULL || !g_str_equal (format, FORMAT_NAME))
    return refuse (error, "not a domcapsd cache file");
  if (!dc_json_get_int (root, "format-version", &version) ||
      version != DC_CACHE_FORMAT_VERSION)
    return refuse (error, "written by another version of the cache format");
  if (host_key == NULL || !g_str_equal (host_key, cache->host_key))
    return refuse (error, "the host changed since (kernel, KVM, microcode, "
                          "QEMU modules or daemon version)");
  return TRUE;
}

/* Checks the envelope of a cache file against what we expect. */
static gboolean
check_envelope (DcCache *cache, JsonObject *root, const char *path,
                const DcFileStamp *stamp, GError **error)
{
  const char *owner = dc_json_get_string (root, "path");
  DcFileStamp stored;

  if (!check_origin (cache, root, error))
    return FALSE;
  if (owner == NULL || !g_str_equal (owner, path))
    return refuse (error, "written for another emulator");
  if (!read_stamp (dc_json_get_object (root, "stamp"), &stored))
    return refuse (error, "has no valid stamp of the binary");
  if (!dc_file_stamp_equal (&stored, stamp))
    return refuse (error, "the binary changed since");
  return TRUE;
}

/* A cache file is two lines of JSON: the envelope (what it is for, and a
 * summary of the facts), then the facts. Reads the file (@whole, or just
 * enough for the envelope) and checks the envelope; @facts_text points
 * into the text returned, at the second line. */
static char *
read_checked (DcCache *cache, const char *path, const DcFileStamp *stamp,
              gboolean whole, DcFactsSummary *summary, const char **facts_text,
              gsize *facts_len, GError **error)
{
  g_autofree char *file = dc_cache_file (cache, path);
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) envelope = NULL;
  const char *newline, *unusable, *runs;
  gsize len;

  /* The cache directory is ours: a link or a FIFO there is not. */
  if (!dc_file_read_bounded (file, whole ? DC_CACHE_MAX_SIZE : ENVELOPE_MAX_SIZE,
                             whole ? 0 : DC_FILE_PREFIX, &text, &len, error))
    return NULL;
  newline = memchr (text, '\n', len);
  envelope = dc_json_parse_object (text, newline ? (gsize) (newline - text) : len,
                                   DC_CACHE_MAX_SIZE, &dc_cache_json_limits, error);
  if (envelope == NULL ||
      !check_envelope (cache, json_node_get_object (envelope), path, stamp, error))
    return NULL;
  unusable = dc_json_get_string (json_node_get_object (envelope), "unusable");
  runs = dc_json_get_string (json_node_get_object (envelope), "runs");
  if ((unusable != NULL || runs != NULL) && summary == NULL)
    {
      refuse (error, unusable ? "holds no facts: this host cannot run the emulator"
                              : "holds no facts: the emulator runs another binary");
      return NULL;
    }
  if (unusable != NULL || runs != NULL)
    {
      summary->unusable = g_strdup (unusable);
      summary->runs = unusable ? NULL : g_strdup (runs);
      *facts_text = "";
      *facts_len = 0;
      return g_steal_pointer (&text);
    }
  if (newline == NULL)
    {
      refuse (error, "has no facts after its envelope");
      return NULL;
    }
  if (summary != NULL &&
      !read_summary (dc_json_get_object (json_node_get_object (envelope), "summary"),
                     summary))
    {
      refuse (error, "has no valid summary of the facts");
      return NULL;
    }
  *facts_text = newline + 1;
  *facts_len = len - (newline + 1 - text);
  return g_steal_pointer (&text);
}

gboolean
dc_cache_check (DcCache *cache, const char *path, const DcFileStamp *stamp,
                DcFactsSummary *summary, GError **error)
{
  const char *facts_text;
  gsize facts_len;
  g_autofree char *text = read_checked (cache, path, stamp, FALSE, summary,
                                        &facts_text, &facts_len, error);

  return text != NULL;
}

DcEmulatorFacts *
dc_cache_load (DcCache *cache, const char *path, const DcFileStamp *stamp,
               GError **error)
{
  const char *facts_text = NULL;
  gsize facts_len = 0;
  g_autofree char *text = read_checked (cache, path, stamp, TRUE, NULL,
                                        &facts_text, &facts_len, error);
  g_autoptr(JsonNode) node = NULL;
  DcEmulatorFacts *facts;

  if (text == NULL)
    return NULL;
  node = dc_json_parse_object (facts_text, facts_len, DC_CACHE_MAX_SIZE,
                               &dc_cache_json_limits, error);
  if (node == NULL)
    return NULL;
  facts = dc_emulator_facts_from_json (json_node_get_object (node), error);
  if (facts != NULL && !g_str_equal (facts->path, path))
    {
      refuse (error, "its facts are for another emulator");
      g_clear_pointer (&facts, dc_emulator_facts_unref);
    }
  return facts;
}

/* ---- store ---- */

/* The first line: what the file is for (this binary on this host); the
 * caller adds what it holds. */
static void
begin_envelope (JsonBuilder *b, DcCache *cache, const char *path,
                const DcFileStamp *stamp)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, FORMAT_NAME);
  add_int (b, "format-version", DC_CACHE_FORMAT_VERSION);
  dc_json_add_string (b, "host-key", cache->host_key);
  dc_json_add_string (b, "path", path);
  add_stamp (b, stamp);
}

static gboolean
write_file (DcCache *cache, const char *path, JsonBuilder *b, const char *body,
            GError **error)
{
  g_autofree char *file = dc_cache_file (cache, path);
  g_autofree char *envelope = dc_json_builder_to_text (b, FALSE, NULL);
  g_autofree char *text = g_strconcat (envelope, "\n", body, "\n", NULL);

  return g_file_set_contents_full (file, text, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

gboolean
dc_cache_store (DcCache *cache, const DcEmulatorFacts *facts,
                const DcFileStamp *stamp, GError **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) node = dc_emulator_facts_to_json (facts);
  g_autofree char *body = json_to_string (node, FALSE);

  begin_envelope (b, cache, facts->path, stamp);
  add_summary (b, facts);
  json_builder_end_object (b);
  return write_file (cache, facts->path, b, body, error);
}

/* A file that holds no facts, only why: @member says it. */
static gboolean
store_without_facts (DcCache *cache, const char *path, const DcFileStamp *stamp,
                     const char *member, const char *value, GError **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  begin_envelope (b, cache, path, stamp);
  dc_json_add_string (b, member, value);
  json_builder_end_object (b);
  return write_file (cache, path, b, "", error);
}

gboolean
dc_cache_store_unusable (DcCache *cache, const char *path, const DcFileStamp *stamp,
                         const char *reason, GError **error)
{
  return store_without_facts (cache, path, stamp, "unusable", reason, error);
}

gboolean
dc_cache_store_runs (DcCache *cache, const char *path, const DcFileStamp *stamp,
                     const char *runs, GError **error)
{
  return store_without_facts (cache, path, stamp, "runs", runs, error);
}

/* ---- other programs' answers ---- */

#define OUTPUT_MAX_SIZE (256 * 1024)

static char *
output_file (DcCache *cache, const char *name)
{
  g_autofree char *base = g_strconcat (name, ".output.json", NULL);

  return g_build_filename (cache->dir, base, NULL);
}

char *
dc_cache_load_output (DcCache *cache, const char *name, const char *identity,
                      GError **error)
{
  g_autofree char *file = output_file (cache, name);
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *root;
  const char *output;
  gsize len;

  if (!dc_file_read_bounded (file, OUTPUT_MAX_SIZE, 0, &text, &len, error) ||
      (node = dc_json_parse_object (text, len, OUTPUT_MAX_SIZE, &dc_cache_json_limits,
                                    error)) == NULL ||
      !check_origin (cache, (root = json_node_get_object (node)), error))
    return NULL;
  output = dc_json_get_string (root, "output");
  if (g_strcmp0 (dc_json_get_string (root, "identity"), identity) != 0 ||
      output == NULL)
    {
      refuse (error, "written for another version of the program");
      return NULL;
    }
  return g_strdup (output);
}

gboolean
dc_cache_store_output (DcCache *cache, const char *name, const char *identity,
                       const char *output, GError **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *file = output_file (cache, name);
  g_autofree char *text = NULL;
  gsize len;

  json_builder_begin_object (b);
  dc_json_add_string (b, "format", FORMAT_NAME);
  add_int (b, "format-version", DC_CACHE_FORMAT_VERSION);
  dc_json_add_string (b, "host-key", cache->host_key);
  dc_json_add_string (b, "identity", identity);
  dc_json_add_string (b, "output", output);
  json_builder_end_object (b);
  text = dc_json_builder_to_text (b, FALSE, &len);
  return g_file_set_contents_full (file, text, len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}
