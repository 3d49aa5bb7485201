/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of facts parsing, the renderer and the XML formatter, from
 * facts built here (so they do not depend on the QEMU installed). */
#include "config.h"

#include <string.h>

#include "dc-caps-xml.h"
#include "dc-facts-qmp.h"
#include "dc-qmp.h"
#include "dc-wire.h"
#include "dc-render.h"

static const char *const x86_types[] = {
  "iothread", "memory-backend-file", "memory-backend-ram",
  "memory-backend-memfd", "scsi-cd", "ide-cd", "isa-fdc", "scsi-block",
  "piix3-ide", "scsi-hd", "virtio-blk-pci", "virtio-blk-pci-transitional",
  "virtio-blk-pci-non-transitional", "usb-storage", "ich9-ahci", "VGA",
  "cirrus-vga", "vmware-svga", "qxl-vga", "virtio-gpu-pci", "bochs-display",
  "ramfb", "usb-host", "vfio-pci", "scsi-generic", "virtio-rng-pci",
  "virtio-rng-pci-transitional", "virtio-rng-pci-non-transitional",
  "rng-random", "rng-egd", "rng-builtin", "virtio-9p-pci",
  "vhost-user-fs-pci", "tpm-tis", "tpm-crb", "usb-redir", "vmcoreinfo",
  "vmgenid", NULL
};

static DcMachine *
add_machine (DcEmulatorFacts *facts, const char *name, const char *alias,
             guint cpu_max, gboolean is_default)
{
  DcMachine *machine = g_new0 (DcMachine, 1);

  machine->name = g_strdup (name);
  machine->alias = g_strdup (alias);
  machine->cpu_max = cpu_max;
  machine->is_default = is_default;
  g_ptr_array_add (facts->machines, machine);
  return machine;
}

static DcEmulatorFacts *
x86_facts (void)
{
  DcEmulatorFacts *facts = dc_emulator_facts_new ();
  const char *display[] = { "none", "sdl", "egl-headless", "dbus", NULL };
  const char *chardev[] = { "pty", "socket", "spicevmc", NULL };

  facts->path = g_strdup ("/usr/bin/qemu-system-x86_64");
  facts->arch = g_strdup ("x86_64");
  facts->target = g_strdup ("x86_64");
  facts->version = g_strdup ("7.2.0");
  g_hash_table_add (facts->options, g_strdup ("spice.port"));
  for (guint i = 0; x86_types[i]; i++)
    g_hash_table_add (facts->qom_types, g_strdup (x86_types[i]));
  for (const char *const *c = (const char *const[]) { "query-vnc", "query-spice",
         "blockdev-add", "blockdev-backup", "block-dirty-bitmap-merge", NULL };
       *c; c++)
    g_hash_table_add (facts->commands, g_strdup (*c));
  g_hash_table_insert (facts->schema_enums, g_strdup (DC_SCHEMA_DISPLAY_TYPES),
                       g_strdupv ((char **) display));
  g_hash_table_insert (facts->schema_enums, g_strdup (DC_SCHEMA_CHARDEV_BACKENDS),
                       g_strdupv ((char **) chardev));
  g_hash_table_add (facts->tpm_types, g_strdup ("passthrough"));
  g_hash_table_add (facts->tpm_types, g_strdup ("emulator"));
  add_machine (facts, "pc-i440fx-7.2", "pc", 255, TRUE);
  add_machine (facts, "pc-q35-7.2", "q35", 288, FALSE);
  add_machine (facts, "pseries-7.2", "pseries", 1024, FALSE);
  facts->kvm = TRUE;
  facts->tcg = TRUE;
  return facts;
}

static DcHostFacts
plain_host (void)
{
  DcHostFacts host = { 0 };

  host.arch = (char *) "x86_64";
  host.kvm_usable = TRUE;
  host.swtpm_tpm20 = TRUE;
  host.swtpm_tpm12 = TRUE;
  return host;
}

static DcCapsNode *
render (const DcEmulatorFacts *facts, const DcHostFacts *host,
        const char *machine, const char *virttype)
{
  const DcRenderQuery query = { facts->arch,
                                dc_emulator_facts_find_machine (facts, machine),
                                virttype };
  g_assert_nonnull (query.machine);
  g_autoptr(GPtrArray) firmware = g_ptr_array_new ();

  return dc_render (facts, host, firmware, &query);
}

/* "a,b,c": the values of enum @name under the node at @path ("devices/disk"). */
static char *
enum_values (const DcCapsNode *root, const char *path, const char *name)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  const DcCapsNode *node = root;
  GString *out = g_string_new (NULL);

  for (guint i = 0; parts[i]; i++)
    {
      node = dc_caps_node_find (node, parts[i]);
      g_assert_nonnull (node);
    }
  for (guint i = 0; i < node->children->len; i++)
    {
      const DcCapsNode *e = g_ptr_array_index (node->children, i);
      if (!g_str_equal (e->name, "enum") ||
          !g_str_equal (dc_caps_node_get_attr (e, "name"), name))
        continue;
      for (guint v = 0; v < e->children->len; v++)
        {
          const DcCapsNode *value = g_ptr_array_index (e->children, v);
          g_string_append_printf (out, "%s%s", out->len ? "," : "", value->text);
        }
      return g_string_free (out, FALSE);
    }
  g_string_free (out, TRUE);
  return NULL;
}

static const char *
supported (const DcCapsNode *root, const char *parent, const char *name)
{
  const DcCapsNode *node = parent ? dc_caps_node_find (root, parent) : root;

  node = dc_caps_node_find (node, name);
  g_assert_nonnull (node);
  return dc_caps_node_get_attr (node, "supported");
}

static void
test_disk_per_machine (void)
{
  g_autoptr(DcEmulatorFacts) facts = x86_facts ();
  DcHostFacts host = plain_host ();
  g_autoptr(DcCapsNode) pc = render (facts, &host, "pc", "kvm");
  g_autoptr(DcCapsNode) q35 = render (facts, &host, "q35", "kvm");
  g_autoptr(DcCapsNode) pseries = render (facts, &host, "pseries", "qemu");
  g_autofree char *pc_bus = enum_values (pc, "devices/disk", "bus");
  g_autofree char *q35_bus = enum_values (q35, "devices/disk", "bus");
  g_autofree char *ps_bus = enum_values (pseries, "devices/disk", "bus");
  g_autofree char *ps_dev = enum_values (pseries, "devices/disk", "diskDevice");
  g_autofree char *model = enum_values (pc, "devices/disk", "model");

  g_assert_cmpstr (pc_bus, ==, "ide,fdc,scsi,virtio,usb,sata");
  g_assert_cmpstr (q35_bus, ==, "fdc,scsi,virtio,usb,sata");
  /* pseries has no ISA bus: no floppy even though isa-fdc is built in. */
  g_assert_cmpstr (ps_bus, ==, "scsi,virtio,usb,sata");
  g_assert_cmpstr (ps_dev, ==, "disk,cdrom,lun");
  g_assert_cmpstr (model, ==, "virtio,virtio-transitional,virtio-non-transitional");
}

static void
test_vcpu_capped_by_kvm (void)
{
  g_autoptr(DcEmulatorFacts) facts = x86_facts ();
  DcHostFacts host = plain_host ();
  g_autoptr(DcCapsNode) kvm = NULL;
  g_autoptr(DcCapsNode) tcg = NULL;

  host.kvm_max_vcpus = 100;
  kvm = render (facts, &host, "q35", "kvm");
  tcg = render (facts, &host, "q35", "qemu");
  g_assert_cmpstr (dc_caps_node_get_attr (dc_caps_node_find (kvm, "vcpu"), "max"), ==, "100");
  g_assert_cmpstr (dc_caps_node_get_attr (dc_caps_node_find (tcg, "vcpu"), "max"), ==, "288");
}

static void
test_host_dependent (void)
{
  g_autoptr(DcEmulatorFacts) facts = x86_facts ();
  DcHostFacts host = plain_host ();
  g_autoptr(DcCapsNode) without = render (facts, &host, "pc", "kvm");
  g_autoptr(DcCapsNode) with = NULL;
  g_autofree char *none = enum_values (without, "devices/hostdev", "pciBackend");
  g_autofree char *vfio = NULL;
  g_autofree char *versions = NULL;

  host.vfio = TRUE;
  host.swtpm_tpm12 = FALSE;
  with = render (facts, &host, "pc", "kvm");
  vfio = enum_values (with, "devices/hostdev", "pciBackend");
  versions = enum_values (with, "devices/tpm", "backendVersion");
  g_assert_cmpstr (none, ==, "");
  g_assert_cmpstr (vfio, ==, "default,vfio");
  g_assert_cmpstr (versions, ==, "2.0");
}

static void
test_missing_devices_unsupported (void)
{
  g_autoptr(DcEmulatorFacts) facts = x86_facts ();
  DcHostFacts host = plain_host ();
  g_autoptr(DcCapsNode) root = NULL;
  const DcCapsNode *tpm;

  g_hash_table_remove (facts->qom_types, "tpm-tis");
  g_hash_table_remove (facts->qom_types, "tpm-crb");
  g_hash_table_remove (facts->qom_types, "usb-redir");
  g_hash_table_remove (facts->qom_types, "vmgenid");
  root = render (facts, &host, "pc", "qemu");
  tpm = dc_caps_node_find (dc_caps_node_find (root, "devices"), "tpm");
  g_assert_cmpstr (dc_caps_node_get_attr (tpm, "supported"), ==, "no");
  g_assert_cmpuint (tpm->children->len, ==, 0);
  g_assert_cmpstr (supported (root, "devices", "redirdev"), ==, "no");
  g_assert_cmpstr (supported (root, "features", "genid"), ==, "no");
  g_assert_cmpstr (supported (root, "features", "vmcoreinfo"), ==, "yes");
}

static const DcReason *
find_reason (GPtrArray *reasons, const char *path)
{
  for (guint i = 0; i < reasons->len; i++)
    if (g_str_equal (((DcReason *) g_ptr_array_index (reasons, i))->path, path))
      return g_ptr_array_index (reasons, i);
  g_error ("no reason for %s", path);
}

/* The renderer says why, as it decides, and explaining changes nothing
 * in the answer. */
static void
test_reasons (void)
{
  g_autoptr(DcEmulatorFacts) facts = x86_facts ();
  DcHostFacts host = plain_host ();
  const DcRenderQuery query = { "x86_64", dc_emulator_facts_find_machine (facts, "q35"),
                                "qemu" };
  g_autoptr(GPtrArray) firmware = g_ptr_array_new ();
  g_autoptr(GPtrArray) reasons = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_reason_free);
  g_autoptr(DcCapsNode) plain = NULL;
  g_autoptr(DcCapsNode) explained = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  const DcReason *r;

  g_hash_table_remove (facts->qom_types, "usb-redir");
  g_hash_table_remove (facts->qom_types, "iothread");
  host.swtpm_tpm12 = FALSE;
  host.swtpm = TRUE;
  plain = dc_render (facts, &host, firmware, &query);
  explained = dc_render_explained (facts, &host, firmware, &query, reasons);
  a = dc_caps_to_xml (plain, NULL);
  b = dc_caps_to_xml (explained, NULL);
  g_assert_cmpstr (a, ==, b);

  r = find_reason (reasons, "iothreads");
  g_assert_cmpstr (r->state, ==, DC_REASON_UNSUPPORTED);
  g_assert_cmpstr (r->code, ==, "qemu-lacks-type");
  g_assert_cmpstr (r->facts, ==, "qom-type:iothread");
  r = find_reason (reasons, "devices/redirdev/enum[bus]/usb");
  g_assert_cmpstr (r->state, ==, DC_REASON_ABSENT);
  r = find_reason (reasons, "devices/redirdev");
  g_assert_cmpstr (r->code, ==, "no-values");
  r = find_reason (reasons, "devices/tpm/enum[backendVersion]/1.2");
  g_assert_cmpstr (r->code, ==, "swtpm-lacks-version");
  r = find_reason (reasons, "cpu/mode[host-passthrough]");
  g_assert_cmpstr (r->code, ==, "needs-kvm");
  r = find_reason (reasons, "devices/hostdev/enum[pciBackend]/vfio");
  g_assert_cmpstr (r->code, ==, "host-lacks-vfio");
  r = find_reason (reasons, "os/enum[firmware]/efi");
  g_assert_cmpstr (r->code, ==, "no-firmware");
  g_assert_true (strstr (r->message, "pc-q35-7.2") != NULL);
}

/* Every enum of an x86 answer, as "path=values", in document order. */
static void
collect_enums (const DcCapsNode *node, GString *out)
{
  if (g_str_equal (node->name, "enum"))
    {
      g_autofree char *path = dc_caps_node_path (node, NULL);
      g_string_append_printf (out, "%s=", path);
      for (guint v = 0; v < node->children->len; v++)
        g_string_append_printf (out, "%s%s", v ? "," : "",
                                ((DcCapsNode *) g_ptr_array_index (node->children, v))->text);
      g_string_append_c (out, '\n');
      return;
    }
  for (guint i = 0; i < node->children->len; i++)
    collect_enums (g_ptr_array_index (node->children, i), out);
}

/* Each value below follows from one fact of x86_facts() (its QOM types,
 * commands, schema enums and TPM backends) and plain_host(), read off
 * docs/architecture.md's tables by hand, not from the renderer's output:
 * a rule table that loses or gains a row fails here, by name. */
static const char *const x86_q35_kvm_enums =
  "os/enum[firmware]=\n"                 /* no firmware descriptors given */
  "os/firmwareFeatures/enum[secureBoot]=\n"
  "os/firmwareFeatures/enum[enrolledKeys]=\n"
  "os/loader/enum[type]=rom\n"
  "os/loader/enum[readonly]=yes,no\n"
  "os/loader/enum[secure]=no\n"
  "cpu/mode[host-passthrough]/enum[hostPassthroughMigratable]=off\n" /* no host type facts */
  "memoryBacking/enum[sourceType]=file,anonymous,memfd\n"
  "devices/disk/enum[diskDevice]=disk,cdrom,floppy,lun\n"
  "devices/disk/enum[bus]=fdc,scsi,virtio,usb,sata\n"
  "devices/disk/enum[model]=virtio,virtio-transitional,virtio-non-transitional\n"
  "devices/graphics/enum[type]=sdl,vnc,spice,egl-headless,dbus\n"
  "devices/video/enum[modelType]=vga,cirrus,vmvga,qxl,virtio,none,bochs,ramfb\n"
  "devices/hostdev/enum[mode]=subsystem\n"
  "devices/hostdev/enum[startupPolicy]=default,mandatory,requisite,optional\n"
  "devices/hostdev/enum[subsysType]=usb,pci,scsi\n"
  "devices/hostdev/enum[capsType]=\n"
  "devices/hostdev/enum[pciBackend]=\n"
  "devices/hostdev/enum[iommufd]=no\n"
  "devices/rng/enum[model]=virtio,virtio-transitional,virtio-non-transitional\n"
  "devices/rng/enum[backendModel]=random,egd,builtin\n"
  "devices/filesystem/enum[driverType]=path,virtiofs\n"
  "devices/tpm/enum[model]=tpm-tis,tpm-crb\n"
  "devices/tpm/enum[backendModel]=passthrough,emulator,external\n"
  "devices/tpm/enum[backendVersion]=1.2,2.0\n"
  "devices/redirdev/enum[bus]=usb\n"
  "devices/channel/enum[type]=pty,unix,spicevmc\n"
  /* crypto: no virtio-crypto type, supported='no' with no enums */
  "devices/interface/enum[backendType]=default\n"
  "devices/panic/enum[model]=hyperv\n"
  "devices/console/enum[type]=pty,tcp,unix,spicevmc\n"   /* isa needs QOM pvpanic */
  "features/hyperv/enum[features]=spinlocks,vendor_id\n";

static void
test_every_enum_x86 (void)
{
  g_autoptr(DcEmulatorFacts) facts = x86_facts ();
  DcHostFacts host = plain_host ();
  g_autoptr(DcCapsNode) q35 = render (facts, &host, "q35", "kvm");
  g_autoptr(GString) enums = g_string_new (NULL);

  collect_enums (q35, enums);
  g_assert_cmpstr (enums->str, ==, x86_q35_kvm_enums);
}

/* docs/architecture.md carries the rule tables as the code has them. */
static void
test_rules_documented (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "docs",
                                                 "architecture.md", NULL);
  g_autofree char *doc = NULL;
  g_autofree char *table = dc_render_rules_markdown ();
  const char *begin, *end;
  g_autofree char *documented = NULL;

  g_assert_true (g_file_get_contents (path, &doc, NULL, NULL));
  begin = strstr (doc, "<!-- rules:begin -->\n");
  end = begin ? strstr (begin, "<!-- rules:end -->") : NULL;
  g_assert_nonnull (end);
  begin += strlen ("<!-- rules:begin -->\n");
  documented = g_strndup (begin, end - begin);
  if (!g_str_equal (documented, table))
    {
      /* g_test_fail(), not g_error(): the tests after this one still run */
      g_test_message ("docs/architecture.md's rule table is not the code's; it should read:\n%s",
                      table);
      g_test_fail ();
    }
}

/* Hyper-V enlightenments: QEMU's own always, KVM's as it passes them
 * through (libvirt 11 lists emsr_bitmap and xmm_input too). */
static void
test_hyperv (void)
{
  g_autoptr(DcEmulatorFacts) facts = x86_facts ();
  DcHostFacts host = plain_host ();
  g_autoptr(DcCapsNode) kvm = NULL;
  g_autoptr(DcCapsNode) tcg = NULL;
  g_autofree char *with_kvm = NULL;

  g_hash_table_add (facts->hyperv, g_strdup ("hv-relaxed"));
  g_hash_table_add (facts->hyperv, g_strdup ("hv-emsr-bitmap"));
  g_hash_table_add (facts->hyperv, g_strdup ("hv-xmm-input"));
  kvm = render (facts, &host, "q35", "kvm");
  tcg = render (facts, &host, "q35", "qemu");
  with_kvm = enum_values (kvm, "features/hyperv", "features");
  g_assert_cmpstr (with_kvm, ==, "relaxed,spinlocks,vendor_id,emsr_bitmap,xmm_input");
  /* no <hyperv> at all without KVM, as libvirt 12 */
  g_assert_null (dc_caps_node_at (tcg, "features/hyperv"));
}

static DcCpuDefinition *
add_definition (DcCpuFacts *cpu, const char *name, const char *blockers,
                gboolean deprecated)
{
  DcCpuDefinition *def = g_new0 (DcCpuDefinition, 1);

  def->name = g_strdup (name);
  def->type_name = g_strdup_printf ("%s-x86_64-cpu", name);
  def->deprecated = deprecated;
  def->usable_known = blockers != NULL;
  def->blockers = blockers && *blockers ? g_strsplit (blockers, ",", -1)
                                        : g_new0 (char *, 1);
  g_ptr_array_add (cpu->definitions, def);
  return def;
}

static const DcCapsNode *
cpu_mode (const DcCapsNode *root, const char *name)
{
  const DcCapsNode *cpu = dc_caps_node_find (root, "cpu");

  for (guint i = 0; i < cpu->children->len; i++)
    {
      const DcCapsNode *mode = g_ptr_array_index (cpu->children, i);
      if (g_str_equal (dc_caps_node_get_attr (mode, "name"), name))
        return mode;
    }
  g_assert_not_reached ();
}

/* Modes from CPU definitions alone: no host expansion means no
 * host-model; usable, deprecated, canonical and blockers come from QEMU's
 * list; host, max and base are modes, not models; each model's blockers
 * follow it. */
/* Facts with CPU definitions for both accelerators. */
static DcEmulatorFacts *
cpu_facts (void)
{
  DcEmulatorFacts *facts = x86_facts ();

  facts->cpu_tcg = dc_cpu_facts_new ();
  facts->cpu_kvm = dc_cpu_facts_new ();
  add_definition (facts->cpu_tcg, "max", "", FALSE);
  add_definition (facts->cpu_tcg, "Old", NULL, TRUE);
  add_definition (facts->cpu_kvm, "host", "", FALSE);
  add_definition (facts->cpu_kvm, "base", "", FALSE);
  add_definition (facts->cpu_kvm, "Broadwell", "hle,tsc-adjust", FALSE)->alias_of =
    g_strdup ("Broadwell-v1");
  add_definition (facts->cpu_kvm, "Broadwell-v1", "hle", FALSE);
  /* an old revision of a deprecated model: the alias stays, no canonical */
  add_definition (facts->cpu_kvm, "Icelake-Client", "", TRUE)->alias_of =
    g_strdup ("Icelake-Client-v1");
  add_definition (facts->cpu_kvm, "Icelake-Client-v1", "", TRUE);
  facts->cpu_kvm->host_migratable = TRUE;
  facts->cpu_tcg->max_migratable = FALSE;
  return facts;
}

static void
test_cpu_modes (void)
{
  g_autoptr(DcEmulatorFacts) facts = cpu_facts ();
  DcHostFacts host = plain_host ();
  g_autoptr(DcCapsNode) kvm = render (facts, &host, "pc", "kvm");
  g_autoptr(DcCapsNode) qemu = render (facts, &host, "pc", "qemu");
  const DcCapsNode *custom, *model;

  g_assert_cmpstr (dc_caps_node_get_attr (cpu_mode (kvm, "host-passthrough"), "supported"), ==, "yes");
  g_assert_cmpstr (dc_caps_node_get_attr (cpu_mode (qemu, "host-passthrough"), "supported"), ==, "no");
  g_assert_cmpstr (dc_caps_node_get_attr (cpu_mode (kvm, "maximum"), "supported"), ==, "no");
  g_assert_cmpstr (dc_caps_node_get_attr (cpu_mode (qemu, "host-model"), "supported"), ==, "no");
  custom = cpu_mode (kvm, "custom");
  g_assert_cmpuint (custom->children->len, ==, 5);   /* 3 models, 2 blockers */
  model = g_ptr_array_index (custom->children, 0);
  g_assert_cmpstr (model->text, ==, "Broadwell");
  g_assert_cmpstr (dc_caps_node_get_attr (model, "usable"), ==, "no");
  g_assert_cmpstr (dc_caps_node_get_attr (model, "vendor"), ==, "unknown");
  g_assert_cmpstr (dc_caps_node_get_attr (model, "canonical"), ==, "Broadwell-v1");
  model = g_ptr_array_index (custom->children, 1);
  g_assert_cmpstr (model->name, ==, "blockers");
  g_assert_cmpstr (dc_caps_node_get_attr (model, "model"), ==, "Broadwell");
  g_assert_cmpstr (dc_caps_node_get_attr (g_ptr_array_index (model->children, 1), "name"),
                   ==, "tsc_adjust");
  model = g_ptr_array_index (custom->children, 2);
  g_assert_cmpstr (model->text, ==, "Broadwell-v1");
  g_assert_null (dc_caps_node_get_attr (model, "canonical"));
  /* one blocker ("hle") is enough to make a model unusable */
  g_assert_cmpstr (dc_caps_node_get_attr (model, "usable"), ==, "no");
  model = g_ptr_array_index (custom->children, 3);
  g_assert_cmpstr (dc_caps_node_get_attr (model, "model"), ==, "Broadwell-v1");
  model = g_ptr_array_index (custom->children, 4);
  g_assert_cmpstr (model->text, ==, "Icelake-Client");
  g_assert_cmpstr (dc_caps_node_get_attr (model, "deprecated"), ==, "yes");
  g_assert_null (dc_caps_node_get_attr (model, "canonical"));
  /* no blocker: usable */
  g_assert_cmpstr (dc_caps_node_get_attr (model, "usable"), ==, "yes");
  model = g_ptr_array_index (cpu_mode (qemu, "custom")->children, 0);
  g_assert_cmpstr (model->text, ==, "Old");
  g_assert_cmpstr (dc_caps_node_get_attr (model, "usable"), ==, "unknown");
  g_assert_cmpstr (dc_caps_node_get_attr (model, "deprecated"), ==, "yes");
}

/* max is a model everywhere but on x86, as libvirt 11 lists it. */
static void
test_cpu_max_model (void)
{
  g_autoptr(DcEmulatorFacts) facts = cpu_facts ();
  DcHostFacts host = plain_host ();
  g_autoptr(DcCapsNode) qemu = NULL;
  const DcCapsNode *model;

  g_free (facts->arch);
  facts->arch = g_strdup ("s390x");
  qemu = render (facts, &host, "pc", "qemu");
  model = g_ptr_array_index (cpu_mode (qemu, "custom")->children, 0);
  g_assert_cmpstr (model->text, ==, "max");
  g_assert_cmpstr (dc_caps_node_get_attr (model, "vendor"), ==, "unknown");
  model = g_ptr_array_index (cpu_mode (qemu, "custom")->children, 1);
  g_assert_cmpstr (model->text, ==, "Old");
  g_assert_cmpstr (dc_caps_node_get_attr (model, "vendor"), ==, "IBM");
}

/* PowerPC: the POWER families on ppc64, as libvirt writes them; no
 * custom models on 32-bit ppc. */
static void
test_power_models (void)
{
  g_autoptr(DcEmulatorFacts) facts = x86_facts ();
  DcHostFacts host = plain_host ();
  g_autoptr(DcCapsNode) ppc64 = NULL;
  g_autoptr(DcCapsNode) ppc = NULL;
  const DcCapsNode *custom, *model;

  facts->cpu_tcg = dc_cpu_facts_new ();
  for (const char *const *m = (const char *const[]) { "power9_v2.2", "power9", "970fx_v3.1",
         "power10", "power7+", NULL }; *m; m++)
    add_definition (facts->cpu_tcg, *m, NULL, FALSE);
  g_free (facts->arch);
  facts->arch = g_strdup ("ppc64");
  ppc64 = render (facts, &host, "pc", "qemu");
  custom = cpu_mode (ppc64, "custom");
  g_assert_cmpuint (custom->children->len, ==, 2);
  model = g_ptr_array_index (custom->children, 0);
  g_assert_cmpstr (model->text, ==, "POWER9");
  g_assert_cmpstr (dc_caps_node_get_attr (model, "vendor"), ==, "IBM");
  model = g_ptr_array_index (custom->children, 1);
  g_assert_cmpstr (model->text, ==, "POWER10");
  g_free (facts->arch);
  facts->arch = g_strdup ("ppc");
  ppc = render (facts, &host, "pc", "qemu");
  g_assert_cmpstr (dc_caps_node_get_attr (cpu_mode (ppc, "custom"), "supported"), ==, "no");
}

static void
test_graphics_and_channel (void)
{
  g_autoptr(DcEmulatorFacts) facts = x86_facts ();
  DcHostFacts host = plain_host ();
  g_autoptr(DcCapsNode) root = render (facts, &host, "pc", "kvm");
  g_autoptr(DcCapsNode) with_rdp = NULL, without_spice = NULL;
  g_autofree char *graphics = enum_values (root, "devices/graphics", "type");
  g_autofree char *channel = enum_values (root, "devices/channel", "type");
  g_autofree char *rdp = NULL, *no_spice = NULL, *no_spicevmc = NULL;

  g_assert_cmpstr (graphics, ==, "sdl,vnc,spice,egl-headless,dbus");
  g_assert_cmpstr (channel, ==, "pty,unix,spicevmc");
  /* rdp: the D-Bus display and libvirt's qemu-rdp helper on the host */
  host.qemu_rdp = TRUE;
  with_rdp = render (facts, &host, "pc", "kvm");
  rdp = enum_values (with_rdp, "devices/graphics", "type");
  g_assert_cmpstr (rdp, ==, "sdl,vnc,rdp,spice,egl-headless,dbus");
  /* a build whose spice module is not installed has no -spice option */
  g_hash_table_remove_all (facts->options);
  without_spice = render (facts, &host, "pc", "kvm");
  no_spice = enum_values (without_spice, "devices/graphics", "type");
  no_spicevmc = enum_values (without_spice, "devices/channel", "type");
  g_assert_cmpstr (no_spice, ==, "sdl,vnc,rdp,egl-headless,dbus");
  g_assert_cmpstr (no_spicevmc, ==, "pty,unix");
}

/* libvirt 11's elements, each from its fact: crypto from QOM types,
 * passt from the netdev enum, panic per arch and machine, async-teardown
 * from the command line, ps2 from the pc machine's i8042, launchSecurity
 * from the SEV decisions. */
static void
test_libvirt_11_elements (void)
{
  g_autoptr(DcEmulatorFacts) facts = x86_facts ();
  DcHostFacts host = plain_host ();
  g_autoptr(DcCapsNode) before = render (facts, &host, "pc", "kvm");
  g_autoptr(DcCapsNode) after = NULL;
  g_autofree char *panic = NULL, *crypto = NULL, *backends = NULL;
  g_autofree char *sectypes = NULL, *netdevs = NULL;
  const char *netdev[] = { "user", "stream", NULL };

  g_assert_cmpstr (supported (before, "devices", "crypto"), ==, "no");
  g_assert_cmpstr (supported (before, "devices", "panic"), ==, "yes");   /* hyperv */
  g_assert_cmpstr (supported (before, "features", "async-teardown"), ==, "no");
  g_assert_cmpstr (supported (before, "features", "ps2"), ==, "no");
  g_assert_cmpstr (supported (before, "features", "launchSecurity"), ==, "no");
  netdevs = enum_values (before, "devices/interface", "backendType");
  g_assert_cmpstr (netdevs, ==, "default");
  for (const char *const *t = (const char *const[]) { "virtio-crypto-pci", "pvpanic",
         "pvpanic-pci", "cryptodev-backend-builtin", "sev-guest", "sev-snp-guest", NULL };
       *t; t++)
    g_hash_table_add (facts->qom_types, g_strdup (*t));
  g_hash_table_add (facts->options, g_strdup ("run-with.async-teardown"));
  g_hash_table_add (facts->pc_machine_properties, g_strdup ("i8042"));
  g_hash_table_insert (facts->schema_enums, g_strdup (DC_SCHEMA_NETDEV_TYPES),
                       g_strdupv ((char **) netdev));
  facts->sev.present = TRUE;
  host.sev = host.sev_snp = TRUE;
  after = render (facts, &host, "pc", "kvm");
  crypto = enum_values (after, "devices/crypto", "model");
  backends = enum_values (after, "devices/crypto", "backendModel");
  panic = enum_values (after, "devices/panic", "model");
  sectypes = enum_values (after, "features/launchSecurity", "sectype");
  g_free (netdevs);
  netdevs = enum_values (after, "devices/interface", "backendType");
  g_assert_cmpstr (crypto, ==, "virtio");
  g_assert_cmpstr (backends, ==, "builtin");
  g_assert_cmpstr (panic, ==, "isa,hyperv,pvpanic");
  g_assert_cmpstr (netdevs, ==, "default,passt");
  g_assert_cmpstr (sectypes, ==, "sev,sev-snp");
  g_assert_cmpstr (supported (after, "features", "async-teardown"), ==, "yes");
  g_assert_cmpstr (supported (after, "features", "ps2"), ==, "yes");
}

static void
test_xml_layout (void)
{
  g_autoptr(DcCapsNode) root = dc_caps_node_new ("domainCapabilities");
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  DcCapsNode *hostdev;

  dc_caps_node_add_text (root, "path", "/opt/a&b/qemu");
  hostdev = dc_caps_node_add_supported (root, "hostdev", TRUE);
  dc_caps_enum_add (dc_caps_node_add_enum (hostdev, "mode"), "subsystem");
  dc_caps_node_add_enum (hostdev, "capsType");
  xml = dc_caps_to_xml (root, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (xml, ==,
                   "<domainCapabilities>\n"
                   "  <path>/opt/a&amp;b/qemu</path>\n"
                   "  <hostdev supported='yes'>\n"
                   "    <enum name='mode'>\n"
                   "      <value>subsystem</value>\n"
                   "    </enum>\n"
                   "    <enum name='capsType'/>\n"
                   "  </hostdev>\n"
                   "</domainCapabilities>\n");
}

/* ---- facts from replies ---- */

static JsonNode *
json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static void
add_reply (GPtrArray *exchanges, const char *command, const char *ret)
{
  g_autoptr(JsonNode) node = ret ? json (ret) : NULL;

  g_ptr_array_add (exchanges,
                   dc_qmp_exchange_new_answered (command, NULL, node,
                                                 ret ? NULL : "CommandNotFound",
                                                 ret ? NULL : "no such command"));
}

static GPtrArray *
replies_with (const char *target, const char *machines, const char *types)
{
  GPtrArray *ex = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_qmp_exchange_free);
  g_autofree char *target_reply = g_strdup_printf ("{\"arch\": \"%s\"}", target);

  add_reply (ex, "query-version", "{\"qemu\": {\"major\": 7, \"minor\": 2, \"micro\": 1}, \"package\": \" Debian \"}");
  add_reply (ex, "query-target", target_reply);
  add_reply (ex, "query-machines", machines);
  add_reply (ex, "qom-list-types", types);
  add_reply (ex, "query-qmp-schema",
             "[{\"name\": \"query-display-options\", \"meta-type\": \"command\", \"ret-type\": \"1\"},"
             " {\"name\": \"1\", \"meta-type\": \"object\", \"members\": [{\"name\": \"type\", \"type\": \"2\"}]},"
             " {\"name\": \"2\", \"meta-type\": \"enum\", \"values\": [\"sdl\", \"dbus\"]}]");
  add_reply (ex, "query-tpm-models", NULL);
  add_reply (ex, "query-tpm-types", "[\"emulator\"]");
  return ex;
}

static GPtrArray *
i386_replies_with_machines (const char *machines)
{
  return replies_with ("i386", machines, "[{\"name\": \"VGA\"}, {\"name\": 5}, \"x\"]");
}

static GPtrArray *
i386_replies (void)
{
  return i386_replies_with_machines (
      "[{\"name\": \"pc-i440fx-7.2\", \"alias\": \"pc\", \"is-default\": true, \"cpu-max\": 255},"
      " {\"name\": \"none\", \"cpu-max\": 1},"
      " {\"name\": \"isapc\", \"cpu-max\": \"lots\"},"
      " {\"alias\": \"nameless\"}, 42]");
}

/* query-machines' acpi (QEMU 8.0+): false is a machine without ACPI;
 * absent or of another type says nothing, as before 8.0. */
static void
test_machine_acpi (void)
{
  g_autoptr(GPtrArray) ex = i386_replies_with_machines (
      "[{\"name\": \"pc-i440fx-7.2\", \"alias\": \"pc\", \"cpu-max\": 255, \"acpi\": true},"
      " {\"name\": \"isapc\", \"cpu-max\": 1, \"acpi\": false},"
      " {\"name\": \"lying\", \"cpu-max\": 1, \"acpi\": \"no\"},"
      " {\"name\": \"old\", \"cpu-max\": 1}]");
  g_autoptr(GError) error = NULL;
  g_autoptr(DcEmulatorFacts) facts =
      dc_emulator_facts_from_replies ("/x/qemu-system-i386", ex, NULL, NULL, "", &error);

  g_assert_no_error (error);
  g_assert_false (dc_emulator_facts_find_machine (facts, "pc")->no_acpi);
  g_assert_true (dc_emulator_facts_find_machine (facts, "isapc")->no_acpi);
  g_assert_false (dc_emulator_facts_find_machine (facts, "lying")->no_acpi);
  g_assert_false (dc_emulator_facts_find_machine (facts, "old")->no_acpi);
}

static char *
arch_of (const char *target, const char *types)
{
  g_autoptr(GPtrArray) ex = replies_with (target, "[{\"name\": \"malta\", \"cpu-max\": 16}]",
                                          types);
  g_autoptr(GError) error = NULL;
  g_autoptr(DcEmulatorFacts) facts =
      dc_emulator_facts_from_replies ("/x/qemu-system-x", ex, NULL, NULL, "", &error);

  g_assert_no_error (error);
  return g_strdup (facts->arch);
}

/* QEMU 11.1's query-target names the family for both byte orders; the
 * target-info type names the binary's own target. A type of another
 * family, or one beside the family's own, changes nothing. */
static void
test_target_byte_order (void)
{
  static const struct { const char *target, *types, *arch; } cases[] = {
    { "mips", "[{\"name\": \"target-info-mipsel\"}]", "mipsel" },
    { "mips64", "[{\"name\": \"target-info-mips64el\"}]", "mips64el" },
    { "sh4", "[{\"name\": \"target-info-sh4eb\"}]", "sh4eb" },
    { "xtensa", "[{\"name\": \"target-info-xtensaeb\"}]", "xtensaeb" },
    { "mips", "[{\"name\": \"target-info-mips\"}]", "mips" },
    { "mipsel", "[]", "mipsel" },                       /* QEMU 10 says it itself */
    { "ppc64", "[{\"name\": \"target-info-ppc64\"}]", "ppc64" },
    { "mips", "[{\"name\": \"target-info-x86_64\"}]", "mips" },
    { "mips", "[{\"name\": \"target-info-mips\"}, {\"name\": \"target-info-mipsel\"}]", "mips" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *arch = arch_of (cases[i].target, cases[i].types);

      g_assert_cmpstr (arch, ==, cases[i].arch);
    }
}

static void
test_facts_from_replies (void)
{
  g_autoptr(GPtrArray) tcg = i386_replies ();
  g_autoptr(GError) error = NULL;
  g_autoptr(DcEmulatorFacts) facts = NULL;

  /* a cpu-max of the wrong type is no number: that machine goes, with a
   * warning naming it */
  facts = dc_emulator_facts_from_replies ("/x/qemu-system-i386", tcg, NULL, NULL,
                                          "no kvm here", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (facts->arch, ==, "i686");
  g_assert_cmpstr (facts->version, ==, "7.2.1");
  g_assert_cmpstr (facts->package, ==, "Debian");
  /* "none" is not a machine a domain can use; a nameless entry is dropped,
   * and so is isapc, whose cpu-max is "lots" */
  g_assert_cmpuint (facts->machines->len, ==, 1);
  g_assert_cmpstr (dc_emulator_facts_default_machine (facts)->name, ==, "pc-i440fx-7.2");
  g_assert_cmpstr (dc_emulator_facts_find_machine (facts, "pc")->name, ==, "pc-i440fx-7.2");
  g_assert_null (dc_emulator_facts_find_machine (facts, "q35"));
  g_assert_null (dc_emulator_facts_find_machine (facts, "isapc"));
  g_assert_true (dc_emulator_facts_has_type (facts, "VGA"));
  g_assert_true (dc_emulator_facts_has_command (facts, "query-display-options"));
  g_assert_true (dc_emulator_facts_schema_has (facts, DC_SCHEMA_DISPLAY_TYPES, "dbus"));
  g_assert_false (dc_emulator_facts_schema_has (facts, DC_SCHEMA_CHARDEV_BACKENDS, "pty"));
  g_assert_cmpuint (g_hash_table_size (facts->tpm_models), ==, 0);
  g_assert_false (facts->kvm);
  g_assert_cmpstr (facts->kvm_error, ==, "no kvm here");
}

/* The command-line options and the pc machine's properties from a lying
 * emulator: wrong types and newlines are left out, another type's
 * properties are not the pc machine's. */
static void
test_facts_options_and_pc_properties (void)
{
  g_autoptr(GPtrArray) tcg = i386_replies ();
  g_autoptr(DcEmulatorFacts) facts = NULL;
  g_autoptr(JsonNode) pc = json_from_string ("{\"typename\": \"" DC_PC_MACHINE_TYPE "\"}", NULL);
  g_autoptr(JsonNode) other = json_from_string ("{\"typename\": \"max-x86_64-cpu\"}", NULL);
  g_autoptr(JsonNode) other_props = json_from_string ("[{\"name\": \"migratable\"}]", NULL);
  g_autoptr(JsonNode) pc_props = json_from_string ("[{\"name\": \"i8042\"}, {\"name\": null}, 3]",
                                                  NULL);

  add_reply (tcg, "query-command-line-options",
             "[{\"option\": \"spice\", \"parameters\": [{\"name\": \"port\"}, {\"name\": 5},"
             " \"x\", {\"name\": \"a\\nb\"}]}, {\"option\": 7}, {\"option\": \"a\\nb\","
             " \"parameters\": [{\"name\": \"c\"}]}, {\"option\": \"run-with\", \"parameters\": \"no\"},"
             " \"junk\"]");
  g_ptr_array_add (tcg, dc_qmp_exchange_new_answered ("qom-list-properties", other,
                                                      other_props, NULL, NULL));
  g_ptr_array_add (tcg, dc_qmp_exchange_new_answered ("qom-list-properties", pc,
                                                      pc_props, NULL, NULL));
  facts = dc_emulator_facts_from_replies ("/x/qemu-system-i386", tcg, NULL, NULL, NULL, NULL);
  g_assert_nonnull (facts);
  g_assert_cmpuint (g_hash_table_size (facts->options), ==, 1);
  g_assert_true (g_hash_table_contains (facts->options, "spice.port"));
  g_assert_cmpuint (g_hash_table_size (facts->pc_machine_properties), ==, 1);
  g_assert_true (g_hash_table_contains (facts->pc_machine_properties, "i8042"));
}

static void
test_facts_kvm_checks_target (void)
{
  g_autoptr(GPtrArray) tcg = i386_replies ();
  g_autoptr(GPtrArray) kvm = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_qmp_exchange_free);
  g_autoptr(DcEmulatorFacts) facts = NULL;

  add_reply (kvm, "query-target", "{\"arch\": \"x86_64\"}");
  add_reply (kvm, "query-kvm", "{\"enabled\": true, \"present\": true}");
  facts = dc_emulator_facts_from_replies ("/x", tcg, kvm, NULL, NULL, NULL);
  g_assert_false (facts->kvm);
  g_assert_nonnull (facts->kvm_error);
  g_assert_true (facts->tcg);
}

/* A KVM-only build (qemu-system-x86_64-microvm): facts from the kvm process. */
static void
test_facts_from_kvm_only (void)
{
  g_autoptr(GPtrArray) kvm = i386_replies ();
  g_autoptr(GError) error = NULL;
  g_autoptr(DcEmulatorFacts) facts = NULL;

  add_reply (kvm, "query-kvm", "{\"enabled\": true, \"present\": true}");
  facts = dc_emulator_facts_from_replies ("/x", NULL, kvm,
                                          "invalid accelerator tcg", NULL,
                                          &error);
  g_assert_no_error (error);
  g_assert_true (facts->kvm);
  g_assert_false (facts->tcg);
  g_assert_cmpstr (facts->tcg_error, ==, "invalid accelerator tcg");
  g_assert_cmpuint (facts->machines->len, ==, 1);    /* isapc's cpu-max is "lots" */
}

/* QEMU 11.1 deprecates query-kvm: query-accelerators decides where it
 * answers, whatever query-kvm says. */
static void
test_facts_kvm_from_accelerators (void)
{
  static const struct { const char *accelerators; gboolean kvm; } cases[] = {
    { "{\"enabled\": \"kvm\", \"present\": [\"kvm\", \"tcg\"]}", TRUE },
    { "{\"enabled\": \"tcg\", \"present\": [\"kvm\", \"tcg\"]}", FALSE },
    { NULL, TRUE },   /* before QEMU 11.0: query-kvm alone */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) kvm = i386_replies ();
      g_autoptr(DcEmulatorFacts) facts = NULL;

      add_reply (kvm, "query-kvm", "{\"enabled\": true, \"present\": true}");
      if (cases[i].accelerators != NULL)
        add_reply (kvm, "query-accelerators", cases[i].accelerators);
      facts = dc_emulator_facts_from_replies ("/x", NULL, kvm, "no tcg", NULL, NULL);
      g_assert_nonnull (facts);
      g_assert_cmpint (facts->kvm, ==, cases[i].kvm);
    }
}

static void
test_facts_missing_reply (void)
{
  g_autoptr(GPtrArray) tcg = i386_replies ();
  g_autoptr(GError) error = NULL;
  DcQmpExchange *machines = g_ptr_array_index (tcg, 2);

  g_clear_pointer (&machines->ret, json_node_unref);
  machines->ret = json ("{\"not\": \"a list\"}");
  g_assert_null (dc_emulator_facts_from_replies ("/x", tcg, NULL, NULL, NULL,
                                                 &error));
  g_assert_error (error, DC_QMP_ERROR, DC_QMP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "query-machines"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* a lying emulator's fact left out is said with a warning, not fatal */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_FATAL_MASK);
  g_test_add_func ("/render/disk-per-machine", test_disk_per_machine);
  g_test_add_func ("/render/every-enum-x86", test_every_enum_x86);
  g_test_add_func ("/render/vcpu-capped-by-kvm", test_vcpu_capped_by_kvm);
  g_test_add_func ("/render/host-dependent", test_host_dependent);
  g_test_add_func ("/render/missing-devices-unsupported", test_missing_devices_unsupported);
  g_test_add_func ("/render/graphics-and-channel", test_graphics_and_channel);
  g_test_add_func ("/render/cpu-modes", test_cpu_modes);
  g_test_add_func ("/render/cpu-max-model", test_cpu_max_model);
  g_test_add_func ("/render/libvirt-11-elements", test_libvirt_11_elements);
  g_test_add_func ("/render/power-models", test_power_models);
  g_test_add_func ("/xml/layout", test_xml_layout);
  g_test_add_func ("/render/reasons", test_reasons);
  g_test_add_func ("/render/hyperv", test_hyperv);
  g_test_add_func ("/render/rules-documented", test_rules_documented);
  g_test_add_func ("/facts/from-replies", test_facts_from_replies);
  g_test_add_func ("/facts/machine-acpi", test_machine_acpi);
  g_test_add_func ("/facts/target-byte-order", test_target_byte_order);
  g_test_add_func ("/facts/kvm-checks-target", test_facts_kvm_checks_target);
  g_test_add_func ("/facts/options-and-pc-properties", test_facts_options_and_pc_properties);
  g_test_add_func ("/facts/from-kvm-only", test_facts_from_kvm_only);
  g_test_add_func ("/facts/kvm-from-accelerators", test_facts_kvm_from_accelerators);
  g_test_add_func ("/facts/missing-reply", test_facts_missing_reply);
  return g_test_run ();
}
