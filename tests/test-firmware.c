/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of firmware descriptors: discovery across directories,
 * checked parsing, matching, and the <os> element rendered from them. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "dc-firmware-load.h"
#include "dc-render.h"

typedef struct {
  char *root;
  char *dirs[4];       /* vendor, system, user, NULL */
  char *code;          /* an executable that exists */
} Fixture;

static char *
descriptor (const char *arch, const char *machines, const char *features,
            const char *executable, const char *interface)
{
  return g_strdup_printf (
    "{\"description\": \"test\", \"interface-types\": [\"%s\"],"
    " \"mapping\": {\"device\": \"flash\","
    "   \"executable\": {\"filename\": \"%s\", \"format\": \"raw\"},"
    "   \"nvram-template\": {\"filename\": \"/x/VARS.fd\", \"format\": \"raw\"}},"
    " \"targets\": [{\"architecture\": \"%s\", \"machines\": [%s]}],"
    " \"features\": [%s], \"tags\": []}",
    interface, executable, arch, machines, features);
}

static void
put (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  const char *names[] = { "vendor", "system", "user" };

  f->root = g_dir_make_tmp ("dc-fw-XXXXXX", NULL);
  for (int i = 0; i < 3; i++)
    {
      f->dirs[i] = g_build_filename (f->root, names[i], NULL);
      g_assert_cmpint (g_mkdir (f->dirs[i], 0700), ==, 0);
    }
  f->code = g_build_filename (f->root, "CODE.fd", NULL);
  g_assert_true (g_file_set_contents (f->code, "", 0, NULL));
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  remove_tree (f->root);
  for (int i = 0; i < 3; i++)
    g_free (f->dirs[i]);
  g_free (f->code);
  g_free (f->root);
}

static GPtrArray *
load (Fixture *f)
{
  return dc_firmware_load ((const char *const *) f->dirs, NULL);
}

/* Whether some skipped entry mentions both @file and @reason. */
static gboolean
skipped_for (GPtrArray *skipped, const char *file, const char *reason)
{
  for (guint i = 0; i < skipped->len; i++)
    {
      const char *entry = g_ptr_array_index (skipped, i);
      if (strstr (entry, file) && strstr (entry, reason))
        return TRUE;
    }
  return FALSE;
}

static const char *
name_at (GPtrArray *list, guint i)
{
  return ((DcFirmware *) g_ptr_array_index (list, i))->name;
}

static void
test_override_and_mask (Fixture *f, gconstpointer data)
{
  g_autofree char *x86 = descriptor ("x86_64", "\"pc-*\"", "", f->code, "uefi");
  g_autofree char *bios = descriptor ("x86_64", "\"pc-*\"", "", f->code, "bios");
  g_autoptr(GPtrArray) list = NULL;

  put (f->dirs[0], "60-a.json", x86);
  put (f->dirs[0], "50-b.json", x86);
  put (f->dirs[0], "40-c.json", x86);
  put (f->dirs[1], "50-b.json", bios);   /* system overrides vendor */
  put (f->dirs[2], "40-c.json", "");     /* user masks vendor */
  put (f->dirs[2], "10-d.json", x86);    /* user adds */
  put (f->dirs[2], "README", "not a descriptor");
  list = load (f);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (name_at (list, 0), ==, "10-d.json");
  g_assert_cmpstr (name_at (list, 1), ==, "50-b.json");
  g_assert_cmpstr (name_at (list, 2), ==, "60-a.json");
  g_assert_true (((DcFirmware *) g_ptr_array_index (list, 1))->bios);
  g_assert_false (((DcFirmware *) g_ptr_array_index (list, 1))->uefi);
}

static void
test_malformed_skipped (Fixture *f, gconstpointer data)
{
  g_autofree char *good = descriptor ("x86_64", "\"pc-*\"", "", f->code, "uefi");
  g_autofree char *missing = descriptor ("x86_64", "\"pc-*\"", "", "/nonexistent/CODE.fd", "uefi");
  g_autofree char *wrong_machines = descriptor ("x86_64", "42", "", f->code, "uefi");
  g_autofree char *wrong_features = descriptor ("x86_64", "\"pc-*\"", "{}", f->code, "uefi");
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) list = NULL;

  put (f->dirs[0], "10-not-json.json", "{ this is not json");
  put (f->dirs[0], "11-array.json", "[1, 2, 3]");
  put (f->dirs[0], "12-no-mapping.json", "{\"interface-types\": [\"uefi\"], \"targets\": [], \"features\": []}");
  put (f->dirs[0], "13-types.json", "{\"interface-types\": \"uefi\", \"mapping\": {}, \"targets\": [], \"features\": []}");
  put (f->dirs[0], "14-missing-exe.json", missing);
  put (f->dirs[0], "15-wrong-machines.json", wrong_machines);
  put (f->dirs[0], "16-wrong-features.json", wrong_features);
  put (f->dirs[0], "17-relative.json", "{\"interface-types\": [\"uefi\"], \"mapping\": {\"device\": \"flash\", \"executable\": {\"filename\": \"CODE.fd\"}}, \"targets\": [], \"features\": []}");
  put (f->dirs[0], "99-good.json", good);
  list = dc_firmware_load ((const char *const *) f->dirs, skipped);
  g_assert_cmpuint (skipped->len, ==, 8);
  g_assert_true (skipped_for (skipped, "10-not-json.json", "not plain JSON"));
  g_assert_true (skipped_for (skipped, "11-array.json", "not a JSON object"));
  g_assert_true (skipped_for (skipped, "12-no-mapping.json", "mapping"));
  g_assert_true (skipped_for (skipped, "13-types.json", "interface-types"));
  g_assert_true (skipped_for (skipped, "14-missing-exe.json", "does not exist"));
  g_assert_true (skipped_for (skipped, "15-wrong-machines.json", "machines"));
  g_assert_true (skipped_for (skipped, "16-wrong-features.json", "features"));
  g_assert_true (skipped_for (skipped, "17-relative.json", "absolute"));
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (name_at (list, 0), ==, "99-good.json");
}

static void
test_too_large_and_deep (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *big = g_malloc0 (DC_FIRMWARE_MAX_SIZE + 2);
  GString *deep = g_string_new (NULL);

  memset (big, ' ', DC_FIRMWARE_MAX_SIZE + 1);
  g_assert_null (dc_firmware_parse (big, DC_FIRMWARE_MAX_SIZE + 1, "/big.json", &error));
  g_assert_nonnull (strstr (error->message, "64 KiB"));
  g_clear_error (&error);
  for (int i = 0; i < 100; i++)
    g_string_append_c (deep, '[');
  g_assert_null (dc_firmware_parse (deep->str, deep->len, "/deep.json", &error));
  g_assert_nonnull (error);
  g_string_free (deep, TRUE);
}

static void
test_matching (Fixture *f, gconstpointer data)
{
  g_autofree char *text = descriptor ("arm", "\"virt-*\", \"vexpress-a15\"", "",
                                      f->code, "uefi");
  g_autoptr(GError) error = NULL;
  g_autoptr(DcFirmware) fw = dc_firmware_parse (text, strlen (text), "/x/60-arm.json", &error);

  g_assert_no_error (error);
  /* QEMU's target name "arm" is libvirt's armv7l */
  g_assert_true (dc_firmware_matches (fw, "armv7l", "virt-7.2"));
  g_assert_true (dc_firmware_matches (fw, "armv7l", "vexpress-a15"));
  g_assert_false (dc_firmware_matches (fw, "armv7l", "virt"));
  g_assert_false (dc_firmware_matches (fw, "aarch64", "virt-7.2"));
}

/* ---- <os> ---- */

static DcEmulatorFacts *
facts_with_machines (void)
{
  DcEmulatorFacts *facts = dc_emulator_facts_new ();
  const char *names[] = { "pc-i440fx-7.2", "pc-q35-7.2" };

  facts->path = g_strdup ("/usr/bin/qemu-system-x86_64");
  facts->arch = g_strdup ("x86_64");
  g_hash_table_add (facts->qom_types, g_strdup ("cfi.pflash01"));
  for (int i = 0; i < 2; i++)
    {
      DcMachine *m = g_new0 (DcMachine, 1);
      m->name = g_strdup (names[i]);
      m->cpu_max = 255;
      g_ptr_array_add (facts->machines, m);
    }
  return facts;
}

static char *
os_values (GPtrArray *firmware, const char *machine, const char *what)
{
  g_autoptr(DcEmulatorFacts) facts = facts_with_machines ();
  DcHostFacts host = { .arch = (char *) "x86_64" };
  const DcRenderQuery query = { "x86_64", dc_emulator_facts_find_machine (facts, machine), "qemu" };
  g_autoptr(DcCapsNode) root = dc_render (facts, &host, firmware, &query);
  DcCapsNode *os = dc_caps_node_find (root, "os");
  DcCapsNode *loader = dc_caps_node_find (os, "loader");
  GString *out = g_string_new (NULL);
  DcCapsNode *parent = g_str_equal (what, "firmware") ? os : loader;

  for (guint i = 0; i < parent->children->len; i++)
    {
      DcCapsNode *child = g_ptr_array_index (parent->children, i);
      const char *name = dc_caps_node_get_attr (child, "name");

      if (g_str_equal (what, "value") && g_str_equal (child->name, "value"))
        g_string_append_printf (out, "%s;", child->text);
      else if (name && g_str_equal (name, what))
        for (guint v = 0; v < child->children->len; v++)
          g_string_append_printf (out, "%s;",
                                  ((DcCapsNode *) g_ptr_array_index (child->children, v))->text);
    }
  return g_string_free (out, FALSE);
}

static void
test_secure_boot_needs_smm (Fixture *f, gconstpointer data)
{
  g_autofree char *secure = descriptor ("x86_64", "\"pc-i440fx-*\", \"pc-q35-*\"",
                                        "\"requires-smm\", \"secure-boot\"",
                                        f->code, "uefi");
  g_autofree char *plain_code = g_build_filename (f->root, "PLAIN.fd", NULL);
  g_autofree char *plain = descriptor ("x86_64", "\"pc-*\"", "\"acpi-s3\"",
                                       plain_code, "uefi");
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *pc_secure = NULL, *q35_secure = NULL, *pc_values = NULL;
  g_autofree char *q35_values = NULL, *kinds = NULL, *types = NULL;
  g_autofree char *expect_q35 = NULL, *expect_pc = NULL;

  g_assert_true (g_file_set_contents (plain_code, "", 0, NULL));
  put (f->dirs[0], "50-secure.json", secure);
  put (f->dirs[0], "60-plain.json", plain);
  list = load (f);
  pc_secure = os_values (list, "pc-i440fx-7.2", "secure");
  q35_secure = os_values (list, "pc-q35-7.2", "secure");
  pc_values = os_values (list, "pc-i440fx-7.2", "value");
  q35_values = os_values (list, "pc-q35-7.2", "value");
  kinds = os_values (list, "pc-q35-7.2", "firmware");
  types = os_values (list, "pc-q35-7.2", "type");
  g_assert_cmpstr (pc_secure, ==, "no;");
  g_assert_cmpstr (q35_secure, ==, "yes;no;");
  /* i440fx has no SMM: the SMM-protected build is not offered there */
  expect_pc = g_strconcat (plain_code, ";", NULL);
  g_assert_cmpstr (pc_values, ==, expect_pc);
  expect_q35 = g_strdup_printf ("%s;%s;", f->code, plain_code);
  g_assert_cmpstr (q35_values, ==, expect_q35);
  g_assert_cmpstr (kinds, ==, "efi;");
  g_assert_cmpstr (types, ==, "rom;pflash;");
}

static void
test_no_match_lists_nothing (Fixture *f, gconstpointer data)
{
  g_autofree char *arm = descriptor ("aarch64", "\"virt-*\"", "", f->code, "uefi");
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *values = NULL, *kinds = NULL;

  put (f->dirs[0], "60-arm.json", arm);
  list = load (f);
  values = os_values (list, "pc-q35-7.2", "value");
  kinds = os_values (list, "pc-q35-7.2", "firmware");
  g_assert_cmpstr (values, ==, "");
  g_assert_cmpstr (kinds, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Skipped descriptors are logged as warnings; here they are expected. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_FATAL_MASK);
  g_test_add ("/firmware/override-and-mask", Fixture, NULL, fixture_set_up,
              test_override_and_mask, fixture_tear_down);
  g_test_add ("/firmware/malformed-skipped", Fixture, NULL, fixture_set_up,
              test_malformed_skipped, fixture_tear_down);
  g_test_add_func ("/firmware/too-large-and-deep", test_too_large_and_deep);
  g_test_add ("/firmware/matching", Fixture, NULL, fixture_set_up,
              test_matching, fixture_tear_down);
  g_test_add ("/os/secure-boot-needs-smm", Fixture, NULL, fixture_set_up,
              test_secure_boot_needs_smm, fixture_tear_down);
  g_test_add ("/os/no-match-lists-nothing", Fixture, NULL, fixture_set_up,
              test_no_match_lists_nothing, fixture_tear_down);
  return g_test_run ();
}
