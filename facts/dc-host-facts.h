/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-host-facts.h: facts about this host that change the answers, as
 * data (probes/dc-host.h reads them). */
#pragma once

#include <glib.h>

typedef struct {
  char *arch;            /* libvirt's name for the host arch */
  char *kernel_release;  /* uname -r */
  gboolean kvm_present;  /* ROOT/dev/kvm exists */
  gboolean kvm_usable;   /* ... and opens read-write */
  int kvm_errno;         /* why it did not open (EPERM: a device policy) */
  guint kvm_max_vcpus;   /* KVM_CAP_MAX_VCPUS; 0 when unknown */
  gboolean vfio;         /* ROOT/dev/vfio/vfio and IOMMU groups exist */
  gboolean iommufd;      /* ROOT/dev/iommu exists (Linux 6.2) */
  gboolean swtpm;        /* swtpm_setup answered */
  gboolean qemu_rdp;     /* libvirt's RDP helper (qemu-rdp) is in PATH */
  gboolean virtiofsd;    /* a vhost-user descriptor offers type "fs" */
  gboolean swtpm_tpm12;  /* it can set up TPM 1.2 ... */
  gboolean swtpm_tpm20;  /* ... and TPM 2.0 */
  gboolean sev;          /* kvm_amd's sev parameter is on */
  gboolean sev_es;       /* ... and sev_es */
  gboolean sev_snp;      /* ... and sev_snp (read at render time only) */
  guint sev_max_guests;  /* from CPUID 0x8000001F: SEV guests at once */
  guint sev_max_es_guests;
  gboolean tdx;          /* kvm_intel's tdx parameter is on */
  gboolean s390_pv;      /* firmware and kvm allow protected virtualisation */
  guint phys_addr_bits;  /* x86: CPUID 0x80000008 EAX[7:0]; 0 when unknown */
  char *microcode;       /* the first processor's "microcode" in /proc/cpuinfo, or "" */
  char *cpu_vendor_id;   /* ... its "vendor_id" (GenuineIntel), or NULL */
  gboolean has_cpu_signature;
  guint cpu_family, cpu_model, cpu_stepping;  /* ... its signature */
  char *qemu_modules;    /* mtimes of QEMU's module directories, or "" */
} DcHostFacts;

void dc_host_facts_free (DcHostFacts *facts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcHostFacts, dc_host_facts_free)

/* Everything of the host that changes what a probe finds, as one string:
 * two probes under equal keys give equal facts (the disk cache's host half). */
char *dc_host_facts_probe_key (const DcHostFacts *facts);
