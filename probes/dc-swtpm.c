/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-swtpm.c: asking swtpm_setup what TPMs it can set up. */
#include "config.h"

#include "dc-swtpm.h"

#include <inttypes.h>
#include <sys/stat.h>

#define SWTPM_TIMEOUT_SECONDS 5
#define SWTPM_MAX_OUTPUT 65536

typedef struct {
  DcHostFacts *facts;
  GSubprocess *process;
  GCancellable *cancellable;
  guint timeout_id;
} SwtpmProbe;

static void
swtpm_probe_free (SwtpmProbe *probe)
{
  if (probe->timeout_id != 0)
    g_source_remove (probe->timeout_id);
  if (probe->process != NULL)
    g_subprocess_force_exit (probe->process);
  g_clear_object (&probe->process);
  g_clear_object (&probe->cancellable);
  g_free (probe);
}

static gboolean
on_swtpm_timeout (gpointer user_data)
{
  SwtpmProbe *probe = user_data;

  probe->timeout_id = 0;
  g_cancellable_cancel (probe->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_swtpm_output (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SwtpmProbe *probe = g_task_get_task_data (task);
  g_autoptr(GBytes) out = NULL;
  GError *error = NULL;

  if (!g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &out,
                                        NULL, &error))
    return g_task_return_error (task, error);
  if (g_bytes_get_size (out) > SWTPM_MAX_OUTPUT)
    return g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                    "swtpm_setup printed too much");
  {
    g_autofree char *text = g_strndup (g_bytes_get_data (out, NULL),
                                       g_bytes_get_size (out));
    if (!dc_host_facts_parse_swtpm (probe->facts, text, &error))
      return g_task_return_error (task, error);
    g_task_return_pointer (task, g_steal_pointer (&text), g_free);
  }
}

void
dc_host_facts_probe_swtpm_async (DcHostFacts *facts, const char *swtpm_setup,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *program = swtpm_setup ? g_strdup (swtpm_setup)
                                         : g_find_program_in_path ("swtpm_setup");
  SwtpmProbe *probe = g_new0 (SwtpmProbe, 1);
  GError *error = NULL;

  probe->facts = facts;
  probe->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, probe, (GDestroyNotify) swtpm_probe_free);
  if (program == NULL)
    return g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                    "swtpm_setup is not installed");
  probe->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                     G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                     &error, program, "--print-capabilities",
                                     NULL);
  if (probe->process == NULL)
    return g_task_return_error (task, error);
  probe->timeout_id = g_timeout_add_seconds (SWTPM_TIMEOUT_SECONDS,
                                             on_swtpm_timeout, probe);
  g_subprocess_communicate_async (probe->process, NULL, probe->cancellable,
                                  on_swtpm_output, g_steal_pointer (&task));
}

gboolean
dc_host_facts_probe_swtpm_finish (GAsyncResult *result, char **output,
                                  GError **error)
{
  g_autofree char *text = g_task_propagate_pointer (G_TASK (result), error);

  if (text == NULL)
    return FALSE;
  if (output != NULL)
    *output = g_steal_pointer (&text);
  return TRUE;
}

static void
add_identity (GString *identity, const char *program)
{
  g_autofree char *path = g_find_program_in_path (program);
  struct stat st;

  if (path == NULL || stat (path, &st) != 0)
    {
      g_string_append_printf (identity, "%s: none; ", program);
      return;
    }
  g_string_append_printf (identity, "%s: %s %ju %ju %jd %jd.%09ld %jd.%09ld; ",
                          program, path, (uintmax_t) st.st_dev, (uintmax_t) st.st_ino,
                          (intmax_t) st.st_size, (intmax_t) st.st_mtim.tv_sec,
                          st.st_mtim.tv_nsec, (intmax_t) st.st_ctim.tv_sec,
                          st.st_ctim.tv_nsec);
}

char *
dc_swtpm_identity (void)
{
  g_autofree char *setup = g_find_program_in_path ("swtpm_setup");
  GString *identity;

  if (setup == NULL)
    return NULL;
  identity = g_string_new (NULL);
  add_identity (identity, "swtpm_setup");
  add_identity (identity, "swtpm");
  return g_string_free (identity, FALSE);
}
