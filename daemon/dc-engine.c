/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-engine.c: host facts, cache, firmware, registry and answerer, wired once. */
#include "config.h"

#include "dc-engine.h"

#include "dc-firmware-load.h"
#include "dc-helper.h"
#include "dc-swtpm.h"

struct _DcEngine {
  DcHostFacts *host;
  DcCache *cache;
  DcRegistry *registry;
  DcAnswerer *answerer;
  char **firmware_dirs;
  char **emulator_dirs;
  char *host_root;
};

gboolean
dc_engine_check_options (gboolean system_bus, gboolean session_bus,
                         int probe_timeout, GError **error)
{
  const char *problem = NULL;

  if (system_bus && session_bus)
    problem = "--system and --session exclude each other";
  else if (probe_timeout < 0 || probe_timeout > 3600)
    problem = "--probe-timeout takes 1 to 3600 seconds";
  if (problem != NULL)
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, problem);
  return problem == NULL;
}

char **
dc_engine_default_emulator_dirs (void)
{
  const char *path = g_getenv ("PATH");
  g_auto(GStrv) parts = g_strsplit (path ? path : "/usr/bin:/bin", ":", -1);
  g_autoptr(GStrvBuilder) dirs = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] == '/' && g_hash_table_add (seen, parts[i]))
      g_strv_builder_add (dirs, parts[i]);
  if (g_hash_table_add (seen, (gpointer) "/usr/libexec"))
    g_strv_builder_add (dirs, "/usr/libexec");
  return g_strv_builder_end (dirs);
}

static DcCache *
open_cache (const char *dir, const DcHostFacts *host)
{
  g_autofree char *key = dc_host_facts_probe_key (host);
  g_autoptr(GError) error = NULL;
  DcCache *cache = dc_cache_new (dir, key, &error);

  if (cache == NULL)
    g_warning ("Running without a disk cache: %s", error->message);
  return cache;
}

DcEngine *
dc_engine_new (const DcEngineOptions *options)
{
  DcEngine *self = g_new0 (DcEngine, 1);
  DcRegistryOptions registry_options = { 0 };

  self->emulator_dirs = options->emulator_dirs
                          ? g_strdupv ((char **) options->emulator_dirs)
                          : dc_engine_default_emulator_dirs ();
  self->firmware_dirs = options->firmware_dirs
                          ? g_strdupv ((char **) options->firmware_dirs)
                          : dc_firmware_default_dirs (options->user_firmware);
  self->host_root = g_strdup (options->host_root ? options->host_root : "/");
  self->host = dc_host_facts_read (self->host_root);
  if (options->cache_dir != NULL)
    self->cache = open_cache (options->cache_dir, self->host);
  registry_options.emulator_dirs = (const char *const *) self->emulator_dirs;
  registry_options.probe_timeout = options->probe_timeout ? options->probe_timeout
                                                         : DC_ENGINE_PROBE_TIMEOUT;
  registry_options.retry_delay = options->retry_delay;
  registry_options.max_parallel = g_get_num_processors ();
  registry_options.cache = self->cache;
  if (options->probe_in_helper)
    {
      registry_options.probe_async = dc_helper_probe_async;
      registry_options.probe_finish = dc_helper_probe_finish;
    }
  self->registry = dc_registry_new (&registry_options, self->host);
  self->answerer = dc_answerer_new (self->registry);
  dc_answerer_set_host_root (self->answerer, self->host_root);
  dc_engine_load_firmware (self);
  return self;
}

void
dc_engine_free (DcEngine *self)
{
  g_clear_pointer (&self->answerer, dc_answerer_free);
  g_clear_object (&self->registry);
  g_clear_pointer (&self->cache, dc_cache_free);
  g_clear_pointer (&self->host, dc_host_facts_free);
  g_strfreev (self->firmware_dirs);
  g_strfreev (self->emulator_dirs);
  g_free (self->host_root);
  g_free (self);
}

gboolean
dc_engine_reread_host_devices (DcEngine *self)
{
  if (!dc_host_facts_reread_devices (self->host, self->host_root))
    return FALSE;
  g_message ("The host's devices changed (KVM %s, VFIO %s); probing every emulator again",
             self->host->kvm_usable ? "usable" : self->host->kvm_present ? "present, unusable"
                                                                       : "absent",
             self->host->vfio ? "present" : "absent");
  if (self->cache != NULL)
    {
      g_autofree char *key = dc_host_facts_probe_key (self->host);

      dc_cache_set_host_key (self->cache, key);
    }
  dc_registry_host_changed (self->registry);
  return TRUE;
}

const DcHostFacts *
dc_engine_get_host (DcEngine *self)
{
  return self->host;
}

DcRegistry *
dc_engine_get_registry (DcEngine *self)
{
  return self->registry;
}

DcAnswerer *
dc_engine_get_answerer (DcEngine *self)
{
  return self->answerer;
}

const char *const *
dc_engine_get_firmware_dirs (DcEngine *self)
{
  return (const char *const *) self->firmware_dirs;
}

void
dc_engine_load_firmware (DcEngine *self)
{
  g_autoptr(GPtrArray) firmware =
    dc_firmware_load ((const char *const *) self->firmware_dirs, NULL);

  g_info ("%u usable firmware descriptors", firmware->len);
  dc_registry_set_firmware (self->registry, firmware);
}

/* ---- start: swtpm and the first probes, as one task ---- */

/* The start's state: what is left, and whom to tell once the host facts
 * are complete. */
typedef struct {
  guint pending;
  DcEngineReady host_ready;  /* may be NULL */
  gpointer user_data;
} Start;

static void
start_job_done (GTask *task)
{
  Start *start = g_task_get_task_data (task);

  if (--start->pending == 0)
    g_task_return_boolean (task, TRUE);
}

/* The host facts are complete (swtpm asked): answers may be given. */
static void
host_done (GTask *task)
{
  Start *start = g_task_get_task_data (task);

  if (start->host_ready != NULL)
    start->host_ready (start->user_data);
  start_job_done (task);
}

/* swtpm_setup asked: its answer goes to the cache under @identity. */
typedef struct {
  GTask *task;             /* the start's */
  DcCache *cache;          /* may be NULL */
  char *identity;
} SwtpmJob;

static void
on_swtpm_probed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SwtpmJob *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;

  if (!dc_host_facts_probe_swtpm_finish (result, &output, &error))
    g_info ("No software TPM: %s", error->message);
  else if (job->cache != NULL && job->identity != NULL &&
           !dc_cache_store_output (job->cache, "swtpm_setup", job->identity,
                                   output, &error))
    g_warning ("Cannot cache swtpm_setup's capabilities: %s", error->message);
  host_done (job->task);
  g_object_unref (job->task);
  g_free (job->identity);
  g_free (job);
}

/* swtpm_setup's capabilities: from the cache while swtpm_setup and swtpm
 * are the same files, else asked (7 ms, which a warm start need not wait
 * for). */
static void
start_swtpm (DcEngine *self, GTask *task)
{
  g_autofree char *identity = dc_swtpm_identity ();
  g_autofree char *output = NULL;
  SwtpmJob *job;

  if (identity != NULL && self->cache != NULL)
    output = dc_cache_load_output (self->cache, "swtpm_setup", identity, NULL);
  if (output != NULL && dc_host_facts_parse_swtpm (self->host, output, NULL))
    {
      g_info ("swtpm_setup's capabilities from the cache");
      return host_done (task);
    }
  job = g_new0 (SwtpmJob, 1);
  job->task = g_object_ref (task);
  job->cache = self->cache;
  job->identity = g_steal_pointer (&identity);
  dc_host_facts_probe_swtpm_async (self->host, NULL, NULL, on_swtpm_probed, job);
}

static void
on_probed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;

  /* A failure is the emulator's state, which the answer reports. */
  dc_registry_probe_finish (DC_REGISTRY (source), result, NULL);
  start_job_done (task);
}

/* Asks swtpm and probes @paths (NULL: every emulator), side by side. */
static void
start (DcEngine *self, GPtrArray *paths, DcEngineReady host_ready,
       GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  Start *state = g_new0 (Start, 1);

  state->pending = 1 + (paths ? paths->len : 1);
  state->host_ready = host_ready;
  state->user_data = user_data;
  g_task_set_task_data (task, state, g_free);
  start_swtpm (self, task);
  if (paths == NULL)
    dc_registry_probe_async (self->registry, NULL, TRUE, on_probed,
                             g_object_ref (task));
  for (guint i = 0; paths && i < paths->len; i++)
    dc_registry_probe_async (self->registry, g_ptr_array_index (paths, i),
                             TRUE, on_probed, g_object_ref (task));
  g_object_unref (task);
}

void
dc_engine_start_async (DcEngine *self, DcEngineReady host_ready,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  dc_registry_discover (self->registry);
  start (self, NULL, host_ready, callback, user_data);
}

void
dc_engine_start_for_query_async (DcEngine *self, const char *emulatorbin,
                                 const char *arch, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr(GPtrArray) paths = NULL;

  dc_registry_discover (self->registry);
  paths = dc_answerer_candidates (self->answerer, emulatorbin, arch);
  start (self, paths, NULL, callback, user_data);
}

void
dc_engine_start_finish (DcEngine *self, GAsyncResult *result)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
}
