/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-file.h: reading a file that someone else may have put there.
 *
 * Firmware descriptors and cache files are read on the main loop, so the
 * read must never block and never grow past a limit: the file is opened
 * non-blocking (a FIFO cannot stall the open), must be a regular file
 * (not a FIFO, a device, /dev/zero behind a symlink), and is read only up
 * to @max_size bytes, checked before reading and while reading. */
#pragma once

#include <glib.h>

typedef enum {
  DC_FILE_FOLLOW_LINKS = 1 << 0,   /* else a symbolic link is refused */
  DC_FILE_NULL_IS_EMPTY = 1 << 1,  /* a link to /dev/null reads as empty */
  DC_FILE_PREFIX = 1 << 2,         /* a larger file: its first @max_size
                                    * bytes, not an error */
} DcFileFlags;

/* Reads @path whole into *@contents (NUL-terminated) and *@length.
 * Errors are G_FILE_ERROR: NOENT when missing, INVAL when not a regular
 * file (or a link, without DC_FILE_FOLLOW_LINKS), FAILED when larger
 * than @max_size; messages never quote the file's content. */
gboolean dc_file_read_bounded (const char *path, gsize max_size,
                               DcFileFlags flags, char **contents,
                               gsize *length, GError **error);

/* Whether the directory @path exists and holds an entry (an IOMMU group
 * under /sys/kernel/iommu_groups, say). */
gboolean dc_file_dir_has_entries (const char *path);
