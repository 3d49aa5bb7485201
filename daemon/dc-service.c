/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-service.c: D-Bus method handlers, properties and signals. */
#include "config.h"

#include "dc-service.h"

#include "dc-dbus-generated.h"
#include "dc-errors.h"
#include "dc-methods.h"
#include "dc-trim.h"
#include "dc-wire.h"

struct _DcService {
  DcEngine *engine;
  DcRegistry *registry;
  DcAnswerer *answerer;
  gboolean system_bus;
  DcDomainCapabilities1 *skeleton;
  DcTrim *trim;
  gulong handlers[3];
  gboolean signalling;
  DcServiceRepliedFunc replied;
  gpointer replied_data;
};

/* How often one call waits for probes before it is answered as things
 * stand: once for what it needs, once more if answering found facts that
 * went away meanwhile (an unreadable cache file, a replaced binary). */
#define MAX_WAITS 3

typedef struct {
  DcService *service;
  GDBusMethodInvocation *invocation;
  DcMethodCall *call;
  guint waits;
} Waiting;

static void answer_when_settled (DcService *self, GDBusMethodInvocation *invocation,
                                 DcMethodCall *call, guint waits);

static void
on_settled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Waiting *waiting = user_data;

  dc_registry_settle_finish (DC_REGISTRY (source), result, NULL);
  answer_when_settled (waiting->service, waiting->invocation, waiting->call,
                       waiting->waits);
  g_free (waiting);
}

static void
wait_for (DcService *self, GDBusMethodInvocation *invocation, DcMethodCall *call,
          GPtrArray *paths, guint waits)
{
  Waiting *waiting = g_new0 (Waiting, 1);

  waiting->service = self;
  waiting->invocation = invocation;
  waiting->call = call;
  waiting->waits = waits + 1;
  dc_registry_settle_async (self->registry, paths, on_settled, waiting);
}

static void
return_value (DcService *self, GDBusMethodInvocation *invocation, GVariant *reply)
{
  gsize size = g_variant_get_size (reply);
  g_autoptr(GDBusConnection) connection =
    g_object_ref (g_dbus_method_invocation_get_connection (invocation));

  g_dbus_method_invocation_return_value (invocation, reply);
  if (self->replied != NULL)
    self->replied (connection, size, self->replied_data);
}

/* An answering method (dc-methods.h), once the probes its answer depends
 * on are done: the same reply domcapsctl --direct computes, so a caller
 * during start-up or after an upgrade gets the answer it would get later,
 * never one from facts about to be replaced. Takes @invocation and @call
 * (the invocation's arguments, read once). */
static void
answer_when_settled (DcService *self, GDBusMethodInvocation *invocation,
                     DcMethodCall *call, guint waits)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) paths = dc_method_call_depends_on (call, self->registry,
                                                          self->answerer);
  GVariant *reply;

  if (waits < MAX_WAITS && !dc_registry_settled (self->registry, paths))
    return wait_for (self, invocation, call, paths, waits);
  reply = dc_method_call_reply (call, self->registry, self->answerer, &error);
  if (reply == NULL && waits < MAX_WAITS && !dc_registry_settled (self->registry, paths))
    return wait_for (self, invocation, call, paths, waits);
  if (reply == NULL)
    dc_error_return (invocation, error);
  else
    return_value (self, invocation, reply);
  dc_method_call_free (call);
  g_object_unref (invocation);
  dc_trim_schedule (self->trim);
}

static gboolean
answer (DcService *self, GDBusMethodInvocation *invocation)
{
  answer_when_settled (self, g_object_ref (invocation),
                       dc_method_call_new (g_dbus_method_invocation_get_method_name (invocation),
                                           g_dbus_method_invocation_get_parameters (invocation)),
                       0);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_get_domain_capabilities (DcDomainCapabilities1 *skeleton,
                            GDBusMethodInvocation *invocation,
                            const char *emulatorbin, const char *arch,
                            const char *machine, const char *virttype,
                            guint flags, DcService *self)
{
  return answer (self, invocation);
}

static gboolean
on_get_domain_capabilities_reasons (DcDomainCapabilities1 *skeleton,
                                    GDBusMethodInvocation *invocation,
                                    const char *emulatorbin, const char *arch,
                                    const char *machine, const char *virttype,
                                    guint flags, DcService *self)
{
  return answer (self, invocation);
}

static gboolean
on_get_all_domain_capabilities (DcDomainCapabilities1 *skeleton,
                                GDBusMethodInvocation *invocation,
                                guint flags, DcService *self)
{
  return answer (self, invocation);
}

static gboolean
on_get_node_labels (DcDomainCapabilities1 *skeleton,
                    GDBusMethodInvocation *invocation, DcService *self)
{
  return answer (self, invocation);
}

static gboolean
on_get_capabilities (DcDomainCapabilities1 *skeleton,
                     GDBusMethodInvocation *invocation, DcService *self)
{
  return answer (self, invocation);
}

static gboolean
on_validate_domain (DcDomainCapabilities1 *skeleton, GDBusMethodInvocation *invocation,
                    const char *xml, guint flags, DcService *self)
{
  return answer (self, invocation);
}

static gboolean
on_list_emulators (DcDomainCapabilities1 *skeleton,
                   GDBusMethodInvocation *invocation, DcService *self)
{
  return answer (self, invocation);
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
  dc_service_recheck_host (self);
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

static void
on_probed (DcRegistry *registry, const char *path, DcService *self)
{
  dc_trim_schedule (self->trim);
}

void
dc_service_recheck_host (DcService *self)
{
  dc_engine_reread_host_devices (self->engine);
  /* "": the host part of host capabilities changed (/dev/kvm appeared, a
   * CPU went offline, huge pages were reserved) */
  if (dc_answerer_read_host (self->answerer) && self->signalling)
    dc_domain_capabilities1_emit_capabilities_changed (self->skeleton, "");
}

DcService *
dc_service_new (DcEngine *engine, gboolean system_bus)
{
  DcService *self = g_new0 (DcService, 1);

  self->engine = engine;
  self->registry = dc_engine_get_registry (engine);
  self->answerer = dc_engine_get_answerer (engine);
  self->system_bus = system_bus;
  self->trim = dc_trim_new ();
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
  g_signal_connect (self->skeleton, "handle-get-capabilities",
                    G_CALLBACK (on_get_capabilities), self);
  g_signal_connect (self->skeleton, "handle-validate-domain",
                    G_CALLBACK (on_validate_domain), self);
  g_signal_connect (self->skeleton, "handle-refresh",
                    G_CALLBACK (on_refresh), self);
  self->handlers[0] = g_signal_connect (self->registry, "capabilities-changed",
                                        G_CALLBACK (on_capabilities_changed), self);
  self->handlers[1] = g_signal_connect (self->registry, "emulators-changed",
                                        G_CALLBACK (on_emulators_changed), self);
  /* a probe's facts were stored and its conversation freed */
  self->handlers[2] = g_signal_connect (self->registry, "emulator-probed",
                                        G_CALLBACK (on_probed), self);
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
dc_service_unexport_from (DcService *self, GDBusConnection *connection)
{
  GDBusInterfaceSkeleton *skeleton = G_DBUS_INTERFACE_SKELETON (self->skeleton);

  if (g_dbus_interface_skeleton_has_connection (skeleton, connection))
    g_dbus_interface_skeleton_unexport_from_connection (skeleton, connection);
}

void
dc_service_set_replied_func (DcService *self, DcServiceRepliedFunc func,
                             gpointer user_data)
{
  self->replied = func;
  self->replied_data = user_data;
}

void
dc_service_free (DcService *self)
{
  if (self == NULL)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (self->handlers); i++)
    g_signal_handler_disconnect (self->registry, self->handlers[i]);
  dc_trim_free (self->trim);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
  g_object_unref (self->skeleton);
  g_free (self);
}
