/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the JSON gate and json-glib agree. Whatever
 * dc_json_check() accepts, json-glib parses; nothing makes either crash. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include <json-glib/json-glib.h>

#include "dc-json.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const DcJsonLimits limits = { 64, 128 * 1024 };
  g_autoptr(GError) error = NULL;
  gsize nodes = 0;

  if (dc_json_check ((const char *) data, size, &limits, &nodes, &error))
    {
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();

      g_assert_cmpuint (nodes, >=, 1);
      g_assert_true (json_parser_load_from_data (parser, (const char *) data, size, NULL));
    }
  else
    g_assert_nonnull (error);
  return 0;
}
