/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-cpu-map.c: how libvirt's copies of QEMU's x86 models differ. */
#include "config.h"

#include "dc-cpu-map.h"

/* Rows in libvirt's order (its map's index). Written by
 * tests/tools/cpu-map-delta; hypervisor and monitor, which no model of
 * libvirt's has, are left out by dc-cpu-model.c for every model. */
static const DcCpuMapModel models[] = {
  { "486", "vme", "", "" },
  { "pentium", "vme", "apic", "" },
  { "pentium2", "vme", "apic", "" },
  { "pentium3", "vme", "apic", "" },
  { "coreduo", "vme", "acpi ss", "" },
  { "n270", "vme", "acpi lahf_lm movbe ss", "" },
  { "core2duo", "vme", "acpi cx16 lahf_lm ss", "" },
  { "qemu32", "", "", "" },
  { "kvm32", "", "", "" },
  { "qemu64", "", "lahf_lm", "" },
  { "kvm64", "", "", "" },
  { "Conroe", "", "", "" },
  { "Penryn", "", "", "" },
  { "Nehalem", "", "", "" },
  { "Nehalem-IBRS", "", "", "" },
  { "Westmere", "", "arat pclmuldq", "" },
  { "Westmere-IBRS", "", "arat pclmuldq", "" },
  { "SandyBridge", "", "arat xsaveopt", "" },
  { "SandyBridge-IBRS", "", "arat xsaveopt", "" },
  { "IvyBridge", "vme", "arat xsaveopt", "" },
  { "IvyBridge-IBRS", "vme", "arat xsaveopt", "" },
  { "Haswell-noTSX", "", "abm arat f16c rdrand xsaveopt", "" },
  { "Haswell-noTSX-IBRS", "", "abm arat f16c rdrand xsaveopt", "" },
  { "Haswell", "", "abm arat f16c rdrand xsaveopt", "" },
  { "Haswell-IBRS", "", "abm arat f16c rdrand xsaveopt", "" },
  { "Broadwell-noTSX", "", "abm arat f16c rdrand xsaveopt", "" },
  { "Broadwell-noTSX-IBRS", "", "abm arat f16c rdrand xsaveopt", "" },
  { "Broadwell", "", "abm arat f16c rdrand xsaveopt", "" },
  { "Broadwell-IBRS", "", "abm arat f16c rdrand xsaveopt", "" },
  { "Skylake-Client", "vme", "", "mpx" },
  { "Skylake-Client-IBRS", "vme", "", "mpx" },
  { "Skylake-Server", "vme", "clflushopt pku", "mpx" },
  { "Skylake-Server-IBRS", "vme", "pku", "mpx" },
  { "Cascadelake-Server", "vme", "pku", "mpx" },
  { "Icelake-Server", "vme", "", "intel-pt mpx" },
  { "Cooperlake", "vme", "", "" },
  { "Snowridge", "vme", "mpx", "" },
  { "SapphireRapids", "vme", "", "" },
  { "GraniteRapids", "vme", "", "" },
  { "SierraForest", "vme", "", "" },
  { "ClearwaterForest", "vme", "", "" },
  { "Denverton", "vme", "", "" },
  { "KnightsMill", "vme", "", "" },
  { "DiamondRapids", "vme", "avx10-128 avx10-256 avx10-512", "" },
  { "athlon", "vme", "mca", "" },
  { "phenom", "", "abm cx16 lahf_lm npt pdpe1gb popcnt rdtscp sse4a", "" },
  { "Opteron_G1", "", "", "" },
  { "Opteron_G2", "rdtscp", "", "" },
  { "Opteron_G3", "", "", "monitor" },
  { "Opteron_G4", "", "npt nrip-save", "" },
  { "Opteron_G5", "", "npt nrip-save", "" },
  { "EPYC", "vme", "npt nrip-save topoext", "monitor" },
  { "EPYC-IBPB", "vme", "npt nrip-save topoext", "monitor" },
  { "EPYC-Rome", "vme", "topoext xsaves", "" },
  { "EPYC-Milan", "vme", "topoext", "" },
  { "EPYC-Genoa", "vme", "topoext", "" },
  { "EPYC-Turin", "vme", "topoext", "" },
  { "Dhyana", "vme", "npt nrip-save topoext", "monitor" },
  { "YongFeng", "vme", "", "" },
};

const DcCpuMapModel *
dc_cpu_map_find (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (models); i++)
    if (g_str_equal (models[i].name, name))
      return &models[i];
  return NULL;
}

guint
dc_cpu_map_size (void)
{
  return G_N_ELEMENTS (models);
}

const char *
dc_cpu_map_name (guint index)
{
  g_return_val_if_fail (index < G_N_ELEMENTS (models), NULL);
  return models[index].name;
}
