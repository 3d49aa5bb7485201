/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-methods.c: the answering methods' replies, from the answerer. */
#include "config.h"

#include "dc-methods.h"

#include "dc-errors.h"
#include "dc-labels.h"
#include "dc-query.h"
#include "dc-validate.h"
#include "dc-wire.h"

static void
read_question (GVariant *parameters, DcQuestion *q)
{
  g_variant_get (parameters, "(&s&s&s&su)", &q->emulatorbin, &q->arch,
                 &q->machine, &q->virttype, &q->flags);
}

static GVariant *
get_domain_capabilities (DcAnswerer *answerer, GVariant *parameters, GError **error)
{
  DcQuestion q;
  g_autofree char *xml = NULL;

  read_question (parameters, &q);
  xml = dc_answerer_xml (answerer, &q, error);
  return xml ? g_variant_new ("(s)", xml) : NULL;
}

static GVariant *
get_reasons (DcAnswerer *answerer, GVariant *parameters, GError **error)
{
  DcQuestion q;
  g_autoptr(GPtrArray) reasons = NULL;

  read_question (parameters, &q);
  reasons = dc_answerer_explain (answerer, &q, error);
  return reasons ? g_variant_new_tuple ((GVariant *[]) { dc_reasons_to_variant (reasons) }, 1)
                 : NULL;
}

static GVariant *
get_all (DcAnswerer *answerer, GVariant *parameters, GError **error)
{
  guint flags;
  g_autoptr(GPtrArray) rows = NULL;

  g_variant_get (parameters, "(u)", &flags);
  if (flags != 0)
    {
      g_set_error (error, DC_ERROR, DC_ERROR_INVALID_ARGUMENT,
                   "unknown flags 0x%x: no flag is defined", flags);
      return NULL;
    }
  rows = dc_answerer_all (answerer);
  return g_variant_new_tuple ((GVariant *[]) { dc_answer_rows_to_variant (rows) }, 1);
}

static GVariant *
get_node_labels (DcRegistry *registry, DcAnswerer *answerer, GError **error)
{
  g_autoptr(GHashTable) labels = dc_labels_for_host (registry, answerer, error);

  return labels ? g_variant_new_tuple ((GVariant *[]) { dc_labels_to_variant (labels) }, 1)
                : NULL;
}

static GVariant *
list_emulators (DcRegistry *registry, DcAnswerer *answerer)
{
  g_autoptr(GPtrArray) list = dc_registry_list (registry);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < list->len; i++)
    {
      g_autoptr(DcEmulatorInfo) info =
        dc_answerer_describe (answerer, g_ptr_array_index (list, i));
      g_variant_builder_add_value (&builder, dc_emulator_info_to_variant (info));
    }
  return g_variant_new ("(aa{sv})", &builder);
}

static GVariant *
get_capabilities (DcAnswerer *answerer, GError **error)
{
  g_autofree char *xml = dc_answerer_capabilities (answerer, error);

  return xml ? g_variant_new ("(s)", xml) : NULL;
}

struct _DcMethodCall {
  char *method;
  GVariant *parameters;
  DcValidation *validation; /* ValidateDomain's domain, parsed once */
  GError *refused;          /* ... or why it was refused */
};

DcMethodCall *
dc_method_call_new (const char *method, GVariant *parameters)
{
  DcMethodCall *call = g_new0 (DcMethodCall, 1);

  call->method = g_strdup (method);
  call->parameters = g_variant_ref (parameters);
  if (g_str_equal (method, "ValidateDomain"))
    {
      const char *xml;
      guint flags;

      g_variant_get (parameters, "(&su)", &xml, &flags);
      call->validation = dc_validation_new (xml, flags, &call->refused);
    }
  return call;
}

void
dc_method_call_free (DcMethodCall *call)
{
  if (call == NULL)
    return;
  g_free (call->method);
  g_variant_unref (call->parameters);
  dc_validation_free (call->validation);
  g_clear_error (&call->refused);
  g_free (call);
}

static GVariant *
validate_domain (DcMethodCall *call, DcAnswerer *answerer, GError **error)
{
  g_autoptr(GPtrArray) problems = NULL;

  if (call->validation == NULL)
    {
      g_propagate_error (error, g_error_copy (call->refused));
      return NULL;
    }
  problems = dc_validation_run (call->validation, answerer, error);
  return problems ? g_variant_new_tuple ((GVariant *[]) { dc_problems_to_variant (problems) }, 1)
                  : NULL;
}

/* ValidateDomain waits for what the domain's own question waits for. */
static GPtrArray *
validate_depends_on (DcMethodCall *call, DcAnswerer *answerer)
{
  const char *emulator, *arch;

  if (call->validation == NULL)
    return g_ptr_array_new_with_free_func (g_free);
  emulator = dc_validation_get_emulator (call->validation);
  arch = dc_validation_get_arch (call->validation);
  if (!dc_query_check (emulator ? emulator : "", arch ? arch : "", "", "", 0, NULL))
    return g_ptr_array_new_with_free_func (g_free);
  return dc_answerer_candidates (answerer, emulator ? emulator : "", arch ? arch : "");
}

static GPtrArray *
all_paths (DcRegistry *registry)
{
  g_autoptr(GPtrArray) list = dc_registry_list (registry);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < list->len; i++)
    g_ptr_array_add (paths, g_strdup (dc_emulator_get_path (g_ptr_array_index (list, i))));
  return paths;
}

GPtrArray *
dc_method_call_depends_on (DcMethodCall *call, DcRegistry *registry, DcAnswerer *answerer)
{
  const char *method = call->method;
  GVariant *parameters = call->parameters;
  DcQuestion q;

  if (g_str_equal (method, "GetDomainCapabilities") ||
      g_str_equal (method, "GetDomainCapabilitiesReasons"))
    {
      read_question (parameters, &q);
      /* a question refused for its arguments waits for nothing */
      if (!dc_query_check (q.emulatorbin, q.arch, q.machine, q.virttype, q.flags, NULL))
        return g_ptr_array_new_with_free_func (g_free);
      return dc_answerer_candidates (answerer, q.emulatorbin, q.arch);
    }
  if (g_str_equal (method, "GetNodeLabels"))
    return dc_answerer_candidates (answerer, "", dc_registry_get_host_arch (registry));
  if (g_str_equal (method, "GetAllDomainCapabilities"))
    return all_paths (registry);
  if (g_str_equal (method, "GetCapabilities"))
    return dc_answerer_capabilities_emulators (answerer);
  if (g_str_equal (method, "ValidateDomain"))
    return validate_depends_on (call, answerer);
  return g_ptr_array_new_with_free_func (g_free);
}

GVariant *
dc_method_call_reply (DcMethodCall *call, DcRegistry *registry, DcAnswerer *answerer,
                      GError **error)
{
  const char *method = call->method;
  GVariant *parameters = call->parameters;

  if (g_str_equal (method, "GetDomainCapabilities"))
    return get_domain_capabilities (answerer, parameters, error);
  if (g_str_equal (method, "GetDomainCapabilitiesReasons"))
    return get_reasons (answerer, parameters, error);
  if (g_str_equal (method, "GetAllDomainCapabilities"))
    return get_all (answerer, parameters, error);
  if (g_str_equal (method, "GetNodeLabels"))
    return get_node_labels (registry, answerer, error);
  if (g_str_equal (method, "ListEmulators"))
    return list_emulators (registry, answerer);
  if (g_str_equal (method, "GetCapabilities"))
    return get_capabilities (answerer, error);
  if (g_str_equal (method, "ValidateDomain"))
    return validate_domain (call, answerer, error);
  g_set_error (error, DC_ERROR, DC_ERROR_INVALID_ARGUMENT, "no method %s", method);
  return NULL;
}

GVariant *
dc_methods_call (DcRegistry *registry, DcAnswerer *answerer, const char *method,
                 GVariant *parameters, GError **error)
{
  g_autoptr(DcMethodCall) call = dc_method_call_new (method, parameters);

  return dc_method_call_reply (call, registry, answerer, error);
}
