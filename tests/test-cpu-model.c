/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-cpu-model.c: host-model from recorded CPU expansions.
 *
 * The recordings are Debian QEMU 7.2's answers on an AMD EPYC-Milan host
 * (tests/replay/qemu-7.2-x86_64.*.replies). The AMD cases expect what
 * libvirt 9.0 answered on that host, with the differences that
 * docs/differences-from-libvirt.md explains; the Intel cases turn one of
 * QEMU's Intel model expansions into the host CPU, so the choice among
 * Intel models is tested on a machine that has none. */
#include "config.h"

#include <string.h>

#include "dc-cpu-model.h"
#include "dc-cpu-qmp.h"
#include "dc-replies.h"
#include "dc-qmp.h"

typedef struct {
  DcCpuFacts *tcg;
  DcCpuFacts *kvm;
  GPtrArray *kvm_exchanges;
} Fixture;

static GPtrArray *
load_replies (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "replay", name, NULL);
  g_autoptr(GError) error = NULL;
  GPtrArray *exchanges = dc_replies_read (path, &error);

  g_assert_no_error (error);
  return exchanges;
}

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  g_autoptr(GPtrArray) tcg = load_replies ("qemu-7.2-x86_64.tcg.replies");

  fx->kvm_exchanges = load_replies ("qemu-7.2-x86_64.kvm.replies");
  fx->tcg = dc_cpu_facts_from_replies (tcg, "tcg");
  fx->kvm = dc_cpu_facts_from_replies (fx->kvm_exchanges, "kvm");
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  dc_cpu_facts_free (fx->tcg);
  dc_cpu_facts_free (fx->kvm);
  g_ptr_array_unref (fx->kvm_exchanges);
}

/* What the daemon computes from these facts (dc-facts.c settles them). */
static DcHostModel *
compute (Fixture *fx, DcCpuFacts *accel)
{
  dc_cpu_facts_settle (fx->tcg, fx->kvm);
  return dc_host_model_compute (accel, fx->tcg, fx->kvm);
}

static void
assert_names (GPtrArray *actual, const char *expected)
{
  g_autoptr(GString) joined = g_string_new (NULL);

  for (guint i = 0; i < actual->len; i++)
    g_string_append_printf (joined, "%s%s", i ? " " : "",
                            (char *) g_ptr_array_index (actual, i));
  g_assert_cmpstr (joined->str, ==, expected);
}

static void
assert_host_model (const DcHostModel *hm, const char *model,
                   const char *vendor, const char *required,
                   const char *disabled)
{
  g_assert_nonnull (hm);
  g_assert_cmpstr (hm->model, ==, model);
  g_assert_cmpstr (hm->vendor, ==, vendor);
  assert_names (hm->required, required);
  assert_names (hm->disabled, disabled);
}

/* libvirt 9.0's answer on the recorded host: QEMU's EPYC-Milan has
 * topoext, libvirt's copy of it (dc-cpu-map.c) does not. */
static void
test_amd_kvm (Fixture *fx, gconstpointer data)
{
  g_autoptr(DcHostModel) hm = compute (fx, fx->kvm);

  assert_host_model (hm, "EPYC-Milan", "AMD",
    "arch-capabilities cmp_legacy hypervisor invtsc mds-no pschange-mc-no "
    "rdctl-no skip-l1dfl-vmentry tsc-deadline tsc_adjust x2apic",
    "abm adx aes amd-ssbd amd-stibp avx avx2 bmi1 bmi2 erms f16c fma "
    "fsgsbase fsrm ibpb ibrs invpcid movbe npt nrip-save pcid pclmuldq "
    "pdpe1gb perfctr_core pku pni popcnt rdpid rdrand rdseed rdtscp sha-ni "
    "smap smep sse4.1 sse4.2 sse4a ssse3 svm svme-addr-chk wbnoinvd "
    "xgetbv1 xsave xsavec xsaveopt xsaves");
}

/* TCG's max CPU has no model's signature: the lightest changes win
 * (EPYC), libvirt's answer for this QEMU in its 11.3 test corpus
 * (qemu_7.2.0-tcg.x86_64), word for word: npt required because libvirt's
 * EPYC lacks it. */
static void
test_amd_tcg (Fixture *fx, gconstpointer data)
{
  g_autoptr(DcHostModel) hm = compute (fx, fx->tcg);

  assert_host_model (hm, "EPYC", "AMD",
    "3dnow 3dnowext acpi clwb erms hypervisor la57 monitor mpx npt pcommit "
    "pks pku ss svme-addr-chk umip vaes vgif",
    "3dnowprefetch fxsr_opt misalignsse nrip-save osvw rdseed sha-ni "
    "topoext vme xsavec");
}

/* QEMU 11.1's max CPU (tests/replay/qemu-11.1-x86_64.tcg.replies, from
 * trixie-backports) with no KVM facts at all: libvirt 12.9's answer for
 * it, word for word. Here the weights decide: counted plainly, Opteron_G3
 * (57 required, 1 disabled) would beat EPYC (29 and 7). */
static void
test_amd_tcg_qemu_11_1 (void)
{
  g_autoptr(GPtrArray) exchanges = load_replies ("qemu-11.1-x86_64.tcg.replies");
  DcCpuFacts *tcg = dc_cpu_facts_from_replies (exchanges, "tcg");
  g_autoptr(DcHostModel) hm = NULL;

  dc_cpu_facts_settle (tcg, NULL);
  hm = dc_host_model_compute (tcg, tcg, NULL);
  assert_host_model (hm, "EPYC", "AMD",
    "3dnow 3dnowext acpi clwb cmp_legacy cmpccxadd erms fsrc fsrm fsrs fzrm "
    "hypervisor la57 monitor mpx no-nested-data-bp npt null-sel-clr-base pks "
    "pku rdpid ss svme-addr-chk umip vaes vgif wbnoinvd x2apic xsaveerptr",
    "fxsr_opt misalignsse nrip-save osvw topoext vme xsavec");
  dc_cpu_facts_free (tcg);
}

/* The host becomes a copy of KVM's expansion of @model, with @add and
 * without @drop, and nothing blocks any model. The vendor comes from
 * TCG's expansion: under KVM QEMU gives every model the host's vendor. */
static void
make_host (Fixture *fx, const char *model, const char *const *add,
           const char *const *drop, gint model_number)
{
  const DcCpuExpansion *source = g_hash_table_lookup (fx->kvm->models, model);
  DcCpuExpansion *host = dc_cpu_expansion_new ();
  GHashTableIter iter;
  const char *name;

  const DcCpuExpansion *tcg = g_hash_table_lookup (fx->tcg->models, model);

  g_assert_nonnull (source);
  g_free (host->vendor);
  host->vendor = g_strdup (tcg->vendor);
  host->family = source->family;
  host->model = model_number;
  host->stepping = 7;
  g_hash_table_iter_init (&iter, source->features);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    if (!g_strv_contains (drop, name))
      g_hash_table_add (host->features, g_strdup (name));
  for (guint i = 0; add[i] != NULL; i++)
    g_hash_table_add (host->features, g_strdup (add[i]));
  dc_cpu_expansion_free (fx->kvm->host);
  fx->kvm->host = host;
  for (guint i = 0; i < fx->kvm->definitions->len; i++)
    {
      DcCpuDefinition *def = g_ptr_array_index (fx->kvm->definitions, i);
      g_strfreev (def->blockers);
      def->blockers = g_new0 (char *, 1);
    }
}

/* A Cascade Lake host (family 6, model 85) without TSX: six models share
 * that signature. The noTSX model (QEMU's v3) also adds the v2 security
 * features this v1-like host lacks, so Cascadelake-Server with TSX
 * disabled needs fewer changes; pku is required, as libvirt's copy of
 * the model lacks it, and mpx, which the model lost, disabled. */
static void
test_intel_signature (Fixture *fx, gconstpointer data)
{
  const char *const add[] = { "hypervisor", "invtsc", NULL };
  const char *const drop[] = { "hle", "rtm", NULL };
  g_autoptr(DcHostModel) hm = NULL;

  make_host (fx, "Cascadelake-Server", add, drop, 85);
  hm = compute (fx, fx->kvm);
  assert_host_model (hm, "Cascadelake-Server", "Intel",
                     "hypervisor invtsc pku", "hle mpx rtm");
}

/* A Haswell-EP host (model 63): no QEMU model has that signature, so the
 * lightest changes decide, and a missing feature is disabled. libvirt's
 * Haswell models lack six features of QEMU's, which are required. */
static void
test_intel_no_signature (Fixture *fx, gconstpointer data)
{
  const char *const add[] = { "hypervisor", NULL };
  const char *const drop[] = { "hle", "rtm", "fma", NULL };
  g_autoptr(DcHostModel) hm = NULL;

  make_host (fx, "Haswell-noTSX", add, drop, 63);
  hm = compute (fx, fx->kvm);
  assert_host_model (hm, "Haswell-noTSX", "Intel",
                     "abm arat f16c hypervisor rdrand vme xsaveopt", "fma");
}

/* A feature QEMU reports as blocking a model is disabled even where the
 * model's expansion does not list it (here it blocks every model, so the
 * choice stays the same as without it). */
static void
test_blocker_is_disabled (Fixture *fx, gconstpointer data)
{
  const char *const add[] = { "hypervisor", "invtsc", NULL };
  const char *const drop[] = { "hle", "rtm", NULL };
  g_autoptr(DcHostModel) hm = NULL;

  make_host (fx, "Cascadelake-Server", add, drop, 85);
  for (guint i = 0; i < fx->kvm->definitions->len; i++)
    {
      DcCpuDefinition *def = g_ptr_array_index (fx->kvm->definitions, i);
      g_strfreev (def->blockers);
      def->blockers = g_strsplit ("la57", ",", -1);
    }
  hm = compute (fx, fx->kvm);
  assert_host_model (hm, "Cascadelake-Server", "Intel",
                     "hypervisor invtsc pku", "hle la57 mpx rtm");
}

static void
test_no_host_expansion (Fixture *fx, gconstpointer data)
{
  g_clear_pointer (&fx->kvm->host, dc_cpu_expansion_free);
  g_assert_null (compute (fx, fx->kvm));
}

/* Every spelling the table changes is one QEMU itself accepts: its full
 * expansion of "host" (recorded for Hyper-V) lists both names. */
static void
test_spellings_are_qemu_aliases (Fixture *fx, gconstpointer data)
{
  JsonObject *props = NULL;
  const char *const names[] = { "cmp-legacy", "ds-cpl", "fxsr-opt", "lahf-lm",
                                "nodeid-msr", "pclmulqdq", "perfctr-core",
                                "perfctr-nb", "tsc-adjust", NULL };

  for (guint i = 0; i < fx->kvm_exchanges->len && props == NULL; i++)
    {
      DcQmpExchange *e = g_ptr_array_index (fx->kvm_exchanges, i);
      JsonObject *args = e->arguments ? json_node_get_object (e->arguments) : NULL;
      if (args && g_str_equal (e->command, "query-cpu-model-expansion") &&
          g_str_equal (json_object_get_string_member (args, "type"), "full"))
        props = json_object_get_object_member (
          json_object_get_object_member (json_node_get_object (e->ret), "model"),
          "props");
    }
  g_assert_nonnull (props);
  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *xml = dc_cpu_feature_name (names[i]);
      g_assert_cmpstr (xml, !=, names[i]);
      g_assert_true (json_object_has_member (props, names[i]));
      g_assert_true (json_object_has_member (props, xml));
    }
  g_assert_cmpstr (dc_cpu_feature_name ("tsc-deadline"), ==, "tsc-deadline");
}

static void
add_answered (GPtrArray *exchanges, const char *command, const char *arguments,
              const char *ret)
{
  g_autoptr(JsonNode) args = arguments ? json_from_string (arguments, NULL) : NULL;
  g_autoptr(JsonNode) answer = json_from_string (ret, NULL);

  g_ptr_array_add (exchanges, dc_qmp_exchange_new_answered (command, args, answer,
                                                            NULL, NULL));
}

/* A lying emulator: members of the wrong type are skipped or read as
 * absent, never trusted. */
static void
test_malformed_replies (void)
{
  g_autoptr(GPtrArray) exchanges =
    g_ptr_array_new_with_free_func ((GDestroyNotify) dc_qmp_exchange_free);
  g_autoptr(DcCpuFacts) cpu = NULL;
  const DcCpuDefinition *def;
  const DcCpuExpansion *epyc;

  add_answered (exchanges, "query-cpu-definitions", NULL,
                "[42, {\"name\": 7}, {\"name\": \"a\\nb\"},"
                " {\"name\": \"host\", \"unavailable-features\": \"x\"},"
                " {\"name\": \"EPYC\", \"unavailable-features\": [1, \"svm\"],"
                "  \"deprecated\": \"yes\"}]");
  add_answered (exchanges, "query-cpu-model-expansion",
                "{\"type\": \"static\", \"model\": {\"name\": \"host\","
                " \"props\": {\"migratable\": false}}}",
                "{\"model\": {\"name\": \"base\", \"props\": \"all\"}}");
  add_answered (exchanges, "query-cpu-model-expansion",
                "{\"type\": \"static\", \"model\": {\"name\": \"EPYC\"}}",
                "{\"model\": {\"props\": {\"family\": -5, \"vendor\": 3,"
                " \"sse\": true, \"x\\ny\": true, \"avx\": \"on\"}}}");
  add_answered (exchanges, "qom-list-properties", "{\"typename\": 5}", "{}");
  cpu = dc_cpu_facts_from_replies (exchanges, "kvm");
  g_assert_cmpuint (cpu->definitions->len, ==, 2);
  def = dc_cpu_facts_find (cpu, "host");
  g_assert_false (def->usable_known);
  def = dc_cpu_facts_find (cpu, "EPYC");
  g_assert_true (def->usable_known);
  g_assert_cmpstr (def->blockers[0], ==, "svm");
  g_assert_null (def->blockers[1]);
  g_assert_false (def->deprecated);
  g_assert_null (cpu->host);
  g_assert_false (cpu->host_migratable);
  epyc = g_hash_table_lookup (cpu->models, "EPYC");
  g_assert_cmpint (epyc->family, ==, -1);
  g_assert_cmpstr (epyc->vendor, ==, "");
  g_assert_cmpuint (g_hash_table_size (epyc->features), ==, 1);
  g_assert_null (dc_host_model_compute (cpu, NULL, cpu));
}

static void
test_vendors (Fixture *fx, gconstpointer data)
{
  const struct { const char *model, *vendor; } cases[] = {
    { "EPYC-Milan", "AMD" }, { "Skylake-Client", "Intel" },
    { "Dhyana", "Hygon" }, { "qemu64", "unknown" }, { "kvm64", "unknown" },
    { "486", "unknown" }, { "pentium3", "unknown" }, { "n270", "Intel" },
    { "athlon", "AMD" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpstr (dc_cpu_model_vendor (cases[i].model,
                                          g_hash_table_lookup (fx->tcg->models,
                                                               cases[i].model)),
                     ==, cases[i].vendor);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/cpu-model/amd-kvm", test_amd_kvm);
  ADD ("/cpu-model/amd-tcg", test_amd_tcg);
  ADD ("/cpu-model/intel-signature", test_intel_signature);
  ADD ("/cpu-model/intel-no-signature", test_intel_no_signature);
  ADD ("/cpu-model/blocker-is-disabled", test_blocker_is_disabled);
  ADD ("/cpu-model/no-host-expansion", test_no_host_expansion);
  ADD ("/cpu-model/spellings-are-qemu-aliases", test_spellings_are_qemu_aliases);
  ADD ("/cpu-model/vendors", test_vendors);
#undef ADD
  g_test_add_func ("/cpu-model/amd-tcg-qemu-11.1", test_amd_tcg_qemu_11_1);
  g_test_add_func ("/cpu-model/malformed-replies", test_malformed_replies);
  return g_test_run ();
}
