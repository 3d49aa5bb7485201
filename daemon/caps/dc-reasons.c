/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-reasons.c: reasons and their D-Bus and JSON forms. */
#include "config.h"

#include "dc-reasons.h"

#include "dc-json.h"

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

char *
dc_reasons_to_json (GPtrArray *reasons)
{
  static const char *const members[] = { "path", "state", "code", "facts", "message" };

  G_STATIC_ASSERT (sizeof (DcReason) == G_N_ELEMENTS (members) * sizeof (char *));
  return dc_json_string_records (reasons, members, G_N_ELEMENTS (members),
                                 G_N_ELEMENTS (members));
}
