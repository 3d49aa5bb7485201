/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-query.c: query defaults, emulator choice and the answer memo. */
#include "config.h"

#include "dc-query.h"

#include <string.h>

#include "dc-arch.h"
#include "dc-caps-xml.h"
#include "dc-errors.h"
#include "dc-wire.h"
#include "dc-render.h"

#define EMULATOR_PREFIX "qemu-system-"

static gboolean
check_arg (const char *value, gsize max, const char *what, GError **error)
{
  if (strlen (value) <= max)
    return TRUE;
  g_set_error (error, DC_ERROR, DC_ERROR_INVALID_ARGUMENT,
               "%s is longer than %" G_GSIZE_FORMAT " bytes", what, max);
  return FALSE;
}

static const DcQueryEmulator *
dc_query_lookup (const DcQuerySnapshot *snapshot, const char *path)
{
  for (guint i = 0; i < snapshot->emulators->len; i++)
    {
      const DcQueryEmulator *e = g_ptr_array_index (snapshot->emulators, i);

      if (g_str_equal (e->path, path) ||
          g_ptr_array_find_with_equal_func (e->names, path, g_str_equal, NULL))
        return e;
    }
  return NULL;
}

static gboolean
kvm_serves (const DcHostFacts *host, const DcEmulatorFacts *facts,
            const char *arch)
{
  return facts->kvm && host->kvm_usable && dc_arch_kvm_compatible (host->arch, arch);
}

GPtrArray *
dc_query_virttypes (const DcHostFacts *host, const char *arch, gboolean tcg,
                    gboolean kvm)
{
  GPtrArray *out = g_ptr_array_new ();

  if (kvm && host->kvm_usable && dc_arch_kvm_compatible (host->arch, arch))
    g_ptr_array_add (out, "kvm");
  if (tcg)
    g_ptr_array_add (out, "qemu");
  return out;
}

static gboolean
runs_arch (const char *own_arch, const char *arch)
{
  g_autofree const char **arches = dc_arch_runnable (own_arch);

  return g_strv_contains (arches, arch);
}

/* What @e emulates (NULL: not known, never probed or failed). */
static const char *
emulated_arch (const DcQueryEmulator *e)
{
  return e->facts ? e->facts->arch : e->arch;
}

static const char *
emulated_target (const DcQueryEmulator *e)
{
  return e->facts ? e->facts->target : e->target;
}

static void
set_probe_failed (const DcQueryEmulator *e, const char *otherwise, GError **error)
{
  g_set_error (error, DC_ERROR, DC_ERROR_PROBE_FAILED, "%s could not be probed: %s",
               e->path, e->error ? e->error : otherwise);
}

/* How well @e fits @arch: its own arch and canonical name beat an
 * emulator that merely also runs it (x86_64 for i686), or a variant build
 * of the same target (qemu-system-x86_64-microvm). 0: it does not. */
static guint
arch_fit (const DcQueryEmulator *e, const char *arch)
{
  g_autofree char *canonical = NULL;

  const char *own = emulated_arch (e);

  if (own == NULL || !runs_arch (own, arch))
    return 0;
  if (!g_str_equal (own, arch))
    return 1;
  canonical = g_strconcat (EMULATOR_PREFIX, emulated_target (e), NULL);
  for (guint i = 0; i < e->names->len; i++)
    {
      g_autofree char *base = g_path_get_basename (g_ptr_array_index (e->names, i));
      if (g_str_equal (base, canonical))
        return 3;
    }
  return 2;
}

static const DcQueryEmulator *
pick_emulator (const DcQuerySnapshot *snapshot, const char *arch)
{
  const DcQueryEmulator *best = NULL;
  guint best_fit = 0;

  for (guint i = 0; i < snapshot->emulators->len; i++)
    {
      const DcQueryEmulator *e = g_ptr_array_index (snapshot->emulators, i);
      guint fit = arch_fit (e, arch);

      if (fit > best_fit)
        best = e, best_fit = fit;
    }
  return best;
}

static const DcQueryEmulator *
resolve_named_emulator (const DcQuerySnapshot *snapshot, const char *emulatorbin,
                        const char **arch, GError **error)
{
  const DcQueryEmulator *e = dc_query_lookup (snapshot, emulatorbin);

  if (e == NULL)
    {
      g_set_error (error, DC_ERROR, DC_ERROR_UNKNOWN_EMULATOR,
                   "'%s' is not an emulator this daemon discovered", emulatorbin);
      return NULL;
    }
  if (e->unusable)
    {
      g_set_error (error, DC_ERROR, DC_ERROR_UNSUPPORTED_VIRT_TYPE, "%s", e->error);
      return NULL;
    }
  if (emulated_arch (e) == NULL)
    {
      set_probe_failed (e, "not probed yet", error);
      return NULL;
    }
  if (**arch == '\0')
    *arch = emulated_arch (e);
  else if (!runs_arch (emulated_arch (e), *arch))
    {
      g_set_error (error, DC_ERROR, DC_ERROR_UNSUPPORTED_ARCH,
                   "%s runs %s guests, not %s", e->path, emulated_arch (e), *arch);
      return NULL;
    }
  return e;
}

static const DcQueryEmulator *
resolve_emulator (const DcQuerySnapshot *snapshot, const char *emulatorbin,
                  const char **arch, GError **error)
{
  const DcQueryEmulator *e;

  if (*emulatorbin != '\0')
    return resolve_named_emulator (snapshot, emulatorbin, arch, error);
  if (**arch == '\0')
    *arch = snapshot->host->arch;
  e = pick_emulator (snapshot, *arch);
  if (e == NULL)
    g_set_error (error, DC_ERROR, DC_ERROR_UNSUPPORTED_ARCH,
                 "no emulator for arch '%s' is installed", *arch);
  return e;
}


static const DcMachine *
resolve_machine (const DcEmulatorFacts *facts, const char *name, GError **error)
{
  const DcMachine *machine = *name == '\0' ? dc_emulator_facts_preferred_machine (facts)
                                           : dc_emulator_facts_find_machine (facts, name);

  if (machine == NULL && *name == '\0')
    g_set_error (error, DC_ERROR, DC_ERROR_UNKNOWN_MACHINE,
                 "%s has no machine type", facts->path);
  else if (machine == NULL)
    g_set_error (error, DC_ERROR, DC_ERROR_UNKNOWN_MACHINE,
                 "%s has no machine type '%s'", facts->path, name);
  return machine;
}

static const char *
resolve_virttype (const DcHostFacts *host, const DcEmulatorFacts *facts,
                  const char *arch, const char *virttype, GError **error)
{
  gboolean kvm = kvm_serves (host, facts, arch);

  if (*virttype == '\0')
    virttype = kvm || !facts->tcg ? "kvm" : "qemu";
  if ((facts->tcg && g_str_equal (virttype, "qemu")) ||
      (kvm && g_str_equal (virttype, "kvm")))
    return virttype;
  if (g_str_equal (virttype, "qemu"))
    g_set_error (error, DC_ERROR, DC_ERROR_UNSUPPORTED_VIRT_TYPE,
                 "%s cannot emulate without KVM: %s", facts->path, facts->tcg_error);
  else if (g_str_equal (virttype, "kvm"))
    g_set_error (error, DC_ERROR, DC_ERROR_UNSUPPORTED_VIRT_TYPE,
                 "KVM cannot run %s guests with %s on this host%s%s", arch,
                 facts->path, facts->kvm_error ? ": " : "",
                 facts->kvm_error ? facts->kvm_error : "");
  else
    g_set_error (error, DC_ERROR, DC_ERROR_UNSUPPORTED_VIRT_TYPE,
                 "virttype '%s' is not supported; use 'kvm' or 'qemu'", virttype);
  return NULL;
}

gboolean
dc_query_check (const char *emulatorbin, const char *arch, const char *machine,
                const char *virttype, guint flags, GError **error)
{
  if (flags != 0)
    {
      g_set_error (error, DC_ERROR, DC_ERROR_INVALID_ARGUMENT,
                   "unknown flags 0x%x: no flag is defined", flags);
      return FALSE;
    }
  return check_arg (emulatorbin, DC_WIRE_MAX_PATH, "emulatorbin", error) &&
         check_arg (arch, DC_WIRE_MAX_NAME, "arch", error) &&
         check_arg (machine, DC_WIRE_MAX_NAME, "machine", error) &&
         check_arg (virttype, DC_WIRE_MAX_NAME, "virttype", error);
}

const DcQueryEmulator *
dc_query_pick (const DcQuerySnapshot *snapshot, const char *emulatorbin,
               const char **arch, GError **error)
{
  return resolve_emulator (snapshot, emulatorbin, arch, error);
}

gboolean
dc_query_resolve (const DcQuerySnapshot *snapshot, const char *emulatorbin,
                  const char *arch, const char *machine, const char *virttype,
                  DcResolvedQuery *out, GError **error)
{
  out->arch = arch;
  out->emulator = resolve_emulator (snapshot, emulatorbin, &out->arch, error);
  if (out->emulator == NULL)
    return FALSE;
  if (out->emulator->facts == NULL)
    {
      set_probe_failed (out->emulator, "its facts are not at hand", error);
      return FALSE;
    }
  out->machine = resolve_machine (out->emulator->facts, machine, error);
  if (out->machine == NULL)
    return FALSE;
  out->virttype = resolve_virttype (snapshot->host, out->emulator->facts,
                                    out->arch, virttype, error);
  return out->virttype != NULL;
}

/* Whether a name of @e promises an emulator that runs @arch. */
static gboolean
named_for_arch (const DcQueryEmulator *e, const char *arch)
{
  for (guint i = 0; i < e->names->len; i++)
    {
      g_autofree char *base = g_path_get_basename (g_ptr_array_index (e->names, i));
      g_autofree char *hint = dc_arch_hint_from_name (base);
      g_autofree const char **arches = hint ? dc_arch_runnable (hint) : NULL;

      if (arches != NULL && g_strv_contains (arches, arch))
        return TRUE;
    }
  return FALSE;
}

/* Whether @a and @b share a file name (in different directories): a
 * wrapper script and the binary it runs are named alike. */
static gboolean
named_alike (const DcQueryEmulator *a, const DcQueryEmulator *b)
{
  for (guint i = 0; i < a->names->len; i++)
    {
      g_autofree char *base = g_path_get_basename (g_ptr_array_index (a->names, i));

      for (guint j = 0; j < b->names->len; j++)
        {
          g_autofree char *other = g_path_get_basename (g_ptr_array_index (b->names, j));

          if (g_str_equal (base, other))
            return TRUE;
        }
    }
  return FALSE;
}

/* @paths (of emulators chosen for a question) with the emulators named
 * alike: until they are probed, any may be a wrapper of a chosen one,
 * whose name the answer then shows (shown_path()). */
static GPtrArray *
with_namesakes (const DcQuerySnapshot *snapshot, GPtrArray *paths)
{
  GPtrArray *all = snapshot->emulators;
  guint chosen = paths->len;

  for (guint i = 0; i < chosen; i++)
    {
      const DcQueryEmulator *e = dc_query_lookup (snapshot, g_ptr_array_index (paths, i));

      for (guint j = 0; e != NULL && j < all->len; j++)
        {
          const DcQueryEmulator *other = g_ptr_array_index (all, j);

          if (other != e && named_alike (e, other) &&
              !g_ptr_array_find_with_equal_func (paths, other->path, g_str_equal, NULL))
            g_ptr_array_add (paths, g_strdup (other->path));
        }
    }
  return paths;
}

GPtrArray *
dc_query_candidates (const DcQuerySnapshot *snapshot, const char *emulatorbin,
                     const char *arch)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *all = snapshot->emulators;

  if (emulatorbin != NULL && *emulatorbin != '\0')
    {
      const DcQueryEmulator *e = dc_query_lookup (snapshot, emulatorbin);
      if (e != NULL)
        g_ptr_array_add (paths, g_strdup (e->path));
      return with_namesakes (snapshot, paths);
    }
  if (arch == NULL || *arch == '\0')
    arch = snapshot->host->arch;
  for (guint i = 0; i < all->len; i++)
    if (named_for_arch (g_ptr_array_index (all, i), arch))
      g_ptr_array_add (paths, g_strdup (((DcQueryEmulator *) g_ptr_array_index (all, i))->path));
  if (paths->len > 0)
    return with_namesakes (snapshot, paths);
  for (guint i = 0; i < all->len; i++)
    g_ptr_array_add (paths, g_strdup (((DcQueryEmulator *) g_ptr_array_index (all, i))->path));
  return paths;
}

/* ---- the memo ---- */

struct _DcQueryMemo {
  guint64 generation;        /* of the facts the answers were rendered from */
  GHashTable *by_emulator;   /* real path -> (query key -> XML) */
  GHashTable *by_question;   /* the arguments as asked -> XML (borrowed from
                              * by_emulator; forgotten with any of it) */
};

DcQueryMemo *
dc_query_memo_new (void)
{
  DcQueryMemo *memo = g_new0 (DcQueryMemo, 1);

  memo->by_emulator = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_hash_table_unref);
  memo->by_question = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return memo;
}

void
dc_query_memo_free (DcQueryMemo *memo)
{
  g_hash_table_unref (memo->by_question);
  g_hash_table_unref (memo->by_emulator);
  g_free (memo);
}

void
dc_query_memo_sync (DcQueryMemo *memo, guint64 generation)
{
  if (generation == memo->generation)
    return;
  g_hash_table_remove_all (memo->by_question);
  g_hash_table_remove_all (memo->by_emulator);
  memo->generation = generation;
}

static char *
question_key (const char *emulatorbin, const char *arch, const char *machine,
              const char *virttype)
{
  return g_strjoin ("\n", emulatorbin, arch, machine, virttype, NULL);
}

const char *
dc_query_memo_lookup_question (DcQueryMemo *memo, const char *emulatorbin,
                               const char *arch, const char *machine,
                               const char *virttype)
{
  g_autofree char *key = question_key (emulatorbin, arch, machine, virttype);

  return g_hash_table_lookup (memo->by_question, key);
}

void
dc_query_memo_remember_question (DcQueryMemo *memo, const char *emulatorbin,
                                 const char *arch, const char *machine,
                                 const char *virttype, const DcResolvedQuery *answer)
{
  const char *xml = dc_query_memo_lookup (memo, answer);

  if (xml != NULL)
    g_hash_table_insert (memo->by_question,
                         question_key (emulatorbin, arch, machine, virttype),
                         (gpointer) xml);
}

/* The name an answer for @arch shows, as libvirt finds it: the first
 * name (in the emulator directories' order, $PATH first) called for the
 * arch itself (Debian's qemu-system-ppc64le, a link to qemu-system-ppc64),
 * else for the emulator's target (qemu-system-i386 for i686, also where
 * that is a wrapper of /usr/libexec/qemu-system-i386); else its path. */
static const char *
shown_path (const DcQueryEmulator *e, const char *arch)
{
  const char *target = emulated_target (e);
  g_autofree char *for_arch = g_strconcat (EMULATOR_PREFIX, arch, NULL);
  g_autofree char *for_target = target ? g_strconcat (EMULATOR_PREFIX, target, NULL) : NULL;
  const char *wanted[] = { for_arch, for_target };

  for (gsize w = 0; w < G_N_ELEMENTS (wanted) && wanted[w] != NULL; w++)
    for (guint i = 0; i < e->names->len; i++)
      {
        const char *name = g_ptr_array_index (e->names, i);
        g_autofree char *base = g_path_get_basename (name);

        if (g_str_equal (base, wanted[w]))
          return name;
      }
  return e->path;
}

static DcCapsNode *
render (const DcQuerySnapshot *snapshot, const DcResolvedQuery *answer,
        GPtrArray *reasons)
{
  const DcRenderQuery query = { answer->arch, answer->machine, answer->virttype,
                                shown_path (answer->emulator, answer->arch) };

  return dc_render_explained (answer->emulator->facts, snapshot->host,
                              snapshot->firmware, &query, reasons);
}

static char *
memo_key (const DcResolvedQuery *answer)
{
  return g_strdup_printf ("%s\n%s\n%s", answer->arch, answer->machine->name,
                          answer->virttype);
}

const char *
dc_query_memo_lookup (DcQueryMemo *memo, const DcResolvedQuery *answer)
{
  GHashTable *rendered = g_hash_table_lookup (memo->by_emulator, answer->emulator->path);
  g_autofree char *key = rendered ? memo_key (answer) : NULL;

  return rendered ? g_hash_table_lookup (rendered, key) : NULL;
}

char *
dc_query_render (DcQueryMemo *memo, const DcQuerySnapshot *snapshot,
                 const DcResolvedQuery *answer, GError **error)
{
  const char *path = answer->emulator->path;
  const char *cached = dc_query_memo_lookup (memo, answer);
  GHashTable *rendered;
  g_autoptr(DcCapsNode) root = NULL;
  char *xml;

  if (cached != NULL)
    return g_strdup (cached);
  root = render (snapshot, answer, NULL);
  xml = dc_caps_to_xml (root, error);
  if (xml == NULL)
    return NULL;
  rendered = g_hash_table_lookup (memo->by_emulator, path);
  if (rendered == NULL)
    {
      rendered = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (memo->by_emulator, g_strdup (path), rendered);
    }
  g_hash_table_insert (rendered, memo_key (answer), g_strdup (xml));
  return xml;
}

DcCapsNode *
dc_query_model (const DcQuerySnapshot *snapshot, const DcResolvedQuery *answer)
{
  return render (snapshot, answer, NULL);
}

DcCapsNode *
dc_query_model_explained (const DcQuerySnapshot *snapshot, const DcResolvedQuery *answer,
                          GPtrArray *reasons)
{
  return render (snapshot, answer, reasons);
}

GPtrArray *
dc_query_explain (const DcQuerySnapshot *snapshot, const DcResolvedQuery *answer)
{
  GPtrArray *reasons = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_reason_free);
  g_autoptr(DcCapsNode) root = render (snapshot, answer, reasons);

  return reasons;
}

/* libvirt's virQEMUCapsGuestIsNative. */
static gboolean
guest_is_native (const char *host, const char *guest)
{
  return g_str_equal (host, guest) ||
         (g_str_equal (host, "x86_64") && g_str_equal (guest, "i686")) ||
         (g_str_equal (host, "aarch64") && g_str_equal (guest, "armv7l")) ||
         (g_str_has_prefix (host, "ppc64") && g_str_has_prefix (guest, "ppc64"));
}

static const DcQueryEmulator *
emulator_named (const DcQuerySnapshot *snapshot, const char *arch, const char **shown)
{
  g_autofree char *wanted = g_strconcat (EMULATOR_PREFIX, dc_arch_binary_name (arch), NULL);

  for (guint i = 0; i < snapshot->emulators->len; i++)
    {
      const DcQueryEmulator *e = g_ptr_array_index (snapshot->emulators, i);

      for (guint j = 0; j < e->names->len; j++)
        {
          const char *name = g_ptr_array_index (e->names, j);
          g_autofree char *base = g_path_get_basename (name);

          if (g_str_equal (base, wanted))
            {
              *shown = name;
              return e;
            }
        }
    }
  return NULL;
}

const DcQueryEmulator *
dc_query_default_emulator (const DcQuerySnapshot *snapshot, const char *arch,
                           const char **shown)
{
  const char *host = snapshot->host->arch;
  const char *target = arch;
  const DcQueryEmulator *e = NULL;

  if (g_str_equal (host, "aarch64") && g_str_equal (arch, "armv7l"))
    e = emulator_named (snapshot, host, shown);
  if (e == NULL)
    e = emulator_named (snapshot, arch, shown);
  if (guest_is_native (host, arch))
    target = host;
  if (g_str_has_prefix (target, "ppc64"))
    target = "ppc64";
  if (e == NULL && !g_str_equal (target, arch))
    e = emulator_named (snapshot, target, shown);
  return e;
}
