/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-helper.c: a probe in a process of its own. */
#include "config.h"

#include "dc-helper.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "dc-cache.h"
#include "dc-facts-json.h"
#include "dc-json.h"
#include "dc-probe.h"

/* The helper gets this long beyond the probe's own deadline before the
 * daemon kills it, and after SIGTERM this long to cancel and reap. */
#define HELPER_GRACE_SECONDS 10
#define HELPER_TERM_GRACE_SECONDS 2

/* ---- the daemon's side ---- */

typedef struct {
  GSubprocess *process;
  GCancellable *cancellable;
  gulong cancelled_id;
  guint watchdog;
  gboolean timed_out;     /* the watchdog ended it */
} Call;

static void
call_free (Call *call)
{
  g_clear_handle_id (&call->watchdog, g_source_remove);
  if (call->cancelled_id != 0)
    g_cancellable_disconnect (call->cancellable, call->cancelled_id);
  g_clear_object (&call->cancellable);
  g_clear_object (&call->process);
  g_free (call);
}

static gboolean
on_watchdog (gpointer user_data)
{
  Call *call = user_data;

  call->watchdog = 0;
  call->timed_out = !g_cancellable_is_cancelled (call->cancellable);
  g_subprocess_force_exit (call->process);
  return G_SOURCE_REMOVE;
}

/* Cancelled: the helper cancels its probe on SIGTERM (its QEMU killed and
 * reaped); the watchdog ends it if it does not. */
static void
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  Call *call = user_data;

  g_subprocess_send_signal (call->process, SIGTERM);
  g_clear_handle_id (&call->watchdog, g_source_remove);
  call->watchdog = g_timeout_add_seconds (HELPER_TERM_GRACE_SECONDS, on_watchdog, call);
}

static DcEmulatorFacts *
parse_output (const char *text, GError **error)
{
  /* the helper prints what the cache stores: the cache file's limits */
  g_autoptr(JsonNode) root = text ? dc_json_parse_object (text, strlen (text),
                                                          DC_CACHE_MAX_SIZE,
                                                          &dc_cache_json_limits,
                                                          error)
                                  : NULL;
  JsonObject *object = root ? dc_json_node_object (root) : NULL;
  JsonObject *failure = object ? dc_json_get_object (object, "error") : NULL;
  gint64 code;

  if (root == NULL && text != NULL)
    return NULL;
  if (object == NULL)
    {
      g_set_error_literal (error, DC_PROBE_ERROR, DC_PROBE_ERROR_FAILED,
                           "the probe helper printed nothing");
      return NULL;
    }
  if (failure == NULL)
    return dc_emulator_facts_from_json (dc_json_get_object (object, "facts"), error);
  if (!dc_json_get_int (failure, "probe-code", &code) || code < 0 ||
      code > DC_PROBE_ERROR_UNUSABLE)
    code = DC_PROBE_ERROR_FAILED;
  g_set_error_literal (error, DC_PROBE_ERROR, code,
                       dc_json_get_string (failure, "message") ?: "the probe failed");
  return NULL;
}

static void
on_communicated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autofree char *out = NULL;
  GError *error = NULL;
  DcEmulatorFacts *facts;

  if (!g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &out,
                                             NULL, &error))
    return g_task_return_error (task, error);
  if (g_cancellable_is_cancelled (call->cancellable))
    return g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                    "the probe was cancelled");
  if (call->timed_out)
    return g_task_return_new_error (task, DC_PROBE_ERROR, DC_PROBE_ERROR_TIMEOUT,
                                    "the probe helper did not finish in time");
  if (g_subprocess_get_if_signaled (call->process))
    /* the OOM killer, say: a failure that may pass */
    return g_task_return_new_error (task, DC_PROBE_ERROR, DC_PROBE_ERROR_KILLED,
                                    "the probe helper was killed by signal %d",
                                    g_subprocess_get_term_sig (call->process));
  facts = parse_output (out && *out ? out : NULL, &error);
  if (facts == NULL)
    return g_task_return_error (task, error);
  g_task_return_pointer (task, facts, (GDestroyNotify) dc_emulator_facts_unref);
}

/* domcapsd-probe, installed beside the daemon's binary (or, in a build
 * tree, built beside it). */
static char *
helper_path (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self ? g_path_get_dirname (self) : g_strdup (LIBEXECDIR);

  return g_build_filename (dir, "domcapsd-probe", NULL);
}

static GSubprocess *
spawn_helper (const char *path, gboolean try_kvm, guint timeout_seconds,
              GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree char *timeout = g_strdup_printf ("%u", timeout_seconds);
  g_autofree char *helper = helper_path ();

  g_subprocess_launcher_set_child_setup (launcher, dc_probe_die_with_parent,
                                         GINT_TO_POINTER (getpid ()), NULL);
  return g_subprocess_launcher_spawn (launcher, error, helper,
                                      path, timeout, try_kvm ? "kvm" : "tcg",
                                      NULL);
}

void
dc_helper_probe_async (const char *path, gboolean try_kvm,
                       guint timeout_seconds, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  Call *call = g_new0 (Call, 1);
  GError *error = NULL;

  g_task_set_task_data (task, call, (GDestroyNotify) call_free);
  call->cancellable = cancellable ? g_object_ref (cancellable) : g_cancellable_new ();
  call->process = spawn_helper (path, try_kvm, timeout_seconds, &error);
  if (call->process == NULL)
    {
      g_prefix_error (&error, "cannot start the probe helper: ");
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  call->watchdog = g_timeout_add_seconds (timeout_seconds + HELPER_GRACE_SECONDS,
                                          on_watchdog, call);
  call->cancelled_id = g_cancellable_connect (call->cancellable,
                                              G_CALLBACK (on_cancelled), call, NULL);
  g_subprocess_communicate_utf8_async (call->process, NULL, NULL, on_communicated,
                                       task);
}

DcEmulatorFacts *
dc_helper_probe_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
