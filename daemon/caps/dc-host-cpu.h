/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-host-cpu.h: the host CPU named as libvirt names it.
 *
 * Host capabilities give the host CPU as a model of libvirt's CPU map
 * (dc-cpu-map.h, versioned models too) and the features it has beyond
 * it. As libvirt decides for a host CPU: the model must have no feature
 * the CPU lacks; one of the CPU's own family and model beats one that
 * is not; among equals the one leaving the fewest features over wins,
 * the map tried from its end. Pure: the CPU's features come from CPUID
 * (DcHostCaps.cpu_features), the models' from QEMU's TCG expansions. */
#pragma once

#include "dc-cpu.h"
#include "dc-host-caps.h"

typedef struct {
  char *model;
  GPtrArray *features;   /* of char *, in CPUID order */
} DcHostCpuName;

void dc_host_cpu_name_free (DcHostCpuName *name);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcHostCpuName, dc_host_cpu_name_free)

/* NULL where @caps holds no CPUID features (not x86, or unreadable),
 * @tcg expanded no model, or no model fits. */
DcHostCpuName *dc_host_cpu_name (const DcHostCaps *caps, const DcCpuFacts *tcg);
