/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fake-qemu: answers QMP from a recorded conversation, for hardware this
 * machine lacks.
 *
 *   fake-qemu --replies PREFIX [--unanswered LOG] QEMU-ARGUMENTS...
 *
 * Spawned exactly as a real qemu-system-* would be (normally through a
 * two-line wrapper script named qemu-system-TARGET), it reads
 * PREFIX.ACCEL.replies, ACCEL taken from "-accel" (or "accel=" in
 * "-machine"): libvirt's .replies format, JSON objects separated by blank
 * lines, each command followed by its reply. It finds the QMP channel in
 * "-chardev socket,...,fd=N" (or "-qmp stdio"), sends a greeting, and
 * answers each command with the recorded reply for the same command and
 * arguments (in recorded order when a command repeats). Anything else gets
 * QMP's CommandNotFound, and with --unanswered a line "ACCEL COMMAND
 * ARGUMENTS-JSON" appended to LOG, so that a harness can tell which facts a
 * recording cannot give. A missing replies file is what a build without
 * that accelerator says: "invalid accelerator", exit 1. */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dc-replies.h"

typedef struct {
  DcQmpExchange *exchange;
  gboolean used;
} Entry;

static void
entry_free (Entry *entry)
{
  dc_qmp_exchange_free (entry->exchange);
  g_free (entry);
}

static GPtrArray *
load_entries (const char *path, GError **error)
{
  g_autoptr(GPtrArray) exchanges = dc_replies_read (path, error);
  GPtrArray *entries;

  if (exchanges == NULL)
    return NULL;
  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  for (guint i = 0; i < exchanges->len; i++)
    {
      Entry *entry = g_new0 (Entry, 1);

      entry->exchange = g_ptr_array_steal_index (exchanges, i--);
      g_ptr_array_add (entries, entry);
    }
  return entries;
}

static gboolean
same_arguments (JsonNode *a, JsonNode *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return json_node_equal (a, b);
}

static Entry *
find_entry (GPtrArray *entries, const char *execute, JsonNode *arguments)
{
  Entry *last = NULL;

  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (entries, i);

      if (!g_str_equal (entry->exchange->command, execute) ||
          !same_arguments (entry->exchange->arguments, arguments))
        continue;
      if (!entry->used)
        {
          entry->used = TRUE;
          return entry;
        }
      last = entry;
    }
  return last;
}

static void
send_object (FILE *out, JsonNode *node)
{
  g_autofree char *text = json_to_string (node, FALSE);

  fprintf (out, "%s\r\n", text);
  fflush (out);
}

/* Appends "ACCEL COMMAND ARGUMENTS" to @log (one write, so concurrent
 * fake emulators do not interleave). */
static void
note_unanswered (const char *log, const char *accel, const char *execute,
                 JsonNode *arguments)
{
  g_autofree char *args = arguments ? json_to_string (arguments, FALSE) : g_strdup ("null");
  g_autofree char *line = g_strdup_printf ("%s %s %s\n", accel, execute, args);
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GFile) file = NULL;

  if (log == NULL)
    return;
  file = g_file_new_for_path (log);
  out = g_file_append_to (file, G_FILE_CREATE_NONE, NULL, NULL);
  if (out != NULL)
    g_output_stream_write_all (G_OUTPUT_STREAM (out), line, strlen (line), NULL, NULL, NULL);
}

static JsonNode *
answer (GPtrArray *entries, JsonObject *request, const char *log, const char *accel)
{
  const char *execute = json_object_get_string_member_with_default (request, "execute", "");
  JsonNode *arguments = json_object_get_member (request, "arguments");
  Entry *entry = find_entry (entries, execute, arguments);
  JsonNode *reply;

  if (entry != NULL)
    reply = dc_replies_reply_node (entry->exchange);
  else if (g_str_equal (execute, "qmp_capabilities") || g_str_equal (execute, "quit"))
    reply = json_from_string ("{\"return\": {}}", NULL);
  else
    {
      g_autofree char *text = g_strdup_printf (
          "{\"error\": {\"class\": \"CommandNotFound\","
          " \"desc\": \"The command %s has not been found\"}}", execute);
      reply = json_from_string (text, NULL);
      note_unanswered (log, accel, execute, arguments);
    }
  if (json_object_has_member (request, "id"))
    json_object_set_member (json_node_get_object (reply), "id",
                            json_node_copy (json_object_get_member (request, "id")));
  else
    json_object_remove_member (json_node_get_object (reply), "id");
  return reply;
}

static void
serve (GPtrArray *entries, FILE *in, FILE *out, const char *log, const char *accel)
{
  char *line = NULL;
  size_t size = 0;

  send_object (out, json_from_string ("{\"QMP\": {\"version\": {\"qemu\": "
                                      "{\"micro\": 0, \"minor\": 0, \"major\": 0},"
                                      " \"package\": \"fake-qemu\"},"
                                      " \"capabilities\": []}}", NULL));
  while (getline (&line, &size, in) > 0)
    {
      g_autoptr(JsonNode) request = json_from_string (line, NULL);
      g_autoptr(JsonNode) reply = NULL;
      const char *execute;

      if (request == NULL || !JSON_NODE_HOLDS_OBJECT (request))
        continue;
      reply = answer (entries, json_node_get_object (request), log, accel);
      send_object (out, reply);
      execute = json_object_get_string_member_with_default (
          json_node_get_object (request), "execute", "");
      if (g_str_equal (execute, "quit"))
        break;
    }
  free (line);
}

/* The value of "-OPTION" in QEMU's arguments, or NULL. */
static const char *
option (int argc, char **argv, const char *name)
{
  for (int i = 0; i + 1 < argc; i++)
    if (g_str_equal (argv[i], name))
      return argv[i + 1];
  return NULL;
}

static char *
accelerator (int argc, char **argv)
{
  const char *accel = option (argc, argv, "-accel");
  const char *machine = option (argc, argv, "-machine");
  const char *in_machine = machine ? strstr (machine, "accel=") : NULL;

  if (accel != NULL)
    return g_strndup (accel, strcspn (accel, ","));
  if (in_machine != NULL)
    return g_strndup (in_machine + 6, strcspn (in_machine + 6, ","));
  return g_strdup ("tcg");
}

static int
qmp_fd (int argc, char **argv)
{
  const char *chardev = option (argc, argv, "-chardev");
  const char *fd = chardev ? strstr (chardev, "fd=") : NULL;

  return fd ? atoi (fd + 3) : -1;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *accel = NULL;
  g_autofree char *path = NULL;
  const char *log = NULL;
  int fd;
  FILE *in, *out;

  if (argc < 3 || !g_str_equal (argv[1], "--replies"))
    {
      fprintf (stderr, "usage: fake-qemu --replies PREFIX [--unanswered LOG] QEMU-ARGUMENTS...\n");
      return 2;
    }
  if (argc > 4 && g_str_equal (argv[3], "--unanswered"))
    log = argv[4];
  accel = accelerator (argc, argv);
  path = g_strdup_printf ("%s.%s.replies", argv[2], accel);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      fprintf (stderr, "fake-qemu: -accel %s: invalid accelerator %s\n", accel, accel);
      return 1;
    }
  entries = load_entries (path, &error);
  if (entries == NULL)
    {
      fprintf (stderr, "fake-qemu: %s\n", error->message);
      return 1;
    }
  fd = qmp_fd (argc, argv);
  in = fd >= 0 ? fdopen (fd, "r") : stdin;
  out = fd >= 0 ? fdopen (dup (fd), "w") : stdout;
  serve (entries, in, out, log, accel);
  return 0;
}
