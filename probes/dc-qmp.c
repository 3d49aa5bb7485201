/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-qmp.c: a bounded, pipelined QMP conversation. */
#include "config.h"

#include "dc-qmp.h"

#include <string.h>

#include "dc-json.h"

G_DEFINE_QUARK (dc-qmp-error-quark, dc_qmp_error)

const DcQmpLimits dc_qmp_default_limits = {
  .max_line = 4 * 1024 * 1024,
  .max_total = 32 * 1024 * 1024,
  .max_depth = 64,
  .max_nodes = 128 * 1024,
  .max_total_nodes = 256 * 1024,
};

#define READ_CHUNK 65536
#define CAPABILITIES_ID 0

typedef struct {
  GIOStream *stream;
  GPtrArray *exchanges;
  DcQmpLimits limits;
  GByteArray *buf;
  gsize total;
  gsize total_nodes;
  guint8 *chunk;
  char *request;
  DcQmpFollowUp follow_up;
  gpointer follow_up_data;
  gboolean greeted;
  gboolean negotiated;
  guint answered;
} Conversation;

static void
conversation_free (Conversation *conv)
{
  g_clear_object (&conv->stream);
  g_ptr_array_unref (conv->exchanges);
  g_byte_array_unref (conv->buf);
  g_free (conv->chunk);
  g_free (conv->request);
  g_free (conv);
}

DcQmpExchange *
dc_qmp_exchange_new (const char *command, JsonNode *arguments)
{
  DcQmpExchange *exchange = g_new0 (DcQmpExchange, 1);

  exchange->command = g_strdup (command);
  exchange->arguments = arguments ? json_node_ref (arguments) : NULL;
  return exchange;
}

JsonNode *
dc_qmp_find_return (GPtrArray *exchanges, const char *command)
{
  return dc_qmp_find_return_for (exchanges, command, NULL, NULL);
}

JsonNode *
dc_qmp_find_return_for (GPtrArray *exchanges, const char *command,
                        const char *member, const char *value)
{
  for (guint i = 0; exchanges && i < exchanges->len; i++)
    {
      DcQmpExchange *exchange = g_ptr_array_index (exchanges, i);
      if (g_str_equal (exchange->command, command) &&
          (member == NULL ||
           g_strcmp0 (dc_json_get_string (dc_json_node_object (exchange->arguments),
                                          member), value) == 0))
        return exchange->ret;
    }
  return NULL;
}

DcQmpExchange *
dc_qmp_exchange_new_answered (const char *command, JsonNode *arguments,
                              JsonNode *ret, const char *error_class,
                              const char *error_desc)
{
  DcQmpExchange *exchange = dc_qmp_exchange_new (command, arguments);

  exchange->ret = ret ? json_node_ref (ret) : NULL;
  exchange->error_class = g_strdup (error_class);
  exchange->error_desc = g_strdup (error_desc);
  return exchange;
}

void
dc_qmp_exchange_free (DcQmpExchange *exchange)
{
  if (exchange == NULL)
    return;
  g_free (exchange->command);
  g_clear_pointer (&exchange->arguments, json_node_unref);
  g_clear_pointer (&exchange->ret, json_node_unref);
  g_free (exchange->error_class);
  g_free (exchange->error_desc);
  g_free (exchange);
}

char *
dc_qmp_format_command (const char *command, JsonNode *arguments, guint id)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "execute");
  json_builder_add_string_value (builder, command);
  if (arguments != NULL)
    {
      json_builder_set_member_name (builder, "arguments");
      json_builder_add_value (builder, json_node_copy (arguments));
    }
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, id);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static int
qmp_error_code (const GError *json_error)
{
  if (g_error_matches (json_error, DC_JSON_ERROR, DC_JSON_ERROR_TOO_DEEP))
    return DC_QMP_ERROR_TOO_DEEP;
  if (g_error_matches (json_error, DC_JSON_ERROR, DC_JSON_ERROR_TOO_LARGE))
    return DC_QMP_ERROR_TOO_LARGE;
  return DC_QMP_ERROR_PROTOCOL;
}

JsonNode *
dc_qmp_parse_line (const char *line, gsize len, const DcQmpLimits *limits,
                   gsize *nodes, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  DcJsonLimits json_limits = { limits->max_depth, limits->max_nodes };
  JsonNode *root;

  if (len > limits->max_line)
    {
      g_set_error (error, DC_QMP_ERROR, DC_QMP_ERROR_TOO_LARGE,
                   "QMP message of %" G_GSIZE_FORMAT " bytes exceeds the "
                   "limit of %" G_GSIZE_FORMAT, len, limits->max_line);
      return NULL;
    }
  root = dc_json_parse_bounded (line, len, &json_limits, nodes, &local_error);
  if (root == NULL)
    {
      int code = qmp_error_code (local_error);

      g_set_error (error, DC_QMP_ERROR, code, "QMP message %s: %s",
                   code == DC_QMP_ERROR_PROTOCOL ? "is not JSON" : "refused",
                   local_error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      json_node_unref (root);
      g_set_error_literal (error, DC_QMP_ERROR, DC_QMP_ERROR_PROTOCOL,
                           "QMP message is not a JSON object");
      return NULL;
    }
  return root;
}

static gboolean
store_reply (DcQmpExchange *exchange, JsonObject *object, GError **error)
{
  JsonNode *ret = json_object_get_member (object, "return");
  JsonObject *eobj = dc_json_get_object (object, "error");

  if (ret != NULL)
    {
      exchange->ret = json_node_ref (ret);
      return TRUE;
    }
  if (eobj != NULL)
    {
      const char *klass = dc_json_get_string (eobj, "class");
      const char *desc = dc_json_get_string (eobj, "desc");

      exchange->error_class = g_strdup (klass ? klass : "GenericError");
      exchange->error_desc = g_strdup (desc ? desc : "");
      return TRUE;
    }
  g_set_error (error, DC_QMP_ERROR, DC_QMP_ERROR_PROTOCOL,
               "reply to %s has neither \"return\" nor \"error\"",
               exchange->command);
  return FALSE;
}

static gboolean
handle_reply (Conversation *conv, JsonObject *object, GError **error)
{
  gint64 id;
  DcQmpExchange *exchange;

  if (!dc_json_get_int (object, "id", &id) || id < 0 ||
      id > conv->exchanges->len)
    {
      g_set_error_literal (error, DC_QMP_ERROR, DC_QMP_ERROR_PROTOCOL,
                           "QMP reply with a missing or unknown id");
      return FALSE;
    }
  if (id == CAPABILITIES_ID)
    {
      if (!json_object_has_member (object, "return"))
        {
          g_set_error_literal (error, DC_QMP_ERROR, DC_QMP_ERROR_PROTOCOL,
                               "QMP capabilities negotiation was refused");
          return FALSE;
        }
      conv->negotiated = TRUE;
      return TRUE;
    }
  exchange = g_ptr_array_index (conv->exchanges, id - 1);
  if (exchange->ret != NULL || exchange->error_class != NULL)
    {
      g_set_error (error, DC_QMP_ERROR, DC_QMP_ERROR_PROTOCOL,
                   "second QMP reply to %s", exchange->command);
      return FALSE;
    }
  if (!store_reply (exchange, object, error))
    return FALSE;
  conv->answered++;
  return TRUE;
}

static gboolean
handle_line (Conversation *conv, const char *line, gsize len, GError **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  gsize nodes = 0;

  while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
    len--;
  if (len == 0)
    return TRUE;
  root = dc_qmp_parse_line (line, len, &conv->limits, &nodes, error);
  if (root == NULL)
    return FALSE;
  conv->total_nodes += nodes;
  if (conv->total_nodes > conv->limits.max_total_nodes)
    {
      g_set_error (error, DC_QMP_ERROR, DC_QMP_ERROR_TOO_LARGE,
                   "QMP conversation exceeds %" G_GSIZE_FORMAT " JSON values",
                   conv->limits.max_total_nodes);
      return FALSE;
    }
  object = json_node_get_object (root);
  if (json_object_has_member (object, "QMP"))
    {
      conv->greeted = TRUE;
      return TRUE;
    }
  if (!conv->greeted)
    {
      g_set_error_literal (error, DC_QMP_ERROR, DC_QMP_ERROR_PROTOCOL,
                           "no QMP greeting");
      return FALSE;
    }
  if (json_object_has_member (object, "event"))
    return TRUE;
  return handle_reply (conv, object, error);
}

static gboolean
conversation_done (Conversation *conv)
{
  return conv->negotiated && conv->answered == conv->exchanges->len;
}

/* Handles every complete line in the buffer. */
static gboolean
consume_lines (Conversation *conv, GError **error)
{
  gsize start = 0;

  for (gsize i = 0; i < conv->buf->len; i++)
    {
      if (conv->buf->data[i] != '\n')
        continue;
      if (!handle_line (conv, (const char *) conv->buf->data + start,
                        i - start, error))
        return FALSE;
      start = i + 1;
    }
  g_byte_array_remove_range (conv->buf, 0, start);
  if (conv->buf->len > conv->limits.max_line)
    {
      g_set_error (error, DC_QMP_ERROR, DC_QMP_ERROR_TOO_LARGE,
                   "QMP message exceeds the limit of %" G_GSIZE_FORMAT
                   " bytes", conv->limits.max_line);
      return FALSE;
    }
  return TRUE;
}

static void read_more (GTask *task);
static void write_request (GTask *task);
static char *build_request (GPtrArray *exchanges, guint first);

/* Every exchange is answered: asks for a next round, if any. */
static gboolean
start_next_round (GTask *task)
{
  Conversation *conv = g_task_get_task_data (task);
  guint before = conv->exchanges->len;

  if (conv->follow_up == NULL)
    return FALSE;
  conv->follow_up (conv->exchanges, conv->follow_up_data);
  if (conv->exchanges->len == before)
    return FALSE;
  g_free (conv->request);
  conv->request = build_request (conv->exchanges, before);
  write_request (task);
  return TRUE;
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Conversation *conv = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result,
                                         &error);

  if (n < 0)
    return g_task_return_error (task, error);
  if (n == 0)
    return g_task_return_new_error (task, DC_QMP_ERROR, DC_QMP_ERROR_CLOSED,
                                    "connection closed after %u of %u "
                                    "replies", conv->answered,
                                    conv->exchanges->len);
  conv->total += n;
  if (conv->total > conv->limits.max_total)
    return g_task_return_new_error (task, DC_QMP_ERROR,
                                    DC_QMP_ERROR_TOO_LARGE,
                                    "QMP conversation exceeds %" G_GSIZE_FORMAT
                                    " bytes", conv->limits.max_total);
  g_byte_array_append (conv->buf, conv->chunk, n);
  if (!consume_lines (conv, &error))
    return g_task_return_error (task, error);
  if (conversation_done (conv))
    {
      /* The next round's write owns the task's reference now. */
      if (start_next_round (task))
        {
          task = NULL;
          return;
        }
      return g_task_return_boolean (task, TRUE);
    }
  read_more (g_steal_pointer (&task));
}

static void
read_more (GTask *task)
{
  Conversation *conv = g_task_get_task_data (task);

  g_input_stream_read_async (g_io_stream_get_input_stream (conv->stream),
                             conv->chunk, READ_CHUNK, G_PRIORITY_DEFAULT,
                             g_task_get_cancellable (task), on_read, task);
}

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result,
                                         NULL, &error))
    return g_task_return_error (task, error);
  read_more (g_steal_pointer (&task));
}

/* The lines for exchanges from @first on; the first round also
 * negotiates capabilities. */
static char *
build_request (GPtrArray *exchanges, guint first)
{
  GString *request = g_string_new (NULL);

  if (first == 0)
    {
      g_autofree char *caps = dc_qmp_format_command ("qmp_capabilities", NULL,
                                                     CAPABILITIES_ID);
      g_string_append_printf (request, "%s\n", caps);
    }
  for (guint i = first; i < exchanges->len; i++)
    {
      DcQmpExchange *exchange = g_ptr_array_index (exchanges, i);
      g_autofree char *line = dc_qmp_format_command (exchange->command,
                                                     exchange->arguments,
                                                     i + 1);
      g_string_append_printf (request, "%s\n", line);
    }
  return g_string_free (request, FALSE);
}

static void
write_request (GTask *task)
{
  Conversation *conv = g_task_get_task_data (task);

  g_output_stream_write_all_async (g_io_stream_get_output_stream (conv->stream),
                                   conv->request, strlen (conv->request),
                                   G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task),
                                   on_written, task);
}

void
dc_qmp_converse_rounds_async (GIOStream *stream, GPtrArray *exchanges,
                              const DcQmpLimits *limits,
                              DcQmpFollowUp follow_up,
                              gpointer follow_up_data,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (stream, cancellable, callback, user_data);
  Conversation *conv = g_new0 (Conversation, 1);

  g_task_set_source_tag (task, dc_qmp_converse_async);
  conv->stream = g_object_ref (stream);
  conv->exchanges = g_ptr_array_ref (exchanges);
  conv->limits = limits ? *limits : dc_qmp_default_limits;
  conv->buf = g_byte_array_new ();
  conv->chunk = g_malloc (READ_CHUNK);
  conv->request = build_request (exchanges, 0);
  conv->follow_up = follow_up;
  conv->follow_up_data = follow_up_data;
  g_task_set_task_data (task, conv, (GDestroyNotify) conversation_free);
  write_request (task);
}

void
dc_qmp_converse_async (GIOStream *stream, GPtrArray *exchanges,
                       const DcQmpLimits *limits, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  dc_qmp_converse_rounds_async (stream, exchanges, limits, NULL, NULL,
                                cancellable, callback, user_data);
}

gboolean
dc_qmp_converse_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
