/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-reasons.h: why an answer says no.
 *
 * The renderer records, as it decides, why an element is supported='no',
 * why a CPU model is usable='no', and why a value a fuller host would
 * list is absent: where (a path in the answer), what (a state), a stable
 * code, the facts it rests on and one sentence. docs/reasons.md lists
 * every code. */
#pragma once

#include <glib.h>

/* states */
#define DC_REASON_UNSUPPORTED "unsupported"   /* supported='no' */
#define DC_REASON_UNUSABLE "unusable"         /* a model with usable='no' */
#define DC_REASON_ABSENT "absent"             /* a value not listed */

typedef struct {
  char *path;      /* dc_caps_node_path(): "devices/tpm/enum[backendModel]/emulator" */
  char *state;
  char *code;      /* stable, e.g. "qemu-lacks-type" */
  char *facts;     /* what it rests on, e.g. "qom-type:vfio-pci" */
  char *message;   /* one sentence for a person */
} DcReason;

DcReason *dc_reason_new (const char *path, const char *state,
                         const char *code, const char *facts,
                         const char *message);
void dc_reason_free (DcReason *reason);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcReason, dc_reason_free)

/* a(sssss): path, state, code, facts, message, in that order. */
GVariant *dc_reasons_to_variant (GPtrArray *reasons);
GPtrArray *dc_reasons_from_variant (GVariant *variant);
/* A JSON array of objects with those five members. */
char *dc_reasons_to_json (GPtrArray *reasons);
