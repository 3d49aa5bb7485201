/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-host-caps-read.c: host capabilities from sysfs and procfs. */
#include "config.h"

#include "dc-host-caps-read.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <string.h>
#include <unistd.h>

#include "dc-cpuid-read.h"
#include "dc-file.h"

/* No sysfs attribute is longer: a CPU list of 8192 CPUs in the worst
 * spelling stays below it. */
#define MAX_ATTR 65536
#define MAX_CACHE_INDEXES 16

typedef struct {
  const char *root;
  char *system;            /* ROOT/sys/devices/system */
  DcHostCaps *caps;
} Reader;

static void
skip (Reader *r, const char *what, const GError *error)
{
  /* dc-file.h's messages name the file already */
  g_ptr_array_add (r->caps->skipped,
                   strstr (error->message, what) != NULL
                     ? g_strdup (error->message)
                     : g_strdup_printf ("%s: %s", what, error->message));
}

/* The contents of @path, stripped, or NULL: a missing file silently, any
 * other failure noted. */
static char *
read_attr (Reader *r, const char *path, gsize max)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;
  gsize length;

  if (!dc_file_read_bounded (path, max, DC_FILE_FOLLOW_LINKS, &text, &length, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        skip (r, path, error);
      return NULL;
    }
  return g_strstrip (text);
}

static gboolean
read_uint (Reader *r, const char *path, guint64 *out)
{
  g_autofree char *text = read_attr (r, path, MAX_ATTR);
  g_autoptr(GError) error = NULL;

  if (text == NULL)
    return FALSE;
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32 * (guint64) 1024, out, &error))
    {
      skip (r, path, error);
      return FALSE;
    }
  return TRUE;
}

/* DIR/NAME as a number in @base up to @max; FALSE (noted unless missing)
 * if it is none, or more. */
static gboolean
read_number_in (Reader *r, const char *dir, const char *name, guint base, guint64 max,
                guint64 *out)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = read_attr (r, path, 64);
  g_autoptr(GError) error = NULL;

  if (text == NULL)
    return FALSE;
  if (!g_ascii_string_to_unsigned (text, base, 0, max, out, &error))
    {
      skip (r, path, error);
      return FALSE;
    }
  return TRUE;
}

static GArray *
read_list (Reader *r, const char *path, guint max)
{
  g_autofree char *text = read_attr (r, path, MAX_ATTR);
  GArray *list;

  if (text == NULL)
    return NULL;
  list = dc_host_caps_parse_list (text, max);
  if (list == NULL)
    g_ptr_array_add (r->caps->skipped,
                     g_strdup_printf ("%s: not a list of numbers up to %u", path, max));
  return list;
}

/* ---- lists ---- */

static gboolean
parse_number (const char **p, guint max, guint *out)
{
  char *end;
  guint64 v;

  if (!g_ascii_isdigit (**p))
    return FALSE;
  v = g_ascii_strtoull (*p, &end, 10);
  if (v > max)
    return FALSE;
  *out = (guint) v;
  *p = end;
  return TRUE;
}

GArray *
dc_host_caps_parse_list (const char *text, guint max)
{
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (guint));
  const char *p = text;
  guint last = 0;

  while (*p != '\0')
    {
      guint from, to;

      if (!parse_number (&p, max, &from))
        return NULL;
      to = from;
      if (*p == '-' && (p++, !parse_number (&p, max, &to)))
        return NULL;
      if (to < from || (out->len > 0 && from <= last))
        return NULL;
      for (guint i = from; i <= to; i++)
        g_array_append_val (out, i);
      last = to;
      if (*p == ',')
        p++;
      else if (*p != '\0')
        return NULL;
    }
  return g_steal_pointer (&out);
}

char *
dc_host_caps_format_list (const GArray *numbers)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < numbers->len;)
    {
      guint from = g_array_index (numbers, guint, i);
      guint j = i;

      while (j + 1 < numbers->len && g_array_index (numbers, guint, j + 1) ==
                                         g_array_index (numbers, guint, j) + 1)
        j++;
      if (out->len > 0)
        g_string_append_c (out, ',');
      if (j > i)
        g_string_append_printf (out, "%u-%u", from, g_array_index (numbers, guint, j));
      else
        g_string_append_printf (out, "%u", from);
      i = j + 1;
    }
  return g_string_free (out, FALSE);
}

/* ---- CPUs ---- */

static char *
cpu_path (Reader *r, guint cpu, const char *rest)
{
  g_autofree char *dir = g_strdup_printf ("cpu%u", cpu);

  return g_build_filename (r->system, "cpu", dir, rest, NULL);
}

static gboolean
read_topology_id (Reader *r, guint cpu, const char *name, gboolean optional,
                  guint *out)
{
  g_autofree char *rel = g_build_filename ("topology", name, NULL);
  g_autofree char *path = cpu_path (r, cpu, rel);
  guint64 v;

  if (!read_uint (r, path, &v))
    {
      /* the kernel has no die_id or cluster_id before 5.x, or on arches
       * that do not know them: libvirt counts 0 */
      *out = 0;
      return optional;
    }
  *out = (guint) v;
  return TRUE;
}

static DcHostCpu *
read_cpu (Reader *r, guint id)
{
  DcHostCpu *cpu = dc_host_cpu_new (id);
  g_autofree char *siblings_path = cpu_path (r, id, "topology/thread_siblings_list");
  g_autoptr(GArray) siblings = NULL;

  cpu->has_topology =
      read_topology_id (r, id, "physical_package_id", FALSE, &cpu->socket_id) &&
      read_topology_id (r, id, "die_id", TRUE, &cpu->die_id) &&
      read_topology_id (r, id, "cluster_id", TRUE, &cpu->cluster_id) &&
      read_topology_id (r, id, "core_id", FALSE, &cpu->core_id);
  if (!cpu->has_topology)
    return cpu;
  siblings = read_list (r, siblings_path, DC_HOST_CAPS_MAX_CPUS);
  if (siblings == NULL)
    {
      siblings = g_array_new (FALSE, FALSE, sizeof (guint));
      g_array_append_val (siblings, id);
    }
  cpu->siblings = dc_host_caps_format_list (siblings);
  return cpu;
}

static GArray *
online_cpus (Reader *r)
{
  g_autofree char *path = g_build_filename (r->system, "cpu", "online", NULL);
  GArray *cpus = read_list (r, path, DC_HOST_CAPS_MAX_CPUS);

  return cpus ? cpus : g_array_new (FALSE, FALSE, sizeof (guint));
}

/* ---- memory and pages ---- */

/* "Node 0 MemTotal:  24683748 kB" or "MemTotal:  24683748 kB". */
static guint64
meminfo_total (const char *text)
{
  const char *at = text ? strstr (text, "MemTotal:") : NULL;

  return at ? g_ascii_strtoull (at + strlen ("MemTotal:"), NULL, 10) : 0;
}

static int
compare_pages (gconstpointer a, gconstpointer b)
{
  const DcHostPages *pa = a, *pb = b;

  return (pa->size_kib > pb->size_kib) - (pa->size_kib < pb->size_kib);
}

/* The huge pages under @dir (hugepages-2048kB/nr_hugepages, ...). */
static void
read_hugepages (Reader *r, const char *dir, GArray *pages)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *nr = g_build_filename (dir, name, "nr_hugepages", NULL);
      DcHostPages p = { 0, 0 };
      guint64 size;
      char *end;

      if (!g_str_has_prefix (name, "hugepages-"))
        continue;
      size = g_ascii_strtoull (name + strlen ("hugepages-"), &end, 10);
      if (!g_str_equal (end, "kB") || size == 0 || size > G_MAXUINT ||
          !read_uint (r, nr, &p.count))
        continue;
      p.size_kib = (guint) size;
      g_array_append_val (pages, p);
    }
  g_array_sort (pages, compare_pages);
}

/* A cell's pages: the system page size first, counting what the huge
 * pages leave of @memory_kib, then each huge page size. */
static void
fill_pages (Reader *r, DcHostCell *cell, const char *hugepages_dir)
{
  g_autoptr(GArray) huge = g_array_new (FALSE, FALSE, sizeof (DcHostPages));
  guint64 huge_kib = 0;
  DcHostPages base = { (guint) (sysconf (_SC_PAGESIZE) / 1024), 0 };

  read_hugepages (r, hugepages_dir, huge);
  for (guint i = 0; i < huge->len; i++)
    huge_kib += g_array_index (huge, DcHostPages, i).count *
                g_array_index (huge, DcHostPages, i).size_kib;
  if (cell->memory_kib > huge_kib)
    base.count = (cell->memory_kib - huge_kib) / base.size_kib;
  g_array_append_val (cell->pages, base);
  g_array_append_vals (cell->pages, huge->data, huge->len);
}

/* ---- NUMA cells ---- */

static void
add_cpus (Reader *r, DcHostCell *cell, const GArray *ids, const GArray *online)
{
  for (guint i = 0; i < ids->len; i++)
    {
      guint id = g_array_index (ids, guint, i);
      gboolean is_online = FALSE;

      for (guint j = 0; j < online->len && !is_online; j++)
        is_online = g_array_index (online, guint, j) == id;
      g_ptr_array_add (cell->cpus, is_online ? read_cpu (r, id) : dc_host_cpu_new (id));
    }
}

static void
read_distances (Reader *r, DcHostCell *cell, const char *node_dir, const GArray *nodes)
{
  g_autofree char *path = g_build_filename (node_dir, "distance", NULL);
  g_autofree char *text = read_attr (r, path, MAX_ATTR);
  g_auto(GStrv) values = NULL;

  if (text == NULL)
    return;
  values = g_strsplit_set (text, " \t", -1);
  if (g_strv_length (values) != nodes->len)
    return;
  for (guint i = 0; i < nodes->len; i++)
    {
      guint pair[2] = { g_array_index (nodes, guint, i), 0 };
      guint64 v;

      if (!g_ascii_string_to_unsigned (values[i], 10, 0, 255, &v, NULL))
        {
          g_array_set_size (cell->distances, 0);
          return;
        }
      pair[1] = (guint) v;
      g_array_append_vals (cell->distances, pair, 2);
    }
}

/* ---- the ACPI HMAT, as sysfs shows it: memory-side caches, and the
 * access from CPUs of one node to another's memory ---- */

#define MAX_HMAT_ENTRIES 64

/* The number after @prefix in a directory entry's name ("index2", "node1"). */
static gboolean
entry_number (const char *entry, const char *prefix, guint max, guint *out)
{
  guint64 v;

  if (!g_str_has_prefix (entry, prefix) ||
      !g_ascii_string_to_unsigned (entry + strlen (prefix), 10, 0, max, &v, NULL))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static void
read_memory_cache (Reader *r, DcHostCell *cell, const char *dir, guint level)
{
  /* the kernel's enums cache_indexing and cache_write_policy */
  static const char *const associativity[] = { "direct", "full", "none" };
  static const char *const policy[] = { "writeback", "writethrough", "none" };
  guint64 size, line, indexing, write_policy;
  DcHostMemoryCache cache = { .level = level };

  if (!read_number_in (r, dir, "size", 10, G_MAXUINT64 / 2, &size) ||
      !read_number_in (r, dir, "line_size", 10, G_MAXUINT, &line) ||
      !read_number_in (r, dir, "indexing", 10, G_N_ELEMENTS (associativity) - 1, &indexing) ||
      !read_number_in (r, dir, "write_policy", 10, G_N_ELEMENTS (policy) - 1, &write_policy))
    return;
  cache.size_kib = size / 1024;
  cache.line = (guint) line;
  cache.associativity = associativity[indexing];
  cache.policy = policy[write_policy];
  g_array_append_val (cell->memory_caches, cache);
}

static int
compare_memory_caches (gconstpointer a, gconstpointer b)
{
  const DcHostMemoryCache *ca = a, *cb = b;

  return (ca->level > cb->level) - (ca->level < cb->level);
}

static void
read_memory_caches (Reader *r, DcHostCell *cell, const char *node_dir)
{
  g_autofree char *path = g_build_filename (node_dir, "memory_side_cache", NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *entry;
  guint level;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL &&
         cell->memory_caches->len < MAX_HMAT_ENTRIES)
    if (entry_number (entry, "index", 255, &level))
      {
        g_autofree char *index = g_build_filename (path, entry, NULL);

        read_memory_cache (r, cell, index, level);
      }
  g_array_sort (cell->memory_caches, compare_memory_caches);
}

/* node@target/access1: the same figures from each initiator it lists */
static void
read_interconnects (Reader *r, guint target, const char *node_dir)
{
  g_autofree char *path = g_build_filename (node_dir, "access1", "initiators", NULL);
  g_autoptr(GDir) dir = NULL;
  DcHostInterconnect figures = { .target = target };
  guint64 read_bw, write_bw, read_lat, write_lat;
  const char *entry;
  guint added = 0;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) ||
      !read_number_in (r, path, "read_bandwidth", 10, G_MAXUINT, &read_bw) ||
      !read_number_in (r, path, "write_bandwidth", 10, G_MAXUINT, &write_bw) ||
      !read_number_in (r, path, "read_latency", 10, G_MAXUINT, &read_lat) ||
      !read_number_in (r, path, "write_latency", 10, G_MAXUINT, &write_lat) ||
      (dir = g_dir_open (path, 0, NULL)) == NULL)
    return;
  figures.read_bandwidth = read_bw * 1024;    /* MiB/s in sysfs */
  figures.write_bandwidth = write_bw * 1024;
  figures.read_latency = (guint) read_lat;
  figures.write_latency = (guint) write_lat;
  while ((entry = g_dir_read_name (dir)) != NULL && added < MAX_HMAT_ENTRIES)
    if (entry_number (entry, "node", DC_HOST_CAPS_MAX_NODES, &figures.initiator))
      {
        g_array_append_val (r->caps->interconnects, figures);
        added++;
      }
}

static int
compare_interconnects (gconstpointer a, gconstpointer b)
{
  const DcHostInterconnect *ia = a, *ib = b;

  if (ia->initiator != ib->initiator)
    return ia->initiator < ib->initiator ? -1 : 1;
  return (ia->target > ib->target) - (ia->target < ib->target);
}

static DcHostCell *
read_cell (Reader *r, guint id, const GArray *nodes, const GArray *online)
{
  DcHostCell *cell = dc_host_cell_new (id);
  g_autofree char *name = g_strdup_printf ("node%u", id);
  g_autofree char *dir = g_build_filename (r->system, "node", name, NULL);
  g_autofree char *cpulist = g_build_filename (dir, "cpulist", NULL);
  g_autofree char *meminfo = g_build_filename (dir, "meminfo", NULL);
  g_autofree char *hugepages = g_build_filename (dir, "hugepages", NULL);
  g_autofree char *mem = read_attr (r, meminfo, MAX_ATTR);
  g_autoptr(GArray) cpus = read_list (r, cpulist, DC_HOST_CAPS_MAX_CPUS);

  cell->memory_kib = meminfo_total (mem);
  if (mem != NULL)
    fill_pages (r, cell, hugepages);
  read_distances (r, cell, dir, nodes);
  read_memory_caches (r, cell, dir);
  read_interconnects (r, id, dir);
  if (cpus != NULL)
    add_cpus (r, cell, cpus, online);
  return cell;
}

/* Without NUMA in sysfs, one cell holds every CPU and all memory (as
 * libvirt fakes it). */
static DcHostCell *
whole_host_cell (Reader *r, const GArray *online)
{
  DcHostCell *cell = dc_host_cell_new (0);
  g_autofree char *meminfo = g_build_filename (r->root, "proc", "meminfo", NULL);
  g_autofree char *hugepages = g_build_filename (r->root, "sys", "kernel", "mm",
                                                 "hugepages", NULL);
  g_autofree char *mem = read_attr (r, meminfo, MAX_ATTR);

  cell->memory_kib = meminfo_total (mem);
  if (mem != NULL)
    fill_pages (r, cell, hugepages);
  add_cpus (r, cell, online, online);
  return cell;
}

static void
read_cells (Reader *r, const GArray *online)
{
  g_autofree char *path = g_build_filename (r->system, "node", "online", NULL);
  g_autoptr(GArray) nodes = read_list (r, path, DC_HOST_CAPS_MAX_NODES);

  if (nodes == NULL || nodes->len == 0)
    {
      g_ptr_array_add (r->caps->cells, whole_host_cell (r, online));
      return;
    }
  for (guint i = 0; i < nodes->len; i++)
    g_ptr_array_add (r->caps->cells,
                     read_cell (r, g_array_index (nodes, guint, i), nodes, online));
  g_array_sort (r->caps->interconnects, compare_interconnects);
}

/* ---- caches ---- */

static const char *
cache_type (const char *kernel)
{
  if (g_strcmp0 (kernel, "Unified") == 0)
    return "both";
  if (g_strcmp0 (kernel, "Data") == 0)
    return "data";
  if (g_strcmp0 (kernel, "Instruction") == 0)
    return "instruction";
  return NULL;
}

/* "32768K" as bytes; 0 if malformed. */
static guint64
cache_size (const char *text)
{
  char *end;
  guint64 v = text ? g_ascii_strtoull (text, &end, 10) : 0;

  if (v == 0 || v > G_MAXUINT32)
    return 0;
  if (*end == 'K')
    return v * 1024;
  if (*end == 'M')
    return v * 1024 * 1024;
  return *end == '\0' ? v : 0;
}

static DcHostCacheBank *
read_bank (Reader *r, const char *dir)
{
  g_autofree char *level_path = g_build_filename (dir, "level", NULL);
  g_autofree char *id_path = g_build_filename (dir, "id", NULL);
  g_autofree char *type_path = g_build_filename (dir, "type", NULL);
  g_autofree char *size_path = g_build_filename (dir, "size", NULL);
  g_autofree char *list_path = g_build_filename (dir, "shared_cpu_list", NULL);
  g_autofree char *type = NULL, *size = NULL;
  g_autoptr(GArray) cpus = NULL;
  guint64 level, id;
  DcHostCacheBank *bank;

  /* libvirt shows level 2 and above only */
  if (!read_uint (r, level_path, &level) || level < 2 || !read_uint (r, id_path, &id))
    return NULL;
  type = read_attr (r, type_path, MAX_ATTR);
  size = read_attr (r, size_path, MAX_ATTR);
  cpus = read_list (r, list_path, DC_HOST_CAPS_MAX_CPUS);
  if (cache_type (type) == NULL || cache_size (size) == 0 || cpus == NULL)
    return NULL;
  bank = g_new0 (DcHostCacheBank, 1);
  bank->id = (guint) id;
  bank->level = (guint) level;
  bank->type = g_strdup (cache_type (type));
  bank->size = cache_size (size);
  bank->cpus = dc_host_caps_format_list (cpus);
  return bank;
}

static gboolean
bank_known (GPtrArray *banks, const DcHostCacheBank *bank)
{
  for (guint i = 0; i < banks->len; i++)
    {
      const DcHostCacheBank *b = g_ptr_array_index (banks, i);

      if (b->id == bank->id && b->level == bank->level && b->size == bank->size &&
          g_str_equal (b->type, bank->type) && g_str_equal (b->cpus, bank->cpus))
        return TRUE;
    }
  return FALSE;
}

static int
compare_banks (gconstpointer a, gconstpointer b)
{
  const DcHostCacheBank *ba = *(DcHostCacheBank **) a, *bb = *(DcHostCacheBank **) b;

  if (ba->level != bb->level)
    return ba->level < bb->level ? -1 : 1;
  return (ba->id > bb->id) - (ba->id < bb->id);
}

static void
read_caches (Reader *r, const GArray *online)
{
  for (guint i = 0; i < online->len; i++)
    for (guint index = 0; index < MAX_CACHE_INDEXES; index++)
      {
        g_autofree char *rel = g_strdup_printf ("cache/index%u", index);
        g_autofree char *dir = cpu_path (r, g_array_index (online, guint, i), rel);
        DcHostCacheBank *bank;

        if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
          continue;
        bank = read_bank (r, dir);
        if (bank == NULL)
          continue;
        if (bank_known (r->caps->caches, bank))
          dc_host_cache_bank_free (bank);
        else
          g_ptr_array_add (r->caps->caches, bank);
      }
  g_ptr_array_sort (r->caps->caches, compare_banks);
}

/* ---- resource control (/sys/fs/resctrl/info) ---- */

static void
read_cache_control (Reader *r, const char *info, guint level, const char *suffix,
                    const char *type)
{
  g_autofree char *name = g_strdup_printf ("L%u%s", level, suffix);
  g_autofree char *dir = g_build_filename (info, name, NULL);
  guint64 mask, min_bits, closids;
  DcHostCacheControl *control;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR) ||
      !read_number_in (r, dir, "cbm_mask", 16, G_MAXUINT64, &mask) || mask == 0 ||
      !read_number_in (r, dir, "min_cbm_bits", 10, 64, &min_bits) ||
      !read_number_in (r, dir, "num_closids", 10, G_MAXUINT, &closids))
    return;
  control = g_new0 (DcHostCacheControl, 1);
  control->level = level;
  control->type = g_strdup (type);
  control->bits = (guint) __builtin_popcountll (mask);
  control->min_bits = (guint) min_bits;
  control->max_allocs = (guint) closids;
  g_ptr_array_add (r->caps->resctrl.controls, control);
}

static void
read_memory_bandwidth (Reader *r, const char *info)
{
  g_autofree char *dir = g_build_filename (info, "MB", NULL);
  DcHostResctrl *resctrl = &r->caps->resctrl;
  guint64 granularity, min, closids;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR) ||
      !read_number_in (r, dir, "bandwidth_gran", 10, 100, &granularity) ||
      !read_number_in (r, dir, "min_bandwidth", 10, 100, &min) ||
      !read_number_in (r, dir, "num_closids", 10, G_MAXUINT, &closids))
    return;
  resctrl->has_mb = TRUE;
  resctrl->mb_granularity = (guint) granularity;
  resctrl->mb_min = (guint) min;
  resctrl->mb_max_allocs = (guint) closids;
}

/* A name as the kernel writes them ("llc_occupancy"): nothing else is kept. */
static gboolean
is_feature_name (const char *name)
{
  gsize n = strlen (name);

  return n > 0 && n <= 64 && strspn (name, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static void
read_monitor (Reader *r, const char *info)
{
  g_autofree char *dir = g_build_filename (info, "L3_MON", NULL);
  g_autofree char *features_path = g_build_filename (dir, "mon_features", NULL);
  g_autofree char *features = NULL;
  g_auto(GStrv) names = NULL;
  DcHostResctrl *resctrl = &r->caps->resctrl;
  guint64 threshold, max;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR) ||
      !read_number_in (r, dir, "max_threshold_occupancy", 10, G_MAXUINT64, &threshold) ||
      !read_number_in (r, dir, "num_rmids", 10, G_MAXUINT, &max) ||
      (features = read_attr (r, features_path, 4096)) == NULL)
    return;
  resctrl->has_monitor = TRUE;
  resctrl->monitor_threshold = threshold;
  resctrl->monitor_max = (guint) max;
  names = g_strsplit_set (features, " \n", -1);
  for (guint i = 0; names[i] != NULL && resctrl->monitor_features->len < 64; i++)
    if (is_feature_name (names[i]))
      g_ptr_array_add (resctrl->monitor_features, g_strdup (names[i]));
}

static void
read_resctrl (Reader *r)
{
  static const struct { const char *suffix, *type; } kinds[] = {
    { "", "both" }, { "CODE", "code" }, { "DATA", "data" },
  };
  g_autofree char *info = g_build_filename (r->root, "sys", "fs", "resctrl", "info", NULL);

  if (!g_file_test (info, G_FILE_TEST_IS_DIR))
    return;
  for (guint level = 2; level <= 3; level++)
    for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
      read_cache_control (r, info, level, kinds[k].suffix, kinds[k].type);
  read_memory_bandwidth (r, info);
  read_monitor (r, info);
}

/* ---- the host CPU ---- */

static const char *
vendor_name (const char *cpuid_vendor)
{
  static const struct { const char *cpuid, *name; } vendors[] = {
    { "GenuineIntel", "Intel" },
    { "AuthenticAMD", "AMD" },
    { "HygonGenuine", "Hygon" },
    { "CentaurHauls", "Zhaoxin CentaurHauls" },   /* libvirt 12's name for it */
  };

  for (gsize i = 0; cpuid_vendor != NULL && i < G_N_ELEMENTS (vendors); i++)
    if (g_str_equal (cpuid_vendor, vendors[i].cpuid))
      return vendors[i].name;
  return NULL;
}

/* sockets, dies per socket, clusters per die, cores per cluster and
 * threads per core, the largest of each, over the CPUs that tell. */
static void
summarise_topology (DcHostCaps *caps)
{
  g_autoptr(GHashTable) sockets = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr(GHashTable) dies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) clusters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) cores = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint threads = 0, cpus = 0;

  for (guint c = 0; c < caps->cells->len; c++)
    {
      DcHostCell *cell = g_ptr_array_index (caps->cells, c);

      for (guint i = 0; i < cell->cpus->len; i++)
        {
          DcHostCpu *cpu = g_ptr_array_index (cell->cpus, i);
          g_autoptr(GArray) siblings = NULL;

          if (!cpu->has_topology)
            continue;
          cpus++;
          g_hash_table_add (sockets, GUINT_TO_POINTER (cpu->socket_id + 1));
          g_hash_table_add (dies, g_strdup_printf ("%u/%u", cpu->socket_id, cpu->die_id));
          g_hash_table_add (clusters, g_strdup_printf ("%u/%u/%u", cpu->socket_id,
                                                       cpu->die_id, cpu->cluster_id));
          g_hash_table_add (cores, g_strdup_printf ("%u/%u/%u/%u", cpu->socket_id,
                                                    cpu->die_id, cpu->cluster_id,
                                                    cpu->core_id));
          siblings = dc_host_caps_parse_list (cpu->siblings, DC_HOST_CAPS_MAX_CPUS);
          threads = MAX (threads, siblings ? siblings->len : 1);
        }
    }
  if (cpus == 0)
    return;
  caps->sockets = g_hash_table_size (sockets);
  caps->dies = MAX (1, g_hash_table_size (dies) / caps->sockets);
  caps->clusters = MAX (1, g_hash_table_size (clusters) / g_hash_table_size (dies));
  caps->cores = MAX (1, g_hash_table_size (cores) / g_hash_table_size (clusters));
  caps->threads = MAX (1, threads);
}

/* The TSC's frequency and whether KVM scales it for guests, as libvirt
 * asks KVM: a throw-away VM with one vCPU (x86 with KVM only). */
static void
read_tsc (Reader *r)
{
  g_autofree char *path = g_build_filename (r->root, "dev", "kvm", NULL);
  int kvm = open (path, O_RDWR | O_CLOEXEC);
  int vm = -1, vcpu = -1;
  int khz;

  if (kvm < 0)
    return;
  if (ioctl (kvm, KVM_CHECK_EXTENSION, KVM_CAP_GET_TSC_KHZ) > 0 &&
      (vm = ioctl (kvm, KVM_CREATE_VM, 0)) >= 0 &&
      (vcpu = ioctl (vm, KVM_CREATE_VCPU, 0)) >= 0 &&
      (khz = ioctl (vcpu, KVM_GET_TSC_KHZ, 0)) > 0)
    {
      r->caps->tsc_hz = (guint64) khz * 1000;
      r->caps->tsc_scaling = ioctl (vm, KVM_CHECK_EXTENSION, KVM_CAP_TSC_CONTROL) > 0;
    }
  if (vcpu >= 0)
    close (vcpu);
  if (vm >= 0)
    close (vm);
  close (kvm);
}

/* ---- the rest of <host> ---- */

static void
read_page_sizes (Reader *r)
{
  g_autofree char *dir = g_build_filename (r->root, "sys", "kernel", "mm",
                                           "hugepages", NULL);
  g_autoptr(GArray) huge = g_array_new (FALSE, FALSE, sizeof (DcHostPages));
  guint base = (guint) (sysconf (_SC_PAGESIZE) / 1024);

  g_array_append_val (r->caps->page_sizes, base);
  read_hugepages (r, dir, huge);
  for (guint i = 0; i < huge->len; i++)
    g_array_append_val (r->caps->page_sizes, g_array_index (huge, DcHostPages, i).size_kib);
}

/* "0123456789abcdef0123456789abcdef" or the same with dashes, as a UUID
 * in its usual form; NULL if it is none, or all zeros or all ones (what
 * firmware writes when it has no UUID). */
static char *
normalise_uuid (const char *text)
{
  GString *hex = g_string_new (NULL);
  g_autofree char *digits = NULL;

  for (const char *p = text; *p != '\0'; p++)
    if (g_ascii_isxdigit (*p))
      g_string_append_c (hex, g_ascii_tolower (*p));
    else if (*p != '-')
      break;
  digits = g_string_free (hex, FALSE);
  if (strlen (digits) != 32 || strspn (digits, "0") == 32 || strspn (digits, "f") == 32)
    return NULL;
  return g_strdup_printf ("%.8s-%.4s-%.4s-%.4s-%.12s", digits, digits + 8, digits + 12,
                          digits + 16, digits + 20);
}

/* The firmware's system UUID, as libvirt takes it; where only root may
 * read it (the daemon runs as its own user), the machine ID. */
static char *
read_uuid (Reader *r)
{
  static const char *const sources[][4] = {
    { "sys", "class", "dmi", "id/product_uuid" },
    { "etc", "machine-id", NULL, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_autofree char *path = g_build_filename (r->root, sources[i][0], sources[i][1],
                                                sources[i][2], sources[i][3], NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      gsize length;
      char *uuid;

      if (!dc_file_read_bounded (path, 256, DC_FILE_FOLLOW_LINKS, &text, &length, &error))
        continue;
      uuid = normalise_uuid (g_strstrip (text));
      if (uuid != NULL)
        return uuid;
    }
  return NULL;
}

DcHostCaps *
dc_host_caps_read (const char *root, const DcHostFacts *facts)
{
  g_autofree char *iommu = g_build_filename (root, "sys", "kernel", "iommu_groups", NULL);
  Reader r = { root, g_build_filename (root, "sys", "devices", "system", NULL),
               dc_host_caps_new () };
  g_autoptr(GArray) online = online_cpus (&r);

  r.caps->arch = g_strdup (facts->arch);
  r.caps->uuid = read_uuid (&r);
  if (facts->microcode != NULL && *facts->microcode != '\0')
    r.caps->microcode = g_strdup (facts->microcode);
  r.caps->phys_addr_bits = facts->phys_addr_bits;
  r.caps->vendor = g_strdup (vendor_name (facts->cpu_vendor_id));
  r.caps->has_signature = facts->has_cpu_signature;
  r.caps->family = facts->cpu_family;
  r.caps->model = facts->cpu_model;
  r.caps->stepping = facts->cpu_stepping;
  if (g_strcmp0 (facts->arch, "x86_64") == 0 || g_strcmp0 (facts->arch, "i686") == 0)
    {
      g_ptr_array_unref (r.caps->cpu_features);
      r.caps->cpu_features = dc_cpuid_read_features (root);
      read_tsc (&r);
    }
  read_page_sizes (&r);
  r.caps->iommu = dc_file_dir_has_entries (iommu);
  read_cells (&r, online);
  summarise_topology (r.caps);
  read_caches (&r, online);
  read_resctrl (&r);
  g_free (r.system);
  return r.caps;
}

/* ---- power management, from logind ---- */

static gboolean
logind_can (GDBusConnection *bus, const char *method, int timeout_ms)
{
  g_autoptr(GVariant) reply = NULL;
  const char *answer;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.login1",
                                       "/org/freedesktop/login1",
                                       "org.freedesktop.login1.Manager", method, NULL,
                                       G_VARIANT_TYPE ("(s)"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, timeout_ms,
                                       NULL, NULL);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(&s)", &answer);
  return g_str_equal (answer, "yes") || g_str_equal (answer, "challenge");
}

void
dc_host_caps_read_power (DcHostCaps *caps, int timeout_ms)
{
  static const struct { const char *method; DcHostPowerTargets target; } asks[] = {
    { "CanSuspend", DC_HOST_PM_SUSPEND_MEM },
    { "CanHibernate", DC_HOST_PM_SUSPEND_DISK },
    { "CanHybridSleep", DC_HOST_PM_SUSPEND_HYBRID },
  };
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);

  caps->power = 0;
  for (gsize i = 0; bus != NULL && i < G_N_ELEMENTS (asks); i++)
    if (logind_can (bus, asks[i].method, timeout_ms))
      caps->power |= asks[i].target;
}
