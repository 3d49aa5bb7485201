/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-cpu-model.h: naming CPU models and features, and host-model.
 *
 * Pure functions of probed CPU facts (dc-cpu.h). host-model is the named
 * model, with features to require and to disable, that reproduces the
 * CPU an accelerator offers: the same choice libvirt makes, computed
 * from QEMU's own model definitions (docs/cpu-host-model.md). */
#pragma once

#include "dc-cpu.h"

typedef struct {
  char *model;
  char *vendor;          /* "Intel", "AMD", "Hygon", or NULL */
  GPtrArray *required;   /* feature names (libvirt's spelling), sorted */
  GPtrArray *disabled;
} DcHostModel;

void dc_host_model_free (DcHostModel *host_model);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcHostModel, dc_host_model_free)

/* A feature's name as domain XML spells it, from QEMU's canonical name
 * (QEMU accepts both: the other spelling is an alias property). */
const char *dc_cpu_feature_name (const char *qemu_name);

/* Whether a QEMU feature property is a CPU feature a domain configures:
 * not KVM's paravirtual leaf, which the accelerator sets on every model. */
gboolean dc_cpu_feature_is_cpu (const char *qemu_name);

/* The vendor model @name imitates ("Intel", "AMD", "Hygon", "Zhaoxin
 * CentaurHauls"), or "unknown" for QEMU's generic models (qemu64, kvm64,
 * 486, ...; not athlon, named for AMD's product) and vendors that domain
 * XML does not name. */
const char *dc_cpu_model_vendor (const char *name, const DcCpuExpansion *model);

/* The "-vN" that ends a versioned model's name ("EPYC-v2"), or NULL. */
const char *dc_cpu_model_version (const char *name);

/* A versioned model's unversioned name ("EPYC-Rome-v4": "EPYC-Rome"),
 * else a copy of @name. */
char *dc_cpu_model_unversioned (const char *name);

/* A model's features as libvirt's copy of it has them (dc-cpu-map.h):
 * TCG's expansion of it (KVM's where TCG did not run; for a versioned
 * model of the map, of its unversioned one) changed by the map's row, without "hypervisor" and "monitor", which no model has; a
 * model the map lacks keeps what TCG switched off (dc_cpu_facts_settle).
 * A set of domain XML's names; NULL where neither expanded @name. */
GHashTable *dc_cpu_model_features (const DcCpuFacts *tcg, const DcCpuFacts *kvm,
                                   const char *name);

/* host-model for the accelerator whose facts are @accel, with the model
 * definitions taken from the @tcg facts, settled (dc_cpu_facts_settle),
 * or where TCG did not run from the @kvm facts (either may be NULL).
 * NULL when it cannot be computed (no host expansion, no candidate). */
DcHostModel *dc_host_model_compute (const DcCpuFacts *accel,
                                    const DcCpuFacts *tcg,
                                    const DcCpuFacts *kvm);
