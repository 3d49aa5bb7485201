/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-host-cpu.c: the host CPU named as libvirt 12.9 names it.
 *
 * The models' features come from QEMU 11.1's TCG expansions of its
 * unversioned models (tests/replay/qemu-11.1-x86_64.tcg.replies,
 * trixie-backports) and the map's rows;
 * the host CPUs are given as their CPUID features, so nothing here
 * depends on this machine's CPU. */
#include "config.h"

#include <string.h>

#include "dc-cpu-map.h"
#include "dc-cpu-model.h"
#include "dc-cpu-qmp.h"
#include "dc-cpuid.h"
#include "dc-host-cpu.h"
#include "dc-replies.h"

typedef struct {
  DcCpuFacts *tcg;
  DcHostCaps *caps;
} Fixture;

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "replay",
                                                 "qemu-11.1-x86_64.tcg.replies", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) exchanges = dc_replies_read (path, &error);

  g_assert_no_error (error);
  fx->tcg = dc_cpu_facts_from_replies (exchanges, "tcg");
  dc_cpu_facts_settle (fx->tcg, NULL);
  fx->caps = dc_host_caps_new ();
  fx->caps->arch = g_strdup ("x86_64");
  fx->caps->has_signature = TRUE;
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  dc_cpu_facts_free (fx->tcg);
  dc_host_caps_free (fx->caps);
}

/* The CPU's features: the names of @set, in CPUID order, as the reader
 * gives them. */
static void
set_features (Fixture *fx, GHashTable *set)
{
  gsize n;
  const DcCpuidFeature *table = dc_cpuid_features (&n);

  g_ptr_array_set_size (fx->caps->cpu_features, 0);
  for (gsize i = 0; i < n; i++)
    if (g_hash_table_contains (set, table[i].name))
      g_ptr_array_add (fx->caps->cpu_features, g_strdup (table[i].name));
}

static void
set_cpu (Fixture *fx, const char *vendor, guint family, guint model, guint stepping)
{
  g_free (fx->caps->vendor);
  fx->caps->vendor = g_strdup (vendor);
  fx->caps->family = family;
  fx->caps->model = model;
  fx->caps->stepping = stepping;
}

static char *
joined (GPtrArray *names)
{
  g_ptr_array_add (names, NULL);
  g_ptr_array_set_size (names, names->len - 1);
  return g_strjoinv (" ", (char **) names->pdata);
}

/* This project's test machine: a virtual AMD family 26 CPU whose CPUID
 * offers none of the EPYC models' feature sets. libvirt 12.9 wrote, in
 * the newest suite's root on it: kvm64-v1 and these 69 features, in
 * this order. */
static void
test_virtual_amd (Fixture *fx, gconstpointer data)
{
  static const char *const cpuid =
    "pni pclmuldq ssse3 fma cx16 sse4.1 sse4.2 movbe popcnt aes xsave osxsave "
    "avx f16c rdrand hypervisor fpu vme de pse tsc msr pae mce cx8 apic sep "
    "mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht arat fsgsbase "
    "bmi1 avx2 smep bmi2 erms avx512f avx512dq adx smap avx512ifma clflushopt "
    "clwb avx512cd sha-ni avx512bw avx512vl avx512vbmi avx512vbmi2 gfni vaes "
    "vpclmulqdq avx512vnni avx512bitalg avx512-vpopcntdq movdiri movdir64b fsrm "
    "avx512-vp2intersect avx-vnni avx512-bf16 xsaveopt xsavec xgetbv1 lahf_lm "
    "cr8legacy abm sse4a misalignsse 3dnowprefetch syscall nx mmxext pdpe1gb lm "
    "invtsc clzero xsaveerptr no-nested-data-bp fs-gs-base-ns "
    "lfence-always-serializing null-sel-clr-base prefetchi eraps "
    "srso-user-kernel-no";
  g_auto(GStrv) names = g_strsplit (cpuid, " ", -1);
  g_autoptr(DcHostCpuName) name = NULL;
  g_autofree char *features = NULL;

  set_cpu (fx, "AMD", 26, 2, 1);
  for (guint i = 0; names[i] != NULL; i++)
    g_ptr_array_add (fx->caps->cpu_features, g_strdup (names[i]));
  name = dc_host_cpu_name (fx->caps, fx->tcg);
  g_assert_nonnull (name);
  g_assert_cmpstr (name->model, ==, "kvm64-v1");
  features = joined (name->features);
  g_assert_cmpstr (features, ==,
    "pclmuldq ssse3 fma sse4.1 sse4.2 movbe popcnt aes xsave osxsave avx f16c "
    "rdrand hypervisor vme ht arat fsgsbase bmi1 avx2 smep bmi2 erms avx512f "
    "avx512dq adx smap avx512ifma clflushopt clwb avx512cd sha-ni avx512bw "
    "avx512vl avx512vbmi avx512vbmi2 gfni vaes vpclmulqdq avx512vnni "
    "avx512bitalg avx512-vpopcntdq movdiri movdir64b fsrm avx512-vp2intersect "
    "avx-vnni avx512-bf16 xsaveopt xsavec xgetbv1 lahf_lm cr8legacy abm sse4a "
    "misalignsse 3dnowprefetch mmxext pdpe1gb invtsc clzero xsaveerptr "
    "no-nested-data-bp fs-gs-base-ns lfence-always-serializing "
    "null-sel-clr-base prefetchi eraps srso-user-kernel-no");
}

/* A Rome host (family 23, model 49) with every feature of libvirt's
 * EPYC-Rome-v4: the newest version that fits is named, and only what it
 * lacks is listed. */
static void
test_versioned_model (Fixture *fx, gconstpointer data)
{
  g_autoptr(GHashTable) set = dc_cpu_model_features (fx->tcg, NULL, "EPYC-Rome-v4");
  g_autoptr(DcHostCpuName) name = NULL;
  g_autofree char *features = NULL;

  g_assert_nonnull (set);
  g_hash_table_add (set, "hypervisor");
  g_hash_table_add (set, "x2apic");
  set_features (fx, set);
  set_cpu (fx, "AMD", 23, 49, 0);
  name = dc_host_cpu_name (fx->caps, fx->tcg);
  g_assert_nonnull (name);
  g_assert_cmpstr (name->model, ==, "EPYC-Rome-v4");
  features = joined (name->features);
  g_assert_cmpstr (features, ==, "x2apic hypervisor");
}

/* The same features with EPYC's family and model (23/1): a model of the
 * CPU's own family and model beats EPYC-Rome-v4, which leaves fewer
 * features over. And an Intel CPU is never named after an AMD model. */
static void
test_vendor_and_signature (Fixture *fx, gconstpointer data)
{
  g_autoptr(GHashTable) set = dc_cpu_model_features (fx->tcg, NULL, "EPYC-Rome-v4");
  g_autoptr(DcHostCpuName) epyc = NULL;
  g_autoptr(DcHostCpuName) intel = NULL;
  g_autofree char *expanded = NULL;
  const DcCpuExpansion *model;

  set_features (fx, set);
  set_cpu (fx, "AMD", 23, 1, 0);
  epyc = dc_host_cpu_name (fx->caps, fx->tcg);
  g_assert_nonnull (epyc);
  expanded = dc_cpu_model_unversioned (epyc->model);
  model = g_hash_table_lookup (fx->tcg->models, expanded);
  g_assert_nonnull (model);
  g_assert_cmpint (model->family, ==, 23);
  g_assert_cmpint (model->model, ==, 1);
  g_assert_false (g_str_has_prefix (epyc->model, "EPYC-Rome"));
  set_cpu (fx, "Intel", 23, 49, 0);
  intel = dc_host_cpu_name (fx->caps, fx->tcg);
  g_assert_nonnull (intel);
  g_free (expanded);
  expanded = dc_cpu_model_unversioned (intel->model);
  model = g_hash_table_lookup (fx->tcg->models, expanded);
  g_assert_nonnull (model);
  g_assert_cmpstr (dc_cpu_model_vendor (expanded, model), !=, "AMD");
}

/* A Haswell (family 6, model 60) reporting TSX: its TSX is broken, hle
 * and rtm are dropped, and the model without TSX is named. */
static void
test_broken_tsx (Fixture *fx, gconstpointer data)
{
  g_autoptr(GHashTable) set = dc_cpu_model_features (fx->tcg, NULL, "Haswell");
  g_autoptr(GHashTable) named = NULL;
  g_autoptr(DcHostCpuName) name = NULL;
  g_autofree char *features = NULL;

  g_assert_true (g_hash_table_contains (set, "hle"));
  set_features (fx, set);
  set_cpu (fx, "Intel", 6, 60, 3);
  name = dc_host_cpu_name (fx->caps, fx->tcg);
  g_assert_nonnull (name);
  g_assert_true (g_str_has_prefix (name->model, "Haswell"));
  named = dc_cpu_model_features (fx->tcg, NULL, name->model);
  g_assert_false (g_hash_table_contains (named, "hle"));
  features = joined (name->features);
  g_assert_null (strstr (features, "hle"));
  g_assert_null (strstr (features, "rtm"));
}

/* No CPUID features (not x86, or unreadable) or no model facts: none. */
static void
test_nothing_to_name (Fixture *fx, gconstpointer data)
{
  g_assert_null (dc_host_cpu_name (fx->caps, fx->tcg));
  g_ptr_array_add (fx->caps->cpu_features, g_strdup ("fpu"));
  g_assert_null (dc_host_cpu_name (fx->caps, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/host-cpu/virtual-amd", test_virtual_amd);
  ADD ("/host-cpu/versioned-model", test_versioned_model);
  ADD ("/host-cpu/vendor-and-signature", test_vendor_and_signature);
  ADD ("/host-cpu/broken-tsx", test_broken_tsx);
  ADD ("/host-cpu/nothing-to-name", test_nothing_to_name);
  return g_test_run ();
}
