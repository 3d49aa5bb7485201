/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-domain-xml.c: a domain XML from an unprivileged caller, parsed
 * bounded. */
#include "config.h"

#include "dc-domain-xml.h"

#include <string.h>

#include "dc-errors.h"

/* ---- what the input must be before a parser sees it ---- */

static gboolean
input_acceptable (const char *xml, GError **error)
{
  gsize length = strlen (xml);

  if (length > DC_DOMAIN_XML_MAX_SIZE)
    g_set_error (error, DC_ERROR, DC_ERROR_INVALID_ARGUMENT,
                 "the domain XML is %" G_GSIZE_FORMAT " bytes; at most %d are taken",
                 length, DC_DOMAIN_XML_MAX_SIZE);
  else if (!g_utf8_validate (xml, length, NULL))
    g_set_error_literal (error, DC_ERROR, DC_ERROR_INVALID_ARGUMENT,
                         "the domain XML is not valid UTF-8");
  /* no DTD, hence no entity to expand and nothing to fetch */
  else if (strstr (xml, "<!DOCTYPE") != NULL || strstr (xml, "<!ENTITY") != NULL)
    g_set_error_literal (error, DC_ERROR, DC_ERROR_INVALID_ARGUMENT,
                         "the domain XML has a DTD or an entity declaration; "
                         "neither is taken");
  else
    return TRUE;
  return FALSE;
}

static gboolean
within_depth (xmlNode *node, guint depth)
{
  if (depth > DC_DOMAIN_XML_MAX_DEPTH)
    return FALSE;
  for (xmlNode *child = node->children; child != NULL; child = child->next)
    if (child->type == XML_ELEMENT_NODE && !within_depth (child, depth + 1))
      return FALSE;
  return TRUE;
}

static xmlDoc *
parse (const char *xml, GError **error)
{
  xmlParserCtxt *ctxt = xmlNewParserCtxt ();
  xmlDoc *doc;

  if (ctxt == NULL)
    {
      g_set_error_literal (error, DC_ERROR, DC_ERROR_INVALID_ARGUMENT,
                           "no memory to parse the domain XML");
      return NULL;
    }
  doc = xmlCtxtReadMemory (ctxt, xml, (int) strlen (xml), "domain.xml", "UTF-8",
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                           XML_PARSE_NOCDATA);
  if (doc == NULL)
    {
      const xmlError *e = xmlCtxtGetLastError (ctxt);

      g_set_error (error, DC_ERROR, DC_ERROR_INVALID_ARGUMENT,
                   "the domain XML is not well-formed: line %d: %s",
                   e ? e->line : 0, e && e->message ? g_strstrip (e->message) : "?");
    }
  else if (xmlDocGetRootElement (doc) == NULL ||
           !xmlStrEqual (xmlDocGetRootElement (doc)->name, BAD_CAST "domain"))
    {
      g_set_error_literal (error, DC_ERROR, DC_ERROR_INVALID_ARGUMENT,
                           "the root element is not <domain>");
      g_clear_pointer (&doc, xmlFreeDoc);
    }
  else if (!within_depth (xmlDocGetRootElement (doc), 1))
    {
      g_set_error (error, DC_ERROR, DC_ERROR_INVALID_ARGUMENT,
                   "the domain XML nests deeper than %d elements", DC_DOMAIN_XML_MAX_DEPTH);
      g_clear_pointer (&doc, xmlFreeDoc);
    }
  xmlFreeParserCtxt (ctxt);
  return doc;
}

xmlDoc *
dc_domain_xml_parse (const char *xml, GError **error)
{
  return input_acceptable (xml, error) ? parse (xml, error) : NULL;
}
