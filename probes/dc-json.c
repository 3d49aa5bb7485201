/* dc-json.c: checked JSON access. */
#include "config.h"

#include "dc-json.h"

G_DEFINE_QUARK (dc-json-error-quark, dc_json_error)

/* Rejects JSON nested deeper than @max_depth before a parser sees it. */
static gboolean
check_depth (const char *text, gsize len, guint max_depth, GError **error)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          if (++depth > max_depth)
            {
              g_set_error (error, DC_JSON_ERROR, DC_JSON_ERROR_TOO_DEEP,
                           "nested deeper than %u levels", max_depth);
              return FALSE;
            }
        }
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
    }
  return TRUE;
}

JsonNode *
dc_json_parse_bounded (const char *text, gsize len, guint max_depth,
                       GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (!check_depth (text, len, max_depth, error))
    return NULL;
  if (!json_parser_load_from_data (parser, text, len, &local_error))
    {
      g_set_error (error, DC_JSON_ERROR, DC_JSON_ERROR_INVALID, "%s",
                   local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, DC_JSON_ERROR, DC_JSON_ERROR_INVALID,
                           "empty document");
      return NULL;
    }
  return json_node_ref (root);
}

JsonNode *
dc_json_parse_object (const char *text, gsize len, gsize max_size,
                      guint max_depth, GError **error)
{
  JsonNode *root;

  if (len > max_size)
    {
      g_set_error (error, DC_JSON_ERROR, DC_JSON_ERROR_INVALID,
                   "larger than %" G_GSIZE_FORMAT " KiB", max_size / 1024);
      return NULL;
    }
  root = dc_json_parse_bounded (text, len, max_depth, error);
  if (root != NULL && !JSON_NODE_HOLDS_OBJECT (root))
    {
      json_node_unref (root);
      g_set_error_literal (error, DC_JSON_ERROR, DC_JSON_ERROR_INVALID,
                           "not a JSON object");
      return NULL;
    }
  return root;
}

static JsonNode *
value_member (JsonObject *object, const char *name, GType type)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

const char *
dc_json_get_string (JsonObject *object, const char *name)
{
  JsonNode *node = value_member (object, name, G_TYPE_STRING);

  return node ? json_node_get_string (node) : NULL;
}

gboolean
dc_json_get_bool (JsonObject *object, const char *name)
{
  JsonNode *node = value_member (object, name, G_TYPE_BOOLEAN);

  return node != NULL && json_node_get_boolean (node);
}

gboolean
dc_json_get_int (JsonObject *object, const char *name, gint64 *value)
{
  JsonNode *node = value_member (object, name, G_TYPE_INT64);

  if (node == NULL)
    return FALSE;
  *value = json_node_get_int (node);
  return TRUE;
}

JsonObject *
dc_json_node_object (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node)
             ? json_node_get_object (node) : NULL;
}

JsonArray *
dc_json_node_array (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_ARRAY (node)
             ? json_node_get_array (node) : NULL;
}

JsonObject *
dc_json_get_object (JsonObject *object, const char *name)
{
  return dc_json_node_object (object ? json_object_get_member (object, name)
                                     : NULL);
}

JsonArray *
dc_json_get_array (JsonObject *object, const char *name)
{
  return dc_json_node_array (object ? json_object_get_member (object, name)
                                    : NULL);
}

JsonObject *
dc_json_array_get_object (JsonArray *array, guint i)
{
  return dc_json_node_object (json_array_get_element (array, i));
}

const char *
dc_json_array_get_string (JsonArray *array, guint i)
{
  JsonNode *node = json_array_get_element (array, i);

  if (!JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}
