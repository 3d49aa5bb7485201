/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* domcapsd-probe: probes one emulator for the daemon (dc-helper.h).
 *
 *   domcapsd-probe EMULATOR TIMEOUT-SECONDS kvm|tcg
 *
 * Prints {"facts": ...} (the cache codec's form) or {"error": {"probe-code":
 * N, "message": "..."}} on standard output. SIGTERM cancels the probe, its
 * QEMU killed and reaped. Linked with the probe and the codec only: it
 * starts fast and parses what QEMU says out of the daemon's memory. */
#include "config.h"

#include <errno.h>

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "dc-facts-json.h"
#include "dc-json.h"
#include "dc-probe.h"

typedef struct {
  GMainLoop *loop;
  GCancellable *cancellable;
  const char *path;
} Helper;

static void
print_result (DcEmulatorFacts *facts, const GError *error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  if (facts != NULL)
    {
      json_builder_set_member_name (b, "facts");
      json_builder_add_value (b, dc_emulator_facts_to_json (facts));
    }
  else
    {
      json_builder_set_member_name (b, "error");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "probe-code");
      json_builder_add_int_value (b, error->domain == DC_PROBE_ERROR ? error->code
                                                                    : DC_PROBE_ERROR_FAILED);
      dc_json_add_string (b, "message", error->message);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  text = dc_json_builder_to_text (b, FALSE, NULL);
  fputs (text, stdout);
  fflush (stdout);
}

static void
on_helper_probed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Helper *helper = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(DcEmulatorFacts) facts = dc_probe_emulator_finish (result, &error);

  print_result (facts, error);
  /* nothing the emulator left behind outlives its probe */
  if (dc_probe_reap_orphans () > 0)
    g_warning ("%s left processes behind; killed them", helper->path);
  g_main_loop_quit (helper->loop);
}

static gboolean
on_helper_term (gpointer user_data)
{
  Helper *helper = user_data;

  g_cancellable_cancel (helper->cancellable);
  return G_SOURCE_REMOVE;
}

static int
run (const char *path, gboolean try_kvm, guint timeout_seconds)
{
  Helper helper = { g_main_loop_new (NULL, FALSE), g_cancellable_new (), path };

  /* what the emulator forks into a session of its own is still ours */
  if (!dc_probe_adopt_orphans ())
    g_warning ("Cannot adopt what %s leaves behind: %s", path, g_strerror (errno));
  g_unix_signal_add (SIGTERM, on_helper_term, &helper);
  dc_probe_emulator_async (path, try_kvm, timeout_seconds, helper.cancellable,
                           on_helper_probed, &helper);
  g_main_loop_run (helper.loop);
  g_main_loop_unref (helper.loop);
  g_object_unref (helper.cancellable);
  return 0;
}

int
main (int argc, char **argv)
{
  guint64 timeout;

  if (argc != 4 || !g_ascii_string_to_unsigned (argv[2], 10, 1, 3600, &timeout, NULL) ||
      (g_strcmp0 (argv[3], "kvm") != 0 && g_strcmp0 (argv[3], "tcg") != 0))
    {
      fprintf (stderr, "usage: domcapsd-probe EMULATOR TIMEOUT-SECONDS kvm|tcg\n"
                       "(run by domcapsd; not meant to be run by hand)\n");
      return 2;
    }
  return run (argv[1], g_str_equal (argv[3], "kvm"), timeout);
}
