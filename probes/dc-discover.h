/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-discover.h: the emulator binaries installed in some directories. */
#pragma once

#include <glib.h>

/* Whether @name is an emulator's file name: qemu-system-TARGET[-VARIANT]
 * with no dot (dpkg's qemu-system-x86_64.dpkg-new is not). */
gboolean dc_discover_is_emulator_name (const char *name);

/* Every executable regular file named as an emulator in @dirs, by real
 * path (symlinks resolved): real path -> GPtrArray of every path it was
 * found under, in the order found. */
GHashTable *dc_discover_emulators (const char *const *dirs);
