/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* record-replies: runs a real emulator through the daemon's own probe
 * conversation and writes it in libvirt's .replies format.
 *
 *   record-replies EMULATOR ACCEL OUT.replies
 *
 * Each command and its reply as a JSON object, separated by blank lines,
 * qmp_capabilities first, as libvirt's test data has them. */
#include "config.h"

#include <stdio.h>

#include "dc-probe.h"
#include "dc-qmp.h"
#include "dc-replies.h"

typedef struct {
  GMainLoop *loop;
  GPtrArray *exchanges;
  GError *error;
} Recording;

static void
on_probed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Recording *rec = user_data;

  rec->exchanges = dc_probe_process_finish (result, &rec->error);
  g_main_loop_quit (rec->loop);
}

int
main (int argc, char **argv)
{
  Recording rec = { g_main_loop_new (NULL, FALSE), NULL, NULL };
  g_autoptr(GError) error = NULL;

  if (argc != 4)
    {
      fprintf (stderr, "usage: record-replies EMULATOR ACCEL OUT.replies\n");
      return 2;
    }
  dc_probe_process_async (argv[1], argv[2], 60, NULL, on_probed, &rec);
  g_main_loop_run (rec.loop);
  g_main_loop_unref (rec.loop);
  if (rec.exchanges == NULL)
    {
      fprintf (stderr, "record-replies: %s\n", rec.error->message);
      return 1;
    }
  if (!dc_replies_write (argv[3], rec.exchanges, &error))
    {
      fprintf (stderr, "record-replies: %s\n", error->message);
      g_ptr_array_unref (rec.exchanges);
      return 1;
    }
  g_ptr_array_unref (rec.exchanges);
  return 0;
}
