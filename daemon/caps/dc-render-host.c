/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-render-host.c: host capabilities as a model (docs/host-capabilities.md). */
#include "config.h"

#include "dc-render-host.h"

#include "dc-arch.h"
#include "dc-host-cpu.h"

static void
set_uint (DcCapsNode *node, const char *name, guint64 value)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, value);

  dc_caps_node_set_attr (node, name, text);
}

static DcCapsNode *
add_uint_text (DcCapsNode *parent, const char *name, guint64 value)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, value);

  return dc_caps_node_add_text (parent, name, text);
}

/* ---- <host><cpu> ---- */

static void
render_host_cpu (DcCapsNode *host, const DcHostCaps *caps, const DcHostCpuName *name)
{
  DcCapsNode *cpu = dc_caps_node_add (host, "cpu");

  dc_caps_node_add_text (cpu, "arch", caps->arch);
  if (name != NULL)
    dc_caps_node_add_text (cpu, "model", name->model);
  if (caps->vendor != NULL)
    dc_caps_node_add_text (cpu, "vendor", caps->vendor);
  if (caps->microcode != NULL)
    dc_caps_node_set_attr (dc_caps_node_add (cpu, "microcode"), "version",
                           caps->microcode);
  if (caps->has_signature)
    {
      DcCapsNode *sig = dc_caps_node_add (cpu, "signature");

      set_uint (sig, "family", caps->family);
      set_uint (sig, "model", caps->model);
      set_uint (sig, "stepping", caps->stepping);
    }
  if (caps->tsc_hz != 0)
    {
      DcCapsNode *counter = dc_caps_node_add (cpu, "counter");

      dc_caps_node_set_attr (counter, "name", "tsc");
      set_uint (counter, "frequency", caps->tsc_hz);
      dc_caps_node_set_attr (counter, "scaling", caps->tsc_scaling ? "yes" : "no");
    }
  if (caps->sockets != 0)
    {
      DcCapsNode *topology = dc_caps_node_add (cpu, "topology");

      set_uint (topology, "sockets", caps->sockets);
      set_uint (topology, "dies", caps->dies);
      set_uint (topology, "clusters", caps->clusters);
      set_uint (topology, "cores", caps->cores);
      set_uint (topology, "threads", caps->threads);
    }
  if (caps->phys_addr_bits != 0)
    {
      DcCapsNode *max = dc_caps_node_add (cpu, "maxphysaddr");

      dc_caps_node_set_attr (max, "mode", "emulate");
      set_uint (max, "bits", caps->phys_addr_bits);
    }
  for (guint i = 0; name != NULL && i < name->features->len; i++)
    dc_caps_node_set_attr (dc_caps_node_add (cpu, "feature"), "name",
                           g_ptr_array_index (name->features, i));
  for (guint i = 0; i < caps->page_sizes->len; i++)
    {
      DcCapsNode *pages = dc_caps_node_add (cpu, "pages");

      dc_caps_node_set_attr (pages, "unit", "KiB");
      set_uint (pages, "size", g_array_index (caps->page_sizes, guint, i));
    }
}

/* ---- <host> beside the CPU ---- */

static void
render_power (DcCapsNode *host, guint power)
{
  static const struct { DcHostPowerTargets target; const char *name; } targets[] = {
    { DC_HOST_PM_SUSPEND_MEM, "suspend_mem" },
    { DC_HOST_PM_SUSPEND_DISK, "suspend_disk" },
    { DC_HOST_PM_SUSPEND_HYBRID, "suspend_hybrid" },
  };
  DcCapsNode *pm = dc_caps_node_add (host, "power_management");

  for (gsize i = 0; i < G_N_ELEMENTS (targets); i++)
    if (power & targets[i].target)
      dc_caps_node_add (pm, targets[i].name);
}

/* QEMU migrates live, over TCP and RDMA, on every host. */
static void
render_migration (DcCapsNode *host)
{
  DcCapsNode *migration = dc_caps_node_add (host, "migration_features");
  DcCapsNode *transports;

  dc_caps_node_add (migration, "live");
  transports = dc_caps_node_add (migration, "uri_transports");
  dc_caps_node_add_text (transports, "uri_transport", "tcp");
  dc_caps_node_add_text (transports, "uri_transport", "rdma");
}

static void
render_cell_cpus (DcCapsNode *cell_node, const DcHostCell *cell)
{
  DcCapsNode *cpus = dc_caps_node_add (cell_node, "cpus");

  set_uint (cpus, "num", cell->cpus->len);
  for (guint i = 0; i < cell->cpus->len; i++)
    {
      const DcHostCpu *cpu = g_ptr_array_index (cell->cpus, i);
      DcCapsNode *node = dc_caps_node_add (cpus, "cpu");

      set_uint (node, "id", cpu->id);
      if (!cpu->has_topology)
        continue;
      set_uint (node, "socket_id", cpu->socket_id);
      set_uint (node, "die_id", cpu->die_id);
      set_uint (node, "cluster_id", cpu->cluster_id);
      set_uint (node, "core_id", cpu->core_id);
      dc_caps_node_set_attr (node, "siblings", cpu->siblings);
    }
}

static void
render_memory_caches (DcCapsNode *cell, const GArray *caches)
{
  for (guint i = 0; i < caches->len; i++)
    {
      const DcHostMemoryCache *c = &g_array_index (caches, DcHostMemoryCache, i);
      DcCapsNode *node = dc_caps_node_add (cell, "cache");
      DcCapsNode *size;

      set_uint (node, "level", c->level);
      dc_caps_node_set_attr (node, "associativity", c->associativity);
      dc_caps_node_set_attr (node, "policy", c->policy);
      size = dc_caps_node_add (node, "size");
      set_uint (size, "value", c->size_kib);
      dc_caps_node_set_attr (size, "unit", "KiB");
      if (c->line != 0)
        {
          DcCapsNode *line = dc_caps_node_add (node, "line");

          set_uint (line, "value", c->line);
          dc_caps_node_set_attr (line, "unit", "B");
        }
    }
}

static void
render_cell (DcCapsNode *cells, const DcHostCell *cell)
{
  DcCapsNode *node = dc_caps_node_add (cells, "cell");

  set_uint (node, "id", cell->id);
  if (cell->memory_kib != 0)
    dc_caps_node_set_attr (add_uint_text (node, "memory", cell->memory_kib), "unit", "KiB");
  for (guint i = 0; i < cell->pages->len; i++)
    {
      const DcHostPages *p = &g_array_index (cell->pages, DcHostPages, i);
      DcCapsNode *pages = add_uint_text (node, "pages", p->count);

      dc_caps_node_set_attr (pages, "unit", "KiB");
      set_uint (pages, "size", p->size_kib);
    }
  if (cell->distances->len > 0)
    {
      DcCapsNode *distances = dc_caps_node_add (node, "distances");

      for (guint i = 0; i + 1 < cell->distances->len; i += 2)
        {
          DcCapsNode *sibling = dc_caps_node_add (distances, "sibling");

          set_uint (sibling, "id", g_array_index (cell->distances, guint, i));
          set_uint (sibling, "value", g_array_index (cell->distances, guint, i + 1));
        }
    }
  render_memory_caches (node, cell->memory_caches);
  render_cell_cpus (node, cell);
}

static void
add_interconnect (DcCapsNode *parent, const char *element, const DcHostInterconnect *ic,
                  const char *type, guint64 value)
{
  DcCapsNode *node = dc_caps_node_add (parent, element);

  set_uint (node, "initiator", ic->initiator);
  set_uint (node, "target", ic->target);
  dc_caps_node_set_attr (node, "type", type);
  set_uint (node, "value", value);
  if (g_str_equal (element, "bandwidth"))
    dc_caps_node_set_attr (node, "unit", "KiB");
}

/* every latency, then every bandwidth, each read before write */
static void
render_interconnects (DcCapsNode *topology, const GArray *interconnects)
{
  DcCapsNode *node;

  if (interconnects->len == 0)
    return;
  node = dc_caps_node_add (topology, "interconnects");
  for (guint i = 0; i < interconnects->len; i++)
    {
      const DcHostInterconnect *ic = &g_array_index (interconnects, DcHostInterconnect, i);

      add_interconnect (node, "latency", ic, "read", ic->read_latency);
      add_interconnect (node, "latency", ic, "write", ic->write_latency);
    }
  for (guint i = 0; i < interconnects->len; i++)
    {
      const DcHostInterconnect *ic = &g_array_index (interconnects, DcHostInterconnect, i);

      add_interconnect (node, "bandwidth", ic, "read", ic->read_bandwidth);
      add_interconnect (node, "bandwidth", ic, "write", ic->write_bandwidth);
    }
}

static void
render_topology (DcCapsNode *host, const DcHostCaps *caps)
{
  DcCapsNode *topology = dc_caps_node_add (host, "topology");
  DcCapsNode *cells = dc_caps_node_add (topology, "cells");

  set_uint (cells, "num", caps->cells->len);
  for (guint i = 0; i < caps->cells->len; i++)
    render_cell (cells, g_ptr_array_index (caps->cells, i));
  render_interconnects (topology, caps->interconnects);
}

/* A bank splits into as many parts as its level's mask has bits: the
 * granularity; the least a guest gets is min_cbm_bits of them, written
 * only where that is more than one part. */
static void
render_cache_control (DcCapsNode *bank_node, const DcHostCacheBank *bank,
                      const DcHostCacheControl *control)
{
  DcCapsNode *node = dc_caps_node_add (bank_node, "control");
  guint64 granularity = bank->size / control->bits;
  const char *unit;
  guint64 pretty = dc_host_caps_pretty_size (granularity, &unit);

  set_uint (node, "granularity", pretty);
  if (control->min_bits > 1)
    set_uint (node, "min", pretty * control->min_bits);
  dc_caps_node_set_attr (node, "unit", unit);
  dc_caps_node_set_attr (node, "type", control->type);
  set_uint (node, "maxAllocs", control->max_allocs);
}

static void
render_bank (DcCapsNode *cache, const DcHostCacheBank *bank, const DcHostResctrl *resctrl)
{
  DcCapsNode *node = dc_caps_node_add (cache, "bank");
  const char *unit;
  guint64 size = dc_host_caps_pretty_size (bank->size, &unit);

  set_uint (node, "id", bank->id);
  set_uint (node, "level", bank->level);
  dc_caps_node_set_attr (node, "type", bank->type);
  set_uint (node, "size", size);
  dc_caps_node_set_attr (node, "unit", unit);
  dc_caps_node_set_attr (node, "cpus", bank->cpus);
  for (guint i = 0; i < resctrl->controls->len; i++)
    {
      const DcHostCacheControl *control = g_ptr_array_index (resctrl->controls, i);

      if (control->level == bank->level && bank->size / control->bits > 0)
        render_cache_control (node, bank, control);
    }
}

/* resctrl's monitoring: the features named @prefix (llc_ for the cache,
 * mbm_ for memory bandwidth); NULL where there are none. */
static DcCapsNode *
render_monitor (DcCapsNode *parent, const DcHostResctrl *resctrl, const char *prefix)
{
  DcCapsNode *monitor = NULL;

  for (guint i = 0; resctrl->has_monitor && i < resctrl->monitor_features->len; i++)
    {
      const char *name = g_ptr_array_index (resctrl->monitor_features, i);

      if (!g_str_has_prefix (name, prefix))
        continue;
      if (monitor == NULL)
        monitor = dc_caps_node_add (parent, "monitor");
      dc_caps_node_set_attr (dc_caps_node_add (monitor, "feature"), "name", name);
    }
  return monitor;
}

static void
render_caches (DcCapsNode *host, const DcHostCaps *caps)
{
  DcCapsNode *cache, *monitor;

  if (caps->caches->len == 0)
    return;
  cache = dc_caps_node_add (host, "cache");
  for (guint i = 0; i < caps->caches->len; i++)
    render_bank (cache, g_ptr_array_index (caps->caches, i), &caps->resctrl);
  monitor = render_monitor (cache, &caps->resctrl, "llc_");
  if (monitor != NULL)
    {
      /* (attributes are written before the features, whenever set) */
      set_uint (monitor, "level", 3);
      set_uint (monitor, "reuseThreshold", caps->resctrl.monitor_threshold);
      set_uint (monitor, "maxMonitors", caps->resctrl.monitor_max);
    }
}

/* Memory bandwidth is allocated per last-level cache: one node per
 * level 3 bank. */
static void
render_memory_bandwidth (DcCapsNode *host, const DcHostCaps *caps)
{
  const DcHostResctrl *resctrl = &caps->resctrl;
  DcCapsNode *mb = NULL, *monitor;

  for (guint i = 0; resctrl->has_mb && i < caps->caches->len; i++)
    {
      const DcHostCacheBank *bank = g_ptr_array_index (caps->caches, i);
      DcCapsNode *node, *control;

      if (bank->level != 3)
        continue;
      if (mb == NULL)
        mb = dc_caps_node_add (host, "memory_bandwidth");
      node = dc_caps_node_add (mb, "node");
      set_uint (node, "id", bank->id);
      dc_caps_node_set_attr (node, "cpus", bank->cpus);
      control = dc_caps_node_add (node, "control");
      set_uint (control, "granularity", resctrl->mb_granularity);
      set_uint (control, "min", resctrl->mb_min);
      set_uint (control, "maxAllocs", resctrl->mb_max_allocs);
    }
  if (mb == NULL)
    return;
  monitor = render_monitor (mb, resctrl, "mbm_");
  if (monitor != NULL)
    set_uint (monitor, "maxMonitors", resctrl->monitor_max);
}

/* No security driver labels anything here: domcapsd starts no guest. */
static void
render_secmodel (DcCapsNode *host)
{
  DcCapsNode *secmodel = dc_caps_node_add (host, "secmodel");

  dc_caps_node_add_text (secmodel, "model", "none");
  dc_caps_node_add_text (secmodel, "doi", "0");
}

static void
render_host (DcCapsNode *root, const DcHostCaps *caps, const DcCpuFacts *native)
{
  DcCapsNode *host = dc_caps_node_add (root, "host");
  g_autoptr(DcHostCpuName) name = dc_host_cpu_name (caps, native);

  if (caps->uuid != NULL)
    dc_caps_node_add_text (host, "uuid", caps->uuid);
  render_host_cpu (host, caps, name);
  render_power (host, caps->power);
  dc_caps_node_set_attr (dc_caps_node_add (host, "iommu"), "support",
                         caps->iommu ? "yes" : "no");
  render_migration (host);
  render_topology (host, caps);
  render_caches (host, caps);
  render_memory_bandwidth (host, caps);
  render_secmodel (host);
}

/* ---- <guest> ---- */

static void
add_machine (DcCapsNode *arch, const char *name, const char *canonical,
             const DcMachine *m)
{
  DcCapsNode *node = dc_caps_node_add_text (arch, "machine", name);

  if (canonical != NULL)
    dc_caps_node_set_attr (node, "canonical", canonical);
  if (m->cpu_max > 0)
    set_uint (node, "maxCpus", m->cpu_max);
  if (m->deprecated)
    dc_caps_node_set_attr (node, "deprecated", "yes");
}

static gboolean
machine_listed (GPtrArray *machines, const char *name)
{
  for (guint i = 0; i < machines->len; i++)
    {
      const DcMachine *m = g_ptr_array_index (machines, i);

      if (g_str_equal (m->alias ? m->alias : m->name, name))
        return TRUE;
    }
  return FALSE;
}

/* QEMU's machines, the default first (where QEMU names none, the one
 * libvirt falls back to: integratorcp on ARM); an alias is listed under
 * its own name with its canonical machine, and the canonical machine
 * itself before it when QEMU lists it under no other entry (libvirt's
 * order). */
static void
render_machines (DcCapsNode *arch, const char *arch_name, const DcEmulatorFacts *facts)
{
  g_autoptr(GPtrArray) machines = g_ptr_array_new ();
  const DcMachine *def = dc_emulator_facts_default_machine (facts);
  const char *fallback = dc_arch_fallback_machine (arch_name);

  if (def == NULL && fallback != NULL)
    def = dc_emulator_facts_find_machine (facts, fallback);
  if (def != NULL)
    g_ptr_array_add (machines, (gpointer) def);
  for (guint i = 0; i < facts->machines->len; i++)
    if (g_ptr_array_index (facts->machines, i) != def)
      g_ptr_array_add (machines, g_ptr_array_index (facts->machines, i));
  for (guint i = 0; i < machines->len; i++)
    {
      const DcMachine *m = g_ptr_array_index (machines, i);

      if (m->alias == NULL)
        {
          add_machine (arch, m->name, NULL, m);
          continue;
        }
      if (!machine_listed (machines, m->name))
        add_machine (arch, m->name, NULL, m);
      add_machine (arch, m->alias, m->name, m);
    }
}

static void
add_feature (DcCapsNode *features, const char *name, const char *def,
             const char *toggle)
{
  DcCapsNode *node = dc_caps_node_add (features, name);

  if (def != NULL)
    dc_caps_node_set_attr (node, "default", def);
  if (toggle != NULL)
    dc_caps_node_set_attr (node, "toggle", toggle);
}

/* What libvirt's QEMU driver says of every guest, and of some arches. */
static void
render_guest_features (DcCapsNode *guest, const char *arch)
{
  DcCapsNode *features = dc_caps_node_add (guest, "features");
  gboolean x86 = dc_arch_is_x86 (arch);

  if (x86 || g_str_equal (arch, "aarch64") || g_str_equal (arch, "loongarch64"))
    add_feature (features, "acpi", "on", "yes");
  if (x86)
    add_feature (features, "apic", "on", "no");
  add_feature (features, "cpuselection", NULL, NULL);
  add_feature (features, "deviceboot", NULL, NULL);
  add_feature (features, "disksnapshot", "on", "no");
  add_feature (features, "externalSnapshot", NULL, NULL);
  if (g_str_equal (arch, "i686"))
    {
      add_feature (features, "pae", NULL, NULL);
      add_feature (features, "nonpae", NULL, NULL);
    }
}

static void
render_guest (DcCapsNode *root, const DcCapsGuest *g, const DcHostFacts *host)
{
  DcCapsNode *guest = dc_caps_node_add (root, "guest");
  DcCapsNode *arch;

  dc_caps_node_add_text (guest, "os_type", "hvm");
  arch = dc_caps_node_add (guest, "arch");
  dc_caps_node_set_attr (arch, "name", g->arch);
  add_uint_text (arch, "wordsize", g->wordsize);
  dc_caps_node_add_text (arch, "emulator", g->emulator);
  render_machines (arch, g->arch, g->facts);
  if (g->facts->tcg)
    dc_caps_node_set_attr (dc_caps_node_add (arch, "domain"), "type", "qemu");
  if (g->facts->kvm && host->kvm_usable)
    dc_caps_node_set_attr (dc_caps_node_add (arch, "domain"), "type", "kvm");
  render_guest_features (guest, g->arch);
}

/* TCG's CPU facts of the emulator for the host's own arch, whose model
 * definitions name the host CPU; NULL without one. */
static const DcCpuFacts *
native_cpu (const DcHostCaps *caps, GPtrArray *guests)
{
  for (guint i = 0; i < guests->len; i++)
    {
      const DcCapsGuest *guest = g_ptr_array_index (guests, i);

      if (g_strcmp0 (guest->arch, caps->arch) == 0)
        return guest->facts->cpu_tcg;
    }
  return NULL;
}

DcCapsNode *
dc_render_capabilities (const DcHostCaps *host_caps, const DcHostFacts *host,
                        GPtrArray *guests)
{
  DcCapsNode *root = dc_caps_node_new ("capabilities");

  render_host (root, host_caps, native_cpu (host_caps, guests));
  for (guint i = 0; i < guests->len; i++)
    render_guest (root, g_ptr_array_index (guests, i), host);
  return root;
}
