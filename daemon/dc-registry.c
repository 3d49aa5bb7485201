/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-registry.c: the emulators: discovery, probe scheduling, their facts. */
#include "config.h"

#include "dc-registry.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dc-arch.h"
#include "dc-cache.h"
#include "dc-discover.h"
#include "dc-firmware.h"
#include "dc-errors.h"
#include "dc-probe.h"
#include "dc-wire.h"


struct _DcEmulator {
  char *path;              /* real path */
  GPtrArray *names;        /* every path it was found under */
  GPtrArray *all_names;    /* ... and those of the wrappers that run it */
  char *runs;              /* a wrapper: the emulator it runs (its facts
                            * are that one's), or NULL */
  DcEmulatorState state;
  char *error;             /* why the last probe failed, or NULL */
  DcEmulatorFacts *facts;  /* last good facts in memory, or NULL: then in the
                            * cache, read when asked for, if it has any */
  DcFileStamp facts_stamp; /* the binary they were taken from */
  DcFactsSummary summary;  /* what they say it is; version NULL: no facts */
  GPtrArray *waiters;      /* batches (GTask) waiting for its probe */
  gboolean queued;         /* waiting for a probe slot */
  gboolean gone;           /* dropped from the registry: its waiters are told */
  gboolean use_cache;      /* that probe may take facts from the disk cache */
  DcFileStamp stamp;       /* the binary as it was when facts were taken */
  gboolean has_stamp;
  guint retries;           /* transient failures in a row */
  gint64 retry_at;         /* wall clock (µs) of the next try, or 0 */
  guint retry_source;
};

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
  guint64 generation;      /* changes with any facts, emulator or firmware */
  guint host_epoch;        /* changes with the host facts (dc_registry_host_changed) */
  DcRegistryProbeAsync probe_async;
  DcRegistryProbeFinish probe_finish;
  GQueue queue;            /* real paths waiting for a probe slot */
  guint running;
  GCancellable *cancellable;
  GSourceFunc shutdown_done;
  gpointer shutdown_data;
};

G_DEFINE_TYPE (DcRegistry, dc_registry, G_TYPE_OBJECT)

static GPtrArray *all_emulators (DcRegistry *self);
static DcEmulator *wrapped (DcRegistry *self, const DcEmulator *emulator);

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
  DcError code;    /* ... and its code */
  gboolean single;
  gboolean urgent; /* a query waits for it (dc_registry_settle_async) */
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
  g_ptr_array_unref (emulator->all_names);
  g_free (emulator->runs);
  g_free (emulator->error);
  g_clear_pointer (&emulator->facts, dc_emulator_facts_unref);
  dc_facts_summary_clear (&emulator->summary);
  g_ptr_array_unref (emulator->waiters);
  g_free (emulator);
}

/* Whether it has good facts, in memory or in the cache. */
static gboolean
has_facts (const DcEmulator *emulator)
{
  return emulator->summary.version != NULL;
}

/* Answers for @path may differ now: every memo of them is stale (the
 * generation) and listeners hear of it. */
static void
capabilities_changed (DcRegistry *self, const char *path)
{
  self->generation++;
  g_signal_emit (self, signals[SIGNAL_CAPABILITIES_CHANGED], 0, path);
}

static DcEmulator *
emulator_new (const char *path)
{
  DcEmulator *emulator = g_new0 (DcEmulator, 1);

  emulator->path = g_strdup (path);
  emulator->names = g_ptr_array_new_with_free_func (g_free);
  emulator->all_names = g_ptr_array_new_with_free_func (g_free);
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
  self->probe_async = options->probe_async ? options->probe_async : dc_probe_emulator_async;
  self->probe_finish = options->probe_finish ? options->probe_finish
                                             : dc_probe_emulator_finish;
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
  self->generation++;
  list = dc_registry_list (self);
  for (guint i = 0; i < list->len; i++)
    {
      DcEmulator *emulator = g_ptr_array_index (list, i);

      if (has_facts (emulator))
        capabilities_changed (self, emulator->path);
    }
}

/* ---- discovery ---- */

static gpointer
copy_string (gconstpointer src, gpointer user_data)
{
  return g_strdup (src);
}

static void complete_waiters (DcEmulator *emulator);

static gboolean
same_names (GPtrArray *a, GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!g_str_equal (g_ptr_array_index (a, i), g_ptr_array_index (b, i)))
      return FALSE;
  return TRUE;
}

/* The place of @name's directory among the emulator directories. */
static gint
dir_rank (const char *name, GStrv dirs)
{
  g_autofree char *dir = g_path_get_dirname (name);

  for (guint i = 0; dirs[i] != NULL; i++)
    if (g_str_equal (dirs[i], dir))
      return i;
  return G_MAXINT;
}

static gint
compare_dir_rank (gconstpointer a, gconstpointer b, gpointer dirs)
{
  gint ra = dir_rank (*(const char *const *) a, dirs);
  gint rb = dir_rank (*(const char *const *) b, dirs);

  return ra < rb ? -1 : ra > rb;
}

/* Each emulator's names, with those of the wrappers that run it, in the
 * emulator directories' order (a stable sort: $PATH's order first). */
static void
fold_wrappers (DcRegistry *self)
{
  GHashTableIter iter;
  DcEmulator *emulator, *target;

  g_hash_table_iter_init (&iter, self->emulators);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &emulator))
    {
      g_ptr_array_set_size (emulator->all_names, 0);
      g_ptr_array_extend (emulator->all_names, emulator->names, copy_string, NULL);
    }
  g_hash_table_iter_init (&iter, self->emulators);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &emulator))
    if ((target = wrapped (self, emulator)) != NULL)
      g_ptr_array_extend (target->all_names, emulator->names, copy_string, NULL);
  g_hash_table_iter_init (&iter, self->emulators);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &emulator))
    if (emulator->all_names->len > emulator->names->len)
      g_ptr_array_sort_with_data (emulator->all_names, compare_dir_rank, self->dirs);
}

static gboolean
merge_found (DcRegistry *self, GHashTable *found)
{
  GHashTableIter iter;
  gpointer key, value;
  gboolean changed = FALSE;

  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func ((GDestroyNotify) emulator_free);

  g_hash_table_iter_init (&iter, self->emulators);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (found, key))
      {
        g_ptr_array_add (gone, value);
        g_hash_table_iter_steal (&iter);
      }
  /* Out of the table first: a waiter's callback may look again. */
  for (guint i = 0; i < gone->len; i++)
    {
      DcEmulator *emulator = g_ptr_array_index (gone, i);

      g_info ("Emulator %s is gone", emulator->path);
      emulator->gone = TRUE;
      g_free (emulator->error);
      emulator->error = g_strdup_printf ("%s is gone: it was removed from the "
                                         "emulator directories", emulator->path);
      complete_waiters (emulator);
      capabilities_changed (self, emulator->path);
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
      if (!same_names (emulator->names, value))
        {
          /* which emulator a name picks may change: a new generation */
          g_ptr_array_set_size (emulator->names, 0);
          g_ptr_array_extend (emulator->names, value, copy_string, NULL);
          changed = TRUE;
        }
    }
  fold_wrappers (self);
  return changed;
}

void
dc_registry_discover (DcRegistry *self)
{
  g_autoptr(GHashTable) found =
    dc_discover_emulators ((const char *const *) self->dirs);

  if (merge_found (self, found))
    {
      self->generation++;
      g_signal_emit (self, signals[SIGNAL_EMULATORS_CHANGED], 0);
    }
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
        {
          batch->error = g_strdup (emulator->error);
          batch->code = emulator->gone ? DC_ERROR_UNKNOWN_EMULATOR : DC_ERROR_PROBE_FAILED;
        }
      if (--batch->pending > 0)
        continue;
      if (batch->error != NULL)
        g_task_return_new_error (task, DC_ERROR, batch->code, "%s", batch->error);
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
log_facts (const DcEmulator *emulator, const DcFactsSummary *facts,
           gint64 elapsed_ms)
{
  g_autofree char *ms = g_strdup_printf ("%" G_GINT64_FORMAT, elapsed_ms);
  const char *accels = facts->tcg && facts->kvm ? "tcg kvm" : facts->kvm ? "kvm" : "tcg";
  g_autofree char *summary =
    g_strdup_printf ("QEMU %s, %s, %u machines%s%s", facts->version,
                     facts->arch, facts->machines,
                     facts->tcg ? ", tcg" : "", facts->kvm ? ", kvm" : "");

  if (elapsed_ms < 0)
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                      "DOMCAPSD_EMULATOR", emulator->path,
                      "DOMCAPSD_OUTCOME", "cached",
                      "DOMCAPSD_ACCELERATORS", accels,
                      "MESSAGE", "Cached facts of %s are current: %s",
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

/* Records facts: in memory (@facts), or in the cache file alone (@facts
 * NULL); @elapsed_ms < 0: found in the cache. */
static void
record_facts (DcEmulator *emulator, DcEmulatorFacts *facts,
              DcFactsSummary *summary, const DcFileStamp *stamp,
              gint64 elapsed_ms)
{
  g_clear_pointer (&emulator->error, g_free);
  g_clear_pointer (&emulator->facts, dc_emulator_facts_unref);
  emulator->facts = facts;
  emulator->facts_stamp = *stamp;
  emulator->state = DC_EMULATOR_READY;
  log_facts (emulator, summary, elapsed_ms);
  dc_facts_summary_clear (&emulator->summary);
  emulator->summary = *summary;
  memset (summary, 0, sizeof *summary);
}

/* Records a failed probe, logged with DOMCAPSD_ERROR beside the fields
 * above, unless @logged (a transient one, logged with its next try). */
static void
record_failure (DcEmulator *emulator, GError *error, gint64 elapsed_ms,
                gboolean logged)
{
  g_autofree char *ms = g_strdup_printf ("%" G_GINT64_FORMAT, elapsed_ms);

  g_clear_pointer (&emulator->error, g_free);
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

/* @emulator holds no facts of its own from now on, and says @why (or
 * nothing). */
static void
drop_facts (DcEmulator *emulator, DcEmulatorState state, const char *why)
{
  g_clear_pointer (&emulator->facts, dc_emulator_facts_unref);
  dc_facts_summary_clear (&emulator->summary);
  g_free (emulator->error);
  emulator->error = g_strdup (why);
  emulator->state = state;
}

/* This host cannot run @emulator at all: a state, said as a message (not
 * a warning), and kept in the disk cache under this binary and host. */
static void
record_unusable (DcRegistry *self, DcEmulator *emulator, const char *reason,
                 const DcFileStamp *stamp, gboolean from_cache)
{
  g_autoptr(GError) error = NULL;

  drop_facts (emulator, DC_EMULATOR_UNUSABLE, reason);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "DOMCAPSD_EMULATOR", emulator->path,
                    "DOMCAPSD_OUTCOME", "unusable",
                    "DOMCAPSD_ERROR", reason,
                    "MESSAGE", "Not usable on this host%s: %s",
                    from_cache ? " (cached)" : "", reason);
  if (!from_cache && self->cache != NULL &&
      !dc_cache_store_unusable (self->cache, emulator->path, stamp, reason, &error))
    g_warning ("Cannot cache that %s is not usable here: %s", emulator->path,
               error->message);
}

/* @emulator is a wrapper (a script that execs another emulator found too,
 * Debian's qemu-system-i386): one QEMU under two names, listed, cached and
 * answered once, as the one it runs (docs/architecture.md). */
static void
record_runs (DcRegistry *self, DcEmulator *emulator, const char *runs,
             const DcFileStamp *stamp, gboolean from_cache)
{
  g_autoptr(GError) error = NULL;

  drop_facts (emulator, DC_EMULATOR_READY, NULL);
  emulator->runs = g_strdup (runs);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "DOMCAPSD_EMULATOR", emulator->path,
                    "DOMCAPSD_OUTCOME", "wrapper",
                    "MESSAGE", "%s runs %s%s: one emulator, answered as %s",
                    emulator->path, runs, from_cache ? " (cached)" : "", runs);
  if (!from_cache && self->cache != NULL &&
      !dc_cache_store_runs (self->cache, emulator->path, stamp, runs, &error))
    g_warning ("Cannot cache that %s runs %s: %s", emulator->path, runs,
               error->message);
  fold_wrappers (self);
}

static void record_probed (DcRegistry *self, DcEmulator *emulator,
                           DcEmulatorFacts *facts, const DcFileStamp *stamp,
                           gint64 elapsed_ms);

/* A wrapper's probe was the probe of what it runs (@facts->runs): where
 * that one has no facts yet, they are its own, and it need not run. */
static void
hand_over (DcRegistry *self, DcEmulatorFacts *facts, gint64 elapsed_ms)
{
  DcEmulator *target = g_hash_table_lookup (self->emulators, facts->runs);
  DcFileStamp stamp;

  if (target == NULL || target->state != DC_EMULATOR_PENDING || has_facts (target) ||
      !dc_file_stamp_read (target->path, &stamp, NULL))
    {
      dc_emulator_facts_unref (facts);
      return;
    }
  g_free (facts->path);
  facts->path = g_strdup (target->path);
  g_clear_pointer (&facts->runs, g_free);
  target->stamp = stamp;
  target->has_stamp = TRUE;
  record_probed (self, target, facts, &stamp, elapsed_ms);
  capabilities_changed (self, target->path);
}

static void schedule (DcRegistry *self);

typedef struct {
  DcRegistry *registry;
  char *path;
  gint64 started;       /* monotonic, µs */
  DcFileStamp stamp;    /* of the binary when the probe began ... */
  gboolean has_stamp;   /* ... if it could be read */
  gboolean from_cache;
  DcFactsSummary cached;  /* from the cache file, when from_cache */
  guint host_epoch;       /* the registry's when the probe began */
} ProbeCtx;

static void
probe_ctx_free (ProbeCtx *ctx)
{
  g_object_unref (ctx->registry);
  g_free (ctx->path);
  dc_facts_summary_clear (&ctx->cached);
  g_free (ctx);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ProbeCtx, probe_ctx_free)

/* Whether @facts are now in the cache, to be read from there when asked
 * for rather than kept in memory. */
static gboolean
store_in_cache (DcRegistry *self, DcEmulatorFacts *facts,
                const DcFileStamp *stamp)
{
  g_autoptr(GError) error = NULL;

  if (self->cache == NULL)
    return FALSE;
  if (dc_cache_store (self->cache, facts, stamp, &error))
    return TRUE;
  g_warning ("Cannot cache the facts of %s: %s", facts->path, error->message);
  return FALSE;
}

/* Facts just probed: into the cache, and out of memory once there; they
 * are read back when a query asks for them (docs/architecture.md, "What
 * the daemon keeps in memory"). */
static void
record_probed (DcRegistry *self, DcEmulator *emulator, DcEmulatorFacts *facts,
               const DcFileStamp *stamp, gint64 elapsed_ms)
{
  DcFactsSummary summary = { 0 };

  dc_facts_summary_init (&summary, facts);
  if (store_in_cache (self, facts, stamp))
    g_clear_pointer (&facts, dc_emulator_facts_unref);
  record_facts (emulator, facts, &summary, stamp, elapsed_ms);
}

static void enqueue_detached (DcRegistry *self, DcEmulator *emulator,
                              const char *why, gboolean use_cache);
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
  enqueue_detached (retry->registry, emulator, "trying again", TRUE);
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
  gboolean keep = has_facts (emulator) && emulator->has_stamp &&
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
  else if (ctx->host_epoch != self->host_epoch)
    {
      /* asked under the host as it was (KVM came or went meanwhile): not
       * kept, nor cached under the new host key */
      g_clear_pointer (&facts, dc_emulator_facts_unref);
      emulator->state = DC_EMULATOR_PENDING;
      enqueue_detached (self, emulator, "the host changed during its probe", TRUE);
    }
  else
    {
      gboolean transient = dc_probe_error_is_transient (error);
      gint64 ms = ctx->from_cache ? -1 : (g_get_monotonic_time () - ctx->started) / 1000;

      if (!transient)
        reset_retries (emulator);
      if (!transient || !failed_for_now (self, emulator, ctx, error))
        {
          /* A binary that could not be read has no stamp to compare: it is
           * not "changed" again at once (that looped), a rescan drops it. */
          emulator->stamp = ctx->stamp;
          emulator->has_stamp = ctx->has_stamp;
          if (emulator->runs != NULL)
            {
              g_clear_pointer (&emulator->runs, g_free);
              fold_wrappers (self);
            }
          if (facts != NULL && facts->runs != NULL &&
              g_hash_table_contains (self->emulators, facts->runs))
            {
              record_runs (self, emulator, facts->runs, &ctx->stamp, FALSE);
              hand_over (self, facts, ms);
            }
          else if (ctx->from_cache && ctx->cached.runs != NULL &&
                   g_hash_table_contains (self->emulators, ctx->cached.runs))
            record_runs (self, emulator, ctx->cached.runs, &ctx->stamp, TRUE);
          else if (ctx->from_cache && ctx->cached.runs != NULL)
            {
              /* what it ran is gone: ask the wrapper itself again */
              emulator->state = DC_EMULATOR_PENDING;
              enqueue_detached (self, emulator, "the emulator it ran is gone", FALSE);
            }
          else if (g_error_matches (error, DC_PROBE_ERROR, DC_PROBE_ERROR_UNUSABLE))
            record_unusable (self, emulator, error->message, &ctx->stamp, FALSE);
          else if (error != NULL)
            record_failure (emulator, error, ms, transient);
          else if (ctx->from_cache && ctx->cached.unusable != NULL)
            record_unusable (self, emulator, ctx->cached.unusable, &ctx->stamp, TRUE);
          else if (ctx->from_cache)
            record_facts (emulator, NULL, &ctx->cached, &ctx->stamp, ms);
          else
            record_probed (self, emulator, facts, &ctx->stamp, ms);
        }
    }
  if (emulator != NULL)
    {
      g_signal_emit (self, signals[SIGNAL_EMULATOR_PROBED], 0, ctx->path);
      capabilities_changed (self, ctx->path);
      if (emulator->state != DC_EMULATOR_PENDING && binary_changed (emulator))
        enqueue_detached (self, emulator, "changed on disk", TRUE);
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
  DcEmulatorFacts *facts = ctx->registry->probe_finish (result, &error);

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

static void
log_discarded (const DcEmulator *emulator, const GError *error)
{
  if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_debug ("No cached facts for %s", emulator->path);
  else
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                      "DOMCAPSD_EMULATOR", emulator->path,
                      "MESSAGE", "Discarding cached facts of %s: %s",
                      emulator->path, error->message);
}

/* Whether the cache holds current facts for @emulator (its first line
 * only: the facts are read when a query asks for them). */
static gboolean
cache_is_current (DcRegistry *self, DcEmulator *emulator, ProbeCtx *ctx)
{
  g_autoptr(GError) error = NULL;

  if (self->cache == NULL || !emulator->use_cache)
    return FALSE;
  if (dc_cache_check (self->cache, emulator->path, &ctx->stamp, &ctx->cached, &error))
    return TRUE;
  log_discarded (emulator, error);
  return FALSE;
}

static void
start_probe (DcRegistry *self, DcEmulator *emulator)
{
  ProbeCtx *ctx = g_new0 (ProbeCtx, 1);
  GError *error = NULL;

  ctx->registry = g_object_ref (self);
  ctx->path = g_strdup (emulator->path);
  ctx->started = g_get_monotonic_time ();
  ctx->host_epoch = self->host_epoch;
  emulator->state = DC_EMULATOR_PROBING;
  self->running++;
  if (!dc_file_stamp_read (emulator->path, &ctx->stamp, &error))
    return finish_later (ctx, NULL, error);
  ctx->has_stamp = TRUE;
  if (cache_is_current (self, emulator, ctx))
    {
      ctx->from_cache = TRUE;
      return finish_later (ctx, NULL, NULL);
    }
  g_debug ("Probing %s", emulator->path);
  self->probe_async (emulator->path, should_try_kvm (self, emulator),
                     self->probe_timeout, self->cancellable, on_probed, ctx);
}

/* Whether a query waits for @emulator's probe. */
static gboolean
is_urgent (const DcEmulator *emulator)
{
  for (guint i = 0; i < emulator->waiters->len; i++)
    {
      Batch *batch = g_task_get_task_data (g_ptr_array_index (emulator->waiters, i));

      if (batch->urgent)
        return TRUE;
    }
  return FALSE;
}

static gboolean
any_urgent (DcRegistry *self)
{
  GHashTableIter iter;
  DcEmulator *emulator;

  g_hash_table_iter_init (&iter, self->emulators);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &emulator))
    if ((emulator->queued || emulator->state == DC_EMULATOR_PROBING) &&
        is_urgent (emulator))
      return TRUE;
  return FALSE;
}

/* Starts what is queued, up to the parallelism limit. While a query waits
 * for a probe, only the probes queries wait for start (they are at the
 * head of the queue): the others would take the CPU the waited-for probe
 * needs, and go on once no query waits. */
static void
schedule (DcRegistry *self)
{
  gboolean urgent = any_urgent (self);

  while (self->running < self->max_parallel && self->shutdown_done == NULL &&
         !g_queue_is_empty (&self->queue))
    {
      DcEmulator *emulator = g_hash_table_lookup (self->emulators,
                                                  g_queue_peek_head (&self->queue));

      if (emulator != NULL && urgent && !is_urgent (emulator))
        break;
      g_free (g_queue_pop_head (&self->queue));
      if (emulator == NULL)
        continue;
      emulator->queued = FALSE;
      start_probe (self, emulator);
    }
}

/* Queues @emulator's probe (at the head: before every other waiting one)
 * and makes @task wait for it. */
static void
enqueue_at (DcRegistry *self, DcEmulator *emulator, GTask *task,
            gboolean use_cache, gboolean head)
{
  Batch *batch = g_task_get_task_data (task);

  batch->pending++;
  g_ptr_array_add (emulator->waiters, g_object_ref (task));
  if (emulator->state == DC_EMULATOR_PROBING)
    return;
  if (emulator->queued && head)
    {
      GList *link = g_queue_find_custom (&self->queue, emulator->path,
                                         (GCompareFunc) g_strcmp0);
      g_queue_unlink (&self->queue, link);
      g_queue_push_head_link (&self->queue, link);
    }
  if (emulator->queued)
    return;
  emulator->queued = TRUE;
  emulator->use_cache = use_cache;
  if (head)
    g_queue_push_head (&self->queue, g_strdup (emulator->path));
  else
    g_queue_push_tail (&self->queue, g_strdup (emulator->path));
}

static void
enqueue (DcRegistry *self, DcEmulator *emulator, GTask *task,
         gboolean use_cache)
{
  enqueue_at (self, emulator, task, use_cache, FALSE);
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

/* Whether a name of @emulator promises the host's own arch. */
static gboolean
named_for_host (DcRegistry *self, DcEmulator *emulator)
{
  for (guint i = 0; i < emulator->names->len; i++)
    {
      g_autofree char *base = g_path_get_basename (g_ptr_array_index (emulator->names, i));
      g_autofree char *hint = dc_arch_hint_from_name (base);

      if (g_strcmp0 (hint, self->host->arch) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The order of a cold start: the emulators of the host's own arch first
 * (what a VM manager asks about first, so its first answer waits for one
 * probe, not all); then those that also run QEMU under KVM (x86's take
 * three times as long as the others), so that none is left running alone
 * at the end; then by path. */
static gint
compare_probe_order (gconstpointer a, gconstpointer b, gpointer user_data)
{
  DcRegistry *self = user_data;
  DcEmulator *ea = *(DcEmulator **) a;
  DcEmulator *eb = *(DcEmulator **) b;
  gboolean ha = named_for_host (self, ea), hb = named_for_host (self, eb);
  gboolean ka = should_try_kvm (self, ea), kb = should_try_kvm (self, eb);

  if (ha != hb)
    return ha ? -1 : 1;
  if (ka != kb)
    return ka ? -1 : 1;
  return g_strcmp0 (ea->path, eb->path);
}

void
dc_registry_probe_async (DcRegistry *self, const char *path,
                         gboolean use_cache, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr(GTask) task = batch_new (self, path != NULL, callback, user_data);
  g_autoptr(GPtrArray) targets = NULL;

  if (path != NULL && strlen (path) > DC_WIRE_MAX_PATH)
    return g_task_return_new_error (task, DC_ERROR, DC_ERROR_INVALID_ARGUMENT,
                                    "emulatorbin is longer than %d bytes",
                                    DC_WIRE_MAX_PATH);
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
    {
      targets = all_emulators (self);
      g_ptr_array_sort_with_data (targets, compare_probe_order, self);
    }
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
enqueue_detached (DcRegistry *self, DcEmulator *emulator, const char *why,
                  gboolean use_cache)
{
  g_autoptr(GTask) task = batch_new (self, FALSE, NULL, NULL);

  g_info ("%s: %s", emulator->path, why);
  enqueue (self, emulator, task, use_cache);
  run_batch (self, task);
}

void
dc_registry_host_changed (DcRegistry *self)
{
  self->generation++;
  self->host_epoch++;
  dc_registry_probe_async (self, NULL, TRUE, NULL, NULL);
}

void
dc_registry_rescan (DcRegistry *self)
{
  g_autoptr(GTask) task = batch_new (self, FALSE, NULL, NULL);
  g_autoptr(GPtrArray) list = NULL;

  dc_registry_discover (self);
  list = all_emulators (self);
  for (guint i = 0; i < list->len; i++)
    {
      DcEmulator *emulator = g_ptr_array_index (list, i);
      /* a wrapper whose emulator is gone is asked again, not its record */
      gboolean orphaned = emulator->runs != NULL && wrapped (self, emulator) == NULL;

      if (binary_changed (emulator))
        g_info ("%s changed on disk", emulator->path);
      else if (orphaned && !emulator->queued)
        g_info ("%s: the emulator it ran is gone", emulator->path);
      else if (emulator->state != DC_EMULATOR_PENDING || emulator->queued)
        continue;
      enqueue (self, emulator, task, !orphaned);
    }
  run_batch (self, task);
}

/* Whether a query about @emulator must wait: it is waiting for a probe
 * or running one, or its binary changed since its facts were taken
 * (a package upgrade, seen before the watch's rescan). */
static gboolean
unsettled (DcEmulator *emulator)
{
  return emulator->queued || emulator->state == DC_EMULATOR_PENDING ||
         emulator->state == DC_EMULATOR_PROBING || binary_changed (emulator);
}

gboolean
dc_registry_settled (DcRegistry *self, GPtrArray *paths)
{
  for (guint i = 0; i < paths->len; i++)
    {
      DcEmulator *emulator = dc_registry_lookup (self, g_ptr_array_index (paths, i));

      if (emulator != NULL && unsettled (emulator))
        return FALSE;
    }
  return TRUE;
}

void
dc_registry_settle_async (DcRegistry *self, GPtrArray *paths,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = batch_new (self, FALSE, callback, user_data);

  ((Batch *) g_task_get_task_data (task))->urgent = TRUE;
  /* shutting down: nothing will be probed again */
  for (guint i = 0; self->shutdown_done == NULL && i < paths->len; i++)
    {
      DcEmulator *emulator = dc_registry_lookup (self, g_ptr_array_index (paths, i));

      if (emulator == NULL || !unsettled (emulator))
        continue;
      if (emulator->state != DC_EMULATOR_PROBING && binary_changed (emulator))
        g_info ("%s changed on disk; a query waits for it", emulator->path);
      enqueue_at (self, emulator, task, TRUE, TRUE);
    }
  run_batch (self, task);
}

gboolean
dc_registry_settle_finish (DcRegistry *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
dc_registry_shutdown (DcRegistry *self, GSourceFunc done, gpointer user_data)
{
  g_autoptr(GPtrArray) list = all_emulators (self);

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
  g_autoptr(GPtrArray) list = all_emulators (self);
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

/* Every entry, wrappers included, by path. */
static GPtrArray *
all_emulators (DcRegistry *self)
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

/* The emulator a wrapper runs, where that one was found too. */
static DcEmulator *
wrapped (DcRegistry *self, const DcEmulator *emulator)
{
  return emulator->runs ? g_hash_table_lookup (self->emulators, emulator->runs) : NULL;
}

GPtrArray *
dc_registry_list (DcRegistry *self)
{
  GPtrArray *list = all_emulators (self);

  for (guint i = list->len; i-- > 0;)
    if (wrapped (self, g_ptr_array_index (list, i)) != NULL)
      g_ptr_array_remove_index (list, i);
  return list;
}

/* The entry found under @path (its real path or one of its names). */
static DcEmulator *
find (DcRegistry *self, const char *path)
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

DcEmulator *
dc_registry_lookup (DcRegistry *self, const char *path)
{
  DcEmulator *emulator = find (self, path);
  DcEmulator *target = emulator ? wrapped (self, emulator) : NULL;

  /* a wrapper's name stands for the emulator it runs */
  return target != NULL ? target : emulator;
}

const char *
dc_emulator_get_path (const DcEmulator *emulator)
{
  return emulator->path;
}

GPtrArray *
dc_emulator_get_names (const DcEmulator *emulator)
{
  return emulator->all_names;
}

DcEmulatorState
dc_emulator_get_state (const DcEmulator *emulator)
{
  return emulator->state;
}

const char *
dc_emulator_get_error (const DcEmulator *emulator)
{
  return emulator->error;
}

const DcEmulatorFacts *
dc_registry_load_facts (DcRegistry *self, DcEmulator *emulator)
{
  g_autoptr(GError) error = NULL;

  if (emulator->facts != NULL || !has_facts (emulator))
    return emulator->facts;
  emulator->facts = dc_cache_load (self->cache, emulator->path,
                                   &emulator->facts_stamp, &error);
  if (emulator->facts != NULL)
    return emulator->facts;
  /* Changed under us since it was found current: probe again, without it. */
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "DOMCAPSD_EMULATOR", emulator->path,
                    "DOMCAPSD_ERROR", error->message,
                    "MESSAGE", "Cannot read back the cached facts of %s: %s",
                    emulator->path, error->message);
  dc_facts_summary_clear (&emulator->summary);
  emulator->state = DC_EMULATOR_PENDING;
  g_free (emulator->error);
  emulator->error = g_strdup_printf ("its cached facts could not be read back (%s);"
                                     " it is being probed again", error->message);
  self->generation++;   /* it no longer emulates anything that we know */
  enqueue_detached (self, emulator, "cached facts unreadable", FALSE);
  return NULL;
}

const DcFactsSummary *
dc_emulator_get_summary (const DcEmulator *emulator)
{
  return has_facts (emulator) ? &emulator->summary : NULL;
}

guint64
dc_registry_get_generation (DcRegistry *self)
{
  return self->generation;
}

const DcHostFacts *
dc_registry_get_host (DcRegistry *self)
{
  return self->host;
}

GPtrArray *
dc_registry_get_firmware (DcRegistry *self)
{
  return self->firmware;
}

gint64
dc_emulator_get_retry_at (const DcEmulator *emulator)
{
  return emulator->retry_at;
}

const char *
dc_emulator_state_to_string (DcEmulatorState state)
{
  static const char *const names[] = { "pending", "probing", "ready", "failed",
                                       "unusable" };

  return names[state];
}
