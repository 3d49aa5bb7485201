/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-render-host.h: host capabilities (libvirt's <capabilities>) as a
 * model: the host part from DcHostCaps, one <guest> per arch from the
 * facts of the emulator libvirt would take for it.
 *
 * Pure, as dc-render.h is: which emulator answers an arch is decided by
 * the caller (dc-answerer.c); this only writes what they are. */
#pragma once

#include "dc-caps.h"
#include "dc-facts.h"
#include "dc-host-caps.h"
#include "dc-host-facts.h"

typedef struct {
  const char *arch;               /* libvirt's arch */
  guint wordsize;
  const char *emulator;           /* the path shown */
  const DcEmulatorFacts *facts;
} DcCapsGuest;

/* @guests: of DcCapsGuest, in libvirt's arch order. */
DcCapsNode *dc_render_capabilities (const DcHostCaps *host_caps,
                                    const DcHostFacts *host, GPtrArray *guests);
