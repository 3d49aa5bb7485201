/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-answerer.h: answers to queries, from the registry's facts.
 *
 * A query goes one way: the service (or domcapsctl --direct) -> the
 * answerer -> dc-query.h (pure: defaults, emulator choice) -> caps (the
 * model) -> XML. The answerer reads the registry and never the other way
 * round; it owns what answering keeps: the memo of rendered answers,
 * valid for one generation of the registry's facts
 * (dc_registry_get_generation()), so it dies with the facts it came from
 * and nobody forgets it by hand. */
#pragma once

#include <gio/gio.h>

#include "dc-caps.h"
#include "dc-host-caps.h"
#include "dc-registry.h"
#include "dc-wire.h"

/* A query as GetDomainCapabilities takes it ("" for "not given"). */
typedef struct {
  const char *emulatorbin;
  const char *arch;
  const char *machine;
  const char *virttype;
  guint flags;
} DcQuestion;

typedef struct _DcAnswerer DcAnswerer;

/* @registry is borrowed and must outlive the answerer. */
DcAnswerer *dc_answerer_new (DcRegistry *registry);
void dc_answerer_free (DcAnswerer *answerer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcAnswerer, dc_answerer_free)

/* The answer to GetDomainCapabilities; see the D-Bus documentation. May
 * read the chosen emulator's facts from the disk cache (and, if they
 * cannot be read back, queue its probe and fail). */
char *dc_answerer_xml (DcAnswerer *answerer, const DcQuestion *question,
                       GError **error);
/* The same, and the facts it was rendered from in *@facts (borrowed:
 * valid until the registry's emulators change). */
char *dc_answerer_xml_and_facts (DcAnswerer *answerer, const DcQuestion *question,
                                 const DcEmulatorFacts **facts, GError **error);
/* The same answer as a model (dc-caps.h), rendered anew (not from the
 * memo), and its facts as dc_answerer_xml_and_facts() gives them. */
DcCapsNode *dc_answerer_model (DcAnswerer *answerer, const DcQuestion *question,
                               const DcEmulatorFacts **facts, GError **error);
/* An answer with what ValidateDomain checks a domain against. */
typedef struct {
  const DcCapsNode *model;
  GHashTable *reasons;       /* reason path -> DcReason */
  GHashTable *qom_types;     /* the emulator's QOM types (a set) */
  gboolean machine_no_acpi;  /* QEMU says the machine has no ACPI */
} DcExplained;

/* The answer to @question as DcExplained, kept for the registry's
 * generation (ValidateDomain asks it of every domain): borrowed, valid
 * until the emulators' facts change. Fails as dc_answerer_xml(). */
const DcExplained *dc_answerer_explained (DcAnswerer *answerer, const DcQuestion *question,
                                          GError **error);
/* Why the same answer says no where it does (DcReason, dc-wire.h),
 * rendered again from the same facts; fails as dc_answerer_xml(). */
GPtrArray *dc_answerer_explain (DcAnswerer *answerer, const DcQuestion *question,
                                GError **error);
/* Every emulator's default machine and the canonical machine of each
 * alias, under each virttype it serves (DcAnswerRow, dc-wire.h); an
 * emulator without facts gets one row with its error. */
GPtrArray *dc_answerer_all (DcAnswerer *answerer);
/* @emulator as ListEmulators describes it. */
DcEmulatorInfo *dc_answerer_describe (DcAnswerer *answerer, DcEmulator *emulator);

/* The real paths of the emulators that may answer a query for
 * @emulatorbin (that one) or @arch ("" or NULL: the host's), judged by
 * their names alone, before any probe (dc_query_candidates()). */
GPtrArray *dc_answerer_candidates (DcAnswerer *answerer, const char *emulatorbin,
                                   const char *arch);

/* Where the host part of host capabilities is read (default "/"). */
void dc_answerer_set_host_root (DcAnswerer *answerer, const char *root);
/* Reads the host part of host capabilities and keeps it; returns whether
 * it differs from what was kept before (the first reading counts as no
 * change). Power management is asked of logind only where the root is
 * "/". dc_answerer_capabilities() reads it first if it never was. */
gboolean dc_answerer_read_host (DcAnswerer *answerer);
/* The host facts the answers are rendered with. */
const DcHostFacts *dc_answerer_host_facts (DcAnswerer *answerer);
/* The host part as last read (read first if it never was). */
const DcHostCaps *dc_answerer_host_caps (DcAnswerer *answerer);
/* Host capabilities (GetCapabilities): the host part as last read, and a
 * <guest> for each arch whose emulator, chosen as libvirt chooses it
 * (dc_query_default_emulator), has facts. */
char *dc_answerer_capabilities (DcAnswerer *answerer, GError **error);
/* The archs' emulators dc_answerer_capabilities() reads (real paths):
 * what a GetCapabilities call waits for. */
GPtrArray *dc_answerer_capabilities_emulators (DcAnswerer *answerer);
