/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-host-caps.c: the host part of host capabilities, as data. */
#include "config.h"

#include "dc-host-caps.h"

#include <string.h>

DcHostCaps *
dc_host_caps_new (void)
{
  DcHostCaps *caps = g_new0 (DcHostCaps, 1);

  caps->page_sizes = g_array_new (FALSE, FALSE, sizeof (guint));
  caps->cpu_features = g_ptr_array_new_with_free_func (g_free);
  caps->cells = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_host_cell_free);
  caps->interconnects = g_array_new (FALSE, TRUE, sizeof (DcHostInterconnect));
  caps->caches = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_host_cache_bank_free);
  caps->skipped = g_ptr_array_new_with_free_func (g_free);
  caps->resctrl.controls =
    g_ptr_array_new_with_free_func ((GDestroyNotify) dc_host_cache_control_free);
  caps->resctrl.monitor_features = g_ptr_array_new_with_free_func (g_free);
  return caps;
}

void
dc_host_caps_free (DcHostCaps *caps)
{
  if (caps == NULL)
    return;
  g_free (caps->uuid);
  g_free (caps->arch);
  g_free (caps->vendor);
  g_free (caps->microcode);
  g_array_unref (caps->page_sizes);
  g_ptr_array_unref (caps->cpu_features);
  g_ptr_array_unref (caps->cells);
  g_array_unref (caps->interconnects);
  g_ptr_array_unref (caps->caches);
  g_ptr_array_unref (caps->skipped);
  g_ptr_array_unref (caps->resctrl.controls);
  g_ptr_array_unref (caps->resctrl.monitor_features);
  g_free (caps);
}

DcHostCell *
dc_host_cell_new (guint id)
{
  DcHostCell *cell = g_new0 (DcHostCell, 1);

  cell->id = id;
  cell->pages = g_array_new (FALSE, FALSE, sizeof (DcHostPages));
  cell->distances = g_array_new (FALSE, FALSE, sizeof (guint));
  cell->cpus = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_host_cpu_free);
  cell->memory_caches = g_array_new (FALSE, TRUE, sizeof (DcHostMemoryCache));
  return cell;
}

void
dc_host_cell_free (DcHostCell *cell)
{
  g_array_unref (cell->pages);
  g_array_unref (cell->distances);
  g_ptr_array_unref (cell->cpus);
  g_array_unref (cell->memory_caches);
  g_free (cell);
}

DcHostCpu *
dc_host_cpu_new (guint id)
{
  DcHostCpu *cpu = g_new0 (DcHostCpu, 1);

  cpu->id = id;
  return cpu;
}

void
dc_host_cpu_free (DcHostCpu *cpu)
{
  g_free (cpu->siblings);
  g_free (cpu);
}

void
dc_host_cache_bank_free (DcHostCacheBank *bank)
{
  g_free (bank->type);
  g_free (bank->cpus);
  g_free (bank);
}

void
dc_host_cache_control_free (DcHostCacheControl *control)
{
  g_free (control->type);
  g_free (control);
}

/* arrays of guint */
static gboolean
arrays_equal (const GArray *a, const GArray *b)
{
  /* an empty GArray's data may be NULL, which memcmp must not see */
  return a->len == b->len &&
         (a->len == 0 ||
          memcmp (a->data, b->data, (gsize) a->len * g_array_get_element_size ((GArray *) a)) == 0);
}

/* field by field: the struct has padding memcmp would read */
static gboolean
pages_equal (const GArray *a, const GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      const DcHostPages *pa = &g_array_index (a, DcHostPages, i);
      const DcHostPages *pb = &g_array_index (b, DcHostPages, i);

      if (pa->size_kib != pb->size_kib || pa->count != pb->count)
        return FALSE;
    }
  return TRUE;
}

static gboolean
memory_caches_equal (const GArray *a, const GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      const DcHostMemoryCache *ca = &g_array_index (a, DcHostMemoryCache, i);
      const DcHostMemoryCache *cb = &g_array_index (b, DcHostMemoryCache, i);

      if (ca->level != cb->level || ca->size_kib != cb->size_kib || ca->line != cb->line ||
          g_strcmp0 (ca->associativity, cb->associativity) != 0 ||
          g_strcmp0 (ca->policy, cb->policy) != 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
interconnects_equal (const GArray *a, const GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      const DcHostInterconnect *ia = &g_array_index (a, DcHostInterconnect, i);
      const DcHostInterconnect *ib = &g_array_index (b, DcHostInterconnect, i);

      if (ia->initiator != ib->initiator || ia->target != ib->target ||
          ia->read_latency != ib->read_latency || ia->write_latency != ib->write_latency ||
          ia->read_bandwidth != ib->read_bandwidth ||
          ia->write_bandwidth != ib->write_bandwidth)
        return FALSE;
    }
  return TRUE;
}

static gboolean
cpus_equal (const DcHostCpu *a, const DcHostCpu *b)
{
  return a->id == b->id && a->has_topology == b->has_topology &&
         a->socket_id == b->socket_id && a->die_id == b->die_id &&
         a->cluster_id == b->cluster_id && a->core_id == b->core_id &&
         g_strcmp0 (a->siblings, b->siblings) == 0;
}

static gboolean
cells_equal (const DcHostCell *a, const DcHostCell *b)
{
  if (a->id != b->id || a->memory_kib != b->memory_kib ||
      !pages_equal (a->pages, b->pages) || !arrays_equal (a->distances, b->distances) ||
      !memory_caches_equal (a->memory_caches, b->memory_caches) ||
      a->cpus->len != b->cpus->len)
    return FALSE;
  for (guint i = 0; i < a->cpus->len; i++)
    if (!cpus_equal (g_ptr_array_index (a->cpus, i), g_ptr_array_index (b->cpus, i)))
      return FALSE;
  return TRUE;
}

static gboolean
banks_equal (const DcHostCacheBank *a, const DcHostCacheBank *b)
{
  return a->id == b->id && a->level == b->level && a->size == b->size &&
         g_strcmp0 (a->type, b->type) == 0 && g_strcmp0 (a->cpus, b->cpus) == 0;
}

static gboolean
controls_equal (const GPtrArray *a, const GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      const DcHostCacheControl *ca = g_ptr_array_index ((GPtrArray *) a, i);
      const DcHostCacheControl *cb = g_ptr_array_index ((GPtrArray *) b, i);

      if (ca->level != cb->level || g_strcmp0 (ca->type, cb->type) != 0 ||
          ca->bits != cb->bits || ca->min_bits != cb->min_bits ||
          ca->max_allocs != cb->max_allocs)
        return FALSE;
    }
  return TRUE;
}

static gboolean
strings_equal (const GPtrArray *a, const GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (g_strcmp0 (g_ptr_array_index ((GPtrArray *) a, i),
                   g_ptr_array_index ((GPtrArray *) b, i)) != 0)
      return FALSE;
  return TRUE;
}

static gboolean
resctrl_equal (const DcHostResctrl *a, const DcHostResctrl *b)
{
  return controls_equal (a->controls, b->controls) && a->has_mb == b->has_mb &&
         a->mb_granularity == b->mb_granularity && a->mb_min == b->mb_min &&
         a->mb_max_allocs == b->mb_max_allocs && a->has_monitor == b->has_monitor &&
         a->monitor_threshold == b->monitor_threshold &&
         a->monitor_max == b->monitor_max &&
         strings_equal (a->monitor_features, b->monitor_features);
}

static gboolean
scalars_equal (const DcHostCaps *a, const DcHostCaps *b)
{
  return g_strcmp0 (a->uuid, b->uuid) == 0 && g_strcmp0 (a->arch, b->arch) == 0 &&
         g_strcmp0 (a->vendor, b->vendor) == 0 &&
         a->has_signature == b->has_signature && a->family == b->family &&
         a->model == b->model && a->stepping == b->stepping &&
         g_strcmp0 (a->microcode, b->microcode) == 0 &&
         a->sockets == b->sockets && a->dies == b->dies && a->clusters == b->clusters &&
         a->cores == b->cores && a->threads == b->threads &&
         a->phys_addr_bits == b->phys_addr_bits && a->tsc_hz == b->tsc_hz &&
         a->tsc_scaling == b->tsc_scaling && a->power == b->power &&
         a->iommu == b->iommu && arrays_equal (a->page_sizes, b->page_sizes) &&
         strings_equal (a->cpu_features, b->cpu_features);
}

gboolean
dc_host_caps_equal (const DcHostCaps *a, const DcHostCaps *b)
{
  if (!scalars_equal (a, b) || a->cells->len != b->cells->len ||
      a->caches->len != b->caches->len || !resctrl_equal (&a->resctrl, &b->resctrl) ||
      !interconnects_equal (a->interconnects, b->interconnects))
    return FALSE;
  for (guint i = 0; i < a->cells->len; i++)
    if (!cells_equal (g_ptr_array_index (a->cells, i), g_ptr_array_index (b->cells, i)))
      return FALSE;
  for (guint i = 0; i < a->caches->len; i++)
    if (!banks_equal (g_ptr_array_index (a->caches, i), g_ptr_array_index (b->caches, i)))
      return FALSE;
  return TRUE;
}

guint64
dc_host_caps_pretty_size (guint64 bytes, const char **unit)
{
  static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  guint i = 0;

  while (i + 1 < G_N_ELEMENTS (units) && bytes != 0 && bytes % 1024 == 0)
    {
      bytes /= 1024;
      i++;
    }
  *unit = units[i];
  return bytes;
}
