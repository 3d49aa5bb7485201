/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-domain-xml.h: a domain XML from an unprivileged caller, parsed
 * bounded (ValidateDomain's input).
 *
 * Refused before a parser sees it: more than DC_DOMAIN_XML_MAX_SIZE
 * bytes, invalid UTF-8, a DTD or an entity declaration (so no entity is
 * ever expanded and nothing fetched: billion laughs, XXE). Refused after:
 * a root that is not <domain>, nesting deeper than DC_DOMAIN_XML_MAX_DEPTH.
 * libxml2 parses without network access. Tested by fuzzing
 * (tests/fuzz/fuzz-domain.c) and the hostile suite. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#define DC_DOMAIN_XML_MAX_SIZE (1024 * 1024)
#define DC_DOMAIN_XML_MAX_DEPTH 64

/* The document, or NULL and DC_ERROR_INVALID_ARGUMENT saying why (with
 * the parser's line for a document that is not well-formed). */
xmlDoc *dc_domain_xml_parse (const char *xml, GError **error);
