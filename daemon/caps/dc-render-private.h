/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-render-private.h: what the renderer's section files share.
 *
 * dc-render.c holds the context, the reasons and the rule tables'
 * machinery and renders the header and memoryBacking; dc-render-os.c,
 * dc-render-cpu.c, dc-render-devices.c and dc-render-features.c render
 * their sections. Names rd_* are the renderer's own, shared by those files
 * and by nothing else. */
#pragma once

#include "dc-caps.h"
#include "dc-render.h"
#include "dc-wire.h"

typedef struct {
  const DcEmulatorFacts *facts;
  const DcHostFacts *host;
  GPtrArray *firmware;
  const DcRenderQuery *query;
  GPtrArray *reasons;     /* of DcReason, or NULL: not explaining */
} Ctx;

/* ---- rule tables: enum values decided by one emulator fact each ---- */

typedef enum {
  RULE_ALWAYS,
  RULE_TYPE,       /* a QOM type */
  RULE_PREFIX,     /* some QOM type starting with name */
  RULE_COMMAND,    /* a QMP command */
  RULE_DISPLAY,    /* a display type in the QMP schema */
  RULE_CHARDEV,    /* a chardev backend in the QMP schema */
  RULE_NETDEV,     /* a netdev type in the QMP schema */
  RULE_OPTION,     /* a command-line option (a module's) */
  RULE_TPM_TYPE,   /* a TPM backend (query-tpm-types) */
} RuleKind;

typedef struct {
  const char *value;
  RuleKind kind;
  const char *name;
} Rule;

/* A table makes its own enum: @enum_name under the element at @element
 * (as dc_caps_node_path() names it; "(root)" for the root), each row a
 * value. With @enum_name "(supported)" each row is an element of its own,
 * <VALUE supported='yes|no'/>. docs/architecture.md's value table is
 * generated from the same tables (dc_render_rules_markdown()), so the
 * answer and the documentation cannot part. */
typedef struct {
  const char *element;
  const char *enum_name;
  const Rule *rules;
  gsize n;
} RuleTable;

#define RULE_TABLE(element, enum_name, rules) \
  { element, enum_name, rules, G_N_ELEMENTS (rules) }

/* Each section's tables, in the order of the answer (NULL-terminated). */
extern const RuleTable *const rd_os_tables[];
extern const RuleTable *const rd_devices_tables[];
extern const RuleTable *const rd_features_tables[];

/* The values of @table's enum under @element whose rule holds (the enum
 * made if @element has none of that name yet); the others explained.
 * Returns the enum. */
DcCapsNode *rd_add_table (const Ctx *ctx, DcCapsNode *element, const RuleTable *table);
/* <VALUE supported='yes|no'/> for each row of a "(supported)" table. */
void rd_add_supported_table (const Ctx *ctx, DcCapsNode *parent, const RuleTable *table);
gboolean rd_rule_holds (const Ctx *ctx, const Rule *rule);
void rd_explain_rule (const Ctx *ctx, const DcCapsNode *node, const char *value,
                      const char *state, const Rule *rule);
/* Adds each value of @rules (a table the code builds) whose rule holds;
 * explains the others. */
void rd_add_rules (const Ctx *ctx, DcCapsNode *e, const Rule *rules, gsize n);

/* ---- reasons, recorded as the answer is decided ---- */

void rd_explain (const Ctx *ctx, const DcCapsNode *node, const char *value,
                 const char *state, const char *code, const char *facts,
                 const char *format, ...) G_GNUC_PRINTF (7, 8);
void rd_explain_absent (const Ctx *ctx, const DcCapsNode *e, const char *value,
                        const char *code, const char *facts, const char *message);
/* Why a KVM-only @what is not offered in this answer. */
void rd_explain_needs_kvm (const Ctx *ctx, DcCapsNode *node, const char *value,
                           const char *state, const char *what);
/* <NAME supported='yes|no'/> as a rule decides, explained when no. */
DcCapsNode *rd_add_supported_rule (const Ctx *ctx, DcCapsNode *parent, const char *name,
                                   RuleKind kind, const char *fact);
/* <NAME supported='yes|no'/>, explained by the caller's sentence when no. */
DcCapsNode *rd_add_supported_or (const Ctx *ctx, DcCapsNode *parent, const char *name,
                                 gboolean ok, const char *code, const char *fact,
                                 const char *message);
/* Adds @value if @ok, else explains its absence. */
void rd_add_value_or (const Ctx *ctx, DcCapsNode *e, gboolean ok, const char *value,
                      const char *code, const char *fact, const char *message);
gboolean rd_enum_is_empty (DcCapsNode *node);
/* A device unsupported when the enum that defines it (@key) came out
 * empty, with every child dropped, as libvirt writes it. */
void rd_finish_device (const Ctx *ctx, DcCapsNode *device, DcCapsNode *key);

/* ---- facts of the emulator and the board ---- */

gboolean rd_has_type (const Ctx *ctx, const char *type);
gboolean rd_has_prefix (const Ctx *ctx, const char *prefix);
gboolean rd_has_command (const Ctx *ctx, const char *command);
gboolean rd_has_option (const Ctx *ctx, const char *option);
gboolean rd_is_kvm (const Ctx *ctx);
gboolean rd_machine_is (const Ctx *ctx, const char *const *patterns);
gboolean rd_machine_has_builtin_ide (const Ctx *ctx);
gboolean rd_machine_has_isa (const Ctx *ctx);
gboolean rd_has_fdc (const Ctx *ctx);
gboolean rd_machine_has_smm (const Ctx *ctx);

/* ---- the sections ---- */

void rd_render_os (DcCapsNode *root, const Ctx *ctx);
void rd_render_cpu (DcCapsNode *root, const Ctx *ctx);
void rd_render_devices (DcCapsNode *root, const Ctx *ctx);
void rd_render_features (DcCapsNode *root, const Ctx *ctx);
