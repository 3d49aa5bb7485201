/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* In-process replay: recorded conversations -> facts -> render -> XML,
 * with no bus, no daemon and no QEMU (run it under gdb to step through a
 * whole answer), and the cache codec's round trip checked on every
 * recording: facts -> cache JSON -> facts gives the same XML, for every
 * machine with an alias and the default one, under every accelerator. */
#include "config.h"

#include "dc-caps-xml.h"
#include "dc-facts-json.h"
#include "dc-facts-qmp.h"
#include "dc-render.h"
#include "dc-replies.h"

#define REPLAY_PATH "/REPLAY/emulators/qemu-system-"

static GPtrArray *
load (const char *recording)
{
  g_autofree char *name = g_strdup_printf ("qemu-7.2-%s.replies", recording);
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "replay", name, NULL);
  g_autoptr(GError) error = NULL;
  GPtrArray *exchanges = dc_replies_read (path, &error);

  g_assert_no_error (error);
  return exchanges;
}

/* Facts of the recorded @target: its tcg conversation, and its kvm one
 * where the recording has it. */
static DcEmulatorFacts *
recorded_facts (const char *target, gboolean with_kvm)
{
  g_autofree char *tcg_name = g_strdup_printf ("%s.tcg", target);
  g_autofree char *kvm_name = g_strdup_printf ("%s.kvm", target);
  g_autofree char *path = g_strconcat (REPLAY_PATH, target, NULL);
  g_autoptr(GPtrArray) tcg = load (tcg_name);
  g_autoptr(GPtrArray) kvm = with_kvm ? load (kvm_name) : NULL;
  g_autoptr(GError) error = NULL;
  DcEmulatorFacts *facts =
    dc_emulator_facts_from_replies (path, tcg, kvm, NULL,
                                    with_kvm ? NULL : "no kvm recording", &error);

  g_assert_no_error (error);
  return facts;
}

static DcHostFacts
replay_host (const char *arch)
{
  DcHostFacts host = { 0 };

  host.arch = (char *) arch;
  host.kvm_present = host.kvm_usable = TRUE;
  host.swtpm = host.swtpm_tpm12 = host.swtpm_tpm20 = TRUE;
  host.phys_addr_bits = 48;   /* the replay scenario's CPUID 0x80000008 */
  return host;
}

static char *
answer (const DcEmulatorFacts *facts, const DcHostFacts *host,
        const DcMachine *machine, const char *virttype)
{
  const DcRenderQuery query = { facts->arch, machine, virttype };
  g_autoptr(GPtrArray) firmware = g_ptr_array_new ();
  g_autoptr(DcCapsNode) root = dc_render (facts, host, firmware, &query);
  g_autoptr(GError) error = NULL;
  char *xml = dc_caps_to_xml (root, &error);

  g_assert_no_error (error);
  return xml;
}

/* The same answer replay.py's x86_64-kvm scenario expects of the daemon. */
static void
test_x86_64_kvm_expected (void)
{
  g_autoptr(DcEmulatorFacts) facts = recorded_facts ("x86_64", TRUE);
  DcHostFacts host = replay_host ("x86_64");
  g_autofree char *xml = answer (facts, &host,
                                 dc_emulator_facts_find_machine (facts, "q35"), "kvm");
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "replay", "expected",
                                                 "x86_64-kvm.xml", NULL);
  g_autofree char *expected = NULL;

  g_assert_true (g_file_get_contents (path, &expected, NULL, NULL));
  g_assert_cmpstr (xml, ==, expected);
}

static DcEmulatorFacts *
through_cache (const DcEmulatorFacts *facts)
{
  g_autoptr(JsonNode) node = dc_emulator_facts_to_json (facts);
  g_autofree char *text = json_to_string (node, FALSE);
  g_autoptr(JsonNode) parsed = json_from_string (text, NULL);
  g_autoptr(GError) error = NULL;
  DcEmulatorFacts *back = dc_emulator_facts_from_json (json_node_get_object (parsed), &error);

  g_assert_no_error (error);
  return back;
}

static void
check_round_trip (const char *target, gboolean with_kvm, const char *arch)
{
  g_autoptr(DcEmulatorFacts) facts = recorded_facts (target, with_kvm);
  g_autoptr(DcEmulatorFacts) back = through_cache (facts);
  DcHostFacts host = replay_host (arch);
  const char *virttypes[] = { "qemu", with_kvm ? "kvm" : NULL };
  guint compared = 0;

  for (guint m = 0; m < facts->machines->len; m++)
    {
      const DcMachine *machine = g_ptr_array_index (facts->machines, m);

      if (machine->alias == NULL && !machine->is_default)
        continue;
      for (guint v = 0; v < G_N_ELEMENTS (virttypes) && virttypes[v]; v++)
        {
          g_autofree char *direct = answer (facts, &host, machine, virttypes[v]);
          g_autofree char *cached =
            answer (back, &host, dc_emulator_facts_find_machine (back, machine->name),
                    virttypes[v]);
          g_assert_cmpstr (cached, ==, direct);
          compared++;
        }
    }
  g_assert_cmpuint (compared, >, 0);
  g_test_message ("%s: %u answers equal through the cache", target, compared);
}

static void
test_round_trip_x86_64 (void)
{
  check_round_trip ("x86_64", TRUE, "x86_64");
}

static void
test_round_trip_aarch64 (void)
{
  check_round_trip ("aarch64", FALSE, "aarch64");
}

static void
test_round_trip_s390x (void)
{
  check_round_trip ("s390x", FALSE, "s390x");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/replay/x86_64-kvm-expected", test_x86_64_kvm_expected);
  g_test_add_func ("/replay/cache-round-trip/x86_64", test_round_trip_x86_64);
  g_test_add_func ("/replay/cache-round-trip/aarch64", test_round_trip_aarch64);
  g_test_add_func ("/replay/cache-round-trip/s390x", test_round_trip_s390x);
  return g_test_run ();
}
