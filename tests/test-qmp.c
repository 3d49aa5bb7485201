/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the QMP conversation: a fake peer on a socketpair answers
 * with canned lines, good and bad. */
#include "config.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dc-qmp.h"

#define GREETING "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n"
#define CAPS_OK "{\"return\": {}, \"id\": 0}\r\n"

typedef struct {
  GMainLoop *loop;
  GError *error;
  gboolean ok;
} Result;

static void
on_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Result *result = user_data;

  result->ok = dc_qmp_converse_finish (res, &result->error);
  g_main_loop_quit (result->loop);
}

/* Writes @script to the peer end, closes it, and runs @exchanges. */
static gboolean
converse (const char *script, GPtrArray *exchanges, const DcQmpLimits *limits,
          GError **error)
{
  int fds[2];
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketConnection) conn = NULL;
  Result result = { g_main_loop_new (NULL, FALSE), NULL, FALSE };
  gsize len = strlen (script);

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
  /* Every canned script fits in the socket buffer. */
  g_assert_cmpuint (len, <, 100000);
  g_assert_cmpint (write (fds[1], script, len), ==, (gssize) len);
  /* End of file for the reader; our requests can still be written. */
  shutdown (fds[1], SHUT_WR);
  socket = g_socket_new_from_fd (fds[0], NULL);
  conn = g_socket_connection_factory_create_connection (socket);
  dc_qmp_converse_async (G_IO_STREAM (conn), exchanges, limits, NULL, on_done,
                         &result);
  g_main_loop_run (result.loop);
  g_main_loop_unref (result.loop);
  close (fds[1]);
  if (result.error != NULL)
    g_propagate_error (error, result.error);
  return result.ok;
}

static GPtrArray *
make_exchanges (guint n)
{
  GPtrArray *exchanges =
    g_ptr_array_new_with_free_func ((GDestroyNotify) dc_qmp_exchange_free);
  const char *names[] = { "query-version", "query-kvm", "query-target" };

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (exchanges, dc_qmp_exchange_new (names[i % 3], NULL));
  return exchanges;
}

static void
test_pipelined_replies (void)
{
  g_autoptr(GPtrArray) ex = make_exchanges (2);
  g_autoptr(GError) error = NULL;
  const char *script = GREETING CAPS_OK
    "{\"event\": \"RESUME\", \"data\": {}}\r\n"
    "{\"return\": {\"qemu\": {\"major\": 7}}, \"id\": 1}\r\n"
    "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"nope\"}, \"id\": 2}\r\n";
  DcQmpExchange *first, *second;

  g_assert_true (converse (script, ex, &dc_qmp_default_limits, &error));
  g_assert_no_error (error);
  first = g_ptr_array_index (ex, 0);
  second = g_ptr_array_index (ex, 1);
  g_assert_nonnull (first->ret);
  g_assert_null (first->error_class);
  g_assert_null (second->ret);
  g_assert_cmpstr (second->error_class, ==, "CommandNotFound");
  g_assert_cmpstr (second->error_desc, ==, "nope");
}

static void
expect_failure (const char *script, guint n, const DcQmpLimits *limits,
                gint code)
{
  g_autoptr(GPtrArray) ex = make_exchanges (n);
  g_autoptr(GError) error = NULL;

  g_assert_false (converse (script, ex, limits, &error));
  g_assert_error (error, DC_QMP_ERROR, code);
  g_test_message ("%s", error->message);
}

static void
test_closed_early (void)
{
  expect_failure (GREETING CAPS_OK "{\"return\": {}, \"id\": 1}\r\n", 2,
                  &dc_qmp_default_limits, DC_QMP_ERROR_CLOSED);
}

static void
test_no_greeting (void)
{
  expect_failure (CAPS_OK, 1, &dc_qmp_default_limits, DC_QMP_ERROR_PROTOCOL);
}

static void
test_not_json (void)
{
  expect_failure (GREETING "this is not json\r\n", 1, &dc_qmp_default_limits,
                  DC_QMP_ERROR_PROTOCOL);
  expect_failure (GREETING "[1, 2]\r\n", 1, &dc_qmp_default_limits,
                  DC_QMP_ERROR_PROTOCOL);
}

static void
test_unknown_id (void)
{
  expect_failure (GREETING CAPS_OK "{\"return\": {}, \"id\": 7}\r\n", 1,
                  &dc_qmp_default_limits, DC_QMP_ERROR_PROTOCOL);
  expect_failure (GREETING CAPS_OK "{\"return\": {}, \"id\": \"1\"}\r\n", 1,
                  &dc_qmp_default_limits, DC_QMP_ERROR_PROTOCOL);
  expect_failure (GREETING CAPS_OK "{\"return\": {}, \"id\": 1}\r\n"
                  "{\"return\": {}, \"id\": 1}\r\n", 2,
                  &dc_qmp_default_limits, DC_QMP_ERROR_PROTOCOL);
}

static void
test_too_deep (void)
{
  GString *s = g_string_new (GREETING CAPS_OK "{\"return\": ");
  DcQmpLimits limits = dc_qmp_default_limits;

  limits.max_depth = 8;
  for (int i = 0; i < 20; i++)
    g_string_append_c (s, '[');
  for (int i = 0; i < 20; i++)
    g_string_append_c (s, ']');
  g_string_append (s, ", \"id\": 1}\r\n");
  expect_failure (s->str, 1, &limits, DC_QMP_ERROR_TOO_DEEP);
  g_string_free (s, TRUE);
}

static void
test_too_large (void)
{
  DcQmpLimits limits = dc_qmp_default_limits;
  GString *s = g_string_new (GREETING CAPS_OK "{\"return\": \"");

  limits.max_line = 1024;
  for (int i = 0; i < 4000; i++)
    g_string_append_c (s, 'x');
  /* No newline yet: the line is refused before it ends. */
  expect_failure (s->str, 1, &limits, DC_QMP_ERROR_TOO_LARGE);
  limits.max_line = 1 << 20;
  limits.max_total = 2048;
  expect_failure (s->str, 1, &limits, DC_QMP_ERROR_TOO_LARGE);
  g_string_free (s, TRUE);
}

static void
test_capabilities_refused (void)
{
  expect_failure (GREETING "{\"error\": {\"class\": \"GenericError\", "
                  "\"desc\": \"no\"}, \"id\": 0}\r\n", 1,
                  &dc_qmp_default_limits, DC_QMP_ERROR_PROTOCOL);
}

static void
test_format_command (void)
{
  g_autofree char *text = dc_qmp_format_command ("query-kvm", NULL, 3);

  g_assert_cmpstr (text, ==, "{\"execute\":\"query-kvm\",\"id\":3}");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qmp/pipelined-replies", test_pipelined_replies);
  g_test_add_func ("/qmp/closed-early", test_closed_early);
  g_test_add_func ("/qmp/no-greeting", test_no_greeting);
  g_test_add_func ("/qmp/not-json", test_not_json);
  g_test_add_func ("/qmp/unknown-id", test_unknown_id);
  g_test_add_func ("/qmp/too-deep", test_too_deep);
  g_test_add_func ("/qmp/too-large", test_too_large);
  g_test_add_func ("/qmp/capabilities-refused", test_capabilities_refused);
  g_test_add_func ("/qmp/format-command", test_format_command);
  return g_test_run ();
}
