/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-discover.c: finding the qemu-system-* binaries. */
#include "config.h"

#include "dc-discover.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EMULATOR_PREFIX "qemu-system-"

gboolean
dc_discover_is_emulator_name (const char *name)
{
  const char *rest;

  if (!g_str_has_prefix (name, EMULATOR_PREFIX))
    return FALSE;
  rest = name + strlen (EMULATOR_PREFIX);
  /* Skips dpkg's temporary files (qemu-system-x86_64.dpkg-new) and such. */
  for (const char *p = rest; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;
  return *rest != '\0';
}

static void
add_name (GHashTable *found, const char *real, const char *name)
{
  GPtrArray *names = g_hash_table_lookup (found, real);

  if (names == NULL)
    {
      names = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (found, g_strdup (real), names);
    }
  if (!g_ptr_array_find_with_equal_func (names, name, g_str_equal, NULL))
    g_ptr_array_add (names, g_strdup (name));
}

/* Adds what @dir holds to @found; @seen: what it held, in order, as
 * file name and real path one after the other (filled here). */
static void
scan_dir (GHashTable *found, const char *dir, GPtrArray *seen)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *full = NULL;
      g_autofree char *real = NULL;

      if (!dc_discover_is_emulator_name (name))
        continue;
      full = g_build_filename (dir, name, NULL);
      real = realpath (full, NULL);
      if (real == NULL || !g_file_test (real, G_FILE_TEST_IS_REGULAR) ||
          access (real, X_OK) != 0)
        continue;
      add_name (found, real, full);
      g_ptr_array_add (seen, g_strdup (name));
      g_ptr_array_add (seen, g_steal_pointer (&real));
    }
}

/* The same directory under another name (/bin for /usr/bin on a merged
 * /usr): its emulators are known, only the names are new. */
static void
add_again (GHashTable *found, const char *dir, GPtrArray *seen)
{
  for (guint i = 0; i + 1 < seen->len; i += 2)
    {
      g_autofree char *full = g_build_filename (dir, g_ptr_array_index (seen, i), NULL);
      add_name (found, g_ptr_array_index (seen, i + 1), full);
    }
}

static char *
dir_key (const char *dir)
{
  struct stat st;

  if (stat (dir, &st) != 0)
    return NULL;
  return g_strdup_printf ("%ju:%ju", (uintmax_t) st.st_dev, (uintmax_t) st.st_ino);
}

GHashTable *
dc_discover_emulators (const char *const *dirs)
{
  GHashTable *found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_ptr_array_unref);
  /* device:inode -> what scan_dir() saw there */
  g_autoptr(GHashTable) scanned =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                           (GDestroyNotify) g_ptr_array_unref);

  for (guint i = 0; dirs[i] != NULL; i++)
    {
      char *key = dir_key (dirs[i]);
      GPtrArray *seen = key ? g_hash_table_lookup (scanned, key) : NULL;

      if (seen != NULL)
        {
          add_again (found, dirs[i], seen);
          g_free (key);
          continue;
        }
      seen = g_ptr_array_new_with_free_func (g_free);
      scan_dir (found, dirs[i], seen);
      if (key != NULL)
        g_hash_table_insert (scanned, key, seen);
      else
        g_ptr_array_unref (seen);
    }
  return found;
}
