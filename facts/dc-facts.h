/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-facts.h: what probing one emulator found out, as plain data.
 *
 * EmulatorFacts are built once from the replies of a probe conversation
 * and never change afterwards; they are shared by reference so that a
 * re-probe can swap them atomically. No XML, no policy: the renderer
 * decides what the facts mean for a domain. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "dc-cpu.h"

typedef struct {
  char *name;
  char *alias;       /* NULL when the machine has none */
  guint cpu_max;
  gboolean is_default;
  gboolean deprecated;
  gboolean no_acpi;  /* QEMU says it has none (query-machines' acpi, 8.0+) */
} DcMachine;

/* Schema lookups the probe records, as "command/arg-type|ret-type/member/..."
 * paths whose final type is an enum; the facts keep that enum's values. */
#define DC_SCHEMA_DISPLAY_TYPES "query-display-options/ret-type/type"
#define DC_SCHEMA_CHARDEV_BACKENDS "chardev-add/arg-type/backend/type"
#define DC_SCHEMA_NETDEV_TYPES "netdev_add/arg-type/type"

/* The QOM type whose properties tell x86 machine options (i8042: ps2). */
#define DC_PC_MACHINE_TYPE "generic-pc-machine"

typedef struct {
  guint node;
  guint64 size_kib;
} DcSgxSection;

typedef struct {
  gboolean present;        /* query-sgx-capabilities answered with SGX */
  gboolean flc, sgx1, sgx2;
  guint64 section_size_kib;/* the whole EPC */
  GArray *sections;        /* of DcSgxSection, per NUMA node; may be empty */
} DcSgxFacts;

typedef struct {
  gboolean present;        /* query-sev-capabilities answered */
  guint cbitpos;
  guint reduced_phys_bits;
  char *cpu0_id;           /* base64 of the first CPU's unique id, or NULL */
} DcSevFacts;

typedef struct {
  guint version;
  gboolean emulated;       /* TCG can provide it */
  gboolean kernel;         /* KVM can provide it */
} DcGicVersion;

typedef struct {
  char *path;              /* the probed binary, resolved */
  char *runs;              /* the binary that answered where that is not
                            * path (a wrapper script exec'd it), or NULL */
  char *version;           /* "7.2.22" */
  char *package;           /* QEMU's package string, may be "" */
  char *target;            /* QEMU's target name (query-target) */
  char *arch;              /* libvirt's arch name for it */
  GPtrArray *machines;     /* of DcMachine, in QEMU's order */
  GHashTable *qom_types;   /* set of non-abstract QOM type names */
  GHashTable *commands;    /* set of QMP command names */
  GHashTable *schema_enums;/* path (above) -> GStrv of enum values */
  GHashTable *tpm_models;  /* set, from query-tpm-models */
  GHashTable *tpm_types;   /* set, from query-tpm-types */
  GHashTable *options;     /* set of "OPTION.PARAMETER" of the command line
                            * (query-command-line-options) */
  GHashTable *pc_machine_properties; /* set: properties of x86's
                            * generic-pc-machine; empty elsewhere */
  gboolean tcg;            /* the tcg probe answered */
  char *tcg_error;         /* why tcg is not available, or NULL */
  gboolean kvm;            /* a kvm probe ran and KVM was enabled */
  char *kvm_error;         /* why kvm is not available, or NULL */
  /* Answers that depend on KVM, from the kvm process. */
  DcSgxFacts sgx;
  DcSevFacts sev;
  GArray *gic;             /* of DcGicVersion */
  GHashTable *hyperv;      /* hv-* properties true for "host" with hv-passthrough */
  /* CPU models as each accelerator sees them; NULL where it did not run. */
  DcCpuFacts *cpu_tcg;
  DcCpuFacts *cpu_kvm;
} DcEmulatorFacts;

void dc_machine_free (DcMachine *machine);

DcEmulatorFacts *dc_emulator_facts_new (void);
void dc_emulator_facts_unref (DcEmulatorFacts *facts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcEmulatorFacts, dc_emulator_facts_unref)

const DcMachine *dc_emulator_facts_default_machine (const DcEmulatorFacts *facts);
/* The machine a query that names none is answered for: libvirt 11's
 * preferred one for the arch (virt on ARM and RISC-V), else QEMU's
 * default, else libvirt's old fallback, else the first; NULL without
 * machines. */
const DcMachine *dc_emulator_facts_preferred_machine (const DcEmulatorFacts *facts);
/* Finds a machine by canonical name or alias. */
const DcMachine *dc_emulator_facts_find_machine (const DcEmulatorFacts *facts,
                                                 const char *name);
gboolean dc_emulator_facts_has_type (const DcEmulatorFacts *facts,
                                     const char *qom_type);
/* Whether some QOM type starts with @prefix. */
gboolean dc_emulator_facts_has_type_prefix (const DcEmulatorFacts *facts,
                                            const char *prefix);
gboolean dc_emulator_facts_has_command (const DcEmulatorFacts *facts,
                                        const char *command);
gboolean dc_emulator_facts_schema_has (const DcEmulatorFacts *facts,
                                       const char *path, const char *value);
