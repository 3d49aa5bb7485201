/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-host.h: facts about this host that change the answers.
 *
 * The one place that reads /dev, /sys and /proc (swtpm_setup is asked
 * in dc-swtpm.h). The renderer takes the facts themselves
 * (dc-host-facts.h), not this reader.
 * Paths are taken below a root directory that tests can redirect. */
#pragma once

#include <glib.h>

#include "dc-host-facts.h"

/* Reads what files tell; never fails (a missing file is a "no"). */
DcHostFacts *dc_host_facts_read (const char *root);

/* Reads again what /dev tells (KVM, VFIO, iommufd) into @facts; whether
 * any of it changed. */
gboolean dc_host_facts_reread_devices (DcHostFacts *facts, const char *root);

/* Fills the swtpm fields from "swtpm_setup --print-capabilities" output. */
gboolean dc_host_facts_parse_swtpm (DcHostFacts *facts, const char *text,
                                    GError **error);
