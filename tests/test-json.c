/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the JSON gate: only plain JSON passes, counted, without
 * recursion; json-glib never sees what it refused. */
#include "config.h"

#include <string.h>

#include "dc-json.h"

static const DcJsonLimits limits = { 8, 64 };

static gboolean
check (const char *text, gsize *nodes, GError **error)
{
  return dc_json_check (text, strlen (text), &limits, nodes, error);
}

static void
test_plain_json_passes_counted (void)
{
  const struct { const char *text; gsize nodes; } good[] = {
    { "{}", 1 }, { "[]", 1 }, { " 0 ", 1 }, { "-1.5e+3", 1 }, { "\"a\\u00e9\\n\"", 1 },
    { "\"\\ud83d\\ude00\"", 1 }, { "\"\\u0000\"", 1 },
    { "true", 1 }, { "null", 1 },
    { "{\"a\": [1, 2, {}], \"b\": {\"c\": null}}", 7 },
    { "[[[[[[[[]]]]]]]]", 8 },
    { "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n", 4 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;
      gsize nodes = 0;

      g_assert_true (check (good[i].text, &nodes, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (nodes, ==, good[i].nodes);
      node = dc_json_parse_bounded (good[i].text, strlen (good[i].text), &limits, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (node);
    }
}

/* What json-glib would take but is not JSON, and what is no JSON at all. */
static void
test_anything_else_is_refused (void)
{
  const char *bad[] = {
    "", "   ", "'a'", "{'a': 1}", "[1] /* comment */", "/* \" */ [1]", "[1,]", "{\"a\" 1}",
    "{\"a\": 1,}", "[1] [2]", "01", "1.", "-", ".5", "1e", "tru", "nul", "\"unterminated",
    "\"tab\there\"", "\"\\x41\"", "\"\\u12\"", "[1 2]", "{1: 2}", "]", "[}", "{]", "NaN",
    "Infinity", "[\"\\\"]", "\"\xd5\"",
    /* UTF-16 surrogates other than as pairs (json-glib refuses "\ude99"
     * at a string's end: a fuzzer's finding) */
    "\"\\ude99\"", "\"\\ud800\"", "\"\\ud800x\"", "\"a\\ude99b\"", "\"\\ud800\\u0041\"",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *shown = g_strescape (bad[i], NULL);   /* TAP wants UTF-8 */

      g_test_message ("%s", shown);
      g_assert_false (check (bad[i], NULL, &error));
      g_assert_error (error, DC_JSON_ERROR, DC_JSON_ERROR_INVALID);
    }
  g_assert_false (dc_json_check ("[1]\0", 4, &limits, NULL, NULL));   /* a NUL byte */
}

/* The crash of issue 15: deep nesting hidden behind a quote or a comment
 * that a scanner not knowing json-glib's grammar takes for a string. */
static void
test_hidden_nesting_is_refused (void)
{
  const char *prefixes[] = { "['\"', ", "/* \" */ ", "" };
  DcJsonLimits deep = { 64, 1 << 20 };

  for (gsize i = 0; i < G_N_ELEMENTS (prefixes); i++)
    {
      g_autoptr(GString) text = g_string_new (prefixes[i]);
      g_autoptr(GError) error = NULL;

      for (int n = 0; n < 100000; n++)
        g_string_append_c (text, '[');
      g_assert_null (dc_json_parse_bounded (text->str, text->len, &deep, NULL, &error));
      g_assert_nonnull (error);
    }
}

static void
test_limits (void)
{
  g_autoptr(GString) many = g_string_new ("[");
  g_autoptr(GError) deep_error = NULL;
  g_autoptr(GError) many_error = NULL;

  g_assert_false (check ("[[[[[[[[[]]]]]]]]]", NULL, &deep_error));
  g_assert_error (deep_error, DC_JSON_ERROR, DC_JSON_ERROR_TOO_DEEP);
  for (int n = 0; n < 64; n++)
    g_string_append (many, n ? ",{}" : "{}");
  g_string_append_c (many, ']');
  g_assert_false (check (many->str, NULL, &many_error));
  g_assert_error (many_error, DC_JSON_ERROR, DC_JSON_ERROR_TOO_LARGE);
}

static void
test_object_documents (void)
{
  g_autoptr(GError) size_error = NULL;
  g_autoptr(GError) type_error = NULL;

  g_assert_null (dc_json_parse_object ("{\"a\": 1}", 8, 4, &limits, &size_error));
  g_assert_error (size_error, DC_JSON_ERROR, DC_JSON_ERROR_TOO_LARGE);
  g_assert_null (dc_json_parse_object ("[1]", 3, 64, &limits, &type_error));
  g_assert_error (type_error, DC_JSON_ERROR, DC_JSON_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/plain-json-passes-counted", test_plain_json_passes_counted);
  g_test_add_func ("/json/anything-else-is-refused", test_anything_else_is_refused);
  g_test_add_func ("/json/hidden-nesting-is-refused", test_hidden_nesting_is_refused);
  g_test_add_func ("/json/limits", test_limits);
  g_test_add_func ("/json/object-documents", test_object_documents);
  return g_test_run ();
}
