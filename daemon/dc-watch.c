/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-watch.c: directory monitors and the debounce. */
#include "config.h"

#include "dc-watch.h"

#include <gio/gio.h>

struct _DcWatch {
  guint quiet_ms;
  guint max_delay_ms;
  DcWatchFunc func;
  gpointer user_data;
  GHashTable *monitors;   /* "kind:dir" -> GFileMonitor */
  guint pending;          /* kinds marked since the last callback */
  guint quiet_id;
  guint max_id;
};

static void
fire (DcWatch *watch)
{
  guint kinds = watch->pending;

  g_clear_handle_id (&watch->quiet_id, g_source_remove);
  g_clear_handle_id (&watch->max_id, g_source_remove);
  watch->pending = 0;
  watch->func (kinds, watch->user_data);
}

static gboolean
on_quiet (gpointer user_data)
{
  DcWatch *watch = user_data;

  watch->quiet_id = 0;
  fire (watch);
  return G_SOURCE_REMOVE;
}

static gboolean
on_max_delay (gpointer user_data)
{
  DcWatch *watch = user_data;

  watch->max_id = 0;
  fire (watch);
  return G_SOURCE_REMOVE;
}

static void
on_changed (GFileMonitor *monitor, GFile *file, GFile *other,
            GFileMonitorEvent event, gpointer user_data)
{
  DcWatch *watch = user_data;
  guint kind = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (monitor),
                                                    "dc-kind"));

  watch->pending |= kind;
  g_clear_handle_id (&watch->quiet_id, g_source_remove);
  watch->quiet_id = g_timeout_add (watch->quiet_ms, on_quiet, watch);
  if (watch->max_id == 0)
    watch->max_id = g_timeout_add (watch->max_delay_ms, on_max_delay, watch);
}

DcWatch *
dc_watch_new (guint quiet_ms, guint max_delay_ms, DcWatchFunc func,
              gpointer user_data)
{
  DcWatch *watch = g_new0 (DcWatch, 1);

  watch->quiet_ms = quiet_ms;
  watch->max_delay_ms = MAX (max_delay_ms, quiet_ms);
  watch->func = func;
  watch->user_data = user_data;
  watch->monitors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           g_object_unref);
  return watch;
}

void
dc_watch_free (DcWatch *watch)
{
  GHashTableIter iter;
  gpointer monitor;

  if (watch == NULL)
    return;
  g_hash_table_iter_init (&iter, watch->monitors);
  while (g_hash_table_iter_next (&iter, NULL, &monitor))
    g_signal_handlers_disconnect_by_data (monitor, watch);
  g_hash_table_unref (watch->monitors);
  g_clear_handle_id (&watch->quiet_id, g_source_remove);
  g_clear_handle_id (&watch->max_id, g_source_remove);
  g_free (watch);
}

static void
add_monitor (DcWatch *watch, guint kind, const char *dir, char *key)
{
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  g_autoptr(GError) error = NULL;
  GFileMonitor *monitor = g_file_monitor_directory (file,
                                                    G_FILE_MONITOR_WATCH_MOVES,
                                                    NULL, &error);

  if (monitor == NULL)
    {
      g_warning ("Cannot watch %s: %s", dir, error->message);
      g_free (key);
      return;
    }
  g_file_monitor_set_rate_limit (monitor, 100);
  g_object_set_data (G_OBJECT (monitor), "dc-kind", GUINT_TO_POINTER (kind));
  g_signal_connect (monitor, "changed", G_CALLBACK (on_changed), watch);
  g_hash_table_insert (watch->monitors, key, monitor);
}

void
dc_watch_set_dirs (DcWatch *watch, guint kind, const char *const *dirs)
{
  g_autofree char *prefix = g_strdup_printf ("%u:", kind);
  g_autoptr(GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                        g_free, NULL);
  GHashTableIter iter;
  gpointer key, monitor;

  for (guint i = 0; dirs[i] != NULL; i++)
    g_hash_table_add (wanted, g_strconcat (prefix, dirs[i], NULL));
  g_hash_table_iter_init (&iter, watch->monitors);
  while (g_hash_table_iter_next (&iter, &key, &monitor))
    if (g_str_has_prefix (key, prefix) && !g_hash_table_contains (wanted, key))
      {
        g_signal_handlers_disconnect_by_data (monitor, watch);
        g_hash_table_iter_remove (&iter);
      }
  for (guint i = 0; dirs[i] != NULL; i++)
    {
      char *key_i = g_strconcat (prefix, dirs[i], NULL);

      if (g_hash_table_contains (watch->monitors, key_i))
        g_free (key_i);
      else
        add_monitor (watch, kind, dirs[i], key_i);
    }
}
