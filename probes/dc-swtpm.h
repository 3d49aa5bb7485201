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
gboolean dc_host_facts_probe_swtpm_finish (GAsyncResult *result,
                                           GError **error);
