/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-client: GetDomainCapabilities latency and throughput from GDBus
 * clients in one process, for domcapsd or libvirt-dbus alike.
 *
 *   bench-client ADDRESS DEST PATH INTERFACE [CALLS] [CLIENTS] [SECONDS] [QUESTION]
 *
 * Prints one JSON object: p50/p99 of CALLS sequential calls on one
 * connection (ms), then calls per second with CLIENTS threads, each on its
 * own connection, calling for SECONDS. Arguments sent: ("", ARCH, MACHINE,
 * "", 0) from QUESTION "ARCH/MACHINE" (default "x86_64/pc"); QUESTION
 * "ListEmulators" or "GetCapabilities" calls that (no arguments) instead;
 * "ValidateDomain@FILE" validates the domain XML in FILE. */
#include "config.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *address, *dest, *path, *iface;
  const char *arch, *machine;   /* NULL arch: @method, without arguments */
  const char *method;
  const char *domain;           /* ValidateDomain's argument, or NULL */
  gint64 deadline;
  guint calls;
} Target;

static GDBusConnection *
connect_to (const char *address)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *conn = g_dbus_connection_new_for_address_sync (
      address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
               G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, &error);

  if (conn == NULL)
    g_error ("cannot connect to %s: %s", address, error->message);
  return conn;
}

/* GetDomainCapabilities; to the bus itself GetId (one hop, the floor);
 * with INTERFACE org.freedesktop.DBus.Properties, Get of the Version
 * property of DEST (a tiny reply over two hops). */
static void
call_once (GDBusConnection *conn, const Target *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  if (g_str_equal (t->dest, "org.freedesktop.DBus"))
    reply = g_dbus_connection_call_sync (conn, t->dest, t->path, t->iface,
                                         "GetId", NULL, NULL,
                                         G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  else if (g_str_equal (t->iface, "org.freedesktop.DBus.Properties"))
    reply = g_dbus_connection_call_sync (conn, t->dest, t->path, t->iface, "Get",
                                         g_variant_new ("(ss)", t->dest, "Version"),
                                         NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                         &error);
  else if (t->domain != NULL)
    reply = g_dbus_connection_call_sync (conn, t->dest, t->path, t->iface,
                                         "ValidateDomain",
                                         g_variant_new ("(su)", t->domain, 0), NULL,
                                         G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  else if (t->arch == NULL)
    reply = g_dbus_connection_call_sync (conn, t->dest, t->path, t->iface,
                                         t->method, NULL, NULL,
                                         G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  else
    reply = g_dbus_connection_call_sync (conn, t->dest, t->path, t->iface,
                                         "GetDomainCapabilities",
                                         g_variant_new ("(ssssu)", "", t->arch,
                                                        t->machine, "", 0),
                                         NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                         &error);
  if (reply == NULL)
    g_error ("call failed: %s", error->message);
}

static gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static gpointer
client_thread (gpointer data)
{
  Target *t = data;
  g_autoptr(GDBusConnection) conn = connect_to (t->address);

  while (g_get_monotonic_time () < t->deadline)
    {
      call_once (conn, t);
      t->calls++;
    }
  return NULL;
}

int
main (int argc, char **argv)
{
  Target base = { 0 };
  guint calls = argc > 5 ? atoi (argv[5]) : 2000;
  guint clients = argc > 6 ? atoi (argv[6]) : 16;
  guint seconds = argc > 7 ? atoi (argv[7]) : 5;
  g_autoptr(GDBusConnection) conn = NULL;
  g_autofree double *ms = NULL;
  g_autofree Target *targets = NULL;
  g_autofree GThread **threads = NULL;
  guint total = 0;
  g_auto(GStrv) question = g_strsplit (argc > 8 ? argv[8] : "x86_64/pc", "/", 2);

  if (argc < 5 || calls == 0 || clients == 0 || seconds == 0)
    {
      g_printerr ("usage: bench-client ADDRESS DEST PATH INTERFACE [CALLS] [CLIENTS] [SECONDS]"
                  " [ARCH/MACHINE|ListEmulators|GetCapabilities]\n");
      return 2;
    }
  g_autofree char *domain = NULL;

  base = (Target) { argv[1], argv[2], argv[3], argv[4], NULL, NULL, NULL, NULL, 0, 0 };
  if (g_str_has_prefix (argv[argc > 8 ? 8 : 0], "ValidateDomain@"))
    {
      if (!g_file_get_contents (argv[8] + strlen ("ValidateDomain@"), &domain, NULL, NULL))
        g_error ("cannot read %s", argv[8]);
      base.domain = domain;
    }
  else if (g_str_equal (question[0], "ListEmulators") ||
           g_str_equal (question[0], "GetCapabilities"))
    base.method = question[0];
  else
    base.arch = question[0], base.machine = question[1] ? question[1] : "";
  conn = connect_to (base.address);
  call_once (conn, &base);   /* warm: the answer is rendered once */
  ms = g_new (double, calls);
  for (guint i = 0; i < calls; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      call_once (conn, &base);
      ms[i] = (g_get_monotonic_time () - t0) / 1000.0;
    }
  qsort (ms, calls, sizeof (double), (int (*) (const void *, const void *)) compare_doubles);
  targets = g_new0 (Target, clients);
  threads = g_new0 (GThread *, clients);
  for (guint i = 0; i < clients; i++)
    {
      targets[i] = base;
      targets[i].deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
      threads[i] = g_thread_new ("client", client_thread, &targets[i]);
    }
  for (guint i = 0; i < clients; i++)
    {
      g_thread_join (threads[i]);
      total += targets[i].calls;
    }
  g_print ("{\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"calls\": %u, "
           "\"clients\": %u, \"per_second\": %.0f}\n",
           ms[calls / 2], ms[(calls * 99) / 100], calls, clients,
           (double) total / seconds);
  return 0;
}
