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

/* The sample sets every field of the facts to a value that is not its
 * default (test_sample_complete checks that from the codec's own output,
 * so a field added to the codec without a value here fails), and
 * EXPECTED_JSON is what the codec must write for it, written out by hand:
 * a field the codec forgets is missing from its output, not from this. */
static DcCpuFacts *
sample_cpu (void)
{
  DcCpuFacts *cpu = dc_cpu_facts_new ();
  DcCpuDefinition *def = g_new0 (DcCpuDefinition, 1);
  DcCpuExpansion *model = dc_cpu_expansion_new ();

  def->name = g_strdup ("EPYC");
  def->alias_of = g_strdup ("EPYC-v1");
  def->type_name = g_strdup ("EPYC-x86_64-cpu");
  def->deprecated = TRUE;
  def->usable_known = TRUE;
  def->blockers = g_strsplit ("svm,npt", ",", -1);
  g_ptr_array_add (cpu->definitions, def);
  cpu->answered = TRUE;
  cpu->host_migratable = TRUE;
  cpu->max_migratable = TRUE;
  cpu->host = dc_cpu_expansion_new ();
  g_free (cpu->host->vendor);
  cpu->host->vendor = g_strdup ("AuthenticAMD");
  g_free (cpu->host->model_id);
  cpu->host->model_id = g_strdup ("AMD EPYC 7713");
  cpu->host->family = 23;
  cpu->host->model = 49;
  cpu->host->stepping = 2;
  g_hash_table_add (cpu->host->features, g_strdup ("sse2"));
  g_hash_table_add (cpu->host->switched_off, g_strdup ("pcid"));
  g_free (model->vendor);
  model->vendor = g_strdup ("AuthenticAMD");
  g_free (model->model_id);
  model->model_id = g_strdup ("AMD EPYC Processor");
  model->family = 23;
  model->model = 1;
  model->stepping = 3;
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
  m->deprecated = TRUE;
  m->no_acpi = TRUE;
  g_ptr_array_add (f->machines, m);
  g_hash_table_add (f->qom_types, g_strdup ("VGA"));
  g_hash_table_add (f->qom_types, g_strdup ("iothread"));
  g_hash_table_add (f->commands, g_strdup ("query-vnc"));
  g_hash_table_insert (f->schema_enums, g_strdup (DC_SCHEMA_DISPLAY_TYPES),
                       g_strdupv ((char **) display));
  g_hash_table_add (f->tpm_models, g_strdup ("tpm-crb"));
  g_hash_table_add (f->tpm_types, g_strdup ("emulator"));
  g_hash_table_add (f->options, g_strdup ("run-with.async-teardown"));
  g_hash_table_add (f->pc_machine_properties, g_strdup ("i8042"));
  f->sev.present = TRUE;
  f->sev.cbitpos = 51;
  f->sev.reduced_phys_bits = 5;
  f->sev.cpu0_id = g_strdup ("Q1BVMA==");
  f->sgx.present = f->sgx.flc = f->sgx.sgx1 = f->sgx.sgx2 = TRUE;
  f->sgx.section_size_kib = G_GUINT64_CONSTANT (1) << 40;
  g_array_append_vals (f->sgx.sections, (DcSgxSection[]) { { 1, 65536 }, { 2, 196608 } }, 2);
  g_array_append_vals (f->gic, (DcGicVersion[]) { { 3, TRUE, TRUE } }, 1);
  g_hash_table_add (f->hyperv, g_strdup ("hv-stimer"));
  f->tcg = TRUE;
  f->tcg_error = g_strdup ("no TCG here");
  f->kvm = TRUE;
  f->kvm_error = g_strdup ("no KVM here");
  f->runs = g_strdup ("/usr/libexec/qemu-system-x86_64");
  f->cpu_tcg = sample_cpu ();
  f->cpu_kvm = sample_cpu ();
  return f;
}

#define EXPECTED_CPU \
  "{\"answered\": true, \"host-migratable\": true, \"max-migratable\": true," \
  " \"definitions\": [{\"name\": \"EPYC\", \"alias-of\": \"EPYC-v1\"," \
  "   \"typename\": \"EPYC-x86_64-cpu\", \"deprecated\": true," \
  "   \"usable-known\": true, \"blockers\": \"svm\\nnpt\"}]," \
  " \"host\": {\"vendor\": \"AuthenticAMD\", \"model-id\": \"AMD EPYC 7713\"," \
  "   \"family\": 23, \"model\": 49, \"stepping\": 2, \"features\": \"sse2\"," \
  "   \"switched-off\": \"pcid\"}," \
  " \"models\": {\"EPYC\": {\"vendor\": \"AuthenticAMD\"," \
  "   \"model-id\": \"AMD EPYC Processor\", \"family\": 23, \"model\": 1," \
  "   \"stepping\": 3, \"features\": \"sse2\", \"switched-off\": \"vme\"}}}"

/* %s: the binary's path */
#define EXPECTED_JSON \
  "{\"path\": \"%s\", \"runs\": \"/usr/libexec/qemu-system-x86_64\", \"version\": \"7.2.0\", \"package\": \"Debian\"," \
  " \"target\": \"x86_64\", \"arch\": \"x86_64\"," \
  " \"machines\": [{\"name\": \"pc-q35-7.2\", \"alias\": \"q35\", \"cpu-max\": 288," \
  "   \"is-default\": true, \"deprecated\": true, \"no-acpi\": true}]," \
  " \"qom-types\": \"VGA\\niothread\", \"commands\": \"query-vnc\"," \
  " \"schema-enums\": {\"query-display-options/ret-type/type\": [\"sdl\", \"dbus\"]}," \
  " \"tpm-models\": \"tpm-crb\", \"tpm-types\": \"emulator\"," \
  " \"options\": \"run-with.async-teardown\", \"pc-machine-properties\": \"i8042\"," \
  " \"tcg\": true, \"tcg-error\": \"no TCG here\", \"kvm\": true," \
  " \"kvm-error\": \"no KVM here\"," \
  " \"sgx\": {\"present\": true, \"flc\": true, \"sgx1\": true, \"sgx2\": true," \
  "   \"section-size-kib\": 1099511627776, \"sections\": [{\"node\": 1," \
  "   \"size-kib\": 65536}, {\"node\": 2, \"size-kib\": 196608}]}," \
  " \"sev\": {\"present\": true, \"cbitpos\": 51, \"reduced-phys-bits\": 5," \
  "   \"cpu0-id\": \"Q1BVMA==\"}," \
  " \"gic\": [{\"version\": 3, \"emulated\": true, \"kernel\": true}]," \
  " \"hyperv\": \"hv-stimer\", \"cpu-tcg\": " EXPECTED_CPU "," \
  " \"cpu-kvm\": " EXPECTED_CPU "}"

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

static void
store (Fixture *fx)
{
  g_autoptr(DcEmulatorFacts) facts = sample_facts (fx->binary);
  g_autoptr(GError) error = NULL;

  g_assert_true (dc_cache_store (fx->cache, facts, &fx->stamp, &error));
  g_assert_no_error (error);
}

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/* The codec writes what EXPECTED_JSON says, member for member. */
static void
assert_expected_json (Fixture *fx, const DcEmulatorFacts *facts)
{
  g_autofree char *expected_text = g_strdup_printf (EXPECTED_JSON, fx->binary);
  g_autoptr(JsonNode) expected = parse (expected_text);
  g_autoptr(JsonNode) written = dc_emulator_facts_to_json (facts);

  if (!json_node_equal (expected, written))
    {
      g_autofree char *text = json_to_string (written, TRUE);
      g_test_message ("the codec wrote, not what EXPECTED_JSON says:\n%s", text);
      g_test_fail ();
    }
}

/* Every field read back, each checked by name against the sample's
 * values (not against the codec's own output). */
static void
assert_cpu_read_back (const DcCpuFacts *cpu)
{
  const DcCpuDefinition *def;
  const DcCpuExpansion *model;

  g_assert_nonnull (cpu);
  g_assert_true (cpu->answered && cpu->host_migratable && cpu->max_migratable);
  g_assert_cmpuint (cpu->definitions->len, ==, 1);
  def = g_ptr_array_index (cpu->definitions, 0);
  g_assert_cmpstr (def->name, ==, "EPYC");
  g_assert_cmpstr (def->alias_of, ==, "EPYC-v1");
  g_assert_cmpstr (def->type_name, ==, "EPYC-x86_64-cpu");
  g_assert_true (def->deprecated && def->usable_known);
  g_assert_cmpstr (def->blockers[1], ==, "npt");
  g_assert_cmpstr (cpu->host->vendor, ==, "AuthenticAMD");
  g_assert_cmpstr (cpu->host->model_id, ==, "AMD EPYC 7713");
  g_assert_cmpint (cpu->host->family, ==, 23);
  g_assert_cmpint (cpu->host->model, ==, 49);
  g_assert_cmpint (cpu->host->stepping, ==, 2);
  g_assert_true (g_hash_table_contains (cpu->host->features, "sse2"));
  g_assert_true (g_hash_table_contains (cpu->host->switched_off, "pcid"));
  model = g_hash_table_lookup (cpu->models, "EPYC");
  g_assert_nonnull (model);
  g_assert_cmpstr (model->model_id, ==, "AMD EPYC Processor");
  g_assert_cmpint (model->model, ==, 1);
  g_assert_cmpint (model->stepping, ==, 3);
  g_assert_true (g_hash_table_contains (model->switched_off, "vme"));
}

static void
assert_read_back (const DcEmulatorFacts *loaded)
{
  const DcMachine *m = dc_emulator_facts_find_machine (loaded, "q35");

  g_assert_cmpstr (loaded->version, ==, "7.2.0");
  g_assert_cmpstr (loaded->package, ==, "Debian");
  g_assert_cmpstr (loaded->target, ==, "x86_64");
  g_assert_cmpstr (loaded->arch, ==, "x86_64");
  g_assert_nonnull (m);
  g_assert_cmpstr (m->name, ==, "pc-q35-7.2");
  g_assert_cmpuint (m->cpu_max, ==, 288);
  g_assert_true (m->is_default && m->deprecated && m->no_acpi);
  g_assert_true (g_hash_table_contains (loaded->qom_types, "iothread"));
  g_assert_true (g_hash_table_contains (loaded->commands, "query-vnc"));
  g_assert_true (dc_emulator_facts_schema_has (loaded, DC_SCHEMA_DISPLAY_TYPES, "dbus"));
  g_assert_true (g_hash_table_contains (loaded->tpm_models, "tpm-crb"));
  g_assert_true (g_hash_table_contains (loaded->tpm_types, "emulator"));
  g_assert_true (g_hash_table_contains (loaded->options, "run-with.async-teardown"));
  g_assert_true (g_hash_table_contains (loaded->pc_machine_properties, "i8042"));
  g_assert_true (loaded->tcg && loaded->kvm);
  g_assert_cmpstr (loaded->tcg_error, ==, "no TCG here");
  g_assert_cmpstr (loaded->kvm_error, ==, "no KVM here");
  g_assert_true (loaded->sev.present);
  g_assert_cmpuint (loaded->sev.cbitpos, ==, 51);
  g_assert_cmpuint (loaded->sev.reduced_phys_bits, ==, 5);
  g_assert_cmpstr (loaded->sev.cpu0_id, ==, "Q1BVMA==");
  g_assert_true (loaded->sgx.present && loaded->sgx.flc && loaded->sgx.sgx1 && loaded->sgx.sgx2);
  g_assert_cmpuint (loaded->sgx.section_size_kib, ==, G_GUINT64_CONSTANT (1) << 40);
  g_assert_cmpuint (loaded->sgx.sections->len, ==, 2);
  g_assert_cmpuint (g_array_index (loaded->sgx.sections, DcSgxSection, 1).node, ==, 2);
  g_assert_cmpuint (g_array_index (loaded->sgx.sections, DcSgxSection, 1).size_kib, ==, 196608);
  g_assert_cmpuint (loaded->gic->len, ==, 1);
  g_assert_cmpuint (g_array_index (loaded->gic, DcGicVersion, 0).version, ==, 3);
  g_assert_true (g_array_index (loaded->gic, DcGicVersion, 0).emulated);
  g_assert_true (g_array_index (loaded->gic, DcGicVersion, 0).kernel);
  g_assert_true (g_hash_table_contains (loaded->hyperv, "hv-stimer"));
  assert_cpu_read_back (loaded->cpu_tcg);
  assert_cpu_read_back (loaded->cpu_kvm);
}

static void
test_round_trip (Fixture *fx, gconstpointer data)
{
  g_autoptr(DcEmulatorFacts) facts = sample_facts (fx->binary);
  g_autoptr(DcEmulatorFacts) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *file = dc_cache_file (fx->cache, fx->binary);
  GStatBuf st;

  store (fx);
  g_assert_cmpint (g_stat (file, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  loaded = dc_cache_load (fx->cache, fx->binary, &fx->stamp, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->path, ==, fx->binary);
  assert_expected_json (fx, facts);
  assert_expected_json (fx, loaded);
  assert_read_back (loaded);
}

/* A JSON value that is its kind's default: false, 0, "", null, [] or {}. */
static gboolean
is_default (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_ARRAY (node))
    return json_array_get_length (json_node_get_array (node)) == 0;
  if (JSON_NODE_HOLDS_OBJECT (node))
    return json_object_get_size (json_node_get_object (node)) == 0;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN: return !json_node_get_boolean (node);
    case G_TYPE_INT64: return json_node_get_int (node) == 0;
    case G_TYPE_STRING: return *json_node_get_string (node) == '\0';
    default: return FALSE;
    }
}

static void
check_complete (JsonNode *node, const char *where, guint *fields)
{
  if (is_default (node))
    {
      g_test_message ("the sample leaves %s at its default", where);
      g_test_fail ();
    }
  (*fields)++;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        {
          g_autofree char *path = g_strconcat (where, "/", name, NULL);
          check_complete (member, path, fields);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autofree char *path = g_strdup_printf ("%s[%u]", where, i);
          check_complete (json_array_get_element (array, i), path, fields);
        }
    }
}

/* Every member the codec writes (its field tables, walked) has a value
 * that is not its default in the sample, so a round trip that dropped it
 * would show. */
static void
test_sample_complete (Fixture *fx, gconstpointer data)
{
  g_autoptr(DcEmulatorFacts) facts = sample_facts (fx->binary);
  g_autoptr(JsonNode) written = dc_emulator_facts_to_json (facts);
  guint fields = 0;

  check_complete (written, "facts", &fields);
  g_test_message ("%u values, none at its default", fields);
  g_assert_cmpuint (fields, >, 60);
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

/* The summary lists the machines with their aliases and the preferred
 * one; one of the wrong shape refuses the whole file. */
static void
test_summary_machines (Fixture *fx, gconstpointer data)
{
  g_autofree char *text = stored_text (fx);
  g_autofree char *bad_pair = replace (text, "[\"pc-q35-7.2\",\"q35\"]", "[\"pc-q35-7.2\"]");
  g_autofree char *bad_alias = replace (text, "[\"pc-q35-7.2\",\"q35\"]", "[\"pc-q35-7.2\",7]");
  g_autofree char *file = dc_cache_file (fx->cache, fx->binary);
  g_autoptr(GError) error = NULL;
  DcFactsSummary summary = { 0 };

  g_assert_true (dc_cache_check (fx->cache, fx->binary, &fx->stamp, &summary, &error));
  g_assert_cmpstr (summary.machine_names[0], ==, "pc-q35-7.2");
  g_assert_cmpstr (summary.machine_aliases[0], ==, "q35");
  g_assert_cmpstr (summary.default_machine, ==, "pc-q35-7.2");
  g_assert_null (summary.unusable);
  dc_facts_summary_clear (&summary);
  for (const char *const *bad = (const char *const[]) { bad_pair, bad_alias, NULL }; *bad; bad++)
    {
      g_assert_true (g_file_set_contents (file, *bad, -1, NULL));
      g_assert_false (dc_cache_check (fx->cache, fx->binary, &fx->stamp, &summary, &error));
      g_assert_nonnull (strstr (error->message, "summary"));
      g_clear_error (&error);
    }
}

/* What this host cannot run is kept as such, for this binary and host,
 * and holds no facts. */
static void
test_unusable (Fixture *fx, gconstpointer data)
{
  g_autoptr(DcCache) other_host = dc_cache_new (fx->dir, "another host", NULL);
  g_autoptr(GError) error = NULL;
  DcFactsSummary summary = { 0 };

  g_assert_true (dc_cache_store_unusable (fx->cache, fx->binary, &fx->stamp,
                                          "needs KVM", &error));
  g_assert_true (dc_cache_check (fx->cache, fx->binary, &fx->stamp, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (summary.unusable, ==, "needs KVM");
  g_assert_null (summary.version);
  dc_facts_summary_clear (&summary);
  g_assert_null (dc_cache_load (fx->cache, fx->binary, &fx->stamp, &error));
  g_assert_nonnull (strstr (error->message, "no facts"));
  g_clear_error (&error);
  g_assert_false (dc_cache_check (other_host, fx->binary, &fx->stamp, &summary, &error));
  g_assert_nonnull (strstr (error->message, "host changed"));
}

/* A wrapper is kept as what it runs, for this binary, and holds no facts. */
static void
test_runs (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  DcFactsSummary summary = { 0 };

  g_assert_true (dc_cache_store_runs (fx->cache, fx->binary, &fx->stamp,
                                      "/usr/libexec/qemu-system-i386", &error));
  g_assert_true (dc_cache_check (fx->cache, fx->binary, &fx->stamp, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (summary.runs, ==, "/usr/libexec/qemu-system-i386");
  g_assert_null (summary.unusable);
  g_assert_null (summary.version);
  dc_facts_summary_clear (&summary);
  g_assert_null (dc_cache_load (fx->cache, fx->binary, &fx->stamp, &error));
  g_assert_nonnull (strstr (error->message, "runs another binary"));
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
  g_test_add ("/cache/sample-complete", Fixture, NULL, set_up, test_sample_complete,
              tear_down);
  g_test_add ("/cache/missing", Fixture, NULL, set_up, test_missing, tear_down);
  g_test_add ("/cache/check-reads-the-envelope", Fixture, NULL, set_up,
              test_check_reads_the_envelope, tear_down);
  g_test_add ("/cache/summary-machines", Fixture, NULL, set_up, test_summary_machines,
              tear_down);
  g_test_add ("/cache/unusable", Fixture, NULL, set_up, test_unusable, tear_down);
  g_test_add ("/cache/runs", Fixture, NULL, set_up, test_runs, tear_down);
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
