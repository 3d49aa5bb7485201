/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-firmware-load.h: firmware descriptors read from their directories.
 *
 * Descriptors come from a list of directories in precedence order; a file
 * in a later directory overrides the one of the same name in an earlier
 * directory, and an empty file masks it. The result is sorted by file name.
 * A malformed descriptor, or one whose executable is missing, is skipped
 * with a logged reason naming the file. */
#pragma once

#include <glib.h>

#include "dc-firmware.h"

#define DC_FIRMWARE_MAX_SIZE (64 * 1024)
/* Descriptors read at most, in priority order (distributions ship ~10). */
#define DC_FIRMWARE_MAX_FILES 1024

DcFirmware *dc_firmware_parse (const char *text, gsize len, const char *path,
                               GError **error);

/* The default directories, lowest precedence first; with @session also
 * $XDG_CONFIG_HOME/qemu/firmware. */
char **dc_firmware_default_dirs (gboolean session);

/* Loads every usable descriptor of @dirs (see above); a GPtrArray of
 * DcFirmware, never NULL. Each skipped file is logged and, if @skipped is
 * not NULL, added to it as "PATH: REASON". */
GPtrArray *dc_firmware_load (const char *const *dirs, GPtrArray *skipped);
