/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of KubeVirt's node labels (dc-labels.c): label syntax, and
 * the labels an answer's model and its facts give. */
#include "config.h"

#include "dc-labels.h"

static DcCapsNode *
add_model (DcCapsNode *mode, const char *name, const char *usable)
{
  DcCapsNode *model = dc_caps_node_add_text (mode, "model", name);

  dc_caps_node_set_attr (model, "usable", usable);
  return model;
}

static void
add_feature (DcCapsNode *mode, const char *policy, const char *name)
{
  DcCapsNode *feature = dc_caps_node_add (mode, "feature");

  dc_caps_node_set_attr (feature, "policy", policy);
  dc_caps_node_set_attr (feature, "name", name);
}

static DcCapsNode *
add_mode (DcCapsNode *cpu, const char *name)
{
  DcCapsNode *mode = dc_caps_node_add (cpu, "mode");

  dc_caps_node_set_attr (mode, "name", name);
  dc_caps_node_set_attr (mode, "supported", "yes");
  return mode;
}

/* An x86 answer under KVM: a host-model, five custom models (one
 * unusable, one obsolete with its -v1, one too long for a label), SEV
 * without SEV-ES guests, no s390-pv. */
static DcCapsNode *
answer (void)
{
  DcCapsNode *root = dc_caps_node_new ("domainCapabilities");
  DcCapsNode *cpu, *mode, *features, *sev;

  dc_caps_node_add_text (root, "path", "/usr/bin/qemu-system-x86_64");
  dc_caps_node_add_text (root, "domain", "kvm");
  cpu = dc_caps_node_add (root, "cpu");
  mode = add_mode (cpu, "host-model");
  dc_caps_node_set_attr (dc_caps_node_add_text (mode, "model", "EPYC-Milan"),
                         "fallback", "forbid");
  dc_caps_node_add_text (mode, "vendor", "AMD");
  add_feature (mode, "require", "x2apic");
  add_feature (mode, "disable", "svm");
  mode = add_mode (cpu, "custom");
  add_model (mode, "EPYC", "yes");
  add_model (mode, "qemu64", "yes");
  add_model (mode, "qemu64-v1", "yes");
  add_model (mode, "Broadwell", "no");
  add_model (mode, "an-overly-long-model-name-that-kubernetes-would-refuse-as-a-label",
             "yes");
  features = dc_caps_node_add (root, "features");
  sev = dc_caps_node_add_supported (features, "sev", TRUE);
  dc_caps_node_add_text (sev, "maxESGuests", "0");
  dc_caps_node_add_supported (features, "s390-pv", FALSE);
  return root;
}

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
  g_assert_true (dc_labels_valid ("cpu-model.node.kubevirt.io/Skylake-Client", "true"));
  g_assert_true (dc_labels_valid ("kubevirt.io/sev", ""));
  g_assert_true (dc_labels_valid ("no-prefix", "1.0"));
  g_assert_false (dc_labels_valid ("a.io/", "true"));
  g_assert_false (dc_labels_valid ("a.io/-x", "true"));
  g_assert_false (dc_labels_valid ("a_b.io/x", "true"));
  g_assert_false (dc_labels_valid ("a..io/x", "true"));
  g_assert_false (dc_labels_valid ("a.io/x", "with space"));
  g_assert_false (dc_labels_valid ("a.io/x", "0123456789012345678901234567890123456789012345678901234567890123"));
}

static void
assert_label (GHashTable *labels, const char *name, const char *value)
{
  const char *got = g_hash_table_lookup (labels, name);

  if (g_strcmp0 (got, value) != 0)
    {
      g_test_message ("label %s: expected %s, got %s", name, value ? value : "none",
                      got ? got : "none");
      g_test_fail ();
    }
}

static void
test_labels_from_answer (void)
{
  g_autoptr(DcEmulatorFacts) facts = facts_new ();
  g_autoptr(DcCapsNode) root = answer ();
  g_autoptr(GHashTable) labels = dc_labels_compute (root, facts);

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


/* Confidential guests by what the answer says: SEV-ES where SEV-ES
 * guests can run, SEV-SNP and TDX where launchSecurity lists them. */
static void
test_confidential_guests (void)
{
  g_autoptr(DcEmulatorFacts) facts = facts_new ();
  g_autoptr(DcCapsNode) root = answer ();
  DcCapsNode *features = dc_caps_node_find (root, "features");
  DcCapsNode *sectype;
  g_autoptr(GHashTable) labels = NULL;

  g_free (((DcCapsNode *) g_ptr_array_index (dc_caps_node_find (features, "sev")->children,
                                             0))->text);
  ((DcCapsNode *) g_ptr_array_index (dc_caps_node_find (features, "sev")->children, 0))->text =
    g_strdup ("99");
  sectype = dc_caps_node_add_enum (dc_caps_node_add_supported (features, "launchSecurity",
                                                               TRUE), "sectype");
  dc_caps_enum_add (sectype, "sev");
  dc_caps_enum_add (sectype, "sev-snp");
  dc_caps_node_add_supported (features, "sgx", FALSE);
  labels = dc_labels_compute (root, facts);
  assert_label (labels, "kubevirt.io/sev", "");
  assert_label (labels, "kubevirt.io/sev-es", "");
  assert_label (labels, "kubevirt.io/sev-snp", "");
  assert_label (labels, "kubevirt.io/tdx", NULL);
  assert_label (labels, "domcapsd.io/sgx", NULL);
}

/* cpu-timer labels from host capabilities' TSC, only where KVM told it. */
static void
test_tsc_labels (void)
{
  g_autoptr(DcHostCaps) host = dc_host_caps_new ();
  g_autoptr(GHashTable) none = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  dc_labels_add_host (none, host);
  g_assert_cmpuint (g_hash_table_size (none), ==, 0);
  host->tsc_hz = 2495312000;
  host->tsc_scaling = TRUE;
  dc_labels_add_host (labels, host);
  g_assert_cmpstr (g_hash_table_lookup (labels, "cpu-timer.node.kubevirt.io/tsc-frequency"),
                   ==, "2495312000");
  g_assert_cmpstr (g_hash_table_lookup (labels, "cpu-timer.node.kubevirt.io/tsc-scalable"),
                   ==, "true");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/labels/syntax", test_label_syntax);
  g_test_add_func ("/labels/from-answer", test_labels_from_answer);
  g_test_add_func ("/labels/confidential-guests", test_confidential_guests);
  g_test_add_func ("/labels/tsc", test_tsc_labels);
  return g_test_run ();
}
