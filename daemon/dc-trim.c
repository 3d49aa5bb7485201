/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-trim.c: malloc_trim() after bursts of work, once quiet. */
#include "config.h"

#include "dc-trim.h"

#include <malloc.h>

struct _DcTrim {
  guint source;
  gint64 busy_at;          /* monotonic µs of the last work that may free */
};

DcTrim *
dc_trim_new (void)
{
  return g_new0 (DcTrim, 1);
}

void
dc_trim_free (DcTrim *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->source, g_source_remove);
  g_free (self);
}

static gboolean
on_trim (gpointer user_data)
{
  DcTrim *self = user_data;

  if (g_get_monotonic_time () - self->busy_at < DC_TRIM_DELAY_MS * 1000)
    return G_SOURCE_CONTINUE;
  self->source = 0;
  malloc_trim (0);
  return G_SOURCE_REMOVE;
}

void
dc_trim_schedule (DcTrim *self)
{
  self->busy_at = g_get_monotonic_time ();
  if (self->source == 0)
    self->source = g_timeout_add (DC_TRIM_DELAY_MS, on_trim, self);
}
