/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-probe.c: spawning QEMU and holding the probe conversation. */
#include "config.h"

#include "dc-probe.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dc-cpu-qmp.h"
#include "dc-facts-qmp.h"
#include "dc-qmp.h"

G_DEFINE_QUARK (dc-probe-error-quark, dc_probe_error)

#define QMP_CHILD_FD 3
#define STDERR_KEEP 4096
/* A process whose conversation broke is given this long to be seen dead
 * (polled every DEATH_POLL_MS) before it is judged and killed. */
#define DEATH_GRACE_MS 200
#define DEATH_POLL_MS 5
/* An emulator that exited is given this long for its conversation to end. */
#define LEADER_GRACE_MS 200

/* What a probe process is asked. The facts that do not depend on the
 * accelerator (the machines, types, schema, ...) come from the tcg
 * process, or from the kvm process where tcg did not answer (some builds
 * run only one: qemu-system-x86_64-microvm has no tcg); a kvm process
 * after a tcg one that answered asks only what depends on it. */
static const struct {
  const char *command;
  const char *arguments;   /* JSON, or NULL */
  gboolean per_accel;      /* its answer depends on the accelerator */
} probe_commands[] = {
  { "query-version", NULL, FALSE },
  { "query-target", NULL, TRUE },   /* the kvm facts check it */
  { "query-machines", NULL, FALSE },
  { "qom-list-types", NULL, FALSE },
  { "query-qmp-schema", NULL, FALSE },
  { "query-tpm-models", NULL, FALSE },
  { "query-tpm-types", NULL, FALSE },
  { "query-kvm", NULL, TRUE },           /* deprecated by QEMU 11.1 ... */
  { "query-accelerators", NULL, TRUE },  /* ... for this (an error before 11.0) */
  { "query-gic-capabilities", NULL, TRUE },
  { "query-sgx-capabilities", NULL, TRUE },
  { "query-sev-capabilities", NULL, TRUE },
  { "query-cpu-definitions", NULL, TRUE },
  { "query-command-line-options", NULL, FALSE },
  /* x86's machine options (i8042: ps2); elsewhere an error, harmless. */
  { "qom-list-properties", "{\"typename\": \"" DC_PC_MACHINE_TYPE "\"}", FALSE },
  /* Which Hyper-V enlightenments KVM can pass through. */
  { "query-cpu-model-expansion",
    "{\"type\": \"full\", \"model\": {\"name\": \"host\","
    " \"props\": {\"hv-passthrough\": true}}}", TRUE },
};

GPtrArray *
dc_probe_conversation_new (const char *accel, gboolean whole)
{
  GPtrArray *exchanges =
    g_ptr_array_new_with_free_func ((GDestroyNotify) dc_qmp_exchange_free);

  for (gsize i = 0; i < G_N_ELEMENTS (probe_commands); i++)
    {
      g_autoptr(JsonNode) arguments = NULL;

      if (!whole && !probe_commands[i].per_accel)
        continue;
      arguments = probe_commands[i].arguments
        ? json_from_string (probe_commands[i].arguments, NULL) : NULL;

      g_ptr_array_add (exchanges, dc_qmp_exchange_new (probe_commands[i].command,
                                                       arguments));
    }
  return exchanges;
}

/* ---- one process ---- */

typedef struct {
  char *path;
  char *accel;
  guint timeout_seconds;
  GSubprocess *process;
  GSocketConnection *connection;
  GPtrArray *exchanges;
  int stderr_fd;
  GCancellable *cancellable;    /* ours: cancelled at the deadline too */
  GCancellable *caller_cancellable;
  gulong caller_handler;
  GSource *deadline;
  gboolean timed_out;
  int killed_by;        /* signal that ended it before we did, or 0 */
  gint64 death_deadline;/* monotonic µs: how long it may take to be seen dead */
  gboolean conversed;   /* the conversation ended */
  gboolean leader_gone; /* the emulator exited, and something it left kept
                         * the socket open */
  gboolean followed_up;
  char *runs;           /* what the process ran once it answered */
  GError *error;
} ProcessProbe;

static void
process_probe_free (ProcessProbe *probe)
{
  if (probe->deadline != NULL)
    {
      g_source_destroy (probe->deadline);
      g_source_unref (probe->deadline);
    }
  if (probe->caller_cancellable != NULL)
    g_cancellable_disconnect (probe->caller_cancellable, probe->caller_handler);
  g_clear_object (&probe->caller_cancellable);
  g_clear_object (&probe->cancellable);
  g_clear_object (&probe->connection);
  g_clear_object (&probe->process);
  g_clear_pointer (&probe->exchanges, g_ptr_array_unref);
  if (probe->stderr_fd >= 0)
    close (probe->stderr_fd);
  g_clear_error (&probe->error);
  g_free (probe->path);
  g_free (probe->accel);
  g_free (probe->runs);
  g_free (probe);
}

void
dc_probe_die_with_parent (gpointer parent_pid)
{
  /* Dies with the daemon, even when the daemon is killed with SIGKILL;
   * if it died already (between fork and here), the signal will never
   * come: leave at once. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != (pid_t) GPOINTER_TO_INT (parent_pid))
    _exit (1);
}

static void
child_setup (gpointer user_data)
{
  dc_probe_die_with_parent (user_data);
  /* Leads a process group of its own, so that whatever it forks (and
   * which may hold the QMP socket and ignore SIGTERM) ends with it. */
  setpgid (0, 0);
}

/* Ends the probe's process and everything in its group. Called before
 * the process is reaped, so the group's id cannot belong to another. */
static void
kill_process_group (ProcessProbe *probe)
{
  const char *id = g_subprocess_get_identifier (probe->process);

  if (id != NULL)
    kill (-(pid_t) g_ascii_strtoll (id, NULL, 10), SIGKILL);
  g_subprocess_force_exit (probe->process);
}

/* Whether the process has died, peeked at without reaping it (WNOWAIT),
 * or read from GSubprocess when GLib reaped it already; and, if a signal
 * ended it, which (*@died_by, else 0). */
static gboolean
peek_death (ProcessProbe *probe, int *died_by)
{
  const char *id = g_subprocess_get_identifier (probe->process);
  siginfo_t info = { 0 };

  *died_by = 0;
  if (id == NULL)
    {
      if (g_subprocess_get_if_signaled (probe->process))
        *died_by = g_subprocess_get_term_sig (probe->process);
      return TRUE;
    }
  if (waitid (P_PID, (id_t) g_ascii_strtoll (id, NULL, 10), &info,
              WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0)
    return FALSE;
  if (info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED)
    *died_by = info.si_status;
  return TRUE;
}

static char *
read_stderr (int fd)
{
  char buf[STDERR_KEEP + 1];
  ssize_t n = pread (fd, buf, STDERR_KEEP, 0);

  if (n <= 0)
    return g_strdup ("");
  buf[n] = '\0';
  return g_strstrip (g_utf8_make_valid (buf, n));
}

static GSubprocess *
spawn_qemu (ProcessProbe *probe, int child_fd, GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  /* split-wx keeps TCG's JIT from ever mapping memory writable and
   * executable at once, so probing works under MemoryDenyWriteExecute=. */
  g_autofree char *accel = g_str_equal (probe->accel, "tcg")
                             ? g_strdup ("tcg,split-wx=on")
                             : g_strdup (probe->accel);
  g_autofree char *chardev = g_strdup_printf ("socket,id=qmp,fd=%d",
                                              QMP_CHILD_FD);
  const char *const env[] = { "LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                              NULL };
  int stderr_copy = dup (probe->stderr_fd);

  if (stderr_copy < 0)
    {
      g_set_error (error, DC_PROBE_ERROR, DC_PROBE_ERROR_SPAWN,
                   "dup: %s", g_strerror (errno));
      return NULL;
    }
  g_subprocess_launcher_set_environ (launcher, (char **) env);
  g_subprocess_launcher_take_stderr_fd (launcher, stderr_copy);
  g_subprocess_launcher_take_fd (launcher, child_fd, QMP_CHILD_FD);
  g_subprocess_launcher_set_child_setup (launcher, child_setup,
                                         GINT_TO_POINTER (getpid ()), NULL);
  return g_subprocess_launcher_spawn (launcher, error, probe->path,
                                      "-S", "-no-user-config", "-nodefaults",
                                      "-nographic", "-machine", "none",
                                      "-accel", accel,
                                      "-chardev", chardev,
                                      "-qmp", "chardev:qmp",
                                      NULL);
}

static GSocketConnection *
wrap_socket (int fd, GError **error)
{
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, error);

  if (socket == NULL)
    {
      close (fd);
      return NULL;
    }
  return g_socket_connection_factory_create_connection (socket);
}

static gboolean
on_deadline (gpointer user_data)
{
  ProcessProbe *probe = user_data;

  probe->timed_out = TRUE;
  g_cancellable_cancel (probe->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *caller, gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static GError *
describe_failure (ProcessProbe *probe)
{
  g_autofree char *stderr_text = read_stderr (probe->stderr_fd);

  if (probe->timed_out)
    return g_error_new (DC_PROBE_ERROR, DC_PROBE_ERROR_TIMEOUT,
                        "%s (%s) gave no full answer within %u s%s%s",
                        probe->path, probe->accel, probe->timeout_seconds,
                        stderr_text[0] ? ": " : "", stderr_text);
  if (probe->killed_by != 0)
    return g_error_new (DC_PROBE_ERROR, DC_PROBE_ERROR_KILLED,
                        "%s (%s) was killed by signal %d (%s)", probe->path,
                        probe->accel, probe->killed_by, g_strsignal (probe->killed_by));
  if (probe->leader_gone)
    return g_error_new (DC_PROBE_ERROR, DC_PROBE_ERROR_FAILED,
                        "%s (%s) exited before it answered, and a process it "
                        "left behind kept its QMP socket open%s%s", probe->path,
                        probe->accel, stderr_text[0] ? "; it printed: " : "",
                        stderr_text);
  /* Our reason first; what the emulator printed may be anything. */
  return g_error_new (DC_PROBE_ERROR, DC_PROBE_ERROR_FAILED,
                      "%s (%s) failed: %s%s%s", probe->path, probe->accel,
                      probe->error->message,
                      stderr_text[0] ? "; it printed: " : "", stderr_text);
}

static void
on_reaped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  ProcessProbe *probe = g_task_get_task_data (task);

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  if (probe->error == NULL)
    {
      /* A deprecation today is a failure tomorrow: say it now. */
      g_autofree char *stderr_text = read_stderr (probe->stderr_fd);

      if (stderr_text[0] != '\0')
        g_message ("%s (%s) printed while being probed: %s", probe->path,
                   probe->accel, stderr_text);
      return g_task_return_pointer (task, g_ptr_array_ref (probe->exchanges),
                                    (GDestroyNotify) g_ptr_array_unref);
    }
  if (probe->caller_cancellable != NULL &&
      g_cancellable_is_cancelled (probe->caller_cancellable))
    return g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                    "probe of %s cancelled", probe->path);
  g_task_return_error (task, describe_failure (probe));
}

/* Nothing more is wanted from this process: why it ended is noted, then
 * it and its group are killed and it is reaped. */
static void
end_process (GTask *task)
{
  ProcessProbe *probe = g_task_get_task_data (task);

  /* the signal that ended it before we killed it, if one did */
  if (probe->error != NULL)
    peek_death (probe, &probe->killed_by);
  kill_process_group (probe);
  g_subprocess_wait_async (probe->process, NULL, on_reaped, task);
}

static gboolean
on_death_poll (gpointer user_data)
{
  GTask *task = user_data;
  ProcessProbe *probe = g_task_get_task_data (task);
  int died_by;

  if (!peek_death (probe, &died_by) && g_get_monotonic_time () < probe->death_deadline)
    return G_SOURCE_CONTINUE;
  end_process (task);
  return G_SOURCE_REMOVE;
}

static gboolean
on_leader_grace_over (gpointer user_data)
{
  ProcessProbe *probe = g_task_get_task_data (user_data);

  if (!probe->conversed)
    {
      probe->leader_gone = TRUE;
      g_cancellable_cancel (probe->cancellable);
    }
  return G_SOURCE_REMOVE;
}

/* The emulator itself exited. Its last replies may still be on their way
 * (after quit), so the conversation gets LEADER_GRACE_MS to end on its
 * own; if it does not, a process the emulator left behind holds the
 * socket, and waiting for the deadline would be waiting for nothing. */
static void
on_leader_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  ProcessProbe *probe = g_task_get_task_data (task);

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  if (!probe->conversed)
    g_timeout_add_full (G_PRIORITY_DEFAULT, LEADER_GRACE_MS, on_leader_grace_over,
                        g_object_ref (task), g_object_unref);
}

/* The executable @process runs now, resolved: the emulator itself, or
 * the binary a wrapper script exec'd (Debian's qemu-system-i386 runs
 * /usr/libexec/qemu-system-i386); NULL if it cannot be told. */
static char *
running_binary (GSubprocess *process)
{
  const char *pid = g_subprocess_get_identifier (process);
  g_autofree char *link = pid ? g_strdup_printf ("/proc/%s/exe", pid) : NULL;
  char *target = link ? realpath (link, NULL) : NULL;
  char *copy = g_strdup (target);

  free (target);
  return copy;
}

static void
on_conversed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  ProcessProbe *probe = g_task_get_task_data (task);

  probe->conversed = TRUE;
  dc_qmp_converse_finish (result, &probe->error);
  if (probe->error == NULL)
    probe->runs = running_binary (probe->process);
  g_io_stream_close (G_IO_STREAM (probe->connection), NULL, NULL);
  /* A QEMU killed by a signal closes its socket on its way out, a moment
   * before the kernel reports it dead; what ended it decides whether the
   * failure may pass, so a broken conversation waits (DEATH_GRACE_MS at
   * most) to see it dead before judging, whichever event came first. */
  if (probe->error == NULL || g_cancellable_is_cancelled (probe->cancellable) ||
      probe->leader_gone)
    return end_process (task);
  probe->death_deadline = g_get_monotonic_time () + DEATH_GRACE_MS * 1000;
  g_timeout_add (DEATH_POLL_MS, on_death_poll, task);
}

/* The second round asks about the CPU models the first one listed. */
static void
follow_up (GPtrArray *exchanges, gpointer user_data)
{
  ProcessProbe *probe = user_data;

  if (probe->followed_up)
    return;
  probe->followed_up = TRUE;
  dc_cpu_follow_up (exchanges, probe->accel);
}

static gboolean
start_process (ProcessProbe *probe, GError **error)
{
  int fds[2];

  probe->stderr_fd = memfd_create ("qemu-stderr", MFD_CLOEXEC);
  if (probe->stderr_fd < 0 ||
      socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
    {
      g_set_error (error, DC_PROBE_ERROR, DC_PROBE_ERROR_SPAWN,
                   "cannot prepare probe of %s: %s", probe->path,
                   g_strerror (errno));
      return FALSE;
    }
  probe->process = spawn_qemu (probe, fds[1], error);
  if (probe->process == NULL)
    {
      close (fds[0]);
      return FALSE;
    }
  probe->connection = wrap_socket (fds[0], error);
  if (probe->connection == NULL)
    {
      kill_process_group (probe);
      return FALSE;
    }
  return TRUE;
}

static void
process_async (const char *path, const char *accel, gboolean whole,
               guint timeout_seconds, GCancellable *cancellable,
               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  ProcessProbe *probe = g_new0 (ProcessProbe, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, dc_probe_process_async);
  probe->path = g_strdup (path);
  probe->accel = g_strdup (accel);
  probe->timeout_seconds = timeout_seconds;
  probe->stderr_fd = -1;
  probe->cancellable = g_cancellable_new ();
  probe->exchanges = dc_probe_conversation_new (accel, whole);
  g_task_set_task_data (task, probe, (GDestroyNotify) process_probe_free);
  if (!start_process (probe, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (cancellable != NULL)
    {
      probe->caller_cancellable = g_object_ref (cancellable);
      probe->caller_handler = g_cancellable_connect (cancellable,
                                                     G_CALLBACK (on_caller_cancelled),
                                                     g_object_ref (probe->cancellable),
                                                     g_object_unref);
    }
  g_subprocess_wait_async (probe->process, NULL, on_leader_exited, g_object_ref (task));
  probe->deadline = g_timeout_source_new_seconds (timeout_seconds);
  g_source_set_callback (probe->deadline, on_deadline, probe, NULL);
  g_source_attach (probe->deadline, g_main_context_get_thread_default ());
  dc_qmp_converse_rounds_async (G_IO_STREAM (probe->connection),
                                probe->exchanges, &dc_qmp_default_limits,
                                follow_up, probe, probe->cancellable,
                                on_conversed, task);
}

void
dc_probe_process_async (const char *path, const char *accel,
                        guint timeout_seconds, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  process_async (path, accel, TRUE, timeout_seconds, cancellable, callback,
                 user_data);
}

GPtrArray *
dc_probe_process_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* What the process of @result ran once it answered, or NULL. */
static const char *
process_runs (GAsyncResult *result)
{
  ProcessProbe *probe = g_task_get_task_data (G_TASK (result));

  return probe->runs;
}

/* ---- a whole emulator ---- */

typedef struct {
  char *path;
  gboolean try_kvm;
  guint timeout_seconds;
  gint64 started;          /* monotonic, µs */
  GCancellable *cancellable;
  GPtrArray *tcg;
  GPtrArray *kvm;
  GError *tcg_error;
  GError *kvm_error;
  char *runs;              /* what the first process that answered ran */
} EmulatorProbe;

static void
emulator_probe_free (EmulatorProbe *probe)
{
  g_free (probe->path);
  g_clear_object (&probe->cancellable);
  g_clear_pointer (&probe->tcg, g_ptr_array_unref);
  g_clear_pointer (&probe->kvm, g_ptr_array_unref);
  g_clear_error (&probe->tcg_error);
  g_clear_error (&probe->kvm_error);
  g_free (probe->runs);
  g_free (probe);
}

gboolean
dc_probe_error_is_transient (const GError *error)
{
  return g_error_matches (error, DC_PROBE_ERROR, DC_PROBE_ERROR_TIMEOUT) ||
         g_error_matches (error, DC_PROBE_ERROR, DC_PROBE_ERROR_KILLED);
}

/* Whether the tcg process failed because the build has no TCG at all
 * (Debian's qemu-system-x86_64-microvm): QEMU's own words for it, which
 * it has printed since before 6.2. */
static gboolean
without_tcg (const GError *tcg_error)
{
  return g_error_matches (tcg_error, DC_PROBE_ERROR, DC_PROBE_ERROR_FAILED) &&
         strstr (tcg_error->message, "invalid accelerator tcg") != NULL;
}

static void
emulator_probe_complete (GTask *task)
{
  EmulatorProbe *probe = g_task_get_task_data (task);
  GError *error = NULL;
  DcEmulatorFacts *facts;

  if (probe->kvm == NULL && without_tcg (probe->tcg_error))
    return g_task_return_new_error (task, DC_PROBE_ERROR, DC_PROBE_ERROR_UNUSABLE,
                                    "%s is built without TCG and needs KVM, which "
                                    "%s (QEMU said: invalid accelerator tcg)",
                                    probe->path, probe->try_kvm
                                      ? "did not start for it" : "this host does not offer");
  if (dc_probe_error_is_transient (probe->tcg_error) ||
      (probe->tcg_error != NULL && probe->kvm == NULL))
    return g_task_return_error (task, g_steal_pointer (&probe->tcg_error));
  if (dc_probe_error_is_transient (probe->kvm_error))
    return g_task_return_error (task, g_steal_pointer (&probe->kvm_error));
  facts = dc_emulator_facts_from_replies (probe->path, probe->tcg, probe->kvm,
                                          probe->tcg_error
                                              ? probe->tcg_error->message
                                              : NULL,
                                          probe->kvm_error
                                              ? probe->kvm_error->message
                                              : "KVM is not usable for this "
                                                "emulator on this host",
                                          &error);
  if (facts == NULL)
    {
      g_task_return_new_error (task, DC_PROBE_ERROR, DC_PROBE_ERROR_FAILED,
                               "%s: %s", probe->path, error->message);
      g_error_free (error);
      return;
    }
  if (probe->runs != NULL && !g_str_equal (probe->runs, probe->path))
    facts->runs = g_strdup (probe->runs);
  g_task_return_pointer (task, facts, (GDestroyNotify) dc_emulator_facts_unref);
}

static void
on_kvm_probed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  EmulatorProbe *probe = g_task_get_task_data (task);

  probe->kvm = dc_probe_process_finish (result, &probe->kvm_error);
  if (probe->runs == NULL)
    probe->runs = g_strdup (process_runs (result));
  emulator_probe_complete (task);
}

/* The time left of the emulator's bound (one for both processes), in
 * whole seconds, at least one. */
static guint
seconds_left (const EmulatorProbe *probe)
{
  gint64 spent = (g_get_monotonic_time () - probe->started) / G_USEC_PER_SEC;

  return MAX ((gint64) probe->timeout_seconds - spent, 1);
}

/* kvm after tcg, not beside it: where tcg answered, the kvm process asks
 * only what depends on the accelerator (for x86, its CPU model
 * expansions), not the schema and types again (~50 ms of QEMU's time). */
static void
on_tcg_probed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  EmulatorProbe *probe = g_task_get_task_data (task);

  probe->tcg = dc_probe_process_finish (result, &probe->tcg_error);
  probe->runs = g_strdup (process_runs (result));
  if (!probe->try_kvm || dc_probe_error_is_transient (probe->tcg_error) ||
      g_error_matches (probe->tcg_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return emulator_probe_complete (task);
  process_async (probe->path, "kvm", probe->tcg == NULL, seconds_left (probe),
                 probe->cancellable, on_kvm_probed, g_object_ref (task));
}

void
dc_probe_emulator_async (const char *path, gboolean try_kvm,
                         guint timeout_seconds, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  EmulatorProbe *probe = g_new0 (EmulatorProbe, 1);

  g_task_set_source_tag (task, dc_probe_emulator_async);
  probe->path = g_strdup (path);
  probe->try_kvm = try_kvm;
  probe->timeout_seconds = timeout_seconds;
  probe->started = g_get_monotonic_time ();
  probe->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  g_task_set_task_data (task, probe, (GDestroyNotify) emulator_probe_free);
  process_async (path, "tcg", TRUE, timeout_seconds, cancellable, on_tcg_probed, task);
}

DcEmulatorFacts *
dc_probe_emulator_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- what an emulator leaves behind ---- */

gboolean
dc_probe_adopt_orphans (void)
{
  return prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
}

/* This process's children, from /proc (every process's parent). */
static GArray *
children (void)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (pid_t));
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  pid_t self = getpid ();
  const char *name;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *stat = NULL;
      const char *after;
      pid_t pid, ppid;

      if (!g_ascii_isdigit (*name))
        continue;
      path = g_build_filename ("/proc", name, "stat", NULL);
      /* "PID (COMM) STATE PPID ...": COMM may hold anything but the last ')' */
      if (!g_file_get_contents (path, &stat, NULL, NULL) ||
          (after = strrchr (stat, ')')) == NULL || strlen (after) < 4)
        continue;
      ppid = (pid_t) g_ascii_strtoll (after + 4, NULL, 10);   /* ") S PPID" */
      if (ppid != self)
        continue;
      pid = (pid_t) g_ascii_strtoll (name, NULL, 10);
      g_array_append_val (pids, pid);
    }
  return pids;
}

guint
dc_probe_reap_orphans (void)
{
  guint reaped = 0;

  /* each round kills what was adopted, whose own children are adopted next */
  for (guint round = 0; round < 64; round++)
    {
      g_autoptr(GArray) pids = children ();

      if (pids->len == 0)
        break;
      for (guint i = 0; i < pids->len; i++)
        kill (g_array_index (pids, pid_t, i), SIGKILL);
      for (guint i = 0; i < pids->len; i++)
        reaped += waitpid (g_array_index (pids, pid_t, i), NULL, 0) > 0;
    }
  return reaped;
}
