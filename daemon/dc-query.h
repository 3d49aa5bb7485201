/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-query.h: answering a query over a snapshot of the emulators.
 *
 * Pure: given what the registry knows at this moment (each emulator's
 * paths and facts, the host, the firmware), resolve a query's defaults
 * (docs/architecture.md, "Defaults of GetDomainCapabilities") and render
 * the answer, memoised per (emulator, arch, machine, virttype). Nothing
 * here calls back into the registry or runs anything, so it is tested
 * alone (tests/test-query.c). */
#pragma once

#include <glib.h>

#include "dc-caps.h"
#include "dc-facts.h"
#include "dc-firmware.h"
#include "dc-host-facts.h"
#include "dc-wire.h"

typedef struct {
  const char *path;          /* real path */
  GPtrArray *names;          /* every path it was found under (char *) */
  const DcEmulatorFacts *facts;  /* NULL until probed, or not read yet */
  const char *arch;          /* what it emulates when @facts are not at */
  const char *target;        /* hand (else NULL: @facts' own count) */
  const char *error;         /* why it has no facts, or NULL */
  gboolean unusable;         /* this host cannot run it at all (@error: why) */
} DcQueryEmulator;

typedef struct {
  GPtrArray *emulators;      /* of DcQueryEmulator *, sorted by path */
  const DcHostFacts *host;
  GPtrArray *firmware;       /* of DcFirmware */
} DcQuerySnapshot;

typedef struct {
  const DcQueryEmulator *emulator;
  const char *arch;
  const DcMachine *machine;
  const char *virttype;
} DcResolvedQuery;

/* The arguments of a query (libvirt's GetDomainCapabilities arguments,
 * "" for "not given"), checked once before anything is looked up or
 * copied: no flag is defined, and each is short enough
 * (DC_WIRE_MAX_PATH, DC_WIRE_MAX_NAME); fails with INVALID_ARGUMENT. The
 * functions below take checked arguments only. */
gboolean dc_query_check (const char *emulatorbin, const char *arch,
                         const char *machine, const char *virttype,
                         guint flags, GError **error);

/* The emulator that answers a query, chosen by what each emulates (its
 * facts' or its arch and target), the arch resolved (*@arch); no facts
 * needed; NULL with a DC_ERROR. */
const DcQueryEmulator *dc_query_pick (const DcQuerySnapshot *snapshot,
                                      const char *emulatorbin, const char **arch,
                                      GError **error);

/* Resolves a query against @snapshot, which must have the facts of the
 * emulator dc_query_pick() chooses; fails with a DC_ERROR. */
gboolean dc_query_resolve (const DcQuerySnapshot *snapshot,
                           const char *emulatorbin, const char *arch,
                           const char *machine, const char *virttype,
                           DcResolvedQuery *out, GError **error);

/* The virttypes an emulator of @arch whose tcg and kvm probes answered
 * as @tcg and @kvm serves on @host ("kvm", "qemu"; static strings). */
GPtrArray *dc_query_virttypes (const DcHostFacts *host, const char *arch,
                               gboolean tcg, gboolean kvm);

/* The real paths of the emulators that may answer a query for
 * @emulatorbin (that one) or @arch ("" or NULL: the host's), judged by
 * their names alone, before any probe: those whose name promises an arch
 * that runs @arch, or every emulator if no name does. */
GPtrArray *dc_query_candidates (const DcQuerySnapshot *snapshot,
                                const char *emulatorbin, const char *arch);

/* Rendered answers, per emulator. */
typedef struct _DcQueryMemo DcQueryMemo;

DcQueryMemo *dc_query_memo_new (void);
void dc_query_memo_free (DcQueryMemo *memo);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcQueryMemo, dc_query_memo_free)
/* The memo holds answers rendered from the facts of one generation
 * (dc_registry_get_generation()): under another, it forgets them all. */
void dc_query_memo_sync (DcQueryMemo *memo, guint64 generation);

/* The XML of @answer if @memo has it, or NULL. */
const char *dc_query_memo_lookup (DcQueryMemo *memo, const DcResolvedQuery *answer);

/* The XML already rendered for a question asked exactly so before (no
 * flags), or NULL: answers a repeated question without resolving it. */
const char *dc_query_memo_lookup_question (DcQueryMemo *memo,
                                           const char *emulatorbin,
                                           const char *arch, const char *machine,
                                           const char *virttype);
/* Remembers that the question was answered by @answer's XML in @memo. */
void dc_query_memo_remember_question (DcQueryMemo *memo, const char *emulatorbin,
                                      const char *arch, const char *machine,
                                      const char *virttype,
                                      const DcResolvedQuery *answer);

/* The XML of @answer, from @memo or rendered (and remembered). */
char *dc_query_render (DcQueryMemo *memo, const DcQuerySnapshot *snapshot,
                       const DcResolvedQuery *answer, GError **error);

/* @answer's model (dc-caps.h), rendered. */
DcCapsNode *dc_query_model (const DcQuerySnapshot *snapshot,
                            const DcResolvedQuery *answer);

/* Why @answer says no where it does (DcReason), rendered again. */
/* The model and, appended to @reasons, why it says no where it does:
 * one rendering for both. */
DcCapsNode *dc_query_model_explained (const DcQuerySnapshot *snapshot,
                                      const DcResolvedQuery *answer, GPtrArray *reasons);
GPtrArray *dc_query_explain (const DcQuerySnapshot *snapshot,
                             const DcResolvedQuery *answer);

/* The emulator libvirt takes for guests of @arch in host capabilities
 * (virQEMUCapsGetDefaultEmulator): the one found as qemu-system-ARCH
 * (i386 for i686, arm for armv6l and armv7l; aarch64 first for armv7l on
 * an aarch64 host), else as the target a native guest runs on (the
 * host's; ppc64 for ppc64le); NULL if none is. *@shown: the name it was
 * found under. */
const DcQueryEmulator *dc_query_default_emulator (const DcQuerySnapshot *snapshot,
                                                  const char *arch,
                                                  const char **shown);
