/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-reasons.c: reasons and their D-Bus and JSON forms. */
#include "config.h"

#include "dc-reasons.h"

#include <json-glib/json-glib.h>

DcReason *
dc_reason_new (const char *path, const char *state, const char *code,
               const char *facts, const char *message)
{
  DcReason *reason = g_new0 (DcReason, 1);

  reason->path = g_strdup (path);
  reason->state = g_strdup (state);
  reason->code = g_strdup (code);
  reason->facts = g_strdup (facts ? facts : "");
  reason->message = g_strdup (message);
  return reason;
}

void
dc_reason_free (DcReason *reason)
{
  g_free (reason->path);
  g_free (reason->state);
  g_free (reason->code);
  g_free (reason->facts);
  g_free (reason->message);
  g_free (reason);
}

GVariant *
dc_reasons_to_variant (GPtrArray *reasons)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sssss)"));
  for (guint i = 0; i < reasons->len; i++)
    {
      const DcReason *r = g_ptr_array_index (reasons, i);
      g_variant_builder_add (&builder, "(sssss)", r->path, r->state, r->code,
                             r->facts, r->message);
    }
  return g_variant_builder_end (&builder);
}

GPtrArray *
dc_reasons_from_variant (GVariant *variant)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_reason_free);
  const char *f[5];
  GVariantIter iter;

  g_variant_iter_init (&iter, variant);
  while (g_variant_iter_next (&iter, "(&s&s&s&s&s)", &f[0], &f[1], &f[2],
                              &f[3], &f[4]))
    g_ptr_array_add (out, dc_reason_new (f[0], f[1], f[2], f[3], f[4]));
  return out;
}

static void
add_member (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

char *
dc_reasons_to_json (GPtrArray *reasons)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < reasons->len; i++)
    {
      const DcReason *r = g_ptr_array_index (reasons, i);
      json_builder_begin_object (builder);
      add_member (builder, "path", r->path);
      add_member (builder, "state", r->state);
      add_member (builder, "code", r->code);
      add_member (builder, "facts", r->facts);
      add_member (builder, "message", r->message);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}
