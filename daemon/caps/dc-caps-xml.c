/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-caps-xml.c: the XML formatter. */
#include "config.h"

#include "dc-caps-xml.h"

#include <libxml/xmlwriter.h>

static int
write_node (xmlTextWriterPtr writer, const DcCapsNode *node)
{
  if (xmlTextWriterStartElement (writer, BAD_CAST node->name) < 0)
    return -1;
  for (guint i = 0; i + 1 < node->attrs->len; i += 2)
    if (xmlTextWriterWriteAttribute (writer,
                                     BAD_CAST g_ptr_array_index (node->attrs, i),
                                     BAD_CAST g_ptr_array_index (node->attrs, i + 1)) < 0)
      return -1;
  if (node->text != NULL && xmlTextWriterWriteString (writer, BAD_CAST node->text) < 0)
    return -1;
  for (guint i = 0; i < node->children->len; i++)
    if (write_node (writer, g_ptr_array_index (node->children, i)) < 0)
      return -1;
  /* Text-only elements stay on one line: <path>/usr/bin/...</path>. */
  return node->text != NULL ? xmlTextWriterFullEndElement (writer)
                            : xmlTextWriterEndElement (writer);
}

char *
dc_caps_to_xml (const DcCapsNode *root, GError **error)
{
  xmlBufferPtr buffer = xmlBufferCreate ();
  xmlTextWriterPtr writer = xmlNewTextWriterMemory (buffer, 0);
  char *out = NULL;

  if (writer == NULL ||
      xmlTextWriterSetIndent (writer, 1) < 0 ||
      xmlTextWriterSetIndentString (writer, BAD_CAST "  ") < 0 ||
      xmlTextWriterSetQuoteChar (writer, '\'') < 0 ||
      write_node (writer, root) < 0 ||
      xmlTextWriterFlush (writer) < 0)
    g_set_error_literal (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                         "libxml2 could not write the document");
  else
    out = g_strndup ((const char *) xmlBufferContent (buffer),
                     xmlBufferLength (buffer));
  if (writer != NULL)
    xmlFreeTextWriter (writer);
  xmlBufferFree (buffer);
  return out;
}
