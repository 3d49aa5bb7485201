/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-trim.h: giving freed heap back to the system once the daemon is quiet.
 *
 * glibc keeps pages freed amid its heaps (the main thread's, and GDBus's
 * where replies are written) unless told: after work that frees much (a
 * probe's facts stored, facts read back, answers rendered or sent), the
 * daemon calls malloc_trim() once it has been quiet for DC_TRIM_DELAY_MS
 * (docs/architecture.md, "What the daemon keeps in memory"). The daemon's
 * policy, not the engine's: the one-shot client has none. */
#pragma once

#include <glib.h>

#define DC_TRIM_DELAY_MS 100

typedef struct _DcTrim DcTrim;

DcTrim *dc_trim_new (void);
void dc_trim_free (DcTrim *trim);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcTrim, dc_trim_free)

/* Work that may have freed much just happened: trim once quiet. */
void dc_trim_schedule (DcTrim *trim);
