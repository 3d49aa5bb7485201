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

static void
write_object (GString *out, JsonNode *node)
{
  g_autofree char *text = json_to_string (node, FALSE);

  g_string_append_printf (out, "%s\n\n", text);
}

static JsonNode *
reply_node (const DcQmpExchange *exchange)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  if (exchange->ret != NULL)
    {
      json_builder_set_member_name (b, "return");
      json_builder_add_value (b, json_node_copy (exchange->ret));
    }
  else
    {
      json_builder_set_member_name (b, "error");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "class");
      json_builder_add_string_value (b, exchange->error_class);
      json_builder_set_member_name (b, "desc");
      json_builder_add_string_value (b, exchange->error_desc);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
command_node (const DcQmpExchange *exchange)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "execute");
  json_builder_add_string_value (b, exchange->command);
  if (exchange->arguments != NULL)
    {
      json_builder_set_member_name (b, "arguments");
      json_builder_add_value (b, json_node_copy (exchange->arguments));
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

int
main (int argc, char **argv)
{
  Recording rec = { g_main_loop_new (NULL, FALSE), NULL, NULL };
  g_autoptr(GString) out = g_string_new (NULL);
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
  g_string_append (out, "{\"execute\":\"qmp_capabilities\"}\n\n{\"return\":{}}\n\n");
  for (guint i = 0; i < rec.exchanges->len; i++)
    {
      DcQmpExchange *exchange = g_ptr_array_index (rec.exchanges, i);
      g_autoptr(JsonNode) command = command_node (exchange);
      g_autoptr(JsonNode) reply = reply_node (exchange);

      write_object (out, command);
      write_object (out, reply);
    }
  g_ptr_array_unref (rec.exchanges);
  if (!g_file_set_contents (argv[3], out->str, out->len, &error))
    {
      fprintf (stderr, "record-replies: %s\n", error->message);
      return 1;
    }
  return 0;
}
