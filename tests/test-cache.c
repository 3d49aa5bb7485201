/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the disk cache and of facts <-> JSON. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "dc-cache.h"
#include "dc-facts-json.h"

#define HOST_KEY "domcapsd test; kernel 1.0"

typedef struct {
  char *dir;
  char *binary;
  DcCache *cache;
  DcFileStamp stamp;
} Fixture;

static DcCpuFacts *
sample_cpu (void)
{
  DcCpuFacts *cpu = dc_cpu_facts_new ();
  DcCpuDefinition *def = g_new0 (DcCpuDefinition, 1);
  DcCpuExpansion *model = dc_cpu_expansion_new ();

  def->name = g_strdup ("EPYC");
  def->alias_of = g_strdup ("EPYC-v1");
  def->usable_known = TRUE;
  def->blockers = g_strsplit ("svm,npt", ",", -1);
  g_ptr_array_add (cpu->definitions, def);
  cpu->answered = TRUE;
  cpu->max_migratable = TRUE;
  cpu->host = dc_cpu_expansion_new ();
  cpu->host->family = 23;
  g_hash_table_add (cpu->host->features, g_strdup ("sse2"));
  g_hash_table_add (model->features, g_strdup ("sse2"));
  g_hash_table_add (model->switched_off, g_strdup ("vme"));
  g_hash_table_insert (cpu->models, g_strdup ("EPYC"), model);
  return cpu;
}

static DcEmulatorFacts *
sample_facts (const char *path)
{
  DcEmulatorFacts *f = dc_emulator_facts_new ();
  DcMachine *m = g_new0 (DcMachine, 1);
  const char *display[] = { "sdl", "dbus", NULL };

  f->path = g_strdup (path);
  f->version = g_strdup ("7.2.0");
  f->package = g_strdup ("Debian");
  f->target = g_strdup ("x86_64");
  f->arch = g_strdup ("x86_64");
  m->name = g_strdup ("pc-q35-7.2");
  m->alias = g_strdup ("q35");
  m->cpu_max = 288;
  m->is_default = TRUE;
  g_ptr_array_add (f->machines, m);
  g_hash_table_add (f->qom_types, g_strdup ("VGA"));
  g_hash_table_add (f->qom_types, g_strdup ("iothread"));
  g_hash_table_add (f->commands, g_strdup ("query-vnc"));
  g_hash_table_insert (f->schema_enums, g_strdup (DC_SCHEMA_DISPLAY_TYPES),
                       g_strdupv ((char **) display));
  g_hash_table_add (f->tpm_types, g_strdup ("emulator"));
  g_hash_table_add (f->options, g_strdup ("run-with.async-teardown"));
  g_hash_table_add (f->pc_machine_properties, g_strdup ("i8042"));
  f->sev.present = TRUE;
  f->sev.cbitpos = 51;
  f->sev.cpu0_id = g_strdup ("Q1BVMA==");
  f->sgx.present = f->sgx.flc = f->sgx.sgx1 = f->sgx.sgx2 = TRUE;
  f->sgx.section_size_kib = G_GUINT64_CONSTANT (1) << 40;
  g_array_append_vals (f->sgx.sections, (DcSgxSection[]) { { 0, 65536 }, { 1, 196608 } }, 2);
  g_array_append_vals (f->gic, (DcGicVersion[]) { { 2, TRUE, FALSE }, { 3, TRUE, TRUE } }, 2);
  g_hash_table_add (f->hyperv, g_strdup ("hv-stimer"));
  f->tcg = TRUE;
  f->kvm = TRUE;
  f->kvm_error = g_strdup ("no KVM here");
  f->cpu_tcg = sample_cpu ();
  f->cpu_kvm = sample_cpu ();
  f->cpu_kvm->host_migratable = TRUE;
  return f;
}

static void
set_up (Fixture *fx, gconstpointer data)
{
  fx->dir = g_dir_make_tmp ("dc-cache-XXXXXX", NULL);
  fx->binary = g_build_filename (fx->dir, "qemu-system-x86_64", NULL);
  g_assert_true (g_file_set_contents (fx->binary, "#!/bin/sh\n", -1, NULL));
  fx->cache = dc_cache_new (fx->dir, HOST_KEY, NULL);
  g_assert_nonnull (fx->cache);
  g_assert_true (dc_file_stamp_read (fx->binary, &fx->stamp, NULL));
}

static void
tear_down (Fixture *fx, gconstpointer data)
{
  g_autoptr(GDir) dir = g_dir_open (fx->dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fx->dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (fx->dir);
  dc_cache_free (fx->cache);
  g_free (fx->binary);
  g_free (fx->dir);
}

static char *
facts_text (const DcEmulatorFacts *facts)
{
  g_autoptr(JsonNode) node = dc_emulator_facts_to_json (facts);

  return json_to_string (node, FALSE);
}

static void
store (Fixture *fx)
{
  g_autoptr(DcEmulatorFacts) facts = sample_facts (fx->binary);
  g_autoptr(GError) error = NULL;

  g_assert_true (dc_cache_store (fx->cache, facts, &fx->stamp, &error));
  g_assert_no_error (error);
}

static void
test_round_trip (Fixture *fx, gconstpointer data)
{
  g_autoptr(DcEmulatorFacts) facts = sample_facts (fx->binary);
  g_autoptr(DcEmulatorFacts) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *file = dc_cache_file (fx->cache, fx->binary);
  g_autofree char *before = NULL, *after = NULL;
  GStatBuf st;

  store (fx);
  g_assert_cmpint (g_stat (file, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  loaded = dc_cache_load (fx->cache, fx->binary, &fx->stamp, &error);
  g_assert_no_error (error);
  before = facts_text (facts);
  after = facts_text (loaded);
  g_assert_cmpstr (before, ==, after);
  /* the members libvirt 11's elements need, read back (not only written) */
  g_assert_true (g_hash_table_contains (loaded->options, "run-with.async-teardown"));
  g_assert_true (g_hash_table_contains (loaded->pc_machine_properties, "i8042"));
  g_assert_cmpstr (loaded->sev.cpu0_id, ==, "Q1BVMA==");
  g_assert_cmpstr (dc_emulator_facts_find_machine (loaded, "q35")->name, ==, "pc-q35-7.2");
  g_assert_null (loaded->tcg_error);
  /* every part of the facts, each with a value that is not its default */
  g_assert_true (loaded->sgx.present && loaded->sgx.flc && loaded->sgx.sgx1 && loaded->sgx.sgx2);
  g_assert_cmpuint (loaded->sgx.section_size_kib, ==, G_GUINT64_CONSTANT (1) << 40);
  g_assert_cmpuint (loaded->sgx.sections->len, ==, 2);
  g_assert_cmpuint (g_array_index (loaded->sgx.sections, DcSgxSection, 1).size_kib, ==, 196608);
  g_assert_cmpuint (loaded->gic->len, ==, 2);
  g_assert_true (g_array_index (loaded->gic, DcGicVersion, 1).kernel);
  g_assert_true (g_hash_table_contains (loaded->hyperv, "hv-stimer"));
  g_assert_true (loaded->kvm);
  g_assert_nonnull (loaded->cpu_kvm);
  g_assert_true (loaded->cpu_kvm->host_migratable);
  g_assert_cmpint (loaded->cpu_kvm->host->family, ==, 23);
  g_assert_cmpstr (((DcCpuDefinition *) g_ptr_array_index (loaded->cpu_kvm->definitions, 0))->blockers[1],
                   ==, "npt");
  g_assert_true (g_hash_table_contains (((DcCpuExpansion *) g_hash_table_lookup (
      loaded->cpu_kvm->models, "EPYC"))->switched_off, "vme"));
}

/* Rewrites the cache file with @edit applied and expects a refusal. */
static void
expect_refused (Fixture *fx, const char *text, const char *reason)
{
  g_autofree char *file = dc_cache_file (fx->cache, fx->binary);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (file, text, -1, NULL));
  g_assert_null (dc_cache_load (fx->cache, fx->binary, &fx->stamp, &error));
  g_assert_nonnull (error);
  g_test_message ("refused: %s", error->message);
  if (reason != NULL)
    g_assert_nonnull (strstr (error->message, reason));
}

static char *
stored_text (Fixture *fx)
{
  g_autofree char *file = dc_cache_file (fx->cache, fx->binary);
  char *text = NULL;

  store (fx);
  g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
  return text;
}

static char *
replace (const char *text, const char *from, const char *to)
{
  g_auto(GStrv) parts = g_strsplit (text, from, 2);

  g_assert_nonnull (parts[1]);
  return g_strjoin (to, parts[0], parts[1], NULL);
}

static void
test_missing (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (dc_cache_load (fx->cache, fx->binary, &fx->stamp, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

static void
test_corrupt_and_truncated (Fixture *fx, gconstpointer data)
{
  g_autofree char *text = stored_text (fx);
  g_autofree char *half = g_strndup (text, strlen (text) / 2);

  expect_refused (fx, "\x01\x02 garbage", NULL);
  expect_refused (fx, "", NULL);
  expect_refused (fx, "[]", "not a JSON object");
  expect_refused (fx, half, NULL);
}

static void
test_foreign_and_old (Fixture *fx, gconstpointer data)
{
  g_autofree char *text = stored_text (fx);
  g_autofree char *foreign = replace (text, "domcapsd-cache", "something-else");
  g_autofree char *current = g_strdup_printf ("\"format-version\":%d", DC_CACHE_FORMAT_VERSION);
  g_autofree char *previous = g_strdup_printf ("\"format-version\":%d", DC_CACHE_FORMAT_VERSION - 1);
  g_autofree char *old = replace (text, current, previous);
  g_autofree char *other_path = replace (text, "\"path\":\"", "\"path\":\"/other");
  g_autofree char *other_host = replace (text, HOST_KEY, "domcapsd test; kernel 2.0");
  g_autofree char *bad_type = replace (text, "\"cpu-max\":288", "\"cpu-max\":\"288\"");
  g_autofree char *bad_set = replace (text, "\"VGA\\niothread\"", "42");
  g_autofree char *bad_family = replace (text, "\"family\":23", "\"family\":\"23\"");
  g_autofree char *bad_blockers = replace (text, "\"svm\\nnpt\"", "[\"svm\"]");
  g_autofree char *bad_cpu = replace (text, "\"cpu-tcg\":{", "\"cpu-tcg\":42,\"unused\":{");

  expect_refused (fx, foreign, "not a domcapsd cache file");
  expect_refused (fx, old, "another version");
  expect_refused (fx, other_path, "another emulator");
  expect_refused (fx, other_host, "host changed");
  expect_refused (fx, bad_type, "cpu-max");
  expect_refused (fx, bad_set, "qom-types");
  expect_refused (fx, bad_family, "family");
  expect_refused (fx, bad_blockers, "blockers");
  expect_refused (fx, bad_cpu, "cpu");
}

static void
test_binary_changed (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  DcFileStamp now;

  store (fx);
  /* a package upgrade: a new file renamed over the old one */
  {
    g_autofree char *next = g_strconcat (fx->binary, ".dpkg-new", NULL);
    g_assert_true (g_file_set_contents (next, "#!/bin/sh\n# v2\n", -1, NULL));
    g_assert_cmpint (g_rename (next, fx->binary), ==, 0);
  }
  g_assert_true (dc_file_stamp_read (fx->binary, &now, NULL));
  g_assert_false (dc_file_stamp_equal (&now, &fx->stamp));
  g_assert_null (dc_cache_load (fx->cache, fx->binary, &now, &error));
  g_assert_nonnull (strstr (error->message, "binary changed"));
}

/* The first line alone tells whether a file is current; the facts on
 * the second are read only when asked for, and checked then. */
static void
test_check_reads_the_envelope (Fixture *fx, gconstpointer data)
{
  g_autofree char *text = stored_text (fx);
  g_autofree char *file = dc_cache_file (fx->cache, fx->binary);
  const char *newline = strchr (text, '\n');
  g_autofree char *envelope = g_strndup (text, newline - text);
  g_autofree char *bad_facts = g_strconcat (envelope, "\n{\"path\": 42}\n", NULL);
  g_autoptr(GError) error = NULL;
  DcFactsSummary summary = { 0 };

  g_assert_true (dc_cache_check (fx->cache, fx->binary, &fx->stamp, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (summary.version, ==, "7.2.0");
  g_assert_cmpstr (summary.arch, ==, "x86_64");
  g_assert_cmpstr (summary.target, ==, "x86_64");
  g_assert_cmpuint (summary.machines, ==, 1);
  g_assert_true (summary.tcg && summary.kvm);
  dc_facts_summary_clear (&summary);

  g_assert_true (g_file_set_contents (file, bad_facts, -1, NULL));
  g_assert_true (dc_cache_check (fx->cache, fx->binary, &fx->stamp, &summary, NULL));
  dc_facts_summary_clear (&summary);
  expect_refused (fx, bad_facts, "path");
  expect_refused (fx, envelope, "no facts");
  g_assert_false (dc_cache_check (fx->cache, fx->binary, &fx->stamp, &summary, &error));
  g_assert_nonnull (strstr (error->message, "no facts"));
}

static void
test_program_output (Fixture *fx, gconstpointer data)
{
  g_autoptr(DcCache) other_host = dc_cache_new (fx->dir, "another host", NULL);
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_null (dc_cache_load_output (fx->cache, "swtpm_setup", "v1", &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  g_assert_true (dc_cache_store_output (fx->cache, "swtpm_setup", "v1",
                                        "{\"features\": [\"tpm-2.0\"]}", &error));
  g_assert_no_error (error);
  output = dc_cache_load_output (fx->cache, "swtpm_setup", "v1", &error);
  g_assert_cmpstr (output, ==, "{\"features\": [\"tpm-2.0\"]}");
  g_assert_null (dc_cache_load_output (fx->cache, "swtpm_setup", "v2", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_null (dc_cache_load_output (other_host, "swtpm_setup", "v1", NULL));
  {
    g_autofree char *file = g_build_filename (fx->dir, "swtpm_setup.output.json", NULL);

    g_assert_true (g_file_set_contents (file, "{\"output\": [[[", -1, NULL));
    g_assert_null (dc_cache_load_output (fx->cache, "swtpm_setup", "v1", &error));
    g_assert_nonnull (error);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/cache/round-trip", Fixture, NULL, set_up, test_round_trip, tear_down);
  g_test_add ("/cache/missing", Fixture, NULL, set_up, test_missing, tear_down);
  g_test_add ("/cache/check-reads-the-envelope", Fixture, NULL, set_up,
              test_check_reads_the_envelope, tear_down);
  g_test_add ("/cache/program-output", Fixture, NULL, set_up, test_program_output,
              tear_down);
  g_test_add ("/cache/corrupt-and-truncated", Fixture, NULL, set_up,
              test_corrupt_and_truncated, tear_down);
  g_test_add ("/cache/foreign-and-old", Fixture, NULL, set_up,
              test_foreign_and_old, tear_down);
  g_test_add ("/cache/binary-changed", Fixture, NULL, set_up,
              test_binary_changed, tear_down);
  return g_test_run ();
}
