/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-validate.c: a domain XML against the domain capabilities answer for
 * it (docs/validate.md). */
#include "config.h"

#include "dc-validate.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <string.h>

#include "dc-arch.h"
#include "dc-domain-xml.h"
#include "dc-errors.h"
#include "dc-wire.h"

typedef struct {
  const DcExplained *answer; /* for the domain's question (borrowed) */
  DcValidation *domain;
  GPtrArray *problems;      /* of DcProblem */
  gboolean kvm;             /* the domain runs under KVM */
  gboolean cpu_compared;    /* ... and libvirt compares its CPU with the
                             * host's: unless <cpu check='none'> */
  const DcHostFacts *host;
} Check;

typedef struct {
  char *type, *arch, *machine, *emulator;
} Asked;

struct _DcValidation {
  xmlDoc *doc;
  xmlXPathContext *xpath;
  GHashTable *index;    /* plain path -> GPtrArray of its elements */
  GHashTable *selected; /* expression -> GPtrArray of what it selects */
  Asked asked;
};

/* ---- looking things up ---- */

/* The domain's elements by their plain path ("/domain/devices/disk"), in
 * document order: most checks ask for one path, and a walk of the tree
 * costs less than compiling an XPath expression for each. */
static void
index_walk (GHashTable *index, xmlNode *node, GString *path)
{
  for (; node != NULL; node = node->next)
    {
      gsize len = path->len;
      GPtrArray *list;

      if (node->type != XML_ELEMENT_NODE)
        continue;
      g_string_append_printf (path, "/%s", (const char *) node->name);
      if ((list = g_hash_table_lookup (index, path->str)) == NULL)
        {
          list = g_ptr_array_new ();
          g_hash_table_insert (index, g_strdup (path->str), list);
        }
      g_ptr_array_add (list, node);
      index_walk (index, node->children, path);
      g_string_truncate (path, len);
    }
}

/* Whether a branch of @expression starts at an element the domain has
 * (else it selects nothing, and is not evaluated). */
static gboolean
may_select (DcValidation *v, const char *expression)
{
  g_auto(GStrv) branches = g_strsplit (expression, "|", -1);

  for (guint i = 0; branches[i] != NULL; i++)
    {
      char *branch = g_strstrip (branches[i]);

      branch[strcspn (branch, "[*@")] = '\0';
      if (g_str_has_suffix (branch, "/"))
        branch[strlen (branch) - 1] = '\0';
      if (g_hash_table_contains (v->index, branch))
        return TRUE;
    }
  return FALSE;
}

/* The elements @expression selects, in document order (kept by @v). */
static GPtrArray *
nodes (DcValidation *v, const char *expression)
{
  GPtrArray *set = g_hash_table_lookup (v->selected, expression);
  xmlXPathObject *o;

  if (set != NULL)
    return set;
  if (strpbrk (expression, "[|*@") == NULL)
    {
      set = g_hash_table_lookup (v->index, expression);
      set = set ? g_ptr_array_ref (set) : g_ptr_array_new ();
    }
  else if (!may_select (v, expression))
    set = g_ptr_array_new ();
  else
    {
      o = xmlXPathEvalExpression (BAD_CAST expression, v->xpath);
      set = g_ptr_array_new ();
      for (int i = 0; o && o->nodesetval && i < o->nodesetval->nodeNr; i++)
        g_ptr_array_add (set, o->nodesetval->nodeTab[i]);
      xmlXPathFreeObject (o);
    }
  g_hash_table_insert (v->selected, g_strdup (expression), set);
  return set;
}

/* @node's attribute @name, or NULL (free with g_free). */
static char *
attr (xmlNode *node, const char *name)
{
  xmlChar *v = xmlGetProp (node, BAD_CAST name);
  char *out = v ? g_strdup ((const char *) v) : NULL;

  xmlFree (v);
  return out;
}

static char *
where_of (xmlNode *node, const char *attribute)
{
  xmlChar *path = xmlGetNodePath (node);
  char *out = attribute ? g_strdup_printf ("%s/@%s", path, attribute)
                        : g_strdup ((const char *) path);

  xmlFree (path);
  return out;
}

static char *
enum_values (const DcCapsNode *enum_node)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; enum_node && i < enum_node->children->len; i++)
    {
      const DcCapsNode *v = g_ptr_array_index (enum_node->children, i);

      g_string_append_printf (out, "%s%s", out->len ? ", " : "", v->text ? v->text : "");
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
add (Check *c, const char *where, const char *severity, const char *code,
     const char *capability, const char *message, const char *fix)
{
  g_ptr_array_add (c->problems,
                   dc_problem_new (where, severity, code, capability, message, fix));
}

/* What a user does about an explain code whose remedy is on the host,
 * not in the domain (docs/reasons.md). */
static const struct {
  const char *code, *fix;
} host_fixes[] = {
  { "host-lacks-swtpm", "install swtpm and swtpm-tools" },
  { "swtpm-lacks-version", "install an swtpm that sets up this TPM version" },
  { "host-lacks-qemu-rdp", "install libvirt's qemu-rdp helper" },
  { "host-lacks-vfio", "load vfio-pci and enable the IOMMU (intel_iommu=on or amd_iommu=on)" },
  { "needs-kvm", "run it where /dev/kvm is usable, with <domain type='kvm'>" },
  { "no-firmware", "install firmware with a descriptor for this machine (ovmf, "
                   "qemu-efi-aarch64, ...)" },
  { "no-secure-firmware", "install firmware with a Secure Boot build (ovmf)" },
  { "host-sev-off", "switch SEV on in kvm_amd (sev=1) and the firmware" },
  { "host-sev-snp-off", "switch SEV-SNP on in kvm_amd (sev_snp=1) and the firmware" },
  { "host-lacks-s390-pv", "boot the host with prot_virt=1 on a machine that offers it" },
};

/* A problem whose reason the explain of the same answer gives, where it
 * gives one (its code and sentence; the host's remedy where there is one),
 * else @code and @message. */
static void
add_explained (Check *c, const char *where, const char *reason_path, const char *capability,
               const char *code, const char *message, const char *fix)
{
  const DcReason *r = g_hash_table_lookup (c->answer->reasons, reason_path);

  for (gsize i = 0; r != NULL && i < G_N_ELEMENTS (host_fixes); i++)
    if (g_str_equal (r->code, host_fixes[i].code))
      {
        g_autofree char *both = g_strdup_printf ("%s; or %s", host_fixes[i].fix, fix);

        add (c, where, DC_PROBLEM_ERROR, r->code, capability, r->message, both);
        return;
      }
  add (c, where, DC_PROBLEM_ERROR, r ? r->code : code, capability,
       r ? r->message : message, fix);
}

/* ---- the checks, as tables ---- */

/* A value of the domain that the answer lists in an enum. */
typedef struct {
  const char *xpath;     /* the elements */
  const char *attribute; /* the value's attribute */
  const char *enum_path; /* the enum in the answer */
  const char *what;      /* for a person: "disk bus" */
} EnumCheck;

static const EnumCheck enum_checks[] = {
  { "/domain/os", "firmware", "os/enum[firmware]", "firmware" },
  { "/domain/os/loader", "type", "os/loader/enum[type]", "loader type" },
  { "/domain/os/loader", "readonly", "os/loader/enum[readonly]", "loader readonly" },
  { "/domain/os/loader", "secure", "os/loader/enum[secure]", "loader secure" },
  { "/domain/memoryBacking/source", "type", "memoryBacking/enum[sourceType]",
    "memory source type" },
  { "/domain/devices/disk", "device", "devices/disk/enum[diskDevice]", "disk device" },
  { "/domain/devices/disk/target", "bus", "devices/disk/enum[bus]", "disk bus" },
  /* a controller of a disk bus: the bus's reason holds for it (an IDE
   * controller on a board without one) */
  { "/domain/devices/controller[@type='ide' or @type='fdc']", "type",
    "devices/disk/enum[bus]", "disk controller" },
  { "/domain/devices/graphics", "type", "devices/graphics/enum[type]", "graphics type" },
  { "/domain/devices/video/model", "type", "devices/video/enum[modelType]", "video model" },
  { "/domain/devices/hostdev", "mode", "devices/hostdev/enum[mode]", "hostdev mode" },
  { "/domain/devices/hostdev[@mode='subsystem' or not(@mode)]", "type",
    "devices/hostdev/enum[subsysType]", "hostdev subsystem" },
  { "/domain/devices/hostdev/driver", "name", "devices/hostdev/enum[pciBackend]",
    "hostdev PCI backend" },
  { "/domain/devices/rng", "model", "devices/rng/enum[model]", "RNG model" },
  { "/domain/devices/rng/backend", "model", "devices/rng/enum[backendModel]",
    "RNG backend" },
  { "/domain/devices/filesystem/driver", "type", "devices/filesystem/enum[driverType]",
    "filesystem driver" },
  { "/domain/devices/tpm", "model", "devices/tpm/enum[model]", "TPM model" },
  { "/domain/devices/tpm/backend", "type", "devices/tpm/enum[backendModel]",
    "TPM backend" },
  { "/domain/devices/tpm/backend", "version", "devices/tpm/enum[backendVersion]",
    "TPM version" },
  { "/domain/devices/redirdev", "bus", "devices/redirdev/enum[bus]", "redirdev bus" },
  /* every character device takes any backend QEMU has: the console's
   * enum lists them all (the channel's lists only libvirt's usual three) */
  { "/domain/devices/channel | /domain/devices/serial | /domain/devices/parallel",
    "type", "devices/console/enum[type]", "character device type" },
  { "/domain/devices/crypto", "model", "devices/crypto/enum[model]", "crypto model" },
  { "/domain/devices/crypto", "type", "devices/crypto/enum[type]", "crypto type" },
  { "/domain/devices/crypto/backend", "model", "devices/crypto/enum[backendModel]",
    "crypto backend" },
  { "/domain/devices/interface/backend", "type", "devices/interface/enum[backendType]",
    "interface backend" },
  { "/domain/devices/panic", "model", "devices/panic/enum[model]", "panic model" },
  { "/domain/devices/console", "type", "devices/console/enum[type]", "console type" },
  { "/domain/features/gic", "version", "features/gic/enum[version]", "GIC version" },
  { "/domain/launchSecurity", "type", "launchSecurity/enum[sectype]",
    "launch security type" },
};

/* An element of the domain that needs an element of the answer to say
 * supported='yes'. */
typedef struct {
  const char *xpath;
  const char *caps_path;
  const char *what;
} SupportCheck;

static const SupportCheck support_checks[] = {
  { "/domain/os/varstore", "os/varstore", "a UEFI variable store device" },
  { "/domain/devices/disk", "devices/disk", "disks" },
  { "/domain/devices/graphics", "devices/graphics", "graphics" },
  { "/domain/devices/video", "devices/video", "video devices" },
  { "/domain/devices/hostdev", "devices/hostdev", "host device assignment" },
  { "/domain/devices/rng", "devices/rng", "RNG devices" },
  { "/domain/devices/filesystem", "devices/filesystem", "shared filesystems" },
  { "/domain/devices/tpm", "devices/tpm", "TPM devices" },
  { "/domain/devices/redirdev", "devices/redirdev", "USB redirection" },
  { "/domain/devices/channel", "devices/channel", "channels" },
  { "/domain/devices/crypto", "devices/crypto", "crypto devices" },
  { "/domain/devices/panic", "devices/panic", "panic devices" },
  { "/domain/features/gic", "features/gic", "a GIC" },
  { "/domain/features/vmcoreinfo[not(@state='off')]", "features/vmcoreinfo",
    "vmcoreinfo" },
  { "/domain/genid", "features/genid", "a VM generation ID" },
  { "/domain/features/hyperv[not(@mode='passthrough')]", "features/hyperv",
    "Hyper-V enlightenments" },
  { "/domain/features/async-teardown[@enabled='yes']", "features/async-teardown",
    "asynchronous teardown" },
  /* on or off: either needs QEMU to let the machine's i8042 be set */
  { "/domain/features/ps2[@state]", "features/ps2", "setting PS/2" },
  { "/domain/launchSecurity[@type='sev']", "features/sev", "AMD SEV" },
  { "/domain/launchSecurity[@type='sev-snp']", "features/sev", "AMD SEV-SNP" },
  { "/domain/launchSecurity[@type='s390-pv']", "features/s390-pv",
    "s390 protected virtualization" },
  { "/domain/launchSecurity[@type='tdx']", "features/tdx", "Intel TDX" },
  { "/domain/devices/memory[@model='sgx-epc']", "features/sgx", "Intel SGX" },
  { "/domain/iothreads", "iothreads", "I/O threads" },
};

static void
check_enum (Check *c, const EnumCheck *e)
{
  const DcCapsNode *enum_node = dc_caps_node_at (c->answer->model, e->enum_path);
  GPtrArray *set = nodes (c->domain, e->xpath);

  /* No enum: the element is unsupported as a whole (support_checks).
   * A value the enum leaves out is a problem where the explain says why:
   * a fuller host would list it. A value no host lists (mdev, a bus the
   * enum does not describe) is outside what the answer tells, and left to
   * libvirt's own checks. */
  for (guint i = 0; enum_node && i < set->len; i++)
    {
      g_autofree char *value = attr (g_ptr_array_index (set, i), e->attribute);
      g_autofree char *where = NULL, *reason = NULL, *fix = NULL;
      g_autofree char *values = NULL;

      if (value == NULL || dc_caps_enum_has (enum_node, value))
        continue;
      reason = g_strdup_printf ("%s/%s", e->enum_path, value);
      if (!g_hash_table_contains (c->answer->reasons, reason))
        continue;
      where = where_of (g_ptr_array_index (set, i), e->attribute);
      values = enum_values (enum_node);
      fix = *values ? g_strdup_printf ("pick one of: %s", values)
                    : g_strdup_printf ("leave out the %s: none is offered", e->what);
      add_explained (c, where, reason, e->enum_path, NULL, NULL, fix);
    }
}

static void
check_support (Check *c, const SupportCheck *s)
{
  const DcCapsNode *node = dc_caps_node_at (c->answer->model, s->caps_path);
  GPtrArray *set = nodes (c->domain, s->xpath);

  if (set->len > 0 && !dc_caps_node_is_supported (node))
    {
      g_autofree char *where = where_of (g_ptr_array_index (set, 0), NULL);
      g_autofree char *message = g_strdup_printf ("%s: not supported here", s->what);
      g_autofree char *fix = g_strdup_printf ("remove %s", where);

      add_explained (c, where, s->caps_path, s->caps_path, "not-supported", message, fix);
    }
}

/* An element (with an attribute of a value, where given) that QEMU
 * builds as a device of a QOM type the answer has no element for: the
 * probe's list of types decides it (libvirt's names to QEMU's, as
 * libvirt builds the command line). */
typedef struct {
  const char *xpath;
  const char *attribute, *value; /* NULL: any */
  const char *qom_type;
  const char *what;
} TypeCheck;

static const TypeCheck type_checks[] = {
#define USB(model, type) \
  { "/domain/devices/controller[@type='usb']", "model", model, type, \
    "USB controller model " model }
  USB ("piix3-uhci", "piix3-usb-uhci"),
  USB ("piix4-uhci", "piix4-usb-uhci"),
  USB ("ehci", "usb-ehci"),
  USB ("ich9-ehci1", "ich9-usb-ehci1"),
  USB ("ich9-uhci1", "ich9-usb-uhci1"),
  USB ("ich9-uhci2", "ich9-usb-uhci2"),
  USB ("ich9-uhci3", "ich9-usb-uhci3"),
  USB ("vt82c686b-uhci", "vt82c686b-usb-uhci"),
  USB ("pci-ohci", "pci-ohci"),
  USB ("nec-xhci", "nec-usb-xhci"),
  USB ("qemu-xhci", "qemu-xhci"),
#undef USB
  { "/domain/devices/parallel", NULL, NULL, "isa-parallel", "parallel ports" },
  { "/domain/devices/*/address/zpci", NULL, NULL, "zpci", "zPCI addresses" },
};

static void
check_type (Check *c, const TypeCheck *t)
{
  GPtrArray *set;

  if (g_hash_table_contains (c->answer->qom_types, t->qom_type))
    return;
  set = nodes (c->domain, t->xpath);
  for (guint i = 0; i < set->len; i++)
    {
      g_autofree char *value = t->attribute ? attr (g_ptr_array_index (set, i), t->attribute)
                                            : NULL;
      g_autofree char *where = NULL, *message = NULL, *fix = NULL;

      if (t->value != NULL && g_strcmp0 (value, t->value) != 0)
        continue;
      where = where_of (g_ptr_array_index (set, i), t->attribute);
      message = g_strdup_printf ("%s: this QEMU has no device type %s", t->what, t->qom_type);
      fix = g_strdup_printf ("remove %s, or install a QEMU built with %s", where,
                             t->qom_type);
      add (c, where, DC_PROBLEM_ERROR, "qemu-lacks-type", "", message, fix);
    }
}

/* ---- checks that are not a table row ---- */

/* A SCSI LUN on virtio-blk: QEMU 5.0 removed virtio-blk's SCSI
 * passthrough (libvirt supports QEMU 6.2 and later). */
static void
check_virtio_lun (Check *c)
{
  GPtrArray *set = nodes (c->domain,
                          "/domain/devices/disk[@device='lun'][target/@bus='virtio']");

  if (set->len > 0)
    {
      g_autofree char *where = where_of (g_ptr_array_index (set, 0), "device");

      add (c, where, DC_PROBLEM_ERROR, "virtio-blk-lacks-scsi", "devices/disk/enum[bus]",
           "virtio-blk passes no SCSI commands through (QEMU removed it in 5.0)",
           "use <target bus='scsi'/> on a virtio-scsi controller");
    }
}

/* <features><acpi/> on a machine QEMU builds without ACPI tables. (On
 * s390x libvirt drops it from a stored domain when it loads it, so only
 * a new definition still has it, and that libvirt refuses.) */
static void
check_acpi (Check *c)
{
  GPtrArray *set = nodes (c->domain, "/domain/features/acpi");
  const DcCapsNode *machine = dc_caps_node_at (c->answer->model, "machine");
  g_autofree char *where = NULL, *message = NULL;

  if (!c->answer->machine_no_acpi || set->len == 0)
    return;
  where = where_of (g_ptr_array_index (set, 0), NULL);
  message = g_strdup_printf ("machine %s has no ACPI",
                             machine && machine->text ? machine->text : "");
  add (c, where, DC_PROBLEM_ERROR, "machine-lacks-acpi", "machine", message,
       "remove <acpi/>, or pick a machine with ACPI");
}

/* TPM 1.2 (with swtpm) works with tpm-tis on x86 only: QEMU's CRB, SPAPR
 * and sysbus TIS take TPM 2.0, and libvirt refuses the others. */
static void
check_tpm_version (Check *c)
{
  GPtrArray *set = nodes (c->domain,
                          "/domain/devices/tpm[backend[@type='emulator'][@version='1.2']]");
  const DcCapsNode *arch = dc_caps_node_at (c->answer->model, "arch");
  gboolean x86 = arch && arch->text && dc_arch_is_x86 (arch->text);

  for (guint i = 0; i < set->len; i++)
    {
      g_autofree char *model = attr (g_ptr_array_index (set, i), "model");
      g_autofree char *where = NULL, *message = NULL;

      if (model != NULL && !g_str_equal (model, "tpm-tis"))
        {
          where = where_of (g_ptr_array_index (set, i), "model");
          message = g_strdup_printf ("TPM 1.2 works with the tpm-tis model only, not %s",
                                     model);
          add (c, where, DC_PROBLEM_ERROR, "tpm-1.2-needs-tis",
               "devices/tpm/enum[backendVersion]", message,
               "use <tpm model='tpm-tis'>, or TPM version 2.0");
        }
      else if (!x86)
        {
          where = where_of (g_ptr_array_index (set, i), NULL);
          message = g_strdup_printf ("TPM 1.2 works on x86 only, not on %s",
                                     arch && arch->text ? arch->text : "this arch");
          add (c, where, DC_PROBLEM_ERROR, "tpm-1.2-needs-x86",
               "devices/tpm/enum[backendVersion]", message, "use TPM version 2.0");
        }
    }
}

static void
check_vcpus (Check *c)
{
  const DcCapsNode *vcpu = dc_caps_node_at (c->answer->model, "vcpu");
  const char *max = vcpu ? dc_caps_node_get_attr (vcpu, "max") : NULL;
  GPtrArray *set = nodes (c->domain, "/domain/vcpu");

  if (max != NULL && set->len > 0)
    {
      xmlChar *text = xmlNodeGetContent (g_ptr_array_index (set, 0));
      guint64 asked = g_ascii_strtoull ((const char *) text, NULL, 10);

      if (asked > g_ascii_strtoull (max, NULL, 10))
        {
          g_autofree char *where = where_of (g_ptr_array_index (set, 0), NULL);
          g_autofree char *message = g_strdup_printf (
              "%" G_GUINT64_FORMAT " vCPUs asked; this machine takes at most %s", asked, max);
          g_autofree char *fix = g_strdup_printf ("ask for at most %s vCPUs, or pick a "
                                                  "machine that takes more", max);

          add (c, where, DC_PROBLEM_ERROR, "too-many-vcpus", "vcpu/@max", message, fix);
        }
      xmlFree (text);
    }
}

/* A model whose features the accelerator lacks: libvirt refuses it under
 * KVM unless told not to check (check='none'); otherwise QEMU starts the
 * guest without those features, which is not what was asked. */
static void
add_blockers (Check *c, const char *where, const char *path)
{
  const DcReason *r = g_hash_table_lookup (c->answer->reasons, path);
  g_autofree char *message = g_strdup_printf (
      "%s%s", r ? r->message : "the accelerator lacks some of its features",
      c->cpu_compared ? "" : "; the guest would start without them");

  add (c, where, c->cpu_compared ? DC_PROBLEM_ERROR : DC_PROBLEM_WARNING, "cpu-blockers",
       path, message, "pick a usable model, or host-model");
}

static void
check_cpu (Check *c)
{
  GPtrArray *set = nodes (c->domain, "/domain/cpu");
  xmlNode *cpu = set->len > 0 ? g_ptr_array_index (set, 0) : NULL;
  g_autofree char *mode = cpu ? attr (cpu, "mode") : NULL;
  g_autofree char *mode_path = NULL;

  if (cpu == NULL)
    return;
  if (mode == NULL)
    mode = g_strdup ("custom");
  mode_path = g_strdup_printf ("cpu/mode[%s]", mode);
  if (!dc_caps_node_is_supported (dc_caps_node_at (c->answer->model, mode_path)))
    {
      g_autofree char *where = where_of (cpu, "mode");
      g_autofree char *message = g_strdup_printf ("CPU mode %s is not supported here", mode);

      add_explained (c, where, mode_path, mode_path, "not-supported", message,
                     "use a CPU mode the answer lists as supported (host-model, or a "
                     "usable custom model)");
      return;
    }
  if (g_str_equal (mode, "custom"))
    {
      GPtrArray *models = nodes (c->domain, "/domain/cpu/model");
      xmlChar *name = models->len > 0 ? xmlNodeGetContent (g_ptr_array_index (models, 0))
                                                   : NULL;

      if (name != NULL && *name != '\0')
        {
          g_autofree char *path = g_strdup_printf ("cpu/mode[custom]/model[%s]", name);
          const DcCapsNode *model = dc_caps_node_at (c->answer->model, path);
          g_autofree char *where = where_of (g_ptr_array_index (models, 0), NULL);
          g_autofree char *message = NULL;

          if (model == NULL)
            {
              message = g_strdup_printf ("CPU model %s is not one this QEMU defines", name);
              add (c, where, DC_PROBLEM_ERROR, "unknown-cpu-model", "cpu/mode[custom]",
                   message, "pick a model the answer lists under <mode name='custom'>");
            }
          else if (g_strcmp0 (dc_caps_node_get_attr (model, "usable"), "no") == 0)
            add_blockers (c, where, path);
        }
      xmlFree (name);
    }
}

/* A feature the domain requires that the host-model answer switches off:
 * the accelerator lacks it (an error under KVM with checking, as libvirt
 * compares; else a warning: QEMU starts the guest without it). */
static void
check_cpu_features (Check *c)
{
  const DcCapsNode *host_model = dc_caps_node_at (c->answer->model, "cpu/mode[host-model]");
  GPtrArray *set = nodes (c->domain, "/domain/cpu/feature[@policy='require' or @policy='force']");

  for (guint i = 0; host_model && i < set->len; i++)
    {
      g_autofree char *name = attr (g_ptr_array_index (set, i), "name");
      g_autofree char *where = NULL, *message = NULL;
      gboolean lacking = FALSE;

      for (guint j = 0; name && j < host_model->children->len && !lacking; j++)
        {
          const DcCapsNode *f = g_ptr_array_index (host_model->children, j);

          lacking = g_str_equal (f->name, "feature") &&
                    g_strcmp0 (dc_caps_node_get_attr (f, "name"), name) == 0 &&
                    g_strcmp0 (dc_caps_node_get_attr (f, "policy"), "disable") == 0;
        }
      if (!lacking)
        continue;
      where = where_of (g_ptr_array_index (set, i), "name");
      message = g_strdup_printf ("the CPU this accelerator offers lacks %s%s", name,
                                 c->cpu_compared ? "" : "; the guest would start without it");
      add (c, where, c->cpu_compared ? DC_PROBLEM_ERROR : DC_PROBLEM_WARNING,
           "cpu-feature-missing",
           "cpu/mode[host-model]", message,
           "drop the feature, or run where the CPU has it");
    }
}

/* <maxphysaddr mode='emulate' bits='N'/>: under KVM the guest cannot
 * address more than the host's CPU does (CPUID 0x80000008). */
static void
check_maxphysaddr (Check *c)
{
  GPtrArray *set = nodes (c->domain, "/domain/cpu/maxphysaddr[@mode='emulate'][@bits]");
  guint host_bits = c->host ? c->host->phys_addr_bits : 0;

  if (c->kvm && host_bits != 0 && set->len > 0)
    {
      g_autofree char *bits = attr (g_ptr_array_index (set, 0), "bits");
      guint64 asked = g_ascii_strtoull (bits, NULL, 10);

      if (asked > host_bits)
        {
          g_autofree char *where = where_of (g_ptr_array_index (set, 0), "bits");
          g_autofree char *message = g_strdup_printf (
              "%" G_GUINT64_FORMAT " physical address bits asked; this host's CPU has %u",
              asked, host_bits);
          g_autofree char *fix = g_strdup_printf ("ask for at most %u bits", host_bits);

          add (c, where, DC_PROBLEM_ERROR, "maxphysaddr-over-host", "cpu", message, fix);
        }
    }
}

/* virtiofs maps the guest's memory into virtiofsd: it must be shared. */
static void
check_virtiofs (Check *c)
{
  GPtrArray *set = nodes (c->domain, "/domain/devices/filesystem[driver/@type='virtiofs']");
  GPtrArray *shared = nodes (c->domain, "/domain/memoryBacking/access[@mode='shared'] | "
                                 "/domain/cpu/numa/cell[@memAccess='shared']");

  if (set->len > 0 && shared->len == 0)
    {
      g_autofree char *where = where_of (g_ptr_array_index (set, 0), NULL);

      add (c, where, DC_PROBLEM_ERROR, "virtiofs-needs-shared-memory",
           "memoryBacking/enum[sourceType]",
           "virtiofs needs the guest's memory shared with virtiofsd, and it is not",
           "add <memoryBacking><source type='memfd'/><access mode='shared'/>"
           "</memoryBacking>");
    }
  /* libvirt finds virtiofsd by its vhost-user descriptor, unless the
   * domain names the binary */
  set = nodes (c->domain, "/domain/devices/filesystem[driver/@type='virtiofs'][not(binary/@path)]");
  if (set->len > 0 && c->host != NULL && !c->host->virtiofsd)
    {
      g_autofree char *where = where_of (g_ptr_array_index (set, 0), NULL);

      add (c, where, DC_PROBLEM_ERROR, "host-lacks-virtiofsd", "devices/filesystem",
           "no virtiofsd is installed (no vhost-user descriptor of type fs)",
           "install virtiofsd, or name one with <binary path='...'/>");
    }
}

/* <os><firmware><feature name='secure-boot' enabled='yes'/>: the answer's
 * firmwareFeatures enums say which values a descriptor offers. */
static void
check_firmware_features (Check *c)
{
  static const struct { const char *name, *enum_path; } features[] = {
    { "secure-boot", "os/firmwareFeatures/enum[secureBoot]" },
    { "enrolled-keys", "os/firmwareFeatures/enum[enrolledKeys]" },
  };
  GPtrArray *set = nodes (c->domain, "/domain/os/firmware/feature");

  for (guint i = 0; i < set->len; i++)
    for (gsize f = 0; f < G_N_ELEMENTS (features); f++)
      {
        g_autofree char *name = attr (g_ptr_array_index (set, i), "name");
        g_autofree char *enabled = attr (g_ptr_array_index (set, i), "enabled");
        const DcCapsNode *enum_node = dc_caps_node_at (c->answer->model, features[f].enum_path);
        g_autofree char *where = NULL, *message = NULL;

        if (g_strcmp0 (name, features[f].name) != 0 || enabled == NULL ||
            dc_caps_enum_has (enum_node, enabled))
          continue;
        where = where_of (g_ptr_array_index (set, i), "enabled");
        message = g_strdup_printf ("no firmware descriptor offers %s=%s for this machine",
                                   name, enabled);
        add (c, where, DC_PROBLEM_ERROR, "no-firmware", features[f].enum_path, message,
             "install firmware that offers it (ovmf), or drop the feature request");
      }
}

static void
check_hyperv (Check *c)
{
  const DcCapsNode *enum_node = dc_caps_node_at (c->answer->model, "features/hyperv/enum[features]");
  GPtrArray *set = nodes (c->domain, "/domain/features/hyperv[not(@mode='passthrough')]/*"
                              "[not(@state='off')]");

  for (guint i = 0; enum_node && i < set->len; i++)
    {
      const char *name = (const char *) ((xmlNode *) g_ptr_array_index (set, i))->name;
      g_autofree char *where = NULL, *values = NULL, *fix = NULL;
      g_autofree char *reason = NULL;

      if (dc_caps_enum_has (enum_node, name))
        continue;
      /* as for any enum: a problem where the explain says why */
      reason = g_strdup_printf ("features/hyperv/enum[features]/%s", name);
      if (!g_hash_table_contains (c->answer->reasons, reason))
        continue;
      where = where_of (g_ptr_array_index (set, i), NULL);
      values = enum_values (enum_node);
      fix = g_strdup_printf ("switch it off, or keep to: %s", values);
      add_explained (c, where, reason, "features/hyperv/enum[features]", NULL, NULL, fix);
    }
}

/* ---- the domain's own question ---- */

static void
asked_clear (Asked *a)
{
  g_free (a->type);
  g_free (a->arch);
  g_free (a->machine);
  g_free (a->emulator);
}

/* The text of the first element at the plain path @path, or of its
 * attribute where @path ends in "/@NAME"; NULL where there is none. */
static char *
first_value (DcValidation *v, const char *path)
{
  const char *at = strstr (path, "/@");
  g_autofree char *element = at ? g_strndup (path, at - path) : g_strdup (path);
  GPtrArray *set = nodes (v, element);
  xmlChar *text;
  char *out;

  if (set->len == 0)
    return NULL;
  text = at ? xmlGetProp (g_ptr_array_index (set, 0), BAD_CAST (at + 2))
            : xmlNodeGetContent (g_ptr_array_index (set, 0));
  out = text ? g_strstrip (g_strdup ((const char *) text)) : NULL;
  xmlFree (text);
  return out;
}

/* The domain's own question, as its elements name it. */
static void
asked_read (DcValidation *v, Asked *a)
{
  a->type = first_value (v, "/domain/@type");
  a->arch = first_value (v, "/domain/os/type/@arch");
  a->machine = first_value (v, "/domain/os/type/@machine");
  a->emulator = first_value (v, "/domain/devices/emulator");
}

/* What refuses the question itself, as a problem of the domain: the
 * errors that say something about it, not about the daemon. */
static gboolean
question_problem (Check *c, const GError *error)
{
  static const struct {
    DcError code;
    const char *where, *problem, *capability, *fix;
  } refusals[] = {
    { DC_ERROR_UNSUPPORTED_VIRT_TYPE, "/domain/@type", "domain-type-unavailable", "domain",
      "use <domain type='qemu'>, or run it where /dev/kvm is usable" },
    { DC_ERROR_UNKNOWN_MACHINE, "/domain/os/type/@machine", "machine-not-offered", "machine",
      "pick a machine this emulator offers (domcapsctl list)" },
    { DC_ERROR_UNSUPPORTED_ARCH, "/domain/os/type/@arch", "arch-not-emulated", "arch",
      "install the QEMU that emulates it (qemu-system-*)" },
    { DC_ERROR_UNKNOWN_EMULATOR, "/domain/devices/emulator", "emulator-unknown", "path",
      "name an emulator this host has (domcapsctl list), or leave <emulator> out" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (refusals); i++)
    if (g_error_matches (error, DC_ERROR, refusals[i].code))
      {
        add (c, refusals[i].where, DC_PROBLEM_ERROR, refusals[i].problem,
             refusals[i].capability, error->message, refusals[i].fix);
        return TRUE;
      }
  return FALSE;
}

static void
run_checks (Check *c)
{
  check_vcpus (c);
  check_cpu (c);
  check_cpu_features (c);
  check_maxphysaddr (c);
  for (gsize i = 0; i < G_N_ELEMENTS (support_checks); i++)
    check_support (c, &support_checks[i]);
  for (gsize i = 0; i < G_N_ELEMENTS (enum_checks); i++)
    check_enum (c, &enum_checks[i]);
  for (gsize i = 0; i < G_N_ELEMENTS (type_checks); i++)
    check_type (c, &type_checks[i]);
  check_tpm_version (c);
  check_acpi (c);
  check_virtio_lun (c);
  check_firmware_features (c);
  check_hyperv (c);
  check_virtiofs (c);
}

DcValidation *
dc_validation_new (const char *xml, guint flags, GError **error)
{
  DcValidation *v;
  xmlDoc *doc;

  if (flags != 0)
    {
      g_set_error (error, DC_ERROR, DC_ERROR_INVALID_ARGUMENT,
                   "unknown flags 0x%x: no flag is defined", flags);
      return NULL;
    }
  if ((doc = dc_domain_xml_parse (xml, error)) == NULL)
    return NULL;
  g_autoptr(GString) path = g_string_new (NULL);

  v = g_new0 (DcValidation, 1);
  v->doc = doc;
  v->xpath = xmlXPathNewContext (doc);
  v->index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify) g_ptr_array_unref);
  v->selected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_ptr_array_unref);
  index_walk (v->index, xmlDocGetRootElement (doc), path);
  asked_read (v, &v->asked);
  return v;
}

void
dc_validation_free (DcValidation *v)
{
  if (v == NULL)
    return;
  asked_clear (&v->asked);
  g_hash_table_unref (v->selected);
  g_hash_table_unref (v->index);
  xmlXPathFreeContext (v->xpath);
  xmlFreeDoc (v->doc);
  g_free (v);
}

const char *
dc_validation_get_emulator (const DcValidation *v)
{
  return v->asked.emulator;
}

const char *
dc_validation_get_arch (const DcValidation *v)
{
  return v->asked.arch;
}

/* The problems of the domain, or NULL only where no answer could be had
 * for a reason that is not the domain's (a probe failed). */
GPtrArray *
dc_validation_run (DcValidation *v, DcAnswerer *answerer, GError **error)
{
  g_autoptr(GPtrArray) problems =
      g_ptr_array_new_with_free_func ((GDestroyNotify) dc_problem_free);
  const Asked *a = &v->asked;
  g_autoptr(GError) refused = NULL;
  const DcExplained *answer = NULL;
  Check c = { NULL, v, problems, FALSE, FALSE,
              dc_answerer_host_facts (answerer) };
  DcQuestion q = { a->emulator ? a->emulator : "", a->arch ? a->arch : "",
                   a->machine ? a->machine : "",
                   g_strcmp0 (a->type, "kvm") == 0 ? "kvm" : "qemu", 0 };

  if (g_strcmp0 (a->type, "kvm") != 0 && g_strcmp0 (a->type, "qemu") != 0)
    add (&c, "/domain/@type", DC_PROBLEM_ERROR, "domain-type-unknown", "domain",
         "the QEMU driver runs domains of type kvm or qemu only",
         "use <domain type='kvm'> or <domain type='qemu'>");
  else if ((answer = dc_answerer_explained (answerer, &q, &refused)) != NULL)
    {
      g_autofree char *check = first_value (v, "/domain/cpu/@check");

      c.answer = answer;
      c.kvm = g_str_equal (q.virttype, "kvm");
      c.cpu_compared = c.kvm && g_strcmp0 (check, "none") != 0;
      run_checks (&c);
    }
  else if (!question_problem (&c, refused))
    {
      g_propagate_error (error, g_steal_pointer (&refused));
      return NULL;
    }
  return g_steal_pointer (&problems);
}
