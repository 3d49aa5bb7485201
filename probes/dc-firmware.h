/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-firmware.h: QEMU firmware descriptors (QEMU's docs/interop/firmware.json).
 *
 * Not emulator facts: a change here re-renders answers, it never runs QEMU.
 * Descriptors come from a list of directories in precedence order; a file
 * in a later directory overrides the one of the same name in an earlier
 * directory, and an empty file masks it. The result is sorted by file name.
 * A malformed descriptor, or one whose executable is missing, is skipped
 * with a logged reason naming the file. */
#pragma once

#include <glib.h>

#define DC_FIRMWARE_MAX_SIZE (64 * 1024)
/* Descriptors read at most, in priority order (distributions ship ~10). */
#define DC_FIRMWARE_MAX_FILES 1024

typedef struct {
  char *arch;          /* libvirt arch name of the target */
  GStrv machines;      /* glob patterns */
} DcFirmwareTarget;

typedef struct {
  char *name;          /* file name: 60-edk2-x86_64.json */
  char *path;          /* where it was read */
  gboolean uefi;       /* interface-types has "uefi" */
  gboolean bios;       /* ... "bios" */
  char *device;        /* mapping device: flash, memory or kernel */
  char *executable;    /* flash executable or memory filename; NULL for kernel */
  GPtrArray *targets;  /* of DcFirmwareTarget */
  GStrv features;
} DcFirmware;

DcFirmware *dc_firmware_parse (const char *text, gsize len, const char *path,
                               GError **error);
void dc_firmware_free (DcFirmware *firmware);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcFirmware, dc_firmware_free)

/* The default directories, lowest precedence first; with @session also
 * $XDG_CONFIG_HOME/qemu/firmware. */
char **dc_firmware_default_dirs (gboolean session);

/* Loads every usable descriptor of @dirs (see above); a GPtrArray of
 * DcFirmware, never NULL. Each skipped file is logged and, if @skipped is
 * not NULL, added to it as "PATH: REASON". */
GPtrArray *dc_firmware_load (const char *const *dirs, GPtrArray *skipped);

/* Whether @firmware targets @arch with a machine glob matching @machine. */
gboolean dc_firmware_matches (const DcFirmware *firmware, const char *arch,
                              const char *machine);
/* A text that differs whenever two lists would render differently. */
char *dc_firmware_describe (GPtrArray *firmware);

gboolean dc_firmware_has_feature (const DcFirmware *firmware,
                                  const char *feature);
