/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the host facts: swtpm_setup's output and a redirected root. */
#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

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

/* virtiofsd is found by a vhost-user descriptor of type fs; a descriptor
 * that is not JSON, too large, a FIFO or of another type finds none. */
static void
test_vhost_user_descriptors (void)
{
  g_autofree char *root = g_dir_make_tmp ("dc-host-XXXXXX", NULL);
  g_autofree char *fifo = g_build_filename (root, "usr/share/qemu/vhost-user/30-fifo.json",
                                            NULL);
  g_autofree char *huge = g_strnfill (100000, ' ');
  g_autofree char *huge_fs = g_strconcat ("{\"type\": \"fs\"", huge, "}", NULL);
  g_autoptr(DcHostFacts) none = NULL;
  g_autoptr(DcHostFacts) found = NULL;

  put_file (root, "usr/share/qemu/vhost-user/10-broken.json", "{\"type\": \"fs\"");
  put_file (root, "usr/share/qemu/vhost-user/20-gpu.json", "{\"type\": \"gpu\"}");
  put_file (root, "usr/share/qemu/vhost-user/40-huge.json", huge_fs);
  put_file (root, "usr/share/qemu/vhost-user/50-fs.txt", "{\"type\": \"fs\"}");
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  none = dc_host_facts_read (root);
  g_assert_false (none->virtiofsd);
  put_file (root, "etc/qemu/vhost-user/50-virtiofsd.json",
            "{\"description\": \"virtiofsd\", \"type\": \"fs\", "
            "\"binary\": \"/usr/libexec/virtiofsd\"}");
  found = dc_host_facts_read (root);
  g_assert_true (found->virtiofsd);
}

/* The first processor's vendor, signature and microcode. */
static void
test_cpuinfo (void)
{
  g_autofree char *root = g_dir_make_tmp ("dc-host-XXXXXX", NULL);
  g_autoptr(DcHostFacts) facts = NULL;

  put_file (root, "proc/cpuinfo",
            "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n"
            "model\t\t: 1\nmodel name\t: Made Up\nstepping\t: 1\n"
            "microcode\t: 0xa0011d1\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\n");
  facts = dc_host_facts_read (root);
  g_assert_cmpstr (facts->cpu_vendor_id, ==, "AuthenticAMD");
  g_assert_true (facts->has_cpu_signature);
  g_assert_cmpuint (facts->cpu_family, ==, 25);
  g_assert_cmpuint (facts->cpu_model, ==, 1);
  g_assert_cmpuint (facts->cpu_stepping, ==, 1);
  g_assert_cmpstr (facts->microcode, ==, "0xa0011d1");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/host/swtpm-capabilities", test_swtpm_capabilities);
  g_test_add_func ("/host/swtpm-bad-output", test_swtpm_bad_output);
  g_test_add_func ("/host/redirected-root", test_redirected_root);
  g_test_add_func ("/host/platform-switches", test_platform_switches);
  g_test_add_func ("/host/vhost-user-descriptors", test_vhost_user_descriptors);
  g_test_add_func ("/host/cpuinfo", test_cpuinfo);
  return g_test_run ();
}
