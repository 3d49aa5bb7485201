/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ctl-direct.h: domcapsctl --direct, the probe engine in-process.
 *
 * No bus and no daemon: the same engine (dc-engine.h) the daemon runs,
 * probing only the emulators the command needs, then answering from the
 * registry exactly as the daemon would. */
#pragma once

#include "dc-engine.h"

typedef struct {
  char **emulator_dirs;    /* NULL: the daemon's defaults */
  char **firmware_dirs;    /* NULL: the daemon's defaults */
  char *cache_dir;         /* NULL: no disk cache */
  char *host_root;         /* NULL: "/" */
  int probe_timeout;       /* seconds; 0: the daemon's default */
} CtlDirectOptions;

/* An engine that has probed what a query for @emulatorbin / @arch needs
 * (@all: every emulator). Blocks until the probes are done. */
DcEngine *ctl_direct_open (const CtlDirectOptions *options,
                           const char *emulatorbin, const char *arch,
                           gboolean all);

/* Logs only warnings and worse on stderr, unless @verbose. */
void ctl_direct_quiet_logs (gboolean verbose);
