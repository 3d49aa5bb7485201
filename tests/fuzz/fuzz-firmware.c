/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the firmware descriptor parser. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "dc-firmware-load.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DcFirmware) firmware =
    dc_firmware_parse ((const char *) data, size, "/fuzz/60-fuzz.json", &error);

  if (firmware != NULL)
    dc_firmware_matches (firmware, "x86_64", "pc-q35-7.2");
  g_assert ((firmware == NULL) == (error != NULL));
  return 0;
}
