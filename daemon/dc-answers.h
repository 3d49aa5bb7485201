/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-answers.h: every answer at once, for inventory tools.
 *
 * For every emulator: its default machine and the machine each alias
 * names (pc -> pc-i440fx-7.2, q35 -> pc-q35-7.2), under each virttype it
 * serves, from the facts already probed (no QEMU runs). An emulator that
 * could not be probed gets one entry with its error. */
#pragma once

#include <gio/gio.h>

#include "dc-registry.h"

typedef struct {
  char *emulator;   /* real path */
  char *arch;
  char *machine;    /* canonical name; "" with an error */
  char *virttype;
  char *xml;        /* "" with an error */
  char *error;      /* "" with an answer */
} DcAnswer;

void dc_answer_free (DcAnswer *answer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcAnswer, dc_answer_free)

/* The answers (of DcAnswer), by emulator path, machine and virttype. */
GPtrArray *dc_answers_collect (DcRegistry *registry);

/* As D-Bus carries them: a(ssssss), the fields in DcAnswer's order. */
GVariant *dc_answers_to_variant (GPtrArray *answers);
GPtrArray *dc_answers_from_variant (GVariant *variant);

/* A JSON array of objects {emulator, arch, machine, virttype, and xml or
 * error}, for scripts. */
char *dc_answers_to_json (GPtrArray *answers);
