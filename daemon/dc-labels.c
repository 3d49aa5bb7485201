/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-labels.c: KubeVirt's node labels from an answer's model and its facts. */
#include "config.h"

#include "dc-labels.h"

#include <stdlib.h>
#include <string.h>

#include "dc-arch.h"
#include "dc-cpu-model.h"

#define CPU_MODEL "cpu-model.node.kubevirt.io/"
#define CPU_MODEL_MIGRATION "cpu-model-migration.node.kubevirt.io/"
#define CPU_FEATURE "cpu-feature.node.kubevirt.io/"
#define CPU_VENDOR "cpu-vendor.node.kubevirt.io/"
#define HOST_MODEL "host-model-cpu.node.kubevirt.io/"
#define HOST_MODEL_REQUIRED "host-model-required-features.node.kubevirt.io/"
#define HOST_MODEL_OBSOLETE "node-labeller.kubevirt.io/obsolete-host-model"
#define HYPERV "hyperv.node.kubevirt.io/"
#define MACHINE_TYPE "machine-type.node.kubevirt.io/"
#define CPU_TIMER "cpu-timer.node.kubevirt.io/"

/* Models KubeVirt leaves out unless a cluster configures otherwise (its
 * default obsoleteCPUModels); each also with its -v1 name. */
static const char *const obsolete_models[] = {
  "486", "pentium", "pentium2", "pentium3", "pentiumpro", "coreduo", "n270",
  "core2duo", "Conroe", "athlon", "phenom", "qemu64", "qemu32", "kvm64",
  "kvm32", "Opteron_G1", "Opteron_G2",
};

/* KubeVirt's Hyper-V label names, each with the QEMU property that KVM
 * must pass through; "base" stands for any of the others. */
static const struct {
  const char *label;
  const char *property;
} hyperv_labels[] = {
  { "base", NULL },
  { "time", "hv-time" },
  { "vpindex", "hv-vpindex" },
  { "tlbflush", "hv-tlbflush" },
  { "ipi", "hv-ipi" },
  { "synic", "hv-synic" },
  { "synic2", "hv-synic" },
  { "frequencies", "hv-frequencies" },
  { "reset", "hv-reset" },
  { "runtime", "hv-runtime" },
  { "synictimer", "hv-stimer" },
  { "reenlightenment", "hv-reenlightenment" },
};

/* Presence labels for confidential guests: the element of the answer
 * that must be supported='yes' and, where given, the value its enum
 * must list. */
static const struct {
  const char *label;
  const char *element;
  const char *enum_path;    /* below the element, or NULL */
  const char *value;
} presence_labels[] = {
  { "kubevirt.io/sev", "features/sev", NULL, NULL },
  { "kubevirt.io/sev-snp", "features/launchSecurity", "enum[sectype]", "sev-snp" },
  { "kubevirt.io/tdx", "features/launchSecurity", "enum[sectype]", "tdx" },
  { "kubevirt.io/s390-pv", "features/s390-pv", NULL, NULL },
  /* Not a KubeVirt label: KubeVirt does not schedule SGX guests. */
  { "domcapsd.io/sgx", "features/sgx", NULL, NULL },
};

#define CUSTOM "cpu/mode[custom]"
#define HOST "cpu/mode[host-model]"

static gboolean
label_chars_valid (const char *s, gsize len, gsize max)
{
  if (len > max)
    return FALSE;
  if (len > 0 && (!g_ascii_isalnum (s[0]) || !g_ascii_isalnum (s[len - 1])))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (s[i]) && strchr ("._-", s[i]) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
prefix_valid (const char *prefix, gsize len)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *copy = g_strndup (prefix, len);

  if (len == 0 || len > 253)
    return FALSE;
  parts = g_strsplit (copy, ".", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] == '\0' || strchr (parts[i], '_') != NULL ||
        !label_chars_valid (parts[i], strlen (parts[i]), 63))
      return FALSE;
  return TRUE;
}

gboolean
dc_labels_valid (const char *name, const char *value)
{
  const char *slash = strchr (name, '/');
  const char *base = slash ? slash + 1 : name;

  if (slash != NULL && !prefix_valid (name, slash - name))
    return FALSE;
  return *base != '\0' && label_chars_valid (base, strlen (base), 63) &&
         label_chars_valid (value, strlen (value), 63);
}

static void
add_label (GHashTable *labels, const char *prefix, const char *name,
           const char *value)
{
  g_autofree char *label = g_strconcat (prefix, name, NULL);

  if (dc_labels_valid (label, value))
    g_hash_table_replace (labels, g_steal_pointer (&label), g_strdup (value));
  else
    g_debug ("Not a valid node label, left out: %s=%s", label, value);
}

static gboolean
is_obsolete (const char *model)
{
  for (gsize i = 0; i < G_N_ELEMENTS (obsolete_models); i++)
    {
      gsize len = strlen (obsolete_models[i]);
      if (strncmp (model, obsolete_models[i], len) == 0 &&
          (model[len] == '\0' || g_str_equal (model + len, "-v1")))
        return TRUE;
    }
  return FALSE;
}

/* The text of @node's first child called @name, or NULL. */
static const char *
child_text (const DcCapsNode *node, const char *name)
{
  const DcCapsNode *child = node ? dc_caps_node_find (node, name) : NULL;

  return child ? child->text : NULL;
}

static void
add_models (GHashTable *labels, const DcCapsNode *root)
{
  const DcCapsNode *custom = dc_caps_node_at (root, CUSTOM);

  for (guint i = 0; dc_caps_node_is_supported (custom) && i < custom->children->len; i++)
    {
      const DcCapsNode *model = g_ptr_array_index (custom->children, i);

      if (!g_str_equal (model->name, "model") ||
          g_strcmp0 (dc_caps_node_get_attr (model, "usable"), "yes") != 0 ||
          is_obsolete (model->text))
        continue;
      add_label (labels, CPU_MODEL, model->text, "true");
      add_label (labels, CPU_MODEL_MIGRATION, model->text, "true");
    }
}

static void
add_host_model (GHashTable *labels, const DcCapsNode *root)
{
  const DcCapsNode *host = dc_caps_node_at (root, HOST);
  const char *name = child_text (host, "model");
  const char *vendor = child_text (host, "vendor");

  if (!dc_caps_node_is_supported (host) || name == NULL)
    return;
  add_label (labels, HOST_MODEL, name, "true");
  if (is_obsolete (name))
    add_label (labels, HOST_MODEL_OBSOLETE, "", "true");
  else
    add_label (labels, CPU_MODEL_MIGRATION, name, "true");
  if (vendor != NULL)
    add_label (labels, CPU_VENDOR, vendor, "true");
  for (guint i = 0; i < host->children->len; i++)
    {
      const DcCapsNode *feature = g_ptr_array_index (host->children, i);

      if (g_str_equal (feature->name, "feature") &&
          g_strcmp0 (dc_caps_node_get_attr (feature, "policy"), "require") == 0)
        add_label (labels, HOST_MODEL_REQUIRED,
                   dc_caps_node_get_attr (feature, "name"), "true");
    }
}

/* Every CPU feature of the guest host-model builds: what the accelerator
 * offers (QEMU's expansion of its host CPU), in domain XML's spelling. */
static void
add_cpu_features (GHashTable *labels, const DcCpuFacts *cpu)
{
  GHashTableIter iter;
  const char *feature;

  if (cpu == NULL || cpu->host == NULL)
    return;
  g_hash_table_iter_init (&iter, cpu->host->features);
  while (g_hash_table_iter_next (&iter, (gpointer *) &feature, NULL))
    if (dc_cpu_feature_is_cpu (feature))
      add_label (labels, CPU_FEATURE, dc_cpu_feature_name (feature), "true");
}

static void
add_hyperv (GHashTable *labels, const DcEmulatorFacts *facts)
{
  gboolean any = FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS (hyperv_labels); i++)
    if (hyperv_labels[i].property != NULL &&
        g_hash_table_contains (facts->hyperv, hyperv_labels[i].property))
      {
        add_label (labels, HYPERV, hyperv_labels[i].label, "true");
        any = TRUE;
      }
  if (any)
    add_label (labels, HYPERV, "base", "true");
}

static void
add_machines (GHashTable *labels, const DcEmulatorFacts *facts)
{
  for (guint i = 0; i < facts->machines->len; i++)
    {
      const DcMachine *machine = g_ptr_array_index (facts->machines, i);
      add_label (labels, MACHINE_TYPE, machine->name, "true");
      if (machine->alias != NULL)
        add_label (labels, MACHINE_TYPE, machine->alias, "true");
    }
}

static void
add_presence (GHashTable *labels, const DcCapsNode *root)
{
  const DcCapsNode *sev = dc_caps_node_at (root, "features/sev");
  const char *es = child_text (sev, "maxESGuests");

  for (gsize i = 0; i < G_N_ELEMENTS (presence_labels); i++)
    {
      const DcCapsNode *element = dc_caps_node_at (root, presence_labels[i].element);

      if (dc_caps_node_is_supported (element) &&
          (presence_labels[i].enum_path == NULL ||
           dc_caps_enum_has (dc_caps_node_at (element, presence_labels[i].enum_path),
                             presence_labels[i].value)))
        add_label (labels, presence_labels[i].label, "", "");
    }
  if (dc_caps_node_is_supported (sev) && es != NULL && strtoull (es, NULL, 10) > 0)
    add_label (labels, "kubevirt.io/sev-es", "", "");
}

GHashTable *
dc_labels_compute (const DcCapsNode *root, const DcEmulatorFacts *facts)
{
  GHashTable *labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gboolean kvm = g_strcmp0 (child_text (root, "domain"), "kvm") == 0;

  add_models (labels, root);
  add_host_model (labels, root);
  add_presence (labels, root);
  if (dc_arch_is_x86 (facts->arch))
    add_cpu_features (labels, kvm ? facts->cpu_kvm : facts->cpu_tcg);
  if (kvm && dc_arch_is_x86 (facts->arch))
    add_hyperv (labels, facts);
  add_machines (labels, facts);
  return labels;
}

void
dc_labels_add_host (GHashTable *labels, const DcHostCaps *host)
{
  g_autofree char *hz = NULL;

  if (host == NULL || host->tsc_hz == 0)
    return;
  hz = g_strdup_printf ("%" G_GUINT64_FORMAT, host->tsc_hz);
  add_label (labels, CPU_TIMER, "tsc-frequency", hz);
  add_label (labels, CPU_TIMER, "tsc-scalable", host->tsc_scaling ? "true" : "false");
}

GHashTable *
dc_labels_for_host (DcRegistry *registry, DcAnswerer *answerer, GError **error)
{
  const char *host_arch = dc_registry_get_host_arch (registry);
  const DcQuestion q35 = { "", host_arch, dc_arch_is_x86 (host_arch) ? "q35" : "", "", 0 };
  const DcQuestion plain = { "", host_arch, "", "", 0 };
  const DcEmulatorFacts *facts = NULL;
  g_autoptr(DcCapsNode) root = dc_answerer_model (answerer, &q35, &facts, NULL);
  GHashTable *labels;

  if (root == NULL)
    root = dc_answerer_model (answerer, &plain, &facts, error);
  if (root == NULL)
    return NULL;
  labels = dc_labels_compute (root, facts);
  dc_labels_add_host (labels, dc_answerer_host_caps (answerer));
  return labels;
}
