/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-wire.h: what travels between the daemon and its clients.
 *
 * The bus name and object path, the limits on arguments, and every record
 * a reply carries with its D-Bus form and its JSON form (--json): the
 * reasons of an answer, the rows of GetAllDomainCapabilities, the entries
 * of ListEmulators, the node labels. The daemon writes them and
 * domcapsctl reads them with this one module, so the two cannot part.
 * Plain GLib and json-glib: the lowest layer, shared by everyone. */
#pragma once

#include <glib.h>

#define DC_BUS_NAME "org.domcapsd.DomainCapabilities1"
#define DC_OBJECT_PATH "/org/domcapsd/DomainCapabilities1"

/* The longest arguments a query takes (an emulator path; a name). */
#define DC_WIRE_MAX_PATH 4096
#define DC_WIRE_MAX_NAME 256

/* ---- why an answer says no (GetDomainCapabilitiesReasons) ---- */

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

/* ---- every answer at once (GetAllDomainCapabilities) ---- */

typedef struct {
  char *emulator;   /* real path */
  char *arch;
  char *machine;    /* canonical name; "" with an error */
  char *virttype;
  char *xml;        /* "" with an error */
  char *error;      /* "" with an answer */
} DcAnswerRow;

DcAnswerRow *dc_answer_row_new (const char *emulator, const char *arch,
                                const char *machine, const char *virttype,
                                const char *xml, const char *error);
void dc_answer_row_free (DcAnswerRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcAnswerRow, dc_answer_row_free)

/* a(ssssss), the fields in DcAnswerRow's order. */
GVariant *dc_answer_rows_to_variant (GPtrArray *rows);
GPtrArray *dc_answer_rows_from_variant (GVariant *variant);
/* A JSON array of objects {emulator, arch, machine, virttype, and xml or
 * error}, for scripts. */
char *dc_answer_rows_to_json (GPtrArray *rows);

/* ---- problems of a domain (ValidateDomain) ---- */

typedef struct {
  char *where;       /* in the domain XML: "/domain/devices/disk[2]/target/@bus" */
  char *severity;    /* DC_PROBLEM_ERROR or DC_PROBLEM_WARNING */
  char *code;        /* stable; an explain code where the reason is the same */
  char *capability;  /* its path in the domain capabilities answer */
  char *message;     /* one sentence for a person */
  char *fix;         /* what a user can do about it */
} DcProblem;

#define DC_PROBLEM_ERROR "error"
#define DC_PROBLEM_WARNING "warning"

DcProblem *dc_problem_new (const char *where, const char *severity, const char *code,
                           const char *capability, const char *message,
                           const char *fix);
void dc_problem_free (DcProblem *problem);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcProblem, dc_problem_free)

/* a(ssssss), the fields in DcProblem's order; and back. */
GVariant *dc_problems_to_variant (GPtrArray *problems);
GPtrArray *dc_problems_from_variant (GVariant *variant);
/* A JSON array of objects {where, severity, code, capability, message, fix}. */
char *dc_problems_to_json (GPtrArray *problems);

/* ---- one emulator as ListEmulators describes it ---- */

typedef struct {
  char *path;
  GStrv names;
  char *state;             /* pending, probing, ready, failed */
  char *error;             /* "" when none */
  char *arch;              /* "" until probed */
  GStrv arches;            /* the arches it runs */
  char *default_machine;   /* "" until probed */
  GStrv machines;          /* canonical names, in QEMU's order ... */
  GStrv aliases;           /* ... and each one's alias or "" */
  GStrv virttypes;
  char *version;           /* "" until probed */
  gint64 next_try;         /* Unix time of the next try after a failure
                            * that may pass, or 0 */
} DcEmulatorInfo;

void dc_emulator_info_free (DcEmulatorInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcEmulatorInfo, dc_emulator_info_free)

/* a{sv}, the keys of docs/dbus-api.md ("machines" as a(ss)); next-try
 * only when there is one. */
GVariant *dc_emulator_info_to_variant (const DcEmulatorInfo *info);
/* Every key read with its type checked; a missing one is empty. */
DcEmulatorInfo *dc_emulator_info_from_variant (GVariant *dict);

/* ---- node labels (GetNodeLabels) ---- */

/* a{ss} from a table of label -> value, and back. */
GVariant *dc_labels_to_variant (GHashTable *labels);
GHashTable *dc_labels_from_variant (GVariant *variant);
