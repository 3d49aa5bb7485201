/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-registry.h: the emulators this daemon knows, their probe state and
 * facts.
 *
 * Discovery finds every executable qemu-system-* in the emulator
 * directories (one entry per real binary, with every name it was found
 * under); probing runs at most max_parallel emulators at once. Answers
 * are the answerer's (dc-answerer.h), which reads the registry and never
 * the other way round. */
#pragma once

#include <gio/gio.h>

#include "dc-cache.h"
#include "dc-facts.h"
#include "dc-host.h"

typedef enum {
  DC_EMULATOR_PENDING,
  DC_EMULATOR_PROBING,
  DC_EMULATOR_READY,
  DC_EMULATOR_FAILED,
  DC_EMULATOR_UNUSABLE,   /* not a failure: this host cannot run it at all
                           * (a KVM-only build without KVM); its error says
                           * why, and the disk cache remembers it */
} DcEmulatorState;

/* One emulator binary as the registry knows it; read with the accessors
 * below, owned by the registry (valid until the emulators change). */
typedef struct _DcEmulator DcEmulator;

const char *dc_emulator_get_path (const DcEmulator *emulator);
/* Every path it was found under (char *). */
GPtrArray *dc_emulator_get_names (const DcEmulator *emulator);
DcEmulatorState dc_emulator_get_state (const DcEmulator *emulator);
/* Why the last probe failed, or NULL. */
const char *dc_emulator_get_error (const DcEmulator *emulator);
/* After a failure that may pass: the wall-clock time (µs) of the next
 * try, or 0. */
gint64 dc_emulator_get_retry_at (const DcEmulator *emulator);

/* How the registry probes one emulator: dc_probe_emulator_async() and
 * _finish() (dc-probe.h) unless a test puts its own. */
typedef void (*DcRegistryProbeAsync) (const char *path, gboolean try_kvm,
                                      guint timeout_seconds,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
typedef DcEmulatorFacts *(*DcRegistryProbeFinish) (GAsyncResult *result,
                                                   GError **error);

typedef struct {
  const char *const *emulator_dirs;
  guint probe_timeout;     /* seconds per probe */
  guint max_parallel;      /* emulators probed at once */
  DcCache *cache;          /* borrowed; NULL: no disk cache */
  guint retry_delay;       /* seconds before the first retry of a transient
                            * failure (0: DC_REGISTRY_RETRY_DELAY); each next
                            * waits DC_REGISTRY_RETRY_FACTOR times longer */
  DcRegistryProbeAsync probe_async;   /* NULL: the real probe */
  DcRegistryProbeFinish probe_finish;
} DcRegistryOptions;

#define DC_REGISTRY_RETRY_DELAY 10
#define DC_REGISTRY_RETRY_FACTOR 6
#define DC_REGISTRY_MAX_RETRIES 3


#define DC_TYPE_REGISTRY (dc_registry_get_type ())
G_DECLARE_FINAL_TYPE (DcRegistry, dc_registry, DC, REGISTRY, GObject)

/* @host (and options->cache) are borrowed and must outlive the registry.
 * Signal "emulator-probed" (const char *path): a probe finished.
 * Signal "capabilities-changed" (const char *path): answers for that
 *   emulator may differ now (probed again, firmware changed, or gone).
 * Signal "emulators-changed": the set of emulators changed. */
DcRegistry *dc_registry_new (const DcRegistryOptions *options,
                             const DcHostFacts *host);

/* Replaces the firmware descriptors (a GPtrArray of DcFirmware, taken by
 * reference) and forgets every rendered answer; runs no QEMU. */
void dc_registry_set_firmware (DcRegistry *registry, GPtrArray *firmware);

/* Looks for emulators again: adds new ones (pending), drops vanished ones. */
void dc_registry_discover (DcRegistry *registry);

/* Probes @path (NULL: every emulator) and finishes when that is done;
 * with @use_cache, facts cached for the very same binary and host are
 * taken instead of running QEMU. With a single emulator, fails with
 * DC_ERROR_PROBE_FAILED if it failed. */
void dc_registry_probe_async (DcRegistry *registry, const char *path,
                              gboolean use_cache,
                              GAsyncReadyCallback callback,
                              gpointer user_data);
gboolean dc_registry_probe_finish (DcRegistry *registry, GAsyncResult *result,
                                   GError **error);

/* Whether no query about @paths (real paths or names) must wait: none is
 * waiting for a probe or running one, and none's binary changed since
 * its facts were taken. Unknown paths do not count. */
gboolean dc_registry_settled (DcRegistry *registry, GPtrArray *paths);
/* Finishes once dc_registry_settled (@paths) holds: the probes they wait
 * for go to the head of the queue, and a binary changed on disk is probed
 * again first. Never fails: how each probe ended is its state. */
void dc_registry_settle_async (DcRegistry *registry, GPtrArray *paths,
                               GAsyncReadyCallback callback, gpointer user_data);
gboolean dc_registry_settle_finish (DcRegistry *registry, GAsyncResult *result,
                                    GError **error);

/* After a change in the emulator directories: discovers again, probes new
 * emulators and those whose binary changed, drops vanished ones. */
void dc_registry_rescan (DcRegistry *registry);

/* The host facts changed (/dev/kvm appeared or went): every emulator is
 * probed again, from the cache where it holds facts for the host as it
 * is now. */
void dc_registry_host_changed (DcRegistry *registry);

/* The directories worth watching: @emulator_dirs and those holding the
 * real binaries behind symlinks. */
char **dc_registry_watch_dirs (DcRegistry *registry);

/* Cancels running probes (killing and reaping their QEMU) and calls
 * @done once none is left. */
void dc_registry_shutdown (DcRegistry *registry, GSourceFunc done,
                           gpointer user_data);

/* libvirt's name for the host's arch (the default of a query). */
const char *dc_registry_get_host_arch (DcRegistry *registry);

/* The emulators, sorted by path. */
GPtrArray *dc_registry_list (DcRegistry *registry);
/* The emulator known under @path (a name or its real path), or NULL.
 * Only compares with discovered names; never executes anything. */
DcEmulator *dc_registry_lookup (DcRegistry *registry, const char *path);

/* @emulator's last good facts, or NULL. Reads them from the disk cache
 * when they are only there, and keeps them (docs/architecture.md, "What
 * the daemon keeps in memory"); if that file cannot be read back any
 * more, returns NULL and queues a probe of @emulator. */
const DcEmulatorFacts *dc_registry_load_facts (DcRegistry *registry,
                                               DcEmulator *emulator);
/* What @emulator's facts say it is (its cache file's first line), or
 * NULL while it has none. */
const DcFactsSummary *dc_emulator_get_summary (const DcEmulator *emulator);

/* A number that changes whenever answers may change: any emulator's facts,
 * the set of emulators, or the firmware. What was computed under one
 * generation is stale under another (dc-answerer.c's memo). */
guint64 dc_registry_get_generation (DcRegistry *registry);
const DcHostFacts *dc_registry_get_host (DcRegistry *registry);
/* The firmware descriptors (DcFirmware), as last set. */
GPtrArray *dc_registry_get_firmware (DcRegistry *registry);
const char *dc_emulator_state_to_string (DcEmulatorState state);
