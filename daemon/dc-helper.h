/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-helper.h: probing in a helper process.
 *
 * The daemon probes each emulator in a short-lived helper process
 * (domcapsd-probe, daemon/probe-main.c), which runs the probe
 * (dc-probe.h), builds the facts and prints them as the cache codec
 * writes them. The
 * QMP replies (half a megabyte of JSON per process) are parsed, and their
 * memory freed, in the helper: the daemon keeps only the facts, and a
 * parser fault on hostile input ends the helper, not the daemon. */
#pragma once

#include <gio/gio.h>

#include "dc-facts.h"

/* Same contract as dc_probe_emulator_async(), the probe run by
 * domcapsd-probe beside the daemon's binary. Errors keep their
 * DC_PROBE_ERROR code, so a transient failure stays transient. */
void dc_helper_probe_async (const char *path, gboolean try_kvm,
                            guint timeout_seconds, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
DcEmulatorFacts *dc_helper_probe_finish (GAsyncResult *result, GError **error);
