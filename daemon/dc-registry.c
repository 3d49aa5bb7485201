/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-registry.c: discovery, probe scheduling and answering queries. */
#include "config.h"

#include "dc-registry.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dc-arch.h"
#include "dc-cache.h"
#include "dc-caps-xml.h"
#include "dc-errors.h"
#include "dc-probe.h"
#include "dc-reasons.h"
#include "dc-render.h"

#define EMULATOR_PREFIX "qemu-system-"
#define MAX_PATH_ARG 4096
#define MAX_NAME_ARG 256

struct _DcRegistry {
  GObject parent_instance;
  GStrv dirs;
  guint probe_timeout;
  guint max_parallel;
  guint retry_delay;
  const DcHostFacts *host;
  DcCache *cache;          /* borrowed, may be NULL */
  GPtrArray *firmware;     /* DcFirmware */
  char *firmware_description;
  GHashTable *emulators;   /* real path -> DcEmulator */
  GQueue queue;            /* real paths waiting for a probe slot */
  guint running;
  GCancellable *cancellable;
  GSourceFunc shutdown_done;
  gpointer shutdown_data;
};

G_DEFINE_TYPE (DcRegistry, dc_registry, G_TYPE_OBJECT)

enum {
  SIGNAL_EMULATOR_PROBED,
  SIGNAL_EMULATORS_CHANGED,
  SIGNAL_CAPABILITIES_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

typedef struct {
  guint pending;
  char *error;     /* first failure, for a single-emulator probe */
  gboolean single;
} Batch;

static void
batch_free (Batch *batch)
{
  g_free (batch->error);
  g_free (batch);
}

static void
emulator_free (DcEmulator *emulator)
{
  g_clear_handle_id (&emulator->retry_source, g_source_remove);
  g_free (emulator->path);
  g_ptr_array_unref (emulator->names);
  g_free (emulator->error);
  g_clear_pointer (&emulator->facts, dc_emulator_facts_unref);
  g_hash_table_unref (emulator->rendered);
  g_ptr_array_unref (emulator->waiters);
  g_free (emulator);
}

static DcEmulator *
emulator_new (const char *path)
{
  DcEmulator *emulator = g_new0 (DcEmulator, 1);

  emulator->path = g_strdup (path);
  emulator->names = g_ptr_array_new_with_free_func (g_free);
  emulator->rendered = g_hash_table_new_full (g_str_hash, g_str_equal,
                                              g_free, g_free);
  emulator->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  return emulator;
}

static void
dc_registry_finalize (GObject *object)
{
  DcRegistry *self = DC_REGISTRY (object);

  g_strfreev (self->dirs);
  g_ptr_array_unref (self->firmware);
  g_free (self->firmware_description);
  g_hash_table_unref (self->emulators);
  g_queue_clear_full (&self->queue, g_free);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (dc_registry_parent_class)->finalize (object);
}

static void
dc_registry_class_init (DcRegistryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dc_registry_finalize;
  signals[SIGNAL_EMULATOR_PROBED] =
    g_signal_new ("emulator-probed", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_STRING);
  signals[SIGNAL_CAPABILITIES_CHANGED] =
    g_signal_new ("capabilities-changed", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_STRING);
  signals[SIGNAL_EMULATORS_CHANGED] =
    g_signal_new ("emulators-changed", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dc_registry_init (DcRegistry *self)
{
  self->emulators = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify) emulator_free);
  self->cancellable = g_cancellable_new ();
  self->firmware = g_ptr_array_new ();
  g_queue_init (&self->queue);
}

DcRegistry *
dc_registry_new (const DcRegistryOptions *options, const DcHostFacts *host)
{
  DcRegistry *self = g_object_new (DC_TYPE_REGISTRY, NULL);

  self->dirs = g_strdupv ((char **) options->emulator_dirs);
  self->probe_timeout = MAX (options->probe_timeout, 1);
  self->max_parallel = MAX (options->max_parallel, 1);
  self->retry_delay = options->retry_delay ? options->retry_delay
                                           : DC_REGISTRY_RETRY_DELAY;
  self->host = host;
  self->cache = options->cache;
  return self;
}

void
dc_registry_set_firmware (DcRegistry *self, GPtrArray *firmware)
{
  g_autofree char *description = dc_firmware_describe (firmware);
  g_autoptr(GPtrArray) list = NULL;

  g_ptr_array_unref (self->firmware);
  self->firmware = g_ptr_array_ref (firmware);
  if (g_strcmp0 (description, self->firmware_description) == 0)
    return;
  g_free (self->firmware_description);
  self->firmware_description = g_steal_pointer (&description);
  list = dc_registry_list (self);
  for (guint i = 0; i < list->len; i++)
    {
      DcEmulator *emulator = g_ptr_array_index (list, i);

      g_hash_table_remove_all (emulator->rendered);
      if (emulator->facts != NULL)
        g_signal_emit (self, signals[SIGNAL_CAPABILITIES_CHANGED], 0,
                       emulator->path);
    }
}

/* ---- discovery ---- */

static gboolean
is_emulator_name (const char *name)
{
  const char *rest;

  if (!g_str_has_prefix (name, EMULATOR_PREFIX))
    return FALSE;
  rest = name + strlen (EMULATOR_PREFIX);
  /* Skips dpkg's temporary files (qemu-system-x86_64.dpkg-new) and such. */
  for (const char *p = rest; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;
  return *rest != '\0';
}

static void
add_name (GHashTable *found, const char *real, const char *name)
{
  GPtrArray *names = g_hash_table_lookup (found, real);

  if (names == NULL)
    {
      names = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (found, g_strdup (real), names);
    }
  if (!g_ptr_array_find_with_equal_func (names, name, g_str_equal, NULL))
    g_ptr_array_add (names, g_strdup (name));
}

static void
scan_dir (GHashTable *found, const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *full = NULL;
      g_autofree char *real = NULL;

      if (!is_emulator_name (name))
        continue;
      full = g_build_filename (dir, name, NULL);
      real = realpath (full, NULL);
      if (real == NULL || !g_file_test (real, G_FILE_TEST_IS_REGULAR) ||
          access (real, X_OK) != 0)
        continue;
      add_name (found, real, full);
    }
}

static gpointer
copy_string (gconstpointer src, gpointer user_data)
{
  return g_strdup (src);
}

static gboolean
merge_found (DcRegistry *self, GHashTable *found)
{
  GHashTableIter iter;
  gpointer key, value;
  gboolean changed = FALSE;

  g_hash_table_iter_init (&iter, self->emulators);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (found, key))
      {
        g_autofree char *path = g_strdup (key);

        g_info ("Emulator %s is gone", path);
        g_hash_table_iter_remove (&iter);
        g_signal_emit (self, signals[SIGNAL_CAPABILITIES_CHANGED], 0, path);
        changed = TRUE;
      }
  g_hash_table_iter_init (&iter, found);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      DcEmulator *emulator = g_hash_table_lookup (self->emulators, key);

      if (emulator == NULL)
        {
          emulator = emulator_new (key);
          g_hash_table_insert (self->emulators, emulator->path, emulator);
          changed = TRUE;
        }
      g_ptr_array_set_size (emulator->names, 0);
      g_ptr_array_extend (emulator->names, value, copy_string, NULL);
    }
  return changed;
}

void
dc_registry_discover (DcRegistry *self)
{
  g_autoptr(GHashTable) found =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                           (GDestroyNotify) g_ptr_array_unref);

  for (guint i = 0; self->dirs[i] != NULL; i++)
    scan_dir (found, self->dirs[i]);
  if (merge_found (self, found))
    g_signal_emit (self, signals[SIGNAL_EMULATORS_CHANGED], 0);
}

/* ---- probing ---- */

static gboolean
should_try_kvm (DcRegistry *self, DcEmulator *emulator)
{
  if (!self->host->kvm_usable)
    return FALSE;
  for (guint i = 0; i < emulator->names->len; i++)
    {
      g_autofree char *base = g_path_get_basename (g_ptr_array_index (emulator->names, i));
      g_autofree char *hint = dc_arch_hint_from_name (base);

      if (hint != NULL && dc_arch_kvm_compatible (self->host->arch, hint))
        return TRUE;
    }
  return FALSE;
}

static void
complete_waiters (DcEmulator *emulator)
{
  for (guint i = 0; i < emulator->waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (emulator->waiters, i);
      Batch *batch = g_task_get_task_data (task);

      if (batch->single && emulator->error != NULL && batch->error == NULL)
        batch->error = g_strdup (emulator->error);
      if (--batch->pending > 0)
        continue;
      if (batch->error != NULL)
        g_task_return_new_error (task, DC_ERROR, DC_ERROR_PROBE_FAILED,
                                 "%s", batch->error);
      else
        g_task_return_boolean (task, TRUE);
    }
  g_ptr_array_set_size (emulator->waiters, 0);
}

/* One journal line per emulator probed or loaded, at notice priority
 * (what a service owner filters on): DOMCAPSD_EMULATOR, DOMCAPSD_OUTCOME
 * (probed, cached), DOMCAPSD_ACCELERATORS, and DOMCAPSD_PROBE_MS when
 * QEMU ran. */
static void
log_facts (const DcEmulator *emulator, const DcEmulatorFacts *facts,
           gint64 elapsed_ms)
{
  g_autofree char *ms = g_strdup_printf ("%" G_GINT64_FORMAT, elapsed_ms);
  const char *accels = facts->tcg && facts->kvm ? "tcg kvm" : facts->kvm ? "kvm" : "tcg";
  g_autofree char *summary =
    g_strdup_printf ("QEMU %s, %s, %u machines%s%s", facts->version,
                     facts->arch, facts->machines->len,
                     facts->tcg ? ", tcg" : "", facts->kvm ? ", kvm" : "");

  if (elapsed_ms < 0)
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                      "DOMCAPSD_EMULATOR", emulator->path,
                      "DOMCAPSD_OUTCOME", "cached",
                      "DOMCAPSD_ACCELERATORS", accels,
                      "MESSAGE", "Loaded %s from the cache: %s",
                      emulator->path, summary);
  else
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                      "DOMCAPSD_EMULATOR", emulator->path,
                      "DOMCAPSD_OUTCOME", "probed",
                      "DOMCAPSD_ACCELERATORS", accels,
                      "DOMCAPSD_PROBE_MS", ms,
                      "MESSAGE", "Probed %s in %s ms: %s",
                      emulator->path, ms, summary);
}

/* Records a probe's outcome; @elapsed_ms < 0: loaded from the cache.
 * A failure is logged with DOMCAPSD_ERROR beside the fields above, unless
 * @logged (a transient one, logged with its next try). */
static void
record_probe (DcEmulator *emulator, DcEmulatorFacts *facts, GError *error,
              gint64 elapsed_ms, gboolean logged)
{
  g_autofree char *ms = g_strdup_printf ("%" G_GINT64_FORMAT, elapsed_ms);

  g_clear_pointer (&emulator->error, g_free);
  if (facts != NULL)
    {
      g_clear_pointer (&emulator->facts, dc_emulator_facts_unref);
      emulator->facts = facts;
      g_hash_table_remove_all (emulator->rendered);
      emulator->state = DC_EMULATOR_READY;
      log_facts (emulator, facts, elapsed_ms);
      return;
    }
  emulator->state = DC_EMULATOR_FAILED;
  emulator->error = g_strdup (error->message);
  if (!logged)
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                      "DOMCAPSD_EMULATOR", emulator->path,
                      "DOMCAPSD_OUTCOME", "failed",
                      "DOMCAPSD_PROBE_MS", ms,
                      "DOMCAPSD_ERROR", error->message,
                      "MESSAGE", "Probe failed: %s", error->message);
}

static void schedule (DcRegistry *self);

typedef struct {
  DcRegistry *registry;
  char *path;
  gint64 started;       /* monotonic, µs */
  DcFileStamp stamp;    /* of the binary when the probe began ... */
  gboolean has_stamp;   /* ... if it could be read */
  gboolean from_cache;
} ProbeCtx;

static void
probe_ctx_free (ProbeCtx *ctx)
{
  g_object_unref (ctx->registry);
  g_free (ctx->path);
  g_free (ctx);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ProbeCtx, probe_ctx_free)

static void
store_in_cache (DcRegistry *self, DcEmulatorFacts *facts,
                const DcFileStamp *stamp)
{
  g_autoptr(GError) error = NULL;

  if (self->cache != NULL && !dc_cache_store (self->cache, facts, stamp, &error))
    g_warning ("Cannot cache the facts of %s: %s", facts->path, error->message);
}

static void enqueue_detached (DcRegistry *self, DcEmulator *emulator,
                              const char *why);
static gboolean binary_changed (DcEmulator *emulator);

typedef struct {
  DcRegistry *registry;   /* borrowed: an emulator's source dies with it */
  char *path;
} Retry;

static void
retry_free (Retry *retry)
{
  g_free (retry->path);
  g_free (retry);
}

static gboolean
on_retry (gpointer user_data)
{
  Retry *retry = user_data;
  DcEmulator *emulator = g_hash_table_lookup (retry->registry->emulators,
                                              retry->path);

  emulator->retry_source = 0;
  enqueue_detached (retry->registry, emulator, "trying again");
  return G_SOURCE_REMOVE;
}

static void
reset_retries (DcEmulator *emulator)
{
  g_clear_handle_id (&emulator->retry_source, g_source_remove);
  emulator->retries = 0;
  emulator->retry_at = 0;
}

/* Schedules the next try after a transient failure, each one
 * DC_REGISTRY_RETRY_FACTOR times later than the one before; returns the
 * delay in seconds, or 0 once the tries are used up. */
static guint
schedule_retry (DcRegistry *self, DcEmulator *emulator)
{
  Retry *retry;
  guint delay = self->retry_delay;

  g_clear_handle_id (&emulator->retry_source, g_source_remove);
  emulator->retry_at = 0;
  if (emulator->retries >= DC_REGISTRY_MAX_RETRIES)
    return 0;
  for (guint i = 0; i < emulator->retries; i++)
    delay *= DC_REGISTRY_RETRY_FACTOR;
  emulator->retries++;
  emulator->retry_at = g_get_real_time () + (gint64) delay * G_USEC_PER_SEC;
  retry = g_new0 (Retry, 1);
  retry->registry = self;
  retry->path = g_strdup (emulator->path);
  emulator->retry_source = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, delay,
                                                       on_retry, retry,
                                                       (GDestroyNotify) retry_free);
  return delay;
}

/* A probe that may succeed later failed. Facts taken from this very
 * binary before stay served; returns whether they did. */
static gboolean
failed_for_now (DcRegistry *self, DcEmulator *emulator, const ProbeCtx *ctx,
                const GError *error)
{
  gboolean keep = emulator->facts != NULL && emulator->has_stamp &&
                  ctx->has_stamp && dc_file_stamp_equal (&emulator->stamp, &ctx->stamp);
  guint delay = schedule_retry (self, emulator);
  g_autofree char *next = delay ? g_strdup_printf ("next try in %u s", delay)
                                : g_strdup ("no more tries until it changes or is refreshed");

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                    "DOMCAPSD_EMULATOR", emulator->path,
                    "DOMCAPSD_OUTCOME", "failed-for-now",
                    "DOMCAPSD_ERROR", error->message,
                    "MESSAGE", "Probe failed, perhaps for a while: %s; %s%s",
                    error->message, keep ? "still serving the facts probed before; " : "",
                    next);
  if (keep)
    {
      emulator->state = DC_EMULATOR_READY;
      g_free (emulator->error);
      emulator->error = g_strdup (error->message);
    }
  return keep;
}

/* A probe finished, from QEMU or from the cache: record it and move on.
 * If the binary changed while it ran, it is probed again. */
static void
probe_done (ProbeCtx *ctx, DcEmulatorFacts *facts, GError *error)
{
  DcRegistry *self = ctx->registry;
  DcEmulator *emulator = g_hash_table_lookup (self->emulators, ctx->path);

  self->running--;
  if (emulator == NULL)
    g_clear_pointer (&facts, dc_emulator_facts_unref);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    emulator->state = DC_EMULATOR_PENDING;
  else
    {
      gboolean transient = dc_probe_error_is_transient (error);

      if (facts != NULL && !ctx->from_cache)
        store_in_cache (self, facts, &ctx->stamp);
      if (!transient)
        reset_retries (emulator);
      if (!transient || !failed_for_now (self, emulator, ctx, error))
        {
          /* A binary that could not be read has no stamp to compare: it is
           * not "changed" again at once (that looped), a rescan drops it. */
          emulator->stamp = ctx->stamp;
          emulator->has_stamp = ctx->has_stamp;
          record_probe (emulator, facts, error, ctx->from_cache ? -1 :
                        (g_get_monotonic_time () - ctx->started) / 1000, transient);
        }
    }
  if (emulator != NULL)
    {
      g_signal_emit (self, signals[SIGNAL_EMULATOR_PROBED], 0, ctx->path);
      g_signal_emit (self, signals[SIGNAL_CAPABILITIES_CHANGED], 0, ctx->path);
      if (emulator->state != DC_EMULATOR_PENDING && binary_changed (emulator))
        enqueue_detached (self, emulator, "changed on disk");
      /* Last: a waiter's callback may rescan and drop @emulator. */
      complete_waiters (emulator);
    }
  if (self->shutdown_done != NULL && self->running == 0)
    self->shutdown_done (self->shutdown_data);
  else
    schedule (self);
}

static void
on_probed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(ProbeCtx) ctx = user_data;
  g_autoptr(GError) error = NULL;
  DcEmulatorFacts *facts = dc_probe_emulator_finish (result, &error);

  probe_done (ctx, facts, error);
}

typedef struct {
  ProbeCtx *ctx;
  DcEmulatorFacts *facts;
  GError *error;
} Deferred;

static gboolean
on_deferred (gpointer user_data)
{
  Deferred *deferred = user_data;
  g_autoptr(ProbeCtx) ctx = deferred->ctx;

  probe_done (ctx, deferred->facts, deferred->error);
  g_clear_error (&deferred->error);
  g_free (deferred);
  return G_SOURCE_REMOVE;
}

/* Finishes a probe that needed no QEMU on the next main loop turn, so
 * that callers are never called back from within their own call. */
static void
finish_later (ProbeCtx *ctx, DcEmulatorFacts *facts, GError *error)
{
  Deferred *deferred = g_new0 (Deferred, 1);

  deferred->ctx = ctx;
  deferred->facts = facts;
  deferred->error = error;
  g_idle_add (on_deferred, deferred);
}

static DcEmulatorFacts *
load_from_cache (DcRegistry *self, DcEmulator *emulator,
                 const DcFileStamp *stamp)
{
  g_autoptr(GError) error = NULL;
  DcEmulatorFacts *facts;

  if (self->cache == NULL || !emulator->use_cache)
    return NULL;
  facts = dc_cache_load (self->cache, emulator->path, stamp, &error);
  if (facts == NULL && g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_debug ("No cached facts for %s", emulator->path);
  else if (facts == NULL)
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                      "DOMCAPSD_EMULATOR", emulator->path,
                      "MESSAGE", "Discarding cached facts of %s: %s",
                      emulator->path, error->message);
  return facts;
}

static void
start_probe (DcRegistry *self, DcEmulator *emulator)
{
  ProbeCtx *ctx = g_new0 (ProbeCtx, 1);
  GError *error = NULL;
  DcEmulatorFacts *facts;

  ctx->registry = g_object_ref (self);
  ctx->path = g_strdup (emulator->path);
  ctx->started = g_get_monotonic_time ();
  emulator->state = DC_EMULATOR_PROBING;
  self->running++;
  if (!dc_file_stamp_read (emulator->path, &ctx->stamp, &error))
    return finish_later (ctx, NULL, error);
  ctx->has_stamp = TRUE;
  facts = load_from_cache (self, emulator, &ctx->stamp);
  if (facts != NULL)
    {
      ctx->from_cache = TRUE;
      return finish_later (ctx, facts, NULL);
    }
  g_debug ("Probing %s", emulator->path);
  dc_probe_emulator_async (emulator->path, should_try_kvm (self, emulator),
                           self->probe_timeout, self->cancellable,
                           on_probed, ctx);
}

static void
schedule (DcRegistry *self)
{
  while (self->running < self->max_parallel && self->shutdown_done == NULL &&
         !g_queue_is_empty (&self->queue))
    {
      g_autofree char *path = g_queue_pop_head (&self->queue);
      DcEmulator *emulator = g_hash_table_lookup (self->emulators, path);

      if (emulator == NULL)
        continue;
      emulator->queued = FALSE;
      start_probe (self, emulator);
    }
}

static void
enqueue (DcRegistry *self, DcEmulator *emulator, GTask *task,
         gboolean use_cache)
{
  Batch *batch = g_task_get_task_data (task);

  batch->pending++;
  g_ptr_array_add (emulator->waiters, g_object_ref (task));
  if (emulator->queued || emulator->state == DC_EMULATOR_PROBING)
    return;
  emulator->queued = TRUE;
  emulator->use_cache = use_cache;
  g_queue_push_tail (&self->queue, g_strdup (emulator->path));
}

static GTask *
batch_new (DcRegistry *self, gboolean single, GAsyncReadyCallback callback,
           gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  Batch *batch = g_new0 (Batch, 1);

  batch->single = single;
  g_task_set_task_data (task, batch, (GDestroyNotify) batch_free);
  return task;
}

static void
run_batch (DcRegistry *self, GTask *task)
{
  Batch *batch = g_task_get_task_data (task);

  if (batch->pending == 0)
    g_task_return_boolean (task, TRUE);
  else
    schedule (self);
}

void
dc_registry_probe_async (DcRegistry *self, const char *path,
                         gboolean use_cache, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr(GTask) task = batch_new (self, path != NULL, callback, user_data);
  g_autoptr(GPtrArray) targets = NULL;

  if (path != NULL && strlen (path) > MAX_PATH_ARG)
    return g_task_return_new_error (task, DC_ERROR, DC_ERROR_INVALID_ARGUMENT,
                                    "emulatorbin is longer than %d bytes",
                                    MAX_PATH_ARG);
  if (path != NULL)
    {
      DcEmulator *emulator = dc_registry_lookup (self, path);
      if (emulator == NULL)
        return g_task_return_new_error (task, DC_ERROR,
                                        DC_ERROR_UNKNOWN_EMULATOR,
                                        "%s is not a discovered emulator",
                                        path);
      targets = g_ptr_array_new ();
      g_ptr_array_add (targets, emulator);
    }
  else
    targets = dc_registry_list (self);
  for (guint i = 0; i < targets->len; i++)
    enqueue (self, g_ptr_array_index (targets, i), task, use_cache);
  run_batch (self, task);
}

gboolean
dc_registry_probe_finish (DcRegistry *self, GAsyncResult *result,
                          GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Whether the binary behind @emulator's facts was replaced or changed. */
static gboolean
binary_changed (DcEmulator *emulator)
{
  DcFileStamp now;

  if (!emulator->has_stamp || emulator->state == DC_EMULATOR_PROBING)
    return FALSE;
  return !dc_file_stamp_read (emulator->path, &now, NULL) ||
         !dc_file_stamp_equal (&now, &emulator->stamp);
}

/* Queues a probe of @emulator outside any caller's batch. */
static void
enqueue_detached (DcRegistry *self, DcEmulator *emulator, const char *why)
{
  g_autoptr(GTask) task = batch_new (self, FALSE, NULL, NULL);

  g_info ("%s: %s", emulator->path, why);
  enqueue (self, emulator, task, TRUE);
  run_batch (self, task);
}

void
dc_registry_rescan (DcRegistry *self)
{
  g_autoptr(GTask) task = batch_new (self, FALSE, NULL, NULL);
  g_autoptr(GPtrArray) list = NULL;

  dc_registry_discover (self);
  list = dc_registry_list (self);
  for (guint i = 0; i < list->len; i++)
    {
      DcEmulator *emulator = g_ptr_array_index (list, i);

      if (binary_changed (emulator))
        g_info ("%s changed on disk", emulator->path);
      else if (emulator->state != DC_EMULATOR_PENDING || emulator->queued)
        continue;
      enqueue (self, emulator, task, TRUE);
    }
  run_batch (self, task);
}

void
dc_registry_shutdown (DcRegistry *self, GSourceFunc done, gpointer user_data)
{
  g_autoptr(GPtrArray) list = dc_registry_list (self);

  for (guint i = 0; i < list->len; i++)
    reset_retries (g_ptr_array_index (list, i));
  self->shutdown_done = done;
  self->shutdown_data = user_data;
  g_cancellable_cancel (self->cancellable);
  if (self->running == 0)
    done (user_data);
}

char **
dc_registry_watch_dirs (DcRegistry *self)
{
  g_autoptr(GPtrArray) list = dc_registry_list (self);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                      g_free, NULL);

  for (guint i = 0; self->dirs[i] != NULL; i++)
    g_hash_table_add (seen, g_strdup (self->dirs[i]));
  for (guint i = 0; i < list->len; i++)
    g_hash_table_add (seen, g_path_get_dirname (((DcEmulator *) g_ptr_array_index (list, i))->path));
  {
    GHashTableIter iter;
    const char *dir;

    g_hash_table_iter_init (&iter, seen);
    while (g_hash_table_iter_next (&iter, (gpointer *) &dir, NULL))
      g_strv_builder_add (builder, dir);
  }
  return g_strv_builder_end (builder);
}

/* ---- lookups ---- */

const char *
dc_registry_get_host_arch (DcRegistry *self)
{
  return self->host->arch;
}

static gint
compare_emulators (gconstpointer a, gconstpointer b)
{
  const DcEmulator *ea = *(const DcEmulator **) a;
  const DcEmulator *eb = *(const DcEmulator **) b;

  return g_strcmp0 (ea->path, eb->path);
}

GPtrArray *
dc_registry_list (DcRegistry *self)
{
  GPtrArray *list = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer emulator;

  g_hash_table_iter_init (&iter, self->emulators);
  while (g_hash_table_iter_next (&iter, NULL, &emulator))
    g_ptr_array_add (list, emulator);
  g_ptr_array_sort (list, compare_emulators);
  return list;
}

DcEmulator *
dc_registry_lookup (DcRegistry *self, const char *path)
{
  GHashTableIter iter;
  DcEmulator *emulator = g_hash_table_lookup (self->emulators, path);

  if (emulator != NULL)
    return emulator;
  g_hash_table_iter_init (&iter, self->emulators);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &emulator))
    if (g_ptr_array_find_with_equal_func (emulator->names, path, g_str_equal,
                                          NULL))
      return emulator;
  return NULL;
}

/* Whether a name of @emulator promises an emulator that runs @arch. */
static gboolean
named_for_arch (const DcEmulator *emulator, const char *arch)
{
  for (guint i = 0; i < emulator->names->len; i++)
    {
      g_autofree char *base = g_path_get_basename (g_ptr_array_index (emulator->names, i));
      g_autofree char *hint = dc_arch_hint_from_name (base);
      g_autofree const char **arches = hint ? dc_arch_runnable (hint) : NULL;

      if (arches != NULL && g_strv_contains (arches, arch))
        return TRUE;
    }
  return FALSE;
}

GPtrArray *
dc_registry_candidates (DcRegistry *self, const char *emulatorbin,
                        const char *arch)
{
  g_autoptr(GPtrArray) list = dc_registry_list (self);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);

  if (emulatorbin != NULL && *emulatorbin != '\0')
    {
      DcEmulator *emulator = dc_registry_lookup (self, emulatorbin);
      if (emulator != NULL)
        g_ptr_array_add (paths, g_strdup (emulator->path));
      return paths;
    }
  if (arch == NULL || *arch == '\0')
    arch = self->host->arch;
  for (guint i = 0; i < list->len; i++)
    if (named_for_arch (g_ptr_array_index (list, i), arch))
      g_ptr_array_add (paths, g_strdup (((DcEmulator *) g_ptr_array_index (list, i))->path));
  for (guint i = 0; paths->len == 0 && i < list->len; i++)
    g_ptr_array_add (paths, g_strdup (((DcEmulator *) g_ptr_array_index (list, i))->path));
  return paths;
}

const char *
dc_emulator_state_to_string (DcEmulatorState state)
{
  static const char *const names[] = { "pending", "probing", "ready", "failed" };

  return names[state];
}

static gboolean
kvm_serves (DcRegistry *self, const DcEmulatorFacts *facts, const char *arch)
{
  return facts->kvm && self->host->kvm_usable &&
         dc_arch_kvm_compatible (self->host->arch, arch);
}

GPtrArray *
dc_registry_emulator_virttypes (DcRegistry *self, DcEmulator *emulator)
{
  GPtrArray *out = g_ptr_array_new ();

  if (emulator->facts == NULL)
    return out;
  if (kvm_serves (self, emulator->facts, emulator->facts->arch))
    g_ptr_array_add (out, "kvm");
  if (emulator->facts->tcg)
    g_ptr_array_add (out, "qemu");
  return out;
}

/* ---- answering GetDomainCapabilities ---- */

static gboolean
check_arg (const char *value, gsize max, const char *what, GError **error)
{
  if (strlen (value) <= max)
    return TRUE;
  g_set_error (error, DC_ERROR, DC_ERROR_INVALID_ARGUMENT,
               "%s is longer than %" G_GSIZE_FORMAT " bytes", what, max);
  return FALSE;
}

static gboolean
runs_arch (const DcEmulatorFacts *facts, const char *arch)
{
  g_autofree const char **arches = dc_arch_runnable (facts->arch);

  return g_strv_contains (arches, arch);
}

/* How well @emulator fits @arch: its own arch and canonical name beat an
 * emulator that merely also runs it (x86_64 for i686), or a variant build
 * of the same target (qemu-system-x86_64-microvm). 0: it does not. */
static guint
arch_fit (const DcEmulator *emulator, const char *arch)
{
  const DcEmulatorFacts *facts = emulator->facts;
  g_autofree char *canonical = NULL;

  if (facts == NULL || !runs_arch (facts, arch))
    return 0;
  if (!g_str_equal (facts->arch, arch))
    return 1;
  canonical = g_strconcat (EMULATOR_PREFIX, facts->target, NULL);
  for (guint i = 0; i < emulator->names->len; i++)
    {
      g_autofree char *base = g_path_get_basename (g_ptr_array_index (emulator->names, i));
      if (g_str_equal (base, canonical))
        return 3;
    }
  return 2;
}

static DcEmulator *
pick_emulator (DcRegistry *self, const char *arch)
{
  g_autoptr(GPtrArray) list = dc_registry_list (self);
  DcEmulator *best = NULL;
  guint best_fit = 0;

  for (guint i = 0; i < list->len; i++)
    {
      DcEmulator *emulator = g_ptr_array_index (list, i);
      guint fit = arch_fit (emulator, arch);

      if (fit > best_fit)
        best = emulator, best_fit = fit;
    }
  return best;
}

static DcEmulator *
resolve_named_emulator (DcRegistry *self, const char *emulatorbin,
                        const char **arch, GError **error)
{
  DcEmulator *emulator = dc_registry_lookup (self, emulatorbin);

  if (emulator == NULL)
    {
      g_set_error (error, DC_ERROR, DC_ERROR_UNKNOWN_EMULATOR,
                   "'%s' is not an emulator this daemon discovered",
                   emulatorbin);
      return NULL;
    }
  if (emulator->facts == NULL)
    {
      g_set_error (error, DC_ERROR, DC_ERROR_PROBE_FAILED,
                   "%s could not be probed: %s", emulator->path,
                   emulator->error ? emulator->error : "not probed yet");
      return NULL;
    }
  if (**arch == '\0')
    *arch = emulator->facts->arch;
  else if (!runs_arch (emulator->facts, *arch))
    {
      g_set_error (error, DC_ERROR, DC_ERROR_UNSUPPORTED_ARCH,
                   "%s runs %s guests, not %s", emulator->path,
                   emulator->facts->arch, *arch);
      return NULL;
    }
  return emulator;
}

static DcEmulator *
resolve_emulator (DcRegistry *self, const char *emulatorbin,
                  const char **arch, GError **error)
{
  DcEmulator *emulator;

  if (*emulatorbin != '\0')
    return resolve_named_emulator (self, emulatorbin, arch, error);
  if (**arch == '\0')
    *arch = self->host->arch;
  emulator = pick_emulator (self, *arch);
  if (emulator == NULL)
    g_set_error (error, DC_ERROR, DC_ERROR_UNSUPPORTED_ARCH,
                 "no emulator for arch '%s' is installed", *arch);
  return emulator;
}

/* QEMU's default machine; where it names none, the one libvirt has always
 * taken for that arch; else QEMU's first. */
const DcMachine *
dc_registry_default_machine (const DcEmulatorFacts *facts)
{
  const char *preferred = dc_arch_preferred_machine (facts->arch);
  const char *fallback = dc_arch_fallback_machine (facts->arch);
  const DcMachine *machine = preferred ? dc_emulator_facts_find_machine (facts, preferred)
                                       : NULL;

  if (machine == NULL)
    machine = dc_emulator_facts_default_machine (facts);
  if (machine == NULL && fallback != NULL)
    machine = dc_emulator_facts_find_machine (facts, fallback);
  if (machine == NULL && facts->machines->len > 0)
    machine = g_ptr_array_index (facts->machines, 0);
  return machine;
}

static const DcMachine *
default_machine (const DcEmulatorFacts *facts, GError **error)
{
  const DcMachine *machine = dc_registry_default_machine (facts);

  if (machine == NULL)
    g_set_error (error, DC_ERROR, DC_ERROR_UNKNOWN_MACHINE,
                 "%s has no machine type", facts->path);
  return machine;
}

static const DcMachine *
resolve_machine (const DcEmulatorFacts *facts, const char *name,
                 GError **error)
{
  const DcMachine *machine;

  if (*name == '\0')
    return default_machine (facts, error);
  machine = dc_emulator_facts_find_machine (facts, name);
  if (machine == NULL)
    g_set_error (error, DC_ERROR, DC_ERROR_UNKNOWN_MACHINE,
                 "%s has no machine type '%s'", facts->path, name);
  return machine;
}

static const char *
resolve_virttype (DcRegistry *self, const DcEmulatorFacts *facts,
                  const char *arch, const char *virttype, GError **error)
{
  gboolean kvm = kvm_serves (self, facts, arch);

  if (*virttype == '\0')
    virttype = kvm || !facts->tcg ? "kvm" : "qemu";
  if ((facts->tcg && g_str_equal (virttype, "qemu")) ||
      (kvm && g_str_equal (virttype, "kvm")))
    return virttype;
  if (g_str_equal (virttype, "qemu"))
    g_set_error (error, DC_ERROR, DC_ERROR_UNSUPPORTED_VIRT_TYPE,
                 "%s cannot emulate without KVM: %s", facts->path,
                 facts->tcg_error);
  else if (g_str_equal (virttype, "kvm"))
    g_set_error (error, DC_ERROR, DC_ERROR_UNSUPPORTED_VIRT_TYPE,
                 "KVM cannot run %s guests with %s on this host%s%s", arch,
                 facts->path, facts->kvm_error ? ": " : "",
                 facts->kvm_error ? facts->kvm_error : "");
  else
    g_set_error (error, DC_ERROR, DC_ERROR_UNSUPPORTED_VIRT_TYPE,
                 "virttype '%s' is not supported; use 'kvm' or 'qemu'",
                 virttype);
  return NULL;
}

static char *
render_xml (DcRegistry *self, DcEmulator *emulator, const char *arch,
            const DcMachine *machine, const char *virttype, GError **error)
{
  const DcRenderQuery query = { arch, machine, virttype };
  g_autofree char *key = g_strdup_printf ("%s\n%s\n%s", arch, machine->name,
                                          virttype);
  const char *cached = g_hash_table_lookup (emulator->rendered, key);
  g_autoptr(DcCapsNode) root = NULL;
  char *xml;

  if (cached != NULL)
    return g_strdup (cached);
  root = dc_render (emulator->facts, self->host, self->firmware, &query);
  xml = dc_caps_to_xml (root, error);
  if (xml == NULL)
    return NULL;
  g_hash_table_insert (emulator->rendered, g_steal_pointer (&key),
                       g_strdup (xml));
  return xml;
}

typedef struct {
  DcEmulator *emulator;
  const char *arch;
  const DcMachine *machine;
  const char *virttype;
} Resolved;

/* Checks a query's arguments and resolves its defaults (architecture.md,
 * "Defaults of GetDomainCapabilities"). */
static gboolean
resolve_query (DcRegistry *self, const char *emulatorbin, const char *arch,
               const char *machine, const char *virttype, guint flags,
               Resolved *out, GError **error)
{
  if (flags != 0)
    {
      g_set_error (error, DC_ERROR, DC_ERROR_INVALID_ARGUMENT,
                   "unknown flags 0x%x: no flag is defined", flags);
      return FALSE;
    }
  if (!check_arg (emulatorbin, MAX_PATH_ARG, "emulatorbin", error) ||
      !check_arg (arch, MAX_NAME_ARG, "arch", error) ||
      !check_arg (machine, MAX_NAME_ARG, "machine", error) ||
      !check_arg (virttype, MAX_NAME_ARG, "virttype", error))
    return FALSE;
  out->arch = arch;
  out->emulator = resolve_emulator (self, emulatorbin, &out->arch, error);
  if (out->emulator == NULL)
    return FALSE;
  out->machine = resolve_machine (out->emulator->facts, machine, error);
  if (out->machine == NULL)
    return FALSE;
  out->virttype = resolve_virttype (self, out->emulator->facts, out->arch,
                                    virttype, error);
  return out->virttype != NULL;
}

char *
dc_registry_get_domain_capabilities (DcRegistry *self, const char *emulatorbin,
                                     const char *arch, const char *machine,
                                     const char *virttype, guint flags,
                                     GError **error)
{
  Resolved q;

  if (!resolve_query (self, emulatorbin, arch, machine, virttype, flags, &q,
                      error))
    return NULL;
  return render_xml (self, q.emulator, q.arch, q.machine, q.virttype, error);
}

GPtrArray *
dc_registry_explain (DcRegistry *self, const char *emulatorbin,
                     const char *arch, const char *machine,
                     const char *virttype, guint flags, GError **error)
{
  g_autoptr(GPtrArray) reasons = NULL;
  g_autoptr(DcCapsNode) root = NULL;
  Resolved q;
  DcRenderQuery query;

  if (!resolve_query (self, emulatorbin, arch, machine, virttype, flags, &q,
                      error))
    return NULL;
  query = (DcRenderQuery) { q.arch, q.machine, q.virttype };
  reasons = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_reason_free);
  root = dc_render_explained (q.emulator->facts, self->host, self->firmware,
                              &query, reasons);
  return g_steal_pointer (&reasons);
}
