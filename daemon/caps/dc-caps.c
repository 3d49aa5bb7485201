/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-caps.c: the capability node tree. */
#include "config.h"

#include "dc-caps.h"

#include <string.h>

DcCapsNode *
dc_caps_node_new (const char *name)
{
  DcCapsNode *node = g_new0 (DcCapsNode, 1);

  node->name = g_strdup (name);
  node->attrs = g_ptr_array_new_with_free_func (g_free);
  node->children = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_caps_node_free);
  return node;
}

void
dc_caps_node_free (DcCapsNode *node)
{
  if (node == NULL)
    return;
  g_free (node->name);
  g_free (node->text);
  g_ptr_array_unref (node->attrs);
  g_ptr_array_unref (node->children);
  g_free (node);
}

DcCapsNode *
dc_caps_node_add (DcCapsNode *parent, const char *name)
{
  DcCapsNode *child = dc_caps_node_new (name);

  child->parent = parent;
  g_ptr_array_add (parent->children, child);
  return child;
}

static const char *node_key (const DcCapsNode *node);

static void
prepend_step (GString *path, const DcCapsNode *node)
{
  const char *key = node_key (node);
  g_autofree char *step = NULL;

  step = key ? g_strdup_printf ("%s[%s]", node->name, key) : g_strdup (node->name);
  if (path->len > 0)
    g_string_prepend_c (path, '/');
  g_string_prepend (path, step);
}

/* The key a path names @node by (its name attribute, a model's text). */
static const char *
node_key (const DcCapsNode *node)
{
  if (g_str_equal (node->name, "model") && node->text != NULL)
    return node->text;
  return dc_caps_node_get_attr (node, "name");
}

static DcCapsNode *
find_step (const DcCapsNode *node, const char *step)
{
  const char *open = strchr (step, '[');
  g_autofree char *name = open ? g_strndup (step, open - step) : g_strdup (step);
  g_autofree char *key = open ? g_strndup (open + 1, strlen (open + 1) - 1) : NULL;

  for (guint i = 0; i < node->children->len; i++)
    {
      DcCapsNode *child = g_ptr_array_index (node->children, i);

      if (g_str_equal (child->name, name) &&
          (key == NULL || g_strcmp0 (node_key (child), key) == 0))
        return child;
    }
  return NULL;
}

DcCapsNode *
dc_caps_node_at (const DcCapsNode *root, const char *path)
{
  g_auto(GStrv) steps = g_strsplit (path, "/", -1);
  DcCapsNode *node = (DcCapsNode *) root;

  for (guint i = 0; node != NULL && steps[i] != NULL; i++)
    node = find_step (node, steps[i]);
  return node;
}

gboolean
dc_caps_node_is_supported (const DcCapsNode *node)
{
  return node != NULL && g_strcmp0 (dc_caps_node_get_attr (node, "supported"), "yes") == 0;
}

gboolean
dc_caps_enum_has (const DcCapsNode *enum_node, const char *value)
{
  for (guint i = 0; enum_node != NULL && i < enum_node->children->len; i++)
    if (g_strcmp0 (((DcCapsNode *) g_ptr_array_index (enum_node->children, i))->text,
                   value) == 0)
      return TRUE;
  return FALSE;
}

char *
dc_caps_node_path (const DcCapsNode *node, const char *value)
{
  GString *path = g_string_new (value);

  for (; node != NULL && node->parent != NULL; node = node->parent)
    prepend_step (path, node);
  return g_string_free (path, FALSE);
}

DcCapsNode *
dc_caps_node_add_text (DcCapsNode *parent, const char *name, const char *text)
{
  DcCapsNode *child = dc_caps_node_add (parent, name);

  child->text = g_strdup (text);
  return child;
}

void
dc_caps_node_set_attr (DcCapsNode *node, const char *name, const char *value)
{
  for (guint i = 0; i + 1 < node->attrs->len; i += 2)
    if (g_str_equal (g_ptr_array_index (node->attrs, i), name))
      {
        g_free (g_ptr_array_index (node->attrs, i + 1));
        g_ptr_array_index (node->attrs, i + 1) = g_strdup (value);
        return;
      }
  g_ptr_array_add (node->attrs, g_strdup (name));
  g_ptr_array_add (node->attrs, g_strdup (value));
}

const char *
dc_caps_node_get_attr (const DcCapsNode *node, const char *name)
{
  for (guint i = 0; i + 1 < node->attrs->len; i += 2)
    if (g_str_equal (g_ptr_array_index (node->attrs, i), name))
      return g_ptr_array_index (node->attrs, i + 1);
  return NULL;
}

DcCapsNode *
dc_caps_node_add_supported (DcCapsNode *parent, const char *name,
                            gboolean supported)
{
  DcCapsNode *child = dc_caps_node_add (parent, name);

  dc_caps_node_set_attr (child, "supported", supported ? "yes" : "no");
  return child;
}

DcCapsNode *
dc_caps_node_add_enum (DcCapsNode *parent, const char *name)
{
  DcCapsNode *child = dc_caps_node_add (parent, "enum");

  dc_caps_node_set_attr (child, "name", name);
  return child;
}

void
dc_caps_enum_add (DcCapsNode *enum_node, const char *value)
{
  dc_caps_node_add_text (enum_node, "value", value);
}

DcCapsNode *
dc_caps_node_find (const DcCapsNode *node, const char *name)
{
  for (guint i = 0; i < node->children->len; i++)
    {
      DcCapsNode *child = g_ptr_array_index (node->children, i);
      if (g_str_equal (child->name, name))
        return child;
    }
  return NULL;
}

void
dc_caps_node_set_unsupported (DcCapsNode *node)
{
  g_ptr_array_set_size (node->children, 0);
  dc_caps_node_set_attr (node, "supported", "no");
}
