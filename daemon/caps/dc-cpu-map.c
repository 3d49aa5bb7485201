/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-cpu-map.c: how libvirt's copies of QEMU's x86 models differ. */
#include "config.h"

#include "dc-cpu-map.h"

#include <string.h>

/* Rows in libvirt's order (its map's index). Written by
 * tests/tools/cpu-map-delta; hypervisor and monitor, which no model of
 * libvirt's has, are left out by dc-cpu-model.c for every model. The
 * versioned models name only the host CPU (their second column), and are
 * measured against the unversioned model (dc_cpu_map_expanded_as). */
static const DcCpuMapModel models[] = {
  { "486", TRUE, "vme", "", "" },
  { "486-v1", FALSE, "vme", "", "" },
  { "pentium", TRUE, "vme", "apic", "" },
  { "pentium-v1", FALSE, "vme", "apic", "" },
  { "pentium2", TRUE, "vme", "apic", "" },
  { "pentium2-v1", FALSE, "vme", "apic", "" },
  { "pentium3", TRUE, "vme", "apic", "" },
  { "pentium3-v1", FALSE, "vme", "apic", "" },
  { "coreduo", TRUE, "vme", "acpi ss", "" },
  { "coreduo-v1", FALSE, "vme", "acpi ss", "" },
  { "n270", TRUE, "vme", "acpi lahf_lm movbe ss", "" },
  { "n270-v1", FALSE, "vme", "acpi lahf_lm movbe ss", "" },
  { "core2duo", TRUE, "vme", "acpi cx16 lahf_lm ss", "" },
  { "core2duo-v1", FALSE, "vme", "acpi cx16 lahf_lm ss", "" },
  { "qemu32", TRUE, "", "", "" },
  { "qemu32-v1", FALSE, "", "", "" },
  { "kvm32", TRUE, "", "", "" },
  { "kvm32-v1", FALSE, "", "", "" },
  { "qemu64", TRUE, "", "lahf_lm", "" },
  { "qemu64-v1", FALSE, "", "lahf_lm", "" },
  { "kvm64", TRUE, "", "", "" },
  { "kvm64-v1", FALSE, "", "", "" },
  { "Conroe", TRUE, "", "", "" },
  { "Conroe-v1", FALSE, "", "", "" },
  { "Penryn", TRUE, "", "", "" },
  { "Penryn-v1", FALSE, "", "", "" },
  { "Nehalem", TRUE, "", "", "" },
  { "Nehalem-IBRS", TRUE, "", "", "" },
  { "Nehalem-v1", FALSE, "", "", "" },
  { "Nehalem-v2", FALSE, "spec-ctrl", "", "" },
  { "Westmere", TRUE, "", "arat pclmuldq", "" },
  { "Westmere-IBRS", TRUE, "", "arat pclmuldq", "" },
  { "Westmere-v1", FALSE, "", "arat pclmuldq", "" },
  { "Westmere-v2", FALSE, "spec-ctrl", "arat pclmuldq", "" },
  { "SandyBridge", TRUE, "", "arat xsaveopt", "" },
  { "SandyBridge-IBRS", TRUE, "", "arat xsaveopt", "" },
  { "SandyBridge-v1", FALSE, "", "arat xsaveopt", "" },
  { "SandyBridge-v2", FALSE, "spec-ctrl", "arat xsaveopt", "" },
  { "IvyBridge", TRUE, "vme", "arat xsaveopt", "" },
  { "IvyBridge-IBRS", TRUE, "vme", "arat xsaveopt", "" },
  { "IvyBridge-v1", FALSE, "vme", "arat xsaveopt", "" },
  { "IvyBridge-v2", FALSE, "spec-ctrl vme", "arat xsaveopt", "" },
  { "Haswell-noTSX", TRUE, "", "abm arat f16c rdrand xsaveopt", "" },
  { "Haswell-noTSX-IBRS", TRUE, "", "abm arat f16c rdrand xsaveopt", "" },
  { "Haswell", TRUE, "", "abm arat f16c rdrand xsaveopt", "" },
  { "Haswell-IBRS", TRUE, "", "abm arat f16c rdrand xsaveopt", "" },
  { "Haswell-v1", FALSE, "", "abm arat f16c rdrand xsaveopt", "" },
  { "Haswell-v2", FALSE, "", "abm arat f16c hle rdrand rtm xsaveopt", "" },
  { "Haswell-v3", FALSE, "spec-ctrl", "abm arat f16c rdrand xsaveopt", "" },
  { "Haswell-v4", FALSE, "spec-ctrl", "abm arat f16c hle rdrand rtm xsaveopt", "" },
  { "Broadwell-noTSX", TRUE, "", "abm arat f16c rdrand xsaveopt", "" },
  { "Broadwell-noTSX-IBRS", TRUE, "", "abm arat f16c rdrand xsaveopt", "" },
  { "Broadwell", TRUE, "", "abm arat f16c rdrand xsaveopt", "" },
  { "Broadwell-IBRS", TRUE, "", "abm arat f16c rdrand xsaveopt", "" },
  { "Broadwell-v1", FALSE, "", "abm arat f16c rdrand xsaveopt", "" },
  { "Broadwell-v2", FALSE, "", "abm arat f16c hle rdrand rtm xsaveopt", "" },
  { "Broadwell-v3", FALSE, "spec-ctrl", "abm arat f16c rdrand xsaveopt", "" },
  { "Broadwell-v4", FALSE, "spec-ctrl", "abm arat f16c hle rdrand rtm xsaveopt", "" },
  { "Skylake-Client", TRUE, "vme", "", "mpx" },
  { "Skylake-Client-IBRS", TRUE, "vme", "", "mpx" },
  { "Skylake-Client-noTSX-IBRS", FALSE, "vme", "", "mpx" },
  { "Skylake-Client-v1", FALSE, "vme", "", "mpx" },
  { "Skylake-Client-v2", FALSE, "spec-ctrl vme", "", "mpx" },
  { "Skylake-Client-v3", FALSE, "spec-ctrl vme", "hle rtm", "mpx" },
  { "Skylake-Client-v4", FALSE, "spec-ctrl vme xsaves", "hle rtm", "" },
  { "Skylake-Server", TRUE, "vme", "clflushopt pku", "mpx" },
  { "Skylake-Server-IBRS", TRUE, "vme", "pku", "mpx" },
  { "Skylake-Server-noTSX-IBRS", FALSE, "vme", "pku", "mpx" },
  { "Skylake-Server-v1", FALSE, "vme", "clflushopt pku", "mpx" },
  { "Skylake-Server-v2", FALSE, "spec-ctrl vme", "clflushopt pku", "mpx" },
  { "Skylake-Server-v3", FALSE, "spec-ctrl vme", "clflushopt hle pku rtm", "mpx" },
  { "Skylake-Server-v4", FALSE, "spec-ctrl vme", "clflushopt hle rtm", "" },
  { "Skylake-Server-v5", FALSE, "spec-ctrl vme xsaves", "clflushopt hle rtm", "" },
  { "Cascadelake-Server", TRUE, "vme", "pku", "mpx" },
  { "Cascadelake-Server-noTSX", FALSE, "vme", "arch-capabilities ibrs-all mds-no pku rdctl-no skip-l1dfl-vmentry", "mpx" },
  { "Cascadelake-Server-v1", FALSE, "vme", "pku", "mpx" },
  { "Cascadelake-Server-v2", FALSE, "arch-capabilities ibrs-all mds-no rdctl-no skip-l1dfl-vmentry vme", "", "" },
  { "Cascadelake-Server-v3", FALSE, "vme", "hle pku rtm", "mpx" },
  { "Cascadelake-Server-v4", FALSE, "arch-capabilities ibrs-all mds-no rdctl-no skip-l1dfl-vmentry vme", "hle rtm", "" },
  { "Cascadelake-Server-v5", FALSE, "arch-capabilities ibrs-all mds-no rdctl-no skip-l1dfl-vmentry vme xsaves", "hle rtm", "" },
  { "Icelake-Server", TRUE, "vme", "", "intel-pt mpx" },
  { "Icelake-Server-noTSX", FALSE, "vme", "", "intel-pt mpx" },
  { "Icelake-Server-v1", FALSE, "vme", "", "intel-pt mpx" },
  { "Icelake-Server-v2", FALSE, "vme", "hle rtm", "intel-pt mpx" },
  { "Icelake-Server-v3", FALSE, "arch-capabilities ibrs-all mds-no pschange-mc-no rdctl-no skip-l1dfl-vmentry taa-no vme", "hle rtm", "" },
  { "Icelake-Server-v4", FALSE, "arch-capabilities avx512ifma fsrm ibrs-all mds-no pschange-mc-no rdctl-no rdpid sha-ni skip-l1dfl-vmentry taa-no vme", "hle rtm", "" },
  { "Icelake-Server-v5", FALSE, "arch-capabilities avx512ifma fsrm ibrs-all mds-no pschange-mc-no rdctl-no rdpid sha-ni skip-l1dfl-vmentry taa-no vme xsaves", "hle rtm", "" },
  { "Icelake-Server-v6", FALSE, "arch-capabilities avx512ifma fsrm ibrs-all mds-no pschange-mc-no rdctl-no rdpid sha-ni skip-l1dfl-vmentry taa-no vme xsaves", "hle rtm", "" },
  { "Icelake-Server-v7", FALSE, "arch-capabilities avx512ifma fsrm ibrs-all mds-no pschange-mc-no rdctl-no rdpid sha-ni skip-l1dfl-vmentry taa-no vme xsaves", "", "" },
  { "Cooperlake", TRUE, "vme", "", "" },
  { "Cooperlake-v1", FALSE, "vme", "", "" },
  { "Cooperlake-v2", FALSE, "vme xsaves", "", "" },
  { "Snowridge", TRUE, "vme", "mpx", "" },
  { "Snowridge-v1", FALSE, "vme", "mpx", "" },
  { "Snowridge-v2", FALSE, "vme", "mpx", "" },
  { "Snowridge-v3", FALSE, "vme xsaves", "mpx", "" },
  { "Snowridge-v4", FALSE, "vme xsaves", "core-capability mpx split-lock-detect", "" },
  { "SapphireRapids", TRUE, "vme", "", "" },
  { "SapphireRapids-v1", FALSE, "vme", "", "" },
  { "SapphireRapids-v2", FALSE, "fbsdp-no psdp-no sbdr-ssdp-no vme", "", "" },
  { "SapphireRapids-v3", FALSE, "cldemote fbsdp-no movdir64b movdiri psdp-no sbdr-ssdp-no ss tsc_adjust vme", "", "" },
  { "SapphireRapids-v4", FALSE, "cldemote fbsdp-no movdir64b movdiri psdp-no sbdr-ssdp-no ss tsc_adjust vme", "", "" },
  { "SapphireRapids-v5", FALSE, "cet-ibt cet-ss cldemote fbsdp-no movdir64b movdiri psdp-no sbdr-ssdp-no ss tsc_adjust vme", "", "" },
  { "SapphireRapids-v6", FALSE, "cet-ibt cet-ss cldemote fbsdp-no its-no movdir64b movdiri psdp-no sbdr-ssdp-no ss tsc_adjust vme", "", "" },
  { "GraniteRapids", TRUE, "vme", "", "" },
  { "GraniteRapids-v1", FALSE, "vme", "", "" },
  { "GraniteRapids-v2", FALSE, "avx10 avx10-128 avx10-256 avx10-512 cldemote movdir64b movdiri ss tsc_adjust vme", "", "" },
  { "GraniteRapids-v3", FALSE, "avx10 avx10-128 avx10-256 avx10-512 cldemote movdir64b movdiri ss tsc_adjust vme", "", "" },
  { "GraniteRapids-v4", FALSE, "avx10 avx10-128 avx10-256 avx10-512 cet-ibt cet-ss cldemote movdir64b movdiri ss tsc_adjust vme", "", "" },
  { "GraniteRapids-v5", FALSE, "avx10 avx10-128 avx10-256 avx10-512 cet-ibt cet-ss cldemote its-no movdir64b movdiri ss tsc_adjust vme", "", "" },
  { "SierraForest-v3", FALSE, "bhi-ctrl cldemote gds-no intel-psfd ipred-ctrl lam movdir64b movdiri rfds-no rrsba-ctrl ss tsc_adjust vme", "", "" },
  { "SierraForest", TRUE, "vme", "", "" },
  { "SierraForest-v1", FALSE, "vme", "", "" },
  { "SierraForest-v2", FALSE, "bhi-ctrl cldemote gds-no intel-psfd ipred-ctrl lam movdir64b movdiri rfds-no rrsba-ctrl ss tsc_adjust vme", "", "" },
  { "SierraForest-v4", FALSE, "bhi-ctrl cet-ibt cet-ss cldemote gds-no intel-psfd ipred-ctrl lam movdir64b movdiri rfds-no rrsba-ctrl ss tsc_adjust vme", "", "" },
  { "SierraForest-v5", FALSE, "bhi-ctrl cet-ibt cet-ss cldemote gds-no intel-psfd ipred-ctrl its-no lam movdir64b movdiri rfds-no rrsba-ctrl ss tsc_adjust vme", "", "" },
  { "ClearwaterForest", TRUE, "vme", "", "" },
  { "ClearwaterForest-v1", FALSE, "vme", "", "" },
  { "ClearwaterForest-v2", FALSE, "cet-ibt cet-ss vme", "", "" },
  { "ClearwaterForest-v3", FALSE, "cet-ibt cet-ss its-no vme", "", "" },
  { "Denverton", TRUE, "vme", "", "" },
  { "Denverton-v1", FALSE, "vme", "", "" },
  { "Denverton-v2", FALSE, "vme", "mpx", "" },
  { "Denverton-v3", FALSE, "vme xsaves", "mpx", "" },
  { "KnightsMill", TRUE, "vme", "", "" },
  { "KnightsMill-v1", FALSE, "vme", "", "" },
  { "DiamondRapids", TRUE, "vme", "avx10-128 avx10-256 avx10-512", "" },
  { "DiamondRapids-v1", FALSE, "vme", "avx10-128 avx10-256 avx10-512", "" },
  { "athlon", TRUE, "vme", "mca", "" },
  { "athlon-v1", FALSE, "vme", "mca", "" },
  { "phenom", TRUE, "", "abm cx16 lahf_lm npt pdpe1gb popcnt rdtscp sse4a", "" },
  { "phenom-v1", FALSE, "", "abm cx16 lahf_lm npt pdpe1gb popcnt rdtscp sse4a", "" },
  { "Opteron_G1", TRUE, "", "", "" },
  { "Opteron_G1-v1", FALSE, "", "", "" },
  { "Opteron_G2", TRUE, "rdtscp", "", "" },
  { "Opteron_G2-v1", FALSE, "rdtscp", "", "" },
  { "Opteron_G3", TRUE, "", "", "monitor" },
  { "Opteron_G3-v1", FALSE, "", "", "monitor" },
  { "Opteron_G4", TRUE, "", "npt nrip-save", "" },
  { "Opteron_G4-v1", FALSE, "", "npt nrip-save", "" },
  { "Opteron_G5", TRUE, "", "npt nrip-save", "" },
  { "Opteron_G5-v1", FALSE, "", "npt nrip-save", "" },
  { "EPYC", TRUE, "vme", "npt nrip-save topoext", "monitor" },
  { "EPYC-IBPB", TRUE, "vme", "npt nrip-save topoext", "monitor" },
  { "EPYC-v1", FALSE, "vme", "npt nrip-save topoext", "monitor" },
  { "EPYC-v2", FALSE, "ibpb vme", "npt nrip-save topoext", "monitor" },
  { "EPYC-v3", FALSE, "clzero ibpb perfctr_core vme xsaveerptr xsaves", "topoext", "" },
  { "EPYC-v4", FALSE, "clzero ibpb perfctr_core vme xsaveerptr xsaves", "topoext", "" },
  { "EPYC-v5", FALSE, "clzero flushbyasid ibpb lbrv overflow-recov pause-filter perfctr_core pfthreshold succor tsc-scale v-vmsave-vmload vgif vmcb-clean vme xsaveerptr xsaves", "topoext", "" },
  { "EPYC-Rome", TRUE, "vme", "topoext xsaves", "" },
  { "EPYC-Rome-v1", FALSE, "vme", "topoext xsaves", "" },
  { "EPYC-Rome-v2", FALSE, "amd-ssbd ibrs vme", "topoext", "" },
  { "EPYC-Rome-v3", FALSE, "amd-ssbd ibrs vme", "topoext", "" },
  { "EPYC-Rome-v4", FALSE, "amd-ssbd ibrs vme", "topoext xsaves", "" },
  { "EPYC-Rome-v5", FALSE, "amd-ssbd flushbyasid ibrs lbrv overflow-recov pause-filter pfthreshold succor tsc-scale v-vmsave-vmload vgif vmcb-clean vme", "topoext xsaves", "" },
  { "EPYC-Milan", TRUE, "vme", "topoext", "" },
  { "EPYC-Milan-v1", FALSE, "vme", "topoext", "" },
  { "EPYC-Milan-v2", FALSE, "amd-psfd lfence-always-serializing no-nested-data-bp null-sel-clr-base stibp-always-on vaes vme vpclmulqdq", "topoext", "" },
  { "EPYC-Milan-v3", FALSE, "amd-psfd flushbyasid lbrv lfence-always-serializing no-nested-data-bp null-sel-clr-base overflow-recov pause-filter pfthreshold stibp-always-on succor tsc-scale v-vmsave-vmload vaes vgif vmcb-clean vme vpclmulqdq", "topoext", "" },
  { "EPYC-Genoa", TRUE, "vme", "topoext", "" },
  { "EPYC-Genoa-v1", FALSE, "vme", "topoext", "" },
  { "EPYC-Genoa-v2", FALSE, "flushbyasid fs-gs-base-ns lbrv overflow-recov pause-filter perfmon-v2 pfthreshold succor tsc-scale v-vmsave-vmload vgif vmcb-clean vme", "topoext", "" },
  { "EPYC-Turin", TRUE, "vme", "topoext", "" },
  { "EPYC-Turin-v1", FALSE, "vme", "topoext", "" },
  { "Dhyana", TRUE, "vme", "npt nrip-save topoext", "monitor" },
  { "Dhyana-v1", FALSE, "vme", "npt nrip-save topoext", "monitor" },
  { "Dhyana-v2", FALSE, "vme xsaves", "topoext", "" },
  { "YongFeng", TRUE, "vme", "", "" },
  { "YongFeng-v1", FALSE, "vme", "", "" },
  { "YongFeng-v2", FALSE, "vme", "", "" },
  { "YongFeng-v3", FALSE, "vme", "", "" },
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

const DcCpuMapModel *
dc_cpu_map_at (guint index)
{
  g_return_val_if_fail (index < G_N_ELEMENTS (models), NULL);
  return &models[index];
}

char *
dc_cpu_map_expanded_as (const char *name)
{
  const char *dash = g_strrstr (name, "-v");

  if (dash == NULL || dash == name || dash[2] == '\0' ||
      strspn (dash + 2, "0123456789") != strlen (dash + 2))
    return g_strdup (name);
  return g_strndup (name, (gsize) (dash - name));
}
