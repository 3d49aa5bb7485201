/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-engine.h: everything that answers a query, with no bus around it.
 *
 * Host facts, the disk cache, the firmware descriptors, the emulator
 * registry and the answerer, set up from the options the daemon and the
 * one-shot client (domcapsctl --direct) share, so both give
 * byte-identical answers. */
#pragma once

#include <gio/gio.h>

#include "dc-answerer.h"
#include "dc-registry.h"

typedef struct {
  const char *const *emulator_dirs; /* NULL: $PATH's dirs and /usr/libexec */
  const char *const *firmware_dirs; /* NULL: dc_firmware_default_dirs() */
  gboolean user_firmware;  /* default dirs include the user's own */
  const char *cache_dir;   /* NULL: no disk cache */
  const char *host_root;   /* NULL: "/" */
  guint probe_timeout;     /* seconds per probe */
  guint retry_delay;       /* see DcRegistryOptions */
  gboolean probe_in_helper;/* each probe in a helper process (dc-helper.h) */
} DcEngineOptions;

typedef struct _DcEngine DcEngine;

DcEngine *dc_engine_new (const DcEngineOptions *options);
void dc_engine_free (DcEngine *engine);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcEngine, dc_engine_free)

DcRegistry *dc_engine_get_registry (DcEngine *engine);
DcAnswerer *dc_engine_get_answerer (DcEngine *engine);
/* The firmware descriptor directories, lowest precedence first. */
const char *const *dc_engine_get_firmware_dirs (DcEngine *engine);

/* Reads the firmware descriptors again and hands them to the registry. */
void dc_engine_load_firmware (DcEngine *engine);

/* Reads again what /dev offers (KVM, VFIO, iommufd). Where that changed,
 * the cache takes the new host key and every emulator is probed again
 * (dc_registry_host_changed); returns whether it did. */
gboolean dc_engine_reread_host_devices (DcEngine *engine);
/* The host facts, as last read. */
const DcHostFacts *dc_engine_get_host (DcEngine *engine);

typedef void (*DcEngineReady) (gpointer user_data);

/* Asks swtpm, discovers the emulators and probes every one (facts from
 * the disk cache where they are current). @host_ready (may be NULL) is
 * called once the host facts are complete, which every answer needs
 * besides its emulator's facts; the start finishes when all of it is
 * done; a failed probe is the emulator's state, not an error of the start. */
void dc_engine_start_async (DcEngine *engine, DcEngineReady host_ready,
                            GAsyncReadyCallback callback, gpointer user_data);
/* The same, probing only the emulators that may answer a query for
 * @emulatorbin and @arch (dc_answerer_candidates). */
void dc_engine_start_for_query_async (DcEngine *engine,
                                      const char *emulatorbin,
                                      const char *arch,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
void dc_engine_start_finish (DcEngine *engine, GAsyncResult *result);

/* Checks the options the daemon and domcapsctl share: --system and
 * --session exclude each other; --probe-timeout takes 1 to 3600 seconds
 * (0: not given, the default). */
gboolean dc_engine_check_options (gboolean system_bus, gboolean session_bus,
                                  int probe_timeout, GError **error);

#define DC_ENGINE_PROBE_TIMEOUT 30

/* $PATH's absolute directories, then /usr/libexec, each once. */
char **dc_engine_default_emulator_dirs (void);
