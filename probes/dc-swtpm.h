/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-swtpm.h: swtpm_setup's capabilities, into the host facts. */
#pragma once

#include <gio/gio.h>

#include "dc-host.h"

/* Runs @swtpm_setup (NULL: found in PATH) with --print-capabilities, bounded
 * in time, and fills the swtpm fields. A missing or failing swtpm_setup is
 * not an error for the daemon: it means no software TPM. */
void dc_host_facts_probe_swtpm_async (DcHostFacts *facts,
                                      const char *swtpm_setup,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
/* On success, @output (may be NULL) is what swtpm_setup printed. */
gboolean dc_host_facts_probe_swtpm_finish (GAsyncResult *result,
                                           char **output, GError **error);

/* What swtpm_setup's answer depends on: the programs swtpm_setup and
 * swtpm found in PATH, each by path, inode, size and times; NULL if
 * swtpm_setup is not installed. Its answer may be reused while this
 * stays the same. */
char *dc_swtpm_identity (void);
