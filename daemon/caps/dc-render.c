/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-render.c: the domain capabilities of one (emulator, arch, machine,
 * virttype), section by section, in libvirt's element order: the
 * context, reasons and rule tables every section uses, the header and
 * memoryBacking; the other sections in dc-render-*.c. */
#include "config.h"

#include "dc-render-private.h"

#include <string.h>

/* ---- reasons: why something is absent, recorded as it is decided ---- */

/* Records why @node (or its enum @value) is as it is, when explaining. */
void
rd_explain (const Ctx *ctx, const DcCapsNode *node, const char *value,
            const char *state, const char *code, const char *facts,
            const char *format, ...)
{
  g_autofree char *path = NULL;
  g_autofree char *message = NULL;
  va_list args;

  if (ctx->reasons == NULL)
    return;
  path = dc_caps_node_path (node, value);
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (ctx->reasons, dc_reason_new (path, state, code, facts, message));
}

/* A value of an enum, explained when absent. */
void
rd_explain_absent (const Ctx *ctx, const DcCapsNode *e, const char *value,
                   const char *code, const char *facts, const char *message)
{
  rd_explain (ctx, e, value, DC_REASON_ABSENT, code, facts, "%s", message);
}

gboolean
rd_has_type (const Ctx *ctx, const char *type)
{
  return dc_emulator_facts_has_type (ctx->facts, type);
}

gboolean
rd_has_prefix (const Ctx *ctx, const char *prefix)
{
  return dc_emulator_facts_has_type_prefix (ctx->facts, prefix);
}

gboolean
rd_has_command (const Ctx *ctx, const char *command)
{
  return dc_emulator_facts_has_command (ctx->facts, command);
}

gboolean
rd_is_kvm (const Ctx *ctx)
{
  return g_str_equal (ctx->query->virttype, "kvm");
}

/* Whether QEMU takes the command-line option (-spice exists only where
 * its module is installed, which the QMP schema does not tell). */
gboolean
rd_has_option (const Ctx *ctx, const char *option)
{
  g_autofree char *prefix = g_strconcat (option, ".", NULL);
  GHashTableIter iter;
  const char *name;

  g_hash_table_iter_init (&iter, ctx->facts->options);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    if (g_str_has_prefix (name, prefix))
      return TRUE;
  return FALSE;
}

gboolean
rd_machine_is (const Ctx *ctx, const char *const *patterns)
{
  const char *name = ctx->query->machine->name;

  for (guint i = 0; patterns[i] != NULL; i++)
    if (g_pattern_match_simple (patterns[i], name))
      return TRUE;
  return FALSE;
}

/* Boards whose IDE controller is built in, so a disk can say bus='ide'
 * without adding a controller. */
gboolean
rd_machine_has_builtin_ide (const Ctx *ctx)
{
  static const char *const boards[] = { "pc", "pc-i440fx-*", "pc-0.*",
                                        "pc-1.*", "malta", "sun4u",
                                        "g3beige", NULL };
  gboolean ide = rd_has_type (ctx, "piix3-ide") || rd_has_type (ctx, "piix4-ide") ||
                 rd_has_type (ctx, "cmd646-ide") || rd_has_type (ctx, "macio-ide");

  return ide && rd_machine_is (ctx, boards);
}

/* Boards with no ISA bus, where isa-fdc cannot be plugged. */
gboolean
rd_machine_has_isa (const Ctx *ctx)
{
  static const char *const no_isa[] = { "pseries", "pseries-*", NULL };
  return !rd_machine_is (ctx, no_isa);
}

gboolean
rd_has_fdc (const Ctx *ctx)
{
  return rd_has_type (ctx, "isa-fdc") && rd_machine_has_isa (ctx);
}

/* Boards with System Management Mode, which SMM-protected firmware needs. */
gboolean
rd_machine_has_smm (const Ctx *ctx)
{
  static const char *const boards[] = { "q35", "pc-q35-*", NULL };
  return rd_machine_is (ctx, boards);
}


gboolean
rd_rule_holds (const Ctx *ctx, const Rule *rule)
{
  const DcEmulatorFacts *f = ctx->facts;

  switch (rule->kind)
    {
    case RULE_ALWAYS: return TRUE;
    case RULE_TYPE: return rd_has_type (ctx, rule->name);
    case RULE_PREFIX: return rd_has_prefix (ctx, rule->name);
    case RULE_COMMAND: return rd_has_command (ctx, rule->name);
    case RULE_DISPLAY:
      return dc_emulator_facts_schema_has (f, DC_SCHEMA_DISPLAY_TYPES, rule->name);
    case RULE_CHARDEV:
      return dc_emulator_facts_schema_has (f, DC_SCHEMA_CHARDEV_BACKENDS, rule->name);
    case RULE_NETDEV:
      return dc_emulator_facts_schema_has (f, DC_SCHEMA_NETDEV_TYPES, rule->name);
    case RULE_OPTION: return rd_has_option (ctx, rule->name);
    case RULE_TPM_TYPE: return g_hash_table_contains (f->tpm_types, rule->name);
    }
  g_return_val_if_reached (FALSE);
}

/* What a rule that does not hold says: code, fact and sentence. */
static const struct {
  const char *code;
  const char *fact;
  const char *message;
} rule_reasons[] = {
  [RULE_TYPE] = { "qemu-lacks-type", "qom-type:%s",
                  "this QEMU has no %s device or object type" },
  [RULE_PREFIX] = { "qemu-lacks-type", "qom-type:%s*",
                    "this QEMU has no device or object type named %s*" },
  [RULE_COMMAND] = { "qemu-lacks-command", "qmp-command:%s",
                     "this QEMU has no QMP command %s" },
  [RULE_DISPLAY] = { "qemu-lacks-schema-value", "qmp-schema:" DC_SCHEMA_DISPLAY_TYPES "=%s",
                     "this QEMU offers no %s display (not built, or its module is not installed)" },
  [RULE_CHARDEV] = { "qemu-lacks-schema-value", "qmp-schema:" DC_SCHEMA_CHARDEV_BACKENDS "=%s",
                     "this QEMU has no %s character device backend" },
  [RULE_NETDEV] = { "qemu-lacks-schema-value", "qmp-schema:" DC_SCHEMA_NETDEV_TYPES "=%s",
                    "this QEMU has no %s network backend" },
  [RULE_OPTION] = { "qemu-lacks-option", "command-line:-%s",
                    "this QEMU has no -%s option (its module is not installed)" },
  [RULE_TPM_TYPE] = { "qemu-lacks-tpm-backend", "tpm-type:%s",
                      "this QEMU has no %s TPM backend" },
};

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
void
rd_explain_rule (const Ctx *ctx, const DcCapsNode *node, const char *value,
                 const char *state, const Rule *rule)
{
  g_autofree char *fact = g_strdup_printf (rule_reasons[rule->kind].fact, rule->name);
  g_autofree char *message = g_strdup_printf (rule_reasons[rule->kind].message,
                                              rule->name);

  rd_explain (ctx, node, value, state, rule_reasons[rule->kind].code, fact, "%s",
              message);
}
#pragma GCC diagnostic pop

/* Adds each value whose rule holds; explains the others. */
void
rd_add_rules (const Ctx *ctx, DcCapsNode *e, const Rule *rules, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (rd_rule_holds (ctx, &rules[i]))
      dc_caps_enum_add (e, rules[i].value);
    else
      rd_explain_rule (ctx, e, rules[i].value, DC_REASON_ABSENT, &rules[i]);
}

/* <NAME supported='yes|no'/> as @rule decides, explained when no. */
DcCapsNode *
rd_add_supported_rule (const Ctx *ctx, DcCapsNode *parent, const char *name,
                       RuleKind kind, const char *fact)
{
  const Rule rule = { name, kind, fact };
  gboolean ok = rd_rule_holds (ctx, &rule);
  DcCapsNode *node = dc_caps_node_add_supported (parent, name, ok);

  if (!ok)
    rd_explain_rule (ctx, node, NULL, DC_REASON_UNSUPPORTED, &rule);
  return node;
}

/* <NAME supported='yes|no'/>, explained by the caller's sentence when no. */
DcCapsNode *
rd_add_supported_or (const Ctx *ctx, DcCapsNode *parent, const char *name,
                     gboolean ok, const char *code, const char *fact,
                     const char *message)
{
  DcCapsNode *node = dc_caps_node_add_supported (parent, name, ok);

  if (!ok)
    rd_explain (ctx, node, NULL, DC_REASON_UNSUPPORTED, code, fact, "%s", message);
  return node;
}

/* Adds @value if @ok, else explains its absence. */
void
rd_add_value_or (const Ctx *ctx, DcCapsNode *e, gboolean ok, const char *value,
                 const char *code, const char *fact, const char *message)
{
  if (ok)
    dc_caps_enum_add (e, value);
  else
    rd_explain_absent (ctx, e, value, code, fact, message);
}

gboolean
rd_enum_is_empty (DcCapsNode *node)
{
  return node->children->len == 0;
}

/* <NAME supported='yes|no'> holding the enums; unsupported when the enum
 * that defines the device (@key) came out empty. */
void
rd_finish_device (const Ctx *ctx, DcCapsNode *device, DcCapsNode *key)
{
  g_autofree char *key_path = NULL;

  if (!rd_enum_is_empty (key))
    return;
  key_path = dc_caps_node_path (key, NULL);
  rd_explain (ctx, device, NULL, DC_REASON_UNSUPPORTED, "no-values", key_path,
              "no value of %s is available here (see the reasons for its values)",
              key_path);
  dc_caps_node_set_unsupported (device);
}


/* Whether @node is at @path (dc_caps_node_path(); "(root)": the root). */
static gboolean
node_is_at (const DcCapsNode *node, const char *path)
{
  g_autofree char *at = NULL;

  if (g_str_equal (path, "(root)"))
    return node->parent == NULL;
  at = dc_caps_node_path (node, NULL);
  return g_str_equal (at, path);
}

static DcCapsNode *
find_enum (DcCapsNode *element, const char *name)
{
  for (guint i = 0; i < element->children->len; i++)
    {
      DcCapsNode *child = g_ptr_array_index (element->children, i);

      if (g_str_equal (child->name, "enum") &&
          g_strcmp0 (dc_caps_node_get_attr (child, "name"), name) == 0)
        return child;
    }
  return NULL;
}

DcCapsNode *
rd_add_table (const Ctx *ctx, DcCapsNode *element, const RuleTable *table)
{
  DcCapsNode *e;

  g_return_val_if_fail (node_is_at (element, table->element), NULL);
  e = find_enum (element, table->enum_name);
  if (e == NULL)
    e = dc_caps_node_add_enum (element, table->enum_name);
  rd_add_rules (ctx, e, table->rules, table->n);
  return e;
}

void
rd_add_supported_table (const Ctx *ctx, DcCapsNode *parent, const RuleTable *table)
{
  g_return_if_fail (node_is_at (parent, table->element));
  for (gsize i = 0; i < table->n; i++)
    rd_add_supported_rule (ctx, parent, table->rules[i].value, table->rules[i].kind,
                           table->rules[i].name);
}

/* host-passthrough is KVM's: why this answer cannot offer it. */
void
rd_explain_needs_kvm (const Ctx *ctx, DcCapsNode *node, const char *value,
                      const char *state, const char *what)
{
  if (ctx->host->kvm_usable)
    rd_explain (ctx, node, value, state, "needs-kvm", "virttype:qemu",
                "%s needs KVM; this answer is for TCG (virttype qemu)", what);
  else
    rd_explain (ctx, node, value, state, "needs-kvm",
                ctx->host->kvm_present ? "host:/dev/kvm-not-usable" : "host:no-/dev/kvm",
                "%s needs KVM, and %s", what,
                ctx->host->kvm_present ? "/dev/kvm is not accessible to the daemon"
                                    : "this host has no /dev/kvm");
}

/* ---- the header's and memoryBacking's tables ---- */

/* Elements supported='yes' with one emulator fact each (value: the
 * element's name), in their order in the answer. */
static const Rule top_rules[] = { { "iothreads", RULE_TYPE, "iothread" } };
static const RuleTable top_table = RULE_TABLE ("(root)", "(supported)", top_rules);

static const Rule memory_rules[] = {
  { "file", RULE_TYPE, "memory-backend-file" },
  { "anonymous", RULE_TYPE, "memory-backend-ram" },
  { "memfd", RULE_TYPE, "memory-backend-memfd" },
};
static const RuleTable memory_sources = RULE_TABLE ("memoryBacking", "sourceType",
                                                    memory_rules);

static void
render_header (DcCapsNode *root, const Ctx *ctx)
{
  const DcRenderQuery *q = ctx->query;
  guint vcpus = q->machine->cpu_max;
  g_autofree char *max = NULL;

  dc_caps_node_add_text (root, "path", q->path ? q->path : ctx->facts->path);
  dc_caps_node_add_text (root, "domain", q->virttype);
  dc_caps_node_add_text (root, "machine", q->machine->name);
  dc_caps_node_add_text (root, "arch", q->arch);
  if (g_str_equal (q->virttype, "kvm") && ctx->host->kvm_max_vcpus > 0)
    vcpus = MIN (vcpus, ctx->host->kvm_max_vcpus);
  max = g_strdup_printf ("%u", vcpus);
  dc_caps_node_set_attr (dc_caps_node_add (root, "vcpu"), "max", max);
  rd_add_supported_table (ctx, root, &top_table);
}
static void
render_memory_backing (DcCapsNode *root, const Ctx *ctx)
{
  DcCapsNode *mb = dc_caps_node_add_supported (root, "memoryBacking", TRUE);
  DcCapsNode *e = rd_add_table (ctx, mb, &memory_sources);

  rd_finish_device (ctx, mb, e);
}

DcCapsNode *
dc_render (const DcEmulatorFacts *facts, const DcHostFacts *host,
           GPtrArray *firmware, const DcRenderQuery *query)
{
  return dc_render_explained (facts, host, firmware, query, NULL);
}

DcCapsNode *
dc_render_explained (const DcEmulatorFacts *facts, const DcHostFacts *host,
                     GPtrArray *firmware, const DcRenderQuery *query,
                     GPtrArray *reasons)
{
  const Ctx ctx = { facts, host, firmware, query, reasons };
  DcCapsNode *root = dc_caps_node_new ("domainCapabilities");

  render_header (root, &ctx);
  rd_render_os (root, &ctx);
  rd_render_cpu (root, &ctx);
  render_memory_backing (root, &ctx);
  rd_render_devices (root, &ctx);
  rd_render_features (root, &ctx);
  return root;
}

/* How a rule's fact reads in the documentation. */
static const char *const rule_facts[] = {
  [RULE_ALWAYS] = "always",
  [RULE_TYPE] = "QOM type `%s`",
  [RULE_PREFIX] = "a QOM type `%s*`",
  [RULE_COMMAND] = "QMP command `%s`",
  [RULE_DISPLAY] = "display type `%s` in the QMP schema",
  [RULE_CHARDEV] = "chardev backend `%s` in the QMP schema",
  [RULE_NETDEV] = "netdev type `%s` in the QMP schema",
  [RULE_OPTION] = "command-line option `-%s`",
  [RULE_TPM_TYPE] = "TPM backend `%s` (query-tpm-types)",
};

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void
append_table (GString *out, const RuleTable *table)
{
  for (gsize i = 0; i < table->n; i++)
    {
      const Rule *rule = &table->rules[i];
      g_autofree char *fact = g_strdup_printf (rule_facts[rule->kind], rule->name);

      g_string_append_printf (out, "| %s | %s | `%s` | %s |\n", table->element,
                              table->enum_name, rule->value, fact);
    }
}

static void
append_tables (GString *out, const RuleTable *const *tables)
{
  for (gsize t = 0; tables[t] != NULL; t++)
    append_table (out, tables[t]);
}

char *
dc_render_rules_markdown (void)
{
  GString *out = g_string_new ("| element | enum | value | offered with |\n|---|---|---|---|\n");

  append_table (out, &top_table);
  append_tables (out, rd_os_tables);
  append_table (out, &memory_sources);
  append_tables (out, rd_devices_tables);
  append_tables (out, rd_features_tables);
  return g_string_free (out, FALSE);
}
#pragma GCC diagnostic pop
