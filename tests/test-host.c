/* SPDX-License-Identifier: LGPL-2.1-or-later */
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

static void
put_file (const char *root, const char *path, const char *text)
{
  g_autofree char *full = g_build_filename (root, path, NULL);
  g_autofree char *dir = g_path_get_dirname (full);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (full, text, -1, NULL));
}

static void
test_platform_switches (void)
{
  g_autofree char *root = g_dir_make_tmp ("dc-host-XXXXXX", NULL);
  g_autoptr(DcHostFacts) off = dc_host_facts_read (root);
  g_autoptr(DcHostFacts) on = NULL;

  g_assert_false (off->s390_pv);
  g_assert_false (off->sev);
  put_file (root, "proc/sys/kernel/arch", "s390x\n");
  put_file (root, "sys/firmware/uv/prot_virt_host", "1\n");
  put_file (root, "sys/module/kvm/parameters/prot_virt", "Y\n");
  put_file (root, "sys/module/kvm_amd/parameters/sev", "1\n");
  on = dc_host_facts_read (root);
  g_assert_cmpstr (on->arch, ==, "s390x");
  g_assert_true (on->s390_pv);
  g_assert_true (on->sev);
  /* no CPUID source below a test root: no guest limits */
  g_assert_cmpuint (on->sev_max_guests, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/host/swtpm-capabilities", test_swtpm_capabilities);
  g_test_add_func ("/host/swtpm-bad-output", test_swtpm_bad_output);
  g_test_add_func ("/host/redirected-root", test_redirected_root);
  g_test_add_func ("/host/platform-switches", test_platform_switches);
  return g_test_run ();
}
