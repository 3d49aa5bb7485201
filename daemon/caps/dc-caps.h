/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-caps.h: the DomainCaps model, an ordered tree of capability nodes.
 *
 * The renderer builds it; the XML formatter walks it. A node has a name,
 * attributes in order, optional text and children in order. An <enum> is a
 * node too, with <value> children, so the formatter needs no special case. */
#pragma once

#include <glib.h>

typedef struct _DcCapsNode DcCapsNode;
struct _DcCapsNode {
  char *name;
  GPtrArray *attrs;     /* alternating name, value (char *) */
  char *text;           /* NULL for none */
  GPtrArray *children;  /* of DcCapsNode */
  DcCapsNode *parent;   /* NULL for the root */
};

DcCapsNode *dc_caps_node_new (const char *name);
void dc_caps_node_free (DcCapsNode *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcCapsNode, dc_caps_node_free)

/* Appends a child and returns it (owned by @parent). */
DcCapsNode *dc_caps_node_add (DcCapsNode *parent, const char *name);
/* Appends <NAME>TEXT</NAME>. */
DcCapsNode *dc_caps_node_add_text (DcCapsNode *parent, const char *name,
                                   const char *text);
void dc_caps_node_set_attr (DcCapsNode *node, const char *name,
                            const char *value);
/* Appends <NAME supported='yes|no'/> and returns it. */
DcCapsNode *dc_caps_node_add_supported (DcCapsNode *parent, const char *name,
                                        gboolean supported);
/* Appends <enum name='NAME'/> and returns it; values come with
 * dc_caps_enum_add(). An enum with no value is written empty, as libvirt
 * does for an enum it reports but cannot fill. */
DcCapsNode *dc_caps_node_add_enum (DcCapsNode *parent, const char *name);
void dc_caps_enum_add (DcCapsNode *enum_node, const char *value);

const char *dc_caps_node_get_attr (const DcCapsNode *node, const char *name);
/* The first child called @name, or NULL. */
DcCapsNode *dc_caps_node_find (const DcCapsNode *node, const char *name);
/* Where @node is in the document, as reasons name it: element names from
 * below the root, an element with a name attribute (enum, mode) or a
 * model as NAME[KEY] ("devices/video/enum[modelType]",
 * "cpu/mode[custom]/model[Broadwell]"), and @value, if given, appended
 * as one more step (an enum's value). */
char *dc_caps_node_path (const DcCapsNode *node, const char *value);
/* The node at @path below @root (steps as dc_caps_node_path() writes
 * them; a step without [KEY] takes the first of that name), or NULL. */
DcCapsNode *dc_caps_node_at (const DcCapsNode *root, const char *path);
/* Whether @node is there and says supported='yes'. */
gboolean dc_caps_node_is_supported (const DcCapsNode *node);
/* Whether the enum @enum_node (may be NULL) lists @value. */
gboolean dc_caps_enum_has (const DcCapsNode *enum_node, const char *value);

/* Drops every child of a supported='no' element, as libvirt writes it. */
void dc_caps_node_set_unsupported (DcCapsNode *node);
