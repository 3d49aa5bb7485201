/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-host-caps.h: the host part of host capabilities (libvirt's
 * <capabilities><host>), as plain data.
 *
 * probes/dc-host-caps-read.h reads them from sysfs and procfs below a
 * root; daemon/caps/dc-render-host.h writes them. Nothing here reads or
 * decides anything. */
#pragma once

#include <glib.h>

typedef enum {
  DC_HOST_PM_SUSPEND_MEM = 1 << 0,
  DC_HOST_PM_SUSPEND_DISK = 1 << 1,
  DC_HOST_PM_SUSPEND_HYBRID = 1 << 2,
} DcHostPowerTargets;

typedef struct {
  guint size_kib;
  guint64 count;
} DcHostPages;

typedef struct {
  guint id;
  gboolean has_topology;   /* else only the id is known (offline, or no
                            * topology directory) */
  guint socket_id, die_id, cluster_id, core_id;
  char *siblings;          /* thread siblings, as a CPU list ("0,4") */
} DcHostCpu;

/* A memory-side cache of a NUMA node (the ACPI HMAT, as sysfs shows it) */
typedef struct {
  guint level;
  guint64 size_kib;
  guint line;              /* bytes; 0: unknown, not written */
  const char *associativity;   /* "direct", "full", "none" (static) */
  const char *policy;          /* "writeback", "writethrough", "none" (static) */
} DcHostMemoryCache;

/* The best access from CPUs of node @initiator to the memory of node
 * @target (sysfs's access class 1) */
typedef struct {
  guint initiator, target;
  guint read_latency, write_latency;          /* ns */
  guint64 read_bandwidth, write_bandwidth;    /* KiB/s */
} DcHostInterconnect;

typedef struct {
  guint id;
  guint64 memory_kib;      /* 0: unknown, not written */
  GArray *pages;           /* of DcHostPages, the system page size first */
  GArray *distances;       /* of guint pairs (node id, distance) */
  GPtrArray *cpus;         /* of DcHostCpu */
  GArray *memory_caches;   /* of DcHostMemoryCache, by level */
} DcHostCell;

typedef struct {
  guint id, level;
  char *type;              /* "both", "data", "instruction" */
  guint64 size;            /* bytes */
  char *cpus;              /* CPU list */
} DcHostCacheBank;

/* resctrl's allocation of one cache level (info/L3, info/L3CODE, ...):
 * the same for every bank of that level */
typedef struct {
  guint level;
  char *type;              /* "both", "code", "data" */
  guint bits;              /* set in cbm_mask: the parts a bank splits into */
  guint min_bits;          /* min_cbm_bits */
  guint max_allocs;        /* num_closids */
} DcHostCacheControl;

/* /sys/fs/resctrl/info: what cache and memory bandwidth allocation and
 * monitoring the host offers (libvirt's <cachetune>, <memorytune>) */
typedef struct {
  GPtrArray *controls;     /* of DcHostCacheControl, by level, then both, code, data */
  gboolean has_mb;         /* info/MB: memory bandwidth allocation */
  guint mb_granularity, mb_min, mb_max_allocs;   /* percent, percent, closids */
  gboolean has_monitor;    /* info/L3_MON */
  guint64 monitor_threshold;   /* max_threshold_occupancy, bytes */
  guint monitor_max;           /* num_rmids */
  GPtrArray *monitor_features; /* of char *, in resctrl's order */
} DcHostResctrl;

typedef struct {
  char *uuid;              /* NULL: none found */
  char *arch;              /* libvirt's name */
  /* <cpu>: what /proc/cpuinfo and CPUID say (x86 only; else unset) */
  char *vendor;            /* libvirt's vendor name ("Intel", "AMD"), or NULL */
  gboolean has_signature;
  guint family, model, stepping;
  char *microcode;         /* NULL: unknown */
  guint sockets, dies, clusters, cores, threads;  /* 0: unknown */
  guint phys_addr_bits;    /* 0: unknown */
  GPtrArray *cpu_features; /* of char *: what CPUID reports, domain XML's
                            * names in CPUID order (facts/dc-cpuid.h) */
  guint64 tsc_hz;          /* 0: unknown (KVM tells it) */
  gboolean tsc_scaling;
  GArray *page_sizes;      /* of guint KiB, ascending */
  guint power;             /* DcHostPowerTargets */
  gboolean iommu;
  GPtrArray *cells;        /* of DcHostCell, by id */
  GArray *interconnects;   /* of DcHostInterconnect, by initiator then target */
  GPtrArray *caches;       /* of DcHostCacheBank, by level then id */
  DcHostResctrl resctrl;
  GPtrArray *skipped;      /* of char *: what was left out and why */
} DcHostCaps;

DcHostCaps *dc_host_caps_new (void);
void dc_host_caps_free (DcHostCaps *caps);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcHostCaps, dc_host_caps_free)

DcHostCell *dc_host_cell_new (guint id);
void dc_host_cell_free (DcHostCell *cell);
DcHostCpu *dc_host_cpu_new (guint id);
void dc_host_cpu_free (DcHostCpu *cpu);
void dc_host_cache_bank_free (DcHostCacheBank *bank);
void dc_host_cache_control_free (DcHostCacheControl *control);

/* Whether two readings describe the same host (what CapabilitiesChanged
 * is about); the skipped notes do not count. */
gboolean dc_host_caps_equal (const DcHostCaps *a, const DcHostCaps *b);

/* libvirt's pretty size of @bytes: the largest unit (KiB, MiB, GiB, TiB)
 * that divides it, as *@unit and the returned count. */
guint64 dc_host_caps_pretty_size (guint64 bytes, const char **unit);
