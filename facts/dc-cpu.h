/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-cpu.h: what one QEMU process said about CPU models.
 *
 * Per accelerator: QEMU's CPU definitions (query-cpu-definitions) with
 * what blocks each one, the static expansion of the host's CPU as that
 * accelerator sees it ("host" under kvm, "max" under tcg), the static
 * expansion of each named model that host-model may pick from, and
 * whether the host and max CPU types take a "migratable" property.
 * Feature names stay in QEMU's spelling here. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct {
  char *name;
  char *alias_of;          /* the versioned model it names, or NULL */
  char *type_name;         /* QOM type, or NULL */
  gboolean deprecated;
  gboolean usable_known;   /* QEMU said which features block it */
  char **blockers;         /* unavailable features; empty when usable */
} DcCpuDefinition;

typedef struct {
  char *vendor;            /* CPUID vendor string, "" if QEMU gave none */
  char *model_id;          /* "" if QEMU gave none */
  gint family, model, stepping;   /* -1 if QEMU gave none */
  GHashTable *features;    /* set: feature properties that are true */
  GHashTable *switched_off;/* set: features of the model TCG turned off
                            * (see dc_cpu_facts_settle); TCG's models only */
} DcCpuExpansion;

typedef struct {
  gboolean answered;       /* query-cpu-definitions answered */
  GPtrArray *definitions;  /* of DcCpuDefinition, in QEMU's order */
  DcCpuExpansion *host;    /* "host" (kvm) or "max" (tcg); NULL if none */
  GHashTable *models;      /* model name -> DcCpuExpansion */
  gboolean host_migratable;/* the "host" CPU type has "migratable" */
  gboolean max_migratable; /* the "max" CPU type has "migratable" */
} DcCpuFacts;

/* A set of strings it owns (names of features, types, commands, ...). */
GHashTable *dc_string_set_new (void);

DcCpuFacts *dc_cpu_facts_new (void);
void dc_cpu_facts_free (DcCpuFacts *cpu);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcCpuFacts, dc_cpu_facts_free)

DcCpuExpansion *dc_cpu_expansion_new (void);
void dc_cpu_expansion_free (DcCpuExpansion *expansion);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcCpuExpansion, dc_cpu_expansion_free)

void dc_cpu_definition_free (DcCpuDefinition *definition);

const DcCpuDefinition *dc_cpu_facts_find (const DcCpuFacts *cpu,
                                          const char *name);
