/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-cpu-map.h: the x86 models libvirt names CPUs after, as it knows them.
 *
 * libvirt names host-model and the host CPU after the models of its own
 * CPU map, copies of QEMU's definitions that lag or lead them by a few
 * features. This table holds, for each model libvirt's decoder may pick,
 * in the order libvirt weighs them, only how its copy differs from QEMU's
 * TCG expansion of the model of that name, or for a versioned model
 * (EPYC-Rome-v4) of the unversioned one (dc_cpu_model_unversioned():
 * EPYC-Rome, which is QEMU's
 * EPYC-Rome-v1, and QEMU never changes a released version), so that the
 * probe expands no versioned model: measured, not copied, by
 * tests/tools/cpu-map-delta against libvirt 12.9 and QEMU 7.2, 10.0 and
 * 11.1, which all agree (docs/cpu-host-model.md). */
#pragma once

#include <glib.h>

typedef struct {
  const char *name;
  gboolean guest;        /* host-model may be named after it (the
                          * unversioned models); all name the host CPU */
  const char *added;     /* features libvirt's model has beyond QEMU's */
  const char *dropped;   /* features of QEMU's model libvirt's lacks */
  const char *removed;   /* features libvirt's model disables unless the
                          * CPU has them (they left the real product) */
} DcCpuMapModel;

/* The model called @name, or NULL when libvirt's decoder never names it. */
const DcCpuMapModel *dc_cpu_map_find (const char *name);

/* The table's models in libvirt's order (it tries the last first, and an
 * equal one tried later does not displace it): how many, and the
 * @index-th one. */
guint dc_cpu_map_size (void);
const DcCpuMapModel *dc_cpu_map_at (guint index);
