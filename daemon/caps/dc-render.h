/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-render.h: facts x host facts x query -> DomainCaps model.
 *
 * A pure function: no I/O, no QEMU, no global state. Every value it writes
 * is derived from what the emulator reported (QOM types, QMP commands,
 * schema enums, machines) and what the host offers. */
#pragma once

#include "dc-caps.h"
#include "dc-facts.h"
#include "dc-firmware.h"
#include "dc-host-facts.h"

typedef struct {
  const char *arch;           /* libvirt arch, one the emulator runs */
  const DcMachine *machine;   /* resolved, canonical */
  const char *virttype;       /* "kvm" or "qemu" */
  const char *path;           /* the <path> shown; NULL: the facts' path */
} DcRenderQuery;

/* @firmware: the usable descriptors (DcFirmware), already filtered for
 * executables that exist, so rendering needs no I/O. */
DcCapsNode *dc_render (const DcEmulatorFacts *facts, const DcHostFacts *host,
                       GPtrArray *firmware, const DcRenderQuery *query);

/* The same, appending to @reasons (of DcReason, dc-reasons.h) why each
 * supported='no', usable='no' and absent value is so, as decided. */
DcCapsNode *dc_render_explained (const DcEmulatorFacts *facts,
                                 const DcHostFacts *host, GPtrArray *firmware,
                                 const DcRenderQuery *query, GPtrArray *reasons);

/* The renderer's rule tables (enum values offered with one emulator fact
 * each) as a Markdown table, the one docs/architecture.md carries. */
char *dc_render_rules_markdown (void);
