/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-cpu-qmp.h: CPU facts from QMP replies (dc-cpu.h holds the types). */
#pragma once

#include <glib.h>

#include "dc-cpu.h"

/* The exchanges (DcQmpExchange) a second round asks, built from the
 * answered first round of a process of @accel: expansions of the host's
 * CPU and, on x86, of every unversioned model, and the properties of the
 * host and max CPU types. Appends them to @exchanges. */
void dc_cpu_follow_up (GPtrArray *exchanges, const char *accel);

/* TCG switches some features off in every model (vme, with QEMU 7.2)
 * where KVM's expansion of the same model keeps them: the features false
 * in every TCG model expansion and true in some KVM one. Records, on each
 * of @tcg's models, those that KVM's expansion of it has, then drops
 * @kvm's model expansions, which nothing else needs. Either may be NULL;
 * a second call changes nothing. */
void dc_cpu_facts_settle (DcCpuFacts *tcg, DcCpuFacts *kvm);

/* CPU facts from a process's answered exchanges; a missing or failed
 * answer leaves that part empty (QEMU may lack the command). */
DcCpuFacts *dc_cpu_facts_from_replies (GPtrArray *exchanges,
                                       const char *accel);
