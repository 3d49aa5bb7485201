/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of host capabilities: the sysfs reader on made-up trees
 * (ordinary, odd and hostile), CPU lists, and the host part's XML. */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dc-caps-xml.h"
#include "dc-host-caps-read.h"
#include "dc-host.h"
#include "dc-render-host.h"

typedef struct {
  char *root;
  DcHostFacts *facts;   /* read from the tree (cpuinfo), arch and width set */
} Tree;

static void
put (Tree *t, const char *rel, const char *text)
{
  g_autofree char *path = g_build_filename (t->root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

/* Each of @files (relative name, contents) below @base. */
static void
put_all (Tree *t, const char *base, const char *const files[][2], gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *rel = g_strconcat (base, files[i][0], NULL);

      put (t, rel, files[i][1]);
    }
}

static void
put_cpu (Tree *t, guint cpu, guint socket, guint core, const char *siblings)
{
  g_autofree char *base = g_strdup_printf ("sys/devices/system/cpu/cpu%u/topology", cpu);
  g_autofree char *pkg = g_build_filename (base, "physical_package_id", NULL);
  g_autofree char *core_id = g_build_filename (base, "core_id", NULL);
  g_autofree char *sib = g_build_filename (base, "thread_siblings_list", NULL);
  g_autofree char *s = g_strdup_printf ("%u\n", socket);
  g_autofree char *c = g_strdup_printf ("%u\n", core);

  put (t, pkg, s);
  put (t, core_id, c);
  put (t, sib, siblings);
}

static void
tree_free (Tree *t)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", t->root);

  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL));
  dc_host_facts_free (t->facts);
  g_free (t->root);
  g_free (t);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Tree, tree_free)

/* Two NUMA nodes of two CPUs each (hyperthreads 0,2 and 1,3), CPU 3
 * offline, huge pages on node 1, an L2 per core and an L3 shared. */
static Tree *
two_node_tree (void)
{
  Tree *t = g_new0 (Tree, 1);

  t->root = g_dir_make_tmp ("dc-host-caps-XXXXXX", NULL);
  put (t, "sys/devices/system/cpu/online", "0-2\n");
  put_cpu (t, 0, 0, 0, "0,2\n");
  put_cpu (t, 1, 0, 1, "1,3\n");
  put_cpu (t, 2, 0, 0, "0,2\n");
  put (t, "sys/devices/system/node/online", "0-1\n");
  put (t, "sys/devices/system/node/node0/cpulist", "0,2\n");
  put (t, "sys/devices/system/node/node1/cpulist", "1,3\n");
  put (t, "sys/devices/system/node/node0/meminfo", "Node 0 MemTotal:  1048576 kB\n");
  put (t, "sys/devices/system/node/node1/meminfo", "Node 1 MemTotal:  2097152 kB\n");
  put (t, "sys/devices/system/node/node0/distance", "10 21\n");
  put (t, "sys/devices/system/node/node1/distance", "21 10\n");
  put (t, "sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages", "256\n");
  put (t, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "256\n");
  put (t, "sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
  for (guint cpu = 0; cpu < 3; cpu++)
    {
      g_autofree char *l2 = g_strdup_printf ("sys/devices/system/cpu/cpu%u/cache/index2/", cpu);
      g_autofree char *l3 = g_strdup_printf ("sys/devices/system/cpu/cpu%u/cache/index3/", cpu);
      g_autofree char *l1 = g_strdup_printf ("sys/devices/system/cpu/cpu%u/cache/index0/", cpu);
      const char *files[][2] = {
        { "level", "2\n" }, { "type", "Unified\n" }, { "size", "1024K\n" },
      };

      for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
        {
          g_autofree char *p2 = g_strconcat (l2, files[i][0], NULL);
          g_autofree char *p3 = g_strconcat (l3, files[i][0], NULL);
          g_autofree char *p1 = g_strconcat (l1, files[i][0], NULL);

          put (t, p2, files[i][1]);
          put (t, p3, i == 0 ? "3\n" : i == 2 ? "32768K\n" : files[i][1]);
          put (t, p1, i == 0 ? "1\n" : files[i][1]);
        }
      {
        g_autofree char *id2 = g_strconcat (l2, "id", NULL);
        g_autofree char *id3 = g_strconcat (l3, "id", NULL);
        g_autofree char *id1 = g_strconcat (l1, "id", NULL);
        g_autofree char *list1 = g_strconcat (l1, "shared_cpu_list", NULL);
        g_autofree char *list2 = g_strconcat (l2, "shared_cpu_list", NULL);
        g_autofree char *list3 = g_strconcat (l3, "shared_cpu_list", NULL);
        g_autofree char *id = g_strdup_printf ("%u\n", cpu == 1);

        put (t, id2, id);
        put (t, id3, "0\n");
        put (t, id1, id);
        put (t, list1, cpu == 1 ? "1,3\n" : "0,2\n");
        put (t, list2, cpu == 1 ? "1,3\n" : "0,2\n");
        put (t, list3, "0-3\n");
      }
    }
  put (t, "proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
                          "model\t\t: 85\nmodel name\t: Made Up\nstepping\t: 7\n\n"
                          "processor\t: 1\nvendor_id\t: AuthenticAMD\n");
  put (t, "etc/machine-id", "0123456789abcdef0123456789abcdef\n");
  t->facts = dc_host_facts_read (t->root);
  g_free (t->facts->arch);
  t->facts->arch = g_strdup ("x86_64");
  t->facts->phys_addr_bits = 46;
  return t;
}

static void
test_lists (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "0-3,8", "0-3,8" }, { "0,2", "0,2" }, { "0,1,2,5", "0-2,5" }, { "", "" },
    { "7", "7" },
  };
  static const char *const bad[] = { "3-1", "1,1", "a", "1-", "-1", "1;2", "0-99999", "2,1" };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GArray) list = dc_host_caps_parse_list (cases[i].in, 8192);
      g_autofree char *text = NULL;

      g_assert_nonnull (list);
      text = dc_host_caps_format_list (list);
      g_assert_cmpstr (text, ==, cases[i].out);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_null (dc_host_caps_parse_list (bad[i], 8192));
}

static void
test_pretty_size (void)
{
  const char *unit;

  g_assert_cmpuint (dc_host_caps_pretty_size (32 * 1024 * 1024, &unit), ==, 32);
  g_assert_cmpstr (unit, ==, "MiB");
  g_assert_cmpuint (dc_host_caps_pretty_size (1536 * 1024, &unit), ==, 1536);
  g_assert_cmpstr (unit, ==, "KiB");
  g_assert_cmpuint (dc_host_caps_pretty_size (1000, &unit), ==, 1000);
  g_assert_cmpstr (unit, ==, "B");
}

static const DcHostCpu *
cell_cpu (const DcHostCaps *caps, guint cell, guint i)
{
  return g_ptr_array_index (((DcHostCell *) g_ptr_array_index (caps->cells, cell))->cpus, i);
}

/* The host XML of @caps; fails naming each of @expected it lacks. */
static char *
host_xml_with (const Tree *t, const DcHostCaps *caps, const char *const *expected, gsize n)
{
  g_autoptr(GPtrArray) guests = g_ptr_array_new ();
  g_autoptr(DcCapsNode) model = dc_render_capabilities (caps, t->facts, guests);
  char *xml = dc_caps_to_xml (model, NULL);

  for (gsize i = 0; i < n; i++)
    if (strstr (xml, expected[i]) == NULL)
      g_error ("%s not in\n%s", expected[i], xml);
  return xml;
}

/* What the reader left out, one line each. */
static char *
skipped_text (DcHostCaps *caps)
{
  char *text;

  g_ptr_array_add (caps->skipped, NULL);
  text = g_strjoinv ("\n", (char **) caps->skipped->pdata);
  g_ptr_array_remove_index (caps->skipped, caps->skipped->len - 1);
  return text;
}

static void
test_two_nodes (void)
{
  g_autoptr(Tree) t = two_node_tree ();
  g_autoptr(DcHostCaps) caps = dc_host_caps_read (t->root, t->facts);
  DcHostCell *c1;
  const DcHostCacheBank *l3;

  g_assert_cmpuint (caps->skipped->len, ==, 0);
  g_assert_cmpstr (caps->uuid, ==, "01234567-89ab-cdef-0123-456789abcdef");
  g_assert_cmpstr (caps->vendor, ==, "Intel");
  g_assert_true (caps->has_signature);
  g_assert_cmpuint (caps->family, ==, 6);
  g_assert_cmpuint (caps->model, ==, 85);
  g_assert_cmpuint (caps->stepping, ==, 7);
  g_assert_cmpuint (caps->phys_addr_bits, ==, 46);
  g_assert_cmpuint (caps->cells->len, ==, 2);
  c1 = g_ptr_array_index (caps->cells, 1);
  g_assert_cmpuint (c1->memory_kib, ==, 2097152);
  /* 4 KiB pages: what the 512 MiB of huge pages leave of 2 GiB */
  g_assert_cmpuint (c1->pages->len, ==, 2);
  g_assert_cmpuint (g_array_index (c1->pages, DcHostPages, 0).count, ==, (2097152 - 524288) / 4);
  g_assert_cmpuint (g_array_index (c1->pages, DcHostPages, 1).size_kib, ==, 2048);
  g_assert_cmpuint (g_array_index (c1->pages, DcHostPages, 1).count, ==, 256);
  g_assert_cmpuint (g_array_index (c1->distances, guint, 0), ==, 0);
  g_assert_cmpuint (g_array_index (c1->distances, guint, 1), ==, 21);
  /* CPU 3 is offline: listed by id only */
  g_assert_true (cell_cpu (caps, 1, 0)->has_topology);
  g_assert_cmpstr (cell_cpu (caps, 1, 0)->siblings, ==, "1,3");
  g_assert_false (cell_cpu (caps, 1, 1)->has_topology);
  g_assert_cmpuint (caps->sockets, ==, 1);
  g_assert_cmpuint (caps->cores, ==, 2);
  g_assert_cmpuint (caps->threads, ==, 2);
  /* L1 is left out, as libvirt leaves it; banks sorted by level, id */
  g_assert_cmpuint (caps->caches->len, ==, 3);
  l3 = g_ptr_array_index (caps->caches, 2);
  g_assert_cmpuint (l3->level, ==, 3);
  g_assert_cmpuint (l3->size, ==, 32 * 1024 * 1024);
  g_assert_cmpstr (l3->cpus, ==, "0-3");
  g_assert_cmpuint (caps->page_sizes->len, ==, 3);
  g_assert_cmpuint (g_array_index (caps->page_sizes, guint, 2), ==, 1048576);
}

/* Without NUMA in sysfs: one cell with every CPU and /proc/meminfo. */
static void
test_no_numa (void)
{
  g_autoptr(Tree) t = two_node_tree ();
  g_autofree char *node = g_build_filename (t->root, "sys/devices/system/node", NULL);
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", node);
  g_autoptr(DcHostCaps) caps = NULL;
  DcHostCell *cell;

  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL));
  put (t, "proc/meminfo", "MemTotal:        3145728 kB\nMemFree: 1 kB\n");
  caps = dc_host_caps_read (t->root, t->facts);
  g_assert_cmpuint (caps->cells->len, ==, 1);
  cell = g_ptr_array_index (caps->cells, 0);
  g_assert_cmpuint (cell->memory_kib, ==, 3145728);
  g_assert_cmpuint (cell->cpus->len, ==, 3);
  g_assert_cmpuint (cell->distances->len, ==, 0);
}

/* What sysfs never holds is left out with a reason, and the rest read. */
static void
test_hostile_tree (void)
{
  g_autoptr(Tree) t = two_node_tree ();
  g_autofree char *fifo = g_build_filename (t->root, "sys/devices/system/node/node1/cpulist",
                                            NULL);
  g_autofree char *huge = g_strnfill (200000, '1');
  g_autoptr(DcHostCaps) caps = NULL;
  g_autofree char *skipped = NULL;

  g_assert_cmpint (g_unlink (fifo), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  put (t, "sys/devices/system/cpu/cpu2/topology/core_id", huge);
  put (t, "sys/devices/system/node/node0/distance", "10 banana\n");
  put (t, "sys/devices/system/cpu/cpu0/cache/index2/shared_cpu_list", "0-999999\n");
  caps = dc_host_caps_read (t->root, t->facts);
  skipped = skipped_text (caps);
  g_test_message ("skipped:\n%s", skipped);
  g_assert_nonnull (strstr (skipped, "node1/cpulist"));
  g_assert_nonnull (strstr (skipped, "cpu2/topology/core_id"));
  g_assert_false (cell_cpu (caps, 0, 1)->has_topology);
  g_assert_nonnull (strstr (skipped, "index2/shared_cpu_list"));
  /* the FIFO's node has no CPUs; the rest is there */
  g_assert_cmpuint (caps->cells->len, ==, 2);
  g_assert_cmpuint (((DcHostCell *) g_ptr_array_index (caps->cells, 1))->cpus->len, ==, 0);
  g_assert_cmpuint (((DcHostCell *) g_ptr_array_index (caps->cells, 0))->distances->len, ==, 0);
  g_assert_true (cell_cpu (caps, 0, 0)->has_topology);
  /* cpu2 still tells the L2 bank cpu0 could not */
  g_assert_cmpuint (caps->caches->len, ==, 3);
}

/* resctrl: a sane L3 with CDP, a hostile L2 (a mask that is no number,
 * a FIFO), memory bandwidth over 100 %, odd monitoring feature names. */
static void
test_resctrl (void)
{
  g_autoptr(Tree) t = two_node_tree ();
  g_autofree char *fifo = g_build_filename (t->root, "sys/fs/resctrl/info/L2/num_closids", NULL);
  g_autoptr(DcHostCaps) caps = NULL, again = NULL;
  g_autofree char *xml = NULL, *skipped = NULL;
  static const char *const expected[] = {
    "<control granularity='2' min='4' unit='MiB' type='code' maxAllocs='8'/>",
    "<control granularity='2' min='4' unit='MiB' type='data' maxAllocs='8'/>",
    "<monitor level='3' reuseThreshold='270336' maxMonitors='176'>\n"
    "        <feature name='llc_occupancy'/>\n      </monitor>",
    "<memory_bandwidth>\n      <node id='0' cpus='0-3'>\n"
    "        <control granularity='10' min='10' maxAllocs='4'/>",
    "<monitor maxMonitors='176'>\n        <feature name='mbm_total_bytes'/>\n      </monitor>",
  };

  static const char *const files[][2] = {
    { "L3CODE/cbm_mask", "ffff\n" }, { "L3CODE/min_cbm_bits", "2\n" },
    { "L3CODE/num_closids", "8\n" }, { "L3DATA/cbm_mask", "ffff\n" },
    { "L3DATA/min_cbm_bits", "2\n" }, { "L3DATA/num_closids", "8\n" },
    { "L2/cbm_mask", "banana\n" }, { "L2/min_cbm_bits", "1\n" },
    { "MB/bandwidth_gran", "10\n" }, { "MB/min_bandwidth", "10\n" },
    { "MB/num_closids", "4\n" }, { "L3_MON/max_threshold_occupancy", "270336\n" },
    { "L3_MON/num_rmids", "176\n" },
    { "L3_MON/mon_features", "llc_occupancy\nmbm_total_bytes\nLLC<evil>\n\n" },
  };

  put_all (t, "sys/fs/resctrl/info/", files, G_N_ELEMENTS (files));
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  caps = dc_host_caps_read (t->root, t->facts);
  xml = host_xml_with (t, caps, expected, G_N_ELEMENTS (expected));
  g_assert_null (strstr (xml, "evil"));
  /* the L2 with its mask that is no number: no control, and a note */
  g_assert_cmpuint (caps->resctrl.controls->len, ==, 2);
  g_assert_nonnull (strstr (((char *) g_ptr_array_index (caps->skipped, 0)), "L2/cbm_mask"));
  /* a change of resctrl is a change of the host */
  put (t, "sys/fs/resctrl/info/MB/bandwidth_gran", "101\n");
  again = dc_host_caps_read (t->root, t->facts);
  g_assert_false (again->resctrl.has_mb);
  skipped = skipped_text (again);
  g_assert_nonnull (strstr (skipped, "MB/bandwidth_gran"));
  g_assert_false (dc_host_caps_equal (caps, again));
}

/* The HMAT: a memory-side cache, one with an indexing the kernel never
 * writes (left out, noted), an entry that is no index, and the access
 * from node 0's CPUs to node 1. */
static void
test_hmat (void)
{
  g_autoptr(Tree) t = two_node_tree ();
  g_autoptr(DcHostCaps) caps = NULL, again = NULL;
  g_autofree char *xml = NULL, *skipped = NULL;
  const char *base = "sys/devices/system/node/node1/";
  static const char *const files[][2] = {
    { "memory_side_cache/index1/size", "10240\n" },
    { "memory_side_cache/index1/line_size", "64\n" },
    { "memory_side_cache/index1/indexing", "1\n" },
    { "memory_side_cache/index1/write_policy", "0\n" },
    { "memory_side_cache/index2/size", "131072\n" },
    { "memory_side_cache/index2/line_size", "64\n" },
    { "memory_side_cache/index2/indexing", "7\n" },
    { "memory_side_cache/index2/write_policy", "0\n" },
    { "memory_side_cache/indexical/size", "1\n" },
    { "access1/initiators/node0", "" },
    { "access1/initiators/read_bandwidth", "201\n" },
    { "access1/initiators/write_bandwidth", "202\n" },
    { "access1/initiators/read_latency", "6\n" },
    { "access1/initiators/write_latency", "7\n" },
  };
  static const char *const expected[] = {
    "<distances>\n            <sibling id='0' value='21'/>\n"
    "            <sibling id='1' value='10'/>\n          </distances>\n"
    "          <cache level='1' associativity='full' policy='writeback'>\n"
    "            <size value='10' unit='KiB'/>\n            <line value='64' unit='B'/>\n"
    "          </cache>\n          <cpus",
    "</cells>\n      <interconnects>\n"
    "        <latency initiator='0' target='1' type='read' value='6'/>\n"
    "        <latency initiator='0' target='1' type='write' value='7'/>\n"
    "        <bandwidth initiator='0' target='1' type='read' value='205824' unit='KiB'/>\n"
    "        <bandwidth initiator='0' target='1' type='write' value='206848' unit='KiB'/>\n"
    "      </interconnects>",
  };

  put_all (t, base, files, G_N_ELEMENTS (files));
  caps = dc_host_caps_read (t->root, t->facts);
  xml = host_xml_with (t, caps, expected, G_N_ELEMENTS (expected));
  skipped = skipped_text (caps);
  g_assert_nonnull (strstr (skipped, "index2/indexing"));
  put (t, "sys/devices/system/node/node1/access1/initiators/read_latency", "9\n");
  again = dc_host_caps_read (t->root, t->facts);
  g_assert_false (dc_host_caps_equal (caps, again));
}

/* A root with nothing at all: an answer all the same. */
static void
test_empty_root (void)
{
  g_autofree char *root = g_dir_make_tmp ("dc-host-caps-XXXXXX", NULL);
  DcHostFacts facts = { .arch = (char *) "aarch64" };
  g_autoptr(DcHostCaps) caps = dc_host_caps_read (root, &facts);
  g_autoptr(GPtrArray) guests = g_ptr_array_new ();
  g_autoptr(DcCapsNode) model = dc_render_capabilities (caps, &facts, guests);
  g_autofree char *xml = dc_caps_to_xml (model, NULL);

  g_assert_cmpuint (caps->cells->len, ==, 1);
  g_assert_null (caps->uuid);
  g_assert_nonnull (strstr (xml, "<arch>aarch64</arch>"));
  g_assert_nonnull (strstr (xml, "<cells num='1'>"));
  g_assert_null (strstr (xml, "<uuid>"));
  g_assert_cmpint (g_rmdir (root), ==, 0);
}

static void
test_host_xml (void)
{
  g_autoptr(Tree) t = two_node_tree ();
  g_autoptr(DcHostCaps) caps = dc_host_caps_read (t->root, t->facts);
  g_autofree char *xml = NULL;
  static const char *const expected[] = {
    "<uuid>01234567-89ab-cdef-0123-456789abcdef</uuid>",
    "<signature family='6' model='85' stepping='7'/>",
    "<topology sockets='1' dies='1' clusters='1' cores='2' threads='2'/>",
    "<maxphysaddr mode='emulate' bits='46'/>",
    "<pages unit='KiB' size='2048'>256</pages>",
    "<sibling id='0' value='21'/>",
    "<cpu id='1' socket_id='0' die_id='0' cluster_id='0' core_id='1' siblings='1,3'/>",
    "<cpu id='3'/>",
    "<bank id='0' level='3' type='both' size='32' unit='MiB' cpus='0-3'/>",
    "<bank id='1' level='2' type='both' size='1' unit='MiB' cpus='1,3'/>",
    "<uri_transport>rdma</uri_transport>",
    "<model>none</model>",
    "<counter name='tsc' frequency='2000000000' scaling='no'/>",
  };

  caps->power = DC_HOST_PM_SUSPEND_MEM;
  caps->tsc_hz = 2000000000;
  xml = host_xml_with (t, caps, expected, G_N_ELEMENTS (expected));
  g_assert_nonnull (strstr (xml, "<power_management>\n      <suspend_mem/>"));
}

/* A CPUID recording (probes/dc-cpuid-read.h): @n leaves of
 * { leaf, subleaf, eax, ebx, ecx, edx }. */
static void
put_cpuid (Tree *t, const guint32 (*leaves)[6], gsize n)
{
  g_autofree char *path = g_build_filename (t->root, "dev", "cpu", "0", "cpuid", NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpint (pwrite (fd, &leaves[i][2], 16,
                             (off_t) (16 * (((guint64) leaves[i][1] << 32) | leaves[i][0]))),
                     ==, 16);
  close (fd);
}

/* The CPU's features by CPUID bit, in CPUID order; a leaf beyond the
 * highest of its range, or a subleaf of leaf 7 beyond the highest it
 * names, is not read (a CPU answers those with another leaf's bits). */
static void
test_cpuid (void)
{
  g_autoptr(Tree) t = two_node_tree ();
  static const guint32 leaves[][6] = {
    { 0, 0, 7, 0, 0, 0 },                          /* basic leaves up to 7 */
    { 1, 0, 0, 0, 1u << 31 | 1, 1 },               /* hypervisor, pni; fpu */
    { 7, 0, 0, 1u << 5, 0, 0 },                    /* avx2; no subleaf 1 */
    { 7, 1, 1u << 4, 0, 0, 0 },                    /* avx-vnni: not read */
    { 0xd, 1, 1, 0, 0, 0 },                        /* xsaveopt: not read */
    { 0x80000000, 0, 0x80000001, 0, 0, 0 },
    { 0x80000001, 0, 0, 0, 1, 0 },                 /* lahf_lm */
    { 0x80000007, 0, 0, 0, 0, 1u << 8 },           /* invtsc: not read */
  };
  g_autoptr(DcHostCaps) caps = NULL;
  g_autoptr(DcHostCaps) changed = NULL;
  g_autofree char *names = NULL;

  put_cpuid (t, leaves, G_N_ELEMENTS (leaves));
  caps = dc_host_caps_read (t->root, t->facts);
  g_ptr_array_add (caps->cpu_features, NULL);
  names = g_strjoinv (" ", (char **) caps->cpu_features->pdata);
  g_ptr_array_set_size (caps->cpu_features, caps->cpu_features->len - 1);
  g_assert_cmpstr (names, ==, "pni hypervisor fpu avx2 lahf_lm");
  put_cpuid (t, leaves, 2);
  changed = dc_host_caps_read (t->root, t->facts);
  g_assert_cmpuint (changed->cpu_features->len, ==, 3);
  g_assert_false (dc_host_caps_equal (caps, changed));
}

/* The vendor as libvirt 12 names it: Zhaoxin's CPUs say CentaurHauls. */
static void
test_vendor (void)
{
  g_autoptr(Tree) t = two_node_tree ();
  g_autoptr(DcHostCaps) caps = NULL;

  g_free (t->facts->cpu_vendor_id);
  t->facts->cpu_vendor_id = g_strdup ("CentaurHauls");
  caps = dc_host_caps_read (t->root, t->facts);
  g_assert_cmpstr (caps->vendor, ==, "Zhaoxin CentaurHauls");
  g_free (t->facts->cpu_vendor_id);
  t->facts->cpu_vendor_id = g_strdup ("  Shanghai  ");
  g_clear_pointer (&caps, dc_host_caps_free);
  caps = dc_host_caps_read (t->root, t->facts);
  g_assert_null (caps->vendor);
}

static void
test_equal (void)
{
  g_autoptr(Tree) t = two_node_tree ();
  g_autoptr(DcHostCaps) a = dc_host_caps_read (t->root, t->facts);
  g_autoptr(DcHostCaps) b = dc_host_caps_read (t->root, t->facts);
  g_autoptr(DcHostCaps) c = NULL;

  g_assert_true (dc_host_caps_equal (a, b));
  put (t, "sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages", "512\n");
  c = dc_host_caps_read (t->root, t->facts);
  g_assert_false (dc_host_caps_equal (a, c));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/host-caps/lists", test_lists);
  g_test_add_func ("/host-caps/pretty-size", test_pretty_size);
  g_test_add_func ("/host-caps/two-nodes", test_two_nodes);
  g_test_add_func ("/host-caps/no-numa", test_no_numa);
  g_test_add_func ("/host-caps/hostile-tree", test_hostile_tree);
  g_test_add_func ("/host-caps/empty-root", test_empty_root);
  g_test_add_func ("/host-caps/resctrl", test_resctrl);
  g_test_add_func ("/host-caps/hmat", test_hmat);
  g_test_add_func ("/host-caps/host-xml", test_host_xml);
  g_test_add_func ("/host-caps/equal", test_equal);
  g_test_add_func ("/host-caps/cpuid", test_cpuid);
  g_test_add_func ("/host-caps/vendor", test_vendor);
  return g_test_run ();
}
