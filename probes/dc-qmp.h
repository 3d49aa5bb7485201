/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-qmp.h: a bounded, asynchronous QMP conversation over a GIOStream.
 *
 * The whole conversation is pipelined: qmp_capabilities and every command
 * are written at once, each with its index as "id", and the replies are
 * read back (QMP answers in order; events are skipped). Every line read is
 * bounded in size and JSON nesting, and the whole conversation in bytes. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#define DC_QMP_ERROR (dc_qmp_error_quark ())
GQuark dc_qmp_error_quark (void);

typedef enum {
  DC_QMP_ERROR_PROTOCOL,  /* not QMP: no greeting, bad JSON, unknown id, ... */
  DC_QMP_ERROR_TOO_LARGE, /* a line or the conversation exceeds its limit */
  DC_QMP_ERROR_TOO_DEEP,  /* JSON nested deeper than allowed */
  DC_QMP_ERROR_CLOSED,    /* the peer closed before answering everything */
} DcQmpError;

typedef struct {
  gsize max_line;         /* bytes in one line (one message) */
  gsize max_total;        /* bytes in the whole conversation */
  guint max_depth;        /* nesting of objects and arrays */
  gsize max_nodes;        /* JSON values in one message */
  gsize max_total_nodes;  /* JSON values in the whole conversation */
} DcQmpLimits;

/* Sensible limits for a QEMU probe: QEMU 10.0's largest message
 * (query-qmp-schema) is ~240 KB and 18,000 values, its whole probe
 * conversation 45,000 values (docs/architecture.md, "Limits"). */
extern const DcQmpLimits dc_qmp_default_limits;

/* One command and, once the conversation finished, its answer. */
typedef struct {
  char *command;
  JsonNode *arguments;   /* object or NULL */
  JsonNode *ret;         /* the "return" member; NULL on error */
  char *error_class;     /* QMP error class; NULL on success */
  char *error_desc;
} DcQmpExchange;

DcQmpExchange *dc_qmp_exchange_new (const char *command, JsonNode *arguments);
DcQmpExchange *dc_qmp_exchange_new_answered (const char *command,
                                             JsonNode *arguments,
                                             JsonNode *ret,
                                             const char *error_class,
                                             const char *error_desc);
void dc_qmp_exchange_free (DcQmpExchange *exchange);
/* The answer ("return") of the first exchange of @command in @exchanges
 * (may be NULL), or NULL if there is none or it failed. */
JsonNode *dc_qmp_find_return (GPtrArray *exchanges, const char *command);
/* The same for the exchange whose string argument @member is @value. */
JsonNode *dc_qmp_find_return_for (GPtrArray *exchanges, const char *command,
                                  const char *member, const char *value);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcQmpExchange, dc_qmp_exchange_free)

/* Runs every exchange of @exchanges (an array of DcQmpExchange) on @stream
 * and fills in its answer. The array must stay alive until the callback. */
void dc_qmp_converse_async (GIOStream *stream,
                            GPtrArray *exchanges,
                            const DcQmpLimits *limits,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data);
gboolean dc_qmp_converse_finish (GAsyncResult *result, GError **error);

/* Called once every exchange so far is answered; may append exchanges
 * built from those answers, which are then sent as a next round on the
 * same connection (ids go on counting). Appending nothing ends it. */
typedef void (*DcQmpFollowUp) (GPtrArray *exchanges, gpointer user_data);

/* Like dc_qmp_converse_async(), in as many rounds as @follow_up asks. */
void dc_qmp_converse_rounds_async (GIOStream *stream,
                                   GPtrArray *exchanges,
                                   const DcQmpLimits *limits,
                                   DcQmpFollowUp follow_up,
                                   gpointer follow_up_data,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);

/* Parses one QMP line within @limits (its own size, depth and values);
 * sets *@nodes (may be NULL) to its values. Exposed for tests and fuzzing. */
JsonNode *dc_qmp_parse_line (const char *line, gsize len,
                             const DcQmpLimits *limits, gsize *nodes,
                             GError **error);

/* The JSON text of a command as sent on the wire, with "id": @id. */
char *dc_qmp_format_command (const char *command, JsonNode *arguments,
                             guint id);
