/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-service.c: D-Bus method handlers, properties and signals. */
#include "config.h"

#include "dc-service.h"

#include "dc-answers.h"
#include "dc-arch.h"
#include "dc-dbus-generated.h"
#include "dc-errors.h"
#include "dc-nfd.h"
#include "dc-query.h"
#include "dc-reasons.h"

struct _DcService {
  DcRegistry *registry;
  gboolean system_bus;
  DcDomainCapabilities1 *skeleton;
  gulong probed_handler;
  gulong changed_handler;
  gboolean signalling;
};

static gboolean
on_get_domain_capabilities (DcDomainCapabilities1 *skeleton,
                            GDBusMethodInvocation *invocation,
                            const char *emulatorbin, const char *arch,
                            const char *machine, const char *virttype,
                            guint flags, DcService *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *xml =
    dc_registry_get_domain_capabilities (self->registry, emulatorbin, arch,
                                         machine, virttype, flags, &error);

  if (xml == NULL)
    dc_error_return (invocation, error);
  else
    dc_domain_capabilities1_complete_get_domain_capabilities (skeleton,
                                                              invocation, xml);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_get_domain_capabilities_reasons (DcDomainCapabilities1 *skeleton,
                                    GDBusMethodInvocation *invocation,
                                    const char *emulatorbin, const char *arch,
                                    const char *machine, const char *virttype,
                                    guint flags, DcService *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) reasons =
    dc_registry_explain (self->registry, emulatorbin, arch, machine, virttype,
                         flags, &error);

  if (reasons == NULL)
    dc_error_return (invocation, error);
  else
    dc_domain_capabilities1_complete_get_domain_capabilities_reasons (
        skeleton, invocation, dc_reasons_to_variant (reasons));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_get_all_domain_capabilities (DcDomainCapabilities1 *skeleton,
                                GDBusMethodInvocation *invocation,
                                guint flags, DcService *self)
{
  g_autoptr(GPtrArray) answers = NULL;

  if (flags != 0)
    {
      g_dbus_method_invocation_return_error (invocation, DC_ERROR,
                                             DC_ERROR_INVALID_ARGUMENT,
                                             "unknown flags 0x%x: no flag is "
                                             "defined", flags);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  answers = dc_answers_collect (self->registry);
  dc_domain_capabilities1_complete_get_all_domain_capabilities (
      skeleton, invocation, dc_answers_to_variant (answers));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_get_node_labels (DcDomainCapabilities1 *skeleton,
                    GDBusMethodInvocation *invocation, DcService *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) labels = dc_nfd_host_labels (self->registry, &error);
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer name, value;

  if (labels == NULL)
    {
      dc_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_hash_table_iter_init (&iter, labels);
  while (g_hash_table_iter_next (&iter, &name, &value))
    g_variant_builder_add (&builder, "{ss}", name, value);
  dc_domain_capabilities1_complete_get_node_labels (skeleton, invocation,
                                                    g_variant_builder_end (&builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static GVariant *
strv_variant (GPtrArray *strings)
{
  return g_variant_new_strv ((const char *const *) strings->pdata,
                             strings->len);
}

static GVariant *
machines_variant (const DcEmulatorFacts *facts)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (guint i = 0; facts && i < facts->machines->len; i++)
    {
      const DcMachine *machine = g_ptr_array_index (facts->machines, i);
      g_variant_builder_add (&builder, "(ss)", machine->name,
                             machine->alias ? machine->alias : "");
    }
  return g_variant_builder_end (&builder);
}

static GVariant *
emulator_variant (DcService *self, DcEmulator *emulator)
{
  const DcEmulatorFacts *facts = dc_registry_get_facts (self->registry, emulator);
  const DcMachine *def = facts ? dc_query_default_machine (facts) : NULL;
  const char *failure = dc_emulator_get_error (emulator);
  gint64 retry_at = dc_emulator_get_retry_at (emulator);
  g_autoptr(GPtrArray) virttypes =
    dc_registry_emulator_virttypes (self->registry, emulator);
  g_autofree const char **arches = NULL;
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "path", "s", dc_emulator_get_path (emulator));
  g_variant_dict_insert_value (&dict, "names",
                               strv_variant (dc_emulator_get_names (emulator)));
  g_variant_dict_insert (&dict, "state", "s",
                         dc_emulator_state_to_string (dc_emulator_get_state (emulator)));
  g_variant_dict_insert (&dict, "error", "s",
                         failure ? failure : "");
  g_variant_dict_insert (&dict, "arch", "s", facts ? facts->arch : "");
  arches = facts ? dc_arch_runnable (facts->arch) : g_new0 (const char *, 1);
  g_variant_dict_insert_value (&dict, "arches",
                               g_variant_new_strv (arches, -1));
  g_variant_dict_insert (&dict, "default-machine", "s", def ? def->name : "");
  g_variant_dict_insert_value (&dict, "machines", machines_variant (facts));
  g_variant_dict_insert_value (&dict, "virttypes", strv_variant (virttypes));
  g_variant_dict_insert (&dict, "version", "s", facts ? facts->version : "");
  /* After a failure that may pass: when the next try is due (Unix time). */
  if (retry_at != 0)
    g_variant_dict_insert (&dict, "next-try", "x", retry_at / G_USEC_PER_SEC);
  return g_variant_dict_end (&dict);
}

static gboolean
on_list_emulators (DcDomainCapabilities1 *skeleton,
                   GDBusMethodInvocation *invocation, DcService *self)
{
  g_autoptr(GPtrArray) list = dc_registry_list (self->registry);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < list->len; i++)
    g_variant_builder_add_value (&builder,
                                 emulator_variant (self, g_ptr_array_index (list, i)));
  dc_domain_capabilities1_complete_list_emulators (skeleton, invocation,
                                                   g_variant_builder_end (&builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_refreshed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;

  if (!dc_registry_probe_finish (DC_REGISTRY (source), result, &error))
    dc_error_return (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
refresh (DcService *self, GDBusMethodInvocation *invocation)
{
  const char *path;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation),
                 "(&s)", &path);
  dc_registry_discover (self->registry);
  /* A refresh asks QEMU again: the cache is what it would bypass. */
  dc_registry_probe_async (self->registry, *path ? path : NULL, FALSE,
                           on_refreshed, invocation);
}

typedef struct {
  DcService *service;
  GDBusMethodInvocation *invocation;
} RefreshCheck;

static void
on_caller_uid (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RefreshCheck *check = user_data;
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, NULL);
  guint32 uid = G_MAXUINT32;

  if (reply != NULL)
    g_variant_get (reply, "(u)", &uid);
  if (uid == 0)
    refresh (check->service, check->invocation);
  else
    {
      g_dbus_method_invocation_return_error (check->invocation, DC_ERROR,
                                             DC_ERROR_PERMISSION_DENIED,
                                             "only root may refresh the "
                                             "system daemon");
      g_object_unref (check->invocation);
    }
  g_free (check);
}

static gboolean
on_refresh (DcDomainCapabilities1 *skeleton, GDBusMethodInvocation *invocation,
            const char *emulatorbin, DcService *self)
{
  RefreshCheck *check;

  g_object_ref (invocation);
  if (!self->system_bus)
    {
      refresh (self, invocation);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  check = g_new0 (RefreshCheck, 1);
  check->service = self;
  check->invocation = invocation;
  g_dbus_connection_call (g_dbus_method_invocation_get_connection (invocation),
                          "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetConnectionUnixUser",
                          g_variant_new ("(s)",
                                         g_dbus_method_invocation_get_sender (invocation)),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          NULL, on_caller_uid, check);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
update_emulators (DcService *self)
{
  g_autoptr(GPtrArray) list = dc_registry_list (self->registry);
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();

  for (guint i = 0; i < list->len; i++)
    g_ptr_array_add (paths, (gpointer) dc_emulator_get_path (g_ptr_array_index (list, i)));
  g_ptr_array_add (paths, NULL);
  dc_domain_capabilities1_set_emulators (self->skeleton,
                                         (const char *const *) paths->pdata);
}

static void
on_capabilities_changed (DcRegistry *registry, const char *path,
                         DcService *self)
{
  if (self->signalling)
    dc_domain_capabilities1_emit_capabilities_changed (self->skeleton, path);
}

void
dc_service_start_signalling (DcService *service)
{
  service->signalling = TRUE;
}

static void
on_emulators_changed (DcRegistry *registry, DcService *self)
{
  update_emulators (self);
}

DcService *
dc_service_new (DcRegistry *registry, gboolean system_bus)
{
  DcService *self = g_new0 (DcService, 1);

  self->registry = registry;
  self->system_bus = system_bus;
  self->skeleton = dc_domain_capabilities1_skeleton_new ();
  dc_domain_capabilities1_set_version (self->skeleton, PACKAGE_VERSION);
  update_emulators (self);
  g_signal_connect (self->skeleton, "handle-get-domain-capabilities",
                    G_CALLBACK (on_get_domain_capabilities), self);
  g_signal_connect (self->skeleton, "handle-get-domain-capabilities-reasons",
                    G_CALLBACK (on_get_domain_capabilities_reasons), self);
  g_signal_connect (self->skeleton, "handle-get-all-domain-capabilities",
                    G_CALLBACK (on_get_all_domain_capabilities), self);
  g_signal_connect (self->skeleton, "handle-get-node-labels",
                    G_CALLBACK (on_get_node_labels), self);
  g_signal_connect (self->skeleton, "handle-list-emulators",
                    G_CALLBACK (on_list_emulators), self);
  g_signal_connect (self->skeleton, "handle-refresh",
                    G_CALLBACK (on_refresh), self);
  self->probed_handler = g_signal_connect (registry, "capabilities-changed",
                                           G_CALLBACK (on_capabilities_changed),
                                           self);
  self->changed_handler = g_signal_connect (registry, "emulators-changed",
                                            G_CALLBACK (on_emulators_changed), self);
  return self;
}

gboolean
dc_service_export (DcService *self, GDBusConnection *connection,
                   GError **error)
{
  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton),
                                           connection, DC_OBJECT_PATH, error);
}

void
dc_service_free (DcService *self)
{
  if (self == NULL)
    return;
  g_signal_handler_disconnect (self->registry, self->probed_handler);
  g_signal_handler_disconnect (self->registry, self->changed_handler);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
  g_object_unref (self->skeleton);
  g_free (self);
}
