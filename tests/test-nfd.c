/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the node labeller (dc-nfd.c): label syntax, the labels
 * an answer and its facts give, and the feature file's writing. */
#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "dc-nfd.h"

static const char answer[] =
  "<domainCapabilities>\n"
  "  <path>/usr/bin/qemu-system-x86_64</path>\n"
  "  <domain>kvm</domain>\n"
  "  <cpu>\n"
  "    <mode name='host-model' supported='yes'>\n"
  "      <model fallback='forbid'>EPYC-Milan</model>\n"
  "      <vendor>AMD</vendor>\n"
  "      <feature policy='require' name='x2apic'/>\n"
  "      <feature policy='disable' name='svm'/>\n"
  "    </mode>\n"
  "    <mode name='custom' supported='yes'>\n"
  "      <model usable='yes' vendor='AMD'>EPYC</model>\n"
  "      <model usable='yes' vendor='unknown'>qemu64</model>\n"
  "      <model usable='yes' vendor='unknown'>qemu64-v1</model>\n"
  "      <model usable='no' vendor='Intel'>Broadwell</model>\n"
  "      <model usable='yes' vendor='unknown'>an-overly-long-model-name-that-"
  "kubernetes-would-refuse-as-a-label</model>\n"
  "    </mode>\n"
  "  </cpu>\n"
  "  <features>\n"
  "    <sev supported='yes'><maxESGuests>0</maxESGuests></sev>\n"
  "    <s390-pv supported='no'/>\n"
  "  </features>\n"
  "</domainCapabilities>\n";

static DcEmulatorFacts *
facts_new (void)
{
  DcEmulatorFacts *facts = dc_emulator_facts_new ();
  DcMachine *machine = g_new0 (DcMachine, 1);

  facts->arch = g_strdup ("x86_64");
  machine->name = g_strdup ("pc-q35-7.2");
  machine->alias = g_strdup ("q35");
  g_ptr_array_add (facts->machines, machine);
  g_hash_table_add (facts->hyperv, g_strdup ("hv-stimer"));
  g_hash_table_add (facts->hyperv, g_strdup ("hv-passthrough"));
  facts->cpu_kvm = dc_cpu_facts_new ();
  facts->cpu_kvm->host = dc_cpu_expansion_new ();
  g_hash_table_add (facts->cpu_kvm->host->features, g_strdup ("x2apic"));
  g_hash_table_add (facts->cpu_kvm->host->features, g_strdup ("sse4.1"));
  g_hash_table_add (facts->cpu_kvm->host->features, g_strdup ("kvmclock"));
  return facts;
}

static void
test_label_syntax (void)
{
  g_assert_true (dc_nfd_label_valid ("cpu-model.node.kubevirt.io/Skylake-Client", "true"));
  g_assert_true (dc_nfd_label_valid ("kubevirt.io/sev", ""));
  g_assert_true (dc_nfd_label_valid ("no-prefix", "1.0"));
  g_assert_false (dc_nfd_label_valid ("a.io/", "true"));
  g_assert_false (dc_nfd_label_valid ("a.io/-x", "true"));
  g_assert_false (dc_nfd_label_valid ("a_b.io/x", "true"));
  g_assert_false (dc_nfd_label_valid ("a..io/x", "true"));
  g_assert_false (dc_nfd_label_valid ("a.io/x", "with space"));
  g_assert_false (dc_nfd_label_valid ("a.io/x", "0123456789012345678901234567890123456789012345678901234567890123"));
}

static void
assert_label (GHashTable *labels, const char *name, const char *value)
{
  const char *got = g_hash_table_lookup (labels, name);

  if (g_strcmp0 (got, value) != 0)
    g_error ("label %s: expected %s, got %s", name, value ? value : "none",
             got ? got : "none");
}

static void
test_labels_from_answer (void)
{
  g_autoptr(DcEmulatorFacts) facts = facts_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) labels = dc_nfd_labels (answer, facts, &error);

  g_assert_no_error (error);
  assert_label (labels, "cpu-model.node.kubevirt.io/EPYC", "true");
  assert_label (labels, "cpu-model-migration.node.kubevirt.io/EPYC", "true");
  assert_label (labels, "cpu-model-migration.node.kubevirt.io/EPYC-Milan", "true");
  assert_label (labels, "cpu-model.node.kubevirt.io/qemu64", NULL);     /* obsolete */
  assert_label (labels, "cpu-model.node.kubevirt.io/qemu64-v1", NULL);
  assert_label (labels, "cpu-model.node.kubevirt.io/Broadwell", NULL);  /* unusable */
  assert_label (labels, "host-model-cpu.node.kubevirt.io/EPYC-Milan", "true");
  assert_label (labels, "cpu-vendor.node.kubevirt.io/AMD", "true");
  assert_label (labels, "host-model-required-features.node.kubevirt.io/x2apic", "true");
  assert_label (labels, "host-model-required-features.node.kubevirt.io/svm", NULL);
  assert_label (labels, "cpu-feature.node.kubevirt.io/x2apic", "true");
  assert_label (labels, "cpu-feature.node.kubevirt.io/sse4.1", "true");
  assert_label (labels, "cpu-feature.node.kubevirt.io/kvmclock", NULL);
  assert_label (labels, "hyperv.node.kubevirt.io/synictimer", "true");
  assert_label (labels, "hyperv.node.kubevirt.io/base", "true");
  assert_label (labels, "machine-type.node.kubevirt.io/pc-q35-7.2", "true");
  assert_label (labels, "machine-type.node.kubevirt.io/q35", "true");
  assert_label (labels, "kubevirt.io/sev", "");
  assert_label (labels, "kubevirt.io/sev-es", NULL);   /* no ES guest */
  assert_label (labels, "kubevirt.io/s390-pv", NULL);
  assert_label (labels, "node-labeller.kubevirt.io/obsolete-host-model", NULL);
  /* the over-long model is left out, not written as a refused label */
  g_assert_cmpuint (g_hash_table_size (labels), ==, 13);
}

static void
test_not_xml_is_an_error (void)
{
  g_autoptr(DcEmulatorFacts) facts = facts_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) labels = dc_nfd_labels ("<oops", facts, &error);

  g_assert_null (labels);
  g_assert_nonnull (error);
}

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
  g_test_add_func ("/nfd/label-syntax", test_label_syntax);
  g_test_add_func ("/nfd/labels-from-answer", test_labels_from_answer);
  g_test_add_func ("/nfd/not-xml", test_not_xml_is_an_error);
  g_test_add_func ("/nfd/write-only-on-change", test_write_only_on_change);
  return g_test_run ();
}
