/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-replies.c: reading and writing .replies files. */
#include "config.h"

#include "dc-replies.h"

#include <string.h>

#include "dc-json.h"

/* The length of the JSON object starting at @text (at '{'), by its
 * braces, strings and escapes taken into account; 0 if it never ends. */
static gsize
object_length (const char *text)
{
  gboolean in_string = FALSE, escaped = FALSE;
  guint depth = 0;

  for (gsize i = 0; text[i] != '\0'; i++)
    {
      char c = text[i];

      if (in_string)
        {
          if (escaped)
            escaped = FALSE;
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        depth++;
      else if ((c == '}' || c == ']') && --depth == 0)
        return i + 1;
    }
  return 0;
}

static gboolean
next_object (const char **text, JsonNode **node, GError **error)
{
  gsize len;
  g_autofree char *chunk = NULL;

  *text += strspn (*text, " \t\r\n");
  *node = NULL;
  if (**text == '\0')
    return TRUE;
  len = **text == '{' ? object_length (*text) : 0;
  if (len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "not a JSON object at \"%.20s\"", *text);
      return FALSE;
    }
  chunk = g_strndup (*text, len);
  *text += len;
  *node = json_from_string (chunk, error);
  return *node != NULL;
}

static DcQmpExchange *
exchange_from (JsonObject *command, JsonObject *reply)
{
  JsonObject *error = dc_json_get_object (reply, "error");
  const char *execute = dc_json_get_string (command, "execute");
  const char *class = error ? dc_json_get_string (error, "class") : NULL;
  const char *desc = error ? dc_json_get_string (error, "desc") : NULL;

  return dc_qmp_exchange_new_answered (
      execute ? execute : "", json_object_get_member (command, "arguments"),
      json_object_get_member (reply, "return"),
      error ? (class ? class : "GenericError") : NULL,
      error ? (desc ? desc : "") : NULL);
}

GPtrArray *
dc_replies_parse (const char *text, GError **error)
{
  g_autoptr(GPtrArray) out =
    g_ptr_array_new_with_free_func ((GDestroyNotify) dc_qmp_exchange_free);
  g_autoptr(JsonNode) command = NULL;
  g_autoptr(GError) local = NULL;
  JsonNode *node;

  while (next_object (&text, &node, &local) && node != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          json_node_unref (node);
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "an element is not an object");
          return NULL;
        }
      if (command == NULL)
        {
          command = node;
          continue;
        }
      if (g_strcmp0 (dc_json_get_string (json_node_get_object (command), "execute"),
                     "qmp_capabilities") != 0)
        g_ptr_array_add (out, exchange_from (json_node_get_object (command),
                                             json_node_get_object (node)));
      json_node_unref (node);
      g_clear_pointer (&command, json_node_unref);
    }
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (command != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "a command without its reply");
      return NULL;
    }
  return g_steal_pointer (&out);
}

GPtrArray *
dc_replies_read (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  GPtrArray *exchanges;

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  exchanges = dc_replies_parse (text, error);
  if (exchanges == NULL)
    g_prefix_error (error, "%s: ", path);
  return exchanges;
}

JsonNode *
dc_replies_reply_node (const DcQmpExchange *exchange)
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

static void
append_object (GString *out, JsonNode *node)
{
  g_autofree char *text = json_to_string (node, FALSE);

  g_string_append_printf (out, "%s\n\n", text);
}

gboolean
dc_replies_write (const char *path, GPtrArray *exchanges, GError **error)
{
  g_autoptr(GString) out = g_string_new ("{\"execute\":\"qmp_capabilities\"}\n\n"
                                         "{\"return\":{}}\n\n");

  for (guint i = 0; i < exchanges->len; i++)
    {
      const DcQmpExchange *exchange = g_ptr_array_index (exchanges, i);
      g_autoptr(JsonNode) command = command_node (exchange);
      g_autoptr(JsonNode) reply = dc_replies_reply_node (exchange);

      append_object (out, command);
      append_object (out, reply);
    }
  return g_file_set_contents (path, out->str, out->len, error);
}
