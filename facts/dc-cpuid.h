/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-cpuid.h: which CPUID bit each x86 CPU feature is.
 *
 * The features domain XML names, each with the CPUID leaf, subleaf,
 * register and bit that report it, in CPUID order (leaf, subleaf,
 * register, bit), the order libvirt lists a host CPU's features in.
 * Measured on QEMU 11.1 by tests/tools/cpuid-features (each feature
 * alone on a bare CPU, the bit that changed); ten bits QEMU cannot set
 * (OSXSAVE, OSPKE, PDCM, ...) are written by hand from the processor
 * manuals. Features of MSRs and of the hypervisor's leaves are not here. */
#pragma once

#include <glib.h>

typedef enum {
  DC_CPUID_EAX,
  DC_CPUID_EBX,
  DC_CPUID_ECX,
  DC_CPUID_EDX,
} DcCpuidRegister;

typedef struct {
  const char *name;
  guint32 leaf, subleaf;
  DcCpuidRegister reg;
  guint bit;
} DcCpuidFeature;

/* The table, and its length in *@n. */
const DcCpuidFeature *dc_cpuid_features (gsize *n);
