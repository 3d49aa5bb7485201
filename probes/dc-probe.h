/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-probe.h: running QEMU and asking it what it can do.
 *
 * The only module that executes an emulator. Each probe process is spawned
 * as "EMULATOR -S -no-user-config -nodefaults -nographic -machine none
 * -accel ACCEL" (tcg with split-wx=on) with QMP on one end of a socketpair (fd 3), so no
 * socket path exists anywhere; it dies with the daemon (PR_SET_PDEATHSIG),
 * is killed and reaped after its conversation or at its deadline, and its
 * stderr is kept for the error message. */
#pragma once

#include <gio/gio.h>

#include "dc-facts.h"

#define DC_PROBE_ERROR (dc_probe_error_quark ())
GQuark dc_probe_error_quark (void);

typedef enum {
  DC_PROBE_ERROR_SPAWN,     /* could not start the emulator */
  DC_PROBE_ERROR_TIMEOUT,   /* no full answer before the deadline */
  DC_PROBE_ERROR_FAILED,    /* it exited or broke the protocol */
  DC_PROBE_ERROR_KILLED,    /* a signal not of ours ended it (OOM killer) */
  DC_PROBE_ERROR_UNUSABLE,  /* a state, not a failure: this host cannot run
                             * it at all (a KVM-only build without KVM) */
} DcProbeError;

/* For a GSubprocessLauncher's child setup, with getpid() of the parent as
 * @parent_pid: the child gets SIGKILL when its parent dies, and leaves at
 * once if the parent died already. */
void dc_probe_die_with_parent (gpointer parent_pid);

/* Whether trying again later may succeed: the emulator ran out of time
 * or was killed from outside, rather than answered wrongly or exited. */
gboolean dc_probe_error_is_transient (const GError *error);

/* The commands a probe sends to a process of @accel ("tcg" or "kvm"),
 * as unanswered DcQmpExchange: all of them if @whole, else only those
 * whose answers depend on the accelerator. */
GPtrArray *dc_probe_conversation_new (const char *accel, gboolean whole);

/* One QEMU process: spawns it, holds the conversation, kills and reaps it.
 * Finishes with the answered exchanges. */
void dc_probe_process_async (const char *path, const char *accel,
                             guint timeout_seconds, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *dc_probe_process_finish (GAsyncResult *result, GError **error);

/* A whole emulator: a tcg process and then, if @try_kvm, a kvm process
 * (asked only what depends on the accelerator if tcg answered), the two
 * within @timeout_seconds. Fails if no process answered, or with the
 * transient error of either (facts missing one accelerator for a passing
 * reason would stand for the binary's lifetime); otherwise a failed
 * accelerator leaves facts with tcg or kvm FALSE and the reason beside
 * it. */
void dc_probe_emulator_async (const char *path, gboolean try_kvm,
                              guint timeout_seconds, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
DcEmulatorFacts *dc_probe_emulator_finish (GAsyncResult *result,
                                           GError **error);

/* What an emulator leaves behind (a child that called setsid() and
 * ignores SIGTERM, keeping the QMP socket) leaves its process group, so
 * killing the group misses it. A process that runs probes can adopt
 * every orphan of its descendants (PR_SET_CHILD_SUBREAPER) and, when its
 * probes are done, kill and reap them all: the probe helper does both.
 * Returns how many it reaped. */
gboolean dc_probe_adopt_orphans (void);
guint dc_probe_reap_orphans (void);
