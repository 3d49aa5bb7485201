/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-firmware.c: firmware descriptors as facts: freeing, matching, describing. */
#include "config.h"

#include "dc-firmware.h"

#include <string.h>

#include "dc-arch.h"

static void
target_free (DcFirmwareTarget *target)
{
  g_free (target->arch);
  g_strfreev (target->machines);
  g_free (target);
}

DcFirmware *
dc_firmware_new (void)
{
  DcFirmware *firmware = g_new0 (DcFirmware, 1);

  firmware->targets = g_ptr_array_new_with_free_func ((GDestroyNotify) target_free);
  return firmware;
}

void
dc_firmware_free (DcFirmware *firmware)
{
  if (firmware == NULL)
    return;
  g_free (firmware->name);
  g_free (firmware->path);
  g_free (firmware->device);
  g_free (firmware->executable);
  g_clear_pointer (&firmware->targets, g_ptr_array_unref);
  g_strfreev (firmware->features);
  g_free (firmware);
}

gboolean
dc_firmware_matches (const DcFirmware *firmware, const char *arch,
                     const char *machine)
{
  for (guint i = 0; i < firmware->targets->len; i++)
    {
      const DcFirmwareTarget *target = g_ptr_array_index (firmware->targets, i);

      if (!g_str_equal (target->arch, arch))
        continue;
      for (guint m = 0; target->machines[m] != NULL; m++)
        if (g_pattern_match_simple (target->machines[m], machine))
          return TRUE;
    }
  return FALSE;
}

gboolean
dc_firmware_has_feature (const DcFirmware *firmware, const char *feature)
{
  return g_strv_contains ((const char *const *) firmware->features, feature);
}

char *
dc_firmware_describe (GPtrArray *list)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < list->len; i++)
    {
      const DcFirmware *fw = g_ptr_array_index (list, i);
      g_autofree char *features = g_strjoinv (",", fw->features);

      g_string_append_printf (out, "%s %s %s uefi=%d bios=%d [%s]", fw->path,
                              fw->device, fw->executable ? fw->executable : "-",
                              fw->uefi, fw->bios, features);
      for (guint t = 0; t < fw->targets->len; t++)
        {
          const DcFirmwareTarget *target = g_ptr_array_index (fw->targets, t);
          g_autofree char *machines = g_strjoinv (",", target->machines);
          g_string_append_printf (out, " %s:%s", target->arch, machines);
        }
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}
