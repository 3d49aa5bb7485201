/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of node-feature-discovery's feature file (dc-nfd.c): its
 * format and its writing, only when the labels change. */
#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "dc-nfd.h"

static void
test_write_only_on_change (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-nfd-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "domcapsd", NULL);
  g_autoptr(GHashTable) labels = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *text = NULL;
  gboolean changed;

  g_hash_table_insert (labels, "b.io/y", "true");
  g_hash_table_insert (labels, "a.io/x", "");
  g_assert_true (dc_nfd_write (path, labels, &changed, NULL));
  g_assert_true (changed);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "a.io/x=\nb.io/y=true\n");
  g_assert_true (dc_nfd_write (path, labels, &changed, NULL));
  g_assert_false (changed);
  /* a FIFO where the file was is replaced, never read (it would block) */
  g_unlink (path);
  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  g_assert_true (dc_nfd_write (path, labels, &changed, NULL));
  g_assert_true (changed);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nfd/write-only-on-change", test_write_only_on_change);
  return g_test_run ();
}
