/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-answerer.c: queries answered over a snapshot of the registry. */
#include "config.h"

#include "dc-answerer.h"

#include "dc-arch.h"
#include "dc-caps-xml.h"
#include "dc-host-caps-read.h"
#include "dc-query.h"
#include "dc-render-host.h"

struct _DcAnswerer {
  DcRegistry *registry;    /* borrowed */
  DcQueryMemo *memo;       /* rendered answers, of one generation */
  /* What is kept for one generation of the registry, forgotten together
   * when it moves (sync_generation()): */
  guint64 generation;
  GHashTable *candidates;  /* "emulatorbin\narch" -> GPtrArray of real paths */
  GHashTable *explained;   /* question key -> Explained */
  char *capabilities;      /* host capabilities as last written, or NULL */
  GPtrArray *capabilities_paths;  /* what GetCapabilities waits for, or NULL */
  DcHostCaps *host_caps;   /* the host part of host capabilities, or NULL */
  char *host_root;         /* where it is read */
};

typedef struct {
  DcExplained public;      /* its members owned by this */
  DcCapsNode *model;
  GPtrArray *reasons;      /* of DcReason */
} Explained;

static void
explained_free (Explained *e)
{
  dc_caps_node_free (e->model);
  g_hash_table_unref (e->public.reasons);
  g_ptr_array_unref (e->reasons);
  g_hash_table_unref (e->public.qom_types);
  g_free (e);
}

DcAnswerer *
dc_answerer_new (DcRegistry *registry)
{
  DcAnswerer *self = g_new0 (DcAnswerer, 1);

  self->registry = registry;
  self->memo = dc_query_memo_new ();
  self->host_root = g_strdup ("/");
  self->explained = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) explained_free);
  self->candidates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_ptr_array_unref);
  return self;
}

void
dc_answerer_free (DcAnswerer *self)
{
  dc_query_memo_free (self->memo);
  g_hash_table_unref (self->candidates);
  g_hash_table_unref (self->explained);
  g_clear_pointer (&self->host_caps, dc_host_caps_free);
  g_free (self->host_root);
  g_free (self->capabilities);
  g_clear_pointer (&self->capabilities_paths, g_ptr_array_unref);
  g_free (self);
}

/* Forgets what was kept for an older generation of the registry (any
 * emulator's facts, the set of emulators, the firmware). */
static void
sync_generation (DcAnswerer *self)
{
  guint64 generation = dc_registry_get_generation (self->registry);

  if (generation == self->generation)
    return;
  self->generation = generation;
  g_hash_table_remove_all (self->candidates);
  g_hash_table_remove_all (self->explained);
  g_clear_pointer (&self->capabilities, g_free);
  g_clear_pointer (&self->capabilities_paths, g_ptr_array_unref);
}

/* ---- snapshots ---- */

/* What the registry knows now, for one query: borrowed, valid until the
 * emulators change (queries are answered synchronously). Every emulator
 * with facts has its arch and target (from the cache file's summary);
 * facts themselves only the one at @facts_of (a real path; NULL: none),
 * read from the cache if need be. */
static DcQuerySnapshot *
snapshot_new (DcAnswerer *self, const char *facts_of)
{
  g_autoptr(GPtrArray) list = dc_registry_list (self->registry);
  DcQuerySnapshot *snapshot = g_new0 (DcQuerySnapshot, 1);

  snapshot->emulators = g_ptr_array_new_with_free_func (g_free);
  snapshot->host = dc_registry_get_host (self->registry);
  snapshot->firmware = dc_registry_get_firmware (self->registry);
  for (guint i = 0; i < list->len; i++)
    {
      DcEmulator *emulator = g_ptr_array_index (list, i);
      const DcFactsSummary *summary;
      DcQueryEmulator *e = g_new0 (DcQueryEmulator, 1);

      e->path = dc_emulator_get_path (emulator);
      e->names = dc_emulator_get_names (emulator);
      if (g_strcmp0 (e->path, facts_of) == 0)
        e->facts = dc_registry_load_facts (self->registry, emulator);
      /* read after the load, which may find the facts unreadable */
      summary = dc_emulator_get_summary (emulator);
      if (summary != NULL)
        {
          e->arch = summary->arch;
          e->target = summary->target;
        }
      e->error = dc_emulator_get_error (emulator);
      e->unusable = dc_emulator_get_state (emulator) == DC_EMULATOR_UNUSABLE;
      g_ptr_array_add (snapshot->emulators, e);
    }
  return snapshot;
}

static void
snapshot_free (DcQuerySnapshot *snapshot)
{
  g_ptr_array_unref (snapshot->emulators);
  g_free (snapshot);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcQuerySnapshot, snapshot_free)

/* A snapshot with the facts of the one emulator that answers @q, chosen
 * first by what each emulator emulates (its facts need not be read for
 * that); NULL if the query names none (@error: why). */
static DcQuerySnapshot *
snapshot_for (DcAnswerer *self, const DcQuestion *q, GError **error)
{
  g_autoptr(DcQuerySnapshot) summaries = snapshot_new (self, NULL);
  const char *arch = q->arch;
  const DcQueryEmulator *chosen = dc_query_pick (summaries, q->emulatorbin, &arch,
                                                 error);

  return chosen ? snapshot_new (self, chosen->path) : NULL;
}

/* ---- answers ---- */

char *
dc_answerer_xml_and_facts (DcAnswerer *self, const DcQuestion *q,
                           const DcEmulatorFacts **facts, GError **error)
{
  g_autoptr(DcQuerySnapshot) snapshot = NULL;
  const char *known = NULL;
  DcResolvedQuery resolved;
  char *xml;

  if (!dc_query_check (q->emulatorbin, q->arch, q->machine, q->virttype, q->flags,
                       error))
    return NULL;
  dc_query_memo_sync (self->memo, dc_registry_get_generation (self->registry));
  if (facts == NULL)
    known = dc_query_memo_lookup_question (self->memo, q->emulatorbin, q->arch,
                                           q->machine, q->virttype);
  if (known != NULL)
    return g_strdup (known);
  snapshot = snapshot_for (self, q, error);
  if (snapshot == NULL ||
      !dc_query_resolve (snapshot, q->emulatorbin, q->arch, q->machine, q->virttype,
                         &resolved, error))
    return NULL;
  if (facts != NULL)
    *facts = resolved.emulator->facts;
  xml = dc_query_render (self->memo, snapshot, &resolved, error);
  if (xml != NULL)
    dc_query_memo_remember_question (self->memo, q->emulatorbin, q->arch,
                                     q->machine, q->virttype, &resolved);
  return xml;
}

char *
dc_answerer_xml (DcAnswerer *self, const DcQuestion *question, GError **error)
{
  return dc_answerer_xml_and_facts (self, question, NULL, error);
}

/* The snapshot and resolution of a checked query, or FALSE (@error). */
static gboolean
resolve (DcAnswerer *self, const DcQuestion *q, DcQuerySnapshot **snapshot,
         DcResolvedQuery *resolved, GError **error)
{
  if (!dc_query_check (q->emulatorbin, q->arch, q->machine, q->virttype, q->flags,
                       error))
    return FALSE;
  *snapshot = snapshot_for (self, q, error);
  return *snapshot != NULL &&
         dc_query_resolve (*snapshot, q->emulatorbin, q->arch, q->machine,
                           q->virttype, resolved, error);
}

GPtrArray *
dc_answerer_explain (DcAnswerer *self, const DcQuestion *q, GError **error)
{
  g_autoptr(DcQuerySnapshot) snapshot = NULL;
  DcResolvedQuery resolved;

  if (!resolve (self, q, &snapshot, &resolved, error))
    return NULL;
  return dc_query_explain (snapshot, &resolved);
}

DcCapsNode *
dc_answerer_model (DcAnswerer *self, const DcQuestion *q,
                   const DcEmulatorFacts **facts, GError **error)
{
  g_autoptr(DcQuerySnapshot) snapshot = NULL;
  DcResolvedQuery resolved;

  if (!resolve (self, q, &snapshot, &resolved, error))
    return NULL;
  *facts = resolved.emulator->facts;
  return dc_query_model (snapshot, &resolved);
}

const DcExplained *
dc_answerer_explained (DcAnswerer *self, const DcQuestion *q, GError **error)
{
  g_autoptr(DcQuerySnapshot) snapshot = NULL;
  g_autofree char *key = g_strjoin ("\n", q->emulatorbin, q->arch, q->machine,
                                    q->virttype, NULL);
  DcResolvedQuery resolved;
  Explained *e;

  sync_generation (self);
  e = g_hash_table_lookup (self->explained, key);
  if (e == NULL)
    {
      if (!resolve (self, q, &snapshot, &resolved, error))
        return NULL;
      e = g_new0 (Explained, 1);
      e->reasons = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_reason_free);
      e->model = dc_query_model_explained (snapshot, &resolved, e->reasons);
      e->public.model = e->model;
      e->public.qom_types = g_hash_table_ref (resolved.emulator->facts->qom_types);
      e->public.machine_no_acpi = resolved.machine != NULL && resolved.machine->no_acpi;
      e->public.reasons = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < e->reasons->len; i++)
        {
          DcReason *r = g_ptr_array_index (e->reasons, i);

          g_hash_table_insert (e->public.reasons, r->path, r);
        }
      g_hash_table_replace (self->explained, g_steal_pointer (&key), e);
    }
  return &e->public;
}

GPtrArray *
dc_answerer_candidates (DcAnswerer *self, const char *emulatorbin, const char *arch)
{
  g_autofree char *key = g_strdup_printf ("%s\n%s", emulatorbin ? emulatorbin : "",
                                          arch ? arch : "");
  GPtrArray *paths;
  g_autoptr(DcQuerySnapshot) snapshot = NULL;

  /* asked on every call a service waits for: kept per generation */
  sync_generation (self);
  paths = g_hash_table_lookup (self->candidates, key);
  if (paths == NULL)
    {
      snapshot = snapshot_new (self, NULL);
      paths = dc_query_candidates (snapshot, emulatorbin, arch);
      g_hash_table_insert (self->candidates, g_steal_pointer (&key), paths);
    }
  return g_ptr_array_ref (paths);
}

/* ---- every answer at once ---- */

/* The default machine, then the canonical machine of every alias, once. */
static GPtrArray *
answered_machines (const DcEmulatorFacts *facts)
{
  GPtrArray *machines = g_ptr_array_new ();
  const DcMachine *def = dc_emulator_facts_preferred_machine (facts);

  if (def != NULL)
    g_ptr_array_add (machines, def->name);
  for (guint i = 0; i < facts->machines->len; i++)
    {
      const DcMachine *machine = g_ptr_array_index (facts->machines, i);
      if (machine->alias != NULL && machine != def)
        g_ptr_array_add (machines, machine->name);
    }
  return machines;
}

static void
add_rows (DcAnswerer *self, GPtrArray *out, DcEmulator *emulator)
{
  const DcEmulatorFacts *facts = dc_registry_load_facts (self->registry, emulator);
  const char *path = dc_emulator_get_path (emulator);
  const char *failure = dc_emulator_get_error (emulator);
  g_autoptr(GPtrArray) machines = NULL;
  g_autoptr(GPtrArray) virttypes = NULL;

  if (facts == NULL)
    {
      g_ptr_array_add (out, dc_answer_row_new (path, NULL, NULL, NULL, NULL,
                                               failure ? failure : "not probed yet"));
      return;
    }
  machines = answered_machines (facts);
  virttypes = dc_query_virttypes (dc_registry_get_host (self->registry), facts->arch,
                                  facts->tcg, facts->kvm);
  for (guint m = 0; m < machines->len; m++)
    for (guint v = 0; v < virttypes->len; v++)
      {
        const DcQuestion q = { path, facts->arch, g_ptr_array_index (machines, m),
                               g_ptr_array_index (virttypes, v), 0 };
        g_autoptr(GError) error = NULL;
        g_autofree char *xml = dc_answerer_xml (self, &q, &error);

        g_ptr_array_add (out, dc_answer_row_new (path, facts->arch, q.machine,
                                                 q.virttype, xml,
                                                 error ? error->message : NULL));
      }
}

GPtrArray *
dc_answerer_all (DcAnswerer *self)
{
  g_autoptr(GPtrArray) list = dc_registry_list (self->registry);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_answer_row_free);

  for (guint i = 0; i < list->len; i++)
    add_rows (self, out, g_ptr_array_index (list, i));
  return out;
}

/* ---- one emulator described ---- */

static GStrv
strv_of (GPtrArray *strings)
{
  GStrv out = g_new0 (char *, strings->len + 1);

  for (guint i = 0; i < strings->len; i++)
    out[i] = g_strdup (g_ptr_array_index (strings, i));
  return out;
}

/* From what the registry knows without reading any facts (the cache
 * file's first line): listing every emulator costs no parse. */
DcEmulatorInfo *
dc_answerer_describe (DcAnswerer *self, DcEmulator *emulator)
{
  const DcFactsSummary *summary = dc_emulator_get_summary (emulator);
  const char *failure = dc_emulator_get_error (emulator);
  gint64 retry_at = dc_emulator_get_retry_at (emulator);
  g_autoptr(GPtrArray) virttypes = NULL;
  g_autofree const char **arches = summary ? dc_arch_runnable (summary->arch) : NULL;
  DcEmulatorInfo *info = g_new0 (DcEmulatorInfo, 1);

  virttypes = summary ? dc_query_virttypes (dc_registry_get_host (self->registry),
                                            summary->arch, summary->tcg, summary->kvm)
                      : g_ptr_array_new ();
  info->path = g_strdup (dc_emulator_get_path (emulator));
  info->names = strv_of (dc_emulator_get_names (emulator));
  info->state = g_strdup (dc_emulator_state_to_string (dc_emulator_get_state (emulator)));
  info->error = g_strdup (failure ? failure : "");
  info->arch = g_strdup (summary ? summary->arch : "");
  info->arches = arches ? g_strdupv ((char **) arches) : g_new0 (char *, 1);
  info->default_machine = g_strdup (summary ? summary->default_machine : "");
  info->machines = summary ? g_strdupv (summary->machine_names) : g_new0 (char *, 1);
  info->aliases = summary ? g_strdupv (summary->machine_aliases) : g_new0 (char *, 1);
  info->virttypes = strv_of (virttypes);
  info->version = g_strdup (summary ? summary->version : "");
  /* After a failure that may pass: when the next try is due (Unix time). */
  info->next_try = retry_at / G_USEC_PER_SEC;
  return info;
}

/* ---- host capabilities ---- */

/* logind answers within a few ms; a hung one must not hold a start up. */
#define POWER_TIMEOUT_MS 500

void
dc_answerer_set_host_root (DcAnswerer *self, const char *root)
{
  g_free (self->host_root);
  self->host_root = g_strdup (root);
}

gboolean
dc_answerer_read_host (DcAnswerer *self)
{
  DcHostCaps *caps;
  gboolean changed;
  gint64 began = g_get_monotonic_time ();

  caps = dc_host_caps_read (self->host_root, dc_registry_get_host (self->registry));
  if (g_str_equal (self->host_root, "/"))
    dc_host_caps_read_power (caps, POWER_TIMEOUT_MS);
  g_message ("Read the host part of host capabilities in %.1f ms: %u NUMA cells, "
             "%u cache banks", (g_get_monotonic_time () - began) / 1000.0,
             caps->cells->len, caps->caches->len);
  for (guint i = 0; i < caps->skipped->len; i++)
    g_message ("Host capabilities leave out %s",
               (const char *) g_ptr_array_index (caps->skipped, i));
  changed = self->host_caps != NULL && !dc_host_caps_equal (self->host_caps, caps);
  g_clear_pointer (&self->host_caps, dc_host_caps_free);
  g_clear_pointer (&self->capabilities, g_free);
  self->host_caps = caps;
  return changed;
}

const DcHostFacts *
dc_answerer_host_facts (DcAnswerer *self)
{
  return dc_registry_get_host (self->registry);
}

const DcHostCaps *
dc_answerer_host_caps (DcAnswerer *self)
{
  if (self->host_caps == NULL)
    dc_answerer_read_host (self);
  return self->host_caps;
}

/* An arch of host capabilities and its emulator, as libvirt picks it. */
typedef struct {
  DcCapsGuest guest;       /* its facts filled in once read */
  const DcQueryEmulator *emulator;
} Pick;

static GPtrArray *
picks_of (DcQuerySnapshot *snapshot)
{
  GPtrArray *picks = g_ptr_array_new_with_free_func (g_free);
  gsize n;
  const DcArchInfo *arches = dc_arch_all (&n);

  for (gsize i = 0; i < n; i++)
    {
      const char *shown = NULL;
      const DcQueryEmulator *e = dc_query_default_emulator (snapshot, arches[i].name,
                                                           &shown);
      Pick *pick;

      if (e == NULL)
        continue;
      pick = g_new0 (Pick, 1);
      pick->guest.arch = arches[i].name;
      pick->guest.wordsize = arches[i].wordsize;
      pick->guest.emulator = shown;
      pick->emulator = e;
      g_ptr_array_add (picks, pick);
    }
  return picks;
}

static GPtrArray *
find_capabilities_emulators (DcAnswerer *self)
{
  g_autoptr(DcQuerySnapshot) snapshot = snapshot_new (self, NULL);
  g_autoptr(GPtrArray) picks = picks_of (snapshot);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < picks->len; i++)
    {
      const char *path = ((Pick *) g_ptr_array_index (picks, i))->emulator->path;

      if (!g_ptr_array_find_with_equal_func (paths, path, g_str_equal, NULL))
        g_ptr_array_add (paths, g_strdup (path));
    }
  return paths;
}

/* Names decide it, so it holds for a generation (as candidates do). */
GPtrArray *
dc_answerer_capabilities_emulators (DcAnswerer *self)
{
  GPtrArray *copy;

  sync_generation (self);
  if (self->capabilities_paths == NULL)
    self->capabilities_paths = find_capabilities_emulators (self);
  copy = g_ptr_array_new_full (self->capabilities_paths->len, g_free);
  for (guint i = 0; i < self->capabilities_paths->len; i++)
    g_ptr_array_add (copy, g_strdup (g_ptr_array_index (self->capabilities_paths, i)));
  return copy;
}

/* Writes host capabilities anew. */
static char *
write_capabilities (DcAnswerer *self, GError **error)
{
  g_autoptr(DcQuerySnapshot) snapshot = snapshot_new (self, NULL);
  g_autoptr(GPtrArray) picks = picks_of (snapshot);
  g_autoptr(GPtrArray) guests = g_ptr_array_new ();
  g_autoptr(DcCapsNode) model = NULL;

  for (guint i = 0; i < picks->len; i++)
    {
      Pick *pick = g_ptr_array_index (picks, i);
      DcEmulator *emulator = dc_registry_lookup (self->registry, pick->emulator->path);

      /* libvirt leaves out an arch whose emulator it cannot probe */
      pick->guest.facts = emulator ? dc_registry_load_facts (self->registry, emulator)
                                   : NULL;
      if (pick->guest.facts != NULL)
        g_ptr_array_add (guests, &pick->guest);
    }
  model = dc_render_capabilities (dc_answerer_host_caps (self),
                                  dc_registry_get_host (self->registry), guests);
  return dc_caps_to_xml (model, error);
}

/* Kept as the memo is: for one generation of the registry (any emulator's
 * facts, the set of emulators) and until the host part is read again. */
char *
dc_answerer_capabilities (DcAnswerer *self, GError **error)
{
  sync_generation (self);
  if (self->capabilities == NULL)
    self->capabilities = write_capabilities (self, error);
  return g_strdup (self->capabilities);
}
