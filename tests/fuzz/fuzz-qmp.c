/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: one QMP message through the bounded parser. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "dc-qmp.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = dc_qmp_parse_line ((const char *) data, size,
                                      &dc_qmp_default_limits, NULL, &error);

  g_assert ((node == NULL) == (error != NULL));
  if (node != NULL)
    json_node_unref (node);
  return 0;
}
