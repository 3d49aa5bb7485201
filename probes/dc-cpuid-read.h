/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-cpuid-read.h: the host CPU's CPUID, and the features it reports.
 *
 * On x86 with ROOT "/", by the instruction, as a process sees it (as
 * libvirt reads it: under some hypervisors the kernel's cpuid driver
 * sees other bits); below another ROOT, from a recording in
 * ROOT/dev/cpu/0/cpuid: each leaf's eax, ebx, ecx and edx at 16 times
 * (subleaf << 32 | leaf) (tests/testlib.py write_cpuid). */
#pragma once

#include <glib.h>

/* CPUID @leaf, @subleaf as eax, ebx, ecx, edx; FALSE when it cannot be
 * read. A leaf above the highest the CPU reports is not read. */
gboolean dc_cpuid_read (const char *root, guint32 leaf, guint32 subleaf,
                        guint32 regs[4]);

/* The features of facts/dc-cpuid.h the CPU reports, in that table's
 * order (char *); empty where CPUID cannot be read. */
GPtrArray *dc_cpuid_read_features (const char *root);
