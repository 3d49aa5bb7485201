/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-host-facts.c: freeing host facts, and the part of them a probe depends on. */
#include "config.h"

#include "dc-host-facts.h"

void
dc_host_facts_free (DcHostFacts *facts)
{
  if (facts == NULL)
    return;
  g_free (facts->arch);
  g_free (facts->kernel_release);
  g_free (facts->microcode);
  g_free (facts->cpu_vendor_id);
  g_free (facts->qemu_modules);
  g_free (facts);
}

char *
dc_host_facts_probe_key (const DcHostFacts *facts)
{
  return g_strdup_printf ("domcapsd %s; arch %s; kernel %s; kvm %s/%s; "
                          "sev %d/%d; microcode %s; modules %s",
                          PACKAGE_VERSION, facts->arch, facts->kernel_release,
                          facts->kvm_present ? "present" : "absent",
                          facts->kvm_usable ? "usable" : "unusable",
                          facts->sev, facts->sev_es, facts->microcode,
                          facts->qemu_modules);
}
