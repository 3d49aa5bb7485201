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
/* A connection that gave the name up keeps answering what is still sent
 * to its unique name (a GDBusProxy whose main loop does not run never
 * learns of the new owner) until nothing has come for this long, and at
 * most this many are kept. */
#define RETIRED_IDLE_S 60
#define MAX_RETIRED 8

/* RequestName's flags and replies (the D-Bus specification) */
#define ALLOW_REPLACEMENT 1
#define REPLACE_EXISTING 2
#define PRIMARY_OWNER 1
#define IN_QUEUE 2

typedef struct {
  GDBusConnection *connection;
  guint lost_id;       /* NameLost */
  gulong closed_id;
} Owner;

typedef struct {
  GDBusConnection *connection;
  gint64 last_used;    /* monotonic µs: when it last answered */
} Retired;

struct _DcBusName {
  char *name;
  char *address;
  DcService *service;
  DcBusNameHandlers handlers;
  gpointer user_data;
  Owner owner;
  GDBusConnection *old;    /* the owner before, while the new one asks */
  GCancellable *cancellable;
  gint64 last_renewal;
  guint renew_id;          /* a renewal waiting for quiet */
  GPtrArray *retired;      /* of Retired */
  guint sweep_id;          /* closes retired connections gone idle */
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
bus_call (DcBusName *self, GDBusConnection *connection, const char *method,
          GVariant *parameters, GAsyncReadyCallback callback)
{
  g_dbus_connection_call (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", method, parameters,
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          callback ? self->cancellable : NULL, callback, self);
}

static void
request_name (DcBusName *self, GDBusConnection *connection, guint32 flags,
              GAsyncReadyCallback callback)
{
  bus_call (self, connection, "RequestName", g_variant_new ("(su)", self->name, flags),
            callback);
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

/* Every connection asks with ALLOW_REPLACEMENT and without DO_NOT_QUEUE,
 * so that the next one can take the name in one step and the one it
 * replaces stays queued: the bus policy lets callers reach a connection
 * queued for the name, as it lets them reach its owner. */
static void
on_first_request (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  guint32 code = request_name_finish (source, result, &error);
  GDBusConnection *connection = G_DBUS_CONNECTION (source);
  DcBusName *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  if (code == PRIMARY_OWNER)
    return self->handlers.acquired (self->name, self->user_data);
  if (code == IN_QUEUE)   /* another instance has it: not wait behind it */
    bus_call (self, connection, "ReleaseName", g_variant_new ("(s)", self->name), NULL);
  self->handlers.lost (self->name, g_dbus_connection_is_closed (connection),
                       self->user_data);
}

/* ---- connections that gave the name up ---- */

static void
retired_free (Retired *retired)
{
  g_object_unref (retired->connection);
  g_free (retired);
}

static Retired *
find_retired (DcBusName *self, GDBusConnection *connection)
{
  for (guint i = 0; i < self->retired->len; i++)
    {
      Retired *retired = g_ptr_array_index (self->retired, i);

      if (retired->connection == connection)
        return retired;
    }
  return NULL;
}

/* Calls still waiting for a probe hold the connection and are answered
 * on it; nothing new reaches the object there. */
static void
close_retired (DcBusName *self, guint index)
{
  Retired *retired = g_ptr_array_index (self->retired, index);

  bus_call (self, retired->connection, "ReleaseName", g_variant_new ("(s)", self->name),
            NULL);
  dc_service_unexport_from (self->service, retired->connection);
  g_ptr_array_remove_index (self->retired, index);
}

static gboolean
on_sweep (gpointer user_data)
{
  DcBusName *self = user_data;
  gint64 now = g_get_monotonic_time ();

  for (guint i = self->retired->len; i-- > 0;)
    {
      Retired *retired = g_ptr_array_index (self->retired, i);

      if (now - retired->last_used > RETIRED_IDLE_S * G_USEC_PER_SEC)
        close_retired (self, i);
    }
  if (self->retired->len > 0)
    return G_SOURCE_CONTINUE;
  self->sweep_id = 0;
  return G_SOURCE_REMOVE;
}

/* A connection that gave the name up answers calls but sends no signal:
 * a subscriber without a sender filter would get each one again from it.
 * (Runs in GDBus's worker thread: it reads only the message.) */
static GDBusMessage *
drop_signals (GDBusConnection *connection, GDBusMessage *message, gboolean incoming,
              gpointer user_data)
{
  if (incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_SIGNAL)
    return message;
  g_object_unref (message);
  return NULL;
}

static void
retire (DcBusName *self, GDBusConnection *connection)
{
  Retired *retired = g_new0 (Retired, 1);
  guint oldest = 0;

  g_dbus_connection_add_filter (connection, drop_signals, NULL, NULL);
  retired->connection = connection;
  retired->last_used = g_get_monotonic_time ();
  g_ptr_array_add (self->retired, retired);
  if (self->retired->len > MAX_RETIRED)
    {
      for (guint i = 1; i < self->retired->len; i++)
        if (((Retired *) g_ptr_array_index (self->retired, i))->last_used <
            ((Retired *) g_ptr_array_index (self->retired, oldest))->last_used)
          oldest = i;
      close_retired (self, oldest);
    }
  if (self->sweep_id == 0)
    self->sweep_id = g_timeout_add_seconds (RETIRED_IDLE_S / 4, on_sweep, self);
}

/* ---- renewal: a fresh connection takes the name in one step; the one it
 * replaces stays queued for it ---- */

static void
give_up_new (DcBusName *self, GDBusConnection *connection, const char *what,
             const GError *error)
{
  g_message ("Kept the bus connection: %s%s%s", what, error ? ": " : "",
             error ? error->message : "");
  dc_service_unexport_from (self->service, connection);
  g_dbus_connection_close (connection, NULL, NULL, NULL);
  g_object_unref (connection);
}

static void
on_replaced (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  guint32 code = request_name_finish (source, result, &error);
  DcBusName *self;
  GDBusConnection *connection;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  if (code == PRIMARY_OWNER)
    {
      g_debug ("Bus name moved to connection %s after a large reply",
               g_dbus_connection_get_unique_name (self->owner.connection));
      return retire (self, g_steal_pointer (&self->old));
    }
  /* the old connection still has it: watch it again */
  connection = owner_unwatch (self);
  owner_watch (self, g_steal_pointer (&self->old));
  give_up_new (self, connection, "the new connection could not take the name", error);
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
    return g_message ("Kept the bus connection: no new connection to the bus: %s",
                      error->message);
  if (!dc_service_export (self->service, connection, &error))
    return give_up_new (self, connection, "cannot export the service on it", error);
  /* the old owner's NameLost, on its way, is expected: no longer watched */
  self->old = owner_unwatch (self);
  owner_watch (self, connection);
  request_name (self, connection, ALLOW_REPLACEMENT | REPLACE_EXISTING, on_replaced);
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
  self->retired = g_ptr_array_new_with_free_func ((GDestroyNotify) retired_free);
  owner_watch (self, connection);
  request_name (self, connection, ALLOW_REPLACEMENT, on_first_request);
  return self;
}

void
dc_bus_name_replied (DcBusName *self, GDBusConnection *connection, gsize size)
{
  Retired *retired = find_retired (self, connection);
  gint64 wait;

  if (retired != NULL)
    retired->last_used = g_get_monotonic_time ();
  if (size <= DC_BUS_NAME_RENEW_ABOVE || connection != self->owner.connection ||
      self->old != NULL || self->address == NULL)
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
  g_clear_handle_id (&self->sweep_id, g_source_remove);
  owner = owner_unwatch (self);
  g_clear_object (&self->old);
  g_ptr_array_unref (self->retired);
  g_free (self->name);
  g_free (self->address);
  g_free (self);
}
