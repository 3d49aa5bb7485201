/* Unit tests of the host facts: swtpm_setup's output and a redirected root. */
#include "config.h"

#include <glib/gstdio.h>

#include "dc-host.h"

static void
test_swtpm_capabilities (void)
{
  DcHostFacts facts = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (dc_host_facts_parse_swtpm (&facts,
      "{ \"type\": \"swtpm_setup\", \"features\": [ \"tpm-1.2\", 7, \"tpm-2.0\" ] }",
      &error));
  g_assert_no_error (error);
  g_assert_true (facts.swtpm && facts.swtpm_tpm12 && facts.swtpm_tpm20);
}

static void
test_swtpm_bad_output (void)
{
  const char *bad[] = { "not json", "[]", "{\"features\": \"tpm-2.0\"}", "" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      DcHostFacts facts = { 0 };
      g_autoptr(GError) error = NULL;

      g_assert_false (dc_host_facts_parse_swtpm (&facts, bad[i], &error));
      g_assert_nonnull (error);
      g_assert_false (facts.swtpm_tpm20);
    }
}

static void
test_redirected_root (void)
{
  g_autofree char *root = g_dir_make_tmp ("dc-host-XXXXXX", NULL);
  g_autofree char *vfio_dir = g_build_filename (root, "dev", "vfio", NULL);
  g_autofree char *vfio = g_build_filename (vfio_dir, "vfio", NULL);
  g_autofree char *group = g_build_filename (root, "sys", "kernel",
                                             "iommu_groups", "0", NULL);
  g_autoptr(DcHostFacts) empty = dc_host_facts_read (root);
  g_autoptr(DcHostFacts) full = NULL;

  g_assert_false (empty->kvm_present);
  g_assert_false (empty->vfio);
  g_assert_nonnull (empty->arch);
  g_assert_cmpint (g_mkdir_with_parents (vfio_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (group, 0700), ==, 0);
  g_assert_true (g_file_set_contents (vfio, "", 0, NULL));
  full = dc_host_facts_read (root);
  g_assert_true (full->vfio);
  g_assert_cmpint (g_remove (vfio), ==, 0);
  g_assert_cmpint (g_rmdir (vfio_dir), ==, 0);
  g_assert_cmpint (g_rmdir (group), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/host/swtpm-capabilities", test_swtpm_capabilities);
  g_test_add_func ("/host/swtpm-bad-output", test_swtpm_bad_output);
  g_test_add_func ("/host/redirected-root", test_redirected_root);
  return g_test_run ();
}
