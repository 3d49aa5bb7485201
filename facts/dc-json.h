/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-json.h: checked access to JSON from outside (QMP replies, swtpm
 * output, firmware descriptors, cache files). A member of the wrong type
 * reads as missing; nothing here aborts on bad input. */
#pragma once

#include <json-glib/json-glib.h>

#define DC_JSON_ERROR (dc_json_error_quark ())
GQuark dc_json_error_quark (void);

typedef enum {
  DC_JSON_ERROR_INVALID,   /* not plain JSON, or empty */
  DC_JSON_ERROR_TOO_DEEP,  /* nested deeper than allowed */
  DC_JSON_ERROR_TOO_LARGE, /* more values (or bytes) than allowed */
} DcJsonError;

/* What one document may hold. Values (nodes) bound the parser's memory;
 * depth bounds its recursion. */
typedef struct {
  guint max_depth;   /* nesting of objects and arrays */
  gsize max_nodes;   /* values of any kind, containers included */
} DcJsonLimits;

/* Checks that @len bytes of @text are one value of plain JSON (RFC 8259:
 * no comments, no single quotes, nothing after it) within @limits,
 * without recursion; sets *@nodes (may be NULL) to its number of values. */
gboolean dc_json_check (const char *text, gsize len, const DcJsonLimits *limits,
                        gsize *nodes, GError **error);

/* Parses @text after dc_json_check(): json-glib never sees what the check
 * refused. Returns a new reference to the root. */
JsonNode *dc_json_parse_bounded (const char *text, gsize len,
                                 const DcJsonLimits *limits, gsize *nodes,
                                 GError **error);

/* The same for a whole document that must be one object of at most
 * @max_size bytes (a file from disk). */
JsonNode *dc_json_parse_object (const char *text, gsize len, gsize max_size,
                                const DcJsonLimits *limits, GError **error);

/* The member's value, or NULL if absent or not of that type. */
const char *dc_json_get_string (JsonObject *object, const char *name);
JsonObject *dc_json_get_object (JsonObject *object, const char *name);
JsonArray *dc_json_get_array (JsonObject *object, const char *name);
/* TRUE only for a boolean member that is true. */
gboolean dc_json_get_bool (JsonObject *object, const char *name);
/* TRUE only for a boolean member that is false (absent: not said). */
gboolean dc_json_is_false (JsonObject *object, const char *name);
/* Sets *value and returns TRUE only for an integer member. */
gboolean dc_json_get_int (JsonObject *object, const char *name, gint64 *value);

/* Element @i as an object / a string, or NULL (also past the end). */
JsonObject *dc_json_array_get_object (JsonArray *array, guint i);
const char *dc_json_array_get_string (JsonArray *array, guint i);
/* The node as an object / array, or NULL. */
JsonObject *dc_json_node_object (JsonNode *node);
JsonArray *dc_json_node_array (JsonNode *node);

/* Writing: a string member (null for NULL), and a builder's document as
 * text (@pretty: indented, for people). */
void dc_json_add_string (JsonBuilder *builder, const char *name,
                         const char *value);
char *dc_json_builder_to_text (JsonBuilder *builder, gboolean pretty,
                               gsize *length);
