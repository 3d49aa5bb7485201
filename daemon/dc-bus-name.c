/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-bus-name.c: owning the well-known name, and handing it to a fresh
 * connection of this process after a large reply. */
#include "config.h"

#include "dc-bus-name.h"

/* A renewal waits until large replies have stopped for this long (a
 * client asking for large answers without pause gains nothing from one),
 * and comes no sooner than RENEW_INTERVAL_US after the last. */
#define QUIET_MS 20
#define RENEW_INTERVAL_US (G_USEC_PER_SEC / 4)
/* An old connection keeps answering what clients still send to its
 * unique name (a GDBusProxy follows NameOwnerChanged within this). */
#define RETIRE_AFTER_S 2

/* RequestName's flag and replies (the D-Bus specification) */
#define DO_NOT_QUEUE 4
#define PRIMARY_OWNER 1
#define IN_QUEUE 2

typedef struct {
  GDBusConnection *connection;
  guint lost_id;       /* NameLost */
  gulong closed_id;
} Owner;

struct _DcBusName {
  char *name;
  char *address;
  DcService *service;
  DcBusNameHandlers handlers;
  gpointer user_data;
  Owner owner;
  GDBusConnection *next;   /* being connected or queued for the name */
  GCancellable *cancellable;
  gint64 last_renewal;
  guint renew_id;          /* a renewal waiting for quiet */
  GPtrArray *retiring;     /* Retiring: old connections still answering */
};

static void
on_name_lost (GDBusConnection *connection, const char *sender, const char *path,
              const char *iface, const char *signal, GVariant *parameters,
              gpointer user_data)
{
  DcBusName *self = user_data;

  if (connection == self->owner.connection)
    self->handlers.lost (self->name, FALSE, self->user_data);
}

static void
on_closed (GDBusConnection *connection, gboolean vanished, GError *error,
           gpointer user_data)
{
  DcBusName *self = user_data;

  if (connection == self->owner.connection)
    self->handlers.lost (self->name, TRUE, self->user_data);
}

static void
owner_watch (DcBusName *self, GDBusConnection *connection)
{
  self->owner.connection = connection;
  self->owner.lost_id =
    g_dbus_connection_signal_subscribe (connection, "org.freedesktop.DBus",
                                        "org.freedesktop.DBus", "NameLost",
                                        "/org/freedesktop/DBus", self->name,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_name_lost,
                                        self, NULL);
  self->owner.closed_id = g_signal_connect (connection, "closed",
                                            G_CALLBACK (on_closed), self);
}

/* Returns the owner's connection, no longer watched. */
static GDBusConnection *
owner_unwatch (DcBusName *self)
{
  GDBusConnection *connection = g_steal_pointer (&self->owner.connection);

  g_dbus_connection_signal_unsubscribe (connection, self->owner.lost_id);
  g_clear_signal_handler (&self->owner.closed_id, connection);
  self->owner.lost_id = 0;
  return connection;
}

static void
request_name (DcBusName *self, GDBusConnection *connection, guint32 flags,
              GAsyncReadyCallback callback)
{
  g_dbus_connection_call (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "RequestName",
                          g_variant_new ("(su)", self->name, flags),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          self->cancellable, callback, self);
}

static guint32
request_name_finish (GObject *source, GAsyncResult *result, GError **error)
{
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, error);
  guint32 code = 0;

  if (reply != NULL)
    g_variant_get (reply, "(u)", &code);
  return code;
}

static void
on_first_request (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  guint32 code = request_name_finish (source, result, &error);
  DcBusName *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  if (code == PRIMARY_OWNER)
    self->handlers.acquired (self->name, self->user_data);
  else
    self->handlers.lost (self->name,
                         g_dbus_connection_is_closed (G_DBUS_CONNECTION (source)),
                         self->user_data);
}

/* ---- retiring a connection ---- */

typedef struct {
  DcBusName *self;
  GDBusConnection *connection;
  guint timeout_id;
} Retiring;

static void
retiring_free (Retiring *retiring)
{
  g_clear_handle_id (&retiring->timeout_id, g_source_remove);
  g_object_unref (retiring->connection);
  g_free (retiring);
}

static gboolean
on_retired (gpointer user_data)
{
  Retiring *retiring = user_data;
  DcBusName *self = retiring->self;

  /* Calls still waiting for a probe hold the connection and are answered
   * on it; nothing new reaches the object there. */
  retiring->timeout_id = 0;
  dc_service_unexport_from (self->service, retiring->connection);
  g_ptr_array_remove_fast (self->retiring, retiring);
  return G_SOURCE_REMOVE;
}

static void
retire (DcBusName *self, GDBusConnection *connection)
{
  Retiring *retiring = g_new0 (Retiring, 1);

  retiring->self = self;
  retiring->connection = connection;
  retiring->timeout_id = g_timeout_add_seconds (RETIRE_AFTER_S, on_retired, retiring);
  g_ptr_array_add (self->retiring, retiring);
}

DcBusName *
dc_bus_name_new (GDBusConnection *connection, const char *address,
                 const char *name, DcService *service,
                 const DcBusNameHandlers *handlers, gpointer user_data)
{
  DcBusName *self = g_new0 (DcBusName, 1);

  self->name = g_strdup (name);
  self->address = g_strdup (address);
  self->service = service;
  self->handlers = *handlers;
  self->user_data = user_data;
  self->cancellable = g_cancellable_new ();
  self->retiring = g_ptr_array_new_with_free_func ((GDestroyNotify) retiring_free);
  owner_watch (self, connection);
  request_name (self, connection, DO_NOT_QUEUE, on_first_request);
  return self;
}

/* ---- renewal: a fresh connection queues for the name, the old one
 * lets go, and the bus hands the name over in one step ---- */

static void
give_up_next (DcBusName *self, const char *what, const GError *error)
{
  g_message ("Kept the bus connection: %s%s%s", what, error ? ": " : "",
             error ? error->message : "");
  if (self->next != NULL)
    {
      dc_service_unexport_from (self->service, self->next);
      g_dbus_connection_close (self->next, NULL, NULL, NULL);
      g_clear_object (&self->next);
    }
}

static void
on_queued (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  guint32 code = request_name_finish (source, result, &error);
  DcBusName *self;
  GDBusConnection *old;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  if (code != IN_QUEUE && code != PRIMARY_OWNER)
    return give_up_next (self, "the new connection could not queue for the name",
                         error);
  old = owner_unwatch (self);
  owner_watch (self, g_steal_pointer (&self->next));
  g_dbus_connection_call (old, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "ReleaseName",
                          g_variant_new ("(s)", self->name), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
  retire (self, old);
  g_debug ("Bus name moved to connection %s after a large reply",
           g_dbus_connection_get_unique_name (self->owner.connection));
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection = g_dbus_connection_new_for_address_finish (result, &error);
  DcBusName *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  if (connection == NULL)
    return give_up_next (self, "no new connection to the bus", error);
  self->next = connection;
  if (!dc_service_export (self->service, connection, &error))
    return give_up_next (self, "cannot export the service on it", error);
  request_name (self, connection, 0, on_queued);
}

static gboolean
renew (gpointer user_data)
{
  DcBusName *self = user_data;

  self->renew_id = 0;
  self->last_renewal = g_get_monotonic_time ();
  g_dbus_connection_new_for_address (self->address,
                                     G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                     G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                     NULL, self->cancellable, on_connected, self);
  return G_SOURCE_REMOVE;
}

void
dc_bus_name_replied (DcBusName *self, GDBusConnection *connection, gsize size)
{
  gint64 wait;

  if (size <= DC_BUS_NAME_RENEW_ABOVE || connection != self->owner.connection ||
      self->next != NULL || self->address == NULL)
    return;
  wait = self->last_renewal + RENEW_INTERVAL_US - g_get_monotonic_time ();
  g_clear_handle_id (&self->renew_id, g_source_remove);
  self->renew_id = g_timeout_add (MAX (QUIET_MS, wait / 1000 + 1), renew, self);
}

void
dc_bus_name_free (DcBusName *self)
{
  g_autoptr(GDBusConnection) owner = NULL;

  if (self == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->renew_id, g_source_remove);
  owner = owner_unwatch (self);
  g_clear_object (&self->next);
  g_ptr_array_unref (self->retiring);
  g_free (self->name);
  g_free (self->address);
  g_free (self);
}
