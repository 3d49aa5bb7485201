/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-json.c: checked JSON access. */
#include "config.h"

#include "dc-json.h"

#include <string.h>

G_DEFINE_QUARK (dc-json-error-quark, dc_json_error)

/* ---- the gate: strict JSON (RFC 8259), counted ----
 *
 * json-glib is a recursive parser that also takes '...' strings and C
 * comments. Whatever we read from outside is first scanned here, without
 * recursion: only plain JSON in UTF-8 passes, so the parser never sees text whose
 * nesting the scanner misjudged, and every value is counted (memory is
 * spent per value, not per byte: "{}" costs a parser a hash table). */

typedef struct {
  const char *start, *p, *end;
  const DcJsonLimits *limits;
  char *stack;            /* the closing bracket of each open container */
  guint depth;
  gsize nodes;
} Scanner;

static gboolean
scan_fail (Scanner *s, const char *what, GError **error)
{
  g_set_error (error, DC_JSON_ERROR, DC_JSON_ERROR_INVALID,
               "not plain JSON at byte %" G_GSIZE_FORMAT ": %s",
               (gsize) (s->p - s->start), what);
  return FALSE;
}

static void
skip_space (Scanner *s)
{
  while (s->p < s->end && strchr (" \t\n\r", *s->p) != NULL && *s->p != '\0')
    s->p++;
}

/* Four hex digits after "\\u", @s->p at the 'u'; leaves it at the last. */
static gboolean
scan_code_unit (Scanner *s, guint *unit)
{
  *unit = 0;
  for (int i = 0; i < 4; i++)
    {
      if (++s->p >= s->end || !g_ascii_isxdigit (*s->p))
        return FALSE;
      *unit = *unit * 16 + g_ascii_xdigit_value (*s->p);
    }
  return TRUE;
}

/* A "\\u" escape: a UTF-16 surrogate only as a high-low pair (json-glib
 * refuses a lone one at the end of a string, and nothing we read writes
 * lone ones). */
static gboolean
scan_unicode_escape (Scanner *s)
{
  guint unit, low;

  if (!scan_code_unit (s, &unit) || (unit >= 0xDC00 && unit <= 0xDFFF))
    return FALSE;
  if (unit < 0xD800 || unit > 0xDBFF)
    return TRUE;
  if (s->end - s->p < 3 || s->p[1] != '\\' || s->p[2] != 'u')
    return FALSE;
  s->p += 2;
  return scan_code_unit (s, &low) && low >= 0xDC00 && low <= 0xDFFF;
}

static gboolean
scan_string (Scanner *s)
{
  for (s->p++; s->p < s->end; s->p++)
    {
      guchar c = (guchar) *s->p;

      if (c == '"')
        {
          s->p++;
          return TRUE;
        }
      if (c < 0x20)
        return FALSE;
      if (c != '\\')
        continue;
      if (++s->p >= s->end)
        return FALSE;
      if (*s->p == 'u')
        {
          if (!scan_unicode_escape (s))
            return FALSE;
        }
      else if (*s->p == '\0' || strchr ("\"\\/bfnrt", *s->p) == NULL)
        return FALSE;
    }
  return FALSE;
}

static gboolean
scan_digits (Scanner *s)
{
  const char *first = s->p;

  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return s->p > first;
}

static gboolean
scan_number (Scanner *s)
{
  if (*s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (!scan_digits (s))
    return FALSE;
  if (s->p < s->end && *s->p == '.')
    {
      s->p++;
      if (!scan_digits (s))
        return FALSE;
    }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      s->p++;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        s->p++;
      if (!scan_digits (s))
        return FALSE;
    }
  return TRUE;
}

static gboolean
scan_word (Scanner *s, const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (s->end - s->p) < n || memcmp (s->p, word, n) != 0)
    return FALSE;
  s->p += n;
  return TRUE;
}

/* One string, number, true, false or null at s->p. */
static gboolean
scan_scalar (Scanner *s)
{
  switch (*s->p)
    {
    case '"': return scan_string (s);
    case 't': return scan_word (s, "true");
    case 'f': return scan_word (s, "false");
    case 'n': return scan_word (s, "null");
    default: return (*s->p == '-' || g_ascii_isdigit (*s->p)) && scan_number (s);
    }
}

/* A member name and its colon (after '{' or a ',' inside an object). */
static gboolean
scan_key (Scanner *s, GError **error)
{
  skip_space (s);
  if (s->p >= s->end || *s->p != '"' || !scan_string (s))
    return scan_fail (s, "expected a member name", error);
  skip_space (s);
  if (s->p >= s->end || *s->p != ':')
    return scan_fail (s, "expected ':'", error);
  s->p++;
  return TRUE;
}

static gboolean
in_object (Scanner *s)
{
  return s->depth > 0 && s->stack[s->depth - 1] == '}';
}

/* '{' or '[' at s->p. Returns whether a value comes next (FALSE for an
 * empty container, which the caller then closes as a complete value). */
static gboolean
scan_open (Scanner *s, gboolean *want_value, GError **error)
{
  if (s->depth >= s->limits->max_depth)
    {
      g_set_error (error, DC_JSON_ERROR, DC_JSON_ERROR_TOO_DEEP,
                   "nested deeper than %u levels", s->limits->max_depth);
      return FALSE;
    }
  s->stack[s->depth++] = *s->p == '{' ? '}' : ']';
  s->p++;
  skip_space (s);
  *want_value = !(s->p < s->end && *s->p == s->stack[s->depth - 1]);
  return !*want_value || !in_object (s) || scan_key (s, error);
}

/* A value is complete: closes what it completes, then takes a ',' (and a
 * member name) or reaches the end of the text. */
static gboolean
scan_after_value (Scanner *s, gboolean *want_value, GError **error)
{
  for (skip_space (s); s->depth > 0 && s->p < s->end &&
                       *s->p == s->stack[s->depth - 1]; skip_space (s))
    {
      s->p++;
      s->depth--;
    }
  if (s->depth == 0)
    return s->p == s->end || scan_fail (s, "text after the value", error);
  if (s->p >= s->end || *s->p != ',')
    return scan_fail (s, "expected ',' or a closing bracket", error);
  s->p++;
  *want_value = TRUE;
  return !in_object (s) || scan_key (s, error);
}

static gboolean
count_node (Scanner *s, GError **error)
{
  if (++s->nodes <= s->limits->max_nodes)
    return TRUE;
  g_set_error (error, DC_JSON_ERROR, DC_JSON_ERROR_TOO_LARGE,
               "more than %" G_GSIZE_FORMAT " JSON values", s->limits->max_nodes);
  return FALSE;
}

gboolean
dc_json_check (const char *text, gsize len, const DcJsonLimits *limits,
               gsize *nodes, GError **error)
{
  g_autofree char *stack = g_malloc (limits->max_depth + 1);
  Scanner s = { text, text, text + len, limits, stack, 0, 0 };
  gboolean want_value = TRUE;

  if (!g_utf8_validate_len (text, len, NULL))
    return scan_fail (&s, "not UTF-8 text (or a NUL byte)", error);
  do
    {
      skip_space (&s);
      if (s.p >= s.end)
        return scan_fail (&s, "unexpected end", error);
      if (!count_node (&s, error))
        return FALSE;
      if (*s.p == '{' || *s.p == '[')
        {
          if (!scan_open (&s, &want_value, error))
            return FALSE;
          if (want_value)
            continue;
        }
      else if (!scan_scalar (&s))
        return scan_fail (&s, "not a JSON value", error);
      want_value = FALSE;
      if (!scan_after_value (&s, &want_value, error))
        return FALSE;
    }
  while (want_value);
  if (nodes != NULL)
    *nodes = s.nodes;
  return TRUE;
}

JsonNode *
dc_json_parse_bounded (const char *text, gsize len, const DcJsonLimits *limits,
                       gsize *nodes, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;

  if (!dc_json_check (text, len, limits, nodes, error))
    return NULL;
  if (!json_parser_load_from_data (parser, text, len, &local_error))
    {
      g_set_error (error, DC_JSON_ERROR, DC_JSON_ERROR_INVALID, "%s",
                   local_error->message);
      return NULL;
    }
  return json_node_ref (json_parser_get_root (parser));
}

JsonNode *
dc_json_parse_object (const char *text, gsize len, gsize max_size,
                      const DcJsonLimits *limits, GError **error)
{
  JsonNode *root;

  if (len > max_size)
    {
      g_set_error (error, DC_JSON_ERROR, DC_JSON_ERROR_TOO_LARGE,
                   "larger than %" G_GSIZE_FORMAT " KiB", max_size / 1024);
      return NULL;
    }
  root = dc_json_parse_bounded (text, len, limits, NULL, error);
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
dc_json_is_false (JsonObject *object, const char *name)
{
  JsonNode *node = value_member (object, name, G_TYPE_BOOLEAN);

  return node != NULL && !json_node_get_boolean (node);
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
  return i < json_array_get_length (array)
           ? dc_json_node_object (json_array_get_element (array, i)) : NULL;
}

const char *
dc_json_array_get_string (JsonArray *array, guint i)
{
  JsonNode *node = i < json_array_get_length (array) ? json_array_get_element (array, i)
                                                     : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

void
dc_json_add_string (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

char *
dc_json_builder_to_text (JsonBuilder *builder, gboolean pretty, gsize *length)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, pretty);
  return json_generator_to_data (generator, length);
}
