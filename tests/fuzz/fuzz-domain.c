/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: ValidateDomain's input gate and parser. Whatever the
 * bytes, dc_domain_xml_parse() returns a <domain> document within the
 * depth limit or an error; never a crash, a hang or a leak. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dc-domain-xml.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  xmlDoc *doc = dc_domain_xml_parse (text, &error);

  if (doc != NULL)
    {
      g_assert_no_error (error);
      g_assert_true (xmlStrEqual (xmlDocGetRootElement (doc)->name, BAD_CAST "domain"));
      xmlFreeDoc (doc);
    }
  else
    g_assert_nonnull (error);
  return 0;
}
