/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-cache.h: emulator facts on disk, one file per emulator.
 *
 * A file is used only if it was written by this cache format for exactly
 * this binary (device, inode, size, mtime and ctime in ns) on a host with
 * the same probe key (daemon version, kernel, KVM, microcode, QEMU
 * modules). Anything else — corrupt, truncated, foreign, old format,
 * stale — is refused with the reason, and the emulator is probed again.
 * Files are written atomically (g_file_set_contents). */
#pragma once

#include <glib.h>

#include "dc-facts.h"
#include "dc-json.h"

#define DC_CACHE_FORMAT_VERSION 10
#define DC_CACHE_MAX_SIZE (16 * 1024 * 1024)
/* What a cache file's JSON may hold (depth, values). */
extern const DcJsonLimits dc_cache_json_limits;

typedef struct {
  guint64 dev;
  guint64 ino;
  guint64 size;
  gint64 mtime_ns;
  gint64 ctime_ns;
} DcFileStamp;

gboolean dc_file_stamp_read (const char *path, DcFileStamp *stamp,
                             GError **error);
gboolean dc_file_stamp_equal (const DcFileStamp *a, const DcFileStamp *b);

typedef struct _DcCache DcCache;

/* A cache in @dir (created 0700 if missing) for hosts of @host_key. */
DcCache *dc_cache_new (const char *dir, const char *host_key, GError **error);
/* The host changed (/dev/kvm appeared): files of the old key no longer
 * load, and new ones are written under @host_key. */
void dc_cache_set_host_key (DcCache *cache, const char *host_key);
void dc_cache_free (DcCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcCache, dc_cache_free)

/* The file that holds @path's facts. */
char *dc_cache_file (DcCache *cache, const char *path);

/* What a cache file's first line says of the facts on its second:
 * enough to choose the emulator that answers a query and to list it
 * (ListEmulators), without reading the facts. */
typedef struct {
  char *version;
  char *arch;
  char *target;
  guint machines;          /* how many: the length of the two below */
  GStrv machine_names;     /* canonical names, in QEMU's order ... */
  GStrv machine_aliases;   /* ... and each one's alias, or "" */
  char *default_machine;   /* dc_emulator_facts_preferred_machine(), or "" */
  gboolean tcg;
  gboolean kvm;
  char *unusable;          /* the file records that this host cannot run the
                            * emulator at all, and why (no facts, the rest
                            * is empty); NULL otherwise */
  char *runs;              /* the file records that the emulator is a wrapper
                            * that runs this other binary (no facts, the rest
                            * is empty); NULL otherwise */
} DcFactsSummary;

void dc_facts_summary_init (DcFactsSummary *summary, const DcEmulatorFacts *facts);
void dc_facts_summary_clear (DcFactsSummary *summary);

/* Whether @path's cache file is current for @stamp and this host, from
 * its first line alone (the facts are not parsed); fills @summary. */
gboolean dc_cache_check (DcCache *cache, const char *path,
                         const DcFileStamp *stamp, DcFactsSummary *summary,
                         GError **error);
DcEmulatorFacts *dc_cache_load (DcCache *cache, const char *path,
                                const DcFileStamp *stamp, GError **error);
gboolean dc_cache_store (DcCache *cache, const DcEmulatorFacts *facts,
                         const DcFileStamp *stamp, GError **error);
/* Records that this host cannot run @path at all (a KVM-only build on a
 * host without KVM), for this binary and this host key: a host that
 * gains KVM has another key, and the emulator is probed again. */
gboolean dc_cache_store_unusable (DcCache *cache, const char *path,
                                  const DcFileStamp *stamp, const char *reason,
                                  GError **error);

/* Records that @path is a wrapper that runs the emulator @runs (Debian's
 * qemu-system-i386 script): its facts are @runs' own. */
gboolean dc_cache_store_runs (DcCache *cache, const char *path,
                              const DcFileStamp *stamp, const char *runs,
                              GError **error);

/* Another program's small answer (swtpm_setup's) under @name, valid for
 * the same @identity of that program on the same host; NULL (and
 * @error) if there is none or it is not valid. */
char *dc_cache_load_output (DcCache *cache, const char *name,
                            const char *identity, GError **error);
gboolean dc_cache_store_output (DcCache *cache, const char *name,
                                const char *identity, const char *output,
                                GError **error);
