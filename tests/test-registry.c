/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the registry (dc-registry.c) in one process, with the
 * probe replaced: batching under the parallelism limit, one probe per
 * emulator, a changed binary probed again (and only it), the disk cache
 * taken instead of a probe, facts read back from it when asked for, and
 * shutdown cancelling what runs. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "dc-arch.h"
#include "dc-errors.h"
#include "dc-answerer.h"
#include "dc-registry.h"

/* The fake probe's record: a test's own state, reset by each set-up. */
typedef struct {
  guint running, max_running, calls;
  GHashTable *calls_per_path;   /* basename -> count */
  gboolean hang;                /* never finish unless cancelled */
} Probes;

static Probes probes;

static gboolean
finish_probe (gpointer user_data)
{
  GTask *task = user_data;
  const char *path = g_task_get_task_data (task);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *target = dc_arch_hint_from_name (base);
  DcEmulatorFacts *facts = dc_emulator_facts_new ();
  DcMachine *machine = g_new0 (DcMachine, 1);

  probes.running--;
  facts->path = g_strdup (path);
  facts->target = g_strdup (target);
  facts->arch = g_strdup (target);
  facts->version = g_strdup ("7.2.0");
  facts->package = g_strdup ("");
  facts->tcg = TRUE;
  machine->name = g_strdup ("none");
  machine->cpu_max = 1;
  g_ptr_array_add (facts->machines, machine);
  g_task_return_pointer (task, facts, (GDestroyNotify) dc_emulator_facts_unref);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static gboolean
return_cancelled (gpointer user_data)
{
  GTask *task = user_data;

  probes.running--;
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable *cancellable, gpointer task)
{
  g_idle_add (return_cancelled, task);
}

static void
fake_probe_async (const char *path, gboolean try_kvm, guint timeout,
                  GCancellable *cancellable, GAsyncReadyCallback callback,
                  gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  g_autofree char *base = g_path_get_basename (path);
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (probes.calls_per_path, base));

  g_task_set_task_data (task, g_strdup (path), g_free);
  g_hash_table_insert (probes.calls_per_path, g_steal_pointer (&base),
                       GUINT_TO_POINTER (count + 1));
  probes.calls++;
  probes.running++;
  probes.max_running = MAX (probes.max_running, probes.running);
  if (probes.hang)
    g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), task, NULL);
  else
    g_timeout_add (20, finish_probe, task);
}

static DcEmulatorFacts *
fake_probe_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  char *dir;
  char *emulators;
  DcHostFacts host;
  DcCache *cache;
  DcRegistry *registry;
} Fixture;

static const char *const targets[] = { "x86_64", "aarch64", "sh4", "s390x", "ppc64" };

static void
write_emulator (Fixture *fx, const char *target, const char *content)
{
  g_autofree char *path = g_strdup_printf ("%s/qemu-system-%s", fx->emulators, target);

  g_assert_true (g_file_set_contents (path, content, -1, NULL));
  g_assert_cmpint (g_chmod (path, 0755), ==, 0);
}

static DcRegistry *
registry_new (Fixture *fx)
{
  const char *dirs[] = { fx->emulators, NULL };
  DcRegistryOptions options = {
    .emulator_dirs = dirs, .probe_timeout = 5, .max_parallel = 2,
    .cache = fx->cache, .probe_async = fake_probe_async,
    .probe_finish = fake_probe_finish,
  };

  return dc_registry_new (&options, &fx->host);
}

static void
set_up (Fixture *fx, gconstpointer data)
{
  fx->dir = g_dir_make_tmp ("test-registry-XXXXXX", NULL);
  fx->emulators = g_build_filename (fx->dir, "bin", NULL);
  g_assert_cmpint (g_mkdir (fx->emulators, 0755), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (targets); i++)
    write_emulator (fx, targets[i], "#!/bin/sh\n");
  fx->host.arch = (char *) "x86_64";
  fx->cache = dc_cache_new (fx->dir, "test-key", NULL);
  memset (&probes, 0, sizeof probes);
  probes.calls_per_path = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fx->registry = registry_new (fx);
  dc_registry_set_firmware (fx->registry, g_ptr_array_new ());
}

static void
tear_down (Fixture *fx, gconstpointer data)
{
  g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", fx->dir);

  g_clear_object (&fx->registry);
  dc_cache_free (fx->cache);
  g_assert_true (g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL));
  g_hash_table_unref (probes.calls_per_path);
  g_free (fx->emulators);
  g_free (fx->dir);
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *done = user_data;

  g_assert_true (dc_registry_probe_finish (DC_REGISTRY (source), result, NULL));
  *done = TRUE;
}

static void
probe_all (DcRegistry *registry, gboolean use_cache)
{
  gboolean done = FALSE;

  dc_registry_discover (registry);
  dc_registry_probe_async (registry, NULL, use_cache, on_done, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static guint
calls (const char *target)
{
  g_autofree char *base = g_strconcat ("qemu-system-", target, NULL);

  return GPOINTER_TO_UINT (g_hash_table_lookup (probes.calls_per_path, base));
}

static void
test_batch (Fixture *fx, gconstpointer data)
{
  g_autoptr(GPtrArray) list = NULL;

  probe_all (fx->registry, TRUE);
  list = dc_registry_list (fx->registry);
  g_assert_cmpuint (list->len, ==, G_N_ELEMENTS (targets));
  g_assert_cmpuint (probes.calls, ==, G_N_ELEMENTS (targets));
  g_assert_cmpuint (probes.max_running, ==, 2);    /* max_parallel, reached */
  for (guint i = 0; i < list->len; i++)
    g_assert_cmpint (dc_emulator_get_state (g_ptr_array_index (list, i)), ==,
                     DC_EMULATOR_READY);
}

static void
test_changed_binary_probed_again (Fixture *fx, gconstpointer data)
{
  probe_all (fx->registry, TRUE);
  g_usleep (10000);   /* a new mtime even on coarse clocks */
  write_emulator (fx, "sh4", "#!/bin/sh\n# a new build\n");
  dc_registry_rescan (fx->registry);
  while (probes.calls < G_N_ELEMENTS (targets) + 1 || probes.running > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (calls ("sh4"), ==, 2);
  g_assert_cmpuint (calls ("x86_64"), ==, 1);
  /* a rescan of unchanged binaries runs nothing */
  dc_registry_rescan (fx->registry);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (probes.calls, ==, G_N_ELEMENTS (targets) + 1);
}

static void
test_cache_instead_of_probe (Fixture *fx, gconstpointer data)
{
  g_autoptr(DcRegistry) second = NULL;

  probe_all (fx->registry, TRUE);
  second = registry_new (fx);
  dc_registry_set_firmware (second, g_ptr_array_new ());
  probe_all (second, TRUE);
  g_assert_cmpuint (probes.calls, ==, G_N_ELEMENTS (targets));   /* none more */
  /* refusing the cache (Refresh) probes again */
  probe_all (second, FALSE);
  g_assert_cmpuint (probes.calls, ==, 2 * G_N_ELEMENTS (targets));
}

static void
wait_ready (Fixture *fx, const char *path)
{
  DcEmulator *emulator = dc_registry_lookup (fx->registry, path);

  while (dc_emulator_get_state (emulator) != DC_EMULATOR_READY || probes.running > 0)
    g_main_context_iteration (NULL, TRUE);
}

/* Probed facts go to the cache and are read back from there by the first
 * query that needs them; a file gone meanwhile means a new probe. */
static void
test_facts_read_back (Fixture *fx, gconstpointer data)
{
  g_autofree char *sh4 = g_build_filename (fx->emulators, "qemu-system-sh4", NULL);
  g_autofree char *file = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DcAnswerer) answerer = dc_answerer_new (fx->registry);
  const DcQuestion x86 = { "", "x86_64", "", "", 0 };
  const DcQuestion by_path = { sh4, "", "", "", 0 };

  probe_all (fx->registry, TRUE);
  file = dc_cache_file (fx->cache, sh4);
  xml = dc_answerer_xml (answerer, &x86, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (xml, "<domainCapabilities>"));

  g_assert_cmpint (g_unlink (file), ==, 0);
  g_assert_null (dc_answerer_xml (answerer, &by_path, &error));
  g_assert_error (error, DC_ERROR, DC_ERROR_PROBE_FAILED);
  g_assert_nonnull (strstr (error->message, "read back"));
  g_clear_error (&error);
  wait_ready (fx, sh4);
  g_assert_cmpuint (calls ("sh4"), ==, 2);
  g_assert_cmpuint (calls ("x86_64"), ==, 1);
  again = dc_answerer_xml (answerer, &by_path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
}

static void
on_changed (DcRegistry *registry, const char *path, GPtrArray *seen)
{
  g_ptr_array_add (seen, g_path_get_basename (path));
}

static void
on_refreshed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GPtrArray *seen = user_data;

  g_assert_true (dc_registry_probe_finish (DC_REGISTRY (source), result, NULL));
  g_ptr_array_add (seen, g_strdup ("(refresh done)"));
}

/* A refresh of one emulator (D-Bus Refresh) says that emulator's answers
 * changed, once, before the refresh itself completes: the service turns
 * this signal into CapabilitiesChanged. */
static void
test_refresh_signals_change (Fixture *fx, gconstpointer data)
{
  g_autofree char *s390x = g_build_filename (fx->emulators, "qemu-system-s390x", NULL);
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  gulong handler;

  probe_all (fx->registry, TRUE);
  handler = g_signal_connect (fx->registry, "capabilities-changed",
                              G_CALLBACK (on_changed), seen);
  dc_registry_probe_async (fx->registry, s390x, FALSE, on_refreshed, seen);
  while (!g_ptr_array_find_with_equal_func (seen, "(refresh done)", g_str_equal, NULL) ||
         probes.running > 0)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (fx->registry, handler);
  g_assert_cmpuint (seen->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (seen, 0), ==, "qemu-system-s390x");
  g_assert_cmpstr (g_ptr_array_index (seen, 1), ==, "(refresh done)");
}

static gboolean
on_shut_down (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_shutdown_cancels (Fixture *fx, gconstpointer data)
{
  gboolean shut = FALSE;

  probes.hang = TRUE;
  dc_registry_discover (fx->registry);
  dc_registry_probe_async (fx->registry, NULL, TRUE, NULL, NULL);
  while (probes.running < 2)
    g_main_context_iteration (NULL, TRUE);
  dc_registry_shutdown (fx->registry, on_shut_down, &shut);
  while (!shut)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (probes.running, ==, 0);
  g_assert_cmpuint (probes.calls, ==, 2);   /* nothing started after */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/registry/batch", Fixture, NULL, set_up, test_batch, tear_down);
  g_test_add ("/registry/refresh-signals-change", Fixture, NULL, set_up,
              test_refresh_signals_change, tear_down);
  g_test_add ("/registry/changed-binary", Fixture, NULL, set_up,
              test_changed_binary_probed_again, tear_down);
  g_test_add ("/registry/cache", Fixture, NULL, set_up, test_cache_instead_of_probe,
              tear_down);
  g_test_add ("/registry/facts-read-back", Fixture, NULL, set_up, test_facts_read_back,
              tear_down);
  g_test_add ("/registry/shutdown", Fixture, NULL, set_up, test_shutdown_cancels,
              tear_down);
  return g_test_run ();
}
