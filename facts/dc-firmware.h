/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-firmware.h: QEMU firmware descriptors (QEMU's docs/interop/firmware.json)
 * as the renderer reads them; dc-firmware-load.h reads them from disk.
 *
 * Not emulator facts: a change here re-renders answers, it never runs QEMU. */
#pragma once

#include <glib.h>

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

/* An empty descriptor (no targets yet). */
DcFirmware *dc_firmware_new (void);
void dc_firmware_free (DcFirmware *firmware);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcFirmware, dc_firmware_free)

/* Whether @firmware targets @arch with a machine glob matching @machine. */
gboolean dc_firmware_matches (const DcFirmware *firmware, const char *arch,
                              const char *machine);
/* A text that differs whenever two lists would render differently. */
char *dc_firmware_describe (GPtrArray *firmware);

gboolean dc_firmware_has_feature (const DcFirmware *firmware,
                                  const char *feature);
