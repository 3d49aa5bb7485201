/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ctl-direct.c: the one-shot mode's engine, run to completion. */
#include "config.h"

#include "ctl-direct.h"

static void
on_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

DcEngine *
ctl_direct_open (const CtlDirectOptions *options, const char *emulatorbin,
                 const char *arch, gboolean all)
{
  DcEngineOptions engine_options = {
    .emulator_dirs = (const char *const *) options->emulator_dirs,
    .firmware_dirs = (const char *const *) options->firmware_dirs,
    .cache_dir = options->cache_dir,
    .host_root = options->host_root,
    .probe_timeout = options->probe_timeout,
  };
  DcEngine *engine = dc_engine_new (&engine_options);
  g_autoptr(GAsyncResult) result = NULL;

  if (all)
    dc_engine_start_async (engine, NULL, on_started, &result);
  else
    dc_engine_start_for_query_async (engine, emulatorbin, arch, on_started,
                                     &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  dc_engine_start_finish (engine, result);
  return engine;
}

static gboolean
is_probe_outcome (const GLogField *fields, gsize n_fields)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "DOMCAPSD_OUTCOME"))
      return TRUE;
  return FALSE;
}

/* Keeps stderr for what the user must act on: a probe's failure reaches
 * the user through the answer (ProbeFailed) when it matters, and an
 * emulator the query did not pick failing is no news. */
static GLogWriterOutput
quiet_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields,
              gpointer user_data)
{
  if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG) ||
      is_probe_outcome (fields, n_fields))
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_standard_streams (level, fields, n_fields, user_data);
}

void
ctl_direct_quiet_logs (gboolean verbose)
{
  if (verbose)
    g_log_set_debug_enabled (TRUE);
  else
    g_log_set_writer_func (quiet_writer, NULL, NULL);
}
