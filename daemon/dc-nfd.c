/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-nfd.c: node labels as node-feature-discovery's feature file, kept current. */
#include "config.h"

#include "dc-nfd.h"

#include <string.h>

#include "dc-file.h"
#include "dc-labels.h"

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

char *
dc_nfd_format (GHashTable *labels)
{
  guint n = 0;
  g_autofree const char **names =
    (const char **) g_hash_table_get_keys_as_array (labels, &n);
  GString *out = g_string_new (NULL);

  qsort (names, n, sizeof *names, compare_strings);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, "%s=%s\n", names[i],
                            (const char *) g_hash_table_lookup (labels, names[i]));
  return g_string_free (out, FALSE);
}

gboolean
dc_nfd_write (const char *path, GHashTable *labels, gboolean *changed,
              GError **error)
{
  g_autofree char *text = dc_nfd_format (labels);
  g_autofree char *old = NULL;

  gsize length = strlen (text), old_length;

  /* The old file is read as any file someone else may have put there
   * (never blocking on a FIFO, never past the new text's size): unreadable
   * or different means changed. */
  *changed = !dc_file_read_bounded (path, length, DC_FILE_FOLLOW_LINKS, &old,
                                    &old_length, NULL) ||
             !g_str_equal (old, text);
  if (!*changed)
    return TRUE;
  return g_file_set_contents_full (path, text, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

/* ---- keeping a feature file current ---- */

struct _DcNfdWriter {
  DcRegistry *registry;
  DcAnswerer *answerer;
  char *path;
  guint delay_ms;
  guint source;
  gulong handlers[2];
};

static void
writer_update (DcNfdWriter *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) labels = dc_labels_for_host (self->registry, self->answerer,
                                                      &error);
  gboolean changed = FALSE;

  if (labels == NULL)
    {
      g_warning ("No node labels for this host: %s", error->message);
      g_clear_error (&error);
      labels = g_hash_table_new (g_str_hash, g_str_equal);
    }
  if (!dc_nfd_write (self->path, labels, &changed, &error))
    g_warning ("Cannot write node labels to %s: %s", self->path, error->message);
  else if (changed)
    g_message ("Wrote %u node labels to %s", g_hash_table_size (labels),
               self->path);
}

static void
on_delay_over (gpointer user_data)
{
  DcNfdWriter *self = user_data;

  self->source = 0;
  writer_update (self);
}

static void
on_changed (DcNfdWriter *self)
{
  if (self->source == 0)
    self->source = g_timeout_add_once (self->delay_ms, on_delay_over, self);
}

DcNfdWriter *
dc_nfd_writer_new (DcRegistry *registry, DcAnswerer *answerer, const char *path,
                   guint delay_ms)
{
  DcNfdWriter *self = g_new0 (DcNfdWriter, 1);

  self->registry = registry;
  self->answerer = answerer;
  self->path = g_strdup (path);
  self->delay_ms = delay_ms;
  self->handlers[0] = g_signal_connect_swapped (registry, "capabilities-changed",
                                                G_CALLBACK (on_changed), self);
  self->handlers[1] = g_signal_connect_swapped (registry, "emulators-changed",
                                                G_CALLBACK (on_changed), self);
  writer_update (self);
  return self;
}

void
dc_nfd_writer_free (DcNfdWriter *self)
{
  if (self == NULL)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (self->handlers); i++)
    g_signal_handler_disconnect (self->registry, self->handlers[i]);
  g_clear_handle_id (&self->source, g_source_remove);
  g_free (self->path);
  g_free (self);
}
