/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-nfd.c: KubeVirt's node labels from a domain capabilities answer. */
#include "config.h"

#include "dc-nfd.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <stdlib.h>
#include <string.h>

#include "dc-arch.h"
#include "dc-cpu-model.h"
#include "dc-errors.h"
#include "dc-file.h"

#define CPU_MODEL "cpu-model.node.kubevirt.io/"
#define CPU_MODEL_MIGRATION "cpu-model-migration.node.kubevirt.io/"
#define CPU_FEATURE "cpu-feature.node.kubevirt.io/"
#define CPU_VENDOR "cpu-vendor.node.kubevirt.io/"
#define HOST_MODEL "host-model-cpu.node.kubevirt.io/"
#define HOST_MODEL_REQUIRED "host-model-required-features.node.kubevirt.io/"
#define HOST_MODEL_OBSOLETE "node-labeller.kubevirt.io/obsolete-host-model"
#define HYPERV "hyperv.node.kubevirt.io/"
#define MACHINE_TYPE "machine-type.node.kubevirt.io/"

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

/* Presence labels for confidential guests, by XPath of the answer. */
static const struct {
  const char *label;
  const char *xpath;
} presence_labels[] = {
  { "kubevirt.io/sev", "/domainCapabilities/features/sev[@supported='yes']" },
  { "kubevirt.io/sev-es",
    "/domainCapabilities/features/sev[@supported='yes'][maxESGuests > 0]" },
  { "kubevirt.io/sev-snp", "/domainCapabilities/features/launchSecurity"
    "[@supported='yes']/enum[@name='sectype']/value[text()='sev-snp']" },
  { "kubevirt.io/tdx", "/domainCapabilities/features/launchSecurity"
    "[@supported='yes']/enum[@name='sectype']/value[text()='tdx']" },
  { "kubevirt.io/s390-pv",
    "/domainCapabilities/features/s390-pv[@supported='yes']" },
  /* Not a KubeVirt label: KubeVirt does not schedule SGX guests. */
  { "domcapsd.io/sgx", "/domainCapabilities/features/sgx[@supported='yes']" },
};

#define CUSTOM "/domainCapabilities/cpu/mode[@name='custom'][@supported='yes']"
#define HOST "/domainCapabilities/cpu/mode[@name='host-model'][@supported='yes']"

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
dc_nfd_label_valid (const char *name, const char *value)
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

  if (dc_nfd_label_valid (label, value))
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

/* The text (or attribute value) of every node @xpath selects. */
static GPtrArray *
select_strings (xmlXPathContext *ctx, const char *xpath)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  xmlXPathObject *result = xmlXPathEvalExpression ((const xmlChar *) xpath, ctx);

  for (int i = 0; result && result->nodesetval &&
                  i < result->nodesetval->nodeNr; i++)
    {
      xmlChar *text = xmlNodeGetContent (result->nodesetval->nodeTab[i]);
      g_ptr_array_add (out, g_strdup ((const char *) text));
      xmlFree (text);
    }
  xmlXPathFreeObject (result);
  return g_steal_pointer (&out);
}

static void
add_each (GHashTable *labels, xmlXPathContext *ctx, const char *xpath,
          const char *prefix)
{
  g_autoptr(GPtrArray) values = select_strings (ctx, xpath);

  for (guint i = 0; i < values->len; i++)
    add_label (labels, prefix, g_ptr_array_index (values, i), "true");
}

static void
add_models (GHashTable *labels, xmlXPathContext *ctx)
{
  g_autoptr(GPtrArray) models = select_strings (ctx, CUSTOM "/model[@usable='yes']");

  for (guint i = 0; i < models->len; i++)
    {
      const char *model = g_ptr_array_index (models, i);
      if (is_obsolete (model))
        continue;
      add_label (labels, CPU_MODEL, model, "true");
      add_label (labels, CPU_MODEL_MIGRATION, model, "true");
    }
}

static void
add_host_model (GHashTable *labels, xmlXPathContext *ctx)
{
  g_autoptr(GPtrArray) model = select_strings (ctx, HOST "/model");
  g_autoptr(GPtrArray) vendor = select_strings (ctx, HOST "/vendor");
  const char *name;

  if (model->len == 0)
    return;
  name = g_ptr_array_index (model, 0);
  add_label (labels, HOST_MODEL, name, "true");
  if (is_obsolete (name))
    add_label (labels, HOST_MODEL_OBSOLETE, "", "true");
  else
    add_label (labels, CPU_MODEL_MIGRATION, name, "true");
  if (vendor->len > 0)
    add_label (labels, CPU_VENDOR, g_ptr_array_index (vendor, 0), "true");
  add_each (labels, ctx, HOST "/feature[@policy='require']/@name",
            HOST_MODEL_REQUIRED);
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
add_presence (GHashTable *labels, xmlXPathContext *ctx)
{
  for (gsize i = 0; i < G_N_ELEMENTS (presence_labels); i++)
    {
      xmlXPathObject *result =
        xmlXPathEvalExpression ((const xmlChar *) presence_labels[i].xpath, ctx);
      if (result && result->nodesetval && result->nodesetval->nodeNr > 0)
        add_label (labels, presence_labels[i].label, "", "");
      xmlXPathFreeObject (result);
    }
}

static gboolean
answer_is_kvm (xmlXPathContext *ctx)
{
  g_autoptr(GPtrArray) domain = select_strings (ctx, "/domainCapabilities/domain");

  return domain->len == 1 && g_str_equal (g_ptr_array_index (domain, 0), "kvm");
}

GHashTable *
dc_nfd_labels (const char *xml, const DcEmulatorFacts *facts, GError **error)
{
  g_autoptr(GHashTable) labels = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                        g_free, g_free);
  xmlDoc *doc = xmlReadMemory (xml, strlen (xml), NULL, NULL,
                               XML_PARSE_NONET | XML_PARSE_NOERROR |
                               XML_PARSE_NOWARNING);
  xmlXPathContext *ctx = doc ? xmlXPathNewContext (doc) : NULL;
  gboolean kvm;

  if (ctx == NULL)
    {
      xmlFreeDoc (doc);
      g_set_error_literal (error, DC_ERROR, DC_ERROR_FAILED,
                           "the domain capabilities answer is not XML");
      return NULL;
    }
  kvm = answer_is_kvm (ctx);
  add_models (labels, ctx);
  add_host_model (labels, ctx);
  add_presence (labels, ctx);
  if (dc_arch_is_x86 (facts->arch))
    add_cpu_features (labels, kvm ? facts->cpu_kvm : facts->cpu_tcg);
  if (kvm && dc_arch_is_x86 (facts->arch))
    add_hyperv (labels, facts);
  add_machines (labels, facts);
  xmlXPathFreeContext (ctx);
  xmlFreeDoc (doc);
  return g_steal_pointer (&labels);
}

GHashTable *
dc_nfd_host_labels (DcRegistry *registry, DcAnswerer *answerer, GError **error)
{
  const char *host_arch = dc_registry_get_host_arch (registry);
  const DcQuestion q35 = { "", host_arch, dc_arch_is_x86 (host_arch) ? "q35" : "", "", 0 };
  const DcQuestion plain = { "", host_arch, "", "", 0 };
  const DcEmulatorFacts *facts = NULL;
  g_autofree char *xml = dc_answerer_xml_and_facts (answerer, &q35, &facts, NULL);

  if (xml == NULL)
    xml = dc_answerer_xml_and_facts (answerer, &plain, &facts, error);
  if (xml == NULL)
    return NULL;
  return dc_nfd_labels (xml, facts, error);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

char *
dc_nfd_format (GHashTable *labels)
{
  guint n = 0;
  g_autofree const char **names =
    (const char **) g_hash_table_get_keys_as_array (labels, &n);
  GString *out = g_string_new (NULL);

  qsort (names, n, sizeof *names, compare_strings);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, "%s=%s\n", names[i],
                            (const char *) g_hash_table_lookup (labels, names[i]));
  return g_string_free (out, FALSE);
}

gboolean
dc_nfd_write (const char *path, GHashTable *labels, gboolean *changed,
              GError **error)
{
  g_autofree char *text = dc_nfd_format (labels);
  g_autofree char *old = NULL;

  gsize length = strlen (text), old_length;

  /* The old file is read as any file someone else may have put there
   * (never blocking on a FIFO, never past the new text's size): unreadable
   * or different means changed. */
  *changed = !dc_file_read_bounded (path, length, DC_FILE_FOLLOW_LINKS, &old,
                                    &old_length, NULL) ||
             !g_str_equal (old, text);
  if (!*changed)
    return TRUE;
  return g_file_set_contents_full (path, text, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

/* ---- keeping a feature file current ---- */

struct _DcNfdWriter {
  DcRegistry *registry;
  DcAnswerer *answerer;
  char *path;
  guint delay_ms;
  guint source;
  gulong handlers[2];
};

static void
writer_update (DcNfdWriter *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) labels = dc_nfd_host_labels (self->registry, self->answerer,
                                                      &error);
  gboolean changed = FALSE;

  if (labels == NULL)
    {
      g_warning ("No node labels for this host: %s", error->message);
      g_clear_error (&error);
      labels = g_hash_table_new (g_str_hash, g_str_equal);
    }
  if (!dc_nfd_write (self->path, labels, &changed, &error))
    g_warning ("Cannot write node labels to %s: %s", self->path, error->message);
  else if (changed)
    g_message ("Wrote %u node labels to %s", g_hash_table_size (labels),
               self->path);
}

static void
on_delay_over (gpointer user_data)
{
  DcNfdWriter *self = user_data;

  self->source = 0;
  writer_update (self);
}

static void
on_changed (DcNfdWriter *self)
{
  if (self->source == 0)
    self->source = g_timeout_add_once (self->delay_ms, on_delay_over, self);
}

DcNfdWriter *
dc_nfd_writer_new (DcRegistry *registry, DcAnswerer *answerer, const char *path,
                   guint delay_ms)
{
  DcNfdWriter *self = g_new0 (DcNfdWriter, 1);

  self->registry = registry;
  self->answerer = answerer;
  self->path = g_strdup (path);
  self->delay_ms = delay_ms;
  self->handlers[0] = g_signal_connect_swapped (registry, "capabilities-changed",
                                                G_CALLBACK (on_changed), self);
  self->handlers[1] = g_signal_connect_swapped (registry, "emulators-changed",
                                                G_CALLBACK (on_changed), self);
  writer_update (self);
  return self;
}

void
dc_nfd_writer_free (DcNfdWriter *self)
{
  if (self == NULL)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (self->handlers); i++)
    g_signal_handler_disconnect (self->registry, self->handlers[i]);
  g_clear_handle_id (&self->source, g_source_remove);
  g_free (self->path);
  g_free (self);
}
